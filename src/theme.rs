//! Themes: templates and static assets, layered.
//!
//! The default theme is embedded in the binary, so a site with no `themes/`
//! folder builds. Layers, each overriding the one before by file name: the
//! embedded default theme, `themes/<theme>/` of the site, then the site's own
//! `templates/` and `static/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::{include_dir, Dir};

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Location};
use crate::shortcodes::{signature_of, Shortcodes};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

#[derive(Debug, Clone)]
pub struct Template {
    pub text: String,
    /// Where it came from, as shown in errors.
    pub path: PathBuf,
}

#[derive(Debug, Default)]
pub struct Theme {
    /// By name (`article.html`, `partials/card.html`).
    pub templates: BTreeMap<String, Template>,
    /// Static files by output path (`css/site.css`).
    pub assets: BTreeMap<String, Vec<u8>>,
    /// Photos and other media of the static folders, by output path: copied
    /// from where they are when written, never read into memory (a studio's
    /// photos run to hundreds of megabytes).
    pub media: BTreeMap<String, PathBuf>,
    /// The shortcodes of `templates/shortcodes/*.html`, by name.
    pub shortcodes: Arc<Shortcodes>,
}

pub fn load(config: &Config, diags: &mut Diagnostics) -> Theme {
    let mut theme = Theme::default();
    add_embedded(&mut theme, &EMBEDDED);
    let theme_dir = config.root.join("themes").join(&config.site.theme);
    add_dir(
        &mut theme,
        &config.root,
        &theme_dir.join("templates"),
        Layer::Templates,
        diags,
    );
    add_dir(
        &mut theme,
        &config.root,
        &theme_dir.join("static"),
        Layer::Assets,
        diags,
    );
    add_dir(
        &mut theme,
        &config.root,
        &config.root.join("templates"),
        Layer::Templates,
        diags,
    );
    add_dir(
        &mut theme,
        &config.root,
        &config.root.join("static"),
        Layer::Assets,
        diags,
    );
    theme.shortcodes = Arc::new(shortcodes(&theme.templates, diags));
    theme
}

/// Signatures of the shortcode templates; a bad signature is an error in
/// its template, and the shortcode is left out.
fn shortcodes(templates: &BTreeMap<String, Template>, diags: &mut Diagnostics) -> Shortcodes {
    let mut found = Shortcodes::default();
    for (name, template) in templates {
        let Some(shortcode) = name
            .strip_prefix("shortcodes/")
            .and_then(|n| n.strip_suffix(".html"))
        else {
            continue;
        };
        match signature_of(&template.text) {
            Ok(signature) => found.insert(shortcode, signature),
            Err((line, message)) => {
                let line_text = template.text.lines().nth(line - 1).unwrap_or("");
                diags.push(
                    Diagnostic::error(format!("bad shortcode signature: {message}"))
                        .at(Location::with_line(&template.path, line, 1, line_text))
                        .help("see \"Writing a shortcode\" in docs/templates.md"),
                );
            }
        }
    }
    found
}

fn add_embedded(theme: &mut Theme, dir: &Dir<'static>) {
    for sub in dir.dirs() {
        add_embedded(theme, sub);
    }
    for file in dir.files() {
        let path = file.path().to_string_lossy().replace('\\', "/");
        if let Some(name) = path.strip_prefix("templates/") {
            theme.templates.insert(
                name.to_string(),
                Template {
                    text: String::from_utf8_lossy(file.contents()).into_owned(),
                    path: PathBuf::from("(built-in theme)/templates").join(name),
                },
            );
        } else if let Some(name) = path.strip_prefix("static/") {
            theme
                .assets
                .insert(name.to_string(), file.contents().to_vec());
        }
    }
}

/// Media files by extension: copied by path rather than held in memory.
fn is_media(name: &str) -> bool {
    const MEDIA: [&str; 13] = [
        "jpg", "jpeg", "png", "webp", "gif", "avif", "tif", "tiff", "pdf", "mp4", "webm", "mp3",
        "zip",
    ];
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| MEDIA.contains(&ext.to_ascii_lowercase().as_str()))
}

enum Layer {
    Templates,
    Assets,
}

fn add_dir(theme: &mut Theme, root: &Path, dir: &Path, layer: Layer, diags: &mut Diagnostics) {
    if !dir.is_dir() {
        return;
    }
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let name = rel.to_string_lossy().replace('\\', "/");
        if name.split('/').any(|part| part.starts_with('.')) {
            continue;
        }
        let shown = entry
            .path()
            .strip_prefix(root)
            .unwrap_or(entry.path())
            .to_path_buf();
        if matches!(layer, Layer::Assets) && is_media(&name) {
            theme.assets.remove(&name);
            theme.media.insert(name, entry.path().to_path_buf());
            continue;
        }
        let bytes = match std::fs::read(entry.path()) {
            Ok(b) => b,
            Err(e) => {
                diags.push(
                    Diagnostic::error(format!("cannot read file: {e}")).at(Location::file(&shown)),
                );
                continue;
            }
        };
        match layer {
            Layer::Assets => {
                theme.media.remove(&name);
                theme.assets.insert(name, bytes);
            }
            Layer::Templates => match String::from_utf8(bytes) {
                Ok(text) => {
                    theme.templates.insert(name, Template { text, path: shown });
                }
                Err(_) => diags.push(
                    Diagnostic::error("the template is not valid UTF-8 text")
                        .at(Location::file(&shown)),
                ),
            },
        }
    }
}
