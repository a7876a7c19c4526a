//! Loading of every kind of data file (muscle, technique, FAQ topic,
//! regions, references, site.toml) with strict unknown-key reporting, and
//! the rendering of every diagnostic. The first byte picks the file kind.
#![no_main]

use knotwork::config::SiteConfig;
use knotwork::content::data::{FaqTopicData, MuscleData, ReferencesFile, RegionsFile, TechniqueData};
use knotwork::diagnostics::{Diagnostic, Source};
use knotwork::toml_file;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

fn load<T: DeserializeOwned>(path: &str, text: &str) {
    let source = Source::new(path, text.to_string());
    let problems: Vec<Diagnostic> = match toml_file::parse::<T>(&source, 0..source.text.len()) {
        Ok((_, unknown)) => unknown,
        Err(problems) => problems,
    };
    for p in problems {
        let _ = p.render(false);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    match kind % 6 {
        0 => load::<MuscleData>("content/muscles/fuzz.toml", text),
        1 => load::<TechniqueData>("content/techniques/fuzz.toml", text),
        2 => load::<FaqTopicData>("content/faq/fuzz.toml", text),
        3 => load::<RegionsFile>("content/regions.toml", text),
        4 => load::<ReferencesFile>("content/references.toml", text),
        _ => load::<SiteConfig>("site.toml", text),
    }
});
