//! The site's references for citations: a Hayagriva YAML file (by default
//! `references.yaml` beside site.yaml), parsed once per build with the
//! CSL style site.yaml names. Each entry is parsed on its own so that a
//! mistake is reported at its key's line and the other entries still load;
//! DOIs and PMIDs are checked here, at their own line and column, because a
//! reader follows them as links.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hayagriva::citationberg::{IndependentStyle, Locale, LocaleFile};
use hayagriva::{Entry, Library};
use serde_yaml::{Mapping, Value};

use crate::diagnostic::{Diagnostic, Diagnostics, line_col, suggest};
use crate::load::config::CitationsConfig;
use crate::load::discover::ReferencesFile;
use crate::load::yaml::{parse_document, top_level_key_lines};
use crate::names::CONFIG_FILE;

/// The references, the style that writes them and where each key is.
#[derive(Debug)]
pub struct References {
    /// Relative to the site root, for messages.
    pub path: PathBuf,
    pub library: Library,
    /// Every key with its line in the file, in file order.
    pub keys: Vec<(String, usize)>,
    /// Keys of entries that could not be read (and were reported).
    pub unreadable: Vec<String>,
    pub style: IndependentStyle,
    /// The CSL locales, for the style's terms ("p.", "et al.", "Available from").
    pub locales: &'static [Locale],
}

/// The address a DOI is linked to, in reference lists and for checking.
pub fn doi_url(doi: &str) -> String {
    format!("https://doi.org/{doi}")
}

/// The address a PMID is linked to: its PubMed page.
pub fn pmid_url(pmid: &str) -> String {
    format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/")
}

impl References {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.library.get(key)
    }

    /// The key closest to `key`, for "did you mean".
    pub fn nearest(&self, key: &str) -> Option<&str> {
        suggest(key, self.keys.iter().map(|(k, _)| k.as_str()))
    }
}

/// The styles bundled with knead, by the name site.yaml uses, and the
/// English terms they use. knead writes its own: the CSL project's styles and
/// locales are CC BY-SA, a licence knead does not ship.
pub const STYLES: &[(&str, &str)] = &[
    ("numeric", include_str!("csl/numeric.csl")),
    ("author-date", include_str!("csl/author-date.csl")),
];
const LOCALE_EN: &str = include_str!("csl/en.xml");

/// The English terms, decoded once per process: `knead serve` builds again
/// and again.
fn csl_locales() -> &'static [Locale] {
    static LOCALES: OnceLock<Vec<Locale>> = OnceLock::new();
    LOCALES.get_or_init(|| {
        LocaleFile::from_xml(LOCALE_EN)
            .map(Locale::from)
            .into_iter()
            .collect()
    })
}

/// Parses the references file with the style site.yaml names. Problems are
/// reported; an entry Hayagriva cannot read is left out but remembered, so
/// that citing it adds no second error to the one at the entry.
pub fn parse_references(
    file: &ReferencesFile,
    config: &CitationsConfig,
    diagnostics: &mut Diagnostics,
) -> Option<References> {
    let style = read_style(config, diagnostics);
    let path = file.rel_path.clone();
    let value = match parse_document(&path, &file.text) {
        Ok(value) => value,
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            return None;
        }
    };
    let map = match value {
        Value::Mapping(map) => map,
        Value::Null => Mapping::new(),
        _ => {
            diagnostics.push(
                Diagnostic::error(&path, "expected a mapping from reference keys to references")
                    .at(1, 1)
                    .with_help("write each reference as `key:` followed by its indented fields (type, title, author, date, serial-number: { doi: … })"),
            );
            return None;
        }
    };
    let lines = top_level_key_lines(&file.text);
    let mut library = Library::new();
    let mut keys = Vec::new();
    let mut unreadable = Vec::new();
    for (key, value) in map {
        let Some(key) = key.as_str().map(str::to_string) else {
            diagnostics.push(
                Diagnostic::error(&path, "a reference key must be a name such as `furlan2015`")
                    .at(1, 1),
            );
            continue;
        };
        let line = lines.get(&key).copied().unwrap_or(1);
        match parse_entry(&path, &file.text, &key, line, value) {
            Ok(entry) => {
                diagnostics.extend(identifier_problems(&path, &file.text, line, &entry));
                library.push(&entry);
                keys.push((key, line));
            }
            Err(problems) => {
                diagnostics.extend(problems);
                unreadable.push(key);
            }
        }
    }
    Some(References {
        path,
        library,
        keys,
        unreadable,
        style: style?,
        locales: csl_locales(),
    })
}

/// The bundled CSL style named in site.yaml.
fn read_style(config: &CitationsConfig, diagnostics: &mut Diagnostics) -> Option<IndependentStyle> {
    let (line, col) = config.style_position;
    let Some((_, xml)) = STYLES.iter().find(|(name, _)| *name == config.style) else {
        let names = STYLES.iter().map(|(name, _)| *name);
        let help = match suggest(&config.style, names.clone()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!(
                "the bundled styles are {}",
                names
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        };
        diagnostics.push(
            Diagnostic::error(
                CONFIG_FILE,
                format!("no bundled citation style named `{}`", config.style),
            )
            .at(line, col)
            .with_help(help),
        );
        return None;
    };
    // The bundled styles are tested to parse (see the tests below).
    IndependentStyle::from_xml(xml).ok()
}

/// One reference, parsed by Hayagriva, its key checked.
fn parse_entry(
    path: &Path,
    text: &str,
    key: &str,
    line: usize,
    value: Value,
) -> Result<Entry, Vec<Diagnostic>> {
    if let Some(bad) = key.chars().find(|&c| !is_key_char(c)) {
        return Err(vec![
            Diagnostic::error(
                path,
                format!("reference key `{key}` cannot be cited: it holds {bad:?}"),
            )
            .at(line, 1)
            .with_help("use letters, digits and `_-:.#/+` in keys, such as `furlan2015`"),
        ]);
    }
    let mut single = Mapping::new();
    single.insert(Value::String(key.to_string()), value);
    let library: Library = serde_yaml::from_value(Value::Mapping(single)).map_err(|err| {
        let (message, help) = explain(&err.to_string());
        // An unknown value (`type: Nonsense`) is found in the entry.
        let (at_line, col) = message
            .split('`')
            .nth(1)
            .filter(|_| message.starts_with("unknown variant"))
            .map_or((line, 1), |value| value_position(text, line, value));
        vec![
            Diagnostic::error(path, format!("reference `{key}`: {message}"))
                .at(at_line, col)
                .with_help(help),
        ]
    })?;
    library.get(key).cloned().ok_or_else(|| {
        vec![Diagnostic::error(path, format!("reference `{key}` could not be read")).at(line, 1)]
    })
}

/// Hayagriva's complaint, with a long list of choices (each written in two
/// cases) moved to the help, once each.
fn explain(error: &str) -> (String, String) {
    let format = "see the Hayagriva file format: each reference has a `type` and fields such as `title`, `author`, `date`, `url`, `serial-number: { doi: …, pmid: … }`";
    match error.split_once(", expected one of ") {
        Some((message, choices)) => {
            let lower: Vec<&str> = choices
                .split(", ")
                .filter(|c| !c.trim_matches('`').starts_with(char::is_uppercase))
                .collect();
            (
                message.to_string(),
                format!("write one of {}", lower.join(", ")),
            )
        }
        None => (error.to_string(), format.to_string()),
    }
}

/// What a reference key may hold: what a citation `[@key]` can name.
pub fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.' | '#' | '/' | '+')
}

/// Malformed DOIs and PMIDs of an entry and its parents, at the value.
fn identifier_problems(path: &Path, text: &str, line: usize, entry: &Entry) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut pending = vec![entry];
    while let Some(entry) = pending.pop() {
        if let Some(doi) = entry.doi() {
            if let Err(help) = check_doi(doi) {
                let (at_line, col) = value_position(text, line, doi);
                problems.push(
                    Diagnostic::error(path, format!("malformed DOI {doi:?}"))
                        .at(at_line, col)
                        .with_help(help),
                );
            }
        }
        if let Some(pmid) = entry.pmid() {
            if !is_pmid(pmid) {
                let (at_line, col) = value_position(text, line, pmid);
                problems.push(
                    Diagnostic::error(path, format!("malformed PMID {pmid:?}"))
                        .at(at_line, col)
                        .with_help(
                            "a PMID is the PubMed number alone, 1 to 8 digits, such as `28192789`",
                        ),
                );
            }
        }
        pending.extend(entry.parents());
    }
    problems
}

/// A DOI is `10.` with a registrant code of digits (and dots), `/` and a
/// suffix without spaces (Crossref's rule).
fn check_doi(doi: &str) -> Result<(), String> {
    let plain = "write the DOI alone, such as `10.1002/14651858.CD001929.pub3`";
    if doi.contains("doi.org/") || doi.to_ascii_lowercase().starts_with("doi:") {
        return Err(format!(
            "{plain}: knead links it to https://doi.org/ itself"
        ));
    }
    let Some((prefix, suffix)) = doi.split_once('/') else {
        return Err(format!("{plain}: it has no `/`"));
    };
    let registrant = prefix.strip_prefix("10.").unwrap_or("");
    let registrant_ok = registrant.len() >= 4
        && registrant
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if !registrant_ok {
        return Err(format!(
            "{plain}: it must start with `10.` and a number of four or more digits"
        ));
    }
    if suffix.is_empty() || suffix.chars().any(char::is_whitespace) {
        return Err(format!(
            "{plain}: the part after `/` must be there and hold no spaces"
        ));
    }
    Ok(())
}

fn is_pmid(pmid: &str) -> bool {
    (1..=8).contains(&pmid.len())
        && pmid.bytes().all(|b| b.is_ascii_digit())
        && !pmid.starts_with('0')
}

/// Where `value` is written in the entry that starts on `line`; the key's
/// line when it cannot be found (a value written over several lines).
fn value_position(text: &str, line: usize, value: &str) -> (usize, usize) {
    let start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let entry_end = text[start..]
        .split_inclusive('\n')
        .skip(1)
        .scan(start, |at, l| {
            let here = *at;
            *at += l.len();
            Some((here, l))
        })
        .find(|(_, l)| !l.starts_with([' ', '\t', '\n', '\r', '#']) && !l.trim().is_empty())
        .map_or(text.len(), |(at, _)| at);
    match text[start..entry_end].find(value) {
        Some(at) if !value.is_empty() => line_col(text, start + at),
        _ => (line, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_styles_and_terms_parse() {
        for (name, xml) in STYLES {
            if let Err(err) = IndependentStyle::from_xml(xml) {
                panic!("style {name}: {err}");
            }
        }
        assert_eq!(csl_locales().len(), 1, "the English terms do not parse");
    }

    #[test]
    fn dois_are_checked() {
        assert!(check_doi("10.1002/14651858.CD001929.pub3").is_ok());
        assert!(check_doi("10.7326/M16-2367").is_ok());
        assert!(check_doi("https://doi.org/10.7326/M16-2367").is_err());
        assert!(check_doi("10.73/M16").is_err());
        assert!(check_doi("10.7326").is_err());
        assert!(check_doi("10.7326/ M16").is_err());
    }

    #[test]
    fn pmids_are_digits() {
        assert!(is_pmid("28192789"));
        assert!(!is_pmid("PMC123"));
        assert!(!is_pmid("123456789"));
        assert!(!is_pmid("0123"));
    }

    #[test]
    fn values_are_found_in_their_entry() {
        let text = "a:\n  doi: x\nb:\n  serial-number: { doi: \"10.1/x\" }\n";
        assert_eq!(value_position(text, 3, "10.1/x"), (4, 26));
        assert_eq!(value_position(text, 3, "nowhere"), (3, 1));
    }
}
