//! The repository's own example site builds cleanly, and every link and
//! fragment in it resolves.

mod common;
use common::*;
use std::process::Command;

#[test]
fn example_site_builds_with_every_link_resolving() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("site");
    let result = Command::new(env!("CARGO_BIN_EXE_knotwork"))
        .args([
            "build",
            "--root",
            env!("CARGO_MANIFEST_DIR"),
            "--output-dir",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "the example site builds without warnings:\n{stderr}"
    );
    for url in [
        "/",
        "/blog/",
        "/tags/",
        "/muscles/",
        "/referral-patterns/",
        "/pain/",
        "/techniques/",
        "/techniques/compare/",
        "/faq/",
        "/about/",
        "/disclaimer/",
        "/booking/",
    ] {
        assert!(file_for(&out, url).is_file(), "{url} is missing");
    }
    for file in ["atom.xml", "sitemap.xml"] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("{file} is not well-formed: {e}"));
    }
    let broken = broken_links(&out, "");
    assert!(broken.is_empty(), "{broken:#?}");
    // Every muscle page carries its map and at least one reference.
    for entry in std::fs::read_dir(out.join("muscles"))
        .unwrap()
        .filter_map(Result::ok)
    {
        if entry.path().is_dir() {
            let page = page_in(
                &out,
                &format!("/muscles/{}/", entry.file_name().to_string_lossy()),
            );
            assert_eq!(
                page.select(&sel("svg.referral-map")).count(),
                1,
                "{:?}",
                entry.path()
            );
            assert!(
                page.select(&sel("#references li")).next().is_some(),
                "{:?}",
                entry.path()
            );
        }
    }
}
