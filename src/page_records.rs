//! What the last `knotwork build` wrote into its output folder, page by
//! page, so that a rebuild renders and writes only the pages whose inputs
//! changed.
//!
//! Per page a record holds the fingerprint of its plan
//! ([`fingerprint::of_plan`]), the length and modification time of its
//! file as the build left it, and the key of its search parse. The records
//! are valid for one [`SiteKey`]: a hash of what every page shares (the
//! site-wide variables and words of each language, asset names, every
//! template, the minify and search settings, the output folder and
//! Knotwork's version); when it changes, every page is rendered again.
//!
//! A page is *kept*, neither rendered nor written, when its fingerprint is
//! the recorded one and its file still has the recorded length and time,
//! so a file changed or deleted by hand is written again. Never kept: pages
//! whose template calls `resize_image()` (rendering registers the image to
//! make) and, when the site is minified, searchable pages (the index reads
//! a page's HTML before minification, which its file no longer holds).
//!
//! The records are one file, `.knotwork-cache/pages`, written to a
//! temporary name and renamed once the output folder is in sync; a build
//! that fails leaves both as they were, and a damaged file is ignored.
//! `knotwork check` and `serve` (which keeps its own records in memory) do
//! not use it.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use crate::config::Config;
use crate::fingerprint;
use crate::render::{Assets, Renderer};
use crate::search::PageKey;

/// Names the format; a file of another version is ignored.
const MAGIC: &str = "knotwork page records 2";

/// A hash of everything the records depend on besides each page's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteKey(u128);

impl SiteKey {
    pub fn of(config: &Config, renderer: &Renderer, assets: &Assets) -> SiteKey {
        let mut hasher = Xxh3::new();
        let mut field = |bytes: &[u8]| {
            hasher.update(&(bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        };
        field(env!("CARGO_PKG_VERSION").as_bytes());
        let output = std::path::absolute(&config.output_dir).unwrap_or(config.output_dir.clone());
        field(output.as_os_str().as_encoded_bytes());
        field(&fingerprint::of_site_wide(renderer, assets).to_le_bytes());
        let mut templates: Vec<(String, u64)> = fingerprint::of_templates(renderer.theme())
            .into_iter()
            .collect();
        templates.sort_unstable();
        for (name, hash) in templates {
            field(name.as_bytes());
            field(&hash.to_le_bytes());
        }
        let settings = &config.site;
        field(&[u8::from(settings.minify), u8::from(settings.search.enabled)]);
        field(
            crate::search::forced_language(config)
                .unwrap_or_default()
                .as_bytes(),
        );
        SiteKey(hasher.digest128())
    }
}

/// What one page's file was made from, and how the build left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRecord {
    fingerprint: u64,
    len: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    modified: u128,
    search: Option<PageKey>,
}

impl PageRecord {
    /// The record of the page just synced to `file`: `None` if the file
    /// cannot be read (it will be rendered next time).
    pub fn of_file(file: &Path, fingerprint: u64, search: Option<PageKey>) -> Option<PageRecord> {
        let (len, modified) = stat(file)?;
        Some(PageRecord {
            fingerprint,
            len,
            modified,
            search,
        })
    }

    /// The key of the page's search parse, when it was indexed.
    pub fn search_key(&self) -> Option<PageKey> {
        self.search
    }

    /// This record with the page's search key of this build.
    pub fn with_search_key(self, key: Option<PageKey>) -> PageRecord {
        PageRecord {
            search: key,
            ..self
        }
    }
}

/// A file's length and modification time.
fn stat(file: &Path) -> Option<(u64, u128)> {
    let meta = std::fs::metadata(file).ok()?;
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    meta.is_file().then_some((meta.len(), modified.as_nanos()))
}

#[derive(Serialize, Deserialize)]
struct Stored {
    magic: String,
    site: SiteKey,
    pages: Vec<(String, PageRecord)>,
}

/// The records of the last build, and what decides which pages this one
/// may keep.
pub struct LastBuild {
    site: SiteKey,
    output_dir: PathBuf,
    pages: HashMap<String, PageRecord>,
    /// Templates whose pages are always rendered.
    always_rendered: HashSet<String>,
    /// Whether searchable pages are always rendered (a minified site).
    render_searchable: bool,
    /// Whether a searchable page needs the key of its parse to be kept.
    search_enabled: bool,
}

impl LastBuild {
    /// The records in `file` if they were written for `site`; else none.
    pub fn load(file: &Path, site: SiteKey, config: &Config, renderer: &Renderer) -> LastBuild {
        let pages = std::fs::read(file)
            .ok()
            .and_then(|bytes| postcard::from_bytes::<Stored>(&bytes).ok())
            .filter(|stored| stored.magic == MAGIC && stored.site == site)
            .map(|stored| stored.pages.into_iter().collect())
            .unwrap_or_default();
        LastBuild {
            site,
            output_dir: config.output_dir.clone(),
            pages,
            always_rendered: fingerprint::calling(renderer.theme(), "resize_image"),
            render_searchable: config.site.minify,
            search_enabled: config.site.search.enabled,
        }
    }

    pub fn site(&self) -> SiteKey {
        self.site
    }

    /// The record of the page at output path `path`, when the page need
    /// not be rendered again: same fingerprint, file as the last build
    /// left it, and (searchable, with search on) the key of its parse.
    pub fn keeps(
        &self,
        path: &str,
        fingerprint: u64,
        template: &str,
        searchable: bool,
    ) -> Option<PageRecord> {
        if self.always_rendered.contains(template) || (searchable && self.render_searchable) {
            return None;
        }
        let record = self.pages.get(path)?;
        if searchable && self.search_enabled && record.search.is_none() {
            return None;
        }
        let on_disk = stat(&self.output_dir.join(path))?;
        (record.fingerprint == fingerprint && on_disk == (record.len, record.modified))
            .then_some(*record)
    }
}

/// Writes the records of this build to `file`, replacing the last.
pub fn save(file: &Path, site: SiteKey, pages: Vec<(String, PageRecord)>) -> io::Result<()> {
    let stored = Stored {
        magic: MAGIC.to_string(),
        site,
        pages,
    };
    let bytes = postcard::to_stdvec(&stored).map_err(|e| io::Error::other(e.to_string()))?;
    crate::replace_file::replace(file, |out| io::Write::write_all(out, &bytes))
}
