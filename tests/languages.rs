//! Languages: a site wholly in German, and a multilingual English/French
//! site with translated articles, a translated muscle and translated
//! regions; and the errors of translations.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;

/// Every phrase of the theme's English words that German writes
/// differently, as the fragments between placeholders long enough to be
/// unmistakable ("Where does it hurt?", "min read", …).
fn english_phrases() -> BTreeSet<String> {
    let read = |lang: &str| -> toml::Table {
        std::fs::read_to_string(format!("themes/default/i18n/{lang}.toml"))
            .unwrap()
            .parse()
            .unwrap()
    };
    fn flatten(prefix: &str, t: &toml::Table, out: &mut Vec<(String, String)>) {
        for (k, v) in t {
            let key = format!("{prefix}{k}");
            match v {
                toml::Value::String(s) => out.push((key, s.clone())),
                toml::Value::Table(t) => flatten(&format!("{key}."), t, out),
                _ => {}
            }
        }
    }
    let (mut en, mut de) = (Vec::new(), Vec::new());
    flatten("", &read("en"), &mut en);
    flatten("", &read("de"), &mut de);
    let de: std::collections::HashMap<String, String> = de.into_iter().collect();
    let mut phrases = BTreeSet::new();
    for (key, text) in en {
        if de.get(&key) == Some(&text) {
            continue;
        }
        for fragment in text.split(['{', '}']).step_by(2) {
            let fragment = fragment.trim_matches(|c: char| !c.is_alphanumeric());
            if fragment.len() >= 8 && fragment.contains(' ') {
                phrases.insert(fragment.to_string());
            }
        }
    }
    phrases
}

/// The visible text of every page of the built site (scripts and styles
/// left out), by path.
fn page_texts(out: &Path) -> Vec<(String, String)> {
    tree(out)
        .into_iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| {
            let html = scraper::Html::parse_document(&String::from_utf8_lossy(&bytes));
            let mut text = String::new();
            for node in html.root_element().descendants() {
                if let Some(t) = node.value().as_text() {
                    let parent = node
                        .parent()
                        .and_then(|p| p.value().as_element().map(|e| e.name().to_string()));
                    if !matches!(parent.as_deref(), Some("script" | "style")) {
                        text.push_str(t);
                        text.push(' ');
                    }
                }
            }
            for element in html
                .root_element()
                .descendants()
                .filter_map(|n| n.value().as_element())
            {
                for attr in ["aria-label", "title", "alt", "placeholder"] {
                    if let Some(v) = element.attr(attr) {
                        text.push_str(v);
                        text.push(' ');
                    }
                }
            }
            (path, text)
        })
        .collect()
}

const GERMAN_SITE: &str = r#"title = "Praxis Lindenhof"
base_url = "https://lindenhof.example/"
language = "de"

[studio]
name = "Praxis Lindenhof"
booking_url = "https://termine.example/"

[blog]
paginate_by = 1

[disclaimer]
text = "Informationen zur Bildung, keine Diagnose."
"#;

const GERMAN_REGIONS: &str = r#"
[[regions]]
id = "temple"
name = "Schläfe"
view = "front"

[[regions]]
id = "neck-side"
name = "Halsseite"
view = "front"

[[regions]]
id = "jaw"
name = "Kiefer"
view = "front"

[[regions]]
id = "chest"
name = "Brust"
view = "front"
red_flags = "Brustschmerz kann vom Herzen kommen: **rufen Sie den Notruf**."

[[regions]]
id = "shoulder-top"
name = "Schulterhöhe"
view = "back"

[[regions]]
id = "low-back"
name = "Unterer Rücken"
view = "back"
"#;

fn german_site() -> Fixture {
    let f = Fixture::empty();
    f.write("site.toml", GERMAN_SITE)
        .write("bodymap.svg", FIGURE)
        .write("content/regions.toml", GERMAN_REGIONS)
        .write(
            "content/references.toml",
            "[ts-1999]\nauthors = [\"Simons, D. G.\"]\ntitle = \"Myofascial Pain and Dysfunction\"\nyear = 1999\n",
        )
        .write(
            "content/muscles/oberer-trapezius.toml",
            r#"name = "Oberer Trapezius"
group = "neck-and-shoulders"
summary = "Zwischen Nacken und Schulter."
techniques = ["massageball", "trockennadelung"]
references = ["ts-1999"]
self_care = "Schultern bewusst sinken lassen."

[[trigger_points]]
location = "shoulder-top"
referral = ["neck-side", "temple", "chest"]
spillover = ["jaw"]
symptoms = ["Kopfschmerz an der Schläfe"]

[[trigger_points]]
name = "Zweiter Punkt"
location = "shoulder-top"
referral = ["temple"]
symptoms = ["Steifer Nacken"]
"#,
        )
        .write(
            "content/techniques/massageball.toml",
            "name = \"Massageball\"\nsummary = \"Gegen einen Ball lehnen.\"\nsetting = \"home\"\nintensity = 2\nevidence = \"low\"\ncompare_with = [\"trockennadelung\"]\n",
        )
        .write(
            "content/techniques/trockennadelung.toml",
            "name = \"Trockennadelung\"\nsummary = \"Feine Nadeln.\"\nsetting = \"medical\"\nintensity = 4\nevidence = \"moderate\"\n",
        )
        .write(
            "content/faq/grundlagen.toml",
            "title = \"Grundlagen\"\n\n[[questions]]\nid = \"was-ist-das\"\nquestion = \"Was ist ein Triggerpunkt?\"\nanswer = \"Ein empfindlicher Punkt im Muskel.\"\nmuscles = [\"oberer-trapezius\"]\n",
        )
        .write(
            "content/blog/nacken.md",
            &article(
                "Nackenschmerzen am Schreibtisch",
                "2026-03-14",
                "tags = [\"Nacken\"]\nmuscles = [\"oberer-trapezius\"]\ntakeaways = [\"Pausen helfen.\"]",
                "## Warum\n\nDer [obere Trapezius](@muscles/oberer-trapezius) leitet Schmerz zur Schläfe [@ts-1999].\n\n## Was hilft\n\nBewegung.\n\n## Wann zum Arzt\n\nBei Taubheit.",
            ),
        )
        .write(
            "content/blog/schulter.md",
            &article("Schulterhöhe", "2026-05-02", "tags = [\"Nacken\"]", "Kurz."),
        );
    f
}

#[test]
fn a_german_site_has_no_english_in_its_theme() {
    let f = german_site();
    f.build(&[]);
    let phrases = english_phrases();
    assert!(phrases.len() > 150, "{}", phrases.len());
    let mut found = Vec::new();
    for (path, text) in page_texts(&f.out()) {
        for phrase in &phrases {
            if text.contains(phrase.as_str()) {
                found.push(format!("{path}: {phrase:?}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "English in a German site:\n{}",
        found.join("\n")
    );

    let article = f.page("/blog/nacken/");
    assert_eq!(attrs(&article, "html", "lang"), ["de"]);
    let meta = texts(&article, ".article-header .meta").join(" ");
    assert!(meta.contains("14. März 2026"), "{meta}");
    assert!(meta.contains("1 Min. Lesezeit"), "{meta}");
    // Plural forms: one muscle on a region, two articles under a tag.
    let finder = f.page("/pain/");
    assert!(texts(&finder, ".region-list .count").contains(&"1 Muskel".to_string()));
    let tag = f.page("/tags/nacken/");
    assert!(texts(&tag, "main p.muted").join(" ").contains("2 Artikel"));
    // Generated sentences: the referral pattern in words, the choice box.
    let muscle = f.page("/muscles/oberer-trapezius/");
    assert!(texts(&muscle, ".pattern-text")
        .join(" ")
        .contains("Triggerpunkt 1 liegt im Bereich Schulterhöhe"));
    let pair = f.page("/techniques/compare/massageball-vs-trockennadelung/");
    assert!(texts(&pair, ".summary p")
        .join(" ")
        .contains("Massageball ist die sanftere der beiden"));
    assert_eq!(json_ld(&muscle, "MedicalWebPage")["inLanguage"], "de");
    assert_links_resolve(&f.out());
}

#[test]
fn a_language_without_words_names_the_file_to_add() {
    let f = german_site();
    f.write(
        "site.toml",
        &GERMAN_SITE.replace("language = \"de\"", "language = \"pl\""),
    );
    f.fails_with(&["site.toml:3", "no words for language `pl`", "i18n/pl.toml"]);
    // A site's own words file makes it a language; missing phrases are a
    // warning listing them, shown in English meanwhile.
    f.write(
        "i18n/pl.toml",
        "[nav]\nhome = \"Strona główna\"\n\n[language]\nname = \"Polski\"\n",
    );
    let out = f.build(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("have no `pl` words, so they show in English"),
        "{stderr}"
    );
    assert!(stderr.contains("`article.about_author`"), "{stderr}");
    let home = f.page("/");
    assert_eq!(attrs(&home, "html", "lang"), ["pl"]);
    // And a phrase of the site's file overrides the theme's.
    let page = f.page("/blog/nacken/");
    assert_eq!(texts(&page, ".breadcrumbs li a")[0], "Strona główna");
}

const BILINGUAL_SITE: &str = r#"title = "Studio Crescent"
base_url = "https://example.github.io/studio/"
language = "en"

[studio]
name = "Studio Crescent"

[blog]
paginate_by = 5

[disclaimer]
text = "Not medical advice."

[languages.fr]
title = "Studio Crescent — Apprendre"
description = "Guides sur les points gâchettes."
disclaimer = "Ceci n'est pas un avis médical."
"#;

fn bilingual_site() -> Fixture {
    let f = Fixture::new();
    f.write("site.toml", BILINGUAL_SITE)
        .write(
            "content/blog/neck-pain.md",
            &article(
                "Neck pain at the desk",
                "2026-03-14",
                "tags = [\"neck\"]\nmuscles = [\"upper-trapezius\"]\ntechniques = [\"massage-ball\"]",
                "The [upper trapezius](@muscles/upper-trapezius) refers pain to the temple. Try a [massage ball](@techniques/massage-ball). See [the other article](@blog/desk-setup).",
            ),
        )
        .write(
            "content/blog/neck-pain.fr.md",
            "+++\ntitle = \"Douleur au cou devant l'écran\"\ntags = [\"nuque\"]\n+++\nLe [trapèze supérieur](@muscles/upper-trapezius) envoie la douleur vers la tempe. Essayez une [balle de massage](@techniques/massage-ball). Voir [l'autre article](@blog/desk-setup). La céphalée de tension se soigne.\n",
        )
        .write(
            "content/blog/desk-setup.md",
            &article("Setting up your desk", "2026-02-01", "tags = [\"neck\"]", "Raise the screen."),
        )
        .write(
            "content/muscles/upper-trapezius.fr.toml",
            "name = \"Trapèze supérieur\"\nsummary = \"Entre le cou et l'épaule.\"\n\n[[trigger_points]]\nsymptoms = [\"Céphalée à la tempe\"]\n",
        )
        .write(
            "content/regions.fr.toml",
            "[[regions]]\nid = \"temple\"\nname = \"Tempe\"\n\n[[regions]]\nid = \"shoulder-top\"\nname = \"Dessus de l'épaule\"\n",
        );
    f
}

#[test]
fn a_bilingual_site_has_french_pages_for_what_is_translated() {
    let f = bilingual_site();
    let out = f.build(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("fr: 2 of 4 pages translated"), "{stdout}");
    let root = f.out();
    // Translated content has French pages; the rest has none.
    assert!(f.exists("/fr/blog/neck-pain/"));
    assert!(f.exists("/fr/muscles/upper-trapezius/"));
    assert!(!f.exists("/fr/blog/desk-setup/"));
    assert!(!f.exists("/fr/techniques/massage-ball/"));
    // Generated pages exist in both languages.
    for url in [
        "/fr/",
        "/fr/blog/",
        "/fr/pain/temple/",
        "/fr/search/",
        "/fr/atom.xml",
    ] {
        assert!(f.exists(url), "{url}");
    }
    let fr = f.page("/fr/blog/neck-pain/");
    assert_eq!(attrs(&fr, "html", "lang"), ["fr"]);
    assert_eq!(texts(&fr, "h1"), ["Douleur au cou devant l'écran"]);
    // Cross-links: French where a translation exists, English where not,
    // always under the subpath.
    let body_links = attrs(&fr, ".prose a", "href");
    assert!(
        body_links.contains(&"/studio/fr/muscles/upper-trapezius/".to_string()),
        "{body_links:?}"
    );
    assert!(
        body_links.contains(&"/studio/techniques/massage-ball/".to_string()),
        "{body_links:?}"
    );
    assert!(
        body_links.contains(&"/studio/blog/desk-setup/".to_string()),
        "{body_links:?}"
    );
    // The muscle's data in French, with the original's regions in French.
    let muscle = f.page("/fr/muscles/upper-trapezius/");
    assert_eq!(texts(&muscle, "h1"), ["Trapèze supérieur"]);
    assert!(texts(&muscle, ".tp li").contains(&"Céphalée à la tempe".to_string()));
    assert!(texts(&muscle, ".tp dd a").contains(&"Tempe".to_string()));
    // The articles that mention it: the French one.
    assert_eq!(
        attrs(&muscle, "#articles .card-title a", "href"),
        ["/studio/fr/blog/neck-pain/"]
    );
    assert_eq!(
        texts(&f.page("/fr/pain/temple/"), "h1")[0].replace('\u{a0}', " "),
        "Douleur : tempe"
    );
    // The French blog lists the French article only; the feed too.
    assert_eq!(
        attrs(&f.page("/fr/blog/"), ".card-title a", "href"),
        ["/studio/fr/blog/neck-pain/"]
    );
    let feed = std::fs::read_to_string(root.join("fr/atom.xml")).unwrap();
    assert!(feed.contains("Douleur au cou") && !feed.contains("Setting up your desk"));
    assert!(feed.contains("xml:lang=\"fr\""));

    // hreflang: reciprocal, with x-default, every link a page of the site.
    let en = f.page("/blog/neck-pain/");
    for page in [&en, &fr] {
        let langs = attrs(page, "link[rel=alternate][hreflang]", "hreflang");
        assert_eq!(langs, ["en", "fr", "x-default"]);
        let hrefs = attrs(page, "link[rel=alternate][hreflang]", "href");
        assert_eq!(hrefs[0], "https://example.github.io/studio/blog/neck-pain/");
        assert_eq!(
            hrefs[1],
            "https://example.github.io/studio/fr/blog/neck-pain/"
        );
    }
    // An untranslated page has no alternates, and its switcher leads to the
    // French home.
    let desk = f.page("/blog/desk-setup/");
    assert!(attrs(&desk, "link[hreflang]", "href").is_empty());
    assert_eq!(
        attrs(&desk, ".language-switcher a", "href"),
        ["/studio/blog/desk-setup/", "/studio/fr/"]
    );
    // Every page has a switcher whose links resolve, the current one marked.
    for (path, bytes) in tree(&root)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".html"))
    {
        if path == "404.html" || bytes.windows(20).any(|w| w == b"http-equiv=\"refresh\"") {
            continue;
        }
        let html = scraper::Html::parse_document(&String::from_utf8_lossy(&bytes));
        let links = attrs(&html, ".language-switcher a", "href");
        assert_eq!(links.len(), 2, "{path}");
        for link in links {
            let target = link.strip_prefix("/studio").unwrap();
            assert!(file_for(&root, target).is_file(), "{path}: {link}");
        }
        assert_eq!(
            attrs(&html, ".language-switcher a[aria-current]", "href").len(),
            1,
            "{path}"
        );
    }
    // The sitemap names both languages' pages, with alternates.
    let sitemap = std::fs::read_to_string(root.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>https://example.github.io/studio/fr/blog/neck-pain/</loc>"));
    assert!(sitemap
        .contains("hreflang=\"fr\" href=\"https://example.github.io/studio/fr/blog/neck-pain/\""));
    // One search bundle with an index per language.
    let entry = std::fs::read_to_string(root.join("pagefind/pagefind-entry.json")).unwrap();
    let entry: serde_json::Value = serde_json::from_str(&entry).unwrap();
    assert!(
        entry["languages"]["fr"]["page_count"].as_u64().unwrap() >= 2,
        "{entry}"
    );
    assert!(
        entry["languages"]["en"]["page_count"].as_u64().unwrap() >= 4,
        "{entry}"
    );
    let search = f.page("/fr/search/");
    assert_eq!(
        attrs(&search, "#search", "data-bundle"),
        ["/studio/pagefind/"]
    );
    let broken = broken_links(&root, "/studio");
    assert!(broken.is_empty(), "{broken:?}");
}

#[test]
fn translation_errors_name_the_file_line_and_fix() {
    let f = bilingual_site();
    // A translation of nothing: the closest original is offered.
    f.write(
        "content/blog/nek-pain.fr.md",
        "+++\ntitle = \"X\"\n+++\nX\n",
    );
    // A data translation that sets a fact: a region.
    f.write(
        "content/techniques/massage-ball.fr.toml",
        "name = \"Balle de massage\"\nintensity = 2\n",
    );
    f.write(
        "content/muscles/upper-trapezius.fr.toml",
        "name = \"Trapèze supérieur\"\n\n[[trigger_points]]\nlocation = \"jaw\"\n",
    );
    // A data translation of nothing.
    f.write("content/muscles/upper-trapezus.fr.toml", "name = \"X\"\n");
    // A language the site does not have.
    f.write(
        "content/blog/desk-setup.fx.md",
        "+++\ntitle = \"X\"\n+++\nX\n",
    );
    // A Markdown translation that moves the date.
    f.write(
        "content/blog/desk-setup.fr.md",
        "+++\ntitle = \"Bureau\"\ndate = 2026-01-01\n+++\nX\n",
    );
    let stderr = f.fails_with(&[
        "content/blog/nek-pain.fr.md",
        "there is no article `nek-pain`",
        "did you mean `neck-pain`?",
        "content/techniques/massage-ball.fr.toml:2:1",
        "`intensity` is not text",
        "content/muscles/upper-trapezius.fr.toml:4:1",
        "`location` is not text",
        "content/blog/desk-setup.fx.md",
        "unknown language `fx`",
        "did you mean `fr`?",
        "content/blog/desk-setup.fr.md:3:1",
        "`date` cannot be translated",
        "content/muscles/upper-trapezus.fr.toml",
        "there is no content/muscles/upper-trapezus.toml to translate",
        "did you mean `upper-trapezius`?",
    ]);
    assert!(stderr.contains("6 errors"), "{stderr}");
}

#[test]
fn a_region_translation_names_a_region_of_the_figure() {
    let f = bilingual_site();
    f.write(
        "content/blog/desk-setup.fx.md",
        "+++\ntitle = \"X\"\n+++\nX\n",
    );
    f.write(
        "content/regions.fr.toml",
        "[[regions]]\nid = \"tempel\"\nname = \"Tempe\"\n\n[[regions]]\nid = \"jaw\"\nview = \"back\"\n",
    );
    f.fails_with(&[
        "content/regions.fr.toml:2:6",
        // Reported with the rest, before anything is linked.
        "content/blog/desk-setup.fx.md",
        "there is no region `tempel` to translate",
        "did you mean `temple`?",
        "content/regions.fr.toml:7:1",
        "`view` is not text",
    ]);
}

#[test]
fn an_unknown_language_in_site_toml_is_an_error() {
    let f = bilingual_site();
    f.write(
        "site.toml",
        &BILINGUAL_SITE.replace("[languages.fr]", "[languages.frr]"),
    );
    f.fails_with(&[
        "site.toml:14",
        "no words for language `frr`",
        "did you mean `fr`?",
        // The translations' language is no longer the site's.
        "content/blog/neck-pain.fr.md",
        "unknown language `fr`",
    ]);
    f.write(
        "site.toml",
        &BILINGUAL_SITE.replace("[languages.fr]", "[languages.en]"),
    );
    f.fails_with(&["site.toml:14", "`en` is the site's own language"]);
}
