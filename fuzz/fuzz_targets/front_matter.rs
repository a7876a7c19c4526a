//! Front-matter splitting and parsing of an article or page, and the
//! rendering of every diagnostic it produces (spans must stay in bounds).
#![no_main]

use knotwork::content::document::{self, DocKind};
use knotwork::diagnostics::Source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let source = Source::new("content/blog/fuzz.md", text.to_string());
    let kind = if text.len() % 2 == 0 { DocKind::Article } else { DocKind::Page };
    match document::load(kind, source, "fuzz") {
        Ok(doc) => {
            let _ = doc.body_text();
        }
        Err(problems) => {
            for p in problems {
                let _ = p.render(false);
            }
        }
    }
});
