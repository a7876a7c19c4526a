//! Services, red flags and the review schedule.

mod common;

use common::*;

const SERVICE: &str = r#"name = "Trigger point therapy"
summary = "Focused work on trigger points."
techniques = ["massage-ball"]

[[options]]
minutes = 60
price = 95

[[options]]
minutes = 90
price = 132.5
"#;

#[test]
fn services_link_their_techniques_both_ways_with_prices_and_offers() {
    let f = Fixture::new();
    f.write("content/services/trigger-point-therapy.toml", SERVICE);
    f.write(
        "site.toml",
        &SITE_TOML.replace("[studio]\n", "[studio]\ncurrency = \"EUR\"\n"),
    );
    f.write(
        "content/blog/a.md",
        &article(
            "A",
            "2026-01-01",
            "",
            "{{ service(id=\"trigger-point-therapy\") }}",
        ),
    );
    f.build(&[]);
    let service = f.page("/services/trigger-point-therapy/");
    assert_eq!(
        texts(&service, "#options .prices li"),
        vec!["60 minutes €95", "90 minutes €132.50"]
    );
    assert_eq!(
        attrs(&service, "#options a.button", "href"),
        vec!["https://book.example.com/"]
    );
    assert_eq!(
        attrs(&service, "#techniques a", "href"),
        vec!["/techniques/massage-ball/"]
    );
    let ld = json_ld(&service, "Service");
    assert_eq!(ld["provider"]["name"], "Test Studio");
    assert_eq!(ld["offers"][1]["price"], "132.50");
    assert_eq!(ld["offers"][1]["priceCurrency"], "EUR");
    // The technique lists the service; the muscle reaches it through the technique.
    let technique = f.page("/techniques/massage-ball/");
    assert_eq!(
        attrs(&technique, "#services .card-title a", "href"),
        vec!["/services/trigger-point-therapy/"]
    );
    assert_eq!(
        attrs(&technique, "#services a.button", "href"),
        vec!["https://book.example.com/"]
    );
    let muscle = f.page("/muscles/upper-trapezius/");
    assert_eq!(
        texts(&muscle, "#services h2"),
        vec!["Services that can help"]
    );
    assert_eq!(
        attrs(&muscle, "#services .card-title a", "href"),
        vec!["/services/trigger-point-therapy/"]
    );
    // The index, the shortcode, the footer.
    assert_eq!(
        texts(&f.page("/services/"), ".service-card .card-title"),
        vec!["Trigger point therapy"]
    );
    assert_eq!(
        texts(&f.page("/blog/a/"), ".service-shortcode .prices li"),
        vec!["60 min €95", "90 min €132.50"]
    );
    assert_eq!(
        attrs(&f.page("/"), ".footer-nav a[href='/services/']", "href").len(),
        1
    );
    assert_links_resolve(&f.out());
}

#[test]
fn service_mistakes_are_reported_together() {
    let f = Fixture::new();
    f.write(
        "content/services/a.toml",
        &SERVICE
            .replace("[\"massage-ball\"]", "[\"massage-bal\"]")
            .replace("price = 95", "price = \"$95\""),
    );
    f.write("content/services/b.toml", "name = \"B\"\nsummary = \"s\"\n");
    f.write(
        "content/blog/a.md",
        &article("A", "2026-01-01", "", "{{ service(id=\"trigger-point\") }}"),
    );
    f.fails_with(&[
        "unknown technique `massage-bal`",
        "content/services/a.toml:3:15",
        "did you mean `massage-ball`?",
        "`price` must be a number, not \"$95\"",
        "content/services/a.toml:7:9",
        "service `b` has no options",
        "content/services/b.toml",
        "unknown service `trigger-point`",
        "content/blog/a.md:6:15",
        "known: a, b",
    ]);
}

#[test]
fn red_flags_come_first_on_pain_pages_and_muscles_point_to_them() {
    let f = Fixture::new();
    f.write(
        "content/regions.toml",
        &REGIONS.replace(
            "id = \"temple\"\nname = \"Temple\"\nview = \"front\"",
            "id = \"temple\"\nname = \"Temple\"\nview = \"front\"\nred_flags = \"A **sudden, severe** headache needs a doctor first.\"",
        ),
    );
    f.build(&[]);
    let temple = f.page("/pain/temple/");
    let html = temple.root_element().html();
    let flags = html.find("id=\"red-flags\"").expect("red flags shown");
    let first_muscle = html
        .find("/muscles/upper-trapezius/")
        .expect("a muscle listed");
    assert!(
        flags < first_muscle,
        "the red flags come before the first muscle link"
    );
    assert_eq!(attrs(&temple, "#red-flags", "role"), vec!["note"]);
    assert_eq!(texts(&temple, "#red-flags h2"), vec!["See a doctor first"]);
    // The finder shows them before the map.
    let finder = f.page("/pain/");
    assert_eq!(texts(&finder, "#red-flags summary"), vec!["Temple"]);
    // The muscle whose pattern reaches the temple points to the warning.
    let muscle = f.page("/muscles/upper-trapezius/");
    assert_eq!(
        attrs(&muscle, ".red-flag-pointer a", "href"),
        vec!["/pain/temple/#red-flags"]
    );
    assert_links_resolve(&f.out());
}

#[test]
fn an_overdue_page_warns_once_and_comes_first_in_the_review_list() {
    let f = Fixture::new();
    f.write(
        "site.toml",
        &format!("{SITE_TOML}\n[review]\nevery_months = 24\n"),
    );
    f.write(
        "content/blog/old.md",
        &article(
            "Old",
            "2019-01-01",
            "reviewed_by = \"Dr Lee\"\nlast_reviewed = 2020-03-01",
            "Old.",
        ),
    );
    f.write(
        "content/blog/new.md",
        &article("New", "2026-01-01", "", "New."),
    );
    let out = f.build(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("due for review").count(), 1, "{stderr}");
    assert!(
        stderr.contains("article \"Old\" is due for review: last reviewed on 2020-03-01"),
        "{stderr}"
    );
    assert!(stderr.contains("content/blog/old.md:5:1"), "{stderr}");
    let out = f.run("check", &["--review"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let table: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Status"))
        .collect();
    assert!(
        table[1].starts_with("OVERDUE")
            && table[1].contains("2022-03-01")
            && table[1].contains("Dr Lee")
            && table[1].contains("Article: Old"),
        "{stdout}"
    );
    assert!(
        table[2].starts_with("ok") && table[2].contains("Article: New"),
        "{stdout}"
    );
}
