//! The search page, `/search/`: Pagefind's UI over the index that
//! [`crate::search`] writes after rendering.

use serde_json::json;

use super::*;

pub fn plan(site: &Site, pages: &mut Vec<PagePlan>) {
    if !site.config.site.search.enabled {
        return;
    }
    let url = UrlPath::page(&["search"]);
    // Name only what the site has: a blog-only site has no muscles to find.
    let c = &site.content;
    let kinds: Vec<&str> = [
        (!c.articles.is_empty(), "articles"),
        (!c.pages.is_empty(), "pages"),
        (!c.muscles.is_empty(), "muscles"),
        (!c.techniques.is_empty(), "techniques"),
        (!c.faq_topics.is_empty(), "questions"),
        (has_finder(site), "pain regions"),
    ]
    .into_iter()
    .filter_map(|(has, kind)| has.then_some(kind))
    .collect();
    let w = &site.words;
    let title = &site.config.site.title;
    let description = if kinds.is_empty() {
        w.t("search.description", &[("site", title)])
    } else {
        let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
        w.t(
            "search.description_only",
            &[("site", title), ("kinds", &w.list(&kinds))],
        )
    };
    let mut meta = Meta::new(site, &url, &w.t("search.title", &[]), &description);
    meta.noindex = true;
    let mut plan = PagePlan::new(
        url,
        "search.html",
        json!({ "meta": meta, "has_finder": has_finder(site) }),
    );
    plan.in_sitemap = false;
    pages.push(plan);
}
