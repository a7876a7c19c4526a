//! Techniques: the index by setting, one page per technique, the table
//! comparing all of them, and a side-by-side page per `compare_with` pair.

use serde::Serialize;
use serde_json::json;

use super::*;
use crate::content::data::{Evidence, Technique};

pub fn plan(site: &Site, pages: &mut Vec<PagePlan>) {
    let techniques = &site.content.techniques;
    if techniques.is_empty() {
        return;
    }
    let index_url = UrlPath::page(&["techniques"]);
    let (crumbs, crumbs_ld) = breadcrumbs(site, &[("Techniques", index_url.clone())]);
    pages.push(PagePlan::new(
        index_url.clone(),
        "techniques.html",
        json!({
            "meta": Meta::new(site, &index_url, "Release techniques", "Trigger point release techniques, from self-care at home to medical treatments.").json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "settings": techniques_by_setting(site, 0..techniques.len()),
            "comparisons": comparison_links(site, None),
        }),
    ));
    compare_table(site, pages);
    for t in 0..techniques.len() {
        pages.push(technique_page(site, t));
    }
    for &(a, b) in &site.graph.compare_pairs {
        pages.push(compare_pair(site, a, b));
    }
}

pub fn compare_url(site: &Site, a: usize, b: usize) -> UrlPath {
    let (ta, tb) = (&site.content.techniques[a], &site.content.techniques[b]);
    UrlPath::page(&["techniques", "compare", &format!("{}-vs-{}", ta.id, tb.id)])
}

/// The comparison pages, all or those involving technique `only`.
fn comparison_links(site: &Site, only: Option<usize>) -> Vec<Link> {
    site.graph
        .compare_pairs
        .iter()
        .filter(|(a, b)| only.is_none_or(|t| t == *a || t == *b))
        .map(|&(a, b)| Link {
            title: format!(
                "{} vs {}",
                site.content.techniques[a].data.name, site.content.techniques[b].data.name
            ),
            url: site.config.base.link(&compare_url(site, a, b)),
        })
        .collect()
}

/// Every attribute of a technique as displayed in tables, with a sort key.
#[derive(Debug, Serialize, PartialEq)]
struct Attribute {
    key: &'static str,
    label: &'static str,
    text: String,
    sort: String,
}

fn attributes(t: &Technique) -> Vec<Attribute> {
    let d = &t.data;
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
            label: "Setting",
            text: d.setting.label().into(),
            sort: (d.setting as u8).to_string(),
        },
        Attribute {
            key: "performed_by",
            label: "Performed by",
            text: or_dash(&d.performed_by),
            sort: d.performed_by.to_lowercase(),
        },
        Attribute {
            key: "intensity",
            label: "Intensity",
            text: intensity.map_or("—".into(), |i| format!("{i} of 5")),
            sort: intensity.unwrap_or(0).to_string(),
        },
        Attribute {
            key: "time",
            label: "Time",
            text: or_dash(&d.time),
            sort: d.time.to_lowercase(),
        },
        Attribute {
            key: "equipment",
            label: "Equipment",
            text: list(&d.equipment),
            sort: list(&d.equipment).to_lowercase(),
        },
        Attribute {
            key: "evidence",
            label: "Evidence",
            text: d.evidence.map_or("—".into(), |e| e.label().to_string()),
            sort: d.evidence.map_or(0, |e| e as u8 + 1).to_string(),
        },
        Attribute {
            key: "good_for",
            label: "Good for",
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
            ("Techniques", UrlPath::page(&["techniques"])),
            ("Compare", url.clone()),
        ],
    );
    let columns: Vec<_> = attributes(&site.content.techniques[0])
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
                "attributes": attributes(&site.content.techniques[t]),
            })
        })
        .collect();
    pages.push(PagePlan::new(
        url.clone(),
        "compare.html",
        json!({
            "meta": Meta::new(site, &url, "Compare release techniques", "Every trigger point release technique compared: setting, intensity, time, equipment and evidence.").json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "columns": columns,
            "rows": rows,
            "settings": Setting::ALL.iter().map(|s| json!({"key": s.key(), "label": s.label()})).collect::<Vec<_>>(),
            "comparisons": comparison_links(site, None),
        }),
    ));
}

fn technique_page(site: &Site, t: usize) -> PagePlan {
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
            ("Techniques", UrlPath::page(&["techniques"])),
            (&d.name, url.clone()),
        ],
    );
    let mut page_ld = json!({
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": d.name,
        "description": d.summary,
        "url": site.config.base.absolute(&url),
        "inLanguage": site.config.site.language,
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
            "last_reviewed_display": d.last_reviewed.map(|d| d.long()),
            "technique": {
                "id": tech.id,
                "name": d.name,
                "aka": d.aka,
                "summary": d.summary,
                "setting": d.setting.key(),
                "setting_label": d.setting.label(),
                "performed_by": d.performed_by,
                "intensity": d.intensity.as_ref().map(|i| *i.get_ref()),
                "time": d.time,
                "equipment": d.equipment,
                "evidence": d.evidence.map(|e| e.label()),
                "good_for": d.good_for,
                "attributes": attributes(tech),
                "how_it_works_html": how_html,
                "steps": d.steps,
                "cautions": d.cautions,
                "related": related.iter().map(|&r| technique_card(site, r)).collect::<Vec<_>>(),
                "muscles": g.technique_muscles[t].iter().map(|&m| muscle_card(site, m)).collect::<Vec<_>>(),
                "articles": g.technique_articles[t].iter().map(|&a| article_card(site, a)).collect::<Vec<_>>(),
                "questions": questions,
                "comparisons": comparison_links(site, Some(t)),
                "references": references,
            },
        }),
    )
    .searchable(SearchKind::Technique)
    .origin(tech.source.whole())
}

fn compare_pair(site: &Site, a: usize, b: usize) -> PagePlan {
    let (ta, tb) = (&site.content.techniques[a], &site.content.techniques[b]);
    let url = compare_url(site, a, b);
    let title = format!("{} vs {}", ta.data.name, tb.data.name);
    let (attrs_a, attrs_b) = (attributes(ta), attributes(tb));
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
            ("Techniques", UrlPath::page(&["techniques"])),
            ("Compare", UrlPath::page(&["techniques", "compare"])),
            (&title, url.clone()),
        ],
    );
    let description =
        format!("{title}: how they differ, what each is good for, and when to choose which.");
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
            "summary": choose_summary(ta, tb),
            "shared_muscles": cards(shared),
            "only_a_muscles": cards(only_a),
            "only_b_muscles": cards(only_b),
        }),
    )
    .searchable(SearchKind::Comparison)
    .origin(ta.source.whole())
}

fn setting_phrase(t: &Technique) -> String {
    let by = t.data.performed_by.to_lowercase();
    match t.data.setting {
        Setting::Home => "something you can do yourself at home".into(),
        Setting::Professional if by.is_empty() => "done by a trained professional".into(),
        Setting::Professional => format!("done by a professional ({by})"),
        Setting::Medical if by.is_empty() => {
            "a medical treatment given by a licensed clinician".into()
        }
        Setting::Medical => format!("a medical treatment ({by})"),
    }
}

/// A few sentences on when to choose which, derived from the data only.
fn choose_summary(a: &Technique, b: &Technique) -> Vec<String> {
    let (na, nb) = (&a.data.name, &b.data.name);
    let mut out = Vec::new();
    if a.data.setting == b.data.setting {
        out.push(format!("Both are {}.", setting_phrase(a)));
    } else {
        out.push(format!(
            "{na} is {}, while {nb} is {}.",
            setting_phrase(a),
            setting_phrase(b)
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
            out.push(format!(
                "{gentle} is the gentler of the two ({g} of 5 against {s} of 5): a better start if you are sensitive to pressure or new to trigger point work; {strong} goes further when gentler work has not helped."
            ));
        }
        (Some(x), Some(_)) => out.push(format!(
            "They feel about as intense as each other ({x} of 5)."
        )),
        _ => {}
    }
    let evidence = |t: &Technique| t.data.evidence;
    match (evidence(a), evidence(b)) {
        (Some(x), Some(y)) if x != y => {
            let (better, worse) = if x > y { (a, b) } else { (b, a) };
            out.push(format!(
                "Research support is {} for {} and {} for {}.",
                evidence_word(better.data.evidence),
                better.data.name,
                evidence_word(worse.data.evidence),
                worse.data.name
            ));
        }
        (Some(x), Some(_)) => out.push(format!(
            "Research support is {} for both.",
            evidence_word(Some(x))
        )),
        _ => {}
    }
    for (t, other) in [(a, b), (b, a)] {
        if let Some(first) = t.data.good_for.first() {
            let _ = other;
            out.push(format!(
                "Choose {} for {}.",
                t.data.name,
                lowercase_first(first)
            ));
        }
    }
    out
}

fn evidence_word(e: Option<Evidence>) -> &'static str {
    match e {
        Some(Evidence::Strong) => "strong",
        Some(Evidence::Moderate) => "moderate",
        Some(Evidence::Low) => "limited",
        None => "unknown",
    }
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
