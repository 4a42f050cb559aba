//! `sitemap.xml` (a sitemap index past the protocol's 50,000 URLs per file)
//! and `robots.txt`, which points to it.

use std::fmt::Write;

use super::{
    ORIGIN, RenderedFile, XML_DECLARATION, escape_xml, generated, last_change, w3c_datetime,
};
use crate::load::config::BaseUrl;
use crate::names::{ROBOTS_FILE, SITEMAP_FILE};
use crate::site::Site;

/// The sitemap protocol's limit per file; a larger site gets a sitemap index
/// in `sitemap.xml` that lists `sitemap-1.xml`, `sitemap-2.xml`, ….
const SITEMAP_URLS: usize = 50_000;

/// `sitemap.xml`, or a sitemap index and its parts for a large site.
pub(super) fn sitemap(site: &Site) -> Vec<RenderedFile> {
    sitemap_files(&site.config.base_url, sitemap_entries(site), SITEMAP_URLS)
}

/// One `<url>` of the sitemap.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SitemapEntry {
    permalink: String,
    lastmod: Option<String>,
}

/// Every page and section (the home page included), taxonomy and term page,
/// and every pager after the first of a paginated list, sorted by URL. Alias
/// redirects (`page/1/` among them) and the 404 page are not pages to index.
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
    let pagers = site
        .paginations()
        .into_iter()
        .flat_map(|list| list.pagination.later_pagers().collect::<Vec<_>>());
    let undated = taxonomies.chain(pagers).map(|site_path| SitemapEntry {
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

pub(super) fn robots(base: &BaseUrl) -> RenderedFile {
    let text = format!(
        "User-agent: *\nDisallow:\n\nSitemap: {}\n",
        base.permalink(SITEMAP_FILE)
    );
    generated(ROBOTS_FILE, ORIGIN, text)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

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
