#!/usr/bin/env python3
"""Draws themes/default/bodymap.svg: a human figure from the front and from
the back, with one shape per body region (id="region-<id>").

The figure is built from soft, tapered limb capsules and a smooth torso so it
reads as a body rather than boxes. Lateral regions are drawn on the person's
right side in both views (the viewer's left in the front view, the viewer's
right in the back view), as the trigger point manuals draw one side of a
pattern. Run it after changing the geometry:

    python3 scripts/gen_bodymap.py > themes/default/bodymap.svg

    python3 scripts/gen_bodymap.py --regions > themes/default/regions.toml

(the theme's region names; knotwork build checks figure and names both ways).
"""
import math

W, H, GAP = 200, 540, 24  # one view's width and height, space between views
CX = W / 2


def f(v):
    return f"{v:.1f}".rstrip("0").rstrip(".")


def capsule(p1, p2, r1, r2):
    """A tapered capsule from p1 (radius r1) to p2 (radius r2)."""
    (x1, y1), (x2, y2) = p1, p2
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    a = (x1 + nx * r1, y1 + ny * r1)
    b = (x2 + nx * r2, y2 + ny * r2)
    c = (x2 - nx * r2, y2 - ny * r2)
    d = (x1 - nx * r1, y1 - ny * r1)
    return (f"M{f(a[0])} {f(a[1])}L{f(b[0])} {f(b[1])}"
            f"A{f(r2)} {f(r2)} 0 0 0 {f(c[0])} {f(c[1])}"
            f"L{f(d[0])} {f(d[1])}A{f(r1)} {f(r1)} 0 0 0 {f(a[0])} {f(a[1])}Z")


def lerp(p1, p2, t):
    return (p1[0] + (p2[0] - p1[0]) * t, p1[1] + (p2[1] - p1[1]) * t)


def smooth_closed(points):
    """Catmull-Rom through the points, as cubic Béziers."""
    n = len(points)
    out = [f"M{f(points[0][0])} {f(points[0][1])}"]
    for i in range(n):
        p0, p1, p2, p3 = points[i - 1], points[i], points[(i + 1) % n], points[(i + 2) % n]
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        out.append(f"C{f(c1[0])} {f(c1[1])} {f(c2[0])} {f(c2[1])} {f(p2[0])} {f(p2[1])}")
    return "".join(out) + "Z"


def mirror_x(points):
    return [(2 * CX - x, y) for x, y in points]


# ---- the body, in one view's coordinates; side = -1 is the viewer's left ----

def limbs(side):
    """Limb segments of one side: name -> (p1, p2, r1, r2)."""
    s = side
    sh = (CX + s * 49, 104)
    el = (CX + s * 60, 196)
    wr = (CX + s * 70, 280)
    hand_end = (CX + s * 75, 322)
    hip = (CX + s * 21, 262)
    knee = (CX + s * 20, 376)
    ankle = (CX + s * 19, 486)
    return {
        "upper_arm": (sh, el, 13.5, 10),
        "forearm": (el, wr, 10, 7),
        "hand": (lerp(wr, hand_end, 0.08), hand_end, 8, 6.5),
        "thigh": (hip, knee, 23, 13),
        "shin": (knee, ankle, 13.5, 7.5),
    }


TORSO_RIGHT_HALF = [  # viewer's right half, top to bottom
    (CX + 13, 80), (CX + 34, 88), (CX + 50, 98), (CX + 52, 116), (CX + 45, 140),
    (CX + 40, 168), (CX + 35, 198), (CX + 38, 224), (CX + 44, 250), (CX + 43, 272),
    (CX + 22, 288),
]


def torso_path():
    right = TORSO_RIGHT_HALF
    left = list(reversed(mirror_x(right)))
    bottom = [(CX, 292)]
    return smooth_closed(right + bottom + left + [(CX, 78)])


def body(view):
    parts = []
    parts.append(f'<ellipse class="skin" cx="{f(CX)}" cy="42" rx="24" ry="30"/>')
    parts.append(f'<path class="skin" d="{capsule((CX, 60), (CX, 92), 12.5, 14)}"/>')
    parts.append(f'<path class="skin" d="{torso_path()}"/>')
    for side in (-1, 1):
        for name, (p1, p2, r1, r2) in limbs(side).items():
            parts.append(f'<path class="skin" d="{capsule(p1, p2, r1, r2)}"/>')
        ankle = limbs(side)["shin"][1]
        if view == "front":
            toe = (ankle[0] + side * 9, ankle[1] + 26)
            parts.append(f'<path class="skin" d="{capsule((ankle[0], ankle[1] + 4), toe, 8, 6.5)}"/>')
        else:
            parts.append(f'<ellipse class="skin" cx="{f(ankle[0])}" cy="{f(ankle[1] + 14)}" rx="8.5" ry="13"/>')
    return parts


def details(view):
    """Light anatomical lines that make the figure read as front or back."""
    d = []
    if view == "front":
        d.append(f"M{f(CX - 32)} 92Q{f(CX - 16)} 97 {f(CX - 4)} 93M{f(CX + 32)} 92Q{f(CX + 16)} 97 {f(CX + 4)} 93")  # collarbones
        d.append(f"M{f(CX - 30)} 142Q{f(CX - 16)} 152 {f(CX - 3)} 144M{f(CX + 30)} 142Q{f(CX + 16)} 152 {f(CX + 3)} 144")  # chest
        d.append(f"M{f(CX - 2)} 214a2 2.5 0 1 0 4 0a2 2.5 0 1 0 -4 0")  # navel
        d.append(f"M{f(CX - 36)} 250Q{f(CX - 20)} 268 {f(CX - 4)} 284M{f(CX + 36)} 250Q{f(CX + 20)} 268 {f(CX + 4)} 284")  # groin
        for s in (-1, 1):
            k = (CX + s * 20, 376)
            d.append(f"M{f(k[0] - 7)} {f(k[1] + 4)}Q{f(k[0])} {f(k[1] + 10)} {f(k[0] + 7)} {f(k[1] + 4)}")  # knees
        d.append(f"M{f(CX - 9)} 44q3 -3 6 0M{f(CX + 3)} 44q3 -3 6 0M{f(CX - 5)} 58q5 3 10 0")  # face
    else:
        d.append(f"M{f(CX)} 86V262")  # spine
        for s in (-1, 1):
            d.append(f"M{f(CX + s * 12)} 112Q{f(CX + s * 36)} 108 {f(CX + s * 40)} 122L{f(CX + s * 30)} 160Q{f(CX + s * 18)} 150 {f(CX + s * 12)} 112")  # scapulae
            d.append(f"M{f(CX + s * 4)} 284Q{f(CX + s * 24)} 296 {f(CX + s * 40)} 276")  # gluteal folds
            k = (CX + s * 20, 376)
            d.append(f"M{f(k[0] - 8)} {f(k[1])}H{f(k[0] + 8)}")  # knee creases
    return [f'<path class="detail" d="{x}"/>' for x in d]


# ---- regions: (id, name, view, svg shape) ----

def ell(cx, cy, rx, ry, rot=0):
    t = f' transform="rotate({f(rot)} {f(cx)} {f(cy)})"' if rot else ""
    return f'<ellipse cx="{f(cx)}" cy="{f(cy)}" rx="{f(rx)}" ry="{f(ry)}"{t}/>'


def along(limb, t0, t1, shrink=0.8, side=1):
    """A capsule covering part of a limb, from fraction t0 to t1."""
    p1, p2, r1, r2 = limbs(side)[limb]
    a, b = lerp(p1, p2, t0), lerp(p1, p2, t1)
    ra = (r1 + (r2 - r1) * t0) * shrink
    rb = (r1 + (r2 - r1) * t1) * shrink
    return f'<path d="{capsule(a, b, ra, rb)}"/>'


def half(limb, t0, t1, side, inner, shrink=0.9):
    """The inner or outer half strip of a limb segment."""
    p1, p2, r1, r2 = limbs(side)[limb]
    a, b = lerp(p1, p2, t0), lerp(p1, p2, t1)
    ra = (r1 + (r2 - r1) * t0)
    rb = (r1 + (r2 - r1) * t1)
    dx, dy = b[0] - a[0], b[1] - a[1]
    L = math.hypot(dx, dy)
    nx, ny = -dy / L, dx / L
    # Normal pointing away from the midline is "outer".
    if (nx * side) < 0:
        nx, ny = -nx, -ny
    k = -1 if inner else 1
    off = lambda p, r: (p[0] + k * nx * r * 0.5, p[1] + k * ny * r * 0.5)
    return f'<path d="{capsule(off(a, ra), off(b, rb), ra * 0.45 * shrink, rb * 0.45 * shrink)}"/>'


F, B = "front", "back"
R_FRONT = -1  # the person's right side in the front view is the viewer's left
R_BACK = 1


def regions():
    s = R_FRONT
    fx = lambda dx: CX + s * dx
    front = [
        ("top-of-head", "Top of the head", ell(CX, 16, 15, 6)),
        ("forehead", "Forehead", ell(CX, 29, 15, 6)),
        ("temple", "Temple", ell(fx(18), 36, 5, 8)),
        ("behind-eye", "Eye and behind the eye", ell(fx(9), 43, 5, 3.5)),
        ("cheek", "Cheek", ell(fx(12), 53, 5.5, 5)),
        ("ear", "Ear", ell(fx(24), 46, 3.5, 7)),
        ("jaw", "Jaw", ell(fx(15), 63, 7, 4.5, rot=s * -25)),
        ("throat", "Throat and front of the neck", ell(CX, 82, 7, 8)),
        ("neck-side", "Side of the neck", ell(fx(11), 80, 4, 10, rot=s * 8)),
        ("sternum", "Breastbone", ell(CX, 128, 6, 24)),
        ("chest", "Chest", ell(fx(25), 122, 15, 17)),
        ("side-ribs", "Side of the ribs", ell(fx(40), 162, 6, 17, rot=s * 8)),
        ("shoulder-front", "Front of the shoulder", ell(fx(45.5), 106, 7.5, 10)),
        ("shoulder-side", "Side of the shoulder", ell(fx(56.5), 109, 3.5, 8, rot=s * -10)),
        ("upper-arm-front", "Front of the upper arm", half("upper_arm", 0.25, 0.85, s, inner=False, shrink=1.1)),
        ("upper-arm-inner", "Inner upper arm", half("upper_arm", 0.25, 0.85, s, inner=True, shrink=1.1)),
        ("elbow-inner", "Inner elbow", half("forearm", -0.06, 0.08, s, inner=True, shrink=1.2)),
        ("elbow-outer", "Outer elbow", half("forearm", -0.06, 0.08, s, inner=False, shrink=1.2)),
        ("forearm-front", "Front of the forearm", along("forearm", 0.22, 0.85, 0.75, s)),
        ("wrist-front", "Front of the wrist", along("forearm", 0.93, 1.0, 0.95, s)),
        ("palm", "Palm", along("hand", 0.05, 0.5, 0.85, s)),
        ("thumb", "Thumb and index finger", half("hand", 0.15, 0.95, s, inner=False, shrink=1.1)),
        ("fingers", "Fingers", half("hand", 0.55, 1.0, s, inner=True, shrink=1.1)),
        ("upper-abdomen", "Upper abdomen", ell(CX, 185, 24, 14)),
        ("lower-abdomen", "Lower abdomen", ell(CX, 232, 24, 15)),
        ("hip-front", "Front of the hip", ell(fx(34), 258, 8, 10)),
        ("groin", "Groin", ell(fx(14), 276, 8, 6, rot=s * 35)),
        ("thigh-front", "Front of the thigh", along("thigh", 0.15, 0.8, 0.55, s)),
        ("thigh-inner", "Inner thigh", half("thigh", 0.1, 0.85, s, inner=True)),
        ("thigh-outer", "Outer thigh", half("thigh", 0.1, 0.9, s, inner=False)),
        ("knee-front", "Front of the knee", ell(fx(20), 378, 8.5, 9)),
        ("knee-inner", "Inner knee", ell(fx(9), 386, 3.5, 8)),
        ("knee-outer", "Outer knee", ell(fx(31), 386, 3.5, 8)),
        ("shin", "Shin", half("shin", 0.12, 0.85, s, inner=True, shrink=0.95)),
        ("leg-outer", "Outer lower leg", half("shin", 0.1, 0.8, s, inner=False, shrink=0.95)),
        ("ankle-front", "Front of the ankle", ell(fx(19), 490, 7, 4)),
        ("top-of-foot", "Top of the foot", ell(fx(23), 502, 6, 6, rot=s * -20)),
        ("toes", "Toes", ell(fx(27), 512, 5.5, 3.5, rot=s * -20)),
    ]
    s = R_BACK
    bx = lambda dx: CX + s * dx
    back = [
        ("back-of-head", "Back of the head", ell(CX, 46, 16, 12)),
        ("neck-back", "Back of the neck", ell(bx(5), 80, 6, 11)),
        ("shoulder-top", "Top of the shoulder", ell(bx(28), 91, 15, 5.5, rot=s * 14)),
        ("upper-back", "Upper back", ell(bx(9), 104, 7, 9)),
        ("shoulder-blade", "Shoulder blade", ell(bx(29), 132, 10, 16, rot=s * -6)),
        ("between-shoulder-blades", "Between the shoulder blades", ell(bx(9), 138, 6, 18)),
        ("shoulder-back", "Back of the shoulder", ell(bx(48), 110, 9, 11)),
        ("upper-arm-back", "Back of the upper arm", along("upper_arm", 0.3, 0.85, 0.75, s)),
        ("elbow-back", "Point of the elbow", ell(*limbs(s)["forearm"][0], 6, 6)),
        ("forearm-back", "Back of the forearm", along("forearm", 0.2, 0.85, 0.75, s)),
        ("wrist-back", "Back of the wrist", along("forearm", 0.93, 1.0, 0.95, s)),
        ("hand-back", "Back of the hand", along("hand", 0.1, 0.95, 0.85, s)),
        ("mid-back", "Mid back", ell(bx(12), 184, 9, 18)),
        ("low-back", "Low back", ell(bx(12), 228, 11, 18)),
        ("sacrum", "Sacrum", ell(CX, 262, 9, 13)),
        ("hip-side", "Side of the hip", ell(bx(41), 266, 6, 12)),
        ("buttock", "Buttock", ell(bx(23), 272, 15, 15)),
        ("thigh-back", "Back of the thigh", along("thigh", 0.25, 0.85, 0.6, s)),
        ("knee-back", "Back of the knee", ell(bx(20), 378, 8, 7)),
        ("calf", "Calf", along("shin", 0.12, 0.62, 0.75, s)),
        ("ankle-outer", "Outer ankle", ell(bx(26), 486, 4, 5)),
        ("heel", "Heel", ell(bx(19), 506, 6, 6)),
        ("sole", "Sole of the foot", ell(bx(19), 494, 5, 4)),
    ]
    return [(i, n, F, shape) for i, n, shape in front] + [(i, n, B, shape) for i, n, shape in back]


def region_markup(rid, name, shape):
    if shape.startswith("<ellipse") or shape.startswith("<path"):
        tag_end = shape.index(" ")
        return f'{shape[:tag_end]} id="region-{rid}"{shape[tag_end:]}'
    return f'<g id="region-{rid}">{shape}</g>'


def svg():
    rs = regions()
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W * 2 + GAP} {H}" role="img" aria-label="Human figure, front and back">']
    out.append("<!-- Generated by scripts/gen_bodymap.py; regions named in themes/default/regions.toml. -->")
    for view, dx in (("front", 0), ("back", W + GAP)):
        t = f' transform="translate({dx} 0)"' if dx else ""
        out.append(f'<g id="view-{view}" data-viewbox="{dx} 0 {W} {H}"{t}>')
        # The outline pass draws every shape with a stroke; the fill pass on
        # top hides the strokes where shapes overlap, so limbs join smoothly.
        shapes = "".join(body(view))
        out.append('<g class="figure outline">' + shapes + "</g>")
        out.append('<g class="figure fill">' + shapes + "</g>")
        out.append('<g class="details">' + "".join(details(view)) + "</g>")
        out.append('<g class="regions">')
        for rid, name, v, shape in rs:
            if v == view:
                out.append(region_markup(rid, name, shape))
        out.append("</g></g>")
    out.append("</svg>")
    return "\n".join(out)


def regions_toml():
    lines = ["# The regions drawn by this theme's body figure (bodymap.svg), as id=\"region-<id>\".",
             "# A site's content/regions.toml may rename them, add red_flags or near, or add",
             "# regions a site's own bodymap.svg draws. Written by scripts/gen_bodymap.py.", ""]
    for rid, name, view, _ in regions():
        lines += ["[[regions]]", f'id = "{rid}"', f'name = "{name}"', f'view = "{view}"', ""]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    print(regions_toml() if "--regions" in sys.argv else svg())
