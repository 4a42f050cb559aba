//! Syntax highlighting of fenced code blocks at build time (docs/highlighting.md
//! says why syntect with two-face's grammars). Tokens become `<span>`s with
//! one short class each (`k` keyword, `s` string…), which the theme colours;
//! no colour is written into the page. The grammars are read once per
//! process, the first time a block names a language, so a site without such
//! blocks never pays for them.
//!
//! Info string: ```` ```rust {linenos, hl=2-4 7} ````: the language, then
//! options in braces separated by commas: `linenos` numbers the lines, `hl=`
//! marks lines (numbers and ranges separated by spaces).

use std::sync::OnceLock;

use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

use crate::render::escape::escape_html;

/// Languages that mean "no highlighting" and are not worth a warning.
const PLAIN: &[&str] = &["text", "txt", "plain", "plaintext", "none"];

/// The most lines one `hl=` range marks.
const MAX_MARKED: usize = 100_000;

/// What a fenced block's info string asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeInfo {
    /// As written, empty when none.
    pub lang: String,
    pub line_numbers: bool,
    /// 1-based line numbers to mark.
    pub marked: Vec<usize>,
}

impl CodeInfo {
    pub fn parse(info: &str) -> CodeInfo {
        let info = info.trim();
        let (lang, options) = match info.find(|c: char| c.is_whitespace() || c == '{') {
            Some(at) => (&info[..at], info[at..].trim()),
            None => (info, ""),
        };
        let options = options
            .strip_prefix('{')
            .map(|o| o.trim_end().trim_end_matches('}'))
            .unwrap_or("");
        let mut code = CodeInfo {
            lang: lang.to_string(),
            ..CodeInfo::default()
        };
        for option in options.split(',').map(str::trim) {
            if option == "linenos" {
                code.line_numbers = true;
            } else if let Some(lines) = option.strip_prefix("hl=") {
                code.marked
                    .extend(lines.split_whitespace().flat_map(line_range));
            }
        }
        code
    }
}

/// `4` or `2-4`; nothing for what is neither.
fn line_range(range: &str) -> Vec<usize> {
    let parse = |s: &str| s.trim().parse::<usize>().ok();
    match range.split_once('-') {
        Some((from, to)) => match (parse(from), parse(to)) {
            // Bounded: a typo such as `2-40000000` must not fill memory.
            (Some(from), Some(to)) => (from..=to.min(from.saturating_add(MAX_MARKED))).collect(),
            _ => Vec::new(),
        },
        None => parse(range).into_iter().collect(),
    }
}

/// The grammar for `lang`: `Ok(None)` for a block meant to stay plain,
/// `Err` with the nearest known name when knead has no grammar for it.
pub fn grammar(lang: &str) -> Result<Option<&'static SyntaxReference>, Option<String>> {
    if lang.is_empty() || PLAIN.iter().any(|p| p.eq_ignore_ascii_case(lang)) {
        return Ok(None);
    }
    let set = syntaxes();
    match set.find_syntax_by_token(lang) {
        Some(syntax) => Ok(Some(syntax)),
        None => Err(nearest_language(set, lang)),
    }
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

fn nearest_language(set: &SyntaxSet, lang: &str) -> Option<String> {
    let names: Vec<String> = set
        .syntaxes()
        .iter()
        .filter(|s| !s.hidden)
        .flat_map(|s| {
            std::iter::once(s.name.to_lowercase()).chain(s.file_extensions.iter().cloned())
        })
        .collect();
    crate::diagnostic::suggest(&lang.to_lowercase(), names.iter().map(String::as_str))
        .map(str::to_string)
}

/// `code` as the inside of `<code>`: highlighted when `syntax` is given,
/// in lines when numbered or marked.
pub fn code_html(code: &str, syntax: Option<&SyntaxReference>, info: &CodeInfo) -> String {
    let mut out = String::with_capacity(code.len() * 2);
    let mut tokens = syntax.map(|syntax| (ParseState::new(syntax), ScopeStack::new()));
    let in_lines = info.line_numbers || !info.marked.is_empty();
    for (index, line) in code.split_inclusive('\n').enumerate() {
        let text = line.strip_suffix('\n').unwrap_or(line);
        if in_lines {
            let marked = info.marked.contains(&(index + 1));
            out.push_str(if marked {
                "<span class=\"line hl\">"
            } else {
                "<span class=\"line\">"
            });
        }
        match &mut tokens {
            Some((state, stack)) => highlight_line(line, text.len(), state, stack, &mut out),
            None => out.push_str(&escape_html(text)),
        }
        if in_lines {
            out.push_str("</span>");
        }
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// One line's tokens as spans, up to `end` (the line without its newline).
/// A grammar that fails on a line leaves the rest of the block plain.
fn highlight_line(
    line: &str,
    end: usize,
    state: &mut ParseState,
    stack: &mut ScopeStack,
    out: &mut String,
) {
    let Ok(ops) = state.parse_line(line, syntaxes()) else {
        out.push_str(&escape_html(&line[..end]));
        return;
    };
    let mut from = 0;
    let mut class = token_class(stack);
    let mut span = String::new();
    let mut flush = |to: usize, class: Option<&str>, span: &mut String, out: &mut String| {
        let to = to.min(end);
        if to > from {
            span.push_str(&line[from..to]);
            from = to;
        }
        if !span.is_empty() {
            match class {
                Some(class) => out.push_str(&format!(
                    "<span class=\"{class}\">{}</span>",
                    escape_html(span)
                )),
                None => out.push_str(&escape_html(span)),
            }
            span.clear();
        }
    };
    for (at, op) in ops {
        if stack.apply(&op).is_err() {
            break;
        }
        let next = token_class(stack);
        if next != class {
            flush(at, class, &mut span, out);
            class = next;
        }
    }
    flush(end, class, &mut span, out);
}

/// Scope prefixes and the class of the tokens under them. The innermost
/// scope that has a class decides, so `punctuation` inside a string stays
/// part of the string.
fn classes() -> &'static [(Scope, &'static str)] {
    static CLASSES: OnceLock<Vec<(Scope, &'static str)>> = OnceLock::new();
    CLASSES.get_or_init(|| {
        [
            ("comment", "c"),
            ("string", "s"),
            ("constant.character.escape", "e"),
            ("constant.numeric", "n"),
            ("constant.language", "l"),
            ("constant.other", "l"),
            ("support.constant", "l"),
            ("keyword.operator", "o"),
            ("keyword", "k"),
            ("storage", "k"),
            ("variable.language", "k"),
            ("entity.name.function", "f"),
            ("support.function", "f"),
            ("variable.function", "f"),
            ("entity.name.tag", "t"),
            ("entity.name", "t"),
            ("support.type", "t"),
            ("support.class", "t"),
            ("entity.other.attribute-name", "a"),
            ("variable.parameter", "v"),
            ("markup.heading", "k"),
            ("markup.inserted", "i"),
            ("markup.deleted", "d"),
        ]
        .into_iter()
        .filter_map(|(scope, class)| Some((Scope::new(scope).ok()?, class)))
        .collect()
    })
}

fn token_class(stack: &ScopeStack) -> Option<&'static str> {
    stack.scopes.iter().rev().find_map(|&scope| {
        classes()
            .iter()
            .find(|(prefix, _)| prefix.is_prefix_of(scope))
            .map(|&(_, class)| class)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_strings_name_the_language_and_options() {
        assert_eq!(CodeInfo::parse("rust").lang, "rust");
        let info = CodeInfo::parse("rust {linenos, hl=2-4 7}");
        assert_eq!(info.lang, "rust");
        assert!(info.line_numbers);
        assert_eq!(info.marked, [2, 3, 4, 7]);
        let info = CodeInfo::parse("py{hl=x 3}");
        assert_eq!((info.lang.as_str(), info.marked), ("py", vec![3]));
    }

    #[test]
    fn unknown_languages_get_the_nearest_name() {
        assert!(matches!(grammar("pyhton"), Err(Some(near)) if near == "python"));
        assert!(matches!(grammar("text"), Ok(None)));
        assert!(matches!(grammar("rs"), Ok(Some(_))));
    }
}
