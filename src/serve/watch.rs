//! Watches the site folder and sends batches of changed paths.
//!
//! Editors save in bursts (a temporary file, a rename, a metadata change):
//! a short debounce turns each burst into one batch, short enough not to
//! be felt. Reads are not changes (the build itself reads every file), and
//! the output folder, hidden files and editor scratch files are ignored.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};

/// How long a file must be quiet before its change is built.
const DEBOUNCE: Duration = Duration::from_millis(15);
const TICK: Duration = Duration::from_millis(5);

/// Keeps watching until dropped.
pub type Watcher = Debouncer<RecommendedWatcher, RecommendedCache>;

pub fn start(
    root: &Path,
    output_dir: &Path,
    changes: Sender<Vec<PathBuf>>,
) -> Result<Watcher, String> {
    let root = root.to_path_buf();
    let output_dir = if output_dir.is_absolute() {
        output_dir.to_path_buf()
    } else {
        root.join(output_dir)
    };
    let watched = root.clone();
    let mut debouncer = new_debouncer(DEBOUNCE, Some(TICK), move |result: DebounceEventResult| {
        let Ok(events) = result else { return };
        let mut paths: Vec<PathBuf> = events
            .iter()
            .filter(|e| !matches!(e.event.kind, EventKind::Access(_)))
            .flat_map(|e| e.event.paths.iter())
            .filter(|p| is_source(&root, &output_dir, p))
            .cloned()
            .collect();
        paths.sort();
        paths.dedup();
        if !paths.is_empty() {
            let _ = changes.send(paths);
        }
    })
    .map_err(|e| e.to_string())?;
    debouncer
        .watch(&watched, RecursiveMode::Recursive)
        .map_err(|e| e.to_string())?;
    Ok(debouncer)
}

/// Whether a changed path can affect the site.
fn is_source(root: &Path, output_dir: &Path, path: &Path) -> bool {
    if path.starts_with(output_dir) {
        return false;
    }
    let Ok(relative) = path.strip_prefix(root) else {
        return false;
    };
    let mut components = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy());
    let Some(first) = components.next() else {
        return false;
    };
    if first == "target" {
        return false;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let scratch = name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"; // vim's probe file
    !scratch
        && !std::iter::once(first)
            .chain(components)
            .any(|c| c.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_site_sources_count_as_changes() {
        let root = Path::new("/site");
        let out = Path::new("/site/public");
        assert!(is_source(root, out, Path::new("/site/content/blog/a.md")));
        assert!(is_source(root, out, Path::new("/site/site.toml")));
        assert!(is_source(root, out, Path::new("/site/static/css/site.css")));
        assert!(!is_source(root, out, Path::new("/site/public/index.html")));
        assert!(!is_source(root, out, Path::new("/site/.git/index")));
        assert!(!is_source(
            root,
            out,
            Path::new("/site/content/blog/.a.md.swp")
        ));
        assert!(!is_source(root, out, Path::new("/site/content/blog/a.md~")));
        assert!(!is_source(root, out, Path::new("/site/content/blog/4913")));
        assert!(!is_source(root, out, Path::new("/site/target/debug/x")));
        assert!(!is_source(root, out, Path::new("/elsewhere/a.md")));
    }
}
