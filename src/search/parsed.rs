//! Pagefind's parse of each indexed page, kept between builds, so that a
//! rebuild after one edit parses one page instead of every page (parsing
//! was most of the search stage: 5.1 s of 8.6 s at 10,000 articles).
//!
//! A page's key is a 128-bit hash of everything its parse depends on: its
//! URL, the HTML handed to Pagefind, the indexing language, and the
//! versions of Knotwork and Pagefind. Each parsed page is one file,
//! `.knotwork-cache/search/pages/<key>.page` (magic line, then the page in
//! postcard); a build writes the pages it parsed and removes those no page
//! of it uses, so the folder holds the last build's pages. A file that
//! cannot be read back is parsed again, never trusted.
//!
//! `serve` keeps the parsed pages in memory instead.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pagefind::api::ParsedHtmlFile;
use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use super::cache::INDEXER;

const MAGIC: &[u8] = b"knotwork parsed page 1\n";
const EXTENSION: &str = "page";

/// The key of one page's parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageKey(u128);

impl PageKey {
    /// `html` is what Pagefind is handed (`indexed_part` of the page).
    pub fn of(url: &str, html: &str, language: Option<&str>) -> PageKey {
        let mut hash = Xxh3::new();
        for field in [INDEXER, language.unwrap_or(""), url, html] {
            hash.update(&(field.len() as u64).to_le_bytes());
            hash.update(field.as_bytes());
        }
        PageKey(hash.digest128())
    }

    fn file_name(self) -> String {
        format!("{:032x}.{EXTENSION}", self.0)
    }
}

/// The parsed pages of the last build of one site.
pub struct ParsedPages {
    place: Place,
}

enum Place {
    /// `.knotwork-cache/search/pages/`.
    Dir(PathBuf),
    /// The last build of this process (`serve`).
    Memory(Mutex<HashMap<PageKey, ParsedHtmlFile>>),
}

impl ParsedPages {
    /// The pages kept in `dir`.
    pub fn in_dir(dir: &Path) -> ParsedPages {
        ParsedPages {
            place: Place::Dir(dir.to_path_buf()),
        }
    }

    /// The pages of the last build, kept in memory.
    pub fn in_memory() -> ParsedPages {
        ParsedPages {
            place: Place::Memory(Mutex::new(HashMap::new())),
        }
    }

    /// The parse kept for each key, if there is one, in the same order.
    pub fn load(&self, keys: &[PageKey]) -> Vec<Option<ParsedHtmlFile>> {
        match &self.place {
            Place::Dir(dir) => keys
                .par_iter()
                .map(|key| read_page(&dir.join(key.file_name())))
                .collect(),
            Place::Memory(last) => match last.lock() {
                Ok(last) => keys.iter().map(|key| last.get(key).cloned()).collect(),
                Err(_) => vec![None; keys.len()],
            },
        }
    }

    /// Keeps exactly `pages` (this build's), writing those not kept
    /// before (`is_new`) and dropping the rest.
    pub fn keep_only(
        &self,
        pages: &[(PageKey, ParsedHtmlFile)],
        is_new: impl Fn(usize) -> bool + Sync,
    ) -> io::Result<()> {
        match &self.place {
            Place::Dir(dir) => {
                std::fs::create_dir_all(dir)?;
                pages
                    .par_iter()
                    .enumerate()
                    .filter(|(i, _)| is_new(*i))
                    .try_for_each(|(_, (key, page))| write_page(dir, *key, page))?;
                let kept: HashSet<String> = pages.iter().map(|(key, _)| key.file_name()).collect();
                remove_others(dir, &kept)
            }
            Place::Memory(last) => {
                if let Ok(mut last) = last.lock() {
                    *last = pages.iter().cloned().collect();
                }
                Ok(())
            }
        }
    }
}

fn read_page(file: &Path) -> Option<ParsedHtmlFile> {
    let bytes = std::fs::read(file).ok()?;
    let body = bytes.strip_prefix(MAGIC)?;
    postcard::from_bytes(body).ok()
}

/// Writes to a name of this process's own, then renames: a build stopped
/// half-way, or two builds of one site at once, never leave half a page
/// under a key.
fn write_page(dir: &Path, key: PageKey, page: &ParsedHtmlFile) -> io::Result<()> {
    let bytes =
        postcard::to_extend(page, MAGIC.to_vec()).map_err(|e| io::Error::other(e.to_string()))?;
    let file = dir.join(key.file_name());
    let tmp = file.with_extension(format!("{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, &file)
}

/// Removes the kept pages not named in `kept` (an earlier build's).
fn remove_others(dir: &Path, kept: &HashSet<String>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(&format!(".{EXTENSION}")) && !kept.contains(name.as_ref()) {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}
