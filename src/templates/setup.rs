//! Tera set-up: parses every template once per build with knead's filters
//! (`date`, `json`) and functions (`get_url`, `get_page`, `load_data`,
//! `resize_image`) registered, and
//! turns Tera's errors into diagnostics at the template's file and line.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use tera::{Kwargs, State, Tera, TeraResult, Value};

use super::lookup::{Lookup, get_page, get_url};
use super::resize::{ResizeImages, resize_image};
use crate::diagnostic::Diagnostic;
use crate::load::data::SiteData;
use crate::load::discover::TemplateFile;
use crate::render::components::load_data_function;

/// Parsed templates and where each came from, for error messages.
pub(super) struct Templates {
    pub(super) tera: Tera,
    pub(super) files: BTreeMap<String, PathBuf>,
    /// What the registered functions read.
    pub(super) lookup: Arc<Lookup>,
    /// `resize_image`'s images and the copies asked for.
    pub(super) resize: Arc<ResizeImages>,
    /// Some template calls `resize_image`.
    pub(super) resizes: bool,
}

/// Parses every template once, with knead's functions and filters registered
/// first (Tera 2 checks names at parse time). A syntax error names the file and line.
pub(super) fn load_templates(
    files: &BTreeMap<String, TemplateFile>,
    lookup: &Arc<Lookup>,
    data: &Arc<SiteData>,
    resize: ResizeImages,
) -> Result<Templates, Vec<Diagnostic>> {
    let paths: BTreeMap<String, PathBuf> = files
        .iter()
        .map(|(name, file)| (name.clone(), file.display_path.clone()))
        .collect();
    let mut tera = Tera::new();
    tera.autoescape_on([".html", ".htm", ".xml"]);
    tera.register_filter("date", date_filter);
    tera.register_filter("json", json_filter);
    let for_url = Arc::clone(lookup);
    tera.register_function("get_url", move |kwargs: Kwargs, _: &State| {
        get_url(&for_url, &kwargs)
    });
    let for_page = Arc::clone(lookup);
    tera.register_function("get_page", move |kwargs: Kwargs, _: &State| {
        get_page(&for_page, &kwargs)
    });
    tera.register_function("load_data", load_data_function(Arc::clone(data)));
    let resize = Arc::new(resize);
    let for_resize = Arc::clone(&resize);
    tera.register_function("resize_image", move |kwargs: Kwargs, _: &State| {
        resize_image(&for_resize, &kwargs)
    });
    tera.add_raw_templates(
        files
            .iter()
            .map(|(name, file)| (name.as_str(), file.text.as_str())),
    )
    .map_err(|err| load_diagnostics(&err, &paths))?;
    Ok(Templates {
        tera,
        files: paths,
        lookup: Arc::clone(lookup),
        resize,
        resizes: files.values().any(|f| f.text.contains("resize_image")),
    })
}

/// Tera's error as a diagnostic at the template's file, line and column, with the
/// error's causes appended (Tera keeps the useful part in `source()`).
pub(super) fn tera_diagnostic(err: &tera::Error, files: &BTreeMap<String, PathBuf>) -> Diagnostic {
    let file_of = |name: &str| {
        files
            .get(name)
            .cloned()
            .unwrap_or_else(|| PathBuf::from(name))
    };
    let mut diagnostic = match err.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let span = report.span();
            Diagnostic::error(file_of(report.filename()), report.message().to_string())
                .at(span.start_line, span.start_col + 1)
        }
        tera::ErrorKind::MissingParent { current, parent } => Diagnostic::error(
            file_of(current),
            format!("extends {parent:?}, which does not exist"),
        )
        .with_help("check the name in `{% extends %}`; names are relative to the templates folder"),
        tera::ErrorKind::TemplateNotFound(name) => {
            Diagnostic::error("templates", format!("template {name:?} not found"))
                .with_help("check the names used in `{% include %}` and `{% extends %}`")
        }
        _ => Diagnostic::error("templates", err.to_string()),
    };
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        diagnostic.message = format!("{}: {inner}", diagnostic.message);
        cause = inner.source();
    }
    diagnostic
}

/// The errors of loading the templates. Tera reports unknown functions,
/// filters, tests, components and blocks, found once every template is
/// parsed, as one message of compiler-style reports (`error: Unknown
/// function `x``, then ` --> page.html:2:21` and the source): each becomes
/// a one-line diagnostic at its position, like every other error. They are
/// found before any page is rendered, so they name no page.
fn load_diagnostics(err: &tera::Error, files: &BTreeMap<String, PathBuf>) -> Vec<Diagnostic> {
    let reports = match err.kind() {
        tera::ErrorKind::Msg(text) => reference_reports(text, files),
        _ => Vec::new(),
    };
    if reports.is_empty() {
        vec![tera_diagnostic(err, files)]
    } else {
        reports
    }
}

fn reference_reports(text: &str, files: &BTreeMap<String, PathBuf>) -> Vec<Diagnostic> {
    let mut lines = text.lines().peekable();
    let mut diagnostics = Vec::new();
    while let Some(line) = lines.next() {
        let Some(message) = line.strip_prefix("error: ") else {
            continue;
        };
        let location = lines
            .peek()
            .and_then(|next| next.trim_start().strip_prefix("--> "));
        let Some((name, line, col)) = location.and_then(split_location) else {
            continue;
        };
        let file = files
            .get(name)
            .cloned()
            .unwrap_or_else(|| PathBuf::from(name));
        diagnostics.push(
            Diagnostic::error(file, lower_first(message))
                .at(line, col)
                .with_help(
                    "check the name: knead adds the filters `date` and `json` and the functions \
                     `get_url`, `get_page`, `load_data` and `resize_image` to Tera's own",
                ),
        );
    }
    diagnostics
}

/// `page.html:2:21` → (`page.html`, 2, 21).
fn split_location(location: &str) -> Option<(&str, usize, usize)> {
    let (rest, col) = location.rsplit_once(':')?;
    let (name, line) = rest.rsplit_once(':')?;
    Some((name, line.parse().ok()?, col.trim().parse().ok()?))
}

/// `Unknown function` → `unknown function`, as knead's messages start.
fn lower_first(message: &str) -> String {
    let mut chars = message.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `{{ page.date | date(format="%B %-d, %Y") }}`: formats an ISO date as written
/// in front matter, in the time the author wrote it.
fn date_filter(value: &str, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let format = kwargs.get::<&str>("format")?.unwrap_or("%Y-%m-%d");
    let datetime = value
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| {
            value
                .parse::<jiff::Timestamp>()
                .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).datetime())
        })
        .map_err(|e| tera::Error::message(format!("date: {value:?} is not a date: {e}")))?;
    jiff::fmt::strtime::format(format, datetime)
        .map_err(|e| tera::Error::message(format!("date: bad format {format:?}: {e}")))
}

/// Any value as JSON that is safe inside `<script>`: `<`, `>` and `&` are
/// escaped so no string can close the script element or start a comment.
/// The result is marked safe, since HTML-escaping it would break the JSON.
fn json_filter(value: Value, _: Kwargs, _: &State) -> TeraResult<Value> {
    let json = serde_json::to_string(&value)
        .map_err(|e| tera::Error::message(format!("json: cannot encode the value: {e}")))?;
    let escaped = json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    Ok(Value::safe_string(&escaped))
}

#[cfg(test)]
mod tests {
    use tera::Context;

    use super::*;

    #[test]
    fn json_filter_cannot_close_the_script_element() {
        let context = Context::new();
        let state = State::new(&context);
        let value = Value::from("</script><!-- & \"x\"");
        let json = json_filter(value, Kwargs::default(), &state).expect("encodes");
        assert_eq!(
            json.as_str(),
            Some(r#""\u003c/script\u003e\u003c!-- \u0026 \"x\"""#)
        );
        assert!(json.is_safe());
    }

    #[test]
    fn date_filter_formats_dates_and_times() {
        let kwargs = Kwargs::from([("format", Value::from("%B %-d, %Y"))]);
        let context = Context::new();
        let state = State::new(&context);
        assert_eq!(
            date_filter("2024-05-01", kwargs.clone(), &state)
                .ok()
                .as_deref(),
            Some("May 1, 2024")
        );
        assert_eq!(
            date_filter("2024-05-01T23:30:00+02:00", kwargs.clone(), &state)
                .ok()
                .as_deref(),
            Some("May 1, 2024")
        );
        assert!(date_filter("yesterday", kwargs, &state).is_err());
    }
}
