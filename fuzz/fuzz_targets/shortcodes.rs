//! The shortcode scanner, alone and inside the Markdown pipeline: it must
//! never panic, and what it finds must be well-formed (spans inside the
//! text, on character boundaries, in order and not overlapping; a body
//! inside its call; argument spans inside the call).
#![no_main]

use std::sync::Arc;

use knotwork::diagnostics::{Diagnostic, Source};
use knotwork::graph::Target;
use knotwork::markdown::{self, Input, LinkResolver, Options_};
use knotwork::shortcodes::parse::{find, Found};
use knotwork::shortcodes::{signature_of, Shortcodes};
use libfuzzer_sys::fuzz_target;

struct Resolver;

impl LinkResolver for Resolver {
    fn resolve(&self, kind: &str, id: &str) -> Result<(String, Target), Diagnostic> {
        match (kind, id) {
            ("muscles", "trapezius") => Ok(("/muscles/trapezius/".into(), Target::Muscle(0))),
            ("techniques", "dry-needling") => Ok(("/techniques/dry-needling/".into(), Target::Technique(0))),
            _ => Err(Diagnostic::error(format!("no {kind} with id `{id}`"))),
        }
    }

    fn check_citation(&self, _: &str) -> Result<(), Diagnostic> {
        Ok(())
    }
}

fn shortcodes() -> Shortcodes {
    let mut set = Shortcodes::default();
    for (name, text) in [
        ("callout", include_str!("../../themes/default/templates/shortcodes/callout.html")),
        ("figure", include_str!("../../themes/default/templates/shortcodes/figure.html")),
        ("muscle", include_str!("../../themes/default/templates/shortcodes/muscle.html")),
        ("technique", include_str!("../../themes/default/templates/shortcodes/technique.html")),
        ("video", include_str!("../../themes/default/templates/shortcodes/video.html")),
    ] {
        set.insert(name, signature_of(text).unwrap());
    }
    set
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    // Code ranges: none, or every other line, to exercise the skipping.
    let code: Vec<std::ops::Range<usize>> = if flags & 1 == 1 {
        let mut at = 0;
        text.split_inclusive('\n')
            .enumerate()
            .filter_map(|(i, line)| {
                let start = at;
                at += line.len();
                (i % 2 == 1).then_some(start..at)
            })
            .collect()
    } else {
        Vec::new()
    };
    let (found, _errors) = find(text, &code);
    let mut last_end = 0;
    for f in &found {
        let span = match f {
            Found::Call(c) => {
                if let Some(body) = &c.body {
                    assert!(c.span.start <= body.start && body.end <= c.span.end);
                    assert!(text.is_char_boundary(body.start) && text.is_char_boundary(body.end));
                }
                for a in &c.args {
                    assert!(c.span.start <= a.value_span.start && a.value_span.end <= c.span.end);
                    assert!(c.span.start <= a.name_span.start && a.name_span.end <= c.span.end);
                }
                &c.span
            }
            Found::Literal(span, _) => span,
        };
        assert!(span.start >= last_end && span.start < span.end && span.end <= text.len());
        assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        last_end = span.end;
    }
    let source = Source::new("content/blog/fuzz.md", text.to_string());
    let input = Input { source: &source, text, offset: 0, allow_html: flags & 2 == 2 };
    let opts = Options_ {
        smart_punctuation: flags & 4 == 4,
        base_path: String::new(),
        shortcodes: Arc::new(shortcodes()),
        images: Arc::new(knotwork::images::Library::without_files()),
    };
    let (_rendered, problems) = markdown::render(&input, &opts, &Resolver);
    for p in problems {
        let _ = p.render(false);
    }
});
