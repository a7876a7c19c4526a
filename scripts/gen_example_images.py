#!/usr/bin/env python3
"""Draws the example site's article images: flat, warm illustrations of a
treatment room, self-care tools and the ideas the articles explain. No
photographs, and no people (the studio and its team are fictional).

    pip install pillow && python3 scripts/gen_example_images.py

Writes content/blog/9-methods-for-trigger-point-release/tools.jpg (an
article kept as a folder with its image) and static/images/**.jpg. Deterministic: the same bytes each run.
"""
import math
import os
import random

from PIL import Image, ImageDraw, ImageFilter

W, H = 2400, 1600
ROOT = os.path.join(os.path.dirname(__file__), "..")

SAND = (236, 226, 210)
CLAY = (196, 120, 88)
SAGE = (128, 156, 128)
TEAL = (52, 108, 112)
INK = (48, 56, 62)
CREAM = (250, 244, 234)
ROSE = (214, 140, 132)


def gradient(top, bottom):
    img = Image.new("RGB", (W, H))
    d = ImageDraw.Draw(img)
    for y in range(H):
        t = y / (H - 1)
        d.line([(0, y), (W, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    return img


def soft_light(img, x, y, r, colour, strength=90):
    glow = Image.new("RGB", img.size, colour)
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).ellipse([x - r, y - r, x + r, y + r], fill=strength)
    mask = mask.filter(ImageFilter.GaussianBlur(r / 2))
    return Image.composite(glow, img, mask)


def shadow(img, box, blur=40, opacity=70):
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).ellipse(box, fill=opacity)
    mask = mask.filter(ImageFilter.GaussianBlur(blur))
    return Image.composite(Image.new("RGB", img.size, (60, 50, 40)), img, mask)


def room(with_table=True):
    img = gradient((240, 232, 218), (214, 198, 176))
    d = ImageDraw.Draw(img)
    # floor
    d.rectangle([0, 1100, W, H], fill=(186, 150, 118))
    for x in range(-400, W + 400, 220):
        d.line([(x, 1100), (x - 300, H)], fill=(170, 136, 106), width=6)
    # window with light
    d.rectangle([1500, 180, 2150, 900], fill=(250, 246, 236), outline=(160, 130, 100), width=18)
    d.line([(1825, 180), (1825, 900)], fill=(160, 130, 100), width=14)
    d.line([(1500, 540), (2150, 540)], fill=(160, 130, 100), width=14)
    img = soft_light(img, 1800, 600, 700, (255, 248, 230), 110)
    d = ImageDraw.Draw(img)
    # plant
    d.rectangle([220, 860, 380, 1120], fill=CLAY)
    rnd = random.Random(7)
    for i in range(14):
        a = -math.pi / 2 + rnd.uniform(-1.1, 1.1)
        length = rnd.uniform(260, 460)
        x2, y2 = 300 + math.cos(a) * length, 860 + math.sin(a) * length
        d.line([(300, 860), (x2, y2)], fill=(88, 126, 92), width=10)
        d.ellipse([x2 - 50, y2 - 26, x2 + 50, y2 + 26], fill=SAGE)
    if with_table:
        img = shadow(img, [560, 1180, 1700, 1330])
        d = ImageDraw.Draw(img)
        d.rounded_rectangle([600, 880, 1640, 990], 40, fill=CREAM, outline=(210, 200, 186), width=6)
        d.rounded_rectangle([600, 960, 1640, 1010], 20, fill=TEAL)
        for x in (680, 1540):
            d.rectangle([x, 1010, x + 30, 1250], fill=(120, 96, 74))
        d.rounded_rectangle([620, 850, 820, 900], 24, fill=(244, 236, 222))  # pillow
        d.rounded_rectangle([1180, 800, 1600, 890], 30, fill=SAGE)  # folded towel
    return img


def tools():
    img = gradient((232, 222, 204), (206, 188, 164))
    img = shadow(img, [300, 1150, 2150, 1450], 60, 80)
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([260, 900, 2200, 1300], 60, fill=TEAL)  # mat
    for x in range(300, 2200, 90):
        d.line([(x, 920), (x, 1280)], fill=(60, 118, 122), width=4)
    # foam roller
    img = shadow(img, [600, 1050, 1500, 1180], 30, 90)
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([620, 820, 1460, 1080], 130, fill=CLAY)
    for x in range(700, 1420, 60):
        d.ellipse([x - 14, 880, x + 14, 1020], fill=(176, 104, 76))
    d.ellipse([1360, 820, 1600, 1080], fill=(220, 150, 118), outline=(176, 104, 76), width=10)
    # two balls
    for cx, cy, r, c in ((1800, 980, 150, ROSE), (1980, 1110, 90, (236, 206, 96))):
        img = shadow(img, [cx - r, cy + r - 40, cx + r + 40, cy + r + 40], 25, 90)
        d = ImageDraw.Draw(img)
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=c)
        d.ellipse([cx - r * 0.6, cy - r * 0.7, cx - r * 0.1, cy - r * 0.3], fill=tuple(min(255, v + 40) for v in c))
    return soft_light(img, 700, 300, 600, (255, 246, 226), 80)


def fibres(knots, colour=ROSE, satellite=False):
    img = gradient((248, 236, 228), (232, 206, 196))
    d = ImageDraw.Draw(img)
    for i in range(26):
        y0 = 260 + i * 42
        pts = []
        for x in range(0, W + 60, 60):
            bulge = sum(90 * math.exp(-((x - kx) ** 2 + (y0 - ky) ** 2) / (2 * 160 ** 2)) for kx, ky in knots)
            pts.append((x, y0 + 18 * math.sin(x / 260 + i * 0.4) - bulge * (1 if y0 < 800 else -1) * 0.4))
        d.line(pts, fill=(200 - i * 2, 110 + i, 104 + i), width=22, joint="curve")
    for kx, ky in knots:
        img = soft_light(img, kx, ky, 260, colour, 150)
        d = ImageDraw.Draw(img)
        d.ellipse([kx - 70, ky - 70, kx + 70, ky + 70], fill=(176, 64, 60))
        if satellite:
            for a in range(0, 360, 30):
                r = 330
                x, y = kx + r * math.cos(math.radians(a)), ky + r * math.sin(math.radians(a))
                d.ellipse([x - 16, y - 16, x + 16, y + 16], fill=(214, 120, 110))
    return img


def desk():
    img = gradient((226, 232, 236), (200, 206, 212))
    d = ImageDraw.Draw(img)
    img = soft_light(img, 400, 300, 500, (255, 250, 236), 100)
    d = ImageDraw.Draw(img)
    d.rectangle([0, 1000, W, 1080], fill=(150, 112, 82))  # desk top
    d.rectangle([120, 1080, 180, H], fill=(120, 90, 66))
    d.rectangle([W - 180, 1080, W - 120, H], fill=(120, 90, 66))
    d.rounded_rectangle([900, 420, 1700, 900], 24, fill=INK)  # screen
    d.rounded_rectangle([940, 460, 1660, 860], 10, fill=(120, 170, 190))
    for i in range(6):
        d.rounded_rectangle([1000, 520 + i * 52, 1500 - i * 40, 546 + i * 52], 10, fill=(224, 238, 244))
    d.rectangle([1260, 900, 1340, 1000], fill=INK)
    d.rounded_rectangle([1100, 990, 1500, 1010], 8, fill=INK)
    d.rounded_rectangle([600, 960, 860, 1000], 10, fill=(90, 98, 104))  # keyboard
    d.ellipse([1800, 900, 1960, 1000], fill=CREAM)  # mug
    d.rounded_rectangle([1820, 820, 1940, 990], 20, fill=CREAM)
    d.arc([1910, 860, 1990, 940], -90, 90, fill=CREAM, width=16)
    # a clock: take breaks
    d.ellipse([1950, 160, 2250, 460], fill=CREAM, outline=INK, width=12)
    d.line([(2100, 310), (2100, 200)], fill=INK, width=12)
    d.line([(2100, 310), (2180, 350)], fill=INK, width=12)
    return img


def head_profile(rays):
    """An outline, not a person: a head and shoulders shape with pain zones."""
    img = gradient((236, 232, 240), (214, 206, 222))
    d = ImageDraw.Draw(img)
    d.ellipse([900, 260, 1500, 980], fill=(226, 196, 176))
    d.rectangle([1080, 900, 1320, 1180], fill=(226, 196, 176))
    d.rounded_rectangle([560, 1120, 1840, 1700], 260, fill=(226, 196, 176))
    for x, y, r in rays:
        img = soft_light(img, x, y, r, (214, 84, 76), 170)
    d = ImageDraw.Draw(img)
    d.ellipse([1600, 1160, 1660, 1220], fill=(120, 40, 40))  # the point in the shoulder
    d.line([(1630, 1190), (1450, 560)], fill=(150, 60, 60), width=10)
    return img


def pelvis():
    img = gradient((240, 234, 222), (222, 208, 190))
    d = ImageDraw.Draw(img)
    d.ellipse([700, 300, 1700, 1100], fill=(232, 214, 196), outline=(180, 150, 120), width=14)
    d.ellipse([940, 560, 1460, 1000], fill=(240, 234, 222))
    d.rounded_rectangle([1140, 120, 1260, 560], 40, fill=(214, 190, 166))
    for y in range(160, 520, 90):
        d.line([(1140, y), (1260, y)], fill=(180, 150, 120), width=8)
    for x in (820, 1580):
        d.line([(x, 1000), (x + (120 if x < 1200 else -120), H)], fill=(214, 190, 166), width=120)
    img = soft_light(img, 860, 760, 220, (214, 84, 76), 160)
    img = soft_light(img, 1540, 760, 220, (214, 84, 76), 160)
    d = ImageDraw.Draw(img)
    for x, s in ((820, 1), (1580, -1)):
        for i in range(5):
            d.line([(x, 1000 + i * 110), (x + s * 30, 1060 + i * 110)], fill=(176, 64, 60), width=14)
    return img


def map_of_referral():
    img = gradient((232, 238, 234), (210, 222, 214))
    d = ImageDraw.Draw(img)
    d.ellipse([1060, 140, 1340, 440], fill=CREAM)
    d.rounded_rectangle([900, 440, 1500, 1100], 160, fill=CREAM)
    for x0, x1 in ((900, 700), (1500, 1700)):
        d.line([(x0, 520), (x1, 1050)], fill=CREAM, width=120)
    for x in (1050, 1350):
        d.line([(x, 1050), (x, H)], fill=CREAM, width=150)
    img = soft_light(img, 1340, 520, 120, (214, 84, 76), 200)
    img = soft_light(img, 1280, 300, 200, (214, 84, 76), 120)
    d = ImageDraw.Draw(img)
    d.line([(1340, 520), (1290, 320)], fill=(150, 60, 60), width=10)
    d.polygon([(1290, 300), (1265, 345), (1315, 350)], fill=(150, 60, 60))
    d.text((1350, 500), "", fill=INK)
    return img


def crossroads():
    img = gradient((226, 236, 244), (242, 236, 222))
    d = ImageDraw.Draw(img)
    d.polygon([(0, H), (1000, 900), (1400, 900), (W, H)], fill=(200, 186, 160))
    d.rectangle([1160, 300, 1220, 1300], fill=(120, 96, 74))
    d.polygon([(1220, 360), (1760, 360), (1860, 440), (1760, 520), (1220, 520)], fill=(186, 72, 64))
    d.polygon([(1160, 600), (620, 600), (520, 680), (620, 760), (1160, 760)], fill=TEAL)
    d.ellipse([300, 200, 500, 400], fill=(252, 236, 190))
    return img


IMAGES = {
    # (path, drawing)
    "content/blog/9-methods-for-trigger-point-release/tools.jpg": tools,
    "static/images/blog/active-vs-latent.jpg": lambda: fibres([(800, 700), (1600, 900)], satellite=True),
    "static/images/blog/desk.jpg": desk,
    "static/images/blog/headache.jpg": lambda: head_profile([(1460, 560, 220), (1250, 330, 180)]),
    "static/images/blog/hips.jpg": pelvis,
    "static/images/blog/referred-pain.jpg": map_of_referral,
    "static/images/room.jpg": lambda: room(True),
    "static/images/blog/crossroads.jpg": crossroads,
}


def main():
    for rel, draw in IMAGES.items():
        path = os.path.join(ROOT, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        img = draw().filter(ImageFilter.GaussianBlur(1.2))
        img.save(path, "JPEG", quality=86, optimize=True, progressive=True)
        print(rel, os.path.getsize(path) // 1024, "KiB")


if __name__ == "__main__":
    main()
