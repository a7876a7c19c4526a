//! Publishing: a subpath base_url, search, determinism, `knotwork init` and
//! minification, checked on real builds.

mod common;
use common::*;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::Command;

fn knotwork(args: &[&str], root: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_knotwork"))
        .args(args)
        .current_dir(root)
        .output()
        .unwrap()
}

/// Builds the repository's example site into `out` with extra arguments.
fn build_example(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "build",
        "--root",
        env!("CARGO_MANIFEST_DIR"),
        "--output-dir",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let result = knotwork(&args, Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

/// The records of Pagefind's index: each fragment is gzipped JSON behind a
/// `pagefind_dcd` signature, holding the page's URL, text and meta.
fn search_records(out: &Path) -> Vec<serde_json::Value> {
    let mut records = Vec::new();
    for entry in std::fs::read_dir(out.join("pagefind/fragment"))
        .unwrap()
        .filter_map(Result::ok)
    {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(entry.path()).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let json = text
            .strip_prefix("pagefind_dcd")
            .expect("a Pagefind fragment");
        records.push(serde_json::from_str(json).unwrap());
    }
    records
}

#[test]
fn a_subpath_base_url_holds_for_every_link_asset_feed_and_search_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_example(&out, &["--base-url", "https://user.github.io/studio/"]);

    let broken = broken_links(&out, "/studio");
    assert!(broken.is_empty(), "{broken:#?}");

    // The search page loads Pagefind from under the subpath, and the files exist.
    let search = page_in(&out, "/search/");
    let scripts = attrs(&search, "script[src]", "src");
    assert!(
        scripts
            .iter()
            .any(|s| s == "/studio/pagefind/pagefind-ui.js"),
        "{scripts:?}"
    );
    assert_eq!(
        attrs(&search, "#search", "data-bundle"),
        ["/studio/pagefind/"]
    );
    for file in [
        "pagefind.js",
        "pagefind-ui.js",
        "pagefind-ui.css",
        "pagefind-entry.json",
        "wasm.en.pagefind",
    ] {
        assert!(
            out.join("pagefind").join(file).is_file(),
            "pagefind/{file} is missing"
        );
    }
    // Indexed URLs are site-relative: Pagefind adds the folder it was loaded from.
    for record in search_records(&out) {
        let url = record["url"].as_str().unwrap();
        assert!(!url.starts_with("/studio"), "{url}");
        assert!(
            file_for(&out, url).is_file(),
            "search result {url} has no page"
        );
    }

    // Feed, sitemap, canonical and social URLs are absolute under the subpath.
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    let doc = roxmltree::Document::parse(&sitemap).unwrap();
    let locs: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert!(locs.len() > 100);
    assert!(
        locs.iter()
            .all(|l| l.starts_with("https://user.github.io/studio/")),
        "{locs:?}"
    );
    let feed = std::fs::read_to_string(out.join("atom.xml")).unwrap();
    let doc = roxmltree::Document::parse(&feed).unwrap();
    for link in doc.descendants().filter(|n| n.has_tag_name("link")) {
        assert!(
            link.attribute("href")
                .unwrap()
                .starts_with("https://user.github.io/studio/"),
            "{:?}",
            link.attribute("href")
        );
    }
    let home = page_in(&out, "/");
    assert_eq!(
        attrs(&home, "link[rel=canonical]", "href"),
        ["https://user.github.io/studio/"]
    );
    assert_eq!(
        attrs(&home, "meta[property='og:image']", "content"),
        ["https://user.github.io/studio/images/og-default.png"]
    );
    assert!(out.join("images/og-default.png").is_file());
    let robots = std::fs::read_to_string(out.join("robots.txt")).unwrap();
    assert!(
        robots.contains("https://user.github.io/studio/sitemap.xml"),
        "{robots}"
    );
}

#[test]
fn the_search_index_covers_every_page_kind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    build_example(&out, &[]);
    let records = search_records(&out);
    let kinds: BTreeSet<&str> = records
        .iter()
        .filter_map(|r| r["meta"]["kind"].as_str())
        .collect();
    let expected: BTreeSet<&str> = [
        "Article",
        "Comparison",
        "FAQ",
        "Muscle",
        "Page",
        "Pain region",
        "Service",
        "Technique",
    ]
    .into();
    assert_eq!(kinds, expected);
    let urls: BTreeSet<&str> = records.iter().map(|r| r["url"].as_str().unwrap()).collect();
    for url in [
        "/muscles/upper-trapezius/",
        "/techniques/dry-needling/",
        "/blog/referred-pain-explained/",
        "/faq/basics/",
        "/pain/temple/",
        "/about/",
        "/services/ashiatsu/",
    ] {
        assert!(urls.contains(url), "{url} is not searchable");
    }
    // List pages are not search results.
    for url in ["/", "/blog/", "/muscles/", "/tags/", "/search/"] {
        assert!(!urls.contains(url), "{url} should not be indexed");
    }
    // Labels and values of fact lists stay separate words in the index
    // and its excerpts ("Where it lies Upper back", not "liesUpper").
    for record in &records {
        let content = record["content"].as_str().unwrap();
        let glued = content.split_whitespace().find(|w| {
            let chars: Vec<char> = w.chars().collect();
            chars
                .windows(2)
                .any(|p| p[0].is_lowercase() && p[1].is_uppercase())
        });
        assert_eq!(glued, None, "{}: words run together", record["url"]);
    }
    // A page is found by its own words, not by the cards of other pages it
    // shows, its contents box or the disclaimer note every page repeats.
    let article_url = "/blog/referred-pain-explained/";
    let article = page_in(&out, article_url);
    let shown: Vec<String> = ["section.related .card-title", "aside.mentioned .card-title"]
        .iter()
        .flat_map(|selector| texts(&article, selector))
        .collect();
    assert!(shown.len() >= 2, "the article shows cards: {shown:?}");
    let record = records.iter().find(|r| r["url"] == article_url).unwrap();
    let content = record["content"].as_str().unwrap();
    for text in shown.iter().map(String::as_str).chain([
        "Educational content, not medical advice",
        "Related articles",
    ]) {
        assert!(
            !content.contains(text),
            "{article_url} is indexed with {text:?}"
        );
    }
    assert!(content.contains("referred"), "{content}");
    // A muscle's record holds its referral pattern in words, so a symptom finds it.
    let trapezius = records
        .iter()
        .find(|r| r["url"] == "/muscles/upper-trapezius/")
        .unwrap();
    assert_eq!(trapezius["meta"]["kind"], "Muscle");
    assert!(trapezius["content"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("temple"));
}

#[test]
fn two_builds_of_the_same_input_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    build_example(&a, &[]);
    build_example(&b, &[]);
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    let differing: Vec<_> = ta
        .iter()
        .filter(|(path, bytes)| tb[*path] != **bytes)
        .map(|(p, _)| p)
        .collect();
    assert!(differing.is_empty(), "differ between builds: {differing:?}");
}

#[test]
fn init_creates_a_site_that_builds_and_refuses_a_non_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let result = knotwork(&["init", "crescent-bodywork"], dir.path());
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let site = dir.path().join("crescent-bodywork");
    let config = std::fs::read_to_string(site.join("site.toml")).unwrap();
    assert!(config.contains("\"Crescent Bodywork\""), "{config}");

    let built = knotwork(&["build"], &site);
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(built.status.success(), "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "a new site builds without warnings:\n{stderr}"
    );
    let out = site.join("public");
    for url in [
        "/",
        "/blog/",
        "/muscles/upper-trapezius/",
        "/techniques/ischemic-compression/",
        "/faq/basics/",
        "/pain/temple/",
        "/search/",
        "/about/",
    ] {
        assert!(file_for(&out, url).is_file(), "{url} is missing");
    }
    assert!(broken_links(&out, "").is_empty());
    let muscle = page_in(&out, "/muscles/upper-trapezius/");
    assert_eq!(muscle.select(&sel("svg.referral-map")).count(), 1);

    // Again into the same, now non-empty, folder: refused, nothing touched.
    let before = tree(&site);
    let again = knotwork(&["init", "crescent-bodywork"], dir.path());
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    assert_eq!(tree(&site), before);
}

#[test]
fn minify_shrinks_pages_and_assets_and_keeps_them_working() {
    let dir = tempfile::tempdir().unwrap();
    assert!(knotwork(&["init", "site"], dir.path()).status.success());
    let site = dir.path().join("site");
    assert!(knotwork(&["build", "--output-dir", "plain"], &site)
        .status
        .success());
    let config = std::fs::read_to_string(site.join("site.toml")).unwrap();
    std::fs::write(site.join("site.toml"), format!("minify = true\n{config}")).unwrap();
    let built = knotwork(&["build", "--output-dir", "small"], &site);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );

    let (plain, small) = (site.join("plain"), site.join("small"));
    let size = |dir: &Path, ext: &str| -> usize {
        tree(dir)
            .iter()
            .filter(|(p, _)| p.ends_with(&format!(".{ext}")) && !p.starts_with("pagefind"))
            .map(|(_, b)| b.len())
            .sum()
    };
    for ext in ["html", "css", "js"] {
        assert!(
            size(&small, ext) < size(&plain, ext),
            "minified .{ext} is not smaller"
        );
    }
    assert!(broken_links(&small, "").is_empty());
    let page = page_in(&small, "/muscles/upper-trapezius/");
    assert_eq!(
        texts(&page, "h1"),
        texts(&page_in(&plain, "/muscles/upper-trapezius/"), "h1")
    );
    assert_eq!(page.select(&sel("main#main svg.referral-map")).count(), 1);
}

#[test]
fn the_search_index_is_kept_between_builds_and_follows_every_edit() {
    let f = Fixture::new();
    let write_article = |body: &str| {
        f.write(
            "content/blog/neck.md",
            &article("Neck pain", "2026-01-10", "", body),
        );
    };
    write_article("The upper trapezius refers pain to the temple.");
    let built = f.build(&[]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let cache = f.root().join(".knotwork-cache/search/bundle");
    assert!(
        cache.is_file(),
        "the bundle is kept in .knotwork-cache/search/"
    );

    // Nothing indexed changed: the bundle comes from the cache. Marked
    // there (same length, so the file stays well-formed), the mark shows
    // in the output.
    let kept = std::fs::read(&cache).unwrap();
    let at = kept
        .windows(16)
        .position(|w| w == b"pagefind_version")
        .expect("pagefind.js is in the bundle");
    let mut marked = kept.clone();
    marked[at..at + 16].copy_from_slice(b"KEPT_IN_CACHE___");
    std::fs::write(&cache, &marked).unwrap();
    std::fs::remove_dir_all(f.out()).unwrap();
    assert!(f.build(&[]).status.success());
    let script = std::fs::read_to_string(f.out().join("pagefind/pagefind.js")).unwrap();
    assert!(
        script.contains("KEPT_IN_CACHE___"),
        "the cached bundle was not used"
    );

    // An edited article is searched by its new words, not the kept ones.
    write_article("Zygapophyseal joints can mimic a trigger point.");
    assert!(f.build(&[]).status.success());
    let texts: Vec<String> = search_records(&f.out())
        .iter()
        .map(|r| r["content"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("Zygapophyseal")),
        "{texts:#?}"
    );
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("refers pain to the temple")),
        "{texts:#?}"
    );
    let script = std::fs::read_to_string(f.out().join("pagefind/pagefind.js")).unwrap();
    assert!(!script.contains("KEPT_IN_CACHE___"));

    // A damaged cache is rebuilt, not trusted.
    std::fs::write(&cache, b"not a bundle").unwrap();
    std::fs::remove_dir_all(f.out()).unwrap();
    assert!(f.build(&[]).status.success());
    assert!(search_records(&f.out()).iter().any(|r| r["content"]
        .as_str()
        .is_some_and(|t| t.contains("Zygapophyseal"))));
}

#[test]
fn a_rebuild_parses_only_the_edited_page_for_search_and_equals_a_clean_build() {
    let f = Fixture::new();
    let articles = [
        ("neck", "The upper trapezius refers pain to the temple."),
        ("jaw", "Masseter trigger points refer pain into the teeth."),
        (
            "hip",
            "Quadratus lumborum refers pain to the hip and buttock.",
        ),
    ];
    for (slug, body) in articles {
        f.write(
            &format!("content/blog/{slug}.md"),
            &article(slug, "2026-01-10", "", body),
        );
    }
    // Pagefind's parse of each page: how many pages a build parsed.
    let build = || -> String {
        let built = Command::new(env!("CARGO_BIN_EXE_knotwork"))
            .args(["build", "--root"])
            .arg(f.root())
            .env("KNOTWORK_TIMINGS", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&built.stderr).into_owned();
        assert!(built.status.success(), "{stderr}");
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix("parse "))
            .map(|l| l.split(':').next().unwrap().to_string())
            .unwrap_or_default()
    };
    let first = build();
    let (parsed, total) = first.split_once(" of ").expect("a search parse line");
    assert_eq!(parsed, total, "a first build parses every page");
    assert!(total.parse::<usize>().unwrap() > articles.len());
    assert!(f.root().join(".knotwork-cache/search/pages").is_file());

    // One article edited: Pagefind parses that page only.
    f.write(
        "content/blog/jaw.md",
        &article(
            "jaw",
            "2026-01-10",
            "",
            "Lateral pterygoid refers pain to the jaw joint.",
        ),
    );
    assert_eq!(build(), format!("1 of {total}"));

    // A damaged entry is not trusted: its page is parsed again (the cut
    // one is the last appended, the jaw page's), with the edited one.
    let kept = f.root().join(".knotwork-cache/search/pages");
    let bytes = std::fs::read(&kept).unwrap();
    std::fs::write(&kept, &bytes[..bytes.len() - 7]).unwrap();
    f.write(
        "content/blog/hip.md",
        &article(
            "hip",
            "2026-01-10",
            "",
            "Gluteus minimus refers pain down the leg.",
        ),
    );
    assert_eq!(build(), format!("2 of {total}"));
    assert!(search_records(&f.out()).iter().any(|r| r["content"]
        .as_str()
        .is_some_and(|t| t.contains("Lateral pterygoid"))));

    // Kept parses and reused compressed files give the bundle a build
    // without any cache gives, byte for byte.
    std::fs::remove_dir_all(f.root().join(".knotwork-cache")).unwrap();
    let clean = tempfile::tempdir().unwrap();
    f.build(&["--output-dir", clean.path().to_str().unwrap()]);
    let (rebuilt, clean) = (tree(&f.out()), tree(clean.path()));
    assert_eq!(
        rebuilt.keys().collect::<Vec<_>>(),
        clean.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &rebuilt {
        assert!(clean[path] == *bytes, "{path} differs from a clean build");
    }
}

#[test]
fn a_rebuild_renders_only_changed_pages_and_restores_files_changed_by_hand() {
    let f = Fixture::new();
    for (slug, body) in [
        ("neck", "The upper trapezius refers pain to the temple."),
        ("jaw", "Masseter trigger points refer pain into the teeth."),
    ] {
        f.write(
            &format!("content/blog/{slug}.md"),
            &article(slug, "2026-01-10", "", body),
        );
    }
    let rendered = |args: &[&str]| rendered_of(&f, args);
    let (all, pages) = rendered(&[]);
    assert_eq!(all, pages, "a first build renders every page");
    assert!(f.root().join(".knotwork-cache/pages").is_file());
    assert_eq!(rendered(&[]).0, 0, "nothing changed, nothing rendered");

    // An edited article: its own page, not the whole site.
    f.write(
        "content/blog/jaw.md",
        &article("jaw", "2026-01-10", "", "Masseter trigger points refer pain into the teeth.\n\nThe lateral pterygoid refers pain to the jaw joint."),
    );
    let (edited, _) = rendered(&[]);
    assert!(
        edited >= 1 && edited < pages / 2,
        "{edited} of {pages} rendered"
    );
    assert!(texts(&f.page("/blog/jaw/"), "main p")
        .iter()
        .any(|t| t.contains("lateral pterygoid")));

    // A page changed or deleted in the output folder is written again.
    let neck = f.out().join("blog/neck/index.html");
    let original = std::fs::read(&neck).unwrap();
    std::fs::write(&neck, b"defaced").unwrap();
    std::fs::remove_file(f.out().join("blog/index.html")).unwrap();
    assert_eq!(rendered(&[]).0, 2);
    assert_eq!(std::fs::read(&neck).unwrap(), original);
    assert!(f.exists("/blog/"));

    // The words templates read with t() are part of every page.
    f.write("i18n/en.toml", "[nav]\nskip = \"Jump to the article\"\n");
    let (all, pages) = rendered(&[]);
    assert_eq!(all, pages, "a changed phrase renders every page");
    assert!(texts(&f.page("/blog/neck/"), "a")
        .iter()
        .any(|t| t == "Jump to the article"));

    // Something every page shows changed: every page is rendered.
    let (all, pages) = rendered(&["--base-url", "https://elsewhere.example/studio/"]);
    assert_eq!(all, pages);
    let (all, pages) = rendered(&[]);
    assert_eq!(all, pages);

    // And the output is what a build without any cache writes.
    std::fs::remove_dir_all(f.root().join(".knotwork-cache")).unwrap();
    let clean = tempfile::tempdir().unwrap();
    f.build(&["--output-dir", clean.path().to_str().unwrap()]);
    assert_eq!(tree(&f.out()), tree(clean.path()));
}

#[test]
fn a_kept_markdown_body_is_used_only_while_its_links_citations_and_images_answer_the_same() {
    let f = Fixture::new();
    f.write_bytes("static/images/knot.png", &images::transparent_png(300, 120));
    let jaw = article(
        "Jaw",
        "2026-01-10",
        "",
        "Masseter trigger points refer pain into the teeth.",
    );
    f.write("content/blog/jaw.md", &jaw);
    let neck = "See [the jaw](@blog/jaw), the manual [@ts-1999] and \
        [the muscle](@muscles/upper-trapezius).\n\n![A knot](/images/knot.png)\n";
    f.write(
        "content/blog/neck.md",
        &article("Neck", "2026-01-12", "", neck),
    );
    f.build(&[]);
    assert!(f.root().join(".knotwork-cache/bodies").is_file());
    let image_width = |f: &Fixture| attrs(&f.page("/blog/neck/"), "main img", "width");
    assert_eq!(image_width(&f), ["300"]);

    // The image replaced by a larger one: the kept body would show the
    // old size.
    f.write_bytes("static/images/knot.png", &images::transparent_png(600, 240));
    f.build(&[]);
    assert_eq!(image_width(&f), ["600"]);

    // The article it links to gone: the broken link is reported, at its
    // place in the text, as on a first build.
    f.remove("content/blog/jaw.md");
    f.fails_with(&["neck.md:6:5", "unknown article `jaw`"]);
    // Its source gone from the references: the citation is reported.
    f.write("content/blog/jaw.md", &jaw);
    f.write("content/references.toml", "");
    f.fails_with(&["neck.md:6", "ts-1999"]);
    f.write("content/references.toml", REFERENCES);

    // A newer article moves every article's place in the list the links
    // point into; the page of the linked muscle lists the article still.
    f.write(
        "content/blog/hip.md",
        &article(
            "Hip",
            "2026-02-01",
            "",
            "Gluteus medius refers pain to the low back.",
        ),
    );
    f.build(&[]);
    assert!(texts(&f.page("/muscles/upper-trapezius/"), "a")
        .iter()
        .any(|t| t == "Neck"));

    // Each of those builds equals one without any cache.
    std::fs::remove_dir_all(f.root().join(".knotwork-cache")).unwrap();
    let clean = tempfile::tempdir().unwrap();
    f.build(&["--output-dir", clean.path().to_str().unwrap()]);
    assert_eq!(tree(&f.out()), tree(clean.path()));
}

/// How many pages a build of `f` rendered, of how many: "Built 40 pages,
/// 3 rendered (…" (the count is left out when every page was).
fn rendered_of(f: &Fixture, args: &[&str]) -> (usize, usize) {
    let stdout = String::from_utf8_lossy(&f.build(args).stdout).into_owned();
    let line = stdout.lines().find(|l| l.starts_with("Built ")).unwrap();
    let (pages, rest) = line["Built ".len()..].split_once(" pages").unwrap();
    let pages: usize = pages.parse().unwrap();
    let rendered = match rest.strip_prefix(", ") {
        Some(rest) => rest.split(' ').next().unwrap().parse().unwrap(),
        None => pages,
    };
    (rendered, pages)
}

#[test]
fn pages_whose_template_makes_an_image_and_minified_searchable_pages_are_always_rendered() {
    let f = Fixture::new();
    f.write_bytes("static/img/knot.png", &images::transparent_png(40, 40));
    // resize_image() registers the image it makes while the page renders:
    // a page kept unrendered would lose its image from the output.
    f.write(
        "templates/thumb.html",
        r#"{% set t = resize_image(path="/img/knot.png", width=20, height=20) %}<!DOCTYPE html><html lang="en"><head><title>{{ article.title }}</title></head><body><main><img src="{{ t.url }}" alt=""></main></body></html>"#,
    );
    f.write(
        "content/blog/thumb.md",
        &article(
            "thumb",
            "2026-01-10",
            "template = \"thumb.html\"",
            "A page with a thumbnail.",
        ),
    );
    f.write(
        "content/blog/jaw.md",
        &article(
            "jaw",
            "2026-01-11",
            "",
            "Masseter trigger points refer pain into the teeth.",
        ),
    );
    f.build(&[]);
    let src = attrs(&f.page("/blog/thumb/"), "img", "src")[0].clone();
    assert_eq!(rendered_of(&f, &[]).0, 1, "only the page making an image");
    assert!(
        file_for(&f.out(), &src).is_file(),
        "{src} is still published"
    );

    // Minified, a page's file no longer holds the HTML the search index
    // reads: searchable pages are rendered on every build, the rest kept.
    let config = std::fs::read_to_string(f.root().join("site.toml")).unwrap();
    f.write("site.toml", &format!("minify = true\n{config}"));
    let (all, pages) = rendered_of(&f, &[]);
    assert_eq!(all, pages);
    let (again, _) = rendered_of(&f, &[]);
    assert!(again > 1 && again < pages, "{again} of {pages}");
    let search_records = search_records(&f.out());
    assert!(search_records.iter().any(|r| r["content"]
        .as_str()
        .is_some_and(|t| t.contains("Masseter"))));
}
