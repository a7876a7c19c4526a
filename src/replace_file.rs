//! Files of `.knotwork-cache/` replaced whole: written under a name of
//! this process's own beside the file, then renamed over it. A build
//! stopped half-way, or two builds of one site at once (tests do that),
//! never leave half a file; a write that fails removes its temporary file.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Replaces `file` with what `write` writes (creating its folder).
pub fn replace(
    file: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = temporary_name(file);
    let written = (|| {
        let mut out = BufWriter::new(File::create(&tmp)?);
        write(&mut out)?;
        out.flush()?;
        std::fs::rename(&tmp, file)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// `dir/.name.<pid>.tmp` for `dir/name`.
fn temporary_name(file: &Path) -> PathBuf {
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    file.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_and_leaves_nothing_behind_when_writing_fails() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cache").join("pages");
        replace(&file, |out| out.write_all(b"first")).unwrap();
        replace(&file, |out| out.write_all(b"second")).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"second");

        let failed = replace(&file, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&file).unwrap(), b"second", "old file kept");
        let left: Vec<_> = std::fs::read_dir(file.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
    }
}
