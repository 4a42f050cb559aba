//! What a successful build writes: URLs, sections, assets, static files, Markdown
//! features; and what it must never do to the output folder.

use std::fs;

use crate::harness::{TestSite, page};

fn guides_site() -> TestSite {
    let site = TestSite::new();
    site.file(
        "content/guides/_index.md",
        &page("title: Guides\nweight: 1", "All guides.\n"),
    );
    site.file(
        "content/guides/first-session.md",
        &page(
            "title: First Session\nweight: 2\ndate: 2024-05-01",
            "## Steps\n### Lie down\n## Steps\nText.\n",
        ),
    );
    site.file(
        "content/guides/choosing.md",
        &page("title: Choosing\nweight: 1", "Pick one.\n"),
    );
    site.file(
        "content/guides/later.md",
        &page("title: Later\ndate: 2024-06-01", "Later.\n"),
    );
    site
}

#[test]
fn pages_get_pretty_urls_under_the_base_path() {
    let site = guides_site();
    site.build(&[]).assert_ok();
    let first = site.output("guides/first-session/index.html");
    assert!(first.contains("url=/docs/guides/first-session/"), "{first}");
    assert!(first.contains("permalink=https://example.org/docs/guides/first-session/"));
    assert!(
        first.contains("<link href=\"/docs/css/s.css\">"),
        "static URL: {first}"
    );
    assert!(site.output("index.html").contains("nav=/docs/guides/"));
    assert!(site.output_exists("css/s.css"));
}

#[test]
fn base_url_flag_overrides_site_yaml_everywhere() {
    let site = guides_site();
    site.build(&["--base-url", "https://preview.example.net/pr-7"])
        .assert_ok();
    let first = site.output("guides/first-session/index.html");
    assert!(first.contains("url=/pr-7/guides/first-session/"), "{first}");
    assert!(first.contains("permalink=https://preview.example.net/pr-7/guides/first-session/"));
    assert!(
        first.contains("ancestor=/pr-7/\nancestor=/pr-7/guides/"),
        "{first}"
    );
    assert!(!first.contains("/docs/"), "old base path leaked: {first}");
}

#[test]
fn section_lists_pages_by_weight_then_date() {
    let site = guides_site();
    site.build(&[]).assert_ok();
    let section = site.output("guides/index.html");
    let order: Vec<&str> = section
        .lines()
        .filter_map(|l| l.strip_prefix("page="))
        .collect();
    assert_eq!(
        order,
        [
            "/docs/guides/choosing/",
            "/docs/guides/first-session/",
            "/docs/guides/later/"
        ]
    );
}

#[test]
fn page_knows_ancestors_and_neighbours() {
    let site = guides_site();
    site.build(&[]).assert_ok();
    let first = site.output("guides/first-session/index.html");
    assert!(first.contains("prev=/docs/guides/choosing/"), "{first}");
    assert!(first.contains("next=/docs/guides/later/"), "{first}");
    let choosing = site.output("guides/choosing/index.html");
    assert!(!choosing.contains("prev="), "{choosing}");
}

#[test]
fn headings_get_deduplicated_ids_and_a_nested_toc() {
    let site = guides_site();
    site.build(&[]).assert_ok();
    let first = site.output("guides/first-session/index.html");
    assert!(first.contains("<h2 id=\"steps\">"), "{first}");
    assert!(first.contains("<h2 id=\"steps-1\">"), "{first}");
    assert!(
        first.contains("toc=steps:Steps:1\ntoc=steps-1:Steps:0"),
        "{first}"
    );
}

#[test]
fn toc_false_leaves_toc_empty() {
    let site = TestSite::new();
    site.file("content/a.md", &page("title: A\ntoc: false", "## One\n"));
    site.build(&[]).assert_ok();
    assert!(!site.output("a/index.html").contains("toc="));
}

#[test]
fn word_count_and_reading_time_reach_templates() {
    let site = TestSite::new();
    let body = "word ".repeat(401);
    site.file("content/a.md", &page("title: A", &body));
    site.build(&[]).assert_ok();
    let a = site.output("a/index.html");
    assert!(a.contains("words=401\nminutes=3"), "{a}");
}

#[test]
fn markdown_extensions_are_rendered() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page(
            "title: A",
            "| x | y |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ and a note[^n].\n\n[^n]: The note.\n\n- [x] done\n\n\
             > [!WARNING]\n> Careful.\n\n## Custom {#my-id}\n\n\"Quotes\" -- dash\n",
        ),
    );
    site.build(&[]).assert_ok();
    let a = site.output("a/index.html");
    for needle in [
        "<table>",
        "<del>gone</del>",
        "footnote-definition",
        "type=\"checkbox\"",
        "markdown-alert-warning",
        "id=\"my-id\"",
        "“Quotes” – dash",
    ] {
        assert!(a.contains(needle), "{needle:?} missing:\n{a}");
    }
}

#[test]
fn smart_punctuation_can_be_turned_off() {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        &format!(
            "{}markdown: {{ smart_punctuation: false }}\n",
            crate::harness::SITE_YAML
        ),
    );
    site.file("content/a.md", &page("title: A", "\"Quotes\"\n"));
    site.build(&[]).assert_ok();
    let a = site.output("a/index.html");
    assert!(a.contains("<p>\"Quotes\"</p>"), "{a}");
    assert!(!a.contains('“'), "{a}");
}

#[test]
fn folder_page_gets_its_assets_beside_it() {
    let site = TestSite::new();
    site.file("content/types/_index.md", &page("title: Types", ""));
    site.file(
        "content/types/swedish/index.md",
        &page("title: Swedish", "![map](map.svg)\n"),
    );
    site.file("content/types/swedish/map.svg", "<svg/>");
    site.file("content/types/shared photo.png", "png");
    site.build(&[]).assert_ok();
    assert_eq!(site.output("types/swedish/map.svg"), "<svg/>");
    assert!(site.output_exists("types/shared photo.png"));
    let swedish = site.output("types/swedish/index.html");
    assert!(
        swedish.contains("asset=/docs/types/swedish/map.svg"),
        "{swedish}"
    );
    assert!(
        site.output("types/index.html")
            .contains("page=/docs/types/swedish/")
    );
}

#[test]
fn slug_and_non_ascii_names_make_ascii_urls() {
    let site = TestSite::new();
    site.file("content/Übungen/_index.md", &page("title: Übungen", ""));
    site.file("content/Übungen/Erste Übung.md", &page("title: Erste", ""));
    site.file(
        "content/Übungen/b.md",
        &page("title: B\nslug: Palm Circling", ""),
    );
    site.build(&[]).assert_ok();
    assert!(site.output_exists("ubungen/erste-ubung/index.html"));
    assert!(site.output_exists("ubungen/palm-circling/index.html"));
}

#[test]
fn folder_without_index_still_nests_urls() {
    let site = TestSite::new();
    site.file("content/notes/2024/a.md", &page("title: A", ""));
    site.build(&[]).assert_ok();
    assert!(site.output_exists("notes/2024/a/index.html"));
    assert!(
        site.output("index.html")
            .contains("page=/docs/notes/2024/a/")
    );
}

#[test]
fn site_static_overrides_theme_static() {
    let site = TestSite::new();
    site.file("static/css/s.css", "site wins");
    site.file("static/robots.txt", "User-agent: *");
    site.build(&[]).assert_ok();
    assert_eq!(site.output("css/s.css"), "site wins");
    assert_eq!(site.output("robots.txt"), "User-agent: *");
}

#[test]
fn two_sources_for_one_url_are_an_error() {
    let site = TestSite::new();
    site.file("content/a.md", &page("title: A", ""));
    site.file("content/b.md", &page("title: B\nslug: a", ""));
    site.build(&[]).assert_code(1).assert_stderr_has(
        "content/b.md: error: writes output file a/index.html, which content/a.md writes too",
    );
}

#[test]
fn stale_files_of_earlier_builds_are_removed() {
    let site = guides_site();
    site.build(&[]).assert_ok();
    assert!(site.output_exists("guides/later/index.html"));
    site.remove("content/guides/later.md");
    site.build(&[]).assert_ok();
    assert!(!site.output_exists("guides/later/index.html"));
    assert!(site.output_exists("guides/first-session/index.html"));
}

#[test]
fn two_builds_give_identical_bytes() {
    let site = guides_site();
    site.file(
        "content/types/_index.md",
        &page("title: Types\nweight: 2", ""),
    );
    site.file(
        "content/types/a.md",
        &page("title: A\ntags: [x, y]", "Body."),
    );
    site.file("content/types/b.md", &page("title: B\ntags: [y]", "Body."));
    site.build(&[]).assert_ok();
    let first = site.snapshot("output");
    site.build(&[]).assert_ok();
    let second = site.snapshot("output");
    assert!(first.len() > 5);
    assert_eq!(first, second);
}

#[track_caller]
fn assert_no_staging_left(site: &TestSite) {
    let leftovers: Vec<_> = fs::read_dir(site.root())
        .expect("read root")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("knead-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "staging folders left behind: {leftovers:?}"
    );
}

#[test]
fn failed_build_leaves_previous_output_untouched() {
    let site = guides_site();
    site.build(&[]).assert_ok();
    let before = site.snapshot("output");
    site.file("content/guides/broken.md", "---\ntitel: oops\n---\n");
    site.file(
        "content/guides/choosing.md",
        &page("title: Choosing, edited", "New text."),
    );
    site.build(&[]).assert_code(1);
    assert_eq!(site.snapshot("output"), before);
    assert_no_staging_left(&site);
}

#[test]
fn output_folder_flag_is_honoured() {
    let site = TestSite::new();
    let out = site.path("public");
    site.build(&["--output", out.to_str().expect("utf-8")])
        .assert_ok();
    assert!(out.join("index.html").is_file());
    assert!(out.join(".knead-output").is_file());
    assert!(!site.output_exists("index.html"));
}

#[test]
fn summary_line_counts_pages_sections_and_assets() {
    let site = guides_site();
    site.file("content/guides/pic.png", "png");
    let run = site.build(&[]);
    run.assert_ok();
    assert!(
        run.stdout
            .contains("built 3 pages, 2 sections, 1 asset in "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("output"), "{}", run.stdout);
}

mod refused_output {
    use super::*;

    #[track_caller]
    fn refused(site: &TestSite, output: &str, reason: &str) {
        let run = site.build(&["--output", output]);
        run.assert_code(2).assert_stderr_has(reason);
    }

    #[test]
    fn filesystem_root_is_refused() {
        refused(&TestSite::new(), "/", "file-system root");
    }

    #[test]
    fn site_root_and_its_ancestors_are_refused() {
        let site = TestSite::new();
        refused(
            &site,
            site.root().to_str().expect("utf-8"),
            "contains the site itself",
        );
        let parent = site.root().parent().expect("parent");
        refused(
            &site,
            parent.to_str().expect("utf-8"),
            "contains the site itself",
        );
    }

    #[test]
    fn source_folders_are_refused() {
        let site = TestSite::new();
        for dir in ["content", "themes", "content/sub", "static", "templates"] {
            let path = site.path(dir);
            refused(&site, path.to_str().expect("utf-8"), "inside the site's");
        }
        assert!(
            site.path("content/_index.md").is_file(),
            "content must survive"
        );
    }

    #[test]
    fn foreign_non_empty_folder_is_never_deleted() {
        let site = TestSite::new();
        site.file("output/precious.txt", "mine");
        site.build(&[])
            .assert_code(2)
            .assert_stderr_has(".knead-output");
        assert_eq!(site.output("precious.txt"), "mine");
        // The documented override: mark the folder as knead's.
        site.file("output/.knead-output", "");
        site.build(&[]).assert_ok();
        assert!(!site.output_exists("precious.txt"));
    }

    #[test]
    fn empty_existing_folder_is_accepted() {
        let site = TestSite::new();
        fs::create_dir_all(site.path("output")).expect("mkdir");
        site.build(&[]).assert_ok();
        assert!(site.output_exists("index.html"));
    }
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_site_are_not_followed() {
    let site = TestSite::new();
    let outside = tempfile::tempdir().expect("outside dir");
    fs::write(
        outside.path().join("secret.md"),
        "---\ntitle: Secret\n---\nsecret\n",
    )
    .expect("write");
    std::os::unix::fs::symlink(outside.path(), site.path("content/linked")).expect("symlink");
    std::os::unix::fs::symlink(
        site.path("content/_index.md"),
        site.path("content/home-again.md"),
    )
    .expect("symlink inside");
    let run = site.build(&[]);
    run.assert_ok();
    assert!(
        run.stderr
            .contains("content/linked: warning: symlink points outside the site"),
        "{}",
        run.stderr
    );
    assert!(!site.output_exists("linked/secret/index.html"));
    assert!(
        site.output_exists("home-again/index.html"),
        "a symlink inside the site is followed"
    );
}

#[test]
fn folder_page_cannot_hold_other_pages() {
    let site = TestSite::new();
    site.file(
        "content/types/swedish/index.md",
        &page("title: Swedish", ""),
    );
    site.file("content/types/swedish/notes.md", &page("title: Notes", ""));
    site.file(
        "content/types/swedish/deeper/more.md",
        &page("title: More", ""),
    );
    let run = site.build(&[]);
    run.assert_code(1);
    for file in ["notes.md", "deeper/more.md"] {
        run.assert_stderr_has(&format!(
            "content/types/swedish/{file}: error: this file is inside the folder page content/types/swedish/index.md"
        ));
    }
    run.assert_stderr_has("build failed with 2 errors");
}

#[test]
fn folder_with_both_index_files_is_an_error() {
    let site = TestSite::new();
    site.file("content/types/_index.md", &page("title: Types", ""));
    site.file("content/types/index.md", &page("title: Types page", ""));
    site.build(&[]).assert_code(1).assert_stderr_has(
        "this folder has both content/types/_index.md and content/types/index.md",
    );
}

/// The parallel pipeline gathers every stage's results in page order, so the
/// number of threads cannot change a byte of the output.
#[test]
fn output_is_identical_with_one_thread_and_many() {
    let site = TestSite::bundled();
    // Enough tagged pages that related pages come from many candidates.
    for i in 0..120 {
        let tags = ["massage", "back", "oil", "pressure", "sleep", "posture"];
        let picked: Vec<&str> = (0..3).map(|k| tags[(i * (k + 2)) % tags.len()]).collect();
        site.file(
            &format!("content/guides/extra-{i:03}.md"),
            &page(
                &format!(
                    "title: Extra {i}\ndescription: d\ndate: 2026-03-{:02}\ntags: [{}]\nbody_areas: [back]\npressure: [light]",
                    i % 28 + 1,
                    picked.join(", ")
                ),
                &format!("Text {i} links to [[Swedish Massage]] and [the next](extra-{:03}.md).\n", (i + 1) % 120),
            ),
        );
    }
    let root = site.root().to_str().expect("utf-8 path").to_string();
    for (threads, out) in [("1", "serial"), ("4", "parallel")] {
        site.knead_with_env(
            &[("RAYON_NUM_THREADS", threads)],
            &["build", "--root", &root, "--output"],
            &[out],
        )
        .assert_ok();
    }
    let serial = site.snapshot("serial");
    assert!(serial.len() > 150, "{} files", serial.len());
    assert!(serial == site.snapshot("parallel"), "outputs differ");
}

/// Pages are rendered while the output is written, so a template error is
/// found with the staging folder half full: it must still change nothing.
#[test]
fn template_error_met_while_writing_leaves_previous_output_untouched() {
    let site = guides_site();
    site.build(&[]).assert_ok();
    let before = site.snapshot("output");
    site.file(
        "content/guides/choosing.md",
        &page("title: Choosing\ntemplate: broken.html", "New text."),
    );
    site.file("templates/broken.html", "{{ page.no_such_field }}");
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has("(while rendering content/guides/choosing.md)");
    assert_eq!(site.snapshot("output"), before);
    assert_no_staging_left(&site);
}
