//! Images: every raster image a page shows is resized to the `[images]`
//! widths, encoded in the configured formats, turned upright and stripped of
//! its metadata (location included).
//!
//! The work is split in two so that pages can be written before any pixel
//! is decoded:
//!
//! - **request** (while linking and rendering): [`Library::picture`],
//!   [`Library::sharing`] and [`Library::resize`] find the file, read its
//!   header (cached by path, size and time), check it, and register the
//!   outputs the page will link to. Their names carry a key of the source's
//!   bytes and the settings, so a page knows every URL, width and height
//!   at once;
//! - **process** ([`Library::process`], after rendering, beside the search
//!   index): makes every registered output not already in the cache, in
//!   parallel, and hands back the files to copy into the output folder.

mod cache;
pub mod html;
mod process;
pub mod settings;
pub mod source;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

pub use cache::Cache;
pub use html::ImgOptions;
pub use settings::{check_config, Format, Settings};
use source::SourceImage;

use crate::diagnostics::{closest, Diagnostic};
use crate::output::{normalize, CopiedFile};

/// Output images live under this folder of the output.
pub const OUTPUT_DIR: &str = "img";
/// The size of the sharing image (Open Graph, JSON-LD): what social sites
/// show in a link preview.
pub const SHARING_SIZE: (u32, u32) = (1200, 630);
/// Changes whenever encoders or their settings change, so that cached files
/// made the old way are not reused.
const PIPELINE_VERSION: &str = "knotwork-images-2";

/// What a page needs to show an image: every URL with its width, for
/// `srcset`, and the size of the largest, for `width`/`height`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Picture {
    /// The largest image in the fallback format (the last of `formats`).
    pub src: String,
    /// `srcset` in the fallback format; empty for images copied as they are.
    pub srcset: String,
    /// Width and height of the largest; 0 when unknown (an SVG without a
    /// size, an image on another site).
    pub width: u32,
    pub height: u32,
    /// The preferred formats, before the fallback, for `<picture>`.
    pub sources: Vec<PictureSource>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PictureSource {
    /// `image/webp`, …
    pub mime: String,
    pub srcset: String,
}

/// One resized image: for sharing cards and `resize_image()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resized {
    /// Root-relative link (with the base path).
    pub url: String,
    /// Output-relative path: `img/room-1200x630.3f9a2c01de.jpg`.
    pub path: String,
    pub width: u32,
    pub height: u32,
    pub orig_width: u32,
    pub orig_height: u32,
}

/// How `resize_image()` fits an image into the size asked for (Zola's
/// operations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Exactly this width; height follows the aspect ratio.
    FitWidth,
    /// Exactly this height; width follows.
    FitHeight,
    /// Within the box, keeping the aspect ratio.
    Fit,
    /// Covering the box, cropped to it from the centre.
    Fill,
    /// Both sizes as given, distorting.
    Scale,
}

impl Fit {
    pub fn parse(name: &str) -> Option<Fit> {
        Some(match name {
            "fit_width" => Fit::FitWidth,
            "fit_height" => Fit::FitHeight,
            "fit" => Fit::Fit,
            "fill" => Fit::Fill,
            "scale" => Fit::Scale,
            _ => return None,
        })
    }
}

/// How one output file is made from its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    /// The source's bytes as they are (SVG, GIF).
    Copy,
    /// Resized to exactly this size; `crop` cuts the source to the aspect
    /// ratio first, from the centre.
    Resize {
        width: u32,
        height: u32,
        crop: bool,
        format: Format,
    },
}

#[derive(Debug, Clone)]
struct Output {
    source: Arc<SourceImage>,
    op: Op,
    /// Names the file in the cache.
    cache_name: String,
}

/// What [`Library::process`] did.
#[derive(Debug, Default)]
pub struct Processed {
    /// Every image file of the output, to copy from the cache.
    pub files: Vec<CopiedFile>,
    /// Files encoded (or copied) by this build.
    pub made: usize,
    /// Files taken from the cache.
    pub reused: usize,
}

#[derive(Default)]
struct State {
    /// Absolute source path → the source, or why it cannot be used.
    sources: HashMap<PathBuf, Result<Arc<SourceImage>, String>>,
    /// Output path → how to make it.
    outputs: BTreeMap<String, Output>,
    /// Image files under the static folders, `/`-rooted, for suggestions.
    static_images: Option<Vec<String>>,
}

/// The site's images: finds, checks and registers them, then processes
/// them. Shared by every stage of one build (and kept by `serve`).
pub struct Library {
    root: PathBuf,
    /// Where `/…` paths are looked up, first match wins: the site's
    /// `static/`, then the theme's.
    static_dirs: Vec<PathBuf>,
    base_path: String,
    settings: Settings,
    cache: Cache,
    state: Mutex<State>,
}

const IMAGE_EXTENSIONS: [&str; 7] = ["jpg", "jpeg", "png", "webp", "gif", "svg", "avif"];

fn is_image_file(path: &str) -> bool {
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Library")
            .field("root", &self.root)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Library {
    /// `static_dirs`: absolute folders for `/…` paths, first match wins.
    pub fn new(
        root: &Path,
        static_dirs: Vec<PathBuf>,
        base_path: &str,
        settings: Settings,
        cache_dir: PathBuf,
    ) -> Library {
        Library {
            root: root.to_path_buf(),
            static_dirs,
            base_path: base_path.to_string(),
            settings,
            cache: Cache::open(cache_dir),
            state: Mutex::new(State::default()),
        }
    }

    /// The library of a site: `/…` in its `static/` and then its theme's,
    /// the cache in `.knotwork-cache/images/`.
    pub fn for_site(config: &crate::config::Config) -> Library {
        let root = std::path::absolute(&config.root).unwrap_or_else(|_| config.root.clone());
        let static_dirs = vec![
            root.join("static"),
            root.join("themes").join(&config.site.theme).join("static"),
        ];
        Library::new(
            &root,
            static_dirs,
            &config.base.path,
            Settings::from_config(&config.site.images),
            root.join(".knotwork-cache").join("images"),
        )
    }

    /// A library with no files: every image is "not found". For fuzzing
    /// and tests of the Markdown stage alone.
    pub fn without_files() -> Library {
        let nowhere = PathBuf::from("/nonexistent/knotwork-site");
        Library::new(
            &nowhere,
            Vec::new(),
            "",
            Settings::from_config(&crate::config::ImagesConfig::default()),
            nowhere.join("cache"),
        )
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A responsive picture for `src` as written in the file `from`
    /// (site-relative; a relative `src` is looked up beside it). Links to
    /// other sites are passed through. The error has no location: the
    /// caller knows where `src` is written.
    pub fn picture(&self, src: &str, from: &Path) -> Result<Picture, Diagnostic> {
        if is_external(src) {
            return Ok(Picture {
                src: src.to_string(),
                srcset: String::new(),
                width: 0,
                height: 0,
                sources: Vec::new(),
            });
        }
        let source = self.source(src, from)?;
        let info = source.info;
        if !info.kind.is_processed() {
            let path = self.register(&source, Op::Copy);
            return Ok(Picture {
                src: self.link(&path),
                srcset: String::new(),
                width: info.width,
                height: info.height,
                sources: Vec::new(),
            });
        }
        let widths = self.widths_for(info.width);
        let formats: Vec<Format> = self
            .settings
            .formats
            .iter()
            .map(|f| f.for_alpha(info.alpha))
            .collect();
        let mut srcsets = Vec::with_capacity(formats.len());
        let mut largest = (String::new(), 0, 0);
        for &format in &formats {
            let mut entries = Vec::with_capacity(widths.len());
            for &width in &widths {
                let height = scaled_height(info.width, info.height, width);
                let op = Op::Resize {
                    width,
                    height,
                    crop: false,
                    format,
                };
                let link = self.link(&self.register(&source, op));
                entries.push(format!("{link} {width}w"));
                largest = (link, width, height);
            }
            srcsets.push((format, entries.join(", ")));
        }
        let (fallback_format, srcset) = srcsets.pop().expect("formats are never empty");
        debug_assert_eq!(Some(&fallback_format), formats.last());
        Ok(Picture {
            src: largest.0,
            srcset,
            width: largest.1,
            height: largest.2,
            sources: srcsets
                .into_iter()
                .map(|(format, srcset)| PictureSource {
                    mime: format.mime().to_string(),
                    srcset,
                })
                .collect(),
        })
    }

    /// The image cut to 1200 × 630 (less for a smaller image, never
    /// upscaled) as a JPEG: what link previews show.
    pub fn sharing(&self, src: &str, from: &Path) -> Result<Resized, Diagnostic> {
        if is_external(src) {
            return Ok(Resized {
                url: src.to_string(),
                path: src.to_string(),
                width: 0,
                height: 0,
                orig_width: 0,
                orig_height: 0,
            });
        }
        let source = self.source(src, from)?;
        let info = source.info;
        if !info.kind.is_processed() {
            let path = self.register(&source, Op::Copy);
            return Ok(self.resized(&source, path, info.width, info.height));
        }
        let (tw, th) = SHARING_SIZE;
        // The largest 1200:630 box inside the image, shrunk to 1200 wide.
        let (mut w, mut h) = (info.width, scaled_height(tw, th, info.width));
        if h > info.height {
            (w, h) = (
                (u64::from(info.height) * u64::from(tw) / u64::from(th)) as u32,
                info.height,
            );
        }
        if w > tw {
            (w, h) = (tw, th);
        }
        let format = Format::Jpeg.for_alpha(info.alpha);
        let op = Op::Resize {
            width: w.max(1),
            height: h.max(1),
            crop: true,
            format,
        };
        let path = self.register(&source, op);
        Ok(self.resized(&source, path, w.max(1), h.max(1)))
    }

    /// `resize_image()` for templates: one image of the size asked for.
    /// Never upscales: a size beyond the original is capped at it.
    pub fn resize(
        &self,
        src: &str,
        width: Option<u32>,
        height: Option<u32>,
        fit: Fit,
        format: Option<Format>,
    ) -> Result<Resized, Diagnostic> {
        let src = if src.starts_with('/') || is_external(src) {
            src.to_string()
        } else {
            format!("/{src}")
        };
        let source = self.source(&src, Path::new("templates"))?;
        let info = source.info;
        if !info.kind.is_processed() {
            let path = self.register(&source, Op::Copy);
            return Ok(self.resized(&source, path, info.width, info.height));
        }
        let (w0, h0) = (info.width, info.height);
        let need = |v: Option<u32>, what: &str| {
            v.filter(|v| *v > 0).ok_or_else(|| {
                Diagnostic::error(format!(
                    "resize_image of `{src}` needs a {what} greater than 0"
                ))
            })
        };
        let (w, h, crop) = match fit {
            Fit::FitWidth => {
                let w = need(width, "width")?.min(w0);
                (w, scaled_height(w0, h0, w), false)
            }
            Fit::FitHeight => {
                let h = need(height, "height")?.min(h0);
                (scaled_height(h0, w0, h), h, false)
            }
            Fit::Fit => {
                let (bw, bh) = (need(width, "width")?, need(height, "height")?);
                let scale = (f64::from(bw) / f64::from(w0))
                    .min(f64::from(bh) / f64::from(h0))
                    .min(1.0);
                let w = ((f64::from(w0) * scale).round() as u32).max(1);
                let h = ((f64::from(h0) * scale).round() as u32).max(1);
                (w, h, false)
            }
            Fit::Fill => {
                // The box, shrunk (keeping its shape) until the image covers it.
                let (bw, bh) = (need(width, "width")?, need(height, "height")?);
                let scale = (f64::from(w0) / f64::from(bw))
                    .min(f64::from(h0) / f64::from(bh))
                    .min(1.0);
                let w = ((f64::from(bw) * scale).round() as u32).clamp(1, w0);
                let h = ((f64::from(bh) * scale).round() as u32).clamp(1, h0);
                (w, h, true)
            }
            Fit::Scale => (
                need(width, "width")?.min(w0),
                need(height, "height")?.min(h0),
                false,
            ),
        };
        let format = format
            .unwrap_or(*self.settings.formats.last().expect("never empty"))
            .for_alpha(info.alpha);
        let op = Op::Resize {
            width: w,
            height: h,
            crop,
            format,
        };
        let path = self.register(&source, op);
        Ok(self.resized(&source, path, w, h))
    }

    fn resized(&self, source: &SourceImage, path: String, width: u32, height: u32) -> Resized {
        Resized {
            url: self.link(&path),
            path,
            width,
            height,
            orig_width: source.info.width,
            orig_height: source.info.height,
        }
    }

    /// The widths an image of `width` pixels gets: the configured ones
    /// below it, and itself when it is no wider than the largest (so a
    /// small image keeps its size, and a large one is never sent whole).
    fn widths_for(&self, width: u32) -> Vec<u32> {
        let mut widths: Vec<u32> = self
            .settings
            .widths
            .iter()
            .copied()
            .filter(|w| *w < width)
            .collect();
        if width <= self.settings.largest_width() {
            widths.push(width);
        }
        widths
    }

    fn link(&self, output_path: &str) -> String {
        format!("{}/{output_path}", self.base_path)
    }

    /// Registers an output of `source`; returns its output path.
    fn register(&self, source: &Arc<SourceImage>, op: Op) -> String {
        let key = xxhash_rust::xxh3::xxh3_64(
            format!(
                "{PIPELINE_VERSION}/{:016x}/{op:?}/{}",
                source.hash, self.settings.quality
            )
            .as_bytes(),
        );
        let (suffix, extension) = match op {
            Op::Copy => (String::new(), source.info.kind.extension()),
            Op::Resize {
                width,
                height,
                crop: true,
                format,
            } => (format!("-{width}x{height}"), format.extension()),
            Op::Resize { width, format, .. } => (format!("-{width}"), format.extension()),
        };
        let short = format!("{key:016x}");
        let path = format!(
            "{OUTPUT_DIR}/{}{suffix}.{}.{extension}",
            source.stem,
            &short[..10]
        );
        self.state().outputs.entry(path.clone()).or_insert(Output {
            source: source.clone(),
            op,
            cache_name: format!("{short}.{extension}"),
        });
        path
    }

    /// Finds, reads the header of, and checks the file `src` names.
    fn source(&self, src: &str, from: &Path) -> Result<Arc<SourceImage>, Diagnostic> {
        let path = self.locate(src, from)?;
        if let Some(known) = self.state().sources.get(&path) {
            return known.clone().map_err(Diagnostic::error);
        }
        let shown = path
            .strip_prefix(&self.root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let result = self.read_source(&path, &shown);
        self.state().sources.insert(path, result.clone());
        result.map_err(Diagnostic::error)
    }

    fn read_source(&self, path: &Path, shown: &str) -> Result<Arc<SourceImage>, String> {
        let meta =
            std::fs::metadata(path).map_err(|e| format!("cannot read the image {shown}: {e}"))?;
        let stamp = cache::Stamp::of(&meta);
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (hash, info) = match self.cache.source(shown, stamp) {
            Some(known) => known,
            None => {
                let bytes = std::fs::read(path)
                    .map_err(|e| format!("cannot read the image {shown}: {e}"))?;
                let info = source::probe(&bytes, &extension)
                    .map_err(|why| format!("the image {shown} {why}"))?;
                let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
                self.cache.remember(shown, stamp, hash, info);
                (hash, info)
            }
        };
        source::check_size(&info).map_err(|why| format!("the image {shown} {why}"))?;
        let stem = path
            .file_stem()
            .map(|s| crate::ids::slugify(&s.to_string_lossy()))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "image".to_string());
        Ok(Arc::new(SourceImage {
            path: path.to_path_buf(),
            shown: shown.to_string(),
            stem,
            hash,
            info,
        }))
    }

    /// The file `src` names: `/…` in the static folders, anything else
    /// beside `from`. Never outside the site.
    fn locate(&self, src: &str, from: &Path) -> Result<PathBuf, Diagnostic> {
        let decoded = percent_encoding::percent_decode_str(src)
            .decode_utf8_lossy()
            .into_owned();
        let written = decoded.split(['?', '#']).next().unwrap_or("").trim();
        if written.is_empty() {
            return Err(Diagnostic::error("the image path is empty"));
        }
        if written.contains('\\') {
            return Err(Diagnostic::error(format!(
                "the image path `{src}` uses `\\`: write paths with `/`"
            )));
        }
        let candidates: Vec<PathBuf> = match written.strip_prefix('/') {
            Some(rest) => self.static_dirs.iter().map(|d| d.join(rest)).collect(),
            None => {
                let dir = from.parent().unwrap_or(Path::new(""));
                vec![self.root.join(dir).join(written)]
            }
        };
        for candidate in &candidates {
            let normal = normalize(candidate);
            if !normal.starts_with(&self.root) {
                return Err(Diagnostic::error(format!(
                    "the image path `{src}` leads outside the site folder"
                )));
            }
            if normal.is_file() {
                return Ok(normal);
            }
        }
        Err(self.missing(src, written, from))
    }

    /// "Image not found", with where it was looked for and the closest file.
    fn missing(&self, src: &str, written: &str, from: &Path) -> Diagnostic {
        let (looked, nearby): (String, Vec<String>) = match written.strip_prefix('/') {
            Some(rest) => {
                let mut state = self.state();
                let known = state
                    .static_images
                    .get_or_insert_with(|| list_images(&self.static_dirs, "/"))
                    .clone();
                let looked = self
                    .static_dirs
                    .iter()
                    .filter_map(|d| d.strip_prefix(&self.root).ok())
                    .map(|d| format!("{}/{rest}", d.display()))
                    .collect::<Vec<_>>()
                    .join(" and ");
                (looked, known)
            }
            None => {
                let dir = from.parent().unwrap_or(Path::new(""));
                let looked = dir.join(written).display().to_string();
                let beside = list_images(&[self.root.join(dir)], "");
                (looked, beside)
            }
        };
        let d = Diagnostic::error(format!("image not found: `{src}` (looked for {looked})"));
        // Paths share their folders (`/images/…`), which makes any two
        // look alike: the file's own name must be close too.
        let file_name = |path: &str| path.rsplit('/').next().unwrap_or(path).to_string();
        let best = closest(written, nearby.iter().map(String::as_str))
            .filter(|best| closest(&file_name(written), [file_name(best).as_str()]).is_some());
        match best {
            Some(best) => d.help(format!("did you mean `{best}`?")),
            None if written.starts_with('/') => d.help(format!(
                "a path starting with `/` is in the site's static/ folder: put the image at static{written}"
            )),
            None => d.help(format!(
                "a relative path means the folder of {}; put the image there, or start the path with `/` for static/",
                from.display()
            )),
        }
    }

    /// Site-relative paths of the static files that were processed: their
    /// originals (location data and all) are not published.
    pub fn processed_static_files(&self) -> HashSet<String> {
        let state = self.state();
        state
            .outputs
            .values()
            .filter(|o| o.source.info.kind.is_processed())
            .filter_map(|o| {
                self.static_dirs
                    .iter()
                    .find_map(|d| o.source.path.strip_prefix(d).ok())
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
            })
            .collect()
    }

    /// The output paths of every image registered so far, sorted.
    pub fn output_paths(&self) -> Vec<String> {
        self.state().outputs.keys().cloned().collect()
    }

    /// Site-relative paths of every source image a page uses, for `serve`
    /// to know which edits concern images.
    pub fn source_files(&self) -> Vec<PathBuf> {
        let state = self.state();
        let mut files: Vec<PathBuf> = state
            .outputs
            .values()
            .map(|o| o.source.path.clone())
            .collect();
        files.sort();
        files.dedup();
        files
    }

    /// Saves what was learnt of the sources, so the next build need not
    /// read unchanged files again.
    pub fn save_cache_index(&self) -> Result<(), Diagnostic> {
        self.cache.save().map_err(|e| self.cache_error(e))
    }

    fn cache_error(&self, e: std::io::Error) -> Diagnostic {
        Diagnostic::error(format!(
            "cannot write the image cache {}: {e}",
            self.cache.dir().display()
        ))
        .help("check that the site folder is writable; delete .knotwork-cache to start afresh")
    }

    /// Makes every registered output not yet in the cache, in parallel;
    /// all problems are returned together.
    pub fn process(&self) -> Result<Processed, Vec<Diagnostic>> {
        let outputs: Vec<(String, Output)> = self
            .state()
            .outputs
            .iter()
            .map(|(p, o)| (p.clone(), o.clone()))
            .collect();
        let result = process::run(&self.cache, &self.settings, outputs);
        if let Err(e) = self.cache.save() {
            return Err(vec![self.cache_error(e)]);
        }
        result
    }
}

/// Height of an image of `w0`×`h0` scaled to `width`, at least 1.
fn scaled_height(w0: u32, h0: u32, width: u32) -> u32 {
    ((u64::from(h0) * u64::from(width) + u64::from(w0) / 2) / u64::from(w0)).max(1) as u32
}

fn is_external(src: &str) -> bool {
    src.starts_with("https://")
        || src.starts_with("http://")
        || src.starts_with("//")
        || src.starts_with("data:")
}

/// Image files under `dirs`, as `prefix` + relative path, sorted.
fn list_images(dirs: &[PathBuf], prefix: &str) -> Vec<String> {
    let mut found: Vec<String> = dirs
        .iter()
        .flat_map(|dir| {
            walkdir::WalkDir::new(dir)
                .min_depth(1)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .filter_map(move |e| {
                    let rel = e
                        .path()
                        .strip_prefix(dir)
                        .ok()?
                        .to_string_lossy()
                        .replace('\\', "/");
                    is_image_file(&rel).then(|| format!("{prefix}{rel}"))
                })
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_keep_the_aspect_ratio() {
        assert_eq!(scaled_height(4032, 3024, 1600), 1200);
        assert_eq!(scaled_height(3000, 1, 480), 1);
    }

    #[test]
    fn normalizes_without_the_disk() {
        assert_eq!(
            normalize(Path::new("/s/content/blog/../x.jpg")),
            Path::new("/s/content/x.jpg")
        );
    }
}
