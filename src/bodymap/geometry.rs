//! Where things are on the figure: the bounding boxes of its region
//! shapes (circles, ellipses, rectangles, polygons and paths, with the
//! transforms of their groups), which place a trigger point's mark and
//! crop a map to the views it needs.

use std::str::FromStr;

/// An explicit `data-x`/`data-y`, else the centre of the shape's bounding box,
/// in the coordinates of the whole figure.
pub(super) fn marker_position(node: &roxmltree::Node<'_, '_>) -> Option<(f64, f64)> {
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

pub(super) fn shape_bounds(node: &roxmltree::Node<'_, '_>) -> Option<(f64, f64, f64, f64)> {
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
pub(super) struct BBox {
    pub(super) min: Option<(f64, f64)>,
    pub(super) max: (f64, f64),
}

impl BBox {
    pub(super) fn add(&mut self, x: f64, y: f64) {
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
