//! Publishing files (SPEC §7): `sitemap.xml`, the Atom feed `atom.xml` (when
//! site.yaml says `feed: true`) and `robots.txt`, made from the site model with
//! absolute URLs under `base_url`. Owns their formats, the dates they carry and
//! which pages the feed holds. It neither renders templates (the 404 page is a
//! template) nor writes files.
//!
//! A site's own `robots.txt` (in static/ or content/) replaces the generated
//! one, as in Hugo and Jekyll: it is the one file authors commonly write by
//! hand. Any other file at these paths is a collision the output plan reports.
//!
//! The feed holds pages' HTML, so it must be made before `take_contents` moves
//! that HTML to the templates. Cost: linear in pages plus taxonomy terms; the
//! sitemap sorts its URLs, the feed picks its entries without a full sort.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::config::BaseUrl;
use crate::front_matter::PageDate;
use crate::site::{Page, PageId, Site};
use crate::templates::RenderedFile;

pub const SITEMAP_FILE: &str = "sitemap.xml";
pub const FEED_FILE: &str = "atom.xml";
pub const ROBOTS_FILE: &str = "robots.txt";

/// How many pages the feed holds (SPEC §7).
const FEED_ENTRIES: usize = 20;

/// The sitemap protocol's limit per file; a larger site gets a sitemap index
/// in `sitemap.xml` that lists `sitemap-1.xml`, `sitemap-2.xml`, ….
const SITEMAP_URLS: usize = 50_000;

/// Named as the origin of these files when another source would write one of
/// them (the output plan's collision message reads "which knead writes too").
const ORIGIN: &str = "knead";
const FEED_ORIGIN: &str = "knead (feed: true in site.yaml)";

/// Every publishing file of the site. `static_files` are output-relative
/// paths of the static files, which may hold the site's own robots.txt.
pub fn publish_files(site: &Site, static_files: &[&Path]) -> Vec<RenderedFile> {
    let mut files = sitemap_files(&site.config.base_url, sitemap_entries(site), SITEMAP_URLS);
    files.extend(feed(site, |id| &site.page(id).rendered.html));
    if !has_own_robots(site, static_files) {
        files.push(robots(&site.config.base_url));
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

/// One `<url>` of the sitemap.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SitemapEntry {
    permalink: String,
    lastmod: Option<String>,
}

/// Every page and section (the home page included), taxonomy and term page,
/// sorted by URL. Alias redirects and the 404 page are not pages to index.
fn sitemap_entries(site: &Site) -> Vec<SitemapEntry> {
    let base = &site.config.base_url;
    let pages = site.pages.iter().map(|page| SitemapEntry {
        permalink: base.permalink(&page.url),
        lastmod: last_change(page).map(w3c_datetime),
    });
    let taxonomies = site.taxonomies.iter().flat_map(|taxonomy| {
        let terms = taxonomy.terms.iter().map(|term| taxonomy.term_path(term));
        std::iter::once(taxonomy.site_path()).chain(terms)
    });
    let undated = taxonomies.map(|site_path| SitemapEntry {
        permalink: base.permalink(&site_path),
        lastmod: None,
    });
    let mut entries: Vec<SitemapEntry> = pages.chain(undated).collect();
    entries.sort_unstable();
    entries
}

/// `sitemap.xml` alone, or, past `max_urls`, an index in `sitemap.xml` and
/// the URLs in numbered files beside it.
fn sitemap_files(base: &BaseUrl, entries: Vec<SitemapEntry>, max_urls: usize) -> Vec<RenderedFile> {
    if entries.len() <= max_urls {
        return vec![generated(SITEMAP_FILE, ORIGIN, render_urlset(&entries))];
    }
    let parts: Vec<RenderedFile> = entries
        .chunks(max_urls)
        .enumerate()
        .map(|(i, chunk)| {
            let name = format!("sitemap-{}.xml", i + 1);
            generated(&name, ORIGIN, render_urlset(chunk))
        })
        .collect();
    let mut index = String::from(XML_DECLARATION);
    index.push_str("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for part in &parts {
        let location = base.permalink(&part.rel_path.to_string_lossy());
        let _ = writeln!(
            index,
            "<sitemap><loc>{}</loc></sitemap>",
            escape_xml(&location)
        );
    }
    index.push_str("</sitemapindex>\n");
    std::iter::once(generated(SITEMAP_FILE, ORIGIN, index))
        .chain(parts)
        .collect()
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

fn render_urlset(entries: &[SitemapEntry]) -> String {
    let mut xml = String::with_capacity(100 * entries.len() + 200);
    xml.push_str(XML_DECLARATION);
    xml.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for entry in entries {
        // Writing to a String cannot fail.
        let _ = write!(xml, "<url><loc>{}</loc>", escape_xml(&entry.permalink));
        if let Some(lastmod) = &entry.lastmod {
            let _ = write!(xml, "<lastmod>{lastmod}</lastmod>");
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

/// The HTML of the feed's pages, while the site still holds it: what an
/// incremental rebuild needs to make the feed again. Empty when the feed is off.
pub fn feed_html(site: &Site) -> BTreeMap<PageId, String> {
    if !site.config.feed {
        return BTreeMap::new();
    }
    feed_entries(site)
        .into_iter()
        .map(|id| (id, site.page(id).rendered.html.clone()))
        .collect()
}

/// The Atom feed (RFC 4287) of the newest dated pages, with each page's HTML
/// from `html_of`, or `None` when the feed is off.
pub fn feed<'s>(site: &'s Site, html_of: impl Fn(PageId) -> &'s str) -> Option<RenderedFile> {
    let config = &site.config;
    if !config.feed {
        return None;
    }
    let base = &config.base_url;
    let entries = feed_entries(site);
    let title = escape_xml(&config.title);
    let mut xml = String::from(XML_DECLARATION);
    let _ = write!(
        xml,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n<title>{title}</title>\n",
        escape_xml(&config.language)
    );
    if !config.description.is_empty() {
        let _ = writeln!(
            xml,
            "<subtitle>{}</subtitle>",
            escape_xml(&config.description)
        );
    }
    let home = escape_xml(&base.permalink("/"));
    let _ = write!(
        xml,
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{home}\"/>\n\
         <id>{home}</id>\n<updated>{}</updated>\n<author><name>{title}</name></author>\n",
        escape_xml(&base.permalink(FEED_FILE)),
        feed_updated(site, &entries),
    );
    for id in entries {
        render_entry(&mut xml, base, site.page(id), html_of(id));
    }
    xml.push_str("</feed>\n");
    Some(generated(FEED_FILE, FEED_ORIGIN, xml))
}

/// The feed's `<updated>`: the newest change among its entries, so the feed
/// changes only when they do. A feed with no dated page says the Unix epoch
/// rather than the build time, which would make every build differ.
fn feed_updated(site: &Site, entries: &[PageId]) -> String {
    entries
        .iter()
        .filter_map(|&id| last_change(site.page(id)))
        .max()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), rfc3339)
}

/// The `FEED_ENTRIES` pages (not sections) with the newest `date`, newest
/// first; equal dates by title, then URL, which is unique.
fn feed_entries(site: &Site) -> Vec<PageId> {
    let mut dated: Vec<PageId> = (0..site.pages.len())
        .filter(|&id| !site.page(id).is_section() && site.page(id).meta.date.is_some())
        .collect();
    let order = |a: &PageId, b: &PageId| newest_first(site.page(*a), site.page(*b));
    if dated.len() > FEED_ENTRIES {
        dated.select_nth_unstable_by(FEED_ENTRIES - 1, order);
        dated.truncate(FEED_ENTRIES);
    }
    dated.sort_unstable_by(order);
    dated
}

fn newest_first(a: &Page, b: &Page) -> Ordering {
    b.meta
        .date
        .cmp(&a.meta.date)
        .then_with(|| a.meta.title.cmp(&b.meta.title))
        .then_with(|| a.url.cmp(&b.url))
}

/// One `<entry>`. Links in the page's HTML are root-relative (`/docs/…`) or
/// in-page (`#steps`); `xml:base` on `<content>` makes feed readers resolve
/// both against the page's own permalink.
fn render_entry(xml: &mut String, base: &BaseUrl, page: &Page, html: &str) {
    let permalink = escape_xml(&base.permalink(&page.url));
    let _ = write!(
        xml,
        "<entry>\n<title>{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{permalink}\"/>\n\
         <id>{permalink}</id>\n",
        escape_xml(&page.meta.title)
    );
    if let Some(date) = &page.meta.date {
        let _ = writeln!(xml, "<published>{}</published>", rfc3339(date));
    }
    if let Some(updated) = last_change(page) {
        let _ = writeln!(xml, "<updated>{}</updated>", rfc3339(updated));
    }
    if let Some(description) = &page.meta.description {
        let _ = writeln!(xml, "<summary>{}</summary>", escape_xml(description));
    }
    let _ = write!(
        xml,
        "<content type=\"html\" xml:base=\"{permalink}\">{}</content>\n</entry>\n",
        escape_xml(html)
    );
}

fn robots(base: &BaseUrl) -> RenderedFile {
    let text = format!(
        "User-agent: *\nDisallow:\n\nSitemap: {}\n",
        base.permalink(SITEMAP_FILE)
    );
    generated(ROBOTS_FILE, ORIGIN, text)
}

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
    date.instant.to_string()
}

/// A sitemap `<lastmod>` (W3C Datetime): a plain date stays a date, a time
/// becomes RFC 3339 in UTC.
fn w3c_datetime(date: &PageDate) -> String {
    if date.is_date_only() {
        date.instant.strftime("%Y-%m-%d").to_string()
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

    fn entries(count: usize) -> Vec<SitemapEntry> {
        (0..count)
            .map(|i| SitemapEntry {
                permalink: format!("https://example.org/docs/p{i}/"),
                lastmod: None,
            })
            .collect()
    }

    #[test]
    fn small_sitemaps_are_one_file() {
        let base = BaseUrl::parse("https://example.org/docs/").expect("base");
        let files = sitemap_files(&base, entries(3), 3);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].rel_path, PathBuf::from(SITEMAP_FILE));
        assert_eq!(files[0].text.matches("<url>").count(), 3);
    }

    #[test]
    fn large_sitemaps_are_split_behind_an_index() {
        let base = BaseUrl::parse("https://example.org/docs/").expect("base");
        let files = sitemap_files(&base, entries(5), 2);
        let names: Vec<_> = files.iter().map(|f| f.rel_path.clone()).collect();
        assert_eq!(
            names,
            [
                "sitemap.xml",
                "sitemap-1.xml",
                "sitemap-2.xml",
                "sitemap-3.xml"
            ]
            .map(PathBuf::from)
        );
        assert!(
            files[0]
                .text
                .contains("<sitemap><loc>https://example.org/docs/sitemap-3.xml</loc></sitemap>")
        );
        assert!(files[0].text.contains("<sitemapindex "));
        let counts: Vec<usize> = files[1..]
            .iter()
            .map(|f| f.text.matches("<url>").count())
            .collect();
        assert_eq!(counts, [2, 2, 1]);
    }
}
