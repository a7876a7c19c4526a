//! FAQ: the hub listing every topic and question, and one page per topic,
//! each with FAQPage structured data.

use serde_json::{json, Value};

use super::*;
use crate::graph::QuestionRef;

pub fn plan(site: &Site, pages: &mut Vec<PagePlan>) {
    let topics = &site.content.faq_topics;
    if topics.is_empty() {
        return;
    }
    let hub_url = UrlPath::page(&["faq"]);
    let mut hub_cites = PageCitations::new();
    let mut hub_topics = Vec::new();
    let mut hub_questions = Vec::new();
    for (t, topic) in topics.iter().enumerate() {
        let questions: Vec<QuestionCard> = (0..topic.data.questions.len())
            .map(|q| {
                question_card(
                    site,
                    QuestionRef {
                        topic: t,
                        question: q,
                    },
                    &mut hub_cites,
                )
            })
            .collect();
        hub_questions.extend(questions.iter().cloned());
        hub_topics.push(json!({
            "id": topic.id,
            "title": topic.data.title,
            "description": topic.data.description,
            "url": site.link(Target::FaqTopic(t)),
            "questions": questions,
        }));
    }
    let w = &site.words;
    let (crumbs, crumbs_ld) = breadcrumbs(site, &[(&w.t("nav.faq", &[]), hub_url.clone())]);
    pages.push(PagePlan::new(
        hub_url.clone(),
        "faq.html",
        json!({
            "meta": Meta::new(site, &hub_url, &w.t("faq.title", &[]), &w.t("faq.description", &[]))
                .json_ld(faq_ld(&hub_questions))
                .json_ld(crumbs_ld),
            "breadcrumbs": crumbs,
            "topics": hub_topics,
        }),
    ));
    for (t, topic) in topics.iter().enumerate() {
        if !site.language.has(Target::FaqTopic(t)) {
            continue;
        }
        let url = site.url(Target::FaqTopic(t));
        let mut cites = PageCitations::new();
        let g = &site.graph;
        let questions: Vec<Value> = (0..topic.data.questions.len())
            .map(|q| {
                let card = question_card(site, QuestionRef { topic: t, question: q }, &mut cites);
                json!({
                    "id": card.id,
                    "question": card.question,
                    "answer_html": card.answer_html,
                    "url": card.url,
                    "muscles": g.question_muscles[t][q].iter().map(|&m| muscle_card(site, m)).collect::<Vec<_>>(),
                    "techniques": g.question_techniques[t][q].iter().map(|&x| technique_card(site, x)).collect::<Vec<_>>(),
                })
            })
            .collect();
        let cards: Vec<QuestionCard> = questions
            .iter()
            .map(|q| QuestionCard {
                id: q["id"].as_str().unwrap_or_default().into(),
                question: q["question"].as_str().unwrap_or_default().into(),
                url: String::new(),
                topic: String::new(),
                answer_html: q["answer_html"].as_str().unwrap_or_default().into(),
            })
            .collect();
        let (crumbs, crumbs_ld) = breadcrumbs(
            site,
            &[
                (&site.words.t("nav.faq", &[]), hub_url.clone()),
                (&topic.data.title, url.clone()),
            ],
        );
        let description = if topic.data.description.is_empty() {
            site.words
                .t("faq.topic_description", &[("topic", &topic.data.title)])
        } else {
            topic.data.description.clone()
        };
        pages.push(
            PagePlan::new(
                url.clone(),
                "faq_topic.html",
                json!({
                    "meta": Meta::new(site, &url, &topic.data.title, &description).json_ld(faq_ld(&cards)).json_ld(crumbs_ld),
                    "breadcrumbs": crumbs,
                    "topic": {
                        "id": topic.id,
                        "title": topic.data.title,
                        "description": topic.data.description,
                        "questions": questions,
                        "references": reference_list(site, &cites, &[]),
                    },
                    "topics": topics.iter().enumerate().map(|(o, other)| Link {
                        title: other.data.title.clone(),
                        url: site.link(Target::FaqTopic(o)),
                    }).collect::<Vec<_>>(),
                }),
            )
            .searchable(SearchKind::Faq)
            .origin(topic.source.whole()),
        );
    }
}

fn faq_ld(questions: &[QuestionCard]) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": questions.iter().map(|q| json!({
            "@type": "Question",
            "name": q.question,
            "acceptedAnswer": {"@type": "Answer", "text": strip_tags(&q.answer_html)},
        })).collect::<Vec<_>>(),
    })
}

/// Plain text of an HTML fragment, for structured data.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
