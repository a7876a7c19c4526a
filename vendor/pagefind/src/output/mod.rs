use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::index::PagefindIndexes;
use crate::{SearchOptions, PAGEFIND_VERSION};
use futures::future::join_all;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use include_dir::{include_dir, Dir};
use tokio::fs::{create_dir_all, File};
use tokio::io::AsyncWriteExt;
use tokio::time::sleep;

mod entry;

const GENERIC_WEB_WASM: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/vendor/wasm/pagefind_web_bg.unknown.",
    env!("CARGO_PKG_VERSION"),
    ".wasm.gz"
));
const WEB_WASM_FILES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/vendor/wasm");

const WEB_UI_JS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/vendor/pagefind_ui.",
    env!("CARGO_PKG_VERSION"),
    ".js"
));
const WEB_UI_CSS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/vendor/pagefind_ui.",
    env!("CARGO_PKG_VERSION"),
    ".css"
));
const WEB_MODULAR_UI_JS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/vendor/pagefind_modular_ui.",
    env!("CARGO_PKG_VERSION"),
    ".js"
));
const WEB_MODULAR_UI_CSS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/vendor/pagefind_modular_ui.",
    env!("CARGO_PKG_VERSION"),
    ".css"
));
const COMPONENT_UI_JS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/vendor/pagefind_component_ui.",
    env!("CARGO_PKG_VERSION"),
    ".js"
));
const COMPONENT_UI_CSS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/vendor/pagefind_component_ui.",
    env!("CARGO_PKG_VERSION"),
    ".css"
));
const HIGHLIGHT_JS: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/vendor/pagefind_highlight.",
    env!("CARGO_PKG_VERSION"),
    ".js"
));

/// `pagefind.js` and `pagefind-worker.js`: the web and search scripts,
/// and the web and worker scripts, minified when the crate is built
/// (`build.rs`).
const PAGEFIND_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/pagefind.min.js"));
const PAGEFIND_WORKER_JS: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/pagefind-worker.min.js"));

pub struct LanguageMeta {
    pub page_count: usize,
    pub language: String,
    pub hash: String,
    pub wasm: Option<String>,
}

pub async fn write_common_to_disk(
    language_indexes: Vec<LanguageMeta>,
    output_playground: bool,
    outdir: &PathBuf,
    options: &SearchOptions,
) {
    write_common(language_indexes, output_playground, outdir, options, false).await;
}

pub async fn write_common_to_memory(
    language_indexes: Vec<LanguageMeta>,
    output_playground: bool,
    outdir: &PathBuf,
    options: &SearchOptions,
) -> Vec<SyntheticFile> {
    write_common(language_indexes, output_playground, outdir, options, true)
        .await
        .unwrap()
}

async fn write_common(
    language_indexes: Vec<LanguageMeta>,
    output_playground: bool,
    outdir: &PathBuf,
    options: &SearchOptions,
    synthetic: bool,
) -> Option<Vec<SyntheticFile>> {

    let entry_meta = entry::PagefindEntryMeta {
        version: PAGEFIND_VERSION,
        languages: BTreeMap::from_iter(language_indexes.into_iter().map(|i| {
            (
                i.language,
                entry::PagefindEntryLanguage {
                    hash: i.hash,
                    wasm: i.wasm,
                    page_count: i.page_count,
                },
            )
        })),
        include_characters: options.include_characters.clone(),
    };
    let encoded_entry_meta = serde_json::to_string(&entry_meta).unwrap();

    let write_behavior = if synthetic {
        WriteBehavior::Synthetic
    } else {
        WriteBehavior::Disk
    };

    let mut files = vec![
        write(
            outdir.join("pagefind.js"),
            vec![PAGEFIND_JS],
            Compress::None,
            write_behavior,
        ),
        write(
            outdir.join("pagefind-highlight.js"),
            vec![HIGHLIGHT_JS],
            Compress::None,
            write_behavior,
        ),
        write(
            outdir.join("pagefind-worker.js"),
            vec![PAGEFIND_WORKER_JS],
            Compress::None,
            write_behavior,
        ),
        write(
            outdir.join("pagefind-ui.js"),
            vec![WEB_UI_JS],
            Compress::None,
            write_behavior,
        ),
        write(
            outdir.join("pagefind-ui.css"),
            vec![WEB_UI_CSS],
            Compress::None,
            write_behavior,
        ),
        write(
            outdir.join("pagefind-modular-ui.js"),
            vec![WEB_MODULAR_UI_JS],
            Compress::None,
            write_behavior,
        ),
        write(
            outdir.join("pagefind-modular-ui.css"),
            vec![WEB_MODULAR_UI_CSS],
            Compress::None,
            write_behavior,
        ),
        write(
            outdir.join("pagefind-component-ui.js"),
            vec![COMPONENT_UI_JS],
            Compress::None,
            write_behavior,
        ),
        write(
            outdir.join("pagefind-component-ui.css"),
            vec![COMPONENT_UI_CSS],
            Compress::None,
            write_behavior,
        ),
        write(
            outdir.join("wasm.unknown.pagefind"),
            vec![GENERIC_WEB_WASM],
            Compress::None,
            write_behavior,
        ),
        write(
            outdir.join("pagefind-entry.json"),
            vec![encoded_entry_meta.as_bytes()],
            Compress::None,
            write_behavior,
        ),
    ];

    if output_playground {
        files.extend([
            write(
                outdir.join("playground/index.html"),
                vec![crate::playground::PLAYGROUND_HTML.as_bytes()],
                Compress::None,
                write_behavior,
            ),
            write(
                outdir.join("playground/pagefind-playground.js"),
                vec![crate::playground::PLAYGROUND_JS.as_bytes()],
                Compress::None,
                write_behavior,
            ),
            write(
                outdir.join("playground/pagefind-playground.css"),
                vec![crate::playground::PLAYGROUND_CSS.as_bytes()],
                Compress::None,
                write_behavior,
            ),
        ]);
    }

    let output_files = join_all(files).await;

    if synthetic {
        Some(output_files.into_iter().flatten().collect())
    } else {
        None
    }
}

impl PagefindIndexes {
    fn lang_wasm_path(&self) -> Option<String> {
        let base_language = self.language.split('-').next().unwrap();
        let wasm_path = format!(
            "pagefind_web_bg.{}.{}.wasm.gz",
            base_language,
            env!("CARGO_PKG_VERSION")
        );

        if WEB_WASM_FILES.contains(&wasm_path) {
            Some(wasm_path)
        } else {
            None
        }
    }

    pub fn get_lang_meta(&self, options: &SearchOptions) -> LanguageMeta {
        let mut wasm_file = None;

        if self.language != "unknown" {
            if self.lang_wasm_path().is_some() {
                wasm_file = Some(self.language.to_string());
            } else {
                options.logger.v_warn(format!(
                    "Note: Pagefind doesn't support stemming for the language {}. \n\
                    Search will still work, but will not match across root words.",
                    self.language
                ));
            }
        }

        LanguageMeta {
            page_count: self.page_count,
            language: self.language.clone(),
            hash: self.meta_index.0.clone(),
            wasm: wasm_file,
        }
    }

    pub async fn write_files_to_disk(&self, options: &SearchOptions, outdir: &PathBuf) {
        self.write_files(options, outdir, false, &PreviousFiles::none())
            .await;
    }

    pub async fn write_files_to_memory(
        &self,
        options: &SearchOptions,
        outdir: &PathBuf,
        previous: &PreviousFiles,
    ) -> Vec<SyntheticFile> {
        self.write_files(options, outdir, true, previous)
            .await
            .unwrap()
    }

    async fn write_files(
        &self,
        options: &SearchOptions,
        outdir: &PathBuf,
        synthetic: bool,
        previous: &PreviousFiles,
    ) -> Option<Vec<SyntheticFile>> {
        let immutable_write_behaviour = if synthetic {
            WriteBehavior::Synthetic
        } else {
            WriteBehavior::Immutable
        };

        // The index is thousands of small files, each gzipped: compress
        // them in parallel first (in this order: meta, fragments, words,
        // filters), then write them.
        let mut compressible: Vec<(PathBuf, &[u8], u32)> = vec![(
            outdir.join(format!("pagefind.{}.pf_meta", &self.meta_index.0)),
            &self.meta_index.1,
            GZIP_LEVEL,
        )];
        compressible.extend(self.fragments.iter().map(|(hash, fragment)| {
            (
                outdir.join(format!("fragment/{}.pf_fragment", hash)),
                fragment.as_bytes(),
                FRAGMENT_GZIP_LEVEL,
            )
        }));
        compressible.extend(self.word_indexes.iter().map(|(hash, index)| {
            (
                outdir.join(format!("index/{}.pf_index", hash)),
                index.as_slice(),
                WORD_INDEX_GZIP_LEVEL,
            )
        }));
        compressible.extend(self.filter_indexes.iter().map(|(hash, index)| {
            (
                outdir.join(format!("filter/{}.pf_filter", hash)),
                index.as_slice(),
                GZIP_LEVEL,
            )
        }));
        // For "immutable" (hashed) files, don't re-write them as the contents _should_ be unchanged.
        if !synthetic {
            compressible.retain(|(filename, _, _)| !filename.exists());
        }
        let mut compressed: Vec<(PathBuf, Vec<u8>)> = compressible
            .into_par_iter()
            .map(|(filename, contents, level)| {
                let gzipped = filename
                    .strip_prefix(outdir)
                    .ok()
                    .and_then(|name| previous.holding(name, contents))
                    .map(<[u8]>::to_vec)
                    .unwrap_or_else(|| gzip(contents, level));
                (filename, gzipped)
            })
            .collect();
        let rest = if compressed.is_empty() {
            vec![]
        } else {
            compressed.split_off(1)
        };

        let mut files = vec![];
        files.extend(compressed.iter().map(|(filename, contents)| {
            write(
                filename.clone(),
                vec![contents.as_slice()],
                Compress::None,
                immutable_write_behaviour,
            )
        }));

        if self.language != "unknown" {
            if let Some(wasm_path) = self.lang_wasm_path() {
                files.push(write(
                    outdir.join(format!("wasm.{}.pagefind", self.language)),
                    vec![WEB_WASM_FILES
                        .get_file(wasm_path)
                        .expect("WASM should exist")
                        .contents()],
                    Compress::None,
                    if synthetic {
                        WriteBehavior::Synthetic
                    } else {
                        WriteBehavior::Disk
                    },
                ));
            } else {
                options.logger.v_warn(format!(
                    "Note: Pagefind doesn't support stemming for the language {}. \n\
                    Search will still work, but will not match across root words.",
                    self.language
                ));
            }
        }

        files.extend(rest.iter().map(|(filename, contents)| {
            write(
                filename.clone(),
                vec![contents.as_slice()],
                Compress::None,
                immutable_write_behaviour,
            )
        }));

        let output_files = join_all(files).await;
        if synthetic {
            Some(output_files.into_iter().flatten().collect())
        } else {
            None
        }
    }
}

/// The files of an earlier in-memory build of the same index (by their
/// path within the bundle), whose compressed index files can be handed out
/// again instead of compressing the same data a second time.
///
/// Index files are named by a short hash of their contents, so an unchanged
/// page's fragment or an unchanged word chunk keeps its name from build to
/// build. A short hash can collide, so a file is reused only when its gzip
/// trailer also matches: the CRC-32 and length of the uncompressed data.
#[derive(Default)]
pub struct PreviousFiles {
    by_name: HashMap<PathBuf, Vec<u8>>,
}

impl PreviousFiles {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn new(files: Vec<SyntheticFile>) -> Self {
        PreviousFiles {
            by_name: files.into_iter().map(|f| (f.filename, f.contents)).collect(),
        }
    }

    /// The earlier compressed file named `name`, if it holds `contents`.
    fn holding(&self, name: &Path, contents: &[u8]) -> Option<&[u8]> {
        let gzipped = self.by_name.get(name)?;
        let trailer = gzipped.len().checked_sub(8).map(|at| &gzipped[at..])?;
        let crc = u32::from_le_bytes(trailer[..4].try_into().ok()?);
        let size = u32::from_le_bytes(trailer[4..].try_into().ok()?);
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(GZIP_MARKER);
        hasher.update(contents);
        let expected_size = (GZIP_MARKER.len() + contents.len()) as u32;
        (hasher.finalize() == crc && size == expected_size).then_some(gzipped.as_slice())
    }
}

/// Pagefind's compressed file format: `contents`, prefixed with the
/// `pagefind_dcd` marker the web side checks for, gzipped.
///
/// Compressed with libdeflate, which compresses a buffer held whole in
/// memory (all of these are) two to three times faster than zlib at the
/// same size. Each thread keeps its compressors (making one allocates its
/// match finder's tables) and two buffers, and the result is copied out at
/// its own size: a build gzips thousands of small files and keeps them
/// all, and a vector of libdeflate's bound, truncated, would hold about
/// three times the compressed bytes.
fn gzip(contents: &[u8], level: u32) -> Vec<u8> {
    use std::cell::RefCell;
    thread_local! {
        static GZIP: RefCell<Gzip> = RefCell::new(Gzip::default());
    }
    GZIP.with_borrow_mut(|gzip| gzip.compress(contents, level))
}

/// One thread's libdeflate compressors (by level) and buffers.
#[derive(Default)]
struct Gzip {
    compressors: Vec<(u32, libdeflater::Compressor)>,
    input: Vec<u8>,
    output: Vec<u8>,
}

impl Gzip {
    fn compress(&mut self, contents: &[u8], level: u32) -> Vec<u8> {
        self.input.clear();
        self.input.extend_from_slice(GZIP_MARKER);
        self.input.extend_from_slice(contents);
        let compressor = compressor(&mut self.compressors, level);
        let bound = compressor.gzip_compress_bound(self.input.len());
        self.output.resize(bound, 0);
        let size = compressor
            .gzip_compress(&self.input, &mut self.output)
            .expect("the output is as large as the bound libdeflate gives");
        self.output[..size].to_vec()
    }
}

/// The compressor for `level` among `compressors`, made on first use.
fn compressor(
    compressors: &mut Vec<(u32, libdeflater::Compressor)>,
    level: u32,
) -> &mut libdeflater::Compressor {
    let at = match compressors.iter().position(|(l, _)| *l == level) {
        Some(at) => at,
        None => {
            let lvl = libdeflater::CompressionLvl::new(level as i32)
                .expect("the levels below are libdeflate levels (1 to 12)");
            compressors.push((level, libdeflater::Compressor::new(lvl)));
            compressors.len() - 1
        }
    };
    &mut compressors[at].1
}

/// What every compressed file starts with, once uncompressed.
const GZIP_MARKER: &[u8] = b"pagefind_dcd";

/// libdeflate's default level: meta and filter files are small and few.
const GZIP_LEVEL: u32 = 6;

/// Fragments (one per page: its text as JSON, about 6 KB) are most of what
/// a clean build compresses. On the 10,000 fragments of a 10,000-article
/// build (60.4 MB), libdeflate's level 1 gave 20.13 MB in 0.67 s where
/// zlib-rs's level 3 (used before) gave 20.01 MB in 1.57 s, and its own
/// level 6 19.79 MB in 2.04 s.
const FRAGMENT_GZIP_LEVEL: u32 = 1;

/// Word index chunks are long runs of small CBOR integers, where deeper
/// searching finds little. On the 89 chunks of that build (21.7 MB),
/// libdeflate's level 1 gave 12.66 MB in 0.36 s, smaller than its levels
/// 2-4, where zlib-rs's level 3 (used before) gave 12.55 MB in 0.78 s.
/// They are most of the time a rebuild spends compressing: an edited page's
/// words are in most chunks.
const WORD_INDEX_GZIP_LEVEL: u32 = 1;

#[derive(Copy, Clone)]
enum Compress {
    /// Written as given (gzipped files are compressed before, by [`gzip`]).
    None,
}

#[derive(Copy, Clone)]
enum WriteBehavior {
    Synthetic,
    Immutable,
    Disk,
}

#[derive(Clone)]
pub struct SyntheticFile {
    pub filename: PathBuf,
    pub contents: Vec<u8>,
}

async fn write(
    filename: PathBuf,
    content_chunks: Vec<&[u8]>,
    compression: Compress,
    write_behavior: WriteBehavior,
) -> Option<SyntheticFile> {
    let mut file = None;

    match write_behavior {
        WriteBehavior::Synthetic => {}
        // For "immutable" (hashed) files, don't re-write them as the contents _should_ be unchanged.
        WriteBehavior::Immutable if filename.exists() => return None,
        WriteBehavior::Immutable | WriteBehavior::Disk => {
            if let Some(parent) = filename.parent() {
                create_dir_all(parent).await.unwrap();
            }

            let mut output_file = File::create(&filename).await;
            while output_file.is_err() {
                sleep(Duration::from_millis(100)).await;
                output_file = File::create(&filename).await;
            }
            file = output_file.ok();
        }
    };

    match compression {
        Compress::None => {
            if let Some(mut file) = file {
                for chunk in content_chunks {
                    file.write_all(chunk).await.unwrap();
                }
                // `write_all` resolving only means the bytes are in tokio's
                // buffer; the blocking-pool write to disk may still be in
                // flight. Flush before the file drops, or a service-mode
                // consumer can receive the WriteFiles acknowledgement and
                // close the process while a file is half written, shipping
                // a truncated asset.
                file.flush().await.unwrap();
                None
            } else {
                return Some(SyntheticFile {
                    filename,
                    // One copy of each chunk, not an iterator byte by byte.
                    contents: content_chunks.concat(),
                });
            }
        }
    }
}
