//! People: authors and reviewers as ids, their pages, bylines, author boxes
//! and structured data.

mod common;

use common::*;

const MAYA: &str = r#"name = "Maya Okafor"
credentials = "LMT"
role = "Massage therapist"
license = "Licensed massage therapist 12345"
links = ["https://profiles.example.org/maya"]
bio = "Maya writes about [the trapezius](@muscles/upper-trapezius)."
"#;

const DANIEL: &str = r#"name = "Daniel Reyes"
credentials = "PT, DPT"
role = "Physical therapist"
"#;

fn team() -> Fixture {
    let f = Fixture::new();
    f.write("content/people/maya-okafor.toml", MAYA)
        .write("content/people/daniel-reyes.toml", DANIEL)
        .write(
            "content/blog/one.md",
            &article("One", "2026-01-01", "author = \"maya-okafor\"\nreviewed_by = \"daniel-reyes\"\nlast_reviewed = 2026-02-01", "First."),
        )
        .write(
            "content/blog/two.md",
            &article("Two", "2026-03-01", "author = \"maya-okafor\"", "Second."),
        )
        .write(
            "content/blog/three.md",
            &article("Three", "2026-02-01", "author = \"daniel-reyes\"\nreviewed_by = \"maya-okafor\"", "Third."),
        )
        .write(
            "content/muscles/upper-trapezius.toml",
            &MUSCLE.replacen(
                "[[trigger_points]]",
                "actions = [\"Lifts the shoulder\"]\nreviewed_by = \"daniel-reyes\"\nlast_reviewed = 2026-04-02\n\n[[trigger_points]]",
                1,
            ),
        );
    f
}

#[test]
fn articles_link_their_people_and_people_list_their_work() {
    let f = team();
    f.build(&[]);
    let one = f.page("/blog/one/");
    assert_eq!(
        attrs(&one, ".article-header a[rel=author]", "href"),
        vec!["/people/maya-okafor/"]
    );
    assert_eq!(
        attrs(&one, ".article-header .reviewed a", "href"),
        vec!["/people/daniel-reyes/"]
    );
    assert_eq!(
        texts(&one, ".article-header .reviewed a"),
        vec!["Daniel Reyes, PT, DPT"]
    );
    // The author box: bio (with its cross-link) and "all articles by".
    assert_eq!(
        texts(&one, ".author-box h2"),
        vec!["About Maya Okafor, LMT"]
    );
    assert_eq!(
        attrs(&one, ".author-box a[href$='#articles']", "href"),
        vec!["/people/maya-okafor/#articles"]
    );
    assert_eq!(
        attrs(&one, ".author-box a[href^='/muscles/']", "href"),
        vec!["/muscles/upper-trapezius/"]
    );
    let ld = json_ld(&one, "Article");
    assert_eq!(ld["author"]["@type"], "Person");
    assert_eq!(
        ld["author"]["url"],
        "https://example.com/people/maya-okafor/"
    );

    // The feed names the author with their page.
    let feed = std::fs::read_to_string(f.out().join("atom.xml")).unwrap();
    assert!(
        feed.contains("<author><name>Maya Okafor</name><uri>https://example.com/people/maya-okafor/</uri></author>"),
        "{feed}"
    );

    // Each person page lists exactly what they wrote (newest first) and reviewed.
    let maya = f.page("/people/maya-okafor/");
    assert_eq!(texts(&maya, "#articles .card-title"), vec!["Two", "One"]);
    assert_eq!(texts(&maya, "#reviewed li > a"), vec!["Three"]);
    let daniel = f.page("/people/daniel-reyes/");
    assert_eq!(texts(&daniel, "#articles .card-title"), vec!["Three"]);
    assert_eq!(
        texts(&daniel, "#reviewed li > a"),
        vec!["Upper trapezius", "One"],
        "newest review first"
    );
    let person = json_ld(&maya, "Person");
    assert_eq!(person["name"], "Maya Okafor");
    assert_eq!(person["jobTitle"], "Massage therapist");
    assert_eq!(person["sameAs"][0], "https://profiles.example.org/maya");
    assert_eq!(person["hasCredential"][0]["name"], "LMT");
    assert_eq!(
        person["hasCredential"][1]["name"],
        "Licensed massage therapist 12345"
    );

    // The team page, and the footer link to it.
    let team = f.page("/people/");
    assert_eq!(
        texts(&team, ".person-card .card-title"),
        vec!["Daniel Reyes, PT, DPT", "Maya Okafor, LMT"]
    );
    assert_eq!(
        attrs(&f.page("/"), ".footer-nav a[href='/people/']", "href").len(),
        1
    );

    // A reviewed muscle: its byline and MedicalWebPage fields.
    let muscle = f.page("/muscles/upper-trapezius/");
    assert_eq!(
        attrs(&muscle, ".reviewed a", "href"),
        vec!["/people/daniel-reyes/"]
    );
    let page = json_ld(&muscle, "MedicalWebPage");
    assert_eq!(
        page["reviewedBy"]["url"],
        "https://example.com/people/daniel-reyes/"
    );
    assert_eq!(page["lastReviewed"], "2026-04-02");
    assert_eq!(page["about"]["muscleAction"], "Lifts the shoulder");
    assert!(page["about"].get("action").is_none());
    assert_links_resolve(&f.out());
}

#[test]
fn without_people_bylines_are_names() {
    let f = Fixture::new();
    f.write(
        "content/blog/one.md",
        &article(
            "One",
            "2026-01-01",
            "author = \"Sam Lee, LMT\"\nreviewed_by = \"A. Reviewer\"",
            "Text.",
        ),
    );
    f.build(&[]);
    let one = f.page("/blog/one/");
    assert!(texts(&one, ".article-header .meta")[0].contains("by Sam Lee, LMT"));
    assert_eq!(
        texts(&one, ".article-header .reviewed"),
        vec!["Reviewed by A. Reviewer"]
    );
    assert_eq!(one.select(&sel(".author-box")).count(), 0);
    assert!(!f.exists("/people/"));
    assert_eq!(json_ld(&one, "Article")["author"]["name"], "Sam Lee, LMT");
}

#[test]
fn unknown_people_are_errors_with_a_suggestion() {
    let f = team();
    f.write(
        "content/blog/one.md",
        &article(
            "One",
            "2026-01-01",
            "author = \"maya-okafur\"\nreviewed_by = \"Daniel Reyes\"",
            "First.",
        ),
    );
    f.write(
        "content/techniques/massage-ball.toml",
        &format!("{TECHNIQUE}reviewed_by = \"danial-reyes\"\n"),
    );
    f.fails_with(&[
        "unknown person `maya-okafur`",
        "content/blog/one.md:4:10",
        "did you mean `maya-okafor`?",
        "unknown person `Daniel Reyes`",
        "content/blog/one.md:5:15",
        "unknown person `danial-reyes`",
        "content/techniques/massage-ball.toml:6:15",
        "did you mean `daniel-reyes`?",
    ]);
    // A photo needs its description.
    let f = team();
    f.write(
        "content/people/daniel-reyes.toml",
        &format!("{DANIEL}photo = \"/images/daniel.jpg\"\n"),
    );
    f.fails_with(&[
        "`photo` needs a description: add photo_alt",
        "content/people/daniel-reyes.toml:4:9",
    ]);
}
