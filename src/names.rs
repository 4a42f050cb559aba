//! The fixed names of a site and of its output: folders knead reads, the
//! configuration file, and the files knead writes beside the pages. They are
//! a contract with authors and hosts, and several stages need the same name,
//! so they live here rather than in the stage that happens to make the file.

/// The site's configuration, at the site root.
pub const CONFIG_FILE: &str = "site.yaml";

/// The folders of a site root that knead reads.
pub const CONTENT_DIR: &str = "content";
pub const STATIC_DIR: &str = "static";
pub const TEMPLATES_DIR: &str = "templates";
pub const THEMES_DIR: &str = "themes";

/// The output folder under the site root when `--output` is not given.
pub const DEFAULT_OUTPUT_DIR: &str = "output";

pub const SITEMAP_FILE: &str = "sitemap.xml";
pub const FEED_FILE: &str = "atom.xml";
pub const ROBOTS_FILE: &str = "robots.txt";
/// The search index's manifest; its shards and page fragments are in
/// `SEARCH_DIR` (see `publish::search`).
pub const SEARCH_INDEX_FILE: &str = "search-index.json";
pub const SEARCH_DIR: &str = "search";
/// Rendered from the theme's template of the same name, when it has one.
pub const NOT_FOUND_FILE: &str = "404.html";
/// When search is on and the theme has this template, knead renders it to
/// `search/index.html`: where a search form goes without JavaScript.
pub const SEARCH_PAGE_TEMPLATE: &str = "search.html";

/// The folder of a paginated list's later pagers, as in Zola: pager 2 of
/// `/guides/` is `/guides/page/2/`.
pub const PAGER_DIR: &str = "page";

/// Written into every output folder knead creates; knead replaces only folders
/// that have it, so it never deletes files it did not make.
pub const MARKER_FILE: &str = ".knead-output";

/// Files knead itself writes beside the pages; links and `get_url` may name them.
pub const GENERATED_FILES: &[&str] = &[
    NOT_FOUND_FILE,
    FEED_FILE,
    SITEMAP_FILE,
    ROBOTS_FILE,
    SEARCH_INDEX_FILE,
];
