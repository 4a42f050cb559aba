//! The search index (`/search-index.json`, written when site.yaml says
//! `search: true`): what a theme's script needs to search the site in the
//! browser, built from the rendered pages. It does not search; the theme does.
//! The format is documented in docs/search-index.md.

use std::path::PathBuf;

use serde::Serialize;

use crate::config::CONFIG_FILE;
use crate::markdown::TocItem;
use crate::site::Site;
use crate::templates::RenderedFile;

pub const SEARCH_INDEX_FILE: &str = "search-index.json";

/// Bumped when a field changes meaning, so themes can tell.
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct SearchIndex<'a> {
    version: u32,
    pages: Vec<SearchEntry<'a>>,
}

#[derive(Serialize)]
struct SearchEntry<'a> {
    title: &'a str,
    url: String,
    description: &'a str,
    headings: Vec<&'a str>,
    body: &'a str,
}

/// The index file, or `None` when search is off.
pub fn search_index(site: &Site) -> Option<RenderedFile> {
    if !site.config.search {
        return None;
    }
    let pages = site
        .pages
        .iter()
        .map(|page| SearchEntry {
            title: &page.meta.title,
            url: site.config.base_url.url(&page.url),
            description: page.meta.description.as_deref().unwrap_or(""),
            headings: heading_titles(&page.rendered.toc),
            body: &page.rendered.text,
        })
        .collect();
    let index = SearchIndex {
        version: FORMAT_VERSION,
        pages,
    };
    // Serializing plain strings and numbers cannot fail.
    let text = serde_json::to_string(&index).unwrap_or_default();
    Some(RenderedFile {
        rel_path: PathBuf::from(SEARCH_INDEX_FILE),
        source: PathBuf::from(CONFIG_FILE),
        text,
    })
}

/// Every heading's title, in document order, whatever its level.
fn heading_titles(toc: &[TocItem]) -> Vec<&str> {
    let mut titles = Vec::new();
    let mut stack: Vec<&[TocItem]> = vec![toc];
    while let Some(items) = stack.pop() {
        let Some((first, rest)) = items.split_first() else {
            continue;
        };
        titles.push(first.title.as_str());
        stack.push(rest);
        stack.push(&first.children);
    }
    titles
}
