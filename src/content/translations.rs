//! Translations of a multilingual site: files beside their original with
//! the language before the extension (`content/blog/<stem>.fr.md`,
//! `content/muscles/<id>.fr.toml`, `content/regions.fr.toml`).
//!
//! A Markdown translation is a whole document whose front matter holds only
//! what differs in the language (title, description, takeaways, image_alt,
//! tags); a data translation holds only the text fields. Ids, regions,
//! links, dates and numbers always come from the original, so a translation
//! can never make the languages disagree about facts. [`localize`] makes a
//! language's copy of the content: the original with each translation laid
//! over it, and which entities the language has.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::data::{Entity, RegionEntry, Translation};
use super::document::{split_front_matter, Document};
use super::{document_stem, list_documents, list_files, read_source, Content};
use crate::config::Config;
use crate::diagnostics::{closest, Diagnostic, Diagnostics, Source};
use crate::i18n::LanguageTag;
use crate::ids::Id;

/// What a translation file translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Article,
    Page,
    /// `muscles`, `techniques`, `faq`, `people` or `services`.
    Entity(&'static str),
    Regions,
}

/// The data folders whose files can be translated.
pub const ENTITY_KINDS: [&str; 5] = ["muscles", "techniques", "faq", "people", "services"];

/// One translation file, read.
#[derive(Debug, Clone)]
pub struct TranslationFile {
    pub language: LanguageTag,
    pub kind: Kind,
    /// The stem or id of the original.
    pub original: String,
    pub source: Arc<Source>,
}

impl TranslationFile {
    /// Whether it translates an article or a page (not data).
    pub fn is_document(&self) -> bool {
        matches!(self.kind, Kind::Article | Kind::Page)
    }
}

/// `("stem", "fr")` for `stem.fr`: a last dot-part that looks like a
/// language tag (two or three letters, optionally a region or script).
pub fn split_language(stem: &str) -> Option<(&str, &str)> {
    let (base, tag) = stem.rsplit_once('.')?;
    let mut parts = tag.split('-');
    let lang = parts.next()?;
    let looks_like_tag = (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    (looks_like_tag && !base.is_empty()).then_some((base, tag))
}

/// Whether a content file is a translation (and so not an original).
pub fn is_translation(path: &Path) -> bool {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    split_language(stem).is_some()
}

/// Finds every translation file of the site. A file in a language the
/// site does not have is an error naming the language and the closest
/// one it has.
pub fn find(config: &Config, diags: &mut Diagnostics) -> Vec<TranslationFile> {
    let content_dir = config.root.join("content");
    let mut candidates: Vec<(Kind, std::path::PathBuf)> = Vec::new();
    for (kind, folder) in [(Kind::Article, "blog"), (Kind::Page, "pages")] {
        for path in list_documents(&content_dir.join(folder), true) {
            candidates.push((kind, path));
        }
    }
    for kind in ENTITY_KINDS {
        for path in list_files(&content_dir.join(kind), "toml") {
            candidates.push((Kind::Entity(kind), path));
        }
    }
    for path in list_files(&content_dir, "toml") {
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("regions."))
        {
            candidates.push((Kind::Regions, path));
        }
    }
    let mut found = Vec::new();
    for (kind, path) in candidates {
        let file_stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let Some((base, tag)) = split_language(file_stem) else {
            continue;
        };
        let original = match kind {
            Kind::Article | Kind::Page if base == "index" => document_stem(&path),
            _ => base.to_string(),
        };
        let source = match read_source(&config.root, &path) {
            Ok(s) => s,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match site_language(config, tag) {
            Ok(language) => found.push(TranslationFile {
                language,
                kind,
                original,
                source,
            }),
            Err(d) => diags.push(d.at(source.whole())),
        }
    }
    found
}

/// The site language a file-name suffix names, or why it is none.
fn site_language(config: &Config, tag: &str) -> Result<LanguageTag, Diagnostic> {
    let parsed = LanguageTag::parse(tag);
    if let Ok(t) = &parsed {
        if config.other_languages.contains(t) {
            return Ok(t.clone());
        }
        if *t == config.language {
            return Err(Diagnostic::error(format!(
                "`{tag}` is the site's own language: the original file is the `{tag}` text"
            ))
            .help("remove the language from the file name, or translate into another language"));
        }
    }
    let others: Vec<&str> = config
        .other_languages
        .iter()
        .map(LanguageTag::as_str)
        .collect();
    let d = Diagnostic::error(format!(
        "unknown language `{tag}` in the file name: this site's other languages are {}",
        if others.is_empty() {
            "none".to_string()
        } else {
            others.join(", ")
        }
    ));
    // Language codes are short: one letter off is close.
    let near = closest(tag, others.iter().copied()).or_else(|| {
        others
            .iter()
            .copied()
            .find(|o| strsim::levenshtein(o, tag) <= 1)
    });
    Err(match near {
        Some(near) => d.help(format!("did you mean `{near}`? Rename the file")),
        None => d.help(format!(
            "to translate the site into `{tag}`, add a [languages.{tag}] table to site.toml"
        )),
    })
}

/// Which entities a language has a translation of (the default language
/// has them all).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Presence {
    pub articles: Vec<bool>,
    pub pages: Vec<bool>,
    pub muscles: Vec<bool>,
    pub techniques: Vec<bool>,
    pub faq_topics: Vec<bool>,
    pub people: Vec<bool>,
    pub services: Vec<bool>,
}

impl Presence {
    /// Everything present: the default language.
    pub fn all(content: &Content) -> Self {
        Presence {
            articles: vec![true; content.articles.len()],
            pages: vec![true; content.pages.len()],
            muscles: vec![true; content.muscles.len()],
            techniques: vec![true; content.techniques.len()],
            faq_topics: vec![true; content.faq_topics.len()],
            people: vec![true; content.people.len()],
            services: vec![true; content.services.len()],
        }
    }

    fn none(content: &Content) -> Self {
        Presence {
            articles: vec![false; content.articles.len()],
            pages: vec![false; content.pages.len()],
            muscles: vec![false; content.muscles.len()],
            techniques: vec![false; content.techniques.len()],
            faq_topics: vec![false; content.faq_topics.len()],
            people: vec![false; content.people.len()],
            services: vec![false; content.services.len()],
        }
    }

    /// (translated, of) content pages: articles, pages and data entities.
    pub fn count(&self) -> (usize, usize) {
        let lists = [
            &self.articles,
            &self.pages,
            &self.muscles,
            &self.techniques,
            &self.faq_topics,
            &self.people,
            &self.services,
        ];
        let done = lists.iter().map(|l| l.iter().filter(|&&b| b).count()).sum();
        let all = lists.iter().map(|l| l.len()).sum();
        (done, all)
    }
}

/// Front matter keys a Markdown translation may set: its text. `draft`
/// holds back a translation that is not ready.
const DOCUMENT_TEXT_KEYS: [&str; 6] = [
    "title",
    "description",
    "takeaways",
    "image_alt",
    "tags",
    "draft",
];

/// Data keys that are never text, whatever their value looks like: ids,
/// regions, links, files, dates and numbers come from the original.
const NOT_TEXT: [&str; 24] = [
    "id",
    "group",
    "view",
    "near",
    "location",
    "referral",
    "spillover",
    "regions",
    "muscles",
    "techniques",
    "references",
    "related",
    "compare_with",
    "setting",
    "evidence",
    "intensity",
    "reviewed_by",
    "last_reviewed",
    "image",
    "photo",
    "booking_url",
    "url",
    "email",
    "order",
];

/// The content in `language`: every original, with the translations of
/// that language laid over their originals; and which entities it has.
/// Regions are merged with the figure's only at linking, so their
/// translation is laid over then, by [`localize_regions`].
pub fn localize(
    content: &Content,
    language: &LanguageTag,
    files: &[TranslationFile],
    diags: &mut Diagnostics,
) -> (Content, Presence) {
    let mut out = content.clone();
    let mut presence = Presence::none(content);
    for file in files.iter().filter(|f| &f.language == language) {
        let result = match file.kind {
            Kind::Article => translate_document(&mut out.articles, &mut presence.articles, file),
            Kind::Page => translate_document(&mut out.pages, &mut presence.pages, file),
            Kind::Entity("muscles") => {
                translate_entity(&mut out.muscles, &mut presence.muscles, file)
            }
            Kind::Entity("techniques") => {
                translate_entity(&mut out.techniques, &mut presence.techniques, file)
            }
            Kind::Entity("faq") => {
                translate_entity(&mut out.faq_topics, &mut presence.faq_topics, file)
            }
            Kind::Entity("people") => translate_entity(&mut out.people, &mut presence.people, file),
            Kind::Entity("services") => {
                translate_entity(&mut out.services, &mut presence.services, file)
            }
            Kind::Regions => check_regions(content, file),
            Kind::Entity(_) => Ok(()),
        };
        if let Err(problems) = result {
            diags.extend(problems);
        }
    }
    (out, presence)
}

/// The site's `regions` (merged with the figure's) in `language`: the
/// theme's names in the language, then the site's `regions.<lang>.toml`
/// (checked when loading).
pub fn localize_regions(
    config: &Config,
    regions: &mut [super::data::Region],
    language: &LanguageTag,
    files: &[TranslationFile],
) {
    if let Some(names) = super::regions::theme_names(&config.root, &config.site.theme, language) {
        let names = super::regions::names_in(&names);
        for region in regions.iter_mut() {
            if let Some(name) = names.get(region.id.as_str()) {
                region.data.name = name.clone();
            }
        }
    }
    for file in files
        .iter()
        .filter(|f| &f.language == language && f.kind == Kind::Regions)
    {
        translate_regions(regions, file);
    }
}

/// The document `original` in `language`, with the translation read from
/// `source` laid over it; `None` when the translation is a draft (the
/// language then shows the original). For `knotwork serve`, which
/// re-reads one edited translation.
pub fn translated_document(
    original: &Document,
    language: &LanguageTag,
    kind: Kind,
    source: Arc<Source>,
) -> Result<Option<Document>, Vec<Diagnostic>> {
    let file = TranslationFile {
        language: language.clone(),
        kind,
        original: original.stem.clone(),
        source,
    };
    let mut docs = [original.clone()];
    let mut present = [false];
    translate_document(&mut docs, &mut present, &file)?;
    let [doc] = docs;
    Ok(present[0].then_some(doc))
}

/// Lays a Markdown translation over its original.
fn translate_document(
    docs: &mut [Document],
    present: &mut [bool],
    file: &TranslationFile,
) -> Result<(), Vec<Diagnostic>> {
    let source = &file.source;
    let Some(i) = docs.iter().position(|d| d.stem == file.original) else {
        let kind = if file.kind == Kind::Article {
            "article"
        } else {
            "page"
        };
        let missing = format!("{kind} `{}`", file.original);
        let stems = docs.iter().map(|d| d.stem.as_str());
        return Err(vec![no_original(file, &missing, stems, "md")]);
    };
    let (fm_range, body) = split_front_matter(source).map_err(|d| vec![d])?;
    let front = &source.text[fm_range.clone()];
    let table = parse_table(source, front, fm_range.start)?;
    let mut problems = Vec::new();
    for (key, value) in table.get_ref() {
        if !DOCUMENT_TEXT_KEYS.contains(&key.get_ref().as_ref()) {
            let span = key.span();
            problems.push(
                Diagnostic::error(format!(
                    "`{}` cannot be translated: a translation sets only text ({}); dates, people, links and images come from the original",
                    key.get_ref(),
                    DOCUMENT_TEXT_KEYS.join(", ")
                ))
                .at(source.locate(fm_range.start + span.start..fm_range.start + span.end)),
            );
        } else if key.get_ref() != "draft" {
            check_text(source, fm_range.start, key.get_ref(), value, &mut problems);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let text =
        |key: &str| -> Option<&DeValue<'_>> { table.get_ref().get(key).map(|v| v.get_ref()) };
    let strings = |v: &DeValue<'_>| -> Vec<String> {
        match v {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|i| match i.get_ref() {
                    DeValue::String(s) => Some(s.to_string()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    let doc = &mut docs[i];
    if let Some(DeValue::Boolean(true)) = text("draft") {
        return Ok(());
    }
    if let Some(DeValue::String(s)) = text("title") {
        doc.meta.title = s.to_string();
    }
    if let Some(DeValue::String(s)) = text("description") {
        doc.meta.description = s.to_string();
    }
    if let Some(DeValue::String(s)) = text("image_alt") {
        doc.meta.image_alt = s.to_string();
    }
    if let Some(v) = text("takeaways") {
        doc.meta.takeaways = strings(v);
    }
    if let Some(v) = text("tags") {
        doc.meta.tags = strings(v);
    }
    doc.source = source.clone();
    doc.front_matter = fm_range;
    doc.body = body;
    present[i] = true;
    Ok(())
}

/// A translation whose original (`missing`) does not exist, with the
/// closest one.
fn no_original<'a>(
    file: &TranslationFile,
    missing: &str,
    originals: impl Iterator<Item = &'a str>,
    ext: &str,
) -> Diagnostic {
    let d = Diagnostic::error(format!(
        "this translates `{}`, but there is no {missing} to translate",
        file.original
    ))
    .at(file.source.whole());
    match closest(&file.original, originals) {
        Some(near) => d.help(format!(
            "did you mean `{near}`? Name the file after its original: {near}.{}.{ext}",
            file.language
        )),
        None => d,
    }
}

/// Lays a data translation over its original entity.
fn translate_entity<K, D>(
    entities: &mut [Entity<Id<K>, D>],
    present: &mut [bool],
    file: &TranslationFile,
) -> Result<(), Vec<Diagnostic>>
where
    D: serde::de::DeserializeOwned,
{
    let source = &file.source;
    let Kind::Entity(kind) = file.kind else {
        return Ok(());
    };
    let Some(i) = entities.iter().position(|e| e.id.as_str() == file.original) else {
        let missing = format!("content/{kind}/{}.toml", file.original);
        let ids = entities.iter().map(|e| e.id.as_str());
        return Err(vec![no_original(file, &missing, ids, "toml")]);
    };
    let translation = parse_table(source, &source.text, 0)?;
    let mut problems = Vec::new();
    check_table(source, translation.get_ref(), &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut spans = HashSet::new();
    collect_spans(translation.get_ref(), &mut spans);
    let original_source = entities[i].source.clone();
    let mut merged = parse_table(&original_source, &original_source.text, 0)?;
    overlay(merged.get_mut(), translation.into_inner());
    match D::deserialize(toml::de::Deserializer::from(merged)) {
        Ok(data) => {
            entities[i].data = data;
            entities[i].translation = Some(Translation {
                source: source.clone(),
                spans: Arc::new(spans),
            });
            present[i] = true;
            Ok(())
        }
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let span = if span.end <= source.text.len() {
                span
            } else {
                0..0
            };
            Err(vec![Diagnostic::error(format!(
                "this translation does not fit its original: {}",
                e.message().trim()
            ))
            .at(source.locate(span))])
        }
    }
}
/// The entries of a `regions.<lang>.toml`: only `id`, `name` and
/// `red_flags`: the entries it holds, and every problem of the file.
fn read_regions(file: &TranslationFile) -> (Vec<RegionEntry>, Vec<Diagnostic>) {
    let source = &file.source;
    let table = match parse_table(source, &source.text, 0) {
        Ok(t) => t,
        Err(problems) => return (Vec::new(), problems),
    };
    let mut problems = Vec::new();
    for (key, value) in table.get_ref() {
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("regions", DeValue::Array(entries)) => {
                for entry in entries {
                    check_text(source, 0, "regions", entry, &mut problems);
                }
            }
            (name, _) => problems.push(not_text(source, 0, name, key.span())),
        }
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        regions: Vec<RegionEntry>,
    }
    match crate::toml_file::parse::<File>(source, 0..source.text.len()) {
        Ok((f, unknown)) => {
            problems.extend(unknown);
            (f.regions, problems)
        }
        Err(e) => {
            problems.extend(e);
            (Vec::new(), problems)
        }
    }
}

/// Checks a `regions.<lang>.toml` while loading: text only, and ids of
/// regions the theme or the site names.
fn check_regions(content: &Content, file: &TranslationFile) -> Result<(), Vec<Diagnostic>> {
    let (entries, mut problems) = read_regions(file);
    let known: BTreeSet<&str> = [&content.theme_regions, &content.site_regions]
        .into_iter()
        .flatten()
        .flat_map(|list| list.entries.iter().map(|e| e.id.get_ref().as_str()))
        .collect();
    problems.extend(
        entries
            .iter()
            .filter(|e| !known.contains(e.id.get_ref().as_str()))
            .map(|e| {
                let id = e.id.get_ref();
                let d = Diagnostic::error(format!("there is no region `{id}` to translate"))
                    .at(file.source.locate(e.id.span()));
                match closest(id, known.iter().copied()) {
                    Some(near) => d.help(format!("did you mean `{near}`?")),
                    None => d,
                }
            }),
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Lays a `regions.<lang>.toml` (checked by [`check_regions`] at load)
/// over the site's regions.
fn translate_regions(regions: &mut [super::data::Region], file: &TranslationFile) {
    for entry in read_regions(file).0 {
        let Some(region) = regions
            .iter_mut()
            .find(|r| r.id.as_str() == entry.id.get_ref())
        else {
            continue;
        };
        if let Some(name) = entry.name {
            region.data.name = name;
        }
        if let Some(red_flags) = entry.red_flags {
            region.data.red_flags = Some((file.source.clone(), red_flags));
        }
    }
}

/// The spans of every string value of a translation: the values that are
/// located in it.
fn collect_spans(table: &DeTable<'_>, spans: &mut HashSet<(usize, usize)>) {
    fn value(v: &Spanned<DeValue<'_>>, spans: &mut HashSet<(usize, usize)>) {
        match v.get_ref() {
            DeValue::String(_) => {
                spans.insert((v.span().start, v.span().end));
            }
            DeValue::Table(t) => collect_spans(t, spans),
            DeValue::Array(items) => items.iter().for_each(|i| value(i, spans)),
            _ => {}
        }
    }
    for (_, v) in table {
        value(v, spans);
    }
}

fn parse_table<'a>(
    source: &Source,
    text: &'a str,
    offset: usize,
) -> Result<Spanned<DeTable<'a>>, Vec<Diagnostic>> {
    DeTable::parse(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        vec![
            Diagnostic::error(format!("invalid TOML: {}", e.message().trim()))
                .at(source.locate(offset + span.start..offset + span.end)),
        ]
    })
}

/// Every key of a data translation must hold text, and must not be one
/// the original keeps (ids, regions, links, numbers).
fn check_table(source: &Source, table: &DeTable<'_>, problems: &mut Vec<Diagnostic>) {
    for (key, value) in table {
        let name = key.get_ref().as_ref();
        if name == "id" && matches!(value.get_ref(), DeValue::String(_)) {
            // Entries of lists (regions, questions) are matched by id.
            continue;
        }
        if NOT_TEXT.contains(&name) {
            problems.push(not_text(source, 0, name, key.span()));
            continue;
        }
        check_text(source, 0, name, value, problems);
    }
}

/// A value must be text: a string, a list of strings, or tables (and
/// lists of tables) of text.
fn check_text(
    source: &Source,
    offset: usize,
    name: &str,
    value: &Spanned<DeValue<'_>>,
    problems: &mut Vec<Diagnostic>,
) {
    match value.get_ref() {
        DeValue::String(_) => {}
        DeValue::Table(t) => check_table(source, t, problems),
        DeValue::Array(items) => {
            for item in items {
                check_text(source, offset, name, item, problems);
            }
        }
        _ => problems.push(not_text(source, offset, name, value.span())),
    }
}

fn not_text(
    source: &Source,
    offset: usize,
    name: &str,
    span: std::ops::Range<usize>,
) -> Diagnostic {
    Diagnostic::error(format!(
        "`{name}` is not text, so a translation cannot set it: ids, regions, links and numbers come from the original"
    ))
    .at(source.locate(offset + span.start..offset + span.end))
    .help(format!("remove `{name}` from the translation; change it in the original file"))
}

/// Lays `over` on `base`: tables key by key, lists of tables entry by
/// entry (matched by `id` when entries have one, else by position), any
/// other value replaced.
fn overlay<'a>(base: &mut DeTable<'a>, over: DeTable<'a>) {
    for (key, value) in over {
        match base.get_mut(key.get_ref().as_ref()) {
            Some(existing) => overlay_value(existing, value),
            None => {
                base.insert(key, value);
            }
        }
    }
}

fn overlay_value<'a>(base: &mut Spanned<DeValue<'a>>, over: Spanned<DeValue<'a>>) {
    let span = over.span();
    match (base.get_mut(), over.into_inner()) {
        (DeValue::Table(b), DeValue::Table(o)) => overlay(b, o),
        (DeValue::Array(b), DeValue::Array(o)) if is_tables(b) && is_tables(&o) => {
            for (n, item) in o.into_iter().enumerate() {
                let id = table_id(&item);
                let target = match &id {
                    Some(id) => b
                        .iter_mut()
                        .find(|e| table_id(e).as_deref() == Some(id.as_str())),
                    None => b.get_mut(n),
                };
                if let Some(target) = target {
                    overlay_value(target, item);
                }
            }
        }
        (_, other) => *base = Spanned::new(span, other),
    }
}

fn is_tables(items: &[Spanned<DeValue<'_>>]) -> bool {
    items
        .iter()
        .all(|i| matches!(i.get_ref(), DeValue::Table(_)))
}

fn table_id(item: &Spanned<DeValue<'_>>) -> Option<String> {
    match item.get_ref() {
        DeValue::Table(t) => match t.get("id").map(|v| v.get_ref()) {
            Some(DeValue::String(s)) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_suffixes() {
        assert_eq!(split_language("neck-pain.fr"), Some(("neck-pain", "fr")));
        assert_eq!(
            split_language("neck-pain.fr-CA"),
            Some(("neck-pain", "fr-CA"))
        );
        assert_eq!(split_language("regions.de"), Some(("regions", "de")));
        assert_eq!(split_language("notes.v2"), None);
        assert_eq!(split_language("neck-pain"), None);
        assert_eq!(split_language("release.draft"), None);
    }
}
