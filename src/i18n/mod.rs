//! The words a theme writes, in the site's language: navigation, headings,
//! labels, the sentences that describe maps, reading time, dates and
//! numbers.
//!
//! Words come from `i18n/<lang>.toml` files, layered like templates: the
//! default theme's (built into the binary), then `themes/<theme>/i18n/`, then
//! the site's own `i18n/`, each overriding the keys it sets. A regional tag
//! (`fr-CA`) takes its language's words (`fr.toml`) and then its own file's,
//! when there is one. English is always loaded beneath: a key a language
//! lacks is a warning, and English is shown meanwhile.
//!
//! Plural categories, dates and numbers come from CLDR data through ICU4X,
//! so no month name or plural rule is written by hand here.

mod files;
mod locale;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

pub use files::{available_languages, load};
pub use locale::LanguageTag;

use crate::content::date::Date;
use locale::Formatters;

/// One entry of a words file: a phrase, or a phrase per plural category.
#[derive(Debug, Clone, PartialEq)]
pub enum Phrase {
    Text(String),
    /// By CLDR plural category (`zero`, `one`, `two`, `few`, `many`,
    /// `other`); `other` is always there.
    Plural(BTreeMap<String, String>),
}

impl Phrase {
    fn other(&self) -> &str {
        match self {
            Phrase::Text(t) => t,
            Phrase::Plural(forms) => forms.get("other").map(String::as_str).unwrap_or(""),
        }
    }
}

/// The words of one language, with its plural rules and date and number
/// formats. Cheap to share: pages of a language hold one `Arc<Words>`.
pub struct Words {
    tag: LanguageTag,
    phrases: BTreeMap<String, Phrase>,
    formatters: Formatters,
}

impl fmt::Debug for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Words")
            .field("tag", &self.tag)
            .field("phrases", &self.phrases.len())
            .finish()
    }
}

/// A value put into a phrase's `{name}` placeholder.
pub type Arg<'a> = (&'a str, &'a str);

impl Words {
    pub(crate) fn new(tag: LanguageTag, phrases: BTreeMap<String, Phrase>) -> Self {
        let formatters = Formatters::new(&tag);
        Words {
            tag,
            phrases,
            formatters,
        }
    }

    /// English words alone: for unit tests and tools that need no site.
    pub fn english() -> Arc<Words> {
        Arc::new(files::builtin_english())
    }

    /// The language these words are in (`de`, `fr-CA`).
    pub fn tag(&self) -> &LanguageTag {
        &self.tag
    }

    /// A hash of the language and every phrase: `t()` in templates reads
    /// them, so a page's output changes with them.
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(self.tag.to_string().as_bytes());
        let mut part = |text: &str| {
            hasher.update(&(text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        };
        for (key, phrase) in &self.phrases {
            part(key);
            match phrase {
                Phrase::Text(text) => {
                    part("text");
                    part(text);
                }
                Phrase::Plural(forms) => {
                    part("plural");
                    part(&forms.len().to_string());
                    for (category, text) in forms {
                        part(category);
                        part(text);
                    }
                }
            }
        }
        hasher.digest()
    }

    pub fn has(&self, key: &str) -> bool {
        self.phrases.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.phrases.keys().map(String::as_str)
    }

    /// The text of phrase `key`, in the plural form the language uses for
    /// `n` when given; placeholders unfilled. `None` for an unknown key.
    pub fn phrase(&self, key: &str, n: Option<u64>) -> Option<&str> {
        let phrase = self.phrases.get(key)?;
        Some(match (phrase, n) {
            (Phrase::Plural(forms), Some(n)) => {
                // An explicit `zero` form is used for 0 in every language
                // (CLDR gives most languages no zero category).
                let category = match n {
                    0 if forms.contains_key("zero") => "zero",
                    _ => self.formatters.plural_category(n),
                };
                forms
                    .get(category)
                    .or_else(|| forms.get("other"))
                    .map(String::as_str)
                    .unwrap_or("")
            }
            (p, _) => p.other(),
        })
    }

    /// One plural form of phrase `key` as written (`{n}` unfilled), for
    /// scripts that choose the form in the browser; `other` when the
    /// phrase has no such form.
    pub fn form(&self, key: &str, form: &str) -> Option<&str> {
        match self.phrases.get(key)? {
            Phrase::Plural(forms) => forms.get(form).or_else(|| forms.get("other")),
            Phrase::Text(t) => Some(t),
        }
        .map(String::as_str)
    }

    /// The phrase `key` with its placeholders filled. An unknown key shows
    /// as itself, so a missing word is visible on the page rather than
    /// silently empty; the theme's files are checked at load time.
    pub fn t(&self, key: &str, args: &[Arg<'_>]) -> String {
        match self.phrase(key, None) {
            Some(text) => fill(text, args),
            None => key.to_string(),
        }
    }

    /// The phrase `key` in the plural form the language uses for `n`;
    /// `{n}` is `n` written as the language writes numbers.
    pub fn plural(&self, key: &str, n: u64, args: &[Arg<'_>]) -> String {
        let Some(text) = self.phrase(key, Some(n)) else {
            return key.to_string();
        };
        let number = self.number(n);
        let mut all: Vec<Arg<'_>> = Vec::with_capacity(args.len() + 1);
        all.push(("n", &number));
        all.extend_from_slice(args);
        fill(text, &all)
    }

    /// A list in the language's words: "a, b and c".
    pub fn list(&self, items: &[String]) -> String {
        let comma = self.t("list.comma", &[]);
        let and = self.t("list.and", &[]);
        match items {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{}{and}{last}", init.join(&comma)),
        }
    }

    /// A date written out the way the language does ("14 March 2026",
    /// "14. März 2026", "14 mars 2026").
    pub fn date(&self, date: Date) -> String {
        self.formatters.long_date(date)
    }

    /// An amount of money with at most two decimals ("95", "95.50",
    /// "95,50").
    pub fn amount(&self, value: f64) -> String {
        self.formatters.amount(value)
    }

    /// A whole number written the way the language does ("10,000",
    /// "10.000", "10 000").
    pub fn number(&self, n: u64) -> String {
        self.formatters.number(n)
    }
}

/// Replaces each `{name}` with its value, `{name|lower}` with it in lower
/// case; unknown placeholders stay as written.
pub fn fill(text: &str, args: &[Arg<'_>]) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let placeholder = &after[..close];
                let (name, lower) = match placeholder.strip_suffix("|lower") {
                    Some(name) => (name, true),
                    None => (placeholder, false),
                };
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) if lower => out.push_str(&v.to_lowercase()),
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(tag: &str, toml: &str) -> Words {
        let tag = LanguageTag::parse(tag).unwrap();
        let phrases = files::parse_phrases(&toml.parse::<toml::Table>().unwrap());
        Words::new(tag, phrases)
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill("Articles tagged “{tag}”", &[("tag", "neck")]),
            "Articles tagged “neck”"
        );
        assert_eq!(fill("{missing} stays", &[]), "{missing} stays");
        assert_eq!(
            fill("Pain in the {name|lower}", &[("name", "Upper Back")]),
            "Pain in the upper back"
        );
        assert_eq!(fill("open { brace", &[]), "open { brace");
    }

    #[test]
    fn plural_forms_follow_the_language() {
        let toml = "muscles = { one = \"{n} muscle\", few = \"{n} few\", many = \"{n} many\", other = \"{n} muscles\" }";
        let en = words("en", toml);
        assert_eq!(en.plural("muscles", 1, &[]), "1 muscle");
        assert_eq!(en.plural("muscles", 0, &[]), "0 muscles");
        assert_eq!(en.plural("muscles", 10000, &[]), "10,000 muscles");
        // Polish: 2–4 are "few", 5 and up "many".
        let pl = words("pl", toml);
        assert_eq!(pl.plural("muscles", 3, &[]), "3 few");
        assert_eq!(pl.plural("muscles", 5, &[]), "5 many");
        // French: 0 and 1 are both singular.
        let fr = words("fr", toml);
        assert_eq!(fr.plural("muscles", 0, &[]), "0 muscle");
    }

    #[test]
    fn dates_come_from_cldr() {
        let d = Date::new(2026, 3, 14).unwrap();
        assert_eq!(words("en", "").date(d), "March 14, 2026");
        assert_eq!(words("de", "").date(d), "14. März 2026");
        assert_eq!(words("fr", "").date(d), "14 mars 2026");
        assert_eq!(words("es", "").date(d), "14 de marzo de 2026");
    }
}
