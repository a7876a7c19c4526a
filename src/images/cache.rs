//! The image cache, kept between builds (`.knotwork-cache/images/`):
//! processed files named by a key of their source's bytes and the settings,
//! and an index of what each source file's header said, keyed by its path,
//! size and modification time, so that an unchanged photo is not even read
//! again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::source::Info;

/// Bumped when the index's form changes.
const INDEX_VERSION: u32 = 1;
const INDEX_FILE: &str = "index.json";

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    version: u32,
    /// Site-relative source path → what it was when last read.
    sources: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    len: u64,
    modified_ns: u64,
    hash: u64,
    info: Info,
}

/// A file's size and modification time: when both are unchanged, its bytes
/// are taken to be too (as git and make do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub modified_ns: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        Stamp {
            len: meta.len(),
            modified_ns,
        }
    }
}

pub struct Cache {
    dir: PathBuf,
    index: Mutex<(Index, bool)>,
}

impl Cache {
    /// Opens the cache in `dir` (created when something is first stored).
    /// An unreadable or outdated index is simply started again.
    pub fn open(dir: PathBuf) -> Cache {
        let index = std::fs::read(dir.join(INDEX_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Index>(&bytes).ok())
            .filter(|i| i.version == INDEX_VERSION)
            .unwrap_or(Index {
                version: INDEX_VERSION,
                sources: BTreeMap::new(),
            });
        Cache {
            dir,
            index: Mutex::new((index, false)),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The hash and header of a source, if it is unchanged since last read.
    pub fn source(&self, shown: &str, stamp: Stamp) -> Option<(u64, Info)> {
        let guard = self.index.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .0
            .sources
            .get(shown)
            .filter(|e| e.len == stamp.len && e.modified_ns == stamp.modified_ns)
            .map(|e| (e.hash, e.info))
    }

    pub fn remember(&self, shown: &str, stamp: Stamp, hash: u64, info: Info) {
        let entry = Entry {
            len: stamp.len,
            modified_ns: stamp.modified_ns,
            hash,
            info,
        };
        let mut guard = self.index.lock().unwrap_or_else(|e| e.into_inner());
        if guard.0.sources.get(shown) != Some(&entry) {
            guard.0.sources.insert(shown.to_string(), entry);
            guard.1 = true;
        }
    }

    /// Where the processed file with this name lives.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The size of a processed file, if the cache has it.
    pub fn len(&self, name: &str) -> Option<u64> {
        std::fs::metadata(self.file(name))
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    }

    /// Stores a processed file; written under a temporary name first, so a
    /// build interrupted halfway never leaves a truncated file behind.
    pub fn store(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        crate::replace_file::replace(&self.dir.join(name), |out| {
            std::io::Write::write_all(out, bytes)
        })
    }

    /// Writes the index if it changed.
    pub fn save(&self) -> std::io::Result<()> {
        let mut guard = self.index.lock().unwrap_or_else(|e| e.into_inner());
        if !guard.1 {
            return Ok(());
        }
        let json = serde_json::to_vec(&guard.0).map_err(std::io::Error::other)?;
        self.store(INDEX_FILE, &json)?;
        guard.1 = false;
        Ok(())
    }
}
