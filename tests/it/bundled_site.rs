//! The repository's own knowledge base (content/, themes/, site.yaml): it builds
//! cleanly, and it is a connected, described, cross-linked site.

use std::collections::{BTreeMap, BTreeSet};

use crate::harness::TestSite;

/// What the inspection templates print about one page or section.
#[derive(Debug, Default)]
struct Report {
    path: String,
    description: String,
    words: usize,
    backlinks: Vec<String>,
    /// Taxonomy name → number of terms.
    taxonomies: BTreeMap<String, usize>,
}

/// Site templates that replace the theme's page, section and home templates
/// with one `key=value` line per fact the tests look at.
fn inspection_template(var: &str) -> String {
    format!(
        "path={{{{ {var}.path }}}}\nurl={{{{ {var}.url }}}}\n\
         description={{{{ {var}.description | default(value=\"\", boolean=true) }}}}\n\
         words={{{{ {var}.word_count }}}}\n\
         {{% for b in {var}.backlinks %}}backlink={{{{ b.url }}}}\n{{% endfor %}}\
         {{% for name, terms in {var}.taxonomies %}}taxonomy={{{{ name }}}}:{{{{ terms | length }}}}\n{{% endfor %}}"
    )
}

/// URL → report, for every page and section of the bundled site.
fn inspect() -> BTreeMap<String, Report> {
    let site = TestSite::bundled();
    site.file("templates/page.html", &inspection_template("page"));
    site.file("templates/section.html", &inspection_template("section"));
    site.file("templates/index.html", &inspection_template("section"));
    site.build(&[]).assert_ok();
    let mut reports = BTreeMap::new();
    for (path, bytes) in site.snapshot("output") {
        if !path.ends_with("index.html") {
            continue;
        }
        let text = String::from_utf8(bytes).expect("utf-8 output");
        if let Some((url, report)) = parse_report(&text) {
            reports.insert(url, report);
        }
    }
    reports
}

fn parse_report(text: &str) -> Option<(String, Report)> {
    let mut report = Report::default();
    let mut url = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match key {
            "path" => report.path = value.to_string(),
            "url" => url = Some(value.to_string()),
            "description" => report.description = value.to_string(),
            "words" => report.words = value.parse().expect("word count"),
            "backlink" => report.backlinks.push(value.to_string()),
            "taxonomy" => {
                let (name, count) = value.split_once(':').expect("name:count");
                report
                    .taxonomies
                    .insert(name.to_string(), count.parse().expect("term count"));
            }
            _ => {}
        }
    }
    Some((url?, report))
}

/// URL → the URLs its text links to (backlinks turned around).
fn outgoing(reports: &BTreeMap<String, Report>) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut links: BTreeMap<&str, BTreeSet<&str>> = reports
        .keys()
        .map(|u| (u.as_str(), BTreeSet::new()))
        .collect();
    for (url, report) in reports {
        for from in &report.backlinks {
            links.entry(from.as_str()).or_default().insert(url.as_str());
        }
    }
    links
}

const HOME: &str = "/massage/";

#[test]
fn bundled_site_builds_with_no_errors_or_warnings() {
    let site = TestSite::bundled();
    let run = site.build(&[]);
    run.assert_ok();
    assert_eq!(run.stderr, "", "the bundled site must build silently");
    assert!(run.stdout.starts_with("built "), "{}", run.stdout);
}

#[test]
fn bundled_site_has_between_15_and_25_pages() {
    let reports = inspect();
    assert!(
        (15..=25).contains(&reports.len()),
        "{} pages: {:?}",
        reports.len(),
        reports.keys()
    );
}

#[test]
fn every_page_has_a_description_and_300_to_900_words() {
    for (url, report) in inspect() {
        assert!(
            !report.description.trim().is_empty(),
            "{} has no description",
            report.path
        );
        assert!(
            (300..=900).contains(&report.words),
            "{} ({url}) has {} words",
            report.path,
            report.words
        );
    }
}

#[test]
fn no_page_is_an_orphan() {
    for (url, report) in inspect() {
        if url != HOME {
            assert!(
                !report.backlinks.is_empty(),
                "{} is linked from no other page",
                report.path
            );
        }
    }
}

#[test]
fn every_page_links_to_at_least_two_others() {
    let reports = inspect();
    for (url, targets) in outgoing(&reports) {
        assert!(
            targets.len() >= 2,
            "{url} links to {} other pages: {targets:?}",
            targets.len()
        );
    }
}

#[test]
fn every_article_carries_all_three_taxonomies() {
    for (_, report) in inspect() {
        let is_article = !report.path.ends_with("_index.md") && report.path != "disclaimer.md";
        if !is_article {
            continue;
        }
        for taxonomy in ["tags", "body_areas", "pressure"] {
            assert!(
                report.taxonomies.get(taxonomy).is_some_and(|&n| n > 0),
                "{} has no {taxonomy}",
                report.path
            );
        }
    }
}

/// Each type links to the techniques it uses and the benefits it serves, and
/// each of those links back.
#[test]
fn types_link_to_their_techniques_and_benefits_and_back() {
    let uses: &[(&str, &[&str])] = &[
        (
            "types/swedish/",
            &[
                "techniques/positioning/",
                "techniques/palm-circling/",
                "techniques/back-spread/",
                "benefits/blood-circulation/",
                "benefits/muscle-tension/",
                "benefits/endorphins/",
            ],
        ),
        (
            "types/deep-tissue/",
            &[
                "techniques/positioning/",
                "techniques/thumb-and-wrist-work/",
                "benefits/muscle-tension/",
                "benefits/spinal-pain/",
                "benefits/mobility-and-flexibility/",
            ],
        ),
        (
            "types/trigger-point/",
            &[
                "techniques/thumb-and-wrist-work/",
                "benefits/blood-circulation/",
                "benefits/spinal-pain/",
                "benefits/muscle-tension/",
            ],
        ),
        (
            "types/therapeutic/",
            &[
                "techniques/positioning/",
                "techniques/palm-circling/",
                "techniques/thumb-and-wrist-work/",
                "techniques/back-spread/",
                "benefits/mobility-and-flexibility/",
                "benefits/spinal-pain/",
                "benefits/muscle-tension/",
            ],
        ),
    ];
    let reports = inspect();
    let links = outgoing(&reports);
    for (kind, partners) in uses {
        let kind = format!("{HOME}{kind}");
        for partner in *partners {
            let partner = format!("{HOME}{partner}");
            let linked = |from: &str, to: &str| links.get(from).is_some_and(|t| t.contains(to));
            assert!(linked(&kind, &partner), "{kind} does not link to {partner}");
            assert!(
                linked(&partner, &kind),
                "{partner} does not link back to {kind}"
            );
        }
    }
}

#[test]
fn content_uses_every_link_form() {
    let site = TestSite::bundled();
    let mut counts = BTreeMap::from([("relative .md", 0), ("@/", 0), ("wiki", 0)]);
    for (path, bytes) in site.snapshot("content") {
        if path.extension().is_some_and(|e| e == "md") {
            let text = String::from_utf8(bytes).expect("utf-8 content");
            *counts.entry("@/").or_default() += text.matches("](@/").count();
            *counts.entry("wiki").or_default() += text.matches("[[").count();
            *counts.entry("relative .md").or_default() += text
                .split("](")
                .skip(1)
                .filter(|rest| {
                    let target = rest.split(')').next().unwrap_or("");
                    !target.starts_with("@/")
                        && target.split('#').next().unwrap_or("").ends_with(".md")
                })
                .count();
        }
    }
    for (form, count) in counts {
        assert!(count >= 10, "the {form} link form is used {count} times");
    }
}

#[test]
fn disclaimer_is_linked_from_every_page() {
    let site = TestSite::bundled();
    site.build(&[]).assert_ok();
    let mut pages = 0;
    for (path, bytes) in site.snapshot("output") {
        if path.extension().is_some_and(|e| e == "html") {
            let text = String::from_utf8(bytes).expect("utf-8 output");
            assert!(
                text.contains("href=\"/massage/disclaimer/\""),
                "{} has no link to the disclaimer",
                path.display()
            );
            pages += 1;
        }
    }
    assert!(pages >= 15, "only {pages} HTML files");
}

#[test]
fn palm_circling_has_an_original_svg_with_alt_text() {
    let site = TestSite::bundled();
    site.build(&[]).assert_ok();
    let svg = site.output("techniques/palm-circling/palm-circling-path.svg");
    assert!(svg.contains("<svg") && svg.contains("<title"), "{svg}");
    for external in ["href=\"http", "url(http", "<script", "@import"] {
        assert!(
            !svg.contains(external),
            "the SVG must stand alone: {external}"
        );
    }
    let html = site.output("techniques/palm-circling/index.html");
    let img = html
        .split("<img ")
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
        .find(|img| img.contains("palm-circling-path.svg"))
        .unwrap_or_else(|| panic!("no illustration in {html}"));
    assert!(
        img.contains("src=\"/massage/techniques/palm-circling/palm-circling-path.svg\""),
        "{img}"
    );
    let alt = img
        .split("alt=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("");
    assert!(
        alt.split_whitespace().count() >= 4,
        "alt text too thin: {alt:?}"
    );
}
