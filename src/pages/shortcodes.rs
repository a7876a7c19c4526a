//! Shortcode output: after linking, every placeholder the Markdown stage
//! left for a shortcode call is replaced by its template's output. The
//! template receives the call's arguments (defaults filled in), `body` (the
//! rendered body, for `{% … %}` calls), `nth` (the call's number among the
//! calls of that shortcode in the same text) and, for each argument that
//! names a muscle, technique, article, page or region, that entity under
//! the type's name (`muscle`, `technique`, …) as the page templates see it.

use rayon::prelude::*;
use serde_json::{json, Value};

use super::muscles::{muscle_map, pattern_text};
use super::*;
use crate::markdown::{PLACEHOLDER_END, PLACEHOLDER_START};
use crate::shortcodes::{Call, EntityKind};

/// Renders one shortcode template with a context: the render stage's job,
/// handed in so that planning does not depend on rendering.
pub type RenderShortcode<'a> = dyn Fn(&str, Value) -> Result<String, Diagnostic> + Sync + 'a;

/// Expands the calls of every Markdown text of the site.
pub fn expand_site(site: &mut Site, render: &RenderShortcode, diags: &mut Diagnostics) {
    let texts: Vec<&Rendered> = site.markdown.all().collect();
    let expanded: Vec<Option<Result<String, Vec<Diagnostic>>>> = texts
        .par_iter()
        .map(|r| (!r.shortcodes.is_empty()).then(|| expanded_html(site, r, render)))
        .collect();
    for (rendered, result) in site.markdown.all_mut().zip(expanded) {
        match result {
            Some(Ok(html)) => rendered.html = html.into(),
            Some(Err(problems)) => diags.extend(problems),
            None => {}
        }
    }
}

/// Expands the calls of one text (an edited document, in `knotwork serve`).
pub fn expand(
    site: &Site,
    rendered: &mut Rendered,
    render: &RenderShortcode,
) -> Result<(), Vec<Diagnostic>> {
    if !rendered.shortcodes.is_empty() {
        rendered.html = expanded_html(site, rendered, render)?.into();
    }
    Ok(())
}

fn expanded_html(
    site: &Site,
    rendered: &Rendered,
    render: &RenderShortcode,
) -> Result<String, Vec<Diagnostic>> {
    // A body's nested calls come before the call itself, so each output
    // can use the outputs before it.
    let mut outputs: Vec<String> = Vec::with_capacity(rendered.shortcodes.len());
    let mut blocks = Vec::with_capacity(rendered.shortcodes.len());
    let mut problems = Vec::new();
    let mut nth: HashMap<&str, usize> = HashMap::new();
    for call in &rendered.shortcodes {
        let n = nth.entry(call.name.as_str()).or_insert(0);
        *n += 1;
        let body = call
            .body_html
            .as_deref()
            .map(|b| substitute(b, &outputs, &blocks));
        let context = context(site, call, body, *n);
        match render(&call.name, context) {
            Ok(html) => outputs.push(html.trim().to_string()),
            Err(d) => {
                let template = d.location.as_ref().map_or_else(
                    || format!("templates/shortcodes/{}.html", call.name),
                    |l| l.to_string(),
                );
                problems.push(
                    Diagnostic::error(format!(
                        "the `{}` shortcode called here failed: {}",
                        call.name, d.message
                    ))
                    .at(call.location.clone())
                    .help(format!("the error is in its template, {template}")),
                );
                outputs.push(String::new());
            }
        }
        blocks.push(call.block);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(substitute(&rendered.html, &outputs, &blocks))
}

fn context(site: &Site, call: &Call, body: Option<String>, nth: usize) -> Value {
    let mut context = Value::Object(call.args.clone());
    context["nth"] = json!(nth);
    if let Some(body) = body {
        context["body"] = Value::String(body);
    }
    for (kind, id) in &call.entities {
        if let Some(entity) = entity(site, *kind, id, &call.name, nth) {
            context[kind.name()] = entity;
        }
    }
    context
}

/// The entity an argument names, as page templates see it.
fn entity(site: &Site, kind: EntityKind, id: &str, shortcode: &str, nth: usize) -> Option<Value> {
    let index = &site.index;
    Some(match kind {
        EntityKind::Muscle => {
            let m = index.muscle(id)?;
            let mut card = serde_json::to_value(muscle_card(site, m)).ok()?;
            card["map_svg"] = json!(muscle_map(site, m, &format!("{shortcode}-{id}-{nth}")));
            card["pattern"] = json!(pattern_text(site, m));
            card
        }
        EntityKind::Technique => {
            serde_json::to_value(technique_card(site, index.technique(id)?)).ok()?
        }
        EntityKind::Article => {
            let i = site.content.articles.iter().position(|a| a.slug == id)?;
            serde_json::to_value(article_card(site, i)).ok()?
        }
        EntityKind::Page => {
            let i = site.content.pages.iter().position(|p| p.slug == id)?;
            json!({ "title": site.content.pages[i].meta.title, "url": site.link(Target::Page(i)) })
        }
        EntityKind::Service => super::services::service_card(site, index.service(id)?),
        EntityKind::Region => {
            let r = index.region(id)?;
            json!({ "id": id, "name": site.content.regions[r].data.name, "url": site.link(Target::Region(r)) })
        }
    })
}

/// Replaces each placeholder with its output; a block call's paragraph
/// (`<p>` + placeholder + `</p>`) goes with it, since its output is a block.
fn substitute(html: &str, outputs: &[String], blocks: &[bool]) -> String {
    let mut out =
        String::with_capacity(html.len() + outputs.iter().map(String::len).sum::<usize>());
    let mut rest = html;
    while let Some(start) = rest.find(PLACEHOLDER_START) {
        let after = &rest[start + PLACEHOLDER_START.len_utf8()..];
        let Some(end) = after.find(PLACEHOLDER_END) else {
            break;
        };
        let Ok(n) = after[..end].parse::<usize>() else {
            out.push_str(&rest[..start + PLACEHOLDER_START.len_utf8()]);
            rest = after;
            continue;
        };
        let mut before = &rest[..start];
        let mut tail = &after[end + PLACEHOLDER_END.len_utf8()..];
        if blocks.get(n) == Some(&true) && before.ends_with("<p>") && tail.starts_with("</p>") {
            before = &before[..before.len() - 3];
            tail = &tail[4..];
        }
        out.push_str(before);
        out.push_str(outputs.get(n).map_or("", String::as_str));
        rest = tail;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::placeholder;

    #[test]
    fn block_calls_take_their_paragraph_inline_calls_do_not() {
        let html = format!("<p>{}</p>\n<p>a {} b</p>\n", placeholder(0), placeholder(1));
        let out = substitute(
            &html,
            &["<div>x</div>".into(), "<b>y</b>".into()],
            &[true, false],
        );
        assert_eq!(out, "<div>x</div>\n<p>a <b>y</b> b</p>\n");
    }
}
