//! The build stamp: a digest of everything a build reads, kept in the output
//! folder's marker file with the list of files the build wrote. When the next
//! build reads the same inputs and the output still holds those files, the
//! output is already what rendering would produce (builds are deterministic),
//! so knead skips rendering and writing. It does not decide what a changed
//! input affects; any change means a full build.
//!
//! Text inputs (site.yaml, Markdown, templates, data files) are hashed by content, which
//! discovery has read anyway; copied files (assets, static files) and the knead
//! binary itself by their metadata, so that a check never reads a large image:
//! size and modification time, as make and cargo do, and on Unix also the
//! change time and inode, which no copy can carry over (`cp -p`, `rsync -t` and
//! restores from backup keep size and mtime while changing the bytes).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::load::config::BaseUrl;
use crate::load::discover::Sources;
use crate::names::{CONFIG_FILE, MARKER_FILE};

/// The first line of a stamp in the marker file.
const STAMP_HEADER: &str = "stamp:";

/// What a build that wrote the output recorded about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub digest: String,
    pub pages: usize,
    pub sections: usize,
    pub assets: usize,
    /// Every written file, relative to the output folder, with its size.
    pub files: Vec<(PathBuf, u64)>,
}

/// What a build reads besides its sources, and the options that change its
/// output.
pub struct DigestInputs<'a> {
    /// Where the assets of `Sources` are.
    pub content_dir: &'a Path,
    /// site.yaml's text.
    pub config_text: &'a str,
    /// The base URL that replaces site.yaml's, if any.
    pub base_url: Option<&'a BaseUrl>,
    pub drafts: bool,
}

/// The digest of one build's inputs and options.
pub fn input_digest(inputs: &DigestInputs<'_>, sources: &Sources) -> String {
    let mut hasher = blake3::Hasher::new();
    let mut field = |label: &str, bytes: &[u8]| {
        hasher.update(label.as_bytes());
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field("knead", env!("CARGO_PKG_VERSION").as_bytes());
    if let Ok(exe) = std::env::current_exe() {
        field("binary", file_identity(&exe).as_bytes());
    }
    let base_url = inputs.base_url.map(BaseUrl::as_string).unwrap_or_default();
    field("base-url", base_url.as_bytes());
    field("drafts", &[u8::from(inputs.drafts)]);
    field(CONFIG_FILE, inputs.config_text.as_bytes());
    for file in &sources.markdown {
        field("md", file.rel_path.to_string_lossy().as_bytes());
        field("text", file.text.as_bytes());
    }
    for (rel_path, dates) in &sources.git_dates {
        field("git", rel_path.to_string_lossy().as_bytes());
        field("created", dates.created.text.as_bytes());
        field("modified", dates.modified.text.as_bytes());
    }
    for file in &sources.data {
        field("data", file.rel_path.to_string_lossy().as_bytes());
        field("text", file.text.as_bytes());
    }
    if let Some(file) = &sources.references {
        field("references", file.rel_path.to_string_lossy().as_bytes());
        field("text", file.text.as_bytes());
    }
    for (name, template) in &sources.templates {
        field("template", name.as_bytes());
        field("text", template.text.as_bytes());
    }
    for rel_path in &sources.assets {
        field("asset", rel_path.to_string_lossy().as_bytes());
        field(
            "file",
            file_identity(&inputs.content_dir.join(rel_path)).as_bytes(),
        );
    }
    for (rel_path, source) in &sources.static_files {
        field("static", rel_path.to_string_lossy().as_bytes());
        field("file", file_identity(source).as_bytes());
    }
    hasher.finalize().to_hex().to_string()
}

/// Size and modification time, plus what only the file system sets; a file
/// that cannot be read gives an empty identity, which the build itself will
/// then report.
fn file_identity(path: &Path) -> String {
    let Ok(meta) = fs::metadata(path) else {
        return String::new();
    };
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{} {modified}{}", meta.len(), system_identity(&meta))
}

#[cfg(unix)]
fn system_identity(meta: &fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        " {}.{} {}:{}",
        meta.ctime(),
        meta.ctime_nsec(),
        meta.dev(),
        meta.ino()
    )
}

#[cfg(not(unix))]
fn system_identity(_: &fs::Metadata) -> String {
    String::new()
}

impl Stamp {
    /// The stamp's lines, as written after the marker's text.
    pub fn render(&self) -> String {
        let mut text = format!(
            "{STAMP_HEADER} {} {} {} {}\n",
            self.digest, self.pages, self.sections, self.assets
        );
        for (path, size) in &self.files {
            // A newline in a path (an asset may have one) makes the stamp
            // unreadable, which costs one full build, nothing more.
            let _ = writeln!(text, "{size} {}", path.to_string_lossy());
        }
        text
    }

    /// The stamp in a marker file's text, if it has a well-formed one.
    pub fn parse(marker: &str) -> Option<Stamp> {
        let mut lines = marker.lines().skip_while(|l| !l.starts_with(STAMP_HEADER));
        let mut head = lines.next()?.strip_prefix(STAMP_HEADER)?.split_whitespace();
        let digest = head.next()?.to_string();
        let mut count = || head.next()?.parse().ok();
        let (pages, sections, assets) = (count()?, count()?, count()?);
        let files = lines
            .map(|line| {
                let (size, path) = line.split_once(' ')?;
                Some((PathBuf::from(path), size.parse().ok()?))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Stamp {
            digest,
            pages,
            sections,
            assets,
            files,
        })
    }

    /// Whether every file the stamp lists is still in `output_dir` at its size.
    pub fn output_is_intact(&self, output_dir: &Path) -> bool {
        self.files.iter().all(|(path, size)| {
            fs::symlink_metadata(output_dir.join(path))
                .is_ok_and(|m| m.is_file() && m.len() == *size)
        })
    }
}

/// What the output folder held when knead last wrote it: the marker's text
/// and each file's size and modification time. A session keeps it to notice
/// an output changed behind its back (`knead build` with other options into
/// the same folder, a file deleted by hand) before patching that output.
#[derive(Debug, PartialEq, Eq)]
pub struct OutputRecord {
    marker: Option<Vec<u8>>,
    files: Vec<(PathBuf, Option<(u64, SystemTime)>)>,
}

impl OutputRecord {
    /// The record of `output_dir` now, for the files its last full build
    /// stamped. `None` without a stamp: nothing to check against.
    pub fn of_full_build(output_dir: &Path) -> Option<OutputRecord> {
        let paths = load_stamp(output_dir)?.files.into_iter().map(|(p, _)| p);
        Some(OutputRecord::take(output_dir, paths.collect()))
    }

    /// The record of the same files now.
    pub fn again(&self, output_dir: &Path) -> OutputRecord {
        OutputRecord::take(
            output_dir,
            self.files.iter().map(|(p, _)| p.clone()).collect(),
        )
    }

    fn take(output_dir: &Path, paths: Vec<PathBuf>) -> OutputRecord {
        let files = paths
            .into_iter()
            .map(|path| {
                let meta = fs::symlink_metadata(output_dir.join(&path)).ok();
                let seen = meta.and_then(|m| Some((m.len(), m.modified().ok()?)));
                (path, seen)
            })
            .collect();
        OutputRecord {
            marker: fs::read(output_dir.join(MARKER_FILE)).ok(),
            files,
        }
    }
}

/// The stamp of the build that wrote `output_dir`, if any.
pub fn load_stamp(output_dir: &Path) -> Option<Stamp> {
    let marker = fs::read_to_string(output_dir.join(MARKER_FILE)).ok()?;
    Stamp::parse(&marker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_survives_render_and_parse() {
        let stamp = Stamp {
            digest: "ab12".into(),
            pages: 3,
            sections: 2,
            assets: 1,
            files: vec![
                (PathBuf::from("index.html"), 120),
                (PathBuf::from("a b/index.html"), 7),
            ],
        };
        let marker = format!("This folder is generated by knead.\n{}", stamp.render());
        assert_eq!(Stamp::parse(&marker), Some(stamp));
    }

    #[test]
    fn marker_without_a_stamp_or_with_a_broken_one_has_none() {
        assert_eq!(Stamp::parse(""), None);
        assert_eq!(Stamp::parse("generated by knead\n"), None);
        assert_eq!(Stamp::parse("stamp: ab 1 2\n"), None);
        assert_eq!(Stamp::parse("stamp: ab 1 2 3\nnot-a-size x\n"), None);
    }
}
