//! Templates: Tera set-up and page rendering. Owns the template context of SPEC §9
//! (names are a contract with themes), the functions `get_url` and `get_page`, the
//! `date` filter, and turning Tera errors into diagnostics at the template's file
//! and line. Templates are parsed once per build. It does not write files.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Kwargs, State, Tera, TeraResult, Value};

use crate::config::{BaseUrl, CONFIG_FILE};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::discover::TemplateFile;
use crate::links::GENERATED_FILES;
use crate::markdown::TocItem;
use crate::output::RenderText;
use crate::site::{Page, PageId, PageKind, Site, slash_path};
use crate::taxonomy::TaxonomyTerms;

/// Words per minute for `reading_time`.
const READING_SPEED: usize = 200;

/// Parsed templates and where each came from, for error messages.
struct Templates {
    tera: Tera,
    files: BTreeMap<String, PathBuf>,
    /// What the registered functions read.
    lookup: Arc<Lookup>,
}

/// Parses every template once, with knead's functions and filters registered
/// first (Tera 2 checks names at parse time). A syntax error names the file and line.
fn load_templates(
    files: &BTreeMap<String, TemplateFile>,
    lookup: &Arc<Lookup>,
) -> Result<Templates, Diagnostic> {
    let paths: BTreeMap<String, PathBuf> = files
        .iter()
        .map(|(name, file)| (name.clone(), file.display_path.clone()))
        .collect();
    let mut tera = Tera::new();
    tera.autoescape_on([".html", ".htm", ".xml"]);
    tera.register_filter("date", date_filter);
    tera.register_filter("json", json_filter);
    let for_url = Arc::clone(lookup);
    tera.register_function("get_url", move |kwargs: Kwargs, _: &State| {
        get_url(&for_url, &kwargs)
    });
    let for_page = Arc::clone(lookup);
    tera.register_function("get_page", move |kwargs: Kwargs, _: &State| {
        get_page(&for_page, &kwargs)
    });
    tera.add_raw_templates(
        files
            .iter()
            .map(|(name, file)| (name.as_str(), file.text.as_str())),
    )
    .map_err(|err| tera_diagnostic(&err, &paths))?;
    Ok(Templates {
        tera,
        files: paths,
        lookup: Arc::clone(lookup),
    })
}

/// One rendered output file: its path relative to the output folder, and text.
pub struct RenderedFile {
    pub rel_path: PathBuf,
    /// The file it was made from, for collision messages.
    pub source: PathBuf,
    pub text: String,
}

/// What the template stage needs besides the site.
pub struct TemplateInput<'a> {
    pub templates: &'a BTreeMap<String, TemplateFile>,
    /// Output-relative paths of the static files, so `get_url` can check them.
    pub static_files: Vec<&'a Path>,
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
pub fn render_site(
    site: &Site,
    contents: Vec<String>,
    input: &TemplateInput<'_>,
    diagnostics: &mut Diagnostics,
) -> PageRenderer {
    let values = ContextValues::new(site, contents);
    let lookup = Arc::new(Lookup::new(site, &values, &input.static_files));
    let templates = match load_templates(input.templates, &lookup) {
        Ok(templates) => templates,
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
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
        let subject = if page.is_section() {
            Subject::Section(id)
        } else {
            Subject::Page(id)
        };
        queue.push(
            template,
            subject,
            url_to_file(&page.url),
            page.display_path(),
        );
    }
    queue_taxonomies(site, &mut queue, check, diagnostics);
    if queue.has_template("404.html") {
        queue.push_404();
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
            queue.push(
                "term.html".into(),
                Subject::Term(t, i),
                url_to_file(&taxonomy.term_path(term)),
                source.clone(),
            );
        }
    }
}

impl RenderText for PageRenderer {
    fn render_text(&self, job: usize) -> Option<String> {
        self.render(job)
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
    rel_path: PathBuf,
    source: PathBuf,
}

/// What a queued file shows, which decides its context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    Page(PageId),
    Section(PageId),
    Taxonomy(usize),
    /// Taxonomy, term.
    Term(usize, usize),
    NotFound,
}

thread_local! {
    /// The content paths `get_page` returned during the render running on
    /// this thread (Tera calls functions on the rendering thread).
    static PAGES_READ: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
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
            rel_path,
            source,
        });
    }

    fn push_404(&mut self) {
        let source = self
            .templates
            .as_ref()
            .and_then(|t| t.files.get("404.html").cloned())
            .unwrap_or_default();
        self.push(
            "404.html".into(),
            Subject::NotFound,
            PathBuf::from("404.html"),
            source,
        );
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

    /// Renders one queued file; `None` when its template failed, which is
    /// recorded for `into_diagnostics`.
    pub fn render(&self, job: usize) -> Option<String> {
        let templates = self.templates.as_ref()?;
        let queued = self.jobs.get(job)?;
        let context = self.values.context(queued.subject);
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
    pub fn apply_edits(&mut self, site: &Site, edits: PageEdits) -> Vec<usize> {
        let changed = self.values.apply_edits(site, edits);
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

/// Pages whose template values must be rebuilt after an edit that changed
/// page bodies only (no front matter, no page added or removed).
#[derive(Debug, Default)]
pub struct PageEdits {
    /// Re-rendered pages and their new HTML.
    pub contents: Vec<(PageId, String)>,
    /// Pages whose backlinks changed.
    pub backlinks: Vec<PageId>,
}

/// Which values `ContextValues::apply_edits` replaced.
struct ChangedValues {
    pages: BTreeSet<PageId>,
    /// (taxonomy, term)
    terms: BTreeSet<(usize, usize)>,
}

impl ChangedValues {
    fn affects(&self, subject: Subject) -> bool {
        match subject {
            Subject::Page(id) | Subject::Section(id) => self.pages.contains(&id),
            Subject::Term(t, i) => self.terms.contains(&(t, i)),
            Subject::Taxonomy(_) | Subject::NotFound => false,
        }
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

/// Tera's error as a diagnostic at the template's file, line and column, with the
/// error's causes appended (Tera keeps the useful part in `source()`).
fn tera_diagnostic(err: &tera::Error, files: &BTreeMap<String, PathBuf>) -> Diagnostic {
    let file_of = |name: &str| {
        files
            .get(name)
            .cloned()
            .unwrap_or_else(|| PathBuf::from(name))
    };
    let mut diagnostic = match err.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let span = report.span();
            Diagnostic::error(file_of(report.filename()), report.message().to_string())
                .at(span.start_line, span.start_col + 1)
        }
        tera::ErrorKind::MissingParent { current, parent } => Diagnostic::error(
            file_of(current),
            format!("extends {parent:?}, which does not exist"),
        )
        .with_help("check the name in `{% extends %}`; names are relative to the templates folder"),
        tera::ErrorKind::TemplateNotFound(name) => {
            Diagnostic::error("templates", format!("template {name:?} not found"))
                .with_help("check the names used in `{% include %}` and `{% extends %}`")
        }
        _ => Diagnostic::error("templates", err.to_string()),
    };
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        diagnostic.message = format!("{}: {inner}", diagnostic.message);
        cause = inner.source();
    }
    diagnostic
}

/// `{{ page.date | date(format="%B %-d, %Y") }}`: formats an ISO date as written
/// in front matter, in the time the author wrote it.
fn date_filter(value: &str, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let format = kwargs.get::<&str>("format")?.unwrap_or("%Y-%m-%d");
    let datetime = value
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| {
            value
                .parse::<jiff::Timestamp>()
                .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).datetime())
        })
        .map_err(|e| tera::Error::message(format!("date: {value:?} is not a date: {e}")))?;
    jiff::fmt::strtime::format(format, datetime)
        .map_err(|e| tera::Error::message(format!("date: bad format {format:?}: {e}")))
}

/// Any value as JSON that is safe inside `<script>`: `<`, `>` and `&` are
/// escaped so no string can close the script element or start a comment.
/// The result is marked safe, since HTML-escaping it would break the JSON.
fn json_filter(value: Value, _: Kwargs, _: &State) -> TeraResult<Value> {
    let json = serde_json::to_string(&value)
        .map_err(|e| tera::Error::message(format!("json: cannot encode the value: {e}")))?;
    let escaped = json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    Ok(Value::safe_string(&escaped))
}

/// A `{title, url, permalink}` item (with `description` and `weight`, which
/// section items need and page items may use).
#[derive(Serialize)]
struct LinkItem<'a> {
    title: &'a str,
    url: String,
    permalink: String,
    description: Option<&'a str>,
    weight: Option<i64>,
}

fn link_item<'a>(site: &'a Site, id: PageId) -> LinkItem<'a> {
    let page = site.page(id);
    let base = &site.config.base_url;
    LinkItem {
        title: &page.meta.title,
        url: base.url(&page.url),
        permalink: base.permalink(&page.url),
        description: page.meta.description.as_deref(),
        weight: page.meta.weight,
    }
}

fn link_items<'a>(site: &'a Site, ids: &[PageId]) -> Vec<LinkItem<'a>> {
    ids.iter().map(|&id| link_item(site, id)).collect()
}

/// A term as pages list it; term pages and `site.taxonomies` add its `pages`.
#[derive(Serialize)]
struct TermItem<'a> {
    name: &'a str,
    slug: &'a str,
    url: String,
    permalink: String,
}

fn term_item<'a>(base: &BaseUrl, taxonomy: &'a TaxonomyTerms, term: usize) -> TermItem<'a> {
    let term = &taxonomy.terms[term];
    let site_path = taxonomy.term_path(term);
    TermItem {
        name: &term.name,
        slug: &term.slug,
        url: base.url(&site_path),
        permalink: base.permalink(&site_path),
    }
}

#[derive(Serialize)]
struct PageContext<'a> {
    title: &'a str,
    description: Option<&'a str>,
    date: Option<&'a str>,
    updated: Option<&'a str>,
    slug: &'a str,
    path: String,
    url: String,
    permalink: String,
    content: &'a str,
    toc: &'a [TocItem],
    word_count: usize,
    reading_time: usize,
    weight: Option<i64>,
    draft: bool,
    taxonomies: BTreeMap<&'a str, Vec<TermItem<'a>>>,
    backlinks: Vec<LinkItem<'a>>,
    related: Vec<LinkItem<'a>>,
    ancestors: Vec<LinkItem<'a>>,
    prev: Option<LinkItem<'a>>,
    next: Option<LinkItem<'a>>,
    assets: Vec<String>,
    /// The numbered steps of a how-to page (see `Rendered::steps`).
    steps: &'a [String],
    extra: &'a serde_yaml::Value,
}

/// Every page's context value, built once per build and shared (Tera values are
/// reference-counted, so lists of pages cost a pointer per entry).
struct ContextValues {
    site: Value,
    pages: Vec<Value>,
    /// Per taxonomy: its `taxonomy` value and one `term` value per term.
    taxonomies: Vec<(Value, Vec<Value>)>,
}

impl Default for ContextValues {
    fn default() -> Self {
        ContextValues {
            site: Value::none(),
            pages: Vec::new(),
            taxonomies: Vec::new(),
        }
    }
}

impl ContextValues {
    /// `contents` is every page's HTML, in page order; each is dropped as soon
    /// as its context value holds a copy, so the site's HTML is not in memory
    /// twice while templates render.
    fn new(site: &Site, contents: Vec<String>) -> ContextValues {
        let mut pages: Vec<Value> = contents
            .into_par_iter()
            .enumerate()
            .map(|(id, content)| page_value(site, id, &content))
            .collect();
        for (id, page) in site.pages.iter().enumerate() {
            if page.is_section() {
                pages[id] = section_lists(site, id, pages[id].clone(), &pages);
            }
        }
        let taxonomies: Vec<(Value, Vec<Value>)> = site
            .taxonomies
            .iter()
            .map(|taxonomy| taxonomy_values(site, taxonomy, &pages))
            .collect();
        ContextValues {
            site: site_value(site),
            pages,
            taxonomies,
        }
    }

    fn context(&self, subject: Subject) -> Context {
        let mut context = Context::new();
        context.insert_value("site", self.site.clone());
        match subject {
            Subject::Page(id) => context.insert_value("page", self.pages[id].clone()),
            Subject::Section(id) => context.insert_value("section", self.pages[id].clone()),
            Subject::Taxonomy(t) => context.insert_value("taxonomy", self.taxonomies[t].0.clone()),
            Subject::Term(t, i) => {
                context.insert_value("taxonomy", self.taxonomies[t].0.clone());
                context.insert_value("term", self.taxonomies[t].1[i].clone());
            }
            Subject::NotFound => {}
        }
        context
    }

    /// Rebuilds the values that hold an edited page: its own, its section's
    /// list and its terms. `site` and `taxonomy` are no such values: their
    /// lists show titles and URLs, which a body edit leaves as they were.
    fn apply_edits(&mut self, site: &Site, edits: PageEdits) -> ChangedValues {
        let mut changed = ChangedValues {
            pages: BTreeSet::new(),
            terms: BTreeSet::new(),
        };
        for (id, content) in edits.contents {
            self.pages[id] = page_value(site, id, &content);
            if site.page(id).is_section() {
                self.pages[id] = section_lists(site, id, self.pages[id].clone(), &self.pages);
            }
            changed.pages.insert(id);
        }
        for id in edits.backlinks {
            let backlinks = Value::from_serializable(&link_items(site, &site.page(id).backlinks));
            self.pages[id] = with_field(self.pages[id].clone(), "backlinks", backlinks);
            changed.pages.insert(id);
        }
        let listing: BTreeSet<PageId> = changed
            .pages
            .iter()
            .filter(|&&id| !site.page(id).is_section())
            .filter_map(|&id| site.page(id).parent)
            .collect();
        for section in listing {
            let list = page_list(&site.page(section).pages, &self.pages);
            self.pages[section] = with_field(self.pages[section].clone(), "pages", list);
            changed.pages.insert(section);
        }
        changed.terms = changed
            .pages
            .iter()
            .flat_map(|&id| &site.page(id).terms)
            .map(|term| (term.taxonomy, term.term))
            .collect();
        for &(t, i) in &changed.terms {
            let ids = &site.taxonomies[t].terms[i].pages;
            let term_values = &mut self.taxonomies[t].1;
            term_values[i] =
                with_field(term_values[i].clone(), "pages", page_list(ids, &self.pages));
        }
        changed
    }
}

fn page_list(ids: &[PageId], pages: &[Value]) -> Value {
    Value::from(
        ids.iter()
            .map(|&p| pages[p].clone())
            .collect::<Vec<Value>>(),
    )
}

/// A section's value: its page value plus its `pages` (their full values)
/// and `subsections`.
fn section_lists(site: &Site, id: PageId, value: Value, pages: &[Value]) -> Value {
    let section = site.page(id);
    let subsections = Value::from_serializable(&link_items(site, &section.subsections));
    let value = with_field(value, "pages", page_list(&section.pages, pages));
    with_field(value, "subsections", subsections)
}

#[derive(Serialize)]
struct TaxonomyContext<'a> {
    name: &'a str,
    slug: &'a str,
    url: String,
    permalink: String,
}

/// The `taxonomy` value (with `terms`) and each `term` value (with `pages`).
/// The terms in `taxonomy.terms` list their pages as link items, so that a
/// page's body is in the values of its own terms only.
fn taxonomy_values(site: &Site, taxonomy: &TaxonomyTerms, pages: &[Value]) -> (Value, Vec<Value>) {
    let base = &site.config.base_url;
    let terms: Vec<Value> = taxonomy
        .terms
        .iter()
        .enumerate()
        .map(|(i, term)| {
            let item = Value::from_serializable(&term_item(base, taxonomy, i));
            with_field(item, "pages", page_list(&term.pages, pages))
        })
        .collect();
    let value = with_field(
        Value::from_serializable(&taxonomy_context(base, taxonomy)),
        "terms",
        Value::from_serializable(&site_terms(site, taxonomy)),
    );
    (value, terms)
}

/// A taxonomy's terms, each with its pages as link items.
fn site_terms<'a>(site: &'a Site, taxonomy: &'a TaxonomyTerms) -> Vec<SiteTerm<'a>> {
    (0..taxonomy.terms.len())
        .map(|i| SiteTerm {
            term: term_item(&site.config.base_url, taxonomy, i),
            pages: link_items(site, &taxonomy.terms[i].pages),
        })
        .collect()
}

fn taxonomy_context<'a>(base: &BaseUrl, taxonomy: &'a TaxonomyTerms) -> TaxonomyContext<'a> {
    let site_path = taxonomy.site_path();
    TaxonomyContext {
        name: &taxonomy.name,
        slug: &taxonomy.slug,
        url: base.url(&site_path),
        permalink: base.permalink(&site_path),
    }
}

fn with_field(value: Value, key: &'static str, field: Value) -> Value {
    match value.clone().into_map() {
        Some(mut map) => {
            map.insert(key.into(), field);
            Value::from(map)
        }
        None => value,
    }
}

fn page_value(site: &Site, id: PageId, content: &str) -> Value {
    let page = site.page(id);
    let base = &site.config.base_url;
    let words = page.rendered.word_count;
    let context = PageContext {
        title: &page.meta.title,
        description: page.meta.description.as_deref(),
        date: page.meta.date.as_ref().map(|d| d.text.as_str()),
        updated: page.meta.updated.as_ref().map(|d| d.text.as_str()),
        slug: &page.slug,
        path: slash_path(&page.rel_path),
        url: base.url(&page.url),
        permalink: base.permalink(&page.url),
        content,
        toc: if page.meta.toc {
            &page.rendered.toc
        } else {
            &[]
        },
        word_count: words,
        reading_time: words.div_ceil(READING_SPEED),
        weight: page.meta.weight,
        draft: page.meta.draft,
        taxonomies: page_taxonomies(site, page),
        backlinks: link_items(site, &page.backlinks),
        related: link_items(site, &page.related),
        ancestors: link_items(site, &site.ancestors(id)),
        prev: page.prev.map(|p| link_item(site, p)),
        next: page.next.map(|n| link_item(site, n)),
        assets: page.assets.iter().map(|a| base.url(a)).collect(),
        steps: &page.rendered.steps,
        extra: &page.meta.extra,
    };
    Value::from_serializable(&context)
}

/// Taxonomy name → the page's terms in front-matter order, for taxonomies the
/// page uses.
fn page_taxonomies<'a>(site: &'a Site, page: &'a Page) -> BTreeMap<&'a str, Vec<TermItem<'a>>> {
    let base = &site.config.base_url;
    let mut map: BTreeMap<&str, Vec<TermItem>> = BTreeMap::new();
    for term in &page.terms {
        let taxonomy = &site.taxonomies[term.taxonomy];
        map.entry(taxonomy.name.as_str())
            .or_default()
            .push(term_item(base, taxonomy, term.term));
    }
    map
}

#[derive(Serialize)]
struct SiteContext<'a> {
    title: &'a str,
    description: &'a str,
    base_url: String,
    language: &'a str,
    extra: &'a serde_yaml::Value,
    feed: bool,
    search: bool,
    sections: Vec<SectionItem<'a>>,
    /// One `{name, slug, url, permalink}` per taxonomy, in site.yaml order,
    /// so themes can link `/<taxonomy>/` without rebuilding its URL.
    taxonomy_pages: Vec<TaxonomyContext<'a>>,
}

/// A top-level section in `site.sections`, with its pages for navigation.
#[derive(Serialize)]
struct SectionItem<'a> {
    #[serde(flatten)]
    link: LinkItem<'a>,
    pages: Vec<LinkItem<'a>>,
}

/// A term in `site.taxonomies` and `taxonomy.terms`: its pages as `{title,
/// url, ...}` items, not full page values, so that these values (which every
/// template, or every term page, gets) do not change when a page's body does.
#[derive(Serialize)]
struct SiteTerm<'a> {
    #[serde(flatten)]
    term: TermItem<'a>,
    pages: Vec<LinkItem<'a>>,
}

fn site_value(site: &Site) -> Value {
    let config = &site.config;
    let context = SiteContext {
        title: &config.title,
        description: &config.description,
        base_url: config.base_url.as_string(),
        language: &config.language,
        extra: &config.extra,
        feed: config.feed,
        search: config.search,
        sections: site
            .top_sections()
            .iter()
            .map(|&id| SectionItem {
                link: link_item(site, id),
                pages: link_items(site, &site.page(id).pages),
            })
            .collect(),
        taxonomy_pages: site
            .taxonomies
            .iter()
            .map(|taxonomy| taxonomy_context(&config.base_url, taxonomy))
            .collect(),
    };
    let terms: tera::Map = site
        .taxonomies
        .iter()
        .map(|taxonomy| {
            (
                taxonomy.name.clone().into(),
                Value::from_serializable(&site_terms(site, taxonomy)),
            )
        })
        .collect();
    with_field(
        Value::from_serializable(&context),
        "taxonomies",
        Value::from(terms),
    )
}

/// What `get_url` and `get_page` look things up in.
struct Lookup {
    base: BaseUrl,
    /// Content path (`types/swedish.md`) → (site path, context value).
    /// Written only between renders, when an edit replaces values.
    pages: RwLock<HashMap<String, (String, Value)>>,
    /// Site paths of files that exist in the output: static files and assets.
    files: HashSet<String>,
}

impl Lookup {
    fn new(site: &Site, values: &ContextValues, static_files: &[&Path]) -> Lookup {
        let pages = site
            .pages
            .iter()
            .enumerate()
            .map(|(id, p)| {
                (
                    slash_path(&p.rel_path),
                    (p.url.clone(), values.pages[id].clone()),
                )
            })
            .collect();
        let static_urls = static_files.iter().map(|p| format!("/{}", slash_path(p)));
        Lookup {
            base: site.config.base_url.clone(),
            pages: RwLock::new(pages),
            files: site
                .assets
                .iter()
                .map(|a| a.url.clone())
                .chain(static_urls)
                .collect(),
        }
    }

    fn refresh(&self, site: &Site, values: &ContextValues, ids: &BTreeSet<PageId>) {
        let mut pages = self.pages.write().unwrap_or_else(PoisonError::into_inner);
        for &id in ids {
            let page = site.page(id);
            pages.insert(
                slash_path(&page.rel_path),
                (page.url.clone(), values.pages[id].clone()),
            );
        }
    }

    /// The site path and value of the page at `content_path`.
    fn page(&self, content_path: &str) -> TeraResult<(String, Value)> {
        let content_path = content_path.trim_start_matches('/');
        let pages = self.pages.read().unwrap_or_else(PoisonError::into_inner);
        pages
            .get(content_path)
            .cloned()
            .ok_or_else(|| tera::Error::message(format!("no page at content/{content_path}")))
    }
}

fn get_url(lookup: &Lookup, kwargs: &Kwargs) -> TeraResult<String> {
    let path = kwargs.must_get::<&str>("path")?;
    if let Some(content_path) = path.strip_prefix("@/") {
        let (site_path, _) = lookup.page(content_path)?;
        return Ok(lookup.base.url(&site_path));
    }
    let site_path = format!("/{}", path.trim_start_matches('/'));
    let is_file = site_path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    let known = lookup.files.contains(&site_path)
        || GENERATED_FILES.contains(&site_path.trim_start_matches('/'));
    if is_file && !known {
        return Err(tera::Error::message(format!(
            "get_url: no file {path:?} in static/, the theme's static/ or content/"
        )));
    }
    Ok(lookup.base.url(&site_path))
}

/// Also notes the path read, so that an edit of that page renders the
/// reading file again.
fn get_page(lookup: &Lookup, kwargs: &Kwargs) -> TeraResult<Value> {
    let path = kwargs.must_get::<&str>("path")?;
    let content_path = path
        .strip_prefix("@/")
        .unwrap_or(path)
        .trim_start_matches('/');
    let (_, value) = lookup.page(content_path)?;
    PAGES_READ.with_borrow_mut(|read| read.push(content_path.to_string()));
    Ok(value)
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

    #[test]
    fn json_filter_cannot_close_the_script_element() {
        let context = Context::new();
        let state = State::new(&context);
        let value = Value::from("</script><!-- & \"x\"");
        let json = json_filter(value, Kwargs::default(), &state).expect("encodes");
        assert_eq!(
            json.as_str(),
            Some(r#""\u003c/script\u003e\u003c!-- \u0026 \"x\"""#)
        );
        assert!(json.is_safe());
    }

    #[test]
    fn date_filter_formats_dates_and_times() {
        let kwargs = Kwargs::from([("format", Value::from("%B %-d, %Y"))]);
        let context = Context::new();
        let state = State::new(&context);
        assert_eq!(
            date_filter("2024-05-01", kwargs.clone(), &state)
                .ok()
                .as_deref(),
            Some("May 1, 2024")
        );
        assert_eq!(
            date_filter("2024-05-01T23:30:00+02:00", kwargs.clone(), &state)
                .ok()
                .as_deref(),
            Some("May 1, 2024")
        );
        assert!(date_filter("yesterday", kwargs, &state).is_err());
    }
}
