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
/// Data files (YAML, JSON, CSV) for templates and components.
pub const DATA_DIR: &str = "data";

/// The output folder under the site root when `--output` is not given.
pub const DEFAULT_OUTPUT_DIR: &str = "output";

/// Resized images, kept between builds: in the site root, outside the output
/// (which a build replaces whole) and outside every folder the site is read
/// or watched from.
pub const IMAGE_CACHE_DIR: &str = ".knead-cache/images";
/// The output folder of the images templates make with `resize_image`.
pub const PROCESSED_IMAGES_DIR: &str = "processed_images";

/// External links `knead check --external` found working, with when: beside
/// the image cache, for the same reasons.
pub const LINK_CACHE_FILE: &str = ".knead-cache/external-links.json";

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

/// The longest file or folder name most file systems allow, in bytes (ext4,
/// APFS, NTFS in UTF-16 units, which UTF-8 bytes never undercount).
pub const MAX_NAME_BYTES: usize = 255;

/// Why `name` cannot be one file or folder name of the output, if it cannot:
/// found at the front-matter line that makes it, before anything is written,
/// rather than as an OS error on a staging path.
pub fn name_too_long(what: &str, name: &str) -> Option<String> {
    if name.len() <= MAX_NAME_BYTES {
        return None;
    }
    let start: String = name.chars().take(24).collect();
    Some(format!(
        "{what} \"{start}…\" makes an output name of {} bytes, over the {MAX_NAME_BYTES} bytes a file system allows in one file or folder name",
        name.len()
    ))
}

/// Whether a path's first segment is a file knead writes at the root of the
/// output itself (the marker and the generated files), in any case, as
/// case-insensitive file systems see it.
pub fn is_reserved_output_name(segment: &str) -> bool {
    std::iter::once(MARKER_FILE)
        .chain(GENERATED_FILES.iter().copied())
        .any(|name| name.eq_ignore_ascii_case(segment))
}
