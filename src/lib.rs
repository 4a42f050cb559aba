//! kneading: a static site generator. The pipeline, one stage per module:
//! discover → front matter → site model (URLs, sections, taxonomies) → Markdown
//! with links resolved → backlinks and related pages → publishing files
//! (sitemap, feed, robots.txt) → templates (queued), aliases and the search
//! index → output (which renders the queued pages as it writes them). A build
//! whose inputs match the stamp of the output it would replace stops after
//! discovery.
//! Each stage takes the previous stage's value and returns a new one; only
//! discovery and output touch the disk. Problems are collected as diagnostics
//! across stages and reported together.
//! Beside the pipeline, `new_page` (`knead new`) and `schema` (`knead schema`)
//! are tools for authors; they read site.yaml with the same parser.

pub mod aliases;
pub mod check;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod front_matter;
pub mod incremental;
pub mod init;
pub mod links;
pub mod live_reload;
pub mod markdown;
pub mod new_page;
pub mod output;
pub mod progress;
pub mod publish;
pub mod related;
pub mod schema;
pub mod search;
pub mod serve;
pub mod site;
pub mod slug;
pub mod stamp;
pub mod taxonomy;
pub mod templates;
pub mod watch;
mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use config::{BaseUrl, CONFIG_FILE, Config, parse_config};
use diagnostic::{Diagnostic, Diagnostics, Error};
use discover::{CONTENT_DIR, Sources, load_sources};
use incremental::Built;
use links::{AnchorCheck, LinkIndex, PageLinks, PageLinksFound};
use output::{OutputPlan, Written, check_output_dir, write_output};
use progress::{CountedRender, Progress};
use search::SearchIndex;
use site::{PageId, Site, SiteOptions, load_site};
use stamp::Stamp;
use templates::{PageRenderer, RenderedFile, TemplateInput, render_site};

/// What `knead build` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Defaults to `<root>/output`.
    pub output_dir: Option<PathBuf>,
    /// `--base-url`: replaces site.yaml's `base_url`.
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Told about each page as it is rendered for the output (a progress bar).
    pub progress: Option<Arc<dyn Progress>>,
}

impl BuildOptions {
    pub fn output_dir(&self) -> PathBuf {
        self.output_dir
            .clone()
            .unwrap_or_else(|| self.root.join("output"))
    }
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildSummary {
    pub pages: usize,
    pub sections: usize,
    pub assets: usize,
    pub files: usize,
    pub output_dir: PathBuf,
    pub elapsed: Duration,
    pub warnings: Vec<Diagnostic>,
    /// Nothing had changed since the build that wrote the output, so nothing
    /// was rendered or written.
    pub up_to_date: bool,
    /// An incremental rebuild (see `incremental`): how many output files it
    /// replaced. `None` for a full build.
    pub updated_files: Option<usize>,
}

/// One build: reads the site under `options.root` and replaces the output folder
/// with the result, or changes nothing and returns every problem found.
pub fn build(options: &BuildOptions) -> Result<BuildSummary, Error> {
    build_keeping(options).map(|(summary, _)| summary)
}

/// `build`, which also hands back what it built when the build rendered and
/// wrote the site without a single warning, for `incremental` to patch.
fn build_keeping(options: &BuildOptions) -> Result<(BuildSummary, Option<Built>), Error> {
    let started = Instant::now();
    let base_url = parse_base_url_flag(options.base_url.as_deref())?;
    let output_dir = options.output_dir();
    check_output_dir(&options.root, &output_dir).map_err(Error::Usage)?;
    let config = load_config(&options.root, base_url.as_ref())?;
    let mut diagnostics = Diagnostics::default();
    let sources = load_sources(&options.root, &config, &mut diagnostics);
    let digest = stamp::input_digest(options, &sources);
    if diagnostics.is_empty() {
        if let Some(summary) = unchanged_output(&output_dir, &digest, started) {
            return Ok((summary, None));
        }
    }
    let site_options = SiteOptions {
        drafts: options.drafts,
    };
    let Assembled {
        site,
        renderer,
        plan,
        graph,
        search,
        feed_html,
        static_files,
    } = assemble_site(
        &options.root,
        config,
        sources,
        &site_options,
        &mut diagnostics,
    );
    if diagnostics.has_errors() {
        return Err(Error::build(diagnostics));
    }
    let summary = summarize(&site, &plan, output_dir, started, diagnostics);
    let progress = options.progress.as_deref();
    let (written, renderer) = write_site(&plan, renderer, digest, summary, progress)?;
    let summary = BuildSummary {
        elapsed: started.elapsed(),
        ..written
    };
    let built = summary.warnings.is_empty().then(|| Built {
        site,
        renderer,
        graph,
        search,
        feed_html,
        static_files,
        output_dir: summary.output_dir.clone(),
        files: summary.files,
    });
    Ok((summary, built))
}

/// A site taken through every stage but output: nothing is written yet.
pub struct Assembled {
    /// Every page's HTML has moved into the renderer's template contexts.
    pub site: Site,
    /// The queued template renders; rendering them finds template errors.
    pub renderer: PageRenderer,
    pub plan: OutputPlan,
    pub graph: LinkGraph,
    pub search: Option<SearchIndex>,
    /// The HTML of the feed's pages (see `publish::feed_html`).
    pub feed_html: BTreeMap<PageId, String>,
    /// Output-relative path → source file.
    pub static_files: BTreeMap<PathBuf, PathBuf>,
}

/// The in-memory stages of a build, from the sources read by discovery to the
/// output plan: the site model, Markdown with links resolved, backlinks and
/// related pages, templates (queued), aliases and the search index. Touches
/// no disk; `knead check` stops here.
pub fn assemble_site(
    root: &Path,
    config: Config,
    sources: Sources,
    options: &SiteOptions,
    diagnostics: &mut Diagnostics,
) -> Assembled {
    let Sources {
        markdown,
        assets,
        static_files,
        templates,
    } = sources;
    let mut site = load_site(config, markdown, assets, options, diagnostics);
    let static_paths: Vec<&Path> = static_files.keys().map(PathBuf::as_path).collect();
    let graph = render_and_link(&mut site, &static_paths, diagnostics);
    // Before `take_contents`: the feed holds the newest pages' HTML.
    let mut generated = publish::publish_files(&site, &static_paths);
    let feed_html = publish::feed_html(&site);
    let input = TemplateInput {
        templates: &templates,
        static_files: static_paths,
    };
    let contents = take_contents(&mut site);
    let renderer = render_site(&site, contents, &input, diagnostics);
    generated.extend(aliases::alias_pages(&site, diagnostics));
    let search = SearchIndex::new(&site);
    generated.extend(search.as_ref().map(SearchIndex::file));
    let copied = CopiedFiles {
        root,
        static_files: &static_files,
    };
    let plan = plan_output(&site, &renderer, generated, &copied, diagnostics);
    Assembled {
        site,
        renderer,
        plan,
        graph,
        search,
        feed_html,
        static_files,
    }
}

/// Writes the planned output, rendering the queued pages, and stamps it with
/// the input digest. A template error met while writing fails the build with
/// the previous output left in place.
fn write_site(
    plan: &OutputPlan,
    renderer: PageRenderer,
    digest: String,
    summary: BuildSummary,
    progress: Option<&dyn Progress>,
) -> Result<(BuildSummary, PageRenderer), Error> {
    // A build with warnings is never skipped, so that they are shown again.
    let stamp = summary.warnings.is_empty().then(|| Stamp {
        digest,
        pages: summary.pages,
        sections: summary.sections,
        assets: summary.assets,
        files: Vec::new(),
    });
    let counted = CountedRender::new(&renderer, progress, renderer.files().count());
    let written = write_output(&summary.output_dir, plan, &counted, stamp);
    // Ends the progress display before anything is printed.
    drop(counted);
    match written? {
        Written::Done => Ok((summary, renderer)),
        Written::RenderFailed => Err(Error::build(
            summary
                .warnings
                .into_iter()
                .chain(renderer.into_diagnostics()),
        )),
    }
}

/// Where the files that are copied, not rendered, come from.
pub struct CopiedFiles<'a> {
    /// The site root; assets are read from its content/ folder.
    pub root: &'a Path,
    /// Output-relative path → source file.
    pub static_files: &'a BTreeMap<PathBuf, PathBuf>,
}

/// Every page's HTML, moved out of the site for the templates to own: the
/// largest thing a build holds, so it should not be held twice.
pub fn take_contents(site: &mut Site) -> Vec<String> {
    site.pages
        .iter_mut()
        .map(|page| std::mem::take(&mut page.rendered.html))
        .collect()
}

/// The summary of a build with nothing to do: the output was written from the
/// same inputs and still holds every file it was written with.
fn unchanged_output(output_dir: &Path, digest: &str, started: Instant) -> Option<BuildSummary> {
    let stamp = stamp::load_stamp(output_dir)?;
    if stamp.digest != digest || !stamp.output_is_intact(output_dir) {
        return None;
    }
    Some(BuildSummary {
        pages: stamp.pages,
        sections: stamp.sections,
        assets: stamp.assets,
        files: stamp.files.len(),
        output_dir: output_dir.to_path_buf(),
        elapsed: started.elapsed(),
        warnings: Vec::new(),
        up_to_date: true,
        updated_files: None,
    })
}

pub(crate) fn parse_base_url_flag(flag: Option<&str>) -> Result<Option<BaseUrl>, Error> {
    flag.map(|text| {
        BaseUrl::parse(text).map_err(|problem| Error::Usage(format!("--base-url {problem}")))
    })
    .transpose()
}

pub(crate) fn load_config(root: &Path, base_url: Option<&BaseUrl>) -> Result<Config, Error> {
    let path = root.join(CONFIG_FILE);
    if !path.is_file() {
        let reason = match std::fs::metadata(&path) {
            Err(err) => err.to_string(),
            Ok(_) => "it is not a regular file".to_string(),
        };
        return Err(Error::Usage(format!(
            "cannot read {}: {reason}; run knead in a site folder or pass --root DIR",
            path.display()
        )));
    }
    let bytes = discover::read_text_file(&path, Path::new(CONFIG_FILE))?;
    let text = discover::decode_text(Path::new(CONFIG_FILE), bytes)?;
    parse_config(Path::new(CONFIG_FILE), &text, base_url).map_err(Error::build)
}

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
    static_files: &[&Path],
    diagnostics: &mut Diagnostics,
) -> LinkGraph {
    let index = LinkIndex::new(site, static_files);
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

/// Pages rendered from templates, generated files (publishing files, alias
/// redirects, the search index), assets beside their pages, then static files.
pub fn plan_output(
    site: &Site,
    renderer: &PageRenderer,
    generated: Vec<RenderedFile>,
    copied: &CopiedFiles<'_>,
    diagnostics: &mut Diagnostics,
) -> OutputPlan {
    let mut plan = OutputPlan::default();
    for (job, rel_path, source) in renderer.files() {
        plan.add_rendered(
            rel_path.to_path_buf(),
            source.to_path_buf(),
            job,
            diagnostics,
        );
    }
    for file in generated {
        plan.add_text(file.rel_path, file.source, file.text, diagnostics);
    }
    let CopiedFiles { root, static_files } = *copied;
    let content_dir = root.join(CONTENT_DIR);
    for asset in &site.assets {
        let rel_path = PathBuf::from(asset_file(&asset.url));
        let origin = Path::new(CONTENT_DIR).join(&asset.rel_path);
        plan.add_copy(
            rel_path,
            origin,
            content_dir.join(&asset.rel_path),
            diagnostics,
        );
    }
    for (rel_path, source) in static_files {
        let origin = source.strip_prefix(root).unwrap_or(source).to_path_buf();
        plan.add_copy(rel_path.clone(), origin, source.clone(), diagnostics);
    }
    plan
}

/// `/types/My%20Photo.png` → `types/My Photo.png`.
fn asset_file(url: &str) -> String {
    percent_encoding::percent_decode_str(url.trim_start_matches('/'))
        .decode_utf8_lossy()
        .into_owned()
}

fn summarize(
    site: &Site,
    plan: &OutputPlan,
    output_dir: PathBuf,
    started: Instant,
    diagnostics: Diagnostics,
) -> BuildSummary {
    let sections = site.pages.iter().filter(|p| p.is_section()).count();
    BuildSummary {
        pages: site.pages.len() - sections,
        sections,
        assets: site.assets.len(),
        files: plan.len(),
        output_dir,
        elapsed: started.elapsed(),
        warnings: diagnostics.into_sorted(),
        up_to_date: false,
        updated_files: None,
    }
}
