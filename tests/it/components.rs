//! Components called from Markdown (issue 18): the call syntax and where it
//! holds (lists, blockquotes, nesting, indentation, code, raw HTML), code-fence
//! hooks, argument checking with errors at the call, overriding a theme's
//! component, data files, the bundled dough components, and rebuilds.

use std::fs;
use std::path::Path;

use crate::harness::{TestSite, Watch, error_lines, page, position_of};

/// A block component that shows its argument and its body, and an inline one.
fn site() -> TestSite {
    let site = TestSite::new();
    site.file(
        "themes/t/templates/components/box.html",
        "{% component box(kind: string = \"note\", count: integer = 1, open: bool = false) %}<div class=\"box {{ kind }}\" data-count=\"{{ count }}\" data-open=\"{{ open }}\">\n{{ body }}</div>{% endcomponent box %}",
    );
    site.file(
        "themes/t/templates/components/kbd.html",
        "{% component kbd(os: string = \"any\") {\"inline\": true} %}<kbd data-os=\"{{ os }}\">{{ body }}</kbd>{% endcomponent kbd %}",
    );
    site.file(
        "content/other.md",
        &page("title: Other", "## Part\n\nHi.\n"),
    );
    site
}

/// The rendered Markdown of a page of the test theme.
#[track_caller]
fn content(site: &TestSite, rel: &str) -> String {
    let html = site.output(rel);
    let start = html.find("content=").expect("content line") + "content=".len();
    let end = html.rfind("</body>").expect("end of body");
    html[start..end].to_string()
}

#[track_caller]
fn build_page(site: &TestSite, body: &str) -> String {
    site.file("content/p.md", &page("title: P", body));
    site.build(&[]).assert_ok();
    content(site, "p/index.html")
}

#[test]
fn a_container_wraps_markdown_with_links_resolved_and_headings_in_the_toc() {
    let site = site();
    let html = build_page(
        &site,
        ":::box{kind=tip count=3 open=true}\n## Inside\n\nSee [other](other.md#part) and *this*.\n:::\n",
    );
    assert!(
        html.contains("<div class=\"box tip\" data-count=\"3\" data-open=\"true\">\n<h2 id=\"inside\">Inside</h2>\n<p>See <a href=\"/docs/other/#part\">other</a> and <em>this</em>.</p>\n</div>"),
        "{html}"
    );
    assert!(site.output("p/index.html").contains("toc=inside:Inside:0"));
    assert!(
        site.output("other/index.html")
            .contains("backlink=/docs/p/")
    );
}

#[test]
fn a_broken_link_in_a_body_is_an_error_at_its_position() {
    let site = site();
    let text = page("title: P", "Intro.\n\n:::box\nSee [gone](gone.md).\n:::\n");
    site.file("content/p.md", &text);
    let run = site.build(&[]);
    run.assert_code(1);
    let (line, col) = position_of(&text, "[gone]");
    assert_eq!(
        error_lines(&run),
        [format!(
            "content/p.md:{line}:{col}: error: no page at content/gone.md"
        )]
    );
}

#[test]
fn inline_components_take_inline_markdown() {
    let site = site();
    let html = build_page(&site, "Press :kbd[Ctrl+*C*]{os=mac} or :kbd[Esc].\n");
    assert_eq!(
        html.trim_end(),
        "<p>Press <kbd data-os=\"mac\">Ctrl+<em>C</em></kbd> or <kbd data-os=\"any\">Esc</kbd>.</p>"
    );
}

#[test]
fn a_leaf_is_a_block_component_without_a_body() {
    let site = site();
    let html = build_page(&site, "Before.\n::box{kind=leaf}\nAfter.\n");
    assert!(
        html.contains("<p>Before.</p>\n<div class=\"box leaf\" data-count=\"1\" data-open=\"false\">\n</div>\n<p>After.</p>"),
        "{html}"
    );
}

#[test]
fn a_component_in_a_list_item_stays_in_it() {
    let site = site();
    let html = build_page(&site, "- one\n\n  :::box\n  inside\n  :::\n- two\n");
    assert!(
        html.contains("<li>\n<p>one</p>\n<div class=\"box note\" data-count=\"1\" data-open=\"false\">\n<p>inside</p>\n</div>\n</li>\n<li>\n<p>two</p>\n</li>"),
        "{html}"
    );
}

#[test]
fn a_component_in_a_blockquote_stays_in_it() {
    let site = site();
    let html = build_page(&site, "> Quote.\n> :::box\n> inside\n> :::\n> End.\n");
    assert!(
        html.contains("<blockquote>\n<p>Quote.</p>\n<div class=\"box note\" data-count=\"1\" data-open=\"false\">\n<p>inside</p>\n</div>\n<p>End.</p>\n</blockquote>"),
        "{html}"
    );
}

#[test]
fn components_nest() {
    let site = site();
    let html = build_page(
        &site,
        "::::box{kind=outer}\nOuter.\n:::box{kind=inner}\nInner :kbd[x].\n:::\nAfter.\n::::\n",
    );
    assert!(
        html.contains("<div class=\"box outer\" data-count=\"1\" data-open=\"false\">\n<p>Outer.</p>\n<div class=\"box inner\" data-count=\"1\" data-open=\"false\">\n<p>Inner <kbd data-os=\"any\">x</kbd>.</p>\n</div>\n<p>After.</p>\n</div>"),
        "{html}"
    );
}

#[test]
fn an_indented_body_does_not_become_a_code_block() {
    let site = site();
    let html = build_page(
        &site,
        ":::box\n\n    Indented for the eye.\n\n    - a list\n\n:::\n",
    );
    assert!(html.contains("<p>Indented for the eye.</p>"), "{html}");
    assert!(html.contains("<li>a list</li>"), "{html}");
    assert!(!html.contains("<pre>"), "{html}");
}

#[test]
fn a_body_holds_code_fences_and_raw_html() {
    let site = site();
    let html = build_page(
        &site,
        ":::box\n```\n:::\n:kbd[x]\n```\n\n<div class=\"raw\">\n*not markdown*\n</div>\n\n:::\n",
    );
    assert!(
        html.contains("<pre><code>:::\n:kbd[x]\n</code></pre>\n<div class=\"raw\">\n*not markdown*\n</div>\n</div>"),
        "{html}"
    );
}

#[test]
fn a_component_right_after_a_heading() {
    let site = site();
    let html = build_page(&site, "## Title\n:::box\nBody.\n:::\n");
    assert!(
        html.contains("<h2 id=\"title\">Title</h2>\n<div class=\"box note\" data-count=\"1\" data-open=\"false\">\n<p>Body.</p>\n</div>"),
        "{html}"
    );
}

#[test]
fn calls_in_code_are_left_alone_and_a_backslash_writes_them_literally() {
    let site = site();
    let html = build_page(
        &site,
        "Code `:kbd[x]` and `:::box`.\n\n```\n:::box\n```\n\n    ::box\n\n\\:::box\n\n\\:kbd[y]\n",
    );
    assert!(
        html.contains("<code>:kbd[x]</code> and <code>:::box</code>"),
        "{html}"
    );
    assert!(html.contains("<pre><code>:::box\n</code></pre>"), "{html}");
    assert!(html.contains("<pre><code>::box\n</code></pre>"), "{html}");
    assert!(html.contains("<p>:::box</p>"), "{html}");
    assert!(html.contains("<p>:kbd[y]</p>"), "{html}");
    assert!(!html.contains("class=\"box"), "{html}");
}

#[test]
fn a_code_fence_named_after_a_component_is_rendered_by_it() {
    let site = site();
    let html = build_page(
        &site,
        "```box {kind=diagram}\nA -> B <c>\n```\n\n```kbd\nnot a block component\n```\n",
    );
    assert!(
        html.contains("<div class=\"box diagram\" data-count=\"1\" data-open=\"false\">\nA -&gt; B &lt;c&gt;\n</div>"),
        "{html}"
    );
    assert!(
        html.contains(
            "<pre class=\"code\"><code class=\"language-kbd\">not a block component\n</code></pre>"
        ),
        "{html}"
    );
}

#[test]
fn call_mistakes_are_errors_at_the_call_with_a_hint() {
    let site = site();
    let body = ":::bx\nA.\n:::\n\n::box{knd=tip}\n\n::box{count=many}\n\n:kbd[x]{os=mac os=pc}\n\n::kbd\n\n:::box\nnever closed\n";
    let text = page("title: P", body);
    site.file("content/p.md", &text);
    let run = site.build(&[]);
    run.assert_code(1);
    let at = |needle: &str| {
        let (line, col) = position_of(&text, needle);
        format!("content/p.md:{line}:{col}: error:")
    };
    let lines = error_lines(&run);
    let expected = [
        format!("{} no component named `bx`", at("bx\n")),
        format!("{} `box` has no argument `knd`", at("knd")),
        format!("{} `count` takes a whole number, not \"many\"", at("many")),
        format!("{} the argument `os` is given twice", at("os=pc")),
        format!(
            "{} `kbd` is an inline component: call it in a line of text as `:kbd[text]{{…}}`",
            at("kbd\n\n:::")
        ),
        format!("{} `:::box` is never closed", at("box\nnever")),
    ];
    assert_eq!(lines, expected, "{}", run.stderr);
    run.assert_stderr_has("help: did you mean `box`?");
    run.assert_stderr_has("help: did you mean `kind`?");
}

#[test]
fn a_missing_argument_is_an_error_at_the_call() {
    let site = site();
    site.file(
        "themes/t/templates/components/needs.html",
        "{% component needs(title: string) %}{{ title }}{% endcomponent needs %}",
    );
    let text = page("title: P", "Text.\n\n::needs\n");
    site.file("content/p.md", &text);
    let run = site.build(&[]);
    run.assert_code(1);
    let (line, col) = position_of(&text, "needs\n");
    assert_eq!(
        error_lines(&run),
        [format!(
            "content/p.md:{line}:{col}: error: `needs` needs the argument `title`"
        )]
    );
}

#[test]
fn a_component_that_crosses_a_block_boundary_is_an_error() {
    let site = site();
    let text = page("title: P", "- item\n  :::box\n  text\n\n:::\n");
    site.file("content/p.md", &text);
    let run = site.build(&[]);
    run.assert_code(1);
    run.assert_stderr_has(
        "`box` starts inside a list item, blockquote or other block and ends outside it",
    );
}

#[test]
fn the_sites_component_replaces_the_themes_file_by_file() {
    let site = site();
    site.file(
        "templates/components/box.html",
        "{% component box(kind: string = \"mine\") %}<section class=\"{{ kind }}\">{{ body }}</section>{% endcomponent box %}",
    );
    let html = build_page(&site, ":::box\nA.\n:::\n\n:kbd[k]\n");
    assert!(
        html.contains("<section class=\"mine\"><p>A.</p>\n</section>"),
        "{html}"
    );
    assert!(html.contains("<kbd data-os=\"any\">k</kbd>"), "{html}");
}

#[test]
fn a_component_file_must_define_its_component() {
    let site = site();
    site.file(
        "themes/t/templates/components/empty.html",
        "{% component other() %}{% endcomponent other %}",
    );
    let run = site.build(&[]);
    run.assert_code(1);
    run.assert_stderr_has(
        "themes/t/templates/components/empty.html: error: no component named `empty` is defined here",
    );
}

#[test]
fn data_files_are_site_data_and_load_data() {
    let site = site();
    site.file("data/signs.yaml", "urgent: [fever, \"weight loss\"]\n");
    site.file("data/bodies/list.json", "{\"names\": [\"AMTA\"]}\n");
    site.file("data/areas.csv", "area,note\nlower back,\"firm, slow\"\n");
    site.file(
        "templates/index.html",
        "{% for s in site.data.signs.urgent %}sign={{ s }}\n{% endfor %}body={{ site.data.bodies.list.names[0] }}\n{% set areas = load_data(path=\"areas.csv\") %}area={{ areas[0].area }}:{{ areas[0].note }}\n",
    );
    site.file(
        "themes/t/templates/components/signs.html",
        "{% component signs() %}{% set data = load_data(path=\"signs.yaml\") %}<ul>{% for s in data.urgent %}<li>{{ s }}</li>{% endfor %}</ul>{% endcomponent signs %}",
    );
    let html = build_page(&site, "::signs\n");
    assert_eq!(
        site.output("index.html"),
        "sign=fever\nsign=weight loss\nbody=AMTA\narea=lower back:firm, slow\n"
    );
    assert!(
        html.contains("<ul><li>fever</li><li>weight loss</li></ul>"),
        "{html}"
    );
}

#[test]
fn data_file_errors_are_at_their_line_and_column() {
    let site = site();
    site.file("data/a.yaml", "ok: 1\nbad: [unclosed\n");
    site.file("data/b.json", "{\n  \"x\": 1,\n  oops\n}\n");
    site.file("data/c.csv", "a,b\n1,2\n3\n");
    let run = site.build(&[]);
    run.assert_code(1);
    let lines = error_lines(&run);
    assert_eq!(lines.len(), 3, "{}", run.stderr);
    assert!(
        lines[0].starts_with("data/a.yaml:3:1: error: invalid YAML"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("data/b.json:3:3: error: invalid JSON: key must be a string"),
        "{lines:?}"
    );
    assert_eq!(
        lines[2],
        "data/c.csv:3:1: error: invalid CSV: this row has 1 fields, the header 2"
    );
}

#[test]
fn load_data_of_a_missing_file_says_what_is_there() {
    let site = site();
    site.file("data/signs.yaml", "a: 1\n");
    site.file(
        "templates/index.html",
        "{% set d = load_data(path=\"sign.yaml\") %}{{ d.a }}",
    );
    let run = site.build(&[]);
    run.assert_code(1);
    run.assert_stderr_has("there is no data file data/sign.yaml; did you mean \"signs.yaml\"?");
}

/// The dough components, in the test theme.
fn site_with_dough_components() -> TestSite {
    let site = TestSite::new();
    let dough = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/dough/templates/components");
    for entry in fs::read_dir(&dough).expect("dough components") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let text = fs::read_to_string(&path).expect("read component");
        site.file(&format!("themes/t/templates/components/{name}"), &text);
    }
    site.file("content/guide.md", &page("title: The Guide", "## Signs\n"));
    site.bytes(
        "content/photo.png",
        &crate::images::image_bytes(640, 480, image::ImageFormat::Png),
    );
    site
}

#[test]
fn bundled_components_html() {
    let site = site_with_dough_components();
    let html = build_page(
        &site,
        ":::callout\nA note.\n:::\n\n:::callout{type=tip title=\"Warm your hands\"}\nA tip.\n:::\n\n\
         :::callout{type=warning}\nA warning.\n:::\n\n:::callout{type=danger}\nSee the [[The Guide#signs|warning signs]].\n:::\n\n\
         ::technique{duration=\"5 minutes\" pressure=light area=\"lower back\" avoid=\"fresh injuries\"}\n\n\
         :::figure{src=photo.png alt=\"Open hands on a back\" credit=\"Photo: A. Author\" licence=\"CC BY 4.0\" licence_url=\"https://creativecommons.org/licenses/by/4.0/\" width=640 height=480}\nHands *flat*.\n:::\n\n\
         ::figure{src=photo.png alt=\"No caption\"}\n\n:::link_card{to=\"guide\"}\nWhat to check first.\n:::\n",
    );
    insta::assert_snapshot!(html);
}

#[test]
fn a_callout_type_is_checked_by_the_component() {
    let site = site_with_dough_components();
    let text = page("title: P", ":::callout{type=danjer}\nA.\n:::\n");
    site.file("content/p.md", &text);
    let run = site.build(&[]);
    run.assert_code(1);
    let (line, col) = position_of(&text, "callout");
    run.assert_stderr_has(&format!(
        "content/p.md:{line}:{col}: error: component `callout` failed"
    ));
    run.assert_stderr_has("callout: type is note, tip, warning or danger, not \"danjer\"");
}

#[test]
fn a_link_card_to_a_missing_page_is_an_error_at_the_argument() {
    let site = site_with_dough_components();
    let text = page("title: P", "::link_card{to=\"The Gide\"}\n");
    site.file("content/p.md", &text);
    let run = site.build(&[]);
    run.assert_code(1);
    let (line, col) = position_of(&text, "The Gide");
    assert_eq!(
        error_lines(&run),
        [format!(
            "content/p.md:{line}:{col}: error: no page has the title or slug \"The Gide\""
        )]
    );
    run.assert_stderr_has("did you mean [[The Guide]]?");
}

/// Saves as editors that write atomically do.
fn save(site: &TestSite, rel: &str, text: &str) {
    let path = site.path(rel);
    let temporary = path.with_file_name(".knead-test-save.tmp");
    fs::write(&temporary, text).expect("write temporary");
    fs::rename(&temporary, &path).expect("rename into place");
}

#[track_caller]
fn assert_same_as_full_build(site: &TestSite) {
    let _ = fs::remove_dir_all(site.path("fresh"));
    site.build(&["--output", "fresh"]).assert_ok();
    let files = |dir: &str| -> Vec<_> {
        site.snapshot(dir)
            .into_iter()
            .filter(|(path, _)| path != Path::new(".knead-output"))
            .collect()
    };
    assert!(
        files("output") == files("fresh"),
        "the watched output differs from a full build"
    );
}

#[test]
fn editing_a_component_a_data_file_or_a_calling_page_rebuilds_what_uses_it() {
    let site = site();
    site.file("data/signs.yaml", "first: fever\n");
    site.file(
        "themes/t/templates/components/signs.html",
        "{% component signs() %}{% set d = load_data(path=\"signs.yaml\") %}<p class=\"signs\">{{ d.first }}</p>{% endcomponent signs %}",
    );
    site.file(
        "content/p.md",
        &page("title: P", "::signs\n\n:::box\nOne.\n:::\n"),
    );
    let watch = Watch::start(&site);
    assert!(
        site.output("p/index.html")
            .contains("<p class=\"signs\">fever</p>")
    );

    save(&site, "data/signs.yaml", "first: chest pain\n");
    watch.settle();
    assert!(
        site.output("p/index.html")
            .contains("<p class=\"signs\">chest pain</p>")
    );
    assert_same_as_full_build(&site);

    save(
        &site,
        "themes/t/templates/components/box.html",
        "{% component box(kind: string = \"note\") %}<aside>{{ body }}</aside>{% endcomponent box %}",
    );
    watch.settle();
    assert!(
        site.output("p/index.html")
            .contains("<aside><p>One.</p>\n</aside>")
    );
    assert_same_as_full_build(&site);

    save(
        &site,
        "content/p.md",
        &page("title: P", "::signs\n\n:::box\nTwo.\n:::\n"),
    );
    let lines = watch.settle();
    assert!(
        lines.iter().any(|l| l.contains("(incremental: ")),
        "a body edit stays incremental: {lines:?}"
    );
    assert!(
        site.output("p/index.html")
            .contains("<aside><p>Two.</p>\n</aside>")
    );
    assert_same_as_full_build(&site);
}
