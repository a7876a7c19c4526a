//! What crawlers, feed readers and static hosts read: the Atom feed, the
//! sitemap, robots.txt and the 404 page. Planned last, since the sitemap
//! lists every other page.

use serde_json::json;

use super::*;

/// Entries in the Atom feed.
pub const FEED_ENTRIES: usize = 20;

/// The feed, robots.txt, the 404 page and, unless `sitemap` is `None`,
/// the sitemap listing it.
pub fn plan(site: &Site, sitemap: Option<Vec<SitemapEntry>>, pages: &mut Vec<PagePlan>) {
    if !site.language.is_default() {
        // One sitemap, robots.txt and 404 page for the whole site, at its
        // root; each language has its own feed.
        if site.config.site.blog.feed {
            pages.push(feed(site));
        }
        return;
    }
    let base = &site.config.base;
    if let Some(sitemap) = sitemap {
        let sitemap: Vec<_> = sitemap
            .into_iter()
            .map(|(url, lastmod)| json!({"loc": base.absolute(&url), "lastmod": lastmod}))
            .collect();
        let mut sitemap_page = PagePlan::new(
            UrlPath::file("sitemap.xml"),
            "sitemap.xml",
            json!({ "urls": sitemap }),
        );
        sitemap_page.in_sitemap = false;
        pages.push(sitemap_page);
    }

    let mut robots = PagePlan::new(
        UrlPath::file("robots.txt"),
        "robots.txt",
        json!({ "sitemap_url": base.absolute(&UrlPath::file("sitemap.xml")) }),
    );
    robots.in_sitemap = false;
    pages.push(robots);

    let not_found_url = UrlPath::file("404.html");
    let mut meta = Meta::new(
        site,
        &not_found_url,
        &site.words.t("not_found.title", &[]),
        "",
    );
    meta.noindex = true;
    let mut not_found = PagePlan::new(not_found_url, "404.html", json!({ "meta": meta }));
    not_found.in_sitemap = false;
    pages.push(not_found);

    if site.config.site.blog.feed {
        pages.push(feed(site));
    }
}

/// An entry's HTML with the body figure its referral maps draw from, if
/// it has a map: a feed reader shows an entry without the page around it,
/// so the entry carries the figure itself (in front of its first map).
fn with_figure(site: &Site, html: String) -> String {
    let Some(figure) = &site.figure else {
        return html;
    };
    let html = crate::bodymap::with_sprite(html.into_bytes(), figure.sprite());
    // The sprite goes in at a `<`, between whole characters.
    String::from_utf8(html).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

pub(super) fn feed(site: &Site) -> PagePlan {
    let base = &site.config.base;
    let articles = &site.content.articles;
    let entries: Vec<_> = site
        .listed_articles()
        .into_iter()
        .take(FEED_ENTRIES)
        .map(|i| {
            let doc = &articles[i];
            let published = doc.meta.date.map(|d| d.rfc3339()).unwrap_or_default();
            let updated = doc
                .meta
                .updated
                .map(|d| d.rfc3339())
                .unwrap_or_else(|| published.clone());
            let mut cites = PageCitations::new();
            json!({
                "title": doc.meta.title,
                "url": base.absolute(&doc.url),
                "published": published,
                "updated": updated,
                "author": byline(site, &site.graph.article_bylines[i].author),
                "author_uri": match &site.graph.article_bylines[i].author {
                    Some(crate::graph::Byline::Person(p)) => Some(site.absolute_to(&person_url(site, *p), site.language.has_person(*p))),
                    _ => None,
                },
                "summary": summary_of(doc, &site.markdown.articles[i]),
                "content_html": with_figure(site, cites.number(&site.markdown.articles[i].html)),
                "tags": doc.meta.tags,
            })
        })
        .collect();
    // The newest change of any entry; a fixed date for an empty blog keeps
    // builds reproducible.
    let updated = articles
        .iter()
        .take(FEED_ENTRIES)
        .filter_map(|d| d.meta.updated.or(d.meta.date))
        .max()
        .map(|d| d.rfc3339())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
    let url = UrlPath::file("atom.xml");
    let mut plan = PagePlan::new(
        url.clone(),
        "atom.xml",
        json!({
            "feed_url": base.absolute(&url),
            "blog_url": base.absolute(&UrlPath::page(&["blog"])),
            "site_url": base.absolute(&UrlPath::page(&[])),
            "updated": updated,
            "entries": entries,
        }),
    );
    plan.in_sitemap = false;
    plan
}
