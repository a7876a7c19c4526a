//! The parts of pages' contexts that plans share instead of copying:
//! article cards, made once per build (a card shows on a blog list page,
//! on its tags' pages, among other articles' related ones and on the pages
//! of the muscles, techniques and people it names), and an article's body
//! as the site holds it.
//!
//! At 10,000 articles the lists, tag pages and related articles come to
//! 64,000 cards; as JSON values copied into every plan they were a third
//! of a build's memory, and the copies of the bodies another 67 MiB. A
//! plan holds [`SharedPart`]s instead — the shared value and where in its
//! context it goes — copied into the context only while the page is
//! rendered ([`SharedPart::fill`]).
//!
//! A card is also rendered once: before the pages, the renderer renders
//! each card with the theme's `article_card` macro (its [`RenderCard`]) at
//! each heading level lists use ([`SharedPart::render_cards`]), and every
//! page showing it gets that HTML as `html.h2` and `html.h3`. Rendering
//! each shown card through the macro again took about a fifth of the
//! render stage at 10,000 articles.

use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use serde_json::Value;

use super::article_card;
use crate::diagnostics::Diagnostic;
use crate::fingerprint;
use crate::graph::Site;

/// Renders a card's value (an [`super::ArticleCard`] as JSON; its
/// fingerprint beside it) with the theme's `article_card` macro, giving its
/// HTML by heading level. The renderer supplies it when the theme has that
/// macro; in `serve` it keeps the HTML by fingerprint for later rebuilds.
pub type RenderCard<'a> = &'a (dyn Fn(&Value, u64) -> Result<CardHtml, Diagnostic> + Sync);

/// A card's HTML by heading level (`("h2", …)`), kept compact: one per
/// article for the whole render stage, shared with the renderer's kept
/// cards in `serve`.
pub type CardHtml = Arc<[(&'static str, Box<str>)]>;

/// One article's card as templates see it, with the fingerprint of that
/// value (so a plan's fingerprint hashes 8 bytes per card, not the card).
#[derive(Debug)]
pub struct Card {
    value: Value,
    hash: u64,
    /// The card rendered by [`RenderCard`], made once (see
    /// [`SharedPart::render_cards`]): the card and the theme are fixed for
    /// the build, so every page would render the same HTML.
    html: OnceLock<Result<CardHtml, Diagnostic>>,
}

impl Card {
    fn of_article(site: &Site, i: usize) -> Card {
        Card::new(serde_json::to_value(article_card(site, i)).unwrap_or_default())
    }

    fn new(value: Value) -> Card {
        Card {
            hash: fingerprint::of_json(&value),
            value,
            html: OnceLock::new(),
        }
    }

    /// The card's value for a page's context, with its HTML under `html`
    /// when the theme renders cards.
    fn to_context(&self, render: Option<RenderCard>) -> Result<Value, Diagnostic> {
        let mut value = self.value.clone();
        if let Some(render) = render {
            let html = match self.html(render) {
                Ok(html) => html
                    .iter()
                    .map(|(level, text)| (level.to_string(), Value::from(&**text))),
                Err(d) => return Err(d.clone()),
            };
            if let Value::Object(map) = &mut value {
                map.insert("html".to_string(), Value::Object(html.collect()));
            }
        }
        Ok(value)
    }

    /// The card's HTML, rendered by the first caller.
    fn html(&self, render: RenderCard) -> &Result<CardHtml, Diagnostic> {
        self.html.get_or_init(|| render(&self.value, self.hash))
    }
}

/// The cards of the articles, by article index: each made once, by
/// [`ArticleCards::of_listed`] ahead or when first asked for, so a card
/// listed on several pages is one value, rendered once.
pub struct ArticleCards(Vec<OnceLock<Arc<Card>>>);

impl ArticleCards {
    /// Every listed article's card, made ahead in parallel (a whole build).
    pub fn of_listed(site: &Site) -> ArticleCards {
        let cards = ArticleCards::on_demand(site);
        let made: Vec<(usize, Card)> = site
            .listed_articles()
            .into_par_iter()
            .map(|i| (i, Card::of_article(site, i)))
            .collect();
        for (i, card) in made {
            let _ = cards.0[i].set(Arc::new(card));
        }
        cards
    }

    /// No card made ahead: each is made when first asked for (the few
    /// pages an edit reaches in `serve`).
    pub fn on_demand(site: &Site) -> ArticleCards {
        ArticleCards(
            (0..site.content.articles.len())
                .map(|_| OnceLock::new())
                .collect(),
        )
    }

    fn get(&self, site: &Site, i: usize) -> Arc<Card> {
        match self.0.get(i) {
            Some(card) => Arc::clone(card.get_or_init(|| Arc::new(Card::of_article(site, i)))),
            None => Arc::new(Card::of_article(site, i)),
        }
    }

    /// The cards of `articles`, in that order, to go at `pointer` (a JSON
    /// pointer into the page's context, such as `/articles` or
    /// `/muscle/articles`).
    pub fn slot(&self, site: &Site, pointer: &'static str, articles: &[usize]) -> SharedPart {
        SharedPart {
            pointer,
            value: Shared::Cards(articles.iter().map(|&i| self.get(site, i)).collect()),
        }
    }
}

/// A part of a page's context that is shared, and where in it it goes.
#[derive(Debug)]
pub struct SharedPart {
    pointer: &'static str,
    value: Shared,
}

#[derive(Debug)]
enum Shared {
    /// A list of article cards.
    Cards(Vec<Arc<Card>>),
    /// A text (HTML), as the site holds it.
    Text(Arc<str>),
}

impl SharedPart {
    /// `text` at `pointer`.
    pub fn text(pointer: &'static str, text: Arc<str>) -> SharedPart {
        SharedPart {
            pointer,
            value: Shared::Text(text),
        }
    }

    /// Puts a copy of the part at its place in `context`, cards with their
    /// HTML when `render` is given; fails when rendering a card does. The
    /// object holding that place must exist.
    pub fn fill(&self, context: &mut Value, render: Option<RenderCard>) -> Result<(), Diagnostic> {
        let (parent, key) = self.pointer.rsplit_once('/').unwrap_or(("", self.pointer));
        let value = match &self.value {
            Shared::Cards(cards) => Value::Array(
                cards
                    .iter()
                    .map(|c| c.to_context(render))
                    .collect::<Result<_, _>>()?,
            ),
            Shared::Text(text) => Value::String(text.to_string()),
        };
        match context.pointer_mut(parent) {
            Some(Value::Object(map)) => {
                map.insert(key.to_string(), value);
            }
            _ => debug_assert!(false, "no object at {parent} for {key}"),
        }
        Ok(())
    }

    /// Renders the part's cards that are not rendered yet. Rendering every
    /// card of a build before its pages keeps the cards' HTML together in
    /// memory, where rendering each when a page first shows it scattered
    /// it among the pages' short-lived values (about 90 MiB more at the
    /// peak of a 10,000-article build). An error waits for the pages.
    pub fn render_cards(&self, render: RenderCard) {
        if let Shared::Cards(cards) = &self.value {
            for card in cards {
                let _ = card.html(render);
            }
        }
    }

    /// Feeds the part to a plan's fingerprint: its place and each card's
    /// fingerprint, or the text.
    pub fn hash_into(&self, hasher: &mut crate::fingerprint::Hasher) {
        hasher.update(self.pointer.as_bytes());
        match &self.value {
            Shared::Cards(cards) => {
                hasher.update(b"c");
                hasher.update(&(cards.len() as u64).to_le_bytes());
                for card in cards {
                    hasher.update(&card.hash.to_le_bytes());
                }
            }
            Shared::Text(text) => {
                hasher.update(b"t");
                hasher.update(&(text.len() as u64).to_le_bytes());
                hasher.update(text.as_bytes());
            }
        }
    }

    /// Calls `f` with every string of the part (keys of maps left out).
    pub fn for_each_string(&self, f: &mut dyn FnMut(&str)) {
        match &self.value {
            Shared::Cards(cards) => cards.iter().for_each(|c| for_each_string(&c.value, f)),
            Shared::Text(text) => f(text),
        }
    }
}

/// Calls `f` with every string of `value`, keys of maps left out.
pub fn for_each_string(value: &Value, f: &mut dyn FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|v| for_each_string(v, f)),
        Value::Object(map) => map.values().for_each(|v| for_each_string(v, f)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn slot(pointer: &'static str, titles: &[&str]) -> SharedPart {
        SharedPart {
            pointer,
            value: Shared::Cards(
                titles
                    .iter()
                    .map(|t| Arc::new(Card::new(json!({ "title": t }))))
                    .collect(),
            ),
        }
    }

    #[test]
    fn cards_go_where_the_slot_says_at_the_top_or_nested() {
        let mut context = json!({ "meta": {}, "muscle": { "name": "Trapezius" } });
        slot("/articles", &["A", "B"])
            .fill(&mut context, None)
            .unwrap();
        slot("/muscle/articles", &["C"])
            .fill(&mut context, None)
            .unwrap();
        SharedPart::text("/muscle/body_html", "<p>Body</p>".into())
            .fill(&mut context, None)
            .unwrap();
        assert_eq!(
            context,
            json!({
                "meta": {},
                "articles": [{ "title": "A" }, { "title": "B" }],
                "muscle": {
                    "name": "Trapezius",
                    "articles": [{ "title": "C" }],
                    "body_html": "<p>Body</p>",
                },
            })
        );
    }

    #[test]
    fn a_card_is_rendered_once_however_many_pages_show_it() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let calls = AtomicUsize::new(0);
        let render = |card: &Value, _: u64| {
            calls.fetch_add(1, Ordering::Relaxed);
            let html = format!("<h2>{}</h2>", card["title"].as_str().unwrap());
            Ok(CardHtml::from([("h2", html.into_boxed_str())]))
        };
        let part = slot("/related", &["A", "B"]);
        for _ in 0..3 {
            let mut context = json!({});
            part.fill(&mut context, Some(&render)).unwrap();
            assert_eq!(
                context,
                json!({ "related": [
                    { "title": "A", "html": { "h2": "<h2>A</h2>" } },
                    { "title": "B", "html": { "h2": "<h2>B</h2>" } },
                ] })
            );
        }
        assert_eq!(calls.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_card_that_fails_to_render_fails_every_page_showing_it() {
        let render = |_: &Value, _: u64| Err(Diagnostic::error("macro `article_card` failed"));
        let part = slot("/related", &["A"]);
        for _ in 0..2 {
            let error = part.fill(&mut json!({}), Some(&render)).unwrap_err();
            assert_eq!(error.message, "macro `article_card` failed");
        }
    }

    #[test]
    fn a_part_hashes_its_place_and_its_cards_in_order_or_its_text() {
        let hash = |s: &SharedPart| {
            let mut h = crate::fingerprint::Hasher::new();
            s.hash_into(&mut h);
            h.digest()
        };
        let ab = hash(&slot("/articles", &["A", "B"]));
        assert_eq!(ab, hash(&slot("/articles", &["A", "B"])));
        assert_ne!(ab, hash(&slot("/articles", &["B", "A"])));
        assert_ne!(ab, hash(&slot("/related", &["A", "B"])));
        assert_ne!(ab, hash(&slot("/articles", &["A", "C"])));
        let text = |t: &str| hash(&SharedPart::text("/articles", t.into()));
        assert_eq!(text("<p>A</p>"), text("<p>A</p>"));
        assert_ne!(text("<p>A</p>"), text("<p>B</p>"));
        assert_ne!(text(""), hash(&slot("/articles", &[])));
    }
}
