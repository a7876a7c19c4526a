//! Pagefind's parse of each indexed page, kept between builds, so that a
//! rebuild after one edit parses one page instead of every page (parsing
//! was most of the search stage: 5.1 s of 8.6 s at 10,000 articles).
//!
//! A page's key is a 128-bit hash of everything its parse depends on: its
//! URL, the HTML handed to Pagefind, the indexing language, and the
//! versions of Knotwork and Pagefind. The last build's parses are one file,
//! `.knotwork-cache/search/pages`: a magic line, then per page its key,
//! length and postcard bytes. One file, not one per page: creating 10,000
//! small files took longer than the parse they save (ext4, 2 cores). A
//! build that parsed any page writes the file again, whole, to a temporary
//! name renamed over the old one; a page that cannot be read back is
//! parsed again, never trusted.
//!
//! `serve` keeps the parsed pages in memory instead.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pagefind::api::ParsedHtmlFile;
use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use super::cache::INDEXER;

const MAGIC: &[u8] = b"knotwork parsed pages 1\n";

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

    pub fn to_le_bytes(self) -> [u8; 16] {
        self.0.to_le_bytes()
    }

    pub fn from_le_bytes(bytes: [u8; 16]) -> PageKey {
        PageKey(u128::from_le_bytes(bytes))
    }
}

/// The parsed pages of the last build of one site.
pub struct ParsedPages {
    place: Place,
}

enum Place {
    /// `.knotwork-cache/search/pages`.
    File(PathBuf),
    /// The last build of this process (`serve`).
    Memory(Mutex<HashMap<PageKey, ParsedHtmlFile>>),
}

impl ParsedPages {
    /// The pages kept in `file`.
    pub fn in_file(file: &Path) -> ParsedPages {
        ParsedPages {
            place: Place::File(file.to_path_buf()),
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
            Place::File(file) => {
                let bytes = std::fs::read(file).unwrap_or_default();
                let kept = entries(&bytes).unwrap_or_default();
                keys.par_iter()
                    .map(|key| postcard::from_bytes(kept.get(key)?).ok())
                    .collect()
            }
            Place::Memory(last) => match last.lock() {
                Ok(last) => keys.iter().map(|key| last.get(key).cloned()).collect(),
                Err(_) => vec![None; keys.len()],
            },
        }
    }

    /// Keeps exactly `pages` (this build's) in place of the last build's.
    pub fn keep_only(&self, pages: &[(PageKey, ParsedHtmlFile)]) -> io::Result<()> {
        match &self.place {
            Place::File(file) => write_pages(file, pages),
            Place::Memory(last) => {
                if let Ok(mut last) = last.lock() {
                    *last = pages.iter().cloned().collect();
                }
                Ok(())
            }
        }
    }
}

/// Each kept page's bytes by key; `None` if the file is not one of ours
/// or is cut short.
fn entries(mut bytes: &[u8]) -> Option<HashMap<PageKey, &[u8]>> {
    bytes = bytes.strip_prefix(MAGIC)?;
    let mut kept = HashMap::new();
    while !bytes.is_empty() {
        let (key, rest) = bytes.split_first_chunk::<16>()?;
        let (len, rest) = rest.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        if len > rest.len() {
            return None;
        }
        let (page, rest) = rest.split_at(len);
        kept.insert(PageKey(u128::from_le_bytes(*key)), page);
        bytes = rest;
    }
    Some(kept)
}

/// Writes `pages` to a name of this process's own, then renames it over
/// `file`: a build stopped half-way, or two builds of one site at once,
/// never leave half a file. Pages are serialized a batch at a time, in
/// parallel, so the whole file never sits in memory.
fn write_pages(file: &Path, pages: &[(PageKey, ParsedHtmlFile)]) -> io::Result<()> {
    const BATCH: usize = 256;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = file.with_extension(format!("{}.tmp", std::process::id()));
    let mut out = io::BufWriter::new(std::fs::File::create(&tmp)?);
    out.write_all(MAGIC)?;
    for batch in pages.chunks(BATCH) {
        let encoded: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|(_, page)| postcard::to_stdvec(page).map_err(|e| io::Error::other(e.to_string())))
            .collect::<io::Result<_>>()?;
        for ((key, _), bytes) in batch.iter().zip(encoded) {
            out.write_all(&key.to_le_bytes())?;
            out.write_all(&(bytes.len() as u64).to_le_bytes())?;
            out.write_all(&bytes)?;
        }
    }
    out.into_inner().map_err(|e| e.into_error())?;
    std::fs::rename(&tmp, file)
}
