//! Front matter: splitting a Markdown file into its YAML header and body, and
//! reading the header into a typed `FrontMatter` (SPEC §4). Owns field types,
//! defaults and date validation; it does not know URLs or other pages.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;

use jiff::fmt::temporal::{Pieces, PiecesOffset};

use crate::diagnostic::Diagnostic;
use crate::load::yaml::{Fields, Origin};

pub const KNOWN_KEYS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "draft",
    "slug",
    "weight",
    "aliases",
    "template",
    "toc",
    "related",
    "paginate_by",
    "reviewed",
    "reviewed_by",
    "next_review",
    "extra",
];

#[derive(Debug, Clone)]
pub struct FrontMatter {
    pub title: String,
    pub description: Option<String>,
    pub date: Option<PageDate>,
    pub updated: Option<PageDate>,
    pub draft: bool,
    pub slug: Option<String>,
    pub weight: Option<i64>,
    pub aliases: Vec<String>,
    pub template: Option<String>,
    pub toc: bool,
    pub related: Vec<String>,
    /// Sections only: how many pages each pager of the list shows.
    pub paginate_by: Option<usize>,
    /// Terms per taxonomy, in site.yaml's taxonomy order; only taxonomies the page uses.
    pub taxonomies: Vec<(String, Vec<String>)>,
    /// When the content was last checked for accuracy, and by whom.
    pub reviewed: Option<PageDate>,
    pub reviewed_by: Option<Reviewer>,
    /// When the next review is due, if not `reviewed` plus site.yaml's
    /// `review.interval`.
    pub next_review: Option<PageDate>,
    pub extra: serde_yaml::Value,
    /// Line and column of each top-level key, for errors found in later stages.
    pub positions: HashMap<String, (usize, usize)>,
}

/// Who reviewed a page: `reviewed_by: A. Name` or
/// `reviewed_by: { name: A. Name, credentials: PT, DPT }`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reviewer {
    pub name: String,
    #[serde(default)]
    pub credentials: Option<String>,
}

/// The fields of `reviewed_by`'s mapping form.
pub const REVIEWER_KEYS: &[&str] = &["name", "credentials"];

/// A date as the author wrote it (`2024-05-01` or RFC 3339 and the other
/// ISO 8601 forms jiff reads), kept as the UTC wall-clock time it means, for
/// sorting and for the sitemap and feed, and as `text`, the same date in the
/// one form valid in an HTML `<time datetime>`. A plain date counts as
/// midnight UTC. The UTC time is a civil time, not a timestamp, so that the
/// last day of year 9999 fits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageDate {
    /// `2024-05-01`, or `2024-05-01T09:30:00.123+02:00`: at most milliseconds
    /// (HTML allows no more), `Z` for a zero offset.
    pub text: String,
    pub utc: jiff::civil::DateTime,
    /// Written as a plain date, with no time of day.
    pub date_only: bool,
}

impl Ord for PageDate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.utc
            .cmp(&other.utc)
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl PartialOrd for PageDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Offsets in use run from -12:00 to +14:00; RFC 3339 allows up to 23:59.
const MAX_OFFSET_SECONDS: i32 = 24 * 3600 - 60;

impl PageDate {
    pub fn parse(text: &str) -> Result<PageDate, String> {
        let pieces = Pieces::parse(text.trim()).map_err(|e| e.to_string())?;
        let date = pieces.date();
        if date.year() < 1 {
            return Err("years before 1 are not supported".into());
        }
        let Some(time) = pieces.time() else {
            return Ok(PageDate {
                text: date.to_string(),
                utc: date.to_datetime(jiff::civil::Time::midnight()),
                date_only: true,
            });
        };
        let offset = offset_seconds(pieces.offset())?;
        let utc = date
            .to_datetime(time)
            .checked_sub(jiff::SignedDuration::from_secs(i64::from(offset)))
            .map_err(|_| "in UTC it falls outside the years 1 to 9999".to_string())?;
        Ok(PageDate {
            text: format!("{date}T{}{}", html_time(time), html_offset(offset)),
            utc,
            date_only: false,
        })
    }

    /// Written as a plain date, with no time of day.
    pub fn is_date_only(&self) -> bool {
        self.date_only
    }
}

/// The offset from UTC in seconds: whole minutes, under a day.
fn offset_seconds(offset: Option<PiecesOffset>) -> Result<i32, String> {
    let seconds = match offset {
        None => {
            return Err(
                "it has a time of day but no offset; add `Z` for UTC or an offset such as `+02:00`"
                    .into(),
            );
        }
        Some(PiecesOffset::Zulu) => 0,
        Some(offset) => offset.to_numeric_offset().seconds(),
    };
    if seconds.abs() > MAX_OFFSET_SECONDS {
        return Err("the offset must be between -23:59 and +23:59".into());
    }
    if seconds % 60 != 0 {
        return Err("the offset has seconds; offsets are whole minutes, such as `+05:30`".into());
    }
    Ok(seconds)
}

/// `09:30:00`, or `09:30:00.123`: HTML's time allows three decimals at most.
fn html_time(time: jiff::civil::Time) -> String {
    let hms = format!(
        "{:02}:{:02}:{:02}",
        time.hour(),
        time.minute(),
        time.second()
    );
    match time.millisecond() {
        0 => hms,
        millis => format!("{hms}.{millis:03}"),
    }
}

/// `Z`, or `+05:30`; HTML forbids `-00:00`.
fn html_offset(seconds: i32) -> String {
    if seconds == 0 {
        return "Z".into();
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A Markdown file cut in two. Offsets are bytes into the file's text (after any
/// BOM), so positions found in the body can be reported as file lines.
#[derive(Debug, Clone, Copy)]
pub struct Split<'a> {
    pub yaml: &'a str,
    pub yaml_first_line: usize,
    pub body: &'a str,
    pub body_offset: usize,
}

/// Cuts `text` at the `---` lines. Accepts CRLF line endings.
pub fn split<'a>(path: &Path, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let mut lines = text.split_inclusive('\n');
    let opening = lines.next().unwrap_or("");
    if !is_fence(opening) {
        return Err(
            Diagnostic::error(path, "the file does not start with front matter")
                .at(1, 1)
                .with_help(
                    "start the file with a line `---`, then `title: ...`, then another line `---`",
                ),
        );
    }
    let yaml_start = opening.len();
    let mut offset = yaml_start;
    for line in lines {
        if is_fence(line) {
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_first_line: 2,
                body: &text[offset + line.len()..],
                body_offset: offset + line.len(),
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(path, "the front matter is never closed")
        .at(1, 1)
        .with_help("add a line `---` after the last front-matter field"))
}

fn is_fence(line: &str) -> bool {
    line.trim_end() == "---"
}

/// Reads the header. `taxonomies` are the names of those site.yaml declares;
/// any other unknown key is an error with a suggestion.
pub fn parse_front_matter(
    path: &Path,
    split: &Split<'_>,
    taxonomies: &[impl AsRef<str>],
) -> Result<FrontMatter, Vec<Diagnostic>> {
    let origin = Origin {
        first_line: split.yaml_first_line,
    };
    let mut fields = Fields::parse(path, split.yaml, origin).map_err(|d| vec![d])?;
    let title_given = fields.has("title");
    let title: Option<String> = fields.take("title", "a string");
    let front_matter = FrontMatter {
        description: fields.take("description", "a string"),
        date: take_date(&mut fields, "date"),
        updated: take_date(&mut fields, "updated"),
        draft: fields.take("draft", "`true` or `false`").unwrap_or(false),
        slug: fields.take("slug", "a string"),
        weight: fields.take("weight", "a whole number"),
        aliases: fields
            .take_strings("aliases", "a list of paths")
            .unwrap_or_default(),
        template: fields.take("template", "a template file name"),
        toc: fields.take("toc", "`true` or `false`").unwrap_or(true),
        related: fields
            .take_strings("related", "a list of page references")
            .unwrap_or_default(),
        paginate_by: fields.take_paginate_by(),
        taxonomies: take_taxonomies(&mut fields, taxonomies),
        reviewed: take_date(&mut fields, "reviewed"),
        reviewed_by: take_reviewer(&mut fields),
        next_review: take_date(&mut fields, "next_review"),
        extra: fields
            .take_value("extra")
            .unwrap_or(serde_yaml::Value::Mapping(Default::default())),
        title: title.clone().unwrap_or_default(),
        positions: fields.positions(),
    };
    let mut diagnostics = Vec::new();
    if !title_given {
        diagnostics.push(
            Diagnostic::error(path, "the front matter has no `title`")
                .at(1, 1)
                .with_help("add a line such as `title: Swedish Massage` between the `---` lines"),
        );
    } else if title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        let (line, col) = fields.key_position("title");
        diagnostics.push(
            Diagnostic::error(path, "`title` is empty")
                .at(line, col)
                .with_help("give the page a title"),
        );
    }
    let known: Vec<&str> = KNOWN_KEYS
        .iter()
        .copied()
        .chain(taxonomies.iter().map(AsRef::as_ref))
        .collect();
    diagnostics.extend(fields.finish(&known, "front-matter"));
    if diagnostics.is_empty() {
        Ok(front_matter)
    } else {
        Err(diagnostics)
    }
}

fn take_date(fields: &mut Fields, key: &str) -> Option<PageDate> {
    let expected = "a date such as `2024-05-01` or `2024-05-01T09:30:00+02:00`";
    let text: String = fields.take(key, expected)?;
    match PageDate::parse(&text) {
        Ok(date) => Some(date),
        Err(reason) => {
            fields.value_error(
                key,
                format!("`{key}` {text:?} is not a valid date: {reason}"),
                Some(format!("write {expected}")),
            );
            None
        }
    }
}

fn take_reviewer(fields: &mut Fields) -> Option<Reviewer> {
    let reviewer = match fields.take_value("reviewed_by")? {
        serde_yaml::Value::String(name) => Ok(Reviewer {
            name,
            credentials: None,
        }),
        value @ serde_yaml::Value::Mapping(_) => {
            serde_yaml::from_value::<Reviewer>(value).map_err(|e| e.to_string())
        }
        _ => Err("it must be a name or a mapping".into()),
    };
    match reviewer {
        Ok(reviewer) if !reviewer.name.trim().is_empty() => Some(reviewer),
        Ok(_) => {
            fields.value_error(
                "reviewed_by",
                "`reviewed_by` has an empty name".into(),
                None,
            );
            None
        }
        Err(reason) => {
            fields.value_error(
                "reviewed_by",
                format!("`reviewed_by` is not a reviewer: {reason}"),
                Some(
                    "write a name, such as `reviewed_by: A. Name`, or `reviewed_by: { name: A. Name, credentials: PT }`"
                        .into(),
                ),
            );
            None
        }
    }
}

fn take_taxonomies(
    fields: &mut Fields,
    taxonomies: &[impl AsRef<str>],
) -> Vec<(String, Vec<String>)> {
    taxonomies
        .iter()
        .map(AsRef::as_ref)
        .filter_map(|name| {
            let terms = fields.take_strings(name, "a list of terms, such as `[a, b]`")?;
            Some((name.to_string(), terms))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<FrontMatter, Vec<Diagnostic>> {
        let path = Path::new("p.md");
        let split = split(path, text).map_err(|d| vec![d])?;
        parse_front_matter(path, &split, &["tags"])
    }

    #[test]
    fn split_accepts_crlf() {
        let text = "---\r\ntitle: A\r\n---\r\nbody\r\n";
        let s = split(Path::new("p.md"), text).expect("front matter");
        assert_eq!(s.yaml, "title: A\r\n");
        assert_eq!(s.body, "body\r\n");
        assert_eq!(&text[s.body_offset..], "body\r\n");
    }

    #[test]
    fn every_field_is_read() {
        let fm = parse(
            "---\ntitle: A\ndescription: D\ndate: 2024-05-01\nupdated: 2024-06-01T10:00:00+02:00\n\
             draft: true\nslug: a-b\nweight: 3\naliases: [/old/]\ntemplate: wide.html\ntoc: false\n\
             related: ['[[B]]']\ntags: [x, y]\nextra: {k: v}\n---\n",
        )
        .expect("valid");
        assert_eq!(fm.title, "A");
        assert_eq!(
            fm.date.as_ref().map(|d| d.text.as_str()),
            Some("2024-05-01")
        );
        assert!(fm.updated.expect("updated") > fm.date.expect("date"));
        assert!(fm.draft && !fm.toc);
        assert_eq!(fm.weight, Some(3));
        assert_eq!(
            fm.taxonomies,
            vec![("tags".to_string(), vec!["x".into(), "y".into()])]
        );
    }

    #[test]
    fn bad_date_points_at_value() {
        let errors = parse("---\ntitle: A\ndate: 2024-13-01\n---\n").expect_err("bad date");
        assert_eq!((errors[0].line, errors[0].col), (3, 7));
    }

    #[test]
    fn missing_title_is_an_error() {
        let errors = parse("---\ndescription: x\n---\n").expect_err("no title");
        assert!(errors[0].message.contains("no `title`"));
    }
}
