//! Stage 3, planning: which pages the site has, at which URL, rendered by
//! which template with which data.
//!
//! One module per page family; each adds [`PagePlan`]s and reads relations
//! from the graph, never computing them itself. The view models they share
//! (cards, breadcrumbs, reference lists) are in `view.rs`: they are what
//! templates receive; see docs/templates.md for the variables of every
//! template.

mod blog;
mod faq;
mod feeds;
mod home;
mod muscles;
mod pain;
mod people;
mod search;
pub(crate) mod services;
mod shared;
pub mod shortcodes;
mod techniques;
mod view;

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use serde_json::Value;

use crate::content::data::Setting;
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::graph::{Site, Target};
use crate::ids::UrlPath;
use crate::markdown::citations::PageCitations;
use crate::markdown::Rendered;
pub use shared::{for_each_string, ArticleCards, CardHtml, RenderCard, SharedPart};
pub use view::{
    absolute_asset, article_card, breadcrumbs, byline, byline_ld, humanize, muscle_card, pager,
    paginate, person_card, person_ld, person_url, question_card, reading_minutes, reference_list,
    review_ld, script_safe_json, sharing_url, summary_of, tag_links, technique_card,
    techniques_by_setting, truncate_words, ArticleCard, Link, Meta, MuscleCard, Pager, PagerItem,
    PersonCard, QuestionCard, ReferenceEntry, SettingGroup, TechniqueCard,
};

/// One page to render.
#[derive(Debug)]
pub struct PagePlan {
    pub url: UrlPath,
    pub template: String,
    /// The page's own variables; the renderer adds the site-wide ones.
    pub context: Value,
    /// The content file the page comes from, for errors (duplicate URLs,
    /// template errors).
    pub origin: Option<Location>,
    /// Listed in sitemap.xml.
    pub in_sitemap: bool,
    pub lastmod: Option<String>,
    /// Set on the pages the site search indexes, saying what kind of page
    /// a hit is; list pages (indexes, tags, pagination) are left out.
    pub search_kind: Option<SearchKind>,
    /// Which of the site's languages the page is in (0: the default), and
    /// the folder of that language (`fr`), `None` at the root.
    pub language: usize,
    pub language_dir: Option<String>,
    /// The part of the plan the page belongs to.
    pub section: Section,
    /// Parts of the context shared with the site or other plans (article
    /// cards, an article's body), put into `context` only when the page is
    /// rendered ([`PagePlan::context_to_render`]).
    pub shared: Vec<SharedPart>,
}

/// The parts of a site's plan, in the order a build plans them: the search
/// index and the sitemap list pages in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    Home,
    /// Lists, articles, tags, stand-alone pages and alias redirects.
    Blog,
    Muscles,
    Techniques,
    Faq,
    Pain,
    People,
    Services,
    Search,
    /// The feed, sitemap, robots.txt and the 404 page.
    Feeds,
}

impl Section {
    /// Whether the section's pages show article cards.
    fn lists_articles(self) -> bool {
        matches!(
            self,
            Section::Blog | Section::Muscles | Section::Techniques | Section::People
        )
    }

    /// Every section in plan order but the feeds, which come last: the
    /// sitemap lists every other page.
    pub const BEFORE_FEEDS: [Section; 9] = [
        Section::Home,
        Section::Blog,
        Section::Muscles,
        Section::Techniques,
        Section::Faq,
        Section::Pain,
        Section::People,
        Section::Services,
        Section::Search,
    ];

    /// The sections of data pages: those between the blog and the feeds.
    pub fn is_data(self) -> bool {
        !matches!(self, Section::Home | Section::Blog | Section::Feeds)
    }

    /// The data sections, in plan order.
    pub fn data() -> Vec<Section> {
        Section::BEFORE_FEEDS
            .into_iter()
            .filter(|s| s.is_data())
            .collect()
    }
}

/// The kinds of page the search indexes; the label is shown with each hit
/// and offered as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    Article,
    Page,
    Muscle,
    Technique,
    Comparison,
    Faq,
    PainRegion,
    Service,
}

impl SearchKind {
    /// The key of its name in the theme's words (`kinds.muscle`).
    pub fn key(self) -> &'static str {
        match self {
            SearchKind::Article => "kinds.article",
            SearchKind::Page => "kinds.page",
            SearchKind::Muscle => "kinds.muscle",
            SearchKind::Technique => "kinds.technique",
            SearchKind::Comparison => "kinds.comparison",
            SearchKind::Faq => "kinds.faq",
            SearchKind::PainRegion => "kinds.pain_region",
            SearchKind::Service => "kinds.service",
        }
    }
}

impl PagePlan {
    pub fn new(url: UrlPath, template: &str, context: Value) -> Self {
        PagePlan {
            url,
            template: template.to_string(),
            context,
            origin: None,
            in_sitemap: true,
            lastmod: None,
            search_kind: None,
            language: 0,
            language_dir: None,
            section: Section::Home,
            shared: Vec::new(),
        }
    }

    /// Adds a list of article cards to the page's context.
    pub fn with_cards(mut self, cards: SharedPart) -> Self {
        self.shared.push(cards);
        self
    }

    /// Adds a text the site holds (HTML) to the page's context at
    /// `pointer`, without copying it.
    pub fn with_html(mut self, pointer: &'static str, html: std::sync::Arc<str>) -> Self {
        self.shared.push(SharedPart::text(pointer, html));
        self
    }

    /// The page's context with its shared parts, for rendering (the plan
    /// is left without a context); article cards carry their HTML when
    /// `render_card` is given, and the first error rendering one is
    /// returned.
    pub fn context_to_render(
        &mut self,
        render_card: Option<RenderCard>,
    ) -> Result<Value, Diagnostic> {
        let mut context = std::mem::take(&mut self.context);
        for part in &self.shared {
            part.fill(&mut context, render_card)?;
        }
        Ok(context)
    }

    /// The page's URL from the site's root (`/fr/blog/x/` for a French
    /// article).
    pub fn site_url(&self) -> UrlPath {
        match &self.language_dir {
            Some(dir) => self.url.under(dir),
            None => self.url.clone(),
        }
    }

    /// The file the page is written to.
    pub fn output_file(&self) -> String {
        self.site_url().output_file()
    }

    pub fn searchable(mut self, kind: SearchKind) -> Self {
        self.search_kind = Some(kind);
        self
    }

    pub fn origin(mut self, origin: Location) -> Self {
        self.origin = Some(origin);
        self
    }
}

/// Plans every page of the site. URLs that two pages would share are errors.
pub fn plan(site: &Site, diags: &mut Diagnostics) -> Vec<PagePlan> {
    let mut pages = plan_sections(site, &Section::BEFORE_FEEDS, diags);
    let sitemap = sitemap_entries(&pages);
    plan_feeds(site, Some(sitemap), &mut pages);
    check_unique_urls(&pages, diags);
    pages
}

/// Plans `sections` (not the feeds) at the same time, each on its own;
/// the pages come out in the order of `sections`.
pub fn plan_sections(site: &Site, sections: &[Section], diags: &mut Diagnostics) -> Vec<PagePlan> {
    let cards = if sections.iter().any(|s| s.lists_articles()) {
        ArticleCards::of_listed(site)
    } else {
        ArticleCards::on_demand(site)
    };
    plan_sections_with(site, sections, &cards, diags)
}

/// [`plan_sections`] with the article cards made already.
pub fn plan_sections_with(
    site: &Site,
    sections: &[Section],
    cards: &ArticleCards,
    diags: &mut Diagnostics,
) -> Vec<PagePlan> {
    plan_sections_only(site, sections, cards, Only::ALL, diags)
}

/// Which pages of the data sections a plan makes. A build makes all; serve,
/// after a data file changed, only those the edit reaches.
#[derive(Debug, Clone, Copy)]
pub struct Only<'a> {
    /// The pages of one entity (a muscle, technique, region, person, or a
    /// pair of techniques) to make, by URL; `None`: all.
    pub entity_pages: Option<&'a HashSet<UrlPath>>,
    /// Whether to make each section's other pages: its index, tables and
    /// maps of all entities, and the sections not split by entity (FAQ,
    /// services, search).
    pub section_pages: bool,
}

impl Only<'_> {
    pub const ALL: Only<'static> = Only {
        entity_pages: None,
        section_pages: true,
    };

    /// Whether to make the page of one entity at `url`.
    pub fn entity(&self, url: &UrlPath) -> bool {
        self.entity_pages.is_none_or(|urls| urls.contains(url))
    }
}

/// [`plan_sections_with`], making only the data pages `only` asks for.
pub fn plan_sections_only(
    site: &Site,
    sections: &[Section],
    cards: &ArticleCards,
    only: Only,
    diags: &mut Diagnostics,
) -> Vec<PagePlan> {
    let planned: Vec<(Vec<PagePlan>, Diagnostics)> = sections
        .par_iter()
        .map(|&section| {
            let mut pages = Vec::new();
            let mut own = Diagnostics::new();
            let mut timer = crate::StageTimer::start();
            plan_section(site, section, cards, only, &mut pages, &mut own);
            timer.lap(&format!("plan {section:?}"));
            (pages, own)
        })
        .collect();
    let mut pages = Vec::with_capacity(planned.iter().map(|(p, _)| p.len()).sum());
    for (section_pages, section_diags) in planned {
        pages.extend(section_pages);
        diags.extend(section_diags);
    }
    pages
}

/// Plans one section but the feeds (see [`plan_feeds`]), adding its pages to
/// `pages`. Incremental rebuilds plan the sections a data edit reaches.
pub fn plan_section(
    site: &Site,
    section: Section,
    cards: &ArticleCards,
    only: Only,
    pages: &mut Vec<PagePlan>,
    diags: &mut Diagnostics,
) {
    let start = pages.len();
    let whole = only.section_pages;
    match section {
        Section::Home => home::plan(site, pages),
        Section::Blog => blog::plan(site, cards, pages, diags),
        Section::Muscles => muscles::plan(site, cards, only, pages),
        Section::Techniques => techniques::plan(site, cards, only, pages),
        Section::Faq if whole => faq::plan(site, pages),
        Section::Pain => pain::plan(site, only, pages),
        Section::People => people::plan(site, cards, only, pages),
        Section::Services if whole => services::plan(site, pages),
        Section::Search if whole => search::plan(site, pages),
        Section::Faq | Section::Services | Section::Search | Section::Feeds => {}
    }
    for page in &mut pages[start..] {
        page.section = section;
    }
}

/// A page's sitemap entry: its URL and last change.
pub type SitemapEntry = (UrlPath, Option<String>);

/// The sitemap entries of planned pages, in plan order.
pub fn sitemap_entries(pages: &[PagePlan]) -> Vec<SitemapEntry> {
    pages
        .iter()
        .filter(|p| p.in_sitemap)
        .map(|p| (p.url.clone(), p.lastmod.clone()))
        .collect()
}

/// Plans the feeds section, whose sitemap lists `sitemap` (every other
/// page's entry, in plan order); with `None`, all but the sitemap.
pub fn plan_feeds(site: &Site, sitemap: Option<Vec<SitemapEntry>>, pages: &mut Vec<PagePlan>) {
    let start = pages.len();
    feeds::plan(site, sitemap, pages);
    for page in &mut pages[start..] {
        page.section = Section::Feeds;
    }
}

pub use blog::Lists;

/// The blog section without its article pages, for incremental rebuilds:
/// the pages planned before the articles and those after, in plan order,
/// with the list pages `lists` asks for.
pub fn blog_around_articles(
    site: &Site,
    cards: &ArticleCards,
    lists: Lists,
    diags: &mut Diagnostics,
) -> (Vec<PagePlan>, Vec<PagePlan>) {
    let (mut before, mut after) = blog::plan_around_articles(site, cards, lists, diags);
    for page in before.iter_mut().chain(&mut after) {
        page.section = Section::Blog;
    }
    (before, after)
}

/// Whether the page of article `j` shows article `i` among its related
/// articles.
pub fn shows_related(site: &Site, j: usize, i: usize) -> bool {
    blog::shows_related(site, j, i)
}

/// The page of article `i` alone, for incremental rebuilds, its related
/// articles' cards taken from `cards`.
pub fn article_page(site: &Site, i: usize, cards: &ArticleCards) -> PagePlan {
    PagePlan {
        section: Section::Blog,
        ..blog::article(site, i, cards)
    }
}

/// The page of stand-alone page `i` alone, for incremental rebuilds.
pub fn standalone_page(site: &Site, i: usize) -> PagePlan {
    PagePlan {
        section: Section::Blog,
        ..blog::standalone_page(site, i)
    }
}

/// The Atom feed alone, when the site has one; it shows the bodies of the
/// newest [`FEED_ENTRIES`] articles.
pub fn feed(site: &Site) -> Option<PagePlan> {
    site.config.site.blog.feed.then(|| PagePlan {
        section: Section::Feeds,
        ..feeds::feed(site)
    })
}

pub use feeds::FEED_ENTRIES;
pub use pain::has_finder;

fn check_unique_urls(pages: &[PagePlan], diags: &mut Diagnostics) {
    let mut seen: HashMap<&str, &PagePlan> = HashMap::with_capacity(pages.len());
    for page in pages {
        if let Some(first) = seen.insert(page.url.as_str(), page) {
            let (here, there) = match (&page.origin, &first.origin) {
                (Some(_), _) => (page, first),
                _ => (first, page),
            };
            let other = match &there.origin {
                Some(loc) => format!("{}", loc.file.display()),
                None => format!("the generated page {}", there.url),
            };
            let mut d = Diagnostic::error(format!(
                "two pages want the URL {}: this one and {other}",
                page.url
            ))
            .help("change the `slug` (or the alias) of one of them");
            if let Some(loc) = &here.origin {
                d = d.at(loc.clone());
            }
            diags.push(d);
        }
    }
}
