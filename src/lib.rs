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
pub mod graph;
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
pub mod pages;
pub mod render;
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
    pub files: Vec<OutputFile>,
    pub pages: usize,
    pub output_dir: PathBuf,
    /// Warnings of the build (errors make it fail instead).
    pub warnings: Diagnostics,
    /// The pages the search indexes: output path → site-relative URL.
    pub searchable: HashMap<String, UrlPath>,
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
    /// The other languages of a multilingual site, linked.
    pub languages: Vec<graph::Site>,
    pub assets: render::Assets,
    pub renderer: render::Renderer,
    pub diags: Diagnostics,
}

pub(crate) fn plan_site(opts: &BuildOptions) -> Result<Planned, BuildFailure> {
    let mut diags = Diagnostics::new();
    let Some(config) = config::load(&opts.root, &opts.overrides, &mut diags) else {
        return Err(BuildFailure::from(diags));
    };
    if let Err(d) = output::check_target(&config.output_dir, &config.root) {
        diags.push(d);
        return Err(BuildFailure::from(diags));
    }
    let mut timer = StageTimer::start();
    let images = Arc::new(images::Library::for_site(&config));
    let content = content::load(&config, &mut diags);
    let translations = content::translations::find(&config, &mut diags);
    let other_languages = languages::load_others(&config, &content, &translations, &mut diags);
    let figure = bodymap::load(&config.root, &config.site.theme, &mut diags);
    let theme = theme::load(&config, &mut diags);
    let Some(words) = i18n::load(
        &config.root,
        &config.site.theme,
        &config.language,
        config.locate_key("language"),
        &mut diags,
    ) else {
        return Err(BuildFailure::from(diags));
    };
    timer.lap("load");
    let mut site = graph::link(
        graph::Loaded {
            config,
            content,
            figure,
            shortcodes: theme.shortcodes.clone(),
            images,
            words,
            language: None,
        },
        &mut diags,
    );
    timer.lap("link");
    review::warn_overdue(&site, content::date::Date::today(), &mut diags);
    // Shortcodes need the templates; with errors so far, planning still
    // runs (it finds clashing URLs) but nothing is rendered.
    let rendering = if diags.has_errors() {
        None
    } else {
        let assets = render::assets(&site, &theme);
        render::Renderer::new(&site, Arc::new(theme), &assets, &mut diags).map(|mut renderer| {
            pages::shortcodes::expand_site(
                &mut site,
                &|name, context| renderer.render_shortcode(0, name, context),
                &mut diags,
            );
            renderer.refresh_globals(0, &site);
            (assets, renderer)
        })
    };
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
    languages::link_translations(&all, &mut plans);
    timer.lap("languages");
    Ok(Planned {
        site,
        plans,
        languages: others,
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
    let Planned {
        site,
        plans,
        languages: others,
        assets,
        renderer,
        mut diags,
    } = plan_site(opts)?;
    let mut timer = StageTimer::start();
    let page_count = plans.len();
    let searchable: HashMap<String, UrlPath> = plans
        .iter()
        .filter(|p| p.search_kind.is_some())
        .map(|p| (p.output_file(), p.site_url()))
        .collect();
    let mut files = renderer.render_all(plans, &mut diags);
    timer.lap("render");
    if diags.has_errors() {
        return Err(BuildFailure::from(diags));
    }
    files.extend(assets.files);
    let copies = published_media(&site, assets.media);
    if let Err(d) = site.images.save_cache_index() {
        diags.push(d);
        return Err(BuildFailure::from(diags));
    }
    diags.sort();
    let settings = &site.config.site;
    let rendered = RenderedSite {
        files,
        pages: page_count,
        output_dir: site.config.output_dir.clone(),
        warnings: diags,
        searchable,
        search_enabled: settings.search.enabled,
        search_language: search::forced_language(&site.config),
        search_cache: site.config.root.join(".knotwork-cache").join("search"),
        minify: settings.minify,
        copies,
        images: site.images.clone(),
        images_made: 0,
        images_reused: 0,
        translated: others.iter().map(languages::summary).collect(),
    };
    Ok((rendered, site))
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
pub(crate) fn published_media(site: &graph::Site, media: Vec<CopiedFile>) -> Vec<CopiedFile> {
    let processed = site.images.processed_static_files();
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
        let pages = site
            .files
            .iter()
            .filter_map(|f| Some((site.searchable.get(&f.path)?, f.bytes.as_slice())));
        let cache = search::SearchCache::in_dir(&site.search_cache);
        let bundle = search::index(pages, site.search_language.as_deref(), &cache)?;
        site.files.extend(bundle);
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

/// The whole pipeline: render, then sync the output folder.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildFailure> {
    let started = Instant::now();
    let mut rendered = render_site(opts)?;
    if let Err(problems) = finish(&mut rendered) {
        let mut diagnostics = rendered.warnings;
        diagnostics.extend(problems.iter().cloned());
        return Err(BuildFailure::from(diagnostics));
    }
    let sync =
        output::sync(&rendered.output_dir, &rendered.files, &rendered.copies).map_err(|e| {
            BuildFailure::one(Diagnostic::error(format!(
                "cannot write the output folder {}: {e}",
                rendered.output_dir.display()
            )))
        })?;
    Ok(BuildReport {
        pages: rendered.pages,
        files: rendered.files.len() + rendered.copies.len(),
        sync,
        output_dir: rendered.output_dir,
        warnings: rendered.warnings,
        elapsed: started.elapsed(),
        images_made: rendered.images_made,
        images_reused: rendered.images_reused,
        translated: rendered.translated,
    })
}

/// Prints how long each stage took when `KNOTWORK_TIMINGS` is set: the
/// first thing to look at when a build is slow.
pub(crate) struct StageTimer {
    enabled: bool,
    last: Instant,
}

impl StageTimer {
    pub(crate) fn start() -> Self {
        StageTimer {
            enabled: std::env::var_os("KNOTWORK_TIMINGS").is_some(),
            last: Instant::now(),
        }
    }

    pub(crate) fn lap(&mut self, stage: &str) {
        if self.enabled {
            eprintln!(
                "{stage:>8}: {:>7.1} ms",
                self.last.elapsed().as_secs_f64() * 1000.0
            );
        }
        self.last = Instant::now();
    }
}
