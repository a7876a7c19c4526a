//! The home page: latest articles, the pain finder's figure, featured
//! techniques by setting, and the studio's structured data.

use serde_json::json;

use super::*;

/// How many of each the home page shows.
const LATEST_ARTICLES: usize = 6;
const TECHNIQUES_PER_SETTING: usize = 3;

pub fn plan(site: &Site, pages: &mut Vec<PagePlan>) {
    let url = UrlPath::page(&[]);
    let c = &site.config.site;
    let mut business = json!({
        "@context": "https://schema.org",
        "@type": "HealthAndBeautyBusiness",
        "additionalType": "https://schema.org/MassageTherapy",
        "name": if c.studio.name.is_empty() { &c.title } else { &c.studio.name },
        "url": site.config.base.absolute(&url),
        "description": c.description,
    });
    if !c.studio.phone.is_empty() {
        business["telephone"] = json!(c.studio.phone);
    }
    if !c.studio.email.is_empty() {
        business["email"] = json!(c.studio.email);
    }
    if !c.studio.address.is_empty() {
        business["address"] = json!(c.studio.address);
    }
    if !c.studio.booking_url.is_empty() {
        business["potentialAction"] = json!({
            "@type": "ReserveAction",
            "target": c.studio.booking_url,
        });
    }
    let website = json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": c.title,
        "url": site.config.base.absolute(&url),
        "inLanguage": site.words.tag(),
    });
    let latest: Vec<ArticleCard> = site
        .listed_articles()
        .into_iter()
        .take(LATEST_ARTICLES)
        .map(|i| article_card(site, i))
        .collect();
    let mut featured = techniques_by_setting(site, 0..site.content.techniques.len());
    for group in &mut featured {
        group.techniques.truncate(TECHNIQUES_PER_SETTING);
    }
    pages.push(PagePlan::new(
        url.clone(),
        "index.html",
        json!({
            "meta": Meta::new(site, &url, &c.title, &c.description).json_ld(website).json_ld(business),
            "latest": latest,
            "finder_svg": super::pain::finder_svg(site, "home-finder"),
            "featured_techniques": featured,
            "services": (0..site.content.services.len()).map(|s| super::services::service_card(site, s)).collect::<Vec<_>>(),
            "counts": {
                "articles": site.content.articles.len(),
                "muscles": site.content.muscles.len(),
                "techniques": site.content.techniques.len(),
                "regions": site.content.regions.len(),
                "questions": site.content.faq_topics.iter().map(|t| t.data.questions.len()).sum::<usize>(),
            },
        }),
    ));
}
