//! Diagnostics: the one error type of a build. Every stage reports problems as
//! `Diagnostic`s (file, line, column, message, hint); a build collects them all and
//! fails once, listing every problem sorted by file and position. This module does
//! not decide what is an error; the stages do.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    /// Worth knowing, never a failure, not even with `--strict`: such as an
    /// external link whose server would not let knead verify it.
    Note,
}

/// One problem at one place. `line` and `col` are 1-based; 0 means "the whole file".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Relative to the site root when the file is inside it, so messages stay short.
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
    /// What the author can do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            line: 0,
            col: 0,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    pub fn note(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Note,
            ..Diagnostic::error(path, message)
        }
    }

    pub fn at(mut self, line: usize, col: usize) -> Self {
        self.line = line;
        self.col = col;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// An I/O failure, which always keeps the path it happened on.
    pub fn io(path: &Path, action: &str, err: &std::io::Error) -> Self {
        Diagnostic::error(path, format!("could not {action}: {err}"))
    }

    fn sort_key(&self) -> (&Path, usize, usize, Severity, &str) {
        (
            &self.path,
            self.line,
            self.col,
            self.severity,
            &self.message,
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.col.max(1))?;
        }
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        write!(f, ": {label}: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// Collects the diagnostics of one build; stages push into it instead of returning
/// at the first problem.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Sorted by file, then position, so reports are stable whatever the order of work.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.items.dedup();
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Why a command failed; decides the exit code.
#[derive(Debug)]
pub enum Error {
    /// The command line or the environment is wrong (exit code 2).
    Usage(String),
    /// The site has problems (exit code 1); every one of them, sorted.
    Build(Vec<Diagnostic>),
}

impl Error {
    pub fn build(diagnostics: impl IntoIterator<Item = Diagnostic>) -> Self {
        let mut all = Diagnostics::default();
        all.extend(diagnostics);
        Error::Build(all.into_sorted())
    }

    /// How many of the problems are errors (not warnings).
    pub fn error_count(&self) -> usize {
        match self {
            Error::Usage(_) => 1,
            Error::Build(diagnostics) => diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count(),
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            Error::Build(_) => 1,
        }
    }
}

impl From<Diagnostic> for Error {
    fn from(diagnostic: Diagnostic) -> Self {
        Error::Build(vec![diagnostic])
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) => write!(f, "error: {message}"),
            Error::Build(diagnostics) => {
                for (i, diagnostic) in diagnostics.iter().enumerate() {
                    let separator = if i == 0 { "" } else { "\n" };
                    write!(f, "{separator}{diagnostic}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

/// Turns a byte offset in `text` into a 1-based (line, column), counting columns in
/// characters so that editors land on the right spot in non-ASCII lines. An
/// offset inside a character counts as that character's start.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineCursor::new(text).line_col(offset)
}

/// `line_col` for many offsets into one text. Each call reads the text only
/// from the previous offset on, so offsets that come in order (a page's links,
/// as the parser meets them) cost one pass over the text in all, not one pass
/// each, which made a page with many links take quadratic time.
pub struct LineCursor<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    col: usize,
}

impl<'a> LineCursor<'a> {
    pub fn new(text: &'a str) -> LineCursor<'a> {
        LineCursor {
            text,
            offset: 0,
            line: 1,
            col: 1,
        }
    }

    pub fn line_col(&mut self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset);
        if offset < self.offset {
            *self = LineCursor::new(self.text);
        }
        let passed = &self.text[self.offset..offset];
        match passed.rfind('\n') {
            Some(last) => {
                self.line += passed.matches('\n').count();
                self.col = passed[last + 1..].chars().count() + 1;
            }
            None => self.col += passed.chars().count(),
        }
        self.offset = offset;
        (self.line, self.col)
    }
}

/// The largest character boundary of `text` at or before `offset`.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    // A character is at most four bytes, and offset 0 is a boundary.
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The closest candidate to `word` if it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::normalized_damerau_levenshtein(word, c), c))
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_chars() {
        let text = "ab\ncé d\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        // "é" is two bytes but one column
        assert_eq!(line_col(text, 7), (2, 4));
    }

    #[test]
    fn line_col_inside_a_character_or_past_the_end_stays_in_the_text() {
        let text = "ab\ncé d\n";
        // Byte 5 is the second byte of "é".
        assert_eq!(line_col(text, 5), (2, 2));
        assert_eq!(line_col(text, 999), (3, 1));
        assert_eq!(line_col("", 3), (1, 1));
    }

    #[test]
    fn line_cursor_agrees_with_line_col_in_any_order() {
        let text = "ab\ncé d\n\nxyz€\nq";
        let mut cursor = LineCursor::new(text);
        let offsets = [0, 1, 3, 5, 6, 9, 10, 14, 4, 2, 17, 18, 40, 0];
        for offset in offsets {
            assert_eq!(
                cursor.line_col(offset),
                line_col_by_scan(text, offset),
                "{offset}"
            );
        }
    }

    /// The plain definition, to check the cursor against.
    fn line_col_by_scan(text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    #[test]
    fn suggest_finds_typos_and_ignores_strangers() {
        let keys = ["title", "description", "date"];
        assert_eq!(suggest("titel", keys), Some("title"));
        assert_eq!(suggest("descripton", keys), Some("description"));
        assert_eq!(suggest("zebra", keys), None);
    }

    #[test]
    fn diagnostics_sort_by_file_then_line() {
        let mut all = Diagnostics::default();
        all.push(Diagnostic::error("b.md", "x").at(1, 1));
        all.push(Diagnostic::error("a.md", "y").at(9, 1));
        all.push(Diagnostic::error("a.md", "z").at(2, 1));
        let sorted: Vec<_> = all.into_sorted().into_iter().map(|d| d.message).collect();
        assert_eq!(sorted, ["z", "y", "x"]);
    }
}
