//! The search index and the bundled theme's search: the theme's script
//! (themes/dough/static/js/search.js, run with node) finds, folds and stems
//! words exactly as knead indexes them, and a query loads only the shards
//! its words are in, with the same results as a search of the whole index.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use kneading::publish::search::{stemmer, terms};
use serde_json::Value;

use crate::harness::{TestSite, page};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `script` with node, `input` on its standard input and `output` (a
/// built site) in `OUTPUT`; its output.
fn node(script: &str, input: &str, output: Option<&Path>) -> String {
    use std::io::Write;
    let mut command = Command::new("node");
    if let Some(output) = output {
        command.env("OUTPUT", output);
    }
    let mut child = command
        .arg("-e")
        .arg(script)
        .env("SEARCH_JS", repo().join("themes/dough/static/js/search.js"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node runs (it is needed by the theme tests)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to node");
    let output = child.wait_with_output().expect("node finishes");
    assert!(output.status.success(), "node failed");
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Every word of the repository's own content and docs, and each with
/// common English endings added, so the stemmer's rules all get exercised.
fn word_list() -> Vec<String> {
    let mut words = BTreeSet::new();
    let mut files = Vec::new();
    for folder in ["content", "docs"] {
        for entry in walkdir::WalkDir::new(repo().join(folder)).sort_by_file_name() {
            let entry = entry.expect("walk");
            if entry.path().extension().is_some_and(|e| e == "md") {
                files.push(entry.path().to_path_buf());
            }
        }
    }
    files.push(repo().join("README.md"));
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for word in text.split(|c: char| !c.is_ascii_alphabetic()) {
            if word.len() > 1 {
                words.insert(word.to_lowercase());
            }
        }
    }
    let endings = [
        "s", "es", "ed", "ing", "ly", "ness", "ful", "ation", "ational", "izer", "ement", "ities",
    ];
    let base: Vec<String> = words.iter().cloned().collect();
    for word in base.iter().filter(|w| w.len() > 3).step_by(3) {
        for ending in endings {
            words.insert(format!("{word}{ending}"));
        }
    }
    words.into_iter().collect()
}

#[test]
fn the_theme_stems_words_exactly_as_the_index_does() {
    let words = word_list();
    assert!(words.len() > 3000, "only {} words", words.len());
    let stemmer = stemmer();
    let rust: Vec<String> = words
        .iter()
        .map(|w| terms(w, &stemmer).collect::<Vec<_>>().join(" "))
        .collect();
    let js = node(
        "const s = require(process.env.SEARCH_JS);\
         const words = require('fs').readFileSync(0, 'utf8').split('\\n');\
         process.stdout.write(words.map(w => s.terms(w, {}).join(' ')).join('\\n'));",
        &words.join("\n"),
        None,
    );
    let js: Vec<&str> = js.split('\n').collect();
    let differ: Vec<String> = words
        .iter()
        .zip(&rust)
        .zip(&js)
        .filter(|((_, r), j)| r.as_str() != **j)
        .map(|((w, r), j)| format!("{w}: rust {r}, js {j}"))
        .collect();
    assert!(
        differ.is_empty(),
        "{} differ: {:?}",
        differ.len(),
        &differ[..differ.len().min(20)]
    );
}

/// Texts with punctuation, other scripts and accents: the theme finds the
/// same terms, folding accents with the table the index wrote.
#[test]
fn the_theme_breaks_and_folds_words_as_the_index_does() {
    let texts = [
        "Lower-back massages (gentle, slow).",
        "Café crème at the Straße; naïve Øresund façade.",
        "the therapist’s hands don't",
        "ÉTUDE 2024 x2 3.5kg",
        "Массаж спины и ΣΟΦΙΑ",
    ];
    let site = TestSite::new();
    site.file(
        "site.yaml",
        &format!("{}search: true\n", crate::harness::SITE_YAML),
    );
    site.file("content/a.md", &page("title: A", &texts.join("\n\n")));
    site.build(&[]).assert_ok();
    let manifest = site.output("search-index.json");
    let stemmer = stemmer();
    let rust: Vec<String> = texts
        .iter()
        .map(|t| terms(t, &stemmer).collect::<Vec<_>>().join(" "))
        .collect();
    let js = node(
        "const s = require(process.env.SEARCH_JS);\
         const [manifest, ...texts] = require('fs').readFileSync(0, 'utf8').split('\\n');\
         const folds = JSON.parse(manifest).folds;\
         process.stdout.write(texts.map(t => s.terms(t, folds).join(' ')).join('\\n'));",
        &format!("{manifest}\n{}", texts.join("\n")),
        None,
    );
    assert_eq!(js.split('\n').collect::<Vec<_>>(), rust);
    assert_eq!(rust[0], "lower back massag gentl slow");
    assert_eq!(rust[1], "cafe creme at the strass naiv oresund facad");
}

/// The script that runs each query against the built output twice: loading
/// shards as the theme does (noting each file fetched), and against the
/// whole index (every shard merged, as if it were one file). Prints one JSON
/// line per query.
const RUN_QUERIES: &str = r#"
const s = require(process.env.SEARCH_JS);
const fs = require('fs');
const dir = process.env.OUTPUT;
const read = (p) => fs.readFileSync(dir + '/' + p, 'utf8');
// As served by a host that compresses JSON (every static host does): gzip.
const gzipped = (p) => require('zlib').gzipSync(fs.readFileSync(dir + '/' + p)).length;
const manifest = JSON.parse(read('search-index.json'));
const whole = {};
manifest.shards.forEach((_, n) => Object.assign(whole, JSON.parse(read('search/t/' + n + '.json'))));
const queries = fs.readFileSync(0, 'utf8').split('\n');
(async () => {
  for (const q of queries) {
    const fetched = [];
    const sharded = new s.Searcher(manifest, (p) => { fetched.push(p); return Promise.resolve(JSON.parse(read(p))); });
    const all = new s.Searcher({ version: manifest.version, folds: manifest.folds, shards: [''] }, () => Promise.resolve(whole));
    const a = await sharded.search(q);
    const b = await all.search(q);
    const firstTen = a.hits.slice(0, 10).map((h) => 'search/p/' + h.page + '.json');
    const files = ['search-index.json', 'js/search.js'].concat(fetched, firstTen);
    const withResults = files.reduce((n, p) => n + gzipped(p), 0);
    // Shard n holds the terms from shards[n] up to shards[n + 1]: it is needed
    // when a query term, or the range of words a prefix starts, falls there.
    const matched = fetched.map((p) => {
      const n = +p.match(/(\d+)\.json$/)[1];
      const lo = manifest.shards[n], hi = manifest.shards[n + 1];
      const inside = (t) => t >= lo && (hi === undefined || t < hi);
      return a.words.filter((w) => inside(w.term) || (w.prefix && (inside(w.prefix) || (w.prefix < lo && w.prefix + '\uffff' >= lo)))).length;
    });
    console.log(JSON.stringify({ q, sharded: a.hits, whole: b.hits, fetched, matched, bytes: withResults }));
  }
})();
"#;

#[test]
fn a_query_loads_only_its_shards_and_finds_what_the_whole_index_finds() {
    let site = TestSite::bundled();
    site.build(&[]).assert_ok();
    let manifest: Value = serde_json::from_str(&site.output("search-index.json")).expect("JSON");
    let shards = manifest["shards"].as_array().expect("shards").len();
    assert!(shards >= 3, "the bundled site's index has {shards} shards");
    let queries = [
        "massages",
        "lower-back",
        "lower back",
        "breastbone",
        "mass",
        "effleurage petrissage",
        "Pregnancy",
        "qqxzzv",
        "thumb pressure",
        "café",
    ];
    let lines = node(RUN_QUERIES, &queries.join("\n"), Some(&site.path("output")));
    let mut found_any = 0;
    for line in lines.lines() {
        let run: Value = serde_json::from_str(line).expect("JSON line");
        let q = &run["q"];
        assert_eq!(
            run["sharded"], run["whole"],
            "{q}: sharded and whole differ"
        );
        let fetched = run["fetched"].as_array().expect("fetched");
        assert!(
            fetched.len() < shards,
            "{q}: fetched {fetched:?} of {shards} shards"
        );
        // Every shard fetched is one a query word falls in.
        for (file, matched) in fetched
            .iter()
            .zip(run["matched"].as_array().expect("matched"))
        {
            assert!(
                matched.as_u64() > Some(0),
                "{q}: {file} is no shard of the query's words"
            );
        }
        // The script, the manifest, the shards and the first ten results' fragments.
        let bytes = run["bytes"].as_u64().expect("bytes");
        assert!(
            bytes <= 40 * 1024,
            "{q}: the first query fetches {bytes} bytes (gzip)"
        );
        found_any += usize::from(!run["sharded"].as_array().expect("hits").is_empty());
    }
    assert!(found_any >= 8, "only {found_any} queries found anything");
}
