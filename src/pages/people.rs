//! The team: `/people/` and a page per person with credentials, bio, links,
//! the articles they wrote and the pages they reviewed (relations read from
//! the graph).

use serde_json::{json, Value};

use super::*;

pub fn plan(site: &Site, cards: &ArticleCards, only: Only, pages: &mut Vec<PagePlan>) {
    let people = &site.content.people;
    if people.is_empty() {
        return;
    }
    if only.section_pages {
        plan_index(site, pages);
    }
    for p in 0..people.len() {
        if site.language.has_person(p) && only.entity(&person_url(site, p)) {
            pages.push(person_page(site, cards, p));
        }
    }
}

/// `/people/`: everyone, with what they wrote and reviewed.
fn plan_index(site: &Site, pages: &mut Vec<PagePlan>) {
    let people = &site.content.people;
    let index_url = UrlPath::page(&["people"]);
    let w = &site.words;
    let title = w.t("people.title", &[]);
    let (crumbs, crumbs_ld) = breadcrumbs(site, &[(&title, index_url.clone())]);
    let description = w.t("people.description", &[("site", &site.config.site.title)]);
    pages.push(PagePlan::new(
        index_url.clone(),
        "people.html",
        json!({
            "meta": Meta::new(site, &index_url, &title, &description).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "people": (0..people.len()).map(|p| person_summary(site, p)).collect::<Vec<_>>(),
        }),
    ));
}

fn person_summary(site: &Site, p: usize) -> Value {
    let mut card = serde_json::to_value(person_card(site, p)).unwrap_or_default();
    card["articles"] = json!(site.graph.person_articles[p].len());
    card["reviewed"] = json!(site.graph.person_reviewed[p].len());
    card
}

fn person_page(site: &Site, cards: &ArticleCards, p: usize) -> PagePlan {
    let person = &site.content.people[p];
    let url = person_url(site, p);
    let card = person_card(site, p);
    let (crumbs, crumbs_ld) = breadcrumbs(
        site,
        &[
            (
                &site.words.t("people.title", &[]),
                UrlPath::page(&["people"]),
            ),
            (&card.display_name, url.clone()),
        ],
    );
    let mut person_ld = person_ld(site, p, true);
    person_ld["@context"] = json!("https://schema.org");
    if let Some(bio) = &site.markdown.person_bio[p] {
        person_ld["description"] = json!(truncate_words(&bio.first_paragraph, 300));
    }
    let description = if person.data.role.is_empty() {
        site.words
            .t("people.person_description", &[("name", &card.display_name)])
    } else {
        site.words.t(
            "people.person_description_role",
            &[("name", &card.display_name), ("role", &person.data.role)],
        )
    };
    let mut reviewed: Vec<Value> = site.graph.person_reviewed[p]
        .iter()
        .map(|&t| reviewed_entry(site, t))
        .collect();
    // Newest review first; ISO dates sort as text.
    reviewed.sort_by(|a, b| {
        b["last_reviewed"]
            .as_str()
            .cmp(&a["last_reviewed"].as_str())
    });
    PagePlan::new(
        url.clone(),
        "person.html",
        json!({
            "meta": Meta::new(site, &url, &card.display_name, &description).json_ld(person_ld).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "person": card,
            "license": person.data.license,
            "links": person.data.links.iter().map(|l| json!({ "url": l, "title": link_title(l) })).collect::<Vec<_>>(),
            "reviewed": reviewed,
        }),
    )
    .with_cards(cards.slot(site, "/articles", &site.graph.person_articles[p]))
    .origin(person.source.whole())
}

/// A reviewed page: its title, kind, URL and review date.
fn reviewed_entry(site: &Site, target: Target) -> Value {
    let c = &site.content;
    let (title, kind, date) = match target {
        Target::Article(i) => (
            &c.articles[i].meta.title,
            "kinds.article",
            c.articles[i].meta.last_reviewed,
        ),
        Target::Page(i) => (
            &c.pages[i].meta.title,
            "kinds.page",
            c.pages[i].meta.last_reviewed,
        ),
        Target::Muscle(i) => (
            &c.muscles[i].data.name,
            "kinds.muscle",
            c.muscles[i].data.last_reviewed,
        ),
        Target::Technique(i) => (
            &c.techniques[i].data.name,
            "kinds.technique",
            c.techniques[i].data.last_reviewed,
        ),
        _ => return Value::Null,
    };
    json!({
        "title": title,
        "kind": site.words.t(kind, &[]),
        "url": site.link(target),
        "last_reviewed": date.map(|d| d.to_string()),
        "last_reviewed_display": date.map(|d| site.words.date(d)),
    })
}

/// "https://www.example.org/people/x" → "www.example.org".
fn link_title(url: &str) -> String {
    url.split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or(url)
        .to_string()
}
