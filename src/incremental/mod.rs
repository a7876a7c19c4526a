//! Incremental rebuilds, for `knotwork serve`.
//!
//! A [`Session`] keeps what its last successful build produced: the linked
//! site, the output files, and per page a [`PageRecord`] of what the page
//! was made from (its template and a fingerprint of its data). That record
//! is the dependency graph: a page depends on its data, its template and
//! the templates that template extends, includes or imports, and the
//! site-wide variables. A rebuild renders only the pages whose inputs
//! changed, on one of two paths:
//!
//! * **document path**: the body of one article or page was edited while
//!   its front matter, its cross-links and (for articles) its card (summary,
//!   reading time) stayed the same. Only that body is rendered again, and
//!   only the pages that show it are planned again: its own page and, for a
//!   recent article, the Atom feed. Milliseconds, whatever the site's size.
//!   On a multilingual site the same holds for a translation's body: the
//!   session keeps every language's site and pages, and the edited file's
//!   language is rendered again.
//! * **data path** ([`data`]): only data files changed (muscles,
//!   techniques, FAQ topics, people, services, regions, references) and
//!   every entity kept its id. The edited files are loaded again (the
//!   other entities are taken as they were), the articles are not, nor
//!   are their bodies rendered again (but those calling shortcodes); the
//!   pages showing an edited entity are planned again (its own data
//!   pages, those linking to it or linked from it, each data section's
//!   indexes, the article pages showing it), not the blog's lists.
//! * **re-plan path** ([`replan`]): one article or page was edited in a
//!   way other pages show (front matter, cross-links, its card) but kept
//!   its URL and date. It alone is read and rendered again; every page but
//!   the article pages it cannot reach is planned again, and rendered if
//!   its fingerprint changed.
//!
//!   The data and re-plan paths serve a site in one language.
//! * **languages path** ([`multilingual`]): the same edits on a
//!   multilingual site, and edits of translation files. Only the edited
//!   files are read; every language is linked again keeping the bodies the
//!   edit leaves as they were, and every page planned again with its
//!   translations' links.
//! * **site path**: anything else (new, renamed and deleted files, a
//!   document's new URL or date, templates, static files, site.toml). The site is
//!   loaded, linked and planned again, and a page is rendered only when its
//!   fingerprint changed, a template it uses changed, or the site-wide
//!   variables (navigation, asset names…) changed.
//!
//! Either way the output equals what a clean `knotwork build` with the same
//! options writes (tests/serve.rs checks this over a sequence of edits,
//! adds and deletes). A failed rebuild leaves the last good output in place
//! and makes the next rebuild take the site path, so no change is lost.
//! The search index is not built here: it is slow on big sites, so the
//! server builds it in the background from [`Session::search_pages`].

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use bytes::Bytes;
use rayon::prelude::*;

use crate::content::translations::{self as translated, Kind};
use crate::content::{self, document, DocKind, Document};
use crate::diagnostics::Diagnostics;
use crate::graph::{self, Site, Target};
use crate::ids::UrlPath;
use crate::markdown::{CrossLink, Rendered};
use crate::output::OutputFile;
use crate::pages::{self, ArticleCard, PagePlan, Section};
use crate::render::Renderer;
use crate::{
    fingerprint, languages, minify, plan_site, BuildFailure, BuildOptions, Planned, StageTimer,
    Texts,
};

mod data;
mod multilingual;
mod open_first;
mod replan;
mod shows;

pub use open_first::OpenFirst;

/// Output files by path. A persistent map: the server gets a copy of the
/// whole site after every rebuild, and copying it costs nothing.
pub type OutputMap = imbl::HashMap<String, Bytes>;

/// What one page's output was made from.
#[derive(Debug, Clone)]
struct PageRecord {
    /// The output path (`blog/x/index.html`).
    path: String,
    url: UrlPath,
    /// A hash of the page's template name, search kind and data.
    fingerprint: u64,
    searchable: bool,
    section: Section,
    in_sitemap: bool,
    lastmod: Option<String>,
    /// The content file the page comes from (`content/muscles/x.toml`).
    origin: Option<PathBuf>,
    /// The entity pages a data page links to, and so shows something of
    /// (see [`shows`]); empty for other pages.
    shows: Vec<UrlPath>,
    /// 0 for the default language, else the other language's renderer
    /// index.
    language: usize,
}

/// The records of every page, in plan order (a clean build's order, which
/// the search index depends on), found by output path.
#[derive(Default)]
struct PageRecords {
    pages: Vec<PageRecord>,
    by_path: rustc_hash::FxHashMap<String, usize>,
}

/// The searchable pages (URL, HTML) and the index language, `None` for
/// one index per language.
pub type SearchInput = (Vec<(UrlPath, Bytes)>, Option<String>);

impl PageRecords {
    fn new(pages: Vec<PageRecord>) -> Self {
        let by_path = pages
            .iter()
            .enumerate()
            .map(|(i, r)| (r.path.clone(), i))
            .collect();
        PageRecords { pages, by_path }
    }

    fn get(&self, path: &str) -> Option<&PageRecord> {
        self.by_path.get(path).map(|&i| &self.pages[i])
    }

    /// False when two records share an output path.
    fn has_unique_paths(&self) -> bool {
        self.by_path.len() == self.pages.len()
    }

    fn is_searchable(&self, path: &str) -> bool {
        self.get(path).is_some_and(|r| r.searchable)
    }

    /// Updates the record of a page re-planned on its own.
    fn update(&mut self, record: PageRecord) {
        if let Some(&i) = self.by_path.get(&record.path) {
            self.pages[i] = record;
        }
    }
}

/// A document of the site in one of its languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DocAt {
    /// 0 for the default language, else the other language's renderer index.
    language: usize,
    kind: DocKind,
    /// Its place among the articles or pages.
    index: usize,
}

/// How a rebuild went about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebuildPath {
    /// The first build of the session.
    Initial,
    /// One document's body re-rendered; only the pages showing it planned.
    Document,
    /// Data files reloaded; the pages showing data planned again.
    Data,
    /// One document reloaded and its body re-rendered; every page it may
    /// reach planned again, no other file read, no other body rendered.
    Replanned,
    /// A multilingual site's data files or one document's file reloaded;
    /// every language linked again, keeping the bodies the edit leaves as
    /// they were, and every page planned again.
    Languages,
    /// Everything loaded and planned again; changed pages rendered.
    Site,
}

/// What a successful rebuild did.
#[derive(Debug)]
pub struct Rebuilt {
    pub path: RebuildPath,
    /// Pages rendered (the others kept their bytes).
    pub rendered: usize,
    /// Output files added or changed, sorted.
    pub changed: Vec<String>,
    /// Output files that no longer exist, sorted.
    pub removed: Vec<String>,
    /// A page the search indexes changed, appeared or went away.
    pub search_changed: bool,
    pub warnings: Diagnostics,
}

/// The state of the last successful build.
struct State {
    /// The site in its default language.
    site: Site,
    /// The other languages of a multilingual site, linked; the renderer
    /// knows each as its place here + 1.
    others: Vec<Site>,
    /// What pages each language has, for the language switcher of a page
    /// planned again on its own (`None` for a site in one language).
    translations: Option<languages::Translations>,
    /// The translation files of a multilingual site, read.
    translation_files: Vec<translated::TranslationFile>,
    /// The templates, parsed, and the site-wide variables: the same until
    /// the site path runs again.
    renderer: Renderer,
    /// Hash of the site-wide template variables and the asset names.
    globals: u64,
    /// Hash of each template's text, by name.
    templates: HashMap<String, u64>,
    pages: PageRecords,
    /// The data pages of one entity each, and how to find links to them.
    entities: shows::EntityPages,
    /// Rendered pages as the templates wrote them (the search indexes these).
    html: HashMap<String, Bytes>,
    /// The output: pages and assets, minified if the site asks for it.
    files: OutputMap,
}

/// A site being served: its last good build and how to update it.
pub struct Session {
    opts: BuildOptions,
    state: Option<State>,
    /// The last rebuild failed, so the state lags behind the files on disk:
    /// the next rebuild must take the site path.
    stale: bool,
}

impl Session {
    /// A session whose first [`Session::rebuild`] builds the whole site.
    pub fn new(opts: BuildOptions) -> Self {
        Session {
            opts,
            state: None,
            stale: true,
        }
    }

    /// The output files of the last good build (no search bundle).
    pub fn files(&self) -> Option<&OutputMap> {
        self.state.as_ref().map(|s| &s.files)
    }

    /// The pages the search indexes, in a clean build's order, and the
    /// index language; `None` when search is off or nothing was built.
    pub fn search_pages(&self) -> Option<SearchInput> {
        let state = self.state.as_ref()?;
        let settings = &state.site.config.site;
        if !settings.search.enabled {
            return None;
        }
        let pages = state
            .pages
            .pages
            .iter()
            .filter(|p| p.searchable)
            .filter_map(|p| Some((p.url.clone(), state.html.get(&p.path)?.clone())))
            .collect();
        Some((pages, crate::search::forced_language(&state.site.config)))
    }

    /// The site's base path (`/studio`, or empty), once something was built.
    pub fn base_path(&self) -> Option<&str> {
        self.state
            .as_ref()
            .map(|s| s.site.config.base.path.as_str())
    }

    /// Brings the output up to date with the files on disk after the files
    /// in `changed` (absolute paths) were edited, added or removed. On
    /// failure the last good output stays as it was.
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Result<Rebuilt, BuildFailure> {
        self.rebuild_open_first(changed, None)
    }

    /// [`Session::rebuild`], handing the `open` pages to their `publish`
    /// as soon as they are rendered when the edit takes the data, the
    /// re-plan or the languages path (see [`open_first`]).
    pub fn rebuild_open_first(
        &mut self,
        changed: &[PathBuf],
        mut open: Option<OpenFirst>,
    ) -> Result<Rebuilt, BuildFailure> {
        let quick = match self.document_change(changed) {
            Some(docs) => self.rebuild_document(&docs).or_else(|| {
                let state = self.state.as_mut()?;
                // A page of a multilingual site carries its translations'
                // links: the languages path keeps them right.
                match docs[..] {
                    [DocAt {
                        language: 0,
                        kind,
                        index,
                    }] if state.others.is_empty() => {
                        state.rebuild_replanned(kind, index, open.as_mut())
                    }
                    [at] => {
                        state.rebuild_languages(multilingual::Edit::Document(at), open.as_mut())
                    }
                    _ => None,
                }
            }),
            None if self.data_change(changed) => self.state.as_mut().and_then(|state| {
                if state.others.is_empty() {
                    state.rebuild_data(changed, open.as_mut())
                } else {
                    let edit = multilingual::Edit::Data(changed);
                    state.rebuild_languages(edit, open.as_mut())
                }
            }),
            None => None,
        };
        let result = quick.unwrap_or_else(|| self.rebuild_site());
        self.stale = result.is_err();
        result
    }

    /// The article or page whose file is all that changed, in each
    /// language that has a page of that file (an original in the default
    /// language, a translation in its own), if that is the case and the
    /// state is current. Another language without a translation has no
    /// page of the article: it lists the original's card, which the
    /// document path keeps the same.
    fn document_change(&self, changed: &[PathBuf]) -> Option<Vec<DocAt>> {
        let state = self.state.as_ref().filter(|_| !self.stale)?;
        let [path] = changed else { return None };
        let root = &state.site.config.root;
        let shown = path.strip_prefix(root).unwrap_or(path);
        let found: Vec<DocAt> = state
            .sites()
            .filter_map(|(language, site)| {
                let content = &site.content;
                let at = |kind, docs: &[Document]| {
                    let index = docs.iter().position(|d| d.source.path == shown)?;
                    let target = match kind {
                        DocKind::Article => Target::Article(index),
                        DocKind::Page => Target::Page(index),
                    };
                    let has_page = language == 0 || site.language.has(target);
                    has_page.then_some(DocAt {
                        language,
                        kind,
                        index,
                    })
                };
                at(DocKind::Article, &content.articles)
                    .or_else(|| at(DocKind::Page, &content.pages))
            })
            .collect();
        (!found.is_empty()).then_some(found)
    }

    /// Whether only data files changed and the state is current.
    fn data_change(&self, changed: &[PathBuf]) -> bool {
        let Some(state) = self.state.as_ref().filter(|_| !self.stale) else {
            return false;
        };
        // Translations of data files are data too, on a multilingual site;
        // on a site in one language, a file named as one is an error that
        // only the site path reports.
        let root = &state.site.config.root;
        data::only_data_files(root, changed)
            && (state.site.config.is_multilingual()
                || !changed.iter().any(|p| translated::is_translation(p)))
    }

    /// The document path; `None` when the edit reaches further than the
    /// document's own body in one of its languages (the caller then takes
    /// another path, and the state is as it was).
    fn rebuild_document(&mut self, docs: &[DocAt]) -> Option<Result<Rebuilt, BuildFailure>> {
        let state = self.state.as_mut()?;
        let mut replaced: Vec<(DocAt, Document, Rendered)> = Vec::new();
        for &at in docs {
            let updated = state.reread_document(at).and_then(|doc| {
                let (site, renderer) = state.site_and_renderer(at.language);
                update_document(site, renderer, at, doc)
            });
            match updated {
                Some((doc, body)) => replaced.push((at, doc, body)),
                None => {
                    for (at, doc, body) in replaced.into_iter().rev() {
                        let (site, _) = state.site_and_renderer(at.language);
                        swap_document(site, at.kind, at.index, doc, body);
                    }
                    return None;
                }
            }
        }
        let plans = docs
            .iter()
            .flat_map(|&at| state.plans_showing(at))
            .collect();
        Some(state.render_plans(plans))
    }

    /// The site path: load, link and plan everything; render what changed.
    fn rebuild_site(&mut self) -> Result<Rebuilt, BuildFailure> {
        let Planned {
            site,
            plans,
            languages: others,
            translations,
            translation_files,
            assets,
            mut renderer,
            mut diags,
        } = plan_site(&self.opts, Texts::Keep)?;
        // The renderer lasts until the next site path: later rebuilds
        // reuse the cards it renders now.
        renderer.keep_card_html();
        let mut timer = StageTimer::start();
        let old = self.state.as_ref();
        let globals = fingerprint::of_site_wide(&renderer, &assets);
        let templates = fingerprint::of_templates(renderer.theme());
        let minify = site.config.site.minify;
        let everything =
            old.is_none_or(|o| o.globals != globals || o.site.config.site.minify != minify);
        let affected = match old {
            Some(o) if !everything => {
                fingerprint::affected_templates(renderer.theme(), &o.templates, &templates)
            }
            _ => HashSet::new(),
        };
        // Only the data path reads what data pages show, and it does not
        // run on a site of many languages.
        let entities = if site.config.is_multilingual() {
            shows::EntityPages::none()
        } else {
            shows::EntityPages::of(&site, &plans)
        };
        let records: Vec<PageRecord> = plans
            .par_iter()
            .map(|plan| record_showing(plan, &entities))
            .collect();
        timer.lap("fingerprint");
        let to_render: Vec<PagePlan> = plans
            .into_iter()
            .zip(&records)
            .filter(|(plan, rec)| {
                everything
                    || affected.contains(&plan.template)
                    || old
                        .and_then(|o| o.pages.get(&rec.path))
                        .map(|r| r.fingerprint)
                        != Some(rec.fingerprint)
            })
            .map(|(plan, _)| plan)
            .collect();
        let rendered = renderer.render_all(to_render, &mut diags);
        if diags.has_errors() {
            return Err(BuildFailure::from(diags));
        }
        timer.lap("render");

        // Pages not rendered again keep their output.
        let rendered_count = rendered.len();
        let mut html = HashMap::with_capacity(records.len());
        let mut files = OutputMap::new();
        if let Some(old) = old {
            let fresh: HashSet<&str> = rendered.iter().map(|f| f.path.as_str()).collect();
            for rec in records.iter().filter(|r| !fresh.contains(r.path.as_str())) {
                html.insert(rec.path.clone(), old.html[&rec.path].clone());
                files.insert(rec.path.clone(), old.files[&rec.path].clone());
            }
        }
        let new_files = rendered.into_iter().chain(assets.files).collect();
        let mut written = insert_outputs(&mut html, &mut files, new_files, minify);
        let media = crate::published_media(&site.images, assets.media);
        written.extend(add_copies(
            &mut files,
            old.map(|o| &o.files),
            &media,
            false,
        )?);
        written.extend(add_images(&site, &mut files, old.map(|o| &o.files))?);

        let before = old.map(|o| o.files.clone()).unwrap_or_default();
        let changed = changed_among(&before, &files, written);
        let mut removed: Vec<String> = before
            .keys()
            .filter(|p| !files.contains_key(*p))
            .cloned()
            .collect();
        removed.sort();
        let pages = PageRecords::new(records);
        let search_changed = changed.iter().any(|p| pages.is_searchable(p))
            || removed
                .iter()
                .any(|p| old.is_some_and(|o| o.pages.is_searchable(p)));
        let path = match old {
            None => RebuildPath::Initial,
            Some(_) => RebuildPath::Site,
        };
        diags.sort();
        self.state = Some(State {
            site,
            others,
            translations,
            translation_files,
            renderer,
            globals,
            templates,
            pages,
            entities,
            html,
            files,
        });
        timer.lap("store");
        Ok(Rebuilt {
            path,
            rendered: rendered_count,
            changed,
            removed,
            search_changed,
            warnings: diags,
        })
    }
}

impl State {
    /// The site in each language, with its renderer index.
    fn sites(&self) -> impl Iterator<Item = (usize, &Site)> {
        std::iter::once(&self.site).chain(&self.others).enumerate()
    }

    fn site_in(&self, language: usize) -> &Site {
        match language {
            0 => &self.site,
            k => &self.others[k - 1],
        }
    }

    /// The site in a language, to change, and the renderer to render with.
    fn site_and_renderer(&mut self, language: usize) -> (&mut Site, &Renderer) {
        let site = match language {
            0 => &mut self.site,
            k => &mut self.others[k - 1],
        };
        (site, &self.renderer)
    }

    /// The document at `at` read again from its file: an original, or a
    /// translation laid over the default language's original. `None` when
    /// it cannot be read or loaded (the site path reports why) or a
    /// translation became a draft.
    fn reread_document(&self, at: DocAt) -> Option<Document> {
        let site = self.site_in(at.language);
        let (old, _) = document_at(site, at.kind, at.index)?;
        let root = &site.config.root;
        let path = root.join(&old.source.path);
        let source = content::read_source(root, &path).ok()?;
        let originals = match at.kind {
            DocKind::Article => &self.site.content.articles,
            DocKind::Page => &self.site.content.pages,
        };
        let original = originals.iter().find(|d| d.stem == old.stem)?;
        if original.source.path == old.source.path {
            let stem = content::document_stem(&path);
            return document::load(at.kind, source, &stem).ok();
        }
        let kind = match at.kind {
            DocKind::Article => Kind::Article,
            DocKind::Page => Kind::Page,
        };
        translated::translated_document(original, &site.language.tag, kind, source).ok()?
    }

    /// The pages showing the body of the document at `at`, planned: its
    /// own page and, for one of the latest articles, its language's feed.
    fn plans_showing(&self, at: DocAt) -> Vec<PagePlan> {
        let site = self.site_in(at.language);
        let mut plans = vec![match at.kind {
            DocKind::Article => {
                pages::article_page(site, at.index, &pages::ArticleCards::on_demand(site))
            }
            DocKind::Page => pages::standalone_page(site, at.index),
        }];
        if at.kind == DocKind::Article && at.index < pages::FEED_ENTRIES {
            plans.extend(pages::feed(site));
        }
        if at.language > 0 {
            languages::mark_plans(site, at.language, &mut plans);
        }
        if let Some(translations) = &self.translations {
            plans.iter_mut().for_each(|plan| translations.link(plan));
        }
        plans
    }

    /// Renders pages re-planned on their own (the document path): those
    /// whose fingerprint changed replace their old output.
    fn render_plans(&mut self, plans: Vec<PagePlan>) -> Result<Rebuilt, BuildFailure> {
        let (to_render, records): (Vec<PagePlan>, Vec<PageRecord>) = plans
            .into_iter()
            .map(|plan| {
                let rec = record(&plan);
                (plan, rec)
            })
            .filter(|(_, rec)| {
                self.pages.get(&rec.path).map(|r| r.fingerprint) != Some(rec.fingerprint)
            })
            .unzip();
        let mut diags = Diagnostics::new();
        let rendered = self.renderer.render_all(to_render, &mut diags);
        if diags.has_errors() {
            return Err(BuildFailure::from(diags));
        }
        let rendered_count = rendered.len();
        let before = self.files.clone();
        let minify = self.site.config.site.minify;
        let mut written = insert_outputs(&mut self.html, &mut self.files, rendered, minify);
        // The edited text may show an image no page showed before.
        let before_images = self.files.clone();
        written.extend(add_images(
            &self.site,
            &mut self.files,
            Some(&before_images),
        )?);
        // A static photo it now shows processed is no longer published as is.
        let mut removed: Vec<String> = self
            .site
            .images
            .processed_static_files()
            .into_iter()
            .filter(|path| self.files.remove(path).is_some())
            .collect();
        removed.sort();
        for rec in records {
            self.pages.update(rec);
        }
        let changed = changed_among(&before, &self.files, written);
        Ok(Rebuilt {
            path: RebuildPath::Document,
            rendered: rendered_count,
            search_changed: changed.iter().any(|p| self.pages.is_searchable(p)),
            changed,
            removed,
            warnings: diags,
        })
    }
}

/// Stores rendered files as the output, minifying if asked; `html` keeps
/// the pages as rendered. Returns the paths written.
fn insert_outputs(
    html: &mut HashMap<String, Bytes>,
    files: &mut OutputMap,
    rendered: Vec<OutputFile>,
    minify: bool,
) -> Vec<String> {
    let outputs: Vec<(String, Bytes, Bytes)> = rendered
        .into_par_iter()
        .map(|f| output_bytes(f, minify))
        .collect();
    outputs
        .into_iter()
        .map(|(path, original, output)| {
            html.insert(path.clone(), original);
            files.insert(path.clone(), output);
            path
        })
        .collect()
}

/// A rendered file's path, its bytes as rendered (the search index reads
/// these) and as written, minified if asked.
fn output_bytes(mut f: OutputFile, minify: bool) -> (String, Bytes, Bytes) {
    let original = Bytes::from(std::mem::take(&mut f.bytes));
    if !minify {
        return (f.path, original.clone(), original);
    }
    f.bytes = original.to_vec();
    minify::file(&mut f);
    (f.path, original, Bytes::from(f.bytes))
}

/// Processes the images the pages show (from the cache when it has them)
/// and adds those not yet in `files`; returns their paths.
fn add_images(
    site: &Site,
    files: &mut OutputMap,
    old: Option<&OutputMap>,
) -> Result<Vec<String>, BuildFailure> {
    let processed = site.images.process().map_err(|problems| {
        let mut diags = Diagnostics::new();
        diags.extend(problems);
        BuildFailure::from(diags)
    })?;
    // Image names carry a key of their content: a known name is the same file.
    add_copies(files, old, &processed.files, true)
}

/// Reads copied files into the in-memory output. With `named_by_content`,
/// a file `old` already has is taken from there instead of read again.
fn add_copies(
    files: &mut OutputMap,
    old: Option<&OutputMap>,
    copies: &[crate::output::CopiedFile],
    named_by_content: bool,
) -> Result<Vec<String>, BuildFailure> {
    let mut written = Vec::new();
    for copy in copies {
        if named_by_content {
            if let Some(known) = old.and_then(|o| o.get(&copy.path)) {
                files.insert(copy.path.clone(), known.clone());
                continue;
            }
        }
        let bytes = std::fs::read(&copy.from).map_err(|e| {
            BuildFailure::one(crate::diagnostics::Diagnostic::error(format!(
                "cannot read {}: {e}",
                copy.from.display()
            )))
        })?;
        files.insert(copy.path.clone(), Bytes::from(bytes));
        written.push(copy.path.clone());
    }
    Ok(written)
}

/// Of the paths just written, those whose bytes differ from before, sorted.
fn changed_among(before: &OutputMap, after: &OutputMap, written: Vec<String>) -> Vec<String> {
    let mut changed: Vec<String> = written
        .into_iter()
        .filter(|p| before.get(p) != after.get(p))
        .collect();
    changed.sort();
    changed
}

/// Puts `new_doc` in place of the document at `at` of `site` (the site in
/// `at`'s language) with its body rendered, and returns the document and
/// body it replaced; `None`, leaving the site as it was, when other pages
/// would show the change: its front matter, cross-links, card or anchors
/// changed, or it has problems (the site path reports them).
fn update_document(
    site: &mut Site,
    renderer: &Renderer,
    at: DocAt,
    new_doc: Document,
) -> Option<(Document, Rendered)> {
    let DocAt {
        language,
        kind,
        index: i,
    } = at;
    let (old_doc, old_body) = document_at(site, kind, i)?;
    if front_matter(&new_doc) != front_matter(old_doc) {
        return None;
    }
    let (mut body, problems) = graph::render_document(site, &new_doc);
    if !problems.is_empty() || !same_links(&body.links, &old_body.links) {
        return None;
    }
    let render = |name: &str, context| renderer.render_shortcode(language, name, context);
    pages::shortcodes::expand(site, &mut body, &render).ok()?;
    let anchors_changed = body.anchors != old_body.anchors;
    let card_before = card(site, kind, i);
    let (old_doc, old_body) = swap_document(site, kind, i, new_doc, body);
    let mut diags = Diagnostics::new();
    if anchors_changed {
        graph::check_all_fragments(site, &mut diags);
    }
    if !diags.is_empty() || card(site, kind, i) != card_before {
        swap_document(site, kind, i, old_doc, old_body);
        return None;
    }
    Some((old_doc, old_body))
}

/// Article or page `i` and its rendered body.
fn document_at(site: &Site, kind: DocKind, i: usize) -> Option<(&Document, &Rendered)> {
    let (docs, bodies) = match kind {
        DocKind::Article => (&site.content.articles, &site.markdown.articles),
        DocKind::Page => (&site.content.pages, &site.markdown.pages),
    };
    Some((docs.get(i)?, bodies.get(i)?))
}

/// Puts a document and its rendered body in place of article or page `i`;
/// returns the ones it replaced.
fn swap_document(
    site: &mut Site,
    kind: DocKind,
    i: usize,
    doc: Document,
    body: Rendered,
) -> (Document, Rendered) {
    let (docs, bodies) = match kind {
        DocKind::Article => (&mut site.content.articles, &mut site.markdown.articles),
        DocKind::Page => (&mut site.content.pages, &mut site.markdown.pages),
    };
    (
        std::mem::replace(&mut docs[i], doc),
        std::mem::replace(&mut bodies[i], body),
    )
}

/// The front matter as written, `+++` lines included.
fn front_matter(doc: &Document) -> &str {
    &doc.source.text[..doc.body.start]
}

/// What other pages show of an article: its card in lists, tags, related
/// articles. Pages have none beyond their front matter.
fn card(site: &Site, kind: DocKind, i: usize) -> Option<ArticleCard> {
    (kind == DocKind::Article).then(|| pages::article_card(site, i))
}

/// Cross-links decide backlinks on other pages: the same targets and
/// fragments, in any place of the text, leave those pages as they were.
fn same_links(a: &[CrossLink], b: &[CrossLink]) -> bool {
    let key = |links: &[CrossLink]| -> Vec<_> {
        let mut k: Vec<_> = links
            .iter()
            .map(|l| (l.target, l.fragment.clone()))
            .collect();
        k.sort();
        k.dedup();
        k
    };
    key(a) == key(b)
}

/// Plans the feeds after `plans`, their sitemap listing every page of
/// `records` (all pages but the feeds, in plan order), and returns every
/// page's record. The sitemap (a line per page) is planned only when an
/// entry differs from the last build's (`before`); else its record is kept.
fn with_feeds(
    site: &Site,
    plans: &mut Vec<PagePlan>,
    mut records: Vec<PageRecord>,
    before: &PageRecords,
) -> PageRecords {
    fn entries(records: &[PageRecord]) -> impl Iterator<Item = (&UrlPath, &Option<String>)> {
        records
            .iter()
            .filter(|r| r.in_sitemap)
            .map(|r| (&r.url, &r.lastmod))
    }
    let sitemap_path = UrlPath::file("sitemap.xml").output_file();
    let kept_sitemap = before
        .get(&sitemap_path)
        .filter(|_| entries(&records).eq(entries(&before.pages)))
        .cloned();
    let sitemap = kept_sitemap.is_none().then(|| {
        records
            .iter()
            .filter(|r| r.in_sitemap)
            .map(|r| (r.url.clone(), r.lastmod.clone()))
            .collect()
    });
    let feeds = plans.len();
    pages::plan_feeds(site, sitemap, plans);
    // The sitemap comes first of the feeds, kept or planned.
    records.extend(kept_sitemap);
    records.extend(plans[feeds..].iter().map(record));
    PageRecords::new(records)
}

impl State {
    /// Whether `plans` hold every data page of the last build that is one
    /// of the `asked` entity pages or a section's own page (an index, a
    /// table): else one of them is gone, and only the site path removes it.
    fn all_data_pages_planned(&self, plans: &[PagePlan], asked: impl Fn(&UrlPath) -> bool) -> bool {
        let planned: HashSet<&UrlPath> = plans.iter().map(|p| &p.url).collect();
        self.pages
            .pages
            .iter()
            .filter(|r| r.section.is_data() && (r.origin.is_none() || asked(&r.url)))
            .all(|r| planned.contains(&r.url))
    }

    /// The records of the data sections, in the last build's order, with
    /// `fresh` (of the data pages planned again) in place of theirs; `None`
    /// when one of `fresh` is a page the last build did not have (its
    /// place is unknown).
    fn data_records_with(&self, fresh: Vec<PageRecord>) -> Option<Vec<PageRecord>> {
        self.records_with(Section::is_data, fresh)
    }

    /// [`State::data_records_with`] for the blog section.
    fn blog_records_with(&self, fresh: Vec<PageRecord>) -> Option<Vec<PageRecord>> {
        self.records_with(|s| s == Section::Blog, fresh)
    }

    fn records_with(
        &self,
        section: impl Fn(Section) -> bool,
        fresh: Vec<PageRecord>,
    ) -> Option<Vec<PageRecord>> {
        let mut fresh: HashMap<String, PageRecord> =
            fresh.into_iter().map(|r| (r.path.clone(), r)).collect();
        let merged = self
            .pages
            .pages
            .iter()
            .filter(|r| section(r.section))
            .map(|old| fresh.remove(&old.path).unwrap_or_else(|| old.clone()))
            .collect();
        fresh.is_empty().then_some(merged)
    }

    /// [`globals_unchanged`] for the state's renderer.
    fn globals_unchanged_for(&mut self, language: usize, site: &Site) -> bool {
        globals_unchanged(&mut self.renderer, language, site)
    }
}

/// Gives the `renderer` of `language` `site`'s site-wide variables;
/// whether they are the ones it had (else every page may read
/// differently).
fn globals_unchanged(renderer: &mut Renderer, language: usize, site: &Site) -> bool {
    let before = fingerprint::of_json(&renderer.globals());
    let sprite_before = renderer.figure_sprite().map(str::to_string);
    renderer.refresh_globals(language, site);
    // The sprite comes and goes with the site's muscles.
    fingerprint::of_json(&renderer.globals()) == before
        && renderer.figure_sprite() == sprite_before.as_deref()
}

/// Frees `value` on the thread pool, after the rebuild has answered: the
/// plans of thousands of list pages, or the site a rebuild replaced, took
/// tens of milliseconds of an edit to free.
fn drop_later<T: Send + 'static>(value: T) {
    rayon::spawn(move || drop(value));
}

fn record(plan: &PagePlan) -> PageRecord {
    PageRecord {
        path: plan.output_file(),
        url: plan.site_url(),
        fingerprint: fingerprint::of_plan(plan),
        searchable: plan.search_kind.is_some(),
        section: plan.section,
        in_sitemap: plan.in_sitemap,
        lastmod: plan.lastmod.clone(),
        origin: plan.origin.as_ref().map(|at| at.file.clone()),
        shows: Vec::new(),
        language: plan.language,
    }
}

/// [`record`], with the entity pages a data page shows.
fn record_showing(plan: &PagePlan, entities: &shows::EntityPages) -> PageRecord {
    PageRecord {
        shows: entities.shown_by(plan),
        ..record(plan)
    }
}
