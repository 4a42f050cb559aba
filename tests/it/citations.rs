//! Citations (issue 19 item 2): `[@key]` in Markdown against the site's
//! `references.yaml`, written in the CSL style site.yaml names, with the
//! page's reference list for templates; errors at file:line:col; `knead
//! check`'s never-cited warning; rebuilds when the references change.

use crate::harness::{SITE_YAML, TestSite, Watch, error_lines, page, position_of};
use crate::incremental::{assert_same_as_full_build, save};

const REFERENCES: &str = "\
furlan2015:
  type: Article
  title: Massage for low-back pain
  author: [\"Furlan, Andrea D.\", \"Giraldo, Marta\", \"Baskwill, Amanda\", \"Irvin, Emma\", \"Imamura, Marta\"]
  date: 2015
  serial-number:
    doi: 10.1002/14651858.CD001929.pub3
  parent:
    type: Periodical
    title: Cochrane Database of Systematic Reviews
    issue: 9
qaseem2017:
  type: Article
  title: \"Noninvasive Treatments for Acute, Subacute, and Chronic Low Back Pain\"
  author: [\"Qaseem, Amir\", \"Wilt, Timothy J.\"]
  date: 2017
  serial-number: { doi: 10.7326/M16-2367, pmid: \"28192789\" }
  page-range: 514-530
  parent: { type: Periodical, title: Annals of Internal Medicine, volume: 166, issue: 7 }
nhs:
  type: Web
  title: Back pain
  author: NHS
  url: https://www.nhs.uk/conditions/back-pain/
";

const BODY: &str = "\
Massage helps a little [@furlan2015]. Guidelines agree [see @qaseem2017, p. 516; @furlan2015].
The NHS says so [@nhs].

Not citations: `[@nhs]` in code, \\[@nhs] and [\\@nhs] escaped, mail a@b.com.

```
[@furlan2015]
```
";

/// A page template that shows what citations give templates.
const TEMPLATE: &str = "{{ page.content | safe }}
{% for r in page.references %}[{{ r.label }}] id={{ r.id }} key={{ r.key }} url={{ r.url }} doi={{ r.doi }} pmid={{ r.pmid }}
  {{ r.html | safe }}
{% endfor %}";

fn cited_site(config: &str, body: &str) -> TestSite {
    let site = TestSite::new();
    site.file("site.yaml", &format!("{SITE_YAML}{config}"));
    site.file("themes/t/templates/page.html", TEMPLATE);
    site.file("references.yaml", REFERENCES);
    site.file("content/_index.md", &page("title: Home", "[[Cited]]\n"));
    site.file("content/cited.md", &page("title: Cited", body));
    site
}

#[test]
fn default_style_is_numeric_with_links_to_the_list_and_identifiers_linked() {
    let site = cited_site("", BODY);
    site.build(&[]).assert_ok();
    insta::assert_snapshot!(site.output("cited/index.html"));
}

#[test]
fn author_date_style() {
    let site = cited_site("citations: { style: author-date }\n", BODY);
    site.build(&[]).assert_ok();
    insta::assert_snapshot!(site.output("cited/index.html"));
}

#[test]
fn locators_are_written_in_both_styles() {
    let body = "Once [@qaseem2017, pp. 514-516]. Twice [@furlan2015; @qaseem2017].\n";
    let site = cited_site("", body);
    site.build(&[]).assert_ok();
    let html = site.output("cited/index.html");
    assert!(
        html.contains("<a href=\"#ref-qaseem2017\"><sup>1 (pp. 514–516)</sup></a>"),
        "{html}"
    );
    let site = cited_site("citations: { style: author-date }\n", body);
    site.build(&[]).assert_ok();
    let html = site.output("cited/index.html");
    assert!(
        html.contains("<a href=\"#ref-qaseem2017\">Qaseem &amp; Wilt, 2017, pp. 514–516</a>"),
        "{html}"
    );
}

#[test]
fn code_escapes_and_emails_are_not_citations() {
    let site = cited_site("", BODY);
    site.build(&[]).assert_ok();
    let html = site.output("cited/index.html");
    assert!(html.contains("<code>[@nhs]</code>"), "{html}");
    assert!(
        html.contains(" [@nhs] and [@nhs] escaped, mail a@b.com."),
        "{html}"
    );
    assert!(
        html.contains("<pre><code>[@furlan2015]\n</code></pre>"),
        "{html}"
    );
}

#[test]
fn a_site_without_references_keeps_brackets_as_text() {
    let site = cited_site("", "See [@nhs].\n");
    site.remove("references.yaml");
    site.build(&[]).assert_ok();
    assert!(site.output("cited/index.html").contains("See [@nhs]."));
}

#[test]
fn unknown_key_is_an_error_at_the_key_with_the_nearest_key() {
    let body = "Fine [@nhs].\nWrong [see @furlan2051, p. 3].\n";
    let site = cited_site("", body);
    let run = site.build(&[]);
    run.assert_code(1);
    let text = page("title: Cited", body);
    let (line, col) = position_of(&text, "furlan2051");
    assert_eq!(
        error_lines(&run),
        [format!(
            "content/cited.md:{line}:{col}: error: no reference `furlan2051` in references.yaml"
        )],
        "{}",
        run.stderr
    );
    run.assert_stderr_has("did you mean `furlan2015`?");
}

#[test]
fn citation_mistakes_are_errors_at_their_place() {
    let body = "A [@nhs, emphasis added]. B [@nhs; see @furlan2015].\n";
    let site = cited_site("", body);
    let run = site.build(&[]);
    run.assert_code(1);
    let text = page("title: Cited", body);
    let (line, col) = position_of(&text, ", emphasis");
    let (line2, col2) = position_of(&text, "see @furlan2015");
    assert_eq!(
        error_lines(&run),
        [
            format!("content/cited.md:{line}:{col}: error: \"emphasis added\" is not a locator"),
            format!(
                "content/cited.md:{line2}:{col2}: error: text before a later key in a citation: \"see\""
            ),
        ],
        "{}",
        run.stderr
    );
}

#[test]
fn malformed_doi_and_pmid_are_errors_in_the_references_file() {
    // Citing the entry adds no error of its own: the entry is the mistake.
    let site = cited_site("", "[@nhs] [@bad]\n");
    let references = format!(
        "{REFERENCES}bad:\n  type: Article\n  title: Bad\n  serial-number:\n    doi: https://doi.org/10.1/x\n    pmid: PMC123\n"
    );
    site.file("references.yaml", &references);
    let run = site.build(&[]);
    run.assert_code(1);
    let (doi_line, doi_col) = position_of(&references, "https://doi.org/10.1/x");
    let (pmid_line, pmid_col) = position_of(&references, "PMC123");
    assert_eq!(
        error_lines(&run),
        [
            format!(
                "references.yaml:{doi_line}:{doi_col}: error: malformed DOI \"https://doi.org/10.1/x\""
            ),
            format!("references.yaml:{pmid_line}:{pmid_col}: error: malformed PMID \"PMC123\""),
        ],
        "{}",
        run.stderr
    );
    run.assert_stderr_has("write the DOI alone");
}

#[test]
fn unknown_style_and_missing_file_are_errors_in_site_yaml() {
    let site = cited_site("citations:\n  references: refs.yaml\n", "[@nhs]\n");
    let run = site.build(&[]);
    run.assert_code(1);
    assert_eq!(
        error_lines(&run),
        ["site.yaml:6:15: error: references file \"refs.yaml\" not found"],
        "{}",
        run.stderr
    );
    let site = cited_site("citations:\n  style: numerik\n", "[@nhs]\n");
    let run = site.build(&[]);
    run.assert_code(1);
    assert_eq!(
        error_lines(&run),
        ["site.yaml:6:10: error: no bundled citation style named `numerik`"],
        "{}",
        run.stderr
    );
    run.assert_stderr_has("did you mean `numeric`?");
}

#[test]
fn check_warns_about_references_never_cited() {
    let site = cited_site("", "Only [@nhs].\n");
    let root = site.root().to_str().expect("utf-8 temp path");
    let run = site.knead(&["check", "--root", root], &[]);
    let warnings: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("never cited"))
        .collect();
    assert_eq!(
        warnings,
        [
            "references.yaml:1:1: warning: reference `furlan2015` is never cited",
            "references.yaml:12:1: warning: reference `qaseem2017` is never cited",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("cite it in a page as [@furlan2015], or remove it from references.yaml")
    );
}

#[test]
fn json_ld_of_the_bundled_theme_carries_the_citations() {
    let site = TestSite::bundled();
    site.build(&[]).assert_ok();
    let html = site.output("guides/what-the-research-says/index.html");
    let start = html.find("\"citation\":[").expect("citation in JSON-LD");
    let citation = &html[start..start + html[start..].find(']').expect("end")];
    assert!(
        citation.contains("{\"@type\":\"CreativeWork\",\"name\":\"Massage for low-back pain\",\"url\":\"https://doi.org/10.1002/14651858.CD001929.pub3\"}"),
        "{citation}"
    );
}

#[test]
fn editing_the_references_file_rebuilds_as_a_clean_build_would() {
    let site = cited_site("search: true\n", "See [@nhs].\n");
    let watch = Watch::start(&site);
    save(
        &site,
        "references.yaml",
        &REFERENCES.replace("title: Back pain", "title: Back pain (NHS)"),
    );
    let lines = watch.settle();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("built ") && !l.contains("incremental")),
        "a full build: {lines:?}"
    );
    assert!(site.output("cited/index.html").contains("Back pain (NHS)"));
    assert_same_as_full_build(&site);
    // A body edit that cites another reference is patched in like any other.
    save(
        &site,
        "content/cited.md",
        &page("title: Cited", "See [@nhs] and [@furlan2015].\n"),
    );
    let lines = watch.settle();
    assert!(
        lines.iter().any(|l| l.contains("(incremental: ")),
        "{lines:?}"
    );
    assert!(
        site.output("cited/index.html")
            .contains("id=ref-furlan2015")
    );
    assert_same_as_full_build(&site);
}

#[test]
fn a_build_after_editing_only_the_references_file_is_not_skipped() {
    let site = cited_site("", "See [@nhs].\n");
    site.build(&[]).assert_ok();
    site.file(
        "references.yaml",
        &REFERENCES.replace("title: Back pain", "title: Back pain, revised"),
    );
    let run = site.build(&[]);
    run.assert_ok();
    assert!(!run.stdout.contains("nothing changed"), "{}", run.stdout);
    assert!(
        site.output("cited/index.html")
            .contains("Back pain, revised")
    );
}

#[test]
fn an_unreadable_entry_is_an_error_at_its_key_and_citing_it_adds_none() {
    let site = cited_site("", "[@nhs] [@odd]\n");
    let references = format!("{REFERENCES}odd:\n  type: Nonsense\n  title: Odd\n");
    site.file("references.yaml", &references);
    let run = site.build(&[]);
    run.assert_code(1);
    let (line, col) = position_of(&references, "Nonsense");
    assert_eq!(
        error_lines(&run),
        [format!(
            "references.yaml:{line}:{col}: error: reference `odd`: unknown variant `Nonsense`"
        )],
        "{}",
        run.stderr
    );
    run.assert_stderr_has("write one of `article`, `chapter`");
}
