//! Links: every link form resolved and rewritten, and every broken link reported
//! at its position.

use crate::harness::{Run, TestSite, page, position_of};

/// The error line for `file` at the position of `needle` in `text`, with its help.
#[track_caller]
fn error_at<'a>(run: &'a Run, file: &str, text: &str, needle: &str) -> (&'a str, &'a str) {
    let (line, col) = position_of(text, needle);
    let prefix = format!("{file}:{line}:{col}: error: ");
    let mut lines = run.stderr.lines();
    while let Some(found) = lines.next() {
        if let Some(message) = found.strip_prefix(&prefix) {
            let help = lines
                .next()
                .and_then(|h| h.strip_prefix("  = help: "))
                .unwrap_or("");
            return (message, help);
        }
    }
    panic!("no error at {prefix:?} in:\n{}", run.stderr)
}

/// A site with pages in two sections, headings to link to, and an asset.
fn linked_site() -> TestSite {
    let site = TestSite::new();
    site.file(
        "content/types/_index.md",
        &page("title: Massage Types", "All types.\n"),
    );
    site.file(
        "content/types/swedish.md",
        &page("title: Swedish Massage", "## How it feels\nGentle.\n"),
    );
    site.file(
        "content/techniques/_index.md",
        &page("title: Techniques", "All techniques.\n"),
    );
    site.file(
        "content/techniques/palm-circling.md",
        &page(
            "title: Palm Circling",
            "## Steps\nCircle.\n## Common mistakes\nToo fast.\n",
        ),
    );
    site.file("content/techniques/path.svg", "<svg/>\n");
    site
}

/// Adds `content/types/deep.md` with `body` and builds.
fn build_with(site: &TestSite, body: &str) -> Run {
    site.file("content/types/deep.md", &page("title: Deep Tissue", body));
    site.build(&[])
}

fn deep(site: &TestSite) -> String {
    site.output("types/deep/index.html")
}

#[test]
fn relative_md_links_become_page_urls_under_the_base_path() {
    let site = linked_site();
    build_with(
        &site,
        "[a](../techniques/palm-circling.md) [b](swedish.md#how-it-feels) [c](./swedish.md)\n",
    )
    .assert_ok();
    let html = deep(&site);
    for expected in [
        "<a href=\"/docs/techniques/palm-circling/\">a</a>",
        "<a href=\"/docs/types/swedish/#how-it-feels\">b</a>",
        "<a href=\"/docs/types/swedish/\">c</a>",
    ] {
        assert!(html.contains(expected), "{expected} missing in {html}");
    }
}

#[test]
fn relative_links_reach_sections_and_the_home_page() {
    let site = linked_site();
    build_with(
        &site,
        "[s](_index.md) [t](../techniques/_index.md) [h](../_index.md)\n",
    )
    .assert_ok();
    let html = deep(&site);
    assert!(html.contains("<a href=\"/docs/types/\">s</a>"), "{html}");
    assert!(
        html.contains("<a href=\"/docs/techniques/\">t</a>"),
        "{html}"
    );
    assert!(html.contains("<a href=\"/docs/\">h</a>"), "{html}");
}

#[test]
fn content_path_links_start_at_content() {
    let site = linked_site();
    build_with(
        &site,
        "[a](@/techniques/palm-circling.md#steps) [b](@/_index.md)\n",
    )
    .assert_ok();
    let html = deep(&site);
    assert!(
        html.contains("<a href=\"/docs/techniques/palm-circling/#steps\">a</a>"),
        "{html}"
    );
    assert!(html.contains("<a href=\"/docs/\">b</a>"), "{html}");
}

#[test]
fn wiki_links_resolve_by_title_slug_and_path() {
    let site = linked_site();
    build_with(
        &site,
        "1 [[Palm Circling]] 2 [[palm circling]] 3 [[swedish]] 4 [[techniques/palm-circling]] 5 [[@/types/swedish.md]]\n",
    )
    .assert_ok();
    let html = deep(&site);
    for expected in [
        "1 <a href=\"/docs/techniques/palm-circling/\">Palm Circling</a>",
        "2 <a href=\"/docs/techniques/palm-circling/\">Palm Circling</a>",
        "3 <a href=\"/docs/types/swedish/\">Swedish Massage</a>",
        "4 <a href=\"/docs/techniques/palm-circling/\">Palm Circling</a>",
        "5 <a href=\"/docs/types/swedish/\">Swedish Massage</a>",
    ] {
        assert!(html.contains(expected), "{expected} missing in {html}");
    }
}

#[test]
fn wiki_link_label_and_anchor() {
    let site = linked_site();
    build_with(
        &site,
        "[[palm-circling|the *palm* move]] and [[palm-circling#steps]] and [[Palm Circling#common-mistakes|mistakes]]\n",
    )
    .assert_ok();
    let html = deep(&site);
    for expected in [
        "<a href=\"/docs/techniques/palm-circling/\">the <em>palm</em> move</a>",
        "<a href=\"/docs/techniques/palm-circling/#steps\">Palm Circling</a>",
        "<a href=\"/docs/techniques/palm-circling/#common-mistakes\">mistakes</a>",
    ] {
        assert!(html.contains(expected), "{expected} missing in {html}");
    }
}

#[test]
fn wiki_link_to_a_section_and_in_a_heading() {
    let site = linked_site();
    build_with(&site, "## About [[techniques]]\nText.\n").assert_ok();
    let html = deep(&site);
    assert!(
        html.contains(
            "<h2 id=\"about-techniques\">About <a href=\"/docs/techniques/\">Techniques</a></h2>"
        ),
        "{html}"
    );
    assert!(
        html.contains("toc=about-techniques:About Techniques:0"),
        "{html}"
    );
}

#[test]
fn links_and_images_to_assets_are_rewritten() {
    let site = linked_site();
    build_with(
        &site,
        "![The path](../techniques/path.svg) [svg](@/techniques/path.svg)\n",
    )
    .assert_ok();
    let html = deep(&site);
    assert!(
        html.contains("<img src=\"/docs/techniques/path.svg\" alt=\"The path\" />"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"/docs/techniques/path.svg\">svg</a>"),
        "{html}"
    );
    assert!(site.output_exists("techniques/path.svg"));
}

#[test]
fn folder_page_links_to_its_own_assets_by_file_name() {
    let site = linked_site();
    site.file(
        "content/types/hot-stone/index.md",
        &page(
            "title: Hot Stone",
            "![Stones](stones.svg) [Swedish](../swedish.md)\n",
        ),
    );
    site.file("content/types/hot-stone/stones.svg", "<svg/>\n");
    site.build(&[]).assert_ok();
    let html = site.output("types/hot-stone/index.html");
    assert!(
        html.contains("<img src=\"/docs/types/hot-stone/stones.svg\" alt=\"Stones\" />"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"/docs/types/swedish/\">Swedish</a>"),
        "{html}"
    );
}

#[test]
fn site_paths_get_the_base_path_and_are_checked() {
    let site = linked_site();
    build_with(
        &site,
        "[tags](/tags/) [css](/css/s.css) [page](/types/swedish/) [noslash](/types/swedish) [tagless](/tags)\n",
    )
    .assert_ok();
    let html = deep(&site);
    for expected in [
        "<a href=\"/docs/tags/\">tags</a>",
        "<a href=\"/docs/css/s.css\">css</a>",
        "<a href=\"/docs/types/swedish/\">page</a>",
        "<a href=\"/docs/types/swedish/\">noslash</a>",
        "<a href=\"/docs/tags/\">tagless</a>",
    ] {
        assert!(html.contains(expected), "{expected} missing in {html}");
    }
}

#[test]
fn external_links_are_left_alone() {
    let site = linked_site();
    build_with(
        &site,
        "[w](https://example.com/a.md) [m](mailto:a@b.org) <https://x.org> <a@b.org> [p](//cdn.example/x.md)\n",
    )
    .assert_ok();
    let html = deep(&site);
    for expected in [
        "<a href=\"https://example.com/a.md\">w</a>",
        "<a href=\"mailto:a@b.org\">m</a>",
        "<a href=\"https://x.org\">https://x.org</a>",
        "<a href=\"mailto:a@b.org\">a@b.org</a>",
        "<a href=\"//cdn.example/x.md\">p</a>",
    ] {
        assert!(html.contains(expected), "{expected} missing in {html}");
    }
}

#[test]
fn same_page_anchor_stays_relative() {
    let site = linked_site();
    build_with(&site, "## Pressure\n[up](#pressure) [[#pressure]]\n").assert_ok();
    let html = deep(&site);
    assert!(html.contains("<a href=\"#pressure\">up</a>"), "{html}");
    assert!(
        html.contains("<a href=\"#pressure\">pressure</a>"),
        "{html}"
    );
}

#[test]
fn percent_escapes_and_angle_brackets_are_decoded_before_resolving() {
    let site = linked_site();
    site.file(
        "content/guides/first session.md",
        &page("title: First Session", "Hi.\n"),
    );
    build_with(
        &site,
        "[a](<../guides/first session.md>) [b](../guides/first%20session.md)\n",
    )
    .assert_ok();
    let html = deep(&site);
    assert!(
        html.contains("<a href=\"/docs/guides/first-session/\">a</a>"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"/docs/guides/first-session/\">b</a>"),
        "{html}"
    );
}

#[test]
fn link_text_markup_survives_rewriting() {
    let site = linked_site();
    build_with(
        &site,
        "[*Palm* `circling` ![icon](../techniques/path.svg) **now**](../techniques/palm-circling.md \"Go\")\n",
    )
    .assert_ok();
    let html = deep(&site);
    let expected = "<a href=\"/docs/techniques/palm-circling/\" title=\"Go\"><em>Palm</em> <code>circling</code> <img src=\"/docs/techniques/path.svg\" alt=\"icon\" /> <strong>now</strong></a>";
    assert!(html.contains(expected), "{html}");
}

#[test]
fn reference_links_are_resolved() {
    let site = linked_site();
    build_with(
        &site,
        "See [palm][p] and [swedish].\n\n[p]: ../techniques/palm-circling.md#steps\n[swedish]: swedish.md\n",
    )
    .assert_ok();
    let html = deep(&site);
    assert!(
        html.contains("<a href=\"/docs/techniques/palm-circling/#steps\">palm</a>"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"/docs/types/swedish/\">swedish</a>"),
        "{html}"
    );
}

#[test]
fn links_in_code_are_not_links() {
    let site = linked_site();
    build_with(
        &site,
        "`[x](missing.md)` and `[[Nowhere]]`\n\n```\n[y](gone.md)\n```\n",
    )
    .assert_ok();
    let html = deep(&site);
    assert!(html.contains("<code>[x](missing.md)</code>"), "{html}");
}

#[test]
fn escaped_brackets_are_not_a_wiki_link() {
    let site = linked_site();
    build_with(&site, "Cited \\[[1]].\n").assert_ok();
    let html = deep(&site);
    assert!(html.contains("Cited [[1]]."), "{html}");
}

#[test]
fn base_url_flag_changes_every_rewritten_link() {
    let site = linked_site();
    site.file(
        "content/types/deep.md",
        &page(
            "title: Deep",
            "[a](swedish.md) [[Palm Circling]] ![p](../techniques/path.svg)\n",
        ),
    );
    site.build(&["--base-url", "https://preview.example/pr-7/"])
        .assert_ok();
    let html = deep(&site);
    assert!(html.contains("href=\"/pr-7/types/swedish/\""), "{html}");
    assert!(
        html.contains("href=\"/pr-7/techniques/palm-circling/\""),
        "{html}"
    );
    assert!(html.contains("src=\"/pr-7/techniques/path.svg\""), "{html}");
}

mod errors {
    use super::*;

    const DEEP: &str = "content/types/deep.md";

    /// Writes deep.md with `body`, builds, expects failure, returns the run and
    /// the file text (for positions).
    fn failing(site: &TestSite, body: &str) -> (Run, String) {
        let text = page("title: Deep Tissue", body);
        site.file(DEEP, &text);
        let run = site.build(&[]);
        run.assert_code(1);
        (run, text)
    }

    #[test]
    fn missing_page_points_at_the_link_and_suggests_the_near_miss() {
        let site = linked_site();
        let (run, text) = failing(
            &site,
            "Intro line.\n\nSee é [the move](../techniques/palm-circlng.md) now.\n",
        );
        let (message, help) = error_at(&run, DEEP, &text, "[the move]");
        assert_eq!(message, "no page at content/techniques/palm-circlng.md");
        assert_eq!(help, "did you mean ../techniques/palm-circling.md?");
    }

    #[test]
    fn missing_content_path_suggests_in_the_same_form() {
        let site = linked_site();
        let (run, text) = failing(&site, "[a](@/types/swedsh.md)\n");
        let (message, help) = error_at(&run, DEEP, &text, "[a]");
        assert_eq!(message, "no page at content/types/swedsh.md");
        assert_eq!(help, "did you mean @/types/swedish.md?");
    }

    #[test]
    fn missing_anchor_names_the_page_and_suggests_an_id() {
        let site = linked_site();
        let (run, text) = failing(&site, "One.\n\n[a](../techniques/palm-circling.md#stpes)\n");
        let (message, help) = error_at(&run, DEEP, &text, "[a]");
        assert_eq!(
            message,
            "content/techniques/palm-circling.md has no heading with the id \"stpes\""
        );
        assert_eq!(help, "did you mean #steps?");
    }

    #[test]
    fn missing_anchor_without_near_miss_lists_the_ids() {
        let site = linked_site();
        let (run, text) = failing(&site, "[a](../techniques/palm-circling.md#zzz)\n");
        let (_, help) = error_at(&run, DEEP, &text, "[a]");
        assert_eq!(help, "its heading ids are: steps, common-mistakes");
    }

    #[test]
    fn missing_same_page_anchor_and_wiki_anchor_are_errors() {
        let site = linked_site();
        let (run, text) = failing(
            &site,
            "## Pressure\n[a](#presure)\n[[Swedish Massage#feels]]\n",
        );
        let (message, help) = error_at(&run, DEEP, &text, "[a]");
        assert_eq!(
            message,
            "content/types/deep.md has no heading with the id \"presure\""
        );
        assert_eq!(help, "did you mean #pressure?");
        let (message, _) = error_at(&run, DEEP, &text, "[[Swedish");
        assert_eq!(
            message,
            "content/types/swedish.md has no heading with the id \"feels\""
        );
    }

    #[test]
    fn missing_asset_is_an_error() {
        let site = linked_site();
        let (run, text) = failing(&site, "![p](../techniques/paht.svg)\n");
        let (message, help) = error_at(&run, DEEP, &text, "![p]");
        assert_eq!(message, "no file at content/techniques/paht.svg");
        assert_eq!(help, "did you mean ../techniques/path.svg?");
    }

    #[test]
    fn ambiguous_wiki_link_lists_every_candidate() {
        let site = linked_site();
        site.file(
            "content/guides/swedish.md",
            &page("title: Swedish Tips", "Tips.\n"),
        );
        site.file(
            "content/guides/other.md",
            &page("title: Swedish", "Other.\n"),
        );
        let (run, text) = failing(&site, "Try [[Swedish]].\n");
        let (message, help) = error_at(&run, DEEP, &text, "[[Swedish]]");
        assert_eq!(
            message,
            "[[Swedish]] matches 3 pages: content/guides/other.md (\"Swedish\"), \
             content/guides/swedish.md (\"Swedish Tips\"), content/types/swedish.md (\"Swedish Massage\")"
        );
        assert_eq!(help, "name one by its path, for example [[guides/other]]");
    }

    #[test]
    fn ambiguous_wiki_link_is_settled_by_a_path() {
        let site = linked_site();
        site.file(
            "content/guides/swedish.md",
            &page("title: Swedish Tips", "Tips.\n"),
        );
        build_with(&site, "[[types/swedish]] [[guides/swedish|tips]]\n").assert_ok();
        let html = deep(&site);
        assert!(
            html.contains("<a href=\"/docs/types/swedish/\">Swedish Massage</a>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"/docs/guides/swedish/\">tips</a>"),
            "{html}"
        );
    }

    #[test]
    fn unknown_wiki_link_suggests_a_title() {
        let site = linked_site();
        let (run, text) = failing(&site, "[[Palm Circlin]] and [[Zebra Stripes]]\n");
        let (message, help) = error_at(&run, DEEP, &text, "[[Palm");
        assert_eq!(message, "no page has the title or slug \"Palm Circlin\"");
        assert_eq!(help, "did you mean [[Palm Circling]]?");
        let (_, help) = error_at(&run, DEEP, &text, "[[Zebra");
        assert_eq!(
            help,
            "a wiki link names a page's title, its slug or its path under content/"
        );
    }

    #[test]
    fn link_to_a_draft_is_an_error_unless_drafts_are_built() {
        let site = linked_site();
        site.file(
            "content/guides/soon.md",
            &page("title: Coming Soon\ndraft: true", "Later.\n"),
        );
        let (run, text) = failing(&site, "[a](../guides/soon.md) [[Coming Soon]]\n");
        for needle in ["[a]", "[[Coming"] {
            let (message, help) = error_at(&run, DEEP, &text, needle);
            assert_eq!(
                message,
                "links to content/guides/soon.md, which is a draft and is left out of the site"
            );
            assert!(help.contains("--drafts"), "{help}");
        }
        site.build(&["--drafts"]).assert_ok();
        assert!(deep(&site).contains("<a href=\"/docs/guides/soon/\">a</a>"));
    }

    #[test]
    fn link_to_a_folder_says_which_file_to_name() {
        let site = linked_site();
        let (run, text) = failing(&site, "[t](../techniques/)\n");
        let (message, help) = error_at(&run, DEEP, &text, "[t]");
        assert_eq!(
            message,
            "content/techniques/ is a folder; links name the page's file"
        );
        assert_eq!(help, "write ../techniques/_index.md");
    }

    #[test]
    fn link_climbing_out_of_content_is_an_error() {
        let site = linked_site();
        let (run, text) = failing(&site, "[x](../../site.yaml)\n");
        let (message, _) = error_at(&run, DEEP, &text, "[x]");
        assert_eq!(message, "\"../../site.yaml\" goes above the content folder");
    }

    #[test]
    fn site_path_with_the_base_path_written_out_says_to_drop_it() {
        let site = linked_site();
        let (run, text) = failing(&site, "[t](/docs/types/swedish/) [u](/nowhere/)\n");
        let (message, help) = error_at(&run, DEEP, &text, "[t]");
        assert_eq!(message, "no page or file at /docs/types/swedish/");
        assert_eq!(
            help,
            "site paths start at the site root and knead adds the base path /docs/; write /types/swedish/"
        );
        let (message, _) = error_at(&run, DEEP, &text, "[u]");
        assert_eq!(message, "no page or file at /nowhere/");
    }

    #[test]
    fn positions_count_front_matter_and_characters() {
        let site = linked_site();
        let text =
            "---\ntitle: Deep Tissue\ndescription: Ça va\n---\n\n# Überblick\n\nÄ ö [[Nope]]\n";
        site.file(DEEP, text);
        let run = site.build(&[]);
        run.assert_code(1);
        run.assert_stderr_has(
            "content/types/deep.md:8:5: error: no page has the title or slug \"Nope\"",
        );
    }

    #[test]
    fn crlf_file_reports_editor_lines() {
        let site = linked_site();
        site.file(
            DEEP,
            "\u{feff}---\r\ntitle: Deep\r\n---\r\nOne.\r\n\r\n[x](gone.md)\r\n",
        );
        let run = site.build(&[]);
        run.assert_code(1);
        run.assert_stderr_has("content/types/deep.md:6:1: error: no page at content/types/gone.md");
    }

    #[test]
    fn broken_links_in_many_pages_are_reported_together_in_order() {
        let site = linked_site();
        site.file(
            "content/types/swedish.md",
            &page("title: Swedish Massage", "[a](nope.md)\n\n[b](nada.md)\n"),
        );
        site.file("content/guides/a.md", &page("title: A", "[[Nobody]]\n"));
        let run = site.build(&[]);
        run.assert_code(1);
        let errors: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.contains(": error: "))
            .map(|l| l.split(": error: ").next().unwrap_or(""))
            .collect();
        assert_eq!(
            errors,
            [
                "content/guides/a.md:4:1",
                "content/types/swedish.md:4:1",
                "content/types/swedish.md:6:1",
            ]
        );
        run.assert_stderr_has("build failed with 3 errors");
    }

    #[test]
    fn broken_links_keep_the_previous_output() {
        let site = linked_site();
        build_with(&site, "[ok](swedish.md)\n").assert_ok();
        let before = deep(&site);
        failing(&site, "[broken](swedish-gone.md)\n");
        assert_eq!(deep(&site), before);
    }

    #[test]
    fn link_error_report_snapshot() {
        let site = linked_site();
        site.file(
            "content/guides/soon.md",
            &page("title: Coming Soon\ndraft: true", "Later.\n"),
        );
        let (run, _) = failing(
            &site,
            "[a](../techniques/palm-circlng.md) [b](swedish.md#feels)\n\n\
             [[Massage]] ![c](nothing.png) [d](../guides/soon.md)\n",
        );
        insta::assert_snapshot!(run.stderr);
    }
}
