//! Discovery: the one stage that reads the site from disk. Walks `content/`, the
//! theme and the site's `static/` and `templates/` with walkdir (sorted, symlinks
//! kept inside the site root), skips ignored files, and loads every text the later
//! stages need. It does not interpret anything it reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics, line_col};

pub const CONTENT_DIR: &str = "content";
pub const STATIC_DIR: &str = "static";
pub const TEMPLATES_DIR: &str = "templates";
pub const THEMES_DIR: &str = "themes";

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
                let name = template_name(&strip(&path, &templates_dir));
                let display_path = strip(&path, root);
                sources
                    .templates
                    .insert(name, TemplateFile { display_path, text });
            }
        }
    }
    sources
}

fn missing_theme(root: &Path, theme: &str) -> Diagnostic {
    let available: Vec<String> = std::fs::read_dir(root.join(THEMES_DIR))
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
        crate::config::CONFIG_FILE,
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

    /// Every non-ignored file under `dir`, sorted; nothing if `dir` does not exist.
    fn files(&self, dir: &Path, diagnostics: &mut Diagnostics) -> Vec<PathBuf> {
        if !dir.is_dir() {
            return Vec::new();
        }
        let mut escapes = Vec::new();
        let mut files = Vec::new();
        let walk = WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                if entry.depth() == 0 {
                    return true;
                }
                let name = entry.file_name().to_string_lossy();
                if is_ignored(&name, entry.file_type().is_dir()) {
                    return false;
                }
                self.check_symlink(entry, &mut escapes)
            });
        for entry in walk {
            match entry {
                Ok(entry) if entry.file_type().is_file() => files.push(entry.into_path()),
                Ok(_) => {}
                Err(err) => diagnostics.extend(self.walk_error(&err)),
            }
        }
        diagnostics.extend(escapes);
        files
    }

    /// A symlink is followed only if it resolves inside the site root.
    fn check_symlink(&self, entry: &walkdir::DirEntry, escapes: &mut Vec<Diagnostic>) -> bool {
        if !entry.path_is_symlink() {
            return true;
        }
        let display = strip(entry.path(), &self.root);
        match entry.path().canonicalize() {
            Ok(target) if target.starts_with(&self.canonical_root) => true,
            Ok(target) => {
                escapes.push(
                    Diagnostic::warning(
                        display,
                        format!(
                            "symlink points outside the site, to {}; skipped",
                            target.display()
                        ),
                    )
                    .with_help("copy the file into the site instead of linking to it"),
                );
                false
            }
            Err(err) => {
                escapes.push(Diagnostic::warning(
                    display,
                    format!("broken symlink skipped: {err}"),
                ));
                false
            }
        }
    }

    /// Walk errors on ignored names are dropped: Emacs's lock file `.#x.md` is a
    /// symlink to nowhere that exists while a buffer is unsaved.
    fn walk_error(&self, err: &walkdir::Error) -> Option<Diagnostic> {
        let full_path = err.path().unwrap_or(Path::new(""));
        let path = strip(full_path, &self.root);
        let name = full_path.file_name().map(|n| n.to_string_lossy());
        if name.is_some_and(|n| is_ignored(&n, false)) {
            return None;
        }
        if err.loop_ancestor().is_some() {
            return Some(Diagnostic::warning(path, "symlink loop skipped").with_help(
                "remove the symlink that points back to one of its own parent folders",
            ));
        }
        if full_path.is_symlink() && !full_path.exists() {
            return Some(Diagnostic::warning(path, "broken symlink skipped"));
        }
        Some(Diagnostic::error(path, format!("could not read: {err}")))
    }
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
    let decoded = std::fs::read(path)
        .map_err(|err| Diagnostic::io(&display, "read the file", &err))
        .and_then(|bytes| decode_text(&display, bytes));
    match decoded {
        Ok(text) => Some(text),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            None
        }
    }
}

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

/// Template names use `/` whatever the platform, as Tera's `extends` and `include` do.
fn template_name(rel_path: &Path) -> String {
    rel_path
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::is_ignored;

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
}
