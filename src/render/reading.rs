//! Reading level: the Flesch–Kincaid grade of a page's prose, with where its
//! longest sentences start, so `knead check` can point at what to shorten.
//!
//! The prose is the rendered text without code (blocks and inline), tables,
//! raw HTML and image alt text: what a reader reads as sentences. It is read
//! from its own pass over the parser's events, with offsets, because the plain
//! text kept for search includes code and tables and has no source positions.
//! Every block (paragraph, heading, list item) ends a sentence, as a line
//! without a full stop does for a reader. Syllables are counted with the usual
//! vowel-group rule, which matches the formula's published worked examples.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::directives::OffsetMap;
use crate::diagnostic::LineCursor;

/// How many of the longest sentences a page keeps.
const LONGEST: usize = 3;

/// The counts behind a page's grade.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub words: usize,
    pub sentences: usize,
    pub syllables: usize,
    /// The longest sentences, longest first (earlier first among equals).
    pub longest: Vec<Sentence>,
}

/// A sentence: its word count and where it starts, as 1-based (line, column)
/// in the body, like `Rendered::images_without_alt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    pub words: usize,
    pub line: usize,
    pub col: usize,
}

impl Reading {
    /// 0.39 × words per sentence + 11.8 × syllables per word − 15.59
    /// (Kincaid et al. 1975); `None` for a page without prose.
    pub fn grade(&self) -> Option<f64> {
        if self.words == 0 || self.sentences == 0 {
            return None;
        }
        let words = self.words as f64;
        Some(0.39 * words / self.sentences as f64 + 11.8 * self.syllables as f64 / words - 15.59)
    }
}

/// Measures the prose of `text` (a body with component calls rewritten),
/// with positions mapped through `map` into `body`.
pub fn measure(text: &str, options: Options, map: &OffsetMap, body: &str) -> Reading {
    let mut counter = Counter::default();
    // Code blocks, tables, images and HTML blocks nest no prose to count.
    let mut skipping = 0usize;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_) | Tag::Table(_) | Tag::Image { .. })
            | Event::Start(Tag::HtmlBlock) => skipping += 1,
            Event::End(TagEnd::CodeBlock | TagEnd::Table | TagEnd::Image | TagEnd::HtmlBlock) => {
                skipping = skipping.saturating_sub(1);
                counter.end_sentence();
            }
            Event::Text(words) if skipping == 0 => counter.text(&words, &range, map),
            // A line break inside a paragraph continues its sentence.
            Event::End(tag) if !is_inline(&tag) => counter.end_sentence(),
            Event::Start(Tag::Item) | Event::Rule => counter.end_sentence(),
            _ => {}
        }
    }
    counter.end_sentence();
    counter.finish(body)
}

fn is_inline(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
    )
}

#[derive(Default)]
struct Counter {
    reading: Reading,
    /// The sentence being read: its words and the body offset it starts at.
    current: Option<(usize, usize)>,
    /// Every finished sentence, as (words, body offset).
    sentences: Vec<(usize, usize)>,
}

impl Counter {
    fn text(&mut self, text: &str, range: &Range<usize>, map: &OffsetMap) {
        // Offsets within an event match the source only when the text is as
        // written; escapes and typographic quotes make it differ, and then
        // the event's start is the nearest known place.
        let as_written = text.len() == range.len();
        for (at, word) in words(text) {
            if !word.chars().any(char::is_alphanumeric) {
                continue;
            }
            let offset = map.original(range.start + if as_written { at } else { 0 });
            let (count, _) = self.current.get_or_insert((0, offset));
            *count += 1;
            self.reading.words += 1;
            self.reading.syllables += syllables(word);
            if ends_sentence(word) {
                self.end_sentence();
            }
        }
    }

    fn end_sentence(&mut self) {
        if let Some(sentence) = self.current.take() {
            self.reading.sentences += 1;
            self.sentences.push(sentence);
        }
    }

    fn finish(mut self, body: &str) -> Reading {
        let mut longest = self.sentences;
        longest.sort_by_key(|&(words, offset)| (std::cmp::Reverse(words), offset));
        longest.truncate(LONGEST);
        let mut lines = LineCursor::new(body);
        self.reading.longest = longest
            .into_iter()
            .map(|(words, offset)| {
                let (line, col) = lines.line_col(offset);
                Sentence { words, line, col }
            })
            .collect();
        self.reading
    }
}

/// Whitespace-separated words with their byte offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_whitespace()
        .map(move |word| (word.as_ptr() as usize - text.as_ptr() as usize, word))
}

/// Abbreviations whose full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g.", "i.e.", "dr.", "mr.", "mrs.", "ms.", "vs.", "cf.", "approx.",
];

fn ends_sentence(word: &str) -> bool {
    let word = word.trim_end_matches(['"', '\'', ')', ']', '”', '’', '*', '_']);
    let lower = word.to_lowercase();
    word.ends_with(['.', '!', '?', '…']) && !ABBREVIATIONS.contains(&lower.as_str())
}

/// English syllables by vowel groups (y counts as a vowel), less a silent
/// final `e` (but not `-le` after a consonant: "ta-ble"); at least one.
/// Words without letters (numbers) count as one.
pub fn syllables(word: &str) -> usize {
    let letters: Vec<char> = word
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let is_vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let mut count = 0;
    let mut previous_vowel = false;
    for &c in &letters {
        let vowel = is_vowel(c);
        if vowel && !previous_vowel {
            count += 1;
        }
        previous_vowel = vowel;
    }
    let n = letters.len();
    let silent_e = n > 2
        && letters[n - 1] == 'e'
        && !is_vowel(letters[n - 2])
        && (letters[n - 2] != 'l' || is_vowel(letters[n - 3]));
    if silent_e {
        count -= 1;
    }
    count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::directives;

    fn reading(markdown: &str) -> Reading {
        let options = Options::ENABLE_TABLES;
        let prepared = directives::prepare(markdown, options, &|_| false, false);
        measure(&prepared.text, options, &prepared.map, markdown)
    }

    fn rounded(grade: Option<f64>) -> f64 {
        (grade.expect("a grade") * 10.0).round() / 10.0
    }

    #[test]
    fn grades_of_published_worked_examples() {
        // Wikipedia, "Flesch–Kincaid readability tests" (Flesch–Kincaid grade
        // level section): "The Australian platypus is seemingly a hybrid of a
        // mammal and reptilian creature" has 13 words and 24 syllables, grade 11.3.
        let platypus = reading(
            "The Australian platypus is seemingly a hybrid of a mammal and reptilian creature.\n",
        );
        assert_eq!(
            (platypus.words, platypus.syllables, platypus.sentences),
            (13, 24, 1)
        );
        assert_eq!(rounded(platypus.grade()), 11.3);
        // The same article: the lowest grade possible is −3.40, for sentences
        // of one one-syllable word each.
        assert_eq!(rounded(reading("Stop. Rest. Breathe.\n").grade()), -3.4);
    }

    #[test]
    fn syllables_follow_vowel_groups() {
        for (word, expected) in [
            ("creature", 2),
            ("table", 2),
            ("massage", 2),
            ("the", 1),
            ("seemingly", 3),
            ("Australian", 3),
            ("30", 1),
        ] {
            assert_eq!(syllables(word), expected, "{word}");
        }
    }

    #[test]
    fn code_tables_html_and_alt_text_are_not_prose() {
        let r = reading(
            "One two three.\n\n```\nlet many = words in code;\n```\n\n| a b c | d |\n|---|---|\n| e f | g |\n\n\
             <div>\nraw html words\n</div>\n\n![alt text words](x.png) Four `code here` five.\n",
        );
        assert_eq!((r.words, r.sentences), (5, 2));
    }

    #[test]
    fn blocks_end_sentences_and_the_longest_are_found_with_lines() {
        let r = reading(
            "# A heading\n\nShort one. A much longer sentence,\nover two lines, here.\n\n- an item\n- e.g. another item\n",
        );
        assert_eq!(r.sentences, 5);
        assert_eq!(
            r.longest,
            [
                Sentence {
                    words: 8,
                    line: 3,
                    col: 12
                },
                Sentence {
                    words: 3,
                    line: 7,
                    col: 3
                },
                Sentence {
                    words: 2,
                    line: 1,
                    col: 3
                },
            ]
        );
    }
}
