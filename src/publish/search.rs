//! The search index (`/search-index.json`, written when site.yaml says
//! `search: true`): what a theme's script needs to search the site in the
//! browser, built from the rendered pages. It does not search; the theme does.
//! The format is documented in docs/search-index.md.

use std::path::PathBuf;

use crate::names::{CONFIG_FILE, SEARCH_INDEX_FILE};
use crate::publish::RenderedFile;
use crate::render::Rendering;
use crate::render::markdown::{Rendered, TocItem};
use crate::site::{PageId, Site};
use serde::Serialize;

/// Bumped when a field changes meaning, so themes can tell.
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct SearchEntry<'a> {
    title: &'a str,
    url: String,
    description: &'a str,
    headings: Vec<&'a str>,
    body: &'a str,
}

/// The index as one JSON object per page, in page order, so that an edit of
/// one page re-encodes one entry.
pub struct SearchIndex {
    entries: Vec<String>,
}

impl SearchIndex {
    /// The index, or `None` when search is off.
    pub fn new(site: &Site, rendering: &Rendering) -> Option<SearchIndex> {
        site.config.search.then(|| SearchIndex {
            entries: (0..site.pages.len())
                .map(|id| entry(site, &rendering.pages[id], id))
                .collect(),
        })
    }

    /// Re-encodes page `id`'s entry from its current rendering.
    pub fn update(&mut self, site: &Site, rendering: &Rendering, id: PageId) {
        self.entries[id] = entry(site, &rendering.pages[id], id);
    }

    /// The file: `{"version":1,"pages":[...]}`.
    pub fn file(&self) -> RenderedFile {
        let length = self.entries.iter().map(|e| e.len() + 1).sum::<usize>() + 32;
        let mut text = String::with_capacity(length);
        text.push_str(&format!("{{\"version\":{FORMAT_VERSION},\"pages\":["));
        text.push_str(&self.entries.join(","));
        text.push_str("]}");
        RenderedFile {
            rel_path: PathBuf::from(SEARCH_INDEX_FILE),
            source: PathBuf::from(CONFIG_FILE),
            text,
        }
    }
}

fn entry(site: &Site, rendered: &Rendered, id: PageId) -> String {
    let page = site.page(id);
    let entry = SearchEntry {
        title: &page.meta.title,
        url: site.config.base_url.url(&page.url),
        description: page.meta.description.as_deref().unwrap_or(""),
        headings: heading_titles(&rendered.toc),
        body: &rendered.text,
    };
    // Serializing plain strings cannot fail.
    serde_json::to_string(&entry).unwrap_or_default()
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
