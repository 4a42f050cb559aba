//! The Atom feed `atom.xml`: the newest dated pages with their summary and
//! HTML, its `updated` the newest entry's (never the build time).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{
    FEED_ORIGIN, RenderedFile, XML_DECLARATION, escape_xml, generated, last_change, rfc3339,
};
use crate::load::config::BaseUrl;
use crate::names::FEED_FILE;
use crate::render::Rendering;
use crate::site::{Page, PageId, Site, newest_first};

/// How many pages the feed holds (SPEC §7).
const FEED_ENTRIES: usize = 20;

/// The HTML of the feed's pages, while the rendering still holds it: what an
/// incremental rebuild needs to make the feed again. Empty when the feed is off.
pub fn feed_html(site: &Site, rendering: &Rendering) -> BTreeMap<PageId, String> {
    if !site.config.feed {
        return BTreeMap::new();
    }
    feed_entries(site)
        .into_iter()
        .map(|id| (id, rendering.pages[id].html.clone()))
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
    let order = |a: &PageId, b: &PageId| {
        let (a, b) = (site.page(*a), site.page(*b));
        newest_first(a, b).then_with(|| a.url.cmp(&b.url))
    };
    if dated.len() > FEED_ENTRIES {
        dated.select_nth_unstable_by(FEED_ENTRIES - 1, order);
        dated.truncate(FEED_ENTRIES);
    }
    dated.sort_unstable_by(order);
    dated
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
