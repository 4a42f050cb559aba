//! Markdown to HTML with pulldown-cmark. Owns the parser options (one function),
//! heading ids and anchors, the table of contents and the word count. It returns
//! a plain `Rendered` value (HTML, plain text, the steps of a how-to, images
//! without alt text) so later stages never re-parse HTML. It does not know
//! other pages: every link and image destination is handed to a `LinkResolver`,
//! which says what to write instead.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;

use super::call_error::CallError;
use super::citations::{self, PageCitations, Reference};
use super::components::{self, Components};
use super::directives::{self, OffsetMap};
pub use super::escape::escape_html;
use super::reading::{self, Reading};
pub use super::resolve::{ImageAttrs, LinkKind, LinkRef, LinkResolver, Resolution, Responsive};
use crate::diagnostic::{Diagnostic, LineCursor};
use crate::load::config::MarkdownConfig;
use crate::load::references::References;
use crate::render::highlight::{self, CodeInfo};
use crate::slug::slugify;

/// What rendering a body produced.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// Moved into the template context by `Rendering::take_html` before templates
    /// render; read it from there (`page.content`) after that.
    pub html: String,
    pub toc: Vec<TocItem>,
    /// Whitespace-separated words of the rendered text.
    pub word_count: usize,
    /// The rendered text without markup (for the search index): one line per
    /// block (paragraph, heading, list item, table cell…), words separated by
    /// single spaces.
    pub text: String,
    /// Where each heading's line starts in `text`, in document order (the
    /// order of `anchors`).
    pub heading_offsets: Vec<usize>,
    /// The items of the first numbered list under a heading "Steps", as plain
    /// text: what a how-to page asks the reader to do, in order.
    pub steps: Vec<String>,
    /// Every heading id on the page, in document order.
    pub anchors: Vec<String>,
    /// Where images without alt text start, as 1-based (line, column) in the
    /// body (line 1 is the first line after the front matter); see `MissingAlt`.
    pub images_without_alt: Vec<(usize, usize)>,
    /// The prose's reading level (see `reading`).
    pub reading: Reading,
    /// Mistakes in component calls, at body positions like
    /// `images_without_alt`, with no path: the caller knows the file.
    pub component_errors: Vec<Diagnostic>,
    /// Fenced code blocks whose language knead has no grammar for.
    pub unknown_languages: Vec<UnknownLanguage>,
    /// The page's reference list (see `citations`).
    pub references: Vec<Reference>,
    /// Every key the page's citations name, known or not, in order.
    pub cited_keys: Vec<String>,
}

/// A fenced block left plain because its language is unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLanguage {
    /// Where the block's fence starts, 1-based in the body.
    pub line: usize,
    pub col: usize,
    pub lang: String,
    /// The nearest language knead knows.
    pub nearest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocItem {
    pub level: u8,
    pub id: String,
    /// Plain text, without markup.
    pub title: String,
    pub children: Vec<TocItem>,
}

/// One Markdown image as it will be written, in document order.
#[derive(Debug, Default)]
struct ImageOut {
    url: String,
    attrs: ImageAttrs,
    /// The title rendered as Markdown, for a figure's caption.
    caption: String,
}

/// The one place parser options are decided (SPEC §3: these extensions are always
/// on; wiki links are SPEC §5's `[[Title]]` form).
pub fn parser_options(config: &MarkdownConfig) -> Options {
    let mut options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
        | Options::ENABLE_WIKILINKS
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_SUPERSCRIPT
        | Options::ENABLE_SUBSCRIPT;
    if config.smart_punctuation {
        options |= Options::ENABLE_SMART_PUNCTUATION;
    }
    options
}

pub fn render_markdown(
    body: &str,
    config: &MarkdownConfig,
    links: &mut dyn LinkResolver,
) -> Rendered {
    render_with_components(body, config, links, &Components::default(), None)
}

/// `render_markdown` for a body that may call components (see `directives`)
/// and cite `references`.
pub fn render_with_components(
    body: &str,
    config: &MarkdownConfig,
    links: &mut dyn LinkResolver,
    components: &Components,
    references: Option<&References>,
) -> Rendered {
    let prepared = directives::prepare(
        body,
        parser_options(config),
        &|name| components.is_block(name),
        references.is_some(),
    );
    let mut call_errors = prepared.errors.clone();
    let cited = match references {
        Some(references) if !prepared.cites.is_empty() => {
            citations::render(&prepared.cites, references, &mut call_errors)
        }
        _ => PageCitations::default(),
    };
    let mut headings = HeadingIds::default();
    let mut text = PlainText::default();
    let mut steps = StepsList::default();
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut flat_toc = Vec::new();
    let mut missing_alt = MissingAlt::default();
    let mut heading_offsets = Vec::new();
    let Resolved {
        events: resolved,
        images,
        code_blocks,
    } = resolve_links(
        &prepared.text,
        Some(&prepared.map),
        config,
        links,
        &mut missing_alt,
        None,
    );
    let resolved = write_citations(resolved, &cited.html);
    let mut parser = resolved.into_iter();
    while let Some(event) = parser.next() {
        text.observe(&event);
        steps.observe(&event);
        let Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) = event
        else {
            events.push(prefix_footnote(event));
            continue;
        };
        let inner = take_heading_events(&mut parser);
        text.end_block();
        heading_offsets.push(text.next_block_offset());
        inner.iter().for_each(|e| text.observe(e));
        let title = plain_text(&inner);
        steps.heading(&title);
        let id = headings.assign(id.as_deref(), &title);
        let anchor = config.heading_anchors.then(|| anchor_html(&id, &title));
        flat_toc.push((level as u8, id.clone(), title));
        events.push(Event::Start(Tag::Heading {
            level,
            id: Some(CowStr::from(id.clone())),
            classes,
            attrs,
        }));
        events.extend(inner);
        if let Some(anchor) = anchor {
            events.push(Event::InlineHtml(CowStr::from(anchor)));
        }
        events.push(Event::End(TagEnd::Heading(level)));
        text.end_block();
    }
    let events = components::expand(events, &prepared, components, links, &mut call_errors);
    let mut html_out = String::with_capacity(body.len() * 3 / 2);
    let events = write_images(events, images, true);
    let (events, unknown) = write_code(events, &code_blocks);
    html::push_html(&mut html_out, events.into_iter());
    let mut lines = LineCursor::new(body);
    let unknown_languages = unknown
        .into_iter()
        .map(|(offset, lang, nearest)| {
            let (line, col) = lines.line_col(offset);
            UnknownLanguage {
                line,
                col,
                lang,
                nearest,
            }
        })
        .collect();
    Rendered {
        unknown_languages,
        html: html_out,
        anchors: flat_toc.iter().map(|(_, id, _)| id.clone()).collect(),
        toc: build_toc(flat_toc),
        word_count: text.word_count(),
        text: text.text,
        heading_offsets,
        steps: steps.items,
        images_without_alt: missing_alt.positions(body),
        reading: reading::measure(&prepared.text, parser_options(config), &prepared.map, body),
        component_errors: call_errors_at(body, call_errors),
        references: cited.references,
        cited_keys: prepared
            .cites
            .iter()
            .flat_map(|cite| cite.items.iter().map(|item| item.key.clone()))
            .collect(),
    }
}

/// Replaces each citation's marker with the citation as the style writes it.
/// A superscript citation takes the place of the space before it, as in
/// print (`a little¹`, not `a little ¹`).
fn write_citations<'a>(events: Vec<Event<'a>>, html: &[String]) -> Vec<Event<'a>> {
    if html.is_empty() {
        return events;
    }
    let mut out: Vec<Event<'a>> = Vec::with_capacity(events.len());
    for event in events {
        let marker = match &event {
            Event::InlineHtml(tag) => directives::cite_marker(tag),
            _ => None,
        };
        match marker {
            None => out.push(event),
            Some(None) => {}
            Some(Some(n)) => {
                let citation = html.get(n).cloned().unwrap_or_default();
                if citations::is_superscript(&citation) {
                    trim_space_before(&mut out);
                }
                out.push(Event::InlineHtml(CowStr::from(citation)));
            }
        }
    }
    out
}

/// Removes the line break or spaces that end `events`.
fn trim_space_before(events: &mut Vec<Event<'_>>) {
    if matches!(events.last(), Some(Event::SoftBreak)) {
        events.pop();
    }
    if let Some(Event::Text(text)) = events.last_mut() {
        let trimmed = text.trim_end();
        if trimmed.len() != text.len() {
            *text = CowStr::from(trimmed.to_string());
        }
    }
}

/// Call errors at body lines and columns, in body order.
fn call_errors_at(body: &str, mut errors: Vec<CallError>) -> Vec<Diagnostic> {
    errors.sort_by_key(|e| e.offset);
    let mut lines = LineCursor::new(body);
    errors
        .into_iter()
        .map(|error| {
            let (line, col) = lines.line_col(error.offset);
            let diagnostic = Diagnostic::error("", error.message).at(line, col);
            match error.help {
                Some(help) => diagnostic.with_help(help),
                None => diagnostic,
            }
        })
        .collect()
}

/// Footnote labels become `fn-` ids: the renderer uses a label as the id of
/// its definition, and a bare `[^1]` would give the id `1`, which a heading
/// `## 1` has too.
fn prefix_footnote(event: Event<'_>) -> Event<'_> {
    match event {
        Event::FootnoteReference(label) => {
            Event::FootnoteReference(CowStr::from(format!("fn-{label}")))
        }
        Event::Start(Tag::FootnoteDefinition(label)) => {
            Event::Start(Tag::FootnoteDefinition(CowStr::from(format!("fn-{label}"))))
        }
        other => other,
    }
}

/// A body parsed with its links resolved.
struct Resolved<'a> {
    events: Vec<Event<'a>>,
    /// What each image will be, in document order.
    images: Vec<ImageOut>,
    /// Where each fenced code block starts, in document order.
    code_blocks: Vec<usize>,
}

/// Parses `body`, replacing every link and image destination with the
/// resolver's answer. Runs before headings are read so that links inside
/// headings are resolved too and the table of contents shows their final text.
/// Images without alt text are noted on the way, while positions are known.
/// `pinned` puts every link at one offset: a caption's links are reported
/// where its image is.
fn resolve_links<'a>(
    text: &'a str,
    map: Option<&OffsetMap>,
    config: &MarkdownConfig,
    links: &mut dyn LinkResolver,
    missing_alt: &mut MissingAlt,
    pinned: Option<usize>,
) -> Resolved<'a> {
    let mut events = Vec::new();
    let mut images = Vec::new();
    let mut code_blocks = Vec::new();
    // Inside a wiki link whose text is being replaced by the target's title.
    let mut replacing_label = false;
    for (event, range) in Parser::new_ext(text, parser_options(config)).into_offset_iter() {
        // Positions in the body as written, not in the text with calls rewritten.
        let range = match (pinned, map) {
            (Some(at), _) => at..at,
            (None, Some(map)) => map.original(range.start)..map.original(range.end),
            (None, None) => range,
        };
        missing_alt.observe(&event, &range);
        if let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) = event {
            code_blocks.push(range.start);
        }
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) if link_type != LinkType::Email => {
                let kind = match link_type {
                    LinkType::WikiLink { has_pothole } => LinkKind::Wiki {
                        labelled: has_pothole,
                    },
                    _ => LinkKind::Link,
                };
                let link = LinkRef {
                    dest: &dest_url,
                    offset: range.start,
                    kind,
                };
                let (dest_url, label) = match links.resolve(&link) {
                    Some(found) => (CowStr::from(found.url), found.label),
                    None => (dest_url, None),
                };
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
                if let Some(label) = label {
                    events.push(Event::Text(CowStr::from(label)));
                    replacing_label = true;
                }
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let link = LinkRef {
                    dest: &dest_url,
                    offset: range.start,
                    kind: LinkKind::Image,
                };
                let (dest_url, attrs) = match links.resolve(&link) {
                    Some(found) => (CowStr::from(found.url), found.image.unwrap_or_default()),
                    None => (dest_url, ImageAttrs::default()),
                };
                let caption = if title.trim().is_empty() {
                    String::new()
                } else {
                    render_caption(&title, range.start, config, links)
                };
                images.push(ImageOut {
                    url: dest_url.to_string(),
                    attrs,
                    caption,
                });
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Link) if replacing_label => {
                replacing_label = false;
                events.push(event);
            }
            _ if replacing_label => {}
            _ => events.push(event),
        }
    }
    Resolved {
        events,
        images,
        code_blocks,
    }
}

/// An image title as inline Markdown, its links resolved and reported at
/// the image.
fn render_caption(
    title: &str,
    offset: usize,
    config: &MarkdownConfig,
    links: &mut dyn LinkResolver,
) -> String {
    let mut ignored = MissingAlt::default();
    let Resolved { events, images, .. } =
        resolve_links(title, None, config, links, &mut ignored, Some(offset));
    let inline = events.into_iter().filter(|e| {
        !matches!(
            e,
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph)
        )
    });
    let mut html_out = String::new();
    html::push_html(
        &mut html_out,
        write_images(inline.collect(), images, false).into_iter(),
    );
    html_out
}

/// Writes each image as HTML: its size, lazy loading for all but the
/// page's first (often its largest paint), and an image with a title alone
/// in its paragraph as a figure captioned by the title. Inside a sentence a
/// `<figure>` would not be valid HTML, so the title stays a title there.
fn write_images<'a>(events: Vec<Event<'a>>, images: Vec<ImageOut>, page: bool) -> Vec<Event<'a>> {
    // Most pages have no image: no second pass over their events.
    if images.is_empty() {
        return events;
    }
    let mut out = Vec::with_capacity(events.len());
    let mut images = images.into_iter();
    let mut eager = page;
    let mut events = events.into_iter().peekable();
    while let Some(event) = events.next() {
        let Event::Start(Tag::Image { title, .. }) = event else {
            out.push(event);
            continue;
        };
        let image = images.next().unwrap_or_default();
        let alt = take_alt_text(&mut events, &mut images);
        let alone = matches!(out.last(), Some(Event::Start(Tag::Paragraph)))
            && matches!(events.peek(), Some(Event::End(TagEnd::Paragraph)));
        let figure = alone && !image.caption.is_empty();
        let title = if figure { "" } else { title.as_ref() };
        let tag = img_tag(&image, &alt, title, !eager);
        eager = false;
        if figure {
            out.pop();
            events.next();
            out.push(Event::Html(CowStr::from(format!(
                "<figure>{tag}<figcaption>{}</figcaption></figure>\n",
                image.caption.trim_end()
            ))));
        } else {
            out.push(Event::InlineHtml(CowStr::from(tag)));
        }
    }
    out
}

/// Writes each fenced block that names a language or options: highlighted
/// when knead has a grammar for the language, else plain. Returns the events
/// and, per unknown language, where its block starts (`offsets` are the
/// fenced blocks' starts in order), the language and the nearest known one.
#[allow(clippy::type_complexity)]
fn write_code<'a>(
    events: Vec<Event<'a>>,
    offsets: &[usize],
) -> (Vec<Event<'a>>, Vec<(usize, String, Option<String>)>) {
    let mut unknown = Vec::new();
    if offsets.is_empty() {
        return (events, unknown);
    }
    let mut out = Vec::with_capacity(events.len());
    let mut offsets = offsets.iter();
    let mut events = events.into_iter();
    while let Some(event) = events.next() {
        let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) = event else {
            out.push(event);
            continue;
        };
        let offset = offsets.next().copied().unwrap_or(0);
        if info.trim().is_empty() {
            out.push(Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))));
            continue;
        }
        let mut code = String::new();
        for event in events.by_ref() {
            match event {
                Event::Text(text) => code.push_str(&text),
                Event::End(TagEnd::CodeBlock) => break,
                _ => {}
            }
        }
        let info = CodeInfo::parse(&info);
        let syntax = match highlight::grammar(&info.lang) {
            Ok(syntax) => syntax,
            Err(nearest) => {
                unknown.push((offset, info.lang.clone(), nearest));
                None
            }
        };
        let mut pre = String::from("<pre class=\"code");
        if info.line_numbers {
            pre.push_str(" linenos");
        }
        pre.push_str("\"><code");
        if !info.lang.is_empty() {
            pre.push_str(&format!(" class=\"language-{}\"", escape_html(&info.lang)));
        }
        pre.push('>');
        pre.push_str(&highlight::code_html(&code, syntax, &info));
        pre.push_str("</code></pre>\n");
        out.push(Event::Html(CowStr::from(pre)));
    }
    (out, unknown)
}

/// The alt text of the image just started, up to (and consuming) its end.
/// Images inside it count as their alt text, as CommonMark says.
fn take_alt_text<'a>(
    events: &mut impl Iterator<Item = Event<'a>>,
    images: &mut impl Iterator<Item = ImageOut>,
) -> String {
    let mut alt = String::new();
    let mut depth = 1;
    for event in events {
        match event {
            Event::Start(Tag::Image { .. }) => {
                images.next();
                depth += 1;
            }
            Event::End(TagEnd::Image) => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) | Event::Html(t) => {
                alt.push_str(&t);
            }
            Event::SoftBreak | Event::HardBreak => alt.push(' '),
            _ => {}
        }
    }
    alt
}

fn img_tag(image: &ImageOut, alt: &str, title: &str, lazy: bool) -> String {
    let responsive = image.attrs.responsive.as_ref();
    let mut src = String::new();
    let url = responsive.map_or(image.url.as_str(), |r| r.src.as_str());
    pulldown_cmark_escape::escape_href(&mut src, url).ok();
    let mut tag = format!("<img src=\"{src}\"");
    if let Some(responsive) = responsive {
        tag.push_str(&format!(
            " srcset=\"{}\" sizes=\"{}\"",
            escape_html(&responsive.srcset),
            escape_html(&responsive.sizes)
        ));
    }
    tag.push_str(&format!(" alt=\"{}\"", escape_html(alt)));
    if !title.is_empty() {
        tag.push_str(&format!(" title=\"{}\"", escape_html(title)));
    }
    if let Some((width, height)) = image.attrs.size {
        tag.push_str(&format!(" width=\"{width}\" height=\"{height}\""));
    }
    if lazy {
        tag.push_str(" loading=\"lazy\" decoding=\"async\"");
    }
    tag.push_str(" />");
    tag
}

/// Finds images a screen reader cannot describe: Markdown images with no alt
/// text (`![](photo.png)`), and raw `<img>` tags with no `alt` attribute.
/// `alt=""` in raw HTML is the standard mark of a decorative image, so it
/// passes; Markdown has no such mark.
#[derive(Default)]
struct MissingAlt {
    /// Byte offsets in the body of the images found.
    offsets: Vec<usize>,
    /// The Markdown images being read: where each starts, and whether alt text was seen.
    open: Vec<(usize, bool)>,
    /// The HTML block being read, joined, so a tag spread over lines is one tag;
    /// with, per line, its offset in the joined text and in the body.
    block: Option<(String, Vec<(usize, usize)>)>,
}

impl MissingAlt {
    fn observe(&mut self, event: &Event<'_>, range: &Range<usize>) {
        match event {
            Event::Start(Tag::Image { .. }) => self.open.push((range.start, false)),
            Event::End(TagEnd::Image) => {
                if let Some((offset, false)) = self.open.pop() {
                    self.offsets.push(offset);
                }
            }
            Event::Text(text) | Event::Code(text) if !text.trim().is_empty() => {
                if let Some(image) = self.open.last_mut() {
                    image.1 = true;
                }
            }
            Event::Start(Tag::HtmlBlock) => self.block = Some(Default::default()),
            Event::Html(html) => match &mut self.block {
                Some((joined, lines)) => {
                    lines.push((joined.len(), range.start));
                    joined.push_str(html);
                }
                None => self.offsets.extend(
                    img_tags_without_alt(html)
                        .into_iter()
                        .map(|at| range.start + at),
                ),
            },
            Event::End(TagEnd::HtmlBlock) => {
                if let Some((joined, lines)) = self.block.take() {
                    for at in img_tags_without_alt(&joined) {
                        let after = lines.partition_point(|&(start, _)| start <= at);
                        let line = after.checked_sub(1).and_then(|i| lines.get(i));
                        if let Some(&(start, body_offset)) = line {
                            self.offsets.push(body_offset + at - start);
                        }
                    }
                }
            }
            Event::InlineHtml(html) => self.offsets.extend(
                img_tags_without_alt(html)
                    .into_iter()
                    .map(|at| range.start + at),
            ),
            _ => {}
        }
    }

    fn positions(mut self, body: &str) -> Vec<(usize, usize)> {
        self.offsets.sort_unstable();
        let mut lines = LineCursor::new(body);
        self.offsets.iter().map(|&at| lines.line_col(at)).collect()
    }
}

/// Byte offsets of the `<img>` tags in `html` that have no `alt` attribute.
fn img_tags_without_alt(html: &str) -> Vec<usize> {
    // ASCII lowercasing keeps every byte offset.
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<img") {
        let start = from + at;
        from = start + "<img".len();
        let rest = &lower[from..];
        let is_img = rest.starts_with(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>');
        if is_img && !attribute_names(rest).contains(&"alt") {
            found.push(start);
        }
    }
    found
}

/// The attribute names of a tag, read from just after the tag's name to its `>`.
fn attribute_names(tag: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = tag;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() || rest.starts_with('>') {
            return names;
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace() || matches!(c, '=' | '>' | '/'))
            .unwrap_or(rest.len());
        names.push(&rest[..end]);
        rest = rest[end..].trim_start();
        if let Some(value) = rest.strip_prefix('=') {
            let value = value.trim_start();
            rest = match value.chars().next() {
                Some(quote @ ('"' | '\'')) => value[1..]
                    .find(quote)
                    .map_or("", |close| &value[close + 2..]),
                _ => {
                    let end = value
                        .find(|c: char| c.is_ascii_whitespace() || c == '>')
                        .unwrap_or(value.len());
                    &value[end..]
                }
            };
        }
    }
}

/// The events inside a heading, up to (and consuming) its end.
fn take_heading_events<'a>(parser: &mut impl Iterator<Item = Event<'a>>) -> Vec<Event<'a>> {
    let mut inner = Vec::new();
    for event in parser.by_ref() {
        if matches!(event, Event::End(TagEnd::Heading(_))) {
            break;
        }
        inner.push(event);
    }
    inner
}

/// The ¶ link after a heading, named after it: a list of links (screen
/// readers offer one) would otherwise hold many alike "Link to this section".
fn anchor_html(id: &str, title: &str) -> String {
    format!(
        " <a class=\"heading-anchor\" href=\"#{}\" aria-label=\"Link to section: {}\">¶</a>",
        escape_html(id),
        escape_html(title)
    )
}

fn plain_text(events: &[Event<'_>]) -> String {
    let mut title = String::new();
    for event in events {
        if let Event::Text(t) | Event::Code(t) = event {
            title.push_str(t);
        }
    }
    title.trim().to_string()
}

/// Gives headings unique ids: explicit `{#id}` as written, others slugified from
/// their text and de-duplicated with `-1`, `-2` in document order.
#[derive(Default)]
struct HeadingIds {
    seen: HashMap<String, usize>,
}

impl HeadingIds {
    fn assign(&mut self, explicit: Option<&str>, title: &str) -> String {
        if let Some(id) = explicit {
            self.seen.entry(id.to_string()).or_insert(0);
            return id.to_string();
        }
        let base = match slugify(title) {
            s if s.is_empty() => "heading".to_string(),
            s => s,
        };
        let mut candidate = base.clone();
        while let Some(count) = self.seen.get_mut(&candidate) {
            *count += 1;
            candidate = format!("{base}-{count}");
        }
        self.seen.insert(candidate.clone(), 0);
        candidate
    }
}

/// Nests a flat list of headings: each heading becomes a child of the nearest
/// earlier heading with a smaller level.
fn build_toc(flat: Vec<(u8, String, String)>) -> Vec<TocItem> {
    let mut roots: Vec<TocItem> = Vec::new();
    for (level, id, title) in flat {
        let item = TocItem {
            level,
            id,
            title,
            children: Vec::new(),
        };
        insert_toc(&mut roots, item);
    }
    roots
}

fn insert_toc(siblings: &mut Vec<TocItem>, item: TocItem) {
    match siblings.last_mut() {
        Some(last) if last.level < item.level => insert_toc(&mut last.children, item),
        _ => siblings.push(item),
    }
}

/// The rendered text, as far as words are concerned: text and code, with a break
/// wherever a block or line ends so words of adjacent blocks do not merge, and
/// a new line wherever a block ends so search snippets stay in one block.
#[derive(Default)]
struct PlainText {
    text: String,
    words: usize,
    in_word: bool,
    in_block: bool,
}

impl PlainText {
    fn observe(&mut self, event: &Event<'_>) {
        match event {
            Event::Text(t) | Event::Code(t) => self.push(t),
            Event::SoftBreak | Event::HardBreak => self.in_word = false,
            Event::Rule => self.end_block(),
            Event::End(tag) if !is_inline(tag) => self.end_block(),
            Event::Start(Tag::Item) => self.end_block(),
            _ => {}
        }
    }

    fn push(&mut self, text: &str) {
        if text.starts_with(char::is_whitespace) {
            self.in_word = false;
        }
        for (i, word) in text.split_whitespace().enumerate() {
            // The first word may continue one of the previous event (`two*three*`).
            if i > 0 || !self.in_word {
                self.words += 1;
                if !self.text.is_empty() {
                    self.text.push(if self.in_block { ' ' } else { '\n' });
                }
            }
            self.in_block = true;
            self.text.push_str(word);
            self.in_word = true;
        }
        if text.ends_with(char::is_whitespace) {
            self.in_word = false;
        }
    }

    fn end_block(&mut self) {
        self.in_word = false;
        self.in_block = false;
    }

    /// Where the next block's first word will start.
    fn next_block_offset(&self) -> usize {
        if self.text.is_empty() {
            0
        } else {
            self.text.len() + 1
        }
    }

    fn word_count(&self) -> usize {
        self.words
    }
}

/// Finds the first numbered list after a heading titled "Steps" (any case) and
/// keeps each of its items as plain text. Nested lists stay part of their item;
/// a different heading before any list disarms it.
#[derive(Default)]
struct StepsList {
    items: Vec<String>,
    armed: bool,
    /// List nesting inside the steps list; 0 when not inside it.
    depth: usize,
    done: bool,
}

impl StepsList {
    fn heading(&mut self, title: &str) {
        if !self.done && self.depth == 0 {
            self.armed = title.trim().eq_ignore_ascii_case("steps");
        }
    }

    fn observe(&mut self, event: &Event<'_>) {
        if self.done {
            return;
        }
        match event {
            Event::Start(Tag::List(Some(_))) if self.armed && self.depth == 0 => self.depth = 1,
            _ if self.depth == 0 => {}
            Event::Start(Tag::List(_)) => self.depth += 1,
            Event::End(TagEnd::List(_)) => {
                self.depth -= 1;
                if self.depth == 0 {
                    self.done = true;
                    self.items.iter_mut().for_each(collapse_spaces);
                }
            }
            Event::Start(Tag::Item) if self.depth == 1 => self.items.push(String::new()),
            Event::Text(t) | Event::Code(t) => self.push(t),
            Event::End(tag) if !is_inline(tag) => self.push(" "),
            Event::SoftBreak | Event::HardBreak | Event::Start(Tag::Item) => self.push(" "),
            _ => {}
        }
    }

    fn push(&mut self, text: &str) {
        if let Some(item) = self.items.last_mut() {
            item.push_str(text);
        }
    }
}

fn collapse_spaces(text: &mut String) {
    *text = text.split_whitespace().collect::<Vec<_>>().join(" ");
}

/// Inline elements do not separate words: `foo*bar*` renders as one word.
fn is_inline(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(body: &str) -> Rendered {
        render_markdown(body, &MarkdownConfig::default(), &mut |_: &LinkRef<'_>| {
            None
        })
    }

    #[test]
    fn footnote_ids_cannot_clash_with_heading_ids() {
        let html = render("## 1\n\nText.[^1]\n\n[^1]: The note.\n").html;
        assert!(html.contains(r#"<h2 id="1">"#), "{html}");
        assert!(html.contains(r##"href="#fn-1""##), "{html}");
        assert!(html.contains(r#"id="fn-1""#), "{html}");
    }

    /// Renders `body`, sending every link to `/r/<dest>` and recording what the
    /// resolver was asked.
    fn render_links(body: &str) -> (Rendered, Vec<(String, usize, LinkKind)>) {
        let mut seen = Vec::new();
        let mut resolver = |link: &LinkRef<'_>| {
            seen.push((link.dest.to_string(), link.offset, link.kind));
            Some(Resolution {
                url: format!("/r/{}", link.dest),
                label: matches!(link.kind, LinkKind::Wiki { labelled: false })
                    .then(|| "Title".to_string()),
                image: None,
            })
        };
        let rendered = render_markdown(body, &MarkdownConfig::default(), &mut resolver);
        (rendered, seen)
    }

    #[test]
    fn every_link_form_reaches_the_resolver_with_its_offset() {
        let body = "a [x](p.md) ![i](d.svg) [[W]] [[w|l]] <https://e.org> <m@e.org>";
        let (_, seen) = render_links(body);
        let expected = [
            ("p.md", 2, LinkKind::Link),
            ("d.svg", 12, LinkKind::Image),
            ("W", 24, LinkKind::Wiki { labelled: false }),
            ("w", 30, LinkKind::Wiki { labelled: true }),
            // Autolinks too, for `knead check --external`; not e-mail ones.
            ("https://e.org", 38, LinkKind::Link),
        ];
        let seen: Vec<_> = seen.iter().map(|(d, o, k)| (d.as_str(), *o, *k)).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn rewriting_keeps_link_text_markup() {
        let (r, _) = render_links("[*em* `code` ![i](d.svg)](p.md) and [[w|**bold**]]\n");
        assert!(
            r.html.contains(
                "<a href=\"/r/p.md\"><em>em</em> <code>code</code> <img src=\"/r/d.svg\" alt=\"i\" /></a>"
            ),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<a href=\"/r/w\"><strong>bold</strong></a>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn unlabelled_wiki_link_shows_the_resolved_title() {
        let (r, _) = render_links("## See [[palm-circling]]\n");
        assert!(r.html.contains(">Title</a>"), "{}", r.html);
        assert!(!r.html.contains("palm-circling</a>"), "{}", r.html);
        assert_eq!(r.toc[0].title, "See Title");
    }

    #[test]
    fn headings_get_unique_ids() {
        let r = render("# Steps\n## Steps\n## Steps\n## Custom {#mine}\n");
        assert_eq!(r.anchors, ["steps", "steps-1", "steps-2", "mine"]);
        assert!(
            r.html.contains("<h2 id=\"steps-1\">Steps</h2>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn toc_nests_by_level() {
        let r = render("## A\n### A1\n### A2\n## B\n");
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[0].children.len(), 2);
        assert_eq!(r.toc[0].children[1].title, "A2");
    }

    #[test]
    fn toc_title_is_plain_text() {
        let r = render("## Use *both* `hands`\n");
        assert_eq!(r.toc[0].title, "Use both hands");
    }

    #[test]
    fn word_count_counts_rendered_words() {
        let r = render("# Title here\n\nOne *two*three.\n\n- four\n- five\n");
        // "Title here" + "One twothree." + "four" + "five"
        assert_eq!(r.word_count, 6);
    }

    #[test]
    fn text_is_one_line_per_block_of_words_joined_by_single_spaces() {
        let r = render(
            "Intro.\n\n## A `b`\n\nOne  *two*three.\nfour\n\n- [five](x.md)\n- six\n\n| c | d |\n|---|---|\n| e | f |\n",
        );
        assert_eq!(
            r.text,
            "Intro.\nA b\nOne twothree. four\nfive\nsix\nc\nd\ne\nf"
        );
        assert_eq!(r.text.split([' ', '\n']).count(), r.word_count);
        assert_eq!(r.heading_offsets, [7]);
        assert!(r.text[7..].starts_with("A b\n"));
    }

    #[test]
    fn steps_are_the_numbered_list_under_a_steps_heading() {
        let body = "1. not a step\n\n## Steps\n\nIntro.\n\n\
                    1. Warm the *oil*.\n2. Press `gently`\n   over two lines.\n   - a nested note\n\n\
                    ## More\n\n1. also not a step\n";
        let r = render(body);
        assert_eq!(
            r.steps,
            [
                "Warm the oil.",
                "Press gently over two lines. a nested note"
            ]
        );
    }

    #[test]
    fn steps_need_a_steps_heading_and_a_numbered_list() {
        assert!(render("## Steps\n\n- bullet\n").steps.is_empty());
        assert!(render("## Steps\n\n## Other\n\n1. one\n").steps.is_empty());
        assert!(render("1. one\n2. two\n").steps.is_empty());
        assert_eq!(render("### STEPS\n\n1. one\n").steps, ["one"]);
    }

    #[test]
    fn extensions_are_on() {
        let r = render(
            "Term\n: Meaning\n\nthe ~low~ and ^high^ notes\n\n\
             | a |\n|---|\n| b |\n\n~~x~~ [^1]\n\n[^1]: note\n\n- [x] done\n\n> [!NOTE]\n> hi\n",
        );
        for needle in [
            "<table>",
            "<del>",
            "<dl>\n<dt>Term</dt>\n<dd>Meaning</dd>\n</dl>",
            "<sub>low</sub>",
            "<sup>high</sup>",
            "footnote-definition",
            "checkbox",
            "markdown-alert-note",
        ] {
            assert!(r.html.contains(needle), "{needle} missing in {}", r.html);
        }
    }

    #[test]
    fn images_without_alt_text_are_found_with_their_positions() {
        let body = "![](a.png) ![ ](b.png) ![fine](c.png)\n\n\
                    text <img src=\"d.png\"> <img alt=\"\" src=\"e.png\">\n\n\
                    <div>\n  <img\n    src=\"f.png\">\n  <IMG SRC=g.png ALT=g>\n</div>\n\n\
                    `<img src=code.png>` <imgx> <img title='alt=x' src=h.png/>\n";
        let r = render(body);
        assert_eq!(
            r.images_without_alt,
            [(1, 1), (1, 12), (3, 6), (6, 3), (11, 29)]
        );
    }

    #[test]
    fn attribute_names_skip_values() {
        assert_eq!(
            attribute_names(" src=\"a>b\" title='x y' hidden data-x=1/>"),
            ["src", "title", "hidden", "data-x"]
        );
        assert_eq!(attribute_names(">alt=x"), Vec::<&str>::new());
    }

    #[test]
    fn anchors_are_added_when_asked() {
        let config = MarkdownConfig {
            smart_punctuation: false,
            heading_anchors: true,
        };
        let r = render_markdown("## Hi\n", &config, &mut |_: &LinkRef<'_>| None);
        assert!(r.html.contains("href=\"#hi\""), "{}", r.html);
        let r = render_markdown(
            "## Oils & *warm* `hands` {#oil}\n",
            &config,
            &mut |_: &LinkRef<'_>| None,
        );
        assert!(
            r.html
                .contains("href=\"#oil\" aria-label=\"Link to section: Oils &amp; warm hands\""),
            "{}",
            r.html
        );
    }
}
