//! The search bundle of the last build, kept between builds in
//! `.knotwork-cache/search/bundle` with a key of everything it was built
//! from: Pagefind's part of every indexed page, in order, the language, and
//! the versions of Knotwork and Pagefind. A build whose key matches takes
//! the bundle from the cache instead of indexing again (a rebuild where no
//! indexed page changed: a template's CSS class, a draft, an image). A
//! build whose key differs hands the bundle to Pagefind, which reuses its
//! compressed files where their data did not change.
//!
//! `serve` keeps its bundle in memory the same way, so an edit that changes
//! no indexed page (a stylesheet, a template's header) does not index the
//! site again.
//!
//! One file, written whole to a temporary name and renamed over the old
//! one, so a build interrupted while saving leaves the previous cache or
//! none, never half of one. Anything unexpected in it reads as "no cache".

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use xxhash_rust::xxh3::Xxh3;

use super::parsed::PageKey;
use crate::output::OutputFile;

/// What made the bundle and the kept parses, besides the pages: a new
/// Knotwork or Pagefind gives a new key. The patch revision goes up
/// whenever a change to `vendor/pagefind` alters what a parse or the
/// bundle holds (revision 2: `th`, `dt`, `dd` end sentences; revision 3:
/// word chunks gzipped at level 3; revision 4: fragments at level 3), so
/// that parses and compressed files kept by the last build are not mixed
/// with new ones.
pub(super) const INDEXER: &str = concat!(
    "knotwork ",
    env!("CARGO_PKG_VERSION"),
    "; pagefind 1.6.0 + vendor/pagefind/KNOTWORK-PATCH.md revision 4"
);
/// The first line of the cache file; the second is [`INDEXER`]: a bundle
/// by another version is not handed out, so that a compressed file reused
/// from it is the one this version would make.
const MAGIC: &[u8] = b"knotwork search bundle 2\n";

/// The key of a bundle: a 128-bit hash of what it indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleKey(u128);

impl BundleKey {
    /// The key of the bundle of `pages`, in indexing order. A page's key
    /// already hashes its URL, its HTML, the language and the indexer, so
    /// the pages' text is not hashed a second time here.
    pub fn of(pages: &[PageKey], language: Option<&str>) -> BundleKey {
        let mut hash = Xxh3::new();
        for field in [INDEXER, language.unwrap_or("")] {
            hash.update(&(field.len() as u64).to_le_bytes());
            hash.update(field.as_bytes());
        }
        hash.update(&(pages.len() as u64).to_le_bytes());
        for page in pages {
            hash.update(&page.to_le_bytes());
        }
        BundleKey(hash.digest128())
    }
}

/// The cached bundle of one site.
pub struct BundleCache {
    place: Place,
}

enum Place {
    /// `.knotwork-cache/search/bundle`.
    File(PathBuf),
    /// The last bundle of this process (`serve`).
    Memory(Mutex<Option<(BundleKey, Vec<OutputFile>)>>),
}

impl BundleCache {
    /// The cache kept in `dir` (`.knotwork-cache/search/` of the site).
    pub fn in_dir(dir: &Path) -> BundleCache {
        BundleCache {
            place: Place::File(dir.join("bundle")),
        }
    }

    /// A cache of the last bundle, kept in memory.
    pub fn in_memory() -> BundleCache {
        BundleCache {
            place: Place::Memory(Mutex::new(None)),
        }
    }

    /// The bundle saved last, with its key.
    pub fn last(&self) -> Option<(BundleKey, Vec<OutputFile>)> {
        match &self.place {
            Place::File(file) => decode(&std::fs::read(file).ok()?),
            Place::Memory(last) => last.lock().ok()?.clone(),
        }
    }

    /// Saves `files` as the bundle of `key`, replacing the one before.
    pub fn save(&self, key: BundleKey, files: &[OutputFile]) -> io::Result<()> {
        match &self.place {
            Place::File(file) => save_file(file, key, files),
            Place::Memory(last) => {
                if let Ok(mut last) = last.lock() {
                    *last = Some((key, files.to_vec()));
                }
                Ok(())
            }
        }
    }
}

fn save_file(file: &Path, key: BundleKey, files: &[OutputFile]) -> io::Result<()> {
    crate::replace_file::replace(file, |out| {
        out.write_all(MAGIC)?;
        out.write_all(INDEXER.as_bytes())?;
        out.write_all(b"\n")?;
        out.write_all(&key.0.to_le_bytes())?;
        out.write_all(&(files.len() as u64).to_le_bytes())?;
        for file in files {
            for part in [file.path.as_bytes(), file.bytes.as_slice()] {
                out.write_all(&(part.len() as u64).to_le_bytes())?;
                out.write_all(part)?;
            }
        }
        Ok(())
    })
}

fn decode(bytes: &[u8]) -> Option<(BundleKey, Vec<OutputFile>)> {
    let mut bytes = bytes
        .strip_prefix(MAGIC)?
        .strip_prefix(INDEXER.as_bytes())?
        .strip_prefix(b"\n")?;
    let key = BundleKey(read_u128(&mut bytes)?);
    let count = read_u64(&mut bytes)?;
    let mut files = Vec::new();
    for _ in 0..count {
        let path = String::from_utf8(read_part(&mut bytes)?).ok()?;
        let contents = read_part(&mut bytes)?;
        files.push(OutputFile::new(path, contents));
    }
    bytes.is_empty().then_some((key, files))
}

fn read_u64(bytes: &mut &[u8]) -> Option<u64> {
    let mut n = [0u8; 8];
    bytes.read_exact(&mut n).ok()?;
    Some(u64::from_le_bytes(n))
}

fn read_u128(bytes: &mut &[u8]) -> Option<u128> {
    let mut n = [0u8; 16];
    bytes.read_exact(&mut n).ok()?;
    Some(u128::from_le_bytes(n))
}

fn read_part(bytes: &mut &[u8]) -> Option<Vec<u8>> {
    let len = usize::try_from(read_u64(bytes)?).ok()?;
    if len > bytes.len() {
        return None;
    }
    let (part, rest) = bytes.split_at(len);
    *bytes = rest;
    Some(part.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documents(text: &str) -> Vec<PageKey> {
        let html = format!("<html><body><main data-pagefind-body>{text}</main></body></html>");
        vec![PageKey::of("/a/", &html, None)]
    }

    /// The bundle saved with `key`, if that is the one saved last.
    fn load(cache: &BundleCache, key: BundleKey) -> Option<Vec<OutputFile>> {
        cache
            .last()
            .filter(|(saved, _)| *saved == key)
            .map(|(_, files)| files)
    }

    #[test]
    fn a_saved_bundle_is_found_by_its_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let cache = BundleCache::in_dir(&dir.path().join("search"));
        let key = BundleKey::of(&documents("neck"), Some("en"));
        let files = vec![
            OutputFile::new("pagefind/pagefind.js", b"js".to_vec()),
            OutputFile::new("pagefind/fragment/en_1.pf_fragment", vec![0, 1, 2]),
        ];
        assert!(load(&cache, key).is_none());
        cache.save(key, &files).unwrap();
        let loaded = load(&cache, key).unwrap();
        assert_eq!(loaded.len(), 2);
        assert_eq!(loaded[1].path, files[1].path);
        assert_eq!(loaded[1].bytes, files[1].bytes);
        // Another page text, another language: another key.
        assert!(load(&cache, BundleKey::of(&documents("back"), Some("en"))).is_none());
        assert!(load(&cache, BundleKey::of(&documents("neck"), Some("de"))).is_none());
    }

    #[test]
    fn the_memory_cache_keeps_the_last_bundle() {
        let cache = BundleCache::in_memory();
        let neck = BundleKey::of(&documents("neck"), None);
        let back = BundleKey::of(&documents("back"), None);
        cache
            .save(neck, &[OutputFile::new("pagefind/a", vec![1])])
            .unwrap();
        assert_eq!(load(&cache, neck).unwrap()[0].bytes, vec![1]);
        cache
            .save(back, &[OutputFile::new("pagefind/a", vec![2])])
            .unwrap();
        assert!(load(&cache, neck).is_none());
        assert_eq!(load(&cache, back).unwrap()[0].bytes, vec![2]);
    }

    #[test]
    fn a_damaged_cache_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let cache = BundleCache::in_dir(dir.path());
        let key = BundleKey::of(&documents("neck"), None);
        let files = vec![OutputFile::new("pagefind/x", vec![7; 100])];
        cache.save(key, &files).unwrap();
        let whole = std::fs::read(dir.path().join("bundle")).unwrap();
        std::fs::write(dir.path().join("bundle"), &whole[..whole.len() - 10]).unwrap();
        assert!(load(&cache, key).is_none());
    }
}
