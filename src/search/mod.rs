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

mod cache;
mod indexed_part;
mod parsed;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cache::{BundleCache, BundleKey};
use indexed_part::indexed_part;
use pagefind::api::{PagefindIndex, ParsedHtmlFile, SyntheticFile};
use pagefind::options::PagefindServiceConfig;
pub use parsed::PageKey;
use parsed::ParsedPages;
use rayon::prelude::*;

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

/// What a build keeps of the search index for the next one: the last
/// bundle, and Pagefind's parse of every page it indexed.
pub struct SearchCache {
    bundle: BundleCache,
    pages: ParsedPages,
    /// `serve` only: each page's key by its URL, with a hash of the HTML it
    /// was worked out from, so that the index after one edit does not cut
    /// and hash the indexed part of every page again.
    keys: Option<Mutex<KnownKeys>>,
}

/// Page keys by URL, each with the [`html_hash`] of the page it is of.
type KnownKeys = HashMap<String, (u64, PageKey)>;

impl SearchCache {
    /// The cache kept in `dir` (`.knotwork-cache/search/` of the site).
    pub fn in_dir(dir: &Path) -> SearchCache {
        SearchCache {
            bundle: BundleCache::in_dir(dir),
            pages: ParsedPages::in_file(&dir.join("pages")),
            keys: None,
        }
    }

    /// The cache of this process's last index (`serve`).
    pub fn in_memory() -> SearchCache {
        SearchCache {
            bundle: BundleCache::in_memory(),
            pages: ParsedPages::in_memory(),
            keys: Some(Mutex::new(HashMap::new())),
        }
    }
}

/// A hash of a rendered page and the language it is indexed in: cheap
/// next to cutting out its indexed part ([`indexed_part`]) and hashing that.
fn html_hash(html: &[u8], language: Option<&str>) -> u64 {
    let mut hash = xxhash_rust::xxh3::Xxh3::new();
    hash.update(language.unwrap_or("").as_bytes());
    hash.update(&[0]);
    hash.update(html);
    hash.digest()
}

/// A page to index.
pub enum SearchPage<'a> {
    /// Rendered by this build.
    Rendered { url: &'a UrlPath, html: &'a [u8] },
    /// Rendered by this build and written already: the part of it Pagefind
    /// reads ([`indexed_text`]).
    Extracted { url: &'a UrlPath, part: String },
    /// Not rendered by this build: the last build wrote it, and its
    /// output `file` is as that build left it. `key` is the key of its
    /// parse then ([`Indexed::keys`]); the file is read only when that
    /// parse is not kept.
    Kept {
        url: &'a UrlPath,
        key: PageKey,
        file: PathBuf,
    },
}

/// The search bundle, and the key of each page's parse (in the order the
/// pages were given), for the next build to find it again.
pub struct Indexed {
    pub files: Vec<OutputFile>,
    pub keys: Vec<PageKey>,
}

/// A page on its way to Pagefind: its URL and where the part of its HTML
/// Pagefind reads comes from.
struct Document<'a> {
    url: String,
    html: Html<'a>,
}

enum Html<'a> {
    /// The indexed part of a page rendered by this build.
    Rendered(String),
    /// A page rendered by this build whose key was known: cut only if its
    /// parse is gone.
    Page(&'a [u8]),
    /// A kept page's output file, read only if its parse is gone.
    InFile(PathBuf),
}

/// Indexes `pages` (in a fixed order, so the index is the same on every
/// build); returns the bundle's files. A bundle built from exactly these
/// pages before is taken from `cache`; else only the pages not parsed by
/// the last build are parsed. Pagefind parses in parallel (see
/// `vendor/pagefind/KNOTWORK-PATCH.md`), so this must not be called on one
/// of rayon's threads.
pub fn index<'a>(
    pages: impl IntoIterator<Item = SearchPage<'a>>,
    language: Option<&str>,
    cache: &SearchCache,
) -> Result<Indexed, Diagnostic> {
    debug_assert!(
        rayon::current_thread_index().is_none(),
        "search::index on a rayon thread would wait on its own pool"
    );
    let pages: Vec<SearchPage> = pages.into_iter().collect();
    let known = cache
        .keys
        .as_ref()
        .map(|keys| std::mem::take(&mut *keys.lock().unwrap_or_else(|e| e.into_inner())));
    // Each page's document, key, and (in `serve`) the hash its key is known by.
    let prepared: Vec<(Document, PageKey, Option<u64>)> = pages
        .into_par_iter()
        .map(|page| match page {
            SearchPage::Rendered { url, html } => {
                let hash = known.as_ref().map(|_| html_hash(html, language));
                let known_key = known.as_ref().and_then(|known| {
                    let (was, key) = known.get(url.as_str())?;
                    (Some(*was) == hash).then_some(*key)
                });
                if let Some(key) = known_key {
                    return (Document::new(url, Html::Page(html)), key, hash);
                }
                let part = indexed_part(&page_text(html));
                let key = PageKey::of(url.as_str(), &part, language);
                (Document::new(url, Html::Rendered(part)), key, hash)
            }
            SearchPage::Extracted { url, part } => {
                let key = PageKey::of(url.as_str(), &part, language);
                (Document::new(url, Html::Rendered(part)), key, None)
            }
            SearchPage::Kept { url, key, file } => {
                (Document::new(url, Html::InFile(file)), key, None)
            }
        })
        .collect();
    if let Some(store) = &cache.keys {
        let known: KnownKeys = prepared
            .iter()
            .filter_map(|(document, key, hash)| Some((document.url.clone(), ((*hash)?, *key))))
            .collect();
        *store.lock().unwrap_or_else(|e| e.into_inner()) = known;
    }
    let (documents, keys): (Vec<Document>, Vec<PageKey>) = prepared
        .into_iter()
        .map(|(document, key, _)| (document, key))
        .unzip();
    let key = BundleKey::of(&keys, language);
    let previous = match cache.bundle.last() {
        Some((last, bundle)) if last == key => {
            return Ok(Indexed {
                files: bundle,
                keys,
            })
        }
        Some((_, bundle)) => bundle,
        None => Vec::new(),
    };
    let (files, keys) = index_documents(documents, keys, language, &cache.pages, previous)?;
    // A cache that cannot be written costs the next build its reuse, not
    // this build its index.
    let _ = cache.bundle.save(key, &files);
    Ok(Indexed { files, keys })
}

impl<'a> Document<'a> {
    fn new(url: &UrlPath, html: Html<'a>) -> Document<'a> {
        Document {
            url: url.as_str().to_string(),
            html,
        }
    }

    /// The indexed part of its HTML, read from its file if it was kept.
    fn into_html(self) -> Result<String, Diagnostic> {
        match self.html {
            Html::Rendered(html) => Ok(html),
            Html::Page(html) => Ok(indexed_part(&page_text(html))),
            Html::InFile(file) => {
                let html = std::fs::read(&file).map_err(|e| {
                    search_error(format!("cannot read {} to index it: {e}", file.display()))
                })?;
                Ok(indexed_part(&page_text(&html)))
            }
        }
    }
}

/// Runs Pagefind over the documents, whose page keys are `keys`, parsing
/// those `kept` has no parse of, and leaves `kept` with this build's
/// parses. Compressed files of the `previous` bundle are reused where
/// their data did not change. Hands back the bundle and the page keys
/// (a kept page read again may have a new one).
fn index_documents(
    documents: Vec<Document>,
    keys: Vec<PageKey>,
    language: Option<&str>,
    kept: &ParsedPages,
    previous: Vec<OutputFile>,
) -> Result<(Vec<OutputFile>, Vec<PageKey>), Diagnostic> {
    let mut timer = crate::StageTimer::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| search_error(e.to_string()))?;
    let mut index = new_index(language)?;
    let (pages, parsed_now) = parse_missing(&runtime, &index, documents, keys, language, kept)?;
    runtime.block_on(index.add_parsed_files(pages.iter().map(|(_, p)| p.clone()).collect()));
    timer.lap(&format!("parse {} of {}", parsed_now.len(), pages.len()));

    // Pagefind builds the index while the new parses are saved (when
    // there are new ones: else the kept file is this build's already).
    let bundle = std::thread::scope(|scope| {
        let saved = scope.spawn(|| match parsed_now.is_empty() {
            true => Ok(()),
            false => kept.keep(&pages, &parsed_now),
        });
        let bundle = runtime.block_on(index.get_files_reusing(in_bundle(previous)));
        // A parse that cannot be saved is parsed again next time.
        let _ = saved.join();
        bundle
    })
    .map_err(|e| search_error(e.to_string()))?;
    let keys = pages.iter().map(|(key, _)| *key).collect();
    // Freeing the index and 10,000 parsed pages takes 120 ms; `serve`
    // publishes its index that much sooner when nothing waits for it. (A
    // command-line build's wall time is the same either way: 2.28–2.49 s
    // against 2.33–2.49 s for a one-edit rebuild at 10,000 articles.)
    std::thread::spawn(move || drop((index, pages)));
    timer.lap("index");
    let files = bundle
        .into_iter()
        .map(|f| {
            let name = f.filename.to_string_lossy().replace('\\', "/");
            OutputFile::new(format!("{BUNDLE_DIR}/{name}"), f.contents)
        })
        .collect();
    Ok((files, keys))
}

/// The part of a rendered page Pagefind reads, for a page that is not
/// kept whole until the index is built ([`SearchPage::Extracted`]).
pub fn indexed_text(html: &[u8]) -> String {
    indexed_part(&page_text(html))
}

/// A rendered page's bytes as text. They are UTF-8 (rendered from text):
/// `str::from_utf8` checks that several times faster than
/// `String::from_utf8_lossy` walks it, which is left for a page that is not.
fn page_text(html: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(html) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(html),
    }
}

/// An empty Pagefind index for `language` (`None`: by each page's `lang`).
fn new_index(language: Option<&str>) -> Result<PagefindIndex, Diagnostic> {
    let options = match language {
        Some(language) => PagefindServiceConfig::builder()
            .force_language(language.to_string())
            .build(),
        None => PagefindServiceConfig::builder().build(),
    };
    PagefindIndex::new(Some(options)).map_err(|e| search_error(e.to_string()))
}

/// Every page's key and parse, in order.
type KeyedParses = Vec<(PageKey, ParsedHtmlFile)>;

/// Every document's parse, in order, with its key: kept from the last
/// build, or parsed now (in parallel); and the positions of those parsed
/// now. A kept page whose parse is gone is read from its file and parsed.
fn parse_missing(
    runtime: &tokio::runtime::Runtime,
    index: &PagefindIndex,
    documents: Vec<Document>,
    mut keys: Vec<PageKey>,
    language: Option<&str>,
    kept: &ParsedPages,
) -> Result<(KeyedParses, Vec<usize>), Diagnostic> {
    let mut parsed = kept.load(&keys);
    let mut missing = Vec::new();
    let mut files = Vec::new();
    for (i, document) in documents.into_iter().enumerate() {
        if parsed[i].is_some() {
            continue;
        }
        let kept_page = matches!(document.html, Html::InFile(_));
        let url = document.url.clone();
        let html = document.into_html()?;
        if kept_page {
            // Its file, not the last build's key, says what is indexed now.
            keys[i] = PageKey::of(&url, &html, language);
        }
        missing.push((i, url.clone()));
        files.push((None, Some(url), html));
    }
    let parsed_now = missing.iter().map(|(i, _)| *i).collect();
    let results = runtime
        .block_on(index.parse_html_files(files))
        .map_err(|e| search_error(e.to_string()))?;
    for ((i, url), result) in missing.into_iter().zip(results) {
        parsed[i] = Some(result.map_err(|e| search_error(format!("{url}: {e}")))?);
    }
    let pages = keys
        .into_iter()
        .zip(parsed)
        .map(|(key, page)| (key, page.expect("every page is parsed or kept")))
        .collect();
    Ok((pages, parsed_now))
}

/// Output files of an earlier bundle as Pagefind named them (within it).
fn in_bundle(files: Vec<OutputFile>) -> Vec<SyntheticFile> {
    let prefix = format!("{BUNDLE_DIR}/");
    files
        .into_iter()
        .filter_map(|f| {
            let name = f.path.strip_prefix(&prefix)?;
            Some(SyntheticFile {
                filename: name.into(),
                contents: f.bytes,
            })
        })
        .collect()
}

fn search_error(message: String) -> Diagnostic {
    Diagnostic::error(format!("building the search index failed: {message}"))
        .help("this is a bug in Knotwork or Pagefind; set `[search] enabled = false` in site.toml to build without search meanwhile")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page with everything `indexed_part` cuts: the header, navigation
    /// and footer, body maps, a table of contents, ignored cards and
    /// sections (holding ids, headings and text runs next to kept text),
    /// and inline elements whose tags it drops (inside a heading with an
    /// id, whose anchor text they are part of, and in a word) or keeps
    /// (with an id, `br`).
    const PAGE: &str = r##"<!DOCTYPE html><html lang="de"><head><title>T</title></head><body><nav>Menu</nav><main id="main" data-pagefind-body data-pagefind-filter="kind:Article"><h1>Nacken</h1><nav class="toc"><h2>Inhalt</h2><ol><li><a href="#s">Schmerz</a></li></ol></nav><div><p>Trapezius<span data-pagefind-ignore>Versteckt</span>muskel</p><svg viewBox="0 0 1 1"><title>Karte</title><svg><g id="r"><path d="M0 0"/></g></svg><text>Nacken</text></svg><h2 id="s">Schmerz <em>im</em> <a href="/k/">Kopf</a></h2><p>Kopf<em>schmerz</em> und <a href="/m/" class="x">Nacken</a><br>steif, <code><span class="k">fn</span> x</code> <span id="tp1">Punkt <strong>eins</strong></span> am <time datetime="2026-01-01">1. Januar</time></p><p class="note" data-pagefind-ignore>Hinweis</p>Rest</div><section id="related" data-pagefind-ignore><h2 id="related-title">Verwandt</h2><article class="card" data-pagefind-ignore><h3><a href="/b/">Andere</a></h3><p>Karte</p></article></section><p>Ende</p></main><footer>Studio</footer></body></html>"##;

    #[test]
    fn the_index_of_the_body_is_the_index_of_the_page() {
        // Pagefind, given the whole page, must index exactly what it indexes
        // of the part: same fragments, same word chunks (their names are
        // hashes of their contents).
        let names = |html: String| -> Vec<String> {
            let key = PageKey::of("/a/", &html, Some("de"));
            let mut files: Vec<String> = index_documents(
                vec![Document {
                    url: "/a/".into(),
                    html: Html::Rendered(html),
                }],
                vec![key],
                Some("de"),
                &ParsedPages::in_memory(),
                Vec::new(),
            )
            .unwrap()
            .0
            .into_iter()
            .map(|f| f.path)
            .filter(|p| p.contains(".pf_"))
            .collect();
            files.sort();
            files
        };
        let whole = names(PAGE.to_string());
        assert!(
            whole.iter().any(|p| p.ends_with(".pf_fragment")),
            "{whole:?}"
        );
        let part = indexed_part(PAGE);
        for cut in [
            "Menu",
            "Inhalt",
            "Versteckt",
            "Karte",
            "Hinweis",
            "Verwandt",
        ] {
            assert!(!part.contains(cut), "{cut} is still handed over: {part}");
        }
        for dropped in ["<em>", "</em>", "<strong>", "<code>", r#"<a href="/m/""#] {
            assert!(
                !part.contains(dropped),
                "{dropped} is still handed over: {part}"
            );
        }
        for kept in [r#"<span id="tp1">"#, "<br>", "schmerz", "Punkt eins"] {
            assert!(part.contains(kept), "{kept} is not handed over: {part}");
        }
        assert_eq!(whole, names(part));
    }

    #[test]
    fn serve_s_known_page_keys_give_the_bundle_a_fresh_index_gives() {
        let urls = [UrlPath::page(&["a"]), UrlPath::page(&["b"])];
        let page = |text: &str| {
            format!(
                r#"<html lang="en"><body><main data-pagefind-body><h1>{text}</h1><p>Referred pain</p></main></body></html>"#
            )
        };
        let build = |cache: &SearchCache, texts: [&str; 2]| {
            let html: Vec<String> = texts.iter().map(|t| page(t)).collect();
            let pages = urls
                .iter()
                .zip(&html)
                .map(|(url, html)| SearchPage::Rendered {
                    url,
                    html: html.as_bytes(),
                });
            let indexed = index(pages, Some("en"), cache).unwrap();
            let mut files: Vec<(String, Vec<u8>)> = indexed
                .files
                .into_iter()
                .filter(|f| f.path.contains(".pf_"))
                .map(|f| (f.path, f.bytes))
                .collect();
            files.sort();
            (files, indexed.keys)
        };
        let serve = SearchCache::in_memory();
        build(&serve, ["Trapezius", "Soleus"]);
        let known = serve.keys.as_ref().unwrap().lock().unwrap().len();
        assert_eq!(known, 2, "both pages' keys are kept");
        // One page edited: the other's key is known, the edited one's not.
        let after_edit = build(&serve, ["Trapezius, edited", "Soleus"]);
        let fresh = build(&SearchCache::in_memory(), ["Trapezius, edited", "Soleus"]);
        assert_eq!(after_edit, fresh);
    }

    #[test]
    fn compressed_files_are_reused_only_where_they_hold_the_same_data() {
        let docs = |text: &str| {
            vec![(
                "/a/".to_string(),
                format!(
                    r#"<html lang="en"><body><main data-pagefind-body><h1>{text}</h1></main></body></html>"#
                ),
            )]
        };
        let build = |text: &str, previous: Vec<OutputFile>| {
            let docs = docs(text);
            let keys = docs
                .iter()
                .map(|(u, h)| PageKey::of(u, h, Some("en")))
                .collect();
            let docs = docs
                .into_iter()
                .map(|(url, html)| Document {
                    url,
                    html: Html::Rendered(html),
                })
                .collect();
            index_documents(docs, keys, Some("en"), &ParsedPages::in_memory(), previous)
                .unwrap()
                .0
        };
        let first = build("Trapezius", Vec::new());
        let fragment = |files: &[OutputFile]| -> OutputFile {
            let f = files
                .iter()
                .find(|f| f.path.ends_with(".pf_fragment"))
                .unwrap();
            OutputFile::new(f.path.clone(), f.bytes.clone())
        };
        let original = fragment(&first);

        // The same name holding other data (a short hash that collided) is
        // compressed afresh, not handed out.
        let other = first.iter().find(|f| f.path.ends_with(".pf_meta")).unwrap();
        let impostor = OutputFile::new(original.path.clone(), other.bytes.clone());
        let again = build("Trapezius", vec![impostor]);
        assert_eq!(fragment(&again).bytes, original.bytes);

        // The same name holding the same data is handed out as it was: a
        // marked copy (same gzip trailer) shows it was not compressed again.
        let mut marked = original.bytes.clone();
        marked[4..8].copy_from_slice(&[1, 2, 3, 4]); // gzip's MTIME field
        let reused = build(
            "Trapezius",
            vec![OutputFile::new(original.path.clone(), marked.clone())],
        );
        assert_eq!(fragment(&reused).bytes, marked);
    }
}
