//! The Markdown bodies of the last build's articles and pages, kept for
//! the next one: rendering them (pulldown-cmark, code highlighting) was
//! most of the linking stage, and a rebuild after one edit renders one.
//!
//! A body's HTML depends on its text, where it is written (file and
//! offset, for the locations it records), the rendering options and the
//! shortcodes' signatures — all hashed into its [`BodyKey`] with
//! Knotwork's version — and on the answers to what it asked of the site
//! while it was rendered: the cross-links it resolved, the citation keys
//! it checked and the images it looked up ([`Lookup`]). A kept body is used
//! only when its key is this build's and every one of its lookups gets the
//! same answer again (an article renamed, an image replaced: rendered
//! again). Bodies that had problems are never kept: their warnings are
//! shown on every build.
//!
//! The file is `.knotwork-cache/bodies`: a magic line, then chunks of 256
//! bodies, each its length and its postcard bytes (read in parallel, while
//! the content loads). It is written only when the set of bodies changed,
//! to a temporary name renamed over the old one; a chunk of the same
//! bodies as one read is written back as it was read, not encoded again.
//! A file that cannot be read (another version, cut short) counts as
//! empty.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

use crate::images::Library;
use crate::markdown::{self, LinkResolver, Rendered};
use crate::shortcodes::Shortcodes;

/// Names the file's format and what rendered its bodies; a file with
/// another first line is not read. Raise the revision when a change to
/// `src/markdown/` alters the HTML of the same text.
const MAGIC: &str = concat!(
    "knotwork bodies 2; knotwork ",
    env!("CARGO_PKG_VERSION"),
    "\n"
);

/// The key of one body: a 128-bit hash of everything its HTML depends on
/// but its lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BodyKey(u128);

/// Makes the keys of texts rendered with one set of options: what they
/// share (the format, the options, the shortcodes' signatures) is hashed
/// once, not for each of 10,000 bodies.
#[derive(Clone)]
pub struct BodyKeys(Xxh3);

impl BodyKeys {
    pub fn new(opts: &markdown::Options_) -> BodyKeys {
        let mut hash = Xxh3::new();
        field(&mut hash, MAGIC.as_bytes());
        field(&mut hash, &[opts.smart_punctuation as u8]);
        field(&mut hash, opts.base_path.as_bytes());
        field(&mut hash, shortcodes_signature(&opts.shortcodes).as_bytes());
        BodyKeys(hash)
    }

    /// The key of `input` rendered with these options.
    pub fn of(&self, input: &markdown::Input) -> BodyKey {
        let mut hash = self.0.clone();
        field(&mut hash, input.source.path.as_os_str().as_encoded_bytes());
        field(&mut hash, &(input.offset as u64).to_le_bytes());
        field(&mut hash, &[input.allow_html as u8]);
        field(&mut hash, input.text.as_bytes());
        BodyKey(hash.digest128())
    }
}

impl BodyKey {
    /// The key as [`Rendered::reuse_key`] holds it.
    pub fn raw(self) -> u128 {
        self.0
    }
}

/// Adds one field to a key, with its length, so that fields cannot run
/// into each other.
fn field(hash: &mut Xxh3, bytes: &[u8]) {
    hash.update(&(bytes.len() as u64).to_le_bytes());
    hash.update(bytes);
}

/// The shortcodes' names and signatures, as text: a call is checked
/// against them while its body is rendered. (`Debug` of a `BTreeMap` is
/// in a fixed order; the key includes Knotwork's version, so its format
/// may change between versions.)
fn shortcodes_signature(shortcodes: &Shortcodes) -> String {
    format!("{shortcodes:?}")
}

/// The last build's bodies, and what this build hands to the next.
#[derive(Default)]
pub struct BodyCache {
    file: Option<PathBuf>,
    kept: Mutex<HashMap<BodyKey, Rendered>>,
    /// The keys the file held when read.
    loaded: HashSet<BodyKey>,
    /// The file as read, and where in it each chunk of entries is, by the
    /// keys of its entries: a chunk of the same entries is written again
    /// as it was instead of being encoded again.
    read: Vec<u8>,
    chunks: HashMap<Vec<BodyKey>, Range<usize>>,
    /// This build's key of each article's and page's body; `None` for a
    /// body that had problems.
    made: Mutex<Option<MadeKeys>>,
}

/// This build's key of each article's and page's body.
#[derive(Default)]
pub struct MadeKeys {
    pub articles: Vec<Option<BodyKey>>,
    pub pages: Vec<Option<BodyKey>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    key: BodyKey,
    body: &'a Rendered,
}

#[derive(Deserialize)]
struct OwnedEntry {
    key: BodyKey,
    body: Rendered,
}

impl BodyCache {
    /// No cache: every body is rendered, nothing is saved.
    pub fn none() -> BodyCache {
        BodyCache::default()
    }

    /// The bodies kept in `file` (none if it is missing or unreadable).
    pub fn load(file: &Path) -> BodyCache {
        let read = std::fs::read(file).unwrap_or_default();
        let (entries, chunks) = read_entries(&read).unwrap_or_default();
        let loaded = entries.iter().map(|e| e.key).collect();
        BodyCache {
            file: Some(file.to_path_buf()),
            kept: Mutex::new(entries.into_iter().map(|e| (e.key, e.body)).collect()),
            loaded,
            read,
            chunks,
            made: Mutex::new(None),
        }
    }

    /// Whether bodies are kept for the next build (a cache with a file).
    pub fn is_kept(&self) -> bool {
        self.file.is_some()
    }

    /// Takes the kept body of `key` out of the cache (each body is used
    /// once).
    pub fn take(&self, key: BodyKey) -> Option<Rendered> {
        self.kept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key)
    }

    /// Notes this build's keys, for [`BodyCache::save`].
    pub fn remember(&self, keys: MadeKeys) {
        *self.made.lock().unwrap_or_else(|e| e.into_inner()) = Some(keys);
    }

    /// Writes this build's bodies (`articles` and `pages`, in the order of
    /// the keys [`remember`](BodyCache::remember)ed) for the next build,
    /// unless the file holds exactly those already. The bodies are encoded
    /// now (they are about to change: shortcodes are expanded in them);
    /// the file is written on a thread of its own, which the returned
    /// [`Saving`] waits for. A cache that cannot be written costs the next
    /// build its reuse, not this build its output.
    pub fn save(self, articles: &[Rendered], pages: &[Rendered]) -> Saving {
        let keys = self.made.lock().unwrap_or_else(|e| e.into_inner()).take();
        let (Some(file), Some(keys)) = (self.file.clone(), keys) else {
            return Saving(None);
        };
        let mut seen = HashSet::new();
        let entries: Vec<Entry> = (keys.articles.iter().zip(articles))
            .chain(keys.pages.iter().zip(pages))
            .filter_map(|(key, body)| key.map(|key| Entry { key, body }))
            .filter(|e| seen.insert(e.key))
            .collect();
        if seen == self.loaded {
            return Saving(None);
        }
        let Ok(chunks) = self.encode(&entries) else {
            return Saving(None);
        };
        Saving(Some(std::thread::spawn(move || {
            let _ = write_chunks(&file, &self.read, &chunks);
        })))
    }

    /// The file's chunks for `entries`: the bytes of a chunk read with the
    /// same entries where there is one, else encoded now.
    fn encode(&self, entries: &[Entry]) -> std::io::Result<Vec<Chunk>> {
        entries
            .par_chunks(CHUNK)
            .map(|chunk| {
                let keys: Vec<BodyKey> = chunk.iter().map(|e| e.key).collect();
                match self.chunks.get(&keys) {
                    Some(range) => Ok(Chunk::Read(range.clone())),
                    None => postcard::to_stdvec(chunk)
                        .map(Chunk::New)
                        .map_err(std::io::Error::other),
                }
            })
            .collect()
    }
}

/// The cache file being written; dropping it waits for the write.
pub struct Saving(Option<std::thread::JoinHandle<()>>);

impl Drop for Saving {
    fn drop(&mut self) {
        if let Some(writing) = self.0.take() {
            let _ = writing.join();
        }
    }
}

/// A chunk of the file to write: bytes of the file as read, or new ones.
enum Chunk {
    Read(Range<usize>),
    New(Vec<u8>),
}

fn write_chunks(file: &Path, read: &[u8], chunks: &[Chunk]) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = file.with_extension("new");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
    out.write_all(MAGIC.as_bytes())?;
    for chunk in chunks {
        let bytes = match chunk {
            Chunk::Read(range) => &read[range.clone()],
            Chunk::New(bytes) => bytes,
        };
        out.write_all(&(bytes.len() as u64).to_le_bytes())?;
        out.write_all(bytes)?;
    }
    out.into_inner().map_err(|e| e.into_error())?;
    std::fs::rename(&temporary, file)
}

/// Whether every lookup of a kept body still gets its answer.
pub fn still_holds(body: &Rendered, resolver: &dyn LinkResolver, images: &Library) -> bool {
    body.lookups.iter().all(|l| l.holds(resolver, images))
}

/// The entries of a file's bytes, and the keys and place of each chunk.
type ReadEntries = (Vec<OwnedEntry>, HashMap<Vec<BodyKey>, Range<usize>>);

fn read_entries(bytes: &[u8]) -> Option<ReadEntries> {
    let mut at = bytes.strip_prefix(MAGIC.as_bytes()).map(|_| MAGIC.len())?;
    // Chunks of entries, each its length then its postcard bytes, so that
    // they are read in parallel.
    let mut ranges = Vec::new();
    while at < bytes.len() {
        let (len, _) = bytes[at..].split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        let start = at + 8;
        let end = start.checked_add(len).filter(|&end| end <= bytes.len())?;
        ranges.push(start..end);
        at = end;
    }
    let chunks: Option<Vec<Vec<OwnedEntry>>> = ranges
        .par_iter()
        .map(|range| postcard::from_bytes(&bytes[range.clone()]).ok())
        .collect();
    let chunks = chunks?;
    let places = chunks
        .iter()
        .zip(ranges)
        .map(|(entries, range)| (entries.iter().map(|e| e.key).collect(), range))
        .collect();
    Some((chunks.into_iter().flatten().collect(), places))
}

/// Entries per chunk of the file.
const CHUNK: usize = 256;
