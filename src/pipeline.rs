//! The conductor: one build is check the output folder → load → assemble
//! (site model, rendering, templates queued, publishing files, output plan) →
//! write. Owns what a build is asked (`BuildOptions`), what it did
//! (`BuildSummary`) and what it made (`Built`, which `live::incremental`
//! keeps to patch). Every stage it calls takes values and returns values;
//! only loading reads the disk and only output writes it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::diagnostic::{Diagnostic, Diagnostics, Error};
use crate::images;
use crate::load::config::{BaseUrl, Config};
use crate::load::data::parse_data;
use crate::load::discover::{Sources, load_sources};
use crate::load::read_config;
use crate::load::references::parse_references;
use crate::names::{CONFIG_FILE, DEFAULT_OUTPUT_DIR};
use crate::output::image_cache::ImageCache;
use crate::output::plan::{CopiedFiles, OutputPlan, RenderText, Written, plan_output};
use crate::output::progress::{CountedRender, Progress};
use crate::output::stamp::{self, DigestInputs, Stamp};
use crate::output::write::{check_output_dir, recover_output, write_output};
use crate::publish::search::{self, SearchIndex};
use crate::publish::{self, aliases};
use crate::render::components::Components;
use crate::render::links::ImageVariant;
use crate::render::{Rendering, render_and_link};
use crate::site::build::{Loaded, SiteOptions, load_site, place_images};
use crate::site::{OutputFiles, PageId, Site};
use crate::templates::{PageRenderer, TemplateInput, queue_renders};
use rayon::prelude::*;

/// What `knead build` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Defaults to `<root>/output`.
    pub output_dir: Option<PathBuf>,
    /// Replaces site.yaml's `base_url` (`--base-url`, or the address `knead
    /// serve` listens on).
    pub base_url: Option<BaseUrl>,
    pub drafts: bool,
    /// Told about each page as it is rendered for the output (a progress bar).
    pub progress: Option<Arc<dyn Progress>>,
}

impl BuildOptions {
    pub fn output_dir(&self) -> PathBuf {
        self.output_dir
            .clone()
            .unwrap_or_else(|| self.root.join(DEFAULT_OUTPUT_DIR))
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
    build_and_keep(options).map(|(summary, _)| summary)
}

/// `build`, which also hands back what it built when the build rendered and
/// wrote the site without a single warning, for `live::incremental` to patch.
pub fn build_and_keep(options: &BuildOptions) -> Result<(BuildSummary, Option<Built>), Error> {
    let started = Instant::now();
    let output_dir = options.output_dir();
    check_output_dir(&options.root, &output_dir).map_err(Error::Usage)?;
    // Before the stamp is read: a build that finds nothing changed cleans up too.
    recover_output(&output_dir);
    let (config, config_text) = site_config(&options.root, options.base_url.as_ref())?;
    let mut diagnostics = Diagnostics::default();
    let sources = load_sources(&options.root, &config, &mut diagnostics);
    let digest = stamp::input_digest(
        &DigestInputs {
            content_dir: &options.root.join(crate::names::CONTENT_DIR),
            config_text: &config_text,
            base_url: options.base_url.as_ref(),
            drafts: options.drafts,
        },
        &sources,
    );
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
        mut plan,
        rendering,
        search,
        feed_html,
        static_files,
        files,
        components,
    } = assemble_site(
        &options.root,
        config,
        sources,
        &site_options,
        &mut diagnostics,
    );
    if !diagnostics.has_errors() {
        if !renderer.find_image_requests() {
            diagnostics.extend(renderer.into_diagnostics());
            return Err(Error::build(diagnostics));
        }
        let requested = renderer.image_requests();
        make_images(
            &options.root,
            &rendering,
            &requested,
            &mut plan,
            &mut diagnostics,
        );
    }
    if diagnostics.has_errors() {
        return Err(Error::build(diagnostics));
    }
    let summary = summarize(&site, &plan, output_dir, started, diagnostics);
    let progress = options.progress.as_deref();
    let fragments = search.as_ref().map(|_| (&site, &rendering));
    let (written, renderer) = write_site(&plan, renderer, fragments, digest, summary, progress)?;
    let mut rendering = rendering;
    rendering.forget_text();
    let summary = BuildSummary {
        elapsed: started.elapsed(),
        ..written
    };
    let built = summary.warnings.is_empty().then(|| Built {
        site,
        renderer,
        rendering,
        search,
        feed_html,
        static_files,
        files,
        components,
        output_dir: summary.output_dir.clone(),
        file_count: summary.files,
    });
    Ok((summary, built))
}

/// A site taken through every stage but output: nothing is written yet.
pub struct Assembled {
    pub site: Site,
    /// The queued template renders; rendering them finds template errors.
    pub renderer: PageRenderer,
    pub plan: OutputPlan,
    /// What rendering made of each page (its HTML is the renderer's now).
    pub rendering: Rendering,
    pub search: Option<SearchIndex>,
    /// The HTML of the feed's pages (see `publish::feed_html`).
    pub feed_html: BTreeMap<PageId, String>,
    /// Output-relative path → source file.
    pub static_files: BTreeMap<PathBuf, PathBuf>,
    /// The output's files that are not pages, for links and `get_url`.
    pub files: Arc<OutputFiles>,
    /// What the pages' Markdown may call.
    pub components: Components,
}

/// What a clean build made: the assembled site as written, kept by
/// `live::incremental` to be patched by the next edit.
pub struct Built {
    pub site: Site,
    pub renderer: PageRenderer,
    pub rendering: Rendering,
    pub search: Option<SearchIndex>,
    /// The HTML of the feed's pages; the feed is made again when one of
    /// them is edited (which pages it holds follows from front matter).
    pub feed_html: BTreeMap<PageId, String>,
    /// Output-relative path → source file.
    pub static_files: BTreeMap<PathBuf, PathBuf>,
    pub files: Arc<OutputFiles>,
    /// For edited pages' calls.
    pub components: Components,
    pub output_dir: PathBuf,
    /// How many files the output holds.
    pub file_count: usize,
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
        data,
        images,
        static_images,
        git_dates,
        references,
    } = sources;
    let references = references
        .and_then(|file| parse_references(&file, &config.citations, diagnostics))
        .map(Arc::new);
    let data = Arc::new(parse_data(&data, diagnostics));
    let components = Components::new(&templates, &data, diagnostics);
    let Loaded { mut site, bodies } =
        load_site(config, markdown, &git_dates, assets, options, diagnostics);
    place_images(&mut site, images, static_images);
    site.references = references;
    let static_paths: Vec<&Path> = static_files.keys().map(PathBuf::as_path).collect();
    let files = Arc::new(OutputFiles::new(&site, &static_paths));
    let mut rendering = render_and_link(&site, bodies, &files, &components, diagnostics);
    // Before `take_html`: the feed holds the newest pages' HTML.
    let mut generated = publish::publish_files(&site, &rendering, &static_paths);
    let feed_html = publish::feed::feed_html(&site, &rendering);
    let input = TemplateInput {
        templates: &templates,
        files: Arc::clone(&files),
        data,
    };
    let html = rendering.take_html();
    let renderer = queue_renders(&site, &rendering, html, &input, diagnostics);
    generated.extend(aliases::alias_pages(&site, diagnostics));
    generated.extend(aliases::pager_redirects(&site));
    let mut search = SearchIndex::new(&site, &rendering);
    if let Some(index) = search.as_mut() {
        generated.extend(index.shard_files());
    }
    let copied = CopiedFiles {
        root,
        static_files: &static_files,
    };
    let mut plan = plan_output(&site, &renderer, generated, &copied, diagnostics);
    if search.is_some() {
        let first_job = renderer.files().count();
        for id in 0..site.pages.len() {
            let origin = PathBuf::from(CONFIG_FILE);
            plan.add_rendered(
                search::fragment_path(id),
                origin,
                first_job + id,
                diagnostics,
            );
        }
    }
    Assembled {
        site,
        renderer,
        plan,
        rendering,
        search,
        feed_html,
        static_files,
        files,
        components,
    }
}

/// Makes the resized images the pages show and the templates asked for
/// (`requested`), or finds them in the cache, and plans their copy into the
/// output. Sources are processed in parallel, each decoded once for all its
/// sizes. A site that shows none still has its cache emptied, of the copies
/// of images it no longer has.
fn make_images(
    root: &Path,
    rendering: &Rendering,
    requested: &[ImageVariant],
    plan: &mut OutputPlan,
    diagnostics: &mut Diagnostics,
) {
    let variants: BTreeSet<&ImageVariant> = rendering
        .image_variants
        .iter()
        .flatten()
        .chain(requested)
        .collect();
    let mut by_source: BTreeMap<&Path, Vec<&ImageVariant>> = BTreeMap::new();
    for variant in variants {
        by_source.entry(&variant.source).or_default().push(variant);
    }
    let cache = ImageCache::new(root);
    let made: Vec<Result<Vec<(&ImageVariant, String)>, Diagnostic>> = by_source
        .into_par_iter()
        .map(|(source, variants)| {
            cached_variants(root, &cache, &variants).map_err(|reason| {
                Diagnostic::error(
                    source,
                    format!(
                        "cannot make resized copies of {}: {reason}",
                        source.display()
                    ),
                )
            })
        })
        .collect();
    let mut used = HashSet::new();
    for result in made {
        match result {
            Ok(copies) => {
                for (variant, name) in copies {
                    let (output, origin) = (variant.output.clone(), variant.source.clone());
                    plan.add_copy(output, origin, cache.path(&name), diagnostics);
                    used.insert(name);
                }
            }
            Err(error) => diagnostics.push(error),
        }
    }
    if !diagnostics.has_errors() {
        cache.keep_only(&used);
    }
}

/// One source's copies, from the cache or made now: their cache file names.
fn cached_variants<'v>(
    root: &Path,
    cache: &ImageCache,
    variants: &[&'v ImageVariant],
) -> Result<Vec<(&'v ImageVariant, String)>, String> {
    let bytes = crate::load::images::read_image(&root.join(&variants[0].source))?;
    let hash = blake3::hash(&bytes).to_hex();
    let named: Vec<(&ImageVariant, String)> = variants
        .iter()
        .map(|&v| {
            let extension = v.output.extension().unwrap_or_default().to_string_lossy();
            let crop = v.crop.map_or(String::new(), |c| {
                format!("-c{}_{}_{}_{}", c.left, c.top, c.width, c.height)
            });
            let name = format!(
                "{}-{}x{}{crop}-{:?}-q{}-v{}.{extension}",
                &hash[..32],
                v.width,
                v.height,
                v.format,
                v.quality,
                images::PROCESS_VERSION
            );
            (v, name.to_lowercase())
        })
        .collect();
    let missing: Vec<&(&ImageVariant, String)> = named
        .iter()
        .filter(|(_, name)| !cache.contains(name))
        .collect();
    if !missing.is_empty() {
        let wanted: Vec<&ImageVariant> = missing.iter().map(|(v, _)| *v).collect();
        let encoded = images::make_variants(&bytes, &wanted)?;
        for ((_, name), bytes) in missing.iter().zip(encoded) {
            cache.store(name, &bytes)?;
        }
    }
    Ok(named)
}

/// Writes the planned output, rendering the queued pages, and stamps it with
/// the input digest. A template error met while writing fails the build with
/// the previous output left in place.
fn write_site(
    plan: &OutputPlan,
    renderer: PageRenderer,
    fragments: Option<(&Site, &Rendering)>,
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
    let texts = SiteTexts {
        templates: &renderer,
        template_jobs: renderer.files().count(),
        fragments,
    };
    let jobs = texts.template_jobs + fragments.map_or(0, |(site, _)| site.pages.len());
    let counted = CountedRender::new(&texts, progress, jobs);
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

/// The files made as they are written: the queued template renders, then
/// (as the jobs after theirs) each page's search fragment.
struct SiteTexts<'a> {
    templates: &'a PageRenderer,
    template_jobs: usize,
    fragments: Option<(&'a Site, &'a Rendering)>,
}

impl RenderText for SiteTexts<'_> {
    fn render_text(&self, job: usize) -> Option<String> {
        match job.checked_sub(self.template_jobs) {
            None => self.templates.render_text(job),
            Some(id) => {
                let (site, rendering) = self.fragments?;
                Some(search::fragment(site, rendering.pages.get(id)?, id))
            }
        }
    }
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

/// A failed build as `knead build`, `serve` and `--watch` report it: every
/// problem, then what became of the output.
pub fn failure_report(err: &Error) -> String {
    match err {
        Error::Usage(_) => err.to_string(),
        Error::Build(_) => {
            let errors = err.error_count();
            let noun = if errors == 1 { "error" } else { "errors" };
            format!(
                "{err}\nbuild failed with {errors} {noun}; the previous output was left as it was"
            )
        }
    }
}

/// site.yaml, parsed, with `base_url` replaced when the command line says
/// so; and its text, which the stamp hashes.
pub fn site_config(root: &Path, base_url: Option<&BaseUrl>) -> Result<(Config, String), Error> {
    let (mut config, text) = read_config(root)?;
    if let Some(url) = base_url {
        config.base_url = url.clone();
    }
    Ok((config, text))
}

fn summarize(
    site: &Site,
    plan: &OutputPlan,
    output_dir: PathBuf,
    started: Instant,
    diagnostics: Diagnostics,
) -> BuildSummary {
    let sections = site.section_count();
    BuildSummary {
        pages: site.pages.len() - sections,
        sections,
        assets: site.assets.len(),
        files: plan.file_count(),
        output_dir,
        elapsed: started.elapsed(),
        warnings: diagnostics.into_sorted(),
        up_to_date: false,
        updated_files: None,
    }
}
