//! The site model: every page and section with its front matter, URL and place in
//! the section tree, the assets beside them and the taxonomies' terms. `build`
//! makes it from what loading read (front matter and URLs only, so every URL
//! is known before any Markdown is rendered), with `taxonomy` folding the terms.
//! The model renders nothing; later stages keep what they compute in tables of
//! their own, indexed by `PageId`.

pub mod build;
pub mod taxonomy;

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::line_col;
use crate::load::config::Config;
use crate::load::front_matter::FrontMatter;
use crate::load::images::ImageFile;
use crate::load::references::References;
use crate::names::{CONFIG_FILE, CONTENT_DIR, GENERATED_FILES, PAGER_DIR};
use crate::slug::slash_path;

pub type PageId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// A Markdown file, or a folder with `index.md`.
    Page,
    /// A folder's `_index.md`; the home page is the section of content/ itself.
    Section,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub kind: PageKind,
    /// Relative to content/ (`types/swedish.md`, `types/_index.md`).
    pub rel_path: PathBuf,
    pub meta: FrontMatter,
    /// The file's text up to its body (the front matter and its fences), so
    /// positions in the front matter can be reported, and the body's
    /// positions counted from where it starts. The body itself goes to the
    /// render stage apart (see `build::load_site`). Empty for the home page
    /// made from site.yaml, which has no file.
    pub header: String,
    pub slug: String,
    /// Site path without the base_url path: `/types/swedish/`.
    pub url: String,
    /// The section that lists this page (for a section: its parent section).
    pub parent: Option<PageId>,
    /// Sections only: their pages and subsections, sorted.
    pub pages: Vec<PageId>,
    pub subsections: Vec<PageId>,
    /// The neighbours in the parent's sorted list (pages among pages, sections
    /// among subsections).
    pub prev: Option<PageId>,
    pub next: Option<PageId>,
    /// Site paths of the assets that belong to this page.
    pub assets: Vec<String>,
    /// The page's taxonomy terms, folded, in front-matter order.
    pub terms: Vec<TermRef>,
}

impl Page {
    fn new(kind: PageKind, rel_path: PathBuf, meta: FrontMatter, header: String) -> Page {
        Page {
            kind,
            rel_path,
            meta,
            header,
            slug: String::new(),
            url: String::new(),
            parent: None,
            pages: Vec::new(),
            subsections: Vec::new(),
            prev: None,
            next: None,
            assets: Vec::new(),
            terms: Vec::new(),
        }
    }

    /// The file as the author knows it: `content/types/swedish.md`.
    pub fn display_path(&self) -> PathBuf {
        Path::new(CONTENT_DIR).join(&self.rel_path)
    }

    pub fn is_section(&self) -> bool {
        self.kind == PageKind::Section
    }

    /// Where a position in the body is in the file: `body_line` and
    /// `body_col` are 1-based and count from the body's first character.
    pub fn file_position(&self, body_line: usize, body_col: usize) -> (usize, usize) {
        let (line, col) = line_col(&self.header, self.header.len());
        if body_line <= 1 {
            (line, col + body_col.saturating_sub(1))
        } else {
            (line + body_line - 1, body_col)
        }
    }

    /// Where each entry of a front-matter list is written (front matter keeps
    /// positions of keys only): each entry's text is searched for after the
    /// previous entry, from the key's line on; an entry not found as written
    /// (escaped in YAML) gets the key's position.
    pub fn entry_positions(&self, key: &str, entries: &[String]) -> Vec<(usize, usize)> {
        let Some(&(line, col)) = self.meta.positions.get(key) else {
            return vec![(1, 1); entries.len()];
        };
        let header = &self.header;
        let mut cursor: usize = header
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        entries
            .iter()
            .map(|entry| {
                let found = header
                    .get(cursor..)
                    .and_then(|rest| rest.find(entry.as_str()));
                match found {
                    Some(at) => {
                        let offset = cursor + at;
                        cursor = offset + entry.len();
                        line_col(header, offset)
                    }
                    None => (line, col),
                }
            })
            .collect()
    }
}

/// A non-Markdown file under content/, copied beside its page.
#[derive(Debug, Clone)]
pub struct Asset {
    pub rel_path: PathBuf,
    /// Site path of the copy: `/types/swedish/diagram.svg`.
    pub url: String,
}

/// A draft left out of the build, remembered so that links to it get a clear error.
#[derive(Debug)]
pub struct Draft {
    /// Relative to content/, with `/`.
    pub rel_path: String,
    pub title: String,
    pub slug: String,
}

#[derive(Debug)]
pub struct Site {
    pub config: Config,
    /// Every page and section, in source path order; `PageId`s index this.
    pub pages: Vec<Page>,
    pub home: PageId,
    pub assets: Vec<Asset>,
    /// One entry per taxonomy of site.yaml, in its order.
    pub taxonomies: Vec<TaxonomyTerms>,
    pub drafts: Vec<Draft>,
    /// Every image a link can reach (assets, then static files), by the
    /// site path links resolve to.
    pub images: HashMap<String, ImageFile>,
    /// The references pages cite; `None` when the site has no references
    /// file (then `[@key]` is plain text).
    pub references: Option<Arc<References>>,
}

impl Site {
    pub fn page(&self, id: PageId) -> &Page {
        &self.pages[id]
    }

    /// How many of the pages are sections (the home page among them).
    pub fn section_count(&self) -> usize {
        self.pages.iter().filter(|p| p.is_section()).count()
    }

    /// How section `id` is split into pagers: its own `paginate_by`, else
    /// site.yaml's. `None` for a page, or when neither says.
    pub fn section_pagination(&self, id: PageId) -> Option<Pagination> {
        let page = self.page(id);
        let per_page = page.meta.paginate_by.or(self.config.paginate_by)?;
        page.is_section().then(|| Pagination {
            url: page.url.clone(),
            per_page,
            items: page.pages.len(),
        })
    }

    /// How term `term` of taxonomy `taxonomy` is split: by site.yaml's
    /// `paginate_by`.
    pub fn term_pagination(&self, taxonomy: usize, term: usize) -> Option<Pagination> {
        let taxonomy = &self.taxonomies[taxonomy];
        let term = &taxonomy.terms[term];
        Some(Pagination {
            url: taxonomy.term_path(term),
            per_page: self.config.paginate_by?,
            items: term.pages.len(),
        })
    }

    /// Every paginated list: sections in page order, then terms in
    /// taxonomy order.
    pub fn paginations(&self) -> Vec<PaginatedList> {
        let sections = (0..self.pages.len()).filter_map(|id| {
            let page = self.page(id);
            Some(PaginatedList {
                pagination: self.section_pagination(id)?,
                origin: if page.meta.paginate_by.is_some() {
                    page.display_path()
                } else {
                    PathBuf::from(CONFIG_FILE)
                },
                title: page.meta.title.clone(),
            })
        });
        let terms = self
            .taxonomies
            .iter()
            .enumerate()
            .flat_map(|(t, taxonomy)| {
                taxonomy
                    .terms
                    .iter()
                    .enumerate()
                    .filter_map(move |(i, term)| {
                        Some(PaginatedList {
                            pagination: self.term_pagination(t, i)?,
                            origin: PathBuf::from(CONFIG_FILE),
                            title: term.name.clone(),
                        })
                    })
            });
        sections.chain(terms).collect()
    }

    /// Sections directly below the home page, sorted.
    pub fn top_sections(&self) -> &[PageId] {
        &self.pages[self.home].subsections
    }

    /// The chain of sections above `id`, home first.
    pub fn ancestors(&self, id: PageId) -> Vec<PageId> {
        let mut chain = Vec::new();
        let mut current = self.pages[id].parent;
        while let Some(parent) = current {
            chain.push(parent);
            current = self.pages[parent].parent;
        }
        chain.reverse();
        chain
    }
}

/// A list (a section's pages, a term's pages) split into pagers of
/// `per_page` entries. Pager 1 is the list's own URL; pager n is
/// `<url>page/<n>/`, and `<url>page/1/` redirects to pager 1 (Zola's names).
/// An empty list still has one pager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// Site path of the list: `/guides/`.
    pub url: String,
    pub per_page: usize,
    /// How many entries the list has.
    pub items: usize,
}

impl Pagination {
    pub fn pager_count(&self) -> usize {
        self.items.div_ceil(self.per_page).max(1)
    }

    /// Site path of pager `number` (1-based).
    pub fn pager_path(&self, number: usize) -> String {
        if number <= 1 {
            self.url.clone()
        } else {
            format!("{}{PAGER_DIR}/{number}/", self.url)
        }
    }

    /// Site paths of pagers 2 and on.
    pub fn later_pagers(&self) -> impl Iterator<Item = String> + '_ {
        (2..=self.pager_count()).map(|n| self.pager_path(n))
    }

    /// `/guides/page/1/`, which redirects to `/guides/`.
    pub fn redirect_path(&self) -> String {
        format!("{}{PAGER_DIR}/1/", self.url)
    }

    /// The range of list entries pager `number` shows.
    pub fn slice(&self, number: usize) -> std::ops::Range<usize> {
        let start = (number.max(1) - 1) * self.per_page;
        start.min(self.items)..(start + self.per_page).min(self.items)
    }
}

/// A paginated list with what its extra files need.
#[derive(Debug)]
pub struct PaginatedList {
    pub pagination: Pagination,
    /// The file that asks for pagination: the section's `_index.md`, or
    /// site.yaml when its default applies.
    pub origin: PathBuf,
    /// The section's title or the term's name.
    pub title: String,
}

#[derive(Debug)]
pub struct TaxonomyTerms {
    /// As declared in site.yaml: `body_areas`.
    pub name: String,
    /// In URLs: `body-areas`.
    pub slug: String,
    /// Sorted by name, ignoring case.
    pub terms: Vec<Term>,
}

impl TaxonomyTerms {
    /// `/body-areas/`.
    pub fn site_path(&self) -> String {
        format!("/{}/", self.slug)
    }

    /// `/body-areas/lower-back/`.
    pub fn term_path(&self, term: &Term) -> String {
        format!("/{}/{}/", self.slug, term.slug)
    }
}

#[derive(Debug)]
pub struct Term {
    /// The spelling most pages use (the first one seen on a tie).
    pub name: String,
    pub slug: String,
    /// Date newest first (undated last), then title, then path.
    pub pages: Vec<PageId>,
}

/// A page's term: indexes into `Site::taxonomies` and that taxonomy's `terms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TermRef {
    pub taxonomy: usize,
    pub term: usize,
}

/// The site paths of every output file that is not a page: assets, static
/// files, the files knead generates, taxonomy and term pages, and the pagers
/// of paginated lists after the first (with the redirect at `page/1/`). Made once
/// per build for link resolution and for `get_url`.
#[derive(Debug, Default)]
pub struct OutputFiles {
    site_paths: HashSet<String>,
}

impl OutputFiles {
    /// `static_files` are output-relative paths.
    pub fn new(site: &Site, static_files: &[&Path]) -> OutputFiles {
        let mut site_paths: HashSet<String> = site.assets.iter().map(|a| a.url.clone()).collect();
        site_paths.extend(
            static_files
                .iter()
                .map(|p| format!("/{}", slash_path(p)))
                .chain(GENERATED_FILES.iter().map(|f| format!("/{f}"))),
        );
        for list in site.paginations() {
            site_paths.insert(list.pagination.redirect_path());
            site_paths.extend(list.pagination.later_pagers());
        }
        for taxonomy in &site.taxonomies {
            site_paths.insert(taxonomy.site_path());
            site_paths.extend(taxonomy.terms.iter().map(|t| taxonomy.term_path(t)));
        }
        OutputFiles { site_paths }
    }

    pub fn contains(&self, site_path: &str) -> bool {
        self.site_paths.contains(site_path)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.site_paths.iter().map(String::as_str)
    }
}

/// Date newest first (undated last), then title: the order of pages in time.
pub fn newest_first(a: &Page, b: &Page) -> Ordering {
    b.meta
        .date
        .cmp(&a.meta.date)
        .then_with(|| a.meta.title.cmp(&b.meta.title))
}

/// A section's list: weight (unweighted last), then newest first, then path
/// so the order is total.
pub fn section_order(a: &Page, b: &Page) -> Ordering {
    let weight = |p: &Page| (p.meta.weight.is_none(), p.meta.weight);
    weight(a)
        .cmp(&weight(b))
        .then_with(|| newest_first(a, b))
        .then_with(|| a.rel_path.cmp(&b.rel_path))
}

/// A term's list and related pages: newest first, then path.
pub fn term_page_order(a: &Page, b: &Page) -> Ordering {
    newest_first(a, b).then_with(|| a.rel_path.cmp(&b.rel_path))
}
