//! Templates: the template stage of a build. `setup` parses the theme's and
//! the site's templates once, with knead's filters and functions; `values`
//! builds every page's, section's and term's context (names are a contract
//! with themes, SPEC §9) once and patches them after body edits; `lookup`
//! answers `get_url` and `get_page`, `resize` answers `resize_image` and
//! keeps the resized images asked for. This module queues one render per output
//! page (`queue_renders`); the output stage renders each as it writes it, so
//! the site's HTML is never in memory all at once. Nothing here writes files.

mod lookup;
mod resize;
mod setup;
mod values;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::data::SiteData;
use crate::load::discover::TemplateFile;
use crate::names::{CONFIG_FILE, NOT_FOUND_FILE, SEARCH_DIR, SEARCH_PAGE_TEMPLATE};
use crate::render::Rendering;
use crate::render::links::ImageVariant;
use crate::site::{OutputFiles, Page, PageId, PageKind, Pagination, Site};
use crate::slug::slash_path;
use lookup::{Lookup, PAGES_READ};
use rayon::prelude::*;
use setup::{Templates, load_templates, tera_diagnostic};
use values::{ContextValues, Pager, Subject};

pub use values::PageEdits;

/// What the template stage needs besides the site.
pub struct TemplateInput<'a> {
    pub templates: &'a BTreeMap<String, TemplateFile>,
    /// The output's files that are not pages, so `get_url` can check them.
    pub files: Arc<OutputFiles>,
    /// `site.data` and `load_data`.
    pub data: Arc<SiteData>,
}

/// Parses the templates and queues every page and section, each taxonomy and
/// term page, and the 404 page when the theme has one. Nothing is rendered
/// yet: the output stage renders each file as it writes it, so the site's
/// HTML output is never in memory all at once.
///
/// A build that already has errors writes nothing, but its files are still
/// queued: their paths go to the output plan, which is where two sources
/// sharing one URL are found. Missing templates are then not reported on top
/// of what went wrong first (a missing theme, say).
pub fn queue_renders(
    site: &Site,
    rendering: &Rendering,
    contents: Vec<String>,
    input: &TemplateInput<'_>,
    diagnostics: &mut Diagnostics,
) -> PageRenderer {
    let mut values = ContextValues::new(site, rendering, contents);
    values.set_site_data(&input.data);
    let lookup = Arc::new(Lookup::new(site, &values, Arc::clone(&input.files)));
    let resize = resize::ResizeImages::new(site);
    let templates = match load_templates(input.templates, &lookup, &input.data, resize) {
        Ok(templates) => templates,
        Err(errors) => {
            for diagnostic in errors {
                diagnostics.push(diagnostic);
            }
            return PageRenderer::default();
        }
    };
    let check = !diagnostics.has_errors();
    let mut queue = PageRenderer::new(templates, values, site.pages.len() + 1);
    for (id, page) in site.pages.iter().enumerate() {
        let template = template_for(site, id);
        if check && !queue.has_template(&template) {
            diagnostics.push(missing_template(page, &template));
            continue;
        }
        if page.is_section() {
            let pagination = site.section_pagination(id);
            queue.push_list(
                template,
                Subject::Section(id),
                pagination,
                &page.url,
                page.display_path(),
            );
        } else {
            queue.push(
                template,
                Subject::Page(id),
                url_to_file(&page.url),
                page.display_path(),
            );
        }
    }
    queue_taxonomies(site, &mut queue, check, diagnostics);
    if queue.has_template(NOT_FOUND_FILE) {
        queue.push_standalone(NOT_FOUND_FILE, PathBuf::from(NOT_FOUND_FILE));
    }
    if site.config.search && queue.has_template(SEARCH_PAGE_TEMPLATE) {
        let rel_path = Path::new(SEARCH_DIR).join("index.html");
        queue.push_standalone(SEARCH_PAGE_TEMPLATE, rel_path);
    }
    queue
}

/// `/<taxonomy>/` with taxonomy.html and `/<taxonomy>/<term>/` with term.html.
fn queue_taxonomies(
    site: &Site,
    queue: &mut PageRenderer,
    check: bool,
    diagnostics: &mut Diagnostics,
) {
    if site.taxonomies.is_empty() {
        return;
    }
    let missing: Vec<&str> = ["taxonomy.html", "term.html"]
        .into_iter()
        .filter(|name| !queue.has_template(name))
        .collect();
    if check && !missing.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                CONFIG_FILE,
                format!(
                    "site.yaml declares taxonomies, but there is no {}",
                    missing.join(" or ")
                ),
            )
            .with_help(
                "add them to templates/, pick a theme that has them, or remove `taxonomies`",
            ),
        );
        return;
    }
    let source = PathBuf::from(CONFIG_FILE);
    for (t, taxonomy) in site.taxonomies.iter().enumerate() {
        queue.push(
            "taxonomy.html".into(),
            Subject::Taxonomy(t),
            url_to_file(&taxonomy.site_path()),
            source.clone(),
        );
        for (i, term) in taxonomy.terms.iter().enumerate() {
            queue.push_list(
                "term.html".into(),
                Subject::Term(t, i),
                site.term_pagination(t, i),
                &taxonomy.term_path(term),
                source.clone(),
            );
        }
    }
}

/// The queued template renders of a build. Each is rendered when the output
/// stage asks for it; template errors are gathered as they happen, and the
/// same error hit by many pages is kept once, with the pages that hit it.
///
/// It keeps every context value, so that after an edit that changed only
/// page bodies it can bring the values up to date and tell which files to
/// render again (`apply_edits`).
#[derive(Default)]
pub struct PageRenderer {
    templates: Option<Templates>,
    values: ContextValues,
    jobs: Vec<RenderJob>,
    /// Each distinct error → the jobs that hit it.
    failures: Mutex<BTreeMap<Diagnostic, Vec<usize>>>,
    /// Job → the content paths its last render read with `get_page`.
    reads: Mutex<BTreeMap<usize, Vec<String>>>,
}

struct RenderJob {
    template: String,
    subject: Subject,
    /// Which pager of a paginated list this file is.
    pager: Option<Pager>,
    rel_path: PathBuf,
    source: PathBuf,
}

impl PageRenderer {
    fn new(templates: Templates, values: ContextValues, capacity: usize) -> Self {
        PageRenderer {
            templates: Some(templates),
            values,
            jobs: Vec::with_capacity(capacity),
            failures: Mutex::default(),
            reads: Mutex::default(),
        }
    }

    fn has_template(&self, name: &str) -> bool {
        self.templates
            .as_ref()
            .is_some_and(|t| t.tera.contains_template(name))
    }

    fn push(&mut self, template: String, subject: Subject, rel_path: PathBuf, source: PathBuf) {
        self.jobs.push(RenderJob {
            template,
            subject,
            pager: None,
            rel_path,
            source,
        });
    }

    /// A list page at `url`: one file, or one per pager when it is paginated.
    fn push_list(
        &mut self,
        template: String,
        subject: Subject,
        pagination: Option<Pagination>,
        url: &str,
        source: PathBuf,
    ) {
        let Some(pagination) = pagination else {
            self.push(template, subject, url_to_file(url), source);
            return;
        };
        let pagination = Arc::new(pagination);
        for number in 1..=pagination.pager_count() {
            self.jobs.push(RenderJob {
                template: template.clone(),
                subject,
                pager: Some(Pager {
                    pagination: Arc::clone(&pagination),
                    number,
                }),
                rel_path: url_to_file(&pagination.pager_path(number)),
                source: source.clone(),
            });
        }
    }

    /// A file that shows no page: rendered from `template` with `site` only.
    fn push_standalone(&mut self, template: &str, rel_path: PathBuf) {
        let source = self
            .templates
            .as_ref()
            .and_then(|t| t.files.get(template).cloned())
            .unwrap_or_default();
        self.push(template.into(), Subject::Standalone, rel_path, source);
    }

    /// Every queued file: (job, path in the output, the file it comes from).
    pub fn files(&self) -> impl Iterator<Item = (usize, &Path, &Path)> {
        self.jobs
            .iter()
            .enumerate()
            .map(|(job, j)| (job, j.rel_path.as_path(), j.source.as_path()))
    }

    /// Where a queued file goes in the output.
    pub fn rel_path(&self, job: usize) -> Option<&Path> {
        self.jobs.get(job).map(|j| j.rel_path.as_path())
    }

    /// Renders every queued file once, when a template calls
    /// `resize_image`, to learn which resized images the templates show
    /// before the image stage makes them; the text is dropped (the output
    /// stage renders again, so the site's HTML is never all in memory).
    /// `false` when a file failed: its errors are in `into_diagnostics`.
    pub fn find_image_requests(&self) -> bool {
        if !self.templates.as_ref().is_some_and(|t| t.resizes) {
            return true;
        }
        (0..self.jobs.len())
            .into_par_iter()
            .filter(|&job| self.render(job).is_none())
            .count()
            == 0
    }

    /// The resized images `resize_image` was asked for, in every render so far.
    pub fn image_requests(&self) -> Vec<ImageVariant> {
        self.templates
            .as_ref()
            .map(|t| t.resize.requests())
            .unwrap_or_default()
    }

    /// How many distinct resized images were asked for: a render that asks
    /// for a new one needs a full build to make it.
    pub fn image_request_count(&self) -> usize {
        self.templates
            .as_ref()
            .map_or(0, |t| t.resize.request_count())
    }

    /// Renders one queued file; `None` when its template failed, which is
    /// recorded for `into_diagnostics`.
    pub fn render(&self, job: usize) -> Option<String> {
        let templates = self.templates.as_ref()?;
        let queued = self.jobs.get(job)?;
        let context = self.values.context(queued.subject, queued.pager.as_ref());
        PAGES_READ.with_borrow_mut(Vec::clear);
        let result = templates.tera.render(&queued.template, &context);
        self.record_reads(job, PAGES_READ.take());
        match result {
            Ok(text) => Some(text),
            Err(err) => {
                let diagnostic = tera_diagnostic(&err, &templates.files);
                // A poisoned lock still holds every failure recorded before.
                let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
                failures.entry(diagnostic).or_default().push(job);
                None
            }
        }
    }

    fn record_reads(&self, job: usize, mut paths: Vec<String>) {
        let mut reads = self.reads.lock().unwrap_or_else(PoisonError::into_inner);
        if paths.is_empty() {
            reads.remove(&job);
        } else {
            paths.sort_unstable();
            paths.dedup();
            reads.insert(job, paths);
        }
    }

    /// Brings the context values up to date after `edits` (the site already
    /// holds the edited pages' new rendering and backlinks) and returns the
    /// jobs whose context changed or whose last render read a changed page
    /// with `get_page`: exactly the files that may now render differently.
    pub fn apply_edits(
        &mut self,
        site: &Site,
        rendering: &Rendering,
        edits: PageEdits,
    ) -> Vec<usize> {
        let changed = self.values.apply_edits(site, rendering, edits);
        if let Some(templates) = &self.templates {
            templates.lookup.refresh(site, &self.values, &changed.pages);
        }
        let paths: HashSet<String> = changed
            .pages
            .iter()
            .map(|&id| slash_path(&site.page(id).rel_path))
            .collect();
        let reads = self.reads.lock().unwrap_or_else(PoisonError::into_inner);
        let readers = reads
            .iter()
            .filter(|(_, read)| read.iter().any(|path| paths.contains(path)))
            .map(|(&job, _)| job);
        let mut jobs: BTreeSet<usize> = readers.collect();
        for (job, queued) in self.jobs.iter().enumerate() {
            if changed.affects(queued.subject) {
                jobs.insert(job);
            }
        }
        jobs.into_iter().collect()
    }

    /// The template errors met while rendering, one per distinct error.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        let failures = self
            .failures
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        failures
            .into_iter()
            .map(|(diagnostic, mut jobs)| {
                // Queue order, whatever order the threads met them in.
                jobs.sort_unstable();
                let pages: Vec<PathBuf> = jobs
                    .into_iter()
                    .map(|job| self.jobs[job].source.clone())
                    .collect();
                with_pages(diagnostic, &pages)
            })
            .collect()
    }
}

fn template_for(site: &Site, id: PageId) -> String {
    let page = site.page(id);
    if let Some(name) = &page.meta.template {
        return name.clone();
    }
    match page.kind {
        PageKind::Section if id == site.home => "index.html".into(),
        PageKind::Section => "section.html".into(),
        PageKind::Page => "page.html".into(),
    }
}

fn missing_template(page: &Page, template: &str) -> Diagnostic {
    let (line, col) = page
        .meta
        .positions
        .get("template")
        .copied()
        .unwrap_or((0, 0));
    let help = if page.meta.template.is_some() {
        format!("create templates/{template}, or remove `template:` to use the default")
    } else {
        format!("the theme has no {template}; add templates/{template} or pick a theme that has it")
    };
    Diagnostic::error(
        page.display_path(),
        format!("template {template:?} not found"),
    )
    .at(line, col)
    .with_help(help)
}

fn with_pages(mut diagnostic: Diagnostic, pages: &[PathBuf]) -> Diagnostic {
    if let Some(first) = pages.first() {
        let others = match pages.len() - 1 {
            0 => String::new(),
            1 => " and 1 other page".to_string(),
            n => format!(" and {n} other pages"),
        };
        diagnostic.message = format!(
            "{} (while rendering {}{others})",
            diagnostic.message,
            first.display()
        );
    }
    diagnostic
}

/// `/types/swedish/` → `types/swedish/index.html`.
fn url_to_file(url: &str) -> PathBuf {
    let mut path = PathBuf::new();
    for segment in url.split('/').filter(|s| !s.is_empty()) {
        path.push(segment);
    }
    path.push("index.html");
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_to_file_makes_pretty_urls() {
        assert_eq!(url_to_file("/"), PathBuf::from("index.html"));
        assert_eq!(
            url_to_file("/types/swedish/"),
            PathBuf::from("types/swedish/index.html")
        );
    }
}
