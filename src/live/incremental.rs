//! Incremental rebuilds for `knead serve` and `knead build --watch`. A
//! `Session` keeps what its last clean build made (the site model, the
//! template values, the link graph, the search index) and answers the most
//! common change, an edit of page bodies, by rendering only what the edit can
//! have changed and replacing only the output files whose bytes differ.
//! The sitemap and robots.txt follow from front matter alone; the search
//! index and the feed are made again from what changed.
//!
//! Anything else (front matter, a page added, removed or renamed, an asset, a
//! template, site.yaml, static files), and any edit that produces a warning or
//! an error, is a full build, so everything a full build reports is reported
//! the same way. A full build itself writes only files whose bytes changed.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostics, Error};
use crate::load::discover::{decode_text, read_text_file};
use crate::load::front_matter::split;
use crate::names::CONTENT_DIR;
use crate::output::stamp::OutputRecord;
use crate::output::write::update_output;
use crate::pipeline::{BuildOptions, BuildSummary, Built, build_and_keep};
use crate::publish;
use crate::render::links::{self, LinkIndex};
use crate::render::render_page;
use crate::site::{PageId, Site};
use crate::templates::PageEdits;

/// Rebuilds one site again and again, as its files change.
pub struct Session {
    options: BuildOptions,
    /// The content folder as the watcher reports paths in it (canonical).
    content_dir: Option<PathBuf>,
    built: Option<Built>,
    /// The output as this session last left it; a body edit is patched in
    /// only while the output still matches it.
    written: Option<OutputRecord>,
}

impl Session {
    pub fn new(options: BuildOptions) -> Session {
        let content_dir = options.root.join(CONTENT_DIR).canonicalize().ok();
        Session {
            options,
            content_dir,
            built: None,
            written: None,
        }
    }

    /// Brings the output up to date after `changed` (absolute paths, as the
    /// watcher gives them) changed: incrementally when only page bodies
    /// changed and the last build was clean, else with a full build.
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Result<BuildSummary, Error> {
        let started = Instant::now();
        if let Some(summary) = self.try_body_edit(changed) {
            return Ok(BuildSummary {
                elapsed: started.elapsed(),
                ..summary
            });
        }
        // Free the old site before building a new one.
        self.built = None;
        let (summary, built) = build_and_keep(&self.options)?;
        self.built = built;
        self.written = OutputRecord::of_full_build(&summary.output_dir);
        Ok(summary)
    }

    fn try_body_edit(&mut self, changed: &[PathBuf]) -> Option<BuildSummary> {
        let built = self.built.as_mut()?;
        let content_dir = self.content_dir.as_deref()?;
        let written = self.written.as_ref()?;
        if written.again(&built.output_dir) != *written {
            return None;
        }
        let edits = read_body_edits(&built.site, content_dir, changed)?;
        let summary = built.apply(edits);
        match summary {
            Some(_) => self.written = Some(written.again(&built.output_dir)),
            // Half applied: only a full build knows the state now.
            None => self.built = None,
        }
        summary
    }
}

/// A changed page: its id and its new body.
struct BodyEdit {
    id: PageId,
    body: String,
}

/// The edits, when every changed path is an existing page whose front matter
/// is exactly as the site has it.
fn read_body_edits(site: &Site, content_dir: &Path, changed: &[PathBuf]) -> Option<Vec<BodyEdit>> {
    if changed.is_empty() {
        return None;
    }
    let ids: HashMap<&Path, PageId> = site
        .pages
        .iter()
        .enumerate()
        .map(|(id, page)| (page.rel_path.as_path(), id))
        .collect();
    changed
        .iter()
        .map(|path| {
            let rel_path = path.strip_prefix(content_dir).ok()?;
            let id = *ids.get(rel_path)?;
            let page = site.page(id);
            let bytes = read_text_file(path, &page.display_path()).ok()?;
            let text = decode_text(&page.display_path(), bytes).ok()?;
            let body_offset = split(&page.display_path(), &text).ok()?.body_offset;
            (text[..body_offset] == page.header).then(|| BodyEdit {
                id,
                body: text[body_offset..].to_string(),
            })
        })
        .collect()
}

impl Built {
    /// Renders the edited pages and what shows them, and replaces the output
    /// files that changed. `None` when the edit needs a full build: it has a
    /// problem to report, or writing failed.
    fn apply(&mut self, edits: Vec<BodyEdit>) -> Option<BuildSummary> {
        let contents = self.render_edits(edits)?;
        let edited: BTreeSet<PageId> = contents.iter().map(|(id, _)| *id).collect();
        let feed_changed = self.update_feed_html(&contents);
        let backlinks = self.refresh_backlinks();
        let jobs = self.renderer.apply_edits(
            &self.site,
            &self.rendering,
            PageEdits {
                contents,
                backlinks,
            },
        );
        let images_asked = self.renderer.image_request_count();
        let texts: Vec<String> = jobs
            .par_iter()
            .map(|&job| self.renderer.render(job))
            .collect::<Option<_>>()?;
        // A resized image no build has made yet: a full build makes it.
        if self.renderer.image_request_count() != images_asked {
            return None;
        }
        let mut files: Vec<(&Path, &str)> = jobs
            .iter()
            .zip(&texts)
            .filter_map(|(&job, text)| Some((self.renderer.rel_path(job)?, text.as_str())))
            .collect();
        let mut search_files = Vec::new();
        if let Some(search) = self.search.as_mut() {
            let shards = search.shard_count();
            for &id in &edited {
                search.update(&self.site, &self.rendering, id);
            }
            search_files = search.files(&self.site, &self.rendering, edited.iter().copied());
            // Fewer shards leave files only a full build removes.
            if search.shard_count() != shards {
                return None;
            }
        }
        let feed_html = &self.feed_html;
        let feed_file = feed_changed
            .then(|| {
                publish::feed::feed(&self.site, |id| {
                    feed_html.get(&id).map_or("", String::as_str)
                })
            })
            .flatten();
        for file in search_files.iter().chain(&feed_file) {
            files.push((&file.rel_path, &file.text));
        }
        let written = update_output(&self.output_dir, &files).ok()?;
        Some(self.summary(written))
    }

    /// Renders each edited page's Markdown against the site; takes the new
    /// rendering into the rendering table and returns each page's HTML.
    /// `None` when an edit has a broken link or anchor, or breaks a link to it.
    fn render_edits(&mut self, edits: Vec<BodyEdit>) -> Option<Vec<(PageId, String)>> {
        let index = LinkIndex::new(&self.site, &self.files);
        let mut results = Vec::with_capacity(edits.len());
        for edit in &edits {
            let (rendered, found) =
                render_page(&self.site, &index, edit.id, &edit.body, &self.components);
            // Resized images are made by a full build, which finds them cached.
            let images = !found.image_variants.is_empty()
                || !self.rendering.image_variants[edit.id].is_empty();
            if !found.diagnostics.is_empty() || images {
                return None;
            }
            results.push((edit.id, rendered, found));
        }
        let mut contents = Vec::with_capacity(results.len());
        for (id, mut rendered, found) in results {
            let rendering = &mut self.rendering;
            rendering.graph.anchors[id] = found.anchors;
            rendering.links[id] = found.links;
            rendering.external[id] = found.external;
            contents.push((id, std::mem::take(&mut rendered.html)));
            rendering.pages[id] = rendered;
        }
        let edited: BTreeSet<PageId> = edits.iter().map(|e| e.id).collect();
        // What may have lost its heading: links into an edited page, and
        // every link out of one.
        let graph = &self.rendering.graph;
        let into_edited = graph
            .anchor_checks()
            .filter(|check| edited.contains(&check.target));
        let out_of_edited = edited.iter().flat_map(|&id| &graph.anchors[id]);
        let mut problems = Diagnostics::default();
        links::check_anchors(
            &self.site,
            &self.rendering.pages,
            into_edited.chain(out_of_edited),
            &mut problems,
        );
        problems.is_empty().then_some(contents)
    }

    /// Takes the new HTML of edited pages that are in the feed; whether any were.
    fn update_feed_html(&mut self, contents: &[(PageId, String)]) -> bool {
        let mut changed = false;
        for (id, html) in contents {
            if let Some(kept) = self.feed_html.get_mut(id) {
                kept.clone_from(html);
                changed = true;
            }
        }
        changed
    }

    /// Recomputes every page's backlinks from every page's links; returns
    /// the pages whose list changed.
    fn refresh_backlinks(&mut self) -> Vec<PageId> {
        let backlinks = links::backlinks(&self.rendering.links);
        let before = std::mem::replace(&mut self.rendering.backlinks, backlinks);
        self.rendering
            .backlinks
            .iter()
            .zip(before)
            .enumerate()
            .filter(|(_, (now, before))| *now != before)
            .map(|(id, _)| id)
            .collect()
    }

    fn summary(&self, updated_files: usize) -> BuildSummary {
        let sections = self.site.section_count();
        BuildSummary {
            pages: self.site.pages.len() - sections,
            sections,
            assets: self.site.assets.len(),
            files: self.file_count,
            output_dir: self.output_dir.clone(),
            elapsed: Default::default(),
            warnings: Vec::new(),
            up_to_date: updated_files == 0,
            updated_files: Some(updated_files),
        }
    }
}
