//! Which entities a data page shows, read from its planned data, so that
//! the data path plans again only the data pages an edit reaches.
//!
//! A page shows something of an entity (a muscle's card, a technique's
//! name and summary, a question of an FAQ topic, a service, a person's
//! byline, a region's name) only together with a link to that entity's
//! page: every card, byline, list entry and cross-link carries one, and the
//! planners put it in the page's data whether or not a theme's template
//! prints it. So the links to entity pages found in a page's planned data
//! say which entities it shows. They are found by one Aho-Corasick
//! automaton of every entity page's link over every string of the plan,
//! HTML bodies included. A link found where the page shows nothing of the
//! entity only plans that page again for nothing; a shown entity is never
//! missed (tests/serve.rs checks a served site against a clean build after
//! each kind of data edit).

use aho_corasick::{AhoCorasick, MatchKind};

use crate::graph::Site;
use crate::ids::UrlPath;
use crate::pages::{for_each_string, PagePlan, Section};

/// The pages of one entity or document each: the data pages that come
/// from one content file (a muscle's, a technique's and its pairs', a
/// region's, a person's…) and the pages of articles and stand-alone pages
/// (which data pages list as cards), and how to find links to them.
pub(super) struct EntityPages {
    finder: Option<AhoCorasick>,
    /// The page of each pattern of `finder`.
    urls: Vec<UrlPath>,
}

impl EntityPages {
    /// The entity pages among `plans`, found by their links on `site`.
    pub fn of(site: &Site, plans: &[PagePlan]) -> Self {
        let urls: Vec<UrlPath> = plans
            .iter()
            .filter(|p| p.origin.is_some() && p.section != Section::Feeds)
            .map(|p| p.url.clone())
            .collect();
        let links: Vec<String> = urls.iter().map(|u| site.config.base.link(u)).collect();
        // Leftmost-longest: `/techniques/a/` inside `/techniques/a/b/`
        // is a link to the longer page when it is one.
        let finder = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&links)
            .ok();
        EntityPages { finder, urls }
    }

    /// None: a site whose plans are not read (many languages: the data
    /// path does not run for them).
    pub fn none() -> Self {
        EntityPages {
            finder: None,
            urls: Vec::new(),
        }
    }

    /// The entity pages a data page links to, sorted, each once; none for
    /// a page outside the data sections (incremental rebuilds find the
    /// other pages an edit reaches otherwise).
    pub fn shown_by(&self, plan: &PagePlan) -> Vec<UrlPath> {
        if !plan.section.is_data() {
            return Vec::new();
        }
        self.linked_from(plan)
    }

    /// The entity pages any page links to, sorted, each once.
    pub fn linked_from(&self, plan: &PagePlan) -> Vec<UrlPath> {
        let Some(finder) = &self.finder else {
            return Vec::new();
        };
        let mut found: Vec<usize> = Vec::new();
        let mut find = |text: &str| {
            found.extend(finder.find_iter(text).map(|m| m.pattern().as_usize()));
        };
        for_each_string(&plan.context, &mut find);
        for part in &plan.shared {
            part.for_each_string(&mut find);
        }
        found.sort_unstable();
        found.dedup();
        let mut urls: Vec<UrlPath> = found.into_iter().map(|i| self.urls[i].clone()).collect();
        urls.sort_unstable();
        urls
    }
}
