//! The syntax of component calls in Markdown, from the CommonMark generic
//! directive proposal: a container `:::name{key=value}` … `:::` wraps
//! Markdown, a leaf `::name{key=value}` stands on its own line, an inline
//! `:name[text]{key=value}` sits in a paragraph; a fenced code block whose
//! language names a block component is a call too. A backslash before the
//! first colon writes the text literally.
//!
//! pulldown-cmark knows none of this, so a body is read twice. The first
//! parse finds the calls, which keeps everything in code spans, code blocks
//! and raw HTML out: a call line is text at the start of a line. The calls are
//! then rewritten into markers pulldown-cmark keeps apart from what is around
//! them: a line `<!--knead-open N-->` is an HTML block that ends on its own
//! line and interrupts a paragraph, so the body around it is parsed as the
//! author wrote it, in whatever list item or blockquote the call stands; an
//! inline call becomes a `<knead-call>` tag around its text. A container's
//! body is dedented to its least indented line, so indenting it for the eye
//! never makes a code block. `OffsetMap` takes positions in the rewritten
//! text back to the body, for errors.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::call_error::CallError;
use super::citations::{self, Cite};

/// How a component is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `:::name{…}` … `:::`
    Container,
    /// `::name{…}`
    Leaf,
    /// `:name[text]{…}`
    Inline,
    /// A fenced code block whose language names a component.
    Fence,
}

/// One call as written. Offsets are bytes in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    pub name_offset: usize,
    pub form: Form,
    pub attrs: Vec<Attr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub key: String,
    pub key_offset: usize,
    pub value: String,
    pub value_offset: usize,
}

/// A body with its calls rewritten into markers.
#[derive(Debug, Default)]
pub struct Prepared {
    pub text: String,
    pub calls: Vec<Call>,
    pub map: OffsetMap,
    pub errors: Vec<CallError>,
    /// The citations, numbered as their markers are (see `citations`).
    pub cites: Vec<Cite>,
}

/// A marker in the rewritten text; the number is the call's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Open(usize),
    Close(usize),
    Leaf(usize),
    InlineOpen(usize),
    InlineClose,
}

const OPEN: &str = "<!--knead-open ";
const CLOSE: &str = "<!--knead-close ";
const LEAF: &str = "<!--knead-leaf ";
const INLINE_OPEN: &str = "<knead-call n=\"";
const INLINE_CLOSE: &str = "</knead-call>";
/// A citation becomes an element with nothing inside, which can never
/// start an HTML block, even alone on a line.
const CITE_OPEN: &str = "<knead-cite n=\"";
const CITE_CLOSE: &str = "</knead-cite>";
/// What no author text may hold, so that a marker is always knead's.
const RESERVED: [&str; 3] = ["<!--knead-", "<knead-call", "<knead-cite"];

/// What a citation's marker is: the number of the citation it opens, or
/// `None` for its closing tag.
pub fn cite_marker(html: &str) -> Option<Option<usize>> {
    if html == CITE_CLOSE {
        return Some(None);
    }
    let number = html.strip_prefix(CITE_OPEN)?.strip_suffix("\">")?;
    number.parse().ok().map(Some)
}

impl Marker {
    /// The marker an HTML event holds, if it is one.
    pub fn read(html: &str) -> Option<Marker> {
        let html = html.trim_end();
        if html == INLINE_CLOSE {
            return Some(Marker::InlineClose);
        }
        let number = |rest: &str, end: &str| rest.strip_suffix(end)?.parse().ok();
        if let Some(rest) = html.strip_prefix(INLINE_OPEN) {
            return number(rest, "\">").map(Marker::InlineOpen);
        }
        let comment = |prefix: &str| number(html.strip_prefix(prefix)?, "-->");
        comment(OPEN)
            .map(Marker::Open)
            .or_else(|| comment(CLOSE).map(Marker::Close))
            .or_else(|| comment(LEAF).map(Marker::Leaf))
    }
}

/// Maps offsets in the rewritten text back to the body.
#[derive(Debug, Default)]
pub struct OffsetMap {
    /// (offset in the rewritten text, offset in the body, inside a replacement).
    points: Vec<(usize, usize, bool)>,
}

impl OffsetMap {
    pub fn original(&self, offset: usize) -> usize {
        let after = self.points.partition_point(|&(new, _, _)| new <= offset);
        match after.checked_sub(1).map(|i| self.points[i]) {
            Some((new, orig, false)) => orig + (offset - new),
            Some((_, orig, true)) => orig,
            None => offset,
        }
    }
}

/// Finds the calls in `body` and rewrites them into markers. `is_block`
/// says whether a name is a block component (for code fences); with
/// `cite`, citations are found too. A body with no colon (and, with `cite`,
/// no `@`) is returned as it is.
pub fn prepare(
    body: &str,
    options: Options,
    is_block: &dyn Fn(&str) -> bool,
    cite: bool,
) -> Prepared {
    let mut prepared = Prepared::default();
    let cite = cite && body.contains('@');
    if !cite && !body.contains(':') && !body.contains("```") && !body.contains("~~~") {
        prepared.text = body.to_string();
        return prepared;
    }
    for reserved in RESERVED {
        if let Some(at) = body.find(reserved) {
            prepared.errors.push(CallError {
                offset: at,
                message: format!("`{reserved}` is reserved for knead's component markers"),
                help: Some("write `&lt;` for the `<`".into()),
            });
            prepared.text = body.to_string();
            return prepared;
        }
    }
    // A call line starts with `:`, which is also how a definition-list entry
    // starts: the scan reads the body without definition lists, so calls are
    // found as the text at the start of their lines. Rewritten into markers,
    // they no longer look like definitions to the parse that renders.
    let scan = Scan::new(body, options - Options::ENABLE_DEFINITION_LIST);
    let mut edits = Edits::default();
    let mut open: Vec<usize> = Vec::new();
    for &start in &scan.line_starts {
        let line_end = body[start..].find('\n').map_or(body.len(), |i| start + i);
        let line = &body[start..line_end];
        if start > 0 && body.as_bytes()[start - 1] == b'\\' {
            continue;
        }
        match fence_line(body, start, line) {
            None => {}
            Some(Err(error)) => prepared.errors.push(error),
            Some(Ok(FenceLine::Close)) => match open.pop() {
                Some(call) => edits.push(start..line_end, format!("{CLOSE}{call}-->")),
                None => prepared.errors.push(CallError {
                    offset: start,
                    message: "this `:::` closes no component".into(),
                    help: Some("remove it, or write `\\:::` for the text itself".into()),
                }),
            },
            Some(Ok(FenceLine::Open(call))) => {
                let index = prepared.calls.len();
                let marker = match call.form {
                    Form::Leaf => format!("{LEAF}{index}-->"),
                    _ => {
                        open.push(index);
                        format!("{OPEN}{index}-->")
                    }
                };
                edits.push(start..line_end, marker);
                prepared.calls.push(call);
            }
        }
    }
    for index in open {
        prepared.errors.push(CallError {
            offset: prepared.calls[index].name_offset,
            message: format!("`:::{}` is never closed", prepared.calls[index].name),
            help: Some(
                "end it with a line `:::`; a `:::` right below raw HTML is part of the HTML, so leave a blank line before it"
                    .into(),
            ),
        });
    }
    dedent_bodies(body, &edits.clone_pairs(), &mut edits);
    let mut taken = Vec::new();
    for call in scan.inline_calls(&mut prepared.errors) {
        let index = prepared.calls.len();
        taken.push(call.open.end - 1);
        edits.push(call.open.clone(), format!("{INLINE_OPEN}{index}\">"));
        edits.push(call.close.clone(), INLINE_CLOSE.to_string());
        prepared.calls.push(call.call);
    }
    if cite {
        for (range, found) in citations::find(body, &scan.text, &taken, &mut prepared.errors) {
            let index = prepared.cites.len();
            edits.push(range, format!("{CITE_OPEN}{index}\">{CITE_CLOSE}"));
            prepared.cites.push(found);
        }
    }
    for (name, name_offset, attrs) in scan.fences {
        if !is_block(&name) {
            continue;
        }
        match attrs {
            Err(error) => prepared.errors.push(error),
            Ok(attrs) => prepared.calls.push(Call {
                name,
                name_offset,
                form: Form::Fence,
                attrs,
            }),
        }
    }
    let (text, map) = edits.apply(body);
    prepared.text = text;
    prepared.map = map;
    prepared
}

/// What the first parse found.
struct Scan<'a> {
    body: &'a str,
    /// Where text starts at the start of a line (after any list marker,
    /// blockquote marker or indentation).
    line_starts: Vec<usize>,
    /// Ranges of plain text.
    text: Vec<Range<usize>>,
    /// Fenced code blocks: the language, its offset, and the attributes after it.
    fences: Vec<(String, usize, Result<Vec<Attr>, CallError>)>,
}

impl<'a> Scan<'a> {
    fn new(body: &'a str, options: Options) -> Scan<'a> {
        let mut scan = Scan {
            body,
            line_starts: Vec::new(),
            text: Vec::new(),
            fences: Vec::new(),
        };
        let mut at_line_start = false;
        let mut in_code = false;
        for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
            match event {
                Event::Text(_) if in_code => {}
                Event::End(TagEnd::CodeBlock) => in_code = false,
                Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => in_code = true,
                Event::Text(_) => {
                    if at_line_start {
                        scan.line_starts.push(range.start);
                    }
                    scan.text.push(range);
                    at_line_start = false;
                }
                Event::Start(Tag::Paragraph | Tag::Item) | Event::SoftBreak | Event::HardBreak => {
                    at_line_start = true
                }
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    scan.fence(&info, range.start);
                    in_code = true;
                    at_line_start = false;
                }
                _ => at_line_start = false,
            }
        }
        scan
    }

    fn fence(&mut self, info: &str, block_start: usize) {
        let Some(name) = fence_name(info) else {
            return;
        };
        let line_end = self.body[block_start..]
            .find('\n')
            .map_or(self.body.len(), |i| block_start + i);
        let line = &self.body[block_start..line_end];
        let after_fence = line
            .trim_start()
            .trim_start_matches(['`', '~'])
            .trim_start();
        // Each fence with a component's name must be recorded, as calls are
        // matched to fences by their order.
        let name_offset = if after_fence.starts_with(name) {
            line_end - after_fence.len()
        } else {
            block_start
        };
        let after_name = name_offset + name.len();
        let rest = &self.body[after_name..line_end];
        let brace = line_end - rest.trim_start().len();
        let attrs = if rest.trim_start().starts_with('{') {
            attributes(self.body, brace).map(|(attrs, _)| attrs)
        } else {
            Ok(Vec::new())
        };
        self.fences.push((name.to_string(), name_offset, attrs));
    }

    fn in_text(&self, offset: usize) -> bool {
        let after = self.text.partition_point(|r| r.start <= offset);
        after > 0 && self.text[after - 1].contains(&offset)
    }

    /// Every inline call `:name[text]{…}` whose delimiters are plain text.
    fn inline_calls(&self, errors: &mut Vec<CallError>) -> Vec<InlineCall> {
        let mut calls = Vec::new();
        let mut done = 0;
        for range in &self.text {
            for (i, _) in self.body[range.clone()].match_indices(':') {
                let at = range.start + i;
                if at < done || self.line_starts.contains(&at) && self.is_fence_line(at) {
                    continue;
                }
                match self.inline_call(at) {
                    Some(Ok(call)) => {
                        done = call.close.end;
                        calls.push(call);
                    }
                    Some(Err(error)) => errors.push(error),
                    None => {}
                }
            }
        }
        calls
    }

    fn is_fence_line(&self, at: usize) -> bool {
        self.body[at..].starts_with("::")
    }

    fn inline_call(&self, at: usize) -> Option<Result<InlineCall, CallError>> {
        let body = self.body;
        let before = body[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '\\' | ':' | '_')) {
            return None;
        }
        let name_offset = at + 1;
        let name = name_at(body, name_offset)?;
        let mut end = name_offset + name.len();
        let mut text_end = None;
        if body[end..].starts_with('[') {
            let close = closing_bracket(body, end)?;
            if !self.in_text(end) || !self.in_text(close) {
                return None;
            }
            text_end = Some((end + 1, close));
            end = close + 1;
        }
        let mut attrs = Vec::new();
        if body[end..].starts_with('{') {
            if !self.in_text(end) {
                return None;
            }
            match attributes(body, end) {
                Ok((found, after)) => {
                    attrs = found;
                    end = after;
                }
                Err(error) => return Some(Err(error)),
            }
        } else if text_end.is_none() {
            return None;
        }
        let (open, close) = match text_end {
            Some((text_start, close)) => (at..text_start, close..end),
            None => (at..end, end..end),
        };
        Some(Ok(InlineCall {
            open,
            close,
            call: Call {
                name: name.to_string(),
                name_offset,
                form: Form::Inline,
                attrs,
            },
        }))
    }
}

struct InlineCall {
    /// `:name[` (or the whole call when it has no text).
    open: Range<usize>,
    /// `]{…}`.
    close: Range<usize>,
    call: Call,
}

enum FenceLine {
    Open(Call),
    Close,
}

/// A line of colons: `:::` closes, `:::name{…}` opens, `::name{…}` is a leaf.
fn fence_line(body: &str, start: usize, line: &str) -> Option<Result<FenceLine, CallError>> {
    let colons = line.len() - line.trim_start_matches(':').len();
    if colons < 2 {
        return None;
    }
    let rest = &line[colons..];
    if colons >= 3 && rest.trim().is_empty() {
        return Some(Ok(FenceLine::Close));
    }
    let name_offset = start + colons + (rest.len() - rest.trim_start().len());
    let name = name_at(body, name_offset)?;
    let after = name_offset + name.len();
    let line_end = start + line.len();
    let trimmed = body[after..line_end].trim_start();
    let brace = line_end - trimmed.len();
    let attrs = if trimmed.starts_with('{') {
        match attributes(body, brace) {
            Ok((attrs, end)) if body[end..line_end].trim().is_empty() => attrs,
            Ok((_, end)) => {
                return Some(Err(CallError {
                    offset: end,
                    message: "text after a component's attributes".into(),
                    help: Some("a component line ends with its `{…}`".into()),
                }));
            }
            Err(error) => return Some(Err(error)),
        }
    } else if trimmed.trim().is_empty() {
        Vec::new()
    } else {
        return Some(Err(CallError {
            offset: brace,
            message: format!("unexpected text after `{name}`"),
            help: Some(format!("arguments go in braces: `{name}{{key=value}}`")),
        }));
    };
    let form = if colons == 2 {
        Form::Leaf
    } else {
        Form::Container
    };
    Some(Ok(FenceLine::Open(Call {
        name: name.to_string(),
        name_offset,
        form,
        attrs,
    })))
}

/// The component a fenced code block's language may name: its first word.
pub fn fence_name(info: &str) -> Option<&str> {
    name_at(info.trim_start(), 0)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// A component name (a letter, then letters, digits, `_` or `-`) at `at`.
fn name_at(body: &str, at: usize) -> Option<&str> {
    let rest = &body[at..];
    if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let end = rest.find(|c| !is_name_char(c)).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The `]` matching the `[` at `open`, on the same paragraph.
fn closing_bracket(body: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut escaped = false;
    for (i, c) in body[open..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            '\n' if body[open + i + 1..]
                .trim_start_matches([' ', '\t'])
                .starts_with('\n') =>
            {
                return None;
            }
            _ => {}
        }
    }
    None
}

/// `{key=value key="a b" key='c'}` at `open`: the attributes and the offset
/// after the `}`.
fn attributes(body: &str, open: usize) -> Result<(Vec<Attr>, usize), CallError> {
    let error = |offset: usize, message: &str, help: &str| CallError {
        offset,
        message: message.to_string(),
        help: Some(help.to_string()),
    };
    let line_end = body[open..].find('\n').map_or(body.len(), |i| open + i);
    let mut attrs = Vec::new();
    let mut at = open + 1;
    loop {
        let rest = &body[at..line_end];
        let skipped = rest.len() - rest.trim_start().len();
        at += skipped;
        let rest = &body[at..line_end];
        if rest.starts_with('}') {
            return Ok((attrs, at + 1));
        }
        if rest.is_empty() {
            return Err(error(
                open,
                "these attributes are never closed",
                "end them with `}` on the same line",
            ));
        }
        let key_len = rest.find(|c| !is_name_char(c)).unwrap_or(rest.len());
        if key_len == 0 || !rest[key_len..].starts_with('=') {
            return Err(error(
                at,
                "expected `key=value`",
                "write arguments as key=value, quoting values with spaces: title=\"Before you start\"",
            ));
        }
        let key = rest[..key_len].to_string();
        let key_offset = at;
        at += key_len + 1;
        let rest = &body[at..line_end];
        let (value, value_offset, len) = match rest.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let mut value = String::new();
                let mut escaped = false;
                let mut end = None;
                for (i, c) in rest[1..].char_indices() {
                    match c {
                        _ if escaped => {
                            value.push(c);
                            escaped = false;
                        }
                        '\\' => escaped = true,
                        _ if c == quote => {
                            end = Some(i + 2);
                            break;
                        }
                        _ => value.push(c),
                    }
                }
                let Some(end) = end else {
                    return Err(error(
                        at,
                        "this quote is never closed",
                        "close the value with the same quote on the same line",
                    ));
                };
                (value, at + 1, end)
            }
            _ => {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '}')
                    .unwrap_or(rest.len());
                (rest[..end].to_string(), at, end)
            }
        };
        attrs.push(Attr {
            key,
            key_offset,
            value,
            value_offset,
        });
        at += len;
    }
}

/// Removes from each container body the indentation all its lines share,
/// counted from the column where the call's colons start.
fn dedent_bodies(body: &str, pairs: &[(usize, usize)], edits: &mut Edits) {
    for &(open, close) in pairs {
        let open_line = body[..open].rfind('\n').map_or(0, |i| i + 1);
        let column = open - open_line;
        let Some(first) = body[open..].find('\n').map(|i| open + i + 1) else {
            continue;
        };
        let last = body[..close].rfind('\n').map_or(0, |i| i + 1);
        if first >= last {
            continue;
        }
        let lines: Vec<(usize, &str)> = body[first..last]
            .split_inclusive('\n')
            .scan(first, |at, line| {
                let start = *at;
                *at += line.len();
                Some((start, line.trim_end_matches(['\n', '\r'])))
            })
            .filter(|(_, line)| !line.trim().is_empty())
            .collect();
        let indent = lines
            .iter()
            .map(|(_, line)| {
                if !line.is_char_boundary(column.min(line.len())) || line.len() < column {
                    return 0;
                }
                let rest = &line[column..];
                rest.len() - rest.trim_start_matches(' ').len()
            })
            .min()
            .unwrap_or(0);
        if indent == 0 {
            continue;
        }
        for (start, _) in lines {
            edits.push(start + column..start + column + indent, String::new());
        }
    }
}

/// Replacements of byte ranges of the body, applied at once.
#[derive(Default)]
struct Edits {
    list: Vec<(Range<usize>, String)>,
}

impl Edits {
    fn push(&mut self, range: Range<usize>, text: String) {
        self.list.push((range, text));
    }

    /// Each container's (opening line start, closing line start), from the
    /// markers pushed so far.
    fn clone_pairs(&self) -> Vec<(usize, usize)> {
        let mut opens = std::collections::HashMap::new();
        let mut pairs = Vec::new();
        for (range, text) in &self.list {
            match Marker::read(text) {
                Some(Marker::Open(n)) => {
                    opens.insert(n, range.start);
                }
                Some(Marker::Close(n)) => {
                    if let Some(open) = opens.remove(&n) {
                        pairs.push((open, range.start));
                    }
                }
                _ => {}
            }
        }
        pairs
    }

    fn apply(mut self, body: &str) -> (String, OffsetMap) {
        self.list.sort_by_key(|(range, _)| (range.start, range.end));
        let mut text = String::with_capacity(body.len() + 32 * self.list.len());
        let mut map = OffsetMap {
            points: vec![(0, 0, false)],
        };
        let mut copied = 0;
        for (range, replacement) in self.list {
            if range.start < copied {
                continue;
            }
            text.push_str(&body[copied..range.start]);
            map.points.push((text.len(), range.start, true));
            text.push_str(&replacement);
            map.points.push((text.len(), range.end, false));
            copied = range.end;
        }
        text.push_str(&body[copied..]);
        (text, map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepare_all(body: &str) -> Prepared {
        prepare(body, Options::empty(), &|name| name == "block", false)
    }

    #[test]
    fn containers_become_marker_lines_and_keep_their_offsets() {
        let body = "Intro.\n:::note{kind=tip}\nText.\n:::\n";
        let p = prepare_all(body);
        assert_eq!(
            p.text,
            "Intro.\n<!--knead-open 0-->\nText.\n<!--knead-close 0-->\n"
        );
        assert_eq!(p.calls[0].name, "note");
        assert_eq!(p.calls[0].attrs[0].value, "tip");
        let text_at = p.text.find("Text").expect("text");
        assert_eq!(p.map.original(text_at), body.find("Text").expect("text"));
        assert_eq!(p.map.original(8), 7);
    }

    #[test]
    fn inline_calls_become_tags_unless_escaped_or_in_code() {
        let p = prepare_all("Press :kbd[Ctrl+C]{os=mac} or \\:kbd[x] or `:kbd[y]` or a:b[c].\n");
        assert_eq!(
            p.text,
            "Press <knead-call n=\"0\">Ctrl+C</knead-call> or \\:kbd[x] or `:kbd[y]` or a:b[c].\n"
        );
        assert_eq!(p.calls.len(), 1);
    }

    #[test]
    fn bodies_are_dedented() {
        let p = prepare_all(":::note\n    Indented.\n\n      More.\n:::\n");
        assert!(p.text.contains("\nIndented.\n\n  More.\n"), "{}", p.text);
    }

    #[test]
    fn attribute_errors_point_at_the_problem() {
        let p = prepare_all(":::note{title=\"open}\n:::\n");
        assert_eq!(p.errors[0].offset, 14);
        let p = prepare_all(":::note{title}\n:::\n");
        assert_eq!(p.errors[0].message, "expected `key=value`");
    }

    #[test]
    fn markers_read_back() {
        assert_eq!(Marker::read("<!--knead-open 3-->\n"), Some(Marker::Open(3)));
        assert_eq!(
            Marker::read("<knead-call n=\"2\">"),
            Some(Marker::InlineOpen(2))
        );
        assert_eq!(Marker::read("</knead-call>"), Some(Marker::InlineClose));
        assert_eq!(Marker::read("<!-- other -->"), None);
    }
}
