//! Discovery: the one stage that reads the site from disk. Walks `content/`,
//! `data/`, the theme and the site's `static/` and `templates/` with walkdir (sorted, symlinks
//! kept inside the site root), skips ignored files, and loads every text the later
//! stages need. What it cannot use it reports and skips: symlinks that loop or
//! lead out of the site, FIFOs and other special files, names that are not
//! UTF-8, texts over `MAX_TEXT_BYTES`. It does not interpret anything it reads.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diagnostic::{Diagnostic, Diagnostics, line_col};
use crate::load::config::{Config, DEFAULT_REFERENCES, DateSource};
use crate::load::data::DataFile;
use crate::load::git::{GitDates, git_dates};
use crate::load::images::{ImageHeaders, read_headers};
use crate::names::{CONFIG_FILE, CONTENT_DIR, DATA_DIR, STATIC_DIR, TEMPLATES_DIR, THEMES_DIR};
use crate::slug::slash_path;

/// Everything a build reads, loaded into memory.
#[derive(Debug, Default)]
pub struct Sources {
    /// Markdown files, sorted by path.
    pub markdown: Vec<MarkdownFile>,
    /// Other files under content/, relative to it, sorted.
    pub assets: Vec<PathBuf>,
    /// Files copied to the output root: output-relative path → source file.
    /// The site's `static/` wins over the theme's.
    pub static_files: BTreeMap<PathBuf, PathBuf>,
    /// Templates by name (`page.html`, `partials/nav.html`); the site's
    /// `templates/` wins over the theme's.
    pub templates: BTreeMap<String, TemplateFile>,
    /// The files under data/, sorted by path.
    pub data: Vec<DataFile>,
    /// The headers of the images among `assets` (same keys) and among
    /// `static_files` (output-relative keys).
    pub images: ImageHeaders,
    pub static_images: ImageHeaders,
    /// With `dates: git`: when each Markdown file was first and last
    /// committed (keys as `markdown`'s paths).
    pub git_dates: GitDates,
    /// The references file for citations, when the site has one.
    pub references: Option<ReferencesFile>,
}

/// The site's references file, as read.
#[derive(Debug, Clone)]
pub struct ReferencesFile {
    /// Relative to the site root (`references.yaml`).
    pub rel_path: PathBuf,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct MarkdownFile {
    /// Relative to content/ (`types/swedish.md`).
    pub rel_path: PathBuf,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct TemplateFile {
    /// Relative to the site root, for error messages.
    pub display_path: PathBuf,
    pub text: String,
}

/// Loads the site under `root`. Problems (unreadable files, bad encodings, symlinks
/// pointing out of the site) are collected, not fatal.
pub fn load_sources(root: &Path, config: &Config, diagnostics: &mut Diagnostics) -> Sources {
    let walker = Walker::new(root);
    let mut sources = Sources::default();
    let content_dir = root.join(CONTENT_DIR);
    for path in walker.files(&content_dir, diagnostics) {
        let rel_path = strip(&path, &content_dir);
        if is_markdown(&path) {
            if let Some(text) = read_text(root, &path, diagnostics) {
                sources.markdown.push(MarkdownFile { rel_path, text });
            }
        } else {
            sources.assets.push(rel_path);
        }
    }
    let data_dir = root.join(DATA_DIR);
    for path in walker.files(&data_dir, diagnostics) {
        if let Some(text) = read_text(root, &path, diagnostics) {
            let rel_path = strip(&path, &data_dir);
            sources.data.push(DataFile { rel_path, text });
        }
    }
    sources.references = read_references(root, config, diagnostics);
    let mut layers = Vec::new();
    if let Some(theme) = &config.theme {
        let theme_dir = root.join(THEMES_DIR).join(theme);
        if theme_dir.is_dir() {
            layers.push(theme_dir);
        } else {
            let (line, col) = config.theme_position;
            diagnostics.push(missing_theme(root, theme).at(line, col));
        }
    }
    layers.push(root.to_path_buf());
    for layer in &layers {
        let static_dir = layer.join(STATIC_DIR);
        for path in walker.files(&static_dir, diagnostics) {
            sources.static_files.insert(strip(&path, &static_dir), path);
        }
        let templates_dir = layer.join(TEMPLATES_DIR);
        for path in walker.files(&templates_dir, diagnostics) {
            if let Some(text) = read_text(root, &path, diagnostics) {
                let name = slash_path(&strip(&path, &templates_dir));
                let display_path = strip(&path, root);
                sources
                    .templates
                    .insert(name, TemplateFile { display_path, text });
            }
        }
    }
    let assets = sources.assets.iter();
    let assets = assets.map(|rel| (rel.clone(), Path::new(CONTENT_DIR).join(rel)));
    sources.images = read_headers(root, assets.collect());
    let static_files = sources.static_files.iter();
    let static_files = static_files.map(|(rel, source)| (rel.clone(), strip(source, root)));
    sources.static_images = read_headers(root, static_files.collect());
    if config.dates == DateSource::Git && !sources.markdown.is_empty() {
        let position = config.dates_position;
        let pages = sources.markdown.iter().map(|f| f.rel_path.as_path());
        sources.git_dates = git_dates(&content_dir, pages, position, diagnostics);
    }
    sources
}

/// The references file site.yaml names, or `references.yaml` when the site
/// has one. It must be a file in the site folder itself, where the watcher
/// of `knead serve` sees it change.
fn read_references(
    root: &Path,
    config: &Config,
    diagnostics: &mut Diagnostics,
) -> Option<ReferencesFile> {
    let citations = &config.citations;
    let name = citations
        .references
        .as_deref()
        .unwrap_or(DEFAULT_REFERENCES);
    let (line, col) = citations.references_position;
    let plain = Path::new(name).file_name() == Some(name.as_ref()) && name != "..";
    if !plain {
        diagnostics.push(
            Diagnostic::error(
                CONFIG_FILE,
                format!("`citations.references` must name a file in the site folder, not {name:?}"),
            )
            .at(line, col)
            .with_help("put the references file beside site.yaml and write its name, such as `references.yaml`"),
        );
        return None;
    }
    let path = root.join(name);
    if citations.references.is_none() && !path.exists() {
        return None;
    }
    if !path.exists() {
        diagnostics.push(
            Diagnostic::error(CONFIG_FILE, format!("references file {name:?} not found"))
                .at(line, col)
                .with_help(format!(
                    "create {name} beside site.yaml, or remove `citations.references`"
                )),
        );
        return None;
    }
    let text = read_text(root, &path, diagnostics)?;
    Some(ReferencesFile {
        rel_path: PathBuf::from(name),
        text,
    })
}

fn missing_theme(root: &Path, theme: &str) -> Diagnostic {
    let available: Vec<String> = fs::read_dir(root.join(THEMES_DIR))
        .map(|dir| {
            let mut names: Vec<String> = dir
                .flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        })
        .unwrap_or_default();
    let help = if available.is_empty() {
        "create the theme folder, or remove `theme` and put templates in templates/".to_string()
    } else {
        format!("the themes in themes/ are: {}", available.join(", "))
    };
    Diagnostic::error(
        CONFIG_FILE,
        format!("theme {theme:?} not found: there is no folder themes/{theme}"),
    )
    .with_help(help)
}

/// Walks folders of one site, keeping symlinks inside its root.
struct Walker {
    root: PathBuf,
    canonical_root: PathBuf,
}

impl Walker {
    fn new(root: &Path) -> Walker {
        Walker {
            root: root.to_path_buf(),
            canonical_root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
        }
    }

    /// Every non-ignored file under `dir`, sorted; nothing if `dir` does not
    /// exist or is itself a symlink that leads out of the site.
    fn files(&self, dir: &Path, diagnostics: &mut Diagnostics) -> Vec<PathBuf> {
        if !dir.is_dir() {
            return Vec::new();
        }
        if let Some(outside) = self.outside_folder(dir) {
            diagnostics.push(outside);
            return Vec::new();
        }
        let mut skipped = Vec::new();
        let mut files = Vec::new();
        let walk = WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                if entry.depth() == 0 {
                    return true;
                }
                // The bytes that make a name not UTF-8 never make it ignored
                // or not: hidden and temporary names are told by ASCII.
                let name = entry.file_name().to_string_lossy();
                if is_ignored(&name, entry.file_type().is_dir()) {
                    return false;
                }
                if entry.file_name().to_str().is_none() {
                    skipped.push(self.non_utf8_name(entry));
                    return false;
                }
                self.check_symlink(entry, &mut skipped)
            });
        for entry in walk {
            match entry {
                Ok(entry) if entry.file_type().is_file() => files.push(entry.into_path()),
                Ok(entry) if !entry.file_type().is_dir() => {
                    diagnostics.push(self.special_file(&entry));
                }
                Ok(_) => {}
                Err(err) => diagnostics.extend(self.walk_error(&err)),
            }
        }
        diagnostics.extend(skipped);
        files
    }

    /// A symlink is followed only if it resolves inside the site root.
    fn check_symlink(&self, entry: &walkdir::DirEntry, skipped: &mut Vec<Diagnostic>) -> bool {
        if !entry.path_is_symlink() {
            return true;
        }
        match entry.path().canonicalize() {
            Ok(target) if self.is_outside(&target) => {
                skipped.push(
                    Diagnostic::warning(
                        self.display(entry.path()),
                        format!(
                            "symlink points outside the site, to {}; skipped",
                            target.display()
                        ),
                    )
                    .with_help("copy the file into the site instead of linking to it"),
                );
                false
            }
            Ok(_) => true,
            Err(err) => {
                skipped.push(Diagnostic::warning(
                    self.display(entry.path()),
                    format!("broken symlink skipped: {err}"),
                ));
                false
            }
        }
    }

    /// The warning for a folder to walk (content/, a theme's templates/, …)
    /// that a symlink on its way takes out of the site.
    fn outside_folder(&self, dir: &Path) -> Option<Diagnostic> {
        let target = dir.canonicalize().ok().filter(|t| self.is_outside(t))?;
        Some(
            Diagnostic::warning(
                self.display(dir),
                format!(
                    "the folder leads outside the site through a symlink, to {}; skipped",
                    target.display()
                ),
            )
            .with_help("copy the folder into the site instead of linking to it"),
        )
    }

    /// Whether a canonical path lies outside the site root.
    fn is_outside(&self, target: &Path) -> bool {
        !target.starts_with(&self.canonical_root)
    }

    /// URLs, links and template names are text: a name that is not UTF-8
    /// could only be guessed at (and two such names could become one).
    fn non_utf8_name(&self, entry: &walkdir::DirEntry) -> Diagnostic {
        let kind = if entry.file_type().is_dir() {
            "folder"
        } else {
            "file"
        };
        Diagnostic::error(
            escaped_path(&self.display(entry.path())),
            format!("the {kind} name is not valid UTF-8"),
        )
        .with_help("rename it with UTF-8 characters (any editor or file manager writes them)")
    }

    /// FIFOs, sockets and devices are not files to publish, and reading a
    /// FIFO would wait for a writer forever.
    fn special_file(&self, entry: &walkdir::DirEntry) -> Diagnostic {
        Diagnostic::warning(
            self.display(entry.path()),
            format!(
                "{} is not a regular file; skipped",
                special_kind(entry.file_type())
            ),
        )
        .with_help("only regular files and folders are part of a site")
    }

    fn display(&self, path: &Path) -> PathBuf {
        strip(path, &self.root)
    }

    /// Walk errors on ignored names are dropped: Emacs's lock file `.#x.md` is a
    /// symlink to nowhere that exists while a buffer is unsaved.
    fn walk_error(&self, err: &walkdir::Error) -> Option<Diagnostic> {
        let full_path = err.path().unwrap_or(Path::new(""));
        let path = self.display(full_path);
        let name = full_path.file_name().map(|n| n.to_string_lossy());
        if name.is_some_and(|n| is_ignored(&n, false)) {
            return None;
        }
        if err.loop_ancestor().is_some() {
            return Some(Diagnostic::warning(path, "symlink loop skipped").with_help(
                "remove the symlink that points back to one of its own parent folders",
            ));
        }
        if full_path.is_symlink() {
            // A link to nowhere, or a chain of links that never ends
            // (`a -> b -> a`): the reason says which.
            if let Err(reason) = full_path.canonicalize() {
                return Some(Diagnostic::warning(
                    path,
                    format!("broken symlink skipped: {reason}"),
                ));
            }
        }
        Some(Diagnostic::error(path, format!("could not read: {err}")))
    }
}

/// What a file that is neither a regular file nor a folder is, for messages.
#[cfg(unix)]
fn special_kind(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: std::fs::FileType) -> &'static str {
    "a special file"
}

/// A path for messages with every byte that is not UTF-8 written as `\xNN`,
/// so that the author can tell which name is meant.
fn escaped_path(path: &Path) -> PathBuf {
    let text = path.to_string_lossy();
    if !text.contains(char::REPLACEMENT_CHARACTER) {
        return PathBuf::from(text.into_owned());
    }
    let mut shown = String::new();
    for chunk in path.as_os_str().as_encoded_bytes().utf8_chunks() {
        shown.push_str(chunk.valid());
        for byte in chunk.invalid() {
            shown.push_str(&format!("\\x{byte:02X}"));
        }
    }
    PathBuf::from(shown)
}

/// Hidden files, editor temporaries and `_`-prefixed files other than `_index.md`
/// are not part of the site (SPEC §2).
pub fn is_ignored(name: &str, is_dir: bool) -> bool {
    if name.starts_with('.') {
        return true;
    }
    if is_dir {
        return false;
    }
    (name.starts_with('_') && name != "_index.md")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
        || name == "4913"
}

fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "md")
}

fn read_text(root: &Path, path: &Path, diagnostics: &mut Diagnostics) -> Option<String> {
    let display = strip(path, root);
    let decoded = read_text_file(path, &display).and_then(|bytes| decode_text(&display, bytes));
    match decoded {
        Ok(text) => Some(text),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            None
        }
    }
}

/// The most a Markdown file, template or site.yaml may hold. Each is read
/// whole and a page's file is held in memory about twenty times over while
/// it is rendered; a text this large is a log or a data dump saved as `.md`,
/// not an article.
pub const MAX_TEXT_BYTES: u64 = 16 * 1024 * 1024;

/// The bytes of a text file knead reads whole: a regular file of at most
/// `MAX_TEXT_BYTES`. `display` names it in errors.
pub fn read_text_file(path: &Path, display: &Path) -> Result<Vec<u8>, Diagnostic> {
    let cannot_read = |err: std::io::Error| Diagnostic::io(display, "read the file", &err);
    let metadata = fs::metadata(path).map_err(cannot_read)?;
    if !metadata.is_file() {
        return Err(Diagnostic::error(display, "not a regular file")
            .with_help("replace it with a regular file"));
    }
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|file| file.take(MAX_TEXT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(Diagnostic::error(
            display,
            format!(
                "the file is {:.1} MiB, over knead's limit of {} MiB for a text file",
                metadata.len().max(bytes.len() as u64) as f64 / MIB,
                MAX_TEXT_BYTES / (1024 * 1024),
            ),
        )
        .with_help("split it into several pages, or move data out of it into static/"));
    }
    Ok(bytes)
}

const MIB: f64 = 1024.0 * 1024.0;

/// UTF-8 text without its BOM, or an error at the first bad byte.
pub fn decode_text(display: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text
            .strip_prefix('\u{feff}')
            .map(str::to_string)
            .unwrap_or(text)),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&err.as_bytes()[..valid]);
            let (line, col) = line_col(&prefix, valid);
            Err(Diagnostic::error(display, "the file is not valid UTF-8")
                .at(line, col)
                .with_help("save the file with UTF-8 encoding in your editor"))
        }
    }
}

fn strip(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base).unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_hidden_temporaries_and_underscore_files() {
        for name in [
            ".hidden.md",
            ".#lock.md",
            "page.md~",
            "page.md.swp",
            "x.tmp",
            "4913",
            "_partial.md",
        ] {
            assert!(is_ignored(name, false), "{name}");
        }
        for name in ["_index.md", "index.md", "page.md", "photo.png"] {
            assert!(!is_ignored(name, false), "{name}");
        }
        assert!(is_ignored(".git", true));
        assert!(!is_ignored("_drafts", true));
    }

    /// A file listed by the walk and deleted before it is read (an editor
    /// saving, a `git checkout`) is an error naming it, never a panic.
    #[test]
    fn file_gone_before_reading_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gone.md");
        let err = read_text_file(&path, Path::new("content/gone.md")).expect_err("missing");
        assert_eq!(err.path, Path::new("content/gone.md"));
        assert!(
            err.message.starts_with("could not read the file: "),
            "{err}"
        );
    }

    #[test]
    fn folder_in_place_of_a_text_file_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = read_text_file(dir.path(), Path::new("site.yaml")).expect_err("a folder");
        assert_eq!(err.message, "not a regular file");
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_are_shown_with_their_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"content/caf\xe9 \xff.md");
        assert_eq!(
            escaped_path(Path::new(name)),
            Path::new("content/caf\\xE9 \\xFF.md")
        );
        assert_eq!(escaped_path(Path::new("café.md")), Path::new("café.md"));
    }
}
