//! Writes a blog of phone photos for the image benchmark
//! (scripts/bench_images.sh): N articles, each with its own 4032×3024 JPEG
//! (grain and gradients, like a photo, ~3 MB at quality 90) as its hero.
//!
//!     cargo run --release --example gen-photos -- DIR [N] [--no-images] [--search-off]
//!
//! `--no-images` writes the same articles without images: the baseline.
//! Search is on, as by default, unless `--search-off`.

use std::io::Cursor;
use std::path::Path;

use rayon::prelude::*;

const WIDTH: u32 = 4032;
const HEIGHT: u32 = 3024;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = Path::new(
        args.first()
            .expect("usage: gen-photos DIR [N] [--no-images]"),
    );
    let count: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100);
    let images = !args.iter().any(|a| a == "--no-images");
    let search = !args.iter().any(|a| a == "--search-off");
    std::fs::create_dir_all(dir.join("content/blog")).unwrap();
    std::fs::create_dir_all(dir.join("static/images")).unwrap();
    std::fs::write(
        dir.join("site.toml"),
        format!(
            "title = \"Photo bench\"\nbase_url = \"https://example.com/\"\n\n[search]\nenabled = {search}\n"
        ),
    )
    .unwrap();
    (0..count).into_par_iter().for_each(|i| {
        let front = if images {
            format!("image = \"/images/photo-{i:03}.jpg\"\nimage_alt = \"Photo {i}\"\n")
        } else {
            String::new()
        };
        std::fs::write(
            dir.join(format!("content/blog/photo-{i:03}.md")),
            format!("+++\ntitle = \"Photo {i}\"\ndate = 2026-01-01\n{front}+++\nA day at the studio, number {i}.\n"),
        )
        .unwrap();
        let path = dir.join(format!("static/images/photo-{i:03}.jpg"));
        if images && !path.exists() {
            std::fs::write(path, photo(i as u32)).unwrap();
        }
    });
}

/// Gradients with grain: compresses and decodes like a real photo.
fn photo(seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = image::RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let grain = (state % 24) as i32 - 12;
        let r = (x * 200 / WIDTH) as i32 + (seed % 40) as i32;
        let g = (y * 180 / HEIGHT) as i32 + 30;
        let b = ((x + y) * 120 / (WIDTH + HEIGHT)) as i32 + 60;
        let c = |v: i32| (v + grain).clamp(0, 255) as u8;
        image::Rgb([c(r), c(g), c(b)])
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out.into_inner()
}
