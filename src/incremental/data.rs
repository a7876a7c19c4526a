//! The data path: only data files changed (a muscle, technique, FAQ topic,
//! person or service file, `regions.toml`, `references.toml`), and every
//! entity kept its id and its place in its list.
//!
//! A site's size is its articles; data pages are few. So the data files
//! are loaded again and the site linked again, but the articles and pages
//! are neither read nor rendered again, except those a change reaches:
//!
//! * a body is rendered again when it links to a changed entity (its link
//!   text may be the entity's name) or calls a shortcode (whose output may
//!   show any data); the others are kept as they were;
//! * every data section (home, muscles, techniques, FAQ, pain finder,
//!   people, services, search) is planned again: they show data
//!   everywhere, and together they are a few hundred pages;
//! * of the blog, only the article pages that show a changed entity are
//!   planned again: a body rendered again, a card of a changed muscle or
//!   technique, a changed author or reviewer, the reference list when the
//!   references changed; stand-alone pages (few) always are. Lists and tag
//!   pages show article cards, which a kept body leaves as they were; when a
//!   body rendered again changes its card, the site path runs instead;
//! * the feeds are planned again, the sitemap from every page's record.
//!
//! Then, as on the other paths, only pages whose fingerprint changed are
//! rendered. Whatever the rebuild cannot vouch for (ids added, removed or
//! reordered, errors, a change of the site-wide variables or of the images
//! the site shows, two pages at one URL) makes it give way to the site
//! path, which does the whole work and reports every problem.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{changed_among, hash_json, insert_outputs, record, PageRecord, PageRecords, State};
use super::{RebuildPath, Rebuilt};
use crate::content::data::Entity;
use crate::content::{self, Content};
use crate::diagnostics::Diagnostics;
use crate::graph::{self, Byline, KeptBodies, Target};
use crate::markdown::{citations, Rendered};
use crate::pages::{self, ArticleCard, PagePlan, Section};
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

/// What an edit of data files changed, entity by entity.
#[derive(Debug, Default)]
struct DataEdit {
    /// Muscles, techniques, FAQ topics and services whose file changed, and
    /// every region when `regions.toml` did: what cross-links point at.
    targets: HashSet<Target>,
    /// People whose file changed.
    people: HashSet<usize>,
    /// `references.toml` changed: reference lists may read differently.
    references: bool,
}

impl DataEdit {
    /// The changes from `old` to `new` (loaded data, regions not merged
    /// yet); `None` when an entity was added, removed, renamed or moved.
    fn between(old: &Content, new: &Content, regions_file: bool) -> Option<DataEdit> {
        let mut edit = DataEdit::default();
        let mut add = |changed: Vec<usize>, target: fn(usize) -> Target| {
            edit.targets.extend(changed.into_iter().map(target));
        };
        add(changed(&old.muscles, &new.muscles)?, Target::Muscle);
        add(
            changed(&old.techniques, &new.techniques)?,
            Target::Technique,
        );
        add(changed(&old.faq_topics, &new.faq_topics)?, Target::FaqTopic);
        add(changed(&old.services, &new.services)?, Target::Service);
        if regions_file {
            edit.targets
                .extend((0..old.regions.len()).map(Target::Region));
        }
        edit.people = changed(&old.people, &new.people)?.into_iter().collect();
        edit.references = !changed(&old.references, &new.references)?.is_empty();
        Some(edit)
    }

    /// Whether a body must be rendered again.
    fn reaches_body(&self, body: &Rendered) -> bool {
        !body.shortcodes.is_empty() || body.links.iter().any(|l| self.targets.contains(&l.target))
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
            .any(|&m| self.targets.contains(&Target::Muscle(m)))
            || g.article_techniques[i]
                .iter()
                .any(|&t| self.targets.contains(&Target::Technique(t)))
            || person(&bylines.author)
            || person(&bylines.reviewer)
            || (self.references && citations::has_citations(&site.markdown.articles[i].html))
    }
}

/// The indices of the entities whose file changed; `None` when the ids
/// are not the same, in the same order.
fn changed<K: PartialEq, D>(old: &[Entity<K, D>], new: &[Entity<K, D>]) -> Option<Vec<usize>> {
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
    /// The data path for the data files in `changed`; `None` when the edit
    /// reaches further (the caller then takes the site path). It may leave
    /// the state's site without its articles: the caller's site path does
    /// not need them, and replaces the state when it succeeds.
    pub(super) fn rebuild_data(
        &mut self,
        changed: &[PathBuf],
    ) -> Option<Result<Rebuilt, BuildFailure>> {
        let mut timer = StageTimer::start();
        let config = self.site.config.clone();
        let mut diags = Diagnostics::new();
        let data = content::load_data(&config, &mut diags);
        timer.lap("load");
        if diags.has_errors() {
            return None;
        }
        let regions_file = config.root.join("content").join("regions.toml");
        let edit = DataEdit::between(&self.site.content, &data, changed.contains(&regions_file))?;

        // Which bodies to render again, and their cards as they were.
        let old = &self.site;
        let again_articles: Vec<bool> = old
            .markdown
            .articles
            .iter()
            .map(|b| edit.reaches_body(b))
            .collect();
        let again_pages: Vec<bool> = old
            .markdown
            .pages
            .iter()
            .map(|b| edit.reaches_body(b))
            .collect();
        let cards_before: HashMap<usize, ArticleCard> = again(&again_articles)
            .map(|i| (i, pages::article_card(old, i)))
            .collect();
        let images_before = old.images.output_paths();
        let region_ids: Vec<String> = old
            .content
            .regions
            .iter()
            .map(|r| r.id.to_string())
            .collect();

        timer.lap("compare");
        let site = self.link_again(data, &again_articles, &again_pages, &mut diags);
        timer.lap("link");
        let same_regions = site
            .content
            .regions
            .iter()
            .map(|r| r.id.to_string())
            .eq(region_ids);
        if diags.has_errors() || !same_regions || site.images.output_paths() != images_before {
            return None;
        }
        let cards_kept = cards_before
            .iter()
            .all(|(&i, card)| pages::article_card(&site, i) == *card);
        let globals_before = hash_json(&self.renderer.globals());
        self.renderer.refresh_globals(0, &site);
        if !cards_kept || hash_json(&self.renderer.globals()) != globals_before {
            return None;
        }

        timer.lap("check");
        let mut plans = plan_reached(&site, &edit, &again_articles, &mut diags);
        timer.lap("plan");
        let mut records = self.records_after(&plans);
        let sitemap = records
            .iter()
            .filter(|r| r.in_sitemap)
            .map(|r| (r.url.clone(), r.lastmod.clone()))
            .collect();
        let feeds = plans.len();
        pages::plan_feeds(&site, sitemap, &mut plans);
        records.extend(plans[feeds..].iter().map(record));
        timer.lap("records");
        if diags.has_errors() || !unique_paths(&records) {
            return None;
        }
        self.site = site;
        Some(self.render_replanned(plans, PageRecords::new(records), diags))
    }

    /// Links the site again with the loaded `data` and the state's articles
    /// and pages, keeping the bodies not marked for rendering again.
    fn link_again(
        &mut self,
        data: Content,
        again_articles: &[bool],
        again_pages: &[bool],
        diags: &mut Diagnostics,
    ) -> graph::Site {
        let old = &mut self.site;
        let keep = |bodies: Vec<Rendered>, again: &[bool]| -> Vec<Option<Rendered>> {
            bodies
                .into_iter()
                .zip(again)
                .map(|(body, &again)| (!again).then_some(body))
                .collect()
        };
        let kept = KeptBodies {
            articles: keep(std::mem::take(&mut old.markdown.articles), again_articles),
            pages: keep(std::mem::take(&mut old.markdown.pages), again_pages),
        };
        let content = Content {
            articles: std::mem::take(&mut old.content.articles),
            pages: std::mem::take(&mut old.content.pages),
            ..data
        };
        let images = std::sync::Arc::new(crate::images::Library::for_site(&old.config));
        let mut site = graph::link_keeping(
            graph::Loaded {
                config: old.config.clone(),
                content,
                figure: old.figure.clone(),
                shortcodes: old.shortcodes.clone(),
                images,
                words: old.words.clone(),
                language: None,
            },
            kept,
            diags,
        );
        crate::review::warn_overdue(&site, content::date::Date::today(), diags);
        if !diags.has_errors() {
            let renderer = &self.renderer;
            pages::shortcodes::expand_site(
                &mut site,
                &|name, context| renderer.render_shortcode(0, name, context),
                diags,
            );
        }
        site
    }

    /// The records of the site but its feeds after re-planning `plans`:
    /// every section in plan order, the blog's kept records where not
    /// re-planned.
    fn records_after(&self, plans: &[PagePlan]) -> Vec<PageRecord> {
        let fresh: Vec<PageRecord> = plans.par_iter().map(record).collect();
        let replanned_blog: HashMap<&str, &PageRecord> = fresh
            .iter()
            .filter(|r| r.section == Section::Blog)
            .map(|r| (r.path.as_str(), r))
            .collect();
        let mut records = Vec::with_capacity(self.pages.pages.len());
        for section in Section::IN_ORDER {
            if section == Section::Blog {
                records.extend(
                    self.pages
                        .pages
                        .iter()
                        .filter(|r| r.section == Section::Blog)
                        .map(|r| (*replanned_blog.get(r.path.as_str()).unwrap_or(&r)).clone()),
                );
            } else if section != Section::Feeds {
                records.extend(fresh.iter().filter(|r| r.section == section).cloned());
            }
        }
        records
    }

    /// Renders the re-planned pages whose fingerprint changed and makes
    /// `pages` the site's pages: pages no longer planned are removed.
    fn render_replanned(
        &mut self,
        plans: Vec<PagePlan>,
        pages: PageRecords,
        mut diags: Diagnostics,
    ) -> Result<Rebuilt, BuildFailure> {
        let fingerprint =
            |records: &PageRecords, path: &str| records.get(path).map(|r| r.fingerprint);
        let to_render: Vec<PagePlan> = plans
            .into_iter()
            .filter(|plan| {
                let path = plan.output_file();
                fingerprint(&self.pages, &path) != fingerprint(&pages, &path)
            })
            .collect();
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
            path: RebuildPath::Data,
            rendered: rendered_count,
            search_changed: search_changed_by_removal
                || changed.iter().any(|p| self.pages.is_searchable(p)),
            changed,
            removed,
            warnings: diags,
        })
    }
}

/// The indices marked in `flags`.
fn again(flags: &[bool]) -> impl Iterator<Item = usize> + '_ {
    flags.iter().enumerate().filter(|(_, &f)| f).map(|(i, _)| i)
}

/// The pages an edit reaches, planned, in plan order: the data sections,
/// the article pages showing a change and the stand-alone pages (the
/// feeds come after, once the other pages' records are known).
fn plan_reached(
    site: &graph::Site,
    edit: &DataEdit,
    again_articles: &[bool],
    diags: &mut Diagnostics,
) -> Vec<PagePlan> {
    // The data sections, planned whole, around the blog's pages (the
    // feeds come later).
    let mut plans = pages::plan_sections(site, &[Section::Home], diags);
    plans.extend(
        site.listed_articles()
            .into_par_iter()
            .filter(|&i| again_articles[i] || edit.reaches_article(site, i))
            .map(|i| pages::article_page(site, i))
            .collect::<Vec<_>>(),
    );
    plans.extend(
        (0..site.content.pages.len())
            .filter(|&i| site.language.has(Target::Page(i)))
            .map(|i| pages::standalone_page(site, i)),
    );
    plans.extend(pages::plan_sections(site, &Section::DATA, diags));
    plans
}

/// Whether no two records share an output path.
fn unique_paths(records: &[PageRecord]) -> bool {
    let mut seen = HashSet::with_capacity(records.len());
    records.iter().all(|r| seen.insert(r.path.as_str()))
}
