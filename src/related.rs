//! Related pages (SPEC §5): a page's explicit `related:` entries, then the pages
//! sharing the most taxonomy terms with it, up to five in all. Explicit entries
//! are all kept, in the author's order; term-based ones are ranked by shared
//! terms (most first), then newest date, title and path, so the result never
//! depends on hash order.
//!
//! Cost, linear in pages: scoring every pair of pages that share a term would
//! be quadratic for a popular term (a tag on half of 10,000 pages). Instead the
//! candidates for a page are the `WINDOW` pages either side of it in each of its
//! terms' page lists (sorted by date), and each candidate's shared-term count is
//! exact. For a term with at most `WINDOW + 1` pages, which covers every term of
//! a typical documentation site, the window holds the whole list wherever the
//! page sits in it, so the result is exact.

use std::collections::HashSet;

use crate::site::{PageId, Site};
use crate::taxonomy::{TermRef, term_page_order};

pub const MAX_RELATED: usize = 5;
const WINDOW: usize = 32;

/// Sets `Page::related` from the resolved explicit entries (one list per page).
pub fn fill_related(site: &mut Site, explicit: Vec<Vec<PageId>>) {
    let positions = term_positions(site);
    let related: Vec<Vec<PageId>> = explicit
        .into_iter()
        .enumerate()
        .map(|(id, mut list)| {
            let room = MAX_RELATED.saturating_sub(list.len());
            let by_terms = by_shared_terms(site, &positions, id, &list, room);
            list.extend(by_terms);
            list
        })
        .collect();
    for (page, list) in site.pages.iter_mut().zip(related) {
        page.related = list;
    }
}

/// For each page, its position in each of its terms' page lists.
fn term_positions(site: &Site) -> Vec<Vec<(TermRef, usize)>> {
    let mut positions = vec![Vec::new(); site.pages.len()];
    for (t, taxonomy) in site.taxonomies.iter().enumerate() {
        for (i, term) in taxonomy.terms.iter().enumerate() {
            let term_ref = TermRef {
                taxonomy: t,
                term: i,
            };
            for (position, &page) in term.pages.iter().enumerate() {
                positions[page].push((term_ref, position));
            }
        }
    }
    positions
}

fn by_shared_terms(
    site: &Site,
    positions: &[Vec<(TermRef, usize)>],
    id: PageId,
    explicit: &[PageId],
    room: usize,
) -> Vec<PageId> {
    if room == 0 {
        return Vec::new();
    }
    let own_terms = &site.page(id).terms;
    let mut seen: HashSet<PageId> = explicit.iter().copied().chain([id]).collect();
    let mut scored: Vec<(usize, PageId)> = Vec::new();
    for &(term, position) in &positions[id] {
        let pages = &site.taxonomies[term.taxonomy].terms[term.term].pages;
        let window = position.saturating_sub(WINDOW)..(position + WINDOW + 1).min(pages.len());
        for &candidate in &pages[window] {
            if seen.insert(candidate) {
                let shared = site
                    .page(candidate)
                    .terms
                    .iter()
                    .filter(|t| own_terms.contains(t))
                    .count();
                scored.push((shared, candidate));
            }
        }
    }
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| term_page_order(site.page(a.1), site.page(b.1)))
    });
    scored.truncate(room);
    scored.into_iter().map(|(_, page)| page).collect()
}
