//! Incremental rebuilds: `knead build --watch` patches the output after body
//! edits, and the result must be byte for byte what a full build of the same
//! sources writes. Each step edits the sources, waits for the rebuild, then
//! compares the output with a fresh build into another folder.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use crate::harness::{TestSite, Watch, page};

/// Writes `text` to `rel` as editors that save atomically do.
pub(crate) fn save(site: &TestSite, rel: &str, text: &str) {
    let path = site.path(rel);
    let temporary = path.with_file_name(".knead-test-save.tmp");
    fs::write(&temporary, text).expect("write temporary");
    fs::rename(&temporary, &path).expect("rename into place");
}

/// Saves a new body for the fixture's `docs/a.md`, its front matter kept.
fn save_a(site: &TestSite, body: &str) {
    save(
        site,
        "content/docs/a.md",
        &page("title: A\ndate: 2024-05-01\ntags: [x]", body),
    );
}

fn output_folder_id(site: &TestSite) -> u64 {
    fs::metadata(site.path("output")).expect("output").ino()
}

/// The output, minus the marker (its stamp differs by design), against a
/// fresh full build of the same sources.
#[track_caller]
pub(crate) fn assert_same_as_full_build(site: &TestSite) {
    let _ = fs::remove_dir_all(site.path("fresh"));
    site.build(&["--output", "fresh"]).assert_ok();
    let without_marker = |files: Vec<(PathBuf, Vec<u8>)>| -> Vec<(PathBuf, Vec<u8>)> {
        files
            .into_iter()
            .filter(|(path, _)| path != &PathBuf::from(".knead-output"))
            .collect()
    };
    let patched = without_marker(site.snapshot("output"));
    let fresh = without_marker(site.snapshot("fresh"));
    let names = |files: &[(PathBuf, Vec<u8>)]| -> Vec<PathBuf> {
        files.iter().map(|(p, _)| p.clone()).collect()
    };
    assert_eq!(names(&patched), names(&fresh), "different files");
    for ((path, patched), (_, fresh)) in patched.iter().zip(&fresh) {
        assert!(
            patched == fresh,
            "{} differs from a full build:\n--- patched\n{}\n--- full\n{}",
            path.display(),
            String::from_utf8_lossy(patched),
            String::from_utf8_lossy(fresh)
        );
    }
}

/// Every page fragment of the search index, joined.
fn search_fragments(site: &TestSite) -> String {
    site.snapshot("output/search/p")
        .into_iter()
        .map(|(_, bytes)| String::from_utf8_lossy(&bytes).into_owned())
        .collect()
}

#[track_caller]
fn assert_incremental(lines: &[String]) {
    assert!(
        lines.iter().any(|l| l.contains("(incremental: ")),
        "expected an incremental rebuild: {lines:?}"
    );
}

/// Templates that show, on pages other than the edited one, what a body edit
/// changes: word counts through a section's and a term's pages and through
/// `get_page`; and a taxonomy page, which a body edit leaves alone.
fn site_with_dependents() -> TestSite {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        &format!("{}search: true\nfeed: true\n", crate::harness::SITE_YAML),
    );
    site.file(
        "templates/index.html",
        "home\n{% set a = get_page(path=\"docs/a.md\") %}a-words={{ a.word_count }}\n",
    );
    site.file(
        "templates/section.html",
        "section={{ section.title }}\n{% for p in section.pages %}{{ p.url }} words={{ p.word_count }}\n{% endfor %}",
    );
    site.file(
        "templates/term.html",
        "term={{ term.name }}\n{% for p in term.pages %}{{ p.url }} words={{ p.word_count }}\n{% endfor %}",
    );
    site.file(
        "templates/taxonomy.html",
        "{% for t in taxonomy.terms %}{{ t.name }}:{% for p in t.pages %} {{ p.title }}{% endfor %}\n{% endfor %}",
    );
    site.file("content/docs/_index.md", &page("title: Docs", "All docs."));
    site.file(
        "content/docs/a.md",
        &page(
            "title: A\ndate: 2024-05-01\ntags: [x]",
            "## Start\n\nOne two three.\n",
        ),
    );
    site.file(
        "content/docs/b.md",
        &page("title: B\ntags: [x, y]", "See [A](a.md#start).\n"),
    );
    site.file("content/c.md", &page("title: C", "Links [[B]].\n"));
    site
}

#[test]
fn body_edits_patch_the_output_into_what_a_full_build_writes() {
    let site = site_with_dependents();
    let watch = Watch::start(&site);
    assert_same_as_full_build(&site);
    let folder = output_folder_id(&site);

    // More words: the page, its section, its terms and taxonomy, the home
    // page (through get_page) and the search index change.
    save_a(&site, "## Start\n\nOne two three four five.\n\n## Later\n");
    assert_incremental(&watch.settle());
    assert!(site.output("index.html").contains("a-words=7"));
    assert!(site.output("docs/index.html").contains("words=7"));
    assert!(search_fragments(&site).contains("four five"));
    assert!(site.output("atom.xml").contains("four five"));
    assert_same_as_full_build(&site);

    // A new link: the target gains a backlink.
    save_a(&site, "## Start\n\nNow [[C]].\n");
    assert_incremental(&watch.settle());
    assert_same_as_full_build(&site);

    // The link goes again: so does the backlink.
    save_a(&site, "## Start\n\nNo links.\n");
    assert_incremental(&watch.settle());
    assert_same_as_full_build(&site);

    // Two pages in one save burst, one linking to a heading the other adds.
    save_a(&site, "## Start\n\n## Fresh\n");
    save(
        &site,
        "content/docs/b.md",
        &page("title: B\ntags: [x, y]", "See [A](a.md#fresh).\n"),
    );
    assert_incremental(&watch.settle());
    assert_same_as_full_build(&site);

    assert_eq!(
        output_folder_id(&site),
        folder,
        "incremental rebuilds replace files, not the output folder"
    );
}

#[test]
fn other_changes_and_problems_take_a_full_build() {
    let site = site_with_dependents();
    let watch = Watch::start(&site);

    // A title shows on other pages: a full build.
    save(
        &site,
        "content/docs/b.md",
        &page("title: Bee\ntags: [x, y]", "See [A](a.md#start).\n"),
    );
    let lines = watch.settle();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("built ") && !l.contains("incremental")),
        "{lines:?}"
    );
    assert_same_as_full_build(&site);

    // Removing the heading b.md links to is an error at b.md's link, reported
    // as a full build reports it; the output stays as it was.
    let before = site.snapshot("output");
    save_a(&site, "No headings now.\n");
    let lines = watch.settle();
    let report = lines.join("\n");
    assert!(
        report.contains("content/docs/b.md:5:5: error:") && report.contains("\"start\""),
        "{report}"
    );
    assert_eq!(
        site.snapshot("output"),
        before,
        "a failed build changes nothing"
    );

    // The fix builds, and later body edits are incremental again.
    save_a(&site, "## Start\n\nBack.\n");
    let lines = watch.settle();
    assert!(lines.iter().any(|l| l.starts_with("built ")), "{lines:?}");
    assert_same_as_full_build(&site);
    save_a(&site, "## Start\n\nBack again.\n");
    assert_incremental(&watch.settle());
    assert_same_as_full_build(&site);

    // A deleted page disappears from the output and from every list.
    fs::remove_file(site.path("content/c.md")).expect("delete c.md");
    let lines = watch.settle();
    assert!(lines.iter().any(|l| l.starts_with("built ")), "{lines:?}");
    assert!(!site.output_exists("c/index.html"));
    assert_same_as_full_build(&site);
}

#[test]
fn body_edit_of_the_bundled_site_matches_a_full_build() {
    let site = TestSite::bundled();
    let watch = Watch::start(&site);
    let path = "content/types/swedish.md";
    let text = fs::read_to_string(site.path(path)).expect("read swedish.md");
    let (front_matter, body) = text.split_at(text.find("\n---\n").expect("front matter end") + 5);
    let edited = format!(
        "{front_matter}## A new first heading\n\nNew words that link to [[Palm Circling]] and [the guide](@/guides/first-session.md).\n\n{body}"
    );
    save(&site, path, &edited);
    assert_incremental(&watch.settle());
    assert!(
        site.output("types/swedish/index.html")
            .contains("A new first heading")
    );
    assert_same_as_full_build(&site);
}

#[test]
fn only_the_active_theme_is_watched() {
    let site = TestSite::new();
    let theme_page = fs::read_to_string(site.path("themes/t/templates/page.html")).expect("read");
    for name in [
        "base.html",
        "page.html",
        "section.html",
        "index.html",
        "taxonomy.html",
        "term.html",
    ] {
        let text =
            fs::read_to_string(site.path(&format!("themes/t/templates/{name}"))).expect("read");
        site.file(&format!("themes/u/templates/{name}"), &text);
    }
    site.file("themes/u/static/css/s.css", "body{}\n");
    site.file("content/a.md", &page("title: A", "Text."));
    let watch = Watch::start(&site);

    site.file(
        "themes/u/templates/page.html",
        &theme_page.replace("title=", "u title="),
    );
    let lines = watch.lines_within(Duration::from_secs(1));
    assert!(lines.is_empty(), "an inactive theme changed: {lines:?}");

    site.file(
        "site.yaml",
        &crate::harness::SITE_YAML.replace("theme: t", "theme: u"),
    );
    watch.settle();
    assert!(site.output("a/index.html").contains("\nu title=A"));
    site.file(
        "themes/u/templates/page.html",
        &theme_page.replace("title=", "changed title="),
    );
    let lines = watch.settle();
    assert!(lines.iter().any(|l| l.starts_with("built ")), "{lines:?}");
    assert!(site.output("a/index.html").contains("\nchanged title=A"));
}

/// Issue 15 item 8: the disk fills up while a body edit is written (the
/// search index fails; the pages before it would fit). Nothing of the edit
/// may show: the incremental rebuild writes every file to a temporary first
/// and removes them all on failure, and the full build it falls back to
/// fails in its staging folder. Once there is room, the next edit builds.
#[test]
fn disk_full_during_an_incremental_rebuild_keeps_the_last_good_site() {
    let site = site_with_dependents();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let flag = elsewhere.path().join("disk-full");
    let fault = format!("disk-full-while={}", flag.display());
    let watch = Watch::start_with_env(&site, &[("KNEAD_FAULT", &fault)]);
    let before = site.snapshot("output");
    fs::write(&flag, "search").expect("fill the disk");
    save_a(
        &site,
        "## Start\n\nA longer body that will not fit on the disk.\n",
    );
    let lines = watch.settle();
    assert!(
        lines.iter().any(|l| l.contains("No space left on device")),
        "{lines:?}"
    );
    assert!(before == site.snapshot("output"), "the output changed");
    let beside: Vec<_> = fs::read_dir(site.root())
        .expect("list site")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".knead-"))
        .collect();
    assert!(beside.is_empty(), "left beside the output: {beside:?}");
    fs::remove_file(&flag).expect("free the disk");
    save_a(&site, "## Start\n\nRoom again.\n");
    let lines = watch.settle();
    assert!(lines.iter().any(|l| l.starts_with("built ")), "{lines:?}");
    assert_same_as_full_build(&site);
}

/// Issue 15 item 4: the output changed behind the watcher's back (a `knead
/// build` for another base URL into the same folder; a page deleted by hand)
/// no longer matches what the session wrote, so the next edit is a full
/// build rather than a patch on top of it.
#[test]
fn output_changed_behind_the_watchers_back_takes_a_full_build() {
    let site = site_with_dependents();
    let watch = Watch::start(&site);
    site.build(&["--base-url", "https://elsewhere.example/"])
        .assert_ok();
    save_a(&site, "## Start\n\nAn edit after a foreign build.\n");
    let lines = watch.settle();
    assert!(lines.iter().any(|l| l.starts_with("built ")), "{lines:?}");
    assert_same_as_full_build(&site);
    fs::remove_file(site.path("output/docs/b/index.html")).expect("delete a page");
    save_a(&site, "## Start\n\nAn edit after a deletion.\n");
    let lines = watch.settle();
    assert!(lines.iter().any(|l| l.starts_with("built ")), "{lines:?}");
    assert_same_as_full_build(&site);
}

#[test]
fn body_edits_reach_every_pager_that_lists_the_page() {
    let site = site_with_dependents();
    site.file(
        "site.yaml",
        &format!(
            "{}search: true\npaginate_by: 1\n",
            crate::harness::SITE_YAML
        ),
    );
    site.file(
        "templates/section.html",
        "section={{ section.title }}\n{% if paginator is defined %}pager={{ paginator.current_index }}\n\
         {% for p in paginator.pages %}{{ p.url }} words={{ p.word_count }}\n{% endfor %}{% endif %}",
    );
    site.file(
        "templates/term.html",
        "term={{ term.name }}\n{% for p in paginator.pages %}{{ p.url }} words={{ p.word_count }}\n{% endfor %}",
    );
    let watch = Watch::start(&site);
    assert_same_as_full_build(&site);
    save_a(&site, "## Start\n\nOne two three four five six.\n");
    assert_incremental(&watch.settle());
    assert!(site.output("docs/index.html").contains("words=7"));
    assert!(site.output("tags/x/index.html").contains("words=7"));
    assert_same_as_full_build(&site);
}
