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
pub fn index(files: &[OutputFile], searchable: &HashSet<String>, language: &str) -> Result<Vec<OutputFile>, Diagnostic> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| search_error(e.to_string()))?;
    runtime.block_on(async {
        let options = PagefindServiceConfig::builder().force_language(language.to_string()).build();
        let mut index = PagefindIndex::new(Some(options)).map_err(|e| search_error(e.to_string()))?;
        // `files` is sorted by path, so the index is the same on every build.
        for file in files.iter().filter(|f| searchable.contains(&f.path)) {
            let html = String::from_utf8_lossy(&file.bytes).into_owned();
            index
                .add_html_file(None, Some(site_relative_url(&file.path)), html)
                .await
                .map_err(|e| search_error(format!("{}: {e}", file.path)))?;
        }
        let bundle = index.get_files().await.map_err(|e| search_error(e.to_string()))?;
        let mut out: Vec<OutputFile> = bundle
            .into_iter()
            .map(|f| OutputFile {
                path: format!("{BUNDLE_DIR}/{}", f.filename.to_string_lossy().replace('\\', "/")),
                bytes: f.contents,
            })
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    })
}

/// `muscles/trapezius/index.html` → `/muscles/trapezius/`.
fn site_relative_url(output_path: &str) -> String {
    let trimmed = output_path.strip_suffix("index.html").unwrap_or(output_path);
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
    fn urls_are_site_relative() {
        assert_eq!(site_relative_url("muscles/trapezius/index.html"), "/muscles/trapezius/");
        assert_eq!(site_relative_url("index.html"), "/");
    }
}
