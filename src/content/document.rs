//! Articles (`content/blog/*.md`) and stand-alone pages (`content/pages/*.md`):
//! TOML front matter between `+++` lines, then a Markdown body.

use std::ops::Range;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::date::Date;
use crate::diagnostics::{Diagnostic, Source};
use crate::ids::{slugify, UrlPath};
use crate::toml_file;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Article,
    Page,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    pub date: Option<Date>,
    pub updated: Option<Date>,
    #[serde(default)]
    pub description: String,
    /// A person id when the site has content/people/, else a name.
    pub author: Option<Spanned<String>>,
    pub reviewed_by: Option<Spanned<String>>,
    pub last_reviewed: Option<Date>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub muscles: Vec<Spanned<String>>,
    #[serde(default)]
    pub techniques: Vec<Spanned<String>>,
    #[serde(default)]
    pub takeaways: Vec<String>,
    #[serde(default)]
    pub draft: bool,
    pub slug: Option<Spanned<String>>,
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    /// A template of the theme to use instead of the default one.
    pub template: Option<Spanned<String>>,
    /// An image for sharing cards and the top of the article.
    pub image: Option<Spanned<String>>,
    #[serde(default)]
    pub image_alt: String,
    /// Pages: their place in the footer menu (lower first); absent pages are
    /// not in the menu.
    pub menu_order: Option<i64>,
    #[serde(default)]
    pub extra: toml::Table,
}

/// A loaded article or page.
#[derive(Debug, Clone)]
pub struct Document {
    pub kind: DocKind,
    pub source: Arc<Source>,
    pub meta: FrontMatter,
    /// Where the front matter's TOML lies in `source.text`.
    pub front_matter: Range<usize>,
    /// Where the Markdown body lies in `source.text`.
    pub body: Range<usize>,
    pub slug: String,
    /// The file name without `.md` (the folder's for `<stem>/index.md`):
    /// what translations are named after.
    pub stem: String,
    pub url: UrlPath,
}

impl Document {
    pub fn body_text(&self) -> &str {
        &self.source.text[self.body.clone()]
    }

    /// Lets go of the Markdown body's text (the body becomes empty),
    /// keeping the front matter, which later stages still point into
    /// (aliases, review dates, the page's first line). For a build whose
    /// bodies are rendered: nothing reads the text again, and the texts of
    /// 10,000 articles are 80 MB.
    pub fn release_body_text(&mut self) {
        let kept = self.body.start.min(self.source.text.len());
        let head = self.source.text[..kept].to_string();
        self.source = Source::new(self.source.path.clone(), head);
        self.body = kept..kept;
    }

    /// The location of the front matter's first line, for whole-document
    /// problems.
    pub fn head_location(&self) -> crate::diagnostics::Location {
        self.source.locate(0..3)
    }

    /// Where the string `value` is written in the front matter, for a
    /// field read without its position (a tag).
    pub fn front_matter_value(&self, value: &str) -> crate::diagnostics::Location {
        let fm = &self.source.text[self.front_matter.clone()];
        let at = written_at(fm, value);
        let start = self.front_matter.start;
        self.source.locate(start + at.start..start + at.end)
    }
}

/// Finds the front matter: the TOML range and the body range.
pub fn split_front_matter(source: &Source) -> Result<(Range<usize>, Range<usize>), Diagnostic> {
    let text = &source.text;
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let first_line_end = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    if text[start..first_line_end].trim_end() != "+++" {
        return Err(Diagnostic::error("missing front matter: the file must start with a line `+++`")
            .at(source.locate(start..first_line_end.min(start + 3)))
            .help("put the title and date between two `+++` lines at the very top, like:\n+++\ntitle = \"…\"\ndate = 2026-03-14\n+++"));
    }
    let mut offset = first_line_end;
    for line in text[first_line_end..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Ok((first_line_end..offset, offset + line.len()..text.len()));
        }
        offset += line.len();
    }
    Err(
        Diagnostic::error("front matter is never closed: no second `+++` line")
            .at(source.locate(start..start + 3))
            .help("add a line `+++` after the last front matter key"),
    )
}

/// Loads one Markdown document; `stem` is its file name without `.md`.
/// Any problem is an error ([`load_checked`] keeps the document when it
/// can be linked all the same).
pub fn load(kind: DocKind, source: Arc<Source>, stem: &str) -> Result<Document, Vec<Diagnostic>> {
    match load_checked(kind, source, stem) {
        (Some(doc), problems) if problems.is_empty() => Ok(doc),
        (_, problems) => Err(problems),
    }
}

/// Loads one Markdown document and lists its front matter's problems.
/// The document comes back too when its problems do not stop it from
/// being linked (an empty title, an image without its `image_alt`): the
/// build fails on the errors all the same, but the body's broken links,
/// citations and images are reported in the same run, not one run later.
pub fn load_checked(
    kind: DocKind,
    source: Arc<Source>,
    stem: &str,
) -> (Option<Document>, Vec<Diagnostic>) {
    let (fm_range, body) = match split_front_matter(&source) {
        Ok(split) => split,
        Err(d) => return (None, vec![d]),
    };
    let (meta, mut problems): (FrontMatter, _) = match toml_file::parse(&source, fm_range.clone()) {
        Ok(parsed) => parsed,
        Err(problems) => return (None, problems),
    };
    let locate_in_fm =
        |span: Range<usize>| source.locate(fm_range.start + span.start..fm_range.start + span.end);
    let slug = match &meta.slug {
        Some(s) => {
            if let Err(msg) = check_slug(s.get_ref()) {
                problems.push(Diagnostic::error(msg).at(locate_in_fm(s.span())));
            }
            s.get_ref().clone()
        }
        None => slugify(stem),
    };
    if slug.is_empty() {
        problems.push(
            Diagnostic::error(format!("the file name `{stem}` gives an empty URL slug"))
                .at(source.whole())
                .help("rename the file, or set `slug = \"…\"` in the front matter"),
        );
    }
    // Problems that do not stop the document from being linked.
    let mut soft = Vec::new();
    if meta.title.trim().is_empty() {
        soft.push(Diagnostic::error("`title` must not be empty").at(source.locate(0..3)));
    }
    if kind == DocKind::Article && meta.date.is_none() {
        problems.push(
            Diagnostic::error("missing required key `date` (articles need a publication date)")
                .at(source.locate(0..3))
                .help("add a line like `date = 2026-03-14` to the front matter"),
        );
    }
    for tag in meta.tags.iter().filter(|tag| slugify(tag).is_empty()) {
        let fm = &source.text[fm_range.clone()];
        problems.push(
            Diagnostic::error(format!(
                "tag `{tag}` has no letter or digit to make its page's URL from"
            ))
            .at(locate_in_fm(written_at(fm, tag)))
            .help("name the tag with a word, like \"self-care\""),
        );
    }
    if let Some(image) = meta
        .image
        .as_ref()
        .filter(|_| meta.image_alt.trim().is_empty())
    {
        soft.push(
            Diagnostic::error("`image` needs an `image_alt` describing it for screen readers")
                .at(locate_in_fm(image.span()))
                .help(
                    "add a line like image_alt = \"A therapist's hands on a client's upper back\"",
                ),
        );
    }
    let fatal = !problems.is_empty();
    problems.extend(soft);
    if fatal {
        return (None, problems);
    }
    let url = match kind {
        DocKind::Article => UrlPath::page(&["blog", &slug]),
        DocKind::Page => UrlPath::page(&[&slug]),
    };
    let doc = Document {
        kind,
        source,
        meta,
        front_matter: fm_range,
        body,
        slug,
        stem: stem.to_string(),
        url,
    };
    (Some(doc), problems)
}

/// Where the string `value` is written in the TOML text `fm` (quoted), or
/// the whole text when it cannot be found (escaped, say): for locating a
/// value that was deserialised without its span.
fn written_at(fm: &str, value: &str) -> Range<usize> {
    ['"', '\'']
        .iter()
        .find_map(|quote| {
            let quoted = format!("{quote}{value}{quote}");
            fm.find(&quoted).map(|at| at..at + quoted.len())
        })
        .unwrap_or(0..fm.len())
}

fn check_slug(s: &str) -> Result<(), String> {
    if s.is_empty() || s.contains(['/', '\\', '?', '#', ' ']) || s == "." || s == ".." {
        Err(format!(
            "`{s}` is not a usable slug: use letters, digits and `-` (like `{}`)",
            slugify(s)
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> Arc<Source> {
        Source::new("content/blog/x.md", text.to_string())
    }

    #[test]
    fn splits_front_matter() {
        let s = src("+++\ntitle = \"A\"\n+++\nBody\n");
        let (fm, body) = split_front_matter(&s).unwrap();
        assert_eq!(&s.text[fm], "title = \"A\"\n");
        assert_eq!(&s.text[body], "Body\n");
    }

    #[test]
    fn a_released_body_keeps_the_front_matter_it_is_located_by() {
        let s =
            src("+++\ntitle = \"A\"\ndate = 2026-03-14\ntags = [\"neck\"]\n+++\nA long body.\n");
        let mut doc = load(DocKind::Article, s, "x").unwrap();
        let tag = doc.front_matter_value("neck");
        doc.release_body_text();
        assert_eq!(doc.body_text(), "");
        assert!(!doc.source.text.contains("A long body"));
        assert_eq!(doc.front_matter_value("neck"), tag);
        assert_eq!((tag.line, tag.column), (4, 9));
        assert_eq!(doc.head_location().line_text, "+++");
    }

    #[test]
    fn unterminated_front_matter() {
        let s = src("+++\ntitle = \"A\"\nBody\n");
        let d = split_front_matter(&s).unwrap_err();
        assert!(d.message.contains("never closed"));
        assert_eq!(d.location.unwrap().line, 1);
    }

    #[test]
    fn bad_date_is_located() {
        let s = src("+++\ntitle = \"A\"\ndate = \"2026-02-31\"\n+++\n");
        let errs = load(DocKind::Article, s, "x").unwrap_err();
        assert_eq!(errs[0].location.as_ref().unwrap().line, 3, "{errs:?}");
        assert!(errs[0].message.contains("no day 31"), "{errs:?}");
    }

    #[test]
    fn toml_date_literal() {
        let s = src("+++\ntitle = \"A\"\ndate = 2026-03-14\n+++\n");
        let doc = load(DocKind::Article, s, "My Post").unwrap();
        assert_eq!(doc.meta.date.unwrap().to_string(), "2026-03-14");
        assert_eq!(doc.url.as_str(), "/blog/my-post/");
    }
}
