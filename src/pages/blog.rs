//! The blog: paginated list, articles, tags; stand-alone pages; alias
//! redirects.

use rayon::prelude::*;

use serde_json::json;

use super::*;
use crate::content::DocKind;
use crate::related::TagArticles;

pub fn plan(site: &Site, cards: &ArticleCards, pages: &mut Vec<PagePlan>, diags: &mut Diagnostics) {
    let (before, after) = plan_around_articles(site, cards, Lists::All, diags);
    pages.extend(before);
    // Articles are most of a big site's pages: plan them in parallel.
    let articles: Vec<PagePlan> = site
        .listed_articles()
        .into_par_iter()
        .map(|i| article(site, i, cards))
        .collect();
    pages.extend(articles);
    pages.extend(after);
}

/// The blog's pages but its articles, in [`plan`]'s order: those before
/// the articles (the lists) and those after (tags, stand-alone pages, and
/// the redirects of old addresses).
pub(super) fn plan_around_articles(
    site: &Site,
    cards: &ArticleCards,
    lists: Lists,
    diags: &mut Diagnostics,
) -> (Vec<PagePlan>, Vec<PagePlan>) {
    let mut before = Vec::new();
    blog_lists(site, cards, lists, &mut before);
    let mut after = Vec::new();
    tags(site, cards, lists, &mut after);
    for i in 0..site.content.pages.len() {
        if site.language.has(Target::Page(i)) {
            after.push(standalone_page(site, i));
        }
    }
    // Old addresses redirect once, in the default language.
    if site.language.is_default() {
        aliases(site, &mut after, diags);
    }
    (before, after)
}

/// Which pages of the blog's lists (its pages and each tag's) a plan
/// makes: all, or, for serve, those listing one article (or none).
#[derive(Debug, Clone, Copy)]
pub enum Lists {
    All,
    Showing(Option<usize>),
}

impl Lists {
    fn wants(self, items: &[usize]) -> bool {
        match self {
            Lists::All => true,
            Lists::Showing(article) => article.is_some_and(|a| items.contains(&a)),
        }
    }
}

fn blog_lists(site: &Site, cards: &ArticleCards, wanted: Lists, pages: &mut Vec<PagePlan>) {
    let all: Vec<usize> = site.listed_articles();
    let first = UrlPath::page(&["blog"]);
    let chunks = paginate(&all, site.config.site.blog.paginate_by, &first, |n| {
        UrlPath::page(&["blog", "page", &n.to_string()])
    });
    let urls: Vec<UrlPath> = chunks.iter().map(|(_, _, u)| u.clone()).collect();
    let lists: Vec<PagePlan> = chunks
        .into_par_iter()
        .filter(|(_, items, _)| wanted.wants(items))
        .map(|(n, items, url)| blog_list(site, cards, n, &items, url, &urls))
        .collect();
    pages.extend(lists);
    // /blog/page/1/ is what people type after seeing /blog/page/2/.
    pages.push(redirect(
        site,
        UrlPath::page(&["blog", "page", "1"]),
        &first,
    ));
}

/// Page `n` of the blog, listing `items`; `urls` are every page's.
fn blog_list(
    site: &Site,
    cards: &ArticleCards,
    n: usize,
    items: &[usize],
    url: UrlPath,
    urls: &[UrlPath],
) -> PagePlan {
    let w = &site.words;
    let title = if n == 1 {
        w.t("blog.title", &[])
    } else {
        w.t("blog.title_page", &[("n", &w.number(n as u64))])
    };
    let (crumbs, crumbs_ld) = breadcrumbs(site, &[(&w.t("nav.blog", &[]), urls[0].clone())]);
    let meta = Meta::new(site, &url, &title, &w.t("blog.description", &[])).json_ld(crumbs_ld);
    PagePlan::new(
        url,
        "blog.html",
        json!({
            "meta": meta,
            "breadcrumbs": crumbs,
            "pager": pager(site, n, urls),
        }),
    )
    .with_cards(cards.slot(site, "/articles", items))
}

pub(super) fn article(site: &Site, i: usize, cards: &ArticleCards) -> PagePlan {
    let doc = &site.content.articles[i];
    let rendered = &site.markdown.articles[i];
    let mut cites = PageCitations::new();
    let body_html = cites.number_shared(&rendered.html);
    let card = article_card(site, i);
    let (crumbs, crumbs_ld) = breadcrumbs(
        site,
        &[
            (&site.words.t("nav.blog", &[]), UrlPath::page(&["blog"])),
            (&doc.meta.title, doc.url.clone()),
        ],
    );
    let studio = &site.config.site.studio;
    let mut article_ld = json!({
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": doc.meta.title,
        "description": card.description,
        "datePublished": card.date,
        "dateModified": doc.meta.updated.map(|d| d.to_string()).unwrap_or_else(|| card.date.clone()),
        "mainEntityOfPage": site.config.base.absolute(&doc.url),
        "inLanguage": site.words.tag(),
    });
    let bylines = &site.graph.article_bylines[i];
    if let Some(author) = byline_ld(site, &bylines.author) {
        article_ld["author"] = author;
    }
    if !studio.name.is_empty() {
        article_ld["publisher"] = json!({"@type": "Organization", "name": studio.name});
    }
    let hero = site.front_images.articles[i].as_ref();
    if let Some(hero) = hero {
        article_ld["image"] = json!(sharing_url(site, &hero.sharing));
    }
    let mut meta = Meta::new(site, &doc.url, &doc.meta.title, &card.description)
        .with_image(site, hero, &doc.meta.image_alt)
        .json_ld(article_ld)
        .json_ld(crumbs_ld);
    meta.kind = "article";
    let g = &site.graph;
    let neighbour = |j: usize| {
        site.content.articles.get(j).map(|d| Link {
            title: d.meta.title.clone(),
            url: site.link(Target::Article(j)),
        })
    };
    let references = reference_list(site, &cites, &[]);
    let template = doc
        .meta
        .template
        .as_ref()
        .map_or("article.html".to_string(), |t| t.get_ref().clone());
    let mut plan = PagePlan::new(
        doc.url.clone(),
        &template,
        json!({
            "meta": meta,
            "breadcrumbs": crumbs,
            "article": {
                "title": doc.meta.title,
                "date": card.date,
                "date_display": card.date_display,
                "updated": doc.meta.updated.map(|d| d.to_string()),
                "updated_display": doc.meta.updated.map(|d| site.words.date(d)),
                "author": byline(site, &bylines.author),
                "reviewed_by": byline(site, &bylines.reviewer),
                "last_reviewed": doc.meta.last_reviewed.map(|d| d.to_string()),
                "last_reviewed_display": doc.meta.last_reviewed.map(|d| site.words.date(d)),
                "description": card.description,
                "tags": card.tags,
                "takeaways": doc.meta.takeaways,
                "image": card.image,
                "image_alt": card.image_alt,
                "toc": rendered.toc,
                "reading_minutes": card.reading_minutes,
                "words": rendered.words,
                "muscles": g.article_muscles[i].iter().map(|&m| muscle_card(site, m)).collect::<Vec<_>>(),
                "techniques": g.article_techniques[i].iter().map(|&t| technique_card(site, t)).collect::<Vec<_>>(),
                "references": references,
                "extra": doc.meta.extra,
            },
            // Articles are newest first: the previous one is older; in
            // another language, the nearest one it has.
            "previous": (i + 1..site.content.articles.len()).find(|&j| site.language.has(Target::Article(j))).and_then(neighbour),
            "next": (0..i).rev().find(|&j| site.language.has(Target::Article(j))).and_then(neighbour),
        }),
    )
    .with_html("/article/body_html", body_html)
    .with_cards(cards.slot(site, "/related", &related_articles(site, i, RELATED)))
    .searchable(SearchKind::Article)
    .origin(doc.head_location());
    plan.lastmod = doc.meta.updated.or(doc.meta.date).map(|d| d.to_string());
    plan
}

/// How many related articles an article's page shows.
const RELATED: usize = 3;

/// Whether the page of article `j` shows article `i` among its related ones.
pub(super) fn shows_related(site: &Site, j: usize, i: usize) -> bool {
    related_articles(site, j, RELATED).contains(&i)
}

/// Articles sharing the most tags with article `i`, newer first on ties.
fn related_articles(site: &Site, i: usize, count: usize) -> Vec<usize> {
    let mut slugs: Vec<String> = site.content.articles[i]
        .meta
        .tags
        .iter()
        .map(|tag| crate::ids::slugify(tag))
        .collect();
    // Two names making one slug are one tag.
    slugs.sort_unstable();
    slugs.dedup();
    let tags: Vec<TagArticles> = slugs
        .iter()
        .filter_map(|slug| {
            let (_, list) = site.graph.tags.get(slug)?;
            Some(TagArticles {
                list,
                row: site.graph.tag_rows.row(slug),
            })
        })
        .collect();
    crate::related::most_shared(&tags, i, count)
}

fn tags(site: &Site, cards: &ArticleCards, wanted: Lists, pages: &mut Vec<PagePlan>) {
    let index_url = UrlPath::page(&["tags"]);
    let list: Vec<_> = site
        .graph
        .tags
        .iter()
        .map(|(slug, (name, articles))| {
            json!({
                "name": name,
                "slug": slug,
                "url": site.config.base.link(&UrlPath::page(&["tags", slug])),
                "count": articles.len(),
            })
        })
        .collect();
    let w = &site.words;
    let tags_title = w.t("tags.title", &[]);
    let (crumbs, crumbs_ld) = breadcrumbs(site, &[(&tags_title, index_url.clone())]);
    pages.push(PagePlan::new(
        index_url.clone(),
        "tags.html",
        json!({
            "meta": Meta::new(site, &index_url, &tags_title, &w.t("tags.description", &[])).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "tags": list,
        }),
    ));
    let tag_pages: Vec<PagePlan> = site
        .graph
        .tags
        .par_iter()
        .flat_map_iter(|(slug, (name, articles))| {
            tag_pages(site, cards, wanted, slug, name, articles)
        })
        .collect();
    pages.extend(tag_pages);
}

/// The pages of one tag, listing its `articles`.
fn tag_pages(
    site: &Site,
    cards: &ArticleCards,
    wanted: Lists,
    slug: &str,
    name: &str,
    articles: &[usize],
) -> Vec<PagePlan> {
    let w = &site.words;
    let tags_title = w.t("tags.title", &[]);
    let index_url = UrlPath::page(&["tags"]);
    let first = UrlPath::page(&["tags", slug]);
    let chunks = paginate(articles, site.config.site.blog.paginate_by, &first, |n| {
        UrlPath::page(&["tags", slug, "page", &n.to_string()])
    });
    let urls: Vec<UrlPath> = chunks.iter().map(|(_, _, u)| u.clone()).collect();
    chunks
        .into_iter()
        .filter(|(_, items, _)| wanted.wants(items))
        .map(|(n, items, url)| {
            let (crumbs, crumbs_ld) = breadcrumbs(
                site,
                &[(&tags_title, index_url.clone()), (name, first.clone())],
            );
            let title = if n == 1 {
                w.t("tags.title_tag", &[("tag", name)])
            } else {
                w.t(
                    "tags.title_tag_page",
                    &[("tag", name), ("n", &w.number(n as u64))],
                )
            };
            PagePlan::new(
                url.clone(),
                "tag.html",
                json!({
                    "meta": Meta::new(site, &url, &title, &w.t("tags.description_tag", &[("tag", name)])).json_ld(crumbs_ld),
                    "breadcrumbs": crumbs,
                    "tag": {"name": name, "slug": slug, "count": articles.len()},
                    "pager": pager(site, n, &urls),
                }),
            )
            .with_cards(cards.slot(site, "/articles", &items))
        })
        .collect()
}

pub(super) fn standalone_page(site: &Site, i: usize) -> PagePlan {
    let doc = &site.content.pages[i];
    let rendered = &site.markdown.pages[i];
    let mut cites = PageCitations::new();
    let body_html = cites.number(&rendered.html);
    let (crumbs, crumbs_ld) = breadcrumbs(site, &[(&doc.meta.title, doc.url.clone())]);
    let description = summary_of(doc, rendered);
    let template = doc
        .meta
        .template
        .as_ref()
        .map_or("page.html".to_string(), |t| t.get_ref().clone());
    let mut plan = PagePlan::new(
        doc.url.clone(),
        &template,
        json!({
            "meta": Meta::new(site, &doc.url, &doc.meta.title, &description)
                .with_image(site, site.front_images.pages[i].as_ref(), &doc.meta.image_alt)
                .json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "page": {
                "title": doc.meta.title,
                "description": description,
                "updated": doc.meta.updated.map(|d| d.to_string()),
                "updated_display": doc.meta.updated.map(|d| site.words.date(d)),
                "takeaways": doc.meta.takeaways,
                "image": site.front_images.pages[i].as_ref().map(|h| &h.picture),
                "image_alt": doc.meta.image_alt,
                "body_html": body_html,
                "toc": rendered.toc,
                "references": reference_list(site, &cites, &[]),
                "extra": doc.meta.extra,
            },
        }),
    )
    .searchable(SearchKind::Page)
    .origin(doc.head_location());
    plan.lastmod = doc.meta.updated.map(|d| d.to_string());
    plan
}

fn aliases(site: &Site, pages: &mut Vec<PagePlan>, diags: &mut Diagnostics) {
    let docs = site
        .content
        .articles
        .iter()
        .enumerate()
        .map(|(i, d)| (d, Target::Article(i)))
        .chain(
            site.content
                .pages
                .iter()
                .enumerate()
                .map(|(i, d)| (d, Target::Page(i))),
        );
    for (doc, target) in docs {
        for alias in &doc.meta.aliases {
            let url = UrlPath::from_user(alias.get_ref());
            let span = alias.span();
            let at = doc
                .source
                .locate(doc.front_matter.start + span.start..doc.front_matter.start + span.end);
            if alias.get_ref().contains("..") || url.as_str() == "/" {
                diags.push(
                    Diagnostic::error(format!("`{}` cannot be an alias", alias.get_ref())).at(at),
                );
                continue;
            }
            let _ = doc.kind == DocKind::Article;
            pages.push(redirect(site, url, &site.url(target)).origin(at));
        }
    }
}

/// A page that sends visitors (and search engines) on to `to`.
pub fn redirect(site: &Site, from: UrlPath, to: &UrlPath) -> PagePlan {
    let mut plan = PagePlan::new(
        from,
        "redirect.html",
        json!({
            "target": site.config.base.link(to),
            "canonical": site.config.base.absolute(to),
        }),
    );
    plan.in_sitemap = false;
    plan
}
