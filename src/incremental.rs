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
//! * **site path**: anything else (front matter, data files, new, renamed
//!   and deleted files, templates, static files, site.toml). The site is
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

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rayon::prelude::*;
use serde_json::Value;

use crate::content::{self, document, DocKind, Document};
use crate::diagnostics::Diagnostics;
use crate::graph::{self, Site};
use crate::ids::UrlPath;
use crate::markdown::{CrossLink, Rendered};
use crate::output::OutputFile;
use crate::pages::{self, PagePlan};
use crate::render::{self, Assets, Renderer};
use crate::theme::Theme;
use crate::{load_and_link, minify, BuildFailure, BuildOptions, Linked, StageTimer};

/// Output files by path. A persistent map: the server gets a copy of the
/// whole site after every rebuild, and copying it costs nothing.
pub type OutputMap = imbl::HashMap<String, Bytes>;

/// What one page's output was made from.
#[derive(Debug, Clone)]
struct PageRecord {
    /// The output path (`blog/x/index.html`).
    path: String,
    url: UrlPath,
    template: String,
    /// A hash of the page's template name, search kind and data.
    fingerprint: u64,
    searchable: bool,
}

/// How a rebuild went about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebuildPath {
    /// The first build of the session.
    Initial,
    /// One document's body re-rendered; only the pages showing it planned.
    Document,
    /// Everything loaded and planned again; changed pages rendered.
    Site,
}

/// What a successful rebuild did.
#[derive(Debug)]
pub struct Rebuilt {
    pub path: RebuildPath,
    /// Pages rendered (the others kept their bytes).
    pub rendered: usize,
    /// Output files added or changed.
    pub changed: Vec<String>,
    /// Output files that no longer exist.
    pub removed: Vec<String>,
    /// A page the search indexes changed, appeared or went away.
    pub search_changed: bool,
    pub warnings: Diagnostics,
    pub elapsed: Duration,
}

/// The state of the last successful build.
struct State {
    site: Site,
    /// The templates, parsed, and the site-wide variables: the same until
    /// the site path runs again.
    renderer: Renderer,
    /// Hash of the site-wide template variables and the asset names.
    globals: u64,
    /// Hash of each template's text, by name.
    templates: HashMap<String, u64>,
    /// In plan order: the order of a clean build, which the search index
    /// depends on.
    pages: Vec<PageRecord>,
    page_index: HashMap<String, usize>,
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
    pub fn search_pages(&self) -> Option<(Vec<(UrlPath, Bytes)>, String)> {
        let state = self.state.as_ref()?;
        let settings = &state.site.config.site;
        if !settings.search.enabled {
            return None;
        }
        let pages = state
            .pages
            .iter()
            .filter(|p| p.searchable)
            .filter_map(|p| Some((p.url.clone(), state.html.get(&p.path)?.clone())))
            .collect();
        Some((pages, settings.language.clone()))
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
        let started = Instant::now();
        let result = match self.document_change(changed) {
            Some(doc) => match self.rebuild_document(doc) {
                Some(result) => result,
                None => self.rebuild_site(),
            },
            None => self.rebuild_site(),
        };
        self.stale = result.is_err();
        result.map(|mut r| {
            r.elapsed = started.elapsed();
            r
        })
    }

    /// Whether the search index must follow: a searchable page changed,
    /// appeared or went away.
    fn search_changed(
        &self,
        old_searchable: HashSet<String>,
        changed: &[String],
        removed: &[String],
    ) -> bool {
        let now = self
            .state
            .as_ref()
            .map(State::searchable)
            .unwrap_or_default();
        changed.iter().any(|p| now.contains(p))
            || removed.iter().any(|p| old_searchable.contains(p))
    }

    /// The one article or page whose file is all that changed, if that is
    /// the case and the state is current.
    fn document_change(&self, changed: &[PathBuf]) -> Option<(DocKind, usize)> {
        let state = self.state.as_ref().filter(|_| !self.stale)?;
        let [path] = changed else { return None };
        let root = &state.site.config.root;
        let shown = path.strip_prefix(root).unwrap_or(path);
        let content = &state.site.content;
        let find = |docs: &[Document]| docs.iter().position(|d| d.source.path == shown);
        find(&content.articles)
            .map(|i| (DocKind::Article, i))
            .or_else(|| find(&content.pages).map(|i| (DocKind::Page, i)))
    }

    /// The document path; `None` when the edit reaches further than the
    /// document's own body (the caller then takes the site path).
    fn rebuild_document(
        &mut self,
        (kind, i): (DocKind, usize),
    ) -> Option<Result<Rebuilt, BuildFailure>> {
        let state = self.state.as_mut()?;
        let site = &mut state.site;
        let old_doc = docs(site, kind).get(i)?;
        let path = site.config.root.join(&old_doc.source.path);
        let source = content::read_source(&site.config.root, &path).ok()?;
        let (_, body) = document::split_front_matter(&source).ok()?;
        let same_front_matter =
            source.text[..body.start] == old_doc.source.text[..old_doc.body.start];
        if !same_front_matter {
            return None;
        }
        let stem = path.file_stem()?.to_string_lossy().into_owned();
        let new_doc = document::load(kind, source, &stem).ok()?;
        let (rendered, problems) = graph::render_document(site, &new_doc);
        let old_rendered = &rendered_docs(site, kind)[i];
        if !problems.is_empty() || !same_links(&rendered.links, &old_rendered.links) {
            return None;
        }
        let anchors_changed = rendered.anchors != old_rendered.anchors;
        let card_before = card(site, kind, i);
        let old_doc = std::mem::replace(&mut docs_mut(site, kind)[i], new_doc);
        let old_rendered = std::mem::replace(&mut rendered_docs_mut(site, kind)[i], rendered);
        let mut diags = Diagnostics::new();
        if anchors_changed {
            graph::check_all_fragments(site, &mut diags);
        }
        if !diags.is_empty() || card(site, kind, i) != card_before {
            // Other pages show something of this document after all.
            docs_mut(site, kind)[i] = old_doc;
            rendered_docs_mut(site, kind)[i] = old_rendered;
            return None;
        }
        let mut plans = vec![match kind {
            DocKind::Article => pages::article_page(site, i),
            DocKind::Page => pages::standalone_page(site, i),
        }];
        if kind == DocKind::Article && i < pages::FEED_ENTRIES {
            plans.extend(pages::feed(site));
        }
        let state = self.state.as_mut()?;
        Some(state.render_plans(plans, RebuildPath::Document))
    }

    /// The site path: load, link and plan everything; render what changed.
    fn rebuild_site(&mut self) -> Result<Rebuilt, BuildFailure> {
        let Linked {
            site,
            theme,
            mut diags,
        } = load_and_link(&self.opts)?;
        let mut timer = StageTimer::start();
        let plans = pages::plan(&site, &mut diags);
        timer.lap("plan");
        if diags.has_errors() {
            return Err(BuildFailure::from(diags));
        }
        let assets = render::assets(&site, &theme);
        let theme = Arc::new(theme);
        let Some(renderer) = Renderer::new(&site, theme.clone(), &assets, &mut diags) else {
            return Err(BuildFailure::from(diags));
        };
        let old = self.state.as_ref();
        let globals = globals_hash(renderer.globals(), &assets);
        let templates = template_hashes(&theme);
        let minify = site.config.site.minify;
        let everything =
            old.is_none_or(|o| o.globals != globals || o.site.config.site.minify != minify);
        let affected = match old {
            Some(o) if !everything => affected_templates(&theme, &o.templates, &templates),
            _ => HashSet::new(),
        };
        let records: Vec<PageRecord> = plans.par_iter().map(record).collect();
        timer.lap("fingerprint");
        let to_render: Vec<PagePlan> = plans
            .into_iter()
            .zip(&records)
            .filter(|(plan, rec)| {
                everything
                    || affected.contains(&plan.template)
                    || old.and_then(|o| o.record(&rec.path)).is_none_or(|was| {
                        was.fingerprint != rec.fingerprint || was.template != rec.template
                    })
            })
            .map(|(plan, _)| plan)
            .collect();
        let rendered = renderer.render_all(to_render, &mut diags);
        if diags.has_errors() {
            return Err(BuildFailure::from(diags));
        }
        timer.lap("render");

        let mut html = HashMap::with_capacity(records.len() + assets.files.len());
        let mut files = OutputMap::new();
        let fresh: HashSet<&str> = rendered.iter().map(|f| f.path.as_str()).collect();
        let fresh_count = rendered.len();
        if let Some(old) = old {
            for rec in records.iter().filter(|r| !fresh.contains(r.path.as_str())) {
                html.insert(rec.path.clone(), old.html[&rec.path].clone());
                files.insert(rec.path.clone(), old.files[&rec.path].clone());
            }
        }
        let new_files: Vec<OutputFile> = rendered.into_iter().chain(assets.files).collect();
        let count = fresh_count;
        insert_outputs(&mut html, &mut files, new_files, minify);

        let (changed, removed) = diff(old.map(|o| &o.files), &files);
        let initial = old.is_none();
        let old_searchable: HashSet<String> = old.map_or_else(HashSet::new, State::searchable);
        diags.sort();
        let page_index = index_of(&records);
        timer.lap("store");
        self.state = Some(State {
            site,
            renderer,
            globals,
            templates,
            pages: records,
            page_index,
            html,
            files,
        });
        Ok(Rebuilt {
            path: if initial {
                RebuildPath::Initial
            } else {
                RebuildPath::Site
            },
            rendered: count,
            search_changed: self.search_changed(old_searchable, &changed, &removed),
            changed,
            removed,
            warnings: diags,
            elapsed: Duration::ZERO,
        })
    }
}

impl State {
    fn searchable(&self) -> HashSet<String> {
        self.pages
            .iter()
            .filter(|p| p.searchable)
            .map(|p| p.path.clone())
            .collect()
    }

    fn record(&self, path: &str) -> Option<&PageRecord> {
        self.page_index.get(path).map(|&i| &self.pages[i])
    }

    /// Renders re-planned pages of the current site (the document path):
    /// those whose fingerprint changed replace their old output.
    fn render_plans(
        &mut self,
        plans: Vec<PagePlan>,
        path: RebuildPath,
    ) -> Result<Rebuilt, BuildFailure> {
        let mut diags = Diagnostics::new();
        let mut to_render = Vec::new();
        let mut records = Vec::new();
        for plan in plans {
            let rec = record(&plan);
            if self.record(&rec.path).map(|r| r.fingerprint) != Some(rec.fingerprint) {
                records.push(rec);
                to_render.push(plan);
            }
        }
        let rendered = self.renderer.render_all(to_render, &mut diags);
        if diags.has_errors() {
            return Err(BuildFailure::from(diags));
        }
        let before: HashMap<String, Bytes> = rendered
            .iter()
            .filter_map(|f| Some((f.path.clone(), self.files.get(&f.path)?.clone())))
            .collect();
        let count = rendered.len();
        let minify = self.site.config.site.minify;
        insert_outputs(&mut self.html, &mut self.files, rendered, minify);
        for rec in records {
            let i = self.page_index[&rec.path];
            self.pages[i] = rec;
        }
        let mut changed: Vec<String> = before
            .into_iter()
            .filter(|(path, bytes)| self.files.get(path) != Some(bytes))
            .map(|(path, _)| path)
            .collect();
        changed.sort();
        let search_changed = changed
            .iter()
            .any(|p| self.record(p).is_some_and(|r| r.searchable));
        Ok(Rebuilt {
            path,
            rendered: count,
            search_changed,
            changed,
            removed: Vec::new(),
            warnings: diags,
            elapsed: Duration::ZERO,
        })
    }
}

/// Stores rendered files as the output, minifying if asked; `html` keeps
/// the pages as rendered.
fn insert_outputs(
    html: &mut HashMap<String, Bytes>,
    files: &mut OutputMap,
    rendered: Vec<OutputFile>,
    minify: bool,
) {
    if !minify {
        for f in rendered {
            let bytes = Bytes::from(f.bytes);
            html.insert(f.path.clone(), bytes.clone());
            files.insert(f.path, bytes);
        }
        return;
    }
    let minified: Vec<(String, Bytes, Bytes)> = rendered
        .into_par_iter()
        .map(|mut f| {
            let original = Bytes::from(f.bytes.clone());
            minify::file(&mut f);
            (f.path, original, Bytes::from(f.bytes))
        })
        .collect();
    for (path, original, small) in minified {
        html.insert(path.clone(), original);
        files.insert(path, small);
    }
}

fn docs(site: &Site, kind: DocKind) -> &Vec<Document> {
    match kind {
        DocKind::Article => &site.content.articles,
        DocKind::Page => &site.content.pages,
    }
}

fn docs_mut(site: &mut Site, kind: DocKind) -> &mut Vec<Document> {
    match kind {
        DocKind::Article => &mut site.content.articles,
        DocKind::Page => &mut site.content.pages,
    }
}

fn rendered_docs(site: &Site, kind: DocKind) -> &Vec<Rendered> {
    match kind {
        DocKind::Article => &site.markdown.articles,
        DocKind::Page => &site.markdown.pages,
    }
}

fn rendered_docs_mut(site: &mut Site, kind: DocKind) -> &mut Vec<Rendered> {
    match kind {
        DocKind::Article => &mut site.markdown.articles,
        DocKind::Page => &mut site.markdown.pages,
    }
}

/// What other pages show of an article: its card in lists, tags, related
/// articles. Pages have none beyond their front matter.
fn card(site: &Site, kind: DocKind, i: usize) -> Option<Value> {
    (kind == DocKind::Article)
        .then(|| serde_json::to_value(pages::article_card(site, i)).unwrap_or_default())
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

fn record(plan: &PagePlan) -> PageRecord {
    let mut hasher = HashWriter::default();
    hasher.0.update(plan.template.as_bytes());
    hasher
        .0
        .update(plan.search_kind.map_or("", |k| k.label()).as_bytes());
    // Writing to a hasher cannot fail, nor can serialising a JSON value.
    let _ = serde_json::to_writer(&mut hasher, &plan.context);
    PageRecord {
        path: plan.url.output_file(),
        url: plan.url.clone(),
        template: plan.template.clone(),
        fingerprint: hasher.0.digest(),
        searchable: plan.search_kind.is_some(),
    }
}

fn index_of(records: &[PageRecord]) -> HashMap<String, usize> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.path.clone(), i))
        .collect()
}

#[derive(Default)]
struct HashWriter(xxhash_rust::xxh3::Xxh3);

impl io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn globals_hash(globals: &Value, assets: &Assets) -> u64 {
    let mut hasher = HashWriter::default();
    let _ = serde_json::to_writer(&mut hasher, globals);
    // Asset names carry content hashes: `asset()` output changes with them.
    let mut names: Vec<&str> = assets.files.iter().map(|f| f.path.as_str()).collect();
    names.sort_unstable();
    for name in names {
        hasher.0.update(name.as_bytes());
        hasher.0.update(b"\0");
    }
    hasher.0.digest()
}

fn template_hashes(theme: &Theme) -> HashMap<String, u64> {
    theme
        .templates
        .iter()
        .map(|(name, t)| (name.clone(), xxhash_rust::xxh3::xxh3_64(t.text.as_bytes())))
        .collect()
}

/// The templates whose output may differ: those changed, added or removed,
/// and those that extend, include or import one of them, at any depth.
fn affected_templates(
    theme: &Theme,
    before: &HashMap<String, u64>,
    after: &HashMap<String, u64>,
) -> HashSet<String> {
    let mut changed: HashSet<String> = after
        .iter()
        .filter(|(name, hash)| before.get(*name) != Some(*hash))
        .map(|(name, _)| name.clone())
        .collect();
    changed.extend(before.keys().filter(|n| !after.contains_key(*n)).cloned());
    if changed.is_empty() {
        return changed;
    }
    let uses: HashMap<&str, BTreeSet<String>> = theme
        .templates
        .iter()
        .map(|(name, t)| (name.as_str(), template_references(&t.text)))
        .collect();
    // Grow the set until no template uses one in it.
    loop {
        let more: Vec<String> = uses
            .iter()
            .filter(|(name, refs)| {
                !changed.contains(**name) && refs.iter().any(|r| changed.contains(r))
            })
            .map(|(name, _)| name.to_string())
            .collect();
        if more.is_empty() {
            return changed;
        }
        changed.extend(more);
    }
}

/// Every string literal inside a template's `{% … %}` tags: a superset of
/// the templates it extends, includes or imports. Taking too many only
/// renders a page more than needed; taking too few would serve a stale one.
fn template_references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("{%") {
        let after = &rest[start + 2..];
        let end = after.find("%}").unwrap_or(after.len());
        string_literals(&after[..end], &mut found);
        rest = &after[end..];
    }
    found
}

fn string_literals(tag: &str, found: &mut BTreeSet<String>) {
    let mut rest = tag;
    while let Some(q) = rest.find(['"', '\'']) {
        let quote = &rest[q..q + 1];
        let after = &rest[q + 1..];
        let Some(len) = after.find(quote) else {
            return;
        };
        found.insert(after[..len].to_string());
        rest = &after[len + 1..];
    }
}

/// Output files added or changed, and removed, between two outputs.
fn diff(before: Option<&OutputMap>, after: &OutputMap) -> (Vec<String>, Vec<String>) {
    let mut changed: Vec<String> = after
        .iter()
        .filter(|(path, bytes)| before.and_then(|b| b.get(*path)) != Some(*bytes))
        .map(|(path, _)| path.clone())
        .collect();
    let mut removed: Vec<String> = before
        .map(|b| {
            b.keys()
                .filter(|p| !after.contains_key(*p))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    changed.sort();
    removed.sort();
    (changed, removed)
}
