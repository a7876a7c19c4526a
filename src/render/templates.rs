//! The theme's templates parsed into one Tera environment per language,
//! with Knotwork's own card template, and Tera's errors located in the
//! template files.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;
use tera::Tera;

use crate::diagnostics::{closest, Diagnostic, Diagnostics, Location};
use crate::graph::Site;
use crate::html::escape;
use crate::theme::Theme;

use super::assets::Assets;
use super::functions::{register_language_functions, resize_image, PictureFunction};

/// The theme's templates, parsed (errors point into the template file).
/// Parsing is most of making a renderer (28–34 ms for the default theme
/// in one-edit rebuilds of the bench corpus) and needs the theme alone,
/// so a build does it on a thread of its own while the content loads.
pub struct Templates(Result<Tera, tera::Error>);

impl Templates {
    pub fn parse(theme: &Theme) -> Templates {
        let mut tera = Tera::default();
        let templates = theme
            .templates
            .iter()
            .map(|(name, t)| (name.as_str(), t.text.as_str()));
        Templates(
            tera.add_raw_templates(templates)
                .and_then(|()| add_card_template(&mut tera))
                .map(|()| tera),
        )
    }
}

/// The internal template rendering one article card with the theme's
/// `article_card` macro, so each card is rendered once per build and
/// heading level (see `pages::shared`). Its name cannot clash with a
/// theme's: themes name templates by file, and no file is named so.
pub(super) const CARD_TEMPLATE: &str = "@knotwork/article_card.html";

/// The heading levels a card is rendered at: lists whose page title is the
/// `h1` (blog, tags) use `h2`; sections under an `h2` use `h3`.
pub(super) const CARD_HEADINGS: [&str; 2] = ["h2", "h3"];

/// What a card is rendered with as its `heading` when the macro uses it
/// only to name the heading tag ([`card_heading_names_a_tag`]): the card
/// is then rendered once and each level's HTML made by putting the level
/// in its place. Private-use characters, which no escaping touches and no
/// card's text holds.
pub(super) const HEADING_STAND_IN: &str = "\u{F8FF}knotwork-card-heading\u{F8FF}";

/// Whether the theme's `article_card` macro uses its `heading` argument
/// only as `{{ heading }}`, bare (no filter, test, comparison, `set` or
/// `include` that could make the card differ by level in other ways):
/// then the card's HTML at each level is the same text with the level put
/// in at those places, and rendering it once is enough. Read off the
/// macro body's syntax tree, which Tera shows only through `Debug`; a
/// form not recognised here means rendering once per level, as before.
pub(super) fn card_heading_names_a_tag(tera: &Tera) -> bool {
    let Some(card) = tera
        .get_template("macros.html")
        .ok()
        .and_then(|t| t.macros.get("article_card"))
    else {
        return false;
    };
    let body = format!("{:?}", card.body);
    let bare = r#", Expr { val: Ident("heading"), negated: false, filters: [] })"#;
    let uses = body.matches(r#""heading""#).count();
    let bare_uses = body
        .match_indices(bare)
        .filter(|(at, _)| {
            let before = &body[..*at];
            ["false", "true"].iter().any(|left| {
                ["false", "true"].iter().any(|right| {
                    before.ends_with(&format!(
                        "VariableBlock(WS {{ left: {left}, right: {right} }}"
                    ))
                })
            })
        })
        .count();
    bare_uses > 0 && bare_uses == uses && !body.contains("Include(")
}

/// Adds [`CARD_TEMPLATE`] when the theme's `macros.html` defines
/// `article_card`; a theme without it renders its cards its own way.
pub(super) fn add_card_template(tera: &mut Tera) -> tera::Result<()> {
    let has_card_macro = tera
        .get_template("macros.html")
        .is_ok_and(|t| t.macros.contains_key("article_card"));
    if !has_card_macro {
        return Ok(());
    }
    tera.add_raw_template(
        CARD_TEMPLATE,
        r#"{% import "macros.html" as m %}{{ m::article_card(a=a, heading=heading) }}"#,
    )
}

/// The Tera environment of one language: the parsed `templates` with
/// Knotwork's escaping, filters and functions.
pub(super) fn environment(
    templates: Templates,
    theme: &Theme,
    site: &Site,
    assets: &Assets,
    diags: &mut Diagnostics,
) -> Option<Tera> {
    let mut tera = match templates.0 {
        Ok(tera) => tera,
        Err(e) => {
            diags.push(template_error(&e, theme));
            return None;
        }
    };
    tera.autoescape_on(vec![".html", ".xml"]);
    // Tera's own escaper also escapes `/`, which turns every URL into
    // `&#x2F;…`; quotes, `&`, `<` and `>` are all HTML and XML need.
    tera.set_escape_fn(escape);
    // The `escape` filter the same way (Tera's own writes `/` as `&#x2F;`),
    // for templates that build markup to pass to `t()`.
    for name in ["escape", "e"] {
        tera.register_filter(name, |value: &Value, _: &HashMap<String, Value>| {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Ok(Value::String(escape(&text)))
        });
    }
    register_language_functions(&mut tera, site);
    // Assets are shared by every language, at the site's root.
    let base_path = site.language.root_path.clone();
    let names = assets.names.clone();
    tera.register_function("asset", move |args: &HashMap<String, Value>| {
        let path = args
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| tera::Error::msg("asset() needs path=\"css/site.css\""))?;
        let path = path.trim_start_matches('/');
        match names.get(path) {
            Some(out) => Ok(Value::String(format!("{base_path}/{out}"))),
            None => {
                let hint = closest(path, names.keys().map(String::as_str))
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                Err(tera::Error::msg(format!("unknown asset `{path}`{hint}")))
            }
        }
    });
    tera.register_function("picture", PictureFunction);
    let images = site.images.clone();
    tera.register_function("resize_image", move |args: &HashMap<String, Value>| {
        resize_image(&images, args)
    });
    Some(tera)
}

/// A Tera error as a diagnostic located in the template file.
pub(super) fn template_error(e: &tera::Error, theme: &Theme) -> Diagnostic {
    let mut chain = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    let full = chain.join("\n");
    // Tera names the template in quotes: "Failed to parse 'x.html'".
    let name = chain
        .iter()
        .find_map(|m| {
            m.split('\'')
                .nth(1)
                .filter(|n| theme.templates.contains_key(*n))
        })
        .map(str::to_string);
    let summary = chain
        .iter()
        .rev()
        .map(|m| {
            m.lines()
                .find(|l| l.trim_start().starts_with("= "))
                .map(|l| l.trim_start()[2..].to_string())
                .unwrap_or_else(|| m.lines().next().unwrap_or("").to_string())
        })
        .find(|m| !m.trim().is_empty())
        .unwrap_or_else(|| full.clone());
    let mut d = Diagnostic::error(format!("template error: {summary}"));
    if let Some(name) = name {
        let template = &theme.templates[&name];
        d = d.at(locate_in_template(&full, &template.text, &template.path));
    }
    d
}

/// The line Tera names (` --> 3:5`), else the first line mentioning a
/// name the message puts in backticks, else just the file.
pub(super) fn locate_in_template(message: &str, text: &str, path: &Path) -> Location {
    if let Some(pos) = message.split("--> ").nth(1) {
        let mut nums = pos
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty());
        if let (Some(Ok(line)), Some(Ok(col))) = (
            nums.next().map(str::parse::<usize>),
            nums.next().map(str::parse::<usize>),
        ) {
            let line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
            return Location::with_line(path, line, col, line_text);
        }
    }
    // Names in backticks, in order: a macro call's error names the macro
    // (`m::article_card`) before the variable inside it.
    for var in message.split('`').skip(1).step_by(2) {
        for (i, line) in text.lines().enumerate() {
            if let Some(col) = line.find(var) {
                let mut loc =
                    Location::with_line(path, i + 1, line[..col].chars().count() + 1, line);
                loc.width = var.chars().count();
                return loc;
            }
        }
    }
    Location::file(path)
}
