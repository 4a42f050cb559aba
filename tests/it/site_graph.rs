//! What pages know about each other: backlinks, related, prev/next, ancestors;
//! taxonomy and term pages; aliases; URL collisions.

use crate::harness::{Run, SITE_YAML, TestSite, error_lines, page, position_of};

/// The values of the lines of `text` that start with `prefix`, in order.
fn values<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .collect()
}

fn warning_lines(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|l| l.contains(": warning: "))
        .collect()
}

/// The help line that follows the error line starting with `prefix`.
#[track_caller]
fn help_after<'a>(run: &'a Run, prefix: &str) -> &'a str {
    let mut lines = run.stderr.lines();
    while let Some(line) = lines.next() {
        if line.starts_with(prefix) {
            return lines
                .next()
                .and_then(|h| h.strip_prefix("  = help: "))
                .unwrap_or_else(|| panic!("no help after {line:?} in:\n{}", run.stderr));
        }
    }
    panic!("no line starting {prefix:?} in:\n{}", run.stderr)
}

#[track_caller]
fn assert_failed_with(run: &Run, errors: usize) {
    run.assert_code(1);
    let noun = if errors == 1 { "error" } else { "errors" };
    let last = run.stderr.trim_end().lines().last().unwrap_or("");
    assert_eq!(
        last,
        format!("build failed with {errors} {noun}; the previous output was left as it was"),
        "stderr:\n{}",
        run.stderr
    );
}

fn with_taxonomies(site: &TestSite, taxonomies: &str) {
    site.file(
        "site.yaml",
        &SITE_YAML.replace("taxonomies: [tags]", &format!("taxonomies: {taxonomies}")),
    );
}

// ---- backlinks ----

/// `content/types/bee.md` ("Bee") and pages linking to it in every form.
fn backlinked_site() -> TestSite {
    let site = TestSite::new();
    site.file("content/types/_index.md", &page("title: Types", ""));
    site.file(
        "content/types/bee.md",
        &page(
            "title: Bee",
            "## Sting\nI link to [[Bee]] and [me](bee.md).\n",
        ),
    );
    site.file(
        "content/guides/z.md",
        &page(
            "title: Zed",
            "[[Bee]] then [again](../types/bee.md#sting) and [[bee|once more]].\n",
        ),
    );
    site.file("content/a.md", &page("title: A", "[x](types/bee.md)\n"));
    site.file(
        "content/types/see.md",
        &page("title: See", "[c](@/types/bee.md)\n"),
    );
    site.file(
        "content/guides/y.md",
        &page("title: Why", "[site path](/types/bee/)\n"),
    );
    site.file(
        "content/guides/quiet.md",
        &page("title: Quiet", "No links.\n"),
    );
    site
}

#[test]
fn backlinks_list_each_linking_page_once_in_path_order_and_only_those() {
    let site = backlinked_site();
    site.build(&[]).assert_ok();
    let bee = site.output("types/bee/index.html");
    assert_eq!(
        values(&bee, "backlink="),
        [
            "/docs/a/",
            "/docs/guides/y/",
            "/docs/guides/z/",
            "/docs/types/see/"
        ],
        "{bee}"
    );
    let quiet = site.output("guides/quiet/index.html");
    assert_eq!(values(&quiet, "backlink="), Vec::<&str>::new(), "{quiet}");
    let a = site.output("a/index.html");
    assert_eq!(values(&a, "backlink="), Vec::<&str>::new(), "{a}");
}

#[test]
fn page_linking_to_itself_is_not_its_own_backlink() {
    let site = TestSite::new();
    site.file(
        "content/bee.md",
        &page(
            "title: Bee",
            "## Top\n[[Bee]] [me](bee.md) [up](#top) [[#top]]\n",
        ),
    );
    site.build(&[]).assert_ok();
    let bee = site.output("bee/index.html");
    assert_eq!(values(&bee, "backlink="), Vec::<&str>::new(), "{bee}");
}

#[test]
fn related_front_matter_does_not_create_backlinks() {
    let site = TestSite::new();
    site.file("content/bee.md", &page("title: Bee", "Body.\n"));
    site.file(
        "content/a.md",
        &page("title: A\nrelated:\n  - \"[[Bee]]\"", "No body links.\n"),
    );
    site.build(&[]).assert_ok();
    let a = site.output("a/index.html");
    assert_eq!(values(&a, "related="), ["/docs/bee/"], "{a}");
    let bee = site.output("bee/index.html");
    assert_eq!(values(&bee, "backlink="), Vec::<&str>::new(), "{bee}");
}

// ---- related ----

/// The `related=` lines of `content/<name>.md`'s output.
fn related_of(site: &TestSite, name: &str) -> Vec<String> {
    let html = site.output(&format!("{name}/index.html"));
    values(&html, "related=")
        .into_iter()
        .map(str::to_string)
        .collect()
}

#[test]
fn explicit_related_come_first_in_the_authors_order() {
    let site = TestSite::new();
    site.file("content/types/_index.md", &page("title: Types", ""));
    site.file(
        "content/types/swedish.md",
        &page("title: Swedish Massage", "## Steps\n"),
    );
    site.file("content/types/thai.md", &page("title: Thai", ""));
    site.file("content/types/hot.md", &page("title: Hot Stone", ""));
    site.file(
        "content/tags-mate.md",
        &page("title: Tag Mate\ntags: [neck, back]", ""),
    );
    site.file(
        "content/guides/first.md",
        &page(
            "title: First\ntags: [neck, back]\nrelated:\n  - \"@/types/thai.md\"\n  - ../types/swedish.md#steps\n  - \"[[Hot Stone]]\"",
            "",
        ),
    );
    site.build(&[]).assert_ok();
    assert_eq!(
        related_of(&site, "guides/first"),
        [
            "/docs/types/thai/",
            "/docs/types/swedish/",
            "/docs/types/hot/",
            "/docs/tags-mate/"
        ]
    );
}

#[test]
fn term_related_rank_by_shared_terms_then_date_then_title() {
    let site = TestSite::new();
    site.file("content/me.md", &page("title: Me\ntags: [a, b, c]", ""));
    // Shares one term, but older than everything else: must still rank by count.
    site.file(
        "content/one-new.md",
        &page("title: One New\ndate: 2025-01-01\ntags: [a]", ""),
    );
    site.file(
        "content/three.md",
        &page("title: Three\ndate: 2020-01-01\ntags: [c, b, a]", ""),
    );
    site.file(
        "content/two-undated.md",
        &page("title: Two Undated\ntags: [a, b]", ""),
    );
    site.file(
        "content/two-old.md",
        &page("title: Two Old\ndate: 2024-01-01\ntags: [b, c]", ""),
    );
    site.file(
        "content/two-new.md",
        &page("title: Two New\ndate: 2024-06-01\ntags: [a, c]", ""),
    );
    site.file("content/nothing.md", &page("title: Nothing\ntags: [z]", ""));
    site.build(&[]).assert_ok();
    assert_eq!(
        related_of(&site, "me"),
        [
            "/docs/three/",
            "/docs/two-new/",
            "/docs/two-old/",
            "/docs/two-undated/",
            "/docs/one-new/"
        ]
    );
}

#[test]
fn term_related_ties_go_to_title_then_path() {
    let site = TestSite::new();
    site.file("content/me.md", &page("title: Me\ntags: [a]", ""));
    site.file("content/z1.md", &page("title: Beta\ntags: [a]", ""));
    site.file("content/b/same.md", &page("title: Alpha\ntags: [a]", ""));
    site.file("content/a/same.md", &page("title: Alpha\ntags: [a]", ""));
    site.build(&[]).assert_ok();
    assert_eq!(
        related_of(&site, "me"),
        ["/docs/a/same/", "/docs/b/same/", "/docs/z1/"]
    );
}

#[test]
fn related_stop_at_five() {
    let site = TestSite::new();
    site.file("content/me.md", &page("title: Me\ntags: [a]", ""));
    for i in 1..=7 {
        site.file(
            &format!("content/p{i}.md"),
            &page(&format!("title: P{i}\ntags: [a]"), ""),
        );
    }
    site.build(&[]).assert_ok();
    assert_eq!(
        related_of(&site, "me"),
        [
            "/docs/p1/",
            "/docs/p2/",
            "/docs/p3/",
            "/docs/p4/",
            "/docs/p5/"
        ]
    );
}

#[test]
fn explicit_related_are_all_kept_beyond_five() {
    let site = TestSite::new();
    let mut entries = String::new();
    for i in 1..=6 {
        site.file(
            &format!("content/p{i}.md"),
            &page(&format!("title: P{i}"), ""),
        );
        entries.push_str(&format!("\n  - p{i}.md"));
    }
    site.file("content/mate.md", &page("title: Mate\ntags: [a]", ""));
    site.file(
        "content/me.md",
        &page(&format!("title: Me\ntags: [a]\nrelated:{entries}"), ""),
    );
    site.build(&[]).assert_ok();
    assert_eq!(
        related_of(&site, "me"),
        [
            "/docs/p1/",
            "/docs/p2/",
            "/docs/p3/",
            "/docs/p4/",
            "/docs/p5/",
            "/docs/p6/"
        ]
    );
}

#[test]
fn explicit_and_term_related_fill_up_to_five_together() {
    let site = TestSite::new();
    for i in 1..=3 {
        site.file(
            &format!("content/e{i}.md"),
            &page(&format!("title: E{i}"), ""),
        );
    }
    for i in 1..=4 {
        site.file(
            &format!("content/t{i}.md"),
            &page(&format!("title: T{i}\ntags: [a]"), ""),
        );
    }
    site.file(
        "content/me.md",
        &page("title: Me\ntags: [a]\nrelated: [e3.md, e1.md, e2.md]", ""),
    );
    site.build(&[]).assert_ok();
    assert_eq!(
        related_of(&site, "me"),
        [
            "/docs/e3/",
            "/docs/e1/",
            "/docs/e2/",
            "/docs/t1/",
            "/docs/t2/"
        ]
    );
}

#[test]
fn related_never_lists_the_page_itself_or_a_page_twice() {
    let site = TestSite::new();
    site.file("content/bee.md", &page("title: Bee\ntags: [a, b]", ""));
    site.file("content/sea.md", &page("title: Sea\ntags: [a]", ""));
    site.file(
        "content/me.md",
        &page(
            "title: Me\ntags: [a, b]\nrelated:\n  - \"[[Me]]\"\n  - \"[[Bee]]\"\n  - \"@/bee.md\"\n  - me.md",
            "",
        ),
    );
    site.build(&[]).assert_ok();
    assert_eq!(related_of(&site, "me"), ["/docs/bee/", "/docs/sea/"]);
}

#[test]
fn page_without_explicit_or_shared_terms_has_no_related() {
    let site = TestSite::new();
    site.file("content/me.md", &page("title: Me\ntags: [lonely]", ""));
    site.file("content/other.md", &page("title: Other\ntags: [crowd]", ""));
    site.file("content/untagged.md", &page("title: Untagged", ""));
    site.build(&[]).assert_ok();
    assert_eq!(related_of(&site, "me"), Vec::<String>::new());
    assert_eq!(related_of(&site, "untagged"), Vec::<String>::new());
}

/// Two terms of 33 pages each, the size up to which the README promises that
/// every page sharing a term is compared. `twin` shares both terms with `me`
/// (every other page shares one), but is at the far end of both date-sorted
/// term lists, 32 places from `me`. It shares the most terms, so it must come
/// first.
#[test]
fn related_ranks_by_shared_terms_across_a_whole_33_page_term() {
    let site = TestSite::new();
    site.file(
        "content/me.md",
        &page("title: Me\ndate: 2030-01-01\ntags: [a, b]", ""),
    );
    site.file(
        "content/twin.md",
        &page("title: Twin\ndate: 2000-01-01\ntags: [a, b]", ""),
    );
    for i in 1..=31 {
        for term in ["a", "b"] {
            site.file(
                &format!("content/{term}/p{i:02}.md"),
                &page(
                    &format!("title: {term} {i:02}\ndate: 2020-01-{i:02}\ntags: [{term}]"),
                    "",
                ),
            );
        }
    }
    site.build(&[]).assert_ok();
    let tags = site.output("tags/index.html");
    assert_eq!(
        values(&tags, "term="),
        [
            "a slug=a url=/docs/tags/a/ pages=33",
            "b slug=b url=/docs/tags/b/ pages=33"
        ],
        "{tags}"
    );
    let related = related_of(&site, "me");
    assert_eq!(
        related.first().map(String::as_str),
        Some("/docs/twin/"),
        "{related:?}"
    );
}

// ---- related: errors ----

#[test]
fn unresolved_related_entry_is_an_error_at_its_line_with_a_suggestion() {
    let site = TestSite::new();
    site.file("content/types/_index.md", &page("title: Types", ""));
    site.file(
        "content/types/swedish.md",
        &page("title: Swedish Massage", ""),
    );
    let text = page(
        "title: First\nrelated:\n  - \"[[Swedsh Massage]]\"\n  - ../types/swedsh.md\n  - \"@/types/swedish.md\"",
        "",
    );
    site.file("content/guides/first.md", &text);
    let run = site.build(&[]);
    assert_failed_with(&run, 2);
    let (line, col) = position_of(&text, "[[Swedsh");
    assert_eq!(line, 4);
    let wiki = format!("content/guides/first.md:{line}:{col}: error: ");
    let (line, col) = position_of(&text, "../types/swedsh.md");
    assert_eq!(line, 5);
    let relative = format!("content/guides/first.md:{line}:{col}: error: ");
    assert_eq!(
        error_lines(&run),
        [
            format!("{wiki}no page has the title or slug \"Swedsh Massage\""),
            format!("{relative}no page at content/types/swedsh.md"),
        ],
        "{}",
        run.stderr
    );
    assert_eq!(help_after(&run, &wiki), "did you mean [[Swedish Massage]]?");
    assert_eq!(
        help_after(&run, &relative),
        "did you mean ../types/swedish.md?"
    );
}

#[test]
fn related_entry_naming_a_draft_is_an_error() {
    let site = TestSite::new();
    site.file(
        "content/soon.md",
        &page("title: Coming Soon\ndraft: true", ""),
    );
    let text = page(
        "title: Me\nrelated:\n  - \"[[Coming Soon]]\"\n  - soon.md",
        "",
    );
    site.file("content/me.md", &text);
    let run = site.build(&[]);
    assert_failed_with(&run, 2);
    let message = "links to content/soon.md, which is a draft and is left out of the site";
    let expected: Vec<String> = ["[[Coming", "soon.md"]
        .iter()
        .map(|needle| {
            let (line, col) = position_of(&text, needle);
            format!("content/me.md:{line}:{col}: error: {message}")
        })
        .collect();
    assert_eq!(error_lines(&run), expected, "{}", run.stderr);
    site.build(&["--drafts"]).assert_ok();
    assert_eq!(related_of(&site, "me"), ["/docs/soon/"]);
}

#[test]
fn related_entry_that_is_not_a_page_is_an_error() {
    let site = TestSite::new();
    site.file("content/pic.png", "png");
    let text = page("title: Me\nrelated: [pic.png]", "");
    site.file("content/me.md", &text);
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    let (line, col) = position_of(&text, "pic.png");
    let prefix = format!("content/me.md:{line}:{col}: error: ");
    assert_eq!(
        error_lines(&run),
        [format!(
            "{prefix}related entry \"pic.png\" is not a page of this site"
        )],
        "{}",
        run.stderr
    );
}

#[test]
fn related_entry_with_a_missing_anchor_is_an_error_at_the_entry() {
    let site = TestSite::new();
    site.file("content/bee.md", &page("title: Bee", "## Steps\n"));
    let text = page("title: Me\nrelated:\n  - \"[[Bee#stpes]]\"", "");
    site.file("content/me.md", &text);
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    let (line, col) = position_of(&text, "[[Bee#");
    let prefix = format!("content/me.md:{line}:{col}: error: ");
    assert_eq!(
        error_lines(&run),
        [format!(
            "{prefix}content/bee.md has no heading with the id \"stpes\""
        )],
        "{}",
        run.stderr
    );
    assert_eq!(help_after(&run, &prefix), "did you mean #steps?");
}

/// The second entry's text also occurs inside the first entry; the error must
/// still point at the second entry's own line.
#[test]
fn related_error_points_at_its_own_entry_when_an_earlier_entry_contains_its_text() {
    let site = TestSite::new();
    site.file("content/types/_index.md", &page("title: Types", ""));
    site.file("content/types/swedish.md", &page("title: Swedish", ""));
    let text = page(
        "title: First\nrelated:\n  - ../types/swedish.md\n  - swedish.md",
        "",
    );
    site.file("content/guides/first.md", &text);
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    assert_eq!(
        error_lines(&run),
        ["content/guides/first.md:5:5: error: no page at content/guides/swedish.md"],
        "{}",
        run.stderr
    );
}

// ---- prev / next / ancestors ----

fn ordered_section() -> TestSite {
    let site = TestSite::new();
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    site.file("content/guides/undated-b.md", &page("title: Beta", ""));
    site.file("content/guides/undated-a.md", &page("title: Alpha", ""));
    site.file(
        "content/guides/old.md",
        &page("title: Old\ndate: 2024-01-01", ""),
    );
    site.file(
        "content/guides/new.md",
        &page("title: New\ndate: 2024-06-01", ""),
    );
    site.file(
        "content/guides/heavy.md",
        &page("title: Heavy\nweight: 2", ""),
    );
    site.file(
        "content/guides/light.md",
        &page("title: Light\nweight: 1", ""),
    );
    site
}

#[test]
fn prev_and_next_follow_weight_then_date_then_title() {
    let site = ordered_section();
    site.build(&[]).assert_ok();
    let order = ["light", "heavy", "new", "old", "undated-a", "undated-b"];
    for (i, name) in order.iter().enumerate() {
        let html = site.output(&format!("guides/{name}/index.html"));
        let prev: Vec<String> = i
            .checked_sub(1)
            .map(|p| format!("/docs/guides/{}/", order[p]))
            .into_iter()
            .collect();
        let next: Vec<String> = order
            .get(i + 1)
            .map(|n| format!("/docs/guides/{n}/"))
            .into_iter()
            .collect();
        assert_eq!(values(&html, "prev="), prev, "{name}: {html}");
        assert_eq!(values(&html, "next="), next, "{name}: {html}");
    }
}

#[test]
fn prev_and_next_stay_within_the_parent_section() {
    let site = ordered_section();
    site.file(
        "content/guides/advanced/_index.md",
        &page("title: Advanced", ""),
    );
    site.file(
        "content/guides/advanced/only.md",
        &page("title: Only\nweight: 1", ""),
    );
    site.file("content/top.md", &page("title: Top", ""));
    site.build(&[]).assert_ok();
    let only = site.output("guides/advanced/only/index.html");
    assert_eq!(values(&only, "prev="), Vec::<&str>::new(), "{only}");
    assert_eq!(values(&only, "next="), Vec::<&str>::new(), "{only}");
    let top = site.output("top/index.html");
    assert_eq!(values(&top, "prev="), Vec::<&str>::new(), "{top}");
    assert_eq!(values(&top, "next="), Vec::<&str>::new(), "{top}");
}

#[test]
fn ancestors_run_from_the_home_page_down_to_the_parent_section() {
    let site = TestSite::new();
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    site.file(
        "content/guides/advanced/_index.md",
        &page("title: Advanced", ""),
    );
    site.file("content/guides/advanced/deep.md", &page("title: Deep", ""));
    site.file("content/top.md", &page("title: Top", ""));
    site.build(&[]).assert_ok();
    let deep = site.output("guides/advanced/deep/index.html");
    assert_eq!(
        values(&deep, "ancestor="),
        ["/docs/", "/docs/guides/", "/docs/guides/advanced/"],
        "{deep}"
    );
    let top = site.output("top/index.html");
    assert_eq!(values(&top, "ancestor="), ["/docs/"], "{top}");
}

// ---- taxonomies ----

#[test]
fn taxonomy_and_term_pages_are_written() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page("title: A\ntags: [Neck, Lower Back]", ""),
    );
    site.file("content/b.md", &page("title: B\ntags: [neck]", ""));
    site.build(&[]).assert_ok();
    assert_eq!(
        site.output("tags/index.html"),
        "taxonomy=tags url=/docs/tags/\n\
         term=Lower Back slug=lower-back url=/docs/tags/lower-back/ pages=1\n\
         term=Neck slug=neck url=/docs/tags/neck/ pages=2\n"
    );
    assert_eq!(
        site.output("tags/lower-back/index.html"),
        "term=Lower Back of=tags permalink=https://example.org/docs/tags/lower-back/\npage=/docs/a/\n"
    );
    assert!(site.output_exists("tags/neck/index.html"));
}

#[test]
fn taxonomy_with_an_underscore_lives_at_a_dashed_url() {
    let site = TestSite::new();
    with_taxonomies(&site, "[tags, body_areas]");
    site.file(
        "content/a.md",
        &page("title: A\nbody_areas: [Lower Back]\ntags: [x]", ""),
    );
    site.build(&[]).assert_ok();
    let taxonomy = site.output("body-areas/index.html");
    assert_eq!(
        taxonomy,
        "taxonomy=body_areas url=/docs/body-areas/\n\
         term=Lower Back slug=lower-back url=/docs/body-areas/lower-back/ pages=1\n"
    );
    let term = site.output("body-areas/lower-back/index.html");
    assert!(
        term.starts_with(
            "term=Lower Back of=body_areas permalink=https://example.org/docs/body-areas/lower-back/\n"
        ),
        "{term}"
    );
    assert!(!site.output_exists("body_areas/index.html"));
    let a = site.output("a/index.html");
    assert_eq!(
        values(&a, "term="),
        [
            "body_areas:Lower Back:/docs/body-areas/lower-back/",
            "tags:x:/docs/tags/x/"
        ],
        "{a}"
    );
}

#[test]
fn spellings_with_one_slug_are_one_term_named_by_the_majority() {
    let site = TestSite::new();
    site.file("content/a.md", &page("title: A\ntags: [lower back]", ""));
    site.file("content/b.md", &page("title: B\ntags: [Lower Back]", ""));
    site.file("content/c.md", &page("title: C\ntags: [lower-back]", ""));
    site.file("content/d.md", &page("title: D\ntags: [Lower Back]", ""));
    let run = site.build(&[]);
    run.assert_ok();
    assert_eq!(
        site.output("tags/index.html"),
        "taxonomy=tags url=/docs/tags/\n\
         term=Lower Back slug=lower-back url=/docs/tags/lower-back/ pages=4\n"
    );
    let term = site.output("tags/lower-back/index.html");
    assert_eq!(
        values(&term, "page="),
        ["/docs/a/", "/docs/b/", "/docs/c/", "/docs/d/"],
        "{term}"
    );
    assert_eq!(
        warning_lines(&run),
        [
            "content/a.md:3:1: warning: the tags term \"Lower Back\" is spelled 3 ways: \
             \"lower back\" (content/a.md), \"Lower Back\" (content/b.md, content/d.md), \
             \"lower-back\" (content/c.md)"
        ],
        "{}",
        run.stderr
    );
    assert_eq!(
        help_after(&run, "content/a.md:3:1: warning:"),
        "they are one term, shown as \"Lower Back\"; write it the same way everywhere"
    );
}

#[test]
fn spelling_tie_goes_to_the_first_file_in_path_order() {
    let site = TestSite::new();
    // Written first, but last in path order.
    site.file("content/z.md", &page("title: Z\ntags: [Lower Back]", ""));
    site.file(
        "content/guides/a.md",
        &page("title: A\ntags: [lower back]", ""),
    );
    let run = site.build(&[]);
    run.assert_ok();
    let tags = site.output("tags/index.html");
    assert_eq!(
        values(&tags, "term="),
        ["lower back slug=lower-back url=/docs/tags/lower-back/ pages=2"],
        "{tags}"
    );
    assert_eq!(
        warning_lines(&run),
        [
            "content/z.md:3:1: warning: the tags term \"lower back\" is spelled 2 ways: \
          \"lower back\" (content/guides/a.md), \"Lower Back\" (content/z.md)"
        ],
        "{}",
        run.stderr
    );
}

#[test]
fn one_page_using_two_spellings_is_listed_once() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page("title: A\ntags: [Neck, neck, NECK]", ""),
    );
    site.build(&[]).assert_ok();
    let term = site.output("tags/neck/index.html");
    assert_eq!(values(&term, "page="), ["/docs/a/"], "{term}");
    let a = site.output("a/index.html");
    assert_eq!(values(&a, "term="), ["tags:Neck:/docs/tags/neck/"], "{a}");
}

#[test]
fn terms_are_sorted_by_name_ignoring_case() {
    let site = TestSite::new();
    site.file(
        "content/a.md",
        &page("title: A\ntags: [banana, Cherry, apricot, Apple, date]", ""),
    );
    site.build(&[]).assert_ok();
    let tags = site.output("tags/index.html");
    let names: Vec<&str> = values(&tags, "term=")
        .into_iter()
        .map(|l| l.split(" slug=").next().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        ["Apple", "apricot", "banana", "Cherry", "date"],
        "{tags}"
    );
}

#[test]
fn term_pages_list_newest_first_then_title() {
    let site = TestSite::new();
    site.file("content/undated-b.md", &page("title: Beta\ntags: [x]", ""));
    site.file("content/undated-a.md", &page("title: Alpha\ntags: [x]", ""));
    site.file(
        "content/old.md",
        &page("title: Old\ndate: 2023-01-01\ntags: [x]", ""),
    );
    site.file(
        "content/new-z.md",
        &page("title: Zulu\ndate: 2024-06-01\ntags: [x]", ""),
    );
    site.file(
        "content/new-a.md",
        &page("title: Able\ndate: 2024-06-01\ntags: [x]", ""),
    );
    site.build(&[]).assert_ok();
    let term = site.output("tags/x/index.html");
    assert_eq!(
        values(&term, "page="),
        [
            "/docs/new-a/",
            "/docs/new-z/",
            "/docs/old/",
            "/docs/undated-a/",
            "/docs/undated-b/"
        ],
        "{term}"
    );
}

#[test]
fn page_taxonomies_give_folded_names_and_urls_in_front_matter_order() {
    let site = TestSite::new();
    site.file("content/a.md", &page("title: A\ntags: [Lower Back]", ""));
    site.file("content/b.md", &page("title: B\ntags: [Lower Back]", ""));
    site.file(
        "content/c.md",
        &page("title: C\ntags: [neck, lower back, Arms]", ""),
    );
    site.build(&[]).assert_ok();
    let c = site.output("c/index.html");
    assert_eq!(
        values(&c, "term="),
        [
            "tags:neck:/docs/tags/neck/",
            "tags:Lower Back:/docs/tags/lower-back/",
            "tags:Arms:/docs/tags/arms/"
        ],
        "{c}"
    );
}

#[test]
fn site_taxonomies_reach_templates() {
    let site = TestSite::new();
    with_taxonomies(&site, "[tags, body_areas]");
    site.file(
        "templates/index.html",
        "{% for name, terms in site.taxonomies %}{% for t in terms %}tax={{ name }}:{{ t.name }}:{{ t.url }}:{{ t.pages | length }}\n{% endfor %}{% endfor %}",
    );
    site.file(
        "content/a.md",
        &page("title: A\ntags: [Neck]\nbody_areas: [Lower Back]", ""),
    );
    site.file("content/b.md", &page("title: B\ntags: [neck, arms]", ""));
    site.build(&[]).assert_ok();
    let home = site.output("index.html");
    assert_eq!(
        values(&home, "tax="),
        [
            "tags:arms:/docs/tags/arms/:1",
            "tags:Neck:/docs/tags/neck/:2",
            "body_areas:Lower Back:/docs/body-areas/lower-back/:1"
        ],
        "{home}"
    );
}

#[test]
fn term_without_letters_or_digits_is_an_error_at_the_key() {
    let site = TestSite::new();
    let text = page("title: A\ndescription: d\ntags: [ok, \"!!!\"]", "");
    site.file("content/a.md", &text);
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    assert_eq!(
        error_lines(&run),
        [
            "content/a.md:4:1: error: the tags term \"!!!\" has no letters or digits to make a URL from"
        ],
        "{}",
        run.stderr
    );
}

// ---- aliases ----

fn aliased_site(aliases: &str) -> (TestSite, String) {
    let site = TestSite::new();
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    site.file("content/guides/other.md", &page("title: Other", ""));
    site.file("content/types/_index.md", &page("title: Types", ""));
    let text = page(
        &format!("title: Swedish & Co\naliases:\n{aliases}"),
        "Body.\n",
    );
    site.file("content/types/swedish.md", &text);
    (site, text)
}

#[test]
fn alias_writes_a_redirect_page() {
    let (site, _) = aliased_site("  - /old/swedish/\n  - old/plain");
    site.build(&[]).assert_ok();
    let redirect = site.output("old/swedish/index.html");
    for needle in [
        "<meta http-equiv=\"refresh\" content=\"0; url=/docs/types/swedish/\">",
        "<link rel=\"canonical\" href=\"https://example.org/docs/types/swedish/\">",
        "<a href=\"/docs/types/swedish/\">Swedish &amp; Co</a>",
    ] {
        assert!(redirect.contains(needle), "{needle:?} missing:\n{redirect}");
    }
    assert_eq!(site.output("old/plain/index.html"), redirect);
}

#[test]
fn html_alias_writes_that_file() {
    let (site, _) = aliased_site("  - /old.html");
    site.build(&[]).assert_ok();
    let redirect = site.output("old.html");
    assert!(
        redirect.contains("content=\"0; url=/docs/types/swedish/\""),
        "{redirect}"
    );
    assert!(!site.output_exists("old.html/index.html"));
}

#[test]
fn alias_equal_to_a_section_url_is_an_error_naming_the_section_file() {
    let (site, text) = aliased_site("  - /guides/\n  - /Guides/");
    let run = site.build(&[]);
    assert_failed_with(&run, 2);
    let expected: Vec<String> = [("/guides/", "/guides/"), ("/Guides/", "/Guides/")]
        .iter()
        .map(|(needle, shown)| {
            let (line, col) = position_of(&text, needle);
            format!(
                "content/types/swedish.md:{line}:{col}: error: alias {shown} is the URL of content/guides/_index.md"
            )
        })
        .collect();
    assert_eq!(error_lines(&run), expected, "{}", run.stderr);
}

#[test]
fn alias_equal_to_another_pages_url_is_an_error() {
    let (site, text) = aliased_site("  - /guides/other");
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    let (line, col) = position_of(&text, "/guides/other");
    let prefix = format!("content/types/swedish.md:{line}:{col}: error: ");
    assert_eq!(
        error_lines(&run),
        [format!(
            "{prefix}alias /guides/other/ is the URL of content/guides/other.md"
        )],
        "{}",
        run.stderr
    );
    assert_eq!(
        help_after(&run, &prefix),
        "remove the alias; a redirect there would replace that page"
    );
}

#[test]
fn alias_claimed_by_two_pages_is_an_error_naming_the_other_file() {
    let (site, text) = aliased_site("  - /old/");
    site.file(
        "content/guides/other.md",
        &page("title: Other\naliases: [/OLD/]", ""),
    );
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    // guides/other.md comes first in path order, so it keeps the alias.
    let (line, col) = position_of(&text, "/old/");
    let prefix = format!("content/types/swedish.md:{line}:{col}: error: ");
    assert_eq!(
        error_lines(&run),
        [format!(
            "{prefix}alias /old/ is also an alias of content/guides/other.md"
        )],
        "{}",
        run.stderr
    );
    assert_eq!(help_after(&run, &prefix), "keep the alias on one page only");
}

#[test]
fn alias_that_is_not_a_site_path_is_an_error() {
    let (site, text) = aliased_site("  - https://x.org/a/\n  - /a/../b/");
    let run = site.build(&[]);
    assert_failed_with(&run, 2);
    let expected: Vec<String> = ["https://x.org/a/", "/a/../b/"]
        .iter()
        .map(|alias| {
            let (line, col) = position_of(&text, alias);
            format!(
                "content/types/swedish.md:{line}:{col}: error: alias \"{alias}\" is not a path on this site"
            )
        })
        .collect();
    assert_eq!(error_lines(&run), expected, "{}", run.stderr);
}

#[test]
fn alias_error_points_at_its_own_entry_when_an_earlier_alias_contains_its_text() {
    let site = TestSite::new();
    site.file("content/a.md", &page("title: A", ""));
    site.file(
        "content/b.md",
        &page("title: B\naliases:\n  - /old/a/\n  - /a/", ""),
    );
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    assert_eq!(
        error_lines(&run),
        ["content/b.md:5:5: error: alias /a/ is the URL of content/a.md"],
        "{}",
        run.stderr
    );
}

#[test]
fn alias_onto_a_taxonomy_page_is_an_error() {
    let site = TestSite::new();
    site.file(
        "content/b.md",
        &page("title: B\ntags: [Neck]\naliases: [/tags/neck/]", ""),
    );
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    assert_eq!(
        error_lines(&run),
        ["content/b.md:4:11: error: alias /tags/neck/ is the URL of the tags term page \"Neck\""],
        "{}",
        run.stderr
    );
}

#[test]
fn alias_repeated_on_one_page_writes_one_redirect() {
    let site = TestSite::new();
    site.file(
        "content/b.md",
        &page("title: B\naliases: [/old/b/, /Old/B/]", ""),
    );
    site.build(&[]).assert_ok();
    assert!(site.output("old/b/index.html").contains("url=/docs/b/"));
}

// ---- URL collisions ----

#[test]
fn slug_onto_another_pages_url_is_an_error_naming_both_files() {
    let site = TestSite::new();
    site.file("content/a.md", &page("title: A\nslug: b", ""));
    site.file("content/b.md", &page("title: B", ""));
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    assert_eq!(
        error_lines(&run),
        ["content/b.md: error: writes output file b/index.html, which content/a.md writes too"],
        "{}",
        run.stderr
    );
}

/// Regression: collisions were found only while rendering, which a build that
/// already had errors skipped, so they surfaced one failed build later.
#[test]
fn url_collision_is_reported_beside_other_errors() {
    let site = TestSite::new();
    site.file("content/a.md", &page("title: A\nslug: b", "[[nowhere]]"));
    site.file("content/b.md", &page("title: B", ""));
    let run = site.build(&[]);
    assert_failed_with(&run, 2);
    let errors = error_lines(&run);
    assert!(
        errors[0].starts_with("content/a.md:5:1: error: no page has the title or slug"),
        "{}",
        run.stderr
    );
    assert_eq!(
        errors[1],
        "content/b.md: error: writes output file b/index.html, which content/a.md writes too"
    );
}

#[test]
fn page_on_a_taxonomy_url_collides_even_when_other_errors_stop_rendering() {
    let site = TestSite::new();
    site.file(
        "content/tags.md",
        &page("title: Tags\ntags: [x]", "[[nowhere]]"),
    );
    let run = site.build(&[]);
    assert_failed_with(&run, 2);
    assert!(
        run.stderr.contains(
            "error: writes output file tags/index.html, which content/tags.md writes too"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn assets_differing_only_in_case_collide() {
    let site = TestSite::new();
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    site.file("content/guides/Photo.png", "upper");
    site.file("content/guides/photo.png", "lower");
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    let errors = error_lines(&run);
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(
        errors[0].contains("differs only in letter case"),
        "{}",
        run.stderr
    );
    assert!(
        errors[0].contains("content/guides/Photo.png")
            && errors[0].contains("content/guides/photo.png"),
        "both files must be named: {}",
        run.stderr
    );
}

#[test]
fn static_file_differing_only_in_case_from_a_page_collides() {
    let site = TestSite::new();
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    site.file("static/Guides/index.html", "static");
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    assert_eq!(
        error_lines(&run),
        [
            "static/Guides/index.html: error: writes output file Guides/index.html, \
          which differs only in letter case from guides/index.html written by \
          content/guides/_index.md; case-insensitive hosts would keep only one of them"
        ],
        "{}",
        run.stderr
    );
}

/// A file and a folder at one output path cannot both exist; like two files
/// at one path, it must be reported before writing, naming both sources.
#[test]
fn output_file_that_is_another_outputs_folder_is_a_collision() {
    let site = TestSite::new();
    site.file("static/about", "plain file");
    site.file("content/about.md", &page("title: About", ""));
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    let errors = error_lines(&run);
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(
        errors[0].contains("static/about") && errors[0].contains("content/about.md"),
        "both sources must be named: {}",
        run.stderr
    );
    assert!(!run.stderr.contains(".knead-new"), "{}", run.stderr);
}

#[test]
fn alias_folder_over_a_static_file_is_a_collision() {
    let site = TestSite::new();
    site.file("content/b.md", &page("title: B\naliases: [/css/s.css]", ""));
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    assert_eq!(
        error_lines(&run),
        [
            "themes/t/static/css/s.css: error: writes output file css/s.css, but css/s.css/index.html written by content/b.md needs css/s.css to be a folder"
        ],
        "{}",
        run.stderr
    );
}

#[test]
fn asset_without_extension_beside_its_page_is_a_collision() {
    let site = TestSite::new();
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    site.file("content/guides/b.md", &page("title: B", ""));
    site.file("content/guides/b", "no extension");
    let run = site.build(&[]);
    assert_failed_with(&run, 1);
    let errors = error_lines(&run);
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(
        errors[0].contains("content/guides/b") && errors[0].contains("to be a folder"),
        "{}",
        run.stderr
    );
}

// ---- determinism ----

#[test]
fn graph_pages_are_byte_identical_across_builds() {
    let site = TestSite::new();
    with_taxonomies(&site, "[tags, body_areas]");
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    for (name, tags, date) in [
        ("a", "[Neck, Back]", "2024-01-01"),
        ("b", "[neck, arms]", "2024-01-01"),
        ("c", "[back, Arms, feet]", "2023-05-01"),
        ("d", "[Feet]", "2024-01-01"),
        ("e", "[neck, back, arms]", "2024-01-01"),
    ] {
        site.file(
            &format!("content/guides/{name}.md"),
            &page(
                &format!(
                    "title: Page {name}\ndate: {date}\ntags: {tags}\nbody_areas: [Lower Back]\naliases: [/old/{name}/]"
                ),
                "[[Page a]] [b](b.md) [c](@/guides/c.md)\n",
            ),
        );
    }
    site.file(
        "content/guides/f.md",
        &page(
            "title: F\nrelated: [\"[[Page e]]\", d.md]\ntags: [neck]",
            "",
        ),
    );
    site.build(&[]).assert_ok();
    let first = site.snapshot("output");
    site.build(&[]).assert_ok();
    let second = site.snapshot("output");
    assert!(first.len() > 15, "{} files", first.len());
    assert_eq!(first, second);
    let f = site.output("guides/f/index.html");
    assert_eq!(
        values(&f, "related="),
        [
            "/docs/guides/e/",
            "/docs/guides/d/",
            "/docs/guides/a/",
            "/docs/guides/b/"
        ],
        "{f}"
    );
    let c = site.output("guides/c/index.html");
    assert_eq!(
        values(&c, "backlink="),
        [
            "/docs/guides/a/",
            "/docs/guides/b/",
            "/docs/guides/d/",
            "/docs/guides/e/"
        ],
        "{c}"
    );
}
