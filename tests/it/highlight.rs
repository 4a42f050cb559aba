//! Fenced code: highlighted at build time with classes, line numbers and
//! marked lines from the info string, plain for no or an unknown language,
//! and `knead check` warning about an unknown one.

use crate::harness::{TestSite, page, position_of};

/// The `<pre>…</pre>` blocks of a page's output.
fn code_blocks(html: &str) -> Vec<&str> {
    html.match_indices("<pre")
        .map(|(at, _)| &html[at..at + html[at..].find("</pre>").expect("closed") + 6])
        .collect()
}

fn rendered(body: &str) -> Vec<String> {
    let site = TestSite::new();
    site.file("content/code.md", &page("title: Code", body));
    site.build(&[]).assert_ok();
    let html = site.output("code/index.html");
    code_blocks(&html).into_iter().map(String::from).collect()
}

#[test]
fn languages_are_highlighted_with_classes() {
    let body = "```rust\n/// Kneads.\nfn knead(times: u32) -> Option<&'static str> {\n    if times > 2 { return None; } // enough\n    Some(\"dough\\n\")\n}\n```\n\n\
                ```python\ndef rise(minutes=45):\n    \"\"\"Wait.\"\"\"\n    return minutes * 2  # double\n```\n\n\
                ```js\nconst oven = { temp: 220, on: true };\nfunction bake(x) { return `${x} baked`; }\n```\n\n\
                ```yaml\ntitle: Bread # loaf\nsizes: [480, 960]\n```\n\n\
                ```bash\nfor f in *.jpg; do echo \"$f\"; done\n```\n";
    let blocks = rendered(body);
    assert_eq!(blocks.len(), 5);
    for (lang, block) in ["rust", "python", "js", "yaml", "bash"].iter().zip(&blocks) {
        assert!(!block.contains("style="), "inline colours in {block}");
        insta::assert_snapshot!(format!("highlight_{lang}"), block);
    }
}

#[test]
fn line_numbers_and_marked_lines_come_from_the_info_string() {
    let blocks = rendered(
        "```rust {linenos, hl=2-3}\nlet a = 1;\nlet b = 2;\nlet c = 3;\n```\n\n``` {hl=1}\nplain\n```\n",
    );
    insta::assert_snapshot!("highlight_lines", blocks.join("\n"));
}

#[test]
fn code_without_or_with_an_unknown_language_stays_plain() {
    let blocks =
        rendered("```\nfn x() {}\n```\n\n```pyhton\nprint(1)\n```\n\n```text\nfn y\n```\n");
    assert_eq!(
        blocks,
        [
            "<pre><code>fn x() {}\n</code></pre>",
            "<pre class=\"code\"><code class=\"language-pyhton\">print(1)\n</code></pre>",
            "<pre class=\"code\"><code class=\"language-text\">fn y\n</code></pre>",
        ]
    );
}

#[test]
fn check_warns_about_an_unknown_language_at_its_block() {
    let site = TestSite::new();
    let text = page(
        "title: Code\ndescription: Some code.",
        "[[Home]]\n\n```pyhton\nprint(1)\n```\n\n```text\nplain\n```\n\n```zzqx\n?\n```\n",
    );
    site.file("content/code.md", &text);
    site.file(
        "content/_index.md",
        &page("title: Home\ndescription: Home.", "[[Code]]\n"),
    );
    let run = site.knead(
        &["check", "--root", site.root().to_str().expect("utf-8")],
        &[],
    );
    let (line, col) = position_of(&text, "```pyhton");
    assert!(
        run.stdout.contains(&format!(
            "content/code.md:{line}:{col}: warning: no grammar for `pyhton`; did you mean `python`?"
        )),
        "{}",
        run.stdout
    );
    let (line, col) = position_of(&text, "```zzqx");
    assert!(
        run.stdout.contains(&format!(
            "content/code.md:{line}:{col}: warning: no grammar for `zzqx`"
        )),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches("no grammar").count(),
        2,
        "{}",
        run.stdout
    );
}
