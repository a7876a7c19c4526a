//! Structured data and the knowledge graph: validation with locations and
//! suggestions, cross-links, citations, backlinks.

mod common;
use common::*;

#[test]
fn unknown_ids_are_located_with_suggestions() {
    let f = Fixture::new();
    f.write(
        "content/muscles/upper-trapezius.toml",
        &MUSCLE.replace(
            "techniques = [\"massage-ball\"]",
            "techniques = [\"massage-bal\"]",
        ),
    );
    f.fails_with(&[
        "content/muscles/upper-trapezius.toml:4:15",
        "unknown technique `massage-bal`",
        "did you mean `massage-ball`?",
    ]);
}

#[test]
fn unknown_region_in_a_trigger_point() {
    let f = Fixture::new();
    f.write(
        "content/muscles/upper-trapezius.toml",
        &MUSCLE.replace(
            "referral = [\"neck-side\", \"temple\"]",
            "referral = [\"neck-side\", \"temples\"]",
        ),
    );
    f.fails_with(&[
        "content/muscles/upper-trapezius.toml:9:26",
        "unknown region `temples`",
        "did you mean `temple`?",
    ]);
}

#[test]
fn enum_values_list_the_allowed_ones() {
    let f = Fixture::new();
    f.write(
        "content/techniques/massage-ball.toml",
        &TECHNIQUE.replace("setting = \"home\"", "setting = \"profesional\""),
    );
    f.fails_with(&[
        "content/techniques/massage-ball.toml:3:11",
        "`profesional` is not an allowed value",
        "did you mean `professional`?",
    ]);
}

#[test]
fn intensity_range_and_id_format() {
    let f = Fixture::new();
    f.write(
        "content/techniques/massage-ball.toml",
        &TECHNIQUE.replace("intensity = 3", "intensity = 9"),
    );
    f.write("content/techniques/Foam_Roller.toml", TECHNIQUE);
    f.fails_with(&[
        "content/techniques/massage-ball.toml:4:13",
        "`intensity` is 9, but must be from 1 (gentle) to 5 (intense)",
        "content/techniques/Foam_Roller.toml",
        "try `foam-roller`",
    ]);
}

#[test]
fn duplicate_ids() {
    let f = Fixture::new();
    f.write(
        "content/regions.toml",
        &format!("{REGIONS}\n[[regions]]\nid = \"temple\"\nname = \"Again\"\nview = \"front\"\n"),
    );
    f.write(
        "content/faq/basics.toml",
        "title = \"Basics\"\n[[questions]]\nid = \"q\"\nquestion = \"A?\"\nanswer = \"a\"\n[[questions]]\nid = \"q\"\nquestion = \"B?\"\nanswer = \"b\"\n",
    );
    f.fails_with(&[
        "duplicate region `temple`",
        "content/regions.toml:",
        "duplicate question id `q`",
        "content/faq/basics.toml:7:6",
    ]);
}

#[test]
fn regions_and_body_figure_must_agree() {
    let f = Fixture::new();
    f.write(
        "content/regions.toml",
        &format!("{REGIONS}\n[[regions]]\nid = \"elbow\"\nname = \"Elbow\"\nview = \"front\"\n"),
    );
    f.write(
        "bodymap.svg",
        &FIGURE
            .replace(
                "<ellipse id=\"region-chest\"",
                "<ellipse id=\"region-elbw\"",
            )
            .replace("region-low-back", "region-lowback"),
    );
    f.fails_with(&[
        "region `elbow` is not drawn in the body figure",
        "did you mean `elbw`?",
        "region `chest` is not drawn",
        "the body figure draws `region-lowback`, but neither the theme nor content/regions.toml names `lowback`",
        "bodymap.svg:",
    ]);
}

#[test]
fn cross_links_fragments_and_citations_are_checked() {
    let f = Fixture::new();
    f.write(
        "content/blog/a.md",
        &article(
            "A",
            "2026-01-01",
            "",
            "Fine: [trap](@muscles/upper-trapezius#trigger-points).\n\nBroken: [x](@muscles/upper-trapezus).\n\nFragment: [y](@techniques/massage-ball#nope).\n\nKind: [z](@muscle/upper-trapezius).\n\nCite [@ts-1998, p. 2].\n",
        ),
    );
    f.fails_with(&[
        "content/blog/a.md:8:9",
        "unknown muscle `upper-trapezus`",
        "did you mean `upper-trapezius`?",
        "content/blog/a.md:10:11",
        "no section `#nope`",
        "unknown cross-link kind `@muscle/…`",
        "did you mean `@muscles/…`?",
        "content/blog/a.md:14:6",
        "unknown reference `ts-1998`",
        "did you mean `ts-1999`?",
    ]);
}

#[test]
fn a_link_to_a_draft_says_it_is_a_draft_and_builds_with_drafts() {
    let f = Fixture::new();
    f.write(
        "content/blog/a.md",
        &article(
            "A",
            "2026-01-01",
            "",
            "See [soon](@blog/coming-soon) and [p](@pages/prices).",
        ),
    );
    f.write(
        "content/blog/later.md",
        &article(
            "Later",
            "2026-02-01",
            "draft = true\nslug = \"coming-soon\"",
            "Not yet.",
        ),
    );
    f.write(
        "content/pages/prices.md",
        "+++\ntitle = \"Prices\"\ndraft = true\n+++\nSoon.\n",
    );
    let stderr = f.fails_with(&[
        "content/blog/a.md:6:5",
        "article `coming-soon` is a draft",
        "content/blog/later.md has `draft = true`",
        "page `prices` is a draft",
        "content/pages/prices.md has `draft = true`",
    ]);
    assert!(!stderr.contains("unknown article"), "{stderr}");
    // With the drafts built, the same links resolve.
    f.build(&["--drafts"]);
    let page = f.page("/blog/a/");
    let hrefs: Vec<&str> = page
        .select(&sel("main a"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        hrefs.iter().any(|h| h.ends_with("/blog/coming-soon/")),
        "{hrefs:?}"
    );
    assert!(hrefs.iter().any(|h| h.ends_with("/prices/")), "{hrefs:?}");
    // A misspelt link to a draft is pointed at the draft.
    f.write(
        "content/blog/a.md",
        &article("A", "2026-01-01", "", "See [soon](@blog/coming-son)."),
    );
    f.fails_with(&[
        "content/blog/a.md:6:5",
        "unknown article `coming-son`",
        "did you mean `coming-soon`, a draft? content/blog/later.md has `draft = true`: drafts are built only with `--drafts`",
    ]);
}

#[test]
fn links_in_data_markdown_are_located_in_the_data_file() {
    let f = Fixture::new();
    f.write(
        "content/techniques/massage-ball.toml",
        &format!("{TECHNIQUE}how_it_works = \"\"\"\nLine one.\n\nSee [the muscle](@muscles/nope).\n\"\"\"\n"),
    );
    f.fails_with(&[
        "content/techniques/massage-ball.toml:9:5",
        "unknown muscle `nope`",
    ]);
}

#[test]
fn errors_in_several_files_are_reported_together() {
    let f = Fixture::new();
    f.write(
        "content/blog/a.md",
        &article("A", "2026-01-01", "muscles = [\"trapezius\"]", ""),
    );
    f.write(
        "content/techniques/massage-ball.toml",
        &TECHNIQUE.replace("evidence = \"low\"", "evidence = \"weak\""),
    );
    f.write("content/faq/t.toml", "title = \"T\"\n[[questions]]\nid = \"q\"\nquestion = \"Q?\"\nanswer = \"[x](@pain/knee)\"\n");
    let stderr = f.fails_with(&[
        "content/blog/a.md:4:12",
        "content/techniques/massage-ball.toml:5:12",
        "content/faq/t.toml:5:11",
        // The muscle names the broken technique: said as such, not as unknown.
        "technique `massage-ball` could not be loaded",
    ]);
    assert!(stderr.contains("Build failed with 4 errors"), "{stderr}");
}

#[test]
fn front_matter_errors_do_not_hide_the_bodys_errors() {
    let f = Fixture::new();
    // An empty title and an image without `image_alt` are errors, but the
    // article is still linked: its broken link, citation and image are
    // reported in the same build, not one build later.
    f.write(
        "content/blog/a.md",
        &article(
            " ",
            "2026-01-01",
            "image = \"/images/room.jpg\"",
            "See [m](@muscles/upper-trapezus) [@ts-1998].\n\n![A room](/images/nope.png)",
        ),
    );
    let stderr = f.fails_with(&[
        "`title` must not be empty",
        "content/blog/a.md:4:9",
        "`image` needs an `image_alt`",
        "image not found: `/images/room.jpg`",
        "content/blog/a.md:6:5",
        "did you mean `upper-trapezius`?",
        "content/blog/a.md:6:34",
        "unknown reference `ts-1998`",
        "image not found: `/images/nope.png`",
    ]);
    assert!(stderr.contains("Build failed with 6 errors"), "{stderr}");
    // A date that is not one leaves no article to link: its error alone.
    f.write(
        "content/blog/a.md",
        &article("A", "2026-02-30", "", "See [m](@muscles/upper-trapezus)."),
    );
    let stderr = f.fails_with(&["content/blog/a.md:3:8", "invalid date"]);
    assert!(!stderr.contains("upper-trapezus"), "{stderr}");
}

#[test]
fn citations_are_numbered_per_page_with_a_reference_list() {
    let f = Fixture::new();
    f.write(
        "content/references.toml",
        &format!("{REFERENCES}\n[davies-2013]\ntitle = \"Workbook\"\nauthors = [\"Davies, C.\"]\nyear = 2013\n"),
    );
    f.write("content/blog/a.md", &article("A", "2026-01-01", "", "One [@davies-2013]. Two [@ts-1999, p. 278]. Again [@davies-2013].\n\n`[@not-a-citation]`"));
    f.build(&[]);
    let p = f.page("/blog/a/");
    assert_eq!(texts(&p, "sup.cite"), ["[1]", "[2, p. 278]", "[1]"]);
    assert_eq!(
        attrs(&p, "#references li", "id"),
        ["ref-davies-2013", "ref-ts-1999"]
    );
    assert!(texts(&p, "code").contains(&"[@not-a-citation]".to_string()));
    // The muscle lists its own reference although its text cites none.
    assert_eq!(
        attrs(&f.page("/muscles/upper-trapezius/"), "#references li", "id"),
        ["ref-ts-1999"]
    );
}

#[test]
fn backlinks_appear_on_both_sides() {
    let f = Fixture::new();
    f.write(
        "content/blog/neck.md",
        &article(
            "Neck article",
            "2026-01-01",
            "muscles = [\"upper-trapezius\"]",
            "Text.",
        ),
    );
    f.write(
        "content/blog/linked.md",
        &article(
            "Linked article",
            "2026-01-02",
            "",
            "Use a [ball](@techniques/massage-ball).",
        ),
    );
    f.write(
        "content/faq/basics.toml",
        "title = \"Basics\"\n[[questions]]\nid = \"headache\"\nquestion = \"Why my head?\"\nanswer = \"Because of the [trapezius](@muscles/upper-trapezius).\"\n",
    );
    f.build(&[]);
    let muscle = f.page("/muscles/upper-trapezius/");
    assert_eq!(texts(&muscle, "#articles .card-title"), ["Neck article"]);
    assert_eq!(texts(&muscle, "#faq summary"), ["Why my head?"]);
    assert_eq!(texts(&muscle, "#techniques .card-title"), ["Massage ball"]);
    let technique = f.page("/techniques/massage-ball/");
    assert_eq!(
        texts(&technique, "#articles .card-title"),
        ["Linked article"]
    );
    assert_eq!(
        texts(&technique, "#muscles .card-title"),
        ["Upper trapezius"]
    );
    let article = f.page("/blog/neck/");
    assert_eq!(
        texts(&article, ".mentioned .muscle-card .card-title"),
        ["Upper trapezius"]
    );
    let faq = f.page("/faq/basics/");
    assert_eq!(attrs(&faq, "details.faq-item", "id"), ["headache"]);
    let ld = texts(&faq, "script[type='application/ld+json']").join(" ");
    assert!(ld.contains("\"@type\":\"FAQPage\""), "{ld}");
    let ld = texts(&muscle, "script[type='application/ld+json']").join(" ");
    assert!(
        ld.contains("\"@type\":\"MedicalWebPage\"") && ld.contains("\"@type\":\"Muscle\""),
        "{ld}"
    );
    assert!(broken_links(&f.out(), "").is_empty());
}
