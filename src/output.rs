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

/// Writes a build's pages as they are rendered, into an output folder
/// that was absent or empty when the build began (a clean build, as CI
/// and deploys run it). There is nothing there to compare with or to keep,
/// so a page need not wait in memory for all the others: at 10,000
/// articles the rendered pages were 170 MB held until the write.
///
/// A failed build must leave the folder as it was, so until [`keep`]
/// (the build succeeded) everything written is removed again when the
/// writer is dropped: the folder itself if this build created it, else
/// the files written and the folders made for them.
///
/// [`keep`]: FreshWriter::keep
pub struct FreshWriter {
    out_dir: PathBuf,
    /// The folder did not exist before this build.
    created: bool,
    written: std::sync::Mutex<Vec<String>>,
    /// The folders made for the files, parents before children.
    folders: Vec<String>,
    kept: bool,
}

impl FreshWriter {
    /// A writer into `out_dir` if it is absent or empty; `None` if it holds
    /// anything (an earlier build's output: [`sync`] compares with it).
    pub fn open(out_dir: &Path) -> Option<FreshWriter> {
        let created = !out_dir.exists();
        is_absent_or_empty(out_dir).then(|| FreshWriter {
            out_dir: out_dir.to_path_buf(),
            created,
            written: std::sync::Mutex::new(Vec::new()),
            folders: Vec::new(),
            kept: false,
        })
    }

    /// Creates the folders the files at `paths` go in, each once, before
    /// they are written from several threads.
    pub fn prepare<'a>(&mut self, paths: impl Iterator<Item = &'a str>) -> io::Result<()> {
        std::fs::create_dir_all(&self.out_dir)?;
        self.folders = parents(paths);
        create_folders(&self.out_dir, &self.folders)
    }

    /// Writes one file (its folder made by [`prepare`](Self::prepare) or here).
    pub fn write(&self, file: &OutputFile) -> io::Result<()> {
        if !is_safe_relative(&file.path) || file.path == MANIFEST {
            return Err(outside(&file.path));
        }
        write_if_changed(&self.out_dir, file, true)?;
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(file.path.clone());
        Ok(())
    }

    /// The paths of the files written so far.
    pub fn written(&self) -> Vec<String> {
        self.written
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The build succeeded: the files written stay.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for FreshWriter {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        if self.created {
            let _ = std::fs::remove_dir_all(&self.out_dir);
            return;
        }
        let written = self.written.get_mut().unwrap_or_else(|e| e.into_inner());
        for path in written.iter() {
            let _ = std::fs::remove_file(self.out_dir.join(path));
        }
        // Children first (a page whose render failed has an empty folder
        // too); a folder holding anything else stays.
        for folder in self.folders.iter().rev() {
            remove_empty_folders(&self.out_dir, &self.out_dir.join(folder));
        }
    }
}

fn outside(path: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("refusing to write outside the output folder: {path}"),
    )
}

/// Makes the output folder hold `files` and `copies`, and keeps the
/// files at `kept` (pages the last build wrote and this one did not render
/// again) as they are; removes what an earlier build wrote that is none of
/// these. `written` are the files a [`FreshWriter`] wrote already.
pub fn sync(
    out_dir: &Path,
    files: &[OutputFile],
    copies: &[CopiedFile],
    kept: &[&str],
    written: &[String],
) -> io::Result<SyncReport> {
    let paths = files
        .iter()
        .map(|f| f.path.as_str())
        .chain(copies.iter().map(|c| c.path.as_str()))
        .chain(kept.iter().copied())
        .chain(written.iter().map(String::as_str));
    if let Some(bad) = paths
        .clone()
        .find(|p| !is_safe_relative(p) || *p == MANIFEST)
    {
        return Err(outside(bad));
    }
    // Into a folder that is new or empty, every file is new: nothing to
    // compare with (a clean build, as CI and deploys run it). A folder
    // pages were written into as they were rendered was such a folder.
    let fresh = !written.is_empty() || is_absent_or_empty(out_dir);
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
        written: written.len(),
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
    create_folders(out_dir, &parents(paths))
}

/// Creates `folders` (relative to `out_dir`), in parallel.
fn create_folders(out_dir: &Path, folders: &[String]) -> io::Result<()> {
    folders
        .par_iter()
        .try_for_each(|dir| std::fs::create_dir_all(out_dir.join(dir)))
}

/// Whether `dir` does not exist or holds nothing: a build there has
/// nothing to compare with or keep.
fn is_absent_or_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut entries| entries.next().is_none())
}

/// The folders of `paths`, each once, sorted (a folder before those in it).
fn parents<'a>(paths: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut parents: Vec<&str> = paths
        .filter_map(|p| p.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    parents.sort_unstable();
    parents.dedup();
    parents.into_iter().map(str::to_string).collect()
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
    if let Some(dir) = file.parent() {
        remove_empty_folders(out_dir, dir);
    }
}

/// Removes `dir` if it is empty, then each parent left empty, up to (not
/// including) the output folder.
fn remove_empty_folders(out_dir: &Path, dir: &Path) {
    let mut dir = Some(dir);
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

    /// Syncs `out` with `files` alone (nothing copied, kept or written).
    fn sync_files(out: &Path, files: &[OutputFile]) -> io::Result<SyncReport> {
        sync(out, files, &[], &[], &[])
    }

    #[test]
    fn writes_skips_unchanged_and_removes_stale() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let both = [
            OutputFile::new("a/index.html", "A"),
            OutputFile::new("b/index.html", "B"),
        ];
        let r = sync_files(&out, &both).unwrap();
        assert_eq!((r.written, r.unchanged, r.removed), (2, 0, 0));
        // A file the user put there is not ours and stays.
        std::fs::write(out.join("CNAME"), "example.com").unwrap();
        let changed = [OutputFile::new("a/index.html", "A2")];
        let r = sync_files(&out, &changed).unwrap();
        assert_eq!((r.written, r.unchanged, r.removed), (1, 0, 1));
        assert!(!out.join("b").exists(), "emptied folder removed");
        assert!(out.join("CNAME").exists());
        let r = sync_files(&out, &changed).unwrap();
        assert_eq!((r.written, r.unchanged), (0, 1));
    }

    #[test]
    fn a_fresh_writer_takes_back_what_it_wrote_unless_kept() {
        let dir = tempfile::tempdir().unwrap();
        let page = OutputFile::new("blog/a/index.html", "A");
        let paths = ["blog/a/index.html", "blog/b/index.html"];

        // Into a folder it creates: the folder goes.
        let absent = dir.path().join("absent");
        let mut writer = FreshWriter::open(&absent).unwrap();
        writer.prepare(paths.into_iter()).unwrap();
        writer.write(&page).unwrap();
        assert!(absent.join("blog/a/index.html").is_file());
        drop(writer);
        assert!(!absent.exists());

        // Into an empty folder: its own files and folders go (`blog/b`,
        // made for a page never written, too); the folder stays, and so
        // does a file someone else put there meanwhile.
        let empty = dir.path().join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let mut writer = FreshWriter::open(&empty).unwrap();
        writer.prepare(paths.into_iter()).unwrap();
        writer.write(&page).unwrap();
        std::fs::write(empty.join("CNAME"), "example.com").unwrap();
        assert!(writer.write(&OutputFile::new("../evil", "x")).is_err());
        drop(writer);
        let left: Vec<_> = std::fs::read_dir(&empty)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["CNAME"]);
        assert!(
            FreshWriter::open(&empty).is_none(),
            "a folder with a file is not fresh"
        );

        // Kept: everything stays, and sync counts it as written.
        let kept = dir.path().join("kept");
        let mut writer = FreshWriter::open(&kept).unwrap();
        writer.prepare(paths.into_iter()).unwrap();
        writer.write(&page).unwrap();
        let written = writer.written();
        let r = sync(&kept, &[], &[], &[], &written).unwrap();
        writer.keep();
        assert_eq!((r.written, r.unchanged, r.removed), (1, 0, 0));
        assert!(kept.join("blog/a/index.html").is_file());
        let manifest = std::fs::read_to_string(kept.join(MANIFEST)).unwrap();
        assert!(
            manifest.lines().any(|l| l == "blog/a/index.html"),
            "{manifest}"
        );
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
        assert!(sync_files(&dir.path().join("x"), &[OutputFile::new("../evil", "x")]).is_err());
    }
}
