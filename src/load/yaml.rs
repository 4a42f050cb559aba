//! Reading a top-level YAML mapping field by field, with positions in the file the
//! YAML came from. Owns YAML syntax errors, type errors and unknown keys; it does not
//! know which keys exist (callers say so).
//!
//! Why not `#[derive(Deserialize)]` with `deny_unknown_fields`: front matter has keys
//! that only site.yaml defines (taxonomies), serde's `flatten` loses error positions,
//! and authors deserve "did you mean" and the key's own line, not the mapping's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

use crate::diagnostic::{Diagnostic, line_col, suggest};

/// Where a YAML fragment sits in its file, so positions point into the file itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin {
    /// 1-based line of the fragment's first line in the file.
    pub first_line: usize,
}

/// A parsed mapping whose fields are taken one by one; what is left at the end is
/// unknown.
pub(crate) struct Fields {
    path: PathBuf,
    origin: Origin,
    map: Mapping,
    positions: HashMap<String, KeyPosition>,
    /// The YAML, to find keys of nested mappings when one has an error.
    text: String,
    diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Copy)]
struct KeyPosition {
    line: usize,
    key_col: usize,
    value_col: usize,
}

impl Fields {
    /// Parses `text` (the YAML only) as a mapping. An empty document is an empty
    /// mapping; anything else that is not a mapping is an error.
    pub fn parse(path: &Path, text: &str, origin: Origin) -> Result<Fields, Diagnostic> {
        if let Some(offset) = too_deep(text) {
            let (line, col) = line_col(text, offset);
            return Err(Diagnostic::error(
                path,
                format!("invalid YAML: more than {MAX_DEPTH} `[` and `{{` are open here"),
            )
            .at(origin.first_line + line - 1, col)
            .with_help("close the `[` and `{` brackets opened before this point"));
        }
        let value: Value = serde_yaml::from_str(text)
            .map_err(|err| yaml_error_diagnostic(path, text, origin, &err))?;
        let map = match value {
            Value::Mapping(map) => map,
            Value::Null => Mapping::new(),
            other => {
                return Err(Diagnostic::error(
                    path,
                    format!(
                        "expected a mapping of `key: value` lines, found {}",
                        describe(&other)
                    ),
                )
                .at(origin.first_line, 1)
                .with_help(
                    "write one `key: value` per line, for example `title: Swedish Massage`",
                ));
            }
        };
        Ok(Fields {
            path: path.to_path_buf(),
            origin,
            map,
            positions: key_positions(text, origin),
            text: text.to_string(),
            diagnostics: Vec::new(),
        })
    }

    /// Removes `key` and converts it to `T`; a value of the wrong type is reported
    /// at the value's position and yields `None`.
    pub fn take<T: DeserializeOwned>(&mut self, key: &str, expected: &str) -> Option<T> {
        let value = self.map.remove(key)?;
        match serde_yaml::from_value::<T>(value.clone()) {
            Ok(v) => Some(v),
            Err(_) => {
                self.type_error(key, expected, &value);
                None
            }
        }
    }

    /// Removes `key` as a list of strings. A list with an item of another
    /// type is reported by that item (`item 1 is the number `1``), not as
    /// "found a list", which is what the author wrote.
    pub fn take_strings(&mut self, key: &str, expected: &str) -> Option<Vec<String>> {
        let value = self.map.remove(key)?;
        let Value::Sequence(items) = &value else {
            self.type_error(key, expected, &value);
            return None;
        };
        let Some((index, item)) = items
            .iter()
            .enumerate()
            .find(|(_, item)| !matches!(item, Value::String(_)))
        else {
            return serde_yaml::from_value(value).ok();
        };
        let (found, help) = match item {
            Value::Null => (
                "empty".to_string(),
                "remove the empty item, or write one where it is",
            ),
            Value::Sequence(_) | Value::Mapping(_) => (
                describe(item),
                "write each item as text; a `[` or `{` inside the list starts another list or mapping",
            ),
            _ => (describe(item), "put it in quotes to use it as text"),
        };
        let message = format!("`{key}` must be {expected}: item {} is {found}", index + 1);
        self.value_error(key, message, Some(help.to_string()));
        None
    }

    /// Removes `key` as a raw YAML value (for free-form maps like `extra`).
    pub fn take_value(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Reports a problem with the value of `key`, at the value's position.
    pub fn value_error(&mut self, key: &str, message: String, help: Option<String>) {
        let (line, col) = self.value_position(key);
        let mut diagnostic = Diagnostic::error(&self.path, message).at(line, col);
        diagnostic.help = help;
        self.diagnostics.push(diagnostic);
    }

    /// Reports a problem at a position found with `nested_value_position`.
    pub fn error_at(&mut self, (line, col): (usize, usize), message: String, help: Option<String>) {
        let mut diagnostic = Diagnostic::error(&self.path, message).at(line, col);
        diagnostic.help = help;
        self.diagnostics.push(diagnostic);
    }

    fn type_error(&mut self, key: &str, expected: &str, value: &Value) {
        self.value_error(
            key,
            format!("`{key}` must be {expected}, found {}", describe(value)),
            None,
        );
    }

    /// Line and column of every top-level key found.
    pub fn positions(&self) -> HashMap<String, (usize, usize)> {
        self.positions
            .iter()
            .map(|(key, p)| (key.clone(), (p.line, p.key_col)))
            .collect()
    }

    pub fn key_position(&self, key: &str) -> (usize, usize) {
        self.positions
            .get(key)
            .map_or((self.origin.first_line, 1), |p| (p.line, p.key_col))
    }

    pub fn value_position(&self, key: &str) -> (usize, usize) {
        self.positions
            .get(key)
            .map_or((self.origin.first_line, 1), |p| (p.line, p.value_col))
    }

    /// Where the value of `sub` in the mapping under `key` is written;
    /// the value of `key` when `sub` is not found there.
    pub fn nested_value_position(&self, key: &str, sub: &str) -> (usize, usize) {
        self.find_nested(key, sub)
            .map_or_else(|| self.value_position(key), |(line, _, col)| (line, col))
    }

    /// Where `sub` in the mapping under `key` is written, as for
    /// `nested_value_position`.
    pub fn nested_key_position(&self, key: &str, sub: &str) -> (usize, usize) {
        self.find_nested(key, sub)
            .map_or_else(|| self.value_position(key), |(line, col, _)| (line, col))
    }

    /// The line, key column and value column of `sub` in the mapping under
    /// `key`, written as a block (`key:` then `  sub: value`) or in flow
    /// (`key: { sub: value }`).
    fn find_nested(&self, key: &str, sub: &str) -> Option<(usize, usize, usize)> {
        let start = self.positions.get(key)?;
        let first = start.line - self.origin.first_line;
        for (index, line) in self.text.lines().enumerate().skip(first) {
            let indented = line.starts_with([' ', '\t']) || line.trim().is_empty();
            if index > first && !indented {
                break;
            }
            let from = if index == first {
                line.char_indices()
                    .nth(start.value_col - 1)
                    .map_or(line.len(), |(at, _)| at)
            } else {
                0
            };
            if let Some((key_at, value_at)) = find_sub_key(line, from, sub) {
                let col = |at: usize| line[..at].chars().count() + 1;
                return Some((self.origin.first_line + index, col(key_at), col(value_at)));
            }
        }
        None
    }

    /// Ends reading: every key not taken is reported as unknown, with the closest
    /// known key as a suggestion. `what` names the file kind ("front matter").
    pub fn finish(mut self, known: &[&str], what: &str) -> Vec<Diagnostic> {
        let leftover: Vec<Value> = self.map.keys().cloned().collect();
        for key in leftover {
            let name = match &key {
                Value::String(s) => s.clone(),
                Value::Bool(_) | Value::Number(_) => scalar_text(&key),
                other => {
                    self.diagnostics.push(self.complex_key(what, other));
                    continue;
                }
            };
            let (line, col) = self.key_position(&name);
            let mut diagnostic =
                Diagnostic::error(&self.path, format!("unknown {what} key `{name}`")).at(line, col);
            diagnostic.help = Some(match suggest(&name, known.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("the known keys are: {}", known.join(", ")),
            });
            self.diagnostics.push(diagnostic);
        }
        self.diagnostics
    }
}

impl Fields {
    /// `paginate_by:` in site.yaml or a section's front matter: a whole number
    /// of at least 1 (0 would make endless empty pages).
    pub fn take_paginate_by(&mut self) -> Option<usize> {
        let value: i64 = self.take("paginate_by", "a whole number such as `20`")?;
        match usize::try_from(value) {
            Ok(per_page) if per_page >= 1 => Some(per_page),
            _ => {
                self.value_error(
                    "paginate_by",
                    format!("`paginate_by` must be at least 1, found {value}"),
                    Some("write how many pages each list page shows, such as `paginate_by: 20`, or remove the line to list them all on one page".into()),
                );
                None
            }
        }
    }

    /// A key written with YAML's `? ` (a list or mapping as a key), which no
    /// file of knead's has: keys are names.
    fn complex_key(&self, what: &str, key: &Value) -> Diagnostic {
        Diagnostic::error(
            &self.path,
            format!(
                "a {what} key must be a name such as `title`, found {}",
                describe(key)
            ),
        )
        .at(self.origin.first_line, 1)
        .with_help("remove the `? ` line and its `: ` value, and write `name: value` instead")
    }
}

/// A number or boolean key as written (`1: x` reads as the key `1`).
fn scalar_text(value: &Value) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Far deeper than any document the parser accepts (it stops at 128 levels).
pub(crate) const MAX_DEPTH: usize = 1000;

/// A whole YAML document (a data file), with errors at their file position.
pub(crate) fn parse_document(path: &Path, text: &str) -> Result<Value, Diagnostic> {
    let origin = Origin { first_line: 1 };
    if let Some(offset) = too_deep(text) {
        let (line, col) = line_col(text, offset);
        return Err(Diagnostic::error(
            path,
            format!("invalid YAML: more than {MAX_DEPTH} `[` and `{{` are open here"),
        )
        .at(line, col));
    }
    serde_yaml::from_str(text).map_err(|err| yaml_error_diagnostic(path, text, origin, &err))
}

/// The offset of the `[` or `{` that leaves more than `MAX_DEPTH` of them
/// open, if one does. The YAML scanner takes time quadratic in the nesting
/// depth before it reports its own limit (30,000 `[` took half a minute), so
/// such text is refused first. Brackets in quotes, comments and plain text
/// count too: knowing which are which takes the scanner itself, and no
/// document holds a thousand unclosed brackets on purpose.
pub(crate) fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (offset, byte) in text.bytes().enumerate() {
        match byte {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(offset);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// A YAML error translated to a position in the file and a message without the
/// fragment-relative "at line N column M" that the parser appends.
fn yaml_error_diagnostic(
    path: &Path,
    text: &str,
    origin: Origin,
    err: &serde_yaml::Error,
) -> Diagnostic {
    let lines = ParserLines::new(text, origin);
    let (line, col) = match err.location() {
        Some(loc) => lines.file_position(loc.line(), loc.column()),
        None => (
            origin.first_line + text.lines().count().saturating_sub(1),
            1,
        ),
    };
    let message = err.to_string();
    if let Some((key, number)) = number_too_large(&message) {
        return Diagnostic::error(
            path,
            format!(
                "`{key}` is {number}, too large a number: whole numbers go from {} to {}",
                i64::MIN,
                u64::MAX
            ),
        )
        .at(line, col)
        .with_help("write a smaller number, or put it in quotes to keep it as text");
    }
    Diagnostic::error(path, format!("invalid YAML: {}", lines.translate_message(&message)))
        .at(line, col)
        .with_help("check the indentation and quoting here; values containing `: ` or starting with `[`, `{`, `*`, `&` or `@` need quotes")
}

/// The key and digits of the parser's message for an integer beyond 64 bits
/// (`weight: invalid type: integer `999…` as u128, expected any YAML
/// value`), which names Rust types an author never wrote.
fn number_too_large(message: &str) -> Option<(&str, &str)> {
    let (key, rest) = message.split_once(": invalid type: integer `")?;
    let (number, rest) = rest.split_once('`')?;
    let wide = rest.starts_with(" as u128") || rest.starts_with(" as i128");
    wide.then_some((key, number))
}

/// The YAML parser's lines, for turning its positions into file positions.
/// libyaml ends a line at `\r\n`, `\n`, a lone `\r`, NEL, LS and PS; editors
/// and `line_col` only at `\n`. Counting the parser's lines as file lines put
/// errors in a file with lone `\r`s past its last line (found by fuzzing), so
/// positions go through byte offsets instead.
struct ParserLines<'a> {
    text: &'a str,
    origin: Origin,
    /// Byte offset where each of the parser's lines starts.
    starts: Vec<usize>,
}

impl<'a> ParserLines<'a> {
    fn new(text: &'a str, origin: Origin) -> ParserLines<'a> {
        let mut starts = vec![0];
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let is_crlf = c == '\r' && chars.peek().is_some_and(|&(_, next)| next == '\n');
            if is_crlf {
                chars.next();
                starts.push(at + 2);
            } else if matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
                starts.push(at + c.len_utf8());
            }
        }
        ParserLines {
            text,
            origin,
            starts,
        }
    }

    /// The parser's 1-based line and column (in characters) as a 1-based
    /// position in the file; past the fragment's end is its end.
    fn file_position(&self, line: usize, col: usize) -> (usize, usize) {
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len());
        let offset = self.text[start..]
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(self.text.len(), |(at, _)| start + at);
        let (line, col) = line_col(self.text, offset);
        (self.origin.first_line + line - 1, col)
    }

    /// Rewrites every "at line N column M" in the parser's message into a file
    /// position, so that context positions ("while parsing a flow sequence at
    /// ...") stay useful.
    fn translate_message(&self, message: &str) -> String {
        const MARK: &str = " at line ";
        let mut out = String::with_capacity(message.len());
        let mut rest = message;
        while let Some(start) = rest.find(MARK) {
            out.push_str(&rest[..start + MARK.len()]);
            let tail = &rest[start + MARK.len()..];
            match parse_line_column(tail) {
                Some((line, col, consumed)) => {
                    let (line, col) = self.file_position(line, col);
                    out.push_str(&format!("{line} column {col}"));
                    rest = &tail[consumed..];
                }
                None => rest = tail,
            }
        }
        out.push_str(rest);
        out
    }
}

/// `12 column 5…` → (12, 5, bytes read).
fn parse_line_column(text: &str) -> Option<(usize, usize, usize)> {
    let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let line_len = digits(text);
    let line = text[..line_len].parse().ok()?;
    let after_line = text[line_len..].strip_prefix(" column ")?;
    let col_len = digits(after_line);
    let col = after_line[..col_len].parse().ok()?;
    let consumed = text.len() - after_line.len() + col_len;
    Some((line, col, consumed))
}

/// Each top-level key of `text` with its 1-based line, keyed by name.
pub(crate) fn top_level_key_lines(text: &str) -> HashMap<String, usize> {
    key_positions(text, Origin { first_line: 1 })
        .into_iter()
        .map(|(key, position)| (key, position.line))
        .collect()
}

/// Finds top-level keys by their lines. Block-style front matter puts every
/// top-level key at column 1, which is all authors write in practice; keys not
/// found this way fall back to the fragment's first line.
fn key_positions(text: &str, origin: Origin) -> HashMap<String, KeyPosition> {
    let mut positions = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        if let Some((key, value_col)) = parse_key_line(line) {
            positions.entry(key).or_insert(KeyPosition {
                line: origin.first_line + index,
                key_col: 1,
                value_col,
            });
        }
    }
    positions
}

fn parse_key_line(line: &str) -> Option<(String, usize)> {
    let first = line.chars().next()?;
    if first.is_whitespace() || matches!(first, '#' | '-' | '[' | '{' | '}' | ']') {
        return None;
    }
    let (key, after_key) = match first {
        '"' | '\'' => {
            let end = line[1..].find(first)? + 1;
            (line[1..end].to_string(), end + 1)
        }
        _ => {
            let colon = find_key_colon(line)?;
            (line[..colon].trim_end().to_string(), colon)
        }
    };
    let rest = line[after_key..].strip_prefix(':')?;
    let spaces = rest.len() - rest.trim_start().len();
    let value_col = line[..after_key + 1 + spaces].chars().count() + 1;
    Some((key, value_col))
}

/// The byte offsets of `sub:` and of its value in `line`, searching from
/// `from`: `sub` must start the line's text or follow `{`, `,` or a space.
fn find_sub_key(line: &str, from: usize, sub: &str) -> Option<(usize, usize)> {
    line[from..].match_indices(sub).find_map(|(at, _)| {
        let at = from + at;
        let before = line[..at].chars().next_back();
        let starts = before.is_none_or(|c| matches!(c, ' ' | '\t' | '{' | ','));
        let rest = line[at + sub.len()..].trim_start_matches([' ', '\t']);
        let after_colon = rest.strip_prefix(':')?;
        let value = after_colon.trim_start_matches([' ', '\t']);
        starts.then_some((at, line.len() - value.len()))
    })
}

/// The colon that ends a plain key: followed by a space or the end of the line.
fn find_key_colon(line: &str) -> Option<usize> {
    line.match_indices(':')
        .map(|(i, _)| i)
        .find(|&i| line[i + 1..].is_empty() || line[i + 1..].starts_with([' ', '\t']))
}

/// A short human description of a YAML value, for type errors.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null)".into(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged `{}`", t.tag),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Fields {
        Fields::parse(Path::new("a.md"), text, Origin { first_line: 2 }).expect("valid yaml")
    }

    #[test]
    fn key_line_positions_are_file_lines() {
        let f = fields("title: Hi\n\"weight\":   3\n");
        assert_eq!(f.key_position("title"), (2, 1));
        assert_eq!(f.value_position("title"), (2, 8));
        assert_eq!(f.value_position("weight"), (3, 13));
    }

    #[test]
    fn unknown_keys_get_suggestions() {
        let mut f = fields("titel: Hi\n");
        assert_eq!(f.take::<String>("title", "a string"), None);
        let diags = f.finish(&["title", "date"], "front matter");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].line, 2);
        assert_eq!(diags[0].help.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn wrong_type_points_at_value() {
        let mut f = fields("weight: heavy\n");
        assert_eq!(f.take::<i64>("weight", "a whole number"), None);
        let diags = f.finish(&[], "front matter");
        assert_eq!((diags[0].line, diags[0].col), (2, 9));
        assert!(diags[0].message.contains("the string \"heavy\""));
    }

    #[test]
    fn syntax_error_is_relative_to_file() {
        let err = Fields::parse(
            Path::new("a.md"),
            "title: a\n  bad: [\n",
            Origin { first_line: 2 },
        )
        .err()
        .expect("invalid yaml");
        assert!(err.line >= 3, "{err}");
    }

    #[test]
    fn parser_positions_are_shifted_to_file_lines() {
        let lines = ParserLines::new("title: a\nb: [\nc\n", Origin { first_line: 2 });
        let message = "did not find expected ',' at line 2 column 1, while parsing a flow sequence at line 2 column 4";
        assert_eq!(
            lines.translate_message(message),
            "did not find expected ',' at line 3 column 1, while parsing a flow sequence at line 3 column 4"
        );
    }

    #[test]
    fn deep_nesting_is_refused_at_the_bracket_past_the_limit() {
        let open = "[".repeat(MAX_DEPTH + 1);
        let text = format!("title: T\nextra: {open}\n");
        let err = Fields::parse(Path::new("a.md"), &text, Origin { first_line: 2 })
            .err()
            .expect("too deep");
        assert_eq!((err.line, err.col), (3, 8 + MAX_DEPTH), "{err}");
        let closed = "[]".repeat(MAX_DEPTH * 2);
        assert_eq!(too_deep(&closed), None);
        assert_eq!(too_deep(&"[".repeat(MAX_DEPTH)), None);
    }

    #[test]
    fn line_numbers_quoted_from_the_author_never_overflow() {
        let huge = format!("duplicate entry with key \"x at line {}\"", usize::MAX);
        let lines = ParserLines::new("title: T\n", Origin { first_line: 2 });
        assert_eq!(lines.translate_message(&huge), huge);
        let text = format!(
            "title: T\n\"x at line {0}\": 1\n\"x at line {0}\": 2\n",
            usize::MAX
        );
        let err = Fields::parse(Path::new("a.md"), &text, Origin { first_line: 2 })
            .err()
            .expect("a duplicate key");
        assert!(err.message.contains("duplicate entry"), "{err}");
    }

    /// Regression (fuzzing, front_matter target): libyaml counts a lone `\r`
    /// as a line break, so an error after 40 of them was reported at line 46
    /// of a 6-line file.
    #[test]
    fn lone_carriage_returns_do_not_push_errors_past_the_file() {
        let text = format!(
            "titel: Typo\nweight{}: key[2, {{a: b}}]b}}]\n",
            "\r".repeat(40)
        );
        let err = Fields::parse(Path::new("a.md"), &text, Origin { first_line: 2 })
            .err()
            .expect("invalid yaml");
        // The fragment's last line is file line 4 (the closing `---`).
        assert!(err.line <= 4, "{err}");
        assert_eq!(err.line, 3, "{err}");
        for (line, _) in message_positions(&err.message) {
            assert!((2..=4).contains(&line), "{err}");
        }
    }

    #[test]
    fn parser_columns_count_characters_on_file_lines() {
        let lines = ParserLines::new("a: é\rb: [\r\nc\u{2028}d\n", Origin { first_line: 1 });
        // Parser lines: "a: é", "b: [", "c", "d"; file lines: "a: é\rb: [", "c\u{2028}d".
        assert_eq!(lines.file_position(1, 4), (1, 4));
        assert_eq!(lines.file_position(2, 4), (1, 9));
        assert_eq!(lines.file_position(3, 1), (2, 1));
        assert_eq!(lines.file_position(4, 1), (2, 3));
        assert_eq!(lines.file_position(99, 9), (3, 1));
    }

    fn message_positions(message: &str) -> Vec<(usize, usize)> {
        message
            .match_indices(" at line ")
            .filter_map(|(at, mark)| parse_line_column(&message[at + mark.len()..]))
            .map(|(line, col, _)| (line, col))
            .collect()
    }
}
