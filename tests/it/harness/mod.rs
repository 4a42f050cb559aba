//! `TestSite`: a throwaway site folder with a minimal theme, built with the real
//! `knead` binary.

mod server;
mod watch;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

pub(crate) use server::{Reply, Server, read_lines, send_raw};
pub(crate) use watch::Watch;

pub const SITE_YAML: &str =
    "title: Test Site\nbase_url: https://example.org/docs/\ntheme: t\ntaxonomies: [tags]\n";

/// Templates that print the context fields tests look at, one per line.
const THEME: &[(&str, &str)] = &[
    (
        "base.html",
        "<html><head><link href=\"{{ get_url(path='css/s.css') }}\"></head><body>{% block main %}{% endblock main %}</body></html>\n",
    ),
    (
        "page.html",
        "{% extends \"base.html\" %}{% block main %}\ntitle={{ page.title }}\nurl={{ page.url }}\npermalink={{ page.permalink }}\nwords={{ page.word_count }}\nminutes={{ page.reading_time }}\n{% for a in page.ancestors %}ancestor={{ a.url }}\n{% endfor %}{% if page.prev %}prev={{ page.prev.url }}\n{% endif %}{% if page.next %}next={{ page.next.url }}\n{% endif %}{% for t in page.toc %}toc={{ t.id }}:{{ t.title }}:{{ t.children | length }}\n{% endfor %}{% for a in page.assets %}asset={{ a }}\n{% endfor %}{% for b in page.backlinks %}backlink={{ b.url }}\n{% endfor %}{% for r in page.related %}related={{ r.url }}\n{% endfor %}{% for name, terms in page.taxonomies %}{% for t in terms %}term={{ name }}:{{ t.name }}:{{ t.url }}\n{% endfor %}{% endfor %}content={{ page.content | safe }}\n{% endblock main %}",
    ),
    (
        "taxonomy.html",
        "taxonomy={{ taxonomy.name }} url={{ taxonomy.url }}\n{% for t in taxonomy.terms %}term={{ t.name }} slug={{ t.slug }} url={{ t.url }} pages={{ t.pages | length }}\n{% endfor %}",
    ),
    (
        "term.html",
        "term={{ term.name }} of={{ taxonomy.name }} permalink={{ term.permalink }}\n{% for p in term.pages %}page={{ p.url }}\n{% endfor %}",
    ),
    (
        "section.html",
        "{% extends \"base.html\" %}{% block main %}\nsection={{ section.title }}\nurl={{ section.url }}\n{% for p in section.pages %}page={{ p.url }}\n{% endfor %}{% for s in section.subsections %}sub={{ s.url }}\n{% endfor %}{% endblock main %}",
    ),
    (
        "index.html",
        "{% extends \"base.html\" %}{% block main %}\nhome={{ section.title }}\n{% for s in site.sections %}nav={{ s.url }}\n{% endfor %}{% for p in section.pages %}page={{ p.url }}\n{% endfor %}{% endblock main %}",
    ),
];

pub struct TestSite {
    dir: TempDir,
}

/// The result of one `knead` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn assert_ok(&self) -> &Run {
        assert_eq!(self.code, 0, "build failed:\n{}", self.stderr);
        self
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn assert_stderr_has(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "expected {needle:?} in stderr:\n{}",
            self.stderr
        );
        self
    }
}

impl TestSite {
    /// A site with site.yaml, theme `t` (page, section, index templates, a
    /// stylesheet) and a home page.
    pub fn new() -> TestSite {
        let site = TestSite {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        site.file("site.yaml", SITE_YAML);
        for (name, text) in THEME {
            site.file(&format!("themes/t/templates/{name}"), text);
        }
        site.file("themes/t/static/css/s.css", "body{}\n");
        site.file("content/_index.md", "---\ntitle: Home\n---\nWelcome.\n");
        site
    }

    /// An empty temp folder, for commands that make a site (`knead init`).
    pub fn empty() -> TestSite {
        TestSite {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A copy of the repository's own site: site.yaml, references.yaml,
    /// content/ and themes/.
    pub fn bundled() -> TestSite {
        let site = TestSite {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        for file in ["site.yaml", "references.yaml"] {
            fs::copy(repo.join(file), site.path(file)).expect("copy the site's files");
        }
        for folder in ["content", "data", "templates", "themes"] {
            site.copy_tree(&repo.join(folder), folder);
        }
        site
    }

    fn copy_tree(&self, from: &Path, to: &str) {
        for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
            let entry = entry.expect("walk repository");
            let rel = entry.path().strip_prefix(from).expect("under source");
            let target = self.path(to).join(rel);
            if entry.file_type().is_dir() {
                fs::create_dir_all(&target).expect("create folder");
            } else {
                fs::copy(entry.path(), &target).expect("copy file");
            }
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file, creating its folders.
    pub fn file(&self, rel: &str, text: &str) -> &TestSite {
        self.bytes(rel, text.as_bytes())
    }

    pub fn bytes(&self, rel: &str, bytes: &[u8]) -> &TestSite {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("create dirs");
        fs::write(&path, bytes).expect("write fixture");
        self
    }

    pub fn remove(&self, rel: &str) -> &TestSite {
        fs::remove_file(self.path(rel)).expect("remove fixture");
        self
    }

    /// Runs `knead build --root <site>` plus `args`.
    pub fn build(&self, args: &[&str]) -> Run {
        self.knead(
            &[
                "build",
                "--root",
                self.root().to_str().expect("utf-8 temp path"),
            ],
            args,
        )
    }

    pub fn knead(&self, first: &[&str], rest: &[&str]) -> Run {
        self.knead_with_env(&[], first, rest)
    }

    pub fn knead_with_env(&self, env: &[(&str, &str)], first: &[&str], rest: &[&str]) -> Run {
        let output = Command::cargo_bin("knead")
            .expect("knead binary")
            .envs(env.iter().copied())
            .args(first)
            .args(rest)
            .current_dir(self.root())
            .output()
            .expect("run knead");
        Run::from(output)
    }

    /// A file of the default output folder.
    #[track_caller]
    pub fn output(&self, rel: &str) -> String {
        let path = self.path("output").join(rel);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
    }

    pub fn output_exists(&self, rel: &str) -> bool {
        self.path("output").join(rel).exists()
    }

    /// Every file under `dir` with its bytes, sorted by path.
    pub fn snapshot(&self, dir: &str) -> Vec<(PathBuf, Vec<u8>)> {
        let base = self.path(dir);
        let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(&base)
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.expect("walk output"))
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(&base)
                    .expect("under base")
                    .to_path_buf();
                (rel, fs::read(e.path()).expect("read output"))
            })
            .collect();
        files.sort();
        files
    }
}

/// A page file with the given front-matter lines and body.
pub fn page(front_matter: &str, body: &str) -> String {
    format!("---\n{front_matter}\n---\n{body}")
}

/// The `file:line:col: error: message` lines of a report, in order.
pub fn error_lines(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|line| line.contains(": error: "))
        .collect()
}

/// Line and column (1-based, in characters) where `needle` first occurs in
/// `text`: where an error about what starts with `needle` must point.
pub fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in fixture"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}
