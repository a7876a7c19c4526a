//! Stage 5, writing: syncs the output folder with the rendered files.
//!
//! Creating files dominates the cost of a build on real disks, so files
//! whose bytes are unchanged are left alone, changed ones are overwritten in
//! place, and only files an earlier build wrote (listed in the manifest) are
//! ever removed. A non-empty folder without a manifest is not ours and is
//! refused.

use std::collections::HashSet;
use std::io;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostics::Diagnostic;

/// Lists the files the last build wrote; its presence marks a folder as
/// Knotwork's output.
pub const MANIFEST: &str = ".knotwork-manifest";
const MANIFEST_HEADER: &str = "# Written by knotwork build: the files of this folder it manages.";

/// A file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative, with `/` separators: `blog/x/index.html`.
    pub path: String,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// A file of the built site copied from elsewhere (a processed image in the
/// cache, a photo of static/). Like make, an output file of the same size
/// that is newer than its source is taken to be up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedFile {
    /// Relative, with `/` separators.
    pub path: String,
    pub from: PathBuf,
    pub len: u64,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SyncReport {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Checks, before anything is rendered, that the output folder is safe to
/// write into.
pub fn check_target(out_dir: &Path, root: &Path) -> Result<(), Diagnostic> {
    let out = absolute(out_dir);
    let root = absolute(root);
    if root.starts_with(&out) {
        return Err(Diagnostic::error(format!(
            "the output folder {} contains the site itself; writing there could destroy your content",
            out_dir.display()
        ))
        .help("set output_dir in site.toml (or --output-dir) to a folder of its own, like `public`"));
    }
    for protected in ["content", "static", "templates", "themes"] {
        if out.starts_with(root.join(protected)) {
            return Err(Diagnostic::error(format!(
                "the output folder {} is inside the site's {protected}/ folder",
                out_dir.display()
            ))
            .help("choose an output folder outside content/, static/, templates/ and themes/"));
        }
    }
    if out.is_file() {
        return Err(Diagnostic::error(format!(
            "the output path {} is a file, not a folder",
            out_dir.display()
        )));
    }
    if out.is_dir() && !out.join(MANIFEST).is_file() {
        let non_empty = std::fs::read_dir(&out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false);
        if non_empty {
            return Err(Diagnostic::error(format!(
                "the output folder {} is not empty and was not written by knotwork; refusing to write into it",
                out_dir.display()
            ))
            .help("empty or remove that folder yourself, or choose another output folder"));
        }
    }
    Ok(())
}

/// Lexically absolute (the folder may not exist yet, so no canonicalize).
fn absolute(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    normalize(&joined)
}

/// `a/./b/../c` → `a/c`, without touching the disk (so it works for paths
/// that do not exist yet, and never follows links).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Makes the output folder hold `files` and `copies`, and keeps the
/// files at `kept` (pages the last build wrote and this one did not render
/// again) as they are; removes what an earlier build wrote that is none of
/// these.
pub fn sync(
    out_dir: &Path,
    files: &[OutputFile],
    copies: &[CopiedFile],
    kept: &[&str],
) -> io::Result<SyncReport> {
    let paths = files
        .iter()
        .map(|f| f.path.as_str())
        .chain(copies.iter().map(|c| c.path.as_str()))
        .chain(kept.iter().copied());
    if let Some(bad) = paths
        .clone()
        .find(|p| !is_safe_relative(p) || *p == MANIFEST)
    {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to write outside the output folder: {bad}"),
        ));
    }
    // Into a folder that is new or empty, every file is new: nothing to
    // compare with (a clean build, as CI and deploys run it).
    let fresh = std::fs::read_dir(out_dir).map_or(true, |mut entries| entries.next().is_none());
    std::fs::create_dir_all(out_dir)?;
    let manifest_path = out_dir.join(MANIFEST);
    let previous = std::fs::read_to_string(&manifest_path).unwrap_or_default();
    let old: HashSet<&str> = previous
        .lines()
        .filter(|l| !l.starts_with('#') && is_safe_relative(l))
        .collect();

    create_parents(out_dir, files.iter().map(|f| f.path.as_str()))?;
    let outcomes: Vec<io::Result<bool>> = files
        .par_iter()
        .map(|f| write_if_changed(out_dir, f, fresh))
        .chain(copies.par_iter().map(|c| copy_if_missing(out_dir, c)))
        .collect();
    let mut report = SyncReport {
        unchanged: kept.len(),
        ..SyncReport::default()
    };
    for outcome in outcomes {
        if outcome? {
            report.written += 1;
        } else {
            report.unchanged += 1;
        }
    }

    let current: HashSet<&str> = paths.collect();
    let mut stale: Vec<&str> = old.difference(&current).copied().collect();
    stale.sort();
    for path in stale {
        let full = out_dir.join(path);
        match std::fs::remove_file(&full) {
            Ok(()) => {
                report.removed += 1;
                remove_empty_parents(out_dir, &full);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }

    let mut listed: Vec<&str> = current.into_iter().collect();
    listed.sort();
    let manifest = format!("{MANIFEST_HEADER}\n{}\n", listed.join("\n"));
    if manifest != previous {
        std::fs::write(&manifest_path, manifest)?;
    }
    Ok(report)
}

/// Creates the folders `paths` are written in, each once: a first build
/// would otherwise try each file, fail, create its folder and try again.
fn create_parents<'a>(out_dir: &Path, paths: impl Iterator<Item = &'a str>) -> io::Result<()> {
    let mut parents: Vec<&str> = paths
        .filter_map(|p| p.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    parents.sort_unstable();
    parents.dedup();
    parents
        .par_iter()
        .try_for_each(|dir| std::fs::create_dir_all(out_dir.join(dir)))
}

/// Writes a file unless it already holds these bytes (never, in a `fresh`
/// folder); true when written.
fn write_if_changed(out_dir: &Path, file: &OutputFile, fresh: bool) -> io::Result<bool> {
    let path = out_dir.join(&file.path);
    if !fresh && holds(&path, &file.bytes) {
        return Ok(false);
    }
    match std::fs::write(&path, &file.bytes) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &file.bytes)?;
            Ok(true)
        }
        Err(e) => Err(e),
    }
}

/// Whether the file at `path` holds exactly `bytes`.
fn holds(path: &Path, bytes: &[u8]) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|existing| existing == bytes)
}

/// Copies a file unless the output has it, of the same size and newer;
/// true when copied.
fn copy_if_missing(out_dir: &Path, file: &CopiedFile) -> io::Result<bool> {
    let path = out_dir.join(&file.path);
    if let Ok(existing) = std::fs::metadata(&path) {
        let source_time = std::fs::metadata(&file.from).and_then(|m| m.modified())?;
        let up_to_date = existing.is_file()
            && existing.len() == file.len
            && existing.modified().is_ok_and(|t| t >= source_time);
        if up_to_date {
            return Ok(false);
        }
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(&file.from, &path)?;
    Ok(true)
}

/// Removes folders left empty by a removal, up to (not including) the
/// output folder.
fn remove_empty_parents(out_dir: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == out_dir || !d.starts_with(out_dir) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_skips_unchanged_and_removes_stale() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let r = sync(
            &out,
            &[
                OutputFile::new("a/index.html", "A"),
                OutputFile::new("b/index.html", "B"),
            ],
            &[],
            &[],
        )
        .unwrap();
        assert_eq!((r.written, r.unchanged, r.removed), (2, 0, 0));
        // A file the user put there is not ours and stays.
        std::fs::write(out.join("CNAME"), "example.com").unwrap();
        let r = sync(&out, &[OutputFile::new("a/index.html", "A2")], &[], &[]).unwrap();
        assert_eq!((r.written, r.unchanged, r.removed), (1, 0, 1));
        assert!(!out.join("b").exists(), "emptied folder removed");
        assert!(out.join("CNAME").exists());
        let r = sync(&out, &[OutputFile::new("a/index.html", "A2")], &[], &[]).unwrap();
        assert_eq!((r.written, r.unchanged), (0, 1));
    }

    #[test]
    fn refuses_foreign_folders_and_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("important.txt"), "mine").unwrap();
        let err = check_target(&out, dir.path()).unwrap_err();
        assert!(err.message.contains("not written by knotwork"));
        assert!(check_target(dir.path(), &dir.path().join("site")).is_err());
        assert!(sync(
            &dir.path().join("x"),
            &[OutputFile::new("../evil", "x")],
            &[],
            &[]
        )
        .is_err());
    }
}
