//! Writing day to day: a site with only a blog, shortcodes and their
//! errors, regions from the theme.

mod common;

use common::*;

const BLOG_SITE: &str = r#"title = "Just a Blog"
base_url = "https://blog.example.com"

[studio]
name = "Just a Blog"
"#;

/// A fixture with only site.toml and content/blog/.
fn blog_only() -> Fixture {
    let f = Fixture::empty();
    f.write("site.toml", BLOG_SITE)
        .write(
            "content/blog/first.md",
            &article(
                "First post",
                "2026-01-01",
                "tags = [\"news\"]",
                "Hello, world.",
            ),
        )
        .write(
            "content/blog/second.md",
            &article("Second post", "2026-02-01", "", "More [news](@blog/first)."),
        );
    f
}

fn run_in(root: &std::path::Path, command: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_knotwork"))
        .arg(command)
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

const DATA_FAMILIES: [&str; 5] = [
    "/muscles/",
    "/pain/",
    "/techniques/",
    "/faq/",
    "/referral-patterns/",
];

#[test]
fn a_blog_only_site_builds_with_no_warnings_and_no_empty_sections() {
    let dir = blog_only();
    let out = run_in(dir.root(), "build", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.trim().is_empty(),
        "expected no warnings, got:\n{stderr}"
    );
    let public = dir.root().join("public");
    for family in DATA_FAMILIES {
        assert!(!file_for(&public, family).exists(), "{family} was written");
    }
    for (path, bytes) in tree(&public) {
        if !(path.ends_with(".html") || path.ends_with(".xml")) {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for family in DATA_FAMILIES {
            assert!(
                !text.contains(&format!("\"{family}"))
                    && !text.contains(&format!("blog.example.com{family}")),
                "{path} links to {family}"
            );
        }
    }
    let home = page_in(&public, "/");
    assert_eq!(texts(&home, ".main-nav a"), vec!["Blog"]);
    assert_links_resolve(&public);
    assert!(file_for(&public, "/blog/first/").exists());
}

#[test]
fn adding_one_muscle_brings_the_finder_back() {
    let dir = blog_only();
    // Region ids of the theme's own figure: no regions.toml needed.
    dir.write(
        "content/muscles/upper-trapezius.toml",
        "name = \"Upper trapezius\"\nsummary = \"s\"\n[[trigger_points]]\nlocation = \"shoulder-top\"\nreferral = [\"temple\", \"neck-side\"]\n",
    );
    let out = run_in(dir.root(), "build", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = dir.root().join("public");
    let nav = texts(&page_in(&public, "/"), ".main-nav a");
    assert!(nav.contains(&"Where does it hurt?".to_string()), "{nav:?}");
    let temple = page_in(&public, "/pain/temple/");
    assert!(texts(&temple, ".referral-card h3 a").contains(&"Upper trapezius".to_string()));
    assert!(file_for(&public, "/muscles/upper-trapezius/").exists());
}

#[test]
fn the_init_site_without_its_data_files_builds() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_knotwork"))
        .args(["init"])
        .arg(&site)
        .output()
        .unwrap();
    assert!(out.status.success());
    for gone in [
        "content/muscles",
        "content/techniques",
        "content/faq",
        "content/pages",
    ] {
        std::fs::remove_dir_all(site.join(gone)).unwrap();
    }
    std::fs::remove_file(site.join("content/references.toml")).unwrap();
    let out = run_in(&site, "build", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.trim().is_empty(), "{stderr}");
    let gitignore = std::fs::read_to_string(site.join(".gitignore")).unwrap();
    assert!(gitignore.contains("/public/") && gitignore.contains("/.knotwork-cache/"));
}

#[test]
fn a_site_region_renames_a_theme_region_and_adds_red_flags() {
    let dir = blog_only();
    dir.write(
        "content/muscles/upper-trapezius.toml",
        "name = \"Upper trapezius\"\nsummary = \"s\"\n[[trigger_points]]\nlocation = \"shoulder-top\"\nreferral = [\"temple\"]\n",
    );
    dir.write(
        "content/regions.toml",
        "[[regions]]\nid = \"temple\"\nname = \"Side of the head\"\nred_flags = \"A **sudden, severe** headache needs a doctor first.\"\n",
    );
    let out = run_in(dir.root(), "build", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = page_in(&dir.root().join("public"), "/pain/temple/");
    assert_eq!(texts(&page, "h1"), vec!["Pain in the side of the head"]);
    let html = page.root_element().html();
    let flags = html.find("sudden, severe").expect("red flags shown");
    let first_muscle = html.find("referral-card").expect("a muscle listed");
    assert!(flags < first_muscle, "red flags come before the muscles");
    assert_eq!(attrs(&page, ".red-flag", "role"), vec!["note"]);
}

#[test]
fn a_new_region_needs_a_name_and_a_view() {
    let f = Fixture::new();
    f.write(
        "content/regions.toml",
        &format!("{REGIONS}\n[[regions]]\nid = \"outer-knee\"\n"),
    );
    f.fails_with(&[
        "region `outer-knee` is not one the theme names, so it needs `name` and `view`",
        "content/regions.toml:",
    ]);
}

// ----- shortcodes -----

const SHORTCODE_ARTICLE: &str = r#"Intro.

{% callout(kind="red-flag") %}
Chest pain with **breathlessness** needs a doctor; see the [trapezius](@muscles/upper-trapezius) [@ts-1999].
{% end %}

{% callout(kind="tip", title="Try this") %}Breathe out as you press.{% end %}

{{ figure(src="/images/room.jpg", alt="The treatment room", caption="Our quiet room") }}

{{ muscle(id="upper-trapezius") }}

{{ technique(id="massage-ball") }}

{{ video(youtube="abcDEF12345", title="Self-massage for the neck", start=30) }}

```
{{ muscle(id="not-checked-in-code") }}
```

Inline `{{ nope() }}` stays code, and {{/* muscle(id="x") */}} is written out.
"#;

#[test]
fn every_built_in_shortcode_renders() {
    let f = Fixture::new();
    f.write_bytes("static/images/room.jpg", &common::images::jpeg(640, 480));
    f.write(
        "content/blog/a.md",
        &article("A", "2026-01-01", "", SHORTCODE_ARTICLE),
    );
    f.build(&[]);
    let page = f.page("/blog/a/");
    // callout: the red flag is a note with its heading; the tip has its title.
    assert_eq!(
        texts(&page, ".prose .callout-red-flag .callout-title"),
        vec!["⚠ See a doctor first"]
    );
    assert_eq!(
        attrs(&page, ".prose .callout-red-flag", "role"),
        vec!["note"]
    );
    assert_eq!(
        texts(&page, ".prose .callout-tip .callout-title"),
        vec!["Try this"]
    );
    assert_eq!(
        attrs(
            &page,
            ".prose .callout-red-flag a[href^='/muscles/']",
            "href"
        ),
        vec!["/muscles/upper-trapezius/"],
        "cross-links work inside bodies"
    );
    assert_eq!(
        page.select(&sel("#references li")).count(),
        1,
        "citations work inside bodies too"
    );
    // figure
    let src = attrs(&page, ".prose figure.figure img", "src");
    assert!(
        src.len() == 1 && src[0].starts_with("/img/room-640.") && src[0].ends_with(".jpg"),
        "the figure shows the processed image: {src:?}"
    );
    assert_eq!(
        attrs(&page, ".prose figure.figure img", "alt"),
        vec!["The treatment room"]
    );
    assert_eq!(
        texts(&page, ".prose figure.figure figcaption"),
        vec!["Our quiet room"]
    );
    // muscle card with its map, technique card
    assert_eq!(
        attrs(&page, ".muscle-shortcode .card-title a", "href"),
        vec!["/muscles/upper-trapezius/"]
    );
    assert_eq!(
        page.select(&sel(".muscle-shortcode svg.referral-map"))
            .count(),
        1
    );
    assert_eq!(
        texts(&page, ".technique-shortcode .card-title"),
        vec!["Massage ball"]
    );
    // video: a link to YouTube and no third-party request before the click
    assert_eq!(
        attrs(&page, ".video .video-play", "href"),
        vec!["https://www.youtube.com/watch?v=abcDEF12345&t=30s"]
    );
    assert_eq!(page.select(&sel("iframe")).count(), 0);
    for (tag, attr) in [
        ("img", "src"),
        ("script", "src"),
        ("link[rel=stylesheet]", "href"),
        ("iframe", "src"),
    ] {
        for src in attrs(&page, tag, attr) {
            assert!(
                !src.contains("youtube") && !src.starts_with("http"),
                "{tag} loads {src}"
            );
        }
    }
    // block shortcodes are not wrapped in paragraphs
    assert_eq!(
        page.select(&sel(".prose p > aside, .prose p > figure"))
            .count(),
        0
    );
    // code is left alone; literals are written out
    assert!(texts(&page, ".prose pre")
        .iter()
        .any(|t| t.contains("{{ muscle(id=\"not-checked-in-code\") }}")));
    assert_eq!(texts(&page, ".prose p code"), vec!["{{ nope() }}"]);
    assert!(texts(&page, ".prose p")
        .iter()
        .any(|t| t.contains("{{ muscle(id=“x”) }} is written out")));
    // the muscle page counts the article as a mention (through the body's link)
    assert!(texts(&f.page("/muscles/upper-trapezius/"), "#articles a").contains(&"A".to_string()));
}

#[test]
fn a_site_shortcode_overrides_the_theme_and_declares_its_arguments() {
    let f = Fixture::new();
    f.write(
        "templates/shortcodes/callout.html",
        "{#- shortcode: my box\nkind: string = \"note\"\nbody: required\n-#}\n<div class=\"my-box {{ kind }}\">{{ body | safe }}</div>\n",
    );
    f.write(
        "templates/shortcodes/price.html",
        "{#- shortcode: a price\namount: number\nfree: boolean = false\n-#}\n<span class=\"price\">{% if free %}free{% else %}${{ amount }}{% endif %} (#{{ nth }})</span>\n",
    );
    f.write(
        "content/blog/a.md",
        &article(
            "A",
            "2026-01-01",
            "",
            "{% callout(kind=\"anything\") %}*Hi*{% end %}\n\nIt costs {{ price(amount=95) }} or {{ price(amount=0, free=true) }}.\n",
        ),
    );
    f.build(&[]);
    let page = f.page("/blog/a/");
    assert_eq!(texts(&page, ".prose .my-box.anything em"), vec!["Hi"]);
    assert_eq!(texts(&page, ".prose .price"), vec!["$95 (#1)", "free (#2)"]);
}

#[test]
fn shortcode_errors_are_all_reported_with_place_and_suggestion() {
    let f = Fixture::new();
    f.write(
        "content/blog/bad.md",
        &article(
            "Bad",
            "2026-01-01",
            "",
            r#"{{ muscel(id="upper-trapezius") }}

{{ figure(src="/x.jpg", alt="x", captoin="y") }}

{{ figure(src="/x.jpg") }}

{{ muscle(id="upper-trapezus") }}

{% callout(kind="tipp") %}x{% end %}

{{ video(youtube="abc", title="t", start="10") }}

{{ technique(id="massage-ball") }}{% end %}

{% callout() %}
never closed
"#,
        ),
    );
    // The front matter is 4 lines plus the closing +++: the body starts on line 6.
    f.fails_with(&[
        "unknown shortcode `muscel`",
        "content/blog/bad.md:6:4",
        "did you mean `muscle`?",
        "shortcode `figure` has no argument `captoin`",
        "content/blog/bad.md:8:34",
        "did you mean `caption`?",
        "shortcode `figure` needs the argument `alt`",
        "content/blog/bad.md:10:4",
        "unknown muscle `upper-trapezus`",
        "content/blog/bad.md:12:14",
        "did you mean `upper-trapezius`?",
        "argument `kind` of `callout` must be one of \"note\", \"tip\", \"red-flag\", not \"tipp\"",
        "content/blog/bad.md:14:17",
        "did you mean \"tip\"?",
        "argument `start` of `video` must be a number, not a string",
        "content/blog/bad.md:16:42",
        "write the number without quotes: start=10",
        "`{% end %}` without a shortcode to close",
        "content/blog/bad.md:18:35",
        "shortcode `callout` is not closed: `{% end %}` is missing",
        "content/blog/bad.md:20:1",
    ]);
}

#[test]
fn shortcodes_in_data_files_and_bad_signatures() {
    let f = Fixture::new();
    f.write(
        "content/muscles/upper-trapezius.toml",
        &MUSCLE.replace(
            "techniques = [\"massage-ball\"]",
            "techniques = [\"massage-ball\"]\nself_care = \"\"\"\n{{ technique(id=\\\"massage-bal\\\") }}\n\"\"\"",
        ),
    );
    f.write(
        "templates/shortcodes/odd.html",
        "{# shortcode: odd\nsize: colour\n#}\n<b></b>\n",
    );
    f.fails_with(&[
        "unknown technique `massage-bal`",
        "content/muscles/upper-trapezius.toml:6:",
        "did you mean `massage-ball`?",
        "bad shortcode signature: unknown type `colour`",
        "templates/shortcodes/odd.html:2",
    ]);
}

// ----- knotwork new -----

#[test]
fn new_writes_a_file_of_each_kind_that_builds_and_never_overwrites() {
    let f = Fixture::new();
    let new = |kind: &str, title: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_knotwork"))
            .args(["new", kind, title, "--root"])
            .arg(f.root())
            .output()
            .unwrap()
    };
    let expected = [
        ("article", "content/blog/neck-pain-at-the-desk.md"),
        ("page", "content/pages/neck-pain-at-the-desk.md"),
        ("muscle", "content/muscles/neck-pain-at-the-desk.toml"),
        ("technique", "content/techniques/neck-pain-at-the-desk.toml"),
        ("service", "content/services/neck-pain-at-the-desk.toml"),
        ("person", "content/people/neck-pain-at-the-desk.toml"),
    ];
    for (kind, path) in expected {
        let out = new(kind, "Neck Pain at the Desk!");
        assert!(
            out.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(printed.trim().ends_with(path), "{printed}");
        let text = std::fs::read_to_string(f.root().join(path)).unwrap();
        assert!(
            text.contains("\"Neck Pain at the Desk!\""),
            "{kind}: {text}"
        );
    }
    let article = std::fs::read_to_string(f.root().join(expected[0].1)).unwrap();
    let today = std::process::Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d")
        .output()
        .unwrap();
    assert!(article.contains(&format!(
        "date = {}",
        String::from_utf8_lossy(&today.stdout).trim()
    )));
    // Drafts until published; with --drafts the new article and page build.
    f.build(&["--drafts"]);
    assert!(f.exists("/blog/neck-pain-at-the-desk/"));
    assert!(f.exists("/neck-pain-at-the-desk/"));
    assert!(f.exists("/muscles/neck-pain-at-the-desk/"));
    assert!(f.exists("/techniques/neck-pain-at-the-desk/"));
    // A title outside ASCII: a data file gets an ASCII id (ids must be),
    // an article keeps its letters in its slug; both build.
    assert!(new("person", "Zoë Ärger").status.success());
    assert!(new("article", "Übungen für den Nacken").status.success());
    assert!(f.root().join("content/people/zoe-arger.toml").is_file());
    assert!(f
        .root()
        .join("content/blog/übungen-für-den-nacken.md")
        .is_file());
    f.build(&["--drafts"]);
    assert!(f.exists("/people/zoe-arger/"));
    assert!(f.exists("/blog/übungen-für-den-nacken/"));
    // The same title again: refused, the file untouched.
    std::fs::write(f.root().join(expected[0].1), "edited").unwrap();
    let again = new("article", "Neck pain at the desk");
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(f.root().join(expected[0].1)).unwrap(),
        "edited"
    );
    // An existing muscle id is refused too.
    let muscle = new("muscle", "Upper Trapezius");
    assert_eq!(muscle.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&muscle.stderr)
        .contains("content/muscles/upper-trapezius.toml already exists"));
    // Outside a site: a clear error, nothing written.
    let empty = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_knotwork"))
        .args(["new", "article", "Hi", "--root"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no site.toml"));
    assert!(std::fs::read_dir(empty.path()).unwrap().next().is_none());
}

#[test]
fn footnotes_are_numbered_gathered_at_the_end_and_link_back() {
    let f = Fixture::new();
    f.write(
        "content/blog/notes.md",
        &article(
            "Notes",
            "2026-01-01",
            "",
            "Heat first.[^heat] Then stretch.[^s] Heat again.[^heat]\n\n## 1\n\nA heading whose slug is a number.\n\nNot a note: \\[^escaped], `[^code]`, [^linked](https://example.com/), [^ spaced]. Undefined: [^missing].\n\n[^s]: Slowly, *never* bouncing.\n\n[^heat]: Ten minutes.\n\n[^unused]: Never referred to.\n",
        ),
    );
    // Two Markdown fields of one muscle: their notes must not share ids.
    f.write(
        "content/muscles/upper-trapezius.toml",
        &format!(
            "description = \"Tight in desk workers.[^1]\\n\\n[^1]: Common.\"\nself_care = \"Shrug and drop.[^1]\\n\\n[^1]: Ten times.\"\n{MUSCLE}"
        ),
    );
    let out = f.build(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The one reference without a definition is warned of, at its place.
    assert_eq!(stderr.matches("has no definition").count(), 1, "{stderr}");
    assert!(
        stderr.contains("footnote `[^missing]` has no definition")
            && stderr.contains("content/blog/notes.md:12:93"),
        "{stderr}"
    );

    let page = f.page("/blog/notes/");
    let refs: Vec<(String, String, String)> = page
        .select(&sel(".prose sup.footnote-ref a"))
        .map(|a| {
            let v = a.value();
            (
                a.text().collect(),
                v.attr("href").unwrap().to_string(),
                v.attr("id").unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("1", "#fn-1", "fnref-1"),
        ("2", "#fn-2", "fnref-2"),
        ("1", "#fn-1", "fnref-1-2"),
    ];
    assert_eq!(
        refs.iter()
            .map(|(t, h, i)| (t.as_str(), h.as_str(), i.as_str()))
            .collect::<Vec<_>>(),
        expected
    );
    let notes: Vec<scraper::ElementRef> = page
        .select(&sel(".prose section.footnotes ol > li"))
        .collect();
    assert_eq!(notes.len(), 2, "the unused definition is left out");
    assert_eq!(notes[0].value().attr("id"), Some("fn-1"));
    assert!(notes[0].text().collect::<String>().contains("Ten minutes."));
    assert!(notes[1]
        .text()
        .collect::<String>()
        .contains("Slowly, never bouncing."));
    let backs: Vec<&str> = notes[0]
        .select(&sel("a.footnote-back"))
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    assert_eq!(backs, ["#fnref-1", "#fnref-1-2"]);
    assert_eq!(
        notes[0]
            .select(&sel("a.footnote-back"))
            .next()
            .unwrap()
            .value()
            .attr("aria-label"),
        Some("Back to reference 1")
    );
    // The notes come after the text; the heading `1` keeps its own id.
    let prose = page.select(&sel(".prose")).next().unwrap().html();
    assert!(
        prose.find("A heading whose slug").unwrap() < prose.find("class=\"footnotes\"").unwrap()
    );
    assert_eq!(page.select(&sel(".prose h2#\\31 ")).count(), 1, "{prose}");
    assert_unique_ids(&page);

    let muscle = f.page("/muscles/upper-trapezius/");
    assert_eq!(muscle.select(&sel("section.footnotes")).count(), 2);
    assert_unique_ids(&muscle);
}

/// No two elements of `page` share an id, and every `#fragment` link of
/// the page's footnotes leads to one.
fn assert_unique_ids(page: &scraper::Html) {
    let mut seen = std::collections::HashSet::new();
    for element in page.select(&sel("[id]")) {
        let id = element.value().attr("id").unwrap();
        assert!(seen.insert(id.to_string()), "id `{id}` twice");
    }
    for a in page.select(&sel(".footnote-ref a, a.footnote-back")) {
        let target = a.value().attr("href").unwrap().trim_start_matches('#');
        assert!(seen.contains(target), "no element #{target}");
    }
}
