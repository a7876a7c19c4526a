//! The search page, `/search/`: Pagefind's UI over the index that
//! [`crate::search`] writes after rendering.

use serde_json::json;

use super::*;

pub fn plan(site: &Site, pages: &mut Vec<PagePlan>) {
    if !site.config.site.search.enabled {
        return;
    }
    let url = UrlPath::page(&["search"]);
    let description = format!(
        "Search {}: articles, muscles, techniques, questions and pain regions.",
        site.config.site.title
    );
    let mut meta = Meta::new(site, &url, "Search", &description);
    meta.noindex = true;
    let mut plan = PagePlan::new(url, "search.html", json!({ "meta": meta }));
    plan.in_sitemap = false;
    pages.push(plan);
}
