//! Making the registered outputs: decode each source once, resize it to
//! every size asked for (largest first, each from the one before when that
//! is still at least as large), encode, and store in the cache. Sources are
//! processed in parallel; a progress bar shows on a terminal.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use fast_image_resize as fr;
use rayon::prelude::*;

use super::cache::Cache;
use super::settings::{Format, Settings};
use super::Output;
use super::{Op, Processed};
use crate::diagnostics::Diagnostic;
use crate::output::CopiedFile;

/// libwebp's effort (see `encode`); measured in docs/performance.md.
const WEBP_METHOD: i32 = 2;

/// Pixels of an upright source or a resized copy: RGB, or RGBA when the
/// source has transparency.
struct Pixels {
    width: u32,
    height: u32,
    alpha: bool,
    data: Vec<u8>,
}

impl Pixels {
    fn pixel_type(&self) -> fr::PixelType {
        if self.alpha {
            fr::PixelType::U8x4
        } else {
            fr::PixelType::U8x3
        }
    }
}

pub(super) fn run(
    cache: &Cache,
    settings: &Settings,
    outputs: Vec<(String, Output)>,
) -> Result<Processed, Vec<Diagnostic>> {
    // What the cache has, by name and size: one look per output file.
    let mut cached: HashMap<String, u64> = outputs
        .par_iter()
        .filter_map(|(_, o)| Some((o.cache_name.clone(), cache.len(&o.cache_name)?)))
        .collect();
    // The rest, grouped by source file (each is decoded once), in a stable order.
    let mut missing: BTreeMap<&Path, Vec<&Output>> = BTreeMap::new();
    for (_, output) in &outputs {
        if !cached.contains_key(&output.cache_name) {
            missing.entry(&output.source.path).or_default().push(output);
        }
    }
    let progress = progress_bar(missing.len());
    let results: Vec<Result<Vec<(String, u64)>, Diagnostic>> = missing
        .into_values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|group| {
            let result = make_group(cache, settings, &group);
            progress.inc(1);
            result
        })
        .collect();
    progress.finish_and_clear();
    let mut problems = Vec::new();
    let mut made = 0;
    for result in results {
        match result {
            Ok(stored) => {
                made += stored.len();
                cached.extend(stored);
            }
            Err(d) => problems.push(d),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let files: Vec<CopiedFile> = outputs
        .into_iter()
        .map(|(path, o)| CopiedFile {
            path,
            len: cached[&o.cache_name],
            from: cache.file(&o.cache_name),
        })
        .collect();
    Ok(Processed {
        reused: files.len().saturating_sub(made),
        files,
        made,
    })
}

/// Only on a terminal, and only when there is enough work to watch.
fn progress_bar(sources: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if sources < 4 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(sources as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("processing images {bar:30} {pos}/{len} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Makes the given outputs of one source and stores them in the cache;
/// returns their cache names and sizes.
fn make_group(
    cache: &Cache,
    settings: &Settings,
    missing: &[&Output],
) -> Result<Vec<(String, u64)>, Diagnostic> {
    let source = &missing[0].source;
    let fail = |why: String| Diagnostic::error(format!("the image {} {why}", source.shown));
    let bytes = std::fs::read(&source.path).map_err(|e| fail(format!("cannot be read: {e}")))?;
    if xxhash_rust::xxh3::xxh3_64(&bytes) != source.hash {
        return Err(fail(
            "changed while the site was being built; build again".into(),
        ));
    }
    let mut stored = Vec::with_capacity(missing.len());
    let mut store = |o: &Output, data: &[u8]| {
        cache
            .store(&o.cache_name, data)
            .map_err(|e| Diagnostic::error(format!("cannot write the image cache: {e}")))?;
        stored.push((o.cache_name.clone(), data.len() as u64));
        Ok::<(), Diagnostic>(())
    };
    // Files copied as they are (SVG, GIF) are never also resized.
    if !source.info.kind.is_processed() {
        for o in missing {
            store(o, &bytes)?;
        }
        return Ok(stored);
    }
    let image = super::source::decode(&bytes)
        .map_err(|e| fail(format!("is damaged or not a complete image ({e})")))?;
    let original = if source.info.alpha {
        let rgba = image.into_rgba8();
        Pixels {
            width: rgba.width(),
            height: rgba.height(),
            alpha: true,
            data: rgba.into_raw(),
        }
    } else {
        let rgb = image.into_rgb8();
        Pixels {
            width: rgb.width(),
            height: rgb.height(),
            alpha: false,
            data: rgb.into_raw(),
        }
    };
    // Plain resizes largest first, each made from the previous size while
    // that is still at least twice as large as needed (quality stays that
    // of resizing from the original; the work drops to a fraction).
    let mut resizes: Vec<&Output> = missing
        .iter()
        .copied()
        .filter(|o| matches!(o.op, Op::Resize { crop: false, .. }))
        .collect();
    resizes.sort_by_key(|o| std::cmp::Reverse(op_size(o.op)));
    let mut sizes: BTreeMap<(u32, u32), Pixels> = BTreeMap::new();
    for o in &resizes {
        let (w, h) = op_size(o.op);
        if !sizes.contains_key(&(w, h)) {
            let from = sizes
                .iter()
                .filter(|((sw, sh), _)| *sw >= w * 2 && *sh >= h * 2)
                .min_by_key(|((sw, _), _)| *sw)
                .map(|(_, p)| p)
                .unwrap_or(&original);
            let resized = resize(from, w, h, false).map_err(fail)?;
            sizes.insert((w, h), resized);
        }
    }
    for o in missing {
        match o.op {
            Op::Copy => store(o, &bytes)?,
            Op::Resize {
                width,
                height,
                crop,
                format,
            } => {
                let cropped;
                let pixels = if crop {
                    // From the smallest size already made that still covers
                    // the crop, rather than from the full photo again.
                    let from = sizes
                        .values()
                        .filter(|p| p.width >= width && p.height >= height)
                        .min_by_key(|p| p.width)
                        .unwrap_or(&original);
                    cropped = resize(from, width, height, true).map_err(fail)?;
                    &cropped
                } else {
                    &sizes[&(width, height)]
                };
                let data = encode(pixels, format, settings.quality).map_err(fail)?;
                store(o, &data)?;
            }
        }
    }
    Ok(stored)
}

fn op_size(op: Op) -> (u32, u32) {
    match op {
        Op::Resize { width, height, .. } => (width, height),
        Op::Copy => (0, 0),
    }
}

/// Lanczos3 resize; `crop` first cuts the source to the target's aspect
/// ratio around its centre. A same-size "resize" is a copy.
fn resize(from: &Pixels, width: u32, height: u32, crop: bool) -> Result<Pixels, String> {
    if from.width == width && from.height == height {
        return Ok(Pixels {
            width,
            height,
            alpha: from.alpha,
            data: from.data.clone(),
        });
    }
    let src = fr::images::ImageRef::new(from.width, from.height, &from.data, from.pixel_type())
        .map_err(|e| format!("cannot be resized: {e}"))?;
    let mut dst = fr::images::Image::new(width, height, from.pixel_type());
    let mut options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    if crop {
        options = options.fit_into_destination(Some((0.5, 0.5)));
    }
    fr::Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| format!("cannot be resized: {e}"))?;
    Ok(Pixels {
        width,
        height,
        alpha: from.alpha,
        data: dst.into_vec(),
    })
}

/// Encodes pixels; nothing but the pixels is written (no EXIF, no GPS, no
/// colour profile beyond the sRGB the browsers assume).
fn encode(p: &Pixels, format: Format, quality: u8) -> Result<Vec<u8>, String> {
    let too_big = || "is too large for the chosen format".to_string();
    match format {
        Format::Jpeg => {
            let mut out = Vec::new();
            let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
            encoder.set_progressive(true);
            encoder
                .encode(
                    &p.data,
                    u16::try_from(p.width).map_err(|_| too_big())?,
                    u16::try_from(p.height).map_err(|_| too_big())?,
                    if p.alpha {
                        jpeg_encoder::ColorType::Rgba
                    } else {
                        jpeg_encoder::ColorType::Rgb
                    },
                )
                .map_err(|e| format!("cannot be encoded as JPEG: {e}"))?;
            Ok(out)
        }
        Format::Webp => {
            let encoder = if p.alpha {
                webp::Encoder::from_rgba(&p.data, p.width, p.height)
            } else {
                webp::Encoder::from_rgb(&p.data, p.width, p.height)
            };
            let mut config =
                webp::WebPConfig::new().map_err(|_| "cannot set up WebP".to_string())?;
            config.quality = f32::from(quality);
            // libwebp's effort, 0–6 (cwebp's default is 4): lower trades a
            // little file size for speed; 2 cut cold builds by a third.
            config.method = WEBP_METHOD;
            let memory = encoder
                .encode_advanced(&config)
                .map_err(|e| format!("cannot be encoded as WebP: {e:?}"))?;
            Ok(memory.to_vec())
        }
        Format::Png => {
            use image::ImageEncoder;
            let mut out = Vec::new();
            let encoder = image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                image::codecs::png::CompressionType::Default,
                image::codecs::png::FilterType::Adaptive,
            );
            let color = if p.alpha {
                image::ExtendedColorType::Rgba8
            } else {
                image::ExtendedColorType::Rgb8
            };
            encoder
                .write_image(&p.data, p.width, p.height, color)
                .map_err(|e| format!("cannot be encoded as PNG: {e}"))?;
            Ok(out)
        }
        Format::Avif => {
            let encoder = ravif::Encoder::new()
                .with_quality(f32::from(quality))
                .with_speed(8);
            let (w, h) = (p.width as usize, p.height as usize);
            let encoded = if p.alpha {
                let pixels: Vec<ravif::RGBA8> = p
                    .data
                    .chunks_exact(4)
                    .map(|c| ravif::RGBA8::new(c[0], c[1], c[2], c[3]))
                    .collect();
                encoder.encode_rgba(ravif::Img::new(&pixels[..], w, h))
            } else {
                let pixels: Vec<ravif::RGB8> = p
                    .data
                    .chunks_exact(3)
                    .map(|c| ravif::RGB8::new(c[0], c[1], c[2]))
                    .collect();
                encoder.encode_rgb(ravif::Img::new(&pixels[..], w, h))
            };
            encoded
                .map(|e| e.avif_file)
                .map_err(|e| format!("cannot be encoded as AVIF: {e}"))
        }
    }
}
