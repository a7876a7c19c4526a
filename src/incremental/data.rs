//! The data path: only data files changed (a muscle, technique, FAQ topic,
//! person or service file, `regions.toml`, `references.toml`), and every
//! entity kept its id and its place in its list.
//!
//! A site's size is its articles; data pages are few. So the data files
//! are loaded again and the site linked again, but the articles and pages
//! are neither read nor rendered again:
//!
//! * a body is a function of its document and of the ids and URLs it links
//!   to, which stay the same; only a body that calls a shortcode (whose
//!   output may show any data) is rendered again;
//! * of the data sections (muscles, techniques, FAQ, pain finder, people,
//!   services, search), the pages of the edited entities are planned
//!   again, and the entity pages that showed one of them or that one of
//!   them shows, before or after the edit: a page shows an entity only
//!   with a link to its page, so the links in each data page's planned
//!   data are the reverse index ([`super::shows`]). Each section's own
//!   pages (indexes, tables, maps of all entities) and the small sections
//!   not split by entity (FAQ, services, search) are always planned. When
//!   a region or reference changed, or an edited entity has no page of its
//!   own, every data page is planned;
//! * the home page is planned again;
//! * of the blog, only the article pages that show a changed entity are
//!   planned again: a card of a changed muscle or technique, a changed
//!   author or reviewer, the reference list when the references changed, a
//!   body rendered again; stand-alone pages (few) always are. Lists and tag
//!   pages show article cards, which no data file is part of;
//! * the feeds are planned again, the sitemap from every page's record.
//!
//! Then, as on the other paths, only pages whose fingerprint changed are
//! rendered. Whatever the rebuild cannot vouch for (ids added, removed or
//! reordered, errors, a change of the site-wide variables or of the images
//! the site shows, two pages at one URL) makes it give way to the site
//! path, which does the whole work and reports every problem.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::{
    changed_among, insert_outputs, record_showing, with_feeds, PageRecord, PageRecords, State,
};
use super::{OpenFirst, RebuildPath, Rebuilt};
use crate::content::data::Entity;
use crate::content::{self, Content};
use crate::diagnostics::Diagnostics;
use crate::graph::{self, Byline, Kept, Target};
use crate::ids::UrlPath;
use crate::markdown::{citations, Rendered};
use crate::pages::{self, Only, PagePlan, Section};
use crate::{BuildFailure, StageTimer};

/// The folders of `content/` whose `.toml` files are entities.
const ENTITY_FOLDERS: [&str; 5] = ["muscles", "techniques", "faq", "people", "services"];

/// Whether every file in `changed` is a data file of the site at `root`.
pub(super) fn only_data_files(root: &Path, changed: &[PathBuf]) -> bool {
    !changed.is_empty() && changed.iter().all(|path| is_data_file(root, path))
}

fn is_data_file(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let Ok(rel) = rel.strip_prefix("content") else {
        return false;
    };
    if rel == Path::new("regions.toml") || rel == Path::new("references.toml") {
        return true;
    }
    let in_entity_folder = rel
        .parent()
        .and_then(Path::to_str)
        .is_some_and(|folder| ENTITY_FOLDERS.contains(&folder));
    in_entity_folder && rel.extension().is_some_and(|e| e == "toml")
}

/// What an edit of data files changed that article pages show.
#[derive(Debug, Default)]
struct DataEdit {
    /// Muscles, techniques and people whose file changed, by index.
    muscles: HashSet<usize>,
    techniques: HashSet<usize>,
    people: HashSet<usize>,
    /// `references.toml` changed: reference lists may read differently.
    references: bool,
    /// The files of the muscles, techniques, FAQ topics, people and
    /// services that changed.
    entity_files: Vec<PathBuf>,
}

impl DataEdit {
    /// The changes from `old` to `new` (loaded data); `None` when an
    /// entity was added, removed, renamed or moved. Regions are merged
    /// while linking and compared after it.
    fn between(old: &Content, new: &Content) -> Option<DataEdit> {
        let mut edit = DataEdit {
            muscles: changed(&old.muscles, &new.muscles)?,
            techniques: changed(&old.techniques, &new.techniques)?,
            people: changed(&old.people, &new.people)?,
            references: !changed(&old.references, &new.references)?.is_empty(),
            entity_files: Vec::new(),
        };
        let faq_topics = changed(&old.faq_topics, &new.faq_topics)?;
        let services = changed(&old.services, &new.services)?;
        let files = &mut edit.entity_files;
        files.extend(files_at(&new.muscles, &edit.muscles));
        files.extend(files_at(&new.techniques, &edit.techniques));
        files.extend(files_at(&new.people, &edit.people));
        files.extend(files_at(&new.faq_topics, &faq_topics));
        files.extend(files_at(&new.services, &services));
        files.sort();
        files.dedup();
        Some(edit)
    }

    /// Whether the page of article `i` (of `site`, linked after the edit)
    /// shows something that changed, besides its body.
    fn reaches_article(&self, site: &graph::Site, i: usize) -> bool {
        let g = &site.graph;
        let person =
            |b: &Option<Byline>| matches!(b, Some(Byline::Person(p)) if self.people.contains(p));
        let bylines = &g.article_bylines[i];
        g.article_muscles[i]
            .iter()
            .any(|m| self.muscles.contains(m))
            || g.article_techniques[i]
                .iter()
                .any(|t| self.techniques.contains(t))
            || person(&bylines.author)
            || person(&bylines.reviewer)
            || (self.references && citations::has_citations(&site.markdown.articles[i].html))
    }
}

/// Whether every entity of the data `new` has the id of the one in its
/// place in `old`, and so the same page (regions are compared once
/// merged, by [`same_region_ids`]).
pub(super) fn same_entity_ids(old: &Content, new: &Content) -> bool {
    DataEdit::between(old, new).is_some()
}

/// Whether the merged regions of `new` have the ids of `old`'s, in order.
pub(super) fn same_region_ids(old: &Content, new: &Content) -> bool {
    changed(&old.regions, &new.regions).is_some()
}

/// Whether a kept body would be wrong: its shortcodes' output may show any
/// data (and its HTML holds that output, not the calls).
pub(super) fn render_again(body: &Rendered) -> bool {
    !body.shortcodes.is_empty()
}

/// The files of the entities at `indices`.
fn files_at<'a, K, D>(
    entities: &'a [Entity<K, D>],
    indices: &'a HashSet<usize>,
) -> impl Iterator<Item = PathBuf> + 'a {
    indices.iter().map(|&i| entities[i].source.path.clone())
}

/// The indices of the entities whose file changed; `None` when the ids
/// are not the same, in the same order.
fn changed<K: PartialEq, D>(old: &[Entity<K, D>], new: &[Entity<K, D>]) -> Option<HashSet<usize>> {
    if old.len() != new.len() || old.iter().zip(new).any(|(a, b)| a.id != b.id) {
        return None;
    }
    Some(
        old.iter()
            .zip(new)
            .enumerate()
            .filter(|(_, (a, b))| a.source.text != b.source.text)
            .map(|(i, _)| i)
            .collect(),
    )
}

impl State {
    /// The data path, after the data `files` changed; `None` when the edit
    /// reaches further (the caller then takes the site path). It may leave
    /// the state's site without its articles: the caller's site path does
    /// not need them, and replaces the state when it succeeds.
    pub(super) fn rebuild_data(
        &mut self,
        files: &[PathBuf],
        open: Option<&mut OpenFirst>,
    ) -> Option<Result<Rebuilt, BuildFailure>> {
        let mut timer = StageTimer::start();
        let config = self.site.config.clone();
        let mut diags = Diagnostics::new();
        // Only files of `content/` changed: the theme's regions are the
        // same, and so are the entities of the other files. Every changed
        // file is under the root (`only_data_files` sent the edit here).
        let theme_regions = self.site.content.theme_regions.clone();
        let edited: HashSet<PathBuf> = files
            .iter()
            .filter_map(|f| f.strip_prefix(&config.root).ok())
            .map(Path::to_path_buf)
            .collect();
        let earlier = content::Earlier {
            content: &self.site.content,
            changed: &edited,
        };
        let data = content::load_data_with(&config, theme_regions, Some(earlier), &mut diags);
        timer.lap("load");
        if diags.has_errors() {
            return None;
        }
        let edit = DataEdit::between(&self.site.content, &data)?;
        let old = &self.site;
        let again =
            |bodies: &[Rendered]| -> Vec<bool> { bodies.iter().map(render_again).collect() };
        let again_articles = again(&old.markdown.articles);
        let again_pages = again(&old.markdown.pages);
        let images_before = old.images.output_paths();
        timer.lap("compare");

        // Articles are neither read again nor changed: the same tags.
        let site = self.link_again(data, &again_articles, &again_pages, true, &mut diags);
        timer.lap("link");
        // Regions are merged while linking: compared once merged.
        let regions = changed(&self.site.content.regions, &site.content.regions);
        if diags.has_errors() || regions.is_none() || site.images.output_paths() != images_before {
            return None;
        }
        if !self.globals_unchanged_for(0, &site) {
            return None;
        }
        timer.lap("check");
        self.show_open_first(&[Some(&site)], open);
        timer.lap("open pages");
        // The data pages of the edited entities; `None`: every data page
        // is planned (a region or reference changed, or an edited entity
        // has no page of its own, so its links cannot be followed).
        let edited_pages = Some(&edit)
            .filter(|e| !e.references && regions.is_some_and(|r| r.is_empty()))
            .and_then(|e| self.pages_of(&e.entity_files));
        let mut plans = plan_blog_reached(&site, &edit, &again_articles, &mut diags);
        match &edited_pages {
            Some(edited) => plans.extend(self.plan_data_reached(&site, edited, &mut diags)?),
            None => plans.extend(pages::plan_sections(&site, &Section::data(), &mut diags)),
        }
        timer.lap("plan");
        let records = self.records_after(&plans, edited_pages.is_none())?;
        let records = with_feeds(&site, &mut plans, records, &self.pages);
        timer.lap("records");
        if diags.has_errors() || !records.has_unique_paths() {
            return None;
        }
        super::drop_later(std::mem::replace(&mut self.site, site));
        Some(self.render_replanned(plans, records, diags, RebuildPath::Data))
    }

    /// The URLs of the data pages that come from `files`; `None` when one
    /// of them has none.
    fn pages_of(&self, files: &[PathBuf]) -> Option<HashSet<UrlPath>> {
        let data = || self.pages.pages.iter().filter(|r| r.section.is_data());
        let from = |r: &PageRecord, file: &PathBuf| r.origin.as_ref() == Some(file);
        if !files.iter().all(|f| data().any(|r| from(r, f))) {
            return None;
        }
        Some(
            data()
                .filter(|r| files.iter().any(|f| from(r, f)))
                .map(|r| r.url.clone())
                .collect(),
        )
    }

    /// The data pages an edit of the entities whose pages are `edited`
    /// reaches, planned: every section's own pages (indexes, tables, maps
    /// of all), the edited entities' pages, the entity pages that showed
    /// an edited entity (they link to its page) and those an edited entity
    /// showed or now shows (their backlinks list it). `None` when a page
    /// the last build had is not planned again (it is gone).
    fn plan_data_reached(
        &self,
        site: &graph::Site,
        edited: &HashSet<UrlPath>,
        diags: &mut Diagnostics,
    ) -> Option<Vec<PagePlan>> {
        // Cards are made for the few pages planned, not for every article.
        let cards = pages::ArticleCards::on_demand(site);
        let first = Only {
            entity_pages: Some(edited),
            section_pages: true,
        };
        let mut plans = pages::plan_sections_only(site, &Section::data(), &cards, first, diags);
        let mut reached: HashSet<UrlPath> = plans
            .par_iter()
            .filter(|plan| edited.contains(&plan.url))
            .flat_map_iter(|plan| self.entities.shown_by(plan))
            .collect();
        for old in self.pages.pages.iter().filter(|r| r.section.is_data()) {
            if edited.contains(&old.url) {
                reached.extend(old.shows.iter().cloned());
            } else if old.shows.iter().any(|u| edited.contains(u)) {
                reached.insert(old.url.clone());
            }
        }
        for plan in &plans {
            reached.remove(&plan.url);
        }
        let second = Only {
            entity_pages: Some(&reached),
            section_pages: false,
        };
        plans.extend(pages::plan_sections_only(
            site,
            &Section::data(),
            &cards,
            second,
            diags,
        ));

        let asked = |url: &UrlPath| edited.contains(url) || reached.contains(url);
        self.all_data_pages_planned(&plans, asked).then_some(plans)
    }

    /// Links the site again with the loaded `data` and the state's articles
    /// and pages, keeping the bodies not marked for rendering again, and
    /// the tag index when `same_tags` (no article's tags, date or
    /// presence changed).
    pub(super) fn link_again(
        &mut self,
        data: Content,
        again_articles: &[bool],
        again_pages: &[bool],
        same_tags: bool,
        diags: &mut Diagnostics,
    ) -> graph::Site {
        let old = &mut self.site;
        let content = Content {
            articles: std::mem::take(&mut old.content.articles),
            pages: std::mem::take(&mut old.content.pages),
            ..data
        };
        let images = Arc::new(crate::images::Library::for_site(&old.config));
        let mut site = relink(
            old,
            content,
            images,
            again_articles,
            again_pages,
            same_tags,
            diags,
        );
        crate::review::warn_overdue(&site, content::date::Date::today(), diags);
        self.expand_shortcodes(0, &mut site, diags);
        site
    }

    /// Expands the shortcodes of `site`'s bodies rendered again, with the
    /// renderer of `language`, unless linking found errors.
    pub(super) fn expand_shortcodes(
        &self,
        language: usize,
        site: &mut graph::Site,
        diags: &mut Diagnostics,
    ) {
        if diags.has_errors() {
            return;
        }
        let renderer = &self.renderer;
        pages::shortcodes::expand_site(
            site,
            &|name, context| renderer.render_shortcode(language, name, context),
            diags,
        );
    }

    /// The records of the site but its feeds after re-planning `plans`
    /// (in plan order: home, blog pages, data sections): the kept records
    /// of the blog, and of the data sections unless `all_data` were
    /// planned, where not re-planned. `None` when the data pages planned
    /// include one the last build did not have (its place is unknown).
    fn records_after(&self, plans: &[PagePlan], all_data: bool) -> Option<Vec<PageRecord>> {
        let mut home = Vec::new();
        let mut blog = HashMap::new();
        let mut data = Vec::new();
        let fresh: Vec<PageRecord> = plans
            .par_iter()
            .map(|plan| record_showing(plan, &self.entities))
            .collect();
        for fresh in fresh {
            match fresh.section {
                Section::Home => home.push(fresh),
                Section::Blog => {
                    blog.insert(fresh.path.clone(), fresh);
                }
                _ => data.push(fresh),
            }
        }
        let kept_where_not_planned =
            |section: fn(Section) -> bool, fresh: &mut HashMap<String, PageRecord>| {
                let old = self.pages.pages.iter().filter(|r| section(r.section));
                old.map(|old| fresh.remove(&old.path).unwrap_or_else(|| old.clone()))
                    .collect::<Vec<_>>()
            };
        let blog = kept_where_not_planned(|s| s == Section::Blog, &mut blog);
        if !all_data {
            data = self.data_records_with(data)?;
        }
        Some(home.into_iter().chain(blog).chain(data).collect())
    }

    /// Renders the re-planned pages whose fingerprint changed and makes
    /// `pages` the site's pages: pages no longer planned are removed.
    pub(super) fn render_replanned(
        &mut self,
        plans: Vec<PagePlan>,
        pages: PageRecords,
        mut diags: Diagnostics,
        path: RebuildPath,
    ) -> Result<Rebuilt, BuildFailure> {
        let fingerprint =
            |records: &PageRecords, path: &str| records.get(path).map(|r| r.fingerprint);
        let (to_render, unchanged): (Vec<PagePlan>, Vec<PagePlan>) =
            plans.into_iter().partition(|plan| {
                let path = plan.output_file();
                fingerprint(&self.pages, &path) != fingerprint(&pages, &path)
            });
        super::drop_later(unchanged);
        let mut timer = StageTimer::start();
        let rendered = self.renderer.render_all(to_render, &mut diags);
        if diags.has_errors() {
            return Err(BuildFailure::from(diags));
        }
        timer.lap("render");
        let rendered_count = rendered.len();
        let before = self.files.clone();
        let mut removed: Vec<String> = self
            .pages
            .pages
            .iter()
            .filter(|r| pages.get(&r.path).is_none())
            .map(|r| r.path.clone())
            .collect();
        removed.sort();
        let search_changed_by_removal = removed.iter().any(|p| self.pages.is_searchable(p));
        for path in &removed {
            self.files.remove(path);
            self.html.remove(path);
        }
        let minify = self.site.config.site.minify;
        let written = insert_outputs(&mut self.html, &mut self.files, rendered, minify);
        let changed = changed_among(&before, &self.files, written);
        self.pages = pages;
        diags.sort();
        timer.lap("store");
        Ok(Rebuilt {
            path,
            rendered: rendered_count,
            search_changed: search_changed_by_removal
                || changed.iter().any(|p| self.pages.is_searchable(p)),
            changed,
            removed,
            warnings: diags,
        })
    }
}

/// Links `content` (a whole site's) again as `old` was linked: with its
/// configuration, figure, words and language, and the images registered
/// in `images`. Takes from `old` its bodies not marked for rendering
/// again (`again_articles`, `again_pages`: the content's documents are in
/// the same places) and, with `same_tags`, its tag index.
pub(super) fn relink(
    old: &mut graph::Site,
    content: Content,
    images: Arc<crate::images::Library>,
    again_articles: &[bool],
    again_pages: &[bool],
    same_tags: bool,
    diags: &mut Diagnostics,
) -> graph::Site {
    let keep = |bodies: Vec<Rendered>, again: &[bool]| -> Vec<Option<Rendered>> {
        bodies
            .into_iter()
            .zip(again)
            .map(|(body, &again)| (!again).then_some(body))
            .collect()
    };
    let articles = keep(std::mem::take(&mut old.markdown.articles), again_articles);
    let pages = keep(std::mem::take(&mut old.markdown.pages), again_pages);
    // The data fields' texts (the articles and pages are taken above),
    // by the key of their inputs: the edited file's have new ones, so
    // they are rendered again.
    let fields = old
        .markdown
        .all_mut()
        .filter_map(|body| Some((body.reuse_key?, std::mem::take(body))))
        .collect();
    let tags = same_tags.then(|| std::mem::take(&mut old.graph.tags));
    let kept = Kept {
        articles,
        pages,
        fields,
        tags,
    };
    // The default language's view follows from its content; another
    // language keeps its own (its presence is checked to be the same).
    let language = (!old.language.is_default()).then(|| old.language.clone());
    graph::link_keeping(
        graph::Loaded {
            config: old.config.clone(),
            content,
            figure: old.figure.clone(),
            shortcodes: old.shortcodes.clone(),
            images,
            words: old.words.clone(),
            language,
        },
        kept,
        &graph::BodyCache::none(),
        diags,
    )
}

/// The pages outside the data sections an edit reaches, planned, in plan
/// order: the home page, the article pages showing a change and the
/// stand-alone pages (the data pages come after, then the feeds, once the
/// other pages' records are known).
fn plan_blog_reached(
    site: &graph::Site,
    edit: &DataEdit,
    again_articles: &[bool],
    diags: &mut Diagnostics,
) -> Vec<PagePlan> {
    let mut plans = pages::plan_sections(site, &[Section::Home], diags);
    let cards = pages::ArticleCards::on_demand(site);
    plans.extend(
        site.listed_articles()
            .into_par_iter()
            .filter(|&i| again_articles[i] || edit.reaches_article(site, i))
            .map(|i| pages::article_page(site, i, &cards))
            .collect::<Vec<_>>(),
    );
    plans.extend(
        (0..site.content.pages.len())
            .filter(|&i| site.language.has(Target::Page(i)))
            .map(|i| pages::standalone_page(site, i)),
    );
    plans
}
