//! Every class of content error: the exit code, the file:line:col, and the
//! suggestion in the message. No panics.

mod common;
use common::*;

#[test]
fn invalid_toml_in_front_matter() {
    let f = Fixture::new();
    f.write(
        "content/blog/a.md",
        "+++\ntitle = \"A\"\ndate = 2026-01-01\ntags = [\"x\"\n+++\nBody\n",
    );
    f.fails_with(&["invalid TOML", "content/blog/a.md:"]);
}

#[test]
fn unterminated_front_matter() {
    let f = Fixture::new();
    f.write(
        "content/blog/a.md",
        "+++\ntitle = \"A\"\ndate = 2026-01-01\nBody\n",
    );
    f.fails_with(&["front matter is never closed", "content/blog/a.md:1:1"]);
}

#[test]
fn missing_required_field() {
    let f = Fixture::new();
    f.write("content/blog/a.md", "+++\ntitle = \"A\"\n+++\nBody\n");
    f.fails_with(&["missing required key `date`", "content/blog/a.md:1:1"]);
}

#[test]
fn wrong_type() {
    let f = Fixture::new();
    f.write(
        "content/blog/a.md",
        "+++\ntitle = \"A\"\ndate = 2026-01-01\ntags = \"neck\"\n+++\n",
    );
    f.fails_with(&["wrong type", "content/blog/a.md:4:8"]);
}

#[test]
fn bad_date() {
    let f = Fixture::new();
    f.write(
        "content/blog/a.md",
        "+++\ntitle = \"A\"\ndate = \"2026-02-30\"\n+++\n",
    );
    f.fails_with(&["has no day 30", "content/blog/a.md:3:8"]);
}

#[test]
fn unknown_keys_with_suggestions_everywhere() {
    let f = Fixture::new();
    f.write(
        "content/blog/a.md",
        "+++\ntitel = \"A\"\ntitle = \"A\"\ndate = 2026-01-01\n+++\n",
    );
    f.write(
        "site.toml",
        &format!("{SITE_TOML}\n[markdown]\nsmart_punctuaton = true\n"),
    );
    f.fails_with(&[
        "site.toml:",
        "unknown key `smart_punctuaton`",
        "did you mean `smart_punctuation`?",
        "content/blog/a.md:2:1",
        "unknown key `titel`",
        "did you mean `title`?",
    ]);
}

#[test]
fn duplicate_slug_and_url() {
    let f = Fixture::new();
    f.write("content/blog/a.md", &article("A", "2026-01-01", "", ""));
    f.write(
        "content/blog/b.md",
        &article("B", "2026-01-02", "slug = \"a\"", ""),
    );
    f.write(
        "content/pages/muscles.md",
        "+++\ntitle = \"Muscles\"\n+++\n",
    );
    f.fails_with(&[
        "duplicate slug `a`",
        "content/blog/",
        "two pages want the URL /muscles/",
        "content/pages/muscles.md",
    ]);
}

#[test]
fn unknown_template_and_template_error() {
    let f = Fixture::new();
    f.write(
        "content/blog/a.md",
        &article("A", "2026-01-01", "template = \"fancy.html\"", ""),
    );
    f.fails_with(&["unknown template `fancy.html`", "content/blog/a.md"]);

    let f = Fixture::new();
    f.write("templates/page.html", "{% extends \"base.html\" %}\n{% block main %}\n{{ page.title | nosuchfilter }}\n{% endblock main %}\n");
    f.write("content/pages/x.md", "+++\ntitle = \"X\"\n+++\n");
    f.fails_with(&["template error", "templates/page.html"]);

    let f = Fixture::new();
    f.write("templates/page.html", "{% extends \"base.html\" %}\n{% block main %}\n{{ page.nosuchvariable.deeper }}\n{% endblock main %}\n");
    f.write("content/pages/x.md", "+++\ntitle = \"X\"\n+++\n");
    f.fails_with(&["template error", "templates/page.html:3:"]);
}

#[test]
fn an_error_in_the_card_macro_points_into_macros_html() {
    // Cards are rendered once, outside any page template: the error must
    // still name the line of the macro, and the page that showed the card.
    let macros = include_str!("../themes/default/templates/macros.html");
    let broken = macros.replacen("{{ a.title }}</a>", "{{ a.titel }}</a>", 1);
    assert_ne!(macros, broken, "the card macro prints a.title");
    let line = broken.lines().position(|l| l.contains("a.titel")).unwrap() + 1;
    let f = Fixture::new();
    f.write("templates/macros.html", &broken);
    f.write(
        "content/blog/a.md",
        &article("A", "2026-01-01", "tags = [\"neck\"]", ""),
    );
    f.fails_with(&[
        "Variable `a.titel` not found",
        &format!("templates/macros.html:{line}:"),
        "(rendering /blog/)",
    ]);
}

#[test]
fn not_utf8() {
    let f = Fixture::new();
    f.write_bytes(
        "content/blog/a.md",
        b"+++\ntitle = \"A\"\ndate = 2026-01-01\n+++\nCaf\xe9\n",
    );
    f.fails_with(&["not valid UTF-8", "content/blog/a.md:5:4"]);
}

#[test]
fn empty_and_huge_files_do_not_panic() {
    let f = Fixture::new();
    f.write("content/blog/empty.md", "");
    f.write("content/muscles/empty.toml", "");
    let stderr = f.fails_with(&[
        "content/blog/empty.md",
        "missing front matter",
        "content/muscles/empty.toml",
        "missing required key `name`",
    ]);
    assert!(!stderr.contains("panicked"));

    let f = Fixture::new();
    let body = "Trigger points and *referred* pain. ".repeat(300_000);
    let nested = format!("{}deep", "> ".repeat(500));
    f.write(
        "content/blog/huge.md",
        &article("Huge", "2026-01-01", "", &format!("{body}\n\n{nested}")),
    );
    f.build(&[]);
    assert!(f.exists("/blog/huge/"));
}

#[test]
fn html_in_data_fields_is_escaped() {
    let f = Fixture::new();
    f.write(
        "content/muscles/upper-trapezius.toml",
        &MUSCLE.replace("summary = \"Between neck and shoulder.\"", "summary = \"<script>alert(1)</script>\"\ndescription = \"<img src=x onerror=alert(2)> ok\""),
    );
    f.build(&[]);
    let raw = std::fs::read_to_string(f.out().join("muscles/upper-trapezius/index.html")).unwrap();
    assert!(!raw.contains("<script>alert(1)"), "summary escaped");
    assert!(raw.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        !raw.contains("<img src=x"),
        "raw HTML in a data field's Markdown is shown as text"
    );
}
