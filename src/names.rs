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

/// Resized images, kept between builds: in the site root, outside the output
/// (which a build replaces whole) and outside every folder the site is read
/// or watched from.
pub const IMAGE_CACHE_DIR: &str = ".knead-cache/images";

pub const SITEMAP_FILE: &str = "sitemap.xml";
pub const FEED_FILE: &str = "atom.xml";
pub const ROBOTS_FILE: &str = "robots.txt";
pub const SEARCH_INDEX_FILE: &str = "search-index.json";
/// Rendered from the theme's template of the same name, when it has one.
pub const NOT_FOUND_FILE: &str = "404.html";

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
