//! Generated pages: referral maps, the pain finder, technique comparisons.

mod common;
use common::*;

fn with_two_muscles() -> Fixture {
    let f = Fixture::new();
    f.write(
        "content/muscles/sternocleidomastoid.toml",
        r#"name = "Sternocleidomastoid"
group = "head-and-neck"
summary = "Front of the neck."
references = ["ts-1999"]

[[trigger_points]]
location = "neck-side"
referral = ["jaw"]
spillover = ["temple"]
"#,
    );
    f.write(
        "content/muscles/pectoralis-major.toml",
        "name = \"Pectoralis major\"\nsummary = \"Chest.\"\n[[trigger_points]]\nlocation = \"chest\"\nreferral = [\"chest\"]\n",
    );
    f
}

#[test]
fn muscle_map_zones_match_the_data() {
    let f = with_two_muscles();
    f.build(&[]);
    let p = f.page("/muscles/upper-trapezius/");
    let zone_regions = |class: &str| {
        let mut v = attrs(
            &p,
            &format!(".referral-map g.{class} > [data-id]"),
            "data-id",
        );
        v.sort();
        v
    };
    assert_eq!(
        zone_regions("zone-essential"),
        ["region-neck-side", "region-temple"]
    );
    assert_eq!(zone_regions("zone-spillover"), ["region-jaw"]);
    assert_eq!(p.select(&sel(".referral-map .tp-mark")).count(), 1);
    // The stipple pattern, not colour alone, marks spillover.
    let fills = attrs(&p, ".referral-map g.zone-spillover", "fill");
    assert_eq!(fills, ["url(#kw-stipple)"]);
    assert_eq!(
        attrs(&p, "svg.bodymap-sprite pattern", "id"),
        ["kw-stipple"]
    );
    assert!(!texts(&p, ".referral-map desc")[0].is_empty());
    // The location is in the back view and zones in the front: both drawn,
    // each from the page's one copy of the figure.
    assert_eq!(p.select(&sel(".referral-map g.view")).count(), 2);
    assert_eq!(
        attrs(&p, ".referral-map use", "href"),
        ["#kw-figure-front", "#kw-figure-back"]
    );
    assert_eq!(p.select(&sel("svg.bodymap-sprite")).count(), 1);
    assert!(
        p.select(&sel("svg.bodymap-sprite g#kw-figure-front .skin"))
            .count()
            > 0
    );
    // No id repeats on the page.
    let mut ids = attrs(&p, "[id]", "id");
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate ids");
}

#[test]
fn a_page_of_many_maps_carries_the_figure_once() {
    let f = with_two_muscles();
    f.build(&[]);
    let gallery = f.page("/referral-patterns/");
    let maps = gallery.select(&sel("svg.referral-map")).count();
    assert!(maps >= 3, "{maps} maps");
    assert_eq!(gallery.select(&sel("svg.bodymap-sprite")).count(), 1);
    // The sprite comes first in the body, before the maps that draw from it.
    assert_eq!(gallery.select(&sel("body > svg.bodymap-sprite")).count(), 1);
    let html = gallery.html();
    assert!(html.find("bodymap-sprite").unwrap() < html.find("bodymap referral-map").unwrap());
    // Every map draws the figure from it, none draws its own.
    let ids = attrs(&gallery, "[id]", "id");
    for href in attrs(&gallery, "svg.referral-map use", "href") {
        assert!(
            ids.contains(&href[1..].to_string()),
            "{href} not on the page"
        );
    }
    assert_eq!(gallery.select(&sel("svg.referral-map .skin")).count(), 0);
    // A page without maps has no sprite.
    let blog = f.page("/blog/");
    assert_eq!(blog.select(&sel("svg.bodymap-sprite")).count(), 0);
    // The finder draws from it too, its regions links over the figure.
    let finder = f.page("/pain/");
    assert_eq!(finder.select(&sel("svg.bodymap-sprite")).count(), 1);
    assert_eq!(
        attrs(&finder, "svg.finder-map use", "href"),
        ["#kw-figure-front", "#kw-figure-back"]
    );
    assert!(
        finder
            .select(&sel("svg.finder-map a.region-link [data-id]"))
            .count()
            >= 3
    );
}

#[test]
fn an_articles_map_in_the_feed_carries_the_figure_it_draws_from() {
    let f = Fixture::new();
    f.write(
        "content/blog/neck.md",
        &article(
            "Neck",
            "2024-01-01",
            "",
            "Text.\n\n{{ muscle(id=\"upper-trapezius\") }}\n",
        ),
    );
    f.write(
        "content/blog/plain.md",
        &article("Plain", "2024-02-01", "", "No map here.\n"),
    );
    f.build(&[]);
    let feed = std::fs::read_to_string(f.out().join("atom.xml")).unwrap();
    let xml = roxmltree::Document::parse(&feed).expect("the feed is well-formed XML");
    let entry = |title: &str| {
        let entry = xml
            .descendants()
            .find(|n| {
                n.has_tag_name("entry")
                    && n.children()
                        .any(|c| c.has_tag_name("title") && c.text() == Some(title))
            })
            .unwrap_or_else(|| panic!("no entry {title}"));
        let content = entry
            .children()
            .find(|c| c.has_tag_name("content"))
            .unwrap();
        scraper::Html::parse_fragment(content.text().unwrap_or(""))
    };
    // A reader shows the entry alone: the figure the map draws comes with it.
    let neck = entry("Neck");
    assert_eq!(neck.select(&sel("svg.referral-map")).count(), 1);
    assert_eq!(neck.select(&sel("svg.bodymap-sprite")).count(), 1);
    let ids = attrs(&neck, "[id]", "id");
    let uses = attrs(&neck, "svg.referral-map use", "href");
    assert!(!uses.is_empty());
    for href in uses {
        assert!(
            ids.contains(&href[1..].to_string()),
            "{href} not in the entry"
        );
    }
    assert_eq!(entry("Plain").select(&sel("svg.bodymap-sprite")).count(), 0);
}

#[test]
fn a_figure_styled_by_its_own_defs_keeps_its_style_in_the_maps() {
    // As an editor exports it: a style sheet and a gradient at the top,
    // used by a shape inside a view; ids on the drawing's own groups.
    let theme_figure = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/bodymap.svg"),
    )
    .unwrap();
    let open_end = theme_figure.find('>').unwrap() + 1;
    let figure = format!(
        "{}<defs><linearGradient id=\"halo\"><stop offset=\"0\" stop-color=\"#3a7\"/></linearGradient>\
         <style>.cls-1{{fill:url(#halo)}}</style></defs>{}",
        &theme_figure[..open_end],
        theme_figure[open_end..].replacen(
            "<g class=\"details\">",
            "<rect id=\"Layer_2\" class=\"cls-1\" x=\"60\" y=\"90\" width=\"80\" height=\"40\"/><g class=\"details\">",
            1
        )
    );
    let f = with_two_muscles();
    f.write("bodymap.svg", &figure);
    f.build(&[]);
    for url in ["/pain/temple/", "/muscles/upper-trapezius/", "/pain/"] {
        let p = f.page(url);
        let sprite = "svg.bodymap-sprite";
        assert_eq!(
            attrs(&p, &format!("{sprite} linearGradient"), "id"),
            ["halo"],
            "{url}"
        );
        assert_eq!(
            texts(&p, &format!("{sprite} style")),
            [".cls-1{fill:url(#halo)}"]
        );
        // The shape keeps its id once, in the sprite; regions are data-id.
        assert_eq!(attrs(&p, "#Layer_2", "class"), ["cls-1"]);
        assert!(
            p.select(&sel(&format!("{sprite} [data-id=region-temple]")))
                .count()
                == 1
        );
        let mut ids = attrs(&p, "[id]", "id");
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate ids on {url}");
    }
    // The figure is in no page's plan: a rebuild after editing it must
    // still write the pages that carry it.
    f.write("bodymap.svg", &figure.replace("#3a7", "#7a3"));
    f.build(&[]);
    let p = f.page("/pain/temple/");
    assert_eq!(attrs(&p, "svg.bodymap-sprite stop", "stop-color"), ["#7a3"]);
}

#[test]
fn pain_pages_list_exactly_the_referring_muscles_essential_first() {
    let f = with_two_muscles();
    f.build(&[]);
    // Temple: essential for the trapezius, spillover for the SCM.
    let temple = f.page("/pain/temple/");
    assert_eq!(
        texts(&temple, "#essential .referral-card h3"),
        ["Upper trapezius"]
    );
    assert_eq!(
        texts(&temple, "#spillover .referral-card h3"),
        ["Sternocleidomastoid"]
    );
    // Jaw: essential for the SCM, spillover for the trapezius.
    let jaw = f.page("/pain/jaw/");
    assert_eq!(
        texts(&jaw, "#essential .referral-card h3"),
        ["Sternocleidomastoid"]
    );
    assert_eq!(
        texts(&jaw, "#spillover .referral-card h3"),
        ["Upper trapezius"]
    );
    // Low back: nothing refers there; the page says so and points onward.
    let low_back = f.page("/pain/low-back/");
    assert!(low_back.select(&sel(".referral-card")).next().is_none());
    assert!(texts(&low_back, "main")
        .join(" ")
        .contains("No muscle described on this site refers pain to the low back"));
    assert!(!attrs(&low_back, "main .link-list a", "href").is_empty());
    // The finder: every region a link with an accessible name.
    let finder = f.page("/pain/");
    let links = attrs(&finder, "svg.finder-map a.region-link", "href");
    assert_eq!(links.len(), 6);
    assert!(links.contains(&"/pain/temple/".to_string()));
    assert_eq!(
        attrs(&finder, "svg.finder-map a.region-link", "aria-label").len(),
        6
    );
    assert_eq!(
        attrs(&finder, ".region-list a", "href").len(),
        6,
        "the same list as text"
    );
}

#[test]
fn referral_pattern_gallery_and_muscle_index_group_muscles() {
    let f = with_two_muscles();
    f.build(&[]);
    let index = f.page("/muscles/");
    assert_eq!(
        texts(&index, "main h2"),
        ["Head and neck", "Neck and shoulders", "Other"]
    );
    let gallery = f.page("/referral-patterns/");
    assert_eq!(gallery.select(&sel("svg.referral-map")).count(), 3);
}

#[test]
fn each_compare_pair_has_exactly_one_page() {
    let f = Fixture::new();
    f.write(
        "content/techniques/foam-rolling.toml",
        "name = \"Foam rolling\"\nsummary = \"Roll.\"\nsetting = \"home\"\nintensity = 2\nevidence = \"low\"\ncompare_with = [\"massage-ball\"]\n",
    );
    f.write(
        "content/techniques/dry-needling.toml",
        "name = \"Dry needling\"\nsummary = \"Needles.\"\nsetting = \"medical\"\nintensity = 4\nevidence = \"moderate\"\ncompare_with = [\"massage-ball\", \"foam-rolling\"]\n",
    );
    // Named from both sides: still one page.
    f.write(
        "content/techniques/massage-ball.toml",
        &format!("{TECHNIQUE}compare_with = [\"foam-rolling\"]\n"),
    );
    f.build(&[]);
    let mut pairs: Vec<String> = std::fs::read_dir(f.out().join("techniques/compare"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [
            "dry-needling-vs-foam-rolling",
            "dry-needling-vs-massage-ball",
            "foam-rolling-vs-massage-ball"
        ]
    );
    let page = f.page("/techniques/compare/dry-needling-vs-massage-ball/");
    assert!(
        texts(&page, ".summary p")
            .iter()
            .any(|s| s.contains("Massage ball is the gentler of the two (3 of 5 against 4 of 5)")),
        "{:?}",
        texts(&page, ".summary p")
    );
    assert!(!texts(&page, "tr.differs th").is_empty());

    let table = f.page("/techniques/compare/");
    assert_eq!(
        table.select(&sel("table.compare-table tbody tr")).count(),
        3
    );
    assert_eq!(
        attrs(&table, "table.compare-table thead th", "data-sort-key"),
        [
            "name",
            "setting",
            "performed_by",
            "intensity",
            "time",
            "equipment",
            "evidence",
            "good_for"
        ]
    );
    for row in table.select(&sel("table.compare-table tbody tr")) {
        assert_eq!(
            row.select(&sel("td")).count(),
            7,
            "every attribute in every row"
        );
    }
}
