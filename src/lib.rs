//! Knotwork: a static site generator for educational bodywork sites.
//!
//! A build is a pipeline of stages, each its own module, each handing a value
//! to the next; nothing reaches back into an earlier stage:
//!
//! 1. [`config`] + [`content`] + [`bodymap`]: load site.toml, every content file
//!    and the body figure into typed values;
//! 2. [`graph`]: validate and link: resolve ids, render Markdown, backlinks;
//! 3. [`pages`]: plan every page (URL, template, data);
//! 4. [`render`]: Tera renders the plans in parallel; then, for a build
//!    that writes, [`search`] indexes the rendered pages with Pagefind and
//!    [`minify`] shrinks them if asked;
//! 5. [`output`]: sync the output folder, writing only what changed.
//!
//! Every stage reports problems as [`diagnostics::Diagnostic`]s; a build
//! with errors stops before writing, so the previous output stays as it was.

pub mod bodymap;
pub mod config;
pub mod content;
pub mod diagnostics;
pub mod fingerprint;
pub mod graph;
pub mod html;
pub mod i18n;
pub mod ids;
pub mod images;
pub mod incremental;
pub mod languages;
pub mod linkcheck;
pub mod markdown;
pub mod minify;
pub mod new;
pub mod output;
pub mod page_records;
pub mod pages;
pub mod postcard_bytes;
pub mod related;
pub mod render;
pub mod replace_file;
pub mod review;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod shortcodes;
pub mod theme;
pub mod toml_file;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use diagnostics::{Diagnostic, Diagnostics};
use ids::UrlPath;
use output::{CopiedFile, OutputFile};

/// What to build and how.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The site folder (holding site.toml).
    pub root: PathBuf,
    pub overrides: config::Overrides,
}

/// The rendered site, in memory.
pub struct RenderedSite {
    /// The files still to write: all of them, but for pages a build into
    /// a fresh folder wrote as it rendered them (`fresh`).
    pub files: Vec<OutputFile>,
    /// Writes pages as they are rendered when the output folder was empty;
    /// until the build succeeds, dropping it removes them again.
    pub fresh: Option<output::FreshWriter>,
    /// The part Pagefind reads of each searchable page written already,
    /// by output path: the page itself was not kept for the index.
    pub search_parts: SearchParts,
    pub pages: usize,
    pub output_dir: PathBuf,
    /// Warnings of the build (errors make it fail instead).
    pub warnings: Diagnostics,
    /// Every page, in plan order (which the search index follows).
    pub page_list: Vec<PageEntry>,
    /// The key this build's page records are written under; `None` for
    /// `knotwork check`, which keeps no records.
    pub records_key: Option<page_records::SiteKey>,
    pub search_enabled: bool,
    /// The language the search index is built in; `None` for a
    /// multilingual site (one index per language, by `<html lang>`).
    pub search_language: Option<String>,
    /// Where the search bundle is kept between builds
    /// (`.knotwork-cache/search/`), to be reused while no indexed page
    /// changes.
    pub search_cache: PathBuf,
    pub minify: bool,
    /// Files copied rather than rendered: photos of static/, and (after
    /// [`finish`]) the processed images.
    pub copies: Vec<CopiedFile>,
    /// The site's images, processed by [`finish`].
    pub images: Arc<images::Library>,
    /// Image files made by this build and taken from the cache.
    pub images_made: usize,
    pub images_reused: usize,
    /// Per other language: how many of the content pages are translated,
    /// of how many.
    pub translated: Vec<(i18n::LanguageTag, usize, usize)>,
}

/// The part Pagefind reads of pages written already, by output path.
pub type SearchParts = HashMap<String, String>;

/// One page of the built site.
pub struct PageEntry {
    /// The output path (`blog/x/index.html`).
    pub path: String,
    pub url: UrlPath,
    pub searchable: bool,
    /// [`fingerprint::of_plan`] of its plan, for a build that keeps records.
    pub fingerprint: u64,
    /// Set when the page was not rendered: the last build's file stands.
    pub kept: Option<page_records::PageRecord>,
    /// The key of its search parse, once indexed.
    pub search_key: Option<search::PageKey>,
}

/// Why a build failed: the problems, all of them.
#[derive(Debug)]
pub struct BuildFailure {
    pub diagnostics: Diagnostics,
}

impl BuildFailure {
    fn from(mut diagnostics: Diagnostics) -> Self {
        diagnostics.sort();
        BuildFailure { diagnostics }
    }

    pub fn one(d: Diagnostic) -> Self {
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(d);
        BuildFailure { diagnostics }
    }
}

/// Stages 1–3 and the parsed templates: everything pages are rendered from.
/// Shared by builds and `knotwork serve`; warnings so far are in `diags`.
pub(crate) struct Planned {
    /// The site in its default language.
    pub site: graph::Site,
    /// The pages of every language.
    pub plans: Vec<pages::PagePlan>,
    /// The other languages of a multilingual site, linked; the renderer
    /// knows each as its place here + 1 (the default language is 0).
    pub languages: Vec<graph::Site>,
    /// What pages each language has (`None` for a site in one language).
    pub translations: Option<languages::Translations>,
    /// The translation files, read (`serve` lays them over its edits).
    pub translation_files: Vec<content::translations::TranslationFile>,
    pub assets: render::Assets,
    pub renderer: render::Renderer,
    pub diags: Diagnostics,
}

/// Whether a caller of [`plan_site`] reads the Markdown texts of articles
/// and pages again once they are rendered, and the link records of their
/// bodies (`serve` renders and links an edited site again; `check` lists
/// the links to other sites).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Texts {
    Keep,
    /// A build: the texts and link records are let go before planning,
    /// the stage at whose end a build's memory peaks (the body cache has
    /// been encoded by then).
    Release,
}

pub(crate) fn plan_site(opts: &BuildOptions, texts: Texts) -> Result<Planned, BuildFailure> {
    let mut diags = Diagnostics::new();
    let Some(config) = config::load(&opts.root, &opts.overrides, &mut diags) else {
        return Err(BuildFailure::from(diags));
    };
    if let Err(d) = output::check_target(&config.output_dir, &config.root) {
        diags.push(d);
        return Err(BuildFailure::from(diags));
    }
    let mut timer = StageTimer::start();
    // The last build's Markdown bodies are read while the content loads.
    let bodies_file = body_cache_file(&config);
    let bodies = std::thread::spawn(move || graph::BodyCache::load(&bodies_file));
    // So are the theme's templates parsed, which needs the theme alone.
    let theme = Arc::new(theme::load(&config, &mut diags));
    let templates = {
        let theme = Arc::clone(&theme);
        std::thread::spawn(move || render::Templates::parse(&theme))
    };
    let images = Arc::new(images::Library::for_site(&config));
    let content = content::load(&config, &mut diags);
    let translations = content::translations::find(&config, &mut diags);
    let other_languages = languages::load_others(&config, &content, &translations, &mut diags);
    let figure = bodymap::load(&config.root, &config.site.theme, &mut diags);
    let Some(words) = i18n::load(
        &config.root,
        &config.site.theme,
        &config.language,
        config.locate_key("language"),
        &mut diags,
    ) else {
        return Err(BuildFailure::from(diags));
    };
    let bodies = bodies.join().unwrap_or_else(|_| graph::BodyCache::none());
    timer.lap("load");
    let mut site = graph::link_cached(
        graph::Loaded {
            config,
            content,
            figure,
            shortcodes: theme.shortcodes.clone(),
            images,
            words,
            language: None,
        },
        &bodies,
        &mut diags,
    );
    timer.lap("link");
    // Before shortcodes are expanded in the bodies: the cache keeps them
    // as rendered from Markdown.
    let saving_bodies = bodies.save(&site.markdown.articles, &site.markdown.pages);
    timer.lap("keep bodies");
    review::warn_overdue(&site, content::date::Date::today(), &mut diags);
    // Shortcodes need the templates; with errors so far, planning still
    // runs (it finds clashing URLs) but nothing is rendered.
    let rendering = if diags.has_errors() {
        None
    } else {
        let assets = render::assets(&site, &theme);
        let templates = templates
            .join()
            .unwrap_or_else(|_| render::Templates::parse(&theme));
        render::Renderer::new(&site, theme, templates, &assets, &mut diags).map(|mut renderer| {
            pages::shortcodes::expand_site(
                &mut site,
                &|name, context| renderer.render_shortcode(0, name, context),
                &mut diags,
            );
            renderer.refresh_globals(0, &site);
            (assets, renderer)
        })
    };
    if texts == Texts::Release {
        site.content.release_body_texts();
        site.markdown.release_link_records();
    }
    timer.lap("shortcodes");
    let mut plans = pages::plan(&site, &mut diags);
    timer.lap("plan");
    let Some((assets, mut renderer)) = rendering.filter(|_| !diags.has_errors()) else {
        return Err(BuildFailure::from(diags));
    };
    let mut others = Vec::new();
    for (other, other_plans) in languages::plan_others(
        &site,
        other_languages,
        &translations,
        &mut renderer,
        &mut diags,
    ) {
        plans.extend(other_plans);
        others.push(other);
    }
    if diags.has_errors() {
        return Err(BuildFailure::from(diags));
    }
    let all: Vec<&graph::Site> = std::iter::once(&site).chain(&others).collect();
    let translated_pages = languages::link_translations(&all, &mut plans);
    timer.lap("languages");
    // The body cache was written meanwhile (or is waited for here).
    drop(saving_bodies);
    Ok(Planned {
        site,
        plans,
        languages: others,
        translations: translated_pages,
        translation_files: translations,
        assets,
        renderer,
        diags,
    })
}

/// Stages 1–4: load, link, plan, render. `knotwork check` stops here: the
/// search index and minification only produce output, so it skips them.
pub fn render_site(opts: &BuildOptions) -> Result<RenderedSite, BuildFailure> {
    render_site_and_keep(opts).map(|(rendered, _)| rendered)
}

/// [`render_site`], also handing back the linked site, for `knotwork check`
/// options that read it (external links, the review schedule) without
/// loading and linking everything again.
pub fn render_site_and_keep(
    opts: &BuildOptions,
) -> Result<(RenderedSite, graph::Site), BuildFailure> {
    let (rendered, site) = render_planned(plan_site(opts, Texts::Keep)?, RenderFor::Check)?;
    // `Check` always hands the site back.
    Ok((rendered, site.expect("a check keeps the linked site")))
}

/// What a site is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RenderFor {
    /// `knotwork check`: every page is rendered, and the linked site is
    /// handed back for the checks that read it.
    Check,
    /// A build that writes: pages the last build wrote from the same
    /// inputs are kept as they are in the output folder instead
    /// ([`page_records`]), and the linked site is let go before rendering.
    /// The plans hold what rendering needs (sharing the bodies), so each
    /// body goes with the last page showing it, and the documents' text,
    /// the graph and the rest of the site do not wait for the write.
    Write,
}

/// Renders the planned site.
fn render_planned(
    planned: Planned,
    purpose: RenderFor,
) -> Result<(RenderedSite, Option<graph::Site>), BuildFailure> {
    let Planned {
        site,
        plans,
        languages: others,
        assets,
        renderer,
        mut diags,
        ..
    } = planned;
    let mut timer = StageTimer::start();
    let page_count = plans.len();
    let config = site.config.clone();
    let images = Arc::clone(&site.images);
    let translated = others.iter().map(languages::summary).collect();
    let site = match purpose {
        RenderFor::Check => Some(site),
        RenderFor::Write => {
            // Freed beside the render, not before it (or here, if no
            // thread can be started: the closure is dropped with the site).
            let _ = std::thread::Builder::new().spawn(move || drop((site, others)));
            None
        }
    };
    let last_build = (purpose == RenderFor::Write).then(|| {
        let key = page_records::SiteKey::of(&config, &renderer, &assets);
        page_records::LastBuild::load(&page_records_file(&config), key, &config, &renderer)
    });
    let (page_list, to_render) = split_kept(plans, last_build.as_ref());
    let records_key = last_build.map(|last| last.site());
    timer.lap(&format!("keep {}", page_count - to_render.len()));
    let mut fresh = match purpose {
        RenderFor::Write => output::FreshWriter::open(&config.output_dir),
        RenderFor::Check => None,
    };
    let (mut files, search_parts) = match &mut fresh {
        Some(writer) => {
            // Kept pages are checked on disk: an empty folder has none.
            debug_assert!(page_list.iter().all(|e| e.kept.is_none()));
            let parts = render_writing(
                &renderer, to_render, &page_list, &config, writer, &mut diags,
            )?;
            (Vec::new(), parts)
        }
        None => (renderer.render_all(to_render, &mut diags), HashMap::new()),
    };
    timer.lap("render");
    if diags.has_errors() {
        return Err(BuildFailure::from(diags));
    }
    files.extend(assets.files);
    let copies = published_media(&images, assets.media);
    if let Err(d) = images.save_cache_index() {
        diags.push(d);
        return Err(BuildFailure::from(diags));
    }
    diags.sort();
    let settings = &config.site;
    let rendered = RenderedSite {
        files,
        fresh,
        search_parts,
        pages: page_count,
        output_dir: config.output_dir.clone(),
        warnings: diags,
        page_list,
        records_key,
        search_enabled: settings.search.enabled,
        search_language: search::forced_language(&config),
        search_cache: config.root.join(".knotwork-cache").join("search"),
        minify: settings.minify,
        copies,
        images,
        images_made: 0,
        images_reused: 0,
        translated,
    };
    Ok((rendered, site))
}

/// Renders `to_render` into the fresh output folder of `writer`, writing
/// each page as soon as it is rendered (minified if the site asks), so
/// that pages do not wait in memory for the others. Of a searchable page,
/// only the part the search index reads is kept: these parts, by output
/// path, are what comes back. Render problems go to `diags`; a folder
/// that cannot be written is the error.
fn render_writing(
    renderer: &render::Renderer,
    to_render: Vec<pages::PagePlan>,
    page_list: &[PageEntry],
    config: &config::Config,
    writer: &mut output::FreshWriter,
    diags: &mut Diagnostics,
) -> Result<SearchParts, BuildFailure> {
    let cannot_write = |e| cannot_write(&config.output_dir, e);
    writer
        .prepare(page_list.iter().map(|e| e.path.as_str()))
        .map_err(|e| BuildFailure::one(cannot_write(e)))?;
    let search = config.site.search.enabled;
    let indexed: std::collections::HashSet<&str> = page_list
        .iter()
        .filter(|e| search && e.searchable)
        .map(|e| e.path.as_str())
        .collect();
    let writer = &*writer;
    let parts = std::sync::Mutex::new(HashMap::new());
    let minify = config.site.minify;
    let unwritten = renderer.render_all_into(to_render, diags, &|mut file| {
        // Before minifying: the index reads the page as rendered.
        let part = indexed
            .contains(file.path.as_str())
            .then(|| search::indexed_text(&file.bytes));
        if minify {
            minify::file(&mut file);
        }
        writer.write(&file).map_err(cannot_write)?;
        if let Some(part) = part {
            let mut parts = parts.lock().unwrap_or_else(|e| e.into_inner());
            parts.insert(file.path, part);
        }
        Ok(None)
    });
    debug_assert!(unwritten.is_empty(), "every page is written");
    Ok(parts.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// An output folder that cannot be written: the error of the build.
fn cannot_write(out_dir: &std::path::Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(format!(
        "cannot write the output folder {}: {e}",
        out_dir.display()
    ))
}

/// Where a site's page records are kept.
fn page_records_file(config: &config::Config) -> PathBuf {
    config.root.join(".knotwork-cache").join("pages")
}

/// Where a build keeps its Markdown bodies for the next ([`graph::BodyCache`]).
fn body_cache_file(config: &config::Config) -> PathBuf {
    config.root.join(".knotwork-cache").join("bodies")
}

/// Every page's entry, and the plans of those to render: all of them but
/// those `last` keeps.
fn split_kept(
    plans: Vec<pages::PagePlan>,
    last: Option<&page_records::LastBuild>,
) -> (Vec<PageEntry>, Vec<pages::PagePlan>) {
    let decided: Vec<(PageEntry, Option<pages::PagePlan>)> = plans
        .into_par_iter()
        .map(|plan| {
            let path = plan.output_file();
            let searchable = plan.search_kind.is_some();
            let fingerprint = last.map_or(0, |_| fingerprint::of_plan(&plan));
            let kept = last.and_then(|l| l.keeps(&path, fingerprint, &plan.template, searchable));
            let entry = PageEntry {
                url: plan.site_url(),
                path,
                searchable,
                fingerprint,
                kept,
                search_key: kept.and_then(|k| k.search_key()),
            };
            (entry, kept.is_none().then_some(plan))
        })
        .collect();
    let mut entries = Vec::with_capacity(decided.len());
    let mut to_render = Vec::new();
    for (entry, plan) in decided {
        entries.push(entry);
        to_render.extend(plan);
    }
    (entries, to_render)
}

/// Every link to another site, with where it is written: Markdown links
/// (articles, pages and every Markdown field), references' `url`/`doi`, and
/// the studio's booking link. For `knotwork check --external`, which first
/// checks the site as `knotwork check` does.
pub fn external_links(site: &graph::Site) -> Vec<(String, diagnostics::Location)> {
    let mut links: Vec<(String, diagnostics::Location)> = site
        .markdown
        .all()
        .flat_map(|r| {
            r.external
                .iter()
                .map(|l| (l.url.clone(), l.location.clone()))
        })
        .collect();
    // Data fields hold URLs as plain strings: find them in their file.
    let locate = |source: &diagnostics::Source, url: &str| {
        let at = source.text.find(url).unwrap_or(0);
        source.locate(at..at + url.len())
    };
    for r in &site.content.references {
        if let Some(url) = r.link() {
            let written = if r.data.url.is_empty() {
                &r.data.doi
            } else {
                &r.data.url
            };
            links.push((url, locate(&r.source, written)));
        }
    }
    let booking = &site.config.site.studio.booking_url;
    if booking.starts_with("http") {
        links.push((booking.clone(), locate(&site.config.source, booking)));
    }
    links
}

/// Every reviewable page with its reviewer, review date and due date
/// (`[review] every_months`, else 24), for `knotwork check --review`.
pub fn review_schedule(site: &graph::Site) -> (Vec<review::ReviewItem>, u32) {
    let every = site.config.site.review.every_months.unwrap_or(24);
    (review::schedule(site, every), every)
}

/// The media files of the static folders that are copied as they are: all
/// but the photos pages show processed, which are published only that way
/// (the original may carry where it was taken, and is far larger).
pub(crate) fn published_media(images: &images::Library, media: Vec<CopiedFile>) -> Vec<CopiedFile> {
    let processed = images.processed_static_files();
    media
        .into_iter()
        .filter(|m| !processed.contains(&m.path))
        .collect()
}

/// Stage 4b, for builds that write: the search index over the rendered
/// pages and minification if asked for, while the images are processed
/// beside them.
///
/// Both share rayon's threads, so neither may run *on* one: the search
/// index waits for its parallel parse, and a rayon thread waiting would be
/// a thread less for that parse (on a one-core machine, none at all).
pub fn finish(site: &mut RenderedSite) -> Result<(), Diagnostics> {
    let images = site.images.clone();
    let (pages, processed) = std::thread::scope(|scope| {
        let images = scope.spawn(|| images.process());
        let pages = finish_pages(site);
        let processed = images
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (pages, processed)
    });
    let mut problems = Diagnostics::new();
    if let Err(d) = pages {
        problems.push(d);
    }
    match processed {
        Ok(p) => {
            site.copies.extend(p.files);
            site.images_made = p.made;
            site.images_reused = p.reused;
        }
        Err(ds) => problems.extend(ds),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn finish_pages(site: &mut RenderedSite) -> Result<(), Diagnostic> {
    let mut timer = StageTimer::start();
    if site.search_enabled {
        let rendered: HashMap<&str, &[u8]> = site
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.bytes.as_slice()))
            .collect();
        let mut parts = std::mem::take(&mut site.search_parts);
        // In plan order: the index depends on it.
        let pages = site
            .page_list
            .iter()
            .filter(|e| e.searchable)
            // A kept searchable page has its key (`LastBuild::keeps`).
            .map(|e| match e.kept.and_then(|record| record.search_key()) {
                Some(key) => search::SearchPage::Kept {
                    url: &e.url,
                    key,
                    file: site.output_dir.join(&e.path),
                },
                None => match parts.remove(e.path.as_str()) {
                    Some(part) => search::SearchPage::Extracted { url: &e.url, part },
                    None => search::SearchPage::Rendered {
                        url: &e.url,
                        html: rendered.get(e.path.as_str()).copied().unwrap_or_default(),
                    },
                },
            });
        let cache = search::SearchCache::in_dir(&site.search_cache);
        let indexed = search::index(pages, site.search_language.as_deref(), &cache)?;
        let searchable = site.page_list.iter_mut().filter(|e| e.searchable);
        for (entry, key) in searchable.zip(indexed.keys) {
            entry.search_key = Some(key);
        }
        site.files.extend(indexed.files);
        timer.lap("search");
    }
    if site.minify {
        minify::files(&mut site.files);
        timer.lap("minify");
    }
    Ok(())
}

/// What a finished build did.
#[derive(Debug)]
pub struct BuildReport {
    pub pages: usize,
    /// Pages rendered; the others were kept as the last build wrote them.
    pub rendered: usize,
    pub files: usize,
    pub sync: output::SyncReport,
    pub output_dir: PathBuf,
    pub warnings: Diagnostics,
    pub elapsed: Duration,
    /// Image files processed by this build, and taken from the cache.
    pub images_made: usize,
    pub images_reused: usize,
    /// Per other language: content pages translated, of how many.
    pub translated: Vec<(i18n::LanguageTag, usize, usize)>,
}

/// The whole pipeline: render, then sync the output folder, keeping the
/// pages that did not change since the last build.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildFailure> {
    let started = Instant::now();
    let planned = plan_site(opts, Texts::Release)?;
    let records_file = page_records_file(&planned.site.config);
    let (mut rendered, _) = render_planned(planned, RenderFor::Write)?;
    if let Err(problems) = finish(&mut rendered) {
        let mut diagnostics = rendered.warnings;
        diagnostics.extend(problems.iter().cloned());
        return Err(BuildFailure::from(diagnostics));
    }
    let mut timer = StageTimer::start();
    let kept: Vec<&str> = rendered
        .page_list
        .iter()
        .filter(|e| e.kept.is_some())
        .map(|e| e.path.as_str())
        .collect();
    let written = rendered
        .fresh
        .as_ref()
        .map(output::FreshWriter::written)
        .unwrap_or_default();
    let sync = output::sync(
        &rendered.output_dir,
        &rendered.files,
        &rendered.copies,
        &kept,
        &written,
    )
    .map_err(|e| BuildFailure::one(cannot_write(&rendered.output_dir, e)))?;
    // Written whole: the pages written as they were rendered stay.
    if let Some(writer) = rendered.fresh.take() {
        writer.keep();
    }
    timer.lap("write");
    save_page_records(&rendered, &records_file);
    timer.lap("records");
    Ok(BuildReport {
        pages: rendered.pages,
        rendered: rendered
            .page_list
            .iter()
            .filter(|e| e.kept.is_none())
            .count(),
        files: rendered.files.len() + rendered.copies.len() + kept.len() + written.len(),
        sync,
        output_dir: rendered.output_dir,
        warnings: rendered.warnings,
        elapsed: started.elapsed(),
        images_made: rendered.images_made,
        images_reused: rendered.images_reused,
        translated: rendered.translated,
    })
}

/// Records what this build left in the output folder, for the next one.
/// Records that cannot be written cost the next build its shortcut, not
/// this build its output.
fn save_page_records(rendered: &RenderedSite, file: &std::path::Path) {
    let Some(key) = rendered.records_key else {
        return;
    };
    let records = rendered
        .page_list
        .par_iter()
        .filter_map(|e| {
            let record = match e.kept {
                Some(kept) => kept.with_search_key(e.search_key),
                None => page_records::PageRecord::of_file(
                    &rendered.output_dir.join(&e.path),
                    e.fingerprint,
                    e.search_key,
                )?,
            };
            Some((e.path.clone(), record))
        })
        .collect();
    let _ = page_records::save(file, key, records);
}

/// Prints how long each stage took when `KNOTWORK_TIMINGS` is set: the
/// first thing to look at when a build is slow.
pub(crate) struct StageTimer {
    enabled: bool,
    last: Instant,
    /// The process's CPU time at the last lap: CPU time over wall time
    /// says how well a stage uses the cores.
    last_cpu: Option<Duration>,
}

impl StageTimer {
    pub(crate) fn start() -> Self {
        let enabled = std::env::var_os("KNOTWORK_TIMINGS").is_some();
        StageTimer {
            enabled,
            last: Instant::now(),
            // Read only when timings are printed: a timer starts for every
            // section planned, in serve's rebuilds too.
            last_cpu: if enabled { cpu_time() } else { None },
        }
    }

    pub(crate) fn lap(&mut self, stage: &str) {
        if self.enabled {
            let cpu = cpu_time();
            let cpu_ms = match (cpu, self.last_cpu) {
                (Some(now), Some(before)) => {
                    format!(", cpu {:.0} ms", (now - before).as_secs_f64() * 1000.0)
                }
                _ => String::new(),
            };
            eprintln!(
                "{stage:>8}: {:>7.1} ms{}{cpu_ms}",
                self.last.elapsed().as_secs_f64() * 1000.0,
                memory_now()
            );
            self.last_cpu = cpu;
        }
        self.last = Instant::now();
    }
}

/// The CPU time the process has used so far, user and system, where the
/// system tells (Linux, whose `/proc` counts in USER_HZ ticks: 100 a
/// second on every architecture Knotwork is built for).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces, so split after
    // its closing parenthesis): utime and stime are the 12th and 13th.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let user: u64 = fields.nth(11)?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((user + system) * 10))
}

/// The process's resident memory and its peak so far, where the system
/// tells (Linux): where a build's memory goes, stage by stage.
fn memory_now() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let mib = |field: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb / 1024)
    };
    match (mib("VmRSS:"), mib("VmHWM:")) {
        (Some(rss), Some(peak)) => format!("  (memory {rss} MiB, peak {peak} MiB)"),
        _ => String::new(),
    }
}
