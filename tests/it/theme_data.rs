//! What the generator gives themes beyond pages: the search index, the `json`
//! filter, how-to steps, and the site flags and navigation themes build on.

use serde_json::Value;

use crate::harness::{SITE_YAML, TestSite, page};

fn site_with_search(search: bool) -> TestSite {
    let site = TestSite::new();
    site.file("site.yaml", &format!("{SITE_YAML}search: {search}\n"));
    site.file("content/guides/_index.md", &page("title: Guides", ""));
    site.file(
        "content/guides/oil.md",
        &page(
            "title: Warm Oil\ndescription: \"Why & how\"",
            "Rub the *oil* between your palms.\n\n## Steps\n\n1. Pour `a little`.\n2. Rub.\n\n### Safety\n\nStop if it <stings>.\n",
        ),
    );
    site
}

fn search_index(site: &TestSite) -> Value {
    serde_json::from_str(&site.output("search-index.json")).expect("search index is JSON")
}

#[test]
fn search_index_has_a_fragment_per_page_with_its_blocks_and_sharded_terms() {
    let site = site_with_search(true);
    site.build(&[]).assert_ok();
    let index = search_index(&site);
    assert_eq!(index["version"], 2);
    assert_eq!(index["pages"], 3);
    let fragment = |n: usize| -> Value {
        serde_json::from_str(&site.output(&format!("search/p/{n}.json"))).expect("JSON")
    };
    let urls: Vec<Value> = (0..3).map(|n| fragment(n)["url"].clone()).collect();
    assert_eq!(urls, ["/docs/", "/docs/guides/", "/docs/guides/oil/"]);
    let oil = fragment(2);
    assert_eq!(oil["title"], "Warm Oil");
    assert_eq!(oil["section"], "Guides");
    assert_eq!(oil["description"], "Why & how");
    assert_eq!(
        oil["headings"],
        serde_json::json!([["steps", "Steps"], ["safety", "Safety"]])
    );
    // One entry per block, never joined across headings or list items.
    assert_eq!(
        oil["blocks"],
        serde_json::json!([
            [-1, "Rub the oil between your palms."],
            [0, "Pour a little."],
            [0, "Rub."],
            [1, "Stop if it ."]
        ])
    );
    // Every term is in the shard the manifest's first terms point to, with
    // page numbers as gaps: "palm" (stemmed) is on page 2 only.
    let shards = index["shards"].as_array().expect("shards");
    let first = shards
        .iter()
        .rposition(|t| t.as_str() <= Some("palm"))
        .expect("a shard");
    let shard: Value =
        serde_json::from_str(&site.output(&format!("search/t/{first}.json"))).expect("JSON");
    assert_eq!(shard["palm"][0], 2);
}

#[test]
fn search_index_is_not_written_when_search_is_off() {
    let site = site_with_search(false);
    site.build(&[]).assert_ok();
    assert!(!site.output_exists("search-index.json"));
}

#[test]
fn search_index_url_is_known_to_get_url() {
    let site = site_with_search(true);
    site.file(
        "templates/index.html",
        "search={{ get_url(path='search-index.json') }} on={{ site.search }} feed={{ site.feed }}",
    );
    site.build(&[]).assert_ok();
    assert_eq!(
        site.output("index.html"),
        "search=/docs/search-index.json on=true feed=false"
    );
}

#[test]
fn steps_and_json_filter_make_valid_json_ld() {
    let site = site_with_search(false);
    site.file(
        "templates/page.html",
        "{\"name\":{{ page.title | json }},\"d\":{{ page.description | json }},\"step\":[\
         {% for s in page.steps %}{{ s | json }}{% if not loop.last %},{% endif %}{% endfor %}]}",
    );
    site.build(&[]).assert_ok();
    let text = site.output("guides/oil/index.html");
    // Escaped as \u0026, not as an HTML entity: the JSON stays valid in <script>.
    assert!(!text.contains('&'), "{text}");
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(
        json,
        serde_json::json!({"name": "Warm Oil", "d": "Why & how", "step": ["Pour a little.", "Rub."]})
    );
}

#[test]
fn site_sections_list_their_pages_for_navigation() {
    let site = site_with_search(false);
    site.file(
        "content/guides/first.md",
        &page("title: First\nweight: 1", ""),
    );
    site.file(
        "templates/index.html",
        "{% for s in site.sections %}{{ s.title }}:{% for p in s.pages %} {{ p.title }}={{ p.url }}{% endfor %}{% endfor %}",
    );
    site.build(&[]).assert_ok();
    assert_eq!(
        site.output("index.html"),
        "Guides: First=/docs/guides/first/ Warm Oil=/docs/guides/oil/"
    );
}

#[test]
fn site_taxonomy_pages_link_each_taxonomy_in_site_yaml_order() {
    let site = TestSite::new();
    site.file(
        "site.yaml",
        "title: T\nbase_url: https://example.org/docs/\ntheme: t\ntaxonomies: [tags, body_areas]\n",
    );
    site.file("content/a.md", &page("title: A\nbody_areas: [Back]", ""));
    site.file(
        "templates/index.html",
        "{% for t in site.taxonomy_pages %}{{ t.name }} {{ t.slug }} {{ t.url }} {{ t.permalink }}\n{% endfor %}",
    );
    site.build(&[]).assert_ok();
    assert_eq!(
        site.output("index.html"),
        "tags tags /docs/tags/ https://example.org/docs/tags/\n\
         body_areas body-areas /docs/body-areas/ https://example.org/docs/body-areas/\n"
    );
}
