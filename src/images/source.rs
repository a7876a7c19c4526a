//! Source images: what a file is (format, size as shown, transparency),
//! read from its header without decoding the pixels; and the full decode,
//! upright, for processing.

use std::io::Cursor;
use std::path::PathBuf;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use serde::{Deserialize, Serialize};

/// Images over this many pixels are refused: decoding one takes hundreds of
/// megabytes, and no page needs it.
pub const MAX_PIXELS: u64 = 40_000_000;

/// What kind of file a source image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
    /// Copied as it is (it may be animated).
    Gif,
    /// Copied as it is.
    Svg,
}

impl Kind {
    /// Raster images are resized and re-encoded; the others are copied.
    pub fn is_processed(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png | Kind::Webp)
    }

    /// The format's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Jpeg => "JPEG",
            Kind::Png => "PNG",
            Kind::Webp => "WebP",
            Kind::Gif => "GIF",
            Kind::Svg => "SVG",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Webp => "webp",
            Kind::Gif => "gif",
            Kind::Svg => "svg",
        }
    }
}

/// What the header says, with width and height as the image is shown (after
/// its EXIF orientation). An SVG without a size has 0 × 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Info {
    pub kind: Kind,
    pub width: u32,
    pub height: u32,
    pub alpha: bool,
}

/// A source image found for a reference.
#[derive(Debug, Clone)]
pub struct SourceImage {
    /// Absolute path of the file.
    pub path: PathBuf,
    /// Site-relative path, for messages.
    pub shown: String,
    /// The file name without extension, made URL-safe, for output names.
    pub stem: String,
    /// xxh3 of the file's bytes.
    pub hash: u64,
    pub info: Info,
}

/// Reads what the header of an image says. The error is a sentence for the
/// user ("is not a JPEG, PNG, WebP, GIF or SVG image").
pub fn probe(bytes: &[u8], extension: &str) -> Result<Info, String> {
    if extension.eq_ignore_ascii_case("svg") {
        return probe_svg(bytes);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let kind = match reader.format() {
        Some(ImageFormat::Jpeg) => Kind::Jpeg,
        Some(ImageFormat::Png) => Kind::Png,
        Some(ImageFormat::WebP) => Kind::Webp,
        Some(ImageFormat::Gif) => Kind::Gif,
        Some(other) => {
            return Err(format!(
            "is a {other:?} image, which Knotwork cannot process: use JPEG, PNG, WebP, GIF or SVG"
        ))
        }
        None => return Err("is not a JPEG, PNG, WebP, GIF or SVG image".into()),
    };
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| format!("cannot be read as {}: {e}", kind.name()))?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err("has no pixels (its width or height is 0)".into());
    }
    let alpha = decoder.color_type().has_alpha();
    // A damaged EXIF block is not worth refusing the photo for: it is then
    // shown as stored.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let (width, height) = if turns_sideways(orientation) {
        (h, w)
    } else {
        (w, h)
    };
    Ok(Info {
        kind,
        width,
        height,
        alpha,
    })
}

fn turns_sideways(o: image::metadata::Orientation) -> bool {
    use image::metadata::Orientation::*;
    matches!(o, Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH)
}

/// The pixel count check, with the message for the user.
pub fn check_size(info: &Info) -> Result<(), String> {
    let pixels = u64::from(info.width) * u64::from(info.height);
    if info.kind.is_processed() && pixels > MAX_PIXELS {
        return Err(format!(
            "is {:.1} megapixels ({}×{}); images over {} megapixels are refused so that the build does not run out of memory",
            pixels as f64 / 1e6,
            info.width,
            info.height,
            MAX_PIXELS / 1_000_000
        ));
    }
    Ok(())
}

/// The whole image, decoded and turned upright, with decoding memory capped.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4 + (64 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// An SVG's size from its `width`/`height` (plain numbers or px), else its
/// `viewBox`; 0 × 0 when it has neither.
fn probe_svg(bytes: &[u8]) -> Result<Info, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "is not a UTF-8 SVG file".to_string())?;
    let doc = roxmltree::Document::parse(text).map_err(|e| format!("is not a valid SVG: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" {
        return Err("is not an SVG image (its root element is not <svg>)".into());
    }
    let length = |name: &str| {
        root.attribute(name)
            .map(|v| v.trim().trim_end_matches("px"))
            .and_then(|v| v.parse::<f64>().ok())
    };
    let view_box = root.attribute("viewBox").and_then(|v| {
        let n: Vec<f64> = v
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        (n.len() == 4).then(|| (n[2], n[3]))
    });
    let (width, height) = match (length("width"), length("height"), view_box) {
        (Some(w), Some(h), _) => (w, h),
        (_, _, Some((w, h))) => (w, h),
        _ => (0.0, 0.0),
    };
    Ok(Info {
        kind: Kind::Svg,
        width: width.round().max(0.0) as u32,
        height: height.round().max(0.0) as u32,
        alpha: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_size_from_attributes_or_view_box() {
        let info = probe(
            br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 150"/>"#,
            "svg",
        )
        .unwrap();
        assert_eq!((info.width, info.height), (300, 150));
        let info = probe(
            br#"<svg xmlns="http://www.w3.org/2000/svg" width="40px" height="20"/>"#,
            "svg",
        )
        .unwrap();
        assert_eq!((info.width, info.height), (40, 20));
        assert!(probe(b"<html/>", "svg").is_err());
    }

    #[test]
    fn garbage_is_not_an_image() {
        let e = probe(b"this is text, not a photo", "jpg").unwrap_err();
        assert!(e.contains("not a JPEG"), "{e}");
    }
}
