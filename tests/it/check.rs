//! `knead check`: the build's errors plus warnings (orphans, descriptions, alt
//! text, links to drafts, empty sections, duplicate titles), each at its
//! `file:line:col`, a summary line, exit codes with and without `--strict`, and
//! nothing written.

use std::fs;
use std::path::PathBuf;

use crate::harness::{Run, TestSite, page};

/// A site with no problems: a described home page linking to two described
/// pages that link to each other.
fn clean_site() -> TestSite {
    let site = TestSite::new();
    site.file(
        "content/_index.md",
        &page(
            "title: Home\ndescription: The home page.",
            "Read [[Alpha]] and [[Beta]].\n",
        ),
    );
    site.file(
        "content/alpha.md",
        &page(
            "title: Alpha\ndescription: The first page.",
            "See [[Beta]].\n",
        ),
    );
    site.file(
        "content/beta.md",
        &page(
            "title: Beta\ndescription: The second page.",
            "See [[Alpha]].\n",
        ),
    );
    site
}

fn check(site: &TestSite, args: &[&str]) -> Run {
    let root = site.root().to_str().expect("utf-8 temp path");
    site.knead(&["check", "--root", root], args)
}

/// The `file:line:col: severity: message` lines of a report, in order.
fn findings(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|line| line.contains(": warning: ") || line.contains(": error: "))
        .collect()
}

fn summary(run: &Run) -> &str {
    run.stdout.lines().last().unwrap_or("")
}

#[track_caller]
fn assert_finds(run: &Run, expected: &[&str]) {
    assert_eq!(findings(run), expected, "stdout:\n{}", run.stdout);
}

/// Every file and folder under `site`'s root, with the bytes of the files.
fn tree(site: &TestSite) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    walkdir::WalkDir::new(site.root())
        .sort_by_file_name()
        .into_iter()
        .map(|entry| {
            let entry = entry.expect("walk site");
            let bytes = entry
                .file_type()
                .is_file()
                .then(|| fs::read(entry.path()).expect("read file"));
            (entry.path().to_path_buf(), bytes)
        })
        .collect()
}

#[test]
fn clean_site_passes_with_no_warnings() {
    let run = check(&clean_site(), &[]);
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        "checked 2 pages and 1 section: 0 errors, 0 warnings\n"
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn clean_site_passes_strict_too() {
    check(&clean_site(), &["--strict"]).assert_code(0);
}

#[test]
fn bundled_site_checks_with_no_warnings() {
    let run = check(&TestSite::bundled(), &["--strict", "--today", "2026-12-02"]);
    run.assert_code(0);
    assert_finds(&run, &[]);
    assert!(
        summary(&run).ends_with(": 0 errors, 0 warnings"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_writes_nothing() {
    let site = clean_site();
    // One error and some warnings, so that every stage has something to do.
    site.file(
        "content/gamma.md",
        &page("title: Gamma", "![](missing.png) [[Alpha]]\n"),
    );
    let before = tree(&site);
    check(&site, &[]).assert_code(1);
    check(&site, &["--drafts", "--strict"]).assert_code(1);
    let clean = clean_site();
    let clean_before = tree(&clean);
    check(&clean, &[]).assert_code(0);
    assert_eq!(tree(&site), before, "check changed the site with errors");
    assert_eq!(tree(&clean), clean_before, "check changed the clean site");
    assert!(!clean.path("output").exists());
}

#[test]
fn orphan_page_is_reported_at_its_title() {
    let site = clean_site();
    site.file(
        "content/lonely.md",
        &page("description: Nobody links here.\ntitle: Lonely", "Text.\n"),
    );
    let run = check(&site, &[]);
    run.assert_code(0);
    assert_finds(
        &run,
        &["content/lonely.md:3:1: warning: orphan page: no other page links to it"],
    );
    assert!(
        run.stdout.contains(
            "= help: link to it from a page on a related subject, for example with [[Lonely]]"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        summary(&run),
        "checked 3 pages and 1 section: 0 errors, 1 warning in 1 file"
    );
}

/// Zola and Hugo users expect an orphan to be a page no other page's text
/// links to: being listed by its section, or linking to itself, does not count.
#[test]
fn section_listing_and_self_links_do_not_count_as_links() {
    let site = clean_site();
    site.file(
        "content/guides/_index.md",
        &page(
            "title: Guides\ndescription: Guides.",
            "[[Home]] [[Guides]]\n",
        ),
    );
    site.file(
        "content/guides/first.md",
        &page(
            "title: First\ndescription: First.",
            "[[First]] [[Guides]]\n",
        ),
    );
    site.file(
        "content/_index.md",
        &page(
            "title: Home\ndescription: The home page.",
            "Read [[Alpha]], [[Beta]] and [[Guides]].\n",
        ),
    );
    let run = check(&site, &[]);
    assert_finds(
        &run,
        &["content/guides/first.md:2:1: warning: orphan page: no other page links to it"],
    );
}

#[test]
fn links_from_drafts_do_not_save_a_page_from_being_an_orphan() {
    let site = clean_site();
    site.file(
        "content/draft.md",
        &page(
            "title: Draft\ndescription: Not yet.\ndraft: true",
            "[[Alpha]] [[Lonely]]\n",
        ),
    );
    site.file(
        "content/lonely.md",
        &page("title: Lonely\ndescription: Only a draft links here.", ""),
    );
    let run = check(&site, &["--drafts"]);
    assert_finds(
        &run,
        &["content/lonely.md:2:1: warning: orphan page: no other page links to it"],
    );
}

#[test]
fn missing_and_blank_descriptions_are_reported() {
    let site = clean_site();
    site.file("content/alpha.md", &page("title: Alpha", "See [[Beta]].\n"));
    site.file(
        "content/beta.md",
        &page("title: Beta\ndescription: \"  \"", "See [[Alpha]].\n"),
    );
    let run = check(&site, &[]);
    run.assert_code(0);
    assert_finds(
        &run,
        &[
            "content/alpha.md:2:1: warning: no description",
            "content/beta.md:2:1: warning: no description",
        ],
    );
    assert!(
        run.stdout
            .contains("= help: add `description:` to the front matter"),
        "{}",
        run.stdout
    );
}

#[test]
fn images_without_alt_text_are_reported_at_their_line_and_column() {
    let site = clean_site();
    // A real image: one knead cannot read is an error, not a warning.
    site.bytes(
        "content/pic.png",
        &crate::images::image_bytes(2, 2, image::ImageFormat::Png),
    );
    site.file(
        "content/alpha.md",
        &page(
            "title: Alpha\ndescription: The first page.",
            "See [[Beta]].\n\
             \n\
             An image: ![](pic.png) and ![a described picture](pic.png).\n\
             \n\
             <p>Raw: <img src=\"/pic.png\"> <img src=\"/pic.png\" alt=\"\"></p>\n",
        ),
    );
    let run = check(&site, &[]);
    run.assert_code(0);
    assert_finds(
        &run,
        &[
            "content/alpha.md:7:11: warning: image without alt text",
            "content/alpha.md:9:9: warning: image without alt text",
        ],
    );
    assert!(
        run.stdout
            .contains("alt=\"\" marks a purely decorative image"),
        "{}",
        run.stdout
    );
}

#[test]
fn link_to_a_draft_is_an_error_and_with_drafts_a_warning() {
    let site = clean_site();
    site.file(
        "content/alpha.md",
        &page(
            "title: Alpha\ndescription: The first page.",
            "See [[Beta]].\n\nSoon: [the plan](plan.md).\n",
        ),
    );
    site.file(
        "content/plan.md",
        &page(
            "title: Plan\ndescription: Not ready.\ndraft: true",
            "[[Alpha]]\n",
        ),
    );
    let run = check(&site, &[]);
    run.assert_code(1);
    assert_finds(
        &run,
        &[
            "content/alpha.md:7:7: error: links to content/plan.md, which is a draft and is left out of the site",
        ],
    );

    let run = check(&site, &["--drafts"]);
    run.assert_code(0);
    assert_finds(
        &run,
        &[
            "content/alpha.md:7:7: warning: links to content/plan.md, which is a draft: the link breaks when the site is built without --drafts",
        ],
    );
    assert!(
        run.stdout.contains("= help: publish that page first"),
        "{}",
        run.stdout
    );
}

#[test]
fn empty_sections_are_reported() {
    let site = clean_site();
    site.file(
        "content/_index.md",
        &page(
            "title: Home\ndescription: The home page.",
            "Read [[Alpha]], [[Beta]], [[Empty]] and [[Waiting]].\n",
        ),
    );
    site.file(
        "content/empty/_index.md",
        &page("title: Empty\ndescription: Nothing here.", ""),
    );
    site.file(
        "content/waiting/_index.md",
        &page("title: Waiting\ndescription: Only a draft.", ""),
    );
    site.file(
        "content/waiting/soon.md",
        &page(
            "title: Soon\ndescription: Later.\ndraft: true",
            "[[Waiting]]\n",
        ),
    );
    let expected = [
        "content/empty/_index.md:2:1: warning: empty section: it lists no published pages",
        "content/waiting/_index.md:2:1: warning: empty section: it lists no published pages",
    ];
    assert_finds(&check(&site, &[]), &expected);
    // A draft is not published, so its section is still empty with --drafts;
    // the draft itself is not an orphan either.
    assert_finds(&check(&site, &["--drafts"]), &expected);
}

/// Duplicate titles also make `[[Alpha]]` ambiguous, so these pages link by file.
#[test]
fn duplicate_titles_name_both_files() {
    let site = clean_site();
    site.file(
        "content/_index.md",
        &page(
            "title: Home\ndescription: The home page.",
            "Read [one](alpha.md), [[Beta]] and [the other](other/alpha.md).\n",
        ),
    );
    site.file(
        "content/beta.md",
        &page(
            "title: Beta\ndescription: The second page.",
            "[back](alpha.md)\n",
        ),
    );
    site.file(
        "content/other/alpha.md",
        &page(
            "title: \" ALPHA\"\ndescription: Another first page.",
            "[[beta]]\n",
        ),
    );
    let run = check(&site, &[]);
    run.assert_code(0);
    assert_finds(
        &run,
        &[
            "content/alpha.md:2:1: warning: duplicate title \"Alpha\": also the title of content/other/alpha.md",
            "content/other/alpha.md:2:1: warning: duplicate title \" ALPHA\": also the title of content/alpha.md",
        ],
    );
}

#[test]
fn strict_makes_warnings_fail() {
    let site = clean_site();
    site.file("content/alpha.md", &page("title: Alpha", "See [[Beta]].\n"));
    let run = check(&site, &[]);
    run.assert_code(0);
    assert_eq!(
        summary(&run),
        "checked 2 pages and 1 section: 0 errors, 1 warning in 1 file"
    );
    let run = check(&site, &["--strict"]);
    run.assert_code(1);
    assert_eq!(
        summary(&run),
        "checked 2 pages and 1 section: 0 errors, 1 warning in 1 file (--strict: warnings fail the check)"
    );
}

#[test]
fn errors_fail_the_check_and_are_listed_with_the_warnings() {
    let site = clean_site();
    site.file(
        "content/alpha.md",
        &page("title: Alpha", "See [[Beta]] and [gone](gone.md).\n"),
    );
    let run = check(&site, &[]);
    run.assert_code(1);
    assert_finds(
        &run,
        &[
            "content/alpha.md:2:1: warning: no description",
            "content/alpha.md:4:18: error: no page at content/gone.md",
        ],
    );
    assert_eq!(
        summary(&run),
        "checked 2 pages and 1 section: 1 error, 1 warning in 1 file"
    );
}

#[test]
fn template_errors_are_found_although_nothing_is_written() {
    let site = clean_site();
    site.file(
        "templates/page.html",
        "{{ page.title }}\n{{ page.no_such_field.x }}\n",
    );
    let run = check(&site, &[]);
    run.assert_code(1);
    let errors: Vec<&str> = findings(&run)
        .into_iter()
        .filter(|l| l.contains(": error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert!(
        errors[0].starts_with("templates/page.html:2:"),
        "{}",
        run.stdout
    );
    assert!(!site.path("output").exists());
}

#[test]
fn site_yaml_errors_are_reported_and_a_missing_site_yaml_is_a_usage_error() {
    let site = clean_site();
    site.file(
        "site.yaml",
        &format!("{}titel: x\n", crate::harness::SITE_YAML),
    );
    let run = check(&site, &[]);
    run.assert_code(1);
    assert_finds(
        &run,
        &["site.yaml:5:1: error: unknown site.yaml key `titel`"],
    );
    site.remove("site.yaml");
    let run = check(&site, &[]);
    run.assert_code(2);
    run.assert_stderr_has("site.yaml");
}

/// Sorted by file, then line: one report for several files, as printed.
#[test]
fn report_is_sorted_by_file_then_line() {
    let site = clean_site();
    site.file(
        "content/zeta.md",
        &page("title: Zeta", "![](a.png)\n\n[[Alpha]]\n"),
    );
    site.file(
        "content/alpha.md",
        &page("title: Alpha", "[[Beta]] [[Zeta]]\n"),
    );
    site.file(
        "content/lonely.md",
        &page("title: Lonely\ndescription: Alone.", "[gone](gone.md)\n"),
    );
    site.bytes(
        "content/a.png",
        &crate::images::image_bytes(2, 2, image::ImageFormat::Png),
    );
    let run = check(&site, &[]);
    insta::assert_snapshot!(run.stdout);
}
