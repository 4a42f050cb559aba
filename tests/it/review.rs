//! Review metadata (issue 19 item 1): `reviewed`, `reviewed_by` and
//! `next_review` in front matter, site.yaml's `review:`, `knead check`'s
//! overdue, due-soon and never-reviewed warnings against a fixed `--today`,
//! and what dough shows and declares in JSON-LD.

use crate::harness::{Run, SITE_YAML, TestSite, error_lines, page};

const TODAY: &str = "2026-12-02";

fn reviewed_site(review: &str) -> TestSite {
    let site = TestSite::new();
    site.file("site.yaml", &format!("{SITE_YAML}review: {review}\n"));
    site.file(
        "content/_index.md",
        &page(
            "title: Home\ndescription: Home.\nreviewed: 2026-11-01",
            "[[Overdue]] [[Soon]] [[Fresh]] [[Never]]\n",
        ),
    );
    site.file(
        "content/overdue.md",
        &page(
            "title: Overdue\ndescription: D.\nreviewed: 2025-01-01\nreviewed_by: A. Editor",
            "Text.\n",
        ),
    );
    site.file(
        "content/soon.md",
        &page(
            "title: Soon\ndescription: D.\nreviewed: 2026-06-01\nnext_review: 2027-01-10",
            "Text.\n",
        ),
    );
    site.file(
        "content/fresh.md",
        &page(
            "title: Fresh\ndescription: D.\nreviewed: 2026-06-01\nreviewed_by: { name: B. Reviewer, credentials: PT }",
            "Text.\n",
        ),
    );
    site.file(
        "content/never.md",
        &page("title: Never\ndescription: D.", "Text.\n"),
    );
    site
}

fn check(site: &TestSite, today: &str) -> Run {
    let root = site.root().to_str().expect("utf-8 temp path");
    site.knead(&["check", "--root", root, "--today", today], &[])
}

fn warnings(run: &Run) -> Vec<&str> {
    run.stdout
        .lines()
        .filter(|line| line.contains(": warning: "))
        .collect()
}

#[test]
fn check_warns_about_overdue_due_soon_and_never_reviewed_pages() {
    let site = reviewed_site("{ interval: 1y, warn_before: 60d, required: true }");
    let run = check(&site, TODAY);
    run.assert_code(0);
    assert_eq!(
        warnings(&run),
        [
            "content/never.md:2:1: warning: never reviewed: the page has no `reviewed` date",
            "content/overdue.md:4:1: warning: review overdue: the next review was due on 2026-01-01",
            "content/soon.md:5:1: warning: review due soon: the next review is due on 2027-01-10, in 39 days",
        ],
        "stdout:\n{}",
        run.stdout
    );
}

#[test]
fn the_day_of_the_check_decides_and_never_reviewed_needs_required() {
    let site = reviewed_site("{ interval: 1y, warn_before: 60d }");
    // A year before: nothing is due yet.
    assert_eq!(warnings(&check(&site, "2024-12-02")), [] as [&str; 0]);
    // The day before the fresh page's review falls due, the older ones are
    // overdue and the home page's is not due within 60 days.
    let run = check(&site, "2027-05-31");
    assert_eq!(
        warnings(&run),
        [
            "content/fresh.md:4:1: warning: review due soon: the next review is due on 2027-06-01, in 1 day",
            "content/overdue.md:4:1: warning: review overdue: the next review was due on 2026-01-01",
            "content/soon.md:5:1: warning: review overdue: the next review was due on 2027-01-10",
        ],
        "stdout:\n{}",
        run.stdout
    );
}

#[test]
fn a_bad_duration_or_reviewer_is_an_error_at_its_position() {
    let site = reviewed_site("\n  interval: 3 years\n  warn_before: 60d\n");
    let run = site.build(&[]);
    run.assert_code(1);
    assert_eq!(
        error_lines(&run),
        [
            "site.yaml:6:13: error: `review.interval` is not a duration: \"3 years\" is not a whole number followed by y, m, w or d"
        ]
    );
    let site = reviewed_site("{ interval: 3y, warn_befor: 60d }");
    let run = site.build(&[]);
    assert_eq!(
        error_lines(&run),
        ["site.yaml:5:25: error: unknown `review` key `warn_befor`"]
    );
    run.assert_stderr_has("did you mean `warn_before`?");
    let site = reviewed_site("{ interval: 3y }");
    site.file(
        "content/never.md",
        &page("title: Never\nreviewed_by: [A, B]", "Text.\n"),
    );
    let run = site.build(&[]);
    assert!(
        error_lines(&run).contains(
            &"content/never.md:3:14: error: `reviewed_by` is not a reviewer: it must be a name or a mapping"
        ),
        "stderr:\n{}",
        run.stderr
    );
}

/// The bundled site with `medical:` as given, and one page reviewed.
fn dough_site(medical: bool) -> TestSite {
    let site = TestSite::bundled();
    site.file(
        "site.yaml",
        &format!(
            "title: T\nbase_url: https://example.org/\ntheme: dough\n\
             taxonomies: [tags, body_areas, pressure]\nmedical: {medical}\nreview: {{ interval: 3y }}\n"
        ),
    );
    let path = "content/benefits/blood-circulation.md";
    let text = std::fs::read_to_string(site.path(path)).expect("page");
    let text: String = text
        .lines()
        .filter(|line| !line.starts_with("reviewed"))
        .map(|line| format!("{line}\n"))
        .collect();
    site.file(
        path,
        &text.replacen(
            "---\n",
            "---\nreviewed: 2026-11-20\nreviewed_by: { name: A. Editor, credentials: editorial team }\n",
            1,
        ),
    );
    site
}

#[test]
fn dough_shows_the_review_and_declares_a_medical_web_page() {
    let site = dough_site(true);
    site.build(&[]).assert_ok();
    let html = site.output("benefits/blood-circulation/index.html");
    assert!(
        html.contains(
            "<p class=\"updated review\">Last reviewed <time datetime=\"2026-11-20\">November 20, 2026</time> by A. Editor, editorial team · Next review due <time datetime=\"2029-11-20\">November 20, 2029</time></p>"
        ),
        "{html}"
    );
    assert!(html.contains("\"@type\":\"MedicalWebPage\""), "{html}");
    assert!(
        html.contains(
            "\"lastReviewed\":\"2026-11-20\",\"reviewedBy\":\"A. Editor, editorial team\","
        )
    );

    let site = dough_site(false);
    site.build(&[]).assert_ok();
    let html = site.output("benefits/blood-circulation/index.html");
    assert!(html.contains("\"@type\":\"Article\""), "{html}");
    assert!(!html.contains("lastReviewed"));
    assert!(html.contains("Last reviewed"));
}
