//! The repository's own knowledge base (content/, themes/, site.yaml): it builds
//! cleanly, and it is a connected, described, cross-linked site.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use crate::harness::TestSite;

/// What the inspection templates print about one page or section.
#[derive(Debug, Default)]
struct Report {
    path: String,
    description: String,
    words: usize,
    backlinks: Vec<String>,
    /// For a section: the URLs of its pages, in the section's order.
    pages: Vec<String>,
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
    let listing = "{% for p in section.pages %}listed={{ p.url }}\n{% endfor %}";
    site.file(
        "templates/section.html",
        &(inspection_template("section") + listing),
    );
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
            "listed" => report.pages.push(value.to_string()),
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
fn bundled_site_has_between_25_and_40_pages() {
    let reports = inspect();
    assert!(
        (25..=40).contains(&reports.len()),
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
fn every_page_links_to_at_least_three_others_in_its_text() {
    let reports = inspect();
    for (url, targets) in outgoing(&reports) {
        assert!(
            targets.len() >= 3,
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
    let alt = alt_text(img);
    assert!(
        alt.split_whitespace().count() >= 4,
        "alt text too thin: {alt:?}"
    );
}

/// The text of `html` after `from` up to `to`, empty when `from` is not there.
fn between_text<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    html.split_once(from)
        .and_then(|(_, rest)| rest.split_once(to))
        .map_or("", |(text, _)| text)
}

const SAFETY: &str = "/massage/guides/when-not-to-have-a-massage/";

/// The text of `html` from the element with `id="<from>"` up to the one with
/// `id="<to>"`.
#[track_caller]
fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{from}\""))
        .unwrap_or_else(|| panic!("no id {from:?}"));
    let len = html[start..]
        .find(&format!("id=\"{to}\""))
        .unwrap_or_else(|| panic!("no id {to:?} after {from:?}"));
    &html[start..start + len]
}

/// The `alt` attribute of an `<img …` tag's inside, or "".
fn alt_text(img: &str) -> &str {
    img.split("alt=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("")
}

/// The warning signs live on one page, in three groups, in order of urgency:
/// the emergency group names the numbers and the cauda equina signs.
#[test]
fn safety_page_splits_warning_signs_into_emergency_doctor_and_therapist() {
    let site = TestSite::bundled();
    site.build(&[]).assert_ok();
    let html = site.output("guides/when-not-to-have-a-massage/index.html");
    let now = between(&html, "call-the-emergency-number-now", "see-a-doctor-soon");
    let soon = between(&html, "see-a-doctor-soon", "tell-your-therapist");
    let tell = between(&html, "tell-your-therapist", "when-to-wait");
    for needle in [
        "<strong>999</strong> in the UK",
        "<strong>112</strong> anywhere in the EU",
        "<strong>911</strong> in the US",
        "emergency department",
        "bladder or bowels",
        "genitals",
        "both legs",
        "chest pain",
        "back and your belly",
        "cauda equina syndrome",
    ] {
        assert!(now.contains(needle), "emergency group lacks {needle:?}");
    }
    for needle in [
        "fever",
        "lost weight without trying",
        "lump or swelling",
        "had cancer",
        "steroid tablets",
        "immune system",
        "inject drugs",
        "over about 50 or under 20",
        "upper back",
        "loosens as you move",
        "after a few weeks",
    ] {
        assert!(soon.contains(needle), "doctor-soon group lacks {needle:?}");
        assert!(
            !now.contains(needle),
            "{needle:?} is in the emergency group"
        );
    }
    for needle in [
        "bleeding disorder",
        "anticoagulant",
        "pregnancy",
        "osteoporosis",
    ] {
        assert!(tell.contains(needle), "therapist group lacks {needle:?}");
    }
    // The emergency signs are not also offered as "see a doctor" items.
    assert!(
        !soon.contains("bladder"),
        "bladder signs must be emergencies"
    );
}

#[test]
fn safety_guide_comes_first_among_the_guides() {
    let reports = inspect();
    let guides = &reports[&format!("{HOME}guides/")];
    assert!(guides.pages.len() >= 8, "guides: {:?}", guides.pages);
    assert_eq!(
        guides.pages[0], SAFETY,
        "guides in order: {:?}",
        guides.pages
    );
}

/// The warning signs and the emergency numbers have one source,
/// data/warning_signs.yaml: no page writes them by hand, and an edit of the
/// data file reaches every page that shows them.
#[test]
fn warning_signs_come_from_one_data_file() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in walkdir::WalkDir::new(repo.join("content")) {
        let entry = entry.expect("walk content");
        if entry.path().extension().is_some_and(|e| e == "md") {
            let text = fs::read_to_string(entry.path()).expect("read page");
            for by_hand in ["999", "911"] {
                assert!(
                    !text.contains(by_hand),
                    "{} writes {by_hand:?} by hand; use the emergency_numbers component",
                    entry.path().display()
                );
            }
        }
    }

    let site = TestSite::bundled();
    let data = fs::read_to_string(site.path("data/warning_signs.yaml")).expect("data file");
    let edited = data
        .replace("number: \"999\"", "number: \"999-test\"")
        .replace(
            "you cannot control your bladder",
            "TEST you cannot control your bladder",
        );
    assert_ne!(
        edited, data,
        "the data file changed its wording (test data)"
    );
    site.file("data/warning_signs.yaml", &edited);
    site.build(&[]).assert_ok();
    for page in [
        "guides/when-not-to-have-a-massage/index.html",
        "guides/sciatica/index.html",
    ] {
        let html = site.output(page);
        assert!(
            html.contains("<strong>999-test</strong> in the UK"),
            "{page} lacks the edited number"
        );
        assert!(
            html.contains("<li>TEST you cannot control your bladder"),
            "{page} lacks the edited sign"
        );
    }
    for page in ["guides/pregnancy/index.html", "disclaimer/index.html"] {
        assert!(
            site.output(page)
                .contains("<strong>999-test</strong> in the UK"),
            "{page} lacks the edited number"
        );
    }
    // Sciatica shows only the cauda equina signs of the emergency group.
    let sciatica = site.output("guides/sciatica/index.html");
    assert!(
        !sciatica.contains("chest pain"),
        "sciatica lists every emergency sign"
    );
}

/// Pages that name an emergency number send the reader to the full list.
#[test]
fn pages_that_name_the_emergency_numbers_link_to_the_safety_page() {
    let site = TestSite::bundled();
    site.build(&[]).assert_ok();
    let mut naming = 0;
    for (path, bytes) in site.snapshot("output") {
        let text = String::from_utf8_lossy(&bytes);
        let is_page = path.ends_with("index.html") && !path.starts_with("tags");
        if is_page && text.contains("999") && text.contains("911") {
            naming += 1;
            assert!(
                text.contains(&format!("href=\"{SAFETY}"))
                    || path.starts_with("guides/when-not-to-have-a-massage"),
                "{} names the emergency numbers but does not link to the safety page",
                path.display()
            );
        }
    }
    assert!(
        naming >= 3,
        "only {naming} pages name the emergency numbers"
    );
}

/// Each of the four technique pages: an original, self-contained SVG drawing
/// with real alt text, and a link to the safety page's warning signs.
#[test]
fn every_technique_page_has_a_drawing_with_alt_text_and_links_to_safety() {
    let site = TestSite::bundled();
    site.build(&[]).assert_ok();
    for page in [
        "positioning",
        "palm-circling",
        "thumb-and-wrist-work",
        "back-spread",
    ] {
        let html = site.output(&format!("techniques/{page}/index.html"));
        let img = html
            .split("<img ")
            .skip(1)
            .filter_map(|rest| rest.split('>').next())
            .find(|img| img.contains(".svg\"") && !img.contains("favicon"))
            .unwrap_or_else(|| panic!("{page}: no drawing"));
        let src = img
            .split("src=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("src");
        let file = src
            .strip_prefix("/massage/")
            .unwrap_or_else(|| panic!("{page}: {src} is not under the site"));
        let svg = site.output(file);
        assert!(
            svg.contains("<svg") && svg.contains("<title") && svg.contains("<desc"),
            "{file}"
        );
        for external in ["href=\"http", "url(http", "<script", "@import", "<image"] {
            assert!(
                !svg.contains(external),
                "{file} must stand alone: {external}"
            );
        }
        let alt = alt_text(img);
        assert!(
            alt.split_whitespace().count() >= 8,
            "{page}: alt text too thin: {alt:?}"
        );
        // Palm circling's card fills a Letter sheet; its steps say it all.
        if page != "palm-circling" {
            let caption = between_text(&html, &format!("{img}><figcaption>"), "</figcaption>");
            assert!(
                caption.split_whitespace().count() >= 6,
                "{page}: the drawing has no caption: {caption:?}"
            );
        }
        assert!(
            html.contains(&format!("href=\"{SAFETY}#warning-signs\"")),
            "{page} does not link to the warning signs"
        );
    }
}

/// The research page cites its sources from references.yaml, and its
/// generated reference list gives their identifiers: the Cochrane review and
/// the ACP guideline, the American Family Physician summary that gives the
/// guideline's time spans, and NICE NG59 beside the NHS page its "only with
/// exercise" condition was read on (NG59's own text was not).
#[test]
fn research_page_cites_the_verified_sources() {
    let site = TestSite::bundled();
    site.build(&[]).assert_ok();
    let html = site.output("guides/what-the-research-says/index.html");
    let sources = html
        .split("<section class=\"references\"")
        .nth(1)
        .expect("a reference list");
    assert!(
        html.contains("<span class=\"citation\"><a href=\"#ref-furlan2015\">"),
        "the Cochrane review is cited in the text"
    );
    for needle in [
        "Furlan AD, Giraldo M, Baskwill A, Irvin E, Imamura M",
        "https://doi.org/10.1002/14651858.CD001929.pub3",
        "Qaseem A, Wilt TJ, McLean RM, Forciea MA",
        "https://doi.org/10.7326/M16-2367",
        "https://www.aafp.org/afp/2017/0915/p407.html",
        "NICE guideline NG59",
        "https://www.nice.org.uk/guidance/ng59",
        "https://southwest.devonformularyguidance.nhs.uk/",
    ] {
        assert!(sources.contains(needle), "Sources lack {needle:?}");
    }
}

/// The glossary is a definition list; the classic stroke names must be there.
#[test]
fn glossary_defines_the_standard_terms() {
    let site = TestSite::bundled();
    site.build(&[]).assert_ok();
    let html = site.output("glossary/index.html");
    assert_eq!(html.matches("<dl>").count(), 1, "one list of terms: {html}");
    assert!(
        !html.contains("<p><strong>"),
        "a term is still a bold paragraph"
    );
    for term in [
        "Effleurage",
        "Petrissage",
        "Cauda equina syndrome",
        "Sciatica",
    ] {
        assert!(
            html.contains(&format!("<dt>{term}</dt>")),
            "the glossary does not define {term}"
        );
    }
}

#[test]
fn every_page_has_a_review_date_and_an_honest_reviewer() {
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    for entry in walkdir::WalkDir::new(&content) {
        let path = entry.expect("walk content").into_path();
        if path.extension().is_none_or(|ext| ext != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read page");
        let front_matter = text.split("\n---\n").next().unwrap_or("");
        assert!(
            front_matter.contains("\nreviewed: 20"),
            "{} has no review date",
            path.display()
        );
        assert!(
            front_matter.contains("\nreviewed_by: kneading editorial team (not a clinician)"),
            "{} names another reviewer",
            path.display()
        );
    }
}
