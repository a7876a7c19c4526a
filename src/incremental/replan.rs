//! The re-plan path: one article or stand-alone page was edited in a way
//! other pages may show (its front matter: title, summary, tags, author,
//! image…; its cross-links; its card), and it kept its place: the same
//! URL, the same date (articles are listed newest first), still published.
//!
//! What such an edit reaches is wide (lists, tag pages, the home page, the
//! feeds, the previous/next and related-article links of other articles,
//! the backlinks on muscle and technique pages, people pages), so every
//! page is planned again, as on the site path. What the path saves is the
//! rest of the site path's work: nothing else is read from disk, and no
//! other body is rendered again — a body is a function of its document and
//! of the ids and URLs it links to, which the edit keeps — but those
//! calling shortcodes, whose output may show anything.
//!
//! Whatever it cannot vouch for (errors, another URL or date, a draft, a
//! change of the site-wide variables or of the images the site shows, two
//! pages at one URL) makes it give way to the site path.

use crate::content::{self, document, DocKind};
use crate::diagnostics::Diagnostics;
use crate::graph::Target;
use crate::pages;
use crate::{BuildFailure, StageTimer};

use super::{hash_json, record, PageRecords, RebuildPath, Rebuilt, State};

impl State {
    /// The re-plan path for document `i` of `kind`; `None` when the edit
    /// moves it (the caller then takes the site path). It may leave the
    /// state's site without its articles, as the data path may.
    pub(super) fn rebuild_replanned(
        &mut self,
        kind: DocKind,
        i: usize,
    ) -> Option<Result<Rebuilt, BuildFailure>> {
        let mut timer = StageTimer::start();
        let target = match kind {
            DocKind::Article => Target::Article(i),
            DocKind::Page => Target::Page(i),
        };
        let old = &self.site;
        let docs = match kind {
            DocKind::Article => &old.content.articles,
            DocKind::Page => &old.content.pages,
        };
        let old_doc = docs.get(i)?;
        let path = old.config.root.join(&old_doc.source.path);
        let source = content::read_source(&old.config.root, &path).ok()?;
        let new_doc = document::load(kind, source, &content::document_stem(&path)).ok()?;
        let moved = new_doc.slug != old_doc.slug
            || new_doc.meta.date != old_doc.meta.date
            || (new_doc.meta.draft && !old.config.drafts);
        if moved {
            return None;
        }
        let url_before = old.link(target);
        let images_before = old.images.output_paths();
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
        let content = &mut self.site.content;
        let articles = std::mem::take(&mut content.articles);
        let standalone = std::mem::take(&mut content.pages);
        let data = content.clone();
        content.articles = articles;
        content.pages = standalone;
        match kind {
            DocKind::Article => content.articles[i] = new_doc,
            DocKind::Page => content.pages[i] = new_doc,
        }
        timer.lap("load");

        let mut diags = Diagnostics::new();
        let site = self.link_again(data, &again_articles, &again_pages, &mut diags);
        timer.lap("link");
        if diags.has_errors()
            || site.link(target) != url_before
            || site.images.output_paths() != images_before
        {
            return None;
        }
        let globals_before = hash_json(&self.renderer.globals());
        self.renderer.refresh_globals(0, &site);
        if hash_json(&self.renderer.globals()) != globals_before {
            return None;
        }
        let plans = pages::plan(&site, &mut diags);
        timer.lap("plan");
        let records = PageRecords::new(plans.iter().map(record).collect());
        if diags.has_errors() || !records.has_unique_paths() {
            return None;
        }
        self.site = site;
        Some(self.render_replanned(plans, records, diags, RebuildPath::Replanned))
    }
}
