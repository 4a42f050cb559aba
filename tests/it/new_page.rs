//! `knead new`: the page it writes, the section folders it adds, and what it
//! refuses (overwriting, leaving content/, layouts that would not build).

use std::fs;

use crate::harness::{Run, TestSite};

fn knead_new(site: &TestSite, path: &str) -> Run {
    let root = site.root().to_str().expect("utf-8 temp path");
    site.knead(&["new", path, "--root", root], &[])
}

/// Today's date as `knead new` writes it, taken before and after the run so a
/// test that crosses midnight still passes.
fn dates_around(run: impl FnOnce() -> Run) -> (Run, [String; 2]) {
    let before = jiff::Zoned::now().date().to_string();
    let result = run();
    let after = jiff::Zoned::now().date().to_string();
    (result, [before, after])
}

#[test]
fn new_page_writes_a_draft_that_builds_with_drafts() {
    let site = TestSite::new();
    let (run, dates) = dates_around(|| knead_new(&site, "guides/first-session.md"));
    run.assert_ok();
    assert_eq!(
        run.stdout,
        "created content/guides/_index.md\ncreated content/guides/first-session.md\n"
    );
    let text = fs::read_to_string(site.path("content/guides/first-session.md")).expect("page");
    let expected = |date: &str| {
        format!(
            "---\ntitle: First Session\ndescription: \"\"\ndate: {date}\ndraft: true\ntags: []\n---\n\n"
        )
    };
    assert!(
        dates.iter().any(|date| text == expected(date)),
        "unexpected page:\n{text}"
    );
    site.build(&["--drafts"]).assert_ok();
    assert!(
        site.output("guides/first-session/index.html")
            .contains("title=First Session")
    );
    assert!(site.output("guides/index.html").contains("section=Guides"));
    site.build(&[]).assert_ok();
    assert!(!site.output_exists("guides/first-session/index.html"));
}

#[test]
fn new_page_accepts_a_path_starting_with_content_and_a_section_index() {
    let site = TestSite::new();
    let run = site.knead(&["new", "content/recipes/_index.md"], &[]);
    run.assert_ok();
    assert_eq!(run.stdout, "created content/recipes/_index.md\n");
    let text = fs::read_to_string(site.path("content/recipes/_index.md")).expect("section");
    assert!(text.starts_with("---\ntitle: Recipes\n"), "{text}");
    assert!(text.contains("\ndraft: true\n"), "{text}");
    site.build(&["--drafts"]).assert_ok();
    assert!(
        site.output("recipes/index.html")
            .contains("section=Recipes")
    );
}

#[test]
fn new_page_refuses_to_overwrite() {
    let site = TestSite::new();
    let original = "---\ntitle: Mine\n---\nDo not touch.\n";
    site.file("content/guides/mine.md", original);
    let run = knead_new(&site, "guides/mine.md");
    run.assert_code(2)
        .assert_stderr_has("content/guides/mine.md already exists");
    assert_eq!(run.stdout, "");
    let text = fs::read_to_string(site.path("content/guides/mine.md")).expect("page");
    assert_eq!(text, original);
}

#[test]
fn new_page_adds_index_only_to_folders_it_creates() {
    let site = TestSite::new();
    let own_index = "---\ntitle: My Guides\n---\n";
    site.file("content/guides/_index.md", own_index);
    site.file("content/notes/a.md", "---\ntitle: A\n---\n");
    knead_new(&site, "guides/deep/dive/x.md").assert_ok();
    knead_new(&site, "notes/b.md").assert_ok();
    for created in ["guides/deep/_index.md", "guides/deep/dive/_index.md"] {
        let text = fs::read_to_string(site.path("content").join(created)).expect("index");
        assert!(text.contains("description: \"\"\n"), "{created}: {text}");
        assert!(!text.contains("draft"), "{created}: {text}");
    }
    let deep = fs::read_to_string(site.path("content/guides/deep/_index.md")).expect("index");
    assert!(deep.starts_with("---\ntitle: Deep\n"), "{deep}");
    let guides = fs::read_to_string(site.path("content/guides/_index.md")).expect("index");
    assert_eq!(guides, own_index);
    assert!(!site.path("content/notes/_index.md").exists());
    site.build(&["--drafts"]).assert_ok();
}

#[test]
fn new_page_refuses_paths_outside_content() {
    let site = TestSite::new();
    let outside = site.path("escape.md");
    let absolute = outside.to_str().expect("utf-8 temp path");
    for path in [
        "../escape.md",
        "content/../../escape.md",
        "guides/../../x.md",
        absolute,
    ] {
        knead_new(&site, path)
            .assert_code(2)
            .assert_stderr_has("error: ");
    }
    knead_new(&site, "../escape.md").assert_stderr_has("`..` is not allowed");
    knead_new(&site, absolute).assert_stderr_has("is an absolute path");
    assert!(!outside.exists());
    assert!(!site.path("x.md").exists());
    assert!(!site.path("content/guides").exists());
}

#[test]
fn new_page_refuses_names_that_would_not_build() {
    let site = TestSite::new();
    site.file("content/photo/index.md", "---\ntitle: Photo\n---\n");
    site.file("content/setup/_index.md", "---\ntitle: Setup\n---\n");
    let cases = [
        ("notes.txt", "not a Markdown file"),
        ("guides/_partial.md", "knead ignores \"_partial.md\""),
        ("index.md", "content/_index.md"),
        (
            "photo/more.md",
            "inside the folder page content/photo/index.md",
        ),
        ("setup.md", "content/setup/_index.md already has the URL"),
        ("setup/index.md", "is a section"),
    ];
    for (path, problem) in cases {
        knead_new(&site, path)
            .assert_code(2)
            .assert_stderr_has(problem);
    }
    assert!(!site.path("content/photo/more.md").exists());
    assert!(!site.path("content/guides").exists());
}

#[test]
fn new_page_reports_site_yaml_errors_and_creates_nothing() {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        "title: T\nbase_url: https://e.org/\ntheem: t\n",
    );
    let run = knead_new(&site, "a.md");
    run.assert_code(1)
        .assert_stderr_has("site.yaml:3:1: error: unknown site.yaml key `theem`")
        .assert_stderr_has("nothing was created");
    assert!(!run.stderr.contains("build failed"), "{}", run.stderr);
    assert!(!site.path("content/a.md").exists());
}

#[test]
fn new_page_outside_a_site_is_a_usage_error() {
    let site = TestSite::new();
    site.remove("site.yaml");
    knead_new(&site, "a.md")
        .assert_code(2)
        .assert_stderr_has("site.yaml");
    assert!(!site.path("content/a.md").exists());
}

#[cfg(unix)]
#[test]
fn new_page_refuses_a_symlinked_folder_leading_out_of_the_site() {
    let site = TestSite::new();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    fs::create_dir_all(site.path("content")).expect("content");
    std::os::unix::fs::symlink(elsewhere.path(), site.path("content/out")).expect("symlink");
    knead_new(&site, "out/x.md")
        .assert_code(2)
        .assert_stderr_has("leads outside the site folder");
    knead_new(&site, "out/deeper/x.md").assert_code(2);
    let left: Vec<_> = fs::read_dir(elsewhere.path()).expect("read").collect();
    assert!(left.is_empty(), "wrote outside the site: {left:?}");
}
