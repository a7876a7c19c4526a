//! Footnotes: `text[^note]` refers to a definition `[^note]: …` written
//! anywhere in the text. pulldown-cmark would leave each definition where
//! it was written, with the label itself as its id (`id="1"`, which a
//! heading's id may equal) and no way back to the text. Here they are
//! numbered in the order they are first referred to and gathered in a list
//! at the end of the text, each linking back to its references, as GitHub
//! and Hugo render them.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, TagEnd};

use crate::html::escape;

/// The phrases footnotes are written with, in the site's language.
#[derive(Debug, Clone, Default)]
pub struct FootnoteWords {
    /// The list's heading, for screen readers ("Footnotes").
    pub heading: String,
    /// A link back to the text; `{n}` is the footnote's number.
    pub back: String,
}

/// The footnotes of one text: the definitions collected and the numbers
/// given so far.
pub(super) struct Footnotes<'a> {
    /// Put before every id, so that two texts on one page (a muscle's
    /// description and its self-care advice) do not share ids.
    scope: String,
    /// Labels in the order first referred to: footnote `n` is `order[n-1]`.
    order: Vec<CowStr<'a>>,
    /// How often each footnote (by number - 1) was referred to so far.
    references: Vec<usize>,
    definitions: HashMap<CowStr<'a>, Vec<Event<'a>>>,
    /// The definition being read: its label and events.
    open: Option<(CowStr<'a>, Vec<Event<'a>>)>,
}

impl<'a> Footnotes<'a> {
    /// `scope` is empty for the one text a page shows whole (an article's
    /// or page's body); other texts pass something unique on the page.
    pub(super) fn new(scope: String) -> Self {
        Footnotes {
            scope,
            order: Vec::new(),
            references: Vec::new(),
            definitions: HashMap::new(),
            open: None,
        }
    }

    /// The superscript number linking to footnote `label`.
    pub(super) fn reference(&mut self, label: CowStr<'a>) -> Event<'a> {
        let n = match self.order.iter().position(|l| *l == label) {
            Some(i) => i + 1,
            None => {
                self.order.push(label);
                self.references.push(0);
                self.order.len()
            }
        };
        self.references[n - 1] += 1;
        let id = self.reference_id(n, self.references[n - 1]);
        let scope = &self.scope;
        Event::InlineHtml(
            format!(
                "<sup class=\"footnote-ref\"><a href=\"#fn-{scope}{n}\" id=\"{id}\" role=\"doc-noteref\">{n}</a></sup>"
            )
            .into(),
        )
    }

    fn reference_id(&self, n: usize, k: usize) -> String {
        let scope = &self.scope;
        if k == 1 {
            format!("fnref-{scope}{n}")
        } else {
            format!("fnref-{scope}{n}-{k}")
        }
    }

    pub(super) fn start_definition(&mut self, label: CowStr<'a>) {
        self.open = Some((label, Vec::new()));
    }

    pub(super) fn end_definition(&mut self) {
        if let Some((label, events)) = self.open.take() {
            // As in GitHub's rendering, the first definition of a label wins.
            self.definitions.entry(label).or_insert(events);
        }
    }

    /// Where the events of a definition being read go, if one is.
    pub(super) fn collecting(&mut self) -> Option<&mut Vec<Event<'a>>> {
        self.open.as_mut().map(|(_, events)| events)
    }

    /// The list of footnotes referred to, to end the text with; nothing
    /// when there are none. A definition never referred to is left out.
    pub(super) fn finish(mut self, words: &FootnoteWords) -> Vec<Event<'a>> {
        self.end_definition();
        if self.order.is_empty() {
            return Vec::new();
        }
        let scope = &self.scope;
        let mut out = vec![Event::Html(
            format!(
                "<section class=\"footnotes\" aria-labelledby=\"fn-{scope}heading\">\n<h2 id=\"fn-{scope}heading\" class=\"visually-hidden\">{}</h2>\n<ol>\n",
                escape(&words.heading)
            )
            .into(),
        )];
        for (i, label) in self.order.iter().enumerate() {
            let n = i + 1;
            out.push(Event::Html(format!("<li id=\"fn-{scope}{n}\">").into()));
            let mut body = self.definitions.remove(label).unwrap_or_default();
            let backlinks = self.backlinks(n, words);
            // Inside the last paragraph, as the end of the note's text.
            match body.last() {
                Some(Event::End(TagEnd::Paragraph)) => {
                    body.insert(body.len() - 1, Event::InlineHtml(backlinks.into()))
                }
                _ => body.push(Event::Html(backlinks.into())),
            }
            out.extend(body);
            out.push(Event::Html("</li>\n".into()));
        }
        out.push(Event::Html("</ol>\n</section>\n".into()));
        out
    }

    /// One link back for each reference to footnote `n`.
    fn backlinks(&self, n: usize, words: &FootnoteWords) -> String {
        let label = escape(&words.back.replace("{n}", &n.to_string()));
        (1..=self.references[n - 1])
            .map(|k| {
                let mark = if k == 1 {
                    "↩\u{fe0e}".to_string()
                } else {
                    format!("↩\u{fe0e}<sup>{k}</sup>")
                };
                format!(
                    " <a href=\"#{}\" class=\"footnote-back\" role=\"doc-backlink\" aria-label=\"{label}\">{mark}</a>",
                    self.reference_id(n, k)
                )
            })
            .collect()
    }
}
