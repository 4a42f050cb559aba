//! Issue 15 items 11–18: mistakes an author makes, each reported at its line
//! in the author's terms, before anything is written.

use crate::harness::{Run, SITE_YAML, TestSite, error_lines, page};

/// A site whose page `content/t.md` has `front_matter` after its title.
fn site_with(front_matter: &str) -> TestSite {
    let site = TestSite::new();
    site.file(
        "content/t.md",
        &page(&format!("title: T\n{front_matter}"), "Text."),
    );
    site
}

/// The build's one error line, which must start with `prefix`.
#[track_caller]
fn only_error(run: &Run, prefix: &str) -> String {
    run.assert_code(1);
    let lines = error_lines(run);
    assert_eq!(lines.len(), 1, "stderr:\n{}", run.stderr);
    assert!(lines[0].starts_with(prefix), "stderr:\n{}", run.stderr);
    lines[0].to_string()
}

#[test]
fn front_matter_type_errors_name_what_was_found_in_the_authors_terms() {
    let numbers = site_with("tags: [1, 2]").build(&[]);
    let line = only_error(&numbers, "content/t.md:3:7: error: ");
    assert!(line.contains("item 1 is the number `1`"), "{line}");
    numbers.assert_stderr_has("help: put it in quotes");
    let nothing = site_with("tags: [a, ~]").build(&[]);
    let line = only_error(&nothing, "content/t.md:3:7: error: ");
    assert!(line.contains("item 2 is empty"), "{line}");
    let complex = site_with("? [complex]\n: 1").build(&[]);
    let line = only_error(&complex, "content/t.md:");
    assert!(!line.contains("Sequence"), "{line}");
    assert!(line.contains("a front-matter key must be a name"), "{line}");
    assert!(line.contains("found a list"), "{line}");
    let huge = site_with("weight: 99999999999999999999999").build(&[]);
    let line = only_error(&huge, "content/t.md:3:9: error: ");
    assert!(!line.contains("u128"), "{line}");
    assert!(
        line.contains("`weight` is 99999999999999999999999, too large a number"),
        "{line}"
    );
}

/// 300 bytes: over the 255 most file systems allow in one name.
fn long_name() -> String {
    "a".repeat(300)
}

#[test]
fn names_too_long_for_the_file_system_are_errors_at_their_line_before_anything_is_written() {
    let long = long_name();
    for (front_matter, prefix) in [
        (format!("slug: {long}"), "content/t.md:3:7: error: "),
        (format!("tags: [x, {long}]"), "content/t.md:3:11: error: "),
        (
            format!("aliases:\n  - /old/{long}/"),
            "content/t.md:4:5: error: ",
        ),
    ] {
        let site = site_with(&front_matter);
        let run = site.build(&[]);
        let line = only_error(&run, prefix);
        assert!(line.contains("300 bytes"), "{line}");
        assert!(line.contains("255"), "{line}");
        assert!(!site.path("output").exists(), "{front_matter}");
        let leftovers = std::fs::read_dir(site.root()).expect("site folder");
        for entry in leftovers.flatten() {
            let name = entry.file_name();
            assert!(!name.to_string_lossy().contains(".knead-"), "{name:?}");
        }
        let root = site.root().to_str().expect("utf-8 temp path");
        let check = site.knead(&["check", "--root", root], &[]);
        check.assert_code(1);
        assert!(
            check.stdout.contains(prefix) || check.stderr.contains(prefix),
            "check:\n{}{}",
            check.stdout,
            check.stderr
        );
    }
}

#[test]
fn aliases_naming_files_knead_writes_itself_are_refused_at_their_line() {
    for alias in [
        "/.knead-output",
        "/.knead-output/",
        "/sitemap.xml",
        "/Atom.XML/",
    ] {
        let site = site_with(&format!("aliases:\n  - {alias}"));
        let run = site.build(&[]);
        let line = only_error(&run, "content/t.md:4:5: error: ");
        assert!(
            line.contains("which knead writes itself"),
            "{alias}: {line}"
        );
    }
}

/// A site whose page `content/t.md` has `date: <date>`, with a template that
/// prints it as HTML would, and a feed.
fn dated(date: &str) -> TestSite {
    let site = site_with(&format!("date: {date}"));
    site.file("site.yaml", &format!("{SITE_YAML}feed: true\n"));
    site.file(
        "themes/t/templates/page.html",
        "<time datetime=\"{{ page.date }}\">{{ page.date | date(format=\"%Y\") }}</time>\n",
    );
    site
}

#[test]
fn dates_are_emitted_in_valid_forms_and_odd_offsets_are_refused_at_the_line() {
    for (written, time, lastmod, updated) in [
        (
            "9999-12-31",
            "9999-12-31",
            "9999-12-31",
            "9999-12-31T00:00:00Z",
        ),
        (
            "2024-05-01T09:30:00.123456789Z",
            "2024-05-01T09:30:00.123Z",
            "2024-05-01T09:30:00.123456789Z",
            "2024-05-01T09:30:00.123456789Z",
        ),
        (
            "20240501T093000Z",
            "2024-05-01T09:30:00Z",
            "2024-05-01T09:30:00Z",
            "2024-05-01T09:30:00Z",
        ),
        (
            "2024-05-01t09:30:00+02:00",
            "2024-05-01T09:30:00+02:00",
            "2024-05-01T07:30:00Z",
            "2024-05-01T07:30:00Z",
        ),
    ] {
        let site = dated(written);
        site.build(&[]).assert_ok();
        let html = site.output("t/index.html");
        assert!(
            html.contains(&format!("<time datetime=\"{time}\">")),
            "{written}: {html}"
        );
        let sitemap = site.output("sitemap.xml");
        assert!(
            sitemap.contains(&format!("<lastmod>{lastmod}</lastmod>")),
            "{written}: {sitemap}"
        );
        let feed = site.output("atom.xml");
        assert!(
            feed.contains(&format!("<updated>{updated}</updated>")),
            "{written}: {feed}"
        );
    }
    for (written, reason) in [
        ("2024-05-01T09:30:00+24:00", "between -23:59 and +23:59"),
        ("2024-05-01T09:30:00+05:30:15", "whole minutes"),
        ("2024-05-01T09:30:00", "no offset"),
    ] {
        let run = dated(written).build(&[]);
        let line = only_error(&run, "content/t.md:3:7: error: ");
        assert!(line.contains(reason), "{written}: {line}");
    }
}

#[test]
fn empty_wiki_links_are_errors_and_a_file_name_resolves_like_its_stem() {
    for (link, col) in [("[[ ]]", 1), ("[[  |label]]", 1), ("See [[#]].", 5)] {
        let site = site_with("");
        site.file("content/t.md", &page("title: T", link));
        let run = site.build(&[]);
        let line = only_error(&run, &format!("content/t.md:4:{col}: error: "));
        assert!(line.contains("names no page"), "{link}: {line}");
    }
    let site = TestSite::new();
    site.file("content/t.md", &page("title: Target", "Here."));
    site.file(
        "content/guides/a.md",
        &page("title: A", "See [[t.md]] and [[t]]."),
    );
    site.build(&[]).assert_ok();
    let html = site.output("guides/a/index.html");
    assert_eq!(html.matches("href=\"/docs/t/\"").count(), 2, "{html}");
}

const CAFE_NFC: &str = "caf\u{e9}";
const CAFE_NFD: &str = "cafe\u{301}";

#[test]
fn names_are_compared_in_nfc_for_links_and_wiki_titles() {
    for (file, link) in [(CAFE_NFD, CAFE_NFC), (CAFE_NFC, CAFE_NFD)] {
        let site = TestSite::new();
        site.file(
            &format!("content/{file}.md"),
            &page(&format!("title: Le {file}"), "Here."),
        );
        site.file(
            "content/a.md",
            &page(
                "title: A",
                &format!("[x]({link}.md), [[Le {link}]], [y](@/{link}.md)"),
            ),
        );
        site.build(&[]).assert_ok();
        let html = site.output("a/index.html");
        assert_eq!(html.matches("href=\"/docs/cafe/\"").count(), 3, "{html}");
    }
}

#[test]
fn assets_differing_only_in_unicode_normalisation_collide() {
    let site = TestSite::new();
    site.file(&format!("static/{CAFE_NFC}.txt"), "composed");
    site.file(&format!("static/{CAFE_NFD}.txt"), "decomposed");
    let run = site.build(&[]);
    let line = only_error(&run, "");
    assert!(
        line.contains("differs only in Unicode normalisation"),
        "{line}"
    );
}

#[test]
fn unknown_template_functions_and_filters_are_one_line_errors_at_their_position() {
    let site = TestSite::new();
    site.file(
        "themes/t/templates/page.html",
        "<p>\n  {{ nope_fn(x=1) }} {{ page.title | nope_filter }}\n</p>\n",
    );
    site.file("content/a.md", &page("title: A", "Text."));
    let run = site.build(&[]);
    run.assert_code(1);
    let lines = error_lines(&run);
    assert_eq!(
        lines,
        [
            "themes/t/templates/page.html:2:6: error: unknown function `nope_fn`",
            "themes/t/templates/page.html:2:38: error: unknown filter `nope_filter`",
        ],
        "stderr:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("-->"), "{}", run.stderr);
}

#[test]
fn knead_new_refuses_twins_of_an_existing_page_or_section_naming_it() {
    for (existing, new, named) in [
        (
            "guides/first-session.md",
            "guides/First-Session.md",
            "content/guides/first-session.md",
        ),
        (
            "guides/choosing-a-type.md",
            "guides/Choosing_A_Type.md",
            "content/guides/choosing-a-type.md",
        ),
        ("guides/_index.md", "Guides/new.md", "content/guides"),
        (
            &format!("{CAFE_NFC}.md"),
            &format!("{CAFE_NFD}.md"),
            "content/caf",
        ),
    ] {
        let site = TestSite::new();
        site.file(&format!("content/{existing}"), &page("title: X", "Text."));
        let before = site.snapshot("content");
        let root = site.root().to_str().expect("utf-8 temp path");
        let run = site.knead(&["new", new, "--root", root], &[]);
        run.assert_code(2);
        run.assert_stderr_has(named);
        run.assert_stderr_has("same URL");
        assert_eq!(site.snapshot("content"), before, "{new}: nothing written");
    }
}
