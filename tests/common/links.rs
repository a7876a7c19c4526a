//! A link checker for a built site, shared by the integration tests and the
//! CI gate (`cargo run --example check-links`).
//!
//! Every internal `href`/`src` (and the target of a `<meta http-equiv=refresh>`
//! redirect) of every HTML page must name a file in the output, and every
//! `#fragment` an element id on the target page. External links are not
//! fetched: CI has no network, and their health is not ours to gate on.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use scraper::{Html, Selector};

/// One link that does not resolve.
#[derive(Debug)]
pub struct BrokenLink {
    pub page: PathBuf,
    pub link: String,
    pub why: &'static str,
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} -> {} ({})", self.page.display(), self.link, self.why)
    }
}

/// The file a site-relative URL path is served from: `/a/` is `/a/index.html`.
pub fn file_for(out: &Path, url_path: &str) -> PathBuf {
    let rel = url_path.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        out.join(rel).join("index.html")
    } else {
        out.join(rel)
    }
}

/// Checks every HTML page under `out`. `base_path` is the path part of the
/// site's base_url (`""` or `/studio`): every internal link must start with it.
pub fn check_site(out: &Path, base_path: &str) -> Vec<BrokenLink> {
    let pages = read_pages(out);
    let ids: HashMap<&Path, HashSet<String>> = pages
        .iter()
        .map(|(path, html)| (path.as_path(), element_ids(html)))
        .collect();
    let mut broken = Vec::new();
    for (page, html) in &pages {
        for link in internal_links(html) {
            if let Err(why) = resolve(out, base_path, page, &link, &ids) {
                broken.push(BrokenLink {
                    page: page.strip_prefix(out).unwrap_or(page).to_path_buf(),
                    link,
                    why,
                });
            }
        }
    }
    broken.sort_by(|a, b| (&a.page, &a.link).cmp(&(&b.page, &b.link)));
    broken
}

fn read_pages(out: &Path) -> Vec<(PathBuf, Html)> {
    walkdir::WalkDir::new(out)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            (e.path().to_path_buf(), Html::parse_document(&text))
        })
        .collect()
}

fn element_ids(html: &Html) -> HashSet<String> {
    let with_id = Selector::parse("[id]").unwrap();
    html.select(&with_id)
        .filter_map(|e| e.value().attr("id"))
        .map(str::to_string)
        .collect()
}

/// Every link on a page that points into the site.
fn internal_links(html: &Html) -> Vec<String> {
    let linking = Selector::parse("a[href], area[href], link[href], script[src], img[src], source[src], iframe[src], meta[http-equiv]").unwrap();
    let mut links = Vec::new();
    for el in html.select(&linking) {
        let v = el.value();
        let link = match v.name() {
            "meta" => v
                .attr("content")
                .and_then(|c| c.split_once("url="))
                .map(|(_, url)| url),
            _ => v.attr("href").or(v.attr("src")),
        };
        let Some(link) = link.map(str::trim) else {
            continue;
        };
        let external = link.contains("://")
            || link.starts_with("//")
            || link.starts_with("mailto:")
            || link.starts_with("tel:")
            || link.starts_with("data:");
        if !external {
            links.push(link.to_string());
        }
    }
    links
}

fn resolve(
    out: &Path,
    base_path: &str,
    page: &Path,
    link: &str,
    ids: &HashMap<&Path, HashSet<String>>,
) -> Result<(), &'static str> {
    let (target, fragment) = match link.split_once('#') {
        Some((t, f)) => (t, Some(f)),
        None => (link, None),
    };
    let target = target.split('?').next().unwrap_or_default();
    let target_file = if target.is_empty() {
        page.to_path_buf()
    } else if let Some(rest) = target
        .strip_prefix(base_path)
        .filter(|r| r.starts_with('/'))
    {
        file_for(out, &percent_decode(rest))
    } else if target.starts_with('/') {
        return Err("not under the base path");
    } else {
        // A relative link: resolve against the page's folder.
        let folder = page.parent().unwrap_or(out);
        let joined = folder.join(percent_decode(target));
        if target.ends_with('/') {
            joined.join("index.html")
        } else {
            joined
        }
    };
    if !target_file.is_file() {
        return Err("no such file");
    }
    match fragment {
        Some(f) if !f.is_empty() => {
            let known = ids
                .get(target_file.as_path())
                .is_some_and(|set| set.contains(&percent_decode(f)));
            if known {
                Ok(())
            } else {
                Err("no element with that id")
            }
        }
        _ => Ok(()),
    }
}

/// Decodes `%xx` escapes (UTF-8) in a URL path or fragment.
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}
