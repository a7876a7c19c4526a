//! `knotwork new <kind> "Title"`: a new content file with its front matter
//! or fields filled in (the title, today's date, an id from the title), in
//! the folder the content format gives that kind. It never overwrites a
//! file and refuses an id the site already uses.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::content::date::Date;
use crate::ids::{ascii_id, slugify};

/// What `knotwork new` can create (its values on the command line too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Article,
    Page,
    Muscle,
    Technique,
    Service,
    Person,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Article,
        Kind::Page,
        Kind::Muscle,
        Kind::Technique,
        Kind::Service,
        Kind::Person,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Article => "article",
            Kind::Page => "page",
            Kind::Muscle => "muscle",
            Kind::Technique => "technique",
            Kind::Service => "service",
            Kind::Person => "person",
        }
    }

    fn folder(self) -> &'static str {
        match self {
            Kind::Article => "content/blog",
            Kind::Page => "content/pages",
            Kind::Muscle => "content/muscles",
            Kind::Technique => "content/techniques",
            Kind::Service => "content/services",
            Kind::Person => "content/people",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Kind::Article | Kind::Page => "md",
            _ => "toml",
        }
    }

    fn template(self) -> &'static str {
        match self {
            Kind::Article => include_str!("article.md"),
            Kind::Page => include_str!("page.md"),
            Kind::Muscle => include_str!("muscle.toml"),
            Kind::Technique => include_str!("technique.toml"),
            Kind::Service => include_str!("service.toml"),
            Kind::Person => include_str!("person.toml"),
        }
    }
}

#[derive(Debug)]
pub enum NewError {
    NoSite(PathBuf),
    EmptyId(String),
    Exists(PathBuf),
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for NewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NewError::NoSite(root) => write!(
                f,
                "{} holds no site.toml; run `knotwork new` in your site's folder, or pass --root DIR",
                root.display()
            ),
            NewError::EmptyId(title) => write!(
                f,
                "cannot make an id from \"{title}\": use letters or digits in the title"
            ),
            NewError::Exists(path) => write!(
                f,
                "{} already exists; nothing was written (choose another title, or edit that file)",
                path.display()
            ),
            NewError::Io(path, e) => write!(f, "cannot write {}: {e}", path.display()),
        }
    }
}

/// Writes the new file under `root` and returns its path.
pub fn create(root: &Path, kind: Kind, title: &str, today: Date) -> Result<PathBuf, NewError> {
    if !root.join("site.toml").is_file() {
        return Err(NewError::NoSite(root.to_path_buf()));
    }
    // Data files are named by their id, which must be ASCII; an article's
    // or page's file name is its slug, which may be in any script.
    let id = match kind {
        Kind::Article | Kind::Page => slugify(title),
        Kind::Muscle | Kind::Technique | Kind::Service | Kind::Person => ascii_id(title),
    };
    if id.is_empty() {
        return Err(NewError::EmptyId(title.to_string()));
    }
    let folder = root.join(kind.folder());
    let path = folder.join(format!("{id}.{}", kind.extension()));
    // An article or page may also be a folder (`<id>/index.md`).
    let taken = [path.clone(), folder.join(&id).join("index.md")];
    if let Some(existing) = taken.iter().find(|p| p.exists()) {
        return Err(NewError::Exists(existing.clone()));
    }
    let quoted = |s: &str| toml::Value::String(s.to_string()).to_string();
    let text = kind
        .template()
        .replace("{{title}}", &quoted(title.trim()))
        .replace("{{today}}", &today.to_string())
        .replace("{{id}}", &id)
        .replace("{{region}}", &quoted(&placeholder_region(root)));
    std::fs::create_dir_all(&folder).map_err(|e| NewError::Io(folder.clone(), e))?;
    // `create_new` so that a file appearing meanwhile is still not overwritten.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => NewError::Exists(path.clone()),
            _ => NewError::Io(path.clone(), e),
        })?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|e| NewError::Io(path.clone(), e))?;
    Ok(path)
}

/// A region id the site has, for the new muscle's placeholder pattern: the
/// first of the site's own regions.toml, else the first the theme names.
fn placeholder_region(root: &Path) -> String {
    let mut diags = crate::diagnostics::Diagnostics::new();
    let site =
        crate::content::regions::load_list(root, &root.join("content/regions.toml"), &mut diags);
    let theme = crate::content::regions::load_theme_list(root, "default", &mut diags);
    site.iter()
        .chain(theme.iter())
        .flat_map(|l| l.entries.first())
        .map(|e| e.id.get_ref().clone())
        .next()
        .unwrap_or_else(|| "upper-back".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_valid_after_filling_in() {
        for kind in Kind::ALL {
            let text = kind
                .template()
                .replace("{{title}}", "\"A \\\"quoted\\\" title\"")
                .replace("{{today}}", "2026-01-02")
                .replace("{{id}}", "a-title")
                .replace("{{region}}", "\"temple\"");
            let toml_part = match kind.extension() {
                "md" => text.split("+++").nth(1).unwrap().to_string(),
                _ => text,
            };
            let table: toml::Table = toml_part
                .parse()
                .unwrap_or_else(|e| panic!("{}: {e}", kind.name()));
            assert_eq!(
                table
                    .get("title")
                    .or(table.get("name"))
                    .and_then(|v| v.as_str()),
                Some("A \"quoted\" title")
            );
        }
    }
}
