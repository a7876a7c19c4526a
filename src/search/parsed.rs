//! Pagefind's parse of each indexed page, kept between builds, so that a
//! rebuild after one edit parses one page instead of every page (parsing
//! was most of the search stage: 5.1 s of 8.6 s at 10,000 articles).
//!
//! A page's key is a 128-bit hash of everything its parse depends on: its
//! URL, the HTML handed to Pagefind, the indexing language, and the
//! versions of Knotwork and Pagefind. The last build's parses are one file,
//! `.knotwork-cache/search/pages`: a magic line, then per page its key,
//! length, a checksum of its bytes and its postcard bytes. One file, not
//! one per page: creating 10,000 small files took longer than the parse
//! they save (ext4, 2 cores). A build that parsed a few pages appends them
//! (rewriting 10,000 unchanged parses cost a rebuild after one edit a
//! second of CPU); once pages of earlier builds would be more than half of
//! the file, or the file was not read whole, it is written again, whole,
//! to a temporary name renamed over the old one. A page whose entry is
//! cut short or fails its checksum is parsed again, never trusted.
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

const MAGIC: &[u8] = b"knotwork parsed pages 2\n";

/// The key of one page's parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
}

/// The parsed pages of the last build of one site.
pub struct ParsedPages {
    place: Place,
}

enum Place {
    /// `.knotwork-cache/search/pages`, and how many entries it held when
    /// it was last read whole (`None`: not read, or not whole).
    File(PathBuf, Mutex<Option<usize>>),
    /// The last build of this process (`serve`).
    Memory(Mutex<HashMap<PageKey, ParsedHtmlFile>>),
}

impl ParsedPages {
    /// The pages kept in `file`.
    pub fn in_file(file: &Path) -> ParsedPages {
        ParsedPages {
            place: Place::File(file.to_path_buf(), Mutex::new(None)),
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
            Place::File(file, read) => {
                let bytes = std::fs::read(file).unwrap_or_default();
                let (kept, whole) = entries(&bytes);
                if let Ok(mut read) = read.lock() {
                    *read = whole.then_some(kept.len());
                }
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

    /// Keeps `pages` (this build's, in full) for the next build, of which
    /// those at `new` were parsed by this one.
    pub fn keep(&self, pages: &[(PageKey, ParsedHtmlFile)], new: &[usize]) -> io::Result<()> {
        match &self.place {
            Place::File(file, read) => {
                let held = read.lock().ok().and_then(|r| *r);
                match held {
                    Some(held) if held + new.len() <= 2 * pages.len() => {
                        let added: Vec<&(PageKey, ParsedHtmlFile)> =
                            new.iter().map(|&i| &pages[i]).collect();
                        append_pages(file, &added)
                    }
                    _ => write_pages(file, pages),
                }
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

/// Each kept page's bytes by key, and whether the file was read whole:
/// a file not of ours gives nothing, a cut-short or damaged entry ends it.
fn entries(mut bytes: &[u8]) -> (HashMap<PageKey, &[u8]>, bool) {
    let mut kept = HashMap::new();
    let Some(rest) = bytes.strip_prefix(MAGIC) else {
        return (kept, false);
    };
    bytes = rest;
    while !bytes.is_empty() {
        let Some((key, page, rest)) = entry(bytes) else {
            return (kept, false);
        };
        kept.insert(key, page);
        bytes = rest;
    }
    (kept, true)
}

/// The first entry of `bytes` (key, length, checksum, page) and what
/// follows it; `None` when it is cut short or its checksum fails.
fn entry(bytes: &[u8]) -> Option<(PageKey, &[u8], &[u8])> {
    let (key, rest) = bytes.split_first_chunk::<16>()?;
    let (len, rest) = rest.split_first_chunk::<8>()?;
    let (sum, rest) = rest.split_first_chunk::<8>()?;
    let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
    if len > rest.len() {
        return None;
    }
    let (page, rest) = rest.split_at(len);
    (xxhash_rust::xxh3::xxh3_64(page) == u64::from_le_bytes(*sum)).then_some((
        PageKey(u128::from_le_bytes(*key)),
        page,
        rest,
    ))
}

/// Writes entries for `pages` to `out`, serialized a batch at a time, in
/// parallel, so the whole file never sits in memory.
fn write_entries(out: &mut impl Write, pages: &[&(PageKey, ParsedHtmlFile)]) -> io::Result<()> {
    const BATCH: usize = 256;
    for batch in pages.chunks(BATCH) {
        let encoded: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|(_, page)| encode(page))
            .collect::<io::Result<_>>()?;
        for ((key, _), bytes) in batch.iter().zip(encoded) {
            out.write_all(&key.to_le_bytes())?;
            out.write_all(&(bytes.len() as u64).to_le_bytes())?;
            out.write_all(&xxhash_rust::xxh3::xxh3_64(&bytes).to_le_bytes())?;
            out.write_all(&bytes)?;
        }
    }
    Ok(())
}

/// One page's postcard bytes.
fn encode(page: &ParsedHtmlFile) -> io::Result<Vec<u8>> {
    // A page's parse is about 10 KB of postcard (99 MB for 10,000 pages).
    crate::postcard_bytes::to_vec_with_capacity(page, 16 * 1024)
        .map_err(|e| io::Error::other(e.to_string()))
}

/// Adds `pages` at the end of `file`. Two builds appending at once, or
/// one stopped half-way, can only leave entries that fail to read, and the
/// next build then writes the file whole.
fn append_pages(file: &Path, pages: &[&(PageKey, ParsedHtmlFile)]) -> io::Result<()> {
    let mut out = io::BufWriter::new(std::fs::OpenOptions::new().append(true).open(file)?);
    write_entries(&mut out, pages)?;
    out.into_inner().map_err(|e| e.into_error())?;
    Ok(())
}

/// Replaces `file` with `pages`.
fn write_pages(file: &Path, pages: &[(PageKey, ParsedHtmlFile)]) -> io::Result<()> {
    crate::replace_file::replace(file, |out| {
        out.write_all(MAGIC)?;
        let all: Vec<&(PageKey, ParsedHtmlFile)> = pages.iter().collect();
        write_entries(out, &all)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push_entry(file: &mut Vec<u8>, key: u128, page: &[u8]) {
        file.extend_from_slice(&key.to_le_bytes());
        file.extend_from_slice(&(page.len() as u64).to_le_bytes());
        file.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(page).to_le_bytes());
        file.extend_from_slice(page);
    }

    /// A page parsed by Pagefind, with words, a heading anchor and meta.
    fn parsed_page() -> ParsedHtmlFile {
        let html = "<html lang=\"en\"><body><main data-pagefind-body>\
            <h1>Upper trapezius</h1><p>Referral to the temple and the back of the neck, \
            over and over: 1234567 words, ünïcödé too.</p>\
            <h2 id=\"release\">Release</h2><p>Pressure held for 90 seconds.</p>\
            </main></body></html>";
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let index = pagefind::api::PagefindIndex::new(None).unwrap();
        let files = vec![(None, Some("/muscles/upper-trapezius/".into()), html.into())];
        let mut parsed = runtime.block_on(index.parse_html_files(files)).unwrap();
        parsed.pop().unwrap().unwrap()
    }

    #[test]
    fn a_page_is_encoded_as_postcard_encodes_it() {
        let page = parsed_page();
        let ours = encode(&page).unwrap();
        assert!(ours.len() > 100, "a page with words: {} bytes", ours.len());
        assert_eq!(ours, postcard::to_stdvec(&page).unwrap());
    }

    #[test]
    fn damaged_entries_end_the_file_and_are_never_handed_out() {
        let mut file = MAGIC.to_vec();
        push_entry(&mut file, 1, b"first page");
        push_entry(&mut file, 2, b"second page");
        let (kept, whole) = entries(&file);
        assert!(whole);
        assert_eq!(kept[&PageKey(2)], b"second page");

        // Cut short: what came before stays usable, the file is not whole.
        let (kept, whole) = entries(&file[..file.len() - 3]);
        assert!(!whole);
        assert_eq!(kept.len(), 1);
        assert!(kept.contains_key(&PageKey(1)));

        // A changed byte fails the checksum.
        let last = file.len() - 1;
        file[last] ^= 1;
        let (kept, whole) = entries(&file);
        assert!(!whole && !kept.contains_key(&PageKey(2)));

        // Not ours at all.
        assert_eq!(entries(b"something else").0.len(), 0);
    }
}
