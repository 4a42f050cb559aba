//! Rendering: every page's Markdown to HTML (`markdown`) with its links
//! resolved against the whole site and checked (`links`) and its component
//! calls (`directives`) rendered by the components (`components`), then, with every
//! page's headings known, anchors checked, backlinks filled in and related
//! pages chosen (`related`). Pages render in parallel; the result is in page
//! order whatever the threads did.

pub mod call_error;
pub mod citations;
pub mod components;
pub mod directives;
pub mod escape;
pub mod highlight;
pub mod links;
pub mod markdown;
pub mod reading;
pub mod related;
pub mod resolve;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::site::{OutputFiles, PageId, Site};
use components::Components;
use links::{AnchorCheck, LinkIndex, PageLink, PageLinks, PageLinksFound};
use markdown::Rendered;

/// The heading ids that links expect, kept per page so that an edit can
/// replace one page's share.
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

/// What the render stage made of the site, one entry per page, indexed by
/// `PageId`. Later stages read it beside the site model.
#[derive(Debug, Default)]
pub struct Rendering {
    /// Each page's rendered Markdown. The template stage takes the HTML out
    /// with `take_html` (it is the largest thing a build holds, so it is not
    /// held twice); everything else stays.
    pub pages: Vec<Rendered>,
    /// The pages each page's Markdown links to, in link order, with where
    /// each link is written.
    pub links: Vec<Vec<PageLink>>,
    /// The pages whose Markdown links to each page, in path order.
    pub backlinks: Vec<Vec<PageId>>,
    /// Explicit `related:` pages first, then pages sharing terms (at most five).
    pub related: Vec<Vec<PageId>>,
    pub graph: LinkGraph,
    /// Per page: the resized image copies it shows.
    pub image_variants: Vec<Vec<links::ImageVariant>>,
    /// Per page: its links and images to other sites, for `knead check --external`.
    pub external: Vec<Vec<links::ExternalLink>>,
}

impl Rendering {
    /// Every page's HTML, in page order, moved out for the templates.
    pub fn take_html(&mut self) -> Vec<String> {
        self.pages
            .iter_mut()
            .map(|page| std::mem::take(&mut page.html))
            .collect()
    }

    /// Frees every page's plain text once the output is written: only the
    /// search index reads it, and an incremental rebuild re-renders (so has
    /// the text of) every page it re-indexes.
    pub fn forget_text(&mut self) {
        for page in &mut self.pages {
            page.text = String::new();
        }
    }
}

/// Renders every page's Markdown (`bodies`, indexed by `PageId`) with its
/// links resolved against the whole site; then, with every page's headings
/// known, checks anchors and finds backlinks and related pages.
pub fn render_and_link(
    site: &Site,
    bodies: Vec<String>,
    files: &OutputFiles,
    components: &Components,
    diagnostics: &mut Diagnostics,
) -> Rendering {
    let index = LinkIndex::new(site, files);
    let mut rendering = Rendering::default();
    for (rendered, found) in render_pages(site, &index, &bodies, components) {
        rendering.pages.push(rendered);
        diagnostics.extend(found.diagnostics);
        rendering.links.push(found.links);
        rendering.graph.anchors.push(found.anchors);
        rendering.image_variants.push(found.image_variants);
        rendering.external.push(found.external);
    }
    drop(bodies);
    let explicit =
        links::explicit_related(&index, &mut rendering.graph.related_anchors, diagnostics);
    links::check_anchors(
        site,
        &rendering.pages,
        rendering.graph.anchor_checks(),
        diagnostics,
    );
    rendering.backlinks = links::backlinks(&rendering.links);
    rendering.related = related::related_pages(site, explicit);
    rendering
}

/// Every page's Markdown, rendered in parallel, with what its links found, in
/// page order, so the result is the same whatever the threads did.
pub fn render_pages(
    site: &Site,
    index: &LinkIndex<'_>,
    bodies: &[String],
    components: &Components,
) -> Vec<(Rendered, PageLinksFound)> {
    bodies
        .par_iter()
        .enumerate()
        .map(|(id, body)| render_page(site, index, id, body, components))
        .collect()
}

/// One page's Markdown, with what its links found.
pub fn render_page(
    site: &Site,
    index: &LinkIndex<'_>,
    id: PageId,
    body: &str,
    components: &Components,
) -> (Rendered, PageLinksFound) {
    let mut links = PageLinks::new(index, id, body);
    let options = site.config.markdown;
    let references = site.references.as_deref();
    let mut rendered =
        markdown::render_with_components(body, &options, &mut links, components, references);
    let page = site.page(id);
    for error in rendered.component_errors.drain(..) {
        let (line, col) = page.file_position(error.line, error.col);
        links.found.diagnostics.push(Diagnostic {
            path: page.display_path(),
            ..error.at(line, col)
        });
    }
    if !site.config.search {
        // Only the search index reads the plain text; free it early.
        rendered.text = String::new();
    }
    (rendered, links.found)
}
