//! Site configuration: `site.yaml` parsed and validated into `Config`. Owns the
//! meaning of every key of SPEC §3 and the base URL arithmetic; it does not read
//! the file (the caller hands it the text).

use std::path::Path;

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, suggest};
use crate::load::front_matter::PageDate;
use crate::load::yaml::{Fields, Origin};
use crate::slug::slugify;

/// Every top-level key `parse_config` reads.
pub const KNOWN_KEYS: &[&str] = &[
    "title",
    "base_url",
    "description",
    "language",
    "theme",
    "taxonomies",
    "feed",
    "search",
    "paginate_by",
    "markdown",
    "medical",
    "review",
    "reading_level",
    "images",
    "external_links",
    "dates",
    "citations",
    "extra",
];

#[derive(Debug, Clone)]
pub struct Config {
    pub title: String,
    pub base_url: BaseUrl,
    pub description: String,
    pub language: String,
    pub theme: Option<String>,
    /// Where `theme` is written in site.yaml, for "theme not found".
    pub theme_position: (usize, usize),
    pub taxonomies: Vec<Taxonomy>,
    pub feed: bool,
    pub search: bool,
    /// The default for sections and term pages without their own
    /// `paginate_by`; `None` lists every page on one page, as Zola does.
    pub paginate_by: Option<usize>,
    pub markdown: MarkdownConfig,
    /// The site gives health information: pages are `MedicalWebPage`s in
    /// JSON-LD, with their review dates.
    pub medical: bool,
    pub review: ReviewConfig,
    pub reading_level: ReadingLevel,
    /// Responsive images; `None` leaves images as they are.
    pub images: Option<ImagesConfig>,
    /// How `knead check --external` checks links to other sites.
    pub external_links: ExternalLinksConfig,
    /// Where pages without `date` or `updated` in their front matter get them.
    pub dates: DateSource,
    /// Where `dates` is written in site.yaml, for the warnings of `dates: git`.
    pub dates_position: (usize, usize),
    pub citations: CitationsConfig,
    pub extra: serde_yaml::Value,
}

/// `dates:` in site.yaml.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    /// Only what front matter says.
    #[default]
    FrontMatter,
    /// Front matter, else the git history of the page's file.
    Git,
}

/// The values of `dates:`, for the JSON schema and the error's help.
pub const DATE_SOURCES: &[&str] = &["front_matter", "git"];

/// The fields of `citations:`.
pub const CITATIONS_KEYS: &[&str] = &["references", "style"];
/// The references file used when `citations.references` does not name one.
pub const DEFAULT_REFERENCES: &str = "references.yaml";
/// knead's numeric style, in the manner of medical journals.
pub const DEFAULT_STYLE: &str = "numeric";

/// Where the site's references are and how citations look.
#[derive(Debug, Clone)]
pub struct CitationsConfig {
    /// The references file named in site.yaml, relative to the site root;
    /// `None`: `references.yaml` if the site has one (citations are off
    /// without a references file).
    pub references: Option<String>,
    pub references_position: (usize, usize),
    /// A bundled CSL style's name (`numeric` or `author-date`).
    pub style: String,
    pub style_position: (usize, usize),
}

impl Default for CitationsConfig {
    fn default() -> Self {
        CitationsConfig {
            references: None,
            references_position: (1, 1),
            style: DEFAULT_STYLE.to_string(),
            style_position: (1, 1),
        }
    }
}

/// The fields of `review:`, for the JSON schema and the parser.
pub const REVIEW_KEYS: &[&str] = &["interval", "warn_before", "required"];

/// How often pages are reviewed, and what `knead check` says about it.
#[derive(Debug, Clone)]
pub struct ReviewConfig {
    /// A page's next review is due this long after `reviewed`, unless its
    /// front matter sets `next_review`; `None`: only `next_review` counts.
    pub interval: Option<jiff::Span>,
    /// How long before its due date a review is "due soon".
    pub warn_before: jiff::Span,
    /// Pages without `reviewed` are warned about.
    pub required: bool,
}

/// The default `warn_before`, as written in site.yaml.
pub const DEFAULT_WARN_BEFORE: &str = "30d";

impl Default for ReviewConfig {
    fn default() -> Self {
        ReviewConfig {
            interval: None,
            warn_before: jiff::Span::new().days(30),
            required: false,
        }
    }
}

impl ReviewConfig {
    /// When a page's next review is due: its `next_review`, else `reviewed`
    /// plus `interval`.
    pub fn next_review(
        &self,
        reviewed: Option<&PageDate>,
        next_review: Option<&PageDate>,
    ) -> Option<jiff::civil::Date> {
        if let Some(next) = next_review {
            return Some(next.utc.date());
        }
        let (reviewed, interval) = (reviewed?, self.interval?);
        reviewed.utc.date().checked_add(interval).ok()
    }
}

/// The fields of `reading_level:`.
pub const READING_LEVEL_KEYS: &[&str] = &["max_grade"];

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadingLevel {
    /// The Flesch–Kincaid grade above which `knead check` warns; `None`: no
    /// warnings.
    pub max_grade: Option<f64>,
}

impl Config {
    /// Reading grades are computed with English syllable and sentence rules,
    /// so only an English site gets them.
    pub fn is_english(&self) -> bool {
        let language = self.language.to_ascii_lowercase();
        language == "en" || language.starts_with("en-") || language.starts_with("en_")
    }
}

/// Parses a duration such as `3y`, `18m` (months), `6w` or `60d`.
pub fn parse_duration(text: &str) -> Result<jiff::Span, String> {
    let text = text.trim();
    let malformed = || format!("{text:?} is not a whole number followed by y, m, w or d");
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: i64 = digits.parse().map_err(|_| malformed())?;
    let span = match unit {
        "y" => jiff::Span::new().try_years(number),
        "m" => jiff::Span::new().try_months(number),
        "w" => jiff::Span::new().try_weeks(number),
        "d" => jiff::Span::new().try_days(number),
        _ => return Err(malformed()),
    };
    span.map_err(|_| format!("{text:?} is too long"))
}

/// The fields of `external_links:`, for the JSON schema and the parser.
pub const EXTERNAL_LINKS_KEYS: &[&str] =
    &["skip", "timeout", "retries", "max_per_host", "cache_for"];

/// The defaults of `external_links:`, as written in site.yaml.
pub const DEFAULT_LINK_TIMEOUT: &str = "10s";
pub const DEFAULT_LINK_RETRIES: u32 = 2;
pub const DEFAULT_LINKS_PER_HOST: usize = 2;
pub const DEFAULT_LINK_CACHE_FOR: &str = "7d";

/// `external_links:` in site.yaml: what `knead check --external` leaves
/// alone, and how patient and how polite it is with other sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLinksConfig {
    /// URL patterns never requested: `*` stands for any characters, and a
    /// pattern matches every URL that starts with what it matches.
    pub skip: Vec<String>,
    /// How long one request may take, answer included.
    pub timeout: std::time::Duration,
    /// How often a request that timed out, was rate-limited or met a server
    /// error is tried again.
    pub retries: u32,
    /// Requests in flight to one host at a time.
    pub max_per_host: usize,
    /// How long a link found working is not checked again; zero: always.
    pub cache_for: std::time::Duration,
}

impl Default for ExternalLinksConfig {
    fn default() -> Self {
        ExternalLinksConfig {
            skip: Vec::new(),
            timeout: std::time::Duration::from_secs(10),
            retries: DEFAULT_LINK_RETRIES,
            max_per_host: DEFAULT_LINKS_PER_HOST,
            cache_for: std::time::Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// `external_links:` as written; durations are text until checked.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExternalLinksFields {
    #[serde(default)]
    skip: Vec<String>,
    timeout: Option<String>,
    retries: Option<u32>,
    max_per_host: Option<usize>,
    cache_for: Option<String>,
}

/// Parses a short duration such as `500ms`, `10s`, `30min`, `12h`, `7d` or `2w`.
pub fn parse_clock_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let malformed = || format!("{text:?} is not a whole number followed by ms, s, min, h, d or w");
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits.parse().map_err(|_| malformed())?;
    let millis_per_unit: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 604_800_000,
        _ => return Err(malformed()),
    };
    number
        .checked_mul(millis_per_unit)
        .map(std::time::Duration::from_millis)
        .ok_or_else(|| format!("{text:?} is too long"))
}

/// The fields of `ImagesConfig`, for the JSON schema.
pub const IMAGES_KEYS: &[&str] = &["widths", "format", "quality", "sizes"];

/// `images:` in site.yaml: the widths JPEG, PNG and WebP images of the
/// Markdown are resized to, and how the copies are encoded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagesConfig {
    /// Pixels; a width at or above an image's own is left out.
    pub widths: Vec<u32>,
    #[serde(default)]
    pub format: ImageOutput,
    /// JPEG and WebP quality, 1 to 100 (100: lossless WebP).
    #[serde(default = "default_quality")]
    pub quality: u8,
    /// The `sizes` attribute: how wide the image is shown.
    #[serde(default = "default_sizes")]
    pub sizes: String,
}

fn default_quality() -> u8 {
    80
}

fn default_sizes() -> String {
    "100vw".to_string()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageOutput {
    /// The source's own format.
    #[default]
    Original,
    Jpeg,
    Png,
    /// Lossy WebP at the quality; lossless at quality 100.
    Webp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taxonomy {
    /// As written in site.yaml and in front matter (`body_areas`).
    pub name: String,
    /// As used in URLs (`body-areas`).
    pub slug: String,
}

/// A taxonomy is named by its front-matter key.
impl AsRef<str> for Taxonomy {
    fn as_ref(&self) -> &str {
        &self.name
    }
}

/// The fields of `MarkdownConfig`, for the JSON schema; a test checks them
/// against the struct.
pub const MARKDOWN_KEYS: &[&str] = &["smart_punctuation", "heading_anchors"];

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarkdownConfig {
    pub smart_punctuation: bool,
    pub heading_anchors: bool,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            smart_punctuation: true,
            heading_anchors: false,
        }
    }
}

/// An absolute base URL split into origin (`https://example.org`) and path
/// (`/massage/`, always with both slashes), so site paths can be joined to either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    origin: String,
    path: String,
}

impl BaseUrl {
    pub fn parse(text: &str) -> Result<BaseUrl, String> {
        let text = text.trim();
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| format!("{text:?} is not an absolute URL"))?;
        if scheme != "http" && scheme != "https" {
            return Err(format!("{text:?} must start with http:// or https://"));
        }
        if rest.contains(['?', '#']) {
            return Err(format!("{text:?} must not have a query or fragment"));
        }
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if host.is_empty() {
            return Err(format!("{text:?} has no host"));
        }
        let mut path = path.trim_end_matches('/').to_string();
        path.push('/');
        Ok(BaseUrl {
            origin: format!("{scheme}://{host}"),
            path,
        })
    }

    /// The path under which the site lives: `/` or `/massage/`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `/types/swedish/` → `/massage/types/swedish/`.
    pub fn url(&self, site_path: &str) -> String {
        format!("{}{}", self.path, site_path.trim_start_matches('/'))
    }

    /// `/types/swedish/` → `https://example.org/massage/types/swedish/`.
    pub fn permalink(&self, site_path: &str) -> String {
        format!("{}{}", self.origin, self.url(site_path))
    }

    /// The base URL as configured, normalised to end with `/`.
    pub fn as_string(&self) -> String {
        format!("{}{}", self.origin, self.path)
    }
}

/// Parses site.yaml's text. Returns every problem found, not just the first.
pub fn parse_config(path: &Path, text: &str) -> Result<Config, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut fields = Fields::parse(path, text, Origin { first_line: 1 }).map_err(|d| vec![d])?;
    let title_given = fields.has("title");
    let title = fields.take::<String>("title", "a string");
    let base_url = read_base_url(&mut fields);
    let description = fields.take("description", "a string").unwrap_or_default();
    let language = fields
        .take("language", "a language code such as `en`")
        .unwrap_or_else(|| "en".to_string());
    let theme_position = fields.value_position("theme");
    let theme = fields.take("theme", "the name of a folder in themes/");
    let taxonomies = read_taxonomies(&mut fields);
    let feed = fields.take("feed", "`true` or `false`").unwrap_or(false);
    let search = fields.take("search", "`true` or `false`").unwrap_or(false);
    let paginate_by = fields.take_paginate_by();
    let markdown = read_markdown(&mut fields);
    let medical = fields.take("medical", "`true` or `false`").unwrap_or(false);
    let review = read_review(&mut fields);
    let reading_level = read_reading_level(&mut fields);
    let images = read_images(&mut fields);
    let external_links = read_external_links(&mut fields);
    let dates_position = fields.value_position("dates");
    let dates = fields
        .take("dates", "`front_matter` or `git`")
        .unwrap_or_default();
    let citations = read_citations(&mut fields);
    let extra = fields
        .take_value("extra")
        .unwrap_or(serde_yaml::Value::Mapping(Default::default()));
    let mut diagnostics = Vec::new();
    if !title_given {
        diagnostics.push(
            Diagnostic::error(path, "`title` is missing")
                .at(1, 1)
                .with_help("add a line such as `title: My Site`"),
        );
    }
    diagnostics.extend(fields.finish(KNOWN_KEYS, "site.yaml"));
    match (title, base_url) {
        (Some(title), Some(base_url)) if diagnostics.is_empty() => Ok(Config {
            title,
            base_url,
            description,
            language,
            theme,
            theme_position,
            taxonomies,
            feed,
            search,
            paginate_by,
            markdown,
            medical,
            review,
            reading_level,
            images,
            external_links,
            dates,
            dates_position,
            citations,
            extra,
        }),
        _ => Err(diagnostics),
    }
}

fn read_base_url(fields: &mut Fields) -> Option<BaseUrl> {
    let configured: Option<String> = fields.take("base_url", "an absolute URL");
    let Some(text) = configured else {
        fields.value_error(
            "base_url",
            "`base_url` is missing".into(),
            Some("add a line such as `base_url: https://example.org/`".into()),
        );
        return None;
    };
    match BaseUrl::parse(&text) {
        Ok(url) => Some(url),
        Err(problem) => {
            fields.value_error(
                "base_url",
                format!("`base_url` {problem}"),
                Some("write the full address, such as `https://example.org/docs/`".into()),
            );
            None
        }
    }
}

fn read_taxonomies(fields: &mut Fields) -> Vec<Taxonomy> {
    let names = fields
        .take_strings("taxonomies", "a list of names, such as `[tags]`")
        .unwrap_or_default();
    let mut taxonomies: Vec<Taxonomy> = Vec::with_capacity(names.len());
    for name in names {
        let slug = slugify(&name);
        let clash = crate::load::front_matter::KNOWN_KEYS.contains(&name.as_str());
        let problem = if slug.is_empty() {
            Some(format!(
                "taxonomy {name:?} has no letters or digits to make a URL from"
            ))
        } else if clash {
            Some(format!(
                "taxonomy {name:?} has the name of a front-matter field"
            ))
        } else if taxonomies.iter().any(|t| t.slug == slug) {
            Some(format!("taxonomy {name:?} is listed twice (URL /{slug}/)"))
        } else {
            None
        };
        match problem {
            Some(message) => fields.value_error(
                "taxonomies",
                message,
                Some("give each taxonomy a distinct name made of letters, digits and `_`".into()),
            ),
            None => taxonomies.push(Taxonomy { name, slug }),
        }
    }
    taxonomies
}

fn read_markdown(fields: &mut Fields) -> MarkdownConfig {
    let Some(value) = fields.take_value("markdown") else {
        return MarkdownConfig::default();
    };
    match serde_yaml::from_value(value) {
        Ok(markdown) => markdown,
        Err(err) => {
            fields.value_error(
                "markdown",
                format!("`markdown` {err}"),
                Some("the markdown keys are `smart_punctuation` and `heading_anchors`, each `true` or `false`".into()),
            );
            MarkdownConfig::default()
        }
    }
}

fn read_review(fields: &mut Fields) -> ReviewConfig {
    let mut review = ReviewConfig::default();
    let Some(value) = fields.take_value("review") else {
        return review;
    };
    let serde_yaml::Value::Mapping(map) = value else {
        fields.value_error(
            "review",
            "`review` must be a mapping such as `{ interval: 3y, warn_before: 60d }`".into(),
            None,
        );
        return review;
    };
    for (key, value) in map {
        let key = key.as_str().unwrap_or_default().to_string();
        let known = REVIEW_KEYS.contains(&key.as_str());
        let position = if known {
            fields.nested_value_position("review", &key)
        } else {
            fields.nested_key_position("review", &key)
        };
        let problem = match (key.as_str(), value) {
            ("required", serde_yaml::Value::Bool(required)) => {
                review.required = required;
                None
            }
            ("required", _) => Some((
                "`review.required` must be `true` or `false`".to_string(),
                None,
            )),
            ("interval" | "warn_before", value) => {
                let parsed = match &value {
                    serde_yaml::Value::String(text) => parse_duration(text),
                    _ => Err("it is not text".to_string()),
                };
                match parsed {
                    Ok(span) if key == "interval" => {
                        review.interval = Some(span);
                        None
                    }
                    Ok(span) => {
                        review.warn_before = span;
                        None
                    }
                    Err(reason) => Some((
                        format!("`review.{key}` is not a duration: {reason}"),
                        Some(
                            "write a whole number and a unit: `3y` (years), `18m` (months), `6w` (weeks) or `60d` (days)"
                                .to_string(),
                        ),
                    )),
                }
            }
            _ => Some((
                format!("unknown `review` key `{key}`"),
                Some(match suggest(&key, REVIEW_KEYS.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("the review keys are: {}", REVIEW_KEYS.join(", ")),
                }),
            )),
        };
        if let Some((message, help)) = problem {
            fields.error_at(position, message, help);
        }
    }
    review
}

fn read_reading_level(fields: &mut Fields) -> ReadingLevel {
    let Some(value) = fields.take_value("reading_level") else {
        return ReadingLevel::default();
    };
    match serde_yaml::from_value::<ReadingLevel>(value) {
        Ok(level) if level.max_grade.is_none_or(|g| g.is_finite() && g >= 0.0) => level,
        Ok(_) => {
            let position = fields.nested_value_position("reading_level", "max_grade");
            fields.error_at(
                position,
                "`reading_level.max_grade` must be a grade of 0 or more".into(),
                Some("US school grades: `8` suits most readers of health information".into()),
            );
            ReadingLevel::default()
        }
        Err(err) => {
            fields.value_error(
                "reading_level",
                format!("`reading_level` {err}"),
                Some("write `reading_level: { max_grade: 8 }`".into()),
            );
            ReadingLevel::default()
        }
    }
}

fn read_citations(fields: &mut Fields) -> CitationsConfig {
    let mut citations = CitationsConfig {
        style_position: fields.value_position("citations"),
        references_position: fields.value_position("citations"),
        ..CitationsConfig::default()
    };
    let Some(value) = fields.take_value("citations") else {
        return citations;
    };
    let serde_yaml::Value::Mapping(map) = value else {
        fields.value_error(
            "citations",
            "`citations` must be a mapping such as `{ references: references.yaml, style: vancouver }`"
                .into(),
            None,
        );
        return citations;
    };
    for (key, value) in map {
        let key = key.as_str().unwrap_or_default().to_string();
        let Some(known) = CITATIONS_KEYS.iter().find(|k| **k == key) else {
            let help = match suggest(&key, CITATIONS_KEYS.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("the citations keys are: {}", CITATIONS_KEYS.join(", ")),
            };
            let position = fields.nested_key_position("citations", &key);
            fields.error_at(
                position,
                format!("unknown `citations` key `{key}`"),
                Some(help),
            );
            continue;
        };
        let position = fields.nested_value_position("citations", known);
        let text = match value {
            serde_yaml::Value::String(text) if !text.trim().is_empty() => text,
            _ => {
                let help = if *known == "style" {
                    "name a bundled citation style: `numeric` or `author-date`"
                } else {
                    "name a file in the site folder, such as `references.yaml`"
                };
                fields.error_at(
                    position,
                    format!("`citations.{known}` must be text"),
                    Some(help.into()),
                );
                continue;
            }
        };
        if *known == "style" {
            citations.style = text;
            citations.style_position = position;
        } else {
            citations.references = Some(text);
            citations.references_position = position;
        }
    }
    citations
}

fn read_images(fields: &mut Fields) -> Option<ImagesConfig> {
    let value = fields.take_value("images")?;
    let help = "write for example `images: { widths: [480, 960, 1600], format: original, quality: 80 }`; \
                format is original, jpeg, png or webp";
    let problem = match serde_yaml::from_value::<ImagesConfig>(value) {
        Ok(images) if images.widths.is_empty() || images.widths.contains(&0) => {
            "`images.widths` needs at least one width above 0".to_string()
        }
        Ok(images) if !(1..=100).contains(&images.quality) => {
            "`images.quality` is between 1 and 100".to_string()
        }
        Ok(mut images) => {
            images.widths.sort_unstable();
            images.widths.dedup();
            return Some(images);
        }
        Err(err) => format!("`images` {err}"),
    };
    fields.value_error("images", problem, Some(help.into()));
    None
}

fn read_external_links(fields: &mut Fields) -> ExternalLinksConfig {
    let mut config = ExternalLinksConfig::default();
    let Some(value) = fields.take_value("external_links") else {
        return config;
    };
    let written = match serde_yaml::from_value::<ExternalLinksFields>(value) {
        Ok(written) => written,
        Err(err) => {
            fields.value_error(
                "external_links",
                format!("`external_links` {err}"),
                Some(
                    "write for example `external_links: { skip: [\"https://example.org/*\"], timeout: 10s, \
                     retries: 2, max_per_host: 2, cache_for: 7d }`"
                        .into(),
                ),
            );
            return config;
        }
    };
    config.skip = written.skip;
    config.retries = written.retries.unwrap_or(DEFAULT_LINK_RETRIES);
    match written.max_per_host {
        Some(0) => {
            let position = fields.nested_value_position("external_links", "max_per_host");
            fields.error_at(
                position,
                "`external_links.max_per_host` must be 1 or more".into(),
                Some("`2` asks each site for at most two pages at a time".into()),
            );
        }
        Some(n) => config.max_per_host = n,
        None => {}
    }
    let durations = [
        ("timeout", written.timeout, &mut config.timeout),
        ("cache_for", written.cache_for, &mut config.cache_for),
    ];
    for (key, text, slot) in durations {
        let Some(text) = text else { continue };
        match parse_clock_duration(&text) {
            Ok(duration) if key == "timeout" && duration.is_zero() => {
                let position = fields.nested_value_position("external_links", key);
                fields.error_at(
                    position,
                    "`external_links.timeout` must be longer than 0".into(),
                    Some(format!("the default is {DEFAULT_LINK_TIMEOUT}")),
                );
            }
            Ok(duration) => *slot = duration,
            Err(reason) => {
                let position = fields.nested_value_position("external_links", key);
                fields.error_at(
                    position,
                    format!("`external_links.{key}` is not a duration: {reason}"),
                    Some(
                        "write a whole number and a unit: `500ms`, `10s`, `30min`, `12h`, `7d` or `2w`"
                            .into(),
                    ),
                );
            }
        }
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_keeps_sub_path() {
        let url = BaseUrl::parse("https://example.org/massage").expect("valid");
        assert_eq!(url.path(), "/massage/");
        assert_eq!(url.url("/types/swedish/"), "/massage/types/swedish/");
        assert_eq!(url.permalink("/"), "https://example.org/massage/");
    }

    #[test]
    fn base_url_rejects_relative() {
        assert!(BaseUrl::parse("example.org").is_err());
        assert!(BaseUrl::parse("ftp://example.org").is_err());
        assert!(BaseUrl::parse("https:///x").is_err());
    }

    #[test]
    fn config_reads_every_key() {
        let text = "title: T\nbase_url: https://e.org/\ndescription: D\nlanguage: de\ntheme: plain\n\
                    taxonomies: [tags, body_areas]\nfeed: true\nsearch: true\npaginate_by: 7\n\
                    markdown: { smart_punctuation: false, heading_anchors: true }\nextra: { a: 1 }\n";
        let config = parse_config(Path::new("site.yaml"), text).expect("valid");
        assert_eq!(config.taxonomies[1].slug, "body-areas");
        assert!(config.markdown.heading_anchors && !config.markdown.smart_punctuation);
        assert!(config.feed && config.search);
        assert_eq!(config.language, "de");
        assert_eq!(config.paginate_by, Some(7));
        assert_eq!(config.dates, DateSource::FrontMatter);
    }

    #[test]
    fn dates_is_front_matter_or_git() {
        let config = |dates: &str| {
            let text = format!("title: T\nbase_url: https://e.org/\ndates: {dates}\n");
            parse_config(Path::new("site.yaml"), &text)
        };
        let git = config("git").expect("valid");
        assert_eq!((git.dates, git.dates_position), (DateSource::Git, (3, 8)));
        let errors = config("svn").expect_err("invalid");
        assert_eq!((errors[0].line, errors[0].col), (3, 8));
        assert!(errors[0].message.contains("`front_matter` or `git`"));
    }

    #[test]
    fn paginate_by_must_be_a_positive_whole_number() {
        for (value, col) in [("0", 14), ("-3", 14), ("ten", 14), ("2.5", 14)] {
            let text = format!("title: T\nbase_url: https://e.org/\npaginate_by: {value}\n");
            let errors = parse_config(Path::new("site.yaml"), &text).expect_err(value);
            assert_eq!((errors[0].line, errors[0].col), (3, col), "{value}");
            assert!(errors[0].message.contains("paginate_by"), "{value}");
        }
    }

    #[test]
    fn external_links_read_durations_and_reject_bad_ones_at_their_value() {
        let text = "title: T\nbase_url: https://e.org/\nexternal_links:\n  skip: [\"https://a.org/*\"]\n  \
                    timeout: 1500ms\n  cache_for: 2w\n  max_per_host: 4\n  retries: 0\n";
        let config = parse_config(Path::new("site.yaml"), text).expect("valid");
        let links = config.external_links;
        assert_eq!(links.skip, ["https://a.org/*"]);
        assert_eq!(links.timeout, std::time::Duration::from_millis(1500));
        assert_eq!(links.cache_for, std::time::Duration::from_secs(14 * 86_400));
        assert_eq!((links.max_per_host, links.retries), (4, 0));
        let text = "title: T\nbase_url: https://e.org/\nexternal_links: { timeout: 10m, max_per_host: 0 }\n";
        let errors = parse_config(Path::new("site.yaml"), text).expect_err("invalid");
        let found: Vec<(usize, usize, &str)> = errors
            .iter()
            .map(|e| (e.line, e.col, e.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (3, 47, "`external_links.max_per_host` must be 1 or more"),
                (
                    3,
                    28,
                    "`external_links.timeout` is not a duration: \"10m\" is not a whole number followed by ms, s, min, h, d or w"
                ),
            ]
        );
    }

    #[test]
    fn external_links_defaults_are_the_documented_ones() {
        let defaults = ExternalLinksConfig::default();
        assert_eq!(
            parse_clock_duration(DEFAULT_LINK_TIMEOUT),
            Ok(defaults.timeout)
        );
        assert_eq!(
            parse_clock_duration(DEFAULT_LINK_CACHE_FOR),
            Ok(defaults.cache_for)
        );
        // serde lists every field of the struct when it meets an unknown one.
        let err = serde_yaml::from_str::<ExternalLinksFields>("unknown_key: 1")
            .expect_err("unknown field");
        let message = err.to_string();
        let (_, expected) = message.split_once("expected").expect("field list");
        let fields: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        assert_eq!(fields, EXTERNAL_LINKS_KEYS);
    }

    #[test]
    fn unknown_config_key_is_reported_with_suggestion() {
        let text = "title: T\nbase_url: https://e.org/\ntheem: plain\n";
        let errors = parse_config(Path::new("site.yaml"), text).expect_err("invalid");
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].col), (3, 1));
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `theme`?"));
    }
}
