//! Stage benchmarks (criterion): each stage of the build pipeline in
//! `src/lib.rs` on one deterministic synthetic site, generated here into a
//! temporary folder (on `/dev/shm` when it exists, so disk noise stays out).
//!
//! The site: a home page, 10 sections of 100 pages each (1,000 pages of about
//! 800 words with headings, a numbered and a bulleted list, a table, 4 relative
//! `.md` links, one of them with an anchor, and an external link), 3 tags per
//! page from 25, and a minimal theme (index, section, page, taxonomy and term
//! templates).
//!
//! Run with `cargo bench --bench stages`; filter with e.g.
//! `cargo bench --bench stages -- markdown/`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use tempfile::TempDir;

use kneading::diagnostic::Diagnostics;
use kneading::load::config::{Config, parse_config};
use kneading::load::discover::{MarkdownFile, Sources, load_sources};
use kneading::load::front_matter::{parse_front_matter, split};
use kneading::names::{CONFIG_FILE, CONTENT_DIR, MARKER_FILE};
use kneading::output::plan::{CopiedFiles, OutputPlan, plan_output};
use kneading::output::stamp::{self, DigestInputs};
use kneading::output::write::write_output;
use kneading::pipeline::{BuildOptions, build};
use kneading::publish::{RenderedFile, aliases, search};
use kneading::render::links::{LinkIndex, PageLinks};
use kneading::render::markdown::{LinkRef, Resolution, render_markdown};
use kneading::render::{Rendering, render_and_link, render_pages};
use kneading::site::build::{Loaded, SiteOptions, load_site};
use kneading::site::{OutputFiles, PageId, Site};
use kneading::templates::{PageRenderer, TemplateInput, queue_renders};

const SECTIONS: usize = 10;
const PAGES_PER_SECTION: usize = 100;
const PAGES: usize = SECTIONS * PAGES_PER_SECTION;
const TAGS: usize = 25;
/// The page the one-page benchmarks use (`section-00/page-0042.md`).
const SAMPLE_PAGE: usize = 42;

fn main() {
    let fixture = Fixture::new();
    let mut c = Criterion::default().configure_from_args();
    bench_discover(&mut c, &fixture);
    bench_front_matter(&mut c, &fixture);
    bench_site_model(&mut c, &fixture);
    bench_markdown(&mut c, &fixture);
    bench_templates(&mut c, &fixture);
    bench_output(&mut c, &fixture);
    bench_build(&mut c, &fixture);
    c.final_summary();
}

// ---------------------------------------------------------------------------
// Benchmarks, one group per stage.

/// Settings for groups whose every iteration handles the whole site.
fn whole_site(group: &mut BenchmarkGroup<'_, WallTime>, seconds: u64) {
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(seconds))
        .throughput(Throughput::Elements(PAGES as u64));
}

/// Settings for groups of microsecond-scale, one-page benchmarks.
fn one_page(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(1));
}

/// Discovery: walking content/ and the theme and reading every file; then the
/// digest of what was read.
fn bench_discover(c: &mut Criterion, f: &Fixture) {
    let mut group = c.benchmark_group("discover");
    whole_site(&mut group, 3);
    group.bench_function("load_sources", |b| {
        b.iter(|| {
            let mut diagnostics = Diagnostics::default();
            load_sources(black_box(&f.root), &f.config, &mut diagnostics)
        })
    });
    // The build stamp's digest of every input (skips the build when unchanged).
    let config_text = fs::read_to_string(f.root.join(CONFIG_FILE)).expect("site.yaml");
    let content_dir = f.root.join(CONTENT_DIR);
    let inputs = DigestInputs {
        content_dir: &content_dir,
        config_text: &config_text,
        base_url: None,
        drafts: false,
    };
    group.bench_function("input_digest", |b| {
        b.iter(|| stamp::input_digest(&inputs, black_box(&f.sources)))
    });
    group.finish();
}

/// Front matter: `split` + `parse_front_matter`, for one page and for all.
fn bench_front_matter(c: &mut Criterion, f: &Fixture) {
    let path = Path::new("content/section-00/page-0042.md");
    let text = &f.page_file(SAMPLE_PAGE).text;
    let mut group = c.benchmark_group("front_matter");
    one_page(&mut group);
    group.bench_function("split_parse/one_page", |b| {
        b.iter(|| {
            let parts = split(path, black_box(text)).expect("front matter");
            parse_front_matter(path, &parts, &f.config.taxonomies).expect("valid")
        })
    });
    group.finish();

    let mut group = c.benchmark_group("front_matter");
    whole_site(&mut group, 3);
    group.sample_size(20).sampling_mode(SamplingMode::Auto);
    group.bench_function("split_parse/all_pages", |b| {
        b.iter(|| {
            for file in &f.sources.markdown {
                let parts = split(&file.rel_path, black_box(&file.text)).expect("front matter");
                let meta = parse_front_matter(&file.rel_path, &parts, &f.config.taxonomies)
                    .expect("valid");
                black_box(meta);
            }
        })
    });
    group.finish();
}

/// The site model: front matter of every page (in parallel), URLs, sections,
/// taxonomies. Cloning the input is not timed.
fn bench_site_model(c: &mut Criterion, f: &Fixture) {
    let mut group = c.benchmark_group("site");
    whole_site(&mut group, 3);
    group.bench_function("load_site", |b| {
        b.iter_batched(
            || (f.config.clone(), f.sources.markdown.clone()),
            |(config, markdown)| f.load_site_from(config, markdown),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// Markdown with links resolved: one page with a trivial resolver and with the
/// real one, then every page.
fn bench_markdown(c: &mut Criterion, f: &Fixture) {
    let options = f.config.markdown;
    let body = &f.bodies[f.sample_id];

    let mut group = c.benchmark_group("markdown");
    one_page(&mut group);
    group.bench_function("render/one_page/closure_resolver", |b| {
        b.iter(|| {
            let mut resolver = |link: &LinkRef<'_>| -> Option<Resolution> {
                let (path, fragment) = link.dest.split_once('#').unwrap_or((link.dest, ""));
                let stem = path.strip_suffix(".md")?;
                let mut url = format!("/{}/", stem.trim_start_matches("../"));
                if !fragment.is_empty() {
                    url.push('#');
                    url.push_str(fragment);
                }
                Some(Resolution {
                    url,
                    label: None,
                    image: None,
                })
            };
            render_markdown(black_box(body), &options, &mut resolver)
        })
    });
    let index = LinkIndex::new(&f.site, &f.files);
    group.bench_function("render/one_page/page_links", |b| {
        b.iter(|| {
            let mut links = PageLinks::new(&index, f.sample_id, body);
            let rendered = render_markdown(black_box(body), &options, &mut links);
            (rendered, links.found)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("markdown");
    whole_site(&mut group, 3);
    group.bench_function("link_index", |b| {
        b.iter(|| LinkIndex::new(black_box(&f.site), &f.files))
    });
    group.bench_function("render/all_pages/parallel", |b| {
        b.iter(|| {
            let index = LinkIndex::new(&f.site, &f.files);
            render_pages(&f.site, &index, &f.bodies, &Default::default())
        })
    });
    group.bench_function("render/all_pages/serial", |b| {
        b.iter(|| {
            let index = LinkIndex::new(&f.site, &f.files);
            f.bodies
                .iter()
                .enumerate()
                .map(|(id, body)| {
                    let mut links = PageLinks::new(&index, id, body);
                    (render_markdown(body, &options, &mut links), links.found)
                })
                .collect::<Vec<_>>()
        })
    });
    // The whole of render_and_link: rendering, anchors, backlinks, related
    // pages. A fresh copy of the bodies per iteration (not timed).
    group.bench_function("render_and_link", |b| {
        b.iter_batched(
            || f.bodies.clone(),
            |bodies| {
                let mut diagnostics = Diagnostics::default();
                render_and_link(
                    &f.site,
                    bodies,
                    &f.files,
                    &Default::default(),
                    &mut diagnostics,
                )
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// Templates: parsing the theme, queueing and rendering every page, section,
/// taxonomy and term page; then the search index.
fn bench_templates(c: &mut Criterion, f: &Fixture) {
    let mut group = c.benchmark_group("templates");
    whole_site(&mut group, 4);
    // Each iteration gets its own copy of the pages' HTML (not timed), as
    // the build hands queue_renders the HTML it takes out of the rendering.
    group.bench_function("queue_and_render", |b| {
        b.iter_batched(
            || page_contents(&f.rendering),
            |contents| {
                let input = TemplateInput {
                    templates: &f.sources.templates,
                    files: Arc::clone(&f.files),
                    data: Default::default(),
                };
                let mut diagnostics = Diagnostics::default();
                let renderer = queue_renders(
                    black_box(&f.site),
                    &f.rendering,
                    contents,
                    &input,
                    &mut diagnostics,
                );
                let texts: Vec<Option<String>> = renderer
                    .files()
                    .map(|(job, _, _)| renderer.render(job))
                    .collect();
                texts
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("search_index", |b| {
        b.iter(|| {
            search::SearchIndex::new(black_box(&f.site), &f.rendering)
                .map(|mut s| s.files(&f.site, &f.rendering, 0..f.site.pages.len()))
        })
    });
    group.finish();
}

/// Output: planning the files, then writing them into a fresh folder and over
/// an existing one (which write_output moves aside and deletes).
fn bench_output(c: &mut Criterion, f: &Fixture) {
    let mut group = c.benchmark_group("output");
    whole_site(&mut group, 4);
    group.bench_function("plan", |b| {
        b.iter_batched(
            || copy_generated(&f.generated),
            |generated| plan(f, generated),
            BatchSize::PerIteration,
        )
    });
    let plan = plan(f, copy_generated(&f.generated));
    let fresh = f.scratch.join("out-write-fresh");
    group.bench_function("write_output/fresh_folder", |b| {
        b.iter_batched(
            || remove_dir(&fresh),
            |()| write_output(&fresh, &plan, &f.renderer, None).expect("written"),
            BatchSize::PerIteration,
        )
    });
    let existing = f.scratch.join("out-write-existing");
    write_output(&existing, &plan, &f.renderer, None).expect("written");
    group.bench_function("write_output/existing_folder", |b| {
        b.iter(|| write_output(&existing, &plan, &f.renderer, None).expect("written"))
    });
    group.finish();
    remove_dir(&fresh);
    remove_dir(&existing);
}

/// The whole `kneading::build`: into a removed folder each iteration; over
/// the previous build's folder with its stamp cleared, so everything is
/// rendered again but unchanged files are linked, not written; and over an
/// up-to-date folder, where the stamp lets the build skip rendering and
/// writing. Removing the folder or clearing the stamp is not timed.
fn bench_build(c: &mut Criterion, f: &Fixture) {
    let mut group = c.benchmark_group("build");
    whole_site(&mut group, 6);
    let clean = f.build_options("out-build-clean");
    let clean_dir = clean.output_dir();
    group.bench_function("clean_output", |b| {
        b.iter_batched(
            || remove_dir(&clean_dir),
            |()| build(&clean).expect("build"),
            BatchSize::PerIteration,
        )
    });
    let existing = f.build_options("out-build-existing");
    let marker = existing.output_dir().join(MARKER_FILE);
    build(&existing).expect("build");
    group.bench_function("existing_output/stamp_cleared", |b| {
        b.iter_batched(
            || fs::write(&marker, "").expect("clear the stamp"),
            |()| build(&existing).expect("build"),
            BatchSize::PerIteration,
        )
    });
    build(&existing).expect("build");
    group.bench_function("existing_output/up_to_date", |b| {
        b.iter(|| build(&existing).expect("build"))
    });
    group.finish();
    remove_dir(&clean_dir);
    remove_dir(&existing.output_dir());
}

/// The output plan of the fixture (which has no static files).
fn plan(f: &Fixture, generated: Vec<RenderedFile>) -> OutputPlan {
    let mut diagnostics = Diagnostics::default();
    let static_files = BTreeMap::new();
    let copied = CopiedFiles {
        root: &f.root,
        static_files: &static_files,
    };
    let plan = plan_output(&f.site, &f.renderer, generated, &copied, &mut diagnostics);
    assert_clean("plan_output", diagnostics);
    plan
}

fn page_contents(rendering: &Rendering) -> Vec<String> {
    rendering.pages.iter().map(|p| p.html.clone()).collect()
}

fn copy_generated(files: &[RenderedFile]) -> Vec<RenderedFile> {
    files
        .iter()
        .map(|file| RenderedFile {
            rel_path: file.rel_path.clone(),
            source: file.source.clone(),
            text: file.text.clone(),
        })
        .collect()
}

fn remove_dir(path: &Path) {
    match fs::remove_dir_all(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("cannot remove {}: {e}", path.display()),
    }
}

// ---------------------------------------------------------------------------
// The fixture: the synthetic site on disk and each stage's output, computed
// once so every benchmark starts from the previous stage's real value.

struct Fixture {
    /// Holds the temporary folder; removed when the fixture is dropped.
    _dir: TempDir,
    /// The site root (site.yaml, content/, themes/).
    root: PathBuf,
    /// Beside the root, for output folders.
    scratch: PathBuf,
    config: Config,
    sources: Sources,
    /// The site model, from load_site.
    site: Site,
    /// Each page's Markdown body, which rendering starts from.
    bodies: Vec<String>,
    /// The site's files that are not pages.
    files: Arc<OutputFiles>,
    /// What render_and_link made (the HTML still in it).
    rendering: Rendering,
    sample_id: PageId,
    /// queue_renders' queue.
    renderer: PageRenderer,
    /// Alias pages and the search index.
    generated: Vec<RenderedFile>,
}

impl Fixture {
    fn new() -> Fixture {
        let started = Instant::now();
        let dir = temp_dir();
        let root = dir.path().join("site");
        let scratch = dir.path().to_path_buf();
        write_site(&root);

        let config_text = fs::read_to_string(root.join(CONFIG_FILE)).expect("site.yaml");
        let config = parse_config(Path::new(CONFIG_FILE), &config_text).expect("config");
        let mut diagnostics = Diagnostics::default();
        let sources = load_sources(&root, &config, &mut diagnostics);
        assert_clean("load_sources", diagnostics);
        assert_eq!(sources.markdown.len(), PAGES + SECTIONS + 1);

        let mut diagnostics = Diagnostics::default();
        let Loaded { site, bodies } = load_site(
            config.clone(),
            sources.markdown.clone(),
            &Default::default(),
            Vec::new(),
            &SiteOptions { drafts: false },
            &mut diagnostics,
        );
        let files = Arc::new(OutputFiles::new(&site, &[]));
        let rendering = render_and_link(
            &site,
            bodies.clone(),
            &files,
            &Default::default(),
            &mut diagnostics,
        );
        assert_clean("render_and_link", diagnostics);
        let sample_path = Path::new("section-00").join(page_name(SAMPLE_PAGE));
        let sample_id = site
            .pages
            .iter()
            .position(|p| p.rel_path == sample_path)
            .expect("sample page");

        let mut diagnostics = Diagnostics::default();
        let input = TemplateInput {
            templates: &sources.templates,
            files: Arc::clone(&files),
            data: Default::default(),
        };
        let renderer = queue_renders(
            &site,
            &rendering,
            page_contents(&rendering),
            &input,
            &mut diagnostics,
        );
        let mut generated = aliases::alias_pages(&site, &mut diagnostics);
        if let Some(mut index) = search::SearchIndex::new(&site, &rendering) {
            generated.extend(index.files(&site, &rendering, 0..site.pages.len()));
        }
        generated.extend(aliases::pager_redirects(&site));
        assert_clean("queue_renders", diagnostics);

        let words: usize = rendering.pages.iter().map(|p| p.word_count).sum();
        let bytes: usize = sources.markdown.iter().map(|m| m.text.len()).sum();
        let links: usize = rendering.backlinks.iter().map(Vec::len).sum();
        eprintln!(
            "fixture: {} pages ({} sections), {} words/page on average, {} KiB of Markdown, \
             {} page-to-page links, {} output files, in {} ({:.2?} to set up)",
            site.pages.len(),
            SECTIONS + 1,
            words / site.pages.len(),
            bytes / 1024,
            links,
            renderer.files().count() + generated.len(),
            dir.path().display(),
            started.elapsed(),
        );
        Fixture {
            _dir: dir,
            root,
            scratch,
            config,
            sources,
            site,
            bodies,
            files,
            rendering,
            sample_id,
            renderer,
            generated,
        }
    }

    fn page_file(&self, page: usize) -> &MarkdownFile {
        let path = Path::new(&section_name(page / PAGES_PER_SECTION)).join(page_name(page));
        self.sources
            .markdown
            .iter()
            .find(|m| m.rel_path == path)
            .expect("page file")
    }

    fn load_site_from(&self, config: Config, markdown: Vec<MarkdownFile>) -> Loaded {
        let mut diagnostics = Diagnostics::default();
        load_site(
            config,
            markdown,
            &Default::default(),
            Vec::new(),
            &SiteOptions { drafts: false },
            &mut diagnostics,
        )
    }

    fn build_options(&self, output: &str) -> BuildOptions {
        BuildOptions {
            root: self.root.clone(),
            output_dir: Some(self.scratch.join(output)),
            base_url: None,
            drafts: false,
            progress: None,
        }
    }
}

fn assert_clean(stage: &str, diagnostics: Diagnostics) {
    let found = diagnostics.into_sorted();
    assert!(
        found.is_empty(),
        "the synthetic site should have no diagnostics after {stage}, found:\n{}",
        found
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// On tmpfs when there is one: the benchmarks measure knead, not the disk.
fn temp_dir() -> TempDir {
    let shm = Path::new("/dev/shm");
    let builder = {
        let mut builder = tempfile::Builder::new();
        builder.prefix("knead-stages-");
        builder
    };
    if shm.is_dir()
        && let Ok(dir) = builder.tempdir_in(shm)
    {
        return dir;
    }
    builder.tempdir().expect("temporary folder")
}

// ---------------------------------------------------------------------------
// The synthetic site. Deterministic: the same bytes on every run.

const SITE_YAML: &str = "\
title: Stage Bench
base_url: https://example.org/
description: A synthetic site for knead's stage benchmarks.
language: en
theme: minimal
taxonomies: [tags]
search: true
markdown:
  smart_punctuation: true
  heading_anchors: true
";

const THEME: &[(&str, &str)] = &[
    ("index.html", INDEX_HTML),
    ("section.html", SECTION_HTML),
    ("page.html", PAGE_HTML),
    ("taxonomy.html", TAXONOMY_HTML),
    ("term.html", TERM_HTML),
];

const INDEX_HTML: &str = r##"<!doctype html>
<html lang="{{ site.language }}"><head><meta charset="utf-8"><title>{{ site.title }}</title></head>
<body>
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul>{% for s in site.sections %}<li><a href="{{ s.url }}">{{ s.title }}</a> {{ s.description }}</li>{% endfor %}</ul>
</body></html>
"##;

const SECTION_HTML: &str = r##"<!doctype html>
<html lang="{{ site.language }}"><head><meta charset="utf-8"><title>{{ section.title }} | {{ site.title }}</title></head>
<body>
<nav>{% for s in site.sections %}<a href="{{ s.url }}">{{ s.title }}</a> {% endfor %}</nav>
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul>{% for p in section.pages %}<li><a href="{{ p.url }}">{{ p.title }}</a> {{ p.date }}</li>{% endfor %}</ul>
</body></html>
"##;

const PAGE_HTML: &str = r##"<!doctype html>
<html lang="{{ site.language }}"><head><meta charset="utf-8"><title>{{ page.title }} | {{ site.title }}</title>
<meta name="description" content="{{ page.description }}"></head>
<body>
<nav>{% for s in site.sections %}<a href="{{ s.url }}">{{ s.title }}</a> {% endfor %}</nav>
<article>
<h1>{{ page.title }}</h1>
<p><time>{{ page.date }}</time> · {{ page.reading_time }} min</p>
<ul class="tags">{% for t in page.taxonomies.tags %}<li><a href="{{ t.url }}">{{ t.name }}</a></li>{% endfor %}</ul>
<nav class="toc"><ul>{% for h in page.toc %}<li><a href="#{{ h.id }}">{{ h.title }}</a>{% if h.children %}<ul>{% for c in h.children %}<li><a href="#{{ c.id }}">{{ c.title }}</a></li>{% endfor %}</ul>{% endif %}</li>{% endfor %}</ul></nav>
{{ page.content | safe }}
{% if page.backlinks %}<h2>Linked from</h2><ul>{% for p in page.backlinks %}<li><a href="{{ p.url }}">{{ p.title }}</a></li>{% endfor %}</ul>{% endif %}
{% if page.related %}<h2>Related</h2><ul>{% for p in page.related %}<li><a href="{{ p.url }}">{{ p.title }}</a></li>{% endfor %}</ul>{% endif %}
<p>{% if page.prev %}<a href="{{ page.prev.url }}">{{ page.prev.title }}</a>{% endif %} {% if page.next %}<a href="{{ page.next.url }}">{{ page.next.title }}</a>{% endif %}</p>
</article>
</body></html>
"##;

const TAXONOMY_HTML: &str = r##"<!doctype html>
<html lang="{{ site.language }}"><head><meta charset="utf-8"><title>{{ taxonomy.name }} | {{ site.title }}</title></head>
<body>
<h1>{{ taxonomy.name }}</h1>
<ul>{% for t in taxonomy.terms %}<li><a href="{{ t.url }}">{{ t.name }}</a> ({{ t.pages | length }})</li>{% endfor %}</ul>
</body></html>
"##;

const TERM_HTML: &str = r##"<!doctype html>
<html lang="{{ site.language }}"><head><meta charset="utf-8"><title>{{ term.name }} | {{ site.title }}</title></head>
<body>
<h1>{{ taxonomy.name }}: {{ term.name }}</h1>
<ul>{% for p in term.pages %}<li><a href="{{ p.url }}">{{ p.title }}</a> {{ p.date }}</li>{% endfor %}</ul>
</body></html>
"##;

const WORDS: &[&str] = &[
    "dough", "knead", "flour", "water", "salt", "yeast", "rise", "proof", "fold", "stretch",
    "shape", "bake", "oven", "crust", "crumb", "loaf", "starter", "levain", "gluten", "rest",
    "bench", "scale", "bowl", "hand", "palm", "press", "turn", "push", "pull", "slow", "quick",
    "warm", "cool", "moist", "dry", "soft", "firm", "smooth", "sticky", "elastic", "time",
    "minute", "hour", "morning", "evening", "kitchen", "baker", "recipe", "method", "step",
    "result", "texture", "flavour", "aroma", "golden", "brown", "steam", "tray", "tin", "rack",
    "measure", "weigh", "mix", "blend",
];

/// xorshift64*: a fixed sequence per seed, no dependency.
struct Words(u64);

impl Words {
    fn new(seed: u64) -> Words {
        Words(seed.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len())]
    }

    /// `count` words, space-separated.
    fn words(&mut self, count: usize) -> String {
        let mut out = String::new();
        for i in 0..count {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(self.word());
        }
        out
    }

    /// A capitalised sentence of 8 to 15 words, some of them marked up.
    fn sentence(&mut self) -> String {
        let count = 8 + self.below(8);
        let mut out = String::new();
        for i in 0..count {
            if i > 0 {
                out.push(' ');
            }
            let word = self.word();
            match (i, self.below(20)) {
                (0, _) => {
                    let mut chars = word.chars();
                    let first = chars.next().expect("word").to_ascii_uppercase();
                    out.push(first);
                    out.push_str(chars.as_str());
                }
                (_, 0) => write!(out, "*{word}*").expect("write"),
                (_, 1) => write!(out, "**{word}**").expect("write"),
                (_, 2) => write!(out, "`{word}`").expect("write"),
                _ => out.push_str(word),
            }
        }
        out.push('.');
        out
    }

    fn paragraph(&mut self, sentences: usize) -> String {
        (0..sentences)
            .map(|_| self.sentence())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn section_name(section: usize) -> String {
    format!("section-{section:02}")
}

fn page_name(page: usize) -> String {
    format!("page-{page:04}.md")
}

/// The page `offset` places after `page` in its own section, wrapping.
fn in_section(page: usize, offset: usize) -> usize {
    let section = page / PAGES_PER_SECTION;
    section * PAGES_PER_SECTION + (page % PAGES_PER_SECTION + offset) % PAGES_PER_SECTION
}

/// A relative link from `page` to `target`.
fn link(page: usize, target: usize) -> String {
    let (from, to) = (page / PAGES_PER_SECTION, target / PAGES_PER_SECTION);
    if from == to {
        page_name(target)
    } else {
        format!("../{}/{}", section_name(to), page_name(target))
    }
}

fn page_text(page: usize) -> String {
    let mut w = Words::new(page as u64);
    let section = page / PAGES_PER_SECTION;
    let next = in_section(page, 1);
    let prev = in_section(page, PAGES_PER_SECTION - 1);
    let across =
        ((section + 1) % SECTIONS) * PAGES_PER_SECTION + (page * 7 + 3) % PAGES_PER_SECTION;
    let far = ((section + 3) % SECTIONS) * PAGES_PER_SECTION + (page * 13 + 5) % PAGES_PER_SECTION;
    let tag = page % TAGS;
    let tags = [
        tag,
        (tag + 1 + page % 7) % TAGS,
        (tag + 9 + page % 5) % TAGS,
    ];
    let mut s = String::with_capacity(6 * 1024);
    s.push_str("---\n");
    writeln!(s, "title: Page {page:04} {}", w.words(3)).expect("write");
    writeln!(s, "description: {}", w.sentence()).expect("write");
    writeln!(s, "date: 2024-{:02}-{:02}", 1 + page % 12, 1 + page % 28).expect("write");
    writeln!(s, "weight: {}", page % PAGES_PER_SECTION).expect("write");
    writeln!(
        s,
        "tags: [topic-{:02}, topic-{:02}, topic-{:02}]",
        tags[0], tags[1], tags[2]
    )
    .expect("write");
    s.push_str("---\n\n");
    writeln!(
        s,
        "{} See [the next page]({}) for more.\n",
        w.paragraph(8),
        link(page, next)
    )
    .expect("write");
    writeln!(s, "## Overview\n\n{}\n", w.paragraph(6)).expect("write");
    writeln!(
        s,
        "{} Compare [{}]({}), and the [reference](https://example.com/ref/{page}).\n",
        w.paragraph(5),
        w.words(2),
        link(page, across)
    )
    .expect("write");
    s.push_str("## Steps\n\n");
    for i in 1..=5 {
        writeln!(s, "{i}. {}", w.sentence()).expect("write");
    }
    s.push_str("\n### Details\n\n");
    for _ in 0..6 {
        writeln!(s, "- {}", w.sentence()).expect("write");
    }
    s.push_str("\n## Comparison\n\n| Method | Time | Result |\n|---|---|---|\n");
    for _ in 0..6 {
        writeln!(s, "| {} | {} | {} |", w.words(2), w.words(3), w.words(4)).expect("write");
    }
    writeln!(s, "\n## Background\n\n{}\n", w.paragraph(6)).expect("write");
    writeln!(
        s,
        "{} The [overview of {}]({}#overview) explains why.\n",
        w.paragraph(6),
        w.word(),
        link(page, far)
    )
    .expect("write");
    writeln!(
        s,
        "{} Back to [the previous page]({}).\n",
        w.paragraph(5),
        link(page, prev)
    )
    .expect("write");
    writeln!(
        s,
        "### Notes\n\n{}\n\n{}\n\n{}",
        w.paragraph(5),
        w.paragraph(5),
        w.paragraph(5)
    )
    .expect("write");
    s
}

fn section_text(section: usize) -> String {
    let mut w = Words::new(1_000_000 + section as u64);
    format!(
        "---\ntitle: Section {section:02}\ndescription: {}\nweight: {section}\n---\n\n{}\n\n- {}\n- {}\n",
        w.sentence(),
        w.paragraph(4),
        w.sentence(),
        w.sentence()
    )
}

fn write_site(root: &Path) {
    let write = |rel: &Path, text: &str| {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
        fs::write(&path, text).expect("write file");
    };
    write(Path::new(CONFIG_FILE), SITE_YAML);
    let mut home = Words::new(u64::MAX - 1);
    write(
        Path::new("content/_index.md"),
        &format!("---\ntitle: Home\n---\n\n{}\n", home.paragraph(4)),
    );
    for section in 0..SECTIONS {
        let folder = Path::new("content").join(section_name(section));
        write(&folder.join("_index.md"), &section_text(section));
        for page in section * PAGES_PER_SECTION..(section + 1) * PAGES_PER_SECTION {
            write(&folder.join(page_name(page)), &page_text(page));
        }
    }
    for (name, text) in THEME {
        write(&Path::new("themes/minimal/templates").join(name), text);
    }
}
