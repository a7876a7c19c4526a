//! The one Markdown pipeline used for article bodies and every Markdown field
//! of the data files.
//!
//! On top of pulldown-cmark it: resolves cross-links (`@muscles/<id>`, …)
//! through a [`LinkResolver`], turns citations (`[@key]`, `[@key, p. 12]`)
//! into placeholders numbered later per page ([`citations`]), gives headings
//! stable unique ids and collects a table of contents, highlights fenced
//! code, makes root-relative links honour the base path, and escapes raw HTML
//! where it is not allowed (data files). It knows nothing of templates.

pub mod citations;
mod footnotes;
pub mod highlight;
mod lookups;
mod shortcode_calls;

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};
use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Location, Source};
use crate::html::escape;
use crate::ids::slugify;
use crate::ids::Target;
use crate::shortcodes::{Call, Shortcodes};
pub use footnotes::FootnoteWords;
use footnotes::Footnotes;
pub use lookups::Lookup;
use shortcode_calls::OffsetMap;
pub use shortcode_calls::{placeholder, PLACEHOLDER_END, PLACEHOLDER_START};

/// Resolves cross-link targets and citation keys; implemented by the graph.
pub trait LinkResolver: Sync {
    /// `kind` is the part after `@` (`muscles`, `blog`, …), `id` the rest.
    /// The error is a diagnostic without a location (the caller adds it).
    fn resolve(&self, kind: &str, id: &str) -> Result<(String, Target), Diagnostic>;
    fn check_citation(&self, key: &str) -> Result<(), Diagnostic>;
    /// How to show the image `src` written in the file `from`. Asked here,
    /// not of `images` directly, so that [`Lookup`]s are recorded.
    fn picture(
        &self,
        images: &crate::images::Library,
        src: &str,
        from: &Path,
    ) -> Result<crate::images::Picture, Diagnostic> {
        images.picture(src, from)
    }
}

#[derive(Debug, Clone)]
pub struct Options_ {
    pub smart_punctuation: bool,
    /// The base path of `base_url` (`/studio` or empty), put in front of
    /// root-relative links written in Markdown.
    pub base_path: String,
    /// The shortcodes the site's templates provide, with their signatures.
    pub shortcodes: Arc<Shortcodes>,
    /// Finds, checks and registers the images the text shows.
    pub images: Arc<crate::images::Library>,
    pub words: MarkdownWords,
}

/// The phrases Markdown is rendered with, in the site's language.
#[derive(Debug, Clone, Default)]
pub struct MarkdownWords {
    /// The name of the box a wide table scrolls in.
    pub table: String,
    pub footnotes: FootnoteWords,
}

/// A Markdown text to render and where it sits in its file.
pub struct Input<'a> {
    pub source: &'a Source,
    pub text: &'a str,
    /// Byte offset of `text` within `source.text`.
    pub offset: usize,
    /// Raw HTML is kept in article and page bodies; in data files it is
    /// shown as text, because data fields are never trusted as markup.
    pub allow_html: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A cross-link found in the text, for backlinks and fragment checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrossLink {
    pub target: Target,
    pub fragment: Option<String>,
    pub location: Location,
}

/// A link to another site, and where it is written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExternalLink {
    pub url: String,
    pub location: Location,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Rendered {
    /// Shared, not copied, by the plans of the pages showing it whole (an
    /// article's page: [`crate::pages::PagePlan::with_html`]).
    #[serde(with = "shared_text")]
    pub html: Arc<str>,
    pub toc: Vec<TocEntry>,
    /// Every heading id, for checking `#fragment`s that point here.
    pub anchors: Vec<String>,
    pub links: Vec<CrossLink>,
    /// Links to other sites, for `knotwork check --external`.
    pub external: Vec<ExternalLink>,
    pub words: usize,
    /// Plain text of the first paragraph, for cards when there is no description.
    pub first_paragraph: String,
    /// Shortcode calls, checked; `html` holds a [`placeholder`] for each,
    /// replaced by the template's output after linking.
    pub shortcodes: Vec<Call>,
    /// The images shown, as written.
    pub images: Vec<String>,
    /// What the text asked of the site while it was rendered, with the
    /// answers (see [`Lookup`]).
    pub lookups: Vec<Lookup>,
    /// The key of the text's inputs, set by the linking stage on a text
    /// that may be used again while its lookups hold: by the next build
    /// (an article's or page's body, kept in the body cache as rendered
    /// from Markdown) or by `serve`'s next link (a data field without
    /// shortcodes). `None` for a text with problems: its warnings are shown
    /// every time.
    pub reuse_key: Option<BodyKey>,
}

impl Rendered {
    /// Lets go of what only linking, `serve` and `check` read (the links,
    /// anchors and lookups, each link with its line of Markdown), keeping
    /// what pages show. For a build past linking whose bodies are saved.
    pub fn release_link_records(&mut self) {
        self.links = Vec::new();
        self.external = Vec::new();
        self.anchors = Vec::new();
        self.lookups = Vec::new();
    }
}

/// A 128-bit hash of everything a text's HTML depends on: its file,
/// place, text and the site's Markdown options (made by
/// `graph::BodyKeys`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BodyKey(pub u128);

/// A Markdown image being read: `![alt](src "title")`.
struct ImageCapture {
    src: String,
    title: String,
    alt: String,
    location: Location,
}

/// Ids the page templates use themselves; headings get `-1` instead.
const RESERVED_IDS: &[&str] = &[
    "main",
    "content",
    "top",
    "toc",
    "references",
    "site-header",
    "site-footer",
    "search",
    "takeaways",
    "related",
    "trigger-points",
    "self-care",
    "faq",
    "techniques",
    "articles",
    "muscles",
    "services",
    "red-flags",
];

pub fn render(
    input: &Input<'_>,
    opts: &Options_,
    resolver: &dyn LinkResolver,
) -> (Rendered, Vec<Diagnostic>) {
    let mut calls = Vec::new();
    let mut problems = Vec::new();
    let recording = lookups::Recording::new(resolver);
    let mut rendered = render_part(input, false, opts, &recording, &mut calls, &mut problems);
    rendered.shortcodes = calls;
    rendered.lookups = recording.into_lookups();
    (rendered, problems)
}

fn parser_options(opts: &Options_) -> Options {
    let mut options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    if opts.smart_punctuation {
        options |= Options::ENABLE_SMART_PUNCTUATION;
    }
    options
}

/// Renders a text or a shortcode's body; the calls of both go to `calls`.
fn render_part(
    input: &Input<'_>,
    in_shortcode: bool,
    opts: &Options_,
    resolver: &dyn LinkResolver,
    calls: &mut Vec<Call>,
    problems: &mut Vec<Diagnostic>,
) -> Rendered {
    let options = parser_options(opts);
    let (text, map, nested) =
        shortcode_calls::replace(input, opts, options, resolver, calls, problems);
    // `[@key]` has no link definition, so pulldown-cmark offers it to this
    // callback; answering turns it into a link we recognise below. Code spans
    // and escaped brackets are thereby left alone.
    let mut callback = |link: pulldown_cmark::BrokenLink<'_>| {
        let label = link.reference.trim();
        label.strip_prefix('@').map(|rest| {
            (
                CowStr::from(format!("{CITE_SCHEME}{rest}")),
                CowStr::from(""),
            )
        })
    };
    let parser = Parser::new_with_broken_link_callback(&text, options, Some(&mut callback));
    let mut state = State::new(
        input,
        footnote_scope(input, in_shortcode),
        opts,
        resolver,
        &map,
    );
    let mut events: Vec<Event<'_>> = Vec::new();
    for (event, range) in parser.into_offset_iter() {
        state.handle(event, range, &mut events);
    }
    let footnotes = std::mem::replace(&mut state.footnotes, Footnotes::new(String::new()));
    events.extend(footnotes.finish(&opts.words.footnotes));
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    state.rendered.html = html.into();
    for body in nested {
        state.rendered.links.extend(body.links);
        state.rendered.external.extend(body.external);
        state.rendered.anchors.extend(body.anchors);
        state.rendered.words += body.words;
        state.rendered.images.extend(body.images);
    }
    problems.append(&mut state.problems);
    state.rendered
}

const CITE_SCHEME: &str = "kw-cite:";

/// A heading being collected: its id needs its whole text.
struct HeadingCapture<'a> {
    level: HeadingLevel,
    id: Option<String>,
    classes: Vec<CowStr<'a>>,
    attrs: Vec<(CowStr<'a>, Option<CowStr<'a>>)>,
    events: Vec<Event<'a>>,
    text: String,
}

struct State<'i, 'a> {
    input: &'i Input<'i>,
    /// Positions in the parsed text (shortcodes replaced) → in `input.text`.
    map: &'i OffsetMap,
    opts: &'i Options_,
    resolver: &'i dyn LinkResolver,
    heading: Option<HeadingCapture<'a>>,
    /// A fenced code block being collected: its language and text.
    code: Option<(String, String)>,
    /// An image being collected: its alt text is the events inside it.
    image: Option<ImageCapture>,
    /// Where the open paragraph starts in the output, to replace it when it
    /// holds nothing but a captioned image.
    paragraph_start: Option<usize>,
    /// The output position of a `<figure>` just written.
    figure_at: Option<usize>,
    /// Inside a citation's brackets, whose text the marker replaces.
    in_citation: bool,
    footnotes: Footnotes<'a>,
    used_ids: HashSet<String>,
    in_paragraph: bool,
    first_paragraph_done: bool,
    rendered: Rendered,
    problems: Vec<Diagnostic>,
}

impl<'i, 'a> State<'i, 'a> {
    fn new(
        input: &'i Input<'i>,
        footnote_scope: String,
        opts: &'i Options_,
        resolver: &'i dyn LinkResolver,
        map: &'i OffsetMap,
    ) -> Self {
        State {
            input,
            map,
            opts,
            resolver,
            heading: None,
            code: None,
            image: None,
            paragraph_start: None,
            figure_at: None,
            in_citation: false,
            footnotes: Footnotes::new(footnote_scope),
            used_ids: RESERVED_IDS.iter().map(|s| s.to_string()).collect(),
            in_paragraph: false,
            first_paragraph_done: false,
            rendered: Rendered::default(),
            problems: Vec::new(),
        }
    }

    fn locate(&self, range: &Range<usize>) -> Location {
        let start = self.input.offset + self.map.original(range.start);
        let end = self.input.offset + self.map.original(range.end);
        self.input.source.locate(start..end)
    }

    fn handle(&mut self, event: Event<'a>, range: Range<usize>, out: &mut Vec<Event<'a>>) {
        if matches!(&event, Event::Text(t) if t.starts_with('[')) && self.code.is_none() {
            self.check_footnote_reference(&range);
        }
        if let Some((_, text)) = &mut self.code {
            match event {
                Event::Text(t) => text.push_str(&t),
                Event::End(TagEnd::CodeBlock) => self.finish_code(out),
                _ => {}
            }
            return;
        }
        if self.in_citation {
            self.in_citation = !matches!(event, Event::End(TagEnd::Link));
            return;
        }
        if let Some(image) = &mut self.image {
            match event {
                Event::Text(t) | Event::Code(t) => image.alt.push_str(&t),
                Event::End(TagEnd::Image) => self.finish_image(out),
                _ => {}
            }
            return;
        }
        let event = match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                self.heading = Some(HeadingCapture {
                    level,
                    id: id.map(|s| s.to_string()),
                    classes,
                    attrs,
                    events: Vec::new(),
                    text: String::new(),
                });
                return;
            }
            Event::End(TagEnd::Heading(_)) => {
                self.finish_heading(out);
                return;
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split([' ', ',', '{']).next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
                return;
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => self.link(link_type, dest_url, title, id, &range),
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                self.image = Some(ImageCapture {
                    src: dest_url.to_string(),
                    title: title.to_string(),
                    alt: String::new(),
                    location: self.locate(&range),
                });
                return;
            }
            Event::Start(Tag::Table(alignment)) => {
                let label = escape(&self.opts.words.table);
                self.emit(
                    Event::Html(
                        format!("<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"{label}\">")
                            .into(),
                    ),
                    out,
                );
                Event::Start(Tag::Table(alignment))
            }
            Event::End(TagEnd::Table) => {
                self.emit(Event::End(TagEnd::Table), out);
                Event::Html("</div>".into())
            }
            Event::Start(Tag::Paragraph) => {
                self.in_paragraph = true;
                self.paragraph_start = self.heading.is_none().then_some(out.len());
                Event::Start(Tag::Paragraph)
            }
            Event::End(TagEnd::Paragraph) => {
                self.in_paragraph = false;
                if let (Some(start), Some(figure)) = (self.paragraph_start, self.figure_at.take()) {
                    if figure == start + 1 && out.len() == start + 2 {
                        // The paragraph is the figure alone: the figure
                        // takes its place (a <figure> cannot sit in a <p>).
                        out.remove(start);
                        return;
                    }
                }
                if !self.rendered.first_paragraph.is_empty() {
                    self.first_paragraph_done = true;
                }
                Event::End(TagEnd::Paragraph)
            }
            Event::FootnoteReference(label) => self.footnotes.reference(label),
            Event::Start(Tag::FootnoteDefinition(label)) => {
                self.footnotes.start_definition(label);
                return;
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                self.footnotes.end_definition();
                return;
            }
            Event::Html(h) | Event::InlineHtml(h) if !self.input.allow_html => Event::Text(h),
            other => other,
        };
        self.emit(event, out);
    }

    /// Warns of `[^label]` written at `range` as text: a footnote
    /// reference with no definition, which pulldown-cmark leaves as it is
    /// (references to defined notes arrive as their own events).
    fn check_footnote_reference(&mut self, range: &Range<usize>) {
        let at = self.map.original(range.start);
        let Some(rest) = self.input.text.get(at..) else {
            return;
        };
        // `\[^x]`: written as text on purpose.
        if self.input.text[..at].ends_with('\\') {
            return;
        }
        let Some((label, _)) = rest.strip_prefix("[^").and_then(|r| r.split_once(']')) else {
            return;
        };
        if label.is_empty() || label.contains(|c: char| c.is_whitespace() || c == '[') {
            return;
        }
        let written = &rest[..label.len() + 3];
        let location = self.locate(&(range.start..range.start + written.len()));
        self.problems.push(
            Diagnostic::warning(format!(
                "footnote `{written}` has no definition, so it shows as written"
            ))
            .at(location)
            .help(format!(
                "add a line `{written}: the note` anywhere in the text, or remove the reference"
            )),
        );
    }

    /// Where finished events go: the footnote definition being read, or
    /// the text.
    fn sink<'s>(&'s mut self, out: &'s mut Vec<Event<'a>>) -> &'s mut Vec<Event<'a>> {
        match self.footnotes.collecting() {
            Some(definition) => definition,
            None => out,
        }
    }

    /// Sends an event to the output, or into the heading being collected.
    fn emit(&mut self, event: Event<'a>, out: &mut Vec<Event<'a>>) {
        if let Event::Text(t) | Event::Code(t) = &event {
            let t = shortcode_calls::without_placeholders(t);
            self.rendered.words += count_words(&t);
            if self.in_paragraph && !self.first_paragraph_done && !self.in_footnote() {
                self.rendered.first_paragraph.push_str(&t);
            }
            if let Some(h) = &mut self.heading {
                h.text.push_str(&t);
            }
        }
        match &mut self.heading {
            Some(h) => h.events.push(event),
            None => self.sink(out).push(event),
        }
    }

    fn in_footnote(&mut self) -> bool {
        self.footnotes.collecting().is_some()
    }

    /// Rewrites a link start: cross-links get their URL, citations become a
    /// marker (their bracketed text is dropped), other links are kept.
    fn link(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
        range: &Range<usize>,
    ) -> Event<'a> {
        if let Some(rest) = dest_url.strip_prefix(CITE_SCHEME) {
            let (key, locator) = match rest.split_once(',') {
                Some((k, l)) => (k.trim(), l.trim()),
                None => (rest.trim(), ""),
            };
            self.in_citation = true;
            return match self.resolver.check_citation(key) {
                Ok(()) => Event::InlineHtml(citations::placeholder(key, locator).into()),
                Err(d) => {
                    self.problems.push(d.at(self.locate(range)));
                    Event::Text(format!("[@{rest}]").into())
                }
            };
        }
        if dest_url.starts_with("https://") || dest_url.starts_with("http://") {
            self.rendered.external.push(ExternalLink {
                url: dest_url.to_string(),
                location: self.locate(range),
            });
        }
        let dest = match dest_url.strip_prefix('@') {
            Some(target) => self.cross_link(target, range),
            None => self.with_base_path(dest_url),
        };
        Event::Start(Tag::Link {
            link_type,
            dest_url: dest,
            title,
            id,
        })
    }

    fn cross_link(&mut self, target: &str, range: &Range<usize>) -> CowStr<'a> {
        let (path, fragment) = match target.split_once('#') {
            Some((p, f)) => (p, Some(f.to_string())),
            None => (target, None),
        };
        let (kind, id) = path.split_once('/').unwrap_or((path, ""));
        match self.resolver.resolve(kind, id.trim_end_matches('/')) {
            Ok((url, target)) => {
                let href = match &fragment {
                    Some(f) => format!("{url}#{f}"),
                    None => url,
                };
                self.rendered.links.push(CrossLink {
                    target,
                    fragment,
                    location: self.locate(range),
                });
                CowStr::from(href)
            }
            Err(d) => {
                self.problems.push(d.at(self.locate(range)));
                CowStr::from("#")
            }
        }
    }

    /// `/images/x.jpg` written in Markdown means the site's root, which on a
    /// subpath deploy is the base path.
    fn with_base_path(&self, url: CowStr<'a>) -> CowStr<'a> {
        if url.starts_with('/') && !url.starts_with("//") && !self.opts.base_path.is_empty() {
            CowStr::from(format!("{}{}", self.opts.base_path, url))
        } else {
            url
        }
    }

    fn finish_heading(&mut self, out: &mut Vec<Event<'a>>) {
        let Some(h) = self.heading.take() else {
            return;
        };
        let base = h.id.unwrap_or_else(|| {
            let s = slugify(&h.text);
            if s.is_empty() {
                "section".to_string()
            } else {
                s
            }
        });
        let mut unique = base.clone();
        let mut n = 1;
        while !self.used_ids.insert(unique.clone()) {
            unique = format!("{base}-{n}");
            n += 1;
        }
        let level_num = h.level as u8;
        if (2..=3).contains(&level_num) {
            self.rendered.toc.push(TocEntry {
                level: level_num,
                id: unique.clone(),
                title: h.text.trim().to_string(),
            });
        }
        self.rendered.anchors.push(unique.clone());
        let out = self.sink(out);
        out.push(Event::Start(Tag::Heading {
            level: h.level,
            id: Some(unique.into()),
            classes: h.classes,
            attrs: h.attrs,
        }));
        out.extend(h.events);
        out.push(Event::End(TagEnd::Heading(h.level)));
    }

    fn finish_code(&mut self, out: &mut Vec<Event<'a>>) {
        let Some((lang, text)) = self.code.take() else {
            return;
        };
        let highlighted = if lang.is_empty() {
            None
        } else {
            highlight::highlight(&text, &lang)
        };
        let lang_attr = if lang.is_empty() {
            String::new()
        } else {
            format!(" data-lang=\"{}\"", escape(&lang))
        };
        let body = highlighted.unwrap_or_else(|| escape(&text));
        self.sink(out).push(Event::Html(
            format!("<pre class=\"code\"{lang_attr} tabindex=\"0\"><code>{body}</code></pre>\n")
                .into(),
        ));
    }

    /// Writes a collected image as a responsive `<picture>`; one with a
    /// title becomes a `<figure>` captioned by it.
    fn finish_image(&mut self, out: &mut Vec<Event<'a>>) {
        let Some(image) = self.image.take() else {
            return;
        };
        if image.alt.trim().is_empty() {
            self.problems.push(
                Diagnostic::warning("image without alt text: screen reader users will not know what it shows")
                    .at(image.location.clone())
                    .help("describe the image between the brackets: ![a therapist working on the upper back](…)"),
            );
        }
        let picture =
            match self
                .resolver
                .picture(&self.opts.images, &image.src, &self.input.source.path)
            {
                Ok(p) => p,
                Err(d) => {
                    self.problems.push(d.at(image.location));
                    return;
                }
            };
        let html = picture.to_html(&image.alt, crate::images::ImgOptions::default());
        self.rendered.images.push(image.src.clone());
        if image.title.is_empty() {
            self.emit(Event::InlineHtml(html.into()), out);
        } else if self.in_paragraph && self.heading.is_none() {
            let figure = format!(
                "<figure class=\"figure\">{html}<figcaption>{}</figcaption></figure>",
                escape(&image.title)
            );
            self.emit(Event::InlineHtml(figure.into()), out);
            // (A figure in a footnote stays in its paragraph.)
            self.figure_at = (!self.in_footnote()).then(|| out.len() - 1);
        } else {
            let titled = picture.to_html(
                &image.alt,
                crate::images::ImgOptions {
                    title: Some(&image.title),
                    ..Default::default()
                },
            );
            self.emit(Event::InlineHtml(titled.into()), out);
        }
    }
}

/// What the ids of a text's footnotes start with: nothing for an
/// article's or page's body, which a page shows once and whole; for the
/// other texts (data fields, a shortcode's body), where in its file the
/// text starts, so that two on one page differ.
fn footnote_scope(input: &Input<'_>, in_shortcode: bool) -> String {
    if input.allow_html && !in_shortcode {
        String::new()
    } else {
        format!("{}-", input.offset)
    }
}

/// The words of `text`, as `str::split_whitespace` counts them. Every
/// text event of every body passes here. On ASCII text (most of it) a
/// word starts at each non-space byte after a space, which compares each
/// byte with its neighbour alone; counted in runs of 128 pairs into a
/// byte, that is vector code, eight times faster than a byte loop
/// carrying "in a word" from byte to byte.
fn count_words(text: &str) -> usize {
    if !text.is_ascii() {
        return text.split_whitespace().count();
    }
    // The ASCII characters `char::is_whitespace` accepts: tab, line feed,
    // vertical tab, form feed and carriage return (9 to 13), and space.
    fn space(byte: u8) -> bool {
        (byte == b' ') | (byte.wrapping_sub(b'\t') <= b'\r' - b'\t')
    }
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return 0;
    };
    let mut words = usize::from(!space(first));
    let (befores, afters) = (&bytes[..bytes.len() - 1], &bytes[1..]);
    for (befores, afters) in befores.chunks(128).zip(afters.chunks(128)) {
        // At most 64 words start in 128 pairs: a byte holds the count.
        let mut starts: u8 = 0;
        for (&before, &byte) in befores.iter().zip(afters) {
            starts += u8::from(space(before) & !space(byte));
        }
        words += usize::from(starts);
    }
    words
}

/// (De)serializes an `Arc<str>` as a string (serde's `rc` feature would do
/// it for every crate using serde).
mod shared_text {
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(text: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
        String::deserialize(d).map(Arc::from)
    }
}

#[cfg(test)]
mod tests {
    use super::count_words;

    #[test]
    fn words_are_counted_as_split_whitespace_counts_them() {
        for text in [
            "",
            "   ",
            "one",
            " two words ",
            "tabs\tand\nnewlines\r\nand\x0bvertical\x0cfeeds",
            "punctuation, counts-as; part of words!",
            "a\u{a0}non-breaking space and an em\u{2003}space",
            "Trapezmuskel schmerzt hinter dem Ohr — über den Nacken",
            "上部僧帽筋 の トリガーポイント",
        ] {
            assert_eq!(
                count_words(text),
                text.split_whitespace().count(),
                "{text:?}"
            );
        }
        assert_eq!(count_words("tabs\tand\nnewlines"), 3);
    }

    #[test]
    fn every_short_ascii_text_is_counted_as_split_whitespace_counts_it() {
        // Each ASCII whitespace byte, its neighbours that are not, and a
        // letter, in every order up to five bytes.
        let alphabet = [
            b' ', b'\t', b'\n', 0x0b, 0x0c, b'\r', 0x08, 0x0e, 0x1c, 0x1f, b'a',
        ];
        let mut texts = vec![Vec::new()];
        for _ in 0..5 {
            let longer: Vec<Vec<u8>> = texts
                .iter()
                .filter(|text| text.len() == texts.last().map_or(0, Vec::len))
                .flat_map(|text| {
                    alphabet.iter().map(move |&byte| {
                        let mut text = text.clone();
                        text.push(byte);
                        text
                    })
                })
                .collect();
            texts.extend(longer);
        }
        assert!(texts.len() > 170_000);
        for text in &texts {
            let text = std::str::from_utf8(text).unwrap();
            assert_eq!(
                count_words(text),
                text.split_whitespace().count(),
                "{text:?}"
            );
        }
    }
}
