//! Techniques: the index by setting, one page per technique, the table
//! comparing all of them, and a side-by-side page per `compare_with` pair.

use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::*;
use crate::content::data::{Evidence, Technique};

pub fn plan(site: &Site, cards: &ArticleCards, only: Only, pages: &mut Vec<PagePlan>) {
    let techniques = &site.content.techniques;
    if techniques.is_empty() {
        return;
    }
    if only.section_pages {
        plan_overviews(site, pages);
    }
    let technique_pages: Vec<PagePlan> = (0..techniques.len())
        .into_par_iter()
        .filter(|&t| site.language.has(Target::Technique(t)))
        .filter(|&t| only.entity(&site.url(Target::Technique(t))))
        .map(|t| technique_page(site, cards, t))
        .collect();
    pages.extend(technique_pages);
    let pair_pages: Vec<PagePlan> = site
        .graph
        .compare_pairs
        .par_iter()
        .filter(|&&(a, b)| has_pair(site, a, b))
        .filter(|&&(a, b)| only.entity(&compare_url(site, a, b)))
        .map(|&(a, b)| compare_pair(site, a, b))
        .collect();
    pages.extend(pair_pages);
}

/// The index by setting and the table comparing every technique.
fn plan_overviews(site: &Site, pages: &mut Vec<PagePlan>) {
    let techniques = &site.content.techniques;
    let index_url = UrlPath::page(&["techniques"]);
    let w = &site.words;
    let (crumbs, crumbs_ld) =
        breadcrumbs(site, &[(&w.t("nav.techniques", &[]), index_url.clone())]);
    pages.push(PagePlan::new(
        index_url.clone(),
        "techniques.html",
        json!({
            "meta": Meta::new(site, &index_url, &w.t("techniques.title", &[]), &w.t("techniques.description", &[])).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "settings": techniques_by_setting(site, 0..techniques.len()),
            "comparisons": comparison_links(site, None),
        }),
    ));
    compare_table(site, pages);
}

pub fn compare_url(site: &Site, a: usize, b: usize) -> UrlPath {
    let (ta, tb) = (&site.content.techniques[a], &site.content.techniques[b]);
    UrlPath::page(&["techniques", "compare", &format!("{}-vs-{}", ta.id, tb.id)])
}

/// A side-by-side page is in a language that has both techniques.
fn has_pair(site: &Site, a: usize, b: usize) -> bool {
    site.language.has(Target::Technique(a)) && site.language.has(Target::Technique(b))
}

/// The comparison pages, all or those involving technique `only`.
fn comparison_links(site: &Site, only: Option<usize>) -> Vec<Link> {
    site.graph
        .compare_pairs
        .iter()
        .filter(|(a, b)| only.is_none_or(|t| t == *a || t == *b) && has_pair(site, *a, *b))
        .map(|&(a, b)| Link {
            title: site.words.t(
                "techniques.vs_title",
                &[
                    ("a", &site.content.techniques[a].data.name),
                    ("b", &site.content.techniques[b].data.name),
                ],
            ),
            url: site.config.base.link(&compare_url(site, a, b)),
        })
        .collect()
}

/// Every attribute of a technique as displayed in tables, with a sort key.
#[derive(Debug, Serialize, PartialEq)]
struct Attribute {
    key: &'static str,
    label: String,
    text: String,
    sort: String,
}

fn attributes(site: &Site, t: &Technique) -> Vec<Attribute> {
    let w = &site.words;
    let d = &t.data;
    let label = |key: &str| w.t(&format!("technique_attributes.{key}"), &[]);
    let list = |v: &[String]| {
        if v.is_empty() {
            "—".to_string()
        } else {
            v.join("; ")
        }
    };
    let or_dash = |s: &str| {
        if s.is_empty() {
            "—".to_string()
        } else {
            s.to_string()
        }
    };
    let intensity = d.intensity.as_ref().map(|i| *i.get_ref());
    vec![
        Attribute {
            key: "setting",
            label: label("setting"),
            text: w.t(d.setting.word_key(), &[]),
            sort: (d.setting as u8).to_string(),
        },
        Attribute {
            key: "performed_by",
            label: label("performed_by"),
            text: or_dash(&d.performed_by),
            sort: d.performed_by.to_lowercase(),
        },
        Attribute {
            key: "intensity",
            label: label("intensity"),
            text: intensity.map_or("—".into(), |i| {
                w.t("techniques.intensity_of", &[("n", &i.to_string())])
            }),
            sort: intensity.unwrap_or(0).to_string(),
        },
        Attribute {
            key: "time",
            label: label("time"),
            text: or_dash(&d.time),
            sort: d.time.to_lowercase(),
        },
        Attribute {
            key: "equipment",
            label: label("equipment"),
            text: list(&d.equipment),
            sort: list(&d.equipment).to_lowercase(),
        },
        Attribute {
            key: "evidence",
            label: label("evidence"),
            text: d.evidence.map_or("—".into(), |e| w.t(e.word_key(), &[])),
            sort: d.evidence.map_or(0, |e| e as u8 + 1).to_string(),
        },
        Attribute {
            key: "good_for",
            label: label("good_for"),
            text: list(&d.good_for),
            sort: list(&d.good_for).to_lowercase(),
        },
    ]
}

fn compare_table(site: &Site, pages: &mut Vec<PagePlan>) {
    let url = UrlPath::page(&["techniques", "compare"]);
    let (crumbs, crumbs_ld) = breadcrumbs(
        site,
        &[
            (
                &site.words.t("nav.techniques", &[]),
                UrlPath::page(&["techniques"]),
            ),
            (&site.words.t("techniques.compare_crumb", &[]), url.clone()),
        ],
    );
    let columns: Vec<_> = attributes(site, &site.content.techniques[0])
        .into_iter()
        .map(|a| json!({"key": a.key, "label": a.label}))
        .collect();
    let mut order: Vec<usize> = (0..site.content.techniques.len()).collect();
    order.sort_by(|&a, &b| {
        let (ta, tb) = (
            &site.content.techniques[a].data,
            &site.content.techniques[b].data,
        );
        ta.setting
            .cmp(&tb.setting)
            .then_with(|| ta.name.cmp(&tb.name))
    });
    let rows: Vec<_> = order
        .iter()
        .map(|&t| {
            json!({
                "technique": technique_card(site, t),
                "attributes": attributes(site, &site.content.techniques[t]),
            })
        })
        .collect();
    pages.push(PagePlan::new(
        url.clone(),
        "compare.html",
        json!({
            "meta": Meta::new(site, &url, &site.words.t("techniques.compare_title", &[]), &site.words.t("techniques.compare_description", &[])).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "columns": columns,
            "rows": rows,
            "settings": Setting::ALL.iter().map(|s| json!({"key": s.key(), "label": site.words.t(s.word_key(), &[])})).collect::<Vec<_>>(),
            "comparisons": comparison_links(site, None),
        }),
    ));
}

fn technique_page(site: &Site, cards: &ArticleCards, t: usize) -> PagePlan {
    let tech = &site.content.techniques[t];
    let d = &tech.data;
    let g = &site.graph;
    let url = site.url(Target::Technique(t));
    let mut cites = PageCitations::new();
    let how_html = site.markdown.technique_how_it_works[t]
        .as_ref()
        .map(|r| cites.number(&r.html));
    let questions: Vec<QuestionCard> = g.technique_questions[t]
        .iter()
        .map(|&q| question_card(site, q, &mut cites))
        .collect();
    let references = reference_list(site, &cites, &g.technique_references[t]);
    let mut related: Vec<usize> = g.technique_related[t].clone();
    related.extend(
        g.technique_related_from[t]
            .iter()
            .filter(|r| !related.contains(r))
            .collect::<Vec<_>>(),
    );
    let (crumbs, crumbs_ld) = breadcrumbs(
        site,
        &[
            (
                &site.words.t("nav.techniques", &[]),
                UrlPath::page(&["techniques"]),
            ),
            (&d.name, url.clone()),
        ],
    );
    let mut page_ld = json!({
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": d.name,
        "description": d.summary,
        "url": site.config.base.absolute(&url),
        "inLanguage": site.words.tag(),
        "about": {
            "@type": "MedicalTherapy",
            "name": d.name,
            "alternateName": d.aka,
            "description": d.summary,
        },
    });
    review_ld(
        site,
        &mut page_ld,
        &site.graph.technique_reviewer[t],
        d.last_reviewed,
    );
    PagePlan::new(
        url.clone(),
        "technique.html",
        json!({
            "meta": Meta::new(site, &url, &d.name, &d.summary).json_ld(page_ld).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "reviewed_by": byline(site, &site.graph.technique_reviewer[t]),
            "services": site.graph.technique_services[t].iter().map(|&s| super::services::service_card(site, s)).collect::<Vec<_>>(),
            "last_reviewed": d.last_reviewed.map(|d| d.to_string()),
            "last_reviewed_display": d.last_reviewed.map(|d| site.words.date(d)),
            "technique": {
                "id": tech.id,
                "name": d.name,
                "aka": d.aka,
                "summary": d.summary,
                "setting": d.setting.key(),
                "setting_label": site.words.t(d.setting.word_key(), &[]),
                "performed_by": d.performed_by,
                "intensity": d.intensity.as_ref().map(|i| *i.get_ref()),
                "time": d.time,
                "equipment": d.equipment,
                "evidence": d.evidence.map(|e| site.words.t(e.word_key(), &[])),
                "good_for": d.good_for,
                "attributes": attributes(site, tech),
                "how_it_works_html": how_html,
                "steps": d.steps,
                "cautions": d.cautions,
                "related": related.iter().map(|&r| technique_card(site, r)).collect::<Vec<_>>(),
                "muscles": g.technique_muscles[t].iter().map(|&m| muscle_card(site, m)).collect::<Vec<_>>(),
                "questions": questions,
                "comparisons": comparison_links(site, Some(t)),
                "references": references,
            },
        }),
    )
    .with_cards(cards.slot(site, "/technique/articles", &g.technique_articles[t]))
    .searchable(SearchKind::Technique)
    .origin(tech.source.whole())
}

fn compare_pair(site: &Site, a: usize, b: usize) -> PagePlan {
    let (ta, tb) = (&site.content.techniques[a], &site.content.techniques[b]);
    let url = compare_url(site, a, b);
    let title = site.words.t(
        "techniques.vs_title",
        &[("a", &ta.data.name), ("b", &tb.data.name)],
    );
    let (attrs_a, attrs_b) = (attributes(site, ta), attributes(site, tb));
    let rows: Vec<_> = attrs_a
        .iter()
        .zip(&attrs_b)
        .map(|(x, y)| json!({"label": x.label, "a": x.text, "b": y.text, "differs": x.text != y.text}))
        .collect();
    let (ma, mb) = (
        &site.graph.technique_muscles[a],
        &site.graph.technique_muscles[b],
    );
    let cards = |list: Vec<usize>| {
        list.into_iter()
            .map(|m| muscle_card(site, m))
            .collect::<Vec<_>>()
    };
    let shared: Vec<usize> = ma.iter().copied().filter(|m| mb.contains(m)).collect();
    let only_a: Vec<usize> = ma.iter().copied().filter(|m| !mb.contains(m)).collect();
    let only_b: Vec<usize> = mb.iter().copied().filter(|m| !ma.contains(m)).collect();
    let (crumbs, crumbs_ld) = breadcrumbs(
        site,
        &[
            (
                &site.words.t("nav.techniques", &[]),
                UrlPath::page(&["techniques"]),
            ),
            (
                &site.words.t("techniques.compare_crumb", &[]),
                UrlPath::page(&["techniques", "compare"]),
            ),
            (&title, url.clone()),
        ],
    );
    let description = site
        .words
        .t("techniques.vs_description", &[("title", &title)]);
    PagePlan::new(
        url.clone(),
        "compare_pair.html",
        json!({
            "meta": Meta::new(site, &url, &title, &description).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "title": title,
            "a": technique_card(site, a),
            "b": technique_card(site, b),
            "rows": rows,
            "summary": choose_summary(site, ta, tb),
            "shared_muscles": cards(shared),
            "only_a_muscles": cards(only_a),
            "only_b_muscles": cards(only_b),
        }),
    )
    .searchable(SearchKind::Comparison)
    .origin(ta.source.whole())
}

fn setting_phrase(site: &Site, t: &Technique) -> String {
    let w = &site.words;
    let by = t.data.performed_by.to_lowercase();
    let key = match t.data.setting {
        Setting::Home => "choose.setting_home",
        Setting::Professional if by.is_empty() => "choose.setting_professional",
        Setting::Professional => "choose.setting_professional_by",
        Setting::Medical if by.is_empty() => "choose.setting_medical",
        Setting::Medical => "choose.setting_medical_by",
    };
    w.t(key, &[("by", &by)])
}

/// A few sentences on when to choose which, derived from the data only.
fn choose_summary(site: &Site, a: &Technique, b: &Technique) -> Vec<String> {
    let w = &site.words;
    let (na, nb) = (&a.data.name, &b.data.name);
    let mut out = Vec::new();
    if a.data.setting == b.data.setting {
        out.push(w.t(
            "choose.same_setting",
            &[("setting", &setting_phrase(site, a))],
        ));
    } else {
        out.push(w.t(
            "choose.settings",
            &[
                ("a", na),
                ("b", nb),
                ("setting_a", &setting_phrase(site, a)),
                ("setting_b", &setting_phrase(site, b)),
            ],
        ));
    }
    let intensity = |t: &Technique| t.data.intensity.as_ref().map(|i| *i.get_ref());
    match (intensity(a), intensity(b)) {
        (Some(x), Some(y)) if x != y => {
            let (gentle, strong, g, s) = if x < y {
                (na, nb, x, y)
            } else {
                (nb, na, y, x)
            };
            out.push(w.t(
                "choose.gentler",
                &[
                    ("gentle", gentle),
                    ("strong", strong),
                    ("g", &g.to_string()),
                    ("s", &s.to_string()),
                ],
            ));
        }
        (Some(x), Some(_)) => out.push(w.t("choose.same_intensity", &[("n", &x.to_string())])),
        _ => {}
    }
    let evidence = |t: &Technique| t.data.evidence;
    match (evidence(a), evidence(b)) {
        (Some(x), Some(y)) if x != y => {
            let (better, worse) = if x > y { (a, b) } else { (b, a) };
            out.push(w.t(
                "choose.evidence",
                &[
                    ("better", &better.data.name),
                    ("better_level", &evidence_word(site, better.data.evidence)),
                    ("worse", &worse.data.name),
                    ("worse_level", &evidence_word(site, worse.data.evidence)),
                ],
            ));
        }
        (Some(x), Some(_)) => out.push(w.t(
            "choose.same_evidence",
            &[("level", &evidence_word(site, Some(x)))],
        )),
        _ => {}
    }
    for t in [a, b] {
        if let Some(first) = t.data.good_for.first() {
            out.push(w.t(
                "choose.good_for",
                &[("name", &t.data.name), ("use", &lowercase_first(first))],
            ));
        }
    }
    out
}

fn evidence_word(site: &Site, e: Option<Evidence>) -> String {
    let key = match e {
        Some(Evidence::Strong) => "choose.evidence_strong",
        Some(Evidence::Moderate) => "choose.evidence_moderate",
        Some(Evidence::Low) => "choose.evidence_low",
        None => "choose.evidence_unknown",
    };
    site.words.t(key, &[])
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        // Keep acronyms ("TMJ") as they are.
        Some(_) if chars.clone().next().is_some_and(|n| n.is_uppercase()) => s.to_string(),
        Some(c) => c.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}
