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
                for diagnostic in diagnostics {
                    writeln!(f, "{diagnostic}")?;
                }
                let errors = diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .count();
                let noun = if errors == 1 { "error" } else { "errors" };
                write!(
                    f,
                    "build failed with {errors} {noun}; the previous output was left as it was"
                )
            }
        }
    }
}

impl std::error::Error for Error {}

/// Turns a byte offset in `text` into a 1-based (line, column), counting columns in
/// characters so that editors land on the right spot in non-ASCII lines.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
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
