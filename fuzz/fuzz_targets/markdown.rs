//! The Markdown pipeline: cross-link resolution, citation placeholders and
//! their per-page numbering, heading ids, highlighting, raw HTML escaping.
//! The resolver knows a few ids, so both the found and the broken paths run.
#![no_main]

use knotwork::diagnostics::{Diagnostic, Source};
use knotwork::graph::Target;
use knotwork::markdown::citations::PageCitations;
use knotwork::markdown::{self, Input, LinkResolver, Options_};
use libfuzzer_sys::fuzz_target;

struct Resolver;

impl LinkResolver for Resolver {
    fn resolve(&self, kind: &str, id: &str) -> Result<(String, Target), Diagnostic> {
        let id = id.split('#').next().unwrap_or_default();
        match (kind, id) {
            ("muscles", "trapezius") => Ok(("/muscles/trapezius/".into(), Target::Muscle(0))),
            ("techniques", "dry-needling") => Ok(("/techniques/dry-needling/".into(), Target::Technique(0))),
            ("blog", _) if !id.is_empty() => Ok((format!("/blog/{id}/"), Target::Article(0))),
            _ => Err(Diagnostic::error(format!("no {kind} with id `{id}`"))),
        }
    }

    fn check_citation(&self, key: &str) -> Result<(), Diagnostic> {
        if key.starts_with("travell") { Ok(()) } else { Err(Diagnostic::error(format!("unknown reference `{key}`"))) }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let source = Source::new("content/blog/fuzz.md", text.to_string());
    let input = Input { source: &source, text, offset: 0, allow_html: flags & 1 == 1 };
    let opts = Options_ {
        smart_punctuation: flags & 2 == 2,
        base_path: if flags & 4 == 4 { "/studio".into() } else { String::new() },
        shortcodes: Default::default(),
        images: std::sync::Arc::new(knotwork::images::Library::without_files()),
    };
    let (rendered, problems) = markdown::render(&input, &opts, &Resolver);
    let mut citations = PageCitations::new();
    let _ = citations.number(&rendered.html);
    for p in problems {
        let _ = p.render(false);
    }
});
