//! Rebuilds: a build with nothing changed renders and writes nothing, any
//! change of input or option builds again, and files whose bytes did not
//! change are linked from the previous output instead of written again.

use std::fs;
#[cfg(unix)]
use std::os::unix::fs::MetadataExt;

use crate::harness::{Run, TestSite, page};

const UNCHANGED: &str = " (nothing changed)\n";

fn small_site() -> TestSite {
    let site = TestSite::new();
    site.file("content/guides/_index.md", &page("title: Guides", "All.\n"));
    site.file("content/guides/a.md", &page("title: A", "Alpha.\n"));
    site.file("content/guides/b.md", &page("title: B", "Beta.\n"));
    site.file("content/guides/photo.png", "png bytes");
    site.file("static/robots.txt", "User-agent: *\n");
    site
}

fn skipped(run: &Run) -> bool {
    run.assert_ok();
    run.stdout.ends_with(UNCHANGED)
}

#[test]
fn build_with_nothing_changed_writes_nothing() {
    let site = small_site();
    assert!(!skipped(&site.build(&[])));
    let first = site.snapshot("output");
    let second = site.build(&[]);
    assert!(skipped(&second), "{}", second.stdout);
    assert!(
        second
            .stdout
            .starts_with("built 2 pages, 2 sections, 1 asset"),
        "{}",
        second.stdout
    );
    assert!(first == site.snapshot("output"), "output changed");
}

#[test]
fn any_changed_input_builds_again() {
    let site = small_site();
    site.build(&[]).assert_ok();
    type Change = fn(&TestSite);
    let changes: [(&str, Change); 6] = [
        ("page text", |s| {
            s.file("content/guides/a.md", &page("title: A", "Alpha two.\n"));
        }),
        ("new page", |s| {
            s.file("content/guides/c.md", &page("title: C", "Gamma.\n"));
        }),
        ("deleted page", |s| {
            s.remove("content/guides/c.md");
        }),
        ("template", |s| {
            s.file("templates/section.html", "section {{ section.title }}");
        }),
        ("site.yaml", |s| {
            let yaml = fs::read_to_string(s.path("site.yaml")).expect("site.yaml");
            s.file("site.yaml", &yaml.replace("Test Site", "Renamed"));
        }),
        ("asset", |s| {
            s.file("content/guides/photo.png", "other, longer png bytes");
        }),
    ];
    for (what, change) in changes {
        change(&site);
        let run = site.build(&[]);
        assert!(!skipped(&run), "a changed {what} was not rebuilt");
        assert!(skipped(&site.build(&[])), "after the {what} change");
    }
    assert!(site.output("guides/a/index.html").contains("Alpha two."));
    assert!(!site.output_exists("guides/c/index.html"));
    assert_eq!(site.output("guides/index.html"), "section Guides");
    assert_eq!(site.output("guides/photo.png"), "other, longer png bytes");
}

#[test]
fn changed_options_build_again() {
    let site = small_site();
    site.build(&[]).assert_ok();
    let run = site.build(&["--base-url", "https://preview.example.org/"]);
    assert!(!skipped(&run));
    assert!(
        site.output("guides/a/index.html")
            .contains("permalink=https://preview.example.org/guides/a/")
    );
    assert!(!skipped(&site.build(&[])));
    assert!(!skipped(&site.build(&["--drafts"])));
}

#[test]
fn missing_or_altered_output_file_is_written_again() {
    let site = small_site();
    site.build(&[]).assert_ok();
    fs::remove_file(site.path("output/guides/a/index.html")).expect("remove");
    assert!(!skipped(&site.build(&[])));
    assert!(site.output("guides/a/index.html").contains("Alpha."));
    site.file("output/guides/b/index.html", "truncated");
    assert!(!skipped(&site.build(&[])));
    assert!(site.output("guides/b/index.html").contains("Beta."));
}

#[test]
fn build_with_warnings_is_never_skipped() {
    let site = small_site();
    site.file(
        "content/guides/a.md",
        &page("title: A\ntags: [Lower Back]", "Alpha.\n"),
    );
    site.file(
        "content/guides/b.md",
        &page("title: B\ntags: [lower-back]", "Beta.\n"),
    );
    for _ in 0..2 {
        let run = site.build(&[]);
        assert!(!skipped(&run));
        run.assert_stderr_has("warning: the tags term");
    }
}

#[cfg(unix)]
#[test]
fn unchanged_files_are_linked_not_written_again() {
    let site = small_site();
    site.build(&[]).assert_ok();
    let inode = |rel: &str| {
        fs::metadata(site.path("output").join(rel))
            .expect("output file")
            .ino()
    };
    let (a, b, photo) = (
        inode("guides/a/index.html"),
        inode("guides/b/index.html"),
        inode("guides/photo.png"),
    );
    site.file("content/guides/b.md", &page("title: B", "Beta two.\n"));
    assert!(!skipped(&site.build(&[])));
    assert_eq!(
        inode("guides/a/index.html"),
        a,
        "unchanged page was rewritten"
    );
    assert_eq!(
        inode("guides/photo.png"),
        photo,
        "unchanged asset was copied again"
    );
    assert_ne!(
        inode("guides/b/index.html"),
        b,
        "changed page kept its old file"
    );
    assert!(site.output("guides/b/index.html").contains("Beta two."));
}

/// Issue 15 item 3: `cp -p`, `rsync -t` or a restore from backup puts other
/// bytes of the same size under the same modification time. The stamp must
/// still see a change, for an asset and a static file alike.
#[test]
fn same_size_same_mtime_replacement_is_copied_again() {
    let site = small_site();
    site.build(&[]).assert_ok();
    for (source, output, bytes) in [
        ("content/guides/photo.png", "guides/photo.png", "PNG BYTES"),
        ("static/robots.txt", "robots.txt", "User-agent: X\n"),
    ] {
        let path = site.path(source);
        let modified = fs::metadata(&path)
            .and_then(|m| m.modified())
            .expect("mtime");
        let restored = site.path("restored.tmp");
        fs::write(&restored, bytes).expect("write");
        fs::File::options()
            .write(true)
            .open(&restored)
            .and_then(|f| f.set_modified(modified))
            .expect("set mtime");
        fs::rename(&restored, &path).expect("rename");
        let run = site.build(&[]);
        assert!(!skipped(&run), "{source}: {}", run.stdout);
        assert_eq!(site.output(output), bytes);
    }
}
