//! Shortcodes: templates a writer calls from Markdown (`{{ figure(…) }}`,
//! `{% callout(…) %}…{% end %}`).
//!
//! This module knows the syntax ([`parse`]) and the signatures: what
//! arguments a shortcode takes, of which types, and whether it takes a body.
//! A shortcode template declares its signature in a comment at its top:
//!
//! ```text
//! {#- shortcode: a highlighted box
//! kind: "note" | "tip" | "red-flag" = "note"
//! title: string?
//! body: required
//! -#}
//! ```
//!
//! Types are `string`, `number`, `boolean`, a list of quoted choices, or an
//! id of the site: `muscle`, `technique`, `article`, `page`, `region` (the id
//! must exist; the template then also receives that entity under the
//! type's name). `?` makes an argument optional, `= value` gives it a
//! default. `body:` is `required`, `optional` or `none` (the default). A
//! template without such a comment takes any arguments and a body, as in
//! Zola. The Markdown stage checks every call against its signature; the
//! templates are rendered after linking (`pages::shortcodes`).

pub mod parse;

use std::collections::BTreeMap;
use std::ops::Range;

use serde_json::Value;

use crate::diagnostics::{closest, Diagnostic, Location};
pub use parse::{ArgValue, RawCall};

/// The kinds of site entity a shortcode argument can name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum EntityKind {
    Muscle,
    Technique,
    Article,
    Page,
    Region,
    Service,
}

impl EntityKind {
    const ALL: [(EntityKind, &'static str); 6] = [
        (EntityKind::Muscle, "muscle"),
        (EntityKind::Technique, "technique"),
        (EntityKind::Article, "article"),
        (EntityKind::Page, "page"),
        (EntityKind::Region, "region"),
        (EntityKind::Service, "service"),
    ];

    /// The type name in signatures, and the template variable it fills.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map_or("", |(_, n)| n)
    }

    /// The cross-link kind (`@muscles/…`) naming the same entities.
    pub fn link_kind(self) -> &'static str {
        match self {
            EntityKind::Muscle => "muscles",
            EntityKind::Technique => "techniques",
            EntityKind::Article => "blog",
            EntityKind::Page => "pages",
            EntityKind::Region => "pain",
            EntityKind::Service => "services",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ArgType {
    String,
    Number,
    Boolean,
    OneOf(Vec<String>),
    Entity(EntityKind),
    /// An image path, found and processed like a Markdown image; the
    /// template receives the processed image (show it with `picture()`).
    Image,
}

impl ArgType {
    fn describe(&self) -> String {
        match self {
            ArgType::String => "a string".into(),
            ArgType::Number => "a number".into(),
            ArgType::Boolean => "true or false".into(),
            ArgType::OneOf(choices) => format!(
                "one of {}",
                choices
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ArgType::Entity(kind) => format!("a {} id (a string)", kind.name()),
            ArgType::Image => "an image path (a string)".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: ArgType,
    pub required: bool,
    pub default: Option<ArgValue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRule {
    None,
    Optional,
    Required,
}

/// What a shortcode accepts; `None` params means anything (no signature).
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    pub params: Option<Vec<Param>>,
    pub body: BodyRule,
}

impl Signature {
    /// Any arguments and an optional body: templates without a signature.
    pub fn open() -> Self {
        Signature {
            params: None,
            body: BodyRule::Optional,
        }
    }
}

/// The shortcodes a site can call, by name, from its theme and its own
/// `templates/shortcodes/`.
#[derive(Debug, Clone, Default)]
pub struct Shortcodes {
    by_name: BTreeMap<String, Signature>,
}

/// A checked call, ready to render: arguments with defaults filled in.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Call {
    pub name: String,
    /// Kept as JSON text in caches: their formats cannot read back a JSON
    /// value, whose type is only known from the data.
    #[serde(with = "args_as_json")]
    pub args: serde_json::Map<String, Value>,
    /// Entity ids the arguments name, for the template's context.
    pub entities: Vec<(EntityKind, String)>,
    /// The body, rendered (it may hold placeholders of nested calls).
    pub body_html: Option<String>,
    /// Alone on its line(s): its output replaces the paragraph around it.
    pub block: bool,
    pub location: Location,
}

impl Shortcodes {
    pub fn insert(&mut self, name: &str, signature: Signature) {
        self.by_name.insert(name.to_string(), signature);
    }

    pub fn get(&self, name: &str) -> Option<&Signature> {
        self.by_name.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Checks a call against its signature. `locate` turns a byte range of
    /// the scanned text into a location; `entity` checks that an id exists
    /// (its error carries the "did you mean"); `image` finds an image and
    /// gives what templates receive for it. Every problem is returned.
    pub fn check(
        &self,
        raw: &RawCall,
        locate: &dyn Fn(Range<usize>) -> Location,
        entity: &dyn Fn(EntityKind, &str) -> Result<(), Diagnostic>,
        image: &dyn Fn(&str) -> Result<Value, Diagnostic>,
    ) -> Result<Call, Vec<Diagnostic>> {
        let Some(signature) = self.get(&raw.name) else {
            let d = Diagnostic::error(format!("unknown shortcode `{}`", raw.name))
                .at(locate(raw.name_span.clone()));
            let d = match closest(&raw.name, self.names()) {
                Some(best) => d.help(format!("did you mean `{best}`?")),
                None => d.help(format!(
                    "the shortcodes of this site are: {} (add your own in templates/shortcodes/{}.html)",
                    self.names().collect::<Vec<_>>().join(", "),
                    raw.name
                )),
            };
            return Err(vec![d]);
        };
        let mut problems = Vec::new();
        let mut args = serde_json::Map::new();
        let mut entities = Vec::new();
        match &signature.params {
            None => {
                for a in &raw.args {
                    args.insert(a.name.clone(), json_value(&a.value));
                }
            }
            Some(params) => {
                for a in &raw.args {
                    let Some(param) = params.iter().find(|p| p.name == a.name) else {
                        let d = Diagnostic::error(format!(
                            "shortcode `{}` has no argument `{}`",
                            raw.name, a.name
                        ))
                        .at(locate(a.name_span.clone()));
                        let names = params.iter().map(|p| p.name.as_str());
                        problems.push(match closest(&a.name, names.clone()) {
                            Some(best) => d.help(format!("did you mean `{best}`?")),
                            None => d.help(format!(
                                "it takes: {}",
                                names.collect::<Vec<_>>().join(", ")
                            )),
                        });
                        continue;
                    };
                    if let (ArgType::Image, ArgValue::Str(src)) = (&param.ty, &a.value) {
                        match image(src) {
                            Ok(value) => {
                                args.insert(a.name.clone(), value);
                            }
                            Err(d) => problems.push(d.at(locate(a.value_span.clone()))),
                        }
                        continue;
                    }
                    match check_value(&raw.name, param, &a.value, entity) {
                        Ok(kind) => {
                            if let (Some(kind), ArgValue::Str(id)) = (kind, &a.value) {
                                entities.push((kind, id.clone()));
                            }
                            args.insert(a.name.clone(), json_value(&a.value));
                        }
                        Err(d) => problems.push(d.at(locate(a.value_span.clone()))),
                    }
                }
                for p in params {
                    if args.contains_key(&p.name) || raw.args.iter().any(|a| a.name == p.name) {
                        continue;
                    }
                    if let Some(default) = &p.default {
                        args.insert(p.name.clone(), json_value(default));
                    } else if p.required {
                        problems.push(
                            Diagnostic::error(format!(
                                "shortcode `{}` needs the argument `{}` ({})",
                                raw.name,
                                p.name,
                                p.ty.describe()
                            ))
                            .at(locate(raw.name_span.clone()))
                            .help(format!("add {}=… inside the parentheses", p.name)),
                        );
                    }
                }
            }
        }
        match (signature.body, raw.body.is_some()) {
            (BodyRule::None, true) => problems.push(
                Diagnostic::error(format!("shortcode `{}` takes no body", raw.name))
                    .at(locate(raw.name_span.clone()))
                    .help(format!(
                        "write it as {{{{ {}(…) }}}}, without {{% end %}}",
                        raw.name
                    )),
            ),
            (BodyRule::Required, false) => problems.push(
                Diagnostic::error(format!("shortcode `{}` needs a body", raw.name))
                    .at(locate(raw.name_span.clone()))
                    .help(format!("write {{% {}(…) %}}your text{{% end %}}", raw.name)),
            ),
            _ => {}
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Call {
            name: raw.name.clone(),
            args,
            entities,
            body_html: None,
            block: false,
            location: locate(raw.span.start..raw.span.start + 2),
        })
    }
}

/// Checks one value; for an entity id, returns its kind.
fn check_value(
    shortcode: &str,
    param: &Param,
    value: &ArgValue,
    entity: &dyn Fn(EntityKind, &str) -> Result<(), Diagnostic>,
) -> Result<Option<EntityKind>, Diagnostic> {
    let wrong = || {
        Diagnostic::error(format!(
            "argument `{}` of `{shortcode}` must be {}, not {}",
            param.name,
            param.ty.describe(),
            value.type_name()
        ))
    };
    match (&param.ty, value) {
        (ArgType::String, ArgValue::Str(_))
        | (ArgType::Number, ArgValue::Num(_))
        | (ArgType::Boolean, ArgValue::Bool(_)) => Ok(None),
        (ArgType::OneOf(choices), ArgValue::Str(s)) => {
            if choices.contains(s) {
                Ok(None)
            } else {
                let d = Diagnostic::error(format!(
                    "argument `{}` of `{shortcode}` must be {}, not \"{s}\"",
                    param.name,
                    param.ty.describe()
                ));
                Err(match closest(s, choices.iter().map(String::as_str)) {
                    Some(best) => d.help(format!("did you mean \"{best}\"?")),
                    None => d,
                })
            }
        }
        (ArgType::Entity(kind), ArgValue::Str(id)) => entity(*kind, id).map(|()| Some(*kind)),
        (ArgType::Number, ArgValue::Str(s)) if s.trim().parse::<f64>().is_ok() => Err(wrong()
            .help(format!(
                "write the number without quotes: {}={}",
                param.name,
                s.trim()
            ))),
        (ArgType::Boolean, ArgValue::Str(s)) if s == "true" || s == "false" => {
            Err(wrong().help(format!("write it without quotes: {}={s}", param.name)))
        }
        _ => Err(wrong()),
    }
}

fn json_value(v: &ArgValue) -> Value {
    match v {
        ArgValue::Str(s) => Value::String(s.clone()),
        ArgValue::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => Value::from(*n as i64),
        ArgValue::Num(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
        ArgValue::Bool(b) => Value::Bool(*b),
    }
}

/// Reads the signature comment at the top of a shortcode template. `Ok`
/// with [`Signature::open`] when there is none; an error names the line
/// (1-based, in the template) and what is wrong.
pub fn signature_of(template: &str) -> Result<Signature, (usize, String)> {
    let trimmed = template.trim_start();
    let lead_lines = template[..template.len() - trimmed.len()]
        .matches('\n')
        .count();
    let Some(rest) = trimmed
        .strip_prefix("{#-")
        .or_else(|| trimmed.strip_prefix("{#"))
        .map(str::trim_start)
        .filter(|r| r.starts_with("shortcode"))
    else {
        return Ok(Signature::open());
    };
    let Some(end) = rest.find("#}") else {
        return Err((
            lead_lines + 1,
            "the signature comment is not closed with #}".into(),
        ));
    };
    let comment = rest[..end].trim_end_matches('-');
    let mut params = Vec::new();
    let mut body = BodyRule::None;
    // The first line is "shortcode: what it does".
    for (n, line) in comment.lines().enumerate().skip(1) {
        let line_no = lead_lines + n + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let Some((name, spec)) = line.split_once(':') else {
            return Err((line_no, format!("expected `name: type`, found `{line}`")));
        };
        let (name, spec) = (name.trim(), spec.trim());
        if name == "body" {
            body = match spec {
                "required" => BodyRule::Required,
                "optional" => BodyRule::Optional,
                "none" => BodyRule::None,
                other => {
                    return Err((
                        line_no,
                        format!("`body:` is required, optional or none, not `{other}`"),
                    ))
                }
            };
            continue;
        }
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err((line_no, format!("`{name}` is not an argument name")));
        }
        params.push(param(name, spec).map_err(|e| (line_no, e))?);
    }
    Ok(Signature {
        params: Some(params),
        body,
    })
}

/// `type`, `type?` or `type = default`.
fn param(name: &str, spec: &str) -> Result<Param, String> {
    let (ty_text, default) = match spec.split_once(" = ").or_else(|| spec.split_once('=')) {
        Some((t, d)) => (t.trim(), Some(d.trim())),
        None => (spec, None),
    };
    let (ty_text, optional) = match ty_text.strip_suffix('?') {
        Some(t) => (t.trim(), true),
        None => (ty_text, false),
    };
    let ty = match ty_text {
        "string" => ArgType::String,
        "number" => ArgType::Number,
        "boolean" => ArgType::Boolean,
        "image" => ArgType::Image,
        t if t.starts_with('"') => ArgType::OneOf(
            t.split('|')
                .map(|c| c.trim().trim_matches('"').to_string())
                .collect(),
        ),
        t => match EntityKind::ALL.iter().find(|(_, n)| *n == t) {
            Some((kind, _)) => ArgType::Entity(*kind),
            None => {
                return Err(format!(
                    "unknown type `{t}`: use string, number, boolean, image, \"a\" | \"b\", muscle, technique, article, page, region or service"
                ))
            }
        },
    };
    let default = match default {
        None => None,
        Some(d) => Some(match (&ty, d) {
            (ArgType::Number, d) => ArgValue::Num(
                d.parse()
                    .map_err(|_| format!("the default of `{name}` is not a number"))?,
            ),
            (ArgType::Boolean, "true") => ArgValue::Bool(true),
            (ArgType::Boolean, "false") => ArgValue::Bool(false),
            (ArgType::Boolean, _) => {
                return Err(format!("the default of `{name}` is not true or false"))
            }
            (_, d) => ArgValue::Str(d.trim_matches('"').to_string()),
        }),
    };
    Ok(Param {
        name: name.to_string(),
        required: !optional && default.is_none(),
        ty,
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_signature() {
        let sig = signature_of(
            "{#- shortcode: a box\nkind: \"note\" | \"tip\" = \"note\"\ntitle: string?\nid: muscle\nn: number = 2\nbody: required\n-#}\n<div></div>",
        )
        .unwrap();
        let params = sig.params.unwrap();
        assert_eq!(params.len(), 4);
        assert_eq!(
            params[0].ty,
            ArgType::OneOf(vec!["note".into(), "tip".into()])
        );
        assert_eq!(params[0].default, Some(ArgValue::Str("note".into())));
        assert!(!params[1].required && params[2].required && !params[3].required);
        assert_eq!(params[2].ty, ArgType::Entity(EntityKind::Muscle));
        assert_eq!(sig.body, BodyRule::Required);
        assert_eq!(signature_of("<p>{{ x }}</p>").unwrap(), Signature::open());
        assert_eq!(
            signature_of("{# shortcode\nx: colour\n#}").unwrap_err().0,
            2
        );
    }
}

/// (De)serializes a call's arguments as one string of JSON.
mod args_as_json {
    use serde::{de, ser, Deserialize, Deserializer, Serializer};
    use serde_json::{Map, Value};

    pub fn serialize<S: Serializer>(args: &Map<String, Value>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&serde_json::to_string(args).map_err(ser::Error::custom)?)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
        let text = String::deserialize(d)?;
        serde_json::from_str(&text).map_err(de::Error::custom)
    }
}
