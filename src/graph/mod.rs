//! Stage 2, linking: the knowledge graph.
//!
//! This is the one place relations live. It resolves every id written in
//! front matter, data files and Markdown cross-links (reporting unknown ones
//! with the closest existing id), renders all Markdown (cross-links need the
//! ids, backlinks need the cross-links), and computes the reverse relations
//! pages show: which articles, FAQ questions, muscles and techniques point at
//! a muscle or technique, which muscles refer pain to a region. Pages never
//! compute relations themselves; they read them here.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use toml::Spanned;

use crate::bodymap::{Figure, Zone};
use crate::config::Config;
use crate::content::data::MarkdownField;
use crate::content::translations::Presence;
use crate::content::{Content, Document};
use crate::diagnostics::{closest, Diagnostic, Diagnostics, Source};
use crate::i18n::{LanguageTag, Words};
use crate::ids::UrlPath;
use crate::images::Library;
use crate::markdown::{self, CrossLink, Rendered};
use crate::shortcodes::Shortcodes;

mod bodies;
mod body_cache;
mod images;
mod index;

pub use bodies::{check_all_fragments, render_document};
use bodies::{check_fragments, markdown_options, render_markdown};
pub use body_cache::BodyCache;
pub use images::{FrontImages, Hero};
pub use index::Index;

pub use crate::ids::Target;

/// A question of an FAQ topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QuestionRef {
    pub topic: usize,
    pub question: usize,
}

/// One trigger point with its region ids resolved.
#[derive(Debug, Clone)]
pub struct ResolvedTriggerPoint {
    pub location: usize,
    pub referral: Vec<usize>,
    pub spillover: Vec<usize>,
}

/// A muscle that refers pain to a region, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Referral {
    pub muscle: usize,
    pub zone: Zone,
}

/// Who wrote or reviewed something: a person of `content/people/`, or a
/// name written as text on a site without people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Byline {
    Person(usize),
    Name(String),
}

/// The author and reviewer of an article or page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bylines {
    pub author: Option<Byline>,
    pub reviewer: Option<Byline>,
}

/// The Markdown of the site, rendered once.
#[derive(Debug, Default)]
pub struct RenderedMarkdown {
    pub articles: Vec<Rendered>,
    pub pages: Vec<Rendered>,
    pub muscle_description: Vec<Option<Rendered>>,
    pub muscle_self_care: Vec<Option<Rendered>>,
    pub technique_how_it_works: Vec<Option<Rendered>>,
    /// Per region: when pain there needs a doctor first.
    pub region_red_flags: Vec<Option<Rendered>>,
    pub person_bio: Vec<Option<Rendered>>,
    pub service_description: Vec<Option<Rendered>>,
    /// Per topic, per question.
    pub faq_answers: Vec<Vec<Rendered>>,
    pub disclaimer: Rendered,
}

impl RenderedMarkdown {
    /// Every rendered text, in a fixed order ([`Self::all_mut`] has the same).
    pub fn all(&self) -> impl Iterator<Item = &Rendered> {
        self.articles
            .iter()
            .chain(&self.pages)
            .chain(self.muscle_description.iter().flatten())
            .chain(self.muscle_self_care.iter().flatten())
            .chain(self.technique_how_it_works.iter().flatten())
            .chain(self.region_red_flags.iter().flatten())
            .chain(self.person_bio.iter().flatten())
            .chain(self.service_description.iter().flatten())
            .chain(self.faq_answers.iter().flatten())
            .chain(std::iter::once(&self.disclaimer))
    }

    /// [`Rendered::release_link_records`] for every article and page body,
    /// in parallel.
    pub fn release_link_records(&mut self) {
        self.articles
            .par_iter_mut()
            .chain(self.pages.par_iter_mut())
            .for_each(Rendered::release_link_records);
    }

    pub fn all_mut(&mut self) -> impl Iterator<Item = &mut Rendered> {
        self.articles
            .iter_mut()
            .chain(&mut self.pages)
            .chain(self.muscle_description.iter_mut().flatten())
            .chain(self.muscle_self_care.iter_mut().flatten())
            .chain(self.technique_how_it_works.iter_mut().flatten())
            .chain(self.region_red_flags.iter_mut().flatten())
            .chain(self.person_bio.iter_mut().flatten())
            .chain(self.service_description.iter_mut().flatten())
            .chain(self.faq_answers.iter_mut().flatten())
            .chain(std::iter::once(&mut self.disclaimer))
    }
}

/// The relations between entities, all as indices into `Content`.
#[derive(Debug, Default)]
pub struct Graph {
    pub muscle_techniques: Vec<Vec<usize>>,
    pub muscle_references: Vec<Vec<usize>>,
    pub muscle_trigger_points: Vec<Vec<ResolvedTriggerPoint>>,
    pub technique_related: Vec<Vec<usize>>,
    pub technique_references: Vec<Vec<usize>>,
    pub article_muscles: Vec<Vec<usize>>,
    pub article_techniques: Vec<Vec<usize>>,
    pub question_muscles: Vec<Vec<Vec<usize>>>,
    pub question_techniques: Vec<Vec<Vec<usize>>>,

    // Reverse relations ("backlinks"), each sorted and without repeats.
    pub muscle_articles: Vec<Vec<usize>>,
    pub muscle_questions: Vec<Vec<QuestionRef>>,
    /// Muscles whose text links to this muscle.
    pub muscle_linked_from_muscles: Vec<Vec<usize>>,
    pub technique_muscles: Vec<Vec<usize>>,
    pub technique_articles: Vec<Vec<usize>>,
    pub technique_questions: Vec<Vec<QuestionRef>>,
    /// Techniques naming this one in `related`, or linking to it.
    pub technique_related_from: Vec<Vec<usize>>,

    /// Per region: the muscles referring pain there, essential zones first,
    /// then by muscle name.
    pub region_referrals: Vec<Vec<Referral>>,
    /// Each `compare_with` pair once, the lower index first, sorted.
    pub compare_pairs: Vec<(usize, usize)>,
    /// Articles by tag slug, newest first, and the tag's display name.
    pub tags: TagIndex,
    /// The common tags' articles as rows of bits, for ranking related
    /// articles.
    pub tag_rows: crate::related::TagRows,

    pub article_bylines: Vec<Bylines>,
    pub page_bylines: Vec<Bylines>,
    pub muscle_reviewer: Vec<Option<Byline>>,
    pub technique_reviewer: Vec<Option<Byline>>,
    pub service_techniques: Vec<Vec<usize>>,
    /// Per service, its options as (minutes, price), in the file's order.
    pub service_options: Vec<Vec<(i64, f64)>>,
    /// Services using each technique, in service order.
    pub technique_services: Vec<Vec<usize>>,
    /// Services using any technique of each muscle, in service order.
    pub muscle_services: Vec<Vec<usize>>,
    /// Per person: the articles they wrote, newest first.
    pub person_articles: Vec<Vec<usize>>,
    /// Per person: what they reviewed (articles, pages, muscles, techniques).
    pub person_reviewed: Vec<Vec<Target>>,
}

/// The linked site: everything later stages need, immutable from here on.
pub struct Site {
    pub config: Config,
    pub content: Content,
    pub figure: Option<Figure>,
    /// The shortcodes Markdown may call, from the theme and the site.
    pub shortcodes: Arc<Shortcodes>,
    /// Every image pages show: found and checked while linking, processed
    /// after rendering.
    pub images: Arc<Library>,
    /// The images front matter and data files name, processed.
    pub front_images: FrontImages,
    pub index: Index,
    pub graph: Graph,
    pub markdown: RenderedMarkdown,
    /// The words the theme and generated text are written in.
    pub words: Arc<Words>,
    /// The language this copy of the site is in, and which pages it has.
    pub language: LanguageView,
}

/// The language a linked site is in. A multilingual site is linked once
/// per language; every language has the generated pages (lists, the body
/// map, search), and of the content only what is translated. A link to an
/// untranslated page leads to the default language's.
#[derive(Debug, Clone)]
pub struct LanguageView {
    pub tag: LanguageTag,
    /// The output folder of the language (`fr`), `None` for the default
    /// language at the root.
    pub dir: Option<String>,
    /// The default language's base path, where untranslated pages are.
    pub root_path: String,
    pub presence: Presence,
}

/// Whether `presence` has the page of `target`.
pub(crate) fn has_page(presence: &Presence, target: Target) -> bool {
    let at = |list: &[bool], i: usize| list.get(i).copied().unwrap_or(true);
    match target {
        Target::Article(i) => at(&presence.articles, i),
        Target::Page(i) => at(&presence.pages, i),
        Target::Muscle(i) => at(&presence.muscles, i),
        Target::Technique(i) => at(&presence.techniques, i),
        Target::FaqTopic(i) => at(&presence.faq_topics, i),
        Target::Service(i) => at(&presence.services, i),
        Target::Region(_) => true,
    }
}

impl LanguageView {
    /// The default language: everything present, at the root.
    pub fn default_for(config: &Config, content: &Content) -> Self {
        LanguageView {
            tag: config.language.clone(),
            dir: None,
            root_path: config.base.path.clone(),
            presence: Presence::all(content),
        }
    }

    pub fn is_default(&self) -> bool {
        self.dir.is_none()
    }

    /// Whether this language has the page of `target` (generated region
    /// pages are in every language).
    pub fn has(&self, target: Target) -> bool {
        has_page(&self.presence, target)
    }

    pub fn has_person(&self, p: usize) -> bool {
        self.presence.people.get(p).copied().unwrap_or(true)
    }
}

impl Site {
    /// The page URL of a link target.
    pub fn url(&self, target: Target) -> UrlPath {
        self.index.url(&self.content, target)
    }

    /// The URL as written into pages (with the base path): this
    /// language's page when it has one, else the default language's.
    pub fn link(&self, target: Target) -> String {
        self.link_to(&self.url(target), self.language.has(target))
    }

    /// The absolute URL of a target's page, for feeds and structured data.
    pub fn absolute(&self, target: Target) -> String {
        self.absolute_to(&self.url(target), self.language.has(target))
    }

    /// A link to a page this language has (`present`) or, else, to the
    /// default language's.
    pub fn link_to(&self, url: &UrlPath, present: bool) -> String {
        if present {
            self.config.base.link(url)
        } else {
            format!("{}{}", self.language.root_path, url.as_str())
        }
    }

    pub fn absolute_to(&self, url: &UrlPath, present: bool) -> String {
        if present {
            self.config.base.absolute(url)
        } else {
            format!(
                "{}{}{}",
                self.config.base.origin,
                self.language.root_path,
                url.as_str()
            )
        }
    }

    /// The articles this language lists (blog, tags, feed, home), newest
    /// first.
    pub fn listed_articles(&self) -> Vec<usize> {
        (0..self.content.articles.len())
            .filter(|&i| self.language.has(Target::Article(i)))
            .collect()
    }
}

/// Section ids the templates give each page kind, so that `#fragment`s of
/// cross-links can be checked. The default theme's templates use exactly
/// these; docs/templates.md lists them for theme authors.
pub const MUSCLE_ANCHORS: &[&str] = &[
    "overview",
    "referral-pattern",
    "trigger-points",
    "symptoms",
    "actions",
    "aggravating-factors",
    "techniques",
    "self-care",
    "faq",
    "articles",
    "services",
    "references",
];
pub const TECHNIQUE_ANCHORS: &[&str] = &[
    "overview",
    "at-a-glance",
    "how-it-works",
    "steps",
    "cautions",
    "muscles",
    "related",
    "compare",
    "faq",
    "articles",
    "services",
    "references",
];
pub const DOCUMENT_ANCHORS: &[&str] = &["takeaways", "references", "related"];
pub const REGION_ANCHORS: &[&str] = &["red-flags", "essential", "spillover", "nearby"];
pub const SERVICE_ANCHORS: &[&str] = &["options", "techniques"];

/// What linking starts from: the loaded site, and the language to link it
/// in (`None`: the default language).
pub struct Loaded {
    pub config: Config,
    pub content: Content,
    pub figure: Option<Figure>,
    pub shortcodes: Arc<Shortcodes>,
    pub images: Arc<Library>,
    pub words: Arc<Words>,
    pub language: Option<LanguageView>,
}

/// What an earlier link of the site made that `knotwork serve` knows is
/// still right (see `incremental::data`).
#[derive(Debug, Default)]
pub struct Kept {
    /// Article and page bodies, by index; `None` (or a missing entry) is
    /// rendered again.
    pub articles: Vec<Option<Rendered>>,
    pub pages: Vec<Option<Rendered>>,
    /// Texts of data fields of the last link, by [`Rendered::reuse_key`]:
    /// one whose inputs are the same is used again while its lookups hold.
    pub fields: HashMap<markdown::BodyKey, Rendered>,
    /// The tag index, when no article's tags, date or presence changed.
    pub tags: Option<TagIndex>,
}

/// Articles by tag slug, newest first, and the tag's display name.
pub type TagIndex = BTreeMap<String, (String, Vec<usize>)>;

/// Builds the graph. Problems are added to `diags`; the returned site is
/// only rendered when there are none.
pub fn link(loaded: Loaded, diags: &mut Diagnostics) -> Site {
    link_keeping(loaded, Kept::default(), &BodyCache::none(), diags)
}

/// [`link`], taking the bodies of articles and pages the last build
/// rendered from `cache` where they still hold.
pub fn link_cached(loaded: Loaded, cache: &BodyCache, diags: &mut Diagnostics) -> Site {
    link_keeping(loaded, Kept::default(), cache, diags)
}

/// [`link`], taking the bodies in `kept` as they are instead of rendering
/// them again. A kept body registers its images again (a new build's image
/// library starts empty); its warnings were reported when it was rendered.
pub fn link_keeping(
    loaded: Loaded,
    kept: Kept,
    cache: &BodyCache,
    diags: &mut Diagnostics,
) -> Site {
    let Loaded {
        config,
        mut content,
        figure,
        shortcodes,
        images,
        words,
        language,
    } = loaded;
    let drawn = figure.as_ref().map(Figure::drawn_views);
    // A language's copy of the content comes with its regions merged (and
    // translated) already.
    if content.regions.is_empty() {
        content.regions = crate::content::regions::merge(
            content.theme_regions.as_ref(),
            content.site_regions.as_ref(),
            drawn.as_ref(),
            diags,
        );
    }
    let language = language.unwrap_or_else(|| LanguageView::default_for(&config, &content));
    let mut index = Index::new(&content, &config, diags);
    if !language.is_default() {
        index.fall_back_to(language.root_path.clone(), language.presence.clone());
    }
    // Resolving the data's ids and rendering the bodies need nothing of
    // each other: one core each (the bodies spread over both when many).
    // Images are registered in the same order as when run one after the
    // other: bodies first, then front matter.
    let (mut data_diags, mut body_diags) = (Diagnostics::new(), Diagnostics::new());
    let mut kept = kept;
    let kept_tags = kept.tags.take();
    let ((mut graph, tags), (markdown, front_images)) = rayon::join(
        || {
            let graph = resolve_data(&content, &index, &mut data_diags);
            let tags = kept_tags.unwrap_or_else(|| tag_index(&content, &language, &mut data_diags));
            (graph, tags)
        },
        || {
            let markdown = render_markdown(
                &config,
                &content,
                &index,
                markdown_options(&config, &shortcodes, &images, &words),
                kept,
                cache,
                &mut body_diags,
            );
            let front_images = images::resolve(&content, &images, &mut body_diags);
            (markdown, front_images)
        },
    );
    diags.extend(data_diags);
    diags.extend(body_diags);
    add_backlinks(&content, &markdown, &mut graph);
    check_fragments(&content, &index, &markdown, diags);
    if let Some(figure) = &figure {
        check_figure(&content, figure, diags);
    }
    graph.region_referrals = region_referrals(&content, &graph);
    graph.tag_rows = crate::related::TagRows::new(
        tags.iter()
            .map(|(slug, (_, list))| (slug.as_str(), list.as_slice())),
        content.articles.len(),
    );
    graph.tags = tags;
    Site {
        config,
        content,
        figure,
        shortcodes,
        images,
        front_images,
        index,
        graph,
        markdown,
        words,
        language,
    }
}

/// Resolves the ids of front matter and data files.
fn resolve_data(content: &Content, index: &Index, diags: &mut Diagnostics) -> Graph {
    let mut g = Graph::default();
    for m in &content.muscles {
        let d = &m.data;
        let src = &*m.source;
        g.muscle_techniques.push(index.resolve_list(
            "techniques",
            "technique",
            &d.techniques,
            src,
            0,
            diags,
        ));
        g.muscle_references.push(index.resolve_list(
            "references",
            "reference",
            &d.references,
            src,
            0,
            diags,
        ));
        if d.trigger_points.is_empty() {
            diags.push(
                Diagnostic::error(format!("muscle `{}` has no trigger point", m.id))
                    .at(src.locate(0..1))
                    .help("add at least one [[trigger_points]] table with a location and referral zones"),
            );
        }
        let mut points = Vec::new();
        for tp in &d.trigger_points {
            let location = index.resolve_list(
                "pain",
                "region",
                std::slice::from_ref(&tp.location),
                src,
                0,
                diags,
            );
            if tp.referral.get_ref().is_empty() {
                diags.push(
                    Diagnostic::error(
                        "`referral` must name at least one region (the essential referral zone)",
                    )
                    .at(src.locate(tp.referral.span())),
                );
            }
            let referral =
                index.resolve_list("pain", "region", tp.referral.get_ref(), src, 0, diags);
            let spillover = index.resolve_list("pain", "region", &tp.spillover, src, 0, diags);
            if let Some(&location) = location.first() {
                points.push(ResolvedTriggerPoint {
                    location,
                    referral,
                    spillover,
                });
            }
        }
        g.muscle_trigger_points.push(points);
    }
    let mut pairs = BTreeSet::new();
    for (i, t) in content.techniques.iter().enumerate() {
        let d = &t.data;
        let src = &*t.source;
        if let Some(intensity) = &d.intensity {
            if !(1..=5).contains(intensity.get_ref()) {
                diags.push(
                    Diagnostic::error(format!(
                        "`intensity` is {}, but must be from 1 (gentle) to 5 (intense)",
                        intensity.get_ref()
                    ))
                    .at(src.locate(intensity.span())),
                );
            }
        }
        let related = index.resolve_list("techniques", "technique", &d.related, src, 0, diags);
        g.technique_related
            .push(related.into_iter().filter(|&j| j != i).collect());
        g.technique_references.push(index.resolve_list(
            "references",
            "reference",
            &d.references,
            src,
            0,
            diags,
        ));
        for (other, spanned) in index
            .resolve_list("techniques", "technique", &d.compare_with, src, 0, diags)
            .into_iter()
            .zip(&d.compare_with)
        {
            if other == i {
                diags.push(
                    Diagnostic::error("a technique cannot be compared with itself")
                        .at(src.locate(spanned.span())),
                );
            } else {
                pairs.insert((i.min(other), i.max(other)));
            }
        }
    }
    g.compare_pairs = pairs.into_iter().collect();
    for r in &content.regions {
        index.resolve_list("pain", "region", &r.data.near, &r.source, 0, diags);
    }
    // Articles keep their resolved lists (for backlinks); pages are only checked.
    let bylines = |doc: &Document, diags: &mut Diagnostics| {
        let (src, offset) = (&*doc.source, doc.front_matter.start);
        Bylines {
            author: index.byline(&doc.meta.author, src, offset, diags),
            reviewer: index.byline(&doc.meta.reviewed_by, src, offset, diags),
        }
    };
    for doc in &content.articles {
        let (muscles, techniques) = index.resolve_front_matter(doc, diags);
        g.article_muscles.push(muscles);
        g.article_techniques.push(techniques);
        g.article_bylines.push(bylines(doc, diags));
    }
    for doc in &content.pages {
        index.resolve_front_matter(doc, diags);
        g.page_bylines.push(bylines(doc, diags));
    }
    resolve_services(content, index, &mut g, diags);
    check_photo_alts(content, diags);
    g.muscle_reviewer = content
        .muscles
        .iter()
        .map(|m| index.byline(&m.data.reviewed_by, &m.source, 0, diags))
        .collect();
    g.technique_reviewer = content
        .techniques
        .iter()
        .map(|t| index.byline(&t.data.reviewed_by, &t.source, 0, diags))
        .collect();
    g.person_articles = vec![Vec::new(); content.people.len()];
    g.person_reviewed = vec![Vec::new(); content.people.len()];
    let reviewed = g
        .article_bylines
        .iter()
        .enumerate()
        .map(|(i, b)| (&b.reviewer, Target::Article(i)))
        .chain(
            g.page_bylines
                .iter()
                .enumerate()
                .map(|(i, b)| (&b.reviewer, Target::Page(i))),
        )
        .chain(
            g.muscle_reviewer
                .iter()
                .enumerate()
                .map(|(i, b)| (b, Target::Muscle(i))),
        )
        .chain(
            g.technique_reviewer
                .iter()
                .enumerate()
                .map(|(i, b)| (b, Target::Technique(i))),
        );
    let mut person_reviewed = vec![Vec::new(); content.people.len()];
    for (byline, target) in reviewed {
        if let Some(Byline::Person(p)) = byline {
            person_reviewed[*p].push(target);
        }
    }
    g.person_reviewed = person_reviewed;
    for (i, b) in g.article_bylines.iter().enumerate() {
        if let Some(Byline::Person(p)) = b.author {
            g.person_articles[p].push(i);
        }
    }
    for topic in &content.faq_topics {
        let src = &*topic.source;
        g.question_muscles.push(
            topic
                .data
                .questions
                .iter()
                .map(|q| index.resolve_list("muscles", "muscle", &q.muscles, src, 0, diags))
                .collect(),
        );
        g.question_techniques.push(
            topic
                .data
                .questions
                .iter()
                .map(|q| {
                    index.resolve_list("techniques", "technique", &q.techniques, src, 0, diags)
                })
                .collect(),
        );
    }
    g
}

/// A person's photo and a service's image need their alt text: they show
/// people and places that a screen reader user should hear about.
fn check_photo_alts(content: &Content, diags: &mut Diagnostics) {
    let missing = |source: &Source,
                   image: &Option<Spanned<String>>,
                   alt: &str,
                   key: &str,
                   diags: &mut Diagnostics| {
        if let Some(image) = image {
            if alt.trim().is_empty() {
                diags.push(
                    Diagnostic::error(format!("`{key}` needs a description: add {key}_alt = \"…\""))
                        .at(source.locate(image.span()))
                        .help(format!("describe what it shows, for visitors who cannot see it: {key}_alt = \"Smiling therapist in the treatment room\"")),
                );
            }
        }
    };
    for p in &content.people {
        missing(&p.source, &p.data.photo, &p.data.photo_alt, "photo", diags);
    }
    for s in &content.services {
        missing(&s.source, &s.data.image, &s.data.image_alt, "image", diags);
    }
}

/// Services: their techniques, their options (checked), and the reverse
/// relations techniques and muscles show.
fn resolve_services(content: &Content, index: &Index, g: &mut Graph, diags: &mut Diagnostics) {
    g.technique_services = vec![Vec::new(); content.techniques.len()];
    for (s, service) in content.services.iter().enumerate() {
        let src = &*service.source;
        let techniques = index.resolve_list(
            "techniques",
            "technique",
            &service.data.techniques,
            src,
            0,
            diags,
        );
        for &t in &techniques {
            g.technique_services[t].push(s);
        }
        g.service_techniques.push(techniques);
        if service.data.options.is_empty() {
            diags.push(
                Diagnostic::error(format!("service `{}` has no options", service.id))
                    .at(src.locate(0..1))
                    .help("add at least one [[options]] table with minutes = 60 and price = 95"),
            );
        }
        let mut options = Vec::new();
        for o in &service.data.options {
            let minutes = match o.minutes.get_ref() {
                toml::Value::Integer(m) if *m > 0 => Some(*m),
                other => {
                    diags.push(
                        Diagnostic::error(format!(
                            "`minutes` must be a whole number of minutes, not {other}"
                        ))
                        .at(src.locate(o.minutes.span()))
                        .help("write it without quotes or units: minutes = 60"),
                    );
                    None
                }
            };
            let price = match o.price.get_ref() {
                toml::Value::Integer(p) if *p >= 0 => Some(*p as f64),
                toml::Value::Float(p) if *p >= 0.0 && p.is_finite() => Some(*p),
                other => {
                    diags.push(
                        Diagnostic::error(format!("`price` must be a number, not {other}"))
                            .at(src.locate(o.price.span()))
                            .help("write the amount alone, without quotes or a currency sign: price = 95 (the currency is [studio] currency in site.toml)"),
                    );
                    None
                }
            };
            if let (Some(m), Some(p)) = (minutes, price) {
                options.push((m, p));
            }
        }
        g.service_options.push(options);
    }
    g.muscle_services = g
        .muscle_techniques
        .iter()
        .map(|techniques| {
            let mut services: Vec<usize> = techniques
                .iter()
                .flat_map(|&t| g.technique_services[t].iter().copied())
                .collect();
            dedup(&mut services);
            services
        })
        .collect();
}

/// Reverse relations from front matter, data fields and Markdown cross-links.
fn add_backlinks(content: &Content, md: &RenderedMarkdown, g: &mut Graph) {
    let (nm, nt) = (content.muscles.len(), content.techniques.len());
    g.muscle_articles = vec![Vec::new(); nm];
    g.muscle_questions = vec![Vec::new(); nm];
    g.muscle_linked_from_muscles = vec![Vec::new(); nm];
    g.technique_muscles = vec![Vec::new(); nt];
    g.technique_articles = vec![Vec::new(); nt];
    g.technique_questions = vec![Vec::new(); nt];
    g.technique_related_from = vec![Vec::new(); nt];

    let links_of = |r: &Rendered| r.links.iter().map(|l| l.target).collect::<Vec<_>>();
    for (a, rendered) in md.articles.iter().enumerate() {
        let linked = links_of(rendered);
        for &m in g.article_muscles[a]
            .iter()
            .chain(linked.iter().filter_map(as_muscle))
        {
            g.muscle_articles[m].push(a);
        }
        for &t in g.article_techniques[a]
            .iter()
            .chain(linked.iter().filter_map(as_technique))
        {
            g.technique_articles[t].push(a);
        }
    }
    for (m, techniques) in g.muscle_techniques.iter().enumerate() {
        for &t in techniques {
            g.technique_muscles[t].push(m);
        }
    }
    for m in 0..nm {
        let texts = [&md.muscle_description[m], &md.muscle_self_care[m]];
        for target in texts.iter().filter_map(|r| r.as_ref()).flat_map(&links_of) {
            match target {
                Target::Muscle(other) if other != m => g.muscle_linked_from_muscles[other].push(m),
                Target::Technique(t) => g.technique_muscles[t].push(m),
                _ => {}
            }
        }
    }
    for (t, related) in g.technique_related.iter().enumerate() {
        for &r in related {
            g.technique_related_from[r].push(t);
        }
    }
    for (t, rendered) in md.technique_how_it_works.iter().enumerate() {
        for target in rendered.iter().flat_map(&links_of) {
            if let Target::Technique(other) = target {
                if other != t {
                    g.technique_related_from[other].push(t);
                }
            }
        }
    }
    for (topic, answers) in md.faq_answers.iter().enumerate() {
        for (question, answer) in answers.iter().enumerate() {
            let q = QuestionRef { topic, question };
            let linked = links_of(answer);
            for &m in g.question_muscles[topic][question]
                .iter()
                .chain(linked.iter().filter_map(as_muscle))
            {
                g.muscle_questions[m].push(q);
            }
            for &t in g.question_techniques[topic][question]
                .iter()
                .chain(linked.iter().filter_map(as_technique))
            {
                g.technique_questions[t].push(q);
            }
        }
    }
    for list in [
        &mut g.muscle_articles,
        &mut g.muscle_linked_from_muscles,
        &mut g.technique_muscles,
        &mut g.technique_articles,
        &mut g.technique_related_from,
    ] {
        list.iter_mut().for_each(dedup);
    }
    g.muscle_questions.iter_mut().for_each(dedup);
    g.technique_questions.iter_mut().for_each(dedup);
}

fn as_muscle(t: &Target) -> Option<&usize> {
    match t {
        Target::Muscle(m) => Some(m),
        _ => None,
    }
}

fn as_technique(t: &Target) -> Option<&usize> {
    match t {
        Target::Technique(m) => Some(m),
        _ => None,
    }
}

fn dedup<T: Ord>(v: &mut Vec<T>) {
    v.sort();
    v.dedup();
}

/// Every region of regions.toml is drawn in the figure, on its view, and
/// every region the figure draws is listed in regions.toml.
fn check_figure(content: &Content, figure: &Figure, diags: &mut Diagnostics) {
    let listed: HashSet<&str> = content.regions.iter().map(|r| r.id.as_str()).collect();
    for r in &content.regions {
        let at = r.source.locate(r.data.id.span());
        match figure.regions.get(r.id.as_str()) {
            None => {
                let d = Diagnostic::error(format!(
                    "region `{}` is not drawn in the body figure ({}): it has no element with id=\"region-{}\"",
                    r.id,
                    figure.source.path.display(),
                    r.id
                ))
                .at(at);
                let mut drawn: Vec<&str> = figure.regions.keys().map(String::as_str).filter(|k| !listed.contains(k)).collect();
                drawn.sort();
                diags.push(d.suggest(r.id.as_str(), drawn));
            }
            Some(shape) if shape.view != r.data.view => diags.push(
                Diagnostic::error(format!(
                    "region `{}` is listed with view = \"{}\" but the figure draws it in the {} view",
                    r.id,
                    r.data.view.key(),
                    shape.view.key()
                ))
                .at(at),
            ),
            Some(_) => {}
        }
    }
    let mut drawn: Vec<(&String, &crate::bodymap::RegionShape)> = figure.regions.iter().collect();
    drawn.sort_by_key(|(id, _)| id.as_str());
    for (id, shape) in drawn {
        if !listed.contains(id.as_str()) {
            diags.push(
                Diagnostic::error(format!(
                    "the body figure draws `region-{id}`, but neither the theme nor content/regions.toml names `{id}`"
                ))
                .at(shape.location.clone())
                .help(format!("add a [[regions]] entry with id = \"{id}\", a name and its view to content/regions.toml, or remove the shape")),
            );
        }
    }
}

fn region_referrals(content: &Content, g: &Graph) -> Vec<Vec<Referral>> {
    let mut by_region: Vec<BTreeMap<usize, Zone>> = vec![BTreeMap::new(); content.regions.len()];
    for (m, points) in g.muscle_trigger_points.iter().enumerate() {
        for tp in points {
            for &r in &tp.referral {
                by_region[r].insert(m, Zone::Essential);
            }
            for &r in &tp.spillover {
                by_region[r].entry(m).or_insert(Zone::Spillover);
            }
        }
    }
    by_region
        .into_iter()
        .map(|zones| {
            let mut list: Vec<Referral> = zones
                .into_iter()
                .map(|(muscle, zone)| Referral { muscle, zone })
                .collect();
            list.sort_by(|a, b| {
                a.zone.cmp(&b.zone).then_with(|| {
                    content.muscles[a.muscle]
                        .data
                        .name
                        .cmp(&content.muscles[b.muscle].data.name)
                })
            });
            list
        })
        .collect()
}

/// The tags of the articles `language` has, by slug, with the name first
/// written and the articles (newest first). Two names that differ by more
/// than case but make one slug (`C++` and `c`) share one page: said in
/// `warnings`, once per pair, for the default language.
fn tag_index(content: &Content, language: &LanguageView, warnings: &mut Diagnostics) -> TagIndex {
    let mut tags = TagIndex::new();
    let mut told: HashSet<(String, String)> = HashSet::new();
    for (i, a) in content.articles.iter().enumerate() {
        if !language.has(Target::Article(i)) {
            continue;
        }
        for tag in &a.meta.tags {
            let slug = crate::ids::slugify(tag);
            if slug.is_empty() {
                continue;
            }
            let entry = tags
                .entry(slug)
                .or_insert_with(|| (tag.clone(), Vec::new()));
            let first = &entry.0;
            if language.is_default()
                && first.to_lowercase() != tag.to_lowercase()
                && told.insert((first.clone(), tag.clone()))
            {
                warnings.push(
                    Diagnostic::warning(format!(
                        "tags `{first}` and `{tag}` make the same URL, /tags/{}/: they share one page, named `{first}`",
                        crate::ids::slugify(tag)
                    ))
                    .at(a.front_matter_value(tag))
                    .help("write the tag the same way in every article, or give them names that differ by a letter or digit"),
                );
            }
            if entry.1.last() != Some(&i) {
                entry.1.push(i);
            }
        }
    }
    tags
}
