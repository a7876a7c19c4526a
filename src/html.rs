//! HTML text: the one escaping helper every stage uses (Markdown, body
//! maps, templates' helpers, the dev server's error overlay), kept below
//! them all so that none has to import another for it.

/// `s` escaped for HTML text and attribute values (`&`, `<`, `>`, `"`, `'`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html(&mut out, s).ok();
    out
}
