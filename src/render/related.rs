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

use std::cmp::Reverse;

use rayon::prelude::*;

use crate::site::{PageId, Site};
use crate::site::{TermRef, term_page_order};

pub const MAX_RELATED: usize = 5;
const WINDOW: usize = 32;

/// Every page's related pages, from its resolved explicit entries (one list
/// per page) and the site's terms.
pub fn related_pages(site: &Site, explicit: Vec<Vec<PageId>>) -> Vec<Vec<PageId>> {
    let positions = term_positions(site);
    let ranks = page_ranks(site);
    explicit
        .into_par_iter()
        .enumerate()
        .map(|(id, mut list)| {
            let room = MAX_RELATED.saturating_sub(list.len());
            let by_terms = by_shared_terms(site, &positions, &ranks, id, &list, room);
            list.extend(by_terms);
            list
        })
        .collect()
}

/// Each page's place in `term_page_order` over the whole site, so ranking
/// candidates compares two integers instead of dates and titles.
fn page_ranks(site: &Site) -> Vec<usize> {
    let mut order: Vec<PageId> = (0..site.pages.len()).collect();
    order.par_sort_unstable_by(|&a, &b| term_page_order(site.page(a), site.page(b)));
    let mut ranks = vec![0; order.len()];
    for (rank, page) in order.into_iter().enumerate() {
        ranks[page] = rank;
    }
    ranks
}

/// For each page, its terms and its position in each term's page list, in one
/// flat table: ranking reads the terms of hundreds of candidates per page, and
/// a compact table keeps those reads in cache.
struct TermPositions {
    /// `entries[starts[page]..starts[page + 1]]` are the page's.
    starts: Vec<usize>,
    entries: Vec<(TermRef, usize)>,
}

impl TermPositions {
    fn of(&self, page: PageId) -> &[(TermRef, usize)] {
        &self.entries[self.starts[page]..self.starts[page + 1]]
    }
}

fn term_positions(site: &Site) -> TermPositions {
    let mut per_page = vec![Vec::new(); site.pages.len()];
    for (t, taxonomy) in site.taxonomies.iter().enumerate() {
        for (i, term) in taxonomy.terms.iter().enumerate() {
            let term_ref = TermRef {
                taxonomy: t,
                term: i,
            };
            for (position, &page) in term.pages.iter().enumerate() {
                per_page[page].push((term_ref, position));
            }
        }
    }
    let mut starts = Vec::with_capacity(per_page.len() + 1);
    let mut entries = Vec::new();
    for list in per_page {
        starts.push(entries.len());
        entries.extend(list);
    }
    starts.push(entries.len());
    TermPositions { starts, entries }
}

fn by_shared_terms(
    site: &Site,
    positions: &TermPositions,
    ranks: &[usize],
    id: PageId,
    explicit: &[PageId],
    room: usize,
) -> Vec<PageId> {
    if room == 0 {
        return Vec::new();
    }
    let mut candidates: Vec<PageId> = Vec::new();
    let own_terms = positions.of(id);
    for &(term, position) in own_terms {
        let pages = &site.taxonomies[term.taxonomy].terms[term.term].pages;
        let window = position.saturating_sub(WINDOW)..(position + WINDOW + 1).min(pages.len());
        candidates.extend_from_slice(&pages[window]);
    }
    candidates.sort_unstable();
    candidates.dedup();
    // Most shared terms first, then the site order; ranks are unique, so the
    // order is total and the same on every run.
    let mut scored: Vec<(Reverse<usize>, usize, PageId)> = candidates
        .into_iter()
        .filter(|&c| c != id && !explicit.contains(&c))
        .map(|c| {
            let shared = positions
                .of(c)
                .iter()
                .filter(|(term, _)| own_terms.iter().any(|(own, _)| own == term))
                .count();
            (Reverse(shared), ranks[c], c)
        })
        .collect();
    if scored.len() > room {
        scored.select_nth_unstable(room - 1);
        scored.truncate(room);
    }
    scored.sort_unstable();
    scored.into_iter().map(|(_, _, page)| page).collect()
}
