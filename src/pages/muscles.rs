//! Muscles: the index by group, one page per muscle with its referral map,
//! and `/referral-patterns/`, every pattern side by side.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::*;
use crate::bodymap::{MapSpec, Zone};

pub fn plan(site: &Site, cards: &ArticleCards, only: Only, pages: &mut Vec<PagePlan>) {
    if site.content.muscles.is_empty() {
        return;
    }
    if only.section_pages {
        plan_overviews(site, pages);
    }
    let muscle_pages: Vec<PagePlan> = (0..site.content.muscles.len())
        .into_par_iter()
        .filter(|&m| site.language.has(Target::Muscle(m)))
        .filter(|&m| only.entity(&site.url(Target::Muscle(m))))
        .map(|m| muscle_page(site, cards, m))
        .collect();
    pages.extend(muscle_pages);
}

/// The index by group and the page of every referral pattern.
fn plan_overviews(site: &Site, pages: &mut Vec<PagePlan>) {
    let groups = groups(site);
    let index_url = UrlPath::page(&["muscles"]);
    let w = &site.words;
    let (crumbs, crumbs_ld) = breadcrumbs(site, &[(&w.t("nav.muscles", &[]), index_url.clone())]);
    pages.push(PagePlan::new(
        index_url.clone(),
        "muscles.html",
        json!({
            "meta": Meta::new(site, &index_url, &w.t("muscles.title", &[]), &w.t("muscles.description", &[])).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "groups": groups.iter().map(|(key, label, list)| json!({
                "key": key, "label": label,
                "muscles": list.iter().map(|&m| muscle_card(site, m)).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }),
    ));
    let patterns_url = UrlPath::page(&["referral-patterns"]);
    let patterns_title = w.t("patterns.title", &[]);
    let (crumbs, crumbs_ld) = breadcrumbs(site, &[(&patterns_title, patterns_url.clone())]);
    pages.push(PagePlan::new(
        patterns_url.clone(),
        "referral_patterns.html",
        json!({
            "meta": Meta::new(site, &patterns_url, &patterns_title, &w.t("patterns.description", &[])).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "groups": groups.iter().map(|(key, label, list)| json!({
                "key": key, "label": label,
                "muscles": list.par_iter().map(|&m| json!({
                    "card": muscle_card(site, m),
                    "map_svg": muscle_map(site, m, &format!("map-{}", site.content.muscles[m].id)),
                    "pattern": pattern_text(site, m),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }),
    ));
}

/// Muscle groups in order of first appearance of the group's label,
/// alphabetically, with the muscles of each by name.
fn groups(site: &Site) -> Vec<(String, String, Vec<usize>)> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, m) in site.content.muscles.iter().enumerate() {
        let key = if m.data.group.is_empty() {
            "other".to_string()
        } else {
            m.data.group.clone()
        };
        groups.entry(key).or_default().push(i);
    }
    groups
        .into_iter()
        .map(|(key, mut list)| {
            list.sort_by(|&a, &b| {
                site.content.muscles[a]
                    .data
                    .name
                    .cmp(&site.content.muscles[b].data.name)
            });
            let label = group_label(site, &key);
            (key, label, list)
        })
        .collect()
}

/// A muscle group's name: the words' `groups.<group>` when the theme or
/// site names it, else the id made readable.
fn group_label(site: &Site, group: &str) -> String {
    let key = format!("groups.{group}");
    if site.words.has(&key) {
        site.words.t(&key, &[])
    } else {
        humanize(group)
    }
}

#[derive(Debug, Serialize)]
struct TriggerPointView {
    number: usize,
    anchor: String,
    name: String,
    location: Link,
    referral: Vec<Link>,
    spillover: Vec<Link>,
    symptoms: Vec<String>,
}

fn region_link(site: &Site, r: usize) -> Link {
    Link {
        title: site.content.regions[r].data.name.clone(),
        url: site.link(Target::Region(r)),
    }
}

fn trigger_points(site: &Site, m: usize) -> Vec<TriggerPointView> {
    let muscle = &site.content.muscles[m];
    site.graph.muscle_trigger_points[m]
        .iter()
        .zip(&muscle.data.trigger_points)
        .enumerate()
        .map(|(n, (tp, data))| TriggerPointView {
            number: n + 1,
            anchor: format!("tp-{}", n + 1),
            name: data.name.clone().unwrap_or_else(|| {
                site.words.t(
                    "muscles.tp_name",
                    &[("name", &muscle.data.name), ("n", &(n + 1).to_string())],
                )
            }),
            location: region_link(site, tp.location),
            referral: tp.referral.iter().map(|&r| region_link(site, r)).collect(),
            spillover: tp.spillover.iter().map(|&r| region_link(site, r)).collect(),
            symptoms: data.symptoms.clone(),
        })
        .collect()
}

/// Regions this muscle's pattern reaches where pain can also mean something
/// a doctor should see first (their `red_flags`), as links to the warning.
fn red_flag_regions(site: &Site, m: usize) -> Vec<Link> {
    let mut regions: Vec<usize> = site.graph.muscle_trigger_points[m]
        .iter()
        .flat_map(|tp| tp.referral.iter().chain(&tp.spillover).copied())
        .filter(|&r| site.markdown.region_red_flags[r].is_some())
        .collect();
    regions.sort_unstable();
    regions.dedup();
    regions
        .into_iter()
        .map(|r| Link {
            title: site.content.regions[r].data.name.clone(),
            url: format!("{}#red-flags", site.link(Target::Region(r))),
        })
        .collect()
}

/// The pattern in words: the map's text equivalent.
pub fn pattern_text(site: &Site, m: usize) -> String {
    let w = &site.words;
    let names = |list: &[usize]| {
        let names: Vec<String> = list
            .iter()
            .map(|&r| site.content.regions[r].data.name.clone())
            .collect();
        w.list(&names)
    };
    site.graph.muscle_trigger_points[m]
        .iter()
        .enumerate()
        .map(|(n, tp)| {
            let args = [
                ("n", (n + 1).to_string()),
                (
                    "location",
                    site.content.regions[tp.location].data.name.clone(),
                ),
                ("essential", names(&tp.referral)),
                ("spillover", names(&tp.spillover)),
            ];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            if tp.spillover.is_empty() {
                w.t("patterns.sentence", &args)
            } else {
                w.t("patterns.sentence_spillover", &args)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The muscle's referral map; `id` prefixes its ids, unique on the page.
pub fn muscle_map(site: &Site, m: usize, id: &str) -> String {
    let Some(figure) = &site.figure else {
        return String::new();
    };
    let mut zones: BTreeMap<String, Zone> = BTreeMap::new();
    let mut marks = Vec::new();
    for tp in &site.graph.muscle_trigger_points[m] {
        for &r in &tp.spillover {
            zones.insert(site.content.regions[r].id.to_string(), Zone::Spillover);
        }
        for &r in &tp.referral {
            zones.insert(site.content.regions[r].id.to_string(), Zone::Essential);
        }
        marks.push(site.content.regions[tp.location].id.to_string());
    }
    let name = &site.content.muscles[m].data.name;
    figure.referral_map(&MapSpec {
        id,
        title: &site.words.t("patterns.map_title", &[("name", name)]),
        description: &pattern_text(site, m),
        zones: &zones,
        marks: &marks,
    })
}

fn muscle_page(site: &Site, cards: &ArticleCards, m: usize) -> PagePlan {
    let muscle = &site.content.muscles[m];
    let g = &site.graph;
    let url = site.url(Target::Muscle(m));
    let mut cites = PageCitations::new();
    let description_html = site.markdown.muscle_description[m]
        .as_ref()
        .map(|r| cites.number(&r.html));
    let self_care_html = site.markdown.muscle_self_care[m]
        .as_ref()
        .map(|r| cites.number(&r.html));
    let questions: Vec<QuestionCard> = g.muscle_questions[m]
        .iter()
        .map(|&q| question_card(site, q, &mut cites))
        .collect();
    let references = reference_list(site, &cites, &g.muscle_references[m]);
    let points = trigger_points(site, m);
    let mut symptoms: Vec<String> = Vec::new();
    for p in &points {
        for s in &p.symptoms {
            if !symptoms.contains(s) {
                symptoms.push(s.clone());
            }
        }
    }
    let (crumbs, crumbs_ld) = breadcrumbs(
        site,
        &[
            (
                &site.words.t("nav.muscles", &[]),
                UrlPath::page(&["muscles"]),
            ),
            (&muscle.data.name, url.clone()),
        ],
    );
    let mut page_ld = json!({
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": muscle.data.name,
        "description": muscle.data.summary,
        "url": site.config.base.absolute(&url),
        "inLanguage": site.words.tag(),
        "about": {
            "@type": "Muscle",
            "name": muscle.data.name,
            "alternateName": if muscle.data.latin.is_empty() { None } else { Some(&muscle.data.latin) },
            "muscleAction": muscle.data.actions.join("; "),
        },
    });
    review_ld(
        site,
        &mut page_ld,
        &site.graph.muscle_reviewer[m],
        muscle.data.last_reviewed,
    );
    let title = site
        .words
        .t("muscles.page_title", &[("name", &muscle.data.name)]);
    PagePlan::new(
        url.clone(),
        "muscle.html",
        json!({
            "meta": Meta::new(site, &url, &title, &muscle.data.summary).json_ld(page_ld).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "reviewed_by": byline(site, &site.graph.muscle_reviewer[m]),
            "red_flag_regions": red_flag_regions(site, m),
            "services": site.graph.muscle_services[m].iter().map(|&s| super::services::service_card(site, s)).collect::<Vec<_>>(),
            "last_reviewed": muscle.data.last_reviewed.map(|d| d.to_string()),
            "last_reviewed_display": muscle.data.last_reviewed.map(|d| site.words.date(d)),
            "muscle": {
                "id": muscle.id,
                "name": muscle.data.name,
                "latin": muscle.data.latin,
                "group": muscle.data.group,
                "group_label": group_label(site, &muscle.data.group),
                "summary": muscle.data.summary,
                "description_html": description_html,
                "actions": muscle.data.actions,
                "aggravated_by": muscle.data.aggravated_by,
                "self_care_html": self_care_html,
                "trigger_points": points,
                "symptoms": symptoms,
                "map_svg": muscle_map(site, m, &format!("map-{}", muscle.id)),
                "pattern_text": pattern_text(site, m),
                "techniques": g.muscle_techniques[m].iter().map(|&t| technique_card(site, t)).collect::<Vec<_>>(),
                "questions": questions,
                "linked_from": g.muscle_linked_from_muscles[m].iter().map(|&o| muscle_card(site, o)).collect::<Vec<_>>(),
                "references": references,
            },
        }),
    )
    .with_cards(cards.slot(site, "/muscle/articles", &g.muscle_articles[m]))
    .searchable(SearchKind::Muscle)
    .origin(muscle.source.whole())
}
