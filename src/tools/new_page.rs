//! `knead new`: creates a page with its front matter filled in, and an
//! `_index.md` for every section folder it has to create on the way. Owns the
//! rules for where a new page may go, so that the site still builds with it;
//! it never overwrites or deletes a file.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use walkdir::WalkDir;

use crate::diagnostic::{Diagnostic, Error};
use crate::load::config::Taxonomy;
use crate::load::discover::is_ignored;
use crate::names::CONTENT_DIR;
use crate::slug::{nfc, slugify};

const SECTION_INDEX: &str = "_index.md";
const FOLDER_PAGE_INDEX: &str = "index.md";

/// What `knead new` was asked to create.
#[derive(Debug, Clone)]
pub struct NewPage {
    pub root: PathBuf,
    /// Relative to content/, as `hugo new content` takes it; a leading
    /// `content/` is accepted too.
    pub path: PathBuf,
    /// The `date:` of the new page: today, in local time.
    pub date: jiff::civil::Date,
}

/// Creates the page and any missing section folders. Returns the files
/// created, relative to the root, section indexes first.
pub fn new_page(request: &NewPage) -> Result<Vec<PathBuf>, Error> {
    let (config, _) = crate::load::read_config(&request.root)?;
    let rel_path = parse_new_path(&request.path).map_err(Error::Usage)?;
    let content_dir = request.root.join(CONTENT_DIR);
    let missing = check_new_path(&request.root, &rel_path).map_err(Error::Usage)?;
    fs::create_dir_all(&content_dir)
        .map_err(|err| cannot("create the folder", &content_dir, &err))?;
    let mut created = Vec::new();
    for folder in missing {
        let dir = content_dir.join(&folder);
        fs::create_dir(&dir).map_err(|err| cannot("create the folder", &dir, &err))?;
        if is_section_folder(&folder, &rel_path) {
            let index = folder.join(SECTION_INDEX);
            let text = render_page(&title_from_name(&folder_name(&folder)), None, &[]);
            create_file(&content_dir.join(&index), &text)?;
            created.push(Path::new(CONTENT_DIR).join(index));
        }
    }
    let title = match page_name(&rel_path) {
        Some(name) => title_from_name(&name),
        None => config.title.clone(),
    };
    let text = render_page(&title, Some(request.date), &config.taxonomies);
    create_file(&content_dir.join(&rel_path), &text)?;
    created.push(Path::new(CONTENT_DIR).join(rel_path));
    Ok(created)
}

/// The path under content/, or why it cannot be a page: it must be relative,
/// stay inside content/, end in `.md`, and be neither ignored nor without a
/// URL name.
fn parse_new_path(path: &Path) -> Result<PathBuf, String> {
    let shown = path.display();
    let mut names: Vec<&str> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(name) => names.push(
                name.to_str()
                    .ok_or_else(|| format!("{shown} is not valid UTF-8"))?,
            ),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(format!("{shown} leaves content/; `..` is not allowed"));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "{shown} is an absolute path; give a path inside content/, such as guides/first-session.md"
                ));
            }
        }
    }
    if names.len() > 1 && names[0] == CONTENT_DIR {
        names.remove(0);
    }
    let Some(&file_name) = names.last() else {
        return Err("give the path of the new page, such as guides/first-session.md".into());
    };
    if !file_name.ends_with(".md") || file_name == ".md" {
        return Err(format!(
            "{shown} is not a Markdown file: the name must end in .md"
        ));
    }
    if names == [FOLDER_PAGE_INDEX] {
        return Err("content/index.md would make the whole site one folder page; the home page is content/_index.md".into());
    }
    for (i, name) in names.iter().enumerate() {
        let is_file = i + 1 == names.len();
        check_name(name, is_file).map_err(|problem| format!("{shown}: {problem}"))?;
    }
    Ok(names.iter().collect())
}

fn check_name(name: &str, is_file: bool) -> Result<(), String> {
    if is_ignored(name, !is_file) {
        return Err(format!(
            "knead ignores {name:?} (hidden names, `_`-prefixed files other than `_index.md`, editor temporaries)"
        ));
    }
    let url_name = if is_file {
        name.trim_end_matches(".md")
    } else {
        name
    };
    let is_index = is_file && matches!(name, SECTION_INDEX | FOLDER_PAGE_INDEX);
    if !is_index && slugify(url_name).is_empty() {
        return Err(format!(
            "{name:?} has no letters or digits to make a URL from"
        ));
    }
    Ok(())
}

/// Refuses what would not build or would overwrite a file, and returns the
/// folders (relative to content/) to create, outermost first.
fn check_new_path(root: &Path, rel_path: &Path) -> Result<Vec<PathBuf>, String> {
    let content_dir = root.join(CONTENT_DIR);
    let shown = |rel: &Path| Path::new(CONTENT_DIR).join(rel).display().to_string();
    if content_dir.join(rel_path).symlink_metadata().is_ok() {
        return Err(format!(
            "{} already exists; knead new never overwrites a file",
            shown(rel_path)
        ));
    }
    let folders = folders_of(rel_path);
    let mut missing = Vec::new();
    let mut deepest_existing = content_dir.clone();
    for folder in &folders {
        let dir = content_dir.join(folder);
        if !missing.is_empty() || dir.symlink_metadata().is_err() {
            missing.push(folder.clone());
        } else if dir.is_dir() {
            deepest_existing = dir;
        } else {
            return Err(format!("{} is a file, not a folder", shown(folder)));
        }
    }
    check_inside_root(root, &deepest_existing)?;
    check_folder_pages(&content_dir, rel_path, &folders)?;
    check_url_twin(&content_dir, rel_path)?;
    check_name_twins(&content_dir, rel_path)?;
    Ok(missing)
}

/// Refuses a folder or page whose name differs from one beside it only in
/// letter case, `_` or `-`, or Unicode normalisation (`First-Session.md`
/// beside `first-session.md`, an NFD `café.md` beside an NFC one): both
/// would get one URL, so the next build would fail, and case-insensitive or
/// normalising file systems keep only one of them.
fn check_name_twins(content_dir: &Path, rel_path: &Path) -> Result<(), String> {
    let mut steps = folders_of(rel_path);
    if !is_index(rel_path) {
        steps.push(rel_path.to_path_buf());
    }
    for step in steps {
        if content_dir.join(&step).symlink_metadata().is_ok() {
            continue;
        }
        let parent = step.parent().unwrap_or(Path::new(""));
        if let Some(twin) = twin_in(&content_dir.join(parent), &step)? {
            return Err(format!(
                "{} would have the same URL as {}, whose name differs only in letter case, `_` or `-`, or Unicode normalisation; use that one, or choose another name",
                Path::new(CONTENT_DIR).join(&step).display(),
                Path::new(CONTENT_DIR).join(parent).join(twin).display()
            ));
        }
    }
    Ok(())
}

/// The name in `dir` that would make the same URL as `step`'s last name,
/// a folder for a folder and a Markdown file for a file. `None` once the
/// folder does not exist: nothing is beside a name in a folder to be made.
fn twin_in(dir: &Path, step: &Path) -> Result<Option<String>, String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(None);
    };
    let wanted_is_file = step.extension().is_some_and(|e| e == "md");
    let key = |name: &Path| {
        let stem = if wanted_is_file {
            name.with_extension("")
        } else {
            name.to_path_buf()
        };
        slugify(&nfc(&stem.to_string_lossy()))
    };
    let wanted = key(step.file_name().map_or(step, Path::new));
    for entry in entries {
        let entry = entry.map_err(|err| format!("cannot read {}: {err}", dir.display()))?;
        let other = PathBuf::from(entry.file_name());
        let other_is_file = other.extension().is_some_and(|e| e == "md");
        let same_kind = entry.path().is_dir() != wanted_is_file && other_is_file == wanted_is_file;
        if same_kind && !wanted.is_empty() && key(&other) == wanted {
            return Ok(Some(other.to_string_lossy().into_owned()));
        }
    }
    Ok(None)
}

/// `a/b/c.md` → `a`, `a/b`.
fn folders_of(rel_path: &Path) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = rel_path
        .ancestors()
        .skip(1)
        .filter(|folder| !folder.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .collect();
    folders.reverse();
    folders
}

/// A symlinked folder may lead out of the site; writing there would write
/// outside it.
fn check_inside_root(root: &Path, dir: &Path) -> Result<(), String> {
    let inside = match (root.canonicalize(), dir.canonicalize()) {
        (Ok(root), Ok(dir)) => dir.starts_with(root),
        _ => dir.symlink_metadata().is_err(),
    };
    if inside {
        Ok(())
    } else {
        Err(format!(
            "{} leads outside the site folder (a symlink); knead new writes only inside it",
            dir.display()
        ))
    }
}

/// A folder page (`index.md`) is a leaf: nothing may go inside it, and a
/// folder that already holds pages cannot become one.
fn check_folder_pages(
    content_dir: &Path,
    rel_path: &Path,
    folders: &[PathBuf],
) -> Result<(), String> {
    let shown = |rel: &Path| Path::new(CONTENT_DIR).join(rel).display().to_string();
    let own_folder = rel_path.parent().filter(|p| !p.as_os_str().is_empty());
    let is_folder_page = rel_path.file_name().is_some_and(|n| n == FOLDER_PAGE_INDEX);
    for folder in folders {
        let is_own = Some(folder.as_path()) == own_folder;
        if is_own && is_folder_page {
            continue;
        }
        if content_dir.join(folder).join(FOLDER_PAGE_INDEX).exists() {
            return Err(format!(
                "{} would be inside the folder page {}/index.md, which cannot hold other pages",
                shown(rel_path),
                shown(folder)
            ));
        }
    }
    let Some(folder) = own_folder.filter(|_| is_folder_page) else {
        return Ok(());
    };
    let dir = content_dir.join(folder);
    if dir.join(SECTION_INDEX).exists() {
        return Err(format!(
            "{}/ is a section (it has _index.md); a folder is either a section or a folder page (index.md)",
            shown(folder)
        ));
    }
    if holds_markdown(&dir)? {
        return Err(format!(
            "{}/ already holds pages, and a folder page cannot; use _index.md to make the folder a section",
            shown(folder)
        ));
    }
    Ok(())
}

fn holds_markdown(dir: &Path) -> Result<bool, String> {
    if !dir.is_dir() {
        return Ok(false);
    }
    let walk = WalkDir::new(dir).into_iter().filter_entry(|entry| {
        entry.depth() == 0
            || !is_ignored(
                &entry.file_name().to_string_lossy(),
                entry.file_type().is_dir(),
            )
    });
    for entry in walk {
        let entry = entry.map_err(|err| format!("cannot read {}: {err}", dir.display()))?;
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "md") {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `guides/setup.md` and `guides/setup/_index.md` (or `index.md`) would both
/// be `/guides/setup/`.
fn check_url_twin(content_dir: &Path, rel_path: &Path) -> Result<(), String> {
    let twins: Vec<PathBuf> = if is_index(rel_path) {
        let folder = rel_path.parent().filter(|p| !p.as_os_str().is_empty());
        folder
            .map(|folder| {
                let mut file = folder.as_os_str().to_owned();
                file.push(".md");
                PathBuf::from(file)
            })
            .into_iter()
            .collect()
    } else {
        let folder = rel_path.with_extension("");
        vec![folder.join(SECTION_INDEX), folder.join(FOLDER_PAGE_INDEX)]
    };
    match twins.iter().find(|twin| content_dir.join(twin).exists()) {
        Some(twin) => Err(format!(
            "{} already has the URL that {} would get",
            Path::new(CONTENT_DIR).join(twin).display(),
            Path::new(CONTENT_DIR).join(rel_path).display()
        )),
        None => Ok(()),
    }
}

/// `_index.md` (a section) or `index.md` (a folder page): named after its folder.
fn is_index(rel_path: &Path) -> bool {
    rel_path
        .file_name()
        .is_some_and(|n| n == SECTION_INDEX || n == FOLDER_PAGE_INDEX)
}

/// Whether a folder created on the way to `rel_path` is a section that gets
/// an `_index.md`: every one but the folder page's own folder, and but the
/// folder whose `_index.md` is the new page itself.
fn is_section_folder(folder: &Path, rel_path: &Path) -> bool {
    !(rel_path.parent() == Some(folder) && is_index(rel_path))
}

/// The name the page's title comes from: the file's stem, or the folder's
/// name for `_index.md` and `index.md`; `None` for the home page.
fn page_name(rel_path: &Path) -> Option<String> {
    if is_index(rel_path) {
        rel_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(folder_name)
    } else {
        let file_name = rel_path.file_name()?.to_string_lossy();
        Some(file_name.trim_end_matches(".md").to_string())
    }
}

fn folder_name(folder: &Path) -> String {
    folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `first-session` → `First Session`: words split at `-`, `_` and spaces, each
/// capitalised, as Hugo's default archetype does.
pub fn title_from_name(name: &str) -> String {
    name.split(['-', '_', ' '])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// The new file's text. Taxonomies get empty lists, so authors see which
/// ones the site has.
fn render_page(title: &str, date: Option<jiff::civil::Date>, taxonomies: &[Taxonomy]) -> String {
    let mut text = format!("---\ntitle: {}\ndescription: \"\"\n", yaml_string(title));
    if let Some(date) = date {
        text.push_str(&format!("date: {date}\ndraft: true\n"));
    }
    for taxonomy in taxonomies {
        text.push_str(&format!("{}: []\n", yaml_string(&taxonomy.name)));
    }
    text.push_str("---\n\n");
    text
}

/// `text` as a YAML scalar: plain when YAML reads it back as the same string,
/// else double-quoted (JSON's quoting is valid YAML).
fn yaml_string(text: &str) -> String {
    let read_back = serde_yaml::from_str::<serde_yaml::Mapping>(&format!("v: {text}"))
        .ok()
        .and_then(|map| map.get("v").cloned());
    if read_back == Some(serde_yaml::Value::String(text.to_string())) {
        text.to_string()
    } else {
        // Serialising a string cannot fail.
        serde_json::to_string(text).unwrap_or_default()
    }
}

/// Creates `path` only if it does not exist, even if it appeared since the
/// checks.
fn create_file(path: &Path, text: &str) -> Result<(), Error> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|err| cannot("create the file", path, &err))?;
    file.write_all(text.as_bytes())
        .map_err(|err| cannot("write the file", path, &err))
}

/// An I/O failure, reported as the build reports one.
fn cannot(action: &str, path: &Path, err: &std::io::Error) -> Error {
    Diagnostic::io(path, action, err).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::front_matter::{parse_front_matter, split};

    #[test]
    fn title_from_name_capitalises_words() {
        assert_eq!(title_from_name("first-session"), "First Session");
        assert_eq!(title_from_name("body_areas"), "Body Areas");
        assert_eq!(title_from_name("übung--2"), "Übung 2");
    }

    #[test]
    fn rendered_page_parses_with_its_taxonomies() {
        let taxonomies = [Taxonomy {
            name: "body_areas".into(),
            slug: "body-areas".into(),
        }];
        let date = jiff::civil::date(2026, 3, 5);
        for title in ["First Session", "True", "Null", "a: b", "#1", "\"Quoted\""] {
            let text = render_page(title, Some(date), &taxonomies);
            let path = Path::new("p.md");
            let split = split(path, &text).expect("front matter");
            let page = parse_front_matter(path, &split, &taxonomies).expect("valid");
            assert_eq!(page.title, title);
            assert!(page.draft);
            assert_eq!(page.date.map(|d| d.text), Some("2026-03-05".into()));
        }
    }

    #[test]
    fn new_paths_stay_inside_content() {
        let ok = |p: &str| parse_new_path(Path::new(p));
        assert_eq!(ok("content/guides/a.md"), Ok(PathBuf::from("guides/a.md")));
        assert_eq!(
            ok("./guides/_index.md"),
            Ok(PathBuf::from("guides/_index.md"))
        );
        for bad in [
            "../a.md",
            "guides/../../a.md",
            "/tmp/a.md",
            "guides/a.txt",
            "index.md",
            "guides/_draft.md",
            ".hidden/a.md",
            "guides/---.md",
            "content",
        ] {
            assert!(ok(bad).is_err(), "{bad}");
        }
    }
}
