//! Citation markers, numbered per page.
//!
//! One Markdown text can appear on several pages (an FAQ answer shows on its
//! topic page and on every muscle page it concerns), and each page numbers
//! its references from 1 in order of first citation. So rendering leaves a
//! placeholder holding the key, and the page planner numbers the
//! placeholders of all the fragments of one page, in page order.

use std::sync::Arc;

use super::escape;

// Private-use characters never typed in content, and never produced by the
// HTML writer, so they can delimit placeholders safely.
const OPEN: char = '\u{E000}';
const SEP: char = '\u{E001}';
const CLOSE: char = '\u{E002}';

/// Whether rendered HTML cites a reference (its page lists references).
pub fn has_citations(html: &str) -> bool {
    html.contains(OPEN)
}

/// The placeholder for `[@key, locator]`. The locator is escaped here.
pub fn placeholder(key: &str, locator: &str) -> String {
    format!("{OPEN}{key}{SEP}{}{CLOSE}", escape(locator))
}

/// Numbers the citations of one page.
#[derive(Debug, Default)]
pub struct PageCitations {
    /// Reference keys in order of first citation: reference `n` is `order[n-1]`.
    order: Vec<String>,
    markers: usize,
}

impl PageCitations {
    pub fn new() -> Self {
        Self::default()
    }

    /// [`PageCitations::number`] for a shared text: the same text, not a
    /// copy, when it cites nothing.
    pub fn number_shared(&mut self, html: &Arc<str>) -> Arc<str> {
        if html.contains(OPEN) {
            self.number(html).into()
        } else {
            Arc::clone(html)
        }
    }

    /// Replaces the placeholders of `html` with numbered markers linking to
    /// the page's reference list (`#ref-<key>`).
    pub fn number(&mut self, html: &str) -> String {
        if !html.contains(OPEN) {
            return html.to_string();
        }
        let mut out = String::with_capacity(html.len() + 64);
        let mut rest = html;
        while let Some(start) = rest.find(OPEN) {
            out.push_str(&rest[..start]);
            let after = &rest[start + OPEN.len_utf8()..];
            let Some(end) = after.find(CLOSE) else {
                out.push_str(&rest[start..]);
                return out;
            };
            let (key, locator) = after[..end].split_once(SEP).unwrap_or((&after[..end], ""));
            let number = match self.order.iter().position(|k| k == key) {
                Some(i) => i + 1,
                None => {
                    self.order.push(key.to_string());
                    self.order.len()
                }
            };
            self.markers += 1;
            let locator = if locator.is_empty() {
                String::new()
            } else {
                format!(", {locator}")
            };
            out.push_str(&format!(
                "<sup class=\"cite\" id=\"cite-{m}\"><a href=\"#ref-{key}\" aria-label=\"Reference {number}{locator}\">[{number}{locator}]</a></sup>",
                m = self.markers
            ));
            rest = &after[end + CLOSE.len_utf8()..];
        }
        out.push_str(rest);
        out
    }

    /// The cited keys in order of first citation.
    pub fn keys(&self) -> &[String] {
        &self.order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_order_of_first_citation_across_fragments() {
        let mut c = PageCitations::new();
        let a = c.number(&format!(
            "x{}y{}",
            placeholder("b-2000", ""),
            placeholder("a-1999", "p. 3")
        ));
        let b = c.number(&format!("z{}", placeholder("b-2000", "")));
        assert!(
            a.contains("href=\"#ref-b-2000\" aria-label=\"Reference 1\">[1]"),
            "{a}"
        );
        assert!(a.contains(">[2, p. 3]<"), "{a}");
        assert!(b.contains(">[1]<"), "{b}");
        assert_eq!(c.keys(), ["b-2000", "a-1999"]);
        assert!(b.contains("id=\"cite-3\""));
    }
}
