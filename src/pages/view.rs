//! The view models shared by the page families: what templates receive
//! of a page's head (meta, breadcrumbs, structured data), the cards of
//! articles, people, muscles, techniques and questions, reference lists
//! and pagers. See docs/templates.md for their fields.

use serde::Serialize;
use serde_json::Value;

use crate::content::data::Setting;
use crate::content::Document;
use crate::graph::{Byline, Hero, QuestionRef, Site, Target};
use crate::ids::UrlPath;
use crate::images::{Picture, Resized};
use crate::markdown::citations::PageCitations;
use crate::markdown::Rendered;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// Page-level metadata for `<head>`: title, description, canonical URL,
/// Open Graph, structured data.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub title: String,
    pub description: String,
    pub canonical: String,
    /// Open Graph type: `website` or `article`.
    pub kind: &'static str,
    /// The sharing image (absolute URL) and its size, for Open Graph.
    pub image: Option<String>,
    pub image_alt: String,
    pub image_width: u32,
    pub image_height: u32,
    /// JSON-LD documents, already serialised and safe to put in a script tag.
    pub json_ld: Vec<String>,
    pub noindex: bool,
}

impl Meta {
    pub fn new(site: &Site, url: &UrlPath, title: &str, description: &str) -> Self {
        let description = if description.is_empty() {
            site.config.site.description.clone()
        } else {
            description.to_string()
        };
        Meta {
            title: title.to_string(),
            description,
            canonical: site.config.base.absolute(url),
            kind: "website",
            image: None,
            image_alt: String::new(),
            image_width: 0,
            image_height: 0,
            json_ld: Vec::new(),
            noindex: false,
        }
    }

    /// The page's main image as its link-preview image.
    pub fn with_image(mut self, site: &Site, hero: Option<&Hero>, alt: &str) -> Self {
        if let Some(hero) = hero {
            self.image = Some(sharing_url(site, &hero.sharing));
            self.image_alt = alt.to_string();
            self.image_width = hero.sharing.width;
            self.image_height = hero.sharing.height;
        }
        self
    }

    pub fn json_ld(mut self, value: Value) -> Self {
        self.json_ld.push(script_safe_json(&value));
        self
    }
}

/// JSON for a `<script>` element. `</script` would end it early and `<!--`
/// changes how HTML parses script text, so `<`, `>` and `&` are written as
/// JSON escapes: the same JSON, with nothing HTML can read as markup.
pub fn script_safe_json(value: &Value) -> String {
    let json = serde_json::to_string(value).unwrap_or_default();
    // One pass, and none of it when there is nothing to escape (most
    // pages' JSON-LD): three `replace`s copied every page's JSON three
    // times.
    if !json.bytes().any(|b| matches!(b, b'<' | b'>' | b'&')) {
        return json;
    }
    let mut safe = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => safe.push_str("\\u003c"),
            '>' => safe.push_str("\\u003e"),
            '&' => safe.push_str("\\u0026"),
            c => safe.push(c),
        }
    }
    safe
}

/// Breadcrumbs for the page and their BreadcrumbList JSON-LD.
pub fn breadcrumbs(site: &Site, trail: &[(&str, UrlPath)]) -> (Vec<Link>, Value) {
    let home = site.words.t("nav.home", &[]);
    let mut links = vec![Link {
        title: home.clone(),
        url: site.config.base.link(&UrlPath::page(&[])),
    }];
    let mut items = vec![serde_json::json!({
        "@type": "ListItem", "position": 1, "name": home,
        "item": site.config.base.absolute(&UrlPath::page(&[])),
    })];
    for (i, (title, url)) in trail.iter().enumerate() {
        links.push(Link {
            title: title.to_string(),
            url: site.config.base.link(url),
        });
        items.push(serde_json::json!({
            "@type": "ListItem", "position": i + 2, "name": title,
            "item": site.config.base.absolute(url),
        }));
    }
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": items,
    });
    (links, ld)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleCard {
    pub title: String,
    pub url: String,
    pub date: String,
    pub date_display: String,
    pub description: String,
    pub reading_minutes: usize,
    pub tags: Vec<Link>,
    /// The processed hero image; templates show it with `picture()`.
    pub image: Option<Picture>,
    pub image_alt: String,
}

pub fn article_card(site: &Site, i: usize) -> ArticleCard {
    let doc = &site.content.articles[i];
    let rendered = &site.markdown.articles[i];
    ArticleCard {
        title: doc.meta.title.clone(),
        url: site.link(Target::Article(i)),
        date: doc.meta.date.map(|d| d.to_string()).unwrap_or_default(),
        date_display: doc
            .meta
            .date
            .map(|d| site.words.date(d))
            .unwrap_or_default(),
        description: summary_of(doc, rendered),
        reading_minutes: reading_minutes(rendered.words),
        tags: tag_links(site, &doc.meta.tags),
        image: site.front_images.articles[i]
            .as_ref()
            .map(|h| h.picture.clone()),
        image_alt: doc.meta.image_alt.clone(),
    }
}

/// The absolute URL of a processed image, for link previews and
/// structured data.
pub fn sharing_url(site: &Site, image: &Resized) -> String {
    absolute_asset(site, &image.path)
}

/// The description, else the start of the first paragraph.
pub fn summary_of(doc: &Document, rendered: &Rendered) -> String {
    if !doc.meta.description.trim().is_empty() {
        return doc.meta.description.trim().to_string();
    }
    truncate_words(&rendered.first_paragraph, 160)
}

pub fn truncate_words(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

/// About 220 words a minute, at least one minute.
pub fn reading_minutes(words: usize) -> usize {
    words.div_ceil(220).max(1)
}

pub fn tag_links(site: &Site, tags: &[String]) -> Vec<Link> {
    tags.iter()
        .filter_map(|t| {
            let slug = crate::ids::slugify(t);
            (!slug.is_empty()).then(|| Link {
                title: t.clone(),
                url: site.config.base.link(&UrlPath::page(&["tags", &slug])),
            })
        })
        .collect()
}

/// A person as bylines and author boxes show them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonCard {
    pub id: String,
    pub name: String,
    /// The name with credentials: "Maya Okafor, LMT".
    pub display_name: String,
    pub role: String,
    pub url: String,
    /// The processed photo; templates show it with `picture()`.
    pub photo: Option<Picture>,
    pub photo_alt: String,
    pub bio_html: Option<String>,
}

pub fn person_card(site: &Site, p: usize) -> PersonCard {
    let person = &site.content.people[p];
    PersonCard {
        id: person.id.to_string(),
        name: person.data.name.clone(),
        display_name: person.data.display_name(),
        role: person.data.role.clone(),
        url: site.link_to(&person_url(site, p), site.language.has_person(p)),
        photo: site.front_images.people[p].clone(),
        photo_alt: person.data.photo_alt.clone(),
        bio_html: site.markdown.person_bio[p]
            .as_ref()
            .map(|r| r.html.to_string()),
    }
}

pub fn person_url(site: &Site, p: usize) -> UrlPath {
    UrlPath::page(&["people", site.content.people[p].id.as_str()])
}

/// A byline for templates: `{ "name": …, "url": … }` (no `url` for a
/// name written as text), or `null`.
pub fn byline(site: &Site, b: &Option<Byline>) -> Value {
    match b {
        Some(Byline::Person(p)) => serde_json::to_value(person_card(site, *p)).unwrap_or_default(),
        Some(Byline::Name(name)) => serde_json::json!({ "name": name, "display_name": name }),
        None => Value::Null,
    }
}

/// The same byline as a schema.org Person.
pub fn byline_ld(site: &Site, b: &Option<Byline>) -> Option<Value> {
    Some(match b.as_ref()? {
        Byline::Person(p) => person_ld(site, *p, false),
        Byline::Name(name) => serde_json::json!({ "@type": "Person", "name": name }),
    })
}

/// `reviewedBy` and `lastReviewed` of a MedicalWebPage, where known.
pub fn review_ld(
    site: &Site,
    page_ld: &mut Value,
    reviewer: &Option<Byline>,
    last_reviewed: Option<crate::content::date::Date>,
) {
    if let Some(person) = byline_ld(site, reviewer) {
        page_ld["reviewedBy"] = person;
    }
    if let Some(date) = last_reviewed {
        page_ld["lastReviewed"] = Value::String(date.to_string());
    }
}

/// schema.org `Person`; `full` adds what the person's own page states.
pub fn person_ld(site: &Site, p: usize, full: bool) -> Value {
    let person = &site.content.people[p].data;
    let mut ld = serde_json::json!({
        "@type": "Person",
        "name": person.name,
        "url": site.absolute_to(&person_url(site, p), site.language.has_person(p)),
    });
    if !person.role.is_empty() {
        ld["jobTitle"] = serde_json::json!(person.role);
    }
    if full {
        if !person.links.is_empty() {
            ld["sameAs"] = serde_json::json!(person.links);
        }
        let credentials: Vec<Value> = [&person.credentials, &person.license]
            .into_iter()
            .filter(|c| !c.trim().is_empty())
            .map(|c| serde_json::json!({ "@type": "EducationalOccupationalCredential", "name": c.trim() }))
            .collect();
        if !credentials.is_empty() {
            ld["hasCredential"] = Value::Array(credentials);
        }
        if let Some(photo) = &site.front_images.people[p] {
            ld["image"] = serde_json::json!(absolute_asset(site, &photo.src));
        }
    }
    ld
}

/// An image path as an absolute URL, for structured data and sharing.
pub fn absolute_asset(site: &Site, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        return path.to_string();
    }
    // A link already carries the base path; an output path does not.
    let base = &site.config.base.path;
    let path = match path.strip_prefix(base.as_str()) {
        Some(rest) if !base.is_empty() && rest.starts_with('/') => rest,
        _ => path,
    };
    site.config.base.absolute(&UrlPath::file(path))
}

#[derive(Debug, Clone, Serialize)]
pub struct MuscleCard {
    pub id: String,
    pub name: String,
    pub latin: String,
    pub summary: String,
    pub url: String,
}

pub fn muscle_card(site: &Site, i: usize) -> MuscleCard {
    let m = &site.content.muscles[i];
    MuscleCard {
        id: m.id.to_string(),
        name: m.data.name.clone(),
        latin: m.data.latin.clone(),
        summary: m.data.summary.clone(),
        url: site.link(Target::Muscle(i)),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TechniqueCard {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub url: String,
    pub setting: &'static str,
    pub setting_label: String,
    pub intensity: Option<i64>,
    pub evidence: Option<String>,
}

pub fn technique_card(site: &Site, i: usize) -> TechniqueCard {
    let t = &site.content.techniques[i];
    TechniqueCard {
        id: t.id.to_string(),
        name: t.data.name.clone(),
        summary: t.data.summary.clone(),
        url: site.link(Target::Technique(i)),
        setting: t.data.setting.key(),
        setting_label: site.words.t(t.data.setting.word_key(), &[]),
        intensity: t.data.intensity.as_ref().map(|s| *s.get_ref()),
        evidence: t.data.evidence.map(|e| site.words.t(e.word_key(), &[])),
    }
}

/// Techniques grouped by setting, in the order home, professional, medical.
#[derive(Debug, Serialize)]
pub struct SettingGroup {
    pub key: &'static str,
    pub label: String,
    pub techniques: Vec<TechniqueCard>,
}

pub fn techniques_by_setting(
    site: &Site,
    indices: impl Iterator<Item = usize> + Clone,
) -> Vec<SettingGroup> {
    Setting::ALL
        .iter()
        .map(|&s| SettingGroup {
            key: s.key(),
            label: site.words.t(s.word_key(), &[]),
            techniques: indices
                .clone()
                .filter(|&i| site.content.techniques[i].data.setting == s)
                .map(|i| technique_card(site, i))
                .collect(),
        })
        .filter(|g| !g.techniques.is_empty())
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionCard {
    pub id: String,
    pub question: String,
    pub url: String,
    pub topic: String,
    pub answer_html: String,
}

/// A question with its answer rendered for the page being planned (its
/// citations numbered in that page's list).
pub fn question_card(site: &Site, q: QuestionRef, cites: &mut PageCitations) -> QuestionCard {
    let topic = &site.content.faq_topics[q.topic];
    let data = &topic.data.questions[q.question];
    QuestionCard {
        id: data.id.get_ref().clone(),
        question: data.question.clone(),
        url: site
            .config
            .base
            .link(&UrlPath::page(&["faq", topic.id.as_str()]))
            + "#"
            + data.id.get_ref(),
        topic: topic.data.title.clone(),
        answer_html: cites.number(&site.markdown.faq_answers[q.topic][q.question].html),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReferenceEntry {
    pub key: String,
    pub number: usize,
    pub text: String,
    pub url: Option<String>,
}

/// The page's reference list: the cited keys in order of first citation,
/// then the entity's own `references` not cited in its text.
pub fn reference_list(site: &Site, cites: &PageCitations, extra: &[usize]) -> Vec<ReferenceEntry> {
    let mut keys: Vec<String> = cites.keys().to_vec();
    for &r in extra {
        let key = site.content.references[r].id.to_string();
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.iter()
        .enumerate()
        .filter_map(|(n, key)| {
            let r = &site.content.references[site.index.reference(key)?];
            Some(ReferenceEntry {
                key: key.clone(),
                number: n + 1,
                text: r.citation_text(),
                url: r.link(),
            })
        })
        .collect()
}

/// Turns an id-like group name into a heading: `neck-and-shoulders` →
/// "Neck and shoulders".
pub fn humanize(id: &str) -> String {
    let words = id.replace(['-', '_'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// The pages of a paginated list: `(page number, items, url)`.
pub fn paginate<T: Clone>(
    items: &[T],
    per_page: usize,
    first_url: &UrlPath,
    nth_url: impl Fn(usize) -> UrlPath,
) -> Vec<(usize, Vec<T>, UrlPath)> {
    let per_page = per_page.max(1);
    let chunks: Vec<&[T]> = if items.is_empty() {
        vec![&[]]
    } else {
        items.chunks(per_page).collect()
    };
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let n = i + 1;
            let url = if n == 1 {
                first_url.clone()
            } else {
                nth_url(n)
            };
            (n, chunk.to_vec(), url)
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct Pager {
    pub current: usize,
    pub total: usize,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// The first and last page, and those around the current one; `gap`
    /// entries stand for the pages left out, so the list stays short
    /// however long the archive grows.
    pub pages: Vec<PagerItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PagerItem {
    pub title: String,
    pub url: String,
    pub current: bool,
    pub gap: bool,
}

/// Pages shown either side of the current one.
const PAGER_WINDOW: usize = 2;

pub fn pager(site: &Site, current: usize, urls: &[UrlPath]) -> Pager {
    let total = urls.len();
    let link = |n: usize| site.config.base.link(&urls[n - 1]);
    let pages = pager_window(current, total)
        .into_iter()
        .map(|shown| match shown {
            Some(n) => PagerItem {
                title: n.to_string(),
                url: link(n),
                current: n == current,
                gap: false,
            },
            None => PagerItem {
                title: "…".into(),
                url: String::new(),
                current: false,
                gap: true,
            },
        })
        .collect();
    Pager {
        current,
        total,
        previous: (current > 1).then(|| link(current - 1)),
        next: (current < total).then(|| link(current + 1)),
        pages,
    }
}

/// The page numbers a pager shows, `None` standing for a run left out:
/// the first and the last, and `PAGER_WINDOW` either side of `current`.
fn pager_window(current: usize, total: usize) -> Vec<Option<usize>> {
    let low = current.saturating_sub(PAGER_WINDOW).max(1);
    let high = (current + PAGER_WINDOW).min(total);
    let mut shown = Vec::with_capacity(2 * PAGER_WINDOW + 5);
    if low > 1 {
        shown.push(Some(1));
        if low > 2 {
            shown.push(None);
        }
    }
    shown.extend((low..=high).map(Some));
    if high < total {
        if high + 1 < total {
            shown.push(None);
        }
        shown.push(Some(total));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_safe_json_escapes_what_html_could_read_as_markup() {
        let value = serde_json::json!({"name": "Neck & shoulders </script><!-- é", "n": 1});
        let safe = script_safe_json(&value);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        assert_eq!(serde_json::from_str::<Value>(&safe).unwrap(), value);
        let plain = serde_json::json!({"name": "Neck"});
        assert_eq!(
            script_safe_json(&plain),
            serde_json::to_string(&plain).unwrap()
        );
    }

    #[test]
    fn the_pager_shows_ends_and_neighbours_with_gaps_between() {
        let window = |current, total| {
            pager_window(current, total)
                .into_iter()
                .map(|n| n.map_or("…".to_string(), |n| n.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(window(1, 1), "1");
        assert_eq!(window(1, 4), "1 2 3 4");
        assert_eq!(window(1, 10), "1 2 3 … 10");
        assert_eq!(window(4, 10), "1 2 3 4 5 6 … 10");
        assert_eq!(window(5, 10), "1 … 3 4 5 6 7 … 10");
        assert_eq!(window(8, 10), "1 … 6 7 8 9 10");
        assert_eq!(window(10, 10), "1 … 8 9 10");
        assert_eq!(
            window(500, 1000),
            "1 … 498 499 500 501 502 … 1000",
            "stays short on a long archive"
        );
    }
}
