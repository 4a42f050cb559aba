//! Property tests (proptest) of the rules that must hold for any input: slugs,
//! front matter, and where resolved links point. Each property runs 256 cases
//! by default; `PROPTEST_CASES=10000 cargo test --test it properties` runs
//! more. A failing case is shrunk and printed, and proptest keeps it in
//! `tests/proptest-regressions/` (committed) so that every later run tries it
//! first.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use kneading::diagnostic::Diagnostics;
use kneading::load::config::{Taxonomy, parse_config};
use kneading::load::discover::{MarkdownFile, decode_text};
use kneading::load::front_matter::{parse_front_matter, split};
use kneading::render::links::LinkIndex;
use kneading::render::markdown::LinkKind;
use kneading::site::build::{SiteOptions, load_site};
use kneading::site::{OutputFiles, Site};
use kneading::slug::slugify;
use proptest::prelude::*;

/// Text made of the pieces a parser cares about mixed with arbitrary Unicode,
/// so that cases reach past the first check more often than random strings do.
fn text_from(pieces: &'static [&'static str]) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(pieces).prop_map(str::to_string),
        1 => any::<String>(),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|parts| parts.concat())
}

const SLUG_PIECES: &[&str] = &[
    " ",
    "-",
    "--",
    "_",
    ".",
    "/",
    "Übung",
    "ß",
    "Æ",
    "日本語",
    "Ελληνικά",
    "🙂",
    "\u{301}",
    "A",
    "z",
    "9",
    "\t",
    "\u{feff}",
    "ǅ",
    "İ",
    "ﬁ",
];

proptest! {
    #[test]
    fn slugify_is_idempotent(text in prop_oneof![any::<String>(), text_from(SLUG_PIECES)]) {
        let slug = slugify(&text);
        prop_assert_eq!(slugify(&slug), slug);
    }

    /// SPEC §5: lowercase ASCII letters and digits joined by single dashes.
    #[test]
    fn slugs_are_url_safe(text in prop_oneof![any::<String>(), text_from(SLUG_PIECES)]) {
        let slug = slugify(&text);
        prop_assert!(
            slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{:?} → {:?}", text, slug
        );
        prop_assert!(!slug.starts_with('-') && !slug.ends_with('-'), "{:?} → {:?}", text, slug);
        prop_assert!(!slug.contains("--"), "{:?} → {:?}", text, slug);
    }
}

const FRONT_MATTER_PIECES: &[&str] = &[
    "---",
    "---\n",
    "---\r\n",
    "--- \n",
    "\n",
    "\r\n",
    "\r",
    "\u{feff}",
    "title: ",
    "title: A\n",
    "tags: ",
    "body_areas: ",
    "date: ",
    "2024-05-01",
    "2024-05-01T09:30:00+02:00",
    "weight: ",
    "draft: ",
    "true",
    "related: ",
    "extra: ",
    "slug: ",
    "aliases: ",
    "- ",
    ": ",
    "  ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    "#",
    "&a ",
    "*a",
    "!tag ",
    "|\n",
    ">\n",
    "~",
    "null",
    "1e999",
    "-9223372036854775809",
    "? ",
    "\t",
];

/// A Markdown file as a build reads it: its bytes (UTF-8, maybe with a BOM).
fn markdown_file() -> impl Strategy<Value = String> {
    prop_oneof![
        text_from(FRONT_MATTER_PIECES),
        text_from(FRONT_MATTER_PIECES).prop_map(|yaml| format!("---\n{yaml}\n---\nbody\n")),
        text_from(FRONT_MATTER_PIECES).prop_map(|yaml| format!("\u{feff}---\r\n{yaml}\r\n---\r\n")),
    ]
}

proptest! {
    /// Any text yields front matter or diagnostics that point into the file,
    /// never a panic; front matter that is accepted has a title.
    #[test]
    fn any_front_matter_yields_a_value_or_an_error(file in markdown_file()) {
        let path = Path::new("content/p.md");
        let text = decode_text(path, file.into_bytes()).expect("a String is valid UTF-8");
        let last_line = text.matches('\n').count() + 1;
        let taxonomies = [
            Taxonomy { name: "tags".into(), slug: "tags".into() },
            Taxonomy { name: "body_areas".into(), slug: "body-areas".into() },
        ];
        let diagnostics = match split(path, &text) {
            Err(diagnostic) => vec![diagnostic],
            Ok(parts) => {
                prop_assert_eq!(&text[parts.body_offset..], parts.body);
                match parse_front_matter(path, &parts, &taxonomies) {
                    Ok(front_matter) => {
                        prop_assert!(!front_matter.title.trim().is_empty());
                        Vec::new()
                    }
                    Err(diagnostics) => {
                        prop_assert!(!diagnostics.is_empty());
                        diagnostics
                    }
                }
            }
        };
        for d in diagnostics {
            prop_assert!(d.line <= last_line, "{} past line {}", d, last_line);
        }
    }
}

const SITE_YAML: &str = "title: Props\nbase_url: https://example.org/docs/\ntaxonomies: [tags]\n";

const PAGES: &[(&str, &str)] = &[
    ("_index.md", "title: Home"),
    ("guides/_index.md", "title: Guides"),
    ("guides/first.md", "title: First Session\ntags: [back]"),
    ("guides/deep/steps.md", "title: Steps"),
    ("guides/draft.md", "title: Draft\ndraft: true"),
    ("types/swedish.md", "title: Swedish Massage"),
    ("photo/index.md", "title: Photo"),
];

const STATIC_FILES: &[&str] = &["css/site.css"];

/// A site under a sub-path, with pages at three depths, a folder page with an
/// asset, a draft and a taxonomy term.
static SITE: LazyLock<Site> = LazyLock::new(|| {
    let config = parse_config(Path::new("site.yaml"), SITE_YAML).expect("valid config");
    let markdown = PAGES
        .iter()
        .map(|(rel_path, yaml)| MarkdownFile {
            rel_path: PathBuf::from(rel_path),
            text: format!("---\n{yaml}\n---\n## Steps\n"),
        })
        .collect();
    let assets = vec![
        PathBuf::from("photo/p.png"),
        PathBuf::from("guides/a b.svg"),
    ];
    let mut diagnostics = Diagnostics::default();
    let loaded = load_site(
        config,
        markdown,
        &Default::default(),
        assets,
        &SiteOptions { drafts: false },
        &mut diagnostics,
    );
    assert!(!diagnostics.has_errors(), "{diagnostics:?}");
    loaded.site
});

static FILES: LazyLock<OutputFiles> = LazyLock::new(|| {
    let static_files: Vec<&Path> = STATIC_FILES.iter().map(Path::new).collect();
    OutputFiles::new(&SITE, &static_files)
});

static INDEX: LazyLock<LinkIndex<'static>> = LazyLock::new(|| LinkIndex::new(&SITE, &FILES));

/// Segments for links that may name anything.
const LINK_PIECES: &[&str] = &[
    "..",
    ".",
    "",
    "guides",
    "deep",
    "types",
    "photo",
    "docs",
    "tags",
    "back",
    "css",
    "first.md",
    "steps.md",
    "swedish.md",
    "draft.md",
    "_index.md",
    "index.md",
    "p.png",
    "a b.svg",
    "a%20b.svg",
    "site.css",
    "404.html",
    "%2e%2e",
    "%2E.",
    "%2F",
    "%2f..",
    "%5c",
    "\\",
    "%00",
    "%ff",
    "first",
    "First Session",
    "swedish",
    "Steps",
    "?x=../..",
    "#steps",
    "#%2e%2e",
];

/// Links that resolve from any page, in each of SPEC §5's forms.
const VALID: &[&str] = &[
    "@/guides/first.md",
    "@/types/swedish.md",
    "@/guides/deep/steps.md",
    "@/photo/index.md",
    "@/photo/p.png",
    "@/guides/a b.svg",
    "@/guides/a%20b.svg",
    "/guides/first/",
    "/guides/first",
    "/types/swedish/",
    "/css/site.css",
    "/tags/",
    "/tags/back/",
    "/404.html",
    "/photo/p.png",
    "/",
    "First Session",
    "first session",
    "swedish",
    "guides/deep/steps",
    "@/guides/first",
    "Photo",
    "Home",
    "",
    "#steps",
];

/// Detours a relative link may take: climbs, dots and their percent-encodings.
const DETOURS: &[&str] = &[
    "../",
    "../",
    "./",
    "guides/../",
    "types/../",
    "%2e%2e/",
    "..%2f",
    "x/../",
    "guides/",
    "deep/",
    ".//",
    "/",
];

/// Content paths, and names relative to a folder, for relative links.
const RELATIVE: &[&str] = &[
    "guides/first.md",
    "types/swedish.md",
    "guides/deep/steps.md",
    "photo/index.md",
    "photo/p.png",
    "guides/a%20b.svg",
    "first.md",
    "swedish.md",
    "deep/steps.md",
    "a b.svg",
    "p.png",
    "_index.md",
    "steps.md",
];

const SUFFIXES: &[&str] = &[
    "",
    "#steps",
    "?x=1",
    "?a=../..#..",
    "#%2e%2e%2f",
    "/",
    "%23x",
];

/// A link target in any of SPEC §5's forms: relative, `@/`, site path, or a
/// wiki name (by title, slug or path). Most name something on the site (some
/// by a detour) so that many cases resolve; the rest are any mix of segments.
fn link() -> impl Strategy<Value = (String, LinkKind)> {
    let suffix = || proptest::sample::select(SUFFIXES);
    let valid = (proptest::sample::select(VALID), suffix())
        .prop_map(|(target, suffix)| format!("{target}{suffix}"));
    let relative = (
        proptest::collection::vec(proptest::sample::select(DETOURS), 0..4),
        proptest::sample::select(RELATIVE),
        suffix(),
    )
        .prop_map(|(detours, target, suffix)| format!("{}{target}{suffix}", detours.concat()));
    let prefix = proptest::sample::select(&["", "@/", "/", "/docs/", "../", "./"][..]);
    let scattered = (
        prefix,
        proptest::collection::vec(
            prop_oneof![
                4 => proptest::sample::select(LINK_PIECES).prop_map(str::to_string),
                1 => any::<String>(),
            ],
            0..8,
        ),
    )
        .prop_map(|(prefix, segments)| format!("{prefix}{}", segments.join("/")));
    let kind = prop_oneof![
        3 => Just(LinkKind::Link),
        1 => Just(LinkKind::Image),
        1 => Just(LinkKind::Wiki { labelled: false }),
        1 => Just(LinkKind::Wiki { labelled: true }),
    ];
    (prop_oneof![valid, relative, scattered], kind)
}

proptest! {
    /// Whatever a link says, a link that resolves points under the base path
    /// and never climbs with a `..` segment (raw or percent-encoded).
    #[test]
    fn resolved_urls_stay_under_the_base_path(
        (written, kind) in link(),
        from in 0..SITE.pages.len(),
    ) {
        if let Ok(Some(target)) = INDEX.resolve(from, &written, kind) {
            let url = INDEX.url(&target);
            let path = url_path(&url);
            prop_assert!(path.starts_with("/docs/"), "{:?} → {:?}", written, url);
            prop_assert!(!climbs(path), "{:?} → {:?}", written, url);
        }
    }
}

/// A URL without its query and fragment.
fn url_path(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// A `.` or `..` segment, or one that decodes to something holding a slash.
fn climbs(path: &str) -> bool {
    path.split('/').any(|segment| {
        let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        decoded == ".." || decoded == "." || decoded.contains(['/', '\\'])
    })
}

#[test]
fn resolved_urls_property_reaches_pages_and_files() {
    // The property above is only worth something if links do resolve: these
    // must, from guides/first.md.
    let from = SITE
        .pages
        .iter()
        .position(|p| p.rel_path == Path::new("guides/first.md"))
        .expect("page");
    for (written, kind, url) in [
        (
            "../types/swedish.md",
            LinkKind::Link,
            "/docs/types/swedish/",
        ),
        (
            "@/guides/deep/steps.md#steps",
            LinkKind::Link,
            "/docs/guides/deep/steps/#steps",
        ),
        ("a%20b.svg", LinkKind::Image, "/docs/guides/a%20b.svg"),
        ("/css/site.css", LinkKind::Link, "/docs/css/site.css"),
        (
            "Swedish Massage",
            LinkKind::Wiki { labelled: false },
            "/docs/types/swedish/",
        ),
        ("photo", LinkKind::Wiki { labelled: true }, "/docs/photo/"),
    ] {
        let target = INDEX
            .resolve(from, written, kind)
            .unwrap_or_else(|broken| panic!("{written}: {}", broken.message))
            .unwrap_or_else(|| panic!("{written} is external"));
        assert_eq!(INDEX.url(&target), url, "{written}");
    }
}
