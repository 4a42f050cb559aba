//! The search index, written when site.yaml says `search: true`: what a
//! theme's script needs to search the site in the browser, in pieces so that
//! a query downloads only what it needs. It does not search; the theme does.
//! The format is documented in docs/search-index.md:
//!
//! - `search-index.json`, the manifest: the first term of every shard, and
//!   how to fold accented letters the way the index did;
//! - `search/t/<n>.json`, the shards: stemmed terms in sorted order, each
//!   with its postings (page number, score), cut into files of about
//!   `SHARD_BYTES`;
//! - `search/p/<n>.json`, one fragment per page: title, URL, section,
//!   description, headings with their ids, and the text one block per entry,
//!   for results and snippets.
//!
//! Words are found, folded and stemmed the same way here and in the theme's
//! script (`themes/dough/static/js/search.js`); a test runs both on a few
//! thousand words. Cost: linear in the site's text; the terms are sorted once
//! per file set.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::path::PathBuf;

use rust_stemmers::{Algorithm, Stemmer};
use serde::Serialize;

use crate::names::{CONFIG_FILE, SEARCH_DIR, SEARCH_INDEX_FILE};
use crate::publish::RenderedFile;
use crate::render::Rendering;
use crate::render::markdown::Rendered;
use crate::site::{PageId, Site};

/// Bumped when a field changes meaning, so themes can tell.
const FORMAT_VERSION: u32 = 2;

/// A shard is cut once its text reaches this size. Small enough that a
/// query's shards stay a few tens of KB; a single common term's postings may
/// still make one shard larger.
const SHARD_BYTES: usize = 24 * 1024;

/// What a term in each field is worth; a page's score for a term is the
/// weight of the best field it is in plus how often it occurs (up to
/// `MAX_COUNTED`), so title > headings > description > body.
const TITLE_WEIGHT: u32 = 1000;
const HEADING_WEIGHT: u32 = 200;
const DESCRIPTION_WEIGHT: u32 = 40;
const BODY_WEIGHT: u32 = 8;
const MAX_COUNTED: u32 = 7;

/// The search terms of `text`: words (runs of letters and digits; an
/// apostrophe inside a word is dropped, anything else breaks words, so
/// "lower-back" is two words), lower-cased, Latin letters folded to their
/// base letter (`é` → `e`, `ß` → `ss`), then stemmed with the Snowball
/// English stemmer when they are made of a–z only.
pub fn terms<'a>(text: &'a str, stemmer: &'a Stemmer) -> impl Iterator<Item = String> + 'a {
    words(text).filter_map(move |word| term(stemmer, word))
}

/// The words of `text` as written, before folding and stemming.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || is_apostrophe(c)))
        .filter(|word| !word.is_empty())
}

/// The term of one word, or `None` when nothing is left after folding.
fn term(stemmer: &Stemmer, word: &str) -> Option<String> {
    let folded = fold(word);
    (!folded.is_empty()).then(|| stem(stemmer, folded))
}

/// The English stemmer the index uses.
pub fn stemmer() -> Stemmer {
    Stemmer::create(Algorithm::English)
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

fn stem(stemmer: &Stemmer, word: String) -> String {
    if word.bytes().all(|b| b.is_ascii_lowercase()) {
        stemmer.stem(&word).into_owned()
    } else {
        word
    }
}

/// A word lower-cased and folded, without apostrophes.
fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word
        .chars()
        .filter(|&c| !is_apostrophe(c))
        .flat_map(char::to_lowercase)
    {
        match folded_letter(c) {
            Some(base) => out.push_str(&base),
            None => out.push(c),
        }
    }
    out
}

/// The base letters of an accented Latin letter (lower case), `None` for
/// any other character, which stays as it is. Limited to the Latin blocks:
/// elsewhere transliteration would change what readers of other scripts
/// type.
fn folded_letter(c: char) -> Option<String> {
    let latin = matches!(c, '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}');
    if !latin {
        return None;
    }
    let base = deunicode::deunicode_char(c)?.to_lowercase();
    (!base.is_empty() && base.chars().all(|b| b.is_ascii_alphanumeric())).then_some(base)
}

/// The index: each page's terms with their scores, kept so that an edit of
/// one page re-scores one page; the shards are made from it when written.
pub struct SearchIndex {
    stemmer: Stemmer,
    /// Term → its number in `terms`.
    ids: HashMap<String, u32>,
    /// A word as written → its term's number: words recur across pages, and
    /// folding and stemming each occurrence again was most of the index's
    /// cost at 10,000 pages. Looked up at every word of every page, so with
    /// a fast hash (it is never iterated: its order cannot reach the output).
    words: foldhash::HashMap<Box<str>, Option<u32>>,
    /// Per term number, this page's (best weight, count) while a page is
    /// scored, and the terms it touched: cheaper than a map per page.
    scratch: Vec<(u32, u32)>,
    touched: Vec<u32>,
    terms: Vec<String>,
    /// Per page: (term number, score), sorted by term number.
    pages: Vec<Vec<(u32, u32)>>,
    /// Lower-case accented letters met while indexing → their folded form,
    /// for the manifest.
    folds: BTreeMap<char, String>,
    /// How many shard files the last `files` made, so that an edit that
    /// changes it is left to a full build (which removes the extra files).
    shard_count: usize,
}

/// One page's fragment.
#[derive(Serialize)]
struct Fragment<'a> {
    title: &'a str,
    url: String,
    /// The top section the page is in (its title), or "" for pages at the root.
    section: &'a str,
    description: &'a str,
    /// `[id, title]` of every heading, in document order.
    headings: Vec<(&'a str, &'a str)>,
    /// `[heading, text]` for every other block of text: the number of the
    /// heading it is under (-1 before the first), and its words.
    blocks: Vec<(i64, &'a str)>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    version: u32,
    pages: usize,
    /// The first term of each shard, in order: shard n holds the terms from
    /// `shards[n]` up to (not including) `shards[n + 1]`.
    shards: Vec<&'a str>,
    /// `{"é": "e", …}`: how the index folded the accented letters it met.
    folds: &'a BTreeMap<char, String>,
}

impl SearchIndex {
    /// The index, or `None` when search is off.
    pub fn new(site: &Site, rendering: &Rendering) -> Option<SearchIndex> {
        if !site.config.search {
            return None;
        }
        let mut index = SearchIndex {
            stemmer: stemmer(),
            ids: HashMap::new(),
            words: foldhash::HashMap::default(),
            scratch: Vec::new(),
            touched: Vec::new(),
            terms: Vec::new(),
            pages: vec![Vec::new(); site.pages.len()],
            folds: BTreeMap::new(),
            shard_count: 0,
        };
        for id in 0..site.pages.len() {
            index.update(site, rendering, id);
        }
        Some(index)
    }

    /// Re-scores page `id` from its current rendering.
    pub fn update(&mut self, site: &Site, rendering: &Rendering, id: PageId) {
        let page = site.page(id);
        let rendered = &rendering.pages[id];
        let headings: Vec<&str> = heading_lines(rendered).collect();
        let fields = [
            (TITLE_WEIGHT, page.meta.title.as_str()),
            (
                DESCRIPTION_WEIGHT,
                page.meta.description.as_deref().unwrap_or(""),
            ),
        ];
        let all_fields = fields
            .into_iter()
            .chain(headings.iter().map(|h| (HEADING_WEIGHT, *h)))
            .chain(std::iter::once((BODY_WEIGHT, rendered.text.as_str())));
        for (weight, text) in all_fields {
            self.note_folds(text);
            for word in words(text) {
                let Some(term) = self.word_term(word) else {
                    continue;
                };
                let slot = term as usize;
                if slot >= self.scratch.len() {
                    self.scratch.resize(slot + 1, (0, 0));
                }
                let (best, count) = &mut self.scratch[slot];
                if *best == 0 {
                    self.touched.push(term);
                }
                *best = (*best).max(weight);
                // The body holds the headings too: count words once.
                if weight == BODY_WEIGHT || weight == TITLE_WEIGHT {
                    *count += 1;
                }
            }
        }
        self.touched.sort_unstable();
        let mut entries = Vec::with_capacity(self.touched.len());
        for term in self.touched.drain(..) {
            let (weight, count) = std::mem::take(&mut self.scratch[term as usize]);
            entries.push((term, weight + count.min(MAX_COUNTED)));
        }
        self.pages[id] = entries;
    }

    /// The term number of `word`, folded and stemmed once per build.
    fn word_term(&mut self, word: &str) -> Option<u32> {
        if let Some(&known) = self.words.get(word) {
            return known;
        }
        let id = term(&self.stemmer, word).map(|term| self.term_id(term));
        self.words.insert(word.into(), id);
        id
    }

    fn term_id(&mut self, term: String) -> u32 {
        if let Some(&id) = self.ids.get(&term) {
            return id;
        }
        let id = u32::try_from(self.terms.len()).unwrap_or(u32::MAX);
        self.terms.push(term.clone());
        self.ids.insert(term, id);
        id
    }

    fn note_folds(&mut self, text: &str) {
        for c in text
            .chars()
            .filter(|c| !c.is_ascii())
            .flat_map(char::to_lowercase)
        {
            if let std::collections::btree_map::Entry::Vacant(entry) = self.folds.entry(c) {
                if let Some(base) = folded_letter(c) {
                    entry.insert(base);
                }
            }
        }
    }

    /// Every file of the index: the manifest, the shards, and the fragments
    /// of `pages` (all pages after a full build, the edited ones after an
    /// edit).
    pub fn files(
        &mut self,
        site: &Site,
        rendering: &Rendering,
        pages: impl Iterator<Item = PageId>,
    ) -> Vec<RenderedFile> {
        let mut files = self.shard_files();
        files.extend(pages.map(|id| RenderedFile {
            rel_path: fragment_path(id),
            source: PathBuf::from(CONFIG_FILE),
            text: fragment(site, &rendering.pages[id], id),
        }));
        files
    }

    /// The manifest and the shards, without fragments: a full build writes
    /// each page's fragment as it writes the output (see `fragment`), so
    /// that 10,000 of them are never in memory at once.
    pub fn shard_files(&mut self) -> Vec<RenderedFile> {
        let files = self.shards();
        self.shard_count = files.len() - 1;
        files
    }

    /// How many shard files the last `files` made.
    pub fn shard_count(&self) -> usize {
        self.shard_count
    }

    /// The manifest, then the shards.
    fn shards(&self) -> Vec<RenderedFile> {
        let mut postings: Vec<Vec<(u32, u32)>> = vec![Vec::new(); self.terms.len()];
        for (page, entries) in self.pages.iter().enumerate() {
            let page = u32::try_from(page).unwrap_or(u32::MAX);
            for &(term, score) in entries {
                postings[term as usize].push((page, score));
            }
        }
        let mut order: Vec<usize> = (0..self.terms.len())
            .filter(|&t| !postings[t].is_empty())
            .collect();
        order.sort_unstable_by(|&a, &b| self.terms[a].cmp(&self.terms[b]));
        let mut firsts: Vec<&str> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        let mut current = String::new();
        for t in order {
            if current.is_empty() {
                firsts.push(&self.terms[t]);
                current.push('{');
            } else {
                current.push(',');
            }
            // Serializing a string cannot fail.
            current.push_str(&serde_json::to_string(&self.terms[t]).unwrap_or_default());
            current.push_str(":[");
            let mut previous = 0;
            for (i, &(page, score)) in postings[t].iter().enumerate() {
                if i > 0 {
                    current.push(',');
                }
                // Page numbers as gaps from the previous one: shorter.
                let _ = write!(current, "{},{score}", page - previous);
                previous = page;
            }
            current.push(']');
            if current.len() >= SHARD_BYTES {
                current.push('}');
                texts.push(std::mem::take(&mut current));
            }
        }
        if !current.is_empty() {
            current.push('}');
            texts.push(current);
        }
        let manifest = Manifest {
            version: FORMAT_VERSION,
            pages: self.pages.len(),
            shards: firsts,
            folds: &self.folds,
        };
        let mut files = vec![RenderedFile {
            rel_path: PathBuf::from(SEARCH_INDEX_FILE),
            source: PathBuf::from(CONFIG_FILE),
            text: serde_json::to_string(&manifest).unwrap_or_default(),
        }];
        files.extend(texts.into_iter().enumerate().map(|(n, text)| RenderedFile {
            rel_path: PathBuf::from(format!("{SEARCH_DIR}/t/{n}.json")),
            source: PathBuf::from(CONFIG_FILE),
            text,
        }));
        files
    }
}

/// Where page `id`'s fragment goes in the output.
pub fn fragment_path(id: PageId) -> PathBuf {
    PathBuf::from(format!("{SEARCH_DIR}/p/{id}.json"))
}

/// The lines of `rendered.text` that are headings.
fn heading_lines(rendered: &Rendered) -> impl Iterator<Item = &str> {
    rendered.heading_offsets.iter().map(|&offset| {
        let rest = rendered.text.get(offset..).unwrap_or("");
        rest.split('\n').next().unwrap_or("")
    })
}

/// The fragment of page `id`: what a result shows of it, as JSON.
pub fn fragment(site: &Site, rendered: &Rendered, id: PageId) -> String {
    let page = site.page(id);
    let top = site.ancestors(id).get(1).copied().or_else(|| {
        (page.parent == Some(site.home))
            .then_some(id)
            .filter(|_| page.is_section())
    });
    let mut headings = Vec::with_capacity(rendered.anchors.len());
    let mut blocks = Vec::new();
    let mut next_heading = 0;
    let mut offset = 0;
    for line in rendered.text.split('\n') {
        let is_heading = rendered.heading_offsets.get(next_heading) == Some(&offset);
        if is_heading {
            let id = rendered
                .anchors
                .get(next_heading)
                .map_or("", String::as_str);
            headings.push((id, line));
            next_heading += 1;
        } else if !line.is_empty() {
            blocks.push((next_heading as i64 - 1, line));
        }
        offset += line.len() + 1;
    }
    let fragment = Fragment {
        title: &page.meta.title,
        url: site.config.base_url.url(&page.url),
        section: top.map_or("", |s| site.page(s).meta.title.as_str()),
        description: page.meta.description.as_deref().unwrap_or(""),
        headings,
        blocks,
    };
    // Serializing strings and numbers cannot fail.
    serde_json::to_string(&fragment).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<String> {
        terms(text, &stemmer()).collect()
    }

    #[test]
    fn words_break_at_punctuation_and_are_folded_and_stemmed() {
        assert_eq!(all("Lower-back massages"), ["lower", "back", "massag"]);
        assert_eq!(all("Café crème, Straße"), ["cafe", "creme", "strass"]);
        assert_eq!(all("the therapist’s hands"), ["the", "therapist", "hand"]);
        assert_eq!(all("ÉTUDE 2024 x2"), ["etud", "2024", "x2"]);
        // Other scripts are kept as written.
        assert_eq!(all("массаж"), ["массаж"]);
    }
}
