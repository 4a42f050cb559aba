//! Dates from git (`dates: git`): when each content file was first and last
//! committed, read from one `git log` over the content folder's history, with
//! renames followed. Owns running git and reading its output; what the dates
//! mean for a page (front matter wins) is the site model's business.
//!
//! Dates are authors' dates (as Hugo's `:git`), so rebasing and cherry-picking
//! keep them; uncommitted changes count for nothing: a file's dates are those
//! of its committed history, the same on every machine with the same commits.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::front_matter::PageDate;
use crate::names::CONFIG_FILE;

/// When a file was first and last committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDates {
    pub created: PageDate,
    pub modified: PageDate,
}

/// Content-relative path (`types/swedish.md`) → its dates.
pub type GitDates = BTreeMap<PathBuf, FileDates>;

/// Why git gave no dates.
#[derive(Debug)]
enum NoHistory {
    /// `git` is not on PATH.
    NoGit,
    /// The content folder is not in a git work tree.
    NotRepository,
    /// A shallow clone: its oldest commits stand for all the history cut off.
    Shallow,
    /// git failed; its message.
    Failed(String),
}

/// The dates of the Markdown files (`pages`, paths under `content_dir`)
/// that git has committed. When git gives none, a warning at `dates:` in
/// site.yaml (`position`) says why.
pub fn git_dates<'a>(
    content_dir: &Path,
    pages: impl Iterator<Item = &'a Path>,
    position: (usize, usize),
    diagnostics: &mut Diagnostics,
) -> GitDates {
    match read_git_dates(content_dir) {
        Ok(mut dates) => {
            let pages: BTreeSet<&Path> = pages.collect();
            dates.retain(|path, _| pages.contains(path.as_path()));
            dates
        }
        Err(why) => {
            let (line, col) = position;
            diagnostics.push(why.warning().at(line, col));
            GitDates::new()
        }
    }
}

impl NoHistory {
    fn warning(&self) -> Diagnostic {
        let (problem, help) = match self {
            NoHistory::NoGit => (
                "`git` was not found on PATH".to_string(),
                "install git, or remove `dates: git`",
            ),
            NoHistory::NotRepository => (
                "the content folder is not in a git repository".to_string(),
                "commit the site to git, or remove `dates: git`",
            ),
            NoHistory::Shallow => (
                "this is a shallow clone, whose cut-off history would give wrong dates".to_string(),
                "clone the whole history: `git fetch --unshallow`, or `fetch-depth: 0` in GitHub's actions/checkout, or `GIT_DEPTH: 0` in GitLab CI",
            ),
            NoHistory::Failed(message) => (
                format!("git failed: {message}"),
                "run `git log` in the content folder to see why",
            ),
        };
        Diagnostic::warning(
            CONFIG_FILE,
            format!("`dates: git` is ignored: {problem}; pages have only the dates their front matter gives"),
        )
        .with_help(help)
    }
}

/// The dates of every file under `content_dir` that git has committed.
fn read_git_dates(content_dir: &Path) -> Result<GitDates, NoHistory> {
    let shallow = git(content_dir, &["rev-parse", "--is-shallow-repository"])?;
    if !shallow.status.success() {
        let message = first_line(&shallow.stderr);
        return Err(if message.contains("not a git repository") {
            NoHistory::NotRepository
        } else {
            NoHistory::Failed(message)
        });
    }
    if String::from_utf8_lossy(&shallow.stdout).trim() == "true" {
        return Err(NoHistory::Shallow);
    }
    let log = git(content_dir, LOG_ARGS)?;
    if !log.status.success() {
        let message = first_line(&log.stderr);
        // A repository without a commit yet (older gits say "bad default
        // revision"): no file has a history.
        if message.contains("does not have any commits") || message.contains("bad default revision")
        {
            return Ok(GitDates::new());
        }
        return Err(NoHistory::Failed(message));
    }
    parse_log(&log.stdout).map_err(NoHistory::Failed)
}

/// Every commit that touched the current folder, children before parents,
/// as `\x01<author date>\0` then `<status>\0<path>\0[<new path>\0]` per
/// file, paths relative to the folder and unquoted, renames detected.
const LOG_ARGS: &[&str] = &[
    "log",
    "--topo-order",
    "-z",
    "--name-status",
    "-M",
    "--relative",
    "--no-color",
    "--no-show-signature",
    "--format=%x01%aI",
    "--",
    ".",
];

fn git(dir: &Path, args: &[&str]) -> Result<Output, NoHistory> {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        // Messages in English, to tell "not a repository" from other failures.
        .env("LC_ALL", "C")
        .env("LANGUAGE", "C")
        .output()
        .map_err(|err| match err.kind() {
            ErrorKind::NotFound => NoHistory::NoGit,
            _ => NoHistory::Failed(format!("cannot run git: {err}")),
        })
}

fn first_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    line.trim().trim_start_matches("fatal: ").to_string()
}

/// Reads `git log` output made with `LOG_ARGS`. A file's history goes back
/// through its renames; the history of a deleted file, or of the file that
/// had a path before the present one was added or renamed there, is not
/// the present file's.
fn parse_log(output: &[u8]) -> Result<GitDates, String> {
    let mut dates = GitDates::new();
    // Older name → the present name, or `None` for an older, other file.
    let mut names: HashMap<String, Option<String>> = HashMap::new();
    // Every token ends with NUL: the last one is not followed by an empty one.
    let output = output.strip_suffix(b"\0").unwrap_or(output);
    let mut tokens = output
        .split(|&b| b == 0)
        .map(|t| String::from_utf8_lossy(t).into_owned());
    let mut date: Option<PageDate> = None;
    while let Some(token) = tokens.next() {
        let token = token.trim_start_matches('\n');
        if let Some(text) = token.strip_prefix('\u{1}') {
            let parsed = PageDate::parse(text)
                .map_err(|e| format!("git gave the date {text:?}, which knead cannot read: {e}"))?;
            date = Some(parsed);
            continue;
        }
        let Some(status) = token.chars().next() else {
            continue;
        };
        let date = date
            .as_ref()
            .ok_or_else(|| "git's output does not start with a commit".to_string())?;
        let mut path = || {
            tokens
                .next()
                .ok_or_else(|| format!("git's output ends inside a `{token}` entry"))
        };
        match status {
            'R' | 'C' => {
                let (old, new) = (path()?, path()?);
                if let Some(present) = present_name(&names, &new) {
                    record(&mut dates, &present, date);
                    if status == 'R' {
                        names.insert(old, Some(present));
                    }
                }
                names.insert(new, None);
            }
            _ => {
                let name = path()?;
                if let Some(present) = present_name(&names, &name) {
                    if status != 'D' {
                        record(&mut dates, &present, date);
                    }
                }
                if matches!(status, 'A' | 'D') {
                    names.insert(name, None);
                }
            }
        }
    }
    Ok(dates)
}

/// What a path in an older commit is called now; `None` when it belongs
/// to another file.
fn present_name(names: &HashMap<String, Option<String>>, name: &str) -> Option<String> {
    match names.get(name) {
        Some(present) => present.clone(),
        None => Some(name.to_string()),
    }
}

fn record(dates: &mut GitDates, name: &str, date: &PageDate) {
    let entry = dates
        .entry(PathBuf::from(name))
        .or_insert_with(|| FileDates {
            created: date.clone(),
            modified: date.clone(),
        });
    if *date < entry.created {
        entry.created = date.clone();
    }
    if *date > entry.modified {
        entry.modified = date.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(commits: &[(&str, &[&str])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (date, entries) in commits {
            out.extend_from_slice(format!("\u{1}{date}\0\n").as_bytes());
            for entry in *entries {
                out.extend_from_slice(entry.as_bytes());
                out.push(0);
            }
        }
        out
    }

    fn texts(dates: &GitDates, path: &str) -> Option<(String, String)> {
        let d = dates.get(Path::new(path))?;
        Some((d.created.text.clone(), d.modified.text.clone()))
    }

    #[test]
    fn first_and_last_commit_of_each_file() {
        let out = log(&[
            ("2024-03-01T10:00:00+02:00", &["M", "a.md"]),
            ("2024-02-01T10:00:00Z", &["A", "b.md", "M", "a.md"]),
            ("2024-01-01T10:00:00Z", &["A", "a.md"]),
        ]);
        let dates = parse_log(&out).expect("parsed");
        assert_eq!(
            texts(&dates, "a.md"),
            Some((
                "2024-01-01T10:00:00Z".into(),
                "2024-03-01T10:00:00+02:00".into()
            ))
        );
        assert_eq!(
            texts(&dates, "b.md"),
            Some(("2024-02-01T10:00:00Z".into(), "2024-02-01T10:00:00Z".into()))
        );
    }

    #[test]
    fn renames_carry_the_history_and_deleted_files_do_not() {
        let out = log(&[
            ("2024-04-01T00:00:00Z", &["A", "old.md"]),
            ("2024-03-01T00:00:00Z", &["R100", "old.md", "new.md"]),
            ("2024-02-01T00:00:00Z", &["M", "old.md", "D", "gone.md"]),
            ("2024-01-01T00:00:00Z", &["A", "old.md", "A", "gone.md"]),
        ]);
        let dates = parse_log(&out).expect("parsed");
        assert_eq!(
            texts(&dates, "new.md"),
            Some(("2024-01-01T00:00:00Z".into(), "2024-03-01T00:00:00Z".into()))
        );
        // Added again after the rename: a file of its own.
        assert_eq!(
            texts(&dates, "old.md"),
            Some(("2024-04-01T00:00:00Z".into(), "2024-04-01T00:00:00Z".into()))
        );
        assert_eq!(texts(&dates, "gone.md"), None);
    }

    #[test]
    fn paths_are_taken_as_written() {
        let out = log(&[("2024-01-01T00:00:00Z", &["A", "\u{1}odd\nname é.md"])]);
        let dates = parse_log(&out).expect("parsed");
        assert!(dates.contains_key(Path::new("\u{1}odd\nname é.md")));
    }

    #[test]
    fn malformed_output_is_an_error_not_a_panic() {
        assert!(parse_log(b"M\0a.md\0").is_err());
        assert!(parse_log(b"\x01yesterday\0").is_err());
        assert!(parse_log(b"\x012024-01-01T00:00:00Z\0R100\0a.md\0").is_err());
        assert_eq!(parse_log(b"").expect("empty"), GitDates::new());
    }
}
