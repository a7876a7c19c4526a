//! Test helpers: small fixture sites in temp folders, built with the real
//! `knotwork` binary, and an HTML link checker.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use scraper::{Html, Selector};

pub mod images;
pub mod links;
pub use links::file_for;

/// A small body figure with one region per view and a few more in front.
pub const FIGURE: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100">
<g id="view-front" data-viewbox="0 0 100 100"><ellipse class="skin" cx="50" cy="50" rx="30" ry="45"/>
<ellipse id="region-temple" cx="40" cy="15" rx="5" ry="5"/>
<ellipse id="region-neck-side" cx="45" cy="30" rx="4" ry="6"/>
<ellipse id="region-jaw" cx="45" cy="22" rx="5" ry="3"/>
<ellipse id="region-chest" cx="40" cy="45" rx="8" ry="8"/></g>
<g id="view-back" data-viewbox="100 0 100 100" transform="translate(100 0)"><ellipse class="skin" cx="50" cy="50" rx="30" ry="45"/>
<ellipse id="region-shoulder-top" cx="65" cy="30" rx="8" ry="3"/>
<ellipse id="region-low-back" cx="55" cy="60" rx="6" ry="8"/></g>
</svg>"#;

pub const REGIONS: &str = r#"
[[regions]]
id = "temple"
name = "Temple"
view = "front"

[[regions]]
id = "neck-side"
name = "Side of the neck"
view = "front"

[[regions]]
id = "jaw"
name = "Jaw"
view = "front"

[[regions]]
id = "chest"
name = "Chest"
view = "front"

[[regions]]
id = "shoulder-top"
name = "Top of the shoulder"
view = "back"

[[regions]]
id = "low-back"
name = "Low back"
view = "back"
"#;

pub const SITE_TOML: &str = r#"title = "Test Studio"
base_url = "https://example.com"
description = "A test site."

[studio]
name = "Test Studio"
booking_url = "https://book.example.com/"

[blog]
paginate_by = 2

[disclaimer]
text = "Not medical advice."
"#;

pub const MUSCLE: &str = r#"name = "Upper trapezius"
group = "neck-and-shoulders"
summary = "Between neck and shoulder."
techniques = ["massage-ball"]
references = ["ts-1999"]

[[trigger_points]]
location = "shoulder-top"
referral = ["neck-side", "temple"]
spillover = ["jaw"]
symptoms = ["Headache at the temple"]
"#;

pub const TECHNIQUE: &str = r#"name = "Massage ball"
summary = "Lean into a ball."
setting = "home"
intensity = 3
evidence = "low"
"#;

pub const REFERENCES: &str = r#"[ts-1999]
authors = ["Simons, D. G.", "Travell, J. G."]
title = "The Trigger Point Manual"
year = 1999
"#;

pub fn article(title: &str, date: &str, extra: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\ndate = {date}\n{extra}\n+++\n{body}\n")
}

/// A fixture site in a temp folder.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// A valid site with a muscle, a technique, regions and references.
    pub fn new() -> Self {
        let f = Fixture {
            dir: tempfile::tempdir().unwrap(),
        };
        f.write("site.toml", SITE_TOML)
            .write("bodymap.svg", FIGURE)
            .write("content/regions.toml", REGIONS)
            .write("content/references.toml", REFERENCES)
            .write("content/muscles/upper-trapezius.toml", MUSCLE)
            .write("content/techniques/massage-ball.toml", TECHNIQUE);
        f
    }

    /// An empty site folder, for fixtures that write every file themselves.
    pub fn empty() -> Self {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn out(&self) -> PathBuf {
        self.root().join("public")
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> &Self {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
        self
    }

    pub fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.root().join(rel)).unwrap();
        self
    }

    /// Runs `knotwork <command> --root <dir> <args…>`.
    pub fn run(&self, command: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_knotwork"))
            .arg(command)
            .arg("--root")
            .arg(self.root())
            .args(args)
            .output()
            .unwrap()
    }

    /// Builds and asserts success.
    pub fn build(&self, args: &[&str]) -> Output {
        let out = self.run("build", args);
        assert!(
            out.status.success(),
            "build failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Builds, expecting failure; returns stderr.
    pub fn build_fails(&self) -> String {
        let out = self.run("build", &[]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(1),
            "expected exit 1, got {:?}:\n{stderr}",
            out.status
        );
        assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
        stderr
    }

    /// Builds, expecting failure with every one of `expected` in the
    /// message; returns stderr.
    pub fn fails_with(&self, expected: &[&str]) -> String {
        let stderr = self.build_fails();
        for e in expected {
            assert!(stderr.contains(e), "expected {e:?} in:\n{stderr}");
        }
        stderr
    }

    pub fn page(&self, url: &str) -> Html {
        page_in(&self.out(), url)
    }

    pub fn exists(&self, url: &str) -> bool {
        file_for(&self.out(), url).is_file()
    }
}

/// Every file under `dir`: relative path with `/` separators → bytes.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            (
                rel.to_string_lossy().replace('\\', "/"),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

pub fn page_in(out: &Path, url: &str) -> Html {
    let path = file_for(out, url);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Html::parse_document(&text)
}

pub fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

pub fn texts(html: &Html, selector: &str) -> Vec<String> {
    html.select(&sel(selector))
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

pub fn attrs(html: &Html, selector: &str, attr: &str) -> Vec<String> {
    html.select(&sel(selector))
        .filter_map(|e| e.value().attr(attr).map(str::to_string))
        .collect()
}

/// Every internal link of the built site in `out` that does not resolve, as
/// "page -> link (why)". `base_path` is `""` or a subpath like `/studio`.
pub fn broken_links(out: &Path, base_path: &str) -> Vec<String> {
    links::check_site(out, base_path)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The JSON-LD block of a page with this `@type`.
pub fn json_ld(html: &Html, ty: &str) -> serde_json::Value {
    html.select(&sel("script[type='application/ld+json']"))
        .map(|s| serde_json::from_str::<serde_json::Value>(&s.text().collect::<String>()).unwrap())
        .find(|v| v["@type"] == ty)
        .unwrap_or_else(|| panic!("no {ty} JSON-LD"))
}

/// Asserts that every internal link of the built site resolves.
pub fn assert_links_resolve(out: &Path) {
    let broken = broken_links(out, "");
    assert!(broken.is_empty(), "{broken:?}");
}
