//! The blog: pages, pagination, tags, feed, drafts, aliases, sitemap, and
//! the output folder's safety rules.

mod common;
use common::*;

fn blog_fixture() -> Fixture {
    let f = Fixture::new();
    for (i, day) in ["01", "02", "03", "04", "05"].iter().enumerate() {
        let tags = if i % 2 == 0 {
            "tags = [\"Neck Pain\", \"self-care\"]"
        } else {
            "tags = [\"self-care\"]"
        };
        f.write(
            &format!("content/blog/post-{i}.md"),
            &article(
                &format!("Post {i}"),
                &format!("2026-01-{day}"),
                tags,
                &format!("Body of post {i}.\n\n## Section\n\nMore."),
            ),
        );
    }
    f.write(
        "content/blog/draft.md",
        &article("A draft", "2026-02-01", "draft = true", "Not ready."),
    );
    f.write(
        "content/blog/moved.md",
        &article(
            "Moved",
            "2025-12-01",
            "aliases = [\"/old/moved-post/\"]\nslug = \"new-home\"",
            "Here now.",
        ),
    );
    f.write(
        "content/pages/about.md",
        "+++\ntitle = \"About us\"\nmenu_order = 1\n+++\nWe are a studio.\n",
    );
    f
}

#[test]
fn paginates_the_blog_newest_first() {
    let f = blog_fixture();
    f.build(&[]);
    // 6 published articles at 2 per page: 3 pages.
    let p1 = f.page("/blog/");
    assert_eq!(texts(&p1, "main .card-title"), ["Post 4", "Post 3"]);
    assert_eq!(
        texts(&f.page("/blog/page/2/"), "main .card-title"),
        ["Post 2", "Post 1"]
    );
    assert_eq!(
        texts(&f.page("/blog/page/3/"), "main .card-title"),
        ["Post 0", "Moved"]
    );
    assert!(!f.exists("/blog/page/4/"));
    assert_eq!(attrs(&p1, "a[rel=next]", "href"), ["/blog/page/2/"]);
    // /blog/page/1/ redirects to /blog/.
    let redirect = f.page("/blog/page/1/");
    assert_eq!(
        attrs(&redirect, "meta[http-equiv=refresh]", "content"),
        ["0; url=/blog/"]
    );
}

#[test]
fn articles_have_metadata_navigation_and_toc_ids() {
    let f = blog_fixture();
    f.build(&[]);
    let p = f.page("/blog/post-2/");
    assert_eq!(texts(&p, "h1"), ["Post 2"]);
    assert_eq!(
        attrs(&p, "link[rel=canonical]", "href"),
        ["https://example.com/blog/post-2/"]
    );
    assert_eq!(
        attrs(&p, "meta[property='og:type']", "content"),
        ["article"]
    );
    assert!(!attrs(&p, "meta[name=description]", "content")[0].is_empty());
    // Older and newer neighbours.
    assert_eq!(attrs(&p, "a[rel=prev]", "href"), ["/blog/post-1/"]);
    assert_eq!(attrs(&p, "a[rel=next]", "href"), ["/blog/post-3/"]);
    assert_eq!(attrs(&p, ".prose h2", "id"), ["section"]);
    // Related articles share tags.
    assert!(texts(&p, ".related .card-title").contains(&"Post 4".to_string()));
    let ld = texts(&p, "script[type='application/ld+json']").join(" ");
    assert!(
        ld.contains("\"@type\":\"Article\"") && ld.contains("\"@type\":\"BreadcrumbList\""),
        "{ld}"
    );
}

#[test]
fn tags_drafts_and_aliases() {
    let f = blog_fixture();
    f.build(&[]);
    assert_eq!(
        texts(&f.page("/tags/neck-pain/"), "main .card-title"),
        ["Post 4", "Post 2"]
    );
    assert!(f.exists("/tags/neck-pain/page/2/"));
    assert!(texts(&f.page("/tags/"), "main li")
        .iter()
        .any(|t| t.starts_with("self-care")));
    assert!(!f.exists("/blog/draft/"), "drafts are not built by default");
    let alias = f.page("/old/moved-post/");
    assert_eq!(
        attrs(&alias, "meta[http-equiv=refresh]", "content"),
        ["0; url=/blog/new-home/"]
    );
    assert!(f.exists("/about/"));
    assert!(texts(&f.page("/"), ".footer-nav a").contains(&"About us".to_string()));

    f.build(&["--drafts"]);
    assert!(f.exists("/blog/draft/"));
    f.build(&[]);
    assert!(
        !f.exists("/blog/draft/"),
        "a later build without --drafts removes it"
    );
}

#[test]
fn tags_in_any_script_get_pages_and_tags_without_a_url_are_errors() {
    let f = Fixture::new();
    f.write(
        "content/blog/a.md",
        &article(
            "A",
            "2026-02-01",
            "tags = [\"Ёлка\", \"日本語\", \"C++\"]",
            "Body.",
        ),
    )
    .write(
        "content/blog/b.md",
        &article("B", "2026-01-01", "tags = [\"ёлка\", \"c\"]", "Body."),
    );
    let out = f.build(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        texts(&f.page("/tags/ёлка/"), "main .card-title"),
        ["A", "B"]
    );
    assert_eq!(texts(&f.page("/tags/日本語/"), "main .card-title"), ["A"]);
    // `C++` and `c` share /tags/c/: built, and said, at the second spelling.
    assert_eq!(texts(&f.page("/tags/c/"), "main .card-title"), ["A", "B"]);
    assert!(
        stderr.contains("tags `C++` and `c` make the same URL, /tags/c/")
            && stderr.contains("content/blog/b.md:4:17"),
        "{stderr}"
    );
    // Case alone is one tag, without a warning.
    assert!(!stderr.contains("`Ёлка` and"), "{stderr}");

    f.write(
        "content/blog/b.md",
        &article("B", "2026-01-01", "tags = [\"neck\", \"🙂\"]", "Body."),
    );
    f.fails_with(&[
        "tag `🙂` has no letter or digit to make its page's URL from",
        "content/blog/b.md:4:17",
    ]);
}

#[test]
fn feed_sitemap_robots_and_404() {
    let f = blog_fixture();
    f.build(&[]);
    let feed = std::fs::read_to_string(f.out().join("atom.xml")).unwrap();
    let doc = roxmltree::Document::parse(&feed).expect("atom.xml is well-formed XML");
    let root = doc.root_element();
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    let entries: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("entry"))
        .collect();
    assert_eq!(entries.len(), 6);
    let first_link = entries[0]
        .children()
        .find(|n| n.has_tag_name("link"))
        .and_then(|n| n.attribute("href"));
    assert_eq!(first_link, Some("https://example.com/blog/post-4/"));

    let sitemap = std::fs::read_to_string(f.out().join("sitemap.xml")).unwrap();
    let doc = roxmltree::Document::parse(&sitemap).expect("sitemap.xml is well-formed XML");
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert!(locs.contains(&"https://example.com/blog/post-1/"));
    assert!(locs.contains(&"https://example.com/muscles/upper-trapezius/"));
    assert!(
        !locs.iter().any(|l| l.contains("/old/")),
        "redirects are not in the sitemap"
    );
    assert!(std::fs::read_to_string(f.out().join("robots.txt"))
        .unwrap()
        .contains("Sitemap: https://example.com/sitemap.xml"));
    assert!(f.out().join("404.html").is_file());
}

#[test]
fn every_internal_link_resolves() {
    let f = blog_fixture();
    f.build(&[]);
    let broken = broken_links(&f.out(), "");
    assert!(broken.is_empty(), "{broken:#?}");
}

#[test]
fn subpath_base_url_prefixes_every_link() {
    let f = blog_fixture();
    f.build(&["--base-url", "https://user.github.io/studio/"]);
    let broken = broken_links(&f.out(), "/studio");
    assert!(broken.is_empty(), "{broken:#?}");
    let p = f.page("/blog/post-1/");
    assert!(attrs(&p, "link[rel=stylesheet]", "href")
        .iter()
        .all(|h| h.starts_with("/studio/css/")));
    assert_eq!(
        attrs(&p, "link[rel=canonical]", "href"),
        ["https://user.github.io/studio/blog/post-1/"]
    );
}

#[test]
fn builds_are_byte_identical_and_rebuilds_write_nothing() {
    let f = blog_fixture();
    f.build(&[]);
    let snapshot = |dir: &std::path::Path| {
        let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let first = snapshot(&f.out());
    let out = f.build(&[]);
    assert_eq!(first, snapshot(&f.out()));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains(" 0 written"), "{summary}");
}

#[test]
fn failed_build_leaves_previous_output_untouched() {
    let f = blog_fixture();
    f.build(&[]);
    let before = std::fs::read(f.out().join("blog/post-1/index.html")).unwrap();
    let manifest = std::fs::read(f.out().join(".knotwork-manifest")).unwrap();
    f.write(
        "content/blog/post-1.md",
        "+++\ntitle = \"Changed\"\ndate = 2026-01-02\n+++\nNew body.\n",
    );
    f.write(
        "content/blog/broken.md",
        "+++\ntitle = \"Broken\"\ndate = 2026-13-01\n+++\n",
    );
    let stderr = f.build_fails();
    assert!(stderr.contains("content/blog/broken.md:3:"), "{stderr}");
    assert_eq!(
        std::fs::read(f.out().join("blog/post-1/index.html")).unwrap(),
        before
    );
    assert_eq!(
        std::fs::read(f.out().join(".knotwork-manifest")).unwrap(),
        manifest
    );
    assert!(!f.out().join("blog/broken").exists());
}

/// A build into an absent or empty folder writes each page as soon as it
/// is rendered; when another page then fails to render, the folder must
/// still be left as it was, with none of the pages written meanwhile.
#[test]
fn failed_clean_build_takes_back_the_pages_it_wrote() {
    let f = blog_fixture();
    // Every page renders (the others are written) before the build fails
    // on one article.
    f.write(
        "templates/article.html",
        "{% extends \"base.html\" %}\n{% block main %}\n{% if article.title == \"Post 3\" %}{{ article.nosuchfield.deeper }}{% endif %}{{ article.title }}\n{% endblock main %}\n",
    );
    f.fails_with(&[
        "template error",
        "templates/article.html:3:",
        "/blog/post-3/",
    ]);
    assert!(!f.out().exists(), "the folder the build created is gone");

    std::fs::create_dir_all(f.out()).unwrap();
    f.fails_with(&["template error"]);
    let left: Vec<_> = std::fs::read_dir(f.out()).unwrap().collect();
    assert!(left.is_empty(), "the empty folder is empty again: {left:?}");

    // Fixed, the same build writes every page into it.
    f.write(
        "templates/article.html",
        "{% extends \"base.html\" %}\n{% block main %}\n{{ article.title }}\n{% endblock main %}\n",
    );
    f.build(&[]);
    for i in 0..5 {
        assert_eq!(
            texts(&f.page(&format!("/blog/post-{i}/")), "main"),
            [format!("Post {i}")]
        );
    }
    assert!(f.out().join(".knotwork-manifest").is_file());
}

/// A build lets go of the articles' Markdown before planning; what
/// planning reports is located in the front matter, which it keeps.
#[test]
fn a_bad_alias_is_located_in_the_front_matter_the_build_keeps() {
    let f = blog_fixture();
    f.write(
        "content/blog/aliased.md",
        &article(
            "Aliased",
            "2026-01-09",
            "aliases = [\"/\"]",
            "A body long enough to matter.",
        ),
    );
    let stderr = f.fails_with(&["`/` cannot be an alias", "content/blog/aliased.md:4:"]);
    assert!(
        stderr.contains("aliases = [\"/\"]"),
        "the line is quoted:\n{stderr}"
    );
}

#[test]
fn refuses_a_foreign_output_folder() {
    let f = Fixture::new();
    f.write("public/precious.txt", "not ours");
    let stderr = f.build_fails();
    assert!(stderr.contains("not written by knotwork"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(f.out().join("precious.txt")).unwrap(),
        "not ours"
    );
}

#[test]
fn check_writes_nothing_and_usage_errors_exit_2() {
    let f = Fixture::new();
    let out = f.run("check", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!f.out().exists());
    let out = f.run("build", &["--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn highlights_code_and_keeps_unknown_languages_plain() {
    let f = Fixture::new();
    f.write(
        "content/blog/code.md",
        &article(
            "Code",
            "2026-01-01",
            "",
            "```rust\nfn main() {}\n```\n\n```nosuchlang\n<b>x</b>\n```\n",
        ),
    );
    f.build(&[]);
    let p = f.page("/blog/code/");
    let pres = texts(&p, "pre.code");
    assert_eq!(pres.len(), 2);
    assert!(
        !attrs(&p, "pre[data-lang=rust] span", "class").is_empty(),
        "rust is highlighted with classes"
    );
    assert!(
        p.select(&sel("pre[data-lang=nosuchlang] b"))
            .next()
            .is_none(),
        "unknown language is escaped text"
    );
    assert!(pres[1].contains("<b>x</b>"));
    let css: Vec<_> = std::fs::read_dir(f.out().join("css"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    assert!(
        css.iter()
            .any(|n| n.starts_with("highlight.") && n.ends_with(".css")),
        "{css:?}"
    );
}

#[test]
fn a_theme_calling_the_card_macro_itself_lists_the_same_cards() {
    // The default theme prints each card as rendered once (`a.html.h2`);
    // a theme written before that calls `article_card` in its list, and
    // one whose macros have no `article_card` at all, must still work.
    let f = blog_fixture();
    f.build(&[]);
    let cards = |f: &Fixture| {
        let titles = texts(&f.page("/blog/"), ".card-grid .article-card");
        assert!(!titles.is_empty());
        titles
    };
    let by_default = cards(&f);

    let blog = include_str!("../themes/default/templates/blog.html");
    let calling = blog.replace(
        "{{ a.html.h2 | safe }}",
        "{{ m::article_card(a=a, heading=\"h2\") }}",
    );
    assert_ne!(blog, calling, "the default blog list prints a.html.h2");
    f.write("templates/blog.html", &calling);
    f.build(&[]);
    assert_eq!(cards(&f), by_default);

    // Macros without `article_card`: no `html` is given, so a list that
    // prints its own markup sees none.
    let macros = include_str!("../themes/default/templates/macros.html");
    f.write(
        "templates/macros.html",
        &macros.replace("article_card", "post_card"),
    );
    for template in [
        "blog.html",
        "tag.html",
        "article.html",
        "person.html",
        "index.html",
    ] {
        let own = std::fs::read_to_string(format!(
            "{}/themes/default/templates/{template}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let own = own
            .replace("{{ a.html.h2 | safe }}", "<article class=\"article-card\">{{ a.title }}{% if a.html %} (html){% endif %}</article>")
            .replace("{{ a.html.h3 | safe }}", "<article class=\"article-card\">{{ a.title }}{% if a.html %} (html){% endif %}</article>")
            .replace("m::article_card(", "m::post_card(");
        f.write(&format!("templates/{template}"), &own);
    }
    f.build(&[]);
    let own = cards(&f);
    assert_eq!(own.len(), by_default.len());
    assert!(
        own.iter()
            .all(|t| t.starts_with("Post ") && !t.contains("(html)")),
        "{own:?}"
    );
}
