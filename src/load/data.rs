//! Data files: YAML, JSON and CSV files under the site's `data/` folder,
//! parsed once per build. Templates see them as `site.data.<name>` (nested by
//! folder, named by file stem) and through `load_data(path=…)`; components
//! through `load_data`. A file that does not parse is an error at its line
//! and column; a CSV file is a list of rows, each a map from the header row's
//! names to the row's fields (all strings: CSV has no types).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Diagnostics, line_col, suggest};
use crate::load::yaml;
use crate::names::DATA_DIR;
use crate::slug::slash_path;

/// One file under data/, as discovery read it.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// Relative to data/.
    pub rel_path: PathBuf,
    pub text: String,
}

/// Every data file's value.
#[derive(Debug, Clone, Default)]
pub struct SiteData {
    /// Path under data/ (`warning_signs.yaml`) → value, for `load_data`.
    files: BTreeMap<String, Value>,
    /// The same values by folder and file stem, for `site.data`.
    tree: Map<String, Value>,
}

impl SiteData {
    /// `site.data`: `data/body/areas.yaml` is `site.data.body.areas`.
    pub fn tree(&self) -> Value {
        Value::Object(self.tree.clone())
    }

    /// The value of the file at `path` under data/; the error says what is
    /// there instead.
    pub fn file(&self, path: &str) -> Result<&Value, String> {
        let path = path.trim_start_matches("./");
        if let Some(value) = self.files.get(path) {
            return Ok(value);
        }
        let near = suggest(path, self.files.keys().map(String::as_str))
            .map(|near| format!("; did you mean {near:?}?"))
            .unwrap_or_default();
        Err(format!(
            "there is no data file {DATA_DIR}/{path}{near} (paths start in {DATA_DIR}/)"
        ))
    }
}

/// Parses every data file; a file that does not parse is reported and left out.
pub fn parse_data(files: &[DataFile], diagnostics: &mut Diagnostics) -> SiteData {
    let mut data = SiteData::default();
    for file in files {
        let display = Path::new(DATA_DIR).join(&file.rel_path);
        let extension = file
            .rel_path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase());
        let parsed = match extension.as_deref() {
            Some("yaml" | "yml") => parse_yaml(&display, &file.text),
            Some("json") => parse_json(&display, &file.text),
            Some("csv") => parse_csv(&file.text).map_err(|(offset, message)| {
                let (line, col) = line_col(&file.text, offset);
                Diagnostic::error(&display, format!("invalid CSV: {message}"))
                    .at(line, col)
                    .with_help("quote a field that holds a comma, a quote or a line break: \"a, b\"; write a quote inside one as \"\"")
            }),
            _ => {
                diagnostics.push(
                    Diagnostic::warning(&display, "not a data file; skipped")
                        .with_help("data files end in .yaml, .yml, .json or .csv"),
                );
                continue;
            }
        };
        match parsed {
            Ok(value) => {
                if let Err(clash) = data.insert(&file.rel_path, value) {
                    diagnostics.push(Diagnostic::error(&display, clash).with_help(
                        "rename one of them: `site.data` names a file by its name without the extension",
                    ));
                }
            }
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    data
}

impl SiteData {
    fn insert(&mut self, rel_path: &Path, value: Value) -> Result<(), String> {
        let mut names: Vec<String> = rel_path
            .iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        let Some(last) = names.pop() else {
            return Ok(());
        };
        let stem = Path::new(&last)
            .file_stem()
            .map_or(last.clone(), |s| s.to_string_lossy().into_owned());
        let mut node = &mut self.tree;
        let mut walked = String::new();
        for folder in names {
            walked.push_str(&folder);
            let entry = node
                .entry(folder)
                .or_insert_with(|| Value::Object(Map::new()));
            // A folder's map is made here; a file's value is never a map
            // reached through this walk unless it clashes.
            let Value::Object(map) = entry else {
                return Err(format!(
                    "site.data.{} is already the file beside this folder",
                    walked.replace('/', ".")
                ));
            };
            node = map;
            walked.push('/');
        }
        if node.contains_key(&stem) {
            return Err(format!(
                "site.data.{}{stem} is already taken by another file or folder of that name",
                walked.replace('/', ".")
            ));
        }
        node.insert(stem, value.clone());
        self.files.insert(slash_path(rel_path), value);
        Ok(())
    }
}

fn parse_yaml(display: &Path, text: &str) -> Result<Value, Diagnostic> {
    let value = yaml::parse_document(display, text)?;
    serde_json::to_value(value).map_err(|err| {
        Diagnostic::error(display, format!("cannot use this YAML as data: {err}"))
            .with_help("use text for every mapping key")
    })
}

fn parse_json(display: &Path, text: &str) -> Result<Value, Diagnostic> {
    serde_json::from_str(text).map_err(|err| {
        Diagnostic::error(display, format!("invalid JSON: {}", json_message(&err)))
            .at(err.line(), err.column())
    })
}

/// serde_json's message without the " at line N column M" it appends.
fn json_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// RFC 4180 CSV: the first row names the fields. Errors are (byte offset, message).
fn parse_csv(text: &str) -> Result<Value, (usize, String)> {
    let rows = csv_rows(text)?;
    let Some(((_, header), rows)) = rows.split_first() else {
        return Ok(Value::Array(Vec::new()));
    };
    let mut seen = BTreeMap::new();
    for name in header {
        if seen.insert(name.as_str(), ()).is_some() {
            return Err((0, format!("the header names the field {name:?} twice")));
        }
    }
    rows.iter()
        .map(|(offset, fields)| {
            if fields.len() != header.len() {
                return Err((
                    *offset,
                    format!(
                        "this row has {} fields, the header {}",
                        fields.len(),
                        header.len()
                    ),
                ));
            }
            let row = header
                .iter()
                .cloned()
                .zip(fields.iter().cloned().map(Value::String))
                .collect();
            Ok(Value::Object(row))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// A CSV row: the offset where it starts, and its fields.
type Row = (usize, Vec<String>);

/// Each non-empty row.
fn csv_rows(text: &str) -> Result<Vec<Row>, (usize, String)> {
    let mut rows = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut row_start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' if field.is_empty() => loop {
                match chars.next() {
                    Some((_, '"')) if chars.peek().is_some_and(|&(_, n)| n == '"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some((_, '"')) => match chars.peek() {
                        None | Some((_, ',' | '\n' | '\r')) => break,
                        Some(&(after, _)) => {
                            return Err((after, "text after a closing quote".to_string()));
                        }
                    },
                    Some((_, inner)) => field.push(inner),
                    None => return Err((at, "this quote is never closed".to_string())),
                }
            },
            ',' => fields.push(std::mem::take(&mut field)),
            '\r' if chars.peek().is_some_and(|&(_, n)| n == '\n') => {}
            '\n' | '\r' => {
                fields.push(std::mem::take(&mut field));
                if !(fields.len() == 1 && fields[0].is_empty()) {
                    rows.push((row_start, std::mem::take(&mut fields)));
                }
                fields.clear();
                row_start = at + 1;
            }
            _ => field.push(c),
        }
    }
    fields.push(field);
    if !(fields.len() == 1 && fields[0].is_empty()) {
        rows.push((row_start, fields));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_maps_keyed_by_the_header() {
        let value =
            parse_csv("name,note\r\nA,\"x, \"\"y\"\"\"\n\nB,\"two\nlines\"\n").expect("csv");
        assert_eq!(
            value,
            serde_json::json!([
                {"name": "A", "note": "x, \"y\""},
                {"name": "B", "note": "two\nlines"},
            ])
        );
    }

    #[test]
    fn csv_errors_have_offsets() {
        assert_eq!(parse_csv("a,b\n1\n").expect_err("short row").0, 4);
        assert_eq!(parse_csv("a\n\"open\n").expect_err("unclosed").0, 2);
        assert_eq!(parse_csv("a\n\"x\"y\n").expect_err("after quote").0, 5);
    }

    #[test]
    fn files_nest_by_folder_and_clash_by_stem() {
        let mut data = SiteData::default();
        data.insert(Path::new("a/b.yaml"), Value::from(1))
            .expect("first");
        assert!(data.insert(Path::new("a/b.json"), Value::from(2)).is_err());
        assert!(data.insert(Path::new("a.csv"), Value::from(3)).is_err());
        assert_eq!(data.tree(), serde_json::json!({"a": {"b": 1}}));
        assert_eq!(data.file("a/b.yaml"), Ok(&Value::from(1)));
        assert!(
            data.file("a/b.yml")
                .expect_err("missing")
                .contains("a/b.yaml")
        );
    }
}
