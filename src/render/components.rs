//! Components callable from Markdown: Tera 2 components, one per file in
//! `templates/components/<name>.html` (the theme's, each replaceable by the
//! site's file of the same name). The component's own definition declares
//! its arguments, their types and defaults; a metadata map after them says
//! how Markdown calls it (`"inline": true`) and which arguments name a page
//! or a file (`"links": {"to": "page"}`), which are resolved and checked like
//! any link. `directives` reads the calls; this module checks each against
//! the declaration and renders it, after pulldown-cmark has parsed the page,
//! so a body's links, headings and words are the page's own.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd, html};
use tera::{ComponentArgType, Context, Kwargs, State, Tera, TeraResult, Value};

use super::call_error::CallError;
use super::directives::{Attr, Call, Form, Marker, Prepared, fence_name};
use super::escape::escape_html;
use super::resolve::{LinkKind, LinkRef, LinkResolver};
use crate::diagnostic::{Diagnostic, Diagnostics, suggest};
use crate::load::data::SiteData;
use crate::load::discover::TemplateFile;

/// Where component templates are, under a templates folder.
pub const COMPONENTS_FOLDER: &str = "components/";

/// The components a site's Markdown may call.
#[derive(Default)]
pub struct Components {
    tera: Tera,
    declared: BTreeMap<String, Declared>,
    /// A component template did not parse (the template stage reports it);
    /// calls are then not checked, so as not to add an error per call.
    broken: bool,
}

struct Declared {
    inline: bool,
    args: Vec<Arg>,
}

struct Arg {
    name: String,
    kind: Option<ComponentArgType>,
    required: bool,
    link: Option<LinkArg>,
}

/// An argument that names a page or a file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LinkArg {
    /// A page as a wiki link names it (title, slug or path under content/);
    /// the component gets `{url, title}`.
    Page,
    /// A link as Markdown writes it; the component gets the URL.
    Link,
    /// An image as Markdown writes it; the component gets the URL.
    Image,
}

impl Components {
    /// Parses the component templates among `templates`.
    pub fn new(
        templates: &BTreeMap<String, TemplateFile>,
        data: &Arc<SiteData>,
        diagnostics: &mut Diagnostics,
    ) -> Components {
        let files: Vec<(&String, &TemplateFile)> = templates
            .iter()
            .filter(|(name, _)| name.starts_with(COMPONENTS_FOLDER))
            .collect();
        let mut components = Components::default();
        if files.is_empty() {
            return components;
        }
        components.tera.autoescape_on([".html", ".htm", ".xml"]);
        components
            .tera
            .register_function("load_data", load_data_function(Arc::clone(data)));
        let added = components.tera.add_raw_templates(
            files
                .iter()
                .map(|(name, file)| (name.as_str(), file.text.as_str())),
        );
        if added.is_err() {
            components.broken = true;
            return components;
        }
        for (name, file) in files {
            let Some(stem) = name
                .strip_prefix(COMPONENTS_FOLDER)
                .and_then(|n| n.strip_suffix(".html"))
            else {
                continue;
            };
            match declaration(&components.tera, stem) {
                Ok(declared) => {
                    components.declared.insert(stem.to_string(), declared);
                }
                Err(message) => diagnostics.push(
                    Diagnostic::error(&file.display_path, message).with_help(format!(
                        "a file in templates/components/ defines the component it is named after: {{% component {stem}(…) %}}"
                    )),
                ),
            }
        }
        components
    }

    /// Whether a fenced code block of this language is a call.
    pub fn is_block(&self, name: &str) -> bool {
        self.declared.get(name).is_some_and(|d| !d.inline)
    }
}

fn declaration(tera: &Tera, name: &str) -> Result<Declared, String> {
    let info = tera
        .get_component_definition(name)
        .ok_or_else(|| format!("no component named `{name}` is defined here"))?;
    let mut inline = false;
    let mut links = BTreeMap::new();
    for (key, value) in info.metadata() {
        match key.as_str() {
            "inline" => {
                inline = value
                    .as_bool()
                    .ok_or("the metadata `inline` is true or false")?;
            }
            "links" => {
                let map = value.as_map().ok_or(
                    "the metadata `links` maps argument names to \"page\", \"link\" or \"image\"",
                )?;
                for (arg, kind) in map {
                    let kind = match kind.as_str() {
                        Some("page") => LinkArg::Page,
                        Some("link") => LinkArg::Link,
                        Some("image") => LinkArg::Image,
                        _ => {
                            return Err(format!("links.{arg} is \"page\", \"link\" or \"image\""));
                        }
                    };
                    links.insert(arg.to_string(), kind);
                }
            }
            other => {
                return Err(format!(
                    "unknown component metadata `{other}`; knead reads `inline` and `links`"
                ));
            }
        }
    }
    let mut args = Vec::new();
    for arg in info.args() {
        let link = links.remove(arg.name());
        let expected = match link {
            Some(LinkArg::Page) => ComponentArgType::Map,
            _ => ComponentArgType::String,
        };
        if link.is_some() && arg.arg_type().is_some_and(|t| t != expected) {
            return Err(format!(
                "the link argument `{}` must have the type {expected}",
                arg.name()
            ));
        }
        args.push(Arg {
            name: arg.name().to_string(),
            kind: arg.arg_type(),
            required: arg.is_required(),
            link,
        });
    }
    if let Some(unknown) = links.keys().next() {
        return Err(format!(
            "`links` names `{unknown}`, which is not an argument of `{name}`"
        ));
    }
    Ok(Declared { inline, args })
}

/// `load_data(path=…)`: the value of a file under data/.
pub fn load_data_function(
    data: Arc<SiteData>,
) -> impl Fn(Kwargs, &State) -> TeraResult<Value> + Send + Sync + 'static {
    move |kwargs: Kwargs, _: &State| {
        let path = kwargs.must_get::<&str>("path")?;
        data.file(path)
            .map(Value::from_serializable)
            .map_err(|message| tera::Error::message(format!("load_data: {message}")))
    }
}

/// Replaces the calls' markers in a page's events with what the components
/// render. A call with an error is reported and left out; its body stays.
pub fn expand<'a>(
    events: Vec<Event<'a>>,
    prepared: &Prepared,
    components: &Components,
    links: &mut dyn LinkResolver,
    errors: &mut Vec<CallError>,
) -> Vec<Event<'a>> {
    let mut expander = Expander {
        prepared,
        components,
        links,
        errors,
        out: Vec::with_capacity(events.len()),
        frames: Vec::new(),
        depth: 0,
        fences: prepared
            .calls
            .iter()
            .enumerate()
            .filter(|(_, call)| call.form == Form::Fence)
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
            .into_iter(),
    };
    let mut events = events.into_iter().peekable();
    while let Some(event) = events.next() {
        match event {
            Event::Start(Tag::HtmlBlock) => {
                let marker = match events.peek() {
                    Some(Event::Html(html)) => Marker::read(html),
                    _ => None,
                };
                match marker {
                    Some(marker) => {
                        events.next();
                        events.next_if_eq(&Event::End(TagEnd::HtmlBlock));
                        expander.block_marker(marker);
                    }
                    None => expander.push(Event::Start(Tag::HtmlBlock)),
                }
            }
            Event::InlineHtml(html) => match Marker::read(&html) {
                Some(marker) => expander.inline_marker(marker),
                None => expander.push(Event::InlineHtml(html)),
            },
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if fence_name(&info).is_some_and(|name| components.is_block(name)) =>
            {
                let mut text = String::new();
                for inner in events.by_ref() {
                    match inner {
                        Event::Text(t) => text.push_str(&t),
                        Event::End(TagEnd::CodeBlock) => break,
                        _ => {}
                    }
                }
                expander.fence(&text);
            }
            other => expander.push(other),
        }
    }
    expander.out
}

struct Expander<'p, 'a> {
    prepared: &'p Prepared,
    components: &'p Components,
    links: &'p mut dyn LinkResolver,
    errors: &'p mut Vec<CallError>,
    out: Vec<Event<'a>>,
    /// The calls open around the current event.
    frames: Vec<Frame>,
    /// How many elements are open around the current event.
    depth: usize,
    /// The fence calls, in order.
    fences: std::vec::IntoIter<usize>,
}

struct Frame {
    call: usize,
    /// Where the body starts in `out`.
    start: usize,
    depth: usize,
}

impl<'a> Expander<'_, 'a> {
    fn push(&mut self, event: Event<'a>) {
        match &event {
            Event::Start(_) => self.depth += 1,
            Event::End(_) => {
                self.depth = self.depth.saturating_sub(1);
                while let Some(frame) = self.frames.last() {
                    if frame.depth <= self.depth {
                        break;
                    }
                    let call = &self.prepared.calls[frame.call];
                    self.error(
                        call.name_offset,
                        format!(
                            "`{}` starts inside a list item, blockquote or other block and ends outside it",
                            call.name
                        ),
                        "open and close a component in the same block, with the same indentation and `>` markers",
                    );
                    self.frames.pop();
                }
            }
            _ => {}
        }
        self.out.push(event);
    }

    fn error(&mut self, offset: usize, message: String, help: impl Into<String>) {
        self.errors.push(CallError {
            offset,
            message,
            help: Some(help.into()),
        });
    }

    fn block_marker(&mut self, marker: Marker) {
        match marker {
            Marker::Open(call) | Marker::InlineOpen(call) => self.frames.push(Frame {
                call,
                start: self.out.len(),
                depth: self.depth,
            }),
            Marker::Leaf(call) => {
                if let Some(html) = self.render(call, Some(String::new())) {
                    self.push_block(html);
                }
            }
            Marker::Close(call) => {
                if let Some(html) = self.close(call) {
                    self.push_block(html);
                }
            }
            Marker::InlineClose => {}
        }
    }

    /// A block component's HTML, on lines of its own like every other block.
    fn push_block(&mut self, mut html: String) {
        if !html.ends_with('\n') {
            html.push('\n');
        }
        self.out.push(Event::Html(CowStr::from(html)));
    }

    fn inline_marker(&mut self, marker: Marker) {
        match marker {
            Marker::InlineOpen(call) => self.frames.push(Frame {
                call,
                start: self.out.len(),
                depth: self.depth,
            }),
            Marker::InlineClose => {
                let Some(call) = self.frames.last().map(|f| f.call) else {
                    return;
                };
                if let Some(html) = self.close(call) {
                    self.out.push(Event::InlineHtml(CowStr::from(html)));
                }
            }
            Marker::Open(call) | Marker::Close(call) | Marker::Leaf(call) => {
                let name = &self.prepared.calls[call].name;
                let message = format!("this `{name}` line is read as part of the text above it");
                self.error(
                    self.prepared.calls[call].name_offset,
                    message,
                    "indent a component's `:::` lines by fewer than four spaces more than the text they follow",
                );
            }
        }
    }

    /// Ends the body of `call`, which must be the innermost open call, and
    /// renders it.
    fn close(&mut self, call: usize) -> Option<String> {
        let position = self.frames.iter().rposition(|f| f.call == call)?;
        let frame = self.frames.remove(position);
        if position != self.frames.len() || frame.depth != self.depth {
            let name = &self.prepared.calls[call].name;
            let message = format!(
                "`{name}` starts inside a list item, blockquote or other block and ends outside it"
            );
            self.error(
                self.prepared.calls[call].name_offset,
                message,
                "open and close a component in the same block, with the same indentation and `>` markers",
            );
            return None;
        }
        let mut body = String::new();
        html::push_html(&mut body, self.out[frame.start..].iter().cloned());
        let rendered = self.render(call, Some(body))?;
        self.out.truncate(frame.start);
        Some(rendered)
    }

    /// A fenced block whose language names a component: the component
    /// gets the block's text, escaped, as its body.
    fn fence(&mut self, text: &str) {
        let Some(call) = self.fences.next() else {
            return;
        };
        if let Some(html) = self.render(call, Some(escape_html(text))) {
            self.push_block(html);
        }
    }

    /// Checks a call against its component and renders it; `None` after
    /// reporting what is wrong.
    fn render(&mut self, index: usize, body: Option<String>) -> Option<String> {
        if self.components.broken {
            return None;
        }
        let call = &self.prepared.calls[index];
        let Some(declared) = self.components.declared.get(&call.name) else {
            let names = self.components.declared.keys().map(String::as_str);
            let help = match suggest(&call.name, names) {
                Some(near) => format!("did you mean `{near}`?"),
                None if self.components.declared.is_empty() => {
                    "add templates/components/NAME.html, or write `\\:` to show the colons as text"
                        .to_string()
                }
                None => format!(
                    "the components are: {}; write `\\:` to show the colons as text",
                    self.components
                        .declared
                        .keys()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let message = format!("no component named `{}`", call.name);
            self.error(call.name_offset, message, help);
            return None;
        };
        let wrong_form = match (declared.inline, call.form) {
            (true, Form::Inline) | (false, Form::Container | Form::Leaf | Form::Fence) => None,
            (true, _) => Some(format!(
                "`{0}` is an inline component: call it in a line of text as `:{0}[text]{{…}}`",
                call.name
            )),
            (false, _) => Some(format!(
                "`{0}` is a block component: call it on lines of its own, `:::{0}{{…}}` … `:::` or `::{0}{{…}}`",
                call.name
            )),
        };
        if let Some(message) = wrong_form {
            self.error(
                call.name_offset,
                message,
                "its template's metadata `inline` says which",
            );
            return None;
        }
        let context = self.arguments(call, declared)?;
        match self
            .components
            .tera
            .render_component(&call.name, &context, body.as_deref(), true)
        {
            Ok(html) => Some(html),
            Err(err) => {
                let mut message = format!("component `{}` failed: {err}", call.name);
                let mut cause = std::error::Error::source(&err);
                while let Some(inner) = cause {
                    message = format!("{message}: {inner}");
                    cause = inner.source();
                }
                self.error(
                    call.name_offset,
                    message,
                    format!("see templates/components/{}.html", call.name),
                );
                None
            }
        }
    }

    fn arguments(&mut self, call: &Call, declared: &Declared) -> Option<Context> {
        let mut context = Context::new();
        let mut ok = true;
        let mut given = BTreeSet::new();
        for attr in &call.attrs {
            let Some(arg) = declared.args.iter().find(|a| a.name == attr.key) else {
                let names = declared.args.iter().map(|a| a.name.as_str());
                let help = match suggest(&attr.key, names) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => arguments_help(&call.name, declared),
                };
                let message = format!("`{}` has no argument `{}`", call.name, attr.key);
                self.error(attr.key_offset, message, help);
                ok = false;
                continue;
            };
            if !given.insert(attr.key.as_str()) {
                let message = format!("the argument `{}` is given twice", attr.key);
                self.error(attr.key_offset, message, "keep one of them");
                ok = false;
                continue;
            }
            match self.value(arg, attr) {
                Ok(value) => context.insert_value(attr.key.clone(), value),
                Err(message) => {
                    self.error(
                        attr.value_offset,
                        message,
                        arguments_help(&call.name, declared),
                    );
                    ok = false;
                }
            }
        }
        for arg in &declared.args {
            if arg.required && !given.contains(arg.name.as_str()) {
                let message = format!("`{}` needs the argument `{}`", call.name, arg.name);
                self.error(
                    call.name_offset,
                    message,
                    arguments_help(&call.name, declared),
                );
                ok = false;
            }
        }
        ok.then_some(context)
    }

    /// The argument's value, of its declared type; links resolved (and
    /// reported by the resolver when broken).
    fn value(&mut self, arg: &Arg, attr: &Attr) -> Result<Value, String> {
        let written = attr.value.as_str();
        if let Some(link) = arg.link {
            let kind = match link {
                LinkArg::Page => LinkKind::Wiki { labelled: false },
                LinkArg::Link => LinkKind::Link,
                LinkArg::Image => LinkKind::Image,
            };
            let resolved = self.links.resolve(&LinkRef {
                dest: written,
                offset: attr.value_offset,
                kind,
            });
            let url = resolved
                .as_ref()
                .map_or(written, |r| r.url.as_str())
                .to_string();
            if link != LinkArg::Page {
                return Ok(Value::from(url));
            }
            let title = resolved
                .and_then(|r| r.label)
                .unwrap_or(written.to_string());
            let mut page = tera::Map::new();
            page.insert("url".into(), Value::from(url));
            page.insert("title".into(), Value::from(title));
            return Ok(Value::from(page));
        }
        let expected = |what: &str| format!("`{}` takes {what}, not {written:?}", arg.name);
        match arg.kind {
            None | Some(ComponentArgType::String) => Ok(Value::from(written)),
            Some(ComponentArgType::Bool) => match written {
                "true" => Ok(Value::from(true)),
                "false" => Ok(Value::from(false)),
                _ => Err(expected("true or false")),
            },
            Some(ComponentArgType::Integer) => written
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| expected("a whole number")),
            Some(ComponentArgType::Float) => written
                .parse::<f64>()
                .map(Value::from)
                .map_err(|_| expected("a number")),
            Some(ComponentArgType::Number) => match written.parse::<i64>() {
                Ok(n) => Ok(Value::from(n)),
                Err(_) => written
                    .parse::<f64>()
                    .map(Value::from)
                    .map_err(|_| expected("a number")),
            },
            Some(other) => Err(format!(
                "`{}` takes a value of type {other}, which Markdown cannot write",
                arg.name
            )),
        }
    }
}

/// Every argument of a component, with its type, for help texts.
fn arguments_help(name: &str, declared: &Declared) -> String {
    if declared.args.is_empty() {
        return format!("`{name}` takes no arguments");
    }
    let listed: Vec<String> = declared
        .args
        .iter()
        .map(|arg| {
            let kind = match arg.link {
                Some(LinkArg::Page) => "page".to_string(),
                Some(LinkArg::Link) => "link".to_string(),
                Some(LinkArg::Image) => "image".to_string(),
                None => arg.kind.map_or("string".to_string(), |k| k.to_string()),
            };
            let optional = if arg.required { "" } else { ", optional" };
            format!("{} ({kind}{optional})", arg.name)
        })
        .collect();
    format!("`{name}` takes: {}", listed.join(", "))
}
