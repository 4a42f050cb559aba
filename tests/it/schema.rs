//! `knead schema`: the JSON Schemas it prints and writes accept the bundled
//! site's site.yaml and every page's front matter, reject what knead rejects,
//! and never replace a file knead did not write.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use crate::harness::{TestSite, page};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `knead schema <which>` run in `site`, parsed.
fn printed_schema(site: &TestSite, which: &str) -> Value {
    let run = site.knead(&["schema", which], &[]);
    run.assert_ok();
    serde_json::from_str(&run.stdout).expect("schema is JSON")
}

fn validator(schema: &Value) -> jsonschema::Validator {
    if let Err(err) = jsonschema::meta::validate(schema) {
        panic!("not a valid JSON Schema: {err}");
    }
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::draft7::new(schema).expect("schema compiles")
}

fn yaml_to_json(yaml: &str) -> Value {
    serde_yaml::from_str::<Value>(yaml).expect("valid YAML")
}

/// Why `document` is invalid, one line per problem; empty when it is valid.
fn problems(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|err| format!("{}: {err}", err.instance_path()))
        .collect()
}

/// The front matter of every page under the repository's content/, as JSON.
fn bundled_front_matter() -> Vec<(String, Value)> {
    let content_dir = repo().join("content");
    walkdir::WalkDir::new(&content_dir)
        .sort_by_file_name()
        .into_iter()
        .map(|entry| entry.expect("walk content"))
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "md"))
        .map(|entry| {
            let text = fs::read_to_string(entry.path()).expect("read page");
            let split =
                kneading::load::front_matter::split(entry.path(), &text).expect("front matter");
            let name = entry.path().strip_prefix(repo()).expect("in repo");
            (name.display().to_string(), yaml_to_json(split.yaml))
        })
        .collect()
}

#[test]
fn schema_accepts_the_bundled_site_and_every_bundled_page() {
    let site = TestSite::bundled();
    site.knead(&["schema", "--out", "schemas"], &[]).assert_ok();
    let read = |name: &str| -> Value {
        let text = fs::read_to_string(site.path("schemas").join(name)).expect("schema file");
        serde_json::from_str(&text).expect("schema is JSON")
    };
    let site_schema = validator(&read("site.schema.json"));
    let site_yaml = fs::read_to_string(repo().join("site.yaml")).expect("site.yaml");
    let found = problems(&site_schema, &yaml_to_json(&site_yaml));
    assert!(found.is_empty(), "site.yaml: {found:#?}");

    let front_matter = validator(&read("front-matter.schema.json"));
    let pages = bundled_front_matter();
    assert!(pages.len() >= 20, "only {} pages found", pages.len());
    for (name, document) in pages {
        let found = problems(&front_matter, &document);
        assert!(found.is_empty(), "{name}: {found:#?}");
    }
}

#[test]
fn schema_rejects_what_knead_rejects() {
    let site = TestSite::new();
    let front_matter = validator(&printed_schema(&site, "front-matter"));
    let valid = json!({ "title": "A", "date": "2024-05-01", "weight": 2, "tags": ["x"] });
    assert_eq!(problems(&front_matter, &valid), Vec::<String>::new());
    let invalid = [
        json!({ "titel": "A" }),
        json!({ "title": "A", "titel": "B" }),
        json!({ "title": 3 }),
        json!({ "title": "A", "weight": "heavy" }),
        json!({ "title": "A", "draft": "yes" }),
        json!({ "title": "A", "tags": "x" }),
        json!({ "title": "A", "date": "2024-13-01" }),
        json!({ "title": "A", "date": "May 1, 2024" }),
        json!({ "title": "A", "body_areas": ["back"] }),
    ];
    for document in invalid {
        assert!(!front_matter.is_valid(&document), "accepted {document}");
    }

    let site_schema = validator(&printed_schema(&site, "site"));
    let config =
        json!({ "title": "T", "base_url": "https://example.org/docs/", "taxonomies": ["tags"] });
    assert_eq!(problems(&site_schema, &config), Vec::<String>::new());
    let invalid = [
        json!({ "title": "T", "base_url": "https://e.org/", "theem": "t" }),
        json!({ "title": "T", "base_url": "example.org" }),
        json!({ "title": "T" }),
        json!({ "title": "T", "base_url": "https://e.org/", "feed": "yes" }),
        json!({ "title": "T", "base_url": "https://e.org/", "markdown": { "anchors": true } }),
        json!({ "title": "T", "base_url": "https://e.org/", "taxonomies": ["slug"] }),
    ];
    for document in invalid {
        assert!(!site_schema.is_valid(&document), "accepted {document}");
    }
}

/// The same front matter, judged by the schema and by a real build.
#[test]
fn schema_and_build_agree_on_front_matter() {
    let site = TestSite::new();
    let schema = validator(&printed_schema(&site, "front-matter"));
    let cases = [
        "title: A\ndate: 2024-05-01T09:30:00+02:00\nupdated: 2024-06-01\ntags: [x, y]\ntoc: false",
        "title: A\nweight: 1.5",
        "title: A\ndate: 2024-5-1",
        "title: A\ntags: x",
        "title: A\ncategories: [x]",
        "title: \"  \"",
        "description: no title",
    ];
    for front_matter in cases {
        site.file("content/case.md", &page(front_matter, "Text.\n"));
        let built = site.build(&[]).code == 0;
        let valid = schema.is_valid(&yaml_to_json(front_matter));
        assert_eq!(
            valid, built,
            "schema and build disagree on:\n{front_matter}"
        );
    }
}

#[test]
fn schema_out_writes_what_it_prints_and_keeps_foreign_files() {
    let site = TestSite::new();
    let run = site.knead(&["schema", "--out", "editor"], &[]);
    run.assert_ok();
    assert_eq!(
        run.stdout,
        "wrote editor/site.schema.json\nwrote editor/front-matter.schema.json\n"
    );
    let written = fs::read_to_string(site.path("editor/site.schema.json")).expect("written");
    assert_eq!(written, site.knead(&["schema", "site"], &[]).stdout);
    // Its own files are regenerated, e.g. after a taxonomy was added.
    site.file(
        "site.yaml",
        &crate::harness::SITE_YAML.replace("[tags]", "[tags, level]"),
    );
    site.knead(&["schema", "front-matter", "--out", "editor"], &[])
        .assert_ok();
    let regenerated =
        fs::read_to_string(site.path("editor/front-matter.schema.json")).expect("written");
    assert!(regenerated.contains("\"level\""), "{regenerated}");

    site.file("editor/site.schema.json", "{\"mine\": true}\n");
    site.knead(&["schema", "--out", "editor"], &[])
        .assert_code(2)
        .assert_stderr_has("was not written by knead schema");
    let kept = fs::read_to_string(site.path("editor/site.schema.json")).expect("kept");
    assert_eq!(kept, "{\"mine\": true}\n");
}

#[test]
fn schema_without_a_name_or_out_is_a_usage_error() {
    let site = TestSite::new();
    site.knead(&["schema"], &[])
        .assert_code(2)
        .assert_stderr_has("`site` or `front-matter`");
}

#[test]
fn schema_outside_a_site_has_no_taxonomies() {
    let site = TestSite::new();
    site.remove("site.yaml");
    let run = site.knead(&["schema", "front-matter"], &[]);
    run.assert_ok()
        .assert_stderr_has("site.yaml: warning: not found");
    let schema: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert!(schema["properties"].get("tags").is_none());
    assert!(schema["properties"].get("title").is_some());
}
