//! Publishing files (SPEC §7), made from the site model with absolute URLs
//! under `base_url`: `sitemap.xml` and `robots.txt` (`sitemap`), the Atom feed
//! `atom.xml` when site.yaml says `feed: true` (`feed`), the redirect pages of
//! `aliases:` (`aliases`) and the search index (`search`). Each returns
//! `RenderedFile`s for the output plan; none renders templates (the 404 page
//! is a template) or writes files.
//!
//! A site's own `robots.txt` (in static/ or content/) replaces the generated
//! one, as in Hugo and Jekyll: it is the one file authors commonly write by
//! hand. Any other file at these paths is a collision the output plan reports.
//!
//! The feed holds pages' HTML, so it must be made before `Rendering::take_html`
//! moves that HTML to the templates. Cost: linear in pages plus taxonomy terms; the
//! sitemap sorts its URLs, the feed picks its entries without a full sort.

pub mod aliases;
pub mod feed;
pub mod search;
pub mod sitemap;

use std::path::{Path, PathBuf};

use crate::load::front_matter::PageDate;
use crate::names::ROBOTS_FILE;
use crate::render::Rendering;
use crate::site::{Page, Site};

/// One generated output file: its path relative to the output folder, and text.
pub struct RenderedFile {
    pub rel_path: PathBuf,
    /// The file it was made from, for collision messages.
    pub source: PathBuf,
    pub text: String,
}

/// Named as the origin of these files when another source would write one of
/// them (the output plan's collision message reads "which knead writes too").
const ORIGIN: &str = "knead";
const FEED_ORIGIN: &str = "knead (feed: true in site.yaml)";

/// Every publishing file of the site. `static_files` are output-relative
/// paths of the static files, which may hold the site's own robots.txt.
pub fn publish_files(
    site: &Site,
    rendering: &Rendering,
    static_files: &[&Path],
) -> Vec<RenderedFile> {
    let mut files = sitemap::sitemap(site);
    files.extend(feed::feed(site, |id| &rendering.pages[id].html));
    if !has_own_robots(site, static_files) {
        files.push(sitemap::robots(&site.config.base_url));
    }
    files
}

fn has_own_robots(site: &Site, static_files: &[&Path]) -> bool {
    static_files.contains(&Path::new(ROBOTS_FILE))
        || site
            .assets
            .iter()
            .any(|asset| asset.url.strip_prefix('/') == Some(ROBOTS_FILE))
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

fn generated(name: &str, origin: &str, text: String) -> RenderedFile {
    RenderedFile {
        rel_path: PathBuf::from(name),
        source: PathBuf::from(origin),
        text,
    }
}

/// When the page last changed: `updated`, else `date`.
fn last_change(page: &Page) -> Option<&PageDate> {
    page.meta.updated.as_ref().or(page.meta.date.as_ref())
}

/// A full RFC 3339 timestamp in UTC, as Atom requires: a plain date is
/// midnight UTC (`2024-05-01T00:00:00Z`), a time with an offset is converted.
fn rfc3339(date: &PageDate) -> String {
    format!("{}Z", date.utc)
}

/// A sitemap `<lastmod>` (W3C Datetime): a plain date stays a date, a time
/// becomes RFC 3339 in UTC.
fn w3c_datetime(date: &PageDate) -> String {
    if date.is_date_only() {
        date.utc.date().to_string()
    } else {
        rfc3339(date)
    }
}

/// `text` as XML character data or attribute value: markup characters
/// escaped, and the characters XML 1.0 forbids (most C0 controls, U+FFFE,
/// U+FFFF) replaced with U+FFFD, so one stray control character in a page
/// cannot make the whole feed unreadable.
fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> PageDate {
        PageDate::parse(text).expect("valid date")
    }

    #[test]
    fn plain_dates_become_midnight_utc_for_atom() {
        assert_eq!(rfc3339(&date("2024-05-01")), "2024-05-01T00:00:00Z");
        assert_eq!(
            rfc3339(&date("2024-05-01T09:30:00+02:00")),
            "2024-05-01T07:30:00Z"
        );
    }

    #[test]
    fn sitemap_dates_keep_plain_dates_plain() {
        assert_eq!(w3c_datetime(&date("2024-05-01")), "2024-05-01");
        assert_eq!(
            w3c_datetime(&date("2024-05-01T23:30:00-01:00")),
            "2024-05-02T00:30:00Z"
        );
    }

    #[test]
    fn escape_xml_escapes_markup_and_replaces_forbidden_characters() {
        assert_eq!(
            escape_xml("<a href=\"x?a=1&b='2'\">\u{1b}\t\u{ffff}</a>"),
            "&lt;a href=&quot;x?a=1&amp;b=&apos;2&apos;&quot;&gt;\u{fffd}\t\u{fffd}&lt;/a&gt;"
        );
        assert_eq!(escape_xml("Übung — ok"), "Übung — ok");
    }
}
