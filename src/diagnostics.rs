//! Located errors and warnings, the "did you mean" suggestions, and their
//! rendering for a terminal.
//!
//! Every stage of the build reports problems as [`Diagnostic`]s collected in a
//! [`Diagnostics`] list instead of stopping at the first one, so a studio owner
//! sees every mistake of a build in one run. This module knows nothing about
//! what is being built; it only knows files, offsets and messages.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file the build read, kept so that errors can quote the offending line.
#[derive(Debug)]
pub struct Source {
    /// The path as shown to the user: relative to the site root where possible.
    pub path: PathBuf,
    pub text: String,
}

impl Source {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Arc<Self> {
        Arc::new(Source {
            path: path.into(),
            text,
        })
    }

    /// The location of a byte range of this file.
    pub fn locate(&self, range: Range<usize>) -> Location {
        Location::in_text(&self.path, &self.text, range)
    }

    /// A location that names only this file (for whole-file problems).
    pub fn whole(&self) -> Location {
        Location::file(&self.path)
    }
}

/// Where a problem is: a file, and, when known, a line and column (1-based)
/// with the text of that line for quoting.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// The whole offending line, without its line break; empty when unknown.
    pub line_text: String,
    /// How many characters of `line_text` the problem covers, from `column`.
    pub width: usize,
}

impl Location {
    pub fn file(path: &Path) -> Self {
        Location {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            line_text: String::new(),
            width: 0,
        }
    }

    /// Computes line, column and line text of `range` within `text`.
    pub fn in_text(path: &Path, text: &str, range: Range<usize>) -> Self {
        let start = floor_char_boundary(text, range.start.min(text.len()));
        let end = floor_char_boundary(text, range.end.clamp(start, text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        // memchr's search from line break to line break: every link of
        // every article is located while its Markdown renders, and
        // `str::matches('\n')` was 2.5 % of a clean build's CPU.
        let line = memchr::memchr_iter(b'\n', &text.as_bytes()[..line_start]).count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let line_text = text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let width = text[start..end.min(line_end).max(start)]
            .chars()
            .count()
            .max(1);
        Location {
            file: path.to_path_buf(),
            line,
            column,
            line_text,
            width,
        }
    }

    pub fn with_line(path: &Path, line: usize, column: usize, line_text: &str) -> Self {
        Location {
            file: path.to_path_buf(),
            line,
            column: column.max(1),
            line_text: line_text.to_string(),
            width: 1,
        }
    }

    pub fn has_line(&self) -> bool {
        self.line > 0
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.has_line() {
            write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
        } else {
            write!(f, "{}", self.file.display())
        }
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem: what is wrong, where, and what would fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Boxed: a diagnostic travels in many `Result`s, and a location is
    /// most of its size.
    pub location: Option<Box<Location>>,
    /// A suggestion such as "did you mean `title`?".
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            help: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(Box::new(location));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds "did you mean `x`?" when some candidate is close to `wrong`.
    pub fn suggest<'a>(
        mut self,
        wrong: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        if let Some(best) = closest(wrong, candidates) {
            self.help = Some(format!("did you mean `{best}`?"));
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic the way rustc does: a title, the quoted line
    /// with the problem underlined, and the suggestion.
    pub fn render(&self, color: bool) -> String {
        use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let path_text;
        let mut first = Group::with_title(level.primary_title(&self.message));
        match &self.location {
            Some(loc) if loc.has_line() && !loc.line_text.is_empty() => {
                path_text = loc.file.display().to_string();
                let start = byte_offset_of_column(&loc.line_text, loc.column);
                let end = byte_offset_of_column(&loc.line_text, loc.column + loc.width).max(start);
                first = first.element(
                    Snippet::source(&loc.line_text)
                        .line_start(loc.line)
                        .path(&path_text)
                        .annotation(AnnotationKind::Primary.span(start..end)),
                );
            }
            Some(loc) => {
                path_text = format!("in {loc}");
                first = first.element(Level::NOTE.message(&path_text));
            }
            None => {}
        }
        let mut report = vec![first];
        if let Some(help) = &self.help {
            report.push(Group::with_title(Level::HELP.secondary_title(help)));
        }
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        renderer.render(&report).to_string()
    }
}

fn byte_offset_of_column(line: &str, column: usize) -> usize {
    line.char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i)
}

/// The plain one-line form, `file:line:col: error: message (help)`, used in
/// logs and tests.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{kind}: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

/// All the problems of a build, in the order they were found.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.list.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.list.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.list.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.list.iter().filter(|d| d.is_error()).count()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.list.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Sorts by file and line so that a report reads file by file; the
    /// order of discovery depends on parallel scheduling.
    pub fn sort(&mut self) {
        self.list.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                d.location
                    .as_ref()
                    .map(|l| (l.file.clone(), l.line, l.column))
            };
            key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
        });
        self.list.dedup();
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.list {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

/// The candidate closest to `wrong`, if it is close enough to be what the
/// user meant. Ties go to the first candidate in iteration order, so callers
/// pass candidates in a stable order.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::normalized_damerau_levenshtein(&wrong_lower, &c.to_lowercase())
            .max(strsim::jaro_winkler(&wrong_lower, &c.to_lowercase()) - 0.15);
        if score >= 0.6 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_line_and_column() {
        let text = "a = 1\ntitel = \"x\"\n";
        let loc = Location::in_text(Path::new("f.toml"), text, 6..11);
        assert_eq!((loc.line, loc.column, loc.width), (2, 1, 5));
        assert_eq!(loc.line_text, "titel = \"x\"");
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(closest("titel", ["title", "date"]), Some("title"));
        assert_eq!(
            closest("upper-trapezus", ["upper-trapezius", "scalenes"]),
            Some("upper-trapezius")
        );
        assert_eq!(closest("zzz", ["title", "date"]), None);
    }

    #[test]
    fn renders_quoted_line_and_help() {
        let text = "titel = \"x\"\n";
        let d = Diagnostic::error("unknown key `titel`")
            .at(Location::in_text(Path::new("site.toml"), text, 0..5))
            .suggest("titel", ["title"]);
        let out = d.render(false);
        assert!(out.contains("site.toml:1:1"), "{out}");
        assert!(out.contains("titel = \"x\""), "{out}");
        assert!(out.contains("did you mean `title`?"), "{out}");
    }
}
