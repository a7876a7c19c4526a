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
use xxhash_rust::xxh3::Xxh3;

use crate::images::Library;
use crate::markdown::{self, BodyKey, LinkResolver, Rendered};
use crate::shortcodes::Shortcodes;

/// Names the file's format and what rendered its bodies; a file with
/// another first line is not read. Raise the revision when a change to
/// `src/markdown/` alters the HTML of the same text.
const MAGIC: &str = concat!(
    "knotwork bodies 3; knotwork ",
    env!("CARGO_PKG_VERSION"),
    "\n"
);

/// The key of one body: a 128-bit hash of everything its HTML depends on
/// but its lookups.
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
        let words = &opts.words;
        for phrase in [
            &words.table,
            &words.footnotes.heading,
            &words.footnotes.back,
        ] {
            field(&mut hash, phrase.as_bytes());
        }
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
    /// The file as read, and where in it each chunk of bodies is, by the
    /// keys of its bodies: a chunk of the same bodies is written again
    /// as it was instead of being encoded again.
    read: Vec<u8>,
    chunks: HashMap<Vec<BodyKey>, Range<usize>>,
}

impl BodyCache {
    /// No cache: every body is rendered, nothing is saved.
    pub fn none() -> BodyCache {
        BodyCache::default()
    }

    /// The bodies kept in `file` (none if it is missing or unreadable).
    pub fn load(file: &Path) -> BodyCache {
        let read = std::fs::read(file).unwrap_or_default();
        let (bodies, chunks) = read_bodies(&read).unwrap_or_default();
        let kept: HashMap<BodyKey, Rendered> = bodies
            .into_iter()
            .filter_map(|body| Some((body.reuse_key?, body)))
            .collect();
        BodyCache {
            file: Some(file.to_path_buf()),
            loaded: kept.keys().copied().collect(),
            kept: Mutex::new(kept),
            read,
            chunks,
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

    /// Writes this build's bodies (those of `articles` and `pages` with a
    /// [`Rendered::reuse_key`]) for the next build, unless the file holds
    /// exactly those already. The bodies are encoded
    /// now (they are about to change: shortcodes are expanded in them);
    /// the file is written on a thread of its own, which the returned
    /// [`Saving`] waits for. A cache that cannot be written costs the next
    /// build its reuse, not this build its output.
    pub fn save(self, articles: &[Rendered], pages: &[Rendered]) -> Saving {
        let Some(file) = self.file.clone() else {
            return Saving(None);
        };
        let mut seen = HashSet::new();
        let bodies: Vec<&Rendered> = articles
            .iter()
            .chain(pages)
            .filter(|body| body.reuse_key.is_some_and(|key| seen.insert(key)))
            .collect();
        if seen == self.loaded {
            return Saving(None);
        }
        let Ok(chunks) = self.encode(&bodies) else {
            return Saving(None);
        };
        Saving(Some(std::thread::spawn(move || {
            let _ = write_chunks(&file, &self.read, &chunks);
        })))
    }

    /// The file's chunks for `bodies`: the bytes of a chunk read with the
    /// same bodies where there is one, else encoded now.
    fn encode(&self, bodies: &[&Rendered]) -> std::io::Result<Vec<Chunk>> {
        bodies
            .par_chunks(CHUNK)
            .map(|chunk| {
                let keys = keys_of(chunk.iter().copied());
                match self.chunks.get(&keys) {
                    Some(range) => Ok(Chunk::Read(range.clone())),
                    None => crate::postcard_bytes::to_vec_with_capacity(chunk, encoded_size(chunk))
                        .map(Chunk::New)
                        .map_err(std::io::Error::other),
                }
            })
            .collect()
    }
}

/// A little over the size of `bodies` in postcard: their HTML, and about
/// as much again for the rest (each link's location carries its line of
/// Markdown; 9.6 KB a body in all on the plain bench corpus). Pages of
/// the `Vec` never written to are never touched.
fn encoded_size(bodies: &[&Rendered]) -> usize {
    bodies.iter().map(|body| 2 * body.html.len() + 1024).sum()
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

/// The keys of `bodies`, in order (each kept body has one).
fn keys_of<'a>(bodies: impl Iterator<Item = &'a Rendered>) -> Vec<BodyKey> {
    bodies.filter_map(|body| body.reuse_key).collect()
}

/// The bodies of a file's bytes, and the keys and place of each chunk.
type ReadBodies = (Vec<Rendered>, HashMap<Vec<BodyKey>, Range<usize>>);

fn read_bodies(bytes: &[u8]) -> Option<ReadBodies> {
    let mut at = bytes.strip_prefix(MAGIC.as_bytes()).map(|_| MAGIC.len())?;
    // Chunks of bodies, each its length then its postcard bytes, so that
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
    let chunks: Option<Vec<Vec<Rendered>>> = ranges
        .par_iter()
        .map(|range| postcard::from_bytes(&bytes[range.clone()]).ok())
        .collect();
    let chunks = chunks?;
    let places = chunks
        .iter()
        .zip(ranges)
        .map(|(bodies, range)| (keys_of(bodies.iter()), range))
        .collect();
    Some((chunks.into_iter().flatten().collect(), places))
}

/// Bodies per chunk of the file.
const CHUNK: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;

    fn body(html: &str, key: Option<u128>) -> Rendered {
        Rendered {
            html: html.into(),
            reuse_key: key.map(BodyKey),
            ..Rendered::default()
        }
    }

    /// Saves `articles` through a cache loaded from `file`, waiting for
    /// the write.
    fn save(file: &Path, articles: &[Rendered]) {
        drop(BodyCache::load(file).save(articles, &[]));
    }

    #[test]
    fn bodies_with_a_key_are_kept_for_the_next_build_and_taken_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cache/bodies");
        // More than a chunk, so that the file has several.
        let mut articles: Vec<Rendered> = (0..CHUNK as u128 + 3)
            .map(|i| body(&format!("<p>{i}</p>"), Some(i)))
            .collect();
        articles.push(body("<p>with a warning</p>", None));
        save(&file, &articles);

        let cache = BodyCache::load(&file);
        assert_eq!(cache.loaded.len(), CHUNK + 3);
        assert_eq!(&*cache.take(BodyKey(7)).unwrap().html, "<p>7</p>");
        assert!(cache.take(BodyKey(7)).is_none(), "taken once");
        let last = BodyKey(CHUNK as u128 + 2);
        assert_eq!(cache.take(last).unwrap().reuse_key, Some(last));
        assert!(cache.take(BodyKey(u128::MAX)).is_none());
    }

    #[test]
    fn an_unchanged_set_is_not_written_and_a_damaged_file_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bodies");
        let articles = [body("<p>a</p>", Some(1)), body("<p>b</p>", Some(2))];
        save(&file, &articles);
        let written = std::fs::metadata(&file).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        save(&file, &articles);
        assert_eq!(
            std::fs::metadata(&file).unwrap().modified().unwrap(),
            written
        );

        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(&file, &bytes[..bytes.len() - 3]).unwrap();
        let cache = BodyCache::load(&file);
        assert!(cache.loaded.is_empty());
        assert!(cache.take(BodyKey(1)).is_none());
    }
}
