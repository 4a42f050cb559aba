//! Aliases (SPEC §7): a small redirect page at each old path a page lists under
//! `aliases:`, so links to where the page used to be keep working. Owns the alias
//! path rules and the redirect HTML (meta refresh for browsers, a canonical link
//! for search engines, a plain link for everyone else). An alias that is the URL
//! of a real page, or that two pages claim, is an error: one of them would be
//! lost.
//!
//! Cost: one hash map of page URLs and one of alias paths, both keyed in lower
//! case because case-insensitive hosts treat `/Old/` and `/old/` as one file.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::names::{is_reserved_output_name, name_too_long};
use crate::publish::RenderedFile;
use crate::render::escape::escape_html;
use crate::site::{PageId, Site};

/// The redirect pages of every alias, checked.
pub fn alias_pages(site: &Site, diagnostics: &mut Diagnostics) -> Vec<RenderedFile> {
    let taken = taken_urls(site);
    let mut claimed: HashMap<String, PageId> = HashMap::new();
    let mut files = Vec::new();
    for (id, page) in site.pages.iter().enumerate() {
        let positions = page.entry_positions("aliases", &page.meta.aliases);
        for (alias, &(line, col)) in page.meta.aliases.iter().zip(&positions) {
            let error = |message: String, help: &str| {
                Diagnostic::error(page.display_path(), message)
                    .at(line, col)
                    .with_help(help)
            };
            let Some(site_path) = normalize(alias) else {
                diagnostics.push(error(
                    format!("alias {alias:?} is not a path on this site"),
                    "write a path from the site root, such as /old/swedish/",
                ));
                continue;
            };
            if let Some(problem) = alias_name_problem(&site_path) {
                diagnostics.push(error(problem, "choose another path for the alias"));
                continue;
            }
            let key = site_path.to_lowercase();
            if let Some(owner) = taken.get(&key) {
                diagnostics.push(error(
                    format!("alias {site_path} is the URL of {owner}"),
                    "remove the alias; a redirect there would replace that page",
                ));
                continue;
            }
            match claimed.get(&key) {
                Some(&other) if other == id => continue,
                Some(&other) => {
                    diagnostics.push(error(
                        format!(
                            "alias {site_path} is also an alias of {}",
                            site.page(other).display_path().display()
                        ),
                        "keep the alias on one page only",
                    ));
                    continue;
                }
                None => {}
            }
            claimed.insert(key, id);
            files.push(RenderedFile {
                rel_path: output_file(&site_path),
                source: page.display_path(),
                text: redirect_html(site, &page.meta.title, &page.url),
            });
        }
    }
    files
}

/// The redirect at `<list>/page/1/` of each paginated list, to the list's
/// own URL, where its first pager is (as in Zola).
pub fn pager_redirects(site: &Site) -> Vec<RenderedFile> {
    site.paginations()
        .into_iter()
        .map(|list| RenderedFile {
            rel_path: output_file(&list.pagination.redirect_path()),
            text: redirect_html(site, &list.title, &list.pagination.url),
            source: list.origin,
        })
        .collect()
}

/// Lower-cased site path → what is there: every page, taxonomy and term
/// page, and every pager of a paginated list.
fn taken_urls(site: &Site) -> HashMap<String, String> {
    let pages = site
        .pages
        .iter()
        .map(|p| (p.url.to_lowercase(), p.display_path().display().to_string()));
    let taxonomies = site.taxonomies.iter().flat_map(|taxonomy| {
        let list = (
            taxonomy.site_path(),
            format!("the {} taxonomy page", taxonomy.name),
        );
        let terms = taxonomy.terms.iter().map(move |term| {
            (
                taxonomy.term_path(term),
                format!("the {} term page {:?}", taxonomy.name, term.name),
            )
        });
        std::iter::once(list).chain(terms)
    });
    let pagers = site.paginations().into_iter().flat_map(|paginated| {
        let pagination = paginated.pagination;
        let list = pagination.url.clone();
        let later = pagination.later_pagers().collect::<Vec<_>>();
        std::iter::once(pagination.redirect_path())
            .chain(later)
            .map(move |path| (path.to_lowercase(), format!("a pager of the list {list}")))
    });
    pages.chain(taxonomies).chain(pagers).collect()
}

/// `old/swedish` → `/old/swedish/`; `/old.html` stays a file. `None` for
/// anything that is not a plain site path (a URL, `..`, a query).
fn normalize(alias: &str) -> Option<String> {
    let trimmed = alias.trim();
    if trimmed.contains(['?', '#', '\\', ':']) {
        return None;
    }
    let segments: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty()).collect();
    if segments.is_empty() || segments.iter().any(|s| *s == "." || *s == "..") {
        return None;
    }
    let mut path = format!("/{}", segments.join("/"));
    if !is_html_file(&path) {
        path.push('/');
    }
    Some(path)
}

/// Why the output file of the alias at `site_path` cannot be written: a
/// name too long for the file system, or one of knead's own files (the
/// redirect would replace it, or need it to be a folder).
fn alias_name_problem(site_path: &str) -> Option<String> {
    let mut segments = site_path.split('/').filter(|s| !s.is_empty());
    let first = segments.clone().next()?;
    if is_reserved_output_name(first) {
        return Some(format!(
            "alias {site_path} names {first}, which knead writes itself"
        ));
    }
    segments.find_map(|segment| name_too_long("a segment of the alias", segment))
}

fn is_html_file(path: &str) -> bool {
    path.ends_with(".html") || path.ends_with(".htm")
}

fn output_file(site_path: &str) -> PathBuf {
    let mut file: PathBuf = site_path.split('/').filter(|s| !s.is_empty()).collect();
    if !is_html_file(site_path) {
        file.push("index.html");
    }
    file
}

fn redirect_html(site: &Site, title: &str, site_path: &str) -> String {
    let base = &site.config.base_url;
    let url = escape_html(&base.url(site_path));
    let permalink = escape_html(&base.permalink(site_path));
    let title = escape_html(title);
    let language = escape_html(&site.config.language);
    format!(
        "<!DOCTYPE html>\n<html lang=\"{language}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n<link rel=\"canonical\" href=\"{permalink}\">\n\
         <meta name=\"robots\" content=\"noindex\">\n\
         <meta http-equiv=\"refresh\" content=\"0; url={url}\">\n</head>\n<body>\n\
         <p>This page has moved to <a href=\"{url}\">{title}</a>.</p>\n</body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_become_site_paths() {
        assert_eq!(normalize("old/swedish").as_deref(), Some("/old/swedish/"));
        assert_eq!(normalize("/old//x/").as_deref(), Some("/old/x/"));
        assert_eq!(normalize("/old.html").as_deref(), Some("/old.html"));
        for bad in ["", "/", "https://x.org/a/", "/a/../b/", "/a?b", "a\\b"] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }

    #[test]
    fn output_file_is_pretty_unless_html() {
        assert_eq!(output_file("/old/x/"), PathBuf::from("old/x/index.html"));
        assert_eq!(output_file("/old.html"), PathBuf::from("old.html"));
    }
}
