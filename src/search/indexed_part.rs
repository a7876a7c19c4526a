//! The part of a rendered page handed to Pagefind.
//!
//! Pagefind reads a whole page, but of a page with a `data-pagefind-body`
//! element it indexes only that element (and takes the language from
//! `<html lang>`). Inside the body it skips what it does not index:
//! elements marked `data-pagefind-ignore` (the theme marks cards of other
//! pages, the disclaimer note, lists of related pages), `<nav>` and
//! `<svg>`. Handing it only the rest keeps the index the same while the
//! header, navigation, footer, body maps and card lists are not parsed
//! for each of 10,000 pages: at 10,000 articles an article's body element
//! was 9.4 KB, a third of it related-article cards and notes.
//!
//! Inside what is kept, the tags of inline elements that carry no id and
//! no Pagefind attribute (links, emphasis, highlighted code) are dropped
//! and their text kept: Pagefind reads such an element for its text
//! alone, which it adds to its parent's (with the parent's anchors), so
//! the index is the same with a third fewer elements for Pagefind's HTML
//! rewriter to track, each of which cost it an allocation, a closure and
//! ten attribute lookups.
//!
//! One difference is wanted: Pagefind takes the first `<img>` after the
//! title as a result's image even inside an ignored element, so a related
//! article's picture could stand for the page; cut out, it cannot.

use std::sync::LazyLock;

use memchr::memmem::{self, Finder};

/// The attribute Pagefind's own attributes start with.
const PAGEFIND: &str = "data-pagefind";
/// The attribute that keeps an element out of the index.
const IGNORE: &str = "data-pagefind-ignore";
/// The attribute of the element Pagefind indexes.
const BODY: &str = "data-pagefind-body";

// Searchers for the fixed patterns, built once: a page is searched for
// them once per tag, and each of 10,000 pages has hundreds of tags.
static PAGEFIND_FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(PAGEFIND));
static IGNORE_FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(IGNORE));
static BODY_FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(BODY));

fn contains(text: &str, pattern: &Finder) -> bool {
    pattern.find(text.as_bytes()).is_some()
}

fn count(text: &str, pattern: &Finder) -> usize {
    pattern.find_iter(text.as_bytes()).count()
}

/// What Pagefind needs to read of `html`: its `<html>` start tag and its
/// one `data-pagefind-body` element without the elements Pagefind skips.
/// The whole page when a Pagefind attribute is written outside the body
/// element, or there is not exactly one body element.
pub fn indexed_part(html: &str) -> String {
    match body_element(html) {
        Some((html_tag, body)) => {
            let mut part = String::with_capacity(html_tag.len() + body.len() + 30);
            part.push_str(html_tag);
            part.push_str("<body>");
            let mut kept = String::with_capacity(body.len());
            push_indexed(&mut kept, body);
            if !push_without_plain_inline_tags(&mut part, &kept) {
                part.push_str(&kept);
            }
            part.push_str("</body></html>");
            part
        }
        None => html.to_string(),
    }
}

/// The page up to the end of its `<html>` start tag, and its body
/// element; `None` when they are not found or Pagefind could read more
/// of the page than the body element.
fn body_element(html: &str) -> Option<(&str, &str)> {
    let body_attr = BODY_FINDER.find(html.as_bytes())?;
    let body_start = html[..body_attr].rfind('<')?;
    let name = tag_name(&html[body_start..])?;
    let close = format!("</{name}>");
    let body_end = memmem::rfind(html.as_bytes(), close.as_bytes())? + close.len();
    let html_start = memmem::find(html.as_bytes(), b"<html")?;
    let html_tag_end = html_start + find_byte(&html[html_start..], b'>')? + 1;
    let body = &html[body_start..body_end];
    let outside = contains(&html[..body_start], &PAGEFIND_FINDER)
        || contains(&html[body_end..], &PAGEFIND_FINDER);
    let one_body = count(body, &BODY_FINDER) == 1;
    (!outside && one_body && html_tag_end <= body_start).then_some((&html[..html_tag_end], body))
}

/// Copies `body` without the elements Pagefind skips: `<svg>` and
/// `<nav>` elements and those marked `data-pagefind-ignore`, unless one
/// carries another Pagefind attribute (a filter or meta value inside an
/// ignored element still counts).
fn push_indexed(out: &mut String, body: &str) {
    let mut copied = 0;
    let mut at = 0;
    while let Some(offset) = find_byte(&body[at..], b'<') {
        let start = at + offset;
        at = start + 1;
        let Some(len) = skipped_element_len(&body[start..]) else {
            continue;
        };
        out.push_str(&body[copied..start]);
        copied = start + len;
        at = copied;
    }
    out.push_str(&body[copied..]);
}

/// The length of the element `text` starts with, when Pagefind skips it
/// and it holds no Pagefind attribute that would still count.
fn skipped_element_len(text: &str) -> Option<usize> {
    let name = tag_name(text)?;
    let start_tag = &text[..find_byte(text, b'>')? + 1];
    let ignored = contains(start_tag, &IGNORE_FINDER);
    if !(ignored || name == "svg" || name == "nav") {
        return None;
    }
    let len = element_len(text, name, start_tag)?;
    let element = &text[..len];
    let others = count(element, &PAGEFIND_FINDER) - count(element, &IGNORE_FINDER);
    (others == 0).then_some(len)
}

/// Inline elements Pagefind does nothing with but read their text (and
/// give it their parent's anchors), when they have no id and no Pagefind
/// attribute. Not `br` (a space), `img` (a result's image), `label`,
/// `button`, `script` and the other form and embedded elements.
const PLAIN_INLINE: [&str; 22] = [
    "a", "abbr", "acronym", "b", "bdo", "big", "cite", "code", "dfn", "em", "i", "kbd", "q",
    "samp", "small", "span", "strong", "sub", "sup", "time", "tt", "var",
];

/// Elements without an end tag.
const VOID: [&str; 16] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr", "command",
];

/// What starts text that is not read as tags (raw text elements,
/// comments, foreign content), in any case: a body holding any keeps its
/// tags.
const NOT_TAGS: [&str; 13] = [
    "<script",
    "<style",
    "<textarea",
    "<title",
    "<!--",
    "<template",
    "<xmp",
    "<plaintext",
    "<noscript",
    "<iframe",
    "<noembed",
    "<noframes",
    "<math",
];

/// Appends `body` to `out` without the tags of its [`PLAIN_INLINE`]
/// elements that have no id and no Pagefind attribute, their text kept.
/// Appends nothing and returns false unless every element of `body`
/// closes in order (in HTML that does not nest, which element an end tag
/// closes is the parser's guess, and so is whose text a run is) and
/// `body` holds no text that is not read as tags ([`NOT_TAGS`]).
fn push_without_plain_inline_tags(out: &mut String, body: &str) -> bool {
    let before = out.len();
    let pushed = push_plain_text_of_inline(out, body).is_some();
    if !pushed {
        out.truncate(before);
    }
    pushed
}

/// [`push_without_plain_inline_tags`]; `None` when it gives up, having
/// appended part of `body`.
fn push_plain_text_of_inline(out: &mut String, body: &str) -> Option<()> {
    // Open elements: name, and whether its tags are dropped.
    let mut open: Vec<(&str, bool)> = Vec::new();
    let mut copied = 0;
    let mut at = 0;
    while let Some(offset) = find_byte(&body[at..], b'<') {
        let start = at + offset;
        at = start + 1;
        let rest = &body[start..];
        if NOT_TAGS.iter().any(|t| starts_with_ignoring_case(rest, t)) {
            return None;
        }
        let drop = if let Some(name) = rest.strip_prefix("</").and_then(element_name) {
            let (opened, dropped) = open.pop()?;
            if opened != name {
                return None;
            }
            dropped
        } else if let Some(name) = tag_name(rest) {
            if VOID.contains(&name) {
                continue;
            }
            let tag = &rest[..find_byte(rest, b'>')? + 1];
            if tag.ends_with("/>") {
                return None;
            }
            let dropped = PLAIN_INLINE.contains(&name) && only_plain_attributes(tag);
            open.push((name, dropped));
            dropped
        } else {
            continue;
        };
        if drop {
            out.push_str(&body[copied..start]);
            copied = start + find_byte(rest, b'>')? + 1;
            at = copied;
        }
    }
    out.push_str(&body[copied..]);
    open.is_empty().then_some(())
}

/// Where `byte` (ASCII, so a char boundary) first is in `text`: memchr's
/// SIMD search, where `str::find` of a char searches a word at a time.
fn find_byte(text: &str, byte: u8) -> Option<usize> {
    memchr::memchr(byte, text.as_bytes())
}

fn starts_with_ignoring_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Whether start tag `tag` surely has no id and no Pagefind attribute:
/// no `id` anywhere in it (`data-id`, a URL with "id" in it: kept, to be
/// safe), no Pagefind attribute, and quotes that pair up with no `'`
/// (else a `>` inside a value may have ended the tag early).
fn only_plain_attributes(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    !contains(tag, &PAGEFIND_FINDER)
        && !bytes.windows(2).any(|w| w.eq_ignore_ascii_case(b"id"))
        && !tag.contains('\'')
        && tag.matches('"').count().is_multiple_of(2)
}

/// The name of the start tag `text` starts with (`<name …>`), if it is one.
fn tag_name(text: &str) -> Option<&str> {
    element_name(text.strip_prefix('<')?)
}

/// The element name `text` starts with (after a tag's `<` or `</`).
fn element_name(text: &str) -> Option<&str> {
    let len = text
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(text.len());
    let name = &text[..len];
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then_some(name)
}

/// The length of the `name` element `text` starts with (whose start tag
/// is `start_tag`), nested elements of the same name included; `None` if
/// it does not close.
fn element_len(text: &str, name: &str, start_tag: &str) -> Option<usize> {
    if name == "svg" && start_tag.ends_with("/>") {
        return Some(start_tag.len());
    }
    let (start, end) = (format!("<{name}"), format!("</{name}"));
    let (start, end) = (Finder::new(&start), Finder::new(&end));
    let mut depth = 0usize;
    let mut at = 0;
    // The next start tag is kept while it lies after the end tags closed
    // before it, not searched for again after each of them.
    let mut open = find_tag(text, at, &start);
    loop {
        let close = find_tag(text, at, &end)?;
        match open {
            Some(o) if o < close => {
                depth += 1;
                at = o + 1;
                open = find_tag(text, at, &start);
            }
            _ => {
                depth -= 1;
                at = close + find_byte(&text[close..], b'>')? + 1;
                if depth == 0 {
                    return Some(at);
                }
                if open.is_some_and(|o| o < at) {
                    open = find_tag(text, at, &start);
                }
            }
        }
    }
}

/// Where the next tag that starts with `prefix` (`<name` or `</name`,
/// the whole name) begins in `text`, from `from` on.
fn find_tag(text: &str, from: usize, prefix: &Finder) -> Option<usize> {
    let mut at = from;
    loop {
        let found = at + prefix.find(&text.as_bytes()[at..])?;
        let after = text.as_bytes().get(found + prefix.needle().len());
        if matches!(after, Some(&c) if c.is_ascii_whitespace() || c == b'>' || c == b'/') {
            return Some(found);
        }
        at = found + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html><html lang="de"><head><title>T</title></head><body><nav>Menu</nav><main id="main" data-pagefind-body data-pagefind-filter="kind:Article"><h1>Nacken</h1><div><p>Trapezius</p><svg viewBox="0 0 1 1"><title>Karte</title><svg><g id="r"><path d="M0 0"/></g></svg><text>Nacken</text></svg><p>Schmerz</p></div></main><footer>Studio</footer></body></html>"#;

    #[test]
    fn only_the_body_element_and_the_html_tag_are_indexed() {
        assert_eq!(
            indexed_part(PAGE),
            r#"<!DOCTYPE html><html lang="de"><body><main id="main" data-pagefind-body data-pagefind-filter="kind:Article"><h1>Nacken</h1><div><p>Trapezius</p><p>Schmerz</p></div></main></body></html>"#
        );
    }

    #[test]
    fn a_pagefind_attribute_outside_the_body_keeps_the_whole_page() {
        let meta_outside = PAGE.replace("<nav>", r#"<nav data-pagefind-meta="section:x">"#);
        assert_eq!(indexed_part(&meta_outside), meta_outside);
        let no_body = PAGE.replace(" data-pagefind-body", "");
        assert_eq!(indexed_part(&no_body), no_body);
    }

    #[test]
    fn ignored_elements_and_navigation_are_cut_nested_ones_whole() {
        let body = r#"<main data-pagefind-body><p>Kept</p><section id="related" data-pagefind-ignore><h2>Related</h2><section><p>Card</p><div data-pagefind-ignore>Inner</div></section><p>More</p></section><nav class="toc"><ol><li>Menu</li></ol></nav><li class="card" data-pagefind-ignore="all"><a href="/x/">X</a></li><p>End</p></main>"#;
        let page = format!("<html lang=\"en\"><body>{body}</body></html>");
        assert_eq!(
            indexed_part(&page),
            r#"<html lang="en"><body><main data-pagefind-body><p>Kept</p><p>End</p></main></body></html>"#
        );
    }

    #[test]
    fn an_ignored_element_ends_at_its_own_end_tag_past_siblings_of_its_name() {
        // Inner elements of the same name open and close several times
        // before the ignored one closes; text after it stays.
        let body = r#"<main data-pagefind-body><div data-pagefind-ignore><div>a</div><div>b<div>c</div></div><divider>d</divider></div><div>Kept</div><p>End</p></main>"#;
        let page = format!("<html lang=\"en\"><body>{body}</body></html>");
        assert_eq!(
            indexed_part(&page),
            r#"<html lang="en"><body><main data-pagefind-body><div>Kept</div><p>End</p></main></body></html>"#
        );
    }

    #[test]
    fn plain_inline_tags_are_dropped_their_text_kept() {
        let body = r#"<main data-pagefind-body><p>A <em>b</em> <a href="/c/">c <code>d</code></a>e<br>f</p><h2 id="g">G <span class="x">h</span></h2></main>"#;
        let page = format!("<html lang=\"en\"><body>{body}</body></html>");
        assert_eq!(
            indexed_part(&page),
            r#"<html lang="en"><body><main data-pagefind-body><p>A b c de<br>f</p><h2 id="g">G h</h2></main></body></html>"#
        );
    }

    #[test]
    fn inline_tags_that_may_matter_or_may_not_nest_are_kept() {
        for body in [
            // An id is an anchor; a Pagefind attribute counts.
            r#"<main data-pagefind-body><p><span id="x">a</span><em data-pagefind-weight="2">b</em></p></main>"#,
            // Attributes the scan cannot be sure of.
            r#"<main data-pagefind-body><p><a data-id="1">a</a><a title='x'>b</a><a title="1>2">c</a></p></main>"#,
            // Tags that do not nest, or do not close.
            r#"<main data-pagefind-body><p><em>a<strong>b</em>c</strong></p></main>"#,
            r#"<main data-pagefind-body><p><em>a</p></main>"#,
            r#"<main data-pagefind-body><p><span/>a</p></main>"#,
            // Text that is not read as tags.
            r#"<main data-pagefind-body><p><em>a</em><!-- <em> --></p></main>"#,
            r#"<main data-pagefind-body><p><em>a</em><SCRIPT>"</em>"</SCRIPT></p></main>"#,
        ] {
            let page = format!("<html lang=\"en\"><body>{body}</body></html>");
            assert_eq!(indexed_part(&page), page);
        }
    }

    #[test]
    fn what_pagefind_would_still_read_is_kept() {
        // A meta value inside an ignored element still counts; an element
        // that never closes, or whose name only starts like the one
        // sought, is not cut by guesswork.
        for body in [
            r#"<main data-pagefind-body><div data-pagefind-ignore><span data-pagefind-meta="x:y">Z</span></div><p>A</p></main>"#,
            r#"<main data-pagefind-body><div data-pagefind-ignore><p>never closed</p></main>"#,
            r#"<main data-pagefind-body><navigation>Kept</navigation></main>"#,
        ] {
            let page = format!("<html lang=\"en\"><body>{body}</body></html>");
            assert_eq!(
                indexed_part(&page),
                format!("<html lang=\"en\"><body>{body}</body></html>"),
            );
        }
    }
}
