//! Id → position lookups for every kind of entity, and the resolver that
//! turns ids and cross-links into targets (with "did you mean" errors).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::ops::Range;

use toml::Spanned;

use super::{Byline, Target};
use crate::config::Config;
use crate::content::{Content, DocKind, Document};
use crate::diagnostics::{closest, Diagnostic, Diagnostics, Source};
use crate::ids::UrlPath;
use crate::markdown::LinkResolver;

/// Id → position lookups for every kind of entity.
#[derive(Debug, Default)]
pub struct Index {
    muscles: HashMap<String, usize>,
    techniques: HashMap<String, usize>,
    faq_topics: HashMap<String, usize>,
    regions: HashMap<String, usize>,
    references: HashMap<String, usize>,
    people: HashMap<String, usize>,
    services: HashMap<String, usize>,
    /// With `content/people/`, bylines must name a person; without, they are names.
    people_required: bool,
    articles: HashMap<String, usize>,
    pages: HashMap<String, usize>,
    /// Sorted id lists, so suggestions do not depend on hash order.
    sorted: HashMap<&'static str, Vec<String>>,
    base_path: String,
    /// Article and page URLs, copied so that resolving needs no `Content`.
    doc_urls: HashMap<Target, UrlPath>,
    pub(super) question_ids: Vec<HashSet<String>>,
    /// `kind/id` of entity files that failed to load.
    failed: HashSet<String>,
    /// `blog/<slug>` and `pages/<slug>` of drafts left out of the build,
    /// with their files.
    drafts: HashMap<String, std::path::PathBuf>,
    /// In a language other than the default: the default language's base
    /// path, and which pages this language has; a cross-link to a page it
    /// lacks leads to the default language's.
    fallback: Option<(String, crate::content::translations::Presence)>,
}

/// An id, and where it is written when that is not its file's name.
type IdAt<'a> = (String, Option<(&'a Source, Range<usize>)>);

const LINK_KINDS: [&str; 7] = [
    "muscles",
    "techniques",
    "blog",
    "pages",
    "faq",
    "pain",
    "services",
];

impl Index {
    pub(super) fn new(content: &Content, config: &Config, diags: &mut Diagnostics) -> Self {
        let mut index = Index {
            base_path: config.base.path.clone(),
            failed: content
                .failed
                .iter()
                .map(|(kind, id)| format!("{kind}/{id}"))
                .collect(),
            drafts: content
                .drafts
                .iter()
                .map(|draft| {
                    let folder = match draft.kind {
                        DocKind::Article => "blog",
                        DocKind::Page => "pages",
                    };
                    (format!("{folder}/{}", draft.slug), draft.path.clone())
                })
                .collect(),
            ..Default::default()
        };
        let ids = |list: &mut HashMap<String, usize>,
                   items: Vec<IdAt<'_>>,
                   what: &str,
                   diags: &mut Diagnostics| {
            for (i, (id, at)) in items.into_iter().enumerate() {
                match list.entry(id) {
                    std::collections::hash_map::Entry::Occupied(e) => {
                        let mut d = Diagnostic::error(format!(
                            "duplicate {what} `{}`: it is defined twice",
                            e.key()
                        ));
                        if let Some((source, range)) = at {
                            d = d.at(source.locate(range));
                        }
                        diags.push(d);
                    }
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(i);
                    }
                }
            }
        };
        let stem_ids = |ids: Vec<String>| ids.into_iter().map(|s| (s, None)).collect::<Vec<_>>();
        ids(
            &mut index.muscles,
            stem_ids(content.muscles.iter().map(|m| m.id.to_string()).collect()),
            "muscle",
            diags,
        );
        ids(
            &mut index.techniques,
            stem_ids(
                content
                    .techniques
                    .iter()
                    .map(|m| m.id.to_string())
                    .collect(),
            ),
            "technique",
            diags,
        );
        ids(
            &mut index.faq_topics,
            stem_ids(
                content
                    .faq_topics
                    .iter()
                    .map(|m| m.id.to_string())
                    .collect(),
            ),
            "FAQ topic",
            diags,
        );
        ids(
            &mut index.regions,
            content
                .regions
                .iter()
                .map(|r| (r.id.to_string(), Some((&*r.source, r.data.id.span()))))
                .collect(),
            "region",
            diags,
        );
        for r in &content.regions {
            if let Err(msg) = crate::ids::check_id_format(r.id.as_str()) {
                diags.push(Diagnostic::error(msg).at(r.source.locate(r.data.id.span())));
            }
        }
        ids(
            &mut index.people,
            stem_ids(content.people.iter().map(|p| p.id.to_string()).collect()),
            "person",
            diags,
        );
        ids(
            &mut index.services,
            stem_ids(content.services.iter().map(|p| p.id.to_string()).collect()),
            "service",
            diags,
        );
        index.people_required =
            !content.people.is_empty() || content.failed.iter().any(|(k, _)| *k == "people");
        ids(
            &mut index.references,
            stem_ids(
                content
                    .references
                    .iter()
                    .map(|m| m.id.to_string())
                    .collect(),
            ),
            "reference",
            diags,
        );
        for (kind, docs, map) in [
            (DocKind::Article, &content.articles, &mut index.articles),
            (DocKind::Page, &content.pages, &mut index.pages),
        ] {
            for (i, doc) in docs.iter().enumerate() {
                if let Some(first) = map.get(&doc.slug) {
                    diags.push(
                        Diagnostic::error(format!(
                            "duplicate slug `{}`: {} has it too",
                            doc.slug,
                            docs[*first].source.path.display()
                        ))
                        .at(doc.head_location())
                        .help("give one of them another `slug = \"…\"` or rename the file"),
                    );
                    continue;
                }
                map.insert(doc.slug.clone(), i);
                let target = match kind {
                    DocKind::Article => Target::Article(i),
                    DocKind::Page => Target::Page(i),
                };
                index.doc_urls.insert(target, doc.url.clone());
            }
        }
        for topic in &content.faq_topics {
            let mut seen = HashSet::default();
            for q in &topic.data.questions {
                let id = q.id.get_ref();
                if let Err(msg) = crate::ids::check_id_format(id) {
                    diags.push(Diagnostic::error(msg).at(topic.source.locate(q.id.span())));
                }
                if !seen.insert(id.clone()) {
                    diags.push(
                        Diagnostic::error(format!("duplicate question id `{id}` in this topic"))
                            .at(topic.source.locate(q.id.span())),
                    );
                }
            }
            index.question_ids.push(seen);
        }
        for (kind, map) in [
            ("muscles", &index.muscles),
            ("techniques", &index.techniques),
            ("faq", &index.faq_topics),
            ("pain", &index.regions),
            ("references", &index.references),
            ("people", &index.people),
            ("services", &index.services),
            ("blog", &index.articles),
            ("pages", &index.pages),
        ] {
            let mut v: Vec<String> = map.keys().cloned().collect();
            v.sort();
            index.sorted.insert(kind, v);
        }
        index
    }

    pub fn muscle(&self, id: &str) -> Option<usize> {
        self.muscles.get(id).copied()
    }
    pub fn technique(&self, id: &str) -> Option<usize> {
        self.techniques.get(id).copied()
    }
    pub fn region(&self, id: &str) -> Option<usize> {
        self.regions.get(id).copied()
    }
    pub fn reference(&self, id: &str) -> Option<usize> {
        self.references.get(id).copied()
    }

    pub(super) fn fall_back_to(
        &mut self,
        root_path: String,
        presence: crate::content::translations::Presence,
    ) {
        self.fallback = Some((root_path, presence));
    }

    /// The base path a link to `target` takes in this language.
    fn base_path_for(&self, target: Target) -> &str {
        let Some((root, presence)) = &self.fallback else {
            return &self.base_path;
        };
        if super::has_page(presence, target) {
            &self.base_path
        } else {
            root
        }
    }

    pub fn url(&self, content: &Content, target: Target) -> UrlPath {
        match target {
            Target::Muscle(i) => UrlPath::page(&["muscles", content.muscles[i].id.as_str()]),
            Target::Technique(i) => {
                UrlPath::page(&["techniques", content.techniques[i].id.as_str()])
            }
            Target::FaqTopic(i) => UrlPath::page(&["faq", content.faq_topics[i].id.as_str()]),
            Target::Region(i) => UrlPath::page(&["pain", content.regions[i].id.as_str()]),
            Target::Service(i) => UrlPath::page(&["services", content.services[i].id.as_str()]),
            Target::Article(i) => content.articles[i].url.clone(),
            Target::Page(i) => content.pages[i].url.clone(),
        }
    }

    /// A "not found" error with the closest id of that kind.
    pub(super) fn unknown(&self, kind: &'static str, noun: &str, id: &str) -> Diagnostic {
        if self.failed.contains(&format!("{kind}/{id}")) {
            return Diagnostic::error(format!("{noun} `{id}` could not be loaded")).help(format!(
                "fix the errors reported in content/{kind}/{id}.toml"
            ));
        }
        if let Some(file) = self.drafts.get(&format!("{kind}/{id}")) {
            return Diagnostic::error(format!("{noun} `{id}` is a draft")).help(format!(
                "{}. Publish it first, or add the link when it is published",
                why_a_draft_link_breaks(file)
            ));
        }
        let candidates = self.sorted.get(kind).map(Vec::as_slice).unwrap_or(&[]);
        let d = Diagnostic::error(format!("unknown {noun} `{id}`"));
        // Drafts are suggested too (a misspelt link to one is as likely),
        // after the published ids so that a tie goes to a published one.
        let mut drafts: Vec<&str> = self
            .drafts
            .keys()
            .filter_map(|key| key.strip_prefix(kind)?.strip_prefix('/'))
            .collect();
        drafts.sort_unstable();
        let ids = candidates.iter().map(String::as_str).chain(drafts);
        let best = closest(id, ids);
        let best_draft = best
            .filter(|best| !candidates.iter().any(|c| c == best))
            .and_then(|best| Some((best, self.drafts.get(&format!("{kind}/{best}"))?)));
        if let Some((best, file)) = best_draft {
            return d.help(format!(
                "did you mean `{best}`, a draft? {}",
                why_a_draft_link_breaks(file)
            ));
        }
        match best {
            Some(best) => d.help(format!("did you mean `{best}`?")),
            None if candidates.is_empty() => d.help(format!("there is no {noun} yet")),
            None => d.help(format!("known: {}", abbreviated(candidates))),
        }
    }

    /// Resolves ids listed in a data or front-matter field; unknown ones are
    /// reported at their own position in the file.
    /// The `muscles` and `techniques` of a document's front matter.
    pub(super) fn resolve_front_matter(
        &self,
        doc: &Document,
        diags: &mut Diagnostics,
    ) -> (Vec<usize>, Vec<usize>) {
        let (src, offset) = (&*doc.source, doc.front_matter.start);
        (
            self.resolve_list("muscles", "muscle", &doc.meta.muscles, src, offset, diags),
            self.resolve_list(
                "techniques",
                "technique",
                &doc.meta.techniques,
                src,
                offset,
                diags,
            ),
        )
    }

    pub(super) fn resolve_list(
        &self,
        kind: &'static str,
        noun: &str,
        ids: &[Spanned<String>],
        source: &Source,
        offset: usize,
        diags: &mut Diagnostics,
    ) -> Vec<usize> {
        let map = self.map(kind);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match map.get(id.get_ref()) {
                Some(&i) if !out.contains(&i) => out.push(i),
                Some(_) => {}
                None => {
                    let span = id.span();
                    diags.push(
                        self.unknown(kind, noun, id.get_ref())
                            .at(source.locate(offset + span.start..offset + span.end)),
                    )
                }
            }
        }
        out
    }

    pub fn service(&self, id: &str) -> Option<usize> {
        self.services.get(id).copied()
    }

    pub fn person(&self, id: &str) -> Option<usize> {
        self.people.get(id).copied()
    }

    /// An `author` or `reviewed_by` value: a person id on a site with
    /// people (an unknown id is an error with the closest id), else a name.
    pub(super) fn byline(
        &self,
        written: &Option<Spanned<String>>,
        source: &Source,
        offset: usize,
        diags: &mut Diagnostics,
    ) -> Option<Byline> {
        let written = written.as_ref()?;
        let text = written.get_ref().trim();
        if text.is_empty() {
            return None;
        }
        if !self.people_required {
            return Some(Byline::Name(text.to_string()));
        }
        match self.people.get(text) {
            Some(&p) => Some(Byline::Person(p)),
            None => {
                let span = written.span();
                diags.push(
                    self.unknown("people", "person", text)
                        .help_if_none("authors and reviewers are ids of content/people/ (the file name without .toml)")
                        .at(source.locate(offset + span.start..offset + span.end)),
                );
                None
            }
        }
    }

    pub(super) fn map(&self, kind: &str) -> &HashMap<String, usize> {
        match kind {
            "muscles" => &self.muscles,
            "techniques" => &self.techniques,
            "faq" => &self.faq_topics,
            "pain" => &self.regions,
            "references" => &self.references,
            "people" => &self.people,
            "services" => &self.services,
            "blog" => &self.articles,
            _ => &self.pages,
        }
    }
}

/// Why a link to the draft in `file` is an error: said the same whether
/// the link names the draft or is a near miss of its id.
fn why_a_draft_link_breaks(file: &std::path::Path) -> String {
    format!(
        "{} has `draft = true`: drafts are built only with `--drafts`, so the link would break",
        file.display()
    )
}

fn abbreviated(ids: &[String]) -> String {
    if ids.len() <= 8 {
        ids.join(", ")
    } else {
        format!("{}, … ({} in all)", ids[..8].join(", "), ids.len())
    }
}

/// The index is all Markdown needs to resolve links; it holds URLs for
/// articles and pages and builds the others from ids.
impl LinkResolver for Index {
    fn resolve(&self, kind: &str, id: &str) -> Result<(String, Target), Diagnostic> {
        let (kind, noun, make): (&'static str, &str, fn(usize) -> Target) = match kind {
            "muscles" => ("muscles", "muscle", Target::Muscle),
            "techniques" => ("techniques", "technique", Target::Technique),
            "blog" => ("blog", "article", Target::Article),
            "pages" => ("pages", "page", Target::Page),
            "faq" => ("faq", "FAQ topic", Target::FaqTopic),
            "pain" => ("pain", "region", Target::Region),
            "services" => ("services", "service", Target::Service),
            other => {
                let d = Diagnostic::error(format!("unknown cross-link kind `@{other}/…`"));
                return Err(match closest(other, LINK_KINDS) {
                    Some(best) => d.help(format!("did you mean `@{best}/…`?")),
                    None => d.help("cross-links start with @muscles/, @techniques/, @blog/, @pages/, @faq/ or @pain/"),
                });
            }
        };
        if id.is_empty() {
            return Err(
                Diagnostic::error(format!("cross-link `@{kind}/` names no {noun}"))
                    .help(format!("write `@{kind}/<id>`")),
            );
        }
        let i = *self
            .map(kind)
            .get(id)
            .ok_or_else(|| self.unknown(kind, noun, id))?;
        let target = make(i);
        let url = match target {
            Target::Article(_) | Target::Page(_) => self.doc_urls[&target].clone(),
            Target::Muscle(_) => UrlPath::page(&["muscles", id]),
            Target::Technique(_) => UrlPath::page(&["techniques", id]),
            Target::FaqTopic(_) => UrlPath::page(&["faq", id]),
            Target::Region(_) => UrlPath::page(&["pain", id]),
            Target::Service(_) => UrlPath::page(&["services", id]),
        };
        Ok((format!("{}{}", self.base_path_for(target), url), target))
    }

    fn check_citation(&self, key: &str) -> Result<(), Diagnostic> {
        if self.references.contains_key(key) {
            Ok(())
        } else {
            Err(self
                .unknown("references", "reference", key)
                .help_if_none("add it to content/references.toml"))
        }
    }
}

pub(super) trait HelpIfNone {
    fn help_if_none(self, help: &str) -> Self;
}

impl HelpIfNone for Diagnostic {
    fn help_if_none(self, help: &str) -> Self {
        if self
            .help
            .as_deref()
            .is_some_and(|h| h.starts_with("did you mean"))
        {
            self
        } else {
            self.help(help)
        }
    }
}
