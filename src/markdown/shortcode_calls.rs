//! Shortcode calls inside Markdown: found before pulldown-cmark parses the
//! text, checked against their signatures, their bodies rendered as
//! Markdown, and each replaced by a placeholder that Markdown leaves alone.
//! The placeholders are swapped for the templates' output after linking
//! (`pages::shortcodes`), when the entities a call names can be shown.
//!
//! Replacing text moves what follows it, so an [`OffsetMap`] takes every
//! position of the parsed text back to the text as written: errors further
//! down still name the right line and column.

use std::borrow::Cow;
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::{render_part, Input, LinkResolver, Options_, Rendered};
use crate::diagnostics::Diagnostic;
use crate::shortcodes::parse::{self, Found};
use crate::shortcodes::Call;

/// Placeholders are private-use characters around the call's number: text
/// that Markdown, smart punctuation and HTML escaping all leave as it is.
pub const PLACEHOLDER_START: char = '\u{E000}';
pub const PLACEHOLDER_END: char = '\u{E001}';

pub fn placeholder(n: usize) -> String {
    format!("{PLACEHOLDER_START}{n}{PLACEHOLDER_END}")
}

/// Text with placeholders removed, for word counts and summaries.
pub fn without_placeholders(text: &str) -> Cow<'_, str> {
    if !text.contains(PLACEHOLDER_START) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        match c {
            PLACEHOLDER_START => inside = true,
            PLACEHOLDER_END => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// Maps positions of the rewritten text to the text as written.
#[derive(Debug, Default)]
pub struct OffsetMap {
    /// (start in rewritten text, its length there, start as written, length as written)
    pieces: Vec<(usize, usize, usize, usize)>,
}

impl OffsetMap {
    pub fn original(&self, at: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.0 <= at);
        let Some(&(new_start, new_len, old_start, old_len)) =
            i.checked_sub(1).map(|i| &self.pieces[i])
        else {
            return at;
        };
        if at < new_start + new_len {
            old_start + (at - new_start).min(old_len)
        } else {
            at - (new_start + new_len) + old_start + old_len
        }
    }
}

/// The text to parse, with every shortcode call replaced by its placeholder
/// (and `{{/* … */}}` by what it writes out); the map back; the rendered
/// bodies, whose links and anchors count as the text's own.
pub(super) fn replace<'t>(
    input: &Input<'t>,
    opts: &Options_,
    options: Options,
    resolver: &dyn LinkResolver,
    calls: &mut Vec<Call>,
    problems: &mut Vec<Diagnostic>,
) -> (Cow<'t, str>, OffsetMap, Vec<Rendered>) {
    let text = input.text;
    if !parse::may_contain(text) {
        return (Cow::Borrowed(text), OffsetMap::default(), Vec::new());
    }
    let (found, errors) = parse::find(text, &code_ranges(text, options));
    let locate = |r: Range<usize>| {
        input
            .source
            .locate(input.offset + r.start..input.offset + r.end)
    };
    for e in errors {
        let mut d = Diagnostic::error(e.message).at(locate(e.span));
        if let Some(help) = e.help {
            d = d.help(help);
        }
        problems.push(d);
    }
    if found.is_empty() {
        return (Cow::Borrowed(text), OffsetMap::default(), Vec::new());
    }
    let entity = |kind: crate::shortcodes::EntityKind, id: &str| {
        resolver.resolve(kind.link_kind(), id).map(|_| ())
    };
    let mut out = String::with_capacity(text.len());
    let mut map = OffsetMap::default();
    let mut bodies = Vec::new();
    let mut copied = 0;
    for f in found {
        let (span, replacement) = match f {
            Found::Literal(span, written) => (span, written),
            Found::Call(raw) => {
                let image = |src: &str| {
                    let picture = resolver.picture(&opts.images, src, &input.source.path)?;
                    Ok(serde_json::to_value(picture).unwrap_or_default())
                };
                let replacement = match opts.shortcodes.check(&raw, &locate, &entity, &image) {
                    Ok(mut call) => {
                        if let Some(body) = raw.body.clone() {
                            let body_input = Input {
                                source: input.source,
                                text: &text[body.clone()],
                                offset: input.offset + body.start,
                                allow_html: input.allow_html,
                            };
                            let rendered =
                                render_part(&body_input, true, opts, resolver, calls, problems);
                            call.body_html = Some(rendered.html.to_string());
                            bodies.push(rendered);
                        }
                        call.block = alone_on_its_lines(text, &raw.span);
                        calls.push(call);
                        placeholder(calls.len() - 1)
                    }
                    Err(e) => {
                        problems.extend(e);
                        String::new()
                    }
                };
                (raw.span, replacement)
            }
        };
        out.push_str(&text[copied..span.start]);
        map.pieces
            .push((out.len(), replacement.len(), span.start, span.len()));
        out.push_str(&replacement);
        copied = span.end;
    }
    out.push_str(&text[copied..]);
    (Cow::Owned(out), map, bodies)
}

/// The byte ranges that are code (blocks and spans): shortcodes there are text.
fn code_ranges(text: &str, options: Options) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut block_start = None;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Code(_) => ranges.push(range),
            Event::Start(Tag::CodeBlock(_)) => block_start = Some(range),
            Event::End(TagEnd::CodeBlock) => {
                if let Some(start) = block_start.take() {
                    ranges.push(start.start..range.end.max(start.end));
                }
            }
            _ => {}
        }
    }
    ranges.sort_by_key(|r| r.start);
    ranges
}

/// Nothing but white space before the call on its first line and after it
/// on its last: its output is a block of its own.
fn alone_on_its_lines(text: &str, span: &Range<usize>) -> bool {
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[span.end..]
        .find('\n')
        .map_or(text.len(), |i| span.end + i);
    text[line_start..span.start].trim().is_empty() && text[span.end..line_end].trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_map_back_across_replacements() {
        let map = OffsetMap {
            // "ab{{ x() }}cd" → "ab\u{E000}0\u{E001}cd": 9 bytes became 7.
            pieces: vec![(2, 7, 2, 9)],
        };
        assert_eq!(map.original(0), 0);
        assert_eq!(map.original(2), 2);
        assert_eq!(map.original(9), 11);
        assert_eq!(map.original(10), 12);
    }

    #[test]
    fn placeholders_leave_no_words() {
        assert_eq!(
            without_placeholders(&format!("a {} b", placeholder(12))),
            "a  b"
        );
    }
}
