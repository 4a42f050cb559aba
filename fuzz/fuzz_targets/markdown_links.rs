//! Markdown rendering with link resolution: the input is the body of one page
//! of a small in-memory site (sections, a folder page with an asset, a draft,
//! two pages sharing a title, a taxonomy), built and linked as a build does
//! (`load_site`, then `render_and_link`). Any body must render, with broken
//! links reported as diagnostics, never a panic; every diagnostic about the
//! page must point at a line of its file.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kneading::load::config::{Config, parse_config};
use kneading::diagnostic::Diagnostics;
use kneading::load::discover::MarkdownFile;
use kneading::render::render_and_link;
use kneading::site::OutputFiles;
use kneading::site::build::{SiteOptions, load_site};
use libfuzzer_sys::fuzz_target;

const SITE_YAML: &str = "title: Fuzz\nbase_url: https://example.org/docs/\ntaxonomies: [tags]\n\
                         search: true\nmarkdown: { smart_punctuation: true, heading_anchors: true }\n";

/// Where the fuzzed page sits, so relative links with `..` have folders to climb.
const FUZZ_PAGE: &str = "guides/fuzz.md";
const FUZZ_FRONT_MATTER: &str = "---\ntitle: Fuzz Page\nrelated: ['[[Swedish Massage]]', '@/guides/first.md#steps']\ntags: [Lower Back]\n---\n";

const PAGES: &[(&str, &str)] = &[
    ("_index.md", "---\ntitle: Home\n---\nWelcome.\n"),
    ("guides/_index.md", "---\ntitle: Guides\n---\nAll guides.\n"),
    (
        "guides/first.md",
        "---\ntitle: First Session\ntags: [back]\n---\n## Before\nRest.\n## Steps\n1. Lie down.\n## Steps\n",
    ),
    (
        "guides/draft.md",
        "---\ntitle: Draft Page\ndraft: true\n---\nLater.\n",
    ),
    (
        "types/swedish.md",
        "---\ntitle: Swedish Massage\ntags: [lower-back]\n---\n## How it feels {#feels}\nGentle.\n",
    ),
    (
        "types/first.md",
        "---\ntitle: First Session\n---\nSame title.\n",
    ),
    (
        "photo/index.md",
        "---\ntitle: Photo\n---\n![a photo](p.png)\n",
    ),
];

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| parse_config(Path::new("site.yaml"), SITE_YAML).expect("config"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let text = format!("{FUZZ_FRONT_MATTER}{body}");
    let last_line = text.matches('\n').count() + 1;
    let mut markdown: Vec<MarkdownFile> = PAGES
        .iter()
        .map(|(rel_path, text)| MarkdownFile {
            rel_path: PathBuf::from(rel_path),
            text: text.to_string(),
        })
        .collect();
    markdown.push(MarkdownFile {
        rel_path: PathBuf::from(FUZZ_PAGE),
        text,
    });
    let assets = vec![
        PathBuf::from("guides/diagram.svg"),
        PathBuf::from("photo/p.png"),
    ];
    let mut diagnostics = Diagnostics::default();
    let options = SiteOptions { drafts: false };
    let loaded = load_site(
        config().clone(),
        markdown,
        assets,
        &options,
        &mut diagnostics,
    );
    let files = OutputFiles::new(&loaded.site, &[Path::new("css/site.css")]);
    render_and_link(
        &loaded.site,
        loaded.bodies,
        &files,
        &Default::default(),
        &mut diagnostics,
    );
    let fuzz_path = Path::new("content").join(FUZZ_PAGE);
    for diagnostic in diagnostics.into_sorted() {
        if diagnostic.path == fuzz_path {
            assert!(diagnostic.line <= last_line, "{diagnostic}");
        }
    }
});
