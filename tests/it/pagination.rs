//! Pagination of section and term pages: `paginate_by` in a section's
//! front matter or (for every section and term page) in site.yaml, pager
//! URLs as in Zola (`/list/page/2/`, `/list/page/1/` redirecting to
//! `/list/`), the `paginator` value, sitemap entries, links and
//! `get_url`, collisions, bad values, and dough's pager.

use crate::harness::{SITE_YAML, TestSite, error_lines, page, position_of};

/// docs/ with five pages (weights 1–5) and three per pager; templates that
/// print every `paginator` field.
fn paginated_site() -> TestSite {
    let site = TestSite::new();
    site.file(
        "templates/section.html",
        "section={{ section.title }}\n{% if paginator is defined %}\
         index={{ paginator.current_index }}/{{ paginator.number_pagers }}\n\
         by={{ paginator.paginate_by }} total={{ paginator.total_pages }}\n\
         base={{ paginator.base_url }}\npermalink={{ paginator.permalink }}\n\
         first={{ paginator.first }} last={{ paginator.last }}\n\
         previous={{ paginator.previous }} next={{ paginator.next }}\n\
         {% for p in paginator.pages %}page={{ p.title }}\n{% endfor %}\
         {% for p in paginator.pagers %}pager={{ p.number }}:{{ p.url }}\n{% endfor %}\
         {% else %}unpaginated\n{% endif %}",
    );
    site.file(
        "templates/term.html",
        "term={{ term.name }}\n{% if paginator is defined %}index={{ paginator.current_index }}/{{ paginator.number_pagers }}\n\
         {% for p in paginator.pages %}page={{ p.title }}\n{% endfor %}{% endif %}",
    );
    site.file("templates/taxonomy.html", "taxonomy\n");
    site.file(
        "content/docs/_index.md",
        &page("title: Docs\npaginate_by: 3", "All docs."),
    );
    for i in 1..=5 {
        site.file(
            &format!("content/docs/p{i}.md"),
            &page(&format!("title: P{i}\nweight: {i}\ntags: [x]"), "Text.\n"),
        );
    }
    site
}

#[test]
fn a_paginated_section_has_one_file_per_pager_with_its_slice() {
    let site = paginated_site();
    site.build(&[]).assert_ok();
    let first = site.output("docs/index.html");
    assert!(first.contains("index=1/2\n"), "{first}");
    assert!(first.contains("by=3 total=5\n"), "{first}");
    assert!(first.contains("base=/docs/docs/page/\n"), "{first}");
    assert!(
        first.contains("permalink=https://example.org/docs/docs/\n"),
        "{first}"
    );
    assert!(
        first.contains("first=/docs/docs/ last=/docs/docs/page/2/\n"),
        "{first}"
    );
    assert!(
        first.contains("previous= next=/docs/docs/page/2/\n"),
        "{first}"
    );
    assert!(
        first.contains("page=P1\npage=P2\npage=P3\npager="),
        "{first}"
    );
    assert!(
        first.contains("pager=1:/docs/docs/\npager=2:/docs/docs/page/2/\n"),
        "{first}"
    );

    let second = site.output("docs/page/2/index.html");
    assert!(second.contains("index=2/2\n"), "{second}");
    assert!(
        second.contains("permalink=https://example.org/docs/docs/page/2/\n"),
        "{second}"
    );
    assert!(second.contains("previous=/docs/docs/ next=\n"), "{second}");
    assert!(second.contains("page=P4\npage=P5\npager="), "{second}");
    assert!(!site.output_exists("docs/page/3/index.html"));

    // page/1/ sends readers and search engines to the list itself.
    let redirect = site.output("docs/page/1/index.html");
    assert!(
        redirect.contains("<meta http-equiv=\"refresh\" content=\"0; url=/docs/docs/\">"),
        "{redirect}"
    );
    assert!(
        redirect.contains("<link rel=\"canonical\" href=\"https://example.org/docs/docs/\">"),
        "{redirect}"
    );

    // Pager 2 is in the sitemap; the redirect is not.
    let sitemap = site.output("sitemap.xml");
    assert!(sitemap.contains("<loc>https://example.org/docs/docs/page/2/</loc>"));
    assert!(!sitemap.contains("page/1/"));

    // Term pages and the home page are not paginated without site.yaml's default.
    assert!(!site.output("tags/x/index.html").contains("index="));
    assert!(!site.output_exists("tags/x/page/1/index.html"));
    assert!(!site.output_exists("page/1/index.html"));
}

#[test]
fn site_wide_paginate_by_applies_to_sections_and_term_pages() {
    let site = paginated_site();
    site.file("site.yaml", &format!("{SITE_YAML}paginate_by: 2\n"));
    site.build(&[]).assert_ok();
    // The section's own value wins over the default.
    assert!(site.output("docs/index.html").contains("index=1/2\n"));
    let term = site.output("tags/x/page/3/index.html");
    assert!(term.contains("index=3/3\npage=P5\n"), "{term}");
    assert!(site.output_exists("tags/x/page/1/index.html"));
    assert!(
        site.output("sitemap.xml")
            .contains("<loc>https://example.org/docs/tags/x/page/3/</loc>")
    );
}

#[test]
fn links_and_get_url_reach_pagers() {
    let site = paginated_site();
    site.file(
        "content/about.md",
        &page(
            "title: About",
            "See [more docs](/docs/page/2/) and [the first](/docs/page/1/).\n",
        ),
    );
    site.file(
        "templates/page.html",
        "{{ page.content | safe }}\nurl={{ get_url(path='docs/page/2/') }}\n",
    );
    site.build(&[]).assert_ok();
    let about = site.output("about/index.html");
    assert!(about.contains("href=\"/docs/docs/page/2/\""), "{about}");
    assert!(about.contains("url=/docs/docs/page/2/"), "{about}");

    site.file(
        "content/about.md",
        &page("title: About", "See [too far](/docs/page/3/).\n"),
    );
    let run = site.build(&[]);
    run.assert_code(1);
    assert!(run.stderr.contains("/docs/page/3/"), "{}", run.stderr);
}

#[test]
fn pager_paths_collide_like_any_other_output_file() {
    let site = paginated_site();
    site.file("static/docs/page/2/index.html", "mine\n");
    let run = site.build(&[]);
    run.assert_code(1);
    assert!(
        run.stderr.contains(
            "writes output file docs/page/2/index.html, which content/docs/_index.md writes too"
        ),
        "{}",
        run.stderr
    );

    let site = paginated_site();
    site.file(
        "content/old.md",
        &page("title: Old\naliases: [/docs/page/2/]", "Moved.\n"),
    );
    let run = site.build(&[]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("alias /docs/page/2/ is the URL of a pager of the list /docs/"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_paginate_by_is_reported_where_it_is_written() {
    for value in ["0", "-1", "many", "2.5"] {
        let site = paginated_site();
        let text = page(&format!("title: Docs\npaginate_by: {value}"), "All docs.");
        site.file("content/docs/_index.md", &text);
        let run = site.build(&[]);
        run.assert_code(1);
        let (line, col) = position_of(&text, value);
        let expected = format!("content/docs/_index.md:{line}:{col}: error: `paginate_by` must be");
        assert!(
            error_lines(&run).iter().any(|l| l.starts_with(&expected)),
            "{value}: {}",
            run.stderr
        );
    }

    let site = paginated_site();
    site.file("site.yaml", &format!("{SITE_YAML}paginate_by: 0\n"));
    let run = site.build(&[]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("site.yaml:5:14: error: `paginate_by` must be at least 1, found 0"),
        "{}",
        run.stderr
    );

    let site = paginated_site();
    let text = page("title: P1\npaginate_by: 2", "Text.\n");
    site.file("content/docs/p1.md", &text);
    let run = site.build(&[]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("content/docs/p1.md:3:1: error: `paginate_by` applies to sections only"),
        "{}",
        run.stderr
    );
}

#[test]
fn dough_shows_a_pager_and_rel_links() {
    let site = TestSite::bundled();
    let yaml = std::fs::read_to_string(site.path("site.yaml")).expect("site.yaml");
    site.file("site.yaml", &format!("{yaml}paginate_by: 2\n"));
    site.build(&[]).assert_ok();
    let second = site.output("techniques/page/2/index.html");
    assert!(
        second.contains("<link rel=\"prev\" href=\"/massage/techniques/\">"),
        "{second}"
    );
    assert!(
        second.contains("<link rel=\"next\" href=\"/massage/techniques/page/3/\">"),
        "{second}"
    );
    assert!(second.contains("<nav class=\"list-pager\" aria-label=\"Pages of this list\">"));
    assert!(
        second.contains(
            "<li><a href=\"/massage/techniques/page/2/\" aria-current=\"page\">2</a></li>"
        )
    );
    assert!(second.contains("<title>Techniques · Page 2 · "), "{second}");
    assert!(second.contains(
        "<link rel=\"canonical\" href=\"https://example.org/massage/techniques/page/2/\">"
    ));
    // Two cards: the slice, not the whole section.
    assert_eq!(second.matches("<li class=\"card\">").count(), 2, "{second}");
}
