//! `knead init DIR`: a new site that builds, serves and checks cleanly, made
//! of a sample site (site.yaml, a home page, a section with two pages that link
//! to each other) and the bundled theme `dough`, which build.rs embeds in the
//! binary so that init works from any folder. Never overwrites anything: DIR
//! must be new or empty, and every file is created with "create new" so a file
//! that appears meanwhile is not touched either. It does not print.

use std::fmt::Write as _;
use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Error};
use crate::names::{CONFIG_FILE, CONTENT_DIR, THEMES_DIR};
use jiff::civil::Date;

/// The bundled theme as it was when knead was built: (path inside the theme
/// folder, with `/`; contents), sorted by path.
pub const THEME_FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/dough_theme.rs"));

const THEME_NAME: &str = "dough";

const SITE_YAML: &str = "\
# The site's settings; knead's README explains every key.
title: My New Site
# Where the site will be published. A sub-path works too: https://example.org/docs/
base_url: https://example.org/
description: A new site made with knead.
language: en
theme: dough
# Each taxonomy is a front-matter list, with a page at /tags/ and one per term.
taxonomies: [tags]
# An Atom feed of the newest pages, and a search box over every page.
feed: true
search: true
markdown: { smart_punctuation: true, heading_anchors: true }
# Free-form values for templates, as site.extra.
extra: {}
";

const HOME_PAGE: &str = "\
---
title: My New Site
description: A new site made with knead. Edit content/_index.md to change this page.
---

Welcome! This is the home page, written in `content/_index.md`. Every
Markdown file under `content/` becomes a page, and every folder with an
`_index.md` becomes a section, such as the [guide](guide/_index.md).

Start with [[Getting Started]], then read [[Writing Pages]].
";

const GUIDE_SECTION: &str = "\
---
title: Guide
description: How to preview, check and publish this site, and how to write its pages.
weight: 1
---

This section's pages are listed below; this text comes from
`content/guide/_index.md`. Begin with [[Getting Started]].
";

/// `{date}` is replaced with the day the site is made.
const GETTING_STARTED: &str = "\
---
title: Getting Started
description: Preview the site while you write, check it, and publish it.
date: {date}
weight: 1
tags: [knead]
---

## Preview as you write

Run `knead serve` in the site's folder and open <http://127.0.0.1:1111/>.
Every time you save a file, the page in your browser reloads. A mistake such
as a broken link is shown on the page, with its file and line, until you fix it.

## Check

`knead check` builds the site in memory and writes nothing. It reports errors,
and warnings about pages that no other page links to, pages without a
description, images without alt text and more. `knead check --strict` fails
on warnings too, which suits a CI job.

## Publish

Set `base_url` in `site.yaml` to the address where the site will live, then
run `knead build` and upload the `output/` folder to any static host.

Next, [[Writing Pages]] explains front matter, links and images.
";

const WRITING_PAGES: &str = "\
---
title: Writing Pages
description: Front matter, links between pages, and images.
date: {date}
weight: 2
tags: [knead, writing]
---

## Front matter

Every page starts with YAML between two `---` lines. Only `title` is
required. `description` is shown in page lists, search results and link
previews; `date`, `weight` (the order within a section) and `tags` are
optional, and `draft: true` keeps a page out of the site until you remove it.

## Links

Link to another page by its file, as in
[the preview instructions](getting-started.md#preview-as-you-write), or by
its title with a wiki link such as `[[Getting Started]]`. Every link is
checked when the site is built, so a typo is an error that names the file and
line instead of a dead link.

## Images

Put an image in the page's folder and describe it for readers who cannot see
it: `![The site's folders: content, themes and output](folders.svg)`.

Back to [[Getting Started]].
";

/// What `init` made.
#[derive(Debug)]
pub struct Created {
    /// The site folder, as given.
    pub dir: PathBuf,
    /// The sample site's files, relative to `dir`.
    pub site_files: Vec<PathBuf>,
    /// How many files the theme has.
    pub theme_files: usize,
}

impl Created {
    /// What was made, and what to run next.
    pub fn render_message(&self) -> String {
        let mut message = format!("created a new site in {}:\n", self.dir.display());
        for file in &self.site_files {
            let _ = writeln!(message, "  {}", file.display());
        }
        let _ = writeln!(
            message,
            "  {THEMES_DIR}/{THEME_NAME}/ (the bundled theme, {} files)",
            self.theme_files
        );
        let _ = write!(
            message,
            "next: cd {} && knead serve\n  \
             then open http://127.0.0.1:1111/, and run `knead check` before publishing",
            shell_word(&self.dir.to_string_lossy())
        );
        message
    }
}

/// Makes a new site in `dir`, which must not exist, be empty, or hold only
/// hidden entries (such as `.git`). On failure, whatever it had created is
/// removed again.
pub fn init(dir: &Path) -> Result<Created, Error> {
    check_new_or_empty(dir)?;
    let date = jiff::Zoned::now().date();
    let files = site_files(date);
    let mut created = Vec::new();
    if let Err(diagnostic) = write_files(dir, &files, &mut created) {
        remove_created(&created);
        return Err(Error::from(diagnostic));
    }
    let theme_dir = Path::new(THEMES_DIR).join(THEME_NAME);
    Ok(Created {
        dir: dir.to_path_buf(),
        site_files: files
            .into_iter()
            .map(|(path, _)| path)
            .filter(|path| !path.starts_with(&theme_dir))
            .collect(),
        theme_files: THEME_FILES.len(),
    })
}

/// Every file of a new site, relative to its folder, with its contents: the
/// sample site first, then the theme.
pub fn site_files(date: Date) -> Vec<(PathBuf, Vec<u8>)> {
    let dated = |text: &str| text.replace("{date}", &date.to_string()).into_bytes();
    let content = Path::new(CONTENT_DIR);
    let mut files = vec![
        (PathBuf::from(CONFIG_FILE), SITE_YAML.as_bytes().to_vec()),
        (content.join("_index.md"), HOME_PAGE.as_bytes().to_vec()),
        (
            content.join("guide/_index.md"),
            GUIDE_SECTION.as_bytes().to_vec(),
        ),
        (
            content.join("guide/getting-started.md"),
            dated(GETTING_STARTED),
        ),
        (content.join("guide/writing-pages.md"), dated(WRITING_PAGES)),
    ];
    let theme_dir = Path::new(THEMES_DIR).join(THEME_NAME);
    files.extend(
        THEME_FILES
            .iter()
            .map(|(rel_path, bytes)| (theme_dir.join(rel_path), bytes.to_vec())),
    );
    files
}

fn check_new_or_empty(dir: &Path) -> Result<(), Error> {
    let shown = dir.display();
    let metadata = match fs::metadata(dir) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(Diagnostic::io(dir, "read the folder", &err).into()),
    };
    if !metadata.is_dir() {
        return Err(Error::Usage(format!(
            "{shown} exists and is not a folder; knead init makes a site in a new or empty folder"
        )));
    }
    let read_error = |err: io::Error| Error::from(Diagnostic::io(dir, "read the folder", &err));
    let entries = fs::read_dir(dir).map_err(read_error)?;
    let mut visible = Vec::new();
    for entry in entries {
        let entry = entry.map_err(read_error)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            visible.push(name);
        }
    }
    visible.sort();
    match visible.first() {
        None => Ok(()),
        Some(first) => Err(Error::Usage(format!(
            "{shown} is not empty (it holds {first}{}); knead init makes a site only in a new \
             or empty folder, so that it never overwrites anything: name a new folder, \
             for example `knead init my-site`",
            match visible.len() - 1 {
                0 => String::new(),
                1 => " and 1 other entry".to_string(),
                n => format!(" and {n} other entries"),
            }
        ))),
    }
}

/// Writes `files` under `dir`, recording every file and folder it creates.
fn write_files(
    dir: &Path,
    files: &[(PathBuf, Vec<u8>)],
    created: &mut Vec<PathBuf>,
) -> Result<(), Diagnostic> {
    for (rel_path, bytes) in files {
        let path = dir.join(rel_path);
        if let Some(parent) = path.parent() {
            make_dir(parent, created)
                .map_err(|err| Diagnostic::io(parent, "create the folder", &err))?;
        }
        // `create_new` fails rather than replace a file that appeared meanwhile.
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|err| Diagnostic::io(&path, "create the file", &err))?;
        created.push(path.clone());
        file.write_all(bytes)
            .map_err(|err| Diagnostic::io(&path, "write the file", &err))?;
    }
    Ok(())
}

/// `create_dir_all` that records the folders it made, outermost first.
fn make_dir(dir: &Path, created: &mut Vec<PathBuf>) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        make_dir(parent, created)?;
    }
    fs::create_dir(dir)?;
    created.push(dir.to_path_buf());
    Ok(())
}

/// Removes what a failed init created, newest first, so files go before their
/// folders. Only files it created itself are removed, and folders only if empty.
fn remove_created(created: &[PathBuf]) {
    for path in created.iter().rev() {
        let _ = if path.is_dir() {
            fs::remove_dir(path)
        } else {
            fs::remove_file(path)
        };
    }
}

/// `my site` → `'my site'`, so the printed command can be pasted into a shell.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '~'));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_pages_are_dated_and_the_theme_is_complete() {
        let date = Date::constant(2025, 3, 14);
        let files = site_files(date);
        let text = |name: &str| {
            let (_, bytes) = files
                .iter()
                .find(|(path, _)| path == Path::new(name))
                .unwrap_or_else(|| panic!("no {name}"));
            String::from_utf8(bytes.clone()).expect("utf-8 sample")
        };
        assert!(text("content/guide/getting-started.md").contains("\ndate: 2025-03-14\n"));
        assert!(!text("content/guide/writing-pages.md").contains("{date}"));
        for name in ["theme.yaml", "templates/page.html", "static/css/dough.css"] {
            assert!(
                THEME_FILES.iter().any(|(path, _)| *path == name),
                "the embedded theme has no {name}"
            );
        }
    }

    #[test]
    fn shell_word_quotes_only_when_needed() {
        assert_eq!(shell_word("my-site/v2"), "my-site/v2");
        assert_eq!(shell_word("my site"), "'my site'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
