//! Bad inputs and faults from docs/reliability.md that the feature tests do
//! not already cover: symlinks that loop or lead out of the site, names and
//! files knead cannot use, sizes and depths far beyond a normal site, event
//! storms, and whatever stands where the output folder should be. Each test
//! pins what must happen (the message, the exit code, what is left on disk);
//! commands that could hang run under a generous time limit, so a hang fails
//! the test instead of stalling the suite.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::harness::Watch;
use crate::harness::{Run, TestSite, page};

/// Far beyond what any of these builds needs, even in a debug build on a
/// busy machine: reaching it means knead hung.
const HANG: Duration = Duration::from_secs(120);

/// `knead build --root <site>` plus `args`, killed after `HANG`.
fn build_or_hang(site: &TestSite, args: &[&str]) -> Run {
    let output = assert_cmd::Command::cargo_bin("knead")
        .expect("knead binary")
        .args(["build", "--root"])
        .arg(site.root())
        .args(args)
        .timeout(HANG)
        .output()
        .expect("run knead");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "knead panicked:\n{}",
        run.stderr
    );
    assert_ne!(run.code, -1, "knead hung or was killed:\n{}", run.stderr);
    run
}

#[track_caller]
fn assert_no_output(site: &TestSite) {
    assert!(!site.path("output").exists(), "a failed build wrote output");
}

/// A site path whose last name is the given raw bytes (Linux file names
/// need not be UTF-8).
fn raw_path(site: &TestSite, folder: &str, name: &[u8]) -> PathBuf {
    site.path(folder).join(OsStr::from_bytes(name))
}

mod front_matter {
    use super::*;

    #[test]
    fn deep_nesting_is_refused_at_the_bracket_past_the_limit() {
        let site = TestSite::new();
        let open = "[".repeat(100_000);
        let close = "]".repeat(100_000);
        site.file(
            "content/deep.md",
            &page(&format!("title: Deep\nextra: {open}{close}"), "Body."),
        );
        let run = build_or_hang(&site, &[]);
        run.assert_code(1).assert_stderr_has(
            "content/deep.md:3:1008: error: invalid YAML: more than 1000 `[` and `{` are open here",
        );
        assert_no_output(&site);
    }

    #[test]
    fn duplicate_key_quoting_a_huge_line_number_is_an_error_not_a_panic() {
        let site = TestSite::new();
        let key = format!("\"x at line {}\"", u64::MAX);
        site.file(
            "content/a.md",
            &page(&format!("title: A\n{key}: 1\n{key}: 2"), "Body."),
        );
        let run = build_or_hang(&site, &[]);
        run.assert_code(1).assert_stderr_has(&format!(
            "content/a.md:2:1: error: invalid YAML: duplicate entry with key \"x at line {}\"",
            u64::MAX
        ));
    }

    #[test]
    fn recursive_and_exponential_aliases_are_errors() {
        let site = TestSite::new();
        site.file("content/loop.md", &page("title: &a [*a]", "Body."));
        // "Billion laughs": nine levels of nine references each.
        let mut laughs = String::from("a0: &a0 [\"lol\"]\n");
        for level in 1..10 {
            let refs = vec![format!("*a{}", level - 1); 9].join(", ");
            laughs.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
        }
        site.file(
            "content/laughs.md",
            &page(&format!("title: Laughs\n{laughs}extra: *a9"), "Body."),
        );
        let run = build_or_hang(&site, &[]);
        run.assert_code(1)
            .assert_stderr_has("content/loop.md:2:8: error: invalid YAML: recursion limit exceeded")
            .assert_stderr_has("content/laughs.md:")
            .assert_stderr_has("error: invalid YAML: repetition limit exceeded");
    }

    #[test]
    fn front_matter_that_is_not_a_mapping_is_an_error() {
        let site = TestSite::new();
        site.file("content/list.md", "---\n- a\n- b\n---\nBody.\n");
        build_or_hang(&site, &[]).assert_code(1).assert_stderr_has(
            "content/list.md:2:1: error: expected a mapping of `key: value` lines, found a list",
        );
    }
}

mod markdown {
    use super::*;

    /// Each link's position used to be found by counting from the top of the
    /// file: a page with many links took time quadratic in its size.
    #[test]
    fn page_with_ten_thousand_links_reports_the_broken_one_at_its_position() {
        let site = TestSite::new();
        site.file("content/b.md", &page("title: B", "Target."));
        let links = "[b](b.md) ".repeat(10_000);
        site.file(
            "content/many.md",
            &page("title: Many", &format!("{links}[x](missing.md)\n")),
        );
        let col = links.chars().count() + 1;
        build_or_hang(&site, &[])
            .assert_code(1)
            .assert_stderr_has(&format!(
                "content/many.md:4:{col}: error: no page at content/missing.md"
            ));
    }

    #[test]
    fn deeply_nested_markdown_builds() {
        let site = TestSite::new();
        let quotes = format!("{} deep quote\n", ">".repeat(10_000));
        let list: String = (0..1_000)
            .map(|depth| format!("{}- item\n", "  ".repeat(depth)))
            .collect();
        let brackets = format!("{}\n\n{}\n", "[".repeat(10_000), "*a ".repeat(10_000));
        site.file("content/quotes.md", &page("title: Quotes", &quotes));
        site.file("content/list.md", &page("title: List", &list));
        site.file("content/brackets.md", &page("title: Brackets", &brackets));
        build_or_hang(&site, &[]).assert_ok();
        assert!(site.output("quotes/index.html").contains("deep quote"));
        assert!(site.output("list/index.html").contains("item"));
    }
}

mod templates {
    use super::*;

    fn site_with_index(template: &str) -> TestSite {
        let site = TestSite::new();
        site.file("themes/t/templates/index.html", template);
        site
    }

    #[test]
    fn circular_includes_and_extends_are_errors() {
        let include = site_with_index("{% include \"index.html\" %}");
        build_or_hang(&include, &[])
            .assert_code(1)
            .assert_stderr_has("Circular include detected for template 'index.html'");
        let extend = site_with_index("{% extends \"b.html\" %}");
        extend.file("themes/t/templates/b.html", "{% extends \"index.html\" %}");
        build_or_hang(&extend, &[])
            .assert_code(1)
            .assert_stderr_has("Circular extend detected");
    }

    #[test]
    fn endlessly_recursive_component_is_an_error() {
        let site = site_with_index(
            "{% component rec(n) %}{{ n }}{{ <rec n={n} /> }}{% endcomponent rec %}{{ <rec n=\"1\" /> }}",
        );
        build_or_hang(&site, &[])
            .assert_code(1)
            .assert_stderr_has("Maximum render recursion depth for components exceeded");
    }

    #[test]
    fn theme_linked_from_outside_the_site_is_not_read() {
        let site = TestSite::new();
        let outside = tempfile::tempdir().expect("outside dir");
        let theme = outside.path().join("t");
        fs::rename(site.path("themes/t"), &theme).expect("move the theme out");
        symlink(&theme, site.path("themes/t")).expect("symlink");
        let run = build_or_hang(&site, &[]);
        run.assert_code(1)
            .assert_stderr_has(
                "themes/t/templates: warning: the folder leads outside the site through a symlink",
            )
            .assert_stderr_has("error: template \"index.html\" not found");
        assert_no_output(&site);
    }
}

mod file_system {
    use super::*;

    #[test]
    fn symlink_to_an_ancestor_folder_is_a_loop_skipped_with_a_warning() {
        let site = TestSite::new();
        symlink(site.path("content"), site.path("content/again")).expect("symlink");
        let run = build_or_hang(&site, &[]);
        run.assert_ok()
            .assert_stderr_has("content/again: warning: symlink loop skipped");
        assert!(site.output_exists("index.html"));
        assert!(!site.output_exists("again"));
    }

    #[test]
    fn symlinks_pointing_at_each_other_or_nowhere_are_skipped_with_a_warning() {
        let site = TestSite::new();
        symlink("b.md", site.path("content/a.md")).expect("symlink");
        symlink("a.md", site.path("content/b.md")).expect("symlink");
        symlink("missing.md", site.path("content/gone.md")).expect("symlink");
        let run = build_or_hang(&site, &[]);
        run.assert_ok()
            .assert_stderr_has("content/a.md: warning: broken symlink skipped: ")
            .assert_stderr_has("content/b.md: warning: broken symlink skipped: ")
            .assert_stderr_has("content/gone.md: warning: broken symlink skipped: ");
    }

    #[test]
    fn content_folder_linked_from_outside_the_site_is_not_read() {
        let site = TestSite::new();
        let outside = tempfile::tempdir().expect("outside dir");
        fs::write(
            outside.path().join("secret.md"),
            page("title: Secret", "Not for the site."),
        )
        .expect("write");
        fs::remove_dir_all(site.path("content")).expect("remove content");
        symlink(outside.path(), site.path("content")).expect("symlink");
        let run = build_or_hang(&site, &[]);
        run.assert_ok().assert_stderr_has(
            "content: warning: the folder leads outside the site through a symlink",
        );
        assert!(!site.output_exists("secret/index.html"));
    }

    #[test]
    fn names_that_are_not_utf8_are_errors_showing_their_bytes() {
        let site = TestSite::new();
        fs::write(
            raw_path(&site, "content", b"caf\xe9.md"),
            page("title: C", "x"),
        )
        .expect("write");
        let folder = raw_path(&site, "content", b"d\xff");
        fs::create_dir_all(&folder).expect("mkdir");
        fs::write(folder.join("q.md"), page("title: Q", "x")).expect("write");
        fs::create_dir_all(site.path("static")).expect("mkdir");
        fs::write(raw_path(&site, "static", b"s\xe9.css"), "x").expect("write");
        // Ignored names stay ignored, whatever their bytes.
        fs::write(raw_path(&site, "content", b".caf\xe9.md.swp"), "x").expect("write");
        let run = build_or_hang(&site, &[]);
        run.assert_code(1)
            .assert_stderr_has("content/caf\\xE9.md: error: the file name is not valid UTF-8")
            .assert_stderr_has("content/d\\xFF: error: the folder name is not valid UTF-8")
            .assert_stderr_has("static/s\\xE9.css: error: the file name is not valid UTF-8")
            .assert_stderr_has("= help: rename it with UTF-8 characters");
        assert!(!run.stderr.contains(".caf"), "{}", run.stderr);
        assert_no_output(&site);
    }

    #[test]
    fn markdown_file_over_the_size_limit_is_an_error_naming_the_limit() {
        let site = TestSite::new();
        site.file("content/huge.md", &page("title: Huge", "Body."));
        // Sparse: 17 MiB on paper, nothing on disk.
        let file = fs::OpenOptions::new()
            .append(true)
            .open(site.path("content/huge.md"))
            .expect("open");
        file.set_len(17 * 1024 * 1024).expect("grow the file");
        let run = build_or_hang(&site, &[]);
        run.assert_code(1)
            .assert_stderr_has(
                "content/huge.md: error: the file is 17.0 MiB, over knead's limit of 16 MiB for a text file",
            )
            .assert_stderr_has("= help: split it into several pages");
        assert_no_output(&site);
    }

    #[test]
    fn folders_200_deep_build_with_every_ancestor() {
        let site = TestSite::new();
        let mut folder = String::from("content");
        for depth in 0..200 {
            folder.push_str(&format!("/d{depth}"));
            site.file(
                &format!("{folder}/_index.md"),
                &page(&format!("title: Level {depth}"), "[up](../_index.md)"),
            );
        }
        site.file(
            &format!("{folder}/leaf.md"),
            &page("title: Leaf", "[top](@/d0/_index.md)"),
        );
        build_or_hang(&site, &[]).assert_ok();
        let leaf_dir = folder.trim_start_matches("content/");
        let leaf = site.output(&format!("{leaf_dir}/leaf/index.html"));
        // The home page and 200 sections.
        assert_eq!(leaf.matches("ancestor=").count(), 201, "{leaf}");
    }

    /// The full-size run (100,000 files) is benches/faults.py.
    #[test]
    fn five_thousand_tiny_files_build() {
        let site = TestSite::new();
        for n in 0..5_000 {
            site.file(
                &format!("content/f{:02}/p{n}.md", n / 100),
                &page(&format!("title: P{n}"), "x"),
            );
        }
        let run = build_or_hang(&site, &[]);
        run.assert_ok();
        assert!(run.stdout.starts_with("built 5000 pages"), "{}", run.stdout);
        assert!(site.output_exists("f49/p4999/index.html"));
    }

    /// Files deleted while a build reads and copies them (a `git checkout`
    /// during a build): whichever moment the deletions hit, the build either
    /// succeeds or fails naming a file, and a failed one leaves the previous
    /// output as it was.
    #[test]
    fn files_deleted_during_a_build_give_a_build_or_an_error_never_a_mess() {
        let site = TestSite::new();
        for n in 0..2_000 {
            site.file(
                &format!("content/p{n}.md"),
                &page(&format!("title: P{n}"), "x"),
            );
            site.file(&format!("content/p{n}.png"), "png");
        }
        site.build(&[]).assert_ok();
        let before = site.snapshot("output");
        site.file("content/p0.md", &page("title: P0", "changed"));
        let deleter = {
            let content = site.path("content");
            std::thread::spawn(move || {
                for n in (0..2_000).rev() {
                    let _ = fs::remove_file(content.join(format!("p{n}.png")));
                    let _ = fs::remove_file(content.join(format!("p{n}.md")));
                }
            })
        };
        let run = build_or_hang(&site, &[]);
        deleter.join().expect("deleter");
        match run.code {
            0 => assert!(site.output_exists("index.html")),
            1 => {
                assert!(
                    run.stderr.contains("No such file or directory"),
                    "{}",
                    run.stderr
                );
                assert!(
                    site.snapshot("output") == before,
                    "the previous output changed"
                );
            }
            code => panic!("exit code {code}:\n{}", run.stderr),
        }
        assert!(
            !site
                .root()
                .read_dir()
                .expect("list")
                .flatten()
                .any(|e| e.file_name().to_string_lossy().contains(".knead-")),
            "a staging folder was left"
        );
    }

    /// Reading a FIFO waits for a writer that never comes.
    #[test]
    fn fifo_and_socket_in_content_are_skipped_without_waiting() {
        let site = TestSite::new();
        let fifo = site.path("content/pipe.md");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("run mkfifo");
        assert!(made.success(), "mkfifo failed");
        let _socket = std::os::unix::net::UnixListener::bind(site.path("content/socket.md"))
            .expect("bind a socket");
        let run = build_or_hang(&site, &[]);
        run.assert_ok()
            .assert_stderr_has(
                "content/pipe.md: warning: a FIFO (named pipe) is not a regular file; skipped",
            )
            .assert_stderr_has(
                "content/socket.md: warning: a socket is not a regular file; skipped",
            );
    }

    #[test]
    fn site_yaml_that_is_a_fifo_is_a_usage_error_not_a_hang() {
        let site = TestSite::new();
        site.remove("site.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(site.path("site.yaml"))
            .status()
            .expect("run mkfifo");
        assert!(made.success(), "mkfifo failed");
        build_or_hang(&site, &[])
            .assert_code(2)
            .assert_stderr_has("site.yaml: it is not a regular file");
    }
}

mod watch {
    use super::*;

    #[test]
    fn output_folder_deleted_while_watching_comes_back_with_the_next_change() {
        let site = TestSite::new();
        site.file("content/a.md", &page("title: A", "First text."));
        let watch = Watch::start(&site);
        fs::remove_dir_all(site.path("output")).expect("delete the output");
        site.file("content/a.md", &page("title: A", "Second text."));
        let lines = watch.settle();
        assert!(lines.iter().any(|l| l.starts_with("built ")), "{lines:?}");
        assert!(site.output("a/index.html").contains("Second text."));
        assert!(site.output_exists("index.html"), "{lines:?}");
    }

    /// Waits for output file `rel` to contain `needle` (a rebuild may take a
    /// while on a busy machine); the file's text at the deadline otherwise.
    fn output_shows(site: &TestSite, rel: &str, needle: &str) -> Result<(), String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let text = fs::read_to_string(site.path("output").join(rel)).unwrap_or_default();
            if text.contains(needle) {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(text);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn cp_r(from: &Path, to: &Path) {
        let status = std::process::Command::new("cp")
            .arg("-r")
            .args([from, to])
            .status()
            .expect("run cp");
        assert!(status.success(), "cp -r failed");
    }

    /// Issue 15 item 1: content/ or the theme folder replaced wholesale
    /// (`mv content old && mv new content`, `rm -rf theme && cp -r`) and
    /// edited at once, with no pause: both edits and later ones show.
    #[test]
    fn replaced_content_and_theme_folders_stay_watched() {
        let site = TestSite::new();
        site.file("content/a.md", &page("title: A", "First."));
        let watch = Watch::start(&site);
        cp_r(&site.path("content"), &site.path("new-content"));
        fs::rename(site.path("content"), site.path("old-content")).expect("move aside");
        fs::rename(site.path("new-content"), site.path("content")).expect("move in");
        site.file("content/a.md", &page("title: A", "Swapped."));
        output_shows(&site, "a/index.html", "Swapped.").expect("the edit after the swap");
        watch.lines_within(Duration::from_millis(500));
        site.file("content/a.md", &page("title: A", "Later."));
        output_shows(&site, "a/index.html", "Later.").expect("a later edit");

        let theme = site.path("themes/t");
        cp_r(&theme, &site.path("theme-copy"));
        fs::remove_dir_all(&theme).expect("rm -rf the theme");
        cp_r(&site.path("theme-copy"), &theme);
        let template = theme.join("templates/page.html");
        let text = fs::read_to_string(&template).expect("template");
        fs::write(&template, text.replace("title=", "swapped-title=")).expect("edit");
        output_shows(&site, "a/index.html", "swapped-title=A").expect("the theme edit");
        watch.lines_within(Duration::from_millis(500));
        let text = fs::read_to_string(&template).expect("template");
        fs::write(&template, text.replace("swapped-title=", "later-title=")).expect("edit");
        output_shows(&site, "a/index.html", "later-title=A").expect("a later theme edit");
    }

    /// Issue 15 item 2: a page that is a symlink to another page is that
    /// page's text under another URL, so an edit of the target (a body edit,
    /// which is patched in incrementally) must show on both.
    #[test]
    fn a_symlinked_page_follows_edits_of_its_target() {
        let site = TestSite::new();
        site.file("content/a.md", &page("title: A", "First."));
        symlink("a.md", site.path("content/b.md")).expect("symlink");
        let _watch = Watch::start(&site);
        site.file("content/a.md", &page("title: A", "Second."));
        output_shows(&site, "a/index.html", "Second.").expect("the target's page");
        output_shows(&site, "b/index.html", "Second.").expect("the symlink's page");
    }

    /// Issue 15 item 2: a file inside a symlinked folder, whether the folder
    /// it leads to is watched already (inside content/) or not (beside it).
    #[test]
    fn files_inside_symlinked_folders_rebuild_when_edited_or_added() {
        let site = TestSite::new();
        site.file("content/sub/x.md", &page("title: X", "First x."));
        site.file("docs/y.md", &page("title: Y", "First y."));
        symlink("sub", site.path("content/alias")).expect("symlink");
        symlink("../docs", site.path("content/docs")).expect("symlink");
        let watch = Watch::start(&site);
        site.file("content/sub/x.md", &page("title: X", "Second x."));
        output_shows(&site, "sub/x/index.html", "Second x.").expect("the real folder");
        output_shows(&site, "alias/x/index.html", "Second x.").expect("the linked folder");
        watch.lines_within(Duration::from_millis(500));
        site.file("docs/y.md", &page("title: Y", "Second y."));
        output_shows(&site, "docs/y/index.html", "Second y.").expect("an unwatched folder");
        watch.lines_within(Duration::from_millis(500));
        site.file("docs/z.md", &page("title: Z", "New z."));
        output_shows(&site, "docs/z/index.html", "New z.").expect("a new file there");
    }

    /// Issue 15 item 2: a page and a static file that are symlinks to files
    /// in a folder of the site that no build walks (`shared/`), edited there
    /// in place and by an atomic save; under `build --watch` and `serve`.
    #[test]
    fn symlinks_to_files_in_an_unwatched_folder_rebuild_when_their_targets_change() {
        let site = TestSite::new();
        site.file("shared/p.md", &page("title: P", "First."));
        site.file("shared/s.css", "first{}\n");
        fs::create_dir(site.path("static")).expect("static/");
        symlink("../shared/p.md", site.path("content/p.md")).expect("symlink");
        symlink("../shared/s.css", site.path("static/s.css")).expect("symlink");
        {
            let watch = Watch::start(&site);
            site.file("shared/p.md", &page("title: P", "Second."));
            output_shows(&site, "p/index.html", "Second.").expect("the page's target edited");
            watch.lines_within(Duration::from_millis(500));
            site.file("shared/s.tmp", "second{}\n");
            fs::rename(site.path("shared/s.tmp"), site.path("shared/s.css")).expect("save");
            output_shows(&site, "s.css", "second{}").expect("the static file's target saved");
        }
        let server = crate::harness::Server::start(&site, &[]);
        site.file("shared/p.tmp", &page("title: P", "Third."));
        fs::rename(site.path("shared/p.tmp"), site.path("shared/p.md")).expect("save");
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while !server.get("/p/").body.contains("Third.") {
            assert!(
                std::time::Instant::now() < deadline,
                "serve never showed the edit"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A `git checkout` or an unpacked archive: many files at once must give
    /// a few builds, and the last one must hold every file.
    #[test]
    fn a_thousand_files_written_at_once_give_a_few_builds_and_the_whole_site() {
        let site = TestSite::new();
        site.file("content/storm/_index.md", &page("title: Storm", ""));
        let watch = Watch::start(&site);
        for n in 0..1_000 {
            site.file(
                &format!("content/storm/p{n}.md"),
                &page(&format!("title: P{n}"), "Storm."),
            );
        }
        // Some builds may catch a file created but not yet written (an error);
        // the build after its write holds every page.
        let lines = watch.lines_until(|line| line.starts_with("built 1000 pages"));
        let builds: Vec<&String> = lines.iter().filter(|l| l.starts_with("built ")).collect();
        assert!(
            !builds.is_empty() && builds.len() <= 4,
            "1,000 writes gave {} builds: {lines:?}",
            builds.len()
        );
        let last = builds.last().expect("a build");
        assert!(last.starts_with("built 1000 pages"), "{lines:?}");
        assert!(site.output_exists("storm/p999/index.html"));
    }
}

mod output_folder {
    use super::*;

    #[test]
    fn file_in_place_of_the_output_folder_is_refused_and_kept() {
        let site = TestSite::new();
        site.file("output", "my notes");
        build_or_hang(&site, &[])
            .assert_code(2)
            .assert_stderr_has("is a file, not a folder");
        assert_eq!(
            fs::read_to_string(site.path("output")).expect("read"),
            "my notes"
        );
    }

    #[test]
    fn output_symlink_builds_into_its_target_and_stays_a_link() {
        let site = TestSite::new();
        let elsewhere = tempfile::tempdir().expect("target dir");
        symlink(elsewhere.path(), site.path("output")).expect("symlink");
        build_or_hang(&site, &[]).assert_ok();
        build_or_hang(&site, &[]).assert_ok();
        assert!(site.path("output").is_symlink(), "the link was replaced");
        assert!(elsewhere.path().join("index.html").is_file());
        assert!(elsewhere.path().join(".knead-output").is_file());
    }

    #[test]
    fn output_symlink_to_the_site_or_its_sources_is_refused() {
        let site = TestSite::new();
        for (target, reason) in [
            (site.root().to_path_buf(), "contains the site itself"),
            (site.path("content"), "inside the site's content/ folder"),
            (PathBuf::from("/"), "file-system root"),
        ] {
            let link = site.path("output");
            let _ = fs::remove_file(&link);
            symlink(&target, &link).expect("symlink");
            build_or_hang(&site, &[])
                .assert_code(2)
                .assert_stderr_has(reason);
        }
        assert!(site.path("content/_index.md").is_file());
    }

    #[test]
    fn dangling_output_symlink_is_a_usage_error() {
        let site = TestSite::new();
        symlink("/nonexistent/knead-output", site.path("output")).expect("symlink");
        build_or_hang(&site, &[]).assert_code(2).assert_stderr_has(
            "is a symbolic link to /nonexistent/knead-output, which does not exist",
        );
        assert!(site.path("output").is_symlink());
    }

    /// A build killed midway leaves its staging folder (or the previous
    /// output, moved aside) beside the output folder.
    #[cfg(target_os = "linux")]
    #[test]
    fn leftovers_of_killed_builds_are_removed_and_live_ones_kept() {
        let site = TestSite::new();
        // Above Linux's largest pid (2^22): no such process can exist.
        let dead = 4_000_000_000u32;
        let leftovers = [
            format!(".output.knead-new-{dead}"),
            format!(".output.knead-old-{dead}"),
        ];
        for name in &leftovers {
            site.file(&format!("{name}/index.html"), "half a site");
        }
        // pid 1 always runs; the other name is not one knead makes.
        let kept = [
            ".output.knead-new-1",
            ".output.knead-new-x1",
            ".public.knead-new-4000000000",
        ];
        for name in kept {
            site.file(&format!("{name}/keep.txt"), "not knead's to remove");
        }
        build_or_hang(&site, &[]).assert_ok();
        for name in &leftovers {
            assert!(!site.path(name).exists(), "{name} was left");
        }
        for name in kept {
            assert!(
                site.path(name).join("keep.txt").is_file(),
                "{name} was removed"
            );
        }
    }

    /// Every folder beside the output whose name says a build left it.
    fn leftovers(site: &TestSite) -> Vec<String> {
        fs::read_dir(site.root())
            .expect("list site")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".output.knead-"))
            .collect()
    }

    /// A build killed by SIGKILL at `fault` (the test seam), after page `a`
    /// was changed to `text`.
    fn build_killed_at(site: &TestSite, fault: &str, text: &str) {
        site.file("content/a.md", &page("title: A", text));
        let run = site.knead_with_env(
            &[("KNEAD_FAULT", fault)],
            &["build", "--root", site.root().to_str().expect("utf-8")],
            &[],
        );
        assert_eq!(
            run.code, -1,
            "the fault {fault} did not kill knead:\n{}",
            run.stderr
        );
    }

    /// Issue 15 item 5: on Linux the swap is one exchange of the two
    /// folders, so a kill right after it leaves the new site in place (and
    /// the old one beside it, which the next build removes).
    #[cfg(target_os = "linux")]
    #[test]
    fn kill_right_after_the_swap_leaves_the_new_output_in_place() {
        let site = TestSite::new();
        site.file("content/a.md", &page("title: A", "First."));
        build_or_hang(&site, &[]).assert_ok();
        build_killed_at(&site, "kill-after-swap", "Second.");
        assert!(site.output("a/index.html").contains("Second."));
        assert_eq!(leftovers(&site).len(), 1, "{:?}", leftovers(&site));
        let next = build_or_hang(&site, &[]);
        next.assert_ok();
        assert!(next.stdout.contains("(nothing changed)"), "{}", next.stdout);
        assert_eq!(leftovers(&site), Vec::<String>::new());
    }

    /// Issue 15 item 5, where the swap is two renames (not Linux, or a file
    /// system without the exchange): a kill between them leaves no output
    /// folder, and the next build puts the complete new one in place.
    #[test]
    fn kill_between_the_two_renames_is_recovered_by_the_next_build() {
        let site = TestSite::new();
        site.file("content/a.md", &page("title: A", "First."));
        build_or_hang(&site, &[]).assert_ok();
        build_killed_at(&site, "no-exchange,kill-between-renames", "Second.");
        assert!(!site.path("output").exists(), "the kill missed the gap");
        let next = build_or_hang(&site, &[]);
        next.assert_ok();
        assert!(next.stdout.contains("(nothing changed)"), "{}", next.stdout);
        assert!(site.output("a/index.html").contains("Second."));
        assert_eq!(leftovers(&site), Vec::<String>::new());
    }

    /// Issue 15 item 6: a build that finds nothing changed removes leftovers
    /// too, and a killed build whose parent has not reaped it yet (a zombie,
    /// still listed in /proc) counts as gone.
    #[cfg(target_os = "linux")]
    #[test]
    fn leftovers_of_zombies_go_even_when_nothing_changed() {
        let site = TestSite::new();
        build_or_hang(&site, &[]).assert_ok();
        let mut zombie = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        std::thread::sleep(Duration::from_millis(300));
        let left = [
            format!(".output.knead-old-{}", zombie.id()),
            format!(".output.knead-new-{}", 4_000_000_000u32),
        ];
        for name in &left {
            site.file(&format!("{name}/index.html"), "half a site");
        }
        let run = build_or_hang(&site, &[]);
        run.assert_ok();
        zombie.wait().expect("reap");
        assert!(run.stdout.contains("(nothing changed)"), "{}", run.stdout);
        assert_eq!(leftovers(&site), Vec::<String>::new());
    }

    /// A bind mount, unmounted when dropped.
    struct BindMount(PathBuf);

    impl BindMount {
        /// `None` (after a loud message) where the test cannot mount, unless
        /// on CI, which runs as root and must run this test.
        fn new(from: &Path, on: &Path) -> Option<BindMount> {
            let mounted = std::process::Command::new("mount")
                .arg("--bind")
                .args([from, on])
                .output();
            match mounted {
                Ok(out) if out.status.success() => Some(BindMount(on.to_path_buf())),
                other => {
                    let why = format!("cannot bind-mount (needs root and `mount`): {other:?}");
                    assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{why}");
                    eprintln!("SKIPPED bind-mount test: {why}");
                    None
                }
            }
        }
    }

    impl Drop for BindMount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }

    /// Issue 15 item 7: `docker run -v "$PWD/public:/site/output"` makes the
    /// output folder a mount point, which cannot be renamed. knead updates it
    /// in place: new files in, stale ones out, the folder itself kept.
    #[cfg(target_os = "linux")]
    #[test]
    fn bind_mounted_output_folder_is_updated_in_place() {
        let site = TestSite::new();
        let volume = tempfile::tempdir().expect("volume");
        fs::create_dir(site.path("output")).expect("mount point");
        let Some(_mount) = BindMount::new(volume.path(), &site.path("output")) else {
            return;
        };
        site.file("content/a.md", &page("title: A", "First."));
        site.file("content/gone.md", &page("title: Gone", "Soon."));
        build_or_hang(&site, &[]).assert_ok();
        site.file("content/a.md", &page("title: A", "Second."));
        site.remove("content/gone.md");
        build_or_hang(&site, &[]).assert_ok();
        let read = |rel: &str| fs::read_to_string(volume.path().join(rel)).expect(rel);
        assert!(read("a/index.html").contains("Second."));
        assert!(!volume.path().join("gone").exists(), "a stale page stayed");
        let stray: Vec<_> = walkdir::WalkDir::new(volume.path())
            .into_iter()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.contains(".knead-") && name != ".knead-output")
            .collect();
        assert!(stray.is_empty(), "temporaries left: {stray:?}");
        assert_eq!(leftovers(&site), Vec::<String>::new());
        let again = build_or_hang(&site, &[]);
        assert!(
            again.stdout.contains("(nothing changed)"),
            "{}",
            again.stdout
        );
    }

    #[test]
    fn slug_climbing_out_stays_inside_the_output() {
        let site = TestSite::new();
        site.file(
            "content/a.md",
            &page("title: A\nslug: ../../../escape", "Body."),
        );
        build_or_hang(&site, &[]).assert_ok();
        assert!(site.output_exists("escape/index.html"));
        let parent = site.root().parent().expect("parent");
        assert!(!Path::new(parent).join("escape").exists());
        assert!(!site.path("escape").exists());
    }
}
