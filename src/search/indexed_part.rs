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
//! One difference is wanted: Pagefind takes the first `<img>` after the
//! title as a result's image even inside an ignored element, so a related
//! article's picture could stand for the page; cut out, it cannot.

/// The attribute Pagefind's own attributes start with.
const PAGEFIND: &str = "data-pagefind";
/// The attribute that keeps an element out of the index.
const IGNORE: &str = "data-pagefind-ignore";

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
            push_indexed(&mut part, body);
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
    let body_attr = html.find("data-pagefind-body")?;
    let body_start = html[..body_attr].rfind('<')?;
    let name = tag_name(&html[body_start..])?;
    let close = format!("</{name}>");
    let body_end = html.rfind(&close)? + close.len();
    let html_start = html.find("<html")?;
    let html_tag_end = html_start + html[html_start..].find('>')? + 1;
    let body = &html[body_start..body_end];
    let outside = html[..body_start].contains(PAGEFIND) || html[body_end..].contains(PAGEFIND);
    let one_body = body.matches("data-pagefind-body").count() == 1;
    (!outside && one_body && html_tag_end <= body_start).then_some((&html[..html_tag_end], body))
}

/// Copies `body` without the elements Pagefind skips: `<svg>` and
/// `<nav>` elements and those marked `data-pagefind-ignore`, unless one
/// carries another Pagefind attribute (a filter or meta value inside an
/// ignored element still counts).
fn push_indexed(out: &mut String, body: &str) {
    let mut copied = 0;
    let mut at = 0;
    while let Some(offset) = body[at..].find('<') {
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
    let start_tag = &text[..text.find('>')? + 1];
    let ignored = start_tag.contains(IGNORE);
    if !(ignored || name == "svg" || name == "nav") {
        return None;
    }
    let len = element_len(text, name, start_tag)?;
    let element = &text[..len];
    let others = element.matches(PAGEFIND).count() - element.matches(IGNORE).count();
    (others == 0).then_some(len)
}

/// The name of the start tag `text` starts with (`<name …>`), if it is one.
fn tag_name(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('<')?;
    let len = rest
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len());
    let name = &rest[..len];
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
    let mut depth = 0usize;
    let mut at = 0;
    loop {
        let open = find_tag(text, at, &start);
        let close = find_tag(text, at, &end)?;
        match open {
            Some(open) if open < close => {
                depth += 1;
                at = open + 1;
            }
            _ => {
                depth -= 1;
                at = close + text[close..].find('>')? + 1;
                if depth == 0 {
                    return Some(at);
                }
            }
        }
    }
}

/// Where the next tag that starts with `prefix` (`<name` or `</name`,
/// the whole name) begins in `text`, from `from` on.
fn find_tag(text: &str, from: usize, prefix: &str) -> Option<usize> {
    let mut at = from;
    loop {
        let found = at + text[at..].find(prefix)?;
        let after = text[found + prefix.len()..].chars().next();
        if matches!(after, Some(c) if c.is_ascii_whitespace() || c == '>' || c == '/') {
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
