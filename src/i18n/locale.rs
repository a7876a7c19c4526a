//! Language tags and the CLDR formatters (ICU4X) for one language.

use std::fmt;

use icu::calendar::{Date as IcuDate, Gregorian};
use icu::datetime::fieldsets::YMD;
use icu::datetime::FixedCalendarDateTimeFormatter;
use icu::decimal::input::Decimal;
use icu::decimal::DecimalFormatter;
use icu::locale::Locale;
use icu::plurals::{PluralCategory, PluralRules};
use serde::Serialize;

use crate::content::date::Date;

/// A BCP 47 language tag as written in site.toml (`en`, `de`, `fr-CA`),
/// checked and in its canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct LanguageTag(String);

impl LanguageTag {
    /// Checks the tag's syntax; the message says what a tag looks like.
    pub fn parse(s: &str) -> Result<Self, String> {
        let locale: Locale = s.trim().parse().map_err(|_| {
            format!("`{s}` is not a language tag: write one like `en`, `de` or `fr-CA`")
        })?;
        if locale.id.language.is_unknown() {
            return Err(format!(
                "`{s}` is not a language tag: write one like `en`, `de` or `fr-CA`"
            ));
        }
        Ok(LanguageTag(locale.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language alone (`fr` for `fr-CA`).
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// The tag, then its language alone if different: the words files to
    /// look for, most general first.
    pub fn fallbacks(&self) -> Vec<&str> {
        if self.language() == self.as_str() {
            vec![self.as_str()]
        } else {
            vec![self.language(), self.as_str()]
        }
    }

    fn locale(&self) -> Locale {
        self.0.parse().unwrap_or(Locale::UNKNOWN)
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// CLDR's plural rules, long date format and number format for a language.
/// A language CLDR does not know falls back to its root data (ISO-like
/// dates, no plural distinctions), never to an error.
pub(super) struct Formatters {
    plurals: Option<PluralRules>,
    dates: Option<FixedCalendarDateTimeFormatter<Gregorian, YMD>>,
    numbers: Option<DecimalFormatter>,
}

impl Formatters {
    pub(super) fn new(tag: &LanguageTag) -> Self {
        let locale = tag.locale();
        Formatters {
            plurals: PluralRules::try_new_cardinal((&locale).into()).ok(),
            dates: FixedCalendarDateTimeFormatter::try_new((&locale).into(), YMD::long()).ok(),
            numbers: DecimalFormatter::try_new((&locale).into(), Default::default()).ok(),
        }
    }

    pub(super) fn plural_category(&self, n: u64) -> &'static str {
        let category = self
            .plurals
            .as_ref()
            .map_or(PluralCategory::Other, |p| p.category_for(n));
        match category {
            PluralCategory::Zero => "zero",
            PluralCategory::One => "one",
            PluralCategory::Two => "two",
            PluralCategory::Few => "few",
            PluralCategory::Many => "many",
            PluralCategory::Other => "other",
        }
    }

    pub(super) fn long_date(&self, date: Date) -> String {
        let icu_date = IcuDate::try_new_gregorian(date.year, date.month, date.day);
        match (&self.dates, icu_date) {
            (Some(f), Ok(d)) => f.format(&d).to_string(),
            _ => date.to_string(),
        }
    }

    pub(super) fn amount(&self, value: f64) -> String {
        let cents = (value * 100.0).round() as i64;
        let mut decimal = Decimal::from(cents);
        decimal.multiply_pow10(-2);
        if cents % 100 == 0 {
            decimal = Decimal::from(cents / 100);
        }
        match &self.numbers {
            Some(f) => f.format(&decimal).to_string(),
            None => decimal.to_string(),
        }
    }

    pub(super) fn number(&self, n: u64) -> String {
        match &self.numbers {
            Some(f) => f.format(&Decimal::from(n)).to_string(),
            None => n.to_string(),
        }
    }
}
