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

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::diagnostics::Diagnostic;
use crate::ids::UrlPath;
use crate::output::OutputFile;

/// The folder of the search bundle inside the output.
pub const BUNDLE_DIR: &str = "pagefind";

/// The language the index is built in: the site's for a site in one
/// language; `None` for a multilingual site, whose pages Pagefind sorts
/// into one index per language by their `<html lang>` (the search page of
/// each language then searches its own).
pub fn forced_language(config: &crate::config::Config) -> Option<String> {
    (!config.is_multilingual()).then(|| config.language.to_string())
}

/// Indexes `pages` (URL and HTML, in a fixed order so the index is the
/// same on every build); returns the bundle's files.
pub fn index<'a>(
    pages: impl IntoIterator<Item = (&'a UrlPath, &'a [u8])>,
    language: Option<&str>,
) -> Result<Vec<OutputFile>, Diagnostic> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| search_error(e.to_string()))?;
    runtime.block_on(async {
        let options = match language {
            Some(language) => PagefindServiceConfig::builder()
                .force_language(language.to_string())
                .build(),
            None => PagefindServiceConfig::builder().build(),
        };
        let mut index =
            PagefindIndex::new(Some(options)).map_err(|e| search_error(e.to_string()))?;
        for (url, html) in pages {
            let html = String::from_utf8_lossy(html).into_owned();
            index
                .add_html_file(None, Some(url.as_str().to_string()), html)
                .await
                .map_err(|e| search_error(format!("{url}: {e}")))?;
        }
        let bundle = index
            .get_files()
            .await
            .map_err(|e| search_error(e.to_string()))?;
        Ok(bundle
            .into_iter()
            .map(|f| {
                let name = f.filename.to_string_lossy().replace('\\', "/");
                OutputFile::new(format!("{BUNDLE_DIR}/{name}"), f.contents)
            })
            .collect())
    })
}

fn search_error(message: String) -> Diagnostic {
    Diagnostic::error(format!("building the search index failed: {message}"))
        .help("this is a bug in Knotwork or Pagefind; set `[search] enabled = false` in site.toml to build without search meanwhile")
}
