//! Stage 4b: the search index. Pagefind runs in-process over the rendered
//! pages (no second pass over the disk) and hands back its bundle — index
//! fragments, the WebAssembly search, and its UI — which is written under
//! `pagefind/` with everything else.
//!
//! Only pages planned as searchable are indexed ([`crate::pages::SearchKind`]);
//! their `<main data-pagefind-body>` carries the kind as a filter and meta
//! value, so each hit says whether it is a muscle, a technique, an article….
//! URLs are indexed relative to the site root: Pagefind's script prefixes
//! the folder it was loaded from, which keeps a subpath base_url working.

use std::collections::HashSet;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::diagnostics::Diagnostic;
use crate::output::OutputFile;

/// The folder of the search bundle inside the output.
pub const BUNDLE_DIR: &str = "pagefind";

/// Indexes the `searchable` pages among `files`; returns the bundle's files.
pub fn index(
    files: &[OutputFile],
    searchable: &HashSet<String>,
    language: &str,
) -> Result<Vec<OutputFile>, Diagnostic> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| search_error(e.to_string()))?;
    runtime.block_on(async {
        let options = PagefindServiceConfig::builder()
            .force_language(language.to_string())
            .build();
        let mut index =
            PagefindIndex::new(Some(options)).map_err(|e| search_error(e.to_string()))?;
        // `files` is sorted by path, so the index is the same on every build.
        for file in files.iter().filter(|f| searchable.contains(&f.path)) {
            let html = indexable_part(&String::from_utf8_lossy(&file.bytes));
            index
                .add_html_file(None, Some(site_relative_url(&file.path)), html)
                .await
                .map_err(|e| search_error(format!("{}: {e}", file.path)))?;
        }
        let bundle = index
            .get_files()
            .await
            .map_err(|e| search_error(e.to_string()))?;
        let mut out: Vec<OutputFile> = bundle
            .into_iter()
            .map(|f| OutputFile {
                path: format!(
                    "{BUNDLE_DIR}/{}",
                    f.filename.to_string_lossy().replace('\\', "/")
                ),
                bytes: f.contents,
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    })
}

/// What Pagefind needs of a page: the `<html>` tag (its `lang`), the title,
/// and `<main>` without inline SVG. The body maps are most of a muscle or
/// pain page's bytes and hold no words worth finding (their text
/// equivalents sit outside the SVG), so leaving them out makes indexing
/// several times faster. Falls back to the whole page when a custom
/// template has no `<main>`.
fn indexable_part(page: &str) -> String {
    let (Some(main_start), Some(main_end)) = (page.find("<main"), page.rfind("</main>")) else {
        return page.to_string();
    };
    let html_tag = page
        .find("<html")
        .and_then(|s| page[s..].find('>').map(|e| &page[s..=s + e]))
        .unwrap_or("<html>");
    let title = page
        .find("<title>")
        .and_then(|s| {
            page[s..]
                .find("</title>")
                .map(|e| &page[s..s + e + "</title>".len()])
        })
        .unwrap_or("");
    let mut out = String::with_capacity(main_end - main_start + 200);
    out.push_str(html_tag);
    out.push_str("<head>");
    out.push_str(title);
    out.push_str("</head><body>");
    let mut rest = &page[main_start..main_end + "</main>".len()];
    while let Some(start) = rest.find("<svg") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</svg>") {
            Some(end) => rest = &rest[start + end + "</svg>".len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out.push_str("</body></html>");
    out
}

/// `muscles/trapezius/index.html` → `/muscles/trapezius/`.
fn site_relative_url(output_path: &str) -> String {
    let trimmed = output_path
        .strip_suffix("index.html")
        .unwrap_or(output_path);
    format!("/{trimmed}")
}

fn search_error(message: String) -> Diagnostic {
    Diagnostic::error(format!("building the search index failed: {message}"))
        .help("this is a bug in Knotwork or Pagefind; set `[search] enabled = false` in site.toml to build without search meanwhile")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_main_without_svg_is_indexed() {
        let page = r#"<!DOCTYPE html><html lang="de"><head><title>T</title><link rel=x></head><body><nav>menu</nav><main id="main" data-pagefind-body><h1>Hi</h1><svg viewBox="0 0 1 1"><title>map</title></svg><p>text</p></main><footer>f</footer></body></html>"#;
        assert_eq!(
            indexable_part(page),
            r#"<html lang="de"><head><title>T</title></head><body><main id="main" data-pagefind-body><h1>Hi</h1><p>text</p></main></body></html>"#
        );
        assert_eq!(indexable_part("<p>no main</p>"), "<p>no main</p>");
    }

    #[test]
    fn urls_are_site_relative() {
        assert_eq!(
            site_relative_url("muscles/trapezius/index.html"),
            "/muscles/trapezius/"
        );
        assert_eq!(site_relative_url("index.html"), "/");
    }
}
