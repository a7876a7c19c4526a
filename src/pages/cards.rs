//! Article cards, made once per build and shared by every page that lists
//! them: a card shows on a blog list page, on its tags' pages, among other
//! articles' related ones and on the pages of the muscles, techniques and
//! people it names.
//!
//! A plan does not hold copies of its cards: at 10,000 articles the lists,
//! tag pages and related articles come to 64,000 cards, and as JSON values
//! in every plan they were a third of a build's memory (250 MiB, measured
//! by planning without them). A plan holds [`CardSlot`]s instead — shared
//! cards and where in its context they go — and the cards are copied into
//! the context only while the page is rendered ([`CardSlot::fill`]).

use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use super::article_card;
use crate::fingerprint;
use crate::graph::Site;

/// One article's card as templates see it, with the fingerprint of that
/// value (so a plan's fingerprint hashes 8 bytes per card, not the card).
#[derive(Debug)]
pub struct Card {
    value: Value,
    hash: u64,
}

impl Card {
    fn of_article(site: &Site, i: usize) -> Card {
        let value = serde_json::to_value(article_card(site, i)).unwrap_or_default();
        Card {
            hash: fingerprint::of_json(&value),
            value,
        }
    }

    pub fn value(&self) -> &Value {
        &self.value
    }
}

/// The cards of the listed articles, by article index.
pub struct ArticleCards(Vec<Option<Arc<Card>>>);

impl ArticleCards {
    pub fn of_listed(site: &Site) -> ArticleCards {
        let mut cards = vec![None; site.content.articles.len()];
        let made: Vec<(usize, Card)> = site
            .listed_articles()
            .into_par_iter()
            .map(|i| (i, Card::of_article(site, i)))
            .collect();
        for (i, card) in made {
            cards[i] = Some(Arc::new(card));
        }
        ArticleCards(cards)
    }

    /// No card made ahead: each is made when asked for (a single page
    /// planned again).
    pub fn none() -> ArticleCards {
        ArticleCards(Vec::new())
    }

    fn get(&self, site: &Site, i: usize) -> Arc<Card> {
        match self.0.get(i) {
            Some(Some(card)) => Arc::clone(card),
            _ => Arc::new(Card::of_article(site, i)),
        }
    }

    /// The cards of `articles`, in that order, to go at `pointer` (a JSON
    /// pointer into the page's context, such as `/articles` or
    /// `/muscle/articles`).
    pub fn slot(&self, site: &Site, pointer: &'static str, articles: &[usize]) -> CardSlot {
        CardSlot {
            pointer,
            cards: articles.iter().map(|&i| self.get(site, i)).collect(),
        }
    }
}

/// A list of cards a page shows, and where in its context it goes.
#[derive(Debug)]
pub struct CardSlot {
    pointer: &'static str,
    cards: Vec<Arc<Card>>,
}

impl CardSlot {
    /// Puts the cards, as a list, at the slot's place in `context`. The
    /// object holding that place must exist.
    pub fn fill(&self, context: &mut Value) {
        let (parent, key) = self.pointer.rsplit_once('/').unwrap_or(("", self.pointer));
        let list = Value::Array(self.cards.iter().map(|c| c.value.clone()).collect());
        match context.pointer_mut(parent) {
            Some(Value::Object(map)) => {
                map.insert(key.to_string(), list);
            }
            _ => debug_assert!(false, "no object at {parent} for cards"),
        }
    }

    /// Feeds the slot to a plan's fingerprint: its place and each card's.
    pub fn hash_into(&self, hasher: &mut xxhash_rust::xxh3::Xxh3) {
        hasher.update(self.pointer.as_bytes());
        hasher.update(&(self.cards.len() as u64).to_le_bytes());
        for card in &self.cards {
            hasher.update(&card.hash.to_le_bytes());
        }
    }

    pub fn cards(&self) -> impl Iterator<Item = &Card> {
        self.cards.iter().map(|c| c.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn slot(pointer: &'static str, titles: &[&str]) -> CardSlot {
        CardSlot {
            pointer,
            cards: titles
                .iter()
                .map(|t| {
                    let value = json!({ "title": t });
                    Arc::new(Card {
                        hash: fingerprint::of_json(&value),
                        value,
                    })
                })
                .collect(),
        }
    }

    #[test]
    fn cards_go_where_the_slot_says_at_the_top_or_nested() {
        let mut context = json!({ "meta": {}, "muscle": { "name": "Trapezius" } });
        slot("/articles", &["A", "B"]).fill(&mut context);
        slot("/muscle/articles", &["C"]).fill(&mut context);
        assert_eq!(
            context,
            json!({
                "meta": {},
                "articles": [{ "title": "A" }, { "title": "B" }],
                "muscle": { "name": "Trapezius", "articles": [{ "title": "C" }] },
            })
        );
    }

    #[test]
    fn a_slot_hashes_its_place_and_its_cards_in_order() {
        let hash = |s: &CardSlot| {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            s.hash_into(&mut h);
            h.digest()
        };
        let ab = hash(&slot("/articles", &["A", "B"]));
        assert_eq!(ab, hash(&slot("/articles", &["A", "B"])));
        assert_ne!(ab, hash(&slot("/articles", &["B", "A"])));
        assert_ne!(ab, hash(&slot("/related", &["A", "B"])));
        assert_ne!(ab, hash(&slot("/articles", &["A", "C"])));
    }
}
