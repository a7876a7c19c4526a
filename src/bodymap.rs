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

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::hash::Hash;
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};

use xxhash_rust::xxh3::Xxh3;

use crate::content::data::View;
use crate::diagnostics::{Diagnostic, Diagnostics, Location, Source};
use crate::html::escape;

/// The figure shipped with the default theme, used when neither the site nor
/// its theme has one.
pub const DEFAULT_FIGURE: &str = include_str!("../themes/default/bodymap.svg");

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

/// An explicit `data-x`/`data-y`, else the centre of the shape's bounding box,
/// in the coordinates of the whole figure.
fn marker_position(node: &roxmltree::Node<'_, '_>) -> Option<(f64, f64)> {
    if let (Some(x), Some(y)) = (node.attribute("data-x"), node.attribute("data-y")) {
        return Some((x.parse().ok()?, y.parse().ok()?));
    }
    shape_bbox(node).center()
}

fn shape_bbox(node: &roxmltree::Node<'_, '_>) -> BBox {
    let mut bbox = BBox::default();
    for n in node.descendants().filter(|n| n.is_element()) {
        let transform = accumulated_transform(&n);
        for (x, y) in shape_points(&n) {
            let (tx, ty) = transform.apply(x, y);
            bbox.add(tx, ty);
        }
    }
    bbox
}

fn shape_bounds(node: &roxmltree::Node<'_, '_>) -> Option<(f64, f64, f64, f64)> {
    let b = shape_bbox(node);
    b.min.map(|(x, y)| (x, y, b.max.0, b.max.1))
}

fn accumulated_transform(node: &roxmltree::Node<'_, '_>) -> svgtypes::Transform {
    let mut t = svgtypes::Transform::default();
    for a in node.ancestors().filter(|n| n.is_element()) {
        if let Some(Ok(parent)) = a.attribute("transform").map(svgtypes::Transform::from_str) {
            // Ancestors apply after (outside) the node's own transform.
            t = multiply(&parent, &t);
        }
    }
    t
}

fn multiply(a: &svgtypes::Transform, b: &svgtypes::Transform) -> svgtypes::Transform {
    svgtypes::Transform::new(
        a.a * b.a + a.c * b.b,
        a.b * b.a + a.d * b.b,
        a.a * b.c + a.c * b.d,
        a.b * b.c + a.d * b.d,
        a.a * b.e + a.c * b.f + a.e,
        a.b * b.e + a.d * b.f + a.f,
    )
}

trait Apply {
    fn apply(&self, x: f64, y: f64) -> (f64, f64);
}

impl Apply for svgtypes::Transform {
    fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.a * x + self.c * y + self.e,
            self.b * x + self.d * y + self.f,
        )
    }
}

fn num(node: &roxmltree::Node<'_, '_>, name: &str) -> f64 {
    node.attribute(name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Points that bound a shape (control points included: close enough for
/// placing a marker).
fn shape_points(node: &roxmltree::Node<'_, '_>) -> Vec<(f64, f64)> {
    match node.tag_name().name() {
        "circle" => {
            let (cx, cy, r) = (num(node, "cx"), num(node, "cy"), num(node, "r"));
            vec![(cx - r, cy - r), (cx + r, cy + r)]
        }
        "ellipse" => {
            let (cx, cy, rx, ry) = (
                num(node, "cx"),
                num(node, "cy"),
                num(node, "rx"),
                num(node, "ry"),
            );
            vec![(cx - rx, cy - ry), (cx + rx, cy + ry)]
        }
        "rect" => {
            let (x, y, w, h) = (
                num(node, "x"),
                num(node, "y"),
                num(node, "width"),
                num(node, "height"),
            );
            vec![(x, y), (x + w, y + h)]
        }
        "polygon" | "polyline" => {
            svgtypes::PointsParser::from(node.attribute("points").unwrap_or("")).collect()
        }
        "path" => path_points(node.attribute("d").unwrap_or("")),
        _ => Vec::new(),
    }
}

fn path_points(d: &str) -> Vec<(f64, f64)> {
    use svgtypes::SimplePathSegment as S;
    let mut points = Vec::new();
    for seg in svgtypes::SimplifyingPathParser::from(d).flatten() {
        match seg {
            S::MoveTo { x, y } | S::LineTo { x, y } => points.push((x, y)),
            S::Quadratic { x1, y1, x, y } => points.extend([(x1, y1), (x, y)]),
            S::CurveTo {
                x1,
                y1,
                x2,
                y2,
                x,
                y,
            } => points.extend([(x1, y1), (x2, y2), (x, y)]),
            S::ClosePath => {}
        }
    }
    points
}

#[derive(Default)]
struct BBox {
    min: Option<(f64, f64)>,
    max: (f64, f64),
}

impl BBox {
    fn add(&mut self, x: f64, y: f64) {
        match &mut self.min {
            None => {
                self.min = Some((x, y));
                self.max = (x, y);
            }
            Some(min) => {
                min.0 = min.0.min(x);
                min.1 = min.1.min(y);
                self.max.0 = self.max.0.max(x);
                self.max.1 = self.max.1.max(y);
            }
        }
    }

    fn center(&self) -> Option<(f64, f64)> {
        self.min
            .map(|(x, y)| ((x + self.max.0) / 2.0, (y + self.max.1) / 2.0))
    }
}

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
    fn drawn(&self) -> MutexGuard<'_, HashMap<u128, String>> {
        self.drawn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn draw_referral_map(&self, spec: &MapSpec<'_>) -> String {
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
fn draw_sprite(views: &[FigureView], resources: &str) -> String {
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

#[cfg(test)]
mod tests {
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
