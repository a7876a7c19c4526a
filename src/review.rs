//! The review schedule of health pages: `[review] every_months` in
//! site.toml makes a page "due" once its `last_reviewed` date (or, never
//! reviewed, its publication date) is older than that. A build warns once
//! per due page; `knotwork check --review` lists every page with its
//! reviewer, review date and due date, overdue first.

use std::path::PathBuf;

use crate::content::date::Date;
use crate::diagnostics::{Diagnostic, Diagnostics, Location, Source};
use crate::graph::{Byline, Site};

/// One reviewable page.
#[derive(Debug, Clone)]
pub struct ReviewItem {
    pub kind: &'static str,
    pub title: String,
    pub file: PathBuf,
    /// Where the review date (else the publication date) is written.
    pub location: Location,
    pub reviewer: Option<String>,
    pub last_reviewed: Option<Date>,
    /// When the next review is due: `every_months` after the last review,
    /// else after publication; `None` for a page with neither date.
    pub due: Option<Date>,
}

impl ReviewItem {
    pub fn overdue(&self, today: Date) -> bool {
        self.due.is_some_and(|d| d < today)
    }
}

/// Every article, page, muscle and technique, overdue first (earliest due
/// date first), then the rest by due date, then those with no date at all.
pub fn schedule(site: &Site, every_months: u32) -> Vec<ReviewItem> {
    let c = &site.content;
    let g = &site.graph;
    let name = |b: &Option<Byline>| match b {
        Some(Byline::Person(p)) => Some(c.people[*p].data.display_name()),
        Some(Byline::Name(n)) => Some(n.clone()),
        None => None,
    };
    let item = |kind,
                title: &str,
                source: &Source,
                reviewer: &Option<Byline>,
                reviewed: Option<Date>,
                published: Option<Date>| {
        let key = if reviewed.is_some() {
            "last_reviewed"
        } else {
            "date"
        };
        ReviewItem {
            kind,
            title: title.to_string(),
            file: source.path.clone(),
            location: locate_key(source, key),
            reviewer: name(reviewer),
            last_reviewed: reviewed,
            due: reviewed.or(published).map(|d| d.plus_months(every_months)),
        }
    };
    let mut items = Vec::new();
    for (i, a) in c.articles.iter().enumerate() {
        items.push(item(
            "Article",
            &a.meta.title,
            &a.source,
            &g.article_bylines[i].reviewer,
            a.meta.last_reviewed,
            a.meta.date,
        ));
    }
    for (i, p) in c.pages.iter().enumerate() {
        items.push(item(
            "Page",
            &p.meta.title,
            &p.source,
            &g.page_bylines[i].reviewer,
            p.meta.last_reviewed,
            p.meta.date,
        ));
    }
    for (i, m) in c.muscles.iter().enumerate() {
        items.push(item(
            "Muscle",
            &m.data.name,
            &m.source,
            &g.muscle_reviewer[i],
            m.data.last_reviewed,
            None,
        ));
    }
    for (i, t) in c.techniques.iter().enumerate() {
        items.push(item(
            "Technique",
            &t.data.name,
            &t.source,
            &g.technique_reviewer[i],
            t.data.last_reviewed,
            None,
        ));
    }
    items.sort_by(|a, b| match (a.due, b.due) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.file.cmp(&b.file)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.file.cmp(&b.file),
    });
    items
}

/// One warning per page whose review is overdue on `today`.
pub fn warn_overdue(site: &Site, today: Date, diags: &mut Diagnostics) {
    let Some(every) = site.config.site.review.every_months else {
        return;
    };
    for item in schedule(site, every)
        .into_iter()
        .filter(|i| i.overdue(today))
    {
        let since = match item.last_reviewed {
            Some(d) => format!("last reviewed on {d}"),
            None => "never reviewed since it was published".to_string(),
        };
        diags.push(
            Diagnostic::warning(format!(
                "{} \"{}\" is due for review: {since}, and the site reviews every {every} months (due {})",
                item.kind.to_lowercase(),
                item.title,
                item.due.map(|d| d.to_string()).unwrap_or_default()
            ))
            .at(item.location)
            .help("have it reviewed, then set last_reviewed = <the date> (and reviewed_by)"),
        );
    }
}

/// `key = …` at the start of a line of the file, else the file's start.
fn locate_key(source: &Source, key: &str) -> Location {
    match crate::config::find_key(&source.text, key) {
        Some(start) => source.locate(start..start + key.len()),
        None => source.locate(0..1),
    }
}
