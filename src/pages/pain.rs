//! "Where does it hurt?": the clickable body map, and per region the
//! muscles whose trigger points refer pain there (the reverse index of the
//! referral data, kept by the graph).

use std::sync::OnceLock;

use serde_json::{json, Value};

use super::muscles::{muscle_map, pattern_text};
use super::*;
use crate::bodymap::Zone;

/// The finder is written when the site has muscles: without referral
/// patterns every region page would be empty.
pub fn plan(site: &Site, only: Only, pages: &mut Vec<PagePlan>) {
    if !has_finder(site) {
        return;
    }
    if only.section_pages {
        plan_finder(site, pages);
    }
    let muscles = MuscleParts::new(site);
    let region_pages: Vec<PagePlan> = (0..site.content.regions.len())
        .into_par_iter()
        .filter(|&r| only.entity(&site.url(Target::Region(r))))
        .map(|r| region_page(site, &muscles, r))
        .collect();
    pages.extend(region_pages);
}

/// The body map of every region, and the lists beside it.
fn plan_finder(site: &Site, pages: &mut Vec<PagePlan>) {
    let finder_url = UrlPath::page(&["pain"]);
    let w = &site.words;
    let finder_title = w.t("pain.title", &[]);
    let (crumbs, crumbs_ld) = breadcrumbs(site, &[(&finder_title, finder_url.clone())]);
    pages.push(PagePlan::new(
        finder_url.clone(),
        "pain.html",
        json!({
            "meta": Meta::new(site, &finder_url, &finder_title, &w.t("pain.description", &[])).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "finder_svg": finder_svg(site, "finder"),
            "views": region_lists(site),
            "red_flag_regions": (0..site.content.regions.len())
                .filter(|&r| site.markdown.region_red_flags[r].is_some())
                .map(|r| json!({
                    "name": site.content.regions[r].data.name,
                    "url": format!("{}#red-flags", site.link(Target::Region(r))),
                    "red_flags_html": site.markdown.region_red_flags[r].as_ref().map(|h| &*h.html),
                }))
                .collect::<Vec<_>>(),
        }),
    ));
}

pub fn has_finder(site: &Site) -> bool {
    !site.content.muscles.is_empty() && !site.content.regions.is_empty()
}

/// The figure with every region a link to its pain page.
pub fn finder_svg(site: &Site, id: &str) -> String {
    let Some(figure) = site.figure.as_ref().filter(|_| has_finder(site)) else {
        return String::new();
    };
    let w = &site.words;
    figure.finder_map(id, &w.t("pain.figure_title", &[]), |region| {
        let r = site.index.region(region)?;
        let name = &site.content.regions[r].data.name;
        let count = site.graph.region_referrals[r].len() as u64;
        let label = w.plural("pain.region_label", count, &[("name", name)]);
        Some((site.link(Target::Region(r)), label))
    })
}

/// The regions as text, by view, for readers who do not use the figure.
fn region_lists(site: &Site) -> Vec<Value> {
    [crate::content::data::View::Front, crate::content::data::View::Back]
        .iter()
        .map(|&view| {
            let mut regions: Vec<usize> = (0..site.content.regions.len())
                .filter(|&r| site.content.regions[r].data.view == view)
                .collect();
            regions.sort_by(|&a, &b| site.content.regions[a].data.name.cmp(&site.content.regions[b].data.name));
            json!({
                "key": view.key(),
                "label": site.words.t(if view == crate::content::data::View::Front { "pain.front" } else { "pain.back" }, &[]),
                "regions": regions.iter().map(|&r| json!({
                    "id": site.content.regions[r].id,
                    "name": site.content.regions[r].data.name,
                    "url": site.link(Target::Region(r)),
                    "count": site.graph.region_referrals[r].len(),
                })).collect::<Vec<_>>(),
            })
        })
        .filter(|v| v["regions"].as_array().is_some_and(|a| !a.is_empty()))
        .collect()
}

fn neighbours(site: &Site, r: usize) -> Vec<usize> {
    let region = &site.content.regions[r];
    if !region.data.near.is_empty() {
        return region
            .data
            .near
            .iter()
            .filter_map(|n| site.index.region(n.get_ref()))
            .collect();
    }
    site.figure
        .as_ref()
        .map(|f| f.neighbours(region.id.as_str(), 4))
        .unwrap_or_default()
        .iter()
        .filter_map(|id| site.index.region(id))
        .collect()
}

/// The closest regions that do have referral patterns, for empty pages;
/// when none on the same view has any, the regions most muscles refer to.
fn nearest_with_patterns(site: &Site, r: usize) -> Vec<usize> {
    let has_patterns = |o: &usize| !site.graph.region_referrals[*o].is_empty();
    let same_view: Vec<usize> = site
        .figure
        .iter()
        .flat_map(|f| f.neighbours(site.content.regions[r].id.as_str(), usize::MAX))
        .filter_map(|id| site.index.region(&id))
        .filter(has_patterns)
        .take(4)
        .collect();
    if !same_view.is_empty() {
        return same_view;
    }
    let mut busiest: Vec<usize> = (0..site.content.regions.len())
        .filter(has_patterns)
        .collect();
    busiest.sort_by_key(|&o| std::cmp::Reverse(site.graph.region_referrals[o].len()));
    busiest.truncate(4);
    busiest
}

fn region_link(site: &Site, r: usize) -> Value {
    json!({
        "title": site.content.regions[r].data.name,
        "url": site.link(Target::Region(r)),
        "count": site.graph.region_referrals[r].len(),
    })
}

/// The part of a muscle's entry on a region page that is the same on
/// every region page listing it (its card, referral map, pattern and
/// techniques), made once per planning: a muscle refers pain to several
/// regions, and drawing its map is most of planning their pages.
struct MuscleParts<'a> {
    site: &'a Site,
    parts: Vec<OnceLock<serde_json::Map<String, Value>>>,
}

impl<'a> MuscleParts<'a> {
    fn new(site: &'a Site) -> Self {
        MuscleParts {
            site,
            parts: site
                .content
                .muscles
                .iter()
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    /// A copy of muscle `m`'s part, to which a region page adds its own.
    fn of(&self, m: usize) -> serde_json::Map<String, Value> {
        self.parts[m].get_or_init(|| self.make(m)).clone()
    }

    fn make(&self, m: usize) -> serde_json::Map<String, Value> {
        let site = self.site;
        let muscle = &site.content.muscles[m];
        let techniques: Vec<_> = site.graph.muscle_techniques[m]
            .iter()
            .map(|&t| technique_card(site, t))
            .collect();
        let mut part = serde_json::Map::new();
        part.insert("muscle".into(), json!(muscle_card(site, m)));
        let map_id = format!("map-{}", muscle.id);
        part.insert("map_svg".into(), muscle_map(site, m, &map_id).into());
        part.insert("pattern".into(), pattern_text(site, m).into());
        part.insert("techniques".into(), json!(techniques));
        part
    }
}

fn region_page(site: &Site, muscles: &MuscleParts, r: usize) -> PagePlan {
    let region = &site.content.regions[r];
    let url = site.url(Target::Region(r));
    let name = &region.data.name;
    let entry = |m: usize, zone: Zone| {
        let muscle = &site.content.muscles[m];
        // The symptoms of the trigger points that send pain here.
        let mut symptoms: Vec<String> = Vec::new();
        for (tp, data) in site.graph.muscle_trigger_points[m]
            .iter()
            .zip(&muscle.data.trigger_points)
        {
            if tp.referral.contains(&r) || tp.spillover.contains(&r) {
                for s in &data.symptoms {
                    if !symptoms.contains(s) {
                        symptoms.push(s.clone());
                    }
                }
            }
        }
        let mut entry = muscles.of(m);
        entry.insert("zone".into(), zone.key().into());
        entry.insert("symptoms".into(), symptoms.into());
        Value::Object(entry)
    };
    let referrals = &site.graph.region_referrals[r];
    let essential: Vec<Value> = referrals
        .iter()
        .filter(|x| x.zone == Zone::Essential)
        .map(|x| entry(x.muscle, x.zone))
        .collect();
    let spillover: Vec<Value> = referrals
        .iter()
        .filter(|x| x.zone == Zone::Spillover)
        .map(|x| entry(x.muscle, x.zone))
        .collect();
    let (crumbs, crumbs_ld) = breadcrumbs(
        site,
        &[
            (&site.words.t("pain.title", &[]), UrlPath::page(&["pain"])),
            (name, url.clone()),
        ],
    );
    let w = &site.words;
    let description = if referrals.is_empty() {
        w.t("pain.region_description_none", &[("name", name)])
    } else {
        let muscles: Vec<String> = referrals
            .iter()
            .map(|x| site.content.muscles[x.muscle].data.name.clone())
            .collect();
        w.t(
            "pain.region_description_some",
            &[("name", name), ("muscles", &w.list(&muscles))],
        )
    };
    PagePlan::new(
        url.clone(),
        "pain_region.html",
        json!({
            "meta": Meta::new(site, &url, &w.t("pain.region_title", &[("name", name)]), &description).json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "region": {
                "id": region.id,
                "name": name,
                "view": region.data.view.key(),
                "description": description,
                "red_flags_html": site.markdown.region_red_flags[r].as_ref().map(|h| &*h.html),
            },
            "essential": essential,
            "spillover": spillover,
            "neighbours": neighbours(site, r).into_iter().map(|n| region_link(site, n)).collect::<Vec<_>>(),
            "nearest_with_patterns": if referrals.is_empty() {
                nearest_with_patterns(site, r).into_iter().map(|n| region_link(site, n)).collect::<Vec<_>>()
            } else {
                Vec::new()
            },
        }),
    )
    .searchable(SearchKind::PainRegion)
    .origin(region.source.locate(region.data.id.span()))
}
