//! What a broken site reports: front matter, encodings, site.yaml, command-line
//! usage, templates, drafts and ignored files. The error text is part of the
//! product, so tests assert the exact `file:line:col: error:` prefix (lines counted
//! from the file's first line, as editors do) and the key words of message and help.

use crate::harness::{Run, TestSite, error_lines, page};

/// stderr with the temp folder replaced, for snapshots. Reports use
/// site-relative paths, so this should be a no-op; it guards against regressions
/// that would make snapshots depend on the machine.
fn report(site: &TestSite, run: &Run) -> String {
    let root = site.root().to_str().expect("utf-8 temp path");
    run.stderr.replace(root, "[ROOT]")
}

#[track_caller]
fn assert_summary(run: &Run, errors: usize) {
    let noun = if errors == 1 { "error" } else { "errors" };
    let last = run.stderr.trim_end().lines().last().unwrap_or("");
    assert_eq!(
        last,
        format!("build failed with {errors} {noun}; the previous output was left as it was"),
        "stderr:\n{}",
        run.stderr
    );
}

// ---- front matter: YAML syntax ----

/// Every "at line N column M" the parser's message carries. Such positions may
/// appear (they name the culprit, e.g. where a `[` was opened), but they must be
/// lines of the Markdown file, never of the YAML fragment between the `---` lines.
fn message_positions(text: &str) -> Vec<(usize, usize)> {
    let number = |s: &str| -> Option<(usize, usize)> {
        let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        Some((s[..digits].parse().ok()?, digits))
    };
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(" at line ") {
        rest = &rest[start + " at line ".len()..];
        let Some((line, len)) = number(rest) else {
            continue;
        };
        rest = &rest[len..];
        let Some(after) = rest.strip_prefix(" column ") else {
            continue;
        };
        if let Some((col, len)) = number(after) {
            found.push((line, col));
            rest = &after[len..];
        }
    }
    found
}

/// The one error line of a report that starts with `prefix`.
#[track_caller]
fn error_line<'a>(run: &'a Run, prefix: &str) -> &'a str {
    error_lines(run)
        .into_iter()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no error line starting {prefix:?} in:\n{}", run.stderr))
}

#[test]
fn bad_yaml_reports_position_in_markdown_file() {
    let site = TestSite::new();
    // Line 1 `---`, line 2 `title: A`, line 3 the bad line; the second `: ` is at
    // column 15. In the YAML fragment that is line 2.
    site.file(
        "content/a.md",
        &page("title: A\ndescription: a: b", "Body.\n"),
    );
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("content/a.md:3:15: error: invalid YAML: mapping values are not allowed")
        .assert_stderr_has("  = help: check the indentation and quoting");
    let line = error_line(&run, "content/a.md:3:15:");
    for position in message_positions(line) {
        assert_eq!(position, (3, 15), "stray position in message: {line}");
    }
    assert_summary(&run, 1);
}

#[test]
fn unclosed_flow_sequence_reports_where_parser_stopped() {
    let site = TestSite::new();
    // The YAML fragment ends at the closing `---` (file line 3), where the parser
    // notices the missing `]`; the `[` itself is at line 2, column 8.
    site.file("content/guides/a.md", &page("title: [unclosed", "Body.\n"));
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "content/guides/a.md:3:1: error: invalid YAML: did not find expected ',' or ']'",
    );
    let line = error_line(&run, "content/guides/a.md:3:1:");
    assert!(line.contains("flow sequence"), "{line}");
    for position in message_positions(line) {
        assert!(
            [(3, 1), (2, 8)].contains(&position),
            "position {position:?} is not a file position (fragment-relative?): {line}"
        );
    }
    assert_summary(&run, 1);
}

#[test]
fn bad_yaml_indentation_reports_file_line() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page("title: A\ntags:\n  - a\n - b", "Body.\n"),
    );
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("content/a.md:5:2: error: invalid YAML: did not find expected key");
    let line = error_line(&run, "content/a.md:5:2:");
    for position in message_positions(line) {
        // the bad `- b`, or the mapping it breaks (starting at `title`)
        assert!(
            [(5, 2), (2, 1)].contains(&position),
            "position {position:?} is not a file position: {line}"
        );
    }
}

#[test]
fn bad_yaml_in_bom_crlf_file_counts_editor_lines() {
    let site = TestSite::new();
    site.bytes(
        "content/a.md",
        b"\xef\xbb\xbf---\r\ntitle: A\r\ndescription: a: b\r\n---\r\nBody.\r\n",
    );
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "content/a.md:3:15: error: invalid YAML: mapping values are not allowed",
    );
}

// ---- front matter: keys ----

#[test]
fn unknown_key_reports_suggestion_and_position() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page("titel: Swedish Massage\ndate: 2024-05-01", "Body.\n"),
    );
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("content/a.md:1:1: error: the front matter has no `title`\n")
        .assert_stderr_has(
            "content/a.md:2:1: error: unknown front-matter key `titel`\n  = help: did you mean `title`?\n",
        );
    assert_summary(&run, 2);
}

#[test]
fn unknown_key_after_valid_keys_points_at_its_own_line() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page(
            "title: A\ndescription: D\nweight: 2\ndescripton: again",
            "Body.\n",
        ),
    );
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "content/a.md:5:1: error: unknown front-matter key `descripton`\n  = help: did you mean `description`?\n",
    );
    assert_summary(&run, 1);
}

#[test]
fn taxonomy_key_declared_in_site_yaml_is_accepted() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page("title: A\ntags: [lower back, heat]", "Body.\n"),
    );
    site.build(&[]).assert_ok();
    assert!(site.output("a/index.html").contains("title=A"));
}

#[test]
fn undeclared_taxonomy_key_suggests_declared_one() {
    let site = TestSite::new();
    site.file("content/a.md", &page("title: A\ntagz: [heat]", "Body.\n"));
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "content/a.md:3:1: error: unknown front-matter key `tagz`\n  = help: did you mean `tags`?\n",
    );
    assert_summary(&run, 1);
}

#[test]
fn unknown_key_without_close_match_lists_known_keys() {
    let site = TestSite::new();
    site.file("content/a.md", &page("title: A\nzebra: 1", "Body.\n"));
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("content/a.md:3:1: error: unknown front-matter key `zebra`\n")
        .assert_stderr_has("  = help: the known keys are: title, description,")
        // taxonomies declared in site.yaml are known keys too
        .assert_stderr_has("extra, tags\n");
}

// ---- front matter: title ----

#[test]
fn missing_title_reports_at_start_of_file() {
    let site = TestSite::new();
    site.file(
        "content/guides/a.md",
        &page("description: No title here", "Body.\n"),
    );
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "content/guides/a.md:1:1: error: the front matter has no `title`\n  = help: add a line such as `title: ",
    );
    assert_summary(&run, 1);
}

#[test]
fn empty_title_reports_at_title_line() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page("description: D\ntitle: \"   \"", "Body.\n"),
    );
    site.file("content/b.md", &page("title:", "Body.\n"));
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "content/a.md:3:1: error: `title` is empty\n  = help: give the page a title\n",
    );
    // `title:` with nothing after it is YAML null, not a string.
    run.assert_stderr_has(
        "content/b.md:2:7: error: `title` must be a string, found nothing (null)\n",
    );
    assert_summary(&run, 2);
}

// ---- front matter: dates ----

#[test]
fn bad_date_reports_value_column() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page("title: A\ndate: 2024-13-01", "Body.\n"),
    );
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("content/a.md:3:7: error: `date` \"2024-13-01\" is not a valid date")
        .assert_stderr_has(
            "  = help: write a date such as `2024-05-01` or `2024-05-01T09:30:00+02:00`\n",
        );
    assert_summary(&run, 1);
}

#[test]
fn rfc3339_date_is_accepted() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page(
            "title: A\ndate: 2024-05-01T10:00:00+02:00\nupdated: 2024-06-01",
            "Body.\n",
        ),
    );
    site.file(
        "templates/page.html",
        "date={{ page.date }}\nupdated={{ page.updated }}",
    );
    site.build(&[]).assert_ok();
    assert_eq!(
        site.output("a/index.html"),
        "date=2024-05-01T10:00:00+02:00\nupdated=2024-06-01"
    );
}

#[test]
fn bad_updated_date_is_validated_too() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page(
            "title: A\ndate: 2024-05-01\nupdated:   yesterday",
            "Body.\n",
        ),
    );
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("content/a.md:4:12: error: `updated` \"yesterday\" is not a valid date");
    assert_summary(&run, 1);
}

// ---- front matter: types ----

#[test]
fn wrong_types_report_each_value_on_its_own_line() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page(
            "title: A\nweight: heavy\ndraft: maybe\naliases: 3",
            "Body.\n",
        ),
    );
    let run = site.build(&[]);
    run.assert_code(1);
    assert_eq!(
        error_lines(&run),
        [
            "content/a.md:3:9: error: `weight` must be a whole number, found the string \"heavy\"",
            "content/a.md:4:8: error: `draft` must be `true` or `false`, found the string \"maybe\"",
            "content/a.md:5:10: error: `aliases` must be a list of paths, found the number `3`",
        ],
        "stderr:\n{}",
        run.stderr
    );
    assert_summary(&run, 3);
}

#[test]
fn front_matter_report_snapshot() {
    let site = TestSite::new();
    site.file(
        "content/guides/a.md",
        &page(
            "titel: A\ndate: 2024-02-30\nweight: 1.5\ntoc: sometimes\ntagz: [x]",
            "Body.\n",
        ),
    );
    let run = site.build(&[]);
    run.assert_code(1);
    insta::assert_snapshot!("front_matter_report", report(&site, &run));
}

// ---- encodings and fences ----

#[test]
fn non_utf8_file_reports_first_bad_byte() {
    let site = TestSite::new();
    site.bytes("content/x.md", b"---\ntitle: A\n---\nab\xffcd\n");
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "content/x.md:4:3: error: the file is not valid UTF-8\n  = help: save the file with UTF-8 encoding",
    );
    assert_summary(&run, 1);
}

#[test]
fn non_utf8_column_counts_characters_not_bytes() {
    let site = TestSite::new();
    // "é" is two bytes; the bad byte is the third character of line 4.
    let mut bytes = "---\ntitle: Ü\n---\néé".as_bytes().to_vec();
    bytes.extend_from_slice(b"\xffcd\n");
    site.bytes("content/x.md", &bytes);
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("content/x.md:4:3: error: the file is not valid UTF-8");
}

#[test]
fn non_utf8_template_reports_template_path() {
    let site = TestSite::new();
    site.bytes("themes/t/templates/partial.html", b"ok\nx\xfe\n");
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "themes/t/templates/partial.html:2:2: error: the file is not valid UTF-8",
    );
}

#[test]
fn bom_and_crlf_file_builds_and_renders_body() {
    let site = TestSite::new();
    site.bytes(
        "content/a.md",
        b"\xef\xbb\xbf---\r\ntitle: Crlf Page\r\ndate: 2024-05-01\r\n---\r\nFirst *para*.\r\n\r\nSecond para.\r\n",
    );
    site.build(&[]).assert_ok();
    let html = site.output("a/index.html");
    assert!(
        html.contains("title=Crlf Page\n"),
        "title kept a stray \\r:\n{html:?}"
    );
    assert!(html.contains("<em>para</em>"), "{html}");
    assert!(html.contains("Second para."), "{html}");
    assert!(
        !html.contains('\u{feff}'),
        "BOM leaked into output: {html:?}"
    );
}

#[test]
fn bom_and_crlf_file_errors_use_editor_lines() {
    let site = TestSite::new();
    site.bytes(
        "content/a.md",
        b"\xef\xbb\xbf---\r\ntitle: A\r\nweight: heavy\r\ntitel: B\r\n---\r\nBody.\r\n",
    );
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("content/a.md:3:9: error: `weight` must be a whole number")
        .assert_stderr_has("content/a.md:4:1: error: unknown front-matter key `titel`");
    assert!(
        !run.stderr.contains('\r'),
        "CR leaked into the report: {:?}",
        run.stderr
    );
}

#[test]
fn missing_front_matter_reports_at_1_1() {
    let site = TestSite::new();
    site.file("content/a.md", "title: A\n\nJust text.\n");
    site.file("content/b.md", "");
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("content/a.md:1:1: error: the file does not start with front matter\n  = help: start the file with a line `---`")
        .assert_stderr_has("content/b.md:1:1: error: the file does not start with front matter\n");
    assert_summary(&run, 2);
}

#[test]
fn unclosed_front_matter_reports_at_1_1() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        "---\ntitle: A\n\nText without a closing fence.\n",
    );
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "content/a.md:1:1: error: the front matter is never closed\n  = help: add a line `---` after the last front-matter field\n",
    );
    assert_summary(&run, 1);
}

// ---- collecting ----

#[test]
fn errors_in_three_files_are_reported_together_sorted_by_path() {
    let site = TestSite::new();
    // Written out of path order; the report follows path order whatever the order of work.
    site.file(
        "content/guides/b.md",
        &page("title: B\nweight: heavy", "Body.\n"),
    );
    site.file(
        "content/a.md",
        &page("title: A\ndescripton: Typo", "Body.\n"),
    );
    site.file(
        "content/guides/_index.md",
        &page("title: Guides\ndate: 2024-13-01", ""),
    );
    site.file("content/guides/ok.md", &page("title: Fine", "Body.\n"));
    let run = site.build(&[]);
    run.assert_code(1);
    let prefixes: Vec<&str> = error_lines(&run)
        .into_iter()
        .map(|l| l.split(": error:").next().unwrap_or(""))
        .collect();
    assert_eq!(
        prefixes,
        [
            "content/a.md:3:1",
            "content/guides/_index.md:3:7",
            "content/guides/b.md:3:9"
        ],
        "{}",
        run.stderr
    );
    assert_summary(&run, 3);
    assert!(
        !site.output_exists("index.html"),
        "a failed build wrote output"
    );
    insta::assert_snapshot!("three_files_report", report(&site, &run));
}

#[test]
fn errors_from_reading_splitting_and_parsing_are_reported_together() {
    let site = TestSite::new();
    site.file("content/c.md", &page("title: C\ndraft: maybe", "Body.\n"));
    site.file("content/a.md", "no front matter\n");
    site.bytes("content/b/x.md", b"---\ntitle: X\n---\n\xff\n");
    let run = site.build(&[]);
    run.assert_code(1);
    assert_eq!(
        error_lines(&run),
        [
            "content/a.md:1:1: error: the file does not start with front matter",
            "content/b/x.md:4:1: error: the file is not valid UTF-8",
            "content/c.md:3:8: error: `draft` must be `true` or `false`, found the string \"maybe\"",
        ],
        "{}",
        run.stderr
    );
    assert_summary(&run, 3);
}

// ---- site.yaml ----

#[test]
fn site_yaml_unknown_key_reports_suggestion() {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        "title: Test Site\nbase_url: https://example.org/docs/\ntheem: t\n",
    );
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "site.yaml:3:1: error: unknown site.yaml key `theem`\n  = help: did you mean `theme`?\n",
    );
    assert_summary(&run, 1);
}

#[test]
fn site_yaml_missing_title_reports_at_1_1() {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        "base_url: https://example.org/docs/\ntheme: t\n",
    );
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "site.yaml:1:1: error: `title` is missing\n  = help: add a line such as `title: ",
    );
    assert_summary(&run, 1);
}

#[test]
fn site_yaml_bad_base_url_reports_value_column() {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        "title: T\ntheme: t\nbase_url: example.org/docs\n",
    );
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("site.yaml:3:11: error: `base_url` \"example.org/docs\" is not an absolute URL\n  = help: write the full address");
    assert_summary(&run, 1);
}

#[test]
fn site_yaml_missing_base_url_is_reported() {
    let site = TestSite::new();
    site.file("site.yaml", "title: T\ntheme: t\n");
    let run = site.build(&[]);
    // There is no line to point at, so the error points at the start of the file.
    run.assert_code(1).assert_stderr_has(
        "site.yaml:1:1: error: `base_url` is missing\n  = help: add a line such as `base_url: ",
    );
    assert_summary(&run, 1);
}

#[test]
fn site_yaml_unknown_theme_lists_available_themes() {
    let site = TestSite::new();
    site.file("themes/other/templates/page.html", "x");
    site.file(
        "site.yaml",
        "title: T\nbase_url: https://example.org/docs/\ntheme: nope\n",
    );
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("error: theme \"nope\" not found: there is no folder themes/nope\n")
        .assert_stderr_has("  = help: the themes in themes/ are: other, t\n");
    // The value `nope` is at line 3, column 8, like every other site.yaml error.
    run.assert_stderr_has("site.yaml:3:8: error: theme \"nope\" not found");
    assert_summary(&run, 1);
}

#[test]
fn site_yaml_misspelled_markdown_option_is_reported() {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        "title: T\nbase_url: https://example.org/docs/\ntheme: t\nmarkdown: {smart_punctation: true}\n",
    );
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("site.yaml:4:11: error: `markdown` unknown field `smart_punctation`")
        .assert_stderr_has("`smart_punctuation`");
    assert_summary(&run, 1);
}

#[test]
fn site_yaml_wrong_types_are_reported_at_values() {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        "title: T\nbase_url: https://example.org/docs/\ntheme: t\nfeed: yes please\ntaxonomies: tags\n",
    );
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("site.yaml:4:7: error: `feed` must be `true` or `false`, found the string \"yes please\"")
        .assert_stderr_has("site.yaml:5:13: error: `taxonomies` must be a list of names");
}

#[test]
fn site_yaml_errors_are_sorted_by_line() {
    let site = TestSite::new();
    site.file("site.yaml", "titl: T\nbase_url: not-a-url\ntheem: t\n");
    let run = site.build(&[]);
    run.assert_code(1);
    let positions: Vec<&str> = error_lines(&run)
        .iter()
        .map(|l| l.split(": error:").next().unwrap_or(""))
        .collect();
    assert_eq!(
        positions,
        [
            "site.yaml:1:1",
            "site.yaml:1:1",
            "site.yaml:2:11",
            "site.yaml:3:1"
        ],
        "{}",
        run.stderr
    );
    assert_summary(&run, 4);
}

#[test]
fn site_yaml_report_snapshot() {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        "title: Test Site\nbase_url: ftp://example.org/\ntheem: t\ntaxonomies: [tags]\nmarkdown: {smart_punctation: true}\n",
    );
    let run = site.build(&[]);
    run.assert_code(1);
    insta::assert_snapshot!("site_yaml_report", report(&site, &run));
}

#[test]
fn site_yaml_not_utf8_is_a_config_error_at_position() {
    let site = TestSite::new();
    site.bytes(
        "site.yaml",
        b"title: Caf\xe9\nbase_url: https://example.org/docs/\ntheme: t\n",
    );
    let run = site.build(&[]);
    // A broken site.yaml is a problem of the site (exit 1) with a position, like
    // any other file, not a usage error.
    run.assert_code(1)
        .assert_stderr_has("site.yaml:1:11: error: the file is not valid UTF-8");
}

// ---- usage errors ----

#[test]
fn base_url_flag_invalid_exits_2() {
    let site = TestSite::new();
    let run = site.build(&["--base-url", "not-a-url"]);
    run.assert_code(2)
        .assert_stderr_has("error: --base-url \"not-a-url\" is not an absolute URL");
    assert!(!run.stderr.contains("build failed"), "{}", run.stderr);
    assert!(!site.path("output").exists(), "a usage error wrote output");
}

#[test]
fn missing_site_yaml_exits_2_naming_it() {
    let site = TestSite::new();
    site.remove("site.yaml");
    let run = site.build(&[]);
    run.assert_code(2)
        .assert_stderr_has("site.yaml")
        .assert_stderr_has("--root");
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(!run.stderr.contains("build failed"), "{}", run.stderr);
    assert!(!site.path("output").exists(), "a usage error wrote output");
}

// ---- templates ----

#[test]
fn template_syntax_error_names_theme_file_line_and_column() {
    let site = TestSite::new();
    site.file(
        "themes/t/templates/page.html",
        "{% extends \"base.html\" %}{% block main %}\ntitle={{ page.title }\n{% endblock main %}",
    );
    site.file("content/a.md", &page("title: A", "Body.\n"));
    let run = site.build(&[]);
    // The lone `}` is at column 21 of line 2.
    run.assert_code(1)
        .assert_stderr_has("themes/t/templates/page.html:2:21: error: ");
    assert_summary(&run, 1);
}

#[test]
fn template_rendering_error_names_template_line_and_page() {
    let site = TestSite::new();
    site.file(
        "themes/t/templates/page.html",
        "{% extends \"base.html\" %}{% block main %}\ntitle={{ page.title }}\n  x={{ page.nope }}\n{% endblock main %}",
    );
    site.file("content/a.md", &page("title: A", "Body.\n"));
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("themes/t/templates/page.html:3:13: error: ")
        .assert_stderr_has("`nope`")
        .assert_stderr_has("(while rendering content/a.md)");
    assert_summary(&run, 1);
}

#[test]
fn template_rendering_error_hit_by_many_pages_is_reported_once() {
    let site = TestSite::new();
    site.file(
        "themes/t/templates/page.html",
        "{% extends \"base.html\" %}{% block main %}{{ page.nope }}{% endblock main %}",
    );
    for name in ["a", "b", "c"] {
        site.file(
            &format!("content/{name}.md"),
            &page(&format!("title: {name}"), ""),
        );
    }
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("(while rendering content/a.md and 2 other pages)");
    assert_eq!(error_lines(&run).len(), 1, "{}", run.stderr);
    assert_summary(&run, 1);
}

#[test]
fn site_template_overrides_theme_template() {
    let site = TestSite::new();
    site.file(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block main %}SITE-OVERRIDE {{ page.title }}{% endblock main %}",
    );
    site.file("content/a.md", &page("title: A", "Body.\n"));
    site.build(&[]).assert_ok();
    let html = site.output("a/index.html");
    assert!(html.contains("SITE-OVERRIDE A"), "{html}");
    assert!(!html.contains("title=A"), "theme template used: {html}");
    // base.html still comes from the theme
    assert!(html.contains("<link href=\"/docs/css/s.css\">"), "{html}");
}

#[test]
fn site_template_error_names_site_templates_folder() {
    let site = TestSite::new();
    site.file("templates/page.html", "ok\n{{ page.title");
    site.file("content/a.md", &page("title: A", "Body.\n"));
    let run = site.build(&[]);
    // The template ends (line 2, column 14) inside `{{ ... }}`.
    run.assert_code(1)
        .assert_stderr_has("templates/page.html:2:14: error: ");
    assert!(
        !run.stderr.contains("themes/t/templates/page.html"),
        "{}",
        run.stderr
    );
    assert_summary(&run, 1);
}

#[test]
fn front_matter_template_not_found_points_at_template_key() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page("title: A\ndescription: D\ntemplate: custom.html", "Body.\n"),
    );
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "content/a.md:4:1: error: template \"custom.html\" not found\n  = help: create templates/custom.html",
    );
    assert_summary(&run, 1);
}

#[test]
fn front_matter_template_found_in_site_templates_is_used() {
    let site = TestSite::new();
    site.file("templates/custom.html", "CUSTOM {{ page.title }}");
    site.file(
        "content/a.md",
        &page("title: A\ntemplate: custom.html", "Body.\n"),
    );
    site.build(&[]).assert_ok();
    assert_eq!(site.output("a/index.html"), "CUSTOM A");
}

#[test]
fn get_url_missing_static_file_is_an_error() {
    let site = TestSite::new();
    site.file(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block main %}\n{{ get_url(path='missing.css') }}{% endblock main %}",
    );
    site.file("content/a.md", &page("title: A", "Body.\n"));
    let run = site.build(&[]);
    run.assert_code(1)
        .assert_stderr_has("templates/page.html:2:4: error: ")
        .assert_stderr_has("get_url: no file \"missing.css\"")
        .assert_stderr_has("(while rendering content/a.md)");
    assert_summary(&run, 1);
}

#[test]
fn get_page_returns_the_page_context() {
    let site = TestSite::new();
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    site.file(
        "content/guides/a.md",
        &page("title: Palm Circling", "Body.\n"),
    );
    site.file(
        "templates/index.html",
        "{% set p = get_page(path='@/guides/a.md') %}linked={{ p.title }} at {{ p.url }}|{{ get_url(path='@/guides/a.md') }}",
    );
    site.build(&[]).assert_ok();
    assert_eq!(
        site.output("index.html"),
        "linked=Palm Circling at /docs/guides/a/|/docs/guides/a/"
    );
}

#[test]
fn get_page_missing_page_is_an_error() {
    let site = TestSite::new();
    site.file(
        "templates/index.html",
        "{% set p = get_page(path='@/guides/missing.md') %}{{ p.title }}",
    );
    let run = site.build(&[]);
    run.assert_code(1).assert_stderr_has(
        "templates/index.html:1:12: error: no page at content/guides/missing.md (while rendering content/_index.md)\n",
    );
    assert_summary(&run, 1);
}

// ---- drafts ----

fn drafts_site() -> TestSite {
    let site = TestSite::new();
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    site.file("content/guides/done.md", &page("title: Done", "Body.\n"));
    site.file(
        "content/guides/wip.md",
        &page("title: Wip\ndraft: true", "Body.\n"),
    );
    site
}

#[test]
fn draft_page_is_left_out_of_output_and_lists() {
    let site = drafts_site();
    site.build(&[]).assert_ok();
    assert!(!site.output_exists("guides/wip/index.html"));
    assert!(site.output_exists("guides/done/index.html"));
    let section = site.output("guides/index.html");
    assert!(section.contains("page=/docs/guides/done/"), "{section}");
    assert!(!section.contains("wip"), "draft listed: {section}");
    // and not a neighbour of the published page either
    let done = site.output("guides/done/index.html");
    assert!(!done.contains("wip"), "draft linked as prev/next: {done}");
}

#[test]
fn draft_page_is_built_with_drafts_flag() {
    let site = drafts_site();
    site.build(&["--drafts"]).assert_ok();
    assert!(site.output("guides/wip/index.html").contains("title=Wip"));
    let section = site.output("guides/index.html");
    assert!(section.contains("page=/docs/guides/done/"), "{section}");
    assert!(section.contains("page=/docs/guides/wip/"), "{section}");
}

#[test]
fn draft_section_leaves_out_its_pages() {
    let site = TestSite::new();
    site.file(
        "content/later/_index.md",
        &page("title: Later\ndraft: true", ""),
    );
    site.file("content/later/a.md", &page("title: A", "Body.\n"));
    site.build(&[]).assert_ok();
    assert!(!site.output_exists("later/index.html"));
    assert!(!site.output_exists("later/a/index.html"));
    assert!(!site.output("index.html").contains("later"));
}

// ---- ignored files ----

#[test]
fn editor_temporaries_and_ignored_files_are_skipped() {
    let site = TestSite::new();
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    site.file("content/guides/a.md", &page("title: A", "Body.\n"));
    // Every one of these would fail the build if it were read as a page.
    let broken: &[u8] = b"titel: \xff no front matter\n";
    for name in [
        "a.md~",
        ".#a.md",
        "a.md.swp",
        "_partial.md",
        "4913",
        "x.tmp",
        ".hidden.md",
    ] {
        site.bytes(&format!("content/guides/{name}"), broken);
    }
    site.bytes("content/_notes.md", broken);
    let run = site.build(&[]);
    run.assert_ok();
    assert!(
        run.stderr.is_empty(),
        "warnings for ignored files:\n{}",
        run.stderr
    );
    let files: Vec<String> = site
        .snapshot("output")
        .into_iter()
        .map(|(path, _)| path.to_string_lossy().into_owned())
        .collect();
    for file in &files {
        for needle in [
            "~", ".#", ".swp", "_partial", "4913", ".tmp", "hidden", "_notes",
        ] {
            assert!(
                !file.contains(needle),
                "ignored file {file} reached the output: {files:?}"
            );
        }
    }
    assert!(
        files.contains(&"guides/a/index.html".to_string()),
        "{files:?}"
    );
}

/// Emacs marks a file being edited with a lock `.#name.md`: a symlink to a target
/// that does not exist. It sits in content/ for as long as the buffer has unsaved
/// changes, so `knead serve` and `build` meet it all the time.
#[cfg(unix)]
#[test]
fn emacs_lock_symlink_is_ignored() {
    let site = TestSite::new();
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    site.file("content/guides/a.md", &page("title: A", "Body.\n"));
    std::os::unix::fs::symlink(
        "user@host.12345:1700000000",
        site.path("content/guides/.#a.md"),
    )
    .expect("dangling Emacs lock symlink");
    let run = site.build(&[]);
    run.assert_ok();
    assert!(
        run.stderr.is_empty(),
        "warnings for an ignored file:\n{}",
        run.stderr
    );
    assert!(site.output_exists("guides/a/index.html"));
}
