//! Finding, reading and layering `i18n/<lang>.toml` files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::{include_dir, Dir};

use super::{LanguageTag, Phrase, Words};
use crate::diagnostics::{closest, Diagnostic, Diagnostics, Location, Source};

/// The default theme's words, built into the binary.
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default/i18n");

const PLURAL_CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// Where words files are looked for, later layers overriding earlier ones.
fn layer_dirs(root: &Path, theme: &str) -> [PathBuf; 2] {
    [
        root.join("themes").join(theme).join("i18n"),
        root.join("i18n"),
    ]
}

/// One words file found for a language, with its text.
struct WordsFile {
    source: Arc<Source>,
}

/// Every file for `name` (`fr`, `fr-CA`), built-in first.
fn files_for(root: &Path, theme: &str, name: &str) -> Vec<WordsFile> {
    let file_name = format!("{name}.toml");
    let mut found = Vec::new();
    if let Some(f) = BUILTIN.get_file(&file_name) {
        found.push(WordsFile {
            source: Source::new(
                PathBuf::from("(built-in theme)/i18n").join(&file_name),
                String::from_utf8_lossy(f.contents()).into_owned(),
            ),
        });
    }
    for dir in layer_dirs(root, theme) {
        let path = dir.join(&file_name);
        if let Ok(text) = std::fs::read_to_string(&path) {
            let shown = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            found.push(WordsFile {
                source: Source::new(shown, text),
            });
        }
    }
    found
}

/// The languages that have a words file (built in, in the theme or in the
/// site), for "did you mean" suggestions.
pub fn available_languages(root: &Path, theme: &str) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = BUILTIN
        .files()
        .filter_map(|f| f.path().file_stem()?.to_str().map(str::to_string))
        .collect();
    for dir in layer_dirs(root, theme) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(stem) = name.strip_suffix(".toml") {
                    names.insert(stem.to_string());
                }
            }
        }
    }
    names
}

/// The built-in English words alone.
pub(super) fn builtin_english() -> Words {
    let mut phrases = BTreeMap::new();
    if let Some(f) = BUILTIN.get_file("en.toml") {
        let text = String::from_utf8_lossy(f.contents());
        if let Ok(table) = text.parse::<toml::Table>() {
            phrases = parse_phrases(&table);
        }
    }
    Words::new(LanguageTag::parse("en").expect("`en` is a tag"), phrases)
}

/// Loads the words of `tag`: English beneath, then the language's files.
/// `at` is where the language is named (site.toml), for the error when it
/// has no words file.
pub fn load(
    root: &Path,
    theme: &str,
    tag: &LanguageTag,
    at: Location,
    diags: &mut Diagnostics,
) -> Option<Arc<Words>> {
    let mut english = BTreeMap::new();
    for file in files_for(root, theme, "en") {
        overlay(&mut english, &file, diags);
    }
    if tag.language() == "en" && tag.as_str() == "en" {
        return Some(Arc::new(Words::new(tag.clone(), english)));
    }
    let mut own = BTreeMap::new();
    let mut found_any = false;
    for name in tag.fallbacks() {
        for file in files_for(root, theme, name) {
            found_any = true;
            overlay(&mut own, &file, diags);
        }
    }
    if !found_any {
        let available = available_languages(root, theme);
        let mut d = Diagnostic::error(format!(
            "the theme has no words for language `{tag}`: add the file i18n/{}.toml to the site (copy a file of the theme, such as en.toml, and translate its phrases)",
            tag.language()
        ))
        .at(at);
        if let Some(near) = closest(tag.as_str(), available.iter().map(String::as_str)) {
            d = d.help(format!("did you mean `{near}`?"));
        } else {
            let list: Vec<&str> = available.iter().map(String::as_str).collect();
            d = d.help(format!("languages with words: {}", list.join(", ")));
        }
        diags.push(d);
        return None;
    }
    if tag.language() != "en" {
        warn_missing(tag, &english, &own, diags);
    }
    let mut phrases = english;
    phrases.extend(own);
    Some(Arc::new(Words::new(tag.clone(), phrases)))
}

/// A key the language lacks is shown in English; say which, once.
fn warn_missing(
    tag: &LanguageTag,
    english: &BTreeMap<String, Phrase>,
    own: &BTreeMap<String, Phrase>,
    diags: &mut Diagnostics,
) {
    let missing: Vec<&str> = english
        .keys()
        .filter(|k| !own.contains_key(*k))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return;
    }
    const SHOWN: usize = 12;
    let mut list = missing
        .iter()
        .take(SHOWN)
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if missing.len() > SHOWN {
        list.push_str(&format!(" and {} more", missing.len() - SHOWN));
    }
    diags.push(
        Diagnostic::warning(format!(
            "{} phrases have no `{tag}` words, so they show in English: {list}",
            missing.len()
        ))
        .help(format!(
            "add them to i18n/{}.toml of the site (the English file of the theme has them all)",
            tag.language()
        )),
    );
}

/// Adds one file's phrases over `phrases`; problems are located in it.
fn overlay(phrases: &mut BTreeMap<String, Phrase>, file: &WordsFile, diags: &mut Diagnostics) {
    let source = &file.source;
    let table = match source.text.parse::<toml::Table>() {
        Ok(t) => t,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            diags.push(
                Diagnostic::error(format!("invalid TOML: {}", e.message().trim()))
                    .at(source.locate(span)),
            );
            return;
        }
    };
    let mut bad = Vec::new();
    collect(&table, "", phrases, &mut bad);
    for key in bad {
        let last = key.rsplit('.').next().unwrap_or(&key);
        let at = crate::config::find_key(&source.text, last).unwrap_or(0);
        diags.push(
            Diagnostic::error(format!(
                "`{key}` must be a phrase in quotes, or a table of plural forms like {{ one = \"{{n}} muscle\", other = \"{{n}} muscles\" }}"
            ))
            .at(source.locate(at..at + last.len())),
        );
    }
}

/// The phrases of a parsed words file, for tests.
pub(super) fn parse_phrases(table: &toml::Table) -> BTreeMap<String, Phrase> {
    let mut phrases = BTreeMap::new();
    collect(table, "", &mut phrases, &mut Vec::new());
    phrases
}

/// Flattens nested tables into dotted keys; a table whose keys are all
/// plural categories, `other` among them, is one plural phrase.
fn collect(
    table: &toml::Table,
    prefix: &str,
    phrases: &mut BTreeMap<String, Phrase>,
    bad: &mut Vec<String>,
) {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(s) => {
                phrases.insert(full, Phrase::Text(s.clone()));
            }
            toml::Value::Table(t) if is_plural(t) => {
                let forms = t
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect();
                phrases.insert(full, Phrase::Plural(forms));
            }
            toml::Value::Table(t) => collect(t, &full, phrases, bad),
            _ => bad.push(full),
        }
    }
}

fn is_plural(t: &toml::Table) -> bool {
    t.contains_key("other")
        && t.iter()
            .all(|(k, v)| PLURAL_CATEGORIES.contains(&k.as_str()) && v.is_str())
}
