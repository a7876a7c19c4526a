//! The body figure: loading `bodymap.svg` and composing maps from it.
//!
//! The figure is parsed once: its views (`id="view-front"`,
//! `id="view-back"`), the region shapes in them (`id="region-<id>"`, kept
//! as markup with ids made `data-id`, since a page may show many maps and
//! ids must be unique in a document), and the `<defs>` and styles the
//! drawing uses.
//!
//! A page with maps carries the figure once, in a hidden sprite
//! ([`Figure::sprite`], put first in the page's body by [`with_sprite`]);
//! each referral map draws it with `<use>` and adds only its own
//! zones (the regions a muscle refers to, wrapped in a zone class) and an X
//! where each trigger point lies. Drawing the whole figure into every map
//! made the referral patterns page of a 40-muscle site 550 KB.

use std::collections::HashMap;
use std::hash::Hash;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::content::data::View;
use crate::diagnostics::{Diagnostic, Diagnostics, Location, Source};

mod draw;
mod geometry;

use draw::draw_sprite;
pub use draw::{with_sprite, MapSpec};
use geometry::{marker_position, shape_bounds};

/// The figure shipped with the default theme, used when neither the site nor
/// its theme has one.
pub const DEFAULT_FIGURE: &str = include_str!("../../themes/default/bodymap.svg");

#[derive(Debug, Clone)]
pub struct Figure {
    pub source: Arc<Source>,
    pub views: Vec<FigureView>,
    pub regions: HashMap<String, RegionShape>,
    /// The maps drawn from this figure, by their spec: a muscle's map is
    /// shown on its page, on the referral patterns page and on the pain
    /// page of every region it refers to, and `knotwork serve` keeps the
    /// figure (and so these) across data edits. Clones share it: they are
    /// the same figure.
    drawn: Arc<Mutex<HashMap<u128, String>>>,
    /// The figure's views as the maps of a page `<use>` them.
    sprite: Arc<str>,
}

#[derive(Debug, Clone)]
pub struct FigureView {
    pub view: View,
    pub view_box: String,
    /// The view's own transform, kept so that coordinates stay those of the
    /// whole figure.
    pub transform: Option<String>,
    /// The view's markup as the sprite holds it: region ids made `data-id`
    /// (maps draw regions again, so those would repeat), other ids kept
    /// (the figure's own gradients and clip paths are referred to by id).
    drawing: String,
    /// The view's regions in the order the figure draws them.
    regions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct RegionShape {
    pub view: View,
    /// The shape's markup, ids removed.
    pub markup: String,
    /// Where a trigger point's X goes, in figure coordinates.
    pub center: (f64, f64),
    /// The shape's bounding box (x0, y0, x1, y1), in figure coordinates.
    pub bounds: (f64, f64, f64, f64),
    /// Where the shape is written in the SVG file, for errors.
    pub location: Location,
}

/// How a region is drawn on one map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Zone {
    Essential,
    Spillover,
}

impl Zone {
    pub fn key(self) -> &'static str {
        match self {
            Zone::Essential => "essential",
            Zone::Spillover => "spillover",
        }
    }
}

/// Loads the figure: the site's own `bodymap.svg`, else the theme's, else
/// the built-in one.
pub fn load(root: &Path, theme: &str, diags: &mut Diagnostics) -> Option<Figure> {
    let candidates = [
        root.join("bodymap.svg"),
        root.join("themes").join(theme).join("bodymap.svg"),
    ];
    let source = match candidates.iter().find(|p| p.is_file()) {
        Some(path) => match crate::content::read_source(root, path) {
            Ok(s) => s,
            Err(d) => {
                diags.push(d);
                return None;
            }
        },
        None => Source::new("(built-in theme)/bodymap.svg", DEFAULT_FIGURE.to_string()),
    };
    match parse(source) {
        Ok(f) => Some(f),
        Err(d) => {
            diags.extend(d);
            None
        }
    }
}

impl Figure {
    /// The regions the figure draws, with the view each is drawn in.
    pub fn drawn_views(&self) -> HashMap<String, View> {
        self.regions
            .iter()
            .map(|(id, shape)| (id.clone(), shape.view))
            .collect()
    }
}

pub fn parse(source: Arc<Source>) -> Result<Figure, Vec<Diagnostic>> {
    let text = source.text.as_str();
    let doc = roxmltree::Document::parse(text).map_err(|e| {
        let pos = e.pos();
        let line_text = text.lines().nth(pos.row as usize - 1).unwrap_or("");
        vec![
            Diagnostic::error(format!("the body figure is not valid SVG: {e}")).at(
                Location::with_line(&source.path, pos.row as usize, pos.col as usize, line_text),
            ),
        ]
    })?;
    let root = doc.root_element();
    let root_view_box = root
        .attribute("viewBox")
        .unwrap_or("0 0 400 600")
        .to_string();
    let mut problems = Vec::new();
    let mut views = Vec::new();
    let mut regions = HashMap::new();
    for (view, id) in [(View::Front, "view-front"), (View::Back, "view-back")] {
        let Some(node) = root.descendants().find(|n| n.attribute("id") == Some(id)) else {
            continue;
        };
        let mut view_regions = Vec::new();
        let inner = inner_range(&node, text);
        let mut cursor = inner.start;
        for shape in node
            .descendants()
            .filter(|n| n.attribute("id").is_some_and(|i| i.starts_with("region-")))
        {
            let range = shape.range();
            if range.start < cursor {
                continue; // nested inside another region; the outer one wins
            }
            let region_id = shape.attribute("id").unwrap_or("")["region-".len()..].to_string();
            view_regions.push(region_id.clone());
            cursor = range.end;
            let location = source.locate(range.start..range.start + 1);
            let bounds = shape_bounds(&shape).unwrap_or((0.0, 0.0, 0.0, 0.0));
            let center = marker_position(&shape).unwrap_or_else(|| {
                problems.push(
                    Diagnostic::error(format!(
                        "cannot find where `region-{region_id}` lies: give it a shape (path, polygon, ellipse, circle, rect) or data-x and data-y"
                    ))
                    .at(location.clone()),
                );
                (0.0, 0.0)
            });
            let previous = regions.insert(
                region_id.clone(),
                RegionShape {
                    view,
                    markup: strip_ids(&svg_only(text, range.clone(), shape)),
                    center,
                    bounds,
                    location: location.clone(),
                },
            );
            if previous.is_some() {
                problems.push(
                    Diagnostic::error(format!(
                        "`region-{region_id}` is drawn twice in the body figure"
                    ))
                    .at(location),
                );
            }
        }
        views.push(FigureView {
            view,
            view_box: node
                .attribute("data-viewbox")
                .unwrap_or(&root_view_box)
                .to_string(),
            transform: node.attribute("transform").map(str::to_string),
            drawing: rename_ids(&svg_only(text, inner, node), |id| {
                !id.starts_with("region-")
            }),
            regions: view_regions,
        });
    }
    // Region shapes outside both views cannot be placed on a map.
    for stray in root.descendants().filter(|n| {
        n.attribute("id").is_some_and(|i| i.starts_with("region-"))
            && !n
                .ancestors()
                .any(|a| matches!(a.attribute("id"), Some("view-front" | "view-back")))
    }) {
        problems.push(
            Diagnostic::error(format!(
                "`{}` is not inside a view: put it in the group with id=\"view-front\" or id=\"view-back\"",
                stray.attribute("id").unwrap_or("")
            ))
            .at(source.locate(stray.range().start..stray.range().start + 1)),
        );
    }
    if views.is_empty() {
        problems.push(
            Diagnostic::error("the body figure has no view: it needs a group with id=\"view-front\" and/or id=\"view-back\"")
                .at(source.whole()),
        );
    }
    if problems.is_empty() {
        let sprite = draw_sprite(&views, &resources(&root, text)).into();
        Ok(Figure {
            source,
            views,
            regions,
            drawn: Arc::default(),
            sprite,
        })
    } else {
        Err(problems)
    }
}

/// The byte range between an element's start and end tags.
fn inner_range(node: &roxmltree::Node<'_, '_>, text: &str) -> Range<usize> {
    let range = node.range();
    let open_end = text[range.clone()]
        .find('>')
        .map_or(range.end, |i| range.start + i + 1);
    let close_start = text[..range.end]
        .rfind("</")
        .filter(|&i| i >= open_end)
        .unwrap_or(range.end);
    open_end..close_start
}

/// Copies of the figure's markup must not repeat its ids.
fn strip_ids(markup: &str) -> String {
    rename_ids(markup, |_| false)
}

/// `markup` with each `id` attribute for whose value `keep` is false made
/// `data-id` (the theme's styles find regions by `data-id`).
fn rename_ids(markup: &str, keep: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(markup.len() + 64);
    let mut rest = markup;
    while let Some(at) = rest.find("id=") {
        let (before, from) = rest.split_at(at);
        let is_attribute = before.ends_with(|c: char| c.is_ascii_whitespace());
        let value = from[3..].strip_prefix(['"', '\'']).and_then(|v| {
            let quote = from.as_bytes()[3] as char;
            v.find(quote).map(|end| &v[..end])
        });
        out.push_str(before);
        if is_attribute && value.is_some_and(|v| !keep(v)) {
            out.push_str("data-");
        }
        out.push_str("id=");
        rest = &from[3..];
    }
    out.push_str(rest);
    out
}

/// The elements outside the views that the views' drawing may use: the
/// figure's `<defs>`, `<style>` and paint servers (gradients, patterns,
/// clip paths, filters), as an editor such as Inkscape or Illustrator
/// writes them at the top of the file.
fn resources(root: &roxmltree::Node<'_, '_>, text: &str) -> String {
    const KINDS: [&str; 10] = [
        "defs",
        "style",
        "linearGradient",
        "radialGradient",
        "pattern",
        "clipPath",
        "mask",
        "filter",
        "marker",
        "symbol",
    ];
    root.children()
        .filter(|n| n.is_element() && KINDS.contains(&n.tag_name().name()))
        .map(|n| svg_only(text, n.range(), n))
        .collect()
}

/// Namespaces whose attributes HTML takes on SVG elements (`xlink:href`,
/// `xml:space`).
const KEPT_NAMESPACES: [&str; 2] = [
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/XML/1998/namespace",
];
const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";

/// The figure's `text` in `range` (which `node` spans or holds) without
/// what an editor adds that is not SVG: Inkscape's `inkscape:label` and
/// `sodipodi:nodetypes` attributes, its `sodipodi:namedview` element. The
/// HTML checker rejects them in a page. Elements without a namespace (a
/// hand-written figure without `xmlns`) are SVG.
fn svg_only(text: &str, range: Range<usize>, node: roxmltree::Node<'_, '_>) -> String {
    let mut cuts: Vec<Range<usize>> = Vec::new();
    for n in node.descendants().filter(|n| n.is_element()) {
        let r = n.range();
        if r.end <= range.start || r.start >= range.end {
            continue;
        }
        if !matches!(n.tag_name().namespace(), None | Some(SVG_NAMESPACE)) {
            cuts.push(r);
            continue;
        }
        for a in n.attributes() {
            if a.namespace()
                .is_some_and(|ns| !KEPT_NAMESPACES.contains(&ns))
            {
                let r = a.range();
                // With the space before it.
                cuts.push(text[..r.start].trim_end().len()..r.end);
            }
        }
    }
    cuts.sort_by_key(|c| c.start);
    let mut out = String::with_capacity(range.len());
    let mut cursor = range.start;
    for cut in cuts {
        // A cut inside one already made (an attribute of a cut element).
        if cut.start < cursor {
            continue;
        }
        out.push_str(&text[cursor..cut.start]);
        cursor = cut.end;
    }
    out.push_str(&text[cursor..range.end]);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100">
<g id="view-front" data-viewbox="0 0 100 100"><path d="M0 0L10 10"/>
<ellipse id="region-temple" cx="20" cy="30" rx="5" ry="5"/>
<path id="region-jaw" d="M40 40 L60 40 L60 60 Z"/></g>
<g id="view-back" transform="translate(100,0)" data-viewbox="100 0 100 100">
<rect id="region-upper-back" x="10" y="10" width="20" height="10"/></g>
</svg>"#;

    fn figure() -> Figure {
        parse(Source::new("bodymap.svg", SVG.to_string())).unwrap()
    }

    #[test]
    fn finds_regions_views_and_centres() {
        let f = figure();
        assert_eq!(f.regions.len(), 3);
        assert_eq!(f.regions["temple"].center, (20.0, 30.0));
        assert_eq!(f.regions["jaw"].center, (50.0, 50.0));
        assert_eq!(f.regions["upper-back"].view, View::Back);
        assert_eq!(f.regions["upper-back"].center, (120.0, 15.0));
    }

    #[test]
    fn composes_a_map_with_zones_and_marks() {
        let f = figure();
        let zones = BTreeMap::from([
            ("temple".to_string(), Zone::Essential),
            ("jaw".to_string(), Zone::Spillover),
        ]);
        let svg = f.referral_map(&MapSpec {
            id: "m",
            title: "T",
            description: "D",
            zones: &zones,
            marks: &["jaw".to_string()],
        });
        assert!(
            svg.contains("<g class=\"zone zone-essential\"><ellipse data-id=\"region-temple\""),
            "{svg}"
        );
        assert!(svg.contains("zone-spillover\" fill=\"url(#kw-stipple)\""));
        assert!(svg.contains("<use href=\"#kw-figure-front\"/>"), "{svg}");
        // The figure is drawn by the sprite, not by each map.
        assert!(!svg.contains("M0 0L10 10"), "{svg}");
        assert!(
            f.sprite()
                .contains("<g id=\"kw-figure-front\" class=\"bodymap\"><path d=\"M0 0L10 10\"/>"),
            "{}",
            f.sprite()
        );
        assert!(f
            .sprite()
            .contains("<g id=\"kw-figure-back\" class=\"bodymap\">"));
        assert!(svg.contains("class=\"tp-mark\" d=\"M45.0 45.0"));
        assert!(!svg.contains("view-back"), "back view not needed: {svg}");
        assert!(!svg.contains(" id=\"region-"));
    }

    #[test]
    fn a_map_is_drawn_once_per_spec_and_clones_share_the_drawings() {
        let f = figure();
        let temple = BTreeMap::from([("temple".to_string(), Zone::Essential)]);
        let jaw = BTreeMap::from([("jaw".to_string(), Zone::Essential)]);
        let spec = |zones| MapSpec {
            id: "m",
            title: "T",
            description: "D",
            zones,
            marks: &[],
        };
        // Drawn through a clone, kept for the original too.
        let first = f.clone().referral_map(&spec(&temple));
        assert_eq!(f.drawn().len(), 1);
        assert_eq!(f.referral_map(&spec(&temple)), first);
        assert_eq!(f.drawn().len(), 1);
        // Another zone is another map, not the one drawn before.
        let other = f.referral_map(&spec(&jaw));
        assert!(
            other.contains("zone-essential\"><path data-id=\"region-jaw\""),
            "{other}"
        );
        assert_ne!(other, first);
        assert_eq!(other, f.draw_referral_map(&spec(&jaw)));
        assert_eq!(f.drawn().len(), 2);
    }

    #[test]
    fn the_sprite_goes_in_once_first_in_body_else_before_the_first_map() {
        let f = figure();
        let zones = BTreeMap::new();
        let map = f.referral_map(&MapSpec {
            id: "m",
            title: "T",
            description: "D",
            zones: &zones,
            marks: &[],
        });
        let page = format!("<main><p>x</p>{map}<div>{map}</div></main>");
        let with = String::from_utf8(with_sprite(page.clone().into_bytes(), f.sprite())).unwrap();
        assert_eq!(with.matches("kw-figure-front\" class").count(), 1);
        assert!(with.starts_with(&format!("<main><p>x</p>{}{map}", f.sprite())));
        // First in the body when there is one.
        let page =
            format!("<html><head></head><body class=\"p\"><details>{map}</details></body></html>");
        let with = String::from_utf8(with_sprite(page.into_bytes(), f.sprite())).unwrap();
        assert!(with.starts_with(&format!(
            "<html><head></head><body class=\"p\">{}<details>",
            f.sprite()
        )));
        let plain = "<main>no maps</main>".as_bytes().to_vec();
        assert_eq!(with_sprite(plain.clone(), f.sprite()), plain);
    }

    #[test]
    fn editor_markup_that_is_not_svg_is_left_out() {
        let inkscape = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">
<defs id="defs1"><linearGradient inkscape:collect="always" id="skin"><stop offset="0" stop-color="#fc9"/></linearGradient></defs>
<sodipodi:namedview id="namedview1" inkscape:zoom="1"/>
<g id="view-front" inkscape:label="Front" inkscape:groupmode="layer"><sodipodi:guide position="1,1"/>
<path id="body" style="fill:url(#skin)" d="M0 0L10 10" sodipodi:nodetypes="cc"/>
<use xlink:href="#body" xml:space="preserve"/>
<ellipse id="region-temple" inkscape:label="Temple" cx="20" cy="30" rx="5" ry="5"/></g></svg>"##;
        let f = parse(Source::new("bodymap.svg", inkscape.to_string())).unwrap();
        let sprite = f.sprite();
        assert!(!sprite.contains("inkscape:"), "{sprite}");
        assert!(!sprite.contains("sodipodi"), "{sprite}");
        assert!(sprite.contains("<linearGradient id=\"skin\">"), "{sprite}");
        assert!(
            sprite.contains("<path id=\"body\" style=\"fill:url(#skin)\" d=\"M0 0L10 10\"/>"),
            "{sprite}"
        );
        assert!(
            sprite.contains("<use xlink:href=\"#body\" xml:space=\"preserve\"/>"),
            "{sprite}"
        );
        assert_eq!(
            f.regions["temple"].markup,
            "<ellipse data-id=\"region-temple\" cx=\"20\" cy=\"30\" rx=\"5\" ry=\"5\"/>"
        );
    }

    #[test]
    fn region_outside_views_is_an_error() {
        let bad = r#"<svg viewBox="0 0 10 10"><g id="view-front"/><circle id="region-x" cx="1" cy="1" r="1"/></svg>"#;
        let errs = parse(Source::new("b.svg", bad.into())).unwrap_err();
        assert!(errs[0].message.contains("not inside a view"));
    }
}
