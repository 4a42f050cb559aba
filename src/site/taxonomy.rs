//! Taxonomies: the terms of each taxonomy site.yaml declares, folded so that
//! spellings with the same slug ("Lower Back", "lower-back") are one term, and
//! the pages of each term. Owns the folding rule, the warning about mixed
//! spellings and the order of terms and of their pages. It does not render.
//!
//! Cost: one pass over every page's terms with a hash map from slug to term,
//! then one sort of each taxonomy's terms and of each term's pages.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::config::Taxonomy;
use crate::names::name_too_long;
use crate::site::{Page, PageId, TaxonomyTerms, Term, TermRef, term_page_order};
use crate::slug::slugify;

/// How many files a mixed-spelling warning names per spelling.
const FILES_NAMED: usize = 3;

/// Folds every page's terms into `taxonomies.len()` taxonomies and records each
/// page's terms in `Page::terms`. Mixed spellings of one term are a warning; a
/// term without letters or digits is an error.
pub fn collect_taxonomies(
    taxonomies: &[Taxonomy],
    pages: &mut [Page],
    diagnostics: &mut Diagnostics,
) -> Vec<TaxonomyTerms> {
    taxonomies
        .iter()
        .enumerate()
        .map(|(index, taxonomy)| {
            let mut folder = TermFolder::default();
            for (id, page) in pages.iter().enumerate() {
                folder.add_page(id, page, &taxonomy.name, diagnostics);
            }
            folder.finish(index, taxonomy, pages, diagnostics)
        })
        .collect()
}

/// One taxonomy's terms while pages are being read, in first-seen order.
#[derive(Default)]
struct TermFolder {
    by_slug: HashMap<String, usize>,
    terms: Vec<FoldedTerm>,
}

struct FoldedTerm {
    slug: String,
    /// Each spelling with the pages that wrote it, in first-seen order.
    spellings: Vec<(String, Vec<PageId>)>,
    pages: Vec<PageId>,
}

impl TermFolder {
    fn add_page(&mut self, id: PageId, page: &Page, taxonomy: &str, diagnostics: &mut Diagnostics) {
        let Some((_, terms)) = page
            .meta
            .taxonomies
            .iter()
            .find(|(name, _)| name == taxonomy)
        else {
            return;
        };
        let positions = page.entry_positions(taxonomy, terms);
        for (spelling, &(line, col)) in terms.iter().zip(&positions) {
            let slug = slugify(spelling);
            if slug.is_empty() {
                diagnostics.push(empty_term(page, taxonomy, spelling));
                continue;
            }
            if let Some(problem) = name_too_long(&format!("the {taxonomy} term"), &slug) {
                diagnostics.push(
                    Diagnostic::error(page.display_path(), problem)
                        .at(line, col)
                        .with_help("use a shorter term"),
                );
                continue;
            }
            let index = *self.by_slug.entry(slug.clone()).or_insert_with(|| {
                self.terms.push(FoldedTerm {
                    slug,
                    spellings: Vec::new(),
                    pages: Vec::new(),
                });
                self.terms.len() - 1
            });
            self.terms[index].add(id, spelling);
        }
    }

    fn finish(
        self,
        taxonomy_index: usize,
        taxonomy: &Taxonomy,
        pages: &mut [Page],
        diagnostics: &mut Diagnostics,
    ) -> TaxonomyTerms {
        for term in self.terms.iter().filter(|t| t.spellings.len() > 1) {
            diagnostics.push(mixed_spellings(term, &taxonomy.name, pages));
        }
        let mut terms: Vec<Term> = self
            .terms
            .into_iter()
            .map(|t| Term {
                name: t.canonical_name().to_string(),
                slug: t.slug,
                pages: t.pages,
            })
            .collect();
        terms.sort_by(term_name_order);
        record_page_terms(pages, &terms, taxonomy_index, &taxonomy.name);
        for term in &mut terms {
            term.pages
                .sort_by(|&a, &b| term_page_order(&pages[a], &pages[b]));
        }
        TaxonomyTerms {
            name: taxonomy.name.clone(),
            slug: taxonomy.slug.clone(),
            terms,
        }
    }
}

impl FoldedTerm {
    fn add(&mut self, page: PageId, spelling: &str) {
        match self.spellings.iter_mut().find(|(s, _)| s == spelling) {
            Some((_, pages)) if pages.last() == Some(&page) => {}
            Some((_, pages)) => pages.push(page),
            None => self.spellings.push((spelling.to_string(), vec![page])),
        }
        if self.pages.last() != Some(&page) {
            self.pages.push(page);
        }
    }

    fn canonical_name(&self) -> &str {
        let mut best: Option<&(String, Vec<PageId>)> = None;
        for spelling in &self.spellings {
            if best.is_none_or(|b| spelling.1.len() > b.1.len()) {
                best = Some(spelling);
            }
        }
        best.map_or("", |(name, _)| name.as_str())
    }
}

/// Gives each page its terms of this taxonomy, in the order its front matter
/// lists them, each folded term once.
fn record_page_terms(pages: &mut [Page], terms: &[Term], taxonomy_index: usize, taxonomy: &str) {
    let by_slug: HashMap<&str, usize> = terms
        .iter()
        .enumerate()
        .map(|(i, t)| (t.slug.as_str(), i))
        .collect();
    for page in pages.iter_mut() {
        let Some((_, spellings)) = page
            .meta
            .taxonomies
            .iter()
            .find(|(name, _)| name == taxonomy)
        else {
            continue;
        };
        let refs: Vec<TermRef> = spellings
            .iter()
            .filter_map(|s| by_slug.get(slugify(s).as_str()))
            .map(|&term| TermRef {
                taxonomy: taxonomy_index,
                term,
            })
            .collect();
        for term in refs {
            if !page.terms.contains(&term) {
                page.terms.push(term);
            }
        }
    }
}

fn term_name_order(a: &Term, b: &Term) -> Ordering {
    a.name
        .to_lowercase()
        .cmp(&b.name.to_lowercase())
        .then_with(|| a.slug.cmp(&b.slug))
}

fn taxonomy_key_position(page: &Page, taxonomy: &str) -> (usize, usize) {
    page.meta.positions.get(taxonomy).copied().unwrap_or((1, 1))
}

fn empty_term(page: &Page, taxonomy: &str, spelling: &str) -> Diagnostic {
    let (line, col) = taxonomy_key_position(page, taxonomy);
    Diagnostic::error(
        page.display_path(),
        format!("the {taxonomy} term {spelling:?} has no letters or digits to make a URL from"),
    )
    .at(line, col)
    .with_help("use a term with at least one letter or digit")
}

/// One warning per folded term, at the first file that uses a spelling other
/// than the one kept, naming every spelling and (some of) its files.
fn mixed_spellings(term: &FoldedTerm, taxonomy: &str, pages: &[Page]) -> Diagnostic {
    let kept = term.canonical_name();
    let listed: Vec<String> = term
        .spellings
        .iter()
        .map(|(spelling, users)| {
            let mut files: Vec<String> = users
                .iter()
                .take(FILES_NAMED)
                .map(|&p| pages[p].display_path().display().to_string())
                .collect();
            if users.len() > FILES_NAMED {
                files.push(format!("{} more", users.len() - FILES_NAMED));
            }
            format!("{spelling:?} ({})", files.join(", "))
        })
        .collect();
    let first_other = term
        .spellings
        .iter()
        .find(|(spelling, _)| spelling != kept)
        .and_then(|(_, users)| users.first())
        .map_or(term.pages[0], |&p| p);
    let page = &pages[first_other];
    let (line, col) = taxonomy_key_position(page, taxonomy);
    Diagnostic::warning(
        page.display_path(),
        format!(
            "the {taxonomy} term {kept:?} is spelled {} ways: {}",
            term.spellings.len(),
            listed.join(", ")
        ),
    )
    .at(line, col)
    .with_help(format!(
        "they are one term, shown as {kept:?}; write it the same way everywhere"
    ))
}
