//! Rendering: every page's Markdown to HTML (`markdown`) with its links
//! resolved against the whole site and checked (`links`), then, with every
//! page's headings known, anchors checked, backlinks filled in and related
//! pages chosen (`related`). Pages render in parallel; the result is in page
//! order whatever the threads did.

pub mod links;
pub mod markdown;
pub mod related;

use rayon::prelude::*;

use crate::diagnostic::Diagnostics;
use crate::site::{OutputFiles, PageId, Site};
use links::{AnchorCheck, LinkIndex, PageLinks, PageLinksFound};

/// The heading ids that links expect, kept per page so that an edit can
/// replace one page's share. (The pages each page links to are its `links`.)
#[derive(Debug, Default)]
pub struct LinkGraph {
    /// Per page: the heading ids its Markdown links expect.
    pub anchors: Vec<Vec<AnchorCheck>>,
    /// The heading ids that `related:` entries expect.
    pub related_anchors: Vec<AnchorCheck>,
}

impl LinkGraph {
    pub fn anchor_checks(&self) -> impl Iterator<Item = &AnchorCheck> {
        self.anchors.iter().flatten().chain(&self.related_anchors)
    }
}

/// Renders every page's Markdown with its links resolved against the whole
/// site; then, with every page's headings known, checks anchors and fills in
/// backlinks and related pages.
pub fn render_and_link(
    site: &mut Site,
    files: &OutputFiles,
    diagnostics: &mut Diagnostics,
) -> LinkGraph {
    let index = LinkIndex::new(site, files);
    let mut rendered = Vec::with_capacity(site.pages.len());
    let mut page_links = Vec::with_capacity(site.pages.len());
    let mut graph = LinkGraph::default();
    for (page_rendered, found) in render_pages(site, &index) {
        rendered.push(page_rendered);
        diagnostics.extend(found.diagnostics);
        page_links.push(found.links);
        graph.anchors.push(found.anchors);
    }
    let explicit = links::explicit_related(&index, &mut graph.related_anchors, diagnostics);
    for ((page, rendered), links) in site.pages.iter_mut().zip(rendered).zip(page_links) {
        page.rendered = rendered;
        page.links = links;
        page.release_body();
    }
    links::check_anchors(site, graph.anchor_checks(), diagnostics);
    links::fill_backlinks(site);
    related::fill_related(site, explicit);
    graph
}

/// Every page's Markdown, rendered in parallel, with what its links found, in
/// page order, so the result is the same whatever the threads did.
pub fn render_pages(
    site: &Site,
    index: &LinkIndex<'_>,
) -> Vec<(markdown::Rendered, PageLinksFound)> {
    (0..site.pages.len())
        .into_par_iter()
        .map(|id| render_page(site, index, id))
        .collect()
}

/// One page's Markdown, with what its links found.
pub fn render_page(
    site: &Site,
    index: &LinkIndex<'_>,
    id: PageId,
) -> (markdown::Rendered, PageLinksFound) {
    let mut links = PageLinks::new(index, id);
    let options = site.config.markdown;
    let mut rendered = markdown::render_markdown(site.page(id).body(), &options, &mut links);
    if !site.config.search {
        // Only the search index reads the plain text; free it early.
        rendered.text = String::new();
    }
    (rendered, links.found)
}
