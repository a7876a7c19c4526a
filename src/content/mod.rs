//! Stage 1, loading: reads every content file of a site into typed values.
//!
//! Loading checks what a single file can tell (TOML syntax, keys, types,
//! required fields, the id format of file names); everything that needs two
//! files (does this muscle exist?) is the graph's job. Loading never stops at
//! the first bad file: each problem becomes a diagnostic and the file is
//! left out.

pub mod data;
pub mod date;
pub mod document;
pub mod regions;
pub mod translations;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Location, Source};
use crate::ids::{check_id_format, Id};
use crate::toml_file;
use data::*;
pub use document::{DocKind, Document};

/// Everything a site's `content/` folder holds.
#[derive(Debug, Default, Clone)]
pub struct Content {
    /// Newest first.
    pub articles: Vec<Document>,
    pub pages: Vec<Document>,
    pub muscles: Vec<Muscle>,
    pub techniques: Vec<Technique>,
    /// In `order`, then by id.
    pub faq_topics: Vec<FaqTopic>,
    /// The site's regions, merged from the two lists below by the graph
    /// (which knows the figure in use); empty until then.
    pub regions: Vec<Region>,
    /// The theme's region names and the site's `content/regions.toml`, as written.
    pub theme_regions: Option<regions::RegionList>,
    pub site_regions: Option<regions::RegionList>,
    pub references: Vec<Reference>,
    /// Authors and reviewers, by id.
    pub people: Vec<Person>,
    /// In `order`, then by id.
    pub services: Vec<Service>,
    /// Ids of entity files that exist but could not be loaded, as
    /// (`muscles` | `techniques` | `faq`, id): references to them are not
    /// reported as unknown, since the file's own errors already are.
    pub failed: Vec<(&'static str, String)>,
    /// Articles and pages left out because they are drafts (and the build
    /// is without `--drafts`): a link to one is reported as a draft, not
    /// as unknown.
    pub drafts: Vec<Draft>,
}

impl Content {
    /// Lets go of the Markdown text of every article and page
    /// ([`Document::release_body_text`]), once their bodies are rendered,
    /// for a build that reads them no more. Freed in parallel: 10,000
    /// allocations of about 8 KB.
    pub fn release_body_texts(&mut self) {
        self.articles
            .par_iter_mut()
            .chain(self.pages.par_iter_mut())
            .for_each(Document::release_body_text);
    }
}

/// A document not built because it is marked `draft = true`.
#[derive(Debug, Clone)]
pub struct Draft {
    pub kind: DocKind,
    /// The slug a cross-link would name it by.
    pub slug: String,
    /// Its file, as shown to the user.
    pub path: PathBuf,
}

pub fn load(config: &Config, diags: &mut Diagnostics) -> Content {
    let content_dir = config.root.join("content");
    let (articles, mut drafts) = load_documents(config, &content_dir, DocKind::Article, diags);
    let (pages, page_drafts) = load_documents(config, &content_dir, DocKind::Page, diags);
    drafts.extend(page_drafts);
    let mut content = load_data(config, diags);
    content.articles = articles;
    content.pages = pages;
    content.drafts = drafts;
    content.articles.sort_by(|a, b| {
        b.meta
            .date
            .cmp(&a.meta.date)
            .then_with(|| a.slug.cmp(&b.slug))
    });
    content.pages.sort_by(|a, b| a.slug.cmp(&b.slug));
    content
}

/// Everything but the articles and pages: the data files (entities,
/// regions, references). `knotwork serve` reloads only these after a data
/// file is edited.
pub fn load_data(config: &Config, diags: &mut Diagnostics) -> Content {
    let theme_regions = load_theme_regions(config, diags);
    load_data_with(config, theme_regions, None, diags)
}

/// Data loaded before, and the files changed since, relative to the site
/// root (as [`Source::path`] shows them): an entity whose file is not among
/// them is taken as it was, not read and parsed again. Its problems were
/// reported when it was first loaded (a load with errors is never kept).
#[derive(Clone, Copy)]
pub struct Earlier<'a> {
    pub content: &'a Content,
    pub changed: &'a HashSet<PathBuf>,
}

/// [`load_data`] with the theme's regions loaded already: serve keeps them
/// while only files of `content/` change.
pub fn load_data_with(
    config: &Config,
    theme_regions: Option<regions::RegionList>,
    earlier: Option<Earlier<'_>>,
    diags: &mut Diagnostics,
) -> Content {
    let content_dir = config.root.join("content");
    let mut content = Content {
        theme_regions,
        site_regions: regions::load_list(&config.root, &content_dir.join("regions.toml"), diags),
        references: load_references(&config.root, &content_dir.join("references.toml"), diags),
        ..Content::default()
    };
    let mut loader = EntityLoader {
        root: &config.root,
        content_dir: &content_dir,
        earlier,
        failed: Vec::new(),
    };
    content.muscles = loader.load("muscles", |c| &c.muscles, diags);
    content.techniques = loader.load("techniques", |c| &c.techniques, diags);
    content.faq_topics = loader.load("faq", |c| &c.faq_topics, diags);
    content.people = loader.load("people", |c| &c.people, diags);
    content.services = loader.load("services", |c| &c.services, diags);
    content.failed = loader.failed;
    // The documents were not read again, so neither were their drafts.
    if let Some(earlier) = earlier {
        content.drafts = earlier.content.drafts.clone();
    }
    content.services.sort_by(|a, b| {
        a.data
            .order
            .cmp(&b.data.order)
            .then_with(|| a.id.cmp(&b.id))
    });
    content.faq_topics.sort_by(|a, b| {
        a.data
            .order
            .cmp(&b.data.order)
            .then_with(|| a.id.cmp(&b.id))
    });
    content
}

/// The regions of the theme's body figure, named in the site's language.
fn load_theme_regions(config: &Config, diags: &mut Diagnostics) -> Option<regions::RegionList> {
    regions::load_theme_list(&config.root, &config.site.theme, diags).map(|mut list| {
        // The figure's region names in the site's language.
        if let Some(names) =
            regions::theme_names(&config.root, &config.site.theme, &config.language)
        {
            let names = regions::names_in(&names);
            for entry in &mut list.entries {
                if let Some(name) = names.get(entry.id.get_ref()) {
                    entry.name = Some(name.clone());
                }
            }
        }
        list
    })
}

/// Reads a file as UTF-8, naming the line of the first invalid byte.
pub fn read_source(root: &Path, path: &Path) -> Result<Arc<Source>, Diagnostic> {
    let shown = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error(format!("cannot read file: {e}")).at(Location::file(&shown))
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source::new(shown, text)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let good = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let line = good.matches('\n').count() + 1;
            let line_start = good.rfind('\n').map_or(0, |i| i + 1);
            let column = good[line_start..].chars().count() + 1;
            Err(Diagnostic::error("the file is not valid UTF-8 text")
                .at(Location::with_line(
                    &shown,
                    line,
                    column,
                    &good[line_start..],
                ))
                .help("save the file as UTF-8 in your editor"))
        }
    }
}

/// The files of a folder with an extension, sorted by name; hidden files and
/// editor backups are skipped.
fn list_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = entries(dir)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| is_listed_file(p, ext))
        .collect();
    sort_paths(&mut files);
    files
}

/// The entries of a folder, unsorted; none when it cannot be read.
fn entries(dir: &Path) -> impl Iterator<Item = std::fs::DirEntry> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
}

/// Whether a file is content to read: ends in `.ext`, not hidden, not an
/// editor's backup (`~`).
fn is_listed_file(path: &Path, ext: &str) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !name.starts_with('.') && !name.ends_with('~') && path.extension().is_some_and(|e| e == ext)
}

/// Sorts paths as `Path`'s own order does (component by component),
/// with each path's components taken apart once: `sort()` took them
/// apart again for every comparison, 50 ms for a folder of 10,000
/// articles (sorted twice).
fn sort_paths(paths: &mut [PathBuf]) {
    paths.sort_by_cached_key(|path| {
        path.components()
            .map(|c| c.as_os_str().to_os_string())
            .collect::<Vec<_>>()
    });
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The name an article or page is known by: its file name without `.md`,
/// or for `<stem>/index.md` (a page with its images beside it) the folder's.
pub fn document_stem(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "index.md") {
        if let Some(folder) = path.parent().filter(|p| p.file_name().is_some()) {
            return stem(folder);
        }
    }
    stem(path)
}

/// The Markdown files of `content/blog/` or `content/pages/`: `*.md`, and
/// `<stem>/index.md` for a document kept in a folder with its images;
/// the originals, or (with `translations`) the translations
/// (`<stem>.fr.md`, `<stem>/index.fr.md`).
fn list_documents(dir: &Path, translations: bool) -> Vec<PathBuf> {
    let keep = |p: &PathBuf| translations::is_translation(p) == translations;
    // One pass over the folder (it holds every article: walking it twice
    // and sorting each walk was most of the serial part of loading).
    let mut files = Vec::new();
    for entry in entries(dir) {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if kind.is_file() {
            if is_listed_file(&path, "md") && keep(&path) {
                files.push(path);
            }
        } else if kind.is_dir() {
            if translations {
                files.extend(list_files(&path, "md").into_iter().filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("index."))
                        && keep(p)
                }));
            } else {
                let index = path.join("index.md");
                if index.is_file() {
                    files.push(index);
                }
            }
        }
    }
    sort_paths(&mut files);
    files
}

fn load_documents(
    config: &Config,
    content_dir: &Path,
    kind: DocKind,
    diags: &mut Diagnostics,
) -> (Vec<Document>, Vec<Draft>) {
    let dir = content_dir.join(match kind {
        DocKind::Article => "blog",
        DocKind::Page => "pages",
    });
    let results: Vec<(Option<Document>, Vec<Diagnostic>)> = list_documents(&dir, false)
        .par_iter()
        .map(|path| match read_source(&config.root, path) {
            Ok(source) => document::load_checked(kind, source, &document_stem(path)),
            Err(d) => (None, vec![d]),
        })
        .collect();
    let mut docs = Vec::with_capacity(results.len());
    let mut drafts = Vec::new();
    for (doc, problems) in results {
        diags.extend(problems);
        match doc {
            Some(doc) if doc.meta.draft && !config.drafts => drafts.push(Draft {
                kind,
                path: doc.source.path.clone(),
                slug: doc.slug,
            }),
            Some(doc) => docs.push(doc),
            None => {}
        }
    }
    (docs, drafts)
}

/// The entities of one kind.
type Entities<'a, K, D> = &'a [Entity<Id<K>, D>];

/// Loads the entity folders of `content/`, one entity per file, the file
/// stem being its id.
struct EntityLoader<'a> {
    root: &'a Path,
    content_dir: &'a Path,
    earlier: Option<Earlier<'a>>,
    /// The files that could not be loaded: their kind and id.
    failed: Vec<(&'static str, String)>,
}

impl<'a> EntityLoader<'a> {
    /// Loads `content/<kind>/*.toml`; an entity of `earlier` (picked by
    /// `pick`) whose file did not change is taken as it was.
    fn load<K, D>(
        &mut self,
        kind: &'static str,
        pick: fn(&'a Content) -> Entities<'a, K, D>,
        diags: &mut Diagnostics,
    ) -> Vec<Entity<Id<K>, D>>
    where
        D: serde::de::DeserializeOwned + Clone + Send + Sync,
        K: Send + Sync,
    {
        let root = self.root;
        let files: Vec<PathBuf> = list_files(&self.content_dir.join(kind), "toml")
            .into_iter()
            .filter(|p| !translations::is_translation(p))
            .collect();
        let unchanged: HashMap<&Path, &Entity<Id<K>, D>> = match self.earlier {
            Some(earlier) => pick(earlier.content)
                .iter()
                .filter(|e| !earlier.changed.contains(&e.source.path))
                .map(|e| (e.source.path.as_path(), e))
                .collect(),
            None => HashMap::new(),
        };
        let load = |path: &PathBuf| -> Loaded<K, D> {
            let shown = path.strip_prefix(root).unwrap_or(path);
            match unchanged.get(shown) {
                Some(&entity) => Ok((entity.clone(), Vec::new())),
                None => load_entity(root, path),
            }
        };
        // Reusing, nearly every file is a clone: a pool's wake-up costs more
        // than the work, so only a fresh load goes parallel.
        let results: Vec<Loaded<K, D>> = if self.earlier.is_some() {
            files.iter().map(load).collect()
        } else {
            files.par_iter().map(load).collect()
        };
        let mut out = Vec::with_capacity(results.len());
        for (r, path) in results.into_iter().zip(&files) {
            match r {
                Ok((entity, problems)) => {
                    diags.extend(problems);
                    out.push(entity);
                }
                Err(e) => {
                    diags.extend(e);
                    self.failed.push((kind, stem(path)));
                }
            }
        }
        out
    }
}

type Loaded<K, D> = Result<(Entity<Id<K>, D>, Vec<Diagnostic>), Vec<Diagnostic>>;

/// Reads and parses one entity file: the entity and its warnings, or its
/// errors.
fn load_entity<K, D>(root: &Path, path: &Path) -> Loaded<K, D>
where
    D: serde::de::DeserializeOwned,
{
    let source = read_source(root, path).map_err(|d| vec![d])?;
    let id = stem(path);
    let mut problems = Vec::new();
    if let Err(msg) = check_id_format(&id) {
        problems.push(
            Diagnostic::error(format!("bad file name: {msg}"))
                .at(source.whole())
                .help("the file name (without .toml) is the id; rename the file"),
        );
    }
    match toml_file::parse::<D>(&source, 0..source.text.len()) {
        Ok((data, unknown_keys)) => {
            problems.extend(unknown_keys);
            Ok((
                Entity {
                    id: Id::new(&id),
                    source,
                    data,
                    translation: None,
                },
                problems,
            ))
        }
        Err(mut e) => {
            e.append(&mut problems);
            Err(e)
        }
    }
}

fn load_references(root: &Path, path: &Path, diags: &mut Diagnostics) -> Vec<Reference> {
    if !path.exists() {
        return Vec::new();
    }
    let source = match read_source(root, path) {
        Ok(s) => s,
        Err(d) => {
            diags.push(d);
            return Vec::new();
        }
    };
    match toml_file::parse::<ReferencesFile>(&source, 0..source.text.len()) {
        Ok((file, unknown_keys)) => {
            diags.extend(unknown_keys);
            file.into_iter()
                .map(|(key, data)| {
                    if let Err(msg) = check_id_format(key.get_ref()) {
                        diags.push(
                            Diagnostic::error(format!("bad reference key: {msg}"))
                                .at(source.locate(key.span())),
                        );
                    }
                    Entity {
                        id: Id::new(key.get_ref()),
                        source: source.clone(),
                        data,
                        translation: None,
                    }
                })
                .collect()
        }
        Err(e) => {
            diags.extend(e);
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{self, Overrides};

    #[test]
    fn paths_sort_as_path_orders_them() {
        let mut paths: Vec<PathBuf> = [
            "content/blog/a-b.md",
            "content/blog/a/index.md",
            "content/blog/a.md",
            "content/blog/Z.md",
            "content/blog/ä.md",
            "./content/blog/b.md",
            "content/blog/a b.md",
            "content/blog/a/index.fr.md",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let mut expected = paths.clone();
        expected.sort();
        sort_paths(&mut paths);
        assert_eq!(paths, expected);
    }

    const MUSCLES: [&str; 2] = ["upper-trapezius", "levator-scapulae"];

    /// A site with the example's site.toml and two of its muscles.
    fn site() -> (tempfile::TempDir, Config) {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(repo.join("site.toml"), dir.path().join("site.toml")).unwrap();
        std::fs::create_dir_all(dir.path().join("content/muscles")).unwrap();
        for id in MUSCLES {
            let file = format!("content/muscles/{id}.toml");
            std::fs::copy(repo.join(&file), dir.path().join(&file)).unwrap();
        }
        let config = config::load(dir.path(), &Overrides::default(), &mut Diagnostics::new());
        (dir, config.expect("the example's site.toml loads"))
    }

    /// Appends " (edited)" to the muscle's name on disk.
    fn rename_on_disk(root: &Path, id: &str) {
        let path = root.join(format!("content/muscles/{id}.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        let line = text.lines().next().unwrap().to_string();
        let edited = line.trim_end_matches('"').to_string() + " (edited)\"";
        std::fs::write(&path, text.replacen(&line, &edited, 1)).unwrap();
    }

    fn names(content: &Content) -> Vec<&str> {
        content
            .muscles
            .iter()
            .map(|m| m.data.name.as_str())
            .collect()
    }

    #[test]
    fn only_the_changed_entity_files_are_read_again() {
        let (dir, config) = site();
        let mut diags = Diagnostics::new();
        let before = load_data(&config, &mut diags);
        assert!(diags.is_empty(), "{:?}", diags.iter().collect::<Vec<_>>());
        assert_eq!(names(&before), ["Levator scapulae", "Upper trapezius"]);

        // Both files change on disk; only one is reported changed.
        for id in MUSCLES {
            rename_on_disk(dir.path(), id);
        }
        let changed = HashSet::from([PathBuf::from("content/muscles/upper-trapezius.toml")]);
        let earlier = Earlier {
            content: &before,
            changed: &changed,
        };
        let after = load_data_with(&config, None, Some(earlier), &mut diags);
        assert!(diags.is_empty());
        assert_eq!(
            names(&after),
            ["Levator scapulae", "Upper trapezius (edited)"]
        );
        // Without an earlier load, every file is read.
        let fresh = load_data(&config, &mut diags);
        assert_eq!(
            names(&fresh),
            ["Levator scapulae (edited)", "Upper trapezius (edited)"]
        );
    }

    #[test]
    fn a_changed_file_that_no_longer_parses_is_reported_at_its_line() {
        let (dir, config) = site();
        let mut diags = Diagnostics::new();
        let before = load_data(&config, &mut diags);
        let file = "content/muscles/levator-scapulae.toml";
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        std::fs::write(
            dir.path().join(file),
            text.replacen("name = ", "name == ", 1),
        )
        .unwrap();
        let changed = HashSet::from([PathBuf::from(file)]);
        let earlier = Earlier {
            content: &before,
            changed: &changed,
        };
        let after = load_data_with(&config, None, Some(earlier), &mut diags);
        assert!(diags.has_errors());
        let error = diags.iter().next().unwrap().to_string();
        assert!(error.contains(file) && error.contains(":1:"), "{error}");
        assert_eq!(after.failed, [("muscles", "levator-scapulae".to_string())]);
        assert_eq!(names(&after), ["Upper trapezius"]);
    }
}
