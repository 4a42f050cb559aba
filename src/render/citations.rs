//! Pandoc-style citations: `[@furlan2015]`, `[@furlan2015, p. 12]`,
//! `[see @a; @b]`. `directives::prepare` finds them in the body's plain
//! text (so code spans, code blocks, raw HTML and link destinations are never
//! read) and rewrites each into a marker; `render` then writes every
//! citation of the page and the page's reference list in the site's CSL
//! style with Hayagriva, numbering per page. A backslash before the `[`
//! (`\[@key]`) or the `@` (`[\@key]`) writes the text as it is, and an `@`
//! inside a word (`a@b.com`) is never a key.

use std::ops::Range;

use hayagriva::citationberg::taxonomy::Locator;
use hayagriva::citationberg::{FontStyle, FontVariant, FontWeight, TextDecoration, VerticalAlign};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, ElemChild,
    ElemChildren, ElemMeta, Entry, Formatting, LocatorPayload, SpecificLocator,
};
use serde::Serialize;

use super::call_error::CallError;
use super::escape::escape_html;
use crate::load::references::{References, doi_url, is_key_char, pmid_url};

/// One citation as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cite {
    /// Text before the first key (`see`), written inside the brackets.
    pub prefix: String,
    pub items: Vec<CiteItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiteItem {
    pub key: String,
    /// Where the key (after `@`) starts in the body.
    pub key_offset: usize,
    pub locator: Option<(Locator, String)>,
}

/// One entry of a page's reference list, for templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub key: String,
    /// The list item's id, which citations link to (`ref-furlan2015`).
    pub id: String,
    /// The style's label (`1.` in numeric styles), or empty.
    pub label: String,
    /// The reference as the style writes it, with its DOI, PMID and URL linked.
    pub html: String,
    /// The reference as plain text, without its label.
    pub text: String,
    pub title: Option<String>,
    /// The DOI's address, else the URL.
    pub url: Option<String>,
    pub doi: Option<String>,
    pub pmid: Option<String>,
}

/// What a page's citations made.
#[derive(Debug, Clone, Default)]
pub struct PageCitations {
    /// Each citation's HTML, by its marker's number.
    pub html: Vec<String>,
    /// The page's reference list, in the style's order.
    pub references: Vec<Reference>,
}

/// Every citation whose brackets are in `text` (ranges of plain text in the
/// body, in order), skipping `[` at the offsets in `taken`. Returns each
/// citation's range (the brackets included) with what it says.
pub fn find(
    body: &str,
    text: &[Range<usize>],
    taken: &[usize],
    errors: &mut Vec<CallError>,
) -> Vec<(Range<usize>, Cite)> {
    let mut found = Vec::new();
    let mut done = 0;
    for (index, range) in text.iter().enumerate() {
        for (i, _) in body[range.clone()].match_indices('[') {
            let at = range.start + i;
            if at < done || taken.contains(&at) || escaped(body, at) {
                continue;
            }
            let Some(close) = closing_bracket(body, at) else {
                continue;
            };
            if !covered(text, index, close) {
                continue;
            }
            match parse(body, at + 1, close) {
                None => {}
                Some(Err(error)) => errors.push(error),
                Some(Ok(cite)) => {
                    done = close + 1;
                    found.push((at..close + 1, cite));
                }
            }
        }
    }
    found
}

/// Whether the character at `at` follows an odd number of backslashes.
fn escaped(body: &str, at: usize) -> bool {
    body[..at].bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// The `]` closing the `[` at `open` on the same line, with no `[` between.
fn closing_bracket(body: &str, open: usize) -> Option<usize> {
    let rest = &body[open + 1..];
    let end = rest.find([']', '[', '\n'])?;
    (rest.as_bytes()[end] == b']').then_some(open + 1 + end)
}

/// Whether the text ranges from `text[first]` run without a gap up to `end`:
/// nothing but plain text (no code, link or markup) between the brackets.
fn covered(text: &[Range<usize>], first: usize, end: usize) -> bool {
    let mut reach = text[first].end;
    for range in &text[first + 1..] {
        if reach > end || range.start != reach {
            break;
        }
        reach = range.end;
    }
    reach > end
}

/// The citation between the brackets (`start..end` is what they hold):
/// `None` when it is not one (an item without a key), an error when it is
/// one with a mistake.
fn parse(body: &str, start: usize, end: usize) -> Option<Result<Cite, CallError>> {
    let mut cite = Cite {
        prefix: String::new(),
        items: Vec::new(),
    };
    let mut item_start = start;
    for item in body[start..end].split(';') {
        let offset = item_start;
        item_start += item.len() + 1;
        let (at, key) = find_key(item)?;
        let prefix = item[..at].trim();
        if !prefix.is_empty() {
            if !cite.items.is_empty() {
                return Some(Err(CallError {
                    offset: offset + item.len() - item.trim_start().len(),
                    message: format!("text before a later key in a citation: {prefix:?}"),
                    help: Some(
                        "only the first key may have text before it (`[see @a; @b]`); write the text outside the brackets".into(),
                    ),
                }));
            }
            cite.prefix = prefix.to_string();
        }
        let after = &item[at + 1 + key.len()..];
        let locator_text = after.trim().strip_prefix(',').unwrap_or(after).trim();
        let locator = if locator_text.is_empty() {
            None
        } else {
            match parse_locator(locator_text) {
                Some(found) => Some(found),
                None => {
                    return Some(Err(CallError {
                        offset: offset + at + 1 + key.len(),
                        message: format!("{locator_text:?} is not a locator"),
                        help: Some(
                            "after the key and a comma, say where in the source: `p. 12`, `pp. 3-5`, `chap. 2`, `sec. 4`, `fig. 1`, `table 2`, `para. 3`".into(),
                        ),
                    }));
                }
            }
        };
        cite.items.push(CiteItem {
            key: key.to_string(),
            key_offset: offset + at + 1,
            locator,
        });
    }
    Some(Ok(cite))
}

/// The first `@key` in an item whose `@` starts a word: its offset and the key.
fn find_key(item: &str) -> Option<(usize, &str)> {
    item.match_indices('@').find_map(|(at, _)| {
        let before = item[..at].chars().next_back();
        if before.is_some_and(|c| !c.is_whitespace()) {
            return None;
        }
        let rest = &item[at + 1..];
        let mut end = rest.find(|c| !is_key_char(c)).unwrap_or(rest.len());
        // Punctuation ends a key unless a letter or digit follows it, as in
        // Pandoc: `[@a.]` is the key `a`.
        while end > 0 && !rest[..end].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            end -= 1;
        }
        let key = &rest[..end];
        key.starts_with(|c: char| c.is_alphanumeric() || c == '_')
            .then_some((at, key))
    })
}

/// `p. 12`, `pp. 3-5`, `chap. 2`, … or a bare page number.
fn parse_locator(text: &str) -> Option<(Locator, String)> {
    const LABELS: &[(&[&str], Locator)] = &[
        (&["p", "pp", "page", "pages"], Locator::Page),
        (&["ch", "chap", "chapter", "chapters"], Locator::Chapter),
        (&["sec", "section", "sections", "§", "§§"], Locator::Section),
        (&["fig", "figure", "figures"], Locator::Figure),
        (&["tab", "table", "tables"], Locator::Table),
        (
            &["para", "paragraph", "paragraphs", "¶"],
            Locator::Paragraph,
        ),
        (&["vol", "volume", "volumes"], Locator::Volume),
        (&["l", "line", "lines"], Locator::Line),
    ];
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        return Some((Locator::Page, text.to_string()));
    }
    let (label, value) = text.split_once(char::is_whitespace)?;
    let label = label.trim_end_matches('.').to_lowercase();
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    LABELS
        .iter()
        .find(|(names, _)| names.contains(&label.as_str()))
        .map(|(_, locator)| (*locator, value.to_string()))
}

/// Writes the page's citations and reference list. A key the references do
/// not hold is an error at the key, with the nearest key as a hint.
pub fn render(
    cites: &[Cite],
    references: &References,
    errors: &mut Vec<CallError>,
) -> PageCitations {
    let mut known = Vec::with_capacity(cites.len());
    for cite in cites {
        let mut entries = Vec::new();
        for item in &cite.items {
            match references.get(&item.key) {
                Some(entry) => entries.push((entry, item)),
                // Its entry's own error is reported in the references file.
                None if references.unreadable.contains(&item.key) => {}
                None => errors.push(unknown_key(item, references)),
            }
        }
        known.push(entries);
    }
    let mut driver = BibliographyDriver::new();
    for entries in known.iter().filter(|e| !e.is_empty()) {
        let items = entries
            .iter()
            .map(|(entry, item)| {
                let locator = item
                    .locator
                    .as_ref()
                    .map(|(kind, value)| SpecificLocator(*kind, LocatorPayload::Str(value)));
                CitationItem::with_locator(*entry, locator)
            })
            .collect();
        driver.citation(CitationRequest::from_items(
            items,
            &references.style,
            references.locales,
        ));
    }
    let rendered = driver.finish(BibliographyRequest::new(
        &references.style,
        None,
        references.locales,
    ));
    let mut written = rendered.citations.into_iter();
    let html = cites
        .iter()
        .zip(&known)
        .map(|(cite, entries)| {
            let Some(citation) = written.next().filter(|_| !entries.is_empty()) else {
                return String::new();
            };
            let items: Vec<&CiteItem> = entries.iter().map(|(_, item)| *item).collect();
            citation_html(&citation.citation, &cite.prefix, &items, references)
        })
        .collect();
    let items = rendered.bibliography.map(|b| b.items).unwrap_or_default();
    let references = items
        .into_iter()
        .filter_map(|item| {
            let entry = references.get(&item.key)?;
            let label = item
                .first_field
                .map(|field| child_text(&field))
                .unwrap_or_default();
            Some(reference(entry, label.trim().to_string(), &item.content))
        })
        .collect();
    PageCitations { html, references }
}

fn unknown_key(item: &CiteItem, references: &References) -> CallError {
    let path = references.path.display();
    CallError {
        offset: item.key_offset,
        message: format!("no reference `{}` in {path}", item.key),
        help: Some(match references.nearest(&item.key) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("add it to {path}, or check the key's spelling"),
        }),
    }
}

/// A citation: each cited entry links to its place in the reference list,
/// and the prefix goes inside the style's brackets (`(see 1, 2)`).
fn citation_html(
    children: &ElemChildren,
    prefix: &str,
    items: &[&CiteItem],
    references: &References,
) -> String {
    let mut body = String::new();
    Writer {
        out: &mut body,
        items,
    }
    .children(children, false);
    if !prefix.is_empty() {
        let opening = references
            .style
            .citation
            .layout
            .prefix
            .as_deref()
            .unwrap_or("");
        let escaped_prefix = escape_html(prefix);
        body = match body.strip_prefix(&escape_html(opening)) {
            Some(rest) if !opening.is_empty() => {
                format!("{}{escaped_prefix} {rest}", escape_html(opening))
            }
            _ => format!("{escaped_prefix} {body}"),
        };
    }
    format!("<span class=\"citation\">{}</span>", merge_tags(&body))
}

/// Hayagriva formats each piece of text on its own: `<sup>2</sup><sup>(</sup>`
/// is written `<sup>2(</sup>`.
fn merge_tags(html: &str) -> String {
    ["i", "b", "u", "sup", "sub"]
        .iter()
        .fold(html.to_string(), |html, tag| {
            html.replace(&format!("</{tag}><{tag}>"), "")
        })
}

/// Whether a citation is written as a superscript (the numeric style: `text¹`), which
/// sits against the word before it.
pub fn is_superscript(html: &str) -> bool {
    let inner = html
        .strip_prefix("<span class=\"citation\">")
        .unwrap_or(html);
    let inner = match inner.strip_prefix("<a href=\"") {
        Some(rest) => rest.split_once("\">").map_or(rest, |(_, after)| after),
        None => inner,
    };
    inner.starts_with("<sup>")
}

/// The id of a reference's list item.
pub fn reference_id(key: &str) -> String {
    format!("ref-{key}")
}

fn reference(entry: &Entry, label: String, content: &ElemChildren) -> Reference {
    let mut html = String::new();
    Writer {
        out: &mut html,
        items: &[],
    }
    .children(content, false);
    let mut html = merge_tags(&html);
    let doi = entry.doi().map(str::to_string);
    let pmid = entry.pmid().map(str::to_string);
    let url = entry.url().map(|u| u.value.to_string());
    // Styles that leave an identifier out still get it linked: a reader
    // checks a source by following it.
    if let Some(doi) = &doi {
        if !html.contains(&format!("doi.org/{}", escape_html(doi))) {
            let doi = escape_html(doi);
            html.push_str(&format!(" doi:<a href=\"{}\">{doi}</a>", doi_url(&doi)));
        }
    }
    if let Some(pmid) = &pmid {
        if !html.contains(&format!("pubmed/{pmid}")) && !html.contains(&format!("gov/{pmid}")) {
            html.push_str(&format!(" PMID: <a href=\"{}\">{pmid}</a>", pmid_url(pmid)));
        }
    }
    if let Some(url) = &url {
        if !html.contains(&format!("href=\"{}\"", escape_html(url))) {
            html.push_str(&format!(" <a href=\"{0}\">{0}</a>", escape_html(url)));
        }
    }
    Reference {
        key: entry.key().to_string(),
        id: reference_id(entry.key()),
        label,
        html: html.trim().to_string(),
        text: plain_text(content).trim().to_string(),
        title: entry.title().map(|t| t.value.to_string()),
        url: doi.as_deref().map(doi_url).or_else(|| url.clone()),
        doi,
        pmid,
    }
}

/// Writes Hayagriva's output as HTML: text escaped, formatting as elements
/// (no inline styles), links as links but never one inside another.
struct Writer<'a> {
    out: &'a mut String,
    /// A citation's items, in the order written: each entry links to its
    /// reference.
    items: &'a [&'a CiteItem],
}

impl Writer<'_> {
    fn children(&mut self, children: &ElemChildren, in_link: bool) {
        for child in &children.0 {
            self.child(child, in_link);
        }
    }

    fn child(&mut self, child: &ElemChild, in_link: bool) {
        match child {
            ElemChild::Text(text) => self.formatted(&text.text, text.formatting),
            ElemChild::Markup(text) => self.out.push_str(&escape_html(text)),
            ElemChild::Elem(elem) => {
                let item = match elem.meta {
                    Some(ElemMeta::Entry(index)) if !in_link => self.items.get(index),
                    _ => None,
                };
                let Some(item) = item else {
                    self.children(&elem.children, in_link);
                    return;
                };
                let href = format!("#{}", reference_id(&item.key));
                self.out
                    .push_str(&format!("<a href=\"{}\">", escape_html(&href)));
                self.children(&elem.children, true);
                self.out.push_str("</a>");
            }
            ElemChild::Link { text, url } if !in_link => {
                self.out
                    .push_str(&format!("<a href=\"{}\">", escape_html(url)));
                self.formatted(&text.text, text.formatting);
                self.out.push_str("</a>");
            }
            ElemChild::Link { text, .. } => self.formatted(&text.text, text.formatting),
            ElemChild::Transparent { .. } => {}
        }
    }

    fn formatted(&mut self, text: &str, formatting: Formatting) {
        let mut tags: Vec<&str> = Vec::new();
        if formatting.font_style == FontStyle::Italic {
            tags.push("i");
        }
        if formatting.font_weight == FontWeight::Bold {
            tags.push("b");
        }
        if formatting.text_decoration == TextDecoration::Underline {
            tags.push("u");
        }
        match formatting.vertical_align {
            VerticalAlign::Sup => tags.push("sup"),
            VerticalAlign::Sub => tags.push("sub"),
            _ => {}
        }
        let small_caps = formatting.font_variant == FontVariant::SmallCaps;
        if small_caps {
            self.out.push_str("<span class=\"small-caps\">");
        }
        for tag in &tags {
            self.out.push_str(&format!("<{tag}>"));
        }
        self.out.push_str(&escape_html(text));
        for tag in tags.iter().rev() {
            self.out.push_str(&format!("</{tag}>"));
        }
        if small_caps {
            self.out.push_str("</span>");
        }
    }
}

fn child_text(child: &ElemChild) -> String {
    let mut text = String::new();
    // Plain text: the label is written by the template.
    let _ = child.write_buf(&mut text, hayagriva::BufWriteFormat::Plain);
    text
}

fn plain_text(children: &ElemChildren) -> String {
    let mut text = String::new();
    let _ = children.write_buf(&mut text, hayagriva::BufWriteFormat::Plain);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cites(body: &str) -> Vec<(Range<usize>, Cite)> {
        let mut errors = Vec::new();
        let text = vec![Range {
            start: 0,
            end: body.len(),
        }];
        let found = find(body, &text, &[], &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        found
    }

    #[test]
    fn keys_locators_and_prefixes() {
        let body = "Text [see @a, p. 12; @b-2] more.";
        let found = cites(body);
        assert_eq!(found.len(), 1);
        let (range, cite) = &found[0];
        assert_eq!(*range, 5..26);
        assert_eq!(cite.prefix, "see");
        assert_eq!(cite.items[0].key, "a");
        assert_eq!(cite.items[0].key_offset, body.find("@a").unwrap() + 1);
        assert_eq!(cite.items[0].locator, Some((Locator::Page, "12".into())));
        assert_eq!(cite.items[1].key, "b-2");
        assert_eq!(cite.items[1].key_offset, body.find("@b").unwrap() + 1);
    }

    #[test]
    fn emails_and_escapes_are_not_citations() {
        assert!(cites("Write to [me a@b.com].").is_empty());
        assert!(cites("Write to a@b.com.").is_empty());
        assert!(cites(r"Literally \[@a] here.").is_empty());
        assert!(cites(r"Literally [\@a] here.").is_empty());
        assert_eq!(cites(r"Not escaped \\[@a].").len(), 1);
    }

    #[test]
    fn trailing_punctuation_ends_a_key() {
        assert_eq!(cites("[@a, p. 3.]")[0].1.items[0].key, "a");
        assert_eq!(cites("[@doe:2015.x]")[0].1.items[0].key, "doe:2015.x");
    }

    #[test]
    fn locators() {
        assert_eq!(
            parse_locator("pp. 3-5"),
            Some((Locator::Page, "3-5".into()))
        );
        assert_eq!(
            parse_locator("chap. 2"),
            Some((Locator::Chapter, "2".into()))
        );
        assert_eq!(parse_locator("12"), Some((Locator::Page, "12".into())));
        assert_eq!(parse_locator("emphasis added"), None);
    }
}
