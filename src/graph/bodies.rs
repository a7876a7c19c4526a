//! The Markdown bodies of the linking stage: every article, page, data
//! field and FAQ answer rendered against the site's index (cross-links
//! need the ids), and every cross-link's `#fragment` checked against the
//! ids its target page has.

use super::body_cache::{still_holds, BodyCache, BodyKeys};
use super::*;
use crate::markdown::Lookup;

/// Where the text of a TOML string value starts, given the span of the
/// value (which includes its quotes).
fn markdown_offset(source: &Source, span: &Range<usize>) -> usize {
    let raw = &source.text[span.start..span.end.min(source.text.len())];
    if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        let after = span.start + 3;
        match &source.text[after..] {
            s if s.starts_with("\r\n") => after + 2,
            s if s.starts_with('\n') => after + 1,
            _ => after,
        }
    } else if raw.starts_with('"') || raw.starts_with('\'') {
        span.start + 1
    } else {
        span.start
    }
}

/// How Markdown renders on this site.
pub(super) fn markdown_options(
    config: &Config,
    shortcodes: &Arc<Shortcodes>,
    images: &Arc<Library>,
    words: &Words,
) -> markdown::Options_ {
    markdown::Options_ {
        smart_punctuation: config.site.markdown.smart_punctuation,
        base_path: config.base.path.clone(),
        shortcodes: shortcodes.clone(),
        images: images.clone(),
        words: markdown::MarkdownWords {
            table: words.t("markdown.table", &[]),
            footnotes: markdown::FootnoteWords {
                heading: words.t("markdown.footnotes", &[]),
                // `{n}` is filled per footnote.
                back: words.t("markdown.footnote_back", &[]),
            },
        },
    }
}

/// Where a document's body is, for rendering it.
fn body_input(d: &Document) -> markdown::Input<'_> {
    markdown::Input {
        source: &d.source,
        text: d.body_text(),
        offset: d.body.start,
        allow_html: true,
    }
}

fn render_body(
    d: &Document,
    opts: &markdown::Options_,
    index: &Index,
) -> (Rendered, Vec<Diagnostic>) {
    markdown::render(&body_input(d), opts, index)
}

/// Renders one document's body against the site's index, as the build
/// does: for incremental rebuilds of a single edited file.
pub fn render_document(site: &Site, doc: &Document) -> (Rendered, Vec<Diagnostic>) {
    render_body(
        doc,
        &markdown_options(&site.config, &site.shortcodes, &site.images, &site.words),
        &site.index,
    )
}

/// A rendered text and the problems found in it.
type WithProblems = (Rendered, Vec<Diagnostic>);

/// Renders the bodies of `docs`: those in `kept` (serve's, from its last
/// build) as they are, those the body cache holds while all their lookups
/// hold, the rest anew. Hands back each body with its problems; a body
/// without problems carries its key ([`Rendered::reuse_key`]), which the
/// cache keeps it by.
fn render_documents(
    docs: &[Document],
    kept: Vec<Option<Rendered>>,
    opts: &markdown::Options_,
    index: &Index,
    cache: &BodyCache,
) -> Vec<WithProblems> {
    // Without a cache file (serve's later links), no key is needed.
    let keys = cache.is_kept().then(|| BodyKeys::new(opts));
    docs.par_iter()
        .zip(kept)
        .map(|(d, kept)| {
            if let Some(body) = kept {
                register_images(&body, opts);
                return (body, Vec::new());
            }
            let key = keys.as_ref().map(|keys| keys.of(&body_input(d)));
            // A kept body was saved with its key.
            if let Some(body) = key
                .and_then(|key| cache.take(key))
                .filter(|body| still_holds(body, index, &opts.images))
            {
                return (body, Vec::new());
            }
            let (mut body, problems) = render_body(d, opts, index);
            body.reuse_key = key.filter(|_| problems.is_empty());
            (body, problems)
        })
        .collect()
}

/// Registers again, with this link's image library (it starts empty),
/// every image a kept body showed: those written in Markdown and those
/// handed to shortcodes. They were found when it was first rendered.
fn register_images(body: &Rendered, opts: &markdown::Options_) {
    for lookup in &body.lookups {
        if let Lookup::Picture { src, from, .. } = lookup {
            let _ = opts.images.picture(src, from);
        }
    }
}

/// Checks every `#fragment` of every cross-link against its target's ids.
pub fn check_all_fragments(site: &Site, diags: &mut Diagnostics) {
    check_fragments(&site.content, &site.index, &site.markdown, diags);
}

pub(super) fn render_markdown(
    config: &Config,
    content: &Content,
    index: &Index,
    opts: markdown::Options_,
    kept: Kept,
    cache: &BodyCache,
    diags: &mut Diagnostics,
) -> RenderedMarkdown {
    let with_kept = |docs: &[Document], mut kept: Vec<Option<Rendered>>| {
        kept.resize_with(docs.len(), || None);
        kept
    };
    // Data fields of the last link (serve), used again while their inputs
    // and lookups are the same: a data edit changes one entity's fields.
    let kept_fields = std::sync::Mutex::new(kept.fields);
    let field_keys = BodyKeys::new(&opts);
    let field = |source: &Source, f: &MarkdownField| {
        let input = markdown::Input {
            source,
            text: f.get_ref(),
            offset: markdown_offset(source, &f.span()),
            allow_html: false,
        };
        let key = field_keys.of(&input);
        let kept = kept_fields
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
        if let Some(body) = kept.filter(|b| still_holds(b, index, &opts.images)) {
            return (body, Vec::new());
        }
        let (mut body, problems) = markdown::render(&input, &opts, index);
        // One with problems is rendered again to report them; one with
        // shortcodes is expanded in place, from templates and entities a
        // data edit may change.
        if problems.is_empty() && body.shortcodes.is_empty() {
            body.reuse_key = Some(key);
        }
        (body, problems)
    };
    // A translated entity's fields are in two files: each is rendered
    // from the one it was read from.
    macro_rules! opt_field {
        ($entity:expr, $field:expr) => {
            $field
                .as_ref()
                .map(|f| field($entity.source_of(f.span()), f))
        };
    }

    let mut collect = |(r, problems): (Rendered, Vec<Diagnostic>)| {
        diags.extend(problems);
        r
    };
    let kept_articles = with_kept(&content.articles, kept.articles);
    let kept_pages = with_kept(&content.pages, kept.pages);
    let articles = render_documents(&content.articles, kept_articles, &opts, index, cache);
    let pages = render_documents(&content.pages, kept_pages, &opts, index, cache);
    let descriptions: Vec<_> = content
        .muscles
        .par_iter()
        .map(|m| opt_field!(m, m.data.description))
        .collect();
    let self_care: Vec<_> = content
        .muscles
        .par_iter()
        .map(|m| opt_field!(m, m.data.self_care))
        .collect();
    let how: Vec<_> = content
        .techniques
        .par_iter()
        .map(|t| opt_field!(t, t.data.how_it_works))
        .collect();
    let red_flags: Vec<_> = content
        .regions
        .par_iter()
        .map(|r| {
            r.data
                .red_flags
                .as_ref()
                .map(|(source, text)| field(source, text))
        })
        .collect();
    let bios: Vec<_> = content
        .people
        .par_iter()
        .map(|p| opt_field!(p, p.data.bio))
        .collect();
    let service_descriptions: Vec<_> = content
        .services
        .par_iter()
        .map(|s| opt_field!(s, s.data.description))
        .collect();
    let answers: Vec<Vec<_>> = content
        .faq_topics
        .par_iter()
        .map(|t| {
            t.data
                .questions
                .iter()
                .map(|q| field(t.source_of(q.answer.span()), &q.answer))
                .collect()
        })
        .collect();
    let disclaimer_source = &config.source;
    let disclaimer_text = &config.site.disclaimer.text;
    let disclaimer_offset = disclaimer_source
        .text
        .find(disclaimer_text.as_str())
        .unwrap_or(0);
    let disclaimer = markdown::render(
        &markdown::Input {
            source: disclaimer_source,
            text: disclaimer_text,
            offset: disclaimer_offset,
            allow_html: false,
        },
        &opts,
        index,
    );
    RenderedMarkdown {
        articles: articles.into_iter().map(&mut collect).collect(),
        pages: pages.into_iter().map(&mut collect).collect(),
        muscle_description: descriptions
            .into_iter()
            .map(|r| r.map(&mut collect))
            .collect(),
        muscle_self_care: self_care.into_iter().map(|r| r.map(&mut collect)).collect(),
        technique_how_it_works: how.into_iter().map(|r| r.map(&mut collect)).collect(),
        region_red_flags: red_flags.into_iter().map(|r| r.map(&mut collect)).collect(),
        person_bio: bios.into_iter().map(|r| r.map(&mut collect)).collect(),
        service_description: service_descriptions
            .into_iter()
            .map(|r| r.map(&mut collect))
            .collect(),
        faq_answers: answers
            .into_iter()
            .map(|qs| qs.into_iter().map(&mut collect).collect())
            .collect(),
        disclaimer: collect(disclaimer),
    }
}

/// Every `#fragment` of a cross-link must exist on its target page.
pub(super) fn check_fragments(
    content: &Content,
    index: &Index,
    md: &RenderedMarkdown,
    diags: &mut Diagnostics,
) {
    let all_links = md.all().flat_map(|r| r.links.iter());
    for CrossLink {
        target,
        fragment,
        location,
    } in all_links
    {
        let Some(fragment) = fragment else { continue };
        let anchors: Vec<&str> = match *target {
            Target::Article(i) => md.articles[i]
                .anchors
                .iter()
                .map(String::as_str)
                .chain(DOCUMENT_ANCHORS.iter().copied())
                .collect(),
            Target::Page(i) => md.pages[i]
                .anchors
                .iter()
                .map(String::as_str)
                .chain(DOCUMENT_ANCHORS.iter().copied())
                .collect(),
            Target::Muscle(i) => {
                let tps =
                    (1..=content.muscles[i].data.trigger_points.len()).map(|n| format!("tp-{n}"));
                let tp_ids: Vec<String> = tps.collect();
                if tp_ids.iter().any(|t| t == fragment) {
                    continue;
                }
                md.muscle_description[i]
                    .iter()
                    .chain(md.muscle_self_care[i].iter())
                    .flat_map(|r| r.anchors.iter().map(String::as_str))
                    .chain(MUSCLE_ANCHORS.iter().copied())
                    .collect()
            }
            Target::Technique(i) => md.technique_how_it_works[i]
                .iter()
                .flat_map(|r| r.anchors.iter().map(String::as_str))
                .chain(TECHNIQUE_ANCHORS.iter().copied())
                .collect(),
            Target::FaqTopic(i) => index.question_ids[i].iter().map(String::as_str).collect(),
            Target::Region(_) => REGION_ANCHORS.to_vec(),
            Target::Service(_) => SERVICE_ANCHORS.to_vec(),
        };
        if !anchors.contains(&fragment.as_str()) {
            let mut sorted = anchors.clone();
            sorted.sort();
            let what = if matches!(target, Target::FaqTopic(_)) {
                "question"
            } else {
                "section"
            };
            let d = Diagnostic::error(format!("the link's target has no {what} `#{fragment}`"))
                .at(location.clone());
            diags.push(match closest(fragment, sorted.iter().copied()) {
                Some(best) => d.help(format!("did you mean `#{best}`?")),
                None => d.help(format!("it has: {}", sorted.join(", "))),
            });
        }
    }
}
