//! Building the site model from what loading read: parses every page's front
//! matter (in parallel), leaves out drafts, gives every folder a URL and every
//! page a parent and neighbours, places assets and folds taxonomy terms.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::taxonomy::collect_taxonomies;
use super::{Asset, Draft, Page, PageId, PageKind, Site, section_order};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::config::Config;
use crate::load::discover::MarkdownFile;
use crate::load::front_matter::{FrontMatter, parse_front_matter, split};
use crate::load::git::{FileDates, GitDates};
use crate::load::images::ImageHeaders;
use crate::names::CONTENT_DIR;
use crate::names::name_too_long;
use crate::slug::slash_path;
use crate::slug::slugify;

pub struct SiteOptions {
    pub drafts: bool,
}

/// The site model, and each page's Markdown body (indexed by `PageId`), which
/// only the render stage reads.
pub struct Loaded {
    pub site: Site,
    pub bodies: Vec<String>,
}

/// Builds the model: parses every file's front matter, leaves out drafts, gives
/// every folder a URL and every page a parent, and sorts the sections' lists.
/// `git_dates` fill in the dates front matter leaves out (`dates: git`).
pub fn load_site(
    config: Config,
    markdown: Vec<MarkdownFile>,
    git_dates: &GitDates,
    assets: Vec<PathBuf>,
    options: &SiteOptions,
    diagnostics: &mut Diagnostics,
) -> Loaded {
    let parsed: Vec<(Option<(Page, String)>, Diagnostics)> = markdown
        .into_par_iter()
        .map(|file| {
            let mut found = Diagnostics::default();
            let history = git_dates.get(&file.rel_path);
            (parse_page(file, &config, history, &mut found), found)
        })
        .collect();
    let mut pages = Vec::with_capacity(parsed.len());
    let mut bodies_by_path = HashMap::with_capacity(parsed.len());
    for (parsed, found) in parsed {
        if let Some((page, body)) = parsed {
            bodies_by_path.insert(page.rel_path.clone(), body);
            pages.push(page);
        }
        diagnostics.extend(found);
    }
    check_layout(&pages, diagnostics);
    let drafts = drop_drafts(&mut pages, options.drafts);
    if !pages.iter().any(|p| p.is_section() && is_home(&p.rel_path)) {
        pages.push(implicit_home(&config));
    }
    pages.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    let folders = FolderUrls::new(&pages, diagnostics);
    for page in &mut pages {
        page.url = folders.page_url(page);
    }
    let home = pages
        .iter()
        .position(|p| p.is_section() && is_home(&p.rel_path))
        .unwrap_or(0);
    link_parents(&mut pages, &folders);
    let assets = place_assets(&mut pages, &folders, assets);
    let taxonomies = collect_taxonomies(&config.taxonomies, &mut pages, diagnostics);
    let bodies = pages
        .iter()
        .map(|page| bodies_by_path.remove(&page.rel_path).unwrap_or_default())
        .collect();
    let site = Site {
        config,
        pages,
        home,
        assets,
        taxonomies,
        drafts,
        images: HashMap::new(),
        references: None,
    };
    Loaded { site, bodies }
}

/// Keys the images read by discovery by the site path a link resolves to:
/// `content` by asset path, `static_files` by output path.
pub fn place_images(site: &mut Site, mut content: ImageHeaders, static_files: ImageHeaders) {
    for asset in &site.assets {
        if let Some(image) = content.remove(&asset.rel_path) {
            site.images.insert(asset.url.clone(), image);
        }
    }
    for (rel_path, image) in static_files {
        site.images
            .entry(format!("/{}", slash_path(&rel_path)))
            .or_insert(image);
    }
}

fn is_home(rel_path: &Path) -> bool {
    rel_path == Path::new("_index.md")
}

/// The page and its body.
fn parse_page(
    file: MarkdownFile,
    config: &Config,
    history: Option<&FileDates>,
    diagnostics: &mut Diagnostics,
) -> Option<(Page, String)> {
    let display = Path::new(CONTENT_DIR).join(&file.rel_path);
    let parts = match split(&display, &file.text) {
        Ok(parts) => parts,
        Err(d) => {
            diagnostics.push(d);
            return None;
        }
    };
    let mut meta = match parse_front_matter(&display, &parts, &config.taxonomies) {
        Ok(meta) => meta,
        Err(errors) => {
            diagnostics.extend(errors);
            return None;
        }
    };
    if let Some(history) = history {
        fill_dates(&mut meta, history);
    }
    let body_offset = parts.body_offset;
    let file_name = file
        .rel_path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let kind = if file_name == "_index.md" {
        PageKind::Section
    } else {
        PageKind::Page
    };
    if kind == PageKind::Page && meta.paginate_by.is_some() {
        let (line, col) = meta.positions.get("paginate_by").copied().unwrap_or((1, 1));
        diagnostics.push(
            Diagnostic::error(&display, "`paginate_by` applies to sections only")
                .at(line, col)
                .with_help("move it to the front matter of the section's _index.md"),
        );
    }
    let slug = page_slug(&file.rel_path, kind, &meta);
    if slug.is_empty() && !is_home(&file.rel_path) {
        diagnostics.push(
            Diagnostic::error(
                &display,
                "this page's name has no letters or digits to make a URL from",
            )
            .at(1, 1)
            .with_help("rename the file, or set `slug:` in the front matter"),
        );
        return None;
    }
    let mut header = file.text;
    let body = header.split_off(body_offset);
    header.shrink_to_fit();
    let mut page = Page::new(kind, file.rel_path, meta, header);
    page.slug = slug;
    if let Some(problem) = name_too_long("the slug", &page.slug) {
        let given = Vec::from_iter(page.meta.slug.clone());
        let (line, col) = page
            .entry_positions("slug", &given)
            .first()
            .copied()
            .unwrap_or((1, 1));
        diagnostics.push(
            Diagnostic::error(&display, problem)
                .at(line, col)
                .with_help("write a shorter `slug:`, or rename the file"),
        );
        return None;
    }
    Some((page, body))
}

/// Front matter wins: git gives `date` (the first commit) and `updated` (the
/// last) only where it says nothing. A last commit before the page's own
/// `date` (a post written ahead of its date) is no update.
fn fill_dates(meta: &mut FrontMatter, history: &FileDates) {
    if meta.date.is_none() {
        meta.date = Some(history.created.clone());
    }
    let before_date = meta.date.as_ref().is_some_and(|d| history.modified < *d);
    if meta.updated.is_none() && !before_date {
        meta.updated = Some(history.modified.clone());
    }
}

/// `slug:` if given, else the file name (the folder name for `index.md` and
/// `_index.md`), slugified.
fn page_slug(rel_path: &Path, kind: PageKind, meta: &FrontMatter) -> String {
    if let Some(slug) = &meta.slug {
        return slugify(slug);
    }
    let is_folder_file =
        kind == PageKind::Section || rel_path.file_name().is_some_and(|n| n == "index.md");
    let name = if is_folder_file {
        rel_path.parent().and_then(Path::file_name)
    } else {
        rel_path.file_stem()
    };
    name.map(|n| slugify(&n.to_string_lossy()))
        .unwrap_or_default()
}

/// Layout rules that the tree relies on: a folder page is a leaf.
fn check_layout(pages: &[Page], diagnostics: &mut Diagnostics) {
    let folder_pages: HashSet<&Path> = pages
        .iter()
        .filter(|p| p.rel_path.file_name().is_some_and(|n| n == "index.md"))
        .filter_map(|p| p.rel_path.parent())
        .collect();
    for page in pages {
        // A folder page's own index.md is the one file its folder may hold.
        let is_own_index = page.rel_path.file_name().is_some_and(|n| n == "index.md");
        let skip = if is_own_index { 2 } else { 1 };
        if let Some(folder) = enclosing_folder(&page.rel_path, skip, &folder_pages) {
            diagnostics.push(
                Diagnostic::error(page.display_path(), format!(
                    "this file is inside the folder page {}/index.md, which cannot hold other pages",
                    Path::new(CONTENT_DIR).join(folder).display()
                ))
                .with_help("move it out, or rename index.md to _index.md to make the folder a section"),
            );
        }
    }
}

/// The first of `folders` above `rel_path`, skipping its first `skip` ancestors
/// (the path itself counts as one). Linear in the path's depth.
fn enclosing_folder<'a>(
    rel_path: &Path,
    skip: usize,
    folders: &HashSet<&'a Path>,
) -> Option<&'a Path> {
    rel_path
        .ancestors()
        .skip(skip)
        .find_map(|folder| folders.get(folder).copied())
}

/// Drafts are left out, and so is everything under a draft section. Returns
/// what was left out.
fn drop_drafts(pages: &mut Vec<Page>, keep_drafts: bool) -> Vec<Draft> {
    if keep_drafts {
        return Vec::new();
    }
    let draft_folders: HashSet<PathBuf> = pages
        .iter()
        .filter(|p| p.meta.draft && p.is_section() && !is_home(&p.rel_path))
        .filter_map(|p| p.rel_path.parent().map(Path::to_path_buf))
        .collect();
    let draft_folders: HashSet<&Path> = draft_folders.iter().map(PathBuf::as_path).collect();
    let is_draft =
        |p: &Page| p.meta.draft || enclosing_folder(&p.rel_path, 1, &draft_folders).is_some();
    let drafts = pages
        .iter()
        .filter(|p| is_draft(p))
        .map(|p| Draft {
            rel_path: slash_path(&p.rel_path),
            title: p.meta.title.clone(),
            slug: p.slug.clone(),
        })
        .collect();
    pages.retain(|p| !is_draft(p));
    drafts
}

fn implicit_home(config: &Config) -> Page {
    let meta = FrontMatter {
        title: config.title.clone(),
        description: Some(config.description.clone()).filter(|d| !d.is_empty()),
        date: None,
        updated: None,
        draft: false,
        slug: None,
        weight: None,
        aliases: Vec::new(),
        template: None,
        toc: true,
        related: Vec::new(),
        paginate_by: None,
        taxonomies: Vec::new(),
        reviewed: None,
        reviewed_by: None,
        next_review: None,
        extra: serde_yaml::Value::Mapping(Default::default()),
        positions: HashMap::new(),
    };
    let mut home = Page::new(
        PageKind::Section,
        PathBuf::from("_index.md"),
        meta,
        String::new(),
    );
    home.url = "/".into();
    home
}

/// The URL of every folder under content/: a section's or folder page's folder
/// takes its slug, any other folder its slugified name.
struct FolderUrls {
    urls: HashMap<PathBuf, String>,
    /// Folder → the page or section that owns it.
    owners: HashMap<PathBuf, PageId>,
}

impl FolderUrls {
    fn new(pages: &[Page], diagnostics: &mut Diagnostics) -> FolderUrls {
        let mut owners = HashMap::new();
        for (id, page) in pages.iter().enumerate() {
            let name = page.rel_path.file_name().and_then(|n| n.to_str());
            if matches!(name, Some("_index.md" | "index.md")) {
                let folder = page
                    .rel_path
                    .parent()
                    .unwrap_or(Path::new(""))
                    .to_path_buf();
                if let Some(&other) = owners.get(&folder) {
                    let other: &Page = &pages[other];
                    diagnostics.push(
                        Diagnostic::error(page.display_path(), format!(
                            "this folder has both {} and {}",
                            other.display_path().display(),
                            page.display_path().display()
                        ))
                        .with_help("keep _index.md for a section with pages, or index.md for a single page with its files"),
                    );
                    continue;
                }
                owners.insert(folder, id);
            }
        }
        let mut folders = FolderUrls {
            urls: HashMap::from([(PathBuf::new(), "/".to_string())]),
            owners,
        };
        let mut all_folders: Vec<PathBuf> = pages
            .iter()
            .flat_map(|p| p.rel_path.ancestors().skip(1).map(Path::to_path_buf))
            .collect();
        all_folders.sort_by_key(|f| f.components().count());
        all_folders.dedup();
        for folder in all_folders {
            folders.assign(&folder, pages);
        }
        folders
    }

    fn assign(&mut self, folder: &Path, pages: &[Page]) {
        if self.urls.contains_key(folder) {
            return;
        }
        let parent = folder.parent().unwrap_or(Path::new(""));
        self.assign(parent, pages);
        let parent_url = self.urls.get(parent).cloned().unwrap_or_else(|| "/".into());
        let segment = match self.owners.get(folder) {
            Some(&owner) => pages[owner].slug.clone(),
            None => folder
                .file_name()
                .map(|n| slugify(&n.to_string_lossy()))
                .unwrap_or_default(),
        };
        let url = if segment.is_empty() {
            parent_url
        } else {
            format!("{parent_url}{segment}/")
        };
        self.urls.insert(folder.to_path_buf(), url);
    }

    fn folder_url(&self, folder: &Path) -> String {
        self.urls.get(folder).cloned().unwrap_or_else(|| "/".into())
    }

    fn page_url(&self, page: &Page) -> String {
        let folder = page.rel_path.parent().unwrap_or(Path::new(""));
        let is_folder_file = self.owners.contains_key(folder)
            && matches!(
                page.rel_path.file_name().and_then(|n| n.to_str()),
                Some("_index.md" | "index.md")
            );
        if is_folder_file {
            self.folder_url(folder)
        } else {
            format!("{}{}/", self.folder_url(folder), page.slug)
        }
    }

    /// The nearest section at or above `folder`.
    fn section_for(&self, folder: &Path, pages: &[Page]) -> Option<PageId> {
        folder
            .ancestors()
            .filter_map(|f| self.owners.get(f).copied())
            .find(|&id| pages[id].is_section())
    }
}

fn link_parents(pages: &mut [Page], folders: &FolderUrls) {
    let mut children: BTreeMap<PageId, (Vec<PageId>, Vec<PageId>)> = BTreeMap::new();
    for id in 0..pages.len() {
        let folder = pages[id].rel_path.parent().unwrap_or(Path::new(""));
        let search_from = match pages[id].kind {
            // A section's own folder is itself; its parent is above that folder.
            PageKind::Section => folder.parent(),
            // A folder page's folder belongs to it; look one level up.
            PageKind::Page
                if pages[id]
                    .rel_path
                    .file_name()
                    .is_some_and(|n| n == "index.md") =>
            {
                folder.parent()
            }
            PageKind::Page => Some(folder),
        };
        let parent = search_from.and_then(|f| folders.section_for(f, pages));
        pages[id].parent = parent;
        if let Some(parent) = parent {
            let entry = children.entry(parent).or_default();
            match pages[id].kind {
                PageKind::Page => entry.0.push(id),
                PageKind::Section => entry.1.push(id),
            }
        }
    }
    for (parent, (mut list, mut subsections)) in children {
        list.sort_by(|&a, &b| section_order(&pages[a], &pages[b]));
        subsections.sort_by(|&a, &b| section_order(&pages[a], &pages[b]));
        link_neighbours(pages, &list);
        link_neighbours(pages, &subsections);
        pages[parent].pages = list;
        pages[parent].subsections = subsections;
    }
}

fn link_neighbours(pages: &mut [Page], sorted: &[PageId]) {
    for pair in sorted.windows(2) {
        pages[pair[0]].next = Some(pair[1]);
        pages[pair[1]].prev = Some(pair[0]);
    }
}

/// Gives every asset its URL beside its page, and every folder page and section
/// the list of its own assets.
fn place_assets(pages: &mut [Page], folders: &FolderUrls, rel_paths: Vec<PathBuf>) -> Vec<Asset> {
    let mut assets = Vec::with_capacity(rel_paths.len());
    for rel_path in rel_paths {
        let folder = rel_path.parent().unwrap_or(Path::new(""));
        let file_name = rel_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let url = format!(
            "{}{}",
            folders.folder_url(folder),
            encode_segment(&file_name)
        );
        let owner = folder
            .ancestors()
            .find_map(|f| folders.owners.get(f).copied());
        if let Some(owner) = owner {
            let page = &pages[owner];
            let belongs = page.kind == PageKind::Page
                || folder == page.rel_path.parent().unwrap_or(Path::new(""));
            if belongs {
                pages[owner].assets.push(url.clone());
            }
        }
        assets.push(Asset { rel_path, url });
    }
    assets
}

/// Percent-encodes one URL path segment (spaces and other unsafe characters).
pub fn encode_segment(segment: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'/')
        .add(b'\\');
    percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string()
}
