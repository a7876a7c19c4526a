//! Typed identifiers and site URLs.
//!
//! A muscle id and a technique id are both short lowercase words, which makes
//! them easy to mix up; giving each kind its own type lets the compiler catch
//! that. [`UrlPath`] is a site-relative URL (always starting and, for pages,
//! ending with `/`), kept apart from file paths and absolute URLs.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;

/// Checks the spec's id format: lowercase ASCII words (letters and digits)
/// joined by single hyphens.
pub fn check_id_format(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        let suggestion = ascii_id(s);
        let mut msg = format!(
            "`{s}` is not a valid id: ids are lowercase ASCII words joined by `-` (like `upper-trapezius`)"
        );
        if !suggestion.is_empty() && suggestion != s {
            msg.push_str(&format!("; try `{suggestion}`"));
        }
        Err(msg)
    }
}

/// Turns a heading or tag into a URL- and id-friendly slug. Letters of any
/// script are kept (lowercased), so Unicode tags keep readable URLs;
/// everything else becomes a single `-`.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_dash = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(c.to_lowercase());
        } else if c == '\'' || c == '’' {
            // "Don't" → "dont", not "don-t".
        } else {
            pending_dash = true;
        }
    }
    out
}

/// An id made from a title, as ids are written (lowercase ASCII words
/// joined by `-`): `Zoë Ärger` → `zoe-arger`, `Straße` → `strasse`. Empty
/// when the title has nothing to transliterate into letters or digits.
pub fn ascii_id(title: &str) -> String {
    // deunicode's output is ASCII, so slugify keeps only `a-z`, `0-9`, `-`.
    slugify(&deunicode::deunicode(title))
}

/// Marker types naming what an [`Id`] identifies.
pub mod kind {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Muscle;
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Technique;
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct FaqTopic;
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Region;
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Reference;
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Person;
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Service;
}

/// An identifier of one kind of entity, cheap to clone.
#[derive(PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id<K> {
    value: Arc<str>,
    _kind: PhantomData<K>,
}

impl<K> Id<K> {
    /// Wraps a string already checked with [`check_id_format`] (or a
    /// reference to be resolved; resolution reports unknown ones).
    pub fn new(s: &str) -> Self {
        Id {
            value: Arc::from(s),
            _kind: PhantomData,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl<K> Clone for Id<K> {
    fn clone(&self) -> Self {
        Id {
            value: self.value.clone(),
            _kind: PhantomData,
        }
    }
}

impl<K> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.value)
    }
}

impl<K> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl<K> Serialize for Id<K> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.value)
    }
}

pub type MuscleId = Id<kind::Muscle>;
pub type TechniqueId = Id<kind::Technique>;
pub type FaqTopicId = Id<kind::FaqTopic>;
pub type RegionId = Id<kind::Region>;
pub type ReferenceKey = Id<kind::Reference>;
pub type PersonId = Id<kind::Person>;
pub type ServiceId = Id<kind::Service>;

/// A site-relative URL path such as `/muscles/upper-trapezius/`, before the
/// base path of `base_url` is put in front of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UrlPath(String);

impl UrlPath {
    /// A page URL from its segments: `UrlPath::page(&["blog", "x"])` is `/blog/x/`.
    pub fn page(segments: &[&str]) -> Self {
        let mut s = String::from("/");
        for seg in segments.iter().filter(|s| !s.is_empty()) {
            s.push_str(seg.trim_matches('/'));
            s.push('/');
        }
        UrlPath(s)
    }

    /// A file URL such as `/atom.xml` or `/css/site.css`.
    pub fn file(path: &str) -> Self {
        UrlPath(format!("/{}", path.trim_start_matches('/')))
    }

    /// Normalises a user-written path (an alias) to the page form.
    pub fn from_user(path: &str) -> Self {
        let trimmed = path.trim().trim_matches('/');
        if trimmed.is_empty() {
            return UrlPath("/".into());
        }
        let has_ext = trimmed
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'));
        if has_ext {
            UrlPath(format!("/{trimmed}"))
        } else {
            UrlPath(format!("/{trimmed}/"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The output file for this URL: `blog/x/index.html` for `/blog/x/`.
    pub fn output_file(&self) -> String {
        let p = self.0.trim_start_matches('/');
        if p.is_empty() || p.ends_with('/') {
            format!("{p}index.html")
        } else {
            p.to_string()
        }
    }

    /// The same page in a folder of the site: `/fr/blog/x/` for
    /// `/blog/x/` under `fr`.
    pub fn under(&self, dir: &str) -> UrlPath {
        UrlPath(format!("/{}{}", dir.trim_matches('/'), self.0))
    }

    /// The page's URL within a folder of the site, the reverse of
    /// [`UrlPath::under`]: `/blog/x/` for `/fr/blog/x/` and `fr`; `None`
    /// when the URL is not in that folder.
    pub fn within(&self, dir: &str) -> Option<UrlPath> {
        let rest = self
            .0
            .strip_prefix('/')?
            .strip_prefix(dir.trim_matches('/'))?;
        rest.starts_with('/').then(|| UrlPath(rest.to_string()))
    }

    /// The URL with a `#fragment`.
    pub fn with_fragment(&self, fragment: &str) -> String {
        format!("{}#{fragment}", self.0)
    }
}

impl fmt::Display for UrlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Something a link can point at: an index into the matching `Content` list.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Target {
    Muscle(usize),
    Technique(usize),
    Article(usize),
    Page(usize),
    FaqTopic(usize),
    Region(usize),
    Service(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_format() {
        assert!(check_id_format("upper-trapezius").is_ok());
        assert!(check_id_format("tp1").is_ok());
        let err = check_id_format("Upper_Trapezius").unwrap_err();
        assert!(err.contains("try `upper-trapezius`"), "{err}");
        assert!(check_id_format("a--b").is_err());
        assert!(check_id_format("-a").is_err());
        assert!(check_id_format("").is_err());
        let err = check_id_format("zoë-ärger").unwrap_err();
        assert!(err.contains("try `zoe-arger`"), "{err}");
    }

    #[test]
    fn ids_from_titles_are_ascii() {
        assert_eq!(ascii_id("Zoë Ärger, LMT"), "zoe-arger-lmt");
        assert_eq!(ascii_id("Straße"), "strasse");
        assert_eq!(ascii_id("Levator scapulae"), "levator-scapulae");
        let cyrillic = ascii_id("Трапеция");
        assert!(
            !cyrillic.is_empty() && check_id_format(&cyrillic).is_ok(),
            "{cyrillic}"
        );
        assert_eq!(ascii_id("—"), "");
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("What Are Trigger Points?"),
            "what-are-trigger-points"
        );
        assert_eq!(slugify("Don't panic"), "dont-panic");
        assert_eq!(slugify("Übungen für den Nacken"), "übungen-für-den-nacken");
        assert_eq!(slugify("  --  "), "");
    }

    #[test]
    fn a_url_in_a_language_folder_and_back() {
        let page = UrlPath::page(&["blog", "x"]);
        let french = page.under("fr");
        assert_eq!(french.as_str(), "/fr/blog/x/");
        assert_eq!(french.within("fr"), Some(page));
        assert_eq!(
            UrlPath::page(&[]).under("fr").within("fr"),
            Some(UrlPath::page(&[]))
        );
        // Another folder, or a folder whose name only starts the same.
        assert_eq!(french.within("de"), None);
        assert_eq!(UrlPath::page(&["fra", "x"]).within("fr"), None);
    }

    #[test]
    fn url_paths() {
        assert_eq!(UrlPath::page(&["blog", "x"]).as_str(), "/blog/x/");
        assert_eq!(UrlPath::page(&[]).output_file(), "index.html");
        assert_eq!(UrlPath::page(&["a", "b"]).output_file(), "a/b/index.html");
        assert_eq!(UrlPath::file("atom.xml").output_file(), "atom.xml");
        assert_eq!(UrlPath::from_user("old/path").as_str(), "/old/path/");
        assert_eq!(UrlPath::from_user("/old.html").as_str(), "/old.html");
    }
}
