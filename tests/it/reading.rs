//! Reading level (issue 19 item 3): `page.reading_grade` and `knead check`'s
//! warning above site.yaml's `reading_level.max_grade`, at the title line with
//! the lines of the longest sentences; English sites only.

use crate::harness::{SITE_YAML, TestSite, page};

const HARD: &str = "The Australian platypus is seemingly a hybrid of a mammal and reptilian creature.\n\n\
Short words help.\n\n\
Comprehensive physiotherapeutic interventions incorporating individualised progressive \
rehabilitation programmes demonstrate considerable effectiveness.\n";

fn site(language: &str) -> TestSite {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        &format!("{SITE_YAML}language: {language}\nreading_level: {{ max_grade: 8 }}\n"),
    );
    site.file(
        "themes/t/templates/page.html",
        "grade={{ page.reading_grade }}\n",
    );
    site.file(
        "content/_index.md",
        &page("title: Home\ndescription: D.", "[[Easy]] and [[Hard]].\n"),
    );
    site.file(
        "content/easy.md",
        &page(
            "title: Easy\ndescription: D.",
            "Rub the back. Go slow. Stop if it hurts.\n",
        ),
    );
    site.file(
        "content/hard.md",
        &page("title: Hard\ndescription: D.", HARD),
    );
    site
}

#[test]
fn check_warns_about_a_page_above_the_target_with_its_longest_sentences() {
    let site = site("en-GB");
    let root = site.root().to_str().expect("utf-8 temp path");
    let run = site.knead(&["check", "--root", root], &[]);
    let warnings: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains(": warning: "))
        .collect();
    assert_eq!(
        warnings,
        [
            "content/hard.md:2:1: warning: reading grade 21.6 is above the target of 8; longest sentences: line 5 (13 words), line 9 (11 words), line 7 (3 words)"
        ],
        "stdout:\n{}",
        run.stdout
    );
    site.build(&[]).assert_ok();
    assert_eq!(site.output("easy/index.html"), "grade=-2.6\n");
    assert_eq!(site.output("hard/index.html"), "grade=21.6\n");
}

#[test]
fn other_languages_get_no_grade_and_no_warning() {
    let site = site("de");
    let root = site.root().to_str().expect("utf-8 temp path");
    let run = site.knead(&["check", "--root", root, "--strict"], &[]);
    run.assert_code(0);
    site.build(&[]).assert_ok();
    assert_eq!(site.output("hard/index.html"), "grade=\n");
}
