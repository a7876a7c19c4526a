//! The re-plan path: one article or stand-alone page was edited in a way
//! other pages may show (its front matter: title, summary, tags, author,
//! image…; its cross-links; its card), and it kept its place: the same
//! URL, the same date (articles are listed newest first), still published.
//!
//! Nothing else is read from disk, and no other body is rendered again — a
//! body is a function of its document and of the ids and URLs it links
//! to, which the edit keeps — but those calling shortcodes, whose output
//! may show anything. What such an edit reaches is wide, so every page
//! outside the data sections is planned again (lists, tag pages, the home
//! page, the feeds) except the article pages it cannot reach; of the data
//! sections, each section's own pages (indexes, tables) and the entity
//! pages that listed the document (they link to it) or that its page now
//! links to (a muscle it names lists it), found as on the data path
//! ([`super::shows`]). An article page shows other articles only as its previous/next
//! links and its related articles, so only the edited article, its two
//! neighbours, the articles listing it as related (and, when its tags
//! changed, every article sharing an old or new tag) are planned again;
//! the others keep their records.
//!
//! Of the blog's lists, when the document kept its tags and old
//! addresses, only the pages listing it (a page of the blog, one of each
//! of its tags) are planned again: the others show the same articles in
//! the same places.
//!
//! Whatever it cannot vouch for (errors, another URL or date, a draft, a
//! change of the site-wide variables or of the images the site shows, two
//! pages at one URL) makes it give way to the site path.

use std::collections::HashSet;

use rayon::prelude::*;

use crate::content::{self, document, Content, DocKind, Document};
use crate::diagnostics::Diagnostics;
use crate::graph::{Site, Target};
use crate::ids::UrlPath;
use crate::pages::{self, Lists, Only, PagePlan, Section};
use crate::{BuildFailure, StageTimer};

use super::{
    record, record_showing, with_feeds, OpenFirst, PageRecord, PageRecords, RebuildPath, Rebuilt,
    State,
};

impl State {
    /// The re-plan path for document `i` of `kind`; `None` when the edit
    /// moves it (the caller then takes the site path). It may leave the
    /// state's site without its articles, as the data path may.
    pub(super) fn rebuild_replanned(
        &mut self,
        kind: DocKind,
        i: usize,
        open: Option<&mut OpenFirst>,
    ) -> Option<Result<Rebuilt, BuildFailure>> {
        let mut timer = StageTimer::start();
        let target = match kind {
            DocKind::Article => Target::Article(i),
            DocKind::Page => Target::Page(i),
        };
        let old = &self.site;
        let new_doc = reload_in_place(old, kind, i)?;
        let old_doc = match kind {
            DocKind::Article => &old.content.articles[i],
            DocKind::Page => &old.content.pages[i],
        };
        let url_before = old.link(target);
        let tags_before = old_doc.meta.tags.clone();
        let aliases = |doc: &content::Document| -> Vec<String> {
            doc.meta
                .aliases
                .iter()
                .map(|a| a.get_ref().clone())
                .collect()
        };
        // Old addresses are redirect pages of their own.
        let same_aliases = aliases(old_doc) == aliases(&new_doc);
        let images_before = old.images.output_paths();
        // The date and the presence are the same (not `moved`).
        let same_tags = kind == DocKind::Page || new_doc.meta.tags == old_doc.meta.tags;
        let again = |bodies: &[crate::markdown::Rendered], edited: Option<usize>| -> Vec<bool> {
            bodies
                .iter()
                .enumerate()
                .map(|(j, body)| Some(j) == edited || super::data::render_again(body))
                .collect()
        };
        let edited = |k: DocKind| (k == kind).then_some(i);
        let again_articles = again(&old.markdown.articles, edited(DocKind::Article));
        let again_pages = again(&old.markdown.pages, edited(DocKind::Page));

        // The site's data as it is, with the edited document in its place.
        let data = data_of(&mut self.site.content);
        put_document(&mut self.site.content, kind, i, new_doc);
        timer.lap("load");

        let mut diags = Diagnostics::new();
        let site = self.link_again(data, &again_articles, &again_pages, same_tags, &mut diags);
        timer.lap("link");
        if diags.has_errors()
            || site.link(target) != url_before
            || site.images.output_paths() != images_before
        {
            return None;
        }
        if !self.globals_unchanged_for(0, &site) {
            return None;
        }
        self.show_open_first(&[Some(&site)], open);
        timer.lap("open pages");
        let reached = reached_articles(&site, kind, i, &tags_before, &again_articles);
        // With the same tags (and, as checked, the same date), the document
        // keeps its place in every list: only the list pages showing it
        // change. Other tags change which pages each of their tags has.
        let lists = match kind {
            _ if !same_aliases => Lists::All,
            DocKind::Page => Lists::Showing(None),
            DocKind::Article if site.content.articles[i].meta.tags == tags_before => {
                Lists::Showing(Some(i))
            }
            DocKind::Article => Lists::All,
        };
        let (plans, records) = self.plan_reached(&site, target, lists, &reached, &mut diags)?;
        timer.lap("plan");
        if diags.has_errors() || !records.has_unique_paths() {
            return None;
        }
        super::drop_later(std::mem::replace(&mut self.site, site));
        Some(self.render_replanned(plans, records, diags, RebuildPath::Replanned))
    }

    /// Plans every page outside the data sections but the article pages
    /// not `reached`, which keep their records, and the data pages showing
    /// `edited` (see [`State::plan_data_showing`]); returns the plans and
    /// every page's record, in a full plan's order (the search index and
    /// the sitemap follow it). `None` when a data page is gone.
    fn plan_reached(
        &self,
        site: &Site,
        edited: Target,
        lists: Lists,
        reached: &HashSet<usize>,
        diags: &mut Diagnostics,
    ) -> Option<(Vec<PagePlan>, PageRecords)> {
        let home = pages::plan_sections(site, &[Section::Home], diags);
        // Made once for the blog's lists and the data sections, when all
        // lists are planned; else for the few pages that show them.
        let cards = match lists {
            Lists::All => pages::ArticleCards::of_listed(site),
            Lists::Showing(_) => pages::ArticleCards::on_demand(site),
        };
        let (lists_planned, after_articles) =
            pages::blog_around_articles(site, &cards, lists, diags);
        let articles: Vec<ArticlePage> = site
            .listed_articles()
            .into_par_iter()
            .map(|j| {
                let path = site.content.articles[j].url.output_file();
                match self.pages.get(&path) {
                    Some(kept) if !reached.contains(&j) => ArticlePage::Kept(kept.clone()),
                    // Reached, or (never with the same URLs) not a page before.
                    _ => ArticlePage::Planned(pages::article_page(site, j, &cards)),
                }
            })
            .collect();
        let edited_url = site.url(edited);
        let edited_page = articles
            .iter()
            .filter_map(|a| match a {
                ArticlePage::Planned(plan) => Some(plan),
                ArticlePage::Kept(_) => None,
            })
            .chain(&after_articles)
            .find(|plan| plan.url == edited_url)?;
        let links = self.entities.linked_from(edited_page);
        let data = self.plan_data_showing(site, &edited_url, links, &cards, diags)?;
        let data_records = data
            .par_iter()
            .map(|plan| record_showing(plan, &self.entities))
            .collect();
        let data_records = self.data_records_with(data_records)?;

        let mut records: Vec<PageRecord> = home.par_iter().map(record).collect();
        let mut plans: Vec<PagePlan> = home;
        let mut blog_records: Vec<PageRecord> = lists_planned.par_iter().map(record).collect();
        plans.extend(lists_planned);
        for article in articles {
            match article {
                ArticlePage::Kept(rec) => blog_records.push(rec),
                ArticlePage::Planned(plan) => {
                    blog_records.push(record(&plan));
                    plans.push(plan);
                }
            }
        }
        blog_records.par_extend(after_articles.par_iter().map(record));
        match lists {
            // Every page of the blog, in plan order.
            Lists::All => records.extend(blog_records),
            // Some list pages: in the last build's order.
            Lists::Showing(_) => records.extend(self.blog_records_with(blog_records)?),
        }
        records.extend(data_records);
        plans.extend(after_articles);
        plans.extend(data);
        let records = with_feeds(site, &mut plans, records, &self.pages);
        super::drop_later(cards);
        Some((plans, records))
    }

    /// The data pages an edit of the document at `edited` reaches, planned:
    /// every section's own pages (indexes, tables), the entity pages that
    /// showed the document (they list its card, so link to it) and those
    /// its page now `links` to (a muscle it names lists it). `None` when a
    /// data page is gone.
    fn plan_data_showing(
        &self,
        site: &Site,
        edited: &UrlPath,
        links: Vec<UrlPath>,
        cards: &pages::ArticleCards,
        diags: &mut Diagnostics,
    ) -> Option<Vec<PagePlan>> {
        let mut reached: HashSet<UrlPath> = links.into_iter().collect();
        reached.extend(
            self.pages
                .pages
                .iter()
                .filter(|r| r.section.is_data() && r.shows.binary_search(edited).is_ok())
                .map(|r| r.url.clone()),
        );
        let only = Only {
            entity_pages: Some(&reached),
            section_pages: true,
        };
        let data = pages::plan_sections_only(site, &Section::data(), cards, only, diags);
        let asked = |url: &UrlPath| reached.contains(url);
        self.all_data_pages_planned(&data, asked).then_some(data)
    }
}

/// Document `i` of `kind` read again from its file, when it keeps its
/// place: the same URL and date, still published. `None` when it moved or
/// cannot be read or loaded (the site path reports why).
pub(super) fn reload_in_place(site: &Site, kind: DocKind, i: usize) -> Option<Document> {
    let docs = match kind {
        DocKind::Article => &site.content.articles,
        DocKind::Page => &site.content.pages,
    };
    let old_doc = docs.get(i)?;
    let root = &site.config.root;
    let path = root.join(&old_doc.source.path);
    let source = content::read_source(root, &path).ok()?;
    let new_doc = document::load(kind, source, &content::document_stem(&path)).ok()?;
    let moved = new_doc.slug != old_doc.slug
        || new_doc.meta.date != old_doc.meta.date
        || (new_doc.meta.draft && !site.config.drafts);
    (!moved).then_some(new_doc)
}

/// A copy of `content`'s data: everything but its articles and pages,
/// which are left empty (the caller adds the state's).
pub(super) fn data_of(content: &mut Content) -> Content {
    let articles = std::mem::take(&mut content.articles);
    let standalone = std::mem::take(&mut content.pages);
    let data = content.clone();
    content.articles = articles;
    content.pages = standalone;
    data
}

/// Puts `doc` in place of document `i` of `kind`.
pub(super) fn put_document(content: &mut Content, kind: DocKind, i: usize, doc: Document) {
    match kind {
        DocKind::Article => content.articles[i] = doc,
        DocKind::Page => content.pages[i] = doc,
    }
}

/// An article page on the re-plan path: kept as it was, or planned again.
enum ArticlePage {
    Kept(PageRecord),
    Planned(PagePlan),
}

/// The article pages showing something of document `i` of `kind` (linked
/// as `site`): the document itself, its neighbours (their previous/next
/// links show its title), the articles listing it as related, every
/// article sharing a tag with it before or after the edit when its tags
/// changed (their related lists may change), and those whose body is
/// rendered again (`again`).
fn reached_articles(
    site: &Site,
    kind: DocKind,
    i: usize,
    tags_before: &[String],
    again: &[bool],
) -> HashSet<usize> {
    let mut reached: HashSet<usize> = again
        .iter()
        .enumerate()
        .filter(|(_, &again)| again)
        .map(|(j, _)| j)
        .collect();
    if kind != DocKind::Article {
        return reached;
    }
    let articles = &site.content.articles;
    reached.extend(
        [Some(i), i.checked_sub(1), Some(i + 1)]
            .into_iter()
            .flatten(),
    );
    let tags_now = &articles[i].meta.tags;
    let slugs: HashSet<String> = tags_before
        .iter()
        .chain(tags_now)
        .map(|t| crate::ids::slugify(t))
        .collect();
    let tags_changed = tags_before != tags_now.as_slice();
    let sharing: Vec<usize> = (0..articles.len())
        .into_par_iter()
        .filter(|&j| j != i)
        .filter(|&j| {
            articles[j]
                .meta
                .tags
                .iter()
                .any(|t| slugs.contains(&crate::ids::slugify(t)))
        })
        .filter(|&j| tags_changed || pages::shows_related(site, j, i))
        .collect();
    reached.extend(sharing);
    reached.retain(|&j| j < articles.len());
    reached
}
