//! The output plan: every file the build will write, where it comes from
//! (rendered by a template, text made by a stage, or a copy of a source
//! file), with the collisions that would make two sources write one path
//! (also up to letter case, and a file where a folder must be) found before
//! anything is written.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::names::CONTENT_DIR;
use crate::publish::RenderedFile;
use crate::site::Site;
use crate::slug::nfc;
use crate::templates::PageRenderer;

/// What goes where, relative to the output folder.
#[derive(Debug, Default)]
pub struct OutputPlan {
    pub(super) files: BTreeMap<PathBuf, PlannedFile>,
    /// Lower-cased path in NFC → the path as planned: case-insensitive hosts
    /// and file systems (macOS, Windows, some object stores) keep one of two
    /// such files, and so does macOS of two names in NFC and NFD.
    folded: HashMap<String, PathBuf>,
    /// Lower-cased folder → a planned file inside it.
    folders: HashMap<String, PathBuf>,
}

fn fold(path: &Path) -> String {
    nfc(&path.to_string_lossy()).to_lowercase()
}

#[derive(Debug)]
pub(super) struct PlannedFile {
    /// The file the output comes from (for collision messages).
    pub(super) origin: PathBuf,
    pub(super) contents: Contents,
}

#[derive(Debug)]
pub(super) enum Contents {
    Text(String),
    CopyOf(PathBuf),
    /// Rendered by the `RenderText` given to `write_output`, as it is written.
    Rendered(usize),
}

/// Renders the `Rendered` files of a plan while they are written, so no build
/// holds all of its output at once.
pub trait RenderText: Sync {
    /// The text of one file; `None` when it cannot be rendered, which the
    /// renderer reports itself. The build then writes nothing.
    fn render_text(&self, job: usize) -> Option<String>;
}

/// How `write_output` ended when no I/O failed.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    /// The new output is in place.
    Done,
    /// A file could not be rendered: the previous output was left as it was.
    RenderFailed,
}

impl OutputPlan {
    pub fn add_text(
        &mut self,
        rel_path: PathBuf,
        origin: PathBuf,
        text: String,
        diagnostics: &mut Diagnostics,
    ) {
        self.add(
            rel_path,
            PlannedFile {
                origin,
                contents: Contents::Text(text),
            },
            diagnostics,
        );
    }

    pub fn add_rendered(
        &mut self,
        rel_path: PathBuf,
        origin: PathBuf,
        job: usize,
        diagnostics: &mut Diagnostics,
    ) {
        self.add(
            rel_path,
            PlannedFile {
                origin,
                contents: Contents::Rendered(job),
            },
            diagnostics,
        );
    }

    pub fn add_copy(
        &mut self,
        rel_path: PathBuf,
        origin: PathBuf,
        source: PathBuf,
        diagnostics: &mut Diagnostics,
    ) {
        self.add(
            rel_path,
            PlannedFile {
                origin,
                contents: Contents::CopyOf(source),
            },
            diagnostics,
        );
    }

    /// Two sources for one output file, for two files whose paths differ only
    /// in letter case, or for a file where another output needs a folder, is an
    /// error naming both: silently keeping either would lose the other.
    fn add(&mut self, rel_path: PathBuf, file: PlannedFile, diagnostics: &mut Diagnostics) {
        if let Some(message) = self.collision(&rel_path) {
            diagnostics.push(
                Diagnostic::error(&file.origin, message)
                    .with_help("rename one of the two, or give one a different `slug:`"),
            );
            return;
        }
        for folder in rel_path.ancestors().skip(1) {
            let folded = fold(folder);
            if folded.is_empty() || self.folders.contains_key(&folded) {
                break;
            }
            self.folders.insert(folded, rel_path.clone());
        }
        self.folded.insert(fold(&rel_path), rel_path.clone());
        self.files.insert(rel_path, file);
    }

    /// What `rel_path` would clash with. Linear in its depth.
    fn collision(&self, rel_path: &Path) -> Option<String> {
        let shown = rel_path.display();
        if let Some(existing) = self.folded.get(&fold(rel_path)) {
            let origin = self.files[existing].origin.display();
            let text = |path: &Path| nfc(&path.to_string_lossy());
            return Some(if existing == rel_path {
                format!("writes output file {shown}, which {origin} writes too")
            } else if text(existing) == text(rel_path) {
                format!(
                    "writes output file {shown}, which differs only in Unicode normalisation \
                     (NFC or NFD) from {} written by {origin}; macOS would keep only one of them",
                    existing.display()
                )
            } else {
                format!(
                    "writes output file {shown}, which differs only in letter case from {} \
                     written by {origin}; case-insensitive hosts would keep only one of them",
                    existing.display()
                )
            });
        }
        if let Some(inside) = self.folders.get(&fold(rel_path)) {
            return Some(format!(
                "writes output file {shown}, but {} written by {} needs {shown} to be a folder",
                inside.display(),
                self.files[inside].origin.display()
            ));
        }
        rel_path.ancestors().skip(1).find_map(|folder| {
            let existing = self.folded.get(&fold(folder))?;
            Some(format!(
                "writes output file {shown}, which needs {} to be a folder, but {} writes a file there",
                folder.display(),
                self.files[existing].origin.display()
            ))
        })
    }

    /// How many files the output will have.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }
}

impl RenderText for PageRenderer {
    fn render_text(&self, job: usize) -> Option<String> {
        self.render(job)
    }
}

/// Where the files that are copied, not rendered, come from.
pub struct CopiedFiles<'a> {
    /// The site root; assets are read from its content/ folder.
    pub root: &'a Path,
    /// Output-relative path → source file.
    pub static_files: &'a BTreeMap<PathBuf, PathBuf>,
}

/// Pages rendered from templates, generated files (publishing files, alias
/// redirects, the search index), assets beside their pages, then static files.
pub fn plan_output(
    site: &Site,
    renderer: &PageRenderer,
    generated: Vec<RenderedFile>,
    copied: &CopiedFiles<'_>,
    diagnostics: &mut Diagnostics,
) -> OutputPlan {
    let mut plan = OutputPlan::default();
    for (job, rel_path, source) in renderer.files() {
        plan.add_rendered(
            rel_path.to_path_buf(),
            source.to_path_buf(),
            job,
            diagnostics,
        );
    }
    for file in generated {
        plan.add_text(file.rel_path, file.source, file.text, diagnostics);
    }
    let CopiedFiles { root, static_files } = *copied;
    let content_dir = root.join(CONTENT_DIR);
    for asset in &site.assets {
        let rel_path = PathBuf::from(asset_file(&asset.url));
        let origin = Path::new(CONTENT_DIR).join(&asset.rel_path);
        plan.add_copy(
            rel_path,
            origin,
            content_dir.join(&asset.rel_path),
            diagnostics,
        );
    }
    for (rel_path, source) in static_files {
        let origin = source.strip_prefix(root).unwrap_or(source).to_path_buf();
        plan.add_copy(rel_path.clone(), origin, source.clone(), diagnostics);
    }
    plan
}

/// `/types/My%20Photo.png` → `types/My Photo.png`.
fn asset_file(url: &str) -> String {
    percent_encoding::percent_decode_str(url.trim_start_matches('/'))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plans `paths` in order (each from origin `src/<path>`) and returns the
    /// error messages.
    fn clashes(paths: &[&str]) -> Vec<String> {
        let mut plan = OutputPlan::default();
        let mut diagnostics = Diagnostics::default();
        for path in paths {
            let origin = PathBuf::from(format!("src/{path}"));
            plan.add_text(PathBuf::from(path), origin, String::new(), &mut diagnostics);
        }
        diagnostics
            .into_sorted()
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn paths_differing_in_case_collide() {
        assert_eq!(
            clashes(&["a/Photo.png", "a/photo.png"]),
            [
                "writes output file a/photo.png, which differs only in letter case from a/Photo.png \
              written by src/a/Photo.png; case-insensitive hosts would keep only one of them"
            ]
        );
    }

    #[test]
    fn a_file_where_a_folder_is_needed_collides_in_either_order() {
        assert_eq!(
            clashes(&["about/index.html", "About"]),
            [
                "writes output file About, but about/index.html written by src/about/index.html \
              needs About to be a folder"
            ]
        );
        assert_eq!(
            clashes(&["about", "about/x/index.html"]),
            [
                "writes output file about/x/index.html, which needs about to be a folder, \
              but src/about writes a file there"
            ]
        );
    }

    #[test]
    fn files_sharing_folders_do_not_collide() {
        assert!(
            clashes(&[
                "a/b/index.html",
                "a/c/index.html",
                "a/index.html",
                "a/b/x.png"
            ])
            .is_empty()
        );
    }
}
