//! Making the registered outputs: decode each source once, resize it to
//! every size asked for (largest first, each from the one before when that
//! is still at least as large), encode, and store in the cache. Sources are
//! processed in parallel; a progress bar shows on a terminal.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    // One group per source file, in a stable order.
    let mut by_source: BTreeMap<PathBuf, Vec<(String, Output)>> = BTreeMap::new();
    for (path, output) in outputs {
        by_source
            .entry(output.source.path.clone())
            .or_default()
            .push((path, output));
    }
    let todo: Vec<&Vec<(String, Output)>> = by_source
        .values()
        .filter(|group| {
            group
                .iter()
                .any(|(_, o)| !cache.file(&o.cache_name).is_file())
        })
        .collect();
    let made = AtomicUsize::new(0);
    let progress = progress_bar(todo.len());
    let problems: Vec<Diagnostic> = todo
        .par_iter()
        .filter_map(|group| {
            let result = make_group(cache, settings, group, &made);
            progress.inc(1);
            result.err()
        })
        .collect();
    progress.finish_and_clear();
    if !problems.is_empty() {
        return Err(problems);
    }
    let made = made.into_inner();
    let mut files = Vec::new();
    for (path, output) in by_source.into_values().flatten() {
        let from = cache.file(&output.cache_name);
        let len = std::fs::metadata(&from).map(|m| m.len()).map_err(|e| {
            vec![Diagnostic::error(format!(
                "the processed image {} vanished from the cache: {e}",
                from.display()
            ))]
        })?;
        files.push(CopiedFile { path, from, len });
    }
    let reused = files.len() - made.min(files.len());
    Ok(Processed {
        files,
        made,
        reused,
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

/// Makes the missing outputs of one source.
fn make_group(
    cache: &Cache,
    settings: &Settings,
    group: &[(String, Output)],
    made: &AtomicUsize,
) -> Result<(), Diagnostic> {
    let source = &group[0].1.source;
    let fail = |why: String| Diagnostic::error(format!("the image {} {why}", source.shown));
    let bytes = std::fs::read(&source.path).map_err(|e| fail(format!("cannot be read: {e}")))?;
    if xxhash_rust::xxh3::xxh3_64(&bytes) != source.hash {
        return Err(fail(
            "changed while the site was being built; build again".into(),
        ));
    }
    let missing: Vec<&Output> = group
        .iter()
        .map(|(_, o)| o)
        .filter(|o| !cache.file(&o.cache_name).is_file())
        .collect();
    let store = |o: &Output, data: &[u8]| {
        cache
            .store(&o.cache_name, data)
            .map_err(|e| Diagnostic::error(format!("cannot write the image cache: {e}")))?;
        made.fetch_add(1, Ordering::Relaxed);
        Ok::<(), Diagnostic>(())
    };
    if missing.iter().all(|o| o.op == Op::Copy) {
        for o in missing {
            store(o, &bytes)?;
        }
        return Ok(());
    }
    let image = super::source::decode(&bytes)
        .map_err(|e| fail(format!("is damaged or not a complete image ({e})")))?;
    drop(bytes);
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
            Op::Copy => store(o, &std::fs::read(&source.path).unwrap_or_default())?,
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
    Ok(())
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
