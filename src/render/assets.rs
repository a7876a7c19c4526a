//! The theme's assets as the site publishes them: stylesheets and scripts
//! under names with a hash of their content, so hosts can cache them forever.

use std::collections::{BTreeMap, HashMap};

use crate::graph::Site;
use crate::output::OutputFile;
use crate::theme::Theme;

/// Asset files whose names get a content hash, so hosts can cache them
/// forever: a changed file gets a new name.
pub(super) fn is_fingerprinted(path: &str) -> bool {
    path.ends_with(".css") || path.ends_with(".js")
}

/// Static files with their output names (fingerprinted where it applies).
pub struct Assets {
    pub files: Vec<OutputFile>,
    /// Photos and media of the static folders, copied by path.
    pub media: Vec<crate::output::CopiedFile>,
    /// Source path → output path.
    pub(super) names: HashMap<String, String>,
}

pub fn assets(site: &Site, theme: &Theme) -> Assets {
    let mut all: BTreeMap<String, Vec<u8>> = theme.assets.clone();
    all.insert(
        "css/highlight.css".into(),
        crate::markdown::highlight::theme_css(&site.config.site.markdown.highlight_theme)
            .into_bytes(),
    );
    let mut files = Vec::with_capacity(all.len());
    let mut names = HashMap::with_capacity(all.len());
    for (path, bytes) in all {
        let out = if is_fingerprinted(&path) {
            let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
            let (stem, ext) = path.rsplit_once('.').unwrap_or((&path, ""));
            format!("{stem}.{:010x}.{ext}", hash & 0xff_ffff_ffff)
        } else {
            path.clone()
        };
        names.insert(path, out.clone());
        files.push(OutputFile::new(out, bytes));
    }
    let mut media = Vec::with_capacity(theme.media.len());
    for (path, from) in &theme.media {
        names.insert(path.clone(), path.clone());
        let len = std::fs::metadata(from).map_or(0, |m| m.len());
        media.push(crate::output::CopiedFile {
            path: path.clone(),
            from: from.clone(),
            len,
        });
    }
    Assets {
        files,
        media,
        names,
    }
}
