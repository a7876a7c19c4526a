//! `knotwork init <dir>`: a new site that builds at once with the theme
//! built into the binary — site.toml, one article, one page, one muscle,
//! one technique, one FAQ topic, one reference and a `.gitignore` (the
//! body regions come from the theme). The files live in `src/scaffold/`,
//! so they are ordinary content the test suite builds.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::content::date::Date;

/// The scaffold's files: path inside the new site, text with placeholders.
const FILES: &[(&str, &str)] = &[
    (".gitignore", include_str!("scaffold/gitignore")),
    ("site.toml", include_str!("scaffold/site.toml")),
    (
        "content/blog/welcome.md",
        include_str!("scaffold/content/blog/welcome.md"),
    ),
    (
        "content/pages/about.md",
        include_str!("scaffold/content/pages/about.md"),
    ),
    (
        "content/muscles/upper-trapezius.toml",
        include_str!("scaffold/content/muscles/upper-trapezius.toml"),
    ),
    (
        "content/techniques/ischemic-compression.toml",
        include_str!("scaffold/content/techniques/ischemic-compression.toml"),
    ),
    (
        "content/faq/basics.toml",
        include_str!("scaffold/content/faq/basics.toml"),
    ),
    (
        "content/references.toml",
        include_str!("scaffold/content/references.toml"),
    ),
];

#[derive(Debug)]
pub enum InitError {
    NotEmpty(PathBuf),
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::NotEmpty(dir) => write!(
                f,
                "{} is not empty; `knotwork init` only creates a site in a new or empty folder, so nothing of yours is overwritten",
                dir.display()
            ),
            InitError::Io(path, e) => write!(f, "cannot write {}: {e}", path.display()),
        }
    }
}

/// Creates the site in `dir` (made if missing); returns the files written.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, InitError> {
    let not_empty = std::fs::read_dir(dir)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    if not_empty || (dir.exists() && !dir.is_dir()) {
        return Err(InitError::NotEmpty(dir.to_path_buf()));
    }
    let name = studio_name(dir);
    let mut written = Vec::with_capacity(FILES.len());
    let today = Date::today();
    for (rel, template) in FILES {
        let path = dir.join(rel);
        let text = fill(template, &name, today);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| InitError::Io(parent.to_path_buf(), e))?;
        }
        std::fs::write(&path, text).map_err(|e| InitError::Io(path.clone(), e))?;
        written.push(path);
    }
    Ok(written)
}

/// "crescent-bodywork" → "Crescent Bodywork".
fn studio_name(dir: &Path) -> String {
    let stem = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let words: Vec<String> = stem
        .split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .collect();
    if words.is_empty() {
        "My Studio".to_string()
    } else {
        words.join(" ")
    }
}

/// Fills the placeholders with TOML-quoted values, so any folder name
/// (quotes and backslashes included) gives a valid file.
fn fill(template: &str, name: &str, today: Date) -> String {
    let quoted = |s: &str| toml::Value::String(s.to_string()).to_string();
    template
        .replace("{{site_title}}", &quoted(&format!("{name} — Learn")))
        .replace("{{studio_name}}", &quoted(name))
        .replace("{{today}}", &today.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_folder_and_stay_valid_toml() {
        assert_eq!(
            studio_name(Path::new("crescent-bodywork")),
            "Crescent Bodywork"
        );
        let text = fill(
            "title = {{site_title}}\nname = {{studio_name}}\n",
            "Say \"hi\" \\ co",
            Date::new(2026, 1, 2).unwrap(),
        );
        let table: toml::Table = text.parse().unwrap();
        assert_eq!(table["name"].as_str(), Some("Say \"hi\" \\ co"));
    }
}
