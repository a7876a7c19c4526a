//! Fingerprints of what pages are rendered from: a page's plan, the
//! site-wide variables, the templates. `serve` compares them with its last
//! build's and `knotwork build` with the records of the last build
//! ([`crate::page_records`]), to render only the pages whose inputs changed.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;
use xxhash_rust::xxh3::Xxh3;

use crate::pages::PagePlan;
use crate::render::{Assets, Renderer};
use crate::theme::Theme;

/// A hash of what a page is rendered from: its template name, search
/// kind, data and the cards it lists (the site-wide variables are
/// fingerprinted apart).
pub fn of_plan(plan: &PagePlan) -> u64 {
    let mut hasher = Hasher::new();
    hasher.update(plan.template.as_bytes());
    hasher.update(b"\0");
    hasher.update(plan.search_kind.map_or("", |k| k.key()).as_bytes());
    hash_value(&mut hasher, &plan.context);
    for part in &plan.shared {
        part.hash_into(&mut hasher);
    }
    hasher.digest()
}

/// A hash of a JSON value.
pub fn of_json(value: &Value) -> u64 {
    let mut hasher = Hasher::new();
    hash_value(&mut hasher, value);
    hasher.digest()
}

/// XXH3 fed through a buffer of its own. A page's fingerprint is a few
/// thousand writes of a few bytes (tags, lengths, keys, short strings),
/// and each `Xxh3::update` is a call into the hasher's streaming state
/// (with numbers hashed as bytes too, `hash_value` went from 94.5 to
/// 40.6 million instructions of a 1,000-article build in callgrind). The
/// digest is XXH3's of the bytes written, however they are cut.
pub struct Hasher {
    xxh3: Xxh3,
    buffer: [u8; BUFFER],
    len: usize,
}

const BUFFER: usize = 512;

impl Hasher {
    pub fn new() -> Self {
        Hasher {
            xxh3: Xxh3::new(),
            buffer: [0; BUFFER],
            len: 0,
        }
    }

    #[inline]
    pub fn update(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > BUFFER {
            self.flush();
            if bytes.len() > BUFFER {
                self.xxh3.update(bytes);
                return;
            }
        }
        self.buffer[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn flush(&mut self) {
        self.xxh3.update(&self.buffer[..self.len]);
        self.len = 0;
    }

    pub fn digest(mut self) -> u64 {
        self.flush();
        self.xxh3.digest()
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}

/// Feeds a JSON value to `hasher` as it is in memory: each node with a tag,
/// each string, list and map with its length, so that two different values
/// never feed the same bytes. Several times faster than hashing the JSON
/// text, which escapes every character of the page's body maps and bodies.
fn hash_value(hasher: &mut Hasher, value: &Value) {
    fn text(hasher: &mut Hasher, tag: &[u8], s: &str) {
        hasher.update(tag);
        hasher.update(&(s.len() as u64).to_le_bytes());
        hasher.update(s.as_bytes());
    }
    fn number(hasher: &mut Hasher, tag: &[u8], bytes: [u8; 8]) {
        hasher.update(tag);
        hasher.update(&bytes);
    }
    match value {
        Value::Null => hasher.update(b"n"),
        Value::Bool(b) => hasher.update(if *b { b"t" } else { b"f" }),
        // A number's bytes, not its text: no `String` for each.
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => number(hasher, b"u", u.to_le_bytes()),
            (None, Some(i)) => number(hasher, b"i", i.to_le_bytes()),
            (None, None) => number(
                hasher,
                b"f",
                n.as_f64().unwrap_or(f64::NAN).to_bits().to_le_bytes(),
            ),
        },
        Value::String(s) => text(hasher, b"s", s),
        Value::Array(items) => {
            hasher.update(b"[");
            hasher.update(&(items.len() as u64).to_le_bytes());
            for item in items {
                hash_value(hasher, item);
            }
        }
        Value::Object(map) => {
            hasher.update(b"{");
            hasher.update(&(map.len() as u64).to_le_bytes());
            for (key, item) in map {
                hasher.update(&(key.len() as u64).to_le_bytes());
                hasher.update(key.as_bytes());
                hash_value(hasher, item);
            }
        }
    }
}

/// A hash of what every page shares: the site-wide variables and words of
/// each language, the body figure pages with maps carry, and the asset
/// names (`asset()` returns them, and they carry content hashes). When it
/// changes, every page may.
pub fn of_site_wide(renderer: &Renderer, assets: &Assets) -> u64 {
    let mut hasher = Hasher::new();
    hash_value(&mut hasher, &renderer.globals());
    let sprite = renderer.figure_sprite().unwrap_or_default();
    hasher.update(&(sprite.len() as u64).to_le_bytes());
    hasher.update(sprite.as_bytes());
    for words in renderer.words() {
        hasher.update(&words.fingerprint().to_le_bytes());
    }
    let mut names: Vec<&str> = assets.files.iter().map(|f| f.path.as_str()).collect();
    names.sort_unstable();
    for name in names {
        hasher.update(name.as_bytes());
        hasher.update(b"\0");
    }
    hasher.digest()
}

pub fn of_templates(theme: &Theme) -> HashMap<String, u64> {
    theme
        .templates
        .iter()
        .map(|(name, t)| (name.clone(), xxhash_rust::xxh3::xxh3_64(t.text.as_bytes())))
        .collect()
}

/// The templates whose output may differ: those changed, added or removed,
/// and those that extend, include or import one of them, at any depth.
pub fn affected_templates(
    theme: &Theme,
    before: &HashMap<String, u64>,
    after: &HashMap<String, u64>,
) -> HashSet<String> {
    let mut changed: HashSet<String> = after
        .iter()
        .filter(|(name, hash)| before.get(*name) != Some(*hash))
        .map(|(name, _)| name.clone())
        .collect();
    changed.extend(before.keys().filter(|n| !after.contains_key(*n)).cloned());
    with_users(theme, changed)
}

/// The templates that call the template function `function` (as
/// `function(`), and those that extend, include or import one of them.
pub fn calling(theme: &Theme, function: &str) -> HashSet<String> {
    let call = format!("{function}(");
    let direct = theme
        .templates
        .iter()
        .filter(|(_, t)| t.text.contains(&call))
        .map(|(name, _)| name.clone())
        .collect();
    with_users(theme, direct)
}

/// `templates` and every template that extends, includes or imports one
/// of them, at any depth.
fn with_users(theme: &Theme, mut templates: HashSet<String>) -> HashSet<String> {
    if templates.is_empty() {
        return templates;
    }
    let uses: HashMap<&str, BTreeSet<String>> = theme
        .templates
        .iter()
        .map(|(name, t)| (name.as_str(), template_references(&t.text)))
        .collect();
    // Grow the set until no template uses one in it.
    loop {
        let more: Vec<String> = uses
            .iter()
            .filter(|(name, refs)| {
                !templates.contains(**name) && refs.iter().any(|r| templates.contains(r))
            })
            .map(|(name, _)| name.to_string())
            .collect();
        if more.is_empty() {
            return templates;
        }
        templates.extend(more);
    }
}

/// Every string literal inside a template's `{% … %}` tags: a superset of
/// the templates it extends, includes or imports. Taking too many only
/// renders a page more than needed; taking too few would serve a stale one.
fn template_references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("{%") {
        let after = &rest[start + 2..];
        let end = after.find("%}").unwrap_or(after.len());
        string_literals(&after[..end], &mut found);
        rest = &after[end..];
    }
    found
}

fn string_literals(tag: &str, found: &mut BTreeSet<String>) {
    let mut rest = tag;
    while let Some(q) = rest.find(['"', '\'']) {
        let quote = &rest[q..q + 1];
        let after = &rest[q + 1..];
        let Some(len) = after.find(quote) else {
            return;
        };
        found.insert(after[..len].to_string());
        rest = &after[len + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::Hasher;

    #[test]
    fn buffered_hasher_digests_the_bytes_however_cut() {
        let bytes: Vec<u8> = (0..5_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        let whole = xxhash_rust::xxh3::xxh3_64(&bytes);
        for cut in [1, 3, 8, 100, 511, 512, 513, 1_500, 5_000] {
            let mut hasher = Hasher::new();
            for piece in bytes.chunks(cut) {
                hasher.update(piece);
            }
            assert_eq!(hasher.digest(), whole, "pieces of {cut} bytes");
        }
        // Small and large pieces mixed.
        let mut hasher = Hasher::new();
        let (a, rest) = bytes.split_at(10);
        let (b, c) = rest.split_at(2_000);
        hasher.update(a);
        hasher.update(b);
        hasher.update(c);
        assert_eq!(hasher.digest(), whole);
    }
}
