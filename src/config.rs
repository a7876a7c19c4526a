//! `site.toml`: parsed once into a plain struct that the rest of the build
//! reads. Unknown keys are errors with a suggestion (see [`crate::toml_file`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use crate::i18n::LanguageTag;
use crate::ids::UrlPath;
use crate::toml_file;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    pub base_url: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default = "default_output_dir")]
    pub output_dir: PathBuf,
    /// Minify HTML, CSS and JS output.
    #[serde(default)]
    pub minify: bool,
    #[serde(default)]
    pub studio: Studio,
    #[serde(default)]
    pub blog: BlogConfig,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    #[serde(default)]
    pub search: SearchConfig,
    #[serde(default)]
    pub disclaimer: DisclaimerConfig,
    /// `knotwork check --external`.
    #[serde(default)]
    pub links: LinksConfig,
    #[serde(default)]
    pub review: ReviewConfig,
    /// How photos are resized and encoded.
    #[serde(default)]
    pub images: ImagesConfig,
    /// The other languages of a multilingual site, by tag; `language` is
    /// the default one.
    #[serde(default)]
    pub languages: std::collections::BTreeMap<String, LanguageSettings>,
    /// Free-form values handed to templates as `config.extra`.
    #[serde(default)]
    pub extra: toml::Table,
}

/// `[languages.<lang>]`: what a language of a multilingual site says
/// differently; anything unset is the default language's.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageSettings {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The disclaimer in this language (Markdown).
    #[serde(default)]
    pub disclaimer: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Studio {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub booking_url: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
    /// ISO 4217 code of service prices ("USD", "EUR").
    #[serde(default = "default_currency")]
    pub currency: String,
}

fn default_currency() -> String {
    "USD".into()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BlogConfig {
    #[serde(default = "default_paginate_by")]
    pub paginate_by: usize,
    #[serde(default = "default_true")]
    pub feed: bool,
}

impl Default for BlogConfig {
    fn default() -> Self {
        BlogConfig {
            paginate_by: default_paginate_by(),
            feed: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    #[serde(default = "default_highlight_theme")]
    pub highlight_theme: String,
    #[serde(default = "default_true")]
    pub smart_punctuation: bool,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            highlight_theme: default_highlight_theme(),
            smart_punctuation: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    #[serde(default = "default_true")]
    pub enabled: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig { enabled: true }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DisclaimerConfig {
    /// Markdown, shown on every educational page.
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LinksConfig {
    /// External URLs not to check: a URL starting with one of these (a
    /// trailing `*` is allowed) is skipped.
    #[serde(default)]
    pub skip: Vec<String>,
    /// Seconds to wait for each answer.
    #[serde(default = "default_link_timeout")]
    pub timeout: u64,
}

impl Default for LinksConfig {
    fn default() -> Self {
        LinksConfig {
            skip: Vec::new(),
            timeout: default_link_timeout(),
        }
    }
}

/// `[review]`: how often health pages are reviewed again.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewConfig {
    /// A page last reviewed (or, never reviewed, published) longer ago than
    /// this is due: a build warning and first in `check --review`.
    pub every_months: Option<u32>,
}

/// `[images]`: the responsive widths, formats and quality of processed
/// images.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImagesConfig {
    /// Widths in pixels; an image gets those smaller than itself.
    #[serde(default = "default_image_widths")]
    pub widths: Vec<u32>,
    /// Output formats, most preferred first; the last is what `<img>`
    /// falls back to. `webp`, `jpeg`, `png`, `avif`.
    #[serde(default = "default_image_formats")]
    pub formats: Vec<String>,
    /// Encoder quality, 1–100.
    #[serde(default = "default_image_quality")]
    pub quality: u8,
}

impl Default for ImagesConfig {
    fn default() -> Self {
        ImagesConfig {
            widths: default_image_widths(),
            formats: default_image_formats(),
            quality: default_image_quality(),
        }
    }
}

fn default_image_widths() -> Vec<u32> {
    vec![480, 960, 1600]
}
fn default_image_formats() -> Vec<String> {
    vec!["webp".into(), "jpeg".into()]
}
fn default_image_quality() -> u8 {
    80
}

fn default_link_timeout() -> u64 {
    10
}

fn default_language() -> String {
    "en".into()
}
fn default_theme() -> String {
    "default".into()
}
fn default_output_dir() -> PathBuf {
    "public".into()
}
fn default_paginate_by() -> usize {
    10
}
fn default_highlight_theme() -> String {
    "InspiredGitHub".into()
}
fn default_true() -> bool {
    true
}

/// `base_url` split into what links need: the origin
/// (`https://user.github.io`) and the path prefix (`/studio`, or empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaseUrl {
    pub origin: String,
    /// Without a trailing slash; empty for a site at the domain root.
    pub path: String,
}

impl BaseUrl {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .ok_or_else(|| {
                format!("`{s}` is not an http(s) URL (like `https://learn.example.com`)")
            })?;
        let scheme_len = s.len() - rest.len();
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(format!("`{s}` has no host name"));
        }
        if path.contains(['?', '#']) {
            return Err(format!("`{s}` must not carry a query or fragment"));
        }
        let path = path.trim_matches('/');
        Ok(BaseUrl {
            origin: s[..scheme_len + host.len()].to_string(),
            path: if path.is_empty() {
                String::new()
            } else {
                format!("/{path}")
            },
        })
    }

    /// The link for a site URL, as written into pages: root-relative with the
    /// base path, so it works on any host and at any page depth.
    pub fn link(&self, url: &UrlPath) -> String {
        format!("{}{}", self.path, url.as_str())
    }

    /// The absolute URL, for feeds, sitemaps, canonical links and sharing.
    pub fn absolute(&self, url: &UrlPath) -> String {
        format!("{}{}{}", self.origin, self.path, url.as_str())
    }
}

/// The loaded configuration: the file's values plus what was derived from them.
#[derive(Debug, Clone)]
pub struct Config {
    pub site: SiteConfig,
    pub base: BaseUrl,
    pub root: PathBuf,
    pub output_dir: PathBuf,
    pub drafts: bool,
    /// site.toml itself, for locating problems in its Markdown (the disclaimer).
    pub source: std::sync::Arc<Source>,
    /// The site's (default) language.
    pub language: LanguageTag,
    /// The other languages of a multilingual site, in site.toml's order
    /// of tags (alphabetical).
    pub other_languages: Vec<LanguageTag>,
}

impl Config {
    /// Where `key = …` is written in site.toml (its start when absent).
    pub fn locate_key(&self, key: &str) -> crate::diagnostics::Location {
        let offset = find_key(&self.source.text, key).unwrap_or(0);
        self.source.locate(offset..offset + key.len())
    }

    /// Where `[languages.<tag>]` is written, for problems of the language.
    pub fn language_header(&self, tag: &LanguageTag) -> crate::diagnostics::Location {
        let header = format!("[languages.{tag}]");
        let at = self.source.text.find(&header).unwrap_or(0);
        self.source.locate(at..at + header.len())
    }

    /// Every language of the site, the default first.
    pub fn languages(&self) -> impl Iterator<Item = &LanguageTag> {
        std::iter::once(&self.language).chain(&self.other_languages)
    }

    pub fn is_multilingual(&self) -> bool {
        !self.other_languages.is_empty()
    }
}

/// What the command line may override.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub output_dir: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
}

/// Loads site.toml. Problems go to `diags`; `None` when the configuration
/// cannot be used at all.
pub fn load(root: &Path, overrides: &Overrides, diags: &mut Diagnostics) -> Option<Config> {
    match load_inner(root, overrides, diags) {
        Ok(config) => Some(config),
        Err(problems) => {
            diags.extend(problems);
            None
        }
    }
}

fn load_inner(
    root: &Path,
    overrides: &Overrides,
    diags: &mut Diagnostics,
) -> Result<Config, Vec<Diagnostic>> {
    let path = root.join("site.toml");
    let text = std::fs::read(&path).map_err(|e| {
        vec![Diagnostic::error(format!("cannot read site.toml: {e}"))
            .at(crate::diagnostics::Location::file(Path::new("site.toml")))
            .help("run knotwork in the folder that holds site.toml, or pass --root DIR")]
    })?;
    let text = String::from_utf8(text).map_err(|_| {
        vec![Diagnostic::error("site.toml is not valid UTF-8 text")
            .at(crate::diagnostics::Location::file(Path::new("site.toml")))]
    })?;
    let source = Source::new("site.toml", text);
    let (mut site, unknown_keys): (SiteConfig, _) =
        toml_file::parse(&source, 0..source.text.len())?;
    diags.extend(unknown_keys);
    let mut problems = Vec::new();
    let locate_key = |key: &str| {
        let offset = find_key(&source.text, key).unwrap_or(0);
        source.locate(offset..offset + key.len())
    };
    if let Some(url) = &overrides.base_url {
        site.base_url = url.clone();
    }
    let base = match BaseUrl::parse(&site.base_url) {
        Ok(b) => b,
        Err(msg) => {
            let d = Diagnostic::error(format!("invalid base_url: {msg}"));
            problems.push(if overrides.base_url.is_some() {
                d.help("check the --base-url argument")
            } else {
                d.at(locate_key("base_url"))
            });
            BaseUrl {
                origin: String::new(),
                path: String::new(),
            }
        }
    };
    if site.title.trim().is_empty() {
        problems.push(Diagnostic::error("`title` must not be empty").at(locate_key("title")));
    }
    if site.blog.paginate_by == 0 {
        problems.push(
            Diagnostic::error("`paginate_by` must be at least 1").at(locate_key("paginate_by")),
        );
    }
    if let Err(d) = crate::markdown::highlight::check_theme(&site.markdown.highlight_theme) {
        problems.push(d.at(locate_key("highlight_theme")));
    }
    problems.extend(crate::images::check_config(&site.images, &locate_key));
    if site.theme != "default" && !root.join("themes").join(&site.theme).is_dir() {
        problems.push(
            Diagnostic::error(format!(
                "theme `{}` not found: there is no folder themes/{}",
                site.theme, site.theme
            ))
            .at(locate_key("theme"))
            .help("use `default` for the built-in theme"),
        );
    }
    let language = LanguageTag::parse(&site.language).unwrap_or_else(|msg| {
        problems.push(Diagnostic::error(msg).at(locate_key("language")));
        LanguageTag::parse("en").expect("`en` is a tag")
    });
    let mut other_languages = Vec::new();
    for tag in site.languages.keys() {
        let at = || {
            let header = format!("[languages.{tag}]");
            let offset = source.text.find(&header).map_or(0, |o| o + 11);
            source.locate(offset..offset + tag.len())
        };
        match LanguageTag::parse(tag) {
            Ok(t) if t == language => problems.push(
                Diagnostic::error(format!(
                    "`{tag}` is the site's own language (`language = \"{language}\"`): [languages.…] lists the other languages"
                ))
                .at(at()),
            ),
            Ok(t) => other_languages.push(t),
            Err(msg) => problems.push(Diagnostic::error(msg).at(at())),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let output_dir = overrides
        .output_dir
        .clone()
        .unwrap_or_else(|| root.join(&site.output_dir));
    Ok(Config {
        site,
        base,
        root: root.to_path_buf(),
        output_dir,
        drafts: overrides.drafts,
        source,
        language,
        other_languages,
    })
}

/// Byte offset of `key = …` at the start of a line, for locating errors found
/// after deserialisation.
pub(crate) fn find_key(text: &str, key: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                return Some(offset + (line.len() - trimmed.len()));
            }
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_with_and_without_path() {
        let b = BaseUrl::parse("https://learn.example.com").unwrap();
        assert_eq!(
            (b.origin.as_str(), b.path.as_str()),
            ("https://learn.example.com", "")
        );
        let b = BaseUrl::parse("https://user.github.io/studio/").unwrap();
        assert_eq!(b.path, "/studio");
        assert_eq!(b.link(&UrlPath::page(&["blog"])), "/studio/blog/");
        assert_eq!(
            b.absolute(&UrlPath::page(&["blog"])),
            "https://user.github.io/studio/blog/"
        );
        assert!(BaseUrl::parse("learn.example.com").is_err());
    }
}
