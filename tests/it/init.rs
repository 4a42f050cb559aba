//! `knead init DIR`: a new site that builds and checks with no warnings, a
//! refusal to touch a non-empty folder, and an embedded theme that is the
//! repository's `themes/dough/`, byte for byte.

use std::path::{Path, PathBuf};

use crate::harness::{Run, TestSite};

fn init(site: &TestSite, dir: &str) -> Run {
    site.knead(&["init", dir], &[])
}

/// Every file under `dir` but hidden ones, relative to it, with its bytes.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.expect("walk folder"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("under dir").to_path_buf();
            (rel, std::fs::read(e.path()).expect("read file"))
        })
        .collect()
}

#[test]
fn init_then_build_then_check_is_clean() {
    let site = TestSite::empty();
    let run = init(&site, "my-site");
    run.assert_ok();
    assert!(
        run.stdout
            .starts_with("created a new site in my-site:\n  site.yaml\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  themes/dough/ (the bundled theme, "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("next: cd my-site && knead serve"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr, "");

    let root = site.path("my-site");
    let root = root.to_str().expect("utf-8 temp path");
    let built = site.knead(&["build", "--root", root], &[]);
    built.assert_ok();
    assert_eq!(built.stderr, "", "the new site must build silently");
    assert!(
        site.path("my-site/output/guide/getting-started/index.html")
            .is_file()
    );
    assert!(site.path("my-site/output/tags/knead/index.html").is_file());
    assert!(site.path("my-site/output/search-index.json").is_file());

    let checked = site.knead(&["check", "--root", root, "--strict"], &[]);
    checked.assert_ok();
    assert_eq!(
        checked.stdout,
        "checked 2 pages and 2 sections: 0 errors, 0 warnings\n"
    );
}

#[test]
fn init_accepts_an_empty_folder_and_one_with_only_hidden_entries() {
    let site = TestSite::empty();
    std::fs::create_dir(site.path("empty")).expect("create folder");
    init(&site, "empty").assert_ok();
    site.file("repo/.git/HEAD", "ref: refs/heads/main\n");
    init(&site, "repo").assert_ok();
    assert!(site.path("repo/site.yaml").is_file());
    assert_eq!(
        std::fs::read_to_string(site.path("repo/.git/HEAD")).expect("read HEAD"),
        "ref: refs/heads/main\n"
    );
}

#[test]
fn init_refuses_a_folder_that_is_not_empty_and_changes_nothing() {
    let site = TestSite::empty();
    site.file("taken/notes.md", "mine\n");
    let before = files_under(site.root());
    let run = init(&site, "taken");
    run.assert_code(2);
    run.assert_stderr_has("error: taken is not empty (it holds notes.md); knead init makes a site only in a new or empty folder");
    assert_eq!(run.stdout, "");
    assert_eq!(files_under(site.root()), before);
}

#[test]
fn init_refuses_a_file() {
    let site = TestSite::empty();
    site.file("site", "a file\n");
    let run = init(&site, "site");
    run.assert_code(2);
    run.assert_stderr_has("site exists and is not a folder");
    assert_eq!(
        std::fs::read_to_string(site.path("site")).expect("read"),
        "a file\n"
    );
}

#[test]
fn embedded_theme_is_the_repository_theme_byte_for_byte() {
    let site = TestSite::empty();
    init(&site, "new").assert_ok();
    let repo_theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/dough");
    let expected = files_under(&repo_theme);
    assert!(expected.len() >= 10, "{} theme files", expected.len());
    let written = files_under(&site.path("new/themes/dough"));
    let names =
        |files: &[(PathBuf, Vec<u8>)]| files.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&written), names(&expected));
    for ((path, bytes), (_, want)) in written.iter().zip(&expected) {
        assert!(
            bytes == want,
            "{} differs from themes/dough",
            path.display()
        );
    }
}
