//! Images: every photo a page shows is resized, re-encoded, turned upright
//! and stripped of its metadata; every reference is checked; the work is
//! cached between builds.

mod common;

use std::path::Path;

use common::images::*;
use common::*;
use scraper::Html;

/// Small widths keep the fixtures fast; the logic is the same.
const SITE: &str = r#"title = "Photo Studio"
base_url = "https://example.com/studio/"

[images]
widths = [100, 200, 400]
"#;

fn photo_site() -> Fixture {
    let f = Fixture::empty();
    f.write("site.toml", SITE)
        // A phone photo: stored 600×450, shown turned to 450×600, with GPS.
        .write_bytes("static/images/phone.jpg", &phone_jpeg(600, 450))
        .write_bytes("static/images/logo.png", &transparent_png(300, 120))
        .write_bytes("static/images/tiny.jpg", &jpeg(60, 40))
        .write(
            "content/blog/walk.md",
            &article(
                "A walk",
                "2026-03-01",
                "image = \"/images/phone.jpg\"\nimage_alt = \"A path through the park\"",
                "First paragraph.\n\n![Our logo](/images/logo.png \"The studio's logo\")\n\nInline ![a tiny dot](/images/tiny.jpg) here.\n",
            ),
        )
        .write(
            "content/blog/older.md",
            &article("Older", "2026-01-01", "", "Nothing to see.\n"),
        );
    f
}

/// Every `<img>` and `<source>` of a page, checked: width, height and alt
/// present; every srcset entry an existing file of the stated width.
fn check_images(out: &Path, page: &Html) -> usize {
    let mut count = 0;
    for img in page.select(&sel("main img")) {
        let a = img.value();
        assert!(a.attr("alt").is_some(), "no alt: {}", img.html());
        assert!(
            a.attr("width").is_some() && a.attr("height").is_some(),
            "no size: {}",
            img.html()
        );
        let src = a.attr("src").unwrap();
        let file = file_for(out, unbased(src));
        assert!(file.is_file(), "missing {src}");
        assert_eq!(
            dimensions(&file),
            (
                a.attr("width").unwrap().parse().unwrap(),
                a.attr("height").unwrap().parse().unwrap()
            ),
            "width/height of {src}"
        );
        count += 1;
    }
    for node in page.select(&sel("main img[srcset], main source[srcset]")) {
        for entry in node.value().attr("srcset").unwrap().split(", ") {
            let (url, w) = entry.split_once(' ').unwrap();
            let width: u32 = w.trim_end_matches('w').parse().unwrap();
            let file = file_for(out, unbased(url));
            assert!(file.is_file(), "missing {url}");
            assert_eq!(dimensions(&file).0, width, "{url} is not {width} px wide");
        }
    }
    count
}

#[test]
fn photos_are_resized_turned_upright_and_stripped_of_location() {
    let f = photo_site();
    f.build(&[]);
    let out = f.out();
    let page = f.page("/blog/walk/");
    assert_eq!(check_images(&out, &page), 3);

    // The hero: loaded at once; upright (450×600 shown, so 400×533 largest).
    let hero = page
        .select(&sel("img.hero-image"))
        .next()
        .expect("hero image");
    let a = hero.value();
    assert_eq!(a.attr("fetchpriority"), Some("high"));
    assert_eq!(a.attr("loading"), None);
    assert_eq!(
        (a.attr("width"), a.attr("height")),
        (Some("400"), Some("533"))
    );
    assert_eq!(a.attr("alt"), Some("A path through the park"));
    assert!(
        a.attr("src").unwrap().starts_with("/studio/img/phone-400."),
        "{:?}",
        a.attr("src")
    );
    assert!(a.attr("srcset").unwrap().contains(" 100w, ") && a.attr("sizes").is_some());
    // WebP first, in a <picture>; JPEG as the fallback.
    let sources = attrs(&page, "picture source", "type");
    assert!(
        sources.iter().all(|t| t == "image/webp") && !sources.is_empty(),
        "{sources:?}"
    );

    // The titled Markdown image is a figure with its caption, lazily loaded.
    assert_eq!(
        texts(&page, ".prose figure figcaption"),
        ["The studio's logo"]
    );
    let logo = page.select(&sel(".prose figure img")).next().unwrap();
    assert_eq!(logo.value().attr("loading"), Some("lazy"));
    assert_eq!(logo.value().attr("decoding"), Some("async"));
    // Transparency survives: PNG, not JPEG, as the fallback.
    assert!(logo.value().attr("src").unwrap().ends_with(".png"));
    // No figure inside a paragraph (invalid HTML).
    assert_eq!(page.select(&sel("p figure")).count(), 0);

    // The tiny image keeps its size: never upscaled.
    let tiny = page.select(&sel("img[alt='a tiny dot']")).next().unwrap();
    assert_eq!(tiny.value().attr("width"), Some("60"));
    assert!(tiny.value().attr("srcset").unwrap().ends_with(" 60w"));

    // Sharing: a 40:21 crop, as Open Graph and JSON-LD say.
    let og = attrs(&page, "meta[property='og:image']", "content");
    assert_eq!(og.len(), 1);
    assert!(
        og[0].starts_with("https://example.com/studio/img/phone-"),
        "{og:?}"
    );
    let og_file = file_for(&out, og[0].trim_start_matches("https://example.com/studio"));
    let (w, h) = dimensions(&og_file);
    assert_eq!(
        attrs(&page, "meta[property='og:image:width']", "content"),
        [w.to_string()]
    );
    assert_eq!(
        attrs(&page, "meta[property='og:image:height']", "content"),
        [h.to_string()]
    );
    assert_eq!((w, h), (450, 236));
    assert_eq!(json_ld(&page, "Article")["image"], og[0]);

    // The blog list's card shows the hero, lazily.
    let blog = f.page("/blog/");
    check_images(&out, &blog);
    assert_eq!(attrs(&blog, ".article-card img", "loading"), ["lazy"]);

    // No output image keeps EXIF or GPS data, and no original larger than
    // the largest width is published.
    let mut images = 0;
    for entry in walkdir(&out.join("img")) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(!has_exif(&bytes), "{} keeps EXIF", entry.display());
        assert!(
            dimensions(&entry).0 <= 450,
            "{} is larger than needed",
            entry.display()
        );
        images += 1;
    }
    assert!(images >= 12, "{images} image files");
    assert!(
        !out.join("images/phone.jpg").exists(),
        "the original photo is not published"
    );
    assert!(!out.join("images/logo.png").exists());
    assert_eq!(broken_links(&out, "/studio"), Vec::<String>::new());
}

/// A link without the site's base path: its place in the output folder.
fn unbased(url: &str) -> &str {
    url.strip_prefix("/studio").unwrap_or(url)
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walkdir(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn a_second_build_does_no_image_work() {
    let f = photo_site();
    let first = String::from_utf8(f.build(&[]).stdout).unwrap();
    assert!(
        first.contains("Images: ") && !first.contains("Images: 0 made"),
        "{first}"
    );
    let second = String::from_utf8(f.build(&[]).stdout).unwrap();
    assert!(second.contains("Images: 0 made,"), "{second}");
    // The output is byte for byte the same.
    let before = tree(&f.out());
    f.build(&[]);
    assert_eq!(before, tree(&f.out()));
    // Other settings make other files.
    f.write(
        "site.toml",
        &SITE.replace("[images]", "[images]\nquality = 60"),
    );
    let third = String::from_utf8(f.build(&[]).stdout).unwrap();
    assert!(!third.contains("Images: 0 made"), "{third}");
}

#[test]
fn every_bad_image_is_reported_at_its_line() {
    let f = photo_site();
    f.write_bytes("static/images/broken.jpg", b"this is not a photo at all")
        .write_bytes("static/images/huge.png", &png_header(8000, 6000))
        .write(
            "content/blog/bad.md",
            &article(
                "Bad",
                "2026-02-01",
                "image = \"/images/phon.jpg\"\nimage_alt = \"x\"",
                "Text.\n\n![A view](view.jpg)\n\n![Broken](/images/broken.jpg)\n\n![Huge](/images/huge.png)\n\n![](/images/tiny.jpg)\n\n![Studio](/images/rooms/zzqx.jpg)\n",
            ),
        );
    let before = tree(&f.out());
    let stderr = f.fails_with(&[
        // Misspelt, in front matter: the line and the closest file.
        "image not found: `/images/phon.jpg`",
        "content/blog/bad.md:4:9",
        "did you mean `/images/phone.jpg`?",
        // Missing, relative: beside the article.
        "image not found: `view.jpg`",
        "content/blog/bad.md:9:1",
        // Corrupt, named.
        "the image static/images/broken.jpg is not a JPEG, PNG, WebP, GIF or SVG image",
        "content/blog/bad.md:11:1",
        // Too large to decode safely.
        "the image static/images/huge.png is 48.0 megapixels (8000×6000)",
        "content/blog/bad.md:13:1",
        // No alt text: a warning, also reported.
        "image without alt text",
        // Missing from static/, nothing close: where to put it.
        "image not found: `/images/rooms/zzqx.jpg`",
        "put the image at static/images/rooms/zzqx.jpg",
    ]);
    assert!(!stderr.contains("panicked"));
    assert_eq!(before, tree(&f.out()), "a failed build writes nothing");
}

#[test]
fn a_damaged_photo_is_an_error_naming_it() {
    let f = photo_site();
    // A real JPEG header, then nothing: readable size, undecodable pixels.
    let mut cut = transparent_png(300, 200);
    cut.truncate(cut.len() / 2);
    f.write_bytes("static/images/cut.png", &cut).write(
        "content/blog/cut.md",
        &article(
            "Cut",
            "2026-02-02",
            "",
            "![Half a photo](/images/cut.png)\n",
        ),
    );
    f.fails_with(&["the image static/images/cut.png is damaged or not a complete image"]);
}

#[test]
fn articles_in_folders_keep_their_photos_beside_them() {
    let f = photo_site();
    f.write_bytes("content/blog/trip/room.jpg", &jpeg(500, 300))
        .write(
            "content/blog/trip/index.md",
            &article(
                "The trip",
                "2026-04-01",
                "image = \"room.jpg\"\nimage_alt = \"The new room\"",
                "![The room again](room.jpg)\n",
            ),
        );
    f.build(&[]);
    let page = f.page("/blog/trip/");
    assert_eq!(check_images(&f.out(), &page), 2);
    assert_eq!(attrs(&page, "main img", "width"), ["400", "400"]);
    assert!(!f.out().join("blog/trip/room.jpg").exists());
    // A misspelt photo beside it is found as the closest name.
    f.write(
        "content/blog/trip/index.md",
        &article("The trip", "2026-04-01", "", "![The room](rom.jpg)\n"),
    );
    f.fails_with(&[
        "image not found: `rom.jpg`",
        "content/blog/trip/index.md:6:1",
        "did you mean `room.jpg`?",
    ]);
}

#[test]
fn people_services_and_templates_get_processed_images() {
    let f = photo_site();
    f.write_bytes("static/images/maya.jpg", &phone_jpeg(500, 500))
        .write(
            "content/people/maya.toml",
            "name = \"Maya\"\nphoto = \"/images/maya.jpg\"\nphoto_alt = \"Maya, smiling\"\n",
        )
        .write(
            "content/blog/walk.md",
            &article("A walk", "2026-03-01", "author = \"maya\"", "{{ thumb(src=\"/images/tiny.jpg\") }}\n"),
        )
        .write(
            "templates/shortcodes/thumb.html",
            "{#- shortcode: a square thumbnail\nsrc: string\n-#}\n{% set t = resize_image(path=src, width=30, height=30, op=\"fill\", format=\"webp\") %}<img class=\"thumb\" src=\"{{ t.url }}\" width=\"{{ t.width }}\" height=\"{{ t.height }}\" alt=\"\">",
        );
    f.build(&[]);
    let out = f.out();
    let person = f.page("/people/maya/");
    check_images(&out, &person);
    let photo = attrs(&person, "img.person-photo", "src");
    assert!(photo[0].starts_with("/studio/img/maya-"), "{photo:?}");
    let page = f.page("/blog/walk/");
    let thumb = attrs(&page, "img.thumb", "src");
    assert!(thumb[0].ends_with(".webp"), "{thumb:?}");
    assert_eq!(dimensions(&file_for(&out, unbased(&thumb[0]))), (30, 30));
    check_images(&out, &page);
}

#[test]
fn avif_titles_outside_paragraphs_and_fill_that_never_upscales() {
    let f = photo_site();
    f.write(
        "site.toml",
        &SITE.replace("[images]", "[images]\nformats = [\"avif\", \"jpeg\"]"),
    )
    .write(
        "content/blog/older.md",
        &article(
            "Older",
            "2026-01-01",
            "",
            "- ![A dot](/images/tiny.jpg \"The tiny dot\")\n- text\n\n{{ square(src=\"/images/tiny.jpg\") }}\n",
        ),
    )
    .write(
        "templates/shortcodes/square.html",
        "{#- shortcode: a square\nsrc: string\n-#}\n{% set t = resize_image(path=src, width=100, height=100) %}<img class=\"square\" src=\"{{ t.url }}\" width=\"{{ t.width }}\" height=\"{{ t.height }}\" alt=\"\">",
    );
    f.build(&[]);
    let out = f.out();
    let page = f.page("/blog/older/");
    // AVIF first, in an ISO-BMFF `ftyp avif` file.
    let avif = attrs(&page, "source[type='image/avif']", "srcset");
    assert_eq!(avif.len(), 1, "{avif:?}");
    let file = file_for(&out, unbased(avif[0].split(' ').next().unwrap()));
    assert_eq!(&std::fs::read(file).unwrap()[4..12], b"ftypavif");
    // In a tight list there is no paragraph for a figure: the title stays a title.
    assert_eq!(attrs(&page, "li img", "title"), ["The tiny dot"]);
    // `fill` of 100×100 on a 60×40 image: the largest square it covers.
    let square = attrs(&page, "img.square", "src");
    assert_eq!(dimensions(&file_for(&out, unbased(&square[0]))), (40, 40));
}
