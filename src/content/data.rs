//! The structured data files: muscles, techniques, FAQ topics, regions and
//! references, deserialised exactly as the content format describes.
//!
//! References to other entities stay strings with their location here
//! (`Spanned<String>`); resolving them is the graph's job, so that every
//! unknown id of a build is reported together.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::content::date::Date;
use crate::diagnostics::Source;
use crate::ids::{FaqTopicId, MuscleId, PersonId, ReferenceKey, RegionId, ServiceId, TechniqueId};

/// A Markdown field of a data file with where its text starts in the file,
/// so that a broken link inside it is reported on the right line.
pub type MarkdownField = Spanned<String>;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MuscleData {
    pub name: String,
    #[serde(default)]
    pub latin: String,
    #[serde(default)]
    pub group: String,
    pub summary: String,
    pub description: Option<MarkdownField>,
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub aggravated_by: Vec<String>,
    #[serde(default)]
    pub techniques: Vec<Spanned<String>>,
    pub self_care: Option<MarkdownField>,
    #[serde(default)]
    pub references: Vec<Spanned<String>>,
    #[serde(default)]
    pub trigger_points: Vec<TriggerPointData>,
    /// A person id (with content/people/), else a name.
    pub reviewed_by: Option<Spanned<String>>,
    pub last_reviewed: Option<Date>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerPointData {
    pub name: Option<String>,
    pub location: Spanned<String>,
    pub referral: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub spillover: Vec<Spanned<String>>,
    #[serde(default)]
    pub symptoms: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Setting {
    Home,
    Professional,
    Medical,
}

impl Setting {
    pub const ALL: [Setting; 3] = [Setting::Home, Setting::Professional, Setting::Medical];

    /// The key of its name in the theme's words.
    pub fn word_key(self) -> &'static str {
        match self {
            Setting::Home => "settings.home",
            Setting::Professional => "settings.professional",
            Setting::Medical => "settings.medical",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Setting::Home => "home",
            Setting::Professional => "professional",
            Setting::Medical => "medical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Evidence {
    Low,
    Moderate,
    Strong,
}

impl Evidence {
    /// The key of its name in the theme's words.
    pub fn word_key(self) -> &'static str {
        match self {
            Evidence::Low => "evidence.low",
            Evidence::Moderate => "evidence.moderate",
            Evidence::Strong => "evidence.strong",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TechniqueData {
    pub name: String,
    #[serde(default)]
    pub aka: Vec<String>,
    pub summary: String,
    pub setting: Setting,
    #[serde(default)]
    pub performed_by: String,
    pub intensity: Option<Spanned<i64>>,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub equipment: Vec<String>,
    pub evidence: Option<Evidence>,
    #[serde(default)]
    pub good_for: Vec<String>,
    pub how_it_works: Option<MarkdownField>,
    #[serde(default)]
    pub steps: Vec<String>,
    #[serde(default)]
    pub cautions: Vec<String>,
    #[serde(default)]
    pub related: Vec<Spanned<String>>,
    #[serde(default)]
    pub compare_with: Vec<Spanned<String>>,
    #[serde(default)]
    pub references: Vec<Spanned<String>>,
    /// A person id (with content/people/), else a name.
    pub reviewed_by: Option<Spanned<String>>,
    pub last_reviewed: Option<Date>,
}

/// `content/services/<id>.toml`: something the studio sells.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceData {
    pub name: String,
    pub summary: String,
    pub description: Option<MarkdownField>,
    #[serde(default)]
    pub techniques: Vec<Spanned<String>>,
    /// Default: the studio's.
    #[serde(default)]
    pub booking_url: String,
    pub image: Option<Spanned<String>>,
    #[serde(default)]
    pub image_alt: String,
    #[serde(default)]
    pub order: i64,
    #[serde(default)]
    pub options: Vec<ServiceOption>,
}

/// A length and price of a service. Kept as written so that a price like
/// `"$95"` is reported in words, at its place, by the graph.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceOption {
    pub minutes: Spanned<toml::Value>,
    pub price: Spanned<toml::Value>,
}

/// `content/people/<id>.toml`: an author or reviewer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonData {
    pub name: String,
    /// Shown after the name: "Maya Okafor, LMT".
    #[serde(default)]
    pub credentials: String,
    #[serde(default)]
    pub role: String,
    pub bio: Option<MarkdownField>,
    pub photo: Option<Spanned<String>>,
    #[serde(default)]
    pub photo_alt: String,
    #[serde(default)]
    pub license: String,
    /// Profiles elsewhere (schema.org `sameAs`).
    #[serde(default)]
    pub links: Vec<String>,
}

impl PersonData {
    /// "Maya Okafor, LMT", or the name alone.
    pub fn display_name(&self) -> String {
        if self.credentials.trim().is_empty() {
            self.name.clone()
        } else {
            format!("{}, {}", self.name, self.credentials.trim())
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqTopicData {
    pub title: String,
    #[serde(default)]
    pub order: i64,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub questions: Vec<QuestionData>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionData {
    pub id: Spanned<String>,
    pub question: String,
    pub answer: MarkdownField,
    #[serde(default)]
    pub muscles: Vec<Spanned<String>>,
    #[serde(default)]
    pub techniques: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionsFile {
    #[serde(default)]
    pub regions: Vec<RegionEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    Front,
    Back,
}

impl View {
    pub fn key(self) -> &'static str {
        match self {
            View::Front => "front",
            View::Back => "back",
        }
    }
}

/// A `[[regions]]` entry as written, in the theme's `regions.toml` or the
/// site's `content/regions.toml`. The site's entries are merged over the
/// theme's by id, so an entry for a region the theme names may give only
/// what it changes; the merged result is a [`RegionData`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionEntry {
    pub id: Spanned<String>,
    pub name: Option<String>,
    pub view: Option<Spanned<View>>,
    pub near: Option<Vec<Spanned<String>>>,
    pub red_flags: Option<MarkdownField>,
}

/// A region of the site: a theme entry merged with the site's.
#[derive(Debug, Clone)]
pub struct RegionData {
    /// The id as written in the entry that defines the region for the site
    /// (the site's own when it has one), for locating errors.
    pub id: Spanned<String>,
    pub name: String,
    pub view: View,
    /// Regions to offer as neighbours on the region's pain page; by default
    /// the closest regions of the same view on the body figure.
    pub near: Vec<Spanned<String>>,
    /// When pain here needs a doctor first (Markdown), with the file it is
    /// written in: the site's or the theme's.
    pub red_flags: Option<(Arc<Source>, MarkdownField)>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceData {
    #[serde(default)]
    pub authors: Vec<String>,
    pub title: String,
    pub year: Option<i64>,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub journal: String,
    #[serde(default)]
    pub volume: String,
    #[serde(default)]
    pub issue: String,
    #[serde(default)]
    pub pages: String,
    #[serde(default)]
    pub edition: String,
    #[serde(default)]
    pub doi: String,
    #[serde(default)]
    pub url: String,
}

pub type ReferencesFile = BTreeMap<Spanned<String>, ReferenceData>;

/// A loaded entity: its id, the file it came from, and its data.
#[derive(Debug, Clone)]
pub struct Entity<K, D> {
    pub id: K,
    /// The file the entity is defined in (for a translated entity, the
    /// original: every id, region and number is located there).
    pub source: Arc<Source>,
    pub data: D,
    /// For a language's copy of a translated entity: the translation file
    /// and where its text values are; those values are located there.
    pub translation: Option<Translation>,
}

/// A translation file laid over an entity, and the spans of its values.
#[derive(Debug, Clone)]
pub struct Translation {
    pub source: Arc<Source>,
    pub spans: Arc<std::collections::HashSet<(usize, usize)>>,
}

impl<K, D> Entity<K, D> {
    /// The file a value with `span` was read from: the translation for
    /// the values it sets, else the entity's own file.
    pub fn source_of(&self, span: std::ops::Range<usize>) -> &Source {
        match &self.translation {
            Some(t) if t.spans.contains(&(span.start, span.end)) => &t.source,
            _ => &self.source,
        }
    }
}

pub type Muscle = Entity<MuscleId, MuscleData>;
pub type Technique = Entity<TechniqueId, TechniqueData>;
pub type FaqTopic = Entity<FaqTopicId, FaqTopicData>;
pub type Region = Entity<RegionId, RegionData>;
pub type Reference = Entity<ReferenceKey, ReferenceData>;
pub type Person = Entity<PersonId, PersonData>;
pub type Service = Entity<ServiceId, ServiceData>;

impl Reference {
    /// "Simons, D. G., Travell, J. G., & Simons, L. S. (1999). Title. Publisher."
    /// as plain text; templates escape it.
    pub fn citation_text(&self) -> String {
        let d = &self.data;
        let mut out = String::new();
        match d.authors.len() {
            0 => {}
            1 => out.push_str(&d.authors[0]),
            n => {
                out.push_str(&d.authors[..n - 1].join(", "));
                out.push_str(", & ");
                out.push_str(&d.authors[n - 1]);
            }
        }
        if let Some(y) = d.year {
            out.push_str(&format!(" ({y})."));
        } else if !out.is_empty() {
            out.push('.');
        }
        out.push(' ');
        out.push_str(d.title.trim_end_matches('.'));
        out.push('.');
        if !d.journal.is_empty() {
            out.push_str(&format!(" {}", d.journal));
            if !d.volume.is_empty() {
                out.push_str(&format!(", {}", d.volume));
                if !d.issue.is_empty() {
                    out.push_str(&format!("({})", d.issue));
                }
            }
            if !d.pages.is_empty() {
                out.push_str(&format!(", {}", d.pages));
            }
            out.push('.');
        }
        if !d.edition.is_empty() {
            out.push_str(&format!(" {} ed.", d.edition));
        }
        if !d.publisher.is_empty() {
            out.push_str(&format!(" {}.", d.publisher));
        }
        out.trim().to_string()
    }

    /// The link for the reference: its URL, else its DOI.
    pub fn link(&self) -> Option<String> {
        if !self.data.url.is_empty() {
            Some(self.data.url.clone())
        } else if !self.data.doi.is_empty() {
            Some(format!("https://doi.org/{}", self.data.doi))
        } else {
            None
        }
    }
}
