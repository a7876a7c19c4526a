//! Drawing referral maps from the parsed figure: each map `<use>`s the
//! views it needs from the page's sprite and adds its zones and marks.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::hash::Hash;
use std::sync::{Arc, MutexGuard};

use xxhash_rust::xxh3::Xxh3;

use super::geometry::BBox;
use super::{Figure, FigureView, RegionShape, Zone};
use crate::content::data::View;
use crate::html::escape;

/// What one referral map shows; its hash keys the maps a figure keeps.
#[derive(Hash)]
pub struct MapSpec<'a> {
    /// Unique on the page: prefixes the map's own ids.
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub zones: &'a BTreeMap<String, Zone>,
    /// Region ids where trigger points lie.
    pub marks: &'a [String],
}

/// How many drawn maps a figure keeps: 1–3 KB each (the figure itself is
/// in the page's sprite), so at most a few MB. A site's muscles are a few
/// hundred; maps in shortcodes each have an id of their own and are rarely
/// drawn twice, so past this the memo starts over rather than hold them
/// all.
const MAPS_KEPT: usize = 2_000;

impl Figure {
    pub fn has_view(&self, view: View) -> bool {
        self.views.iter().any(|v| v.view == view)
    }

    /// The views a map needs: those holding a zone or a mark (at least one).
    fn views_for(&self, spec: &MapSpec<'_>) -> Vec<&FigureView> {
        let used: Vec<&FigureView> = self
            .views
            .iter()
            .filter(|v| {
                spec.zones
                    .keys()
                    .chain(spec.marks.iter())
                    .any(|r| self.regions.get(r).is_some_and(|s| s.view == v.view))
            })
            .collect();
        if used.is_empty() {
            self.views.iter().take(1).collect()
        } else {
            used
        }
    }

    /// An inline SVG referral map following the trigger point manuals: an X
    /// where each point lies, essential zones solid, spillover stippled.
    pub fn referral_map(&self, spec: &MapSpec<'_>) -> String {
        let mut hasher = Xxh3::new();
        spec.hash(&mut hasher);
        let key = hasher.digest128();
        if let Some(map) = self.drawn().get(&key) {
            return map.clone();
        }
        let map = self.draw_referral_map(spec);
        let mut drawn = self.drawn();
        // A long preview session draws a new map for each edit of a
        // pattern: forget them all now and then rather than grow.
        if drawn.len() >= MAPS_KEPT {
            drawn.clear();
        }
        drawn.insert(key, map.clone());
        map
    }

    /// The maps drawn so far (a panic elsewhere while it was held leaves
    /// nothing half-written: each entry is inserted whole).
    pub(super) fn drawn(&self) -> MutexGuard<'_, HashMap<u128, String>> {
        self.drawn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn draw_referral_map(&self, spec: &MapSpec<'_>) -> String {
        let mut out = String::with_capacity(2 * 1024);
        let views = self.views_for(spec);
        let view_box = self.crop(&views, spec);
        let _ = write!(
            out,
            "{MAP_START}referral-map views-{}\" viewBox=\"{}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" xmlns=\"http://www.w3.org/2000/svg\">\
             <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
            views.len(),
            view_box,
            escape(spec.title),
            escape(spec.description),
            id = spec.id,
        );
        for view in &views {
            // Zones over the figure, in the figure's order (later regions
            // are drawn over earlier ones, as in the figure itself).
            self.write_view(&mut out, view, |region, shape, out| {
                let Some(zone) = spec.zones.get(region) else {
                    return;
                };
                let fill = match zone {
                    Zone::Essential => "",
                    Zone::Spillover => " fill=\"url(#kw-stipple)\"",
                };
                let _ = write!(
                    out,
                    "<g class=\"zone zone-{}\"{fill}>{}</g>",
                    zone.key(),
                    shape.markup
                );
            });
        }
        out.push_str("<g class=\"tp-marks\">");
        for region in spec.marks {
            if let Some(shape) = self.regions.get(region) {
                let (x, y) = shape.center;
                let _ = write!(
                    out,
                    "<path class=\"tp-mark\" d=\"M{:.1} {:.1}l10 10m0 -10l-10 10\"/>",
                    x - 5.0,
                    y - 5.0
                );
            }
        }
        out.push_str("</g></svg>");
        out
    }

    /// The hidden SVG the referral maps of a page draw the figure from
    /// (with `<use>`): each view whole, its regions in place (the theme
    /// leaves them transparent), and the stipple of spillover zones.
    pub fn sprite(&self) -> &Arc<str> {
        &self.sprite
    }

    /// The part of the figure a map shows: the zones and marks with a
    /// margin, at least [`MIN_CROP`] of the figure's height so the body stays
    /// recognisable, never beyond the views drawn. The trigger point manuals
    /// likewise draw only the part of the body a pattern covers.
    fn crop(&self, views: &[&FigureView], spec: &MapSpec<'_>) -> String {
        let full = parse_box(&combined_view_box(views));
        let mut bbox = BBox::default();
        for region in spec.zones.keys().chain(spec.marks.iter()) {
            if let Some(shape) = self.regions.get(region) {
                let (x0, y0, x1, y1) = shape.bounds;
                bbox.add(x0, y0);
                bbox.add(x1, y1);
            }
        }
        let (Some(full), Some((x0, y0))) = (full, bbox.min) else {
            return combined_view_box(views);
        };
        let (fx, fy, fw, fh) = full;
        let margin = fh * 0.06;
        let (mut x0, mut y0, mut x1, mut y1) = (
            x0 - margin,
            y0 - margin,
            bbox.max.0 + margin,
            bbox.max.1 + margin,
        );
        let min_h = fh * MIN_CROP;
        if y1 - y0 < min_h {
            let grow = (min_h - (y1 - y0)) / 2.0;
            y0 -= grow;
            y1 += grow;
        }
        // Keep each view's full width (the figure side by side reads better
        // than a sliver), and stay inside the drawing.
        x0 = x0.min(fx).max(fx);
        x1 = x1.max(fx + fw).min(fx + fw);
        if y0 < fy {
            y1 += fy - y0;
            y0 = fy;
        }
        if y1 > fy + fh {
            y0 = (y0 - (y1 - fy - fh)).max(fy);
            y1 = fy + fh;
        }
        format!(
            "{} {} {} {}",
            fmt_num(x0),
            fmt_num(y0),
            fmt_num(x1 - x0),
            fmt_num(y1 - y0)
        )
    }

    /// The "where does it hurt?" figure: every region a focusable link,
    /// over the figure drawn from the page's sprite.
    pub fn finder_map(
        &self,
        id: &str,
        title: &str,
        link_for: impl Fn(&str) -> Option<(String, String)>,
    ) -> String {
        let mut out = String::with_capacity(16 * 1024);
        let views: Vec<&FigureView> = self.views.iter().collect();
        let _ = write!(
            out,
            "{MAP_START}finder-map\" viewBox=\"{}\" role=\"group\" aria-labelledby=\"{id}-t\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-t\">{}</title>",
            combined_view_box(&views),
            escape(title),
        );
        for view in &views {
            self.write_view(&mut out, view, |region, shape, out| {
                let Some((href, name)) = link_for(region) else {
                    return;
                };
                let _ = write!(
                    out,
                    "<a href=\"{}\" class=\"region-link\" aria-label=\"{}\"><title>{}</title>{}</a>",
                    escape(&href),
                    escape(&name),
                    escape(&name),
                    shape.markup
                );
            });
        }
        out.push_str("</svg>");
        out
    }

    /// One view of a map: the figure drawn from the page's sprite, then
    /// what `region` writes for each of the view's regions, in the
    /// figure's order.
    fn write_view(
        &self,
        out: &mut String,
        view: &FigureView,
        mut region: impl FnMut(&str, &RegionShape, &mut String),
    ) {
        let _ = write!(out, "<g class=\"view view-{}\"", view.view.key());
        if let Some(t) = &view.transform {
            let _ = write!(out, " transform=\"{}\"", escape(t));
        }
        let _ = write!(out, "><use href=\"#{}\"/>", sprite_view_id(view.view));
        for id in &view.regions {
            if let Some(shape) = self.regions.get(id) {
                region(id, shape, out);
            }
        }
        out.push_str("</g>");
    }

    /// The regions nearest to `region` on the same view, closest first.
    pub fn neighbours(&self, region: &str, count: usize) -> Vec<String> {
        let Some(shape) = self.regions.get(region) else {
            return Vec::new();
        };
        let mut others: Vec<(f64, &String)> = self
            .regions
            .iter()
            .filter(|(id, s)| *id != region && s.view == shape.view)
            .map(|(id, s)| {
                let (dx, dy) = (s.center.0 - shape.center.0, s.center.1 - shape.center.1);
                (dx * dx + dy * dy, id)
            })
            .collect();
        others.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(b.1)));
        others
            .into_iter()
            .take(count)
            .map(|(_, id)| id.clone())
            .collect()
    }
}

/// How every map starts; [`with_sprite`] finds whether a page has one by it.
const MAP_START: &str = "<svg class=\"bodymap ";

/// The id of a view's drawing in the sprite.
fn sprite_view_id(view: View) -> String {
    format!("kw-figure-{}", view.key())
}

/// [`Figure::sprite`]. It is moved out of sight rather than hidden with
/// `display: none`, under which browsers do not paint the stipple pattern.
/// The drawing groups carry the class `bodymap`, so the theme's
/// `.bodymap …` rules reach the copies `<use>` makes: browsers match them
/// within the copy itself (SVG 2), as Firefox does, or against the
/// original, as Chromium still does.
pub(super) fn draw_sprite(views: &[FigureView], resources: &str) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str(
        "<svg class=\"bodymap-sprite\" aria-hidden=\"true\" style=\"position:absolute;width:0;height:0;overflow:hidden\" xmlns=\"http://www.w3.org/2000/svg\"><defs>",
    );
    out.push_str(resources);
    out.push_str(
        "<g class=\"bodymap\"><pattern id=\"kw-stipple\" class=\"stipple\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">\
         <rect width=\"6\" height=\"6\" class=\"stipple-bg\"/><circle cx=\"1.5\" cy=\"1.5\" r=\"1.2\" class=\"stipple-dot\"/><circle cx=\"4.5\" cy=\"4.5\" r=\"1.2\" class=\"stipple-dot\"/></pattern></g>",
    );
    for view in views {
        let _ = write!(
            out,
            "<g id=\"{}\" class=\"bodymap\">{}</g>",
            sprite_view_id(view.view),
            view.drawing
        );
    }
    out.push_str("</defs></svg>");
    out
}

/// `html` with the figure's sprite, if it has a map: the maps draw the
/// figure from it. It goes first in `<body>`, outside anything a template
/// may hide (a closed `<details>` does not paint the stipple pattern it
/// holds); in a page without `<body>`, in front of the first map.
pub fn with_sprite(html: Vec<u8>, sprite: &str) -> Vec<u8> {
    let Some(first_map) = memchr::memmem::find(&html, MAP_START.as_bytes()) else {
        return html;
    };
    let body_start = memchr::memmem::find(&html[..first_map], b"<body")
        .and_then(|tag| memchr::memchr(b'>', &html[tag..first_map]).map(|end| tag + end + 1));
    let at = body_start.unwrap_or(first_map);
    let mut out = Vec::with_capacity(html.len() + sprite.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(sprite.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// Maps show at least this share of the figure's height.
const MIN_CROP: f64 = 0.45;

fn fmt_num(v: f64) -> String {
    let s = format!("{v:.1}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn parse_box(s: &str) -> Option<(f64, f64, f64, f64)> {
    let n: Vec<f64> = s
        .split([' ', ','])
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    match n[..] {
        [x, y, w, h] => Some((x, y, w, h)),
        _ => None,
    }
}

/// The smallest box holding the given views' boxes.
fn combined_view_box(views: &[&FigureView]) -> String {
    let mut bbox = BBox::default();
    for v in views {
        let n: Vec<f64> = v
            .view_box
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        if let [x, y, w, h] = n[..] {
            bbox.add(x, y);
            bbox.add(x + w, y + h);
        }
    }
    match bbox.min {
        Some((x, y)) => format!("{} {} {} {}", x, y, bbox.max.0 - x, bbox.max.1 - y),
        None => "0 0 400 600".into(),
    }
}
