//! Publishing outputs: sitemap.xml, atom.xml, robots.txt and 404.html, read
//! back with a real XML parser, for a site under a sub-path of its host.

use roxmltree::{Document, Node};

use crate::harness::{TestSite, page};

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const BASE: &str = "https://example.org/docs/";

const SITE_YAML: &str = "title: Notes & <Tests>\nbase_url: https://example.org/docs/\n\
    description: Everything we test\ntheme: t\ntaxonomies: [tags]\nfeed: true\n";

/// A section with a date, pages with `date`, `updated`, both or neither,
/// a term, an alias and a 404 template.
fn dated_site() -> TestSite {
    let site = TestSite::new();
    site.file("site.yaml", SITE_YAML);
    site.file("themes/t/templates/404.html", "<html>not found</html>\n");
    site.file(
        "content/guides/_index.md",
        &page("title: Guides\ndate: 2024-01-01", ""),
    );
    site.file(
        "content/guides/a.md",
        &page(
            "title: A & <b>\ndescription: About \"A\" & more\ndate: 2024-03-01\n\
             updated: 2024-04-01T10:30:00+02:00\ntags: [x]\naliases: [/old/a/]",
            "Read [[guides/b]], then the [steps](#steps).\n\n## Steps\n\nOne & two.\n",
        ),
    );
    site.file(
        "content/guides/b.md",
        &page("title: B\ndate: 2024-02-01", "B has *emphasis*.\n"),
    );
    site.file(
        "content/guides/undated.md",
        &page("title: Undated", "No date here.\n"),
    );
    site
}

#[track_caller]
fn parse(text: &str) -> Document<'_> {
    Document::parse(text).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{text}"))
}

fn children<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Vec<Node<'a, 'i>> {
    node.children()
        .filter(|n| n.has_tag_name((ns, name)))
        .collect()
}

#[track_caller]
fn text_of<'a>(node: Node<'a, '_>, ns: &str, name: &str) -> &'a str {
    let found = children(node, ns, name);
    assert_eq!(found.len(), 1, "one <{name}> in {:?}", node.tag_name());
    found[0].text().unwrap_or("")
}

fn optional_text<'a>(node: Node<'a, '_>, ns: &str, name: &str) -> Option<&'a str> {
    children(node, ns, name)
        .first()
        .map(|n| n.text().unwrap_or(""))
}

/// (loc, lastmod) of every `<url>`, in file order.
fn sitemap_urls(xml: &str) -> Vec<(String, Option<String>)> {
    let doc = parse(xml);
    let root = doc.root_element();
    assert!(root.has_tag_name((SITEMAP_NS, "urlset")), "{xml}");
    children(root, SITEMAP_NS, "url")
        .into_iter()
        .map(|url| {
            (
                text_of(url, SITEMAP_NS, "loc").to_string(),
                optional_text(url, SITEMAP_NS, "lastmod").map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn sitemap_lists_every_page_section_taxonomy_and_term_with_lastmod() {
    let site = dated_site();
    site.build(&[]).assert_ok();
    let urls = sitemap_urls(&site.output("sitemap.xml"));
    let expected = [
        ("", None),
        ("guides/", Some("2024-01-01")),
        ("guides/a/", Some("2024-04-01T08:30:00Z")),
        ("guides/b/", Some("2024-02-01")),
        ("guides/undated/", None),
        ("tags/", None),
        ("tags/x/", None),
    ];
    let expected: Vec<(String, Option<String>)> = expected
        .iter()
        .map(|(path, lastmod)| (format!("{BASE}{path}"), lastmod.map(str::to_string)))
        .collect();
    // No alias redirect (/old/a/), no 404 page; sorted by URL.
    assert_eq!(urls, expected);
}

#[test]
fn feed_has_the_required_atom_elements_with_absolute_urls() {
    let site = dated_site();
    site.build(&[]).assert_ok();
    let xml = site.output("atom.xml");
    let doc = parse(&xml);
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM_NS, "feed")), "{xml}");
    assert_eq!(text_of(feed, ATOM_NS, "title"), "Notes & <Tests>");
    assert_eq!(text_of(feed, ATOM_NS, "subtitle"), "Everything we test");
    assert_eq!(text_of(feed, ATOM_NS, "id"), BASE);
    // The newest change among the entries: A's `updated`, not the build time.
    assert_eq!(text_of(feed, ATOM_NS, "updated"), "2024-04-01T08:30:00Z");
    let author = children(feed, ATOM_NS, "author");
    assert_eq!(text_of(author[0], ATOM_NS, "name"), "Notes & <Tests>");
    let links: Vec<(Option<&str>, Option<&str>)> = children(feed, ATOM_NS, "link")
        .iter()
        .map(|l| (l.attribute("rel"), l.attribute("href")))
        .collect();
    assert_eq!(
        links,
        [
            (Some("self"), Some("https://example.org/docs/atom.xml")),
            (Some("alternate"), Some(BASE)),
        ]
    );

    // Pages only (not the dated section Guides), only dated ones, newest first.
    let entries = children(feed, ATOM_NS, "entry");
    let titles: Vec<&str> = entries
        .iter()
        .map(|e| text_of(*e, ATOM_NS, "title"))
        .collect();
    assert_eq!(titles, ["A & <b>", "B"]);

    let a = entries[0];
    let permalink = "https://example.org/docs/guides/a/";
    assert_eq!(text_of(a, ATOM_NS, "id"), permalink);
    let link = children(a, ATOM_NS, "link")[0];
    assert_eq!(link.attribute("href"), Some(permalink));
    assert_eq!(link.attribute("rel"), Some("alternate"));
    assert_eq!(text_of(a, ATOM_NS, "published"), "2024-03-01T00:00:00Z");
    assert_eq!(text_of(a, ATOM_NS, "updated"), "2024-04-01T08:30:00Z");
    assert_eq!(text_of(a, ATOM_NS, "summary"), "About \"A\" & more");

    let b = entries[1];
    assert_eq!(text_of(b, ATOM_NS, "published"), "2024-02-01T00:00:00Z");
    assert_eq!(text_of(b, ATOM_NS, "updated"), "2024-02-01T00:00:00Z");
    assert_eq!(
        optional_text(b, ATOM_NS, "summary"),
        None,
        "B has no description"
    );
    let content = children(b, ATOM_NS, "content")[0];
    assert_eq!(content.attribute("type"), Some("html"));
    assert_eq!(
        content.text(),
        Some("<p>B has <em>emphasis</em>.</p>\n"),
        "the page's HTML, escaped once"
    );
}

/// What a feed reader makes of `href` in an entry's content: resolved
/// against the content's xml:base (root-relative and fragment-only here).
fn resolve(base: &str, href: &str) -> String {
    let origin_end = base["https://".len()..]
        .find('/')
        .map_or(base.len(), |i| i + "https://".len());
    match href.chars().next() {
        Some('/') => format!("{}{href}", &base[..origin_end]),
        Some('#') => format!("{base}{href}"),
        _ => href.to_string(),
    }
}

#[test]
fn feed_content_links_resolve_against_xml_base() {
    let site = dated_site();
    site.build(&[]).assert_ok();
    let xml = site.output("atom.xml");
    let doc = parse(&xml);
    let entry = children(doc.root_element(), ATOM_NS, "entry")[0];
    let content = children(entry, ATOM_NS, "content")[0];
    let base = content
        .attribute((XML_NS, "base"))
        .expect("content has xml:base");
    assert_eq!(base, "https://example.org/docs/guides/a/");
    let html = content.text().unwrap_or("");
    assert!(html.contains("<a href=\"/docs/guides/b/\">B</a>"), "{html}");
    assert!(html.contains("<a href=\"#steps\">steps</a>"), "{html}");
    assert!(html.contains("One &amp; two."), "{html}");
    assert_eq!(
        resolve(base, "/docs/guides/b/"),
        "https://example.org/docs/guides/b/"
    );
    assert_eq!(
        resolve(base, "#steps"),
        "https://example.org/docs/guides/a/#steps"
    );
}

#[test]
fn feed_holds_the_20_newest_dated_pages_newest_first() {
    let site = TestSite::new();
    site.file("site.yaml", SITE_YAML);
    for day in 1..=25 {
        site.file(
            &format!("content/posts/p{day:02}.md"),
            &page(
                &format!("title: Post {day:02}\ndate: 2024-01-{day:02}"),
                "Text.\n",
            ),
        );
    }
    // Equal dates: by title.
    for title in ["Zeta", "Alpha"] {
        site.file(
            &format!("content/posts/{}.md", title.to_lowercase()),
            &page(&format!("title: {title}\ndate: 2024-02-01"), "Text.\n"),
        );
    }
    site.file(
        "content/posts/undated.md",
        &page("title: Undated", "Text.\n"),
    );
    site.build(&[]).assert_ok();
    let xml = site.output("atom.xml");
    let doc = parse(&xml);
    let feed = doc.root_element();
    let entries = children(feed, ATOM_NS, "entry");
    let titles: Vec<&str> = entries
        .iter()
        .map(|e| text_of(*e, ATOM_NS, "title"))
        .collect();
    let mut expected = vec!["Alpha".to_string(), "Zeta".to_string()];
    expected.extend((8..=25).rev().map(|day| format!("Post {day:02}")));
    assert_eq!(titles, expected);
    assert_eq!(text_of(feed, ATOM_NS, "updated"), "2024-02-01T00:00:00Z");
    for entry in &entries {
        assert_eq!(children(*entry, ATOM_NS, "content").len(), 1);
    }
}

#[test]
fn feed_without_dated_pages_is_empty_and_dated_at_the_epoch() {
    let site = TestSite::new();
    site.file("site.yaml", SITE_YAML);
    site.build(&[]).assert_ok();
    let xml = site.output("atom.xml");
    let doc = parse(&xml);
    let feed = doc.root_element();
    assert!(children(feed, ATOM_NS, "entry").is_empty());
    assert_eq!(text_of(feed, ATOM_NS, "updated"), "1970-01-01T00:00:00Z");
}

#[test]
fn no_feed_when_site_yaml_does_not_turn_it_on() {
    let site = dated_site();
    site.file("site.yaml", &SITE_YAML.replace("feed: true\n", ""));
    site.build(&[]).assert_ok();
    assert!(!site.output_exists("atom.xml"));
    assert!(site.output_exists("sitemap.xml"));
    assert!(site.output_exists("robots.txt"));
}

#[test]
fn robots_txt_allows_everything_and_names_the_sitemap() {
    let site = dated_site();
    site.build(&[]).assert_ok();
    assert_eq!(
        site.output("robots.txt"),
        "User-agent: *\nDisallow:\n\nSitemap: https://example.org/docs/sitemap.xml\n"
    );
}

#[test]
fn not_found_page_is_written_from_the_theme() {
    let site = dated_site();
    site.build(&[]).assert_ok();
    assert_eq!(site.output("404.html"), "<html>not found</html>\n");
}

#[test]
fn base_url_flag_moves_every_published_url() {
    let site = dated_site();
    let preview = "https://preview.example.net/pr-7/";
    site.build(&["--base-url", preview]).assert_ok();
    let urls = sitemap_urls(&site.output("sitemap.xml"));
    assert_eq!(urls.len(), 7);
    for (loc, _) in &urls {
        assert!(loc.starts_with(preview), "{loc}");
    }
    let xml = site.output("atom.xml");
    let doc = parse(&xml);
    let feed = doc.root_element();
    assert_eq!(text_of(feed, ATOM_NS, "id"), preview);
    let mut urls: Vec<&str> = Vec::new();
    for node in feed.descendants().filter(|n| n.is_element()) {
        urls.extend(node.attribute("href"));
        urls.extend(node.attribute((XML_NS, "base")));
        if node.has_tag_name((ATOM_NS, "id")) {
            urls.extend(node.text());
        }
    }
    assert_eq!(urls.len(), 1 + 2 + 2 * 3, "{urls:?}");
    for url in urls {
        assert!(url.starts_with(preview), "{url}");
    }
    let content = feed
        .descendants()
        .find(|n| n.has_tag_name((ATOM_NS, "content")))
        .and_then(|n| n.text())
        .unwrap_or("");
    assert!(content.contains("href=\"/pr-7/guides/b/\""), "{content}");
    assert!(
        site.output("robots.txt")
            .contains("Sitemap: https://preview.example.net/pr-7/sitemap.xml\n")
    );
}

#[test]
fn files_named_like_published_files_are_errors_naming_both() {
    let site = dated_site();
    site.file("static/sitemap.xml", "<urlset/>\n");
    site.file("content/atom.xml", "<feed/>\n");
    site.build(&[])
        .assert_code(1)
        .assert_stderr_has(
            "static/sitemap.xml: error: writes output file sitemap.xml, which knead writes too",
        )
        .assert_stderr_has(
            "content/atom.xml: error: writes output file atom.xml, \
             which knead (feed: true in site.yaml) writes too",
        );
}

#[test]
fn own_robots_txt_replaces_the_generated_one() {
    for place in ["static", "content"] {
        let site = dated_site();
        let own = "User-agent: *\nDisallow: /docs/drafts/\n";
        site.file(&format!("{place}/robots.txt"), own);
        site.build(&[]).assert_ok();
        assert_eq!(site.output("robots.txt"), own, "{place}/robots.txt");
    }
}

#[test]
fn quiet_build_prints_nothing_and_piped_stderr_gets_no_progress() {
    let site = dated_site();
    let quiet = site.build(&["--quiet"]);
    quiet.assert_ok();
    assert_eq!(quiet.stdout, "");
    assert_eq!(quiet.stderr, "");
    site.file("content/guides/b.md", &page("title: B2", "Changed.\n"));
    let normal = site.build(&[]);
    normal.assert_ok();
    assert!(
        normal.stdout.starts_with("built 3 pages, 2 sections"),
        "{}",
        normal.stdout
    );
    assert_eq!(normal.stderr, "", "no progress bar when stderr is a pipe");
}

#[test]
fn bundled_theme_links_the_feed_when_it_is_on() {
    let site = TestSite::bundled();
    site.build(&[]).assert_ok();
    let feed_link = "<link rel=\"alternate\" type=\"application/atom+xml\" \
                     title=\"Kneading Knowledge Base\" href=\"/massage/atom.xml\">";
    for path in ["index.html", "types/swedish/index.html", "404.html"] {
        let html = site.output(path);
        assert!(html.contains(feed_link), "{path} lacks the feed link");
        assert!(
            html.contains(">Atom feed</a>"),
            "{path} lacks the footer link"
        );
    }
    let xml = site.output("atom.xml");
    let doc = parse(&xml);
    assert!(!children(doc.root_element(), ATOM_NS, "entry").is_empty());

    site.file(
        "site.yaml",
        &std::fs::read_to_string(site.path("site.yaml"))
            .expect("site.yaml")
            .replace("feed: true", "feed: false"),
    );
    site.build(&[]).assert_ok();
    let html = site.output("types/swedish/index.html");
    assert!(!html.contains("atom.xml"), "feed off, but linked");
}
