//! Link resolution (SPEC §5): every internal link form is turned into its final
//! URL with the base_url path, and checked. The forms are relative links to
//! source files (`../types/swedish.md#steps`), content paths (`@/types/swedish.md`),
//! wiki links by title, slug or path (`[[Swedish Massage]]`, `[[swedish|label]]`),
//! site paths (`/tags/`), and links or images to assets beside the page. A missing
//! page, anchor or file, a link to a draft and an ambiguous wiki link are errors
//! at the link's file, line and column, with a suggestion when one is close.
//! External links (with a scheme, or `//host`) are left alone. This module also
//! owns backlinks. It does not parse Markdown: `markdown` hands it each link
//! through `LinkResolver`.
//!
//! Cost, linear in pages plus links: the index is one pass over pages, assets and
//! static files into hash maps keyed by content path, site path, lowercase title
//! and slug; resolving a link is a fixed number of hash lookups after normalising
//! its path (linear in the link's length). Anchors are checked once every page is
//! rendered, against one hash set of heading ids per page; backlinks are appended
//! to each target while walking every page's links in page order, so they come
//! out in path order without sorting. Only a broken link scans all candidates,
//! to suggest a near miss.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics, LineCursor, suggest};
use crate::load::config::ImageOutput;
use crate::load::images::{ImageFormat, ImageHeader};
use crate::render::markdown::{
    ImageAttrs, LinkKind, LinkRef, LinkResolver, Rendered, Resolution, Responsive,
};
use crate::site::build::encode_segment;
use crate::site::{Draft, OutputFiles, PageId, Site};
use crate::slug::slash_path;
use crate::slug::{nfc, slugify};

/// How many candidates an error lists at most when there is no close match.
const CANDIDATES_LISTED: usize = 8;

/// Everything a link can point at.
pub struct LinkIndex<'s> {
    site: &'s Site,
    /// Content path (`types/swedish.md`), in NFC → page.
    by_path: HashMap<String, PageId>,
    /// Site path (`/types/swedish/`) → page.
    by_url: HashMap<&'s str, PageId>,
    /// Lowercase title → pages, for wiki links.
    by_title: HashMap<String, Vec<PageId>>,
    by_slug: HashMap<&'s str, Vec<PageId>>,
    /// Content path of an asset (`types/diagram.svg`) → its site path.
    assets: HashMap<String, &'s str>,
    /// Everything else a link may name: assets, static files, taxonomy and
    /// term pages, generated files.
    files: &'s OutputFiles,
    /// Content path in NFC → the draft.
    draft_paths: HashMap<String, &'s Draft>,
    /// Lowercase title and slug of each draft → the draft.
    draft_names: HashMap<String, &'s Draft>,
}

/// A link from a page's Markdown to another page, and where it is written in
/// the linking page's file (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLink {
    pub target: PageId,
    pub line: usize,
    pub col: usize,
}

/// Where a resolved link goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Page(PageId),
    /// A site path that is not a page: an asset, a static file, a taxonomy page.
    File(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub destination: Destination,
    /// `?…`, kept as written.
    pub query: String,
    /// Decoded, without `#`.
    pub fragment: Option<String>,
}

/// Why a link does not resolve: the message and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub message: String,
    pub help: Option<String>,
}

impl Broken {
    fn new(message: String, help: Option<String>) -> Broken {
        Broken { message, help }
    }

    fn at(self, path: std::path::PathBuf, line: usize, col: usize) -> Diagnostic {
        let error = Diagnostic::error(path, self.message).at(line, col);
        match self.help {
            Some(help) => error.with_help(help),
            None => error,
        }
    }
}

/// How a link names its target; suggestions are written the same way.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Relative,
    Content,
    Wiki,
}

impl<'s> LinkIndex<'s> {
    pub fn new(site: &'s Site, files: &'s OutputFiles) -> LinkIndex<'s> {
        let mut index = LinkIndex {
            site,
            by_path: HashMap::with_capacity(site.pages.len()),
            by_url: HashMap::with_capacity(site.pages.len()),
            by_title: HashMap::with_capacity(site.pages.len()),
            by_slug: HashMap::with_capacity(site.pages.len()),
            assets: HashMap::with_capacity(site.assets.len()),
            files,
            draft_paths: HashMap::new(),
            draft_names: HashMap::new(),
        };
        for (id, page) in site.pages.iter().enumerate() {
            index.by_path.insert(nfc(&slash_path(&page.rel_path)), id);
            index.by_url.entry(page.url.as_str()).or_insert(id);
            index
                .by_title
                .entry(wiki_title(&page.meta.title))
                .or_default()
                .push(id);
            if !page.slug.is_empty() {
                index
                    .by_slug
                    .entry(page.slug.as_str())
                    .or_default()
                    .push(id);
            }
        }
        for asset in &site.assets {
            index
                .assets
                .insert(nfc(&slash_path(&asset.rel_path)), asset.url.as_str());
        }
        for draft in &site.drafts {
            index.draft_paths.insert(nfc(&draft.rel_path), draft);
            index.draft_names.insert(wiki_title(&draft.title), draft);
            index.draft_names.insert(draft.slug.clone(), draft);
        }
        index
    }

    /// Resolves `written` as found in page `from`. `Ok(None)`: an external link,
    /// left as written.
    pub fn resolve(
        &self,
        from: PageId,
        written: &str,
        kind: LinkKind,
    ) -> Result<Option<Target>, Broken> {
        if let LinkKind::Wiki { .. } = kind {
            return self.resolve_wiki(from, written).map(Some);
        }
        if written.is_empty() || is_external(written) {
            return Ok(None);
        }
        let (path, query, fragment) = split_link(written);
        let path = decode(path);
        let target = |destination| Target {
            destination,
            query: query.to_string(),
            fragment: fragment.clone(),
        };
        if path.is_empty() {
            return Ok(Some(target(Destination::Page(from))));
        }
        let destination = if let Some(content_path) = path.strip_prefix("@/") {
            self.content_path(content_path, from, Form::Content)?
        } else if path.starts_with('/') {
            self.site_path(&path)?
        } else {
            let folder = self.folder_of(from);
            let joined = join(&folder, &path).ok_or_else(|| {
                Broken::new(
                    format!("{written:?} goes above the content folder"),
                    Some("link to a file inside content/".into()),
                )
            })?;
            self.content_path(&joined, from, Form::Relative)?
        };
        Ok(Some(target(destination)))
    }

    /// The URL to write for a resolved link.
    pub fn url(&self, target: &Target) -> String {
        let base = &self.site.config.base_url;
        let mut url = match &target.destination {
            Destination::Page(id) => base.url(&self.site.page(*id).url),
            Destination::File(site_path) => base.url(site_path),
        };
        url.push_str(&target.query);
        if let Some(fragment) = &target.fragment {
            url.push('#');
            url.push_str(fragment);
        }
        url
    }

    fn folder_of(&self, id: PageId) -> String {
        self.site
            .page(id)
            .rel_path
            .parent()
            .map(slash_path)
            .unwrap_or_default()
    }

    fn content_path(&self, path: &str, from: PageId, form: Form) -> Result<Destination, Broken> {
        let path = nfc(path.trim_start_matches('/'));
        let path = path.as_str();
        if let Some(&id) = self.by_path.get(path) {
            return Ok(Destination::Page(id));
        }
        if let Some(&url) = self.assets.get(path) {
            return Ok(Destination::File(url.to_string()));
        }
        if let Some(draft) = self.draft_paths.get(path) {
            return Err(draft_error(draft));
        }
        let folder_page = ["_index.md", "index.md"]
            .iter()
            .map(|index| format!("{}/{index}", path.trim_end_matches('/')))
            .find(|candidate| self.by_path.contains_key(candidate));
        if let Some(page) = folder_page {
            return Err(Broken::new(
                format!("content/{path} is a folder; links name the page's file"),
                Some(format!("write {}", self.spell(&page, from, form))),
            ));
        }
        let candidates: Vec<&str> = if path.ends_with(".md") {
            self.by_path.keys().map(String::as_str).collect()
        } else {
            self.assets.keys().map(String::as_str).collect()
        };
        let what = if path.ends_with(".md") {
            "page"
        } else {
            "file"
        };
        let help = suggest(path, candidates)
            .map(|near| format!("did you mean {}?", self.spell(near, from, form)))
            .or_else(|| {
                Some(
                    "paths are relative to this file's folder; `@/` starts at content/".to_string(),
                )
            });
        Err(Broken::new(format!("no {what} at content/{path}"), help))
    }

    /// A content path written the way the author wrote the broken link.
    fn spell(&self, content_path: &str, from: PageId, form: Form) -> String {
        match form {
            Form::Relative => relative_path(&self.folder_of(from), content_path),
            Form::Content => format!("@/{content_path}"),
            Form::Wiki => format!(
                "[[{}]]",
                content_path
                    .trim_end_matches("/_index.md")
                    .trim_end_matches("/index.md")
                    .trim_end_matches(".md")
            ),
        }
    }

    /// `/types/swedish/` (or `/types/swedish`) for a page, else any other file
    /// the site will have.
    fn site_path(&self, path: &str) -> Result<Destination, Broken> {
        if let Some(&id) = self.by_url.get(path) {
            return Ok(Destination::Page(id));
        }
        if !path.ends_with('/')
            && let Some(&id) = self.by_url.get(format!("{path}/").as_str())
        {
            return Ok(Destination::Page(id));
        }
        if self.files.contains(path) {
            return Ok(Destination::File(path.to_string()));
        }
        let folder = format!("{path}/");
        if self.files.contains(&folder) {
            return Ok(Destination::File(folder));
        }
        let base_path = self.site.config.base_url.path();
        let without_base = path
            .strip_prefix(base_path.trim_end_matches('/'))
            .filter(|_| base_path != "/");
        let help = match without_base {
            Some(rest) if self.site_path(rest).is_ok() => format!(
                "site paths start at the site root and knead adds the base path {base_path}; write {rest}"
            ),
            _ => {
                let candidates = self.by_url.keys().copied().chain(self.files.iter());
                match suggest(path, candidates) {
                    Some(near) => format!("did you mean {near}?"),
                    None => "to link to a page, link to its Markdown file instead".to_string(),
                }
            }
        };
        Err(Broken::new(
            format!("no page or file at {path}"),
            Some(help),
        ))
    }

    /// `[[Title]]`, `[[slug]]`, `[[folder/page]]`, each with an optional
    /// `#anchor`. A name is matched against titles (ignoring case) and slugs;
    /// a name with `/` is a content path with or without `.md`.
    fn resolve_wiki(&self, from: PageId, written: &str) -> Result<Target, Broken> {
        let (name, fragment) = match written.split_once('#') {
            Some((name, fragment)) => (name.trim(), Some(decode(fragment))),
            None => (written.trim(), None),
        };
        let target = |id| Target {
            destination: Destination::Page(id),
            query: String::new(),
            fragment: fragment.clone(),
        };
        if name.is_empty() {
            return match &fragment {
                Some(anchor) if !anchor.is_empty() => Ok(target(from)),
                _ => Err(Broken::new(
                    "this wiki link names no page".into(),
                    Some("write a page's title, slug or path, such as [[Swedish Massage]], or [[#anchor]] for a heading of this page".into()),
                )),
            };
        }
        if name.contains('/') {
            return self.wiki_path(name, from).map(target);
        }
        let mut candidates = self.wiki_candidates(name);
        if let Some(stem) = name.strip_suffix(".md").filter(|_| candidates.is_empty()) {
            // `[[t.md]]` names the file t.md, which `[[t]]` finds by its slug.
            candidates = self.wiki_candidates(stem);
        }
        match candidates[..] {
            [id] => Ok(target(id)),
            [] => Err(self.wiki_miss(name)),
            _ => Err(self.ambiguous(name, &candidates, from)),
        }
    }

    /// The pages whose title or slug is `name`, each once.
    fn wiki_candidates(&self, name: &str) -> Vec<PageId> {
        let mut candidates: Vec<PageId> = self
            .by_title
            .get(&wiki_title(name))
            .into_iter()
            .chain(self.by_slug.get(slugify(name).as_str()))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }

    fn wiki_path(&self, name: &str, from: PageId) -> Result<PageId, Broken> {
        let path = nfc(name.trim_start_matches("@/").trim_start_matches('/'));
        let tries = if path.ends_with(".md") {
            vec![path.to_string()]
        } else {
            let folder = path.trim_end_matches('/');
            vec![
                format!("{folder}.md"),
                format!("{folder}/index.md"),
                format!("{folder}/_index.md"),
            ]
        };
        if let Some(&id) = tries.iter().find_map(|p| self.by_path.get(p)) {
            return Ok(id);
        }
        if let Some(draft) = tries.iter().find_map(|p| self.draft_paths.get(p)) {
            return Err(draft_error(draft));
        }
        let help = suggest(&tries[0], self.by_path.keys().map(String::as_str))
            .map(|near| format!("did you mean {}?", self.spell(near, from, Form::Wiki)));
        Err(Broken::new(
            format!("no page at content/{}", tries[0]),
            help.or_else(|| Some("a wiki-link path starts at content/".into())),
        ))
    }

    fn wiki_miss(&self, name: &str) -> Broken {
        if let Some(draft) = self
            .draft_names
            .get(&wiki_title(name))
            .or_else(|| self.draft_names.get(&slugify(name)))
        {
            return draft_error(draft);
        }
        let titles = self.site.pages.iter().map(|p| p.meta.title.as_str());
        let help = match suggest(name, titles) {
            Some(near) => format!("did you mean [[{near}]]?"),
            None => {
                "a wiki link names a page's title, its slug or its path under content/".to_string()
            }
        };
        Broken::new(
            format!("no page has the title or slug {name:?}"),
            Some(help),
        )
    }

    fn ambiguous(&self, name: &str, candidates: &[PageId], from: PageId) -> Broken {
        let listed: Vec<String> = candidates
            .iter()
            .map(|&id| {
                let page = self.site.page(id);
                format!("{} ({:?})", page.display_path().display(), page.meta.title)
            })
            .collect();
        let example = self.spell(
            &slash_path(&self.site.page(candidates[0]).rel_path),
            from,
            Form::Wiki,
        );
        Broken::new(
            format!(
                "[[{name}]] matches {} pages: {}",
                candidates.len(),
                listed.join(", ")
            ),
            Some(format!("name one by its path, for example {example}")),
        )
    }
}

fn draft_error(draft: &Draft) -> Broken {
    Broken::new(
        format!(
            "links to content/{}, which is a draft and is left out of the site",
            draft.rel_path
        ),
        Some("publish it (remove `draft: true`), remove the link, or build with --drafts".into()),
    )
}

/// Titles match ignoring case, runs of spaces and Unicode normalisation.
pub(crate) fn wiki_title(title: &str) -> String {
    nfc(title)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// `https:`, `mailto:`, `//host`: not ours to check.
fn is_external(link: &str) -> bool {
    if link.starts_with("//") {
        return true;
    }
    let scheme = link.split_once(':').map(|(scheme, _)| scheme);
    scheme.is_some_and(|s| {
        let mut chars = s.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// `a.md?x=1#steps` → (`a.md`, `?x=1`, `Some("steps")`).
fn split_link(link: &str) -> (&str, &str, Option<String>) {
    let (rest, fragment) = match link.split_once('#') {
        Some((rest, fragment)) => (rest, Some(decode(fragment))),
        None => (link, None),
    };
    let (path, query) = rest.split_at(rest.find('?').unwrap_or(rest.len()));
    (path, query, fragment)
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Joins a relative link to the folder it was written in; `None` if it climbs
/// above content/.
fn join(folder: &str, link: &str) -> Option<String> {
    let mut parts: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
    for segment in link.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(segment),
        }
    }
    let mut joined = parts.join("/");
    if link.ends_with('/') {
        joined.push('/');
    }
    Some(joined)
}

/// The relative link from files in `folder` to `content_path`.
fn relative_path(folder: &str, content_path: &str) -> String {
    let from: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = content_path.split('/').collect();
    let common = from
        .iter()
        .zip(&to)
        .take_while(|(a, b)| a == b)
        .count()
        .min(to.len().saturating_sub(1));
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

/// A heading id a link expects to find on a page, checked once all pages are rendered.
#[derive(Debug, Clone)]
pub struct AnchorCheck {
    pub target: PageId,
    pub anchor: String,
    /// Where the link is, for the error.
    pub path: std::path::PathBuf,
    pub line: usize,
    pub col: usize,
}

/// A resized copy of an image that a page shows, for the image stage to make.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ImageVariant {
    /// The source image, relative to the site root.
    pub source: PathBuf,
    /// Where the copy goes, relative to the output folder.
    pub output: PathBuf,
    pub width: u32,
    pub height: u32,
    pub format: ImageOutput,
    /// JPEG and WebP quality (100: lossless WebP).
    pub quality: u8,
    /// The part of the (upright) source to resize; `None`: all of it.
    pub crop: Option<Crop>,
}

/// A rectangle of an image, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Crop {
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

/// A link or image to another site (`http:`, `https:` or `//host`), as
/// written, and where in the page's file: what `knead check --external`
/// requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLink {
    pub url: String,
    pub line: usize,
    pub col: usize,
}

/// Whether a link leads to a web page of another site, which only a request
/// can check (unlike `mailto:` or `tel:`).
fn is_web_link(link: &str) -> bool {
    let scheme = link.split_once(':').map(|(scheme, _)| scheme);
    link.starts_with("//")
        || scheme.is_some_and(|s| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"))
}

/// What one page's links led to.
#[derive(Debug, Default)]
pub struct PageLinksFound {
    /// The resized copies its responsive images need.
    pub image_variants: Vec<ImageVariant>,
    /// Other pages linked to, in link order (repeats possible).
    pub links: Vec<PageLink>,
    pub anchors: Vec<AnchorCheck>,
    /// Links and images to other sites, in link order (repeats possible).
    pub external: Vec<ExternalLink>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The `LinkResolver` for one page's Markdown.
pub struct PageLinks<'a> {
    index: &'a LinkIndex<'a>,
    from: PageId,
    /// Over the page's body, for the positions of its links.
    lines: LineCursor<'a>,
    pub found: PageLinksFound,
}

impl<'a> PageLinks<'a> {
    pub fn new(index: &'a LinkIndex<'a>, from: PageId, body: &'a str) -> PageLinks<'a> {
        PageLinks {
            index,
            from,
            lines: LineCursor::new(body),
            found: PageLinksFound::default(),
        }
    }

    /// What `<img>` says of the image at `site_path`; an image whose header
    /// cannot be read is an error at the image.
    fn image_attrs(&mut self, site_path: &str, line: usize, col: usize) -> Option<ImageAttrs> {
        let image = self.index.site.images.get(site_path)?;
        match &image.header {
            Ok(header) => {
                let responsive = self.responsive(site_path, &image.source, header);
                Some(ImageAttrs {
                    size: responsive
                        .as_ref()
                        .map_or(header.size, |(_, size)| Some(*size)),
                    responsive: responsive.map(|(r, _)| r),
                })
            }
            Err(reason) => {
                let page = self.index.site.page(self.from);
                let message = format!("cannot read the image {}: {reason}", image.source.display());
                let help = "replace the file with a PNG, JPEG, WebP, GIF or SVG image that opens";
                let error = Diagnostic::error(page.display_path(), message).at(line, col);
                self.found.diagnostics.push(error.with_help(help));
                None
            }
        }
    }

    /// With `images:` in site.yaml, a JPEG, PNG or WebP image gets copies at
    /// the configured widths below its own (and at its own width when that is
    /// below the largest configured, so every copy is oriented and stripped),
    /// named `photo-960w.jpg` beside it. Returns the attributes and the size
    /// of the largest copy, which becomes `src`.
    fn responsive(
        &mut self,
        site_path: &str,
        source: &Path,
        header: &ImageHeader,
    ) -> Option<(Responsive, (u32, u32))> {
        let config = self.index.site.config.images.as_ref()?;
        let (width, height) = header.size?;
        let format = match (config.format, header.format) {
            (ImageOutput::Original, ImageFormat::Jpeg) => ImageOutput::Jpeg,
            (ImageOutput::Original, ImageFormat::Png) => ImageOutput::Png,
            (ImageOutput::Original, ImageFormat::Webp) => ImageOutput::Webp,
            (_, ImageFormat::Svg | ImageFormat::Other) => return None,
            (chosen, _) => chosen,
        };
        let mut widths: Vec<u32> = config
            .widths
            .iter()
            .copied()
            .filter(|&w| w < width)
            .collect();
        if config.widths.iter().any(|&w| w >= width) {
            widths.push(width);
        }
        let (folder, file) = site_path.rsplit_once('/')?;
        let file = decode(file);
        let stem = Path::new(&file).file_stem()?.to_string_lossy().into_owned();
        let extension = match format {
            ImageOutput::Jpeg | ImageOutput::Original => "jpg",
            ImageOutput::Png => "png",
            ImageOutput::Webp => "webp",
        };
        let base = &self.index.site.config.base_url;
        let mut srcset = Vec::with_capacity(widths.len());
        let mut largest = (String::new(), (width, height));
        for w in widths {
            let h = ((u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width))
                .max(1) as u32;
            let name = format!("{stem}-{w}w.{extension}");
            let variant_path = format!("{folder}/{}", encode_segment(&name));
            let url = base.url(&variant_path);
            srcset.push(format!("{url} {w}w"));
            self.found.image_variants.push(ImageVariant {
                source: source.to_path_buf(),
                output: PathBuf::from(decode(variant_path.trim_start_matches('/'))),
                width: w,
                height: h,
                format,
                quality: config.quality,
                crop: None,
            });
            largest = (url, (w, h));
        }
        let (src, size) = largest;
        let responsive = Responsive {
            src,
            srcset: srcset.join(", "),
            sizes: config.sizes.clone(),
        };
        Some((responsive, size))
    }

    /// Where the link at `offset` in the body is in the page's file.
    fn position(&mut self, offset: usize) -> (usize, usize) {
        let (line, col) = self.lines.line_col(offset);
        self.index.site.page(self.from).file_position(line, col)
    }
}

impl LinkResolver for PageLinks<'_> {
    fn resolve(&mut self, link: &LinkRef<'_>) -> Option<Resolution> {
        let page = self.index.site.page(self.from);
        let (line, col) = self.position(link.offset);
        let target = match self.index.resolve(self.from, link.dest, link.kind) {
            Ok(Some(target)) => target,
            Ok(None) => {
                if is_web_link(link.dest) {
                    self.found.external.push(ExternalLink {
                        url: link.dest.to_string(),
                        line,
                        col,
                    });
                }
                return None;
            }
            Err(broken) => {
                let error = broken.at(page.display_path(), line, col);
                self.found.diagnostics.push(error);
                return None;
            }
        };
        let Destination::Page(id) = &target.destination else {
            let image = match (&target.destination, link.kind) {
                (Destination::File(site_path), LinkKind::Image) => {
                    self.image_attrs(site_path, line, col)
                }
                _ => None,
            };
            return Some(Resolution {
                url: self.index.url(&target),
                label: None,
                image,
            });
        };
        let id = *id;
        if id != self.from {
            self.found.links.push(PageLink {
                target: id,
                line,
                col,
            });
        }
        if let Some(anchor) = &target.fragment {
            self.found.anchors.push(AnchorCheck {
                target: id,
                anchor: anchor.clone(),
                path: page.display_path(),
                line,
                col,
            });
        }
        // A same-page `#anchor` stays relative so it works wherever the page is.
        let url = if link.dest.starts_with('#') {
            link.dest.to_string()
        } else {
            self.index.url(&target)
        };
        let label = match link.kind {
            LinkKind::Wiki { labelled: false } if id == self.from => target.fragment.clone(),
            LinkKind::Wiki { labelled: false } => Some(self.index.site.page(id).meta.title.clone()),
            _ => None,
        };
        Some(Resolution {
            url,
            label,
            image: None,
        })
    }
}

/// Checks every expected heading id against the rendered pages.
pub fn check_anchors<'c>(
    site: &Site,
    rendered: &[Rendered],
    checks: impl IntoIterator<Item = &'c AnchorCheck>,
    diagnostics: &mut Diagnostics,
) {
    let mut ids: HashMap<PageId, HashSet<&str>> = HashMap::new();
    for check in checks {
        let target_ids = ids.entry(check.target).or_insert_with(|| {
            let anchors = &rendered[check.target].anchors;
            anchors.iter().map(String::as_str).collect()
        });
        if target_ids.contains(check.anchor.as_str()) {
            continue;
        }
        let page = site.page(check.target);
        let anchors = &rendered[check.target].anchors;
        let help = match suggest(&check.anchor, anchors.iter().map(String::as_str)) {
            Some(near) => format!("did you mean #{near}?"),
            None if anchors.is_empty() => "that page has no headings".to_string(),
            None => {
                let listed: Vec<&str> = anchors
                    .iter()
                    .take(CANDIDATES_LISTED)
                    .map(String::as_str)
                    .collect();
                format!("its heading ids are: {}", listed.join(", "))
            }
        };
        diagnostics.push(
            Diagnostic::error(
                &check.path,
                format!(
                    "{} has no heading with the id {:?}",
                    page.display_path().display(),
                    check.anchor
                ),
            )
            .at(check.line, check.col)
            .with_help(help),
        );
    }
}

/// Every page's backlinks: the pages that link to it (`links` turned
/// around), each once, in path order.
pub fn backlinks(links: &[Vec<PageLink>]) -> Vec<Vec<PageId>> {
    let mut backlinks: Vec<Vec<PageId>> = vec![Vec::new(); links.len()];
    for (from, page_links) in links.iter().enumerate() {
        for link in page_links {
            let list = &mut backlinks[link.target];
            if list.last() != Some(&from) {
                list.push(from);
            }
        }
    }
    backlinks
}

/// Resolves each page's `related:` entries (any link form, wiki links as
/// `"[[Title]]"`). Errors point at the entry in the front matter.
pub fn explicit_related(
    index: &LinkIndex<'_>,
    anchors: &mut Vec<AnchorCheck>,
    diagnostics: &mut Diagnostics,
) -> Vec<Vec<PageId>> {
    let site = index.site;
    site.pages
        .iter()
        .enumerate()
        .map(|(id, page)| {
            let mut related = Vec::with_capacity(page.meta.related.len());
            let positions = page.entry_positions("related", &page.meta.related);
            for (entry, &(line, col)) in page.meta.related.iter().zip(&positions) {
                let (written, kind) = match entry
                    .trim()
                    .strip_prefix("[[")
                    .and_then(|e| e.strip_suffix("]]"))
                {
                    Some(inner) => (
                        inner.split('|').next().unwrap_or(inner),
                        LinkKind::Wiki { labelled: false },
                    ),
                    None => (entry.trim(), LinkKind::Link),
                };
                let resolved = index
                    .resolve(id, written, kind)
                    .and_then(|target| match target {
                        Some(Target {
                            destination: Destination::Page(page),
                            fragment,
                            ..
                        }) => Ok((page, fragment)),
                        _ => Err(Broken::new(
                            format!("related entry {entry:?} is not a page of this site"),
                            Some(
                                "list pages: \"[[Title]]\", ../folder/page.md or @/folder/page.md"
                                    .into(),
                            ),
                        )),
                    });
                match resolved {
                    Ok((target, fragment)) => {
                        if let Some(anchor) = fragment {
                            anchors.push(AnchorCheck {
                                target,
                                anchor,
                                path: page.display_path(),
                                line,
                                col,
                            });
                        }
                        if target != id && !related.contains(&target) {
                            related.push(target);
                        }
                    }
                    Err(broken) => diagnostics.push(broken.at(page.display_path(), line, col)),
                }
            }
            related
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_resolves_dots_and_refuses_to_climb_out() {
        assert_eq!(
            join("types", "../guides/a.md").as_deref(),
            Some("guides/a.md")
        );
        assert_eq!(join("types", "./a.md").as_deref(), Some("types/a.md"));
        assert_eq!(join("", "a/b/../c.md").as_deref(), Some("a/c.md"));
        assert_eq!(join("types", "../../a.md"), None);
    }

    #[test]
    fn relative_path_climbs_to_the_common_folder() {
        assert_eq!(relative_path("types", "guides/a.md"), "../guides/a.md");
        assert_eq!(relative_path("types", "types/a.md"), "a.md");
        assert_eq!(relative_path("", "types/a.md"), "types/a.md");
        assert_eq!(relative_path("a/b", "a/c/d.md"), "../c/d.md");
    }

    #[test]
    fn web_links_are_the_external_links_a_request_can_check() {
        for link in ["https://a.org/x", "HTTP://a.org", "//cdn.org/x.js"] {
            assert!(is_web_link(link), "{link}");
        }
        for link in ["mailto:a@b.org", "tel:+123", "ftp://a.org", "a.md", "/x/"] {
            assert!(!is_web_link(link), "{link}");
        }
    }

    #[test]
    fn external_links_are_recognised() {
        for link in ["https://x.org", "mailto:a@b.c", "//cdn.org/x", "tel:+1"] {
            assert!(is_external(link), "{link}");
        }
        for link in ["a.md", "../a.md", "@/a.md", "/a/", "#x", "1x:y.md"] {
            assert!(!is_external(link), "{link}");
        }
    }

    #[test]
    fn split_link_separates_query_and_decoded_fragment() {
        assert_eq!(
            split_link("a.md?x=1#st%C3%A9ps"),
            ("a.md", "?x=1", Some("stéps".to_string()))
        );
        assert_eq!(split_link("a.md"), ("a.md", "", None));
    }

    #[test]
    fn wiki_titles_ignore_case_and_spacing() {
        assert_eq!(wiki_title("  Palm   Circling "), "palm circling");
    }
}
