//! Strict TOML deserialisation with located, friendly errors.
//!
//! Every struct the build reads from TOML uses `#[serde(deny_unknown_fields)]`,
//! so a misspelt key is an error and never silently ignored. serde stops at
//! the first problem; to report *every* unknown key of a file in one run, this
//! module removes each reported key from the parsed document and tries again.
//! Suggestions come from the list of expected names that serde itself puts in
//! its error, so no list of valid keys is kept by hand.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diagnostics::{closest, Diagnostic, Source};

/// At most this many unknown keys are reported per file; past that the file
/// is probably not what the user thinks it is.
const MAX_UNKNOWN_KEYS: usize = 20;

/// Deserialises the TOML found at `range` of `source` (the whole file, or the
/// front matter of a Markdown file).
///
/// Unknown keys do not stop the value being read: it comes back with them as
/// problems, so that the rest of the build can still be checked. Any other
/// problem means there is no value.
pub fn parse<T: DeserializeOwned>(
    source: &Source,
    range: Range<usize>,
) -> Result<(T, Vec<Diagnostic>), Vec<Diagnostic>> {
    let text = &source.text[range.clone()];
    let at = |span: Option<Range<usize>>| {
        let span = span.unwrap_or(0..0);
        source.locate(range.start + span.start..range.start + span.end)
    };
    let mut table = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => {
            return Err(vec![Diagnostic::error(format!(
                "invalid TOML: {}",
                tidy(e.message())
            ))
            .at(at(e.span()))])
        }
    };
    let mut problems = Vec::new();
    loop {
        let attempt = T::deserialize(toml::de::Deserializer::from(table.clone()));
        let err = match attempt {
            Ok(value) => return Ok((value, by_position(problems))),
            Err(e) => e,
        };
        let (diagnostic, unknown_key) = explain(err.message());
        problems.push(diagnostic.at(at(err.span())));
        // An unknown key can be dropped and the rest checked; any other error
        // would cascade, so stop there.
        let removed = unknown_key
            && err
                .span()
                .is_some_and(|span| remove_key_at(table.get_mut(), &span));
        if !removed || problems.len() >= MAX_UNKNOWN_KEYS {
            return Err(by_position(problems));
        }
    }
}

/// serde visits keys in its own order; users read files top to bottom.
fn by_position(mut problems: Vec<Diagnostic>) -> Vec<Diagnostic> {
    problems.sort_by_key(|d| d.location.as_ref().map(|l| (l.line, l.column)));
    problems
}

/// Removes the key whose span is `span` anywhere in the document.
fn remove_key_at(table: &mut DeTable<'_>, span: &Range<usize>) -> bool {
    let key = table
        .iter()
        .find(|(k, _)| k.span() == *span)
        .map(|(k, _)| k.get_ref().to_string());
    if let Some(key) = key {
        return table.remove(key.as_str()).is_some();
    }
    table.iter_mut().any(|(_, v)| remove_key_in_value(v, span))
}

fn remove_key_in_value(value: &mut Spanned<DeValue<'_>>, span: &Range<usize>) -> bool {
    match value.get_mut() {
        DeValue::Table(t) => remove_key_at(t, span),
        DeValue::Array(items) => items.iter_mut().any(|v| remove_key_in_value(v, span)),
        _ => false,
    }
}

/// Turns serde's wording into a message for a studio owner, with a
/// suggestion. Returns whether the error is an unknown key.
fn explain(message: &str) -> (Diagnostic, bool) {
    let message = tidy(message);
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (name, expected) = split_expected(rest);
        let d = Diagnostic::error(format!("unknown key {name}"));
        return (with_choices(d, name, &expected, "keys"), true);
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (name, expected) = split_expected(rest);
        let d = Diagnostic::error(format!("{name} is not an allowed value"));
        return (with_choices(d, name, &expected, "values"), false);
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return (
            Diagnostic::error(format!("missing required key {rest}")),
            false,
        );
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return (
            Diagnostic::error(format!("wrong type: found {}", plain_types(rest))),
            false,
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        return (
            Diagnostic::error(format!("invalid value: found {}", plain_types(rest))),
            false,
        );
    }
    (Diagnostic::error(message), false)
}

fn with_choices(d: Diagnostic, name: &str, expected: &[&str], what: &str) -> Diagnostic {
    let wrong = name.trim_matches('`');
    let allowed = format!("allowed {what}: {}", expected.join(", "));
    match closest(wrong, expected.iter().copied()) {
        // A short list of values is worth showing in full.
        Some(best) if what == "values" => d.help(format!("did you mean `{best}`? ({allowed})")),
        Some(best) => d.help(format!("did you mean `{best}`?")),
        None if expected.is_empty() => d.help(format!("no {what} are allowed here")),
        None => d.help(allowed),
    }
}

/// Splits "`x`, expected one of `a`, `b`" into ("`x`", ["a", "b"]).
fn split_expected(rest: &str) -> (&str, Vec<&str>) {
    let (name, tail) = rest.split_once(", expected").unwrap_or((rest, ""));
    let expected = tail.split('`').skip(1).step_by(2).collect::<Vec<_>>();
    (name.trim(), expected)
}

fn plain_types(s: &str) -> String {
    s.replace("a sequence", "a list (like [\"a\", \"b\"])")
        .replace("expected u8", "expected a whole number")
        .replace("expected u16", "expected a whole number")
        .replace("expected u32", "expected a whole number")
        .replace("expected usize", "expected a whole number")
        .replace("expected i64", "expected a whole number")
        .replace("expected i32", "expected a whole number")
        .replace("a map", "a table")
        .replace("expected struct ", "expected a table: ")
}

/// toml's messages can span several lines; the first one says it all.
fn tidy(message: &str) -> String {
    message.lines().next().unwrap_or("").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        title: String,
        #[serde(default)]
        items: Vec<Inner>,
    }

    fn src(text: &str) -> Source {
        Source {
            path: "x.toml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn reports_every_unknown_key_with_suggestions() {
        let s = src("titel = \"a\"\ntitle = \"b\"\n[[items]]\nnmae = \"x\"\nname = \"y\"\n");
        let (_, errs) = parse::<Outer>(&s, 0..s.text.len()).unwrap();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[0].location.as_ref().unwrap().line, 1);
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `title`?"));
        assert_eq!(errs[1].location.as_ref().unwrap().line, 4);
        assert_eq!(errs[1].help.as_deref(), Some("did you mean `name`?"));
    }

    #[test]
    fn wrong_type_is_located_on_the_value() {
        let s = src("title = 3\n");
        let errs = parse::<Outer>(&s, 0..s.text.len()).unwrap_err();
        assert!(errs[0].message.starts_with("wrong type"), "{errs:?}");
        assert_eq!(errs[0].location.as_ref().unwrap().column, 9);
    }

    #[test]
    fn syntax_error_is_located() {
        let s = src("title = \"a\"\nbroken = \n");
        let errs = parse::<Outer>(&s, 0..s.text.len()).unwrap_err();
        assert!(errs[0].message.starts_with("invalid TOML"), "{errs:?}");
        assert_eq!(errs[0].location.as_ref().unwrap().line, 2);
    }
}
