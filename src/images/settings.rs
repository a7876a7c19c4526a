//! `[images]` of site.toml, checked, as the processing stage uses it.

use crate::config::ImagesConfig;
use crate::diagnostics::{closest, Diagnostic, Location};

/// An output encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Avif,
    Webp,
    Jpeg,
    Png,
}

impl Format {
    pub const NAMES: [(&'static str, Format); 5] = [
        ("avif", Format::Avif),
        ("webp", Format::Webp),
        ("jpeg", Format::Jpeg),
        ("jpg", Format::Jpeg),
        ("png", Format::Png),
    ];

    pub fn parse(name: &str) -> Option<Format> {
        Self::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, f)| *f)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Avif => "avif",
            Format::Webp => "webp",
            Format::Jpeg => "jpg",
            Format::Png => "png",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Format::Avif => "image/avif",
            Format::Webp => "image/webp",
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
        }
    }

    /// JPEG has no transparency: an image with an alpha channel falls back
    /// to PNG instead.
    pub fn for_alpha(self, alpha: bool) -> Format {
        if alpha && self == Format::Jpeg {
            Format::Png
        } else {
            self
        }
    }
}

/// The checked `[images]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Ascending, without duplicates.
    pub widths: Vec<u32>,
    /// Most preferred first; never empty.
    pub formats: Vec<Format>,
    pub quality: u8,
}

/// The widest image anyone would ask for; more is almost surely a typo.
const MAX_WIDTH: u32 = 8192;

impl Settings {
    /// The settings, assuming [`check_config`] found no problem (anything
    /// unusable falls back to the default).
    pub fn from_config(config: &ImagesConfig) -> Settings {
        let mut widths: Vec<u32> = config
            .widths
            .iter()
            .copied()
            .filter(|w| (1..=MAX_WIDTH).contains(w))
            .collect();
        widths.sort_unstable();
        widths.dedup();
        if widths.is_empty() {
            widths = ImagesConfig::default().widths;
        }
        let mut formats: Vec<Format> = Vec::new();
        for f in config.formats.iter().filter_map(|f| Format::parse(f)) {
            if !formats.contains(&f) {
                formats.push(f);
            }
        }
        if formats.is_empty() {
            formats = vec![Format::Webp, Format::Jpeg];
        }
        Settings {
            widths,
            formats,
            quality: config.quality.clamp(1, 100),
        }
    }

    pub fn largest_width(&self) -> u32 {
        *self.widths.last().expect("widths are never empty")
    }
}

/// Problems with `[images]`, located by `locate_key`.
pub fn check_config(
    config: &ImagesConfig,
    locate_key: &dyn Fn(&str) -> Location,
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    if config.widths.is_empty() {
        problems.push(
            Diagnostic::error("`widths` must list at least one width")
                .at(locate_key("widths"))
                .help("the default is widths = [480, 960, 1600]"),
        );
    }
    if let Some(w) = config
        .widths
        .iter()
        .find(|w| !(16..=MAX_WIDTH).contains(*w))
    {
        problems.push(
            Diagnostic::error(format!(
                "image width {w} is out of range: use 16 to {MAX_WIDTH} pixels"
            ))
            .at(locate_key("widths")),
        );
    }
    if config.formats.is_empty() {
        problems.push(
            Diagnostic::error("`formats` must list at least one format")
                .at(locate_key("formats"))
                .help("the default is formats = [\"webp\", \"jpeg\"]"),
        );
    }
    for f in &config.formats {
        if Format::parse(f).is_none() {
            let d =
                Diagnostic::error(format!("unknown image format `{f}`")).at(locate_key("formats"));
            problems.push(match closest(f, ["avif", "webp", "jpeg", "png"]) {
                Some(best) => d.help(format!("did you mean `{best}`?")),
                None => d.help("the formats are avif, webp, jpeg and png"),
            });
        }
    }
    if !(1..=100).contains(&config.quality) {
        problems.push(
            Diagnostic::error(format!(
                "`quality` is {}, but must be from 1 to 100",
                config.quality
            ))
            .at(locate_key("quality"))
            .help("80 keeps photos sharp at a small size"),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_sort_and_dedupe() {
        let s = Settings::from_config(&ImagesConfig {
            widths: vec![960, 480, 960],
            formats: vec!["jpg".into(), "webp".into(), "jpeg".into()],
            quality: 70,
        });
        assert_eq!(s.widths, vec![480, 960]);
        assert_eq!(s.formats, vec![Format::Jpeg, Format::Webp]);
    }

    #[test]
    fn bad_settings_are_reported() {
        let loc = |_: &str| Location::file(std::path::Path::new("site.toml"));
        let problems = check_config(
            &ImagesConfig {
                widths: vec![0],
                formats: vec!["wepb".into()],
                quality: 0,
            },
            &loc,
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[1].help.as_deref().unwrap().contains("webp"));
    }
}
