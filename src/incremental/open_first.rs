//! Open pages first: on the data, re-plan and languages paths, the pages a browser
//! shows are planned, rendered and handed to the server on their own, as
//! soon as the site is linked again, before the rest of the site is
//! planned and rendered. The writer looking at the page they edit sees
//! the edit without waiting for the 200 article pages that also show it
//! (Hugo's "fast render mode" does the same). The rest follows in the
//! same rebuild; the server holds back requests for other pages until it
//! has (see `serve`), so no page is ever served out of date.
//!
//! A page rendered early is planned exactly as the full rebuild plans it,
//! from the same linked site and the same site-wide variables, so its
//! bytes are the ones the rebuild then stores. A page the edit does not
//! change (same fingerprint) is not sent, and neither is a page this code
//! does not know how to plan on its own (a blog list, a tag page): those
//! come with the rest.

use bytes::Bytes;

use super::{output_bytes, PageRecord, State};
use crate::diagnostics::Diagnostics;
use crate::graph::Site;
use crate::pages::{self, Only, PagePlan, Section};
use crate::{fingerprint, languages};

/// At most this many open pages are rendered first; more tabs than that
/// wait for the whole rebuild like any other page.
const MAX_OPEN_FIRST: usize = 8;

/// The pages open in a browser, and where their new output goes before
/// the rebuild is done.
pub struct OpenFirst<'a> {
    /// Output paths (`techniques/x/index.html`), most recently opened first.
    pub pages: Vec<String>,
    /// Takes each changed open page's output (path, bytes as served).
    pub publish: &'a mut (dyn FnMut(Vec<(String, Bytes)>) + Send),
}

impl State {
    /// Plans and renders the open pages the edit changed, on `sites` (the
    /// site in each language, linked again, whose site-wide variables the
    /// renderer holds; `None` for a language whose open pages are shown
    /// at another time, or not), and publishes them. Errors are left to
    /// the full rebuild to report.
    pub(super) fn show_open_first(&self, sites: &[Option<&Site>], first: Option<&mut OpenFirst>) {
        let Some(first) = first else { return };
        let plans: Vec<PagePlan> = first
            .pages
            .iter()
            .take(MAX_OPEN_FIRST)
            .filter_map(|path| {
                let before = self.pages.get(path)?;
                let site = sites.get(before.language).copied().flatten()?;
                let mut plan = plan_alone(site, before)?;
                // As the full plan of a language marks and links its pages.
                if before.language > 0 {
                    languages::mark_plans(site, before.language, std::slice::from_mut(&mut plan));
                }
                if let Some(translations) = &self.translations {
                    translations.link(&mut plan);
                }
                (fingerprint::of_plan(&plan) != before.fingerprint).then_some(plan)
            })
            .collect();
        if plans.is_empty() {
            return;
        }
        let mut diags = Diagnostics::new();
        let rendered = self.renderer.render_all(plans, &mut diags);
        if diags.has_errors() {
            return;
        }
        let minify = self.site.config.site.minify;
        let outputs = rendered
            .into_iter()
            .map(|file| {
                let (path, _, output) = output_bytes(file, minify);
                (path, output)
            })
            .collect();
        (first.publish)(outputs);
    }
}

/// The page of `before` planned on its own on `site`: an article, a
/// stand-alone page, the home page or a data page. `None` for pages only
/// a whole section's plan makes (blog lists, tag pages, redirects, feeds).
fn plan_alone(site: &Site, before: &PageRecord) -> Option<PagePlan> {
    // Records hold URLs from the site's root, plans within their language.
    let within = match &site.language.dir {
        Some(dir) => before.url.within(dir)?,
        None => before.url.clone(),
    };
    let url = &within;
    let mut diags = Diagnostics::new();
    let plans = match before.section {
        Section::Home => pages::plan_sections(site, &[Section::Home], &mut diags),
        Section::Blog => {
            let content = &site.content;
            if let Some(i) = site
                .listed_articles()
                .into_iter()
                .find(|&i| &content.articles[i].url == url)
            {
                vec![pages::article_page(
                    site,
                    i,
                    &pages::ArticleCards::on_demand(site),
                )]
            } else {
                let i = content.pages.iter().position(|p| &p.url == url)?;
                vec![pages::standalone_page(site, i)]
            }
        }
        Section::Feeds => return None,
        section => {
            let one = [url.clone()].into_iter().collect();
            // A section's own pages (index, tables) and the sections not
            // split by entity come only with the whole section.
            let whole = before.origin.is_none()
                || matches!(section, Section::Faq | Section::Services | Section::Search);
            let only = Only {
                entity_pages: Some(&one),
                section_pages: whole,
            };
            let cards = pages::ArticleCards::on_demand(site);
            pages::plan_sections_only(site, &[section], &cards, only, &mut diags)
        }
    };
    if diags.has_errors() {
        return None;
    }
    plans.into_iter().find(|plan| &plan.url == url)
}
