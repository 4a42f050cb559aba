//! Template values: the `site` value and every page's, section's, taxonomy's
//! and term's, built once per build and shared (Tera values are
//! reference-counted, so lists of pages cost a pointer per entry), and
//! patched after an edit that changed page bodies only.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Value};

use crate::load::config::BaseUrl;
use crate::load::data::SiteData;
use crate::load::front_matter::Reviewer;
use crate::render::Rendering;
use crate::render::citations::Reference;
use crate::render::markdown::TocItem;
use crate::site::{Page, PageId, Pagination, Site, TaxonomyTerms};
use crate::slug::slash_path;

/// Words per minute for `reading_time`.
const READING_SPEED: usize = 200;

/// What a queued file shows, which decides its context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Subject {
    Page(PageId),
    Section(PageId),
    Taxonomy(usize),
    /// Taxonomy, term.
    Term(usize, usize),
    /// The 404 page and the search page: `site` only.
    Standalone,
}

/// One pager of a paginated list: the list's `pages` are sliced into the
/// `paginator` value at render time, so edits to the list show up in it.
#[derive(Debug, Clone)]
pub(super) struct Pager {
    pub(super) pagination: Arc<Pagination>,
    /// 1-based.
    pub(super) number: usize,
}

/// A pager's link in `paginator.pagers`.
#[derive(Serialize)]
struct PagerLink {
    number: usize,
    url: String,
}

/// The `paginator` value. Names follow Zola's (`number_pagers`,
/// `current_index`, `total_pages` counting the list's entries), with
/// `pagers` added so themes can number their links.
#[derive(Serialize)]
struct PaginatorContext {
    /// This pager's own address, for `rel=canonical`.
    permalink: String,
    paginate_by: usize,
    base_url: String,
    number_pagers: usize,
    current_index: usize,
    total_pages: usize,
    first: String,
    last: String,
    previous: Option<String>,
    next: Option<String>,
    pagers: Vec<PagerLink>,
}

fn paginator_value(base: &BaseUrl, pager: &Pager, list: Option<&Value>) -> Value {
    let pagination = &pager.pagination;
    let count = pagination.pager_count();
    let number = pager.number;
    let url = |n: usize| base.url(&pagination.pager_path(n));
    let context = PaginatorContext {
        permalink: base.permalink(&pagination.pager_path(number)),
        paginate_by: pagination.per_page,
        base_url: base.url(&format!("{}{}/", pagination.url, crate::names::PAGER_DIR)),
        number_pagers: count,
        current_index: number,
        total_pages: pagination.items,
        first: url(1),
        last: url(count),
        previous: (number > 1).then(|| url(number - 1)),
        next: (number < count).then(|| url(number + 1)),
        pagers: (1..=count)
            .map(|n| PagerLink {
                number: n,
                url: url(n),
            })
            .collect(),
    };
    let entries = list.and_then(Value::as_array).unwrap_or(&[]);
    let range = pagination.slice(number);
    let slice = entries.get(range).unwrap_or(&[]).to_vec();
    with_field(
        Value::from_serializable(&context),
        "pages",
        Value::from(slice),
    )
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
pub(super) struct ChangedValues {
    pub(super) pages: BTreeSet<PageId>,
    /// (taxonomy, term)
    terms: BTreeSet<(usize, usize)>,
}

impl ChangedValues {
    pub(super) fn affects(&self, subject: Subject) -> bool {
        match subject {
            Subject::Page(id) | Subject::Section(id) => self.pages.contains(&id),
            Subject::Term(t, i) => self.terms.contains(&(t, i)),
            Subject::Taxonomy(_) | Subject::Standalone => false,
        }
    }
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
    /// A page's place in its section's `pages` (0-based), so themes can show
    /// a window of a long list around it; `None` for sections.
    position: Option<usize>,
    assets: Vec<String>,
    /// The numbered steps of a how-to page (see `Rendered::steps`).
    steps: &'a [String],
    /// The Flesch–Kincaid grade of the prose, to one decimal; English sites only.
    reading_grade: Option<f64>,
    reviewed: Option<&'a str>,
    /// Always `{name, credentials}`, whichever form the front matter used.
    reviewed_by: Option<&'a Reviewer>,
    /// `next_review`, or `reviewed` plus site.yaml's `review.interval`.
    next_review: Option<String>,
    /// The page's reference list, in the citation style's order.
    references: &'a [Reference],
    extra: &'a serde_yaml::Value,
}

/// Every page's context value, built once per build and shared (Tera values are
/// reference-counted, so lists of pages cost a pointer per entry).
pub(super) struct ContextValues {
    site: Value,
    /// `None` only in the values of a build whose templates failed to load.
    base: Option<BaseUrl>,
    pub(super) pages: Vec<Value>,
    /// Per taxonomy: its `taxonomy` value and one `term` value per term.
    taxonomies: Vec<(Value, Vec<Value>)>,
}

impl Default for ContextValues {
    fn default() -> Self {
        ContextValues {
            site: Value::none(),
            base: None,
            pages: Vec::new(),
            taxonomies: Vec::new(),
        }
    }
}

impl ContextValues {
    /// `contents` is every page's HTML, in page order; each is dropped as soon
    /// as its context value holds a copy, so the site's HTML is not in memory
    /// twice while templates render.
    pub(super) fn new(site: &Site, rendering: &Rendering, contents: Vec<String>) -> ContextValues {
        let mut pages: Vec<Value> = contents
            .into_par_iter()
            .enumerate()
            .map(|(id, content)| page_value(site, rendering, id, &content))
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
            base: Some(site.config.base_url.clone()),
            pages,
            taxonomies,
        }
    }

    /// `site.data`: every data file's value (see `load::data`).
    pub(super) fn set_site_data(&mut self, data: &SiteData) {
        let site = std::mem::replace(&mut self.site, Value::none());
        self.site = with_field(site, "data", Value::from_serializable(&data.tree()));
    }

    pub(super) fn context(&self, subject: Subject, pager: Option<&Pager>) -> Context {
        let mut context = Context::new();
        context.insert_value("site", self.site.clone());
        let list = match subject {
            Subject::Page(id) => {
                context.insert_value("page", self.pages[id].clone());
                None
            }
            Subject::Section(id) => {
                context.insert_value("section", self.pages[id].clone());
                Some(&self.pages[id])
            }
            Subject::Taxonomy(t) => {
                context.insert_value("taxonomy", self.taxonomies[t].0.clone());
                None
            }
            Subject::Term(t, i) => {
                context.insert_value("taxonomy", self.taxonomies[t].0.clone());
                context.insert_value("term", self.taxonomies[t].1[i].clone());
                Some(&self.taxonomies[t].1[i])
            }
            Subject::Standalone => None,
        };
        if let (Some(pager), Some(base)) = (pager, &self.base) {
            let pages = list.and_then(|value| value.get_from_path("pages"));
            context.insert_value("paginator", paginator_value(base, pager, pages));
        }
        context
    }

    /// Rebuilds the values that hold an edited page: its own, its section's
    /// list and its terms. `site` and `taxonomy` are no such values: their
    /// lists show titles and URLs, which a body edit leaves as they were.
    pub(super) fn apply_edits(
        &mut self,
        site: &Site,
        rendering: &Rendering,
        edits: PageEdits,
    ) -> ChangedValues {
        let mut changed = ChangedValues {
            pages: BTreeSet::new(),
            terms: BTreeSet::new(),
        };
        for (id, content) in edits.contents {
            self.pages[id] = page_value(site, rendering, id, &content);
            if site.page(id).is_section() {
                self.pages[id] = section_lists(site, id, self.pages[id].clone(), &self.pages);
            }
            changed.pages.insert(id);
        }
        for id in edits.backlinks {
            let backlinks = Value::from_serializable(&link_items(site, &rendering.backlinks[id]));
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

fn page_value(site: &Site, rendering: &Rendering, id: PageId, content: &str) -> Value {
    let page = site.page(id);
    let rendered = &rendering.pages[id];
    let base = &site.config.base_url;
    let words = rendered.word_count;
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
        toc: if page.meta.toc { &rendered.toc } else { &[] },
        word_count: words,
        reading_time: words.div_ceil(READING_SPEED),
        weight: page.meta.weight,
        draft: page.meta.draft,
        taxonomies: page_taxonomies(site, page),
        backlinks: link_items(site, &rendering.backlinks[id]),
        related: link_items(site, &rendering.related[id]),
        ancestors: link_items(site, &site.ancestors(id)),
        prev: page.prev.map(|p| link_item(site, p)),
        next: page.next.map(|n| link_item(site, n)),
        position: page
            .parent
            .filter(|_| !page.is_section())
            .and_then(|parent| site.page(parent).pages.iter().position(|&p| p == id)),
        assets: page.assets.iter().map(|a| base.url(a)).collect(),
        steps: &rendered.steps,
        reading_grade: rendered
            .reading
            .grade()
            .filter(|_| site.config.is_english())
            .map(|grade| (grade * 10.0).round() / 10.0),
        reviewed: page.meta.reviewed.as_ref().map(|d| d.text.as_str()),
        reviewed_by: page.meta.reviewed_by.as_ref(),
        next_review: site
            .config
            .review
            .next_review(page.meta.reviewed.as_ref(), page.meta.next_review.as_ref())
            .map(|date| date.to_string()),
        references: &rendered.references,
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
    medical: bool,
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
        medical: config.medical,
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
