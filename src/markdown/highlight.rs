//! Code highlighting with syntect, emitting CSS classes (`hl-…`) so that the
//! colours live in one generated stylesheet instead of every page.
//!
//! The syntax set is large; it is loaded on first use only, so a site without
//! code blocks never pays for it.

use std::sync::LazyLock;

use syntect::highlighting::ThemeSet;
use syntect::html::{css_for_theme_with_class_style, ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use crate::diagnostics::{closest, Diagnostic};

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);
static THEMES: LazyLock<ThemeSet> = LazyLock::new(ThemeSet::load_defaults);

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Highlights `code` as `lang`; `None` when the language is unknown (the
/// caller then shows the code as plain escaped text).
pub fn highlight(code: &str, lang: &str) -> Option<String> {
    let syntax = SYNTAXES
        .find_syntax_by_token(lang)
        .or_else(|| SYNTAXES.find_syntax_by_name(lang))?;
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, &SYNTAXES, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .ok()?;
    }
    Some(generator.finalize())
}

pub fn check_theme(name: &str) -> Result<(), Diagnostic> {
    if THEMES.themes.contains_key(name) {
        return Ok(());
    }
    let names: Vec<&str> = THEMES.themes.keys().map(String::as_str).collect();
    let d = Diagnostic::error(format!("unknown highlight theme `{name}`"));
    Err(match closest(name, names.iter().copied()) {
        Some(best) => d.help(format!("did you mean `{best}`?")),
        None => d.help(format!("available themes: {}", names.join(", "))),
    })
}

/// The stylesheet for a highlight theme (checked by [`check_theme`] when the
/// configuration was loaded).
pub fn theme_css(name: &str) -> String {
    THEMES
        .themes
        .get(name)
        .and_then(|theme| css_for_theme_with_class_style(theme, CLASS_STYLE).ok())
        .unwrap_or_default()
}
