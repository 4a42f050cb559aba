//! `knead check`: the build's stages run in memory, every template rendered
//! and thrown away, then warnings about what a build accepts but readers would
//! miss: orphan pages, missing descriptions, images without alt text, links to
//! drafts (with `--drafts`), empty sections, duplicate titles and code blocks
//! in a language knead has no grammar for. With `--external` it also checks
//! the links to other sites (see `external`). It writes nothing, not even the
//! output marker (only `--external` keeps its cache of working links), and it
//! does not print: the caller prints the report.
//!
//! The warnings concern the site as it would be published: a draft (with
//! `--drafts`) is never an orphan, links from drafts make no page linked, and a
//! section holding only drafts is empty. Descriptions, alt text and titles are
//! checked on drafts too, so they are ready when published.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Diagnostics, Error, Severity};
use crate::load::discover::load_sources;
use crate::pipeline::{Assembled, BuildOptions, assemble_site, site_config};
use crate::render::Rendering;
use crate::render::links::{PageLink, wiki_title};
use crate::render::markdown::Rendered;
use crate::site::build::SiteOptions;
use crate::site::{Page, PageId, Site};
use crate::templates::PageRenderer;
use crate::tools::external::{ExternalReport, check_external_links};

/// What `knead check` was asked to do: the build it runs in memory (its
/// output folder and progress are not used), and how strict to be.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub build: BuildOptions,
    /// Warnings fail the check too.
    pub strict: bool,
    /// The day review dates are checked against; `None`: the real today.
    pub today: Option<jiff::civil::Date>,
    /// Request every link and image that leads to another site.
    pub external: bool,
}

/// Everything a check found.
#[derive(Debug)]
pub struct CheckReport {
    pub pages: usize,
    pub sections: usize,
    /// Errors, warnings and notes, sorted by file, then position.
    pub diagnostics: Vec<Diagnostic>,
    pub strict: bool,
    /// With `--external`: what the external links came to.
    pub external: Option<ExternalReport>,
}

impl CheckReport {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    pub fn notes(&self) -> usize {
        self.count(Severity::Note)
    }

    fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// How many files the diagnostics are in.
    pub fn files(&self) -> usize {
        let files: BTreeSet<&Path> = self.diagnostics.iter().map(|d| d.path.as_path()).collect();
        files.len()
    }

    /// No errors, and with `--strict` no warnings either.
    pub fn passed(&self) -> bool {
        self.errors() == 0 && !(self.strict && self.warnings() > 0)
    }

    /// 0 when the check passed, 1 when it did not.
    pub fn exit_code(&self) -> i32 {
        if self.passed() { 0 } else { 1 }
    }

    /// `checked 3 pages and 2 sections: 0 errors, 2 warnings in 2 files`.
    pub fn summary(&self) -> String {
        let mut summary = format!(
            "checked {} and {}: {}, {}",
            counted(self.pages, "page", "pages"),
            counted(self.sections, "section", "sections"),
            counted(self.errors(), "error", "errors"),
            counted(self.warnings(), "warning", "warnings"),
        );
        let notes = self.notes();
        if notes > 0 {
            summary.push_str(&format!(", {}", counted(notes, "note", "notes")));
        }
        let files = self.files();
        if files > 0 {
            summary.push_str(&format!(" in {}", counted(files, "file", "files")));
        }
        if self.strict && self.errors() == 0 && self.warnings() > 0 {
            summary.push_str(" (--strict: warnings fail the check)");
        }
        summary
    }
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Checks the site under `options.root`. `Err` only for usage errors (no
/// site.yaml, a bad `--base-url`); problems with the site are in the report.
pub fn check(options: &CheckOptions) -> Result<CheckReport, Error> {
    let build = &options.build;
    let report = |pages, sections, diagnostics, external| CheckReport {
        pages,
        sections,
        diagnostics,
        strict: options.strict,
        external,
    };
    let config = match site_config(&build.root, build.base_url.as_ref()) {
        Ok((config, _)) => config,
        Err(Error::Build(diagnostics)) => return Ok(report(0, 0, diagnostics, None)),
        Err(usage) => return Err(usage),
    };
    let mut diagnostics = Diagnostics::default();
    let sources = load_sources(&build.root, &config, &mut diagnostics);
    let site_options = SiteOptions {
        drafts: build.drafts,
    };
    let Assembled {
        site,
        renderer,
        rendering,
        ..
    } = assemble_site(
        &build.root,
        config,
        sources,
        &site_options,
        &mut diagnostics,
    );
    // As in a build: templates are rendered only for a site without errors,
    // since pages left out by errors would make templates fail too.
    if !diagnostics.has_errors() {
        diagnostics.extend(render_templates(renderer));
    }
    let today = options.today.unwrap_or_else(|| jiff::Zoned::now().date());
    site_warnings(&site, &rendering, today, &mut diagnostics);
    let external = options
        .external
        .then(|| check_external_links(&build.root, &site, &rendering.external, &mut diagnostics));
    let sections = site.section_count();
    Ok(report(
        site.pages.len() - sections,
        sections,
        diagnostics.into_sorted(),
        external,
    ))
}

/// Renders every queued file and drops the text, keeping the errors.
fn render_templates(renderer: PageRenderer) -> Vec<Diagnostic> {
    let jobs: Vec<usize> = renderer.files().map(|(job, _, _)| job).collect();
    jobs.par_iter().for_each(|&job| {
        renderer.render(job);
    });
    renderer.into_diagnostics()
}

/// Every warning of the check, for a site that went through the build's stages.
fn site_warnings(
    site: &Site,
    rendering: &Rendering,
    today: jiff::civil::Date,
    diagnostics: &mut Diagnostics,
) {
    let published = published_pages(site);
    orphans(site, &rendering.links, &published, diagnostics);
    links_to_drafts(site, &rendering.links, &published, diagnostics);
    empty_sections(site, &published, diagnostics);
    duplicate_titles(site, diagnostics);
    uncited_references(site, rendering, diagnostics);
    for (page, rendered) in site.pages.iter().zip(&rendering.pages) {
        if has_file(page) {
            missing_description(page, diagnostics);
            images_without_alt(page, rendered, diagnostics);
            review_due(site, page, today, diagnostics);
            reading_level(site, page, rendered, diagnostics);
            unknown_languages(page, rendered, diagnostics);
        }
    }
}

/// References in the references file that no page cites: a source kept
/// after the claim it backed was removed, or a key misspelt on both sides.
fn uncited_references(site: &Site, rendering: &Rendering, diagnostics: &mut Diagnostics) {
    let Some(references) = &site.references else {
        return;
    };
    let cited: HashSet<&str> = rendering
        .pages
        .iter()
        .flat_map(|rendered| rendered.cited_keys.iter().map(String::as_str))
        .collect();
    for (key, line) in &references.keys {
        if !cited.contains(key.as_str()) {
            diagnostics.push(
                Diagnostic::warning(
                    &references.path,
                    format!("reference `{key}` is never cited"),
                )
                .at(*line, 1)
                .with_help(format!(
                    "cite it in a page as [@{key}], or remove it from {}",
                    references.path.display()
                )),
            );
        }
    }
}

/// The home page made from site.yaml when there is no content/_index.md is
/// the one page without a file; there is nothing to fix in it.
fn has_file(page: &Page) -> bool {
    !page.header.is_empty()
}

/// Which pages are not drafts: neither marked `draft: true` nor inside a
/// draft section. Only a site built with drafts has any.
fn published_pages(site: &Site) -> Vec<bool> {
    (0..site.pages.len())
        .map(|id| {
            let mut current = Some(id);
            while let Some(at) = current {
                // A draft home page does not make the whole site a draft.
                if site.page(at).meta.draft && (at == id || at != site.home) {
                    return false;
                }
                current = site.page(at).parent;
            }
            true
        })
        .collect()
}

/// Where page-level warnings point: the title, the page's name.
fn title_position(page: &Page) -> (usize, usize) {
    page.meta.positions.get("title").copied().unwrap_or((1, 1))
}

fn page_warning(page: &Page, message: impl Into<String>) -> Diagnostic {
    let (line, col) = title_position(page);
    Diagnostic::warning(page.display_path(), message).at(line, col)
}

/// A published page, other than the home page, that no other published
/// page's text links to. Section listings, menus, taxonomy pages and
/// `related:` do not count: readers who do not browse those never find it.
fn orphans(
    site: &Site,
    links: &[Vec<PageLink>],
    published: &[bool],
    diagnostics: &mut Diagnostics,
) {
    let mut linked = vec![false; site.pages.len()];
    for (id, page_links) in links.iter().enumerate() {
        if published[id] {
            page_links
                .iter()
                .for_each(|link| linked[link.target] = true);
        }
    }
    for (id, page) in site.pages.iter().enumerate() {
        if published[id] && !linked[id] && id != site.home && has_file(page) {
            diagnostics.push(
                page_warning(page, "orphan page: no other page links to it").with_help(format!(
                    "link to it from a page on a related subject, for example with [[{}]]; \
                         section listings and menus do not count",
                    page.meta.title
                )),
            );
        }
    }
}

/// With `--drafts`: a link from a published page to a draft, which is an
/// error in a build without `--drafts`.
fn links_to_drafts(
    site: &Site,
    links: &[Vec<PageLink>],
    published: &[bool],
    diagnostics: &mut Diagnostics,
) {
    for (id, page) in site.pages.iter().enumerate() {
        if !published[id] {
            continue;
        }
        for link in links[id].iter().filter(|l| !published[l.target]) {
            let target = site.page(link.target);
            diagnostics.push(
                Diagnostic::warning(
                    page.display_path(),
                    format!(
                        "links to {}, which is a draft: the link breaks when the site is built without --drafts",
                        target.display_path().display()
                    ),
                )
                .at(link.line, link.col)
                .with_help("publish that page first (remove `draft: true`), or remove the link"),
            );
        }
    }
}

/// A published section, other than the home page, with no published pages
/// and no published subsections.
fn empty_sections(site: &Site, published: &[bool], diagnostics: &mut Diagnostics) {
    for (id, page) in site.pages.iter().enumerate() {
        let is_empty = !page
            .pages
            .iter()
            .chain(&page.subsections)
            .any(|&p| published[p]);
        if page.is_section() && published[id] && id != site.home && is_empty {
            diagnostics.push(
                page_warning(page, "empty section: it lists no published pages")
                    .with_help("add pages to its folder, or remove the section"),
            );
        }
    }
}

/// Two or more pages with one title (ignoring case and spacing, as `[[Title]]`
/// does): each is named in the others' warnings.
fn duplicate_titles(site: &Site, diagnostics: &mut Diagnostics) {
    let mut by_title: BTreeMap<String, Vec<PageId>> = BTreeMap::new();
    for (id, page) in site.pages.iter().enumerate().filter(|(_, p)| has_file(p)) {
        by_title
            .entry(wiki_title(&page.meta.title))
            .or_default()
            .push(id);
    }
    for ids in by_title.values().filter(|ids| ids.len() > 1) {
        for &id in ids {
            let others: Vec<String> = ids
                .iter()
                .filter(|&&other| other != id)
                .map(|&other| site.page(other).display_path().display().to_string())
                .collect();
            let page = site.page(id);
            diagnostics.push(
                page_warning(
                    page,
                    format!(
                        "duplicate title {:?}: also the title of {}",
                        page.meta.title,
                        others.join(", ")
                    ),
                )
                .with_help(
                    "give each page its own title, so that search results, browser tabs \
                     and [[wiki links]] can tell them apart",
                ),
            );
        }
    }
}

fn missing_description(page: &Page, diagnostics: &mut Diagnostics) {
    let described = page
        .meta
        .description
        .as_deref()
        .is_some_and(|d| !d.trim().is_empty());
    if !described {
        diagnostics.push(page_warning(page, "no description").with_help(
            "add `description:` to the front matter: one sentence for page lists, \
                 search results and link previews",
        ));
    }
}

fn images_without_alt(page: &Page, rendered: &Rendered, diagnostics: &mut Diagnostics) {
    for &(body_line, body_col) in &rendered.images_without_alt {
        let (line, col) = page.file_position(body_line, body_col);
        diagnostics.push(
            Diagnostic::warning(page.display_path(), "image without alt text")
                .at(line, col)
                .with_help(
                    "describe what it shows for readers who cannot see it: ![a diagram of …](file.svg), \
                     or alt=\"…\" in an <img> tag (alt=\"\" marks a purely decorative image)",
                ),
        );
    }
}

/// A page whose review is overdue or due within `review.warn_before`, or,
/// when site.yaml sets `review.required`, was never reviewed.
fn review_due(site: &Site, page: &Page, today: jiff::civil::Date, diagnostics: &mut Diagnostics) {
    let review = &site.config.review;
    let meta = &page.meta;
    if meta.reviewed.is_none() && meta.next_review.is_none() {
        if review.required {
            diagnostics.push(
                page_warning(page, "never reviewed: the page has no `reviewed` date").with_help(
                    "once the page has been checked against its sources, add `reviewed: YYYY-MM-DD` \
                     and `reviewed_by:` to its front matter (site.yaml's `review.required` asks every page for them)",
                ),
            );
        }
        return;
    }
    let Some(due) = review.next_review(meta.reviewed.as_ref(), meta.next_review.as_ref()) else {
        return;
    };
    let key = if meta.next_review.is_some() {
        "next_review"
    } else {
        "reviewed"
    };
    let (line, col) = meta
        .positions
        .get(key)
        .copied()
        .unwrap_or_else(|| title_position(page));
    let help = "review the page against its sources, then set `reviewed` to the day of the review \
                (and `next_review`, if the page has one)";
    let warning = |message: String| {
        Diagnostic::warning(page.display_path(), message)
            .at(line, col)
            .with_help(help)
    };
    let soon = due.checked_sub(review.warn_before).unwrap_or(due);
    if due < today {
        diagnostics.push(warning(format!(
            "review overdue: the next review was due on {due}"
        )));
    } else if soon <= today {
        let days = (due - today).get_days();
        let when = match days {
            0 => "today".to_string(),
            1 => "in 1 day".to_string(),
            n => format!("in {n} days"),
        };
        diagnostics.push(warning(format!(
            "review due soon: the next review is due on {due}, {when}"
        )));
    }
}

/// An English page whose Flesch–Kincaid grade is above site.yaml's
/// `reading_level.max_grade`, with where its longest sentences start.
fn reading_level(site: &Site, page: &Page, rendered: &Rendered, diagnostics: &mut Diagnostics) {
    let Some(max) = site.config.reading_level.max_grade else {
        return;
    };
    let Some(grade) = rendered
        .reading
        .grade()
        .filter(|_| site.config.is_english())
    else {
        return;
    };
    if grade <= max {
        return;
    }
    let longest: Vec<String> = rendered
        .reading
        .longest
        .iter()
        .map(|s| {
            let (line, _) = page.file_position(s.line, s.col);
            format!("line {line} ({} words)", s.words)
        })
        .collect();
    diagnostics.push(
        page_warning(
            page,
            format!(
                "reading grade {grade:.1} is above the target of {max}; longest sentences: {}",
                longest.join(", ")
            ),
        )
        .with_help(
            "split long sentences and prefer short, common words where they say the same; \
             health guidance asks for grade 6 to 8",
        ),
    );
}

/// A block whose language has no grammar is printed plain; a misspelt
/// name is the likely cause.
fn unknown_languages(page: &Page, rendered: &Rendered, diagnostics: &mut Diagnostics) {
    for block in &rendered.unknown_languages {
        let (line, col) = page.file_position(block.line, block.col);
        let message = match &block.nearest {
            Some(near) => format!("no grammar for `{}`; did you mean `{near}`?", block.lang),
            None => format!("no grammar for `{}`", block.lang),
        };
        diagnostics.push(
            Diagnostic::warning(page.display_path(), message)
                .at(line, col)
                .with_help(
                    "the block is shown as plain code; `text` marks code meant to stay plain",
                ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(severities: &[(&str, Severity)], strict: bool) -> CheckReport {
        let diagnostics = severities
            .iter()
            .map(|&(path, severity)| Diagnostic {
                severity,
                ..Diagnostic::error(path, "x")
            })
            .collect();
        CheckReport {
            pages: 1,
            sections: 2,
            diagnostics,
            strict,
            external: None,
        }
    }

    #[test]
    fn warnings_pass_unless_strict_and_errors_never_pass() {
        let warned = [("a.md", Severity::Warning), ("a.md", Severity::Warning)];
        assert_eq!(report(&warned, false).exit_code(), 0);
        assert_eq!(report(&warned, true).exit_code(), 1);
        assert_eq!(report(&[("a.md", Severity::Error)], false).exit_code(), 1);
        assert_eq!(report(&[], true).exit_code(), 0);
    }

    #[test]
    fn summary_counts_errors_warnings_and_files() {
        let found = [
            ("a.md", Severity::Error),
            ("a.md", Severity::Warning),
            ("b.md", Severity::Warning),
        ];
        assert_eq!(
            report(&found, false).summary(),
            "checked 1 page and 2 sections: 1 error, 2 warnings in 2 files"
        );
        assert_eq!(
            report(&[], false).summary(),
            "checked 1 page and 2 sections: 0 errors, 0 warnings"
        );
        let noted = [("a.md", Severity::Note), ("b.md", Severity::Note)];
        assert_eq!(
            report(&noted, true).summary(),
            "checked 1 page and 2 sections: 0 errors, 0 warnings, 2 notes in 2 files"
        );
        assert_eq!(report(&noted, true).exit_code(), 0);
    }
}
