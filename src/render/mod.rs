//! Stage 4, rendering: the Tera environment, site-wide template variables,
//! fingerprinted assets, and turning every planned page into bytes.
//!
//! Templates are parsed once; pages render in parallel. Template errors name
//! the template file and, where Tera or a look at the template can tell, the
//! line. `assets` names the theme's files, `templates` builds the Tera
//! environment and locates its errors, `functions` is what templates can
//! call; this module renders pages and cards with them.

mod assets;
mod functions;
mod templates;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rayon::prelude::*;
use serde_json::Value;
use tera::Tera;

use crate::bodymap;
use crate::config::BaseUrl;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::graph::Site;
use crate::i18n::Words;
use crate::output::OutputFile;
use crate::pages::{CardHtml, PagePlan, RenderCard};
use crate::theme::Theme;

pub use assets::{assets, Assets};
use functions::{register_language_functions, site_globals};
pub use templates::Templates;
use templates::{
    card_heading_names_a_tag, environment, template_error, CARD_HEADINGS, CARD_TEMPLATE,
    HEADING_STAND_IN,
};

/// Everything a page needs besides its plan: the parsed templates and the
/// site-wide variables, per language of the site. Built once per build;
/// renders pages one at a time (for incremental rebuilds) or all in
/// parallel.
pub struct Renderer {
    theme: Arc<Theme>,
    known: Vec<String>,
    /// Index 0 is the default language; a page's plan says which it is in.
    languages: Vec<LanguageRenderer>,
    /// Whether the templates have [`CARD_TEMPLATE`] (every language's are
    /// the same templates).
    renders_cards: bool,
    /// The body figure's sprite, put into each page with a referral map;
    /// `None` when the site has no muscles, so no page can have one (and
    /// pages need not be searched for one).
    figure_sprite: Option<Arc<str>>,
}

/// The templates with a language's `t()` and `url()`, and its variables.
struct LanguageRenderer {
    tera: Tera,
    globals: Value,
    base: BaseUrl,
    words: Arc<Words>,
    /// The cards rendered so far, when the renderer keeps them
    /// ([`Renderer::keep_card_html`]).
    kept_cards: Option<KeptCards>,
    /// Whether a card is rendered once for all heading levels
    /// ([`card_heading_names_a_tag`]).
    card_heading_is_tag: bool,
}

/// The HTML of the article cards a renderer has rendered, by the
/// fingerprint of the card's value. A card's HTML is a function of that
/// value and of the language's templates, which last as long as the
/// renderer; in `serve` the renderer lasts from one site-path rebuild to
/// the next, and the rebuild after a data edit renders pages that list
/// hundreds of cards no edit changed (rendering those through the macro
/// again was a fifth of a technique edit's rebuild at 10,000 articles).
#[derive(Default)]
struct KeptCards(Mutex<HashMap<u64, CardHtml>>);

impl KeptCards {
    /// Past this many cards (a long session of edits, each making a new
    /// card), the kept ones are forgotten and kept again as rendered.
    const MAX: usize = 200_000;

    fn get(&self, hash: u64) -> Option<CardHtml> {
        self.lock().get(&hash).cloned()
    }

    fn keep(&self, hash: u64, html: &CardHtml) {
        let mut kept = self.lock();
        if kept.len() >= Self::MAX {
            kept.clear();
        }
        kept.insert(hash, Arc::clone(html));
    }

    /// The map; a panic while it was held (no code here panics) left it
    /// whole, so a poisoned lock is taken as it is.
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, CardHtml>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Renderer {
    /// The renderer of `theme`'s parsed `templates`; `None` when they have
    /// errors (in `diags`).
    pub fn new(
        site: &Site,
        theme: Arc<Theme>,
        templates: Templates,
        assets: &Assets,
        diags: &mut Diagnostics,
    ) -> Option<Self> {
        let tera = environment(templates, &theme, site, assets, diags)?;
        let mut known: Vec<String> = tera
            .get_template_names()
            .filter(|&name| name != CARD_TEMPLATE)
            .map(str::to_string)
            .collect();
        known.sort();
        Some(Renderer {
            renders_cards: tera.get_template(CARD_TEMPLATE).is_ok(),
            figure_sprite: figure_sprite(site),
            theme,
            known,
            languages: vec![LanguageRenderer {
                card_heading_is_tag: card_heading_names_a_tag(&tera),
                tera,
                globals: site_globals(site),
                base: site.config.base.clone(),
                words: site.words.clone(),
                kept_cards: None,
            }],
        })
    }

    /// Keeps each article card's HTML once rendered, for the pages of
    /// later renders (a renderer that lives across rebuilds: `serve`).
    /// A one-off build does not: its cards are rendered once anyway.
    pub fn keep_card_html(&mut self) {
        for language in &mut self.languages {
            language.kept_cards.get_or_insert_with(KeptCards::default);
        }
    }

    /// Adds another language of the site (its linked copy); returns the
    /// index its pages' plans carry.
    pub fn add_language(&mut self, site: &Site) -> usize {
        let mut tera = self.languages[0].tera.clone();
        register_language_functions(&mut tera, site);
        self.languages.push(LanguageRenderer {
            tera,
            globals: site_globals(site),
            base: site.config.base.clone(),
            words: site.words.clone(),
            kept_cards: self.languages[0]
                .kept_cards
                .as_ref()
                .map(|_| KeptCards::default()),
            card_heading_is_tag: self.languages[0].card_heading_is_tag,
        });
        self.languages.len() - 1
    }

    /// The templates and assets the pages are rendered with.
    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    /// Recomputes the site-wide variables of language `language` once
    /// shortcodes are expanded (the disclaimer may call one).
    pub fn refresh_globals(&mut self, language: usize, site: &Site) {
        self.languages[language].globals = site_globals(site);
        // A muscle added in `serve` to a site that had none.
        self.figure_sprite = figure_sprite(site);
    }

    /// The variables every page shares, per language; when they change,
    /// every page does.
    pub fn globals(&self) -> Value {
        Value::Array(self.languages.iter().map(|l| l.globals.clone()).collect())
    }

    /// The words of each language, in the order of [`Renderer::globals`].
    pub fn words(&self) -> impl Iterator<Item = &Words> {
        self.languages.iter().map(|l| &*l.words)
    }

    /// Renders one page.
    pub fn render(&self, mut plan: PagePlan) -> Result<OutputFile, Diagnostic> {
        if self.known.binary_search(&plan.template).is_err() {
            let d = Diagnostic::error(format!("unknown template `{}`", plan.template))
                .suggest(&plan.template, self.known.iter().map(String::as_str));
            return Err(match plan.origin {
                Some(o) => d.at(o),
                None => d,
            });
        }
        let language = self.language_of(&plan);
        let output = plan.output_file();
        let context = self
            .with_card_renderer(language, |render| plan.context_to_render(render))
            .map_err(|d| with_page(d, &plan))?;
        let mut context = match context {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        // Into the map, not `tera::Context::insert`, which would serialize
        // the site's variables into a new value for every page.
        context.insert("site".into(), language.globals.clone());
        context.insert("current_url".into(), language.base.link(&plan.url).into());
        context.insert("current_path".into(), plan.url.as_str().into());
        context.insert(
            "search_kind".into(),
            plan.search_kind
                .map(|k| language.words.t(k.key(), &[]))
                .into(),
        );
        let context = tera::Context::from_value(Value::Object(context)).unwrap_or_default();
        match render_exact(&language.tera, &plan.template, &context) {
            Ok(html) => Ok(OutputFile::new(output, self.with_figure(html))),
            Err(e) => Err(with_page(template_error(&e, &self.theme), &plan)),
        }
    }

    /// Renders the template of shortcode `name` with a call's context
    /// (its arguments, `body`, the entities it names) in language
    /// `language`; `site` is added.
    pub fn render_shortcode(
        &self,
        language: usize,
        name: &str,
        context: Value,
    ) -> Result<String, Diagnostic> {
        let language = &self.languages[language];
        let template = format!("shortcodes/{name}.html");
        let mut context = tera::Context::from_value(context).unwrap_or_default();
        context.insert("site", &language.globals);
        language
            .tera
            .render(&template, &context)
            .map_err(|e| template_error(&e, &self.theme))
    }

    /// The body figure as pages with maps carry it, if they can have any.
    pub fn figure_sprite(&self) -> Option<&str> {
        self.figure_sprite.as_deref()
    }

    /// A page's HTML with the body figure its referral maps draw from.
    fn with_figure(&self, html: Vec<u8>) -> Vec<u8> {
        match &self.figure_sprite {
            Some(sprite) => bodymap::with_sprite(html, sprite),
            None => html,
        }
    }

    /// The renderer of the language `plan` is in.
    fn language_of(&self, plan: &PagePlan) -> &LanguageRenderer {
        &self.languages[plan.language.min(self.languages.len() - 1)]
    }

    /// Calls `f` with the function rendering article cards in `language`,
    /// `None` when the theme has no card macro.
    fn with_card_renderer<R>(
        &self,
        language: &LanguageRenderer,
        f: impl FnOnce(Option<RenderCard>) -> R,
    ) -> R {
        let render = |card: &Value, hash: u64| language.render_card(card, hash, &self.theme);
        f(self.renders_cards.then_some(&render))
    }

    /// Renders pages in parallel, in plan order; problems go to `diags`.
    /// The article cards the pages list are rendered first, once each.
    pub fn render_all(&self, plans: Vec<PagePlan>, diags: &mut Diagnostics) -> Vec<OutputFile> {
        self.render_all_into(plans, diags, &|file| Ok(Some(file)))
    }

    /// [`render_all`](Self::render_all), handing each page to `take` as
    /// soon as it is rendered: it writes the page (`None`) or gives it back
    /// to be returned with the others. Its problems go to `diags` too.
    pub fn render_all_into(
        &self,
        plans: Vec<PagePlan>,
        diags: &mut Diagnostics,
        take: &TakePage,
    ) -> Vec<OutputFile> {
        plans.par_iter().for_each(|plan| {
            self.with_card_renderer(self.language_of(plan), |render| {
                if let Some(render) = render {
                    plan.shared
                        .iter()
                        .for_each(|part| part.render_cards(render));
                }
            });
        });
        let results: Vec<Result<Option<OutputFile>, Diagnostic>> = plans
            .into_par_iter()
            .map(|plan| self.render(plan).and_then(take))
            .collect();
        let mut files = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Ok(f) => files.extend(f),
                Err(d) => diags.push(d),
            }
        }
        files
    }
}

/// What [`Renderer::render_all_into`] does with each rendered page.
pub type TakePage<'a> = dyn Fn(OutputFile) -> Result<Option<OutputFile>, Diagnostic> + Sync + 'a;

/// [`Renderer::figure_sprite`] for `site`.
fn figure_sprite(site: &Site) -> Option<Arc<str>> {
    let figure = site.figure.as_ref()?;
    (!site.content.muscles.is_empty()).then(|| Arc::clone(figure.sprite()))
}

/// Renders `template` into bytes of exactly the page's length. Tera's own
/// `render` grows a buffer from 2,000 bytes by doubling: four allocations
/// and three copies for a 13 KB page, which then keeps up to twice its
/// length until written (a build holds every page until then: 175 MB of
/// HTML at 10,000 articles). Here each thread renders into one buffer it
/// keeps, and the page is copied out once, at its length.
fn render_exact(tera: &Tera, template: &str, context: &tera::Context) -> tera::Result<Vec<u8>> {
    thread_local! {
        static PAGE_BUFFER: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(64 * 1024));
    }
    PAGE_BUFFER.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            tera.render_to(template, context, &mut *buffer)?;
            Ok(buffer.as_slice().to_vec())
        }
        // A render on this thread already holds it (rayon may run another
        // page's job inside a wait): render on its own.
        Err(_) => {
            let mut own = Vec::new();
            tera.render_to(template, context, &mut own)?;
            Ok(own)
        }
    })
}

/// `d`, saying which page was being rendered.
fn with_page(mut d: Diagnostic, plan: &PagePlan) -> Diagnostic {
    d.message = format!("{} (rendering {})", d.message, plan.url);
    d
}

impl LanguageRenderer {
    /// The HTML of an article card (its value as pages get it, `hash` its
    /// fingerprint) at each of [`CARD_HEADINGS`], from the kept cards when
    /// the renderer keeps them and has rendered this card before.
    fn render_card(&self, card: &Value, hash: u64, theme: &Theme) -> Result<CardHtml, Diagnostic> {
        let kept = self.kept_cards.as_ref();
        if let Some(html) = kept.and_then(|k| k.get(hash)) {
            return Ok(html);
        }
        let html = self.render_card_now(card, theme)?;
        if let Some(kept) = kept {
            kept.keep(hash, &html);
        }
        Ok(html)
    }

    fn render_card_now(&self, card: &Value, theme: &Theme) -> Result<CardHtml, Diagnostic> {
        let mut context = tera::Context::new();
        context.insert("a", card);
        if self.card_heading_is_tag {
            context.insert("heading", HEADING_STAND_IN);
            let text = self
                .tera
                .render(CARD_TEMPLATE, &context)
                .map_err(|e| template_error(&e, theme))?;
            return Ok(CARD_HEADINGS
                .into_iter()
                .map(|heading| {
                    (
                        heading,
                        text.replace(HEADING_STAND_IN, heading).into_boxed_str(),
                    )
                })
                .collect());
        }
        CARD_HEADINGS
            .into_iter()
            .map(|heading| {
                context.insert("heading", heading);
                let text = self
                    .tera
                    .render(CARD_TEMPLATE, &context)
                    .map_err(|e| template_error(&e, theme))?;
                Ok((heading, text.into_boxed_str()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::templates::add_card_template;
    use super::*;
    use serde_json::json;

    /// A language renderer whose card macro prints the card's title at its
    /// heading level.
    fn card_renderer(kept_cards: Option<KeptCards>) -> LanguageRenderer {
        card_renderer_of(
            "{% macro article_card(a, heading) %}<{{ heading }}>{{ a.title }}</{{ heading }}>{% endmacro %}",
            kept_cards,
        )
    }

    fn card_renderer_of(macros: &str, kept_cards: Option<KeptCards>) -> LanguageRenderer {
        let mut tera = Tera::default();
        tera.add_raw_template("macros.html", macros).unwrap();
        add_card_template(&mut tera).unwrap();
        LanguageRenderer {
            card_heading_is_tag: card_heading_names_a_tag(&tera),
            tera,
            globals: Value::Null,
            base: BaseUrl::parse("https://example.org/").unwrap(),
            words: Words::english(),
            kept_cards,
        }
    }

    fn h2(html: &CardHtml) -> &str {
        &html.iter().find(|(level, _)| *level == "h2").unwrap().1
    }

    #[test]
    fn a_renderer_keeping_cards_renders_each_fingerprint_once() {
        let theme = Theme::default();
        let keeping = card_renderer(Some(KeptCards::default()));
        let first = keeping
            .render_card(&json!({ "title": "First" }), 1, &theme)
            .unwrap();
        assert_eq!(h2(&first), "<h2>First</h2>");
        // The same fingerprint: the kept HTML, not the macro again (which
        // would print the new title).
        let again = keeping
            .render_card(&json!({ "title": "Changed" }), 1, &theme)
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        // A new fingerprint (the card changed): rendered.
        let changed = keeping
            .render_card(&json!({ "title": "Changed" }), 2, &theme)
            .unwrap();
        assert_eq!(h2(&changed), "<h2>Changed</h2>");
        // A renderer that does not keep cards renders every time.
        let one_off = card_renderer(None);
        for title in ["First", "Changed"] {
            let html = one_off
                .render_card(&json!({ "title": title }), 1, &theme)
                .unwrap();
            assert_eq!(h2(&html), format!("<h2>{title}</h2>"));
        }
    }

    fn h3(html: &CardHtml) -> &str {
        &html.iter().find(|(level, _)| *level == "h3").unwrap().1
    }

    #[test]
    fn a_card_whose_heading_only_names_its_tag_is_rendered_once_for_every_level() {
        let theme = Theme::default();
        let default_theme = include_str!("../../themes/default/templates/macros.html");
        assert!(card_renderer_of(default_theme, None).card_heading_is_tag);
        let bare = card_renderer(None);
        assert!(bare.card_heading_is_tag);
        let html = bare
            .render_card(&json!({ "title": "Neck & shoulders" }), 1, &theme)
            .unwrap();
        assert_eq!(h2(&html), "<h2>Neck &amp; shoulders</h2>");
        assert_eq!(h3(&html), "<h3>Neck &amp; shoulders</h3>");
    }

    #[test]
    fn a_card_that_uses_its_heading_otherwise_is_rendered_at_each_level() {
        let theme = Theme::default();
        for macros in [
            r#"{% macro article_card(a, heading) %}<{{ heading }}>{{ a.title }}</{{ heading }}>{% if heading == "h2" %}<p>big</p>{% endif %}{% endmacro %}"#,
            r#"{% macro article_card(a, heading) %}<{{ heading | upper }}>{{ a.title }}</{{ heading | upper }}>{% endmacro %}"#,
            r#"{% macro article_card(a, heading) %}{% set level = heading %}<{{ heading }}>{{ a.title }}</{{ heading }}>{% if level == "h3" %}<p>small</p>{% endif %}{% endmacro %}"#,
        ] {
            let renderer = card_renderer_of(macros, None);
            assert!(!renderer.card_heading_is_tag, "{macros}");
            let html = renderer
                .render_card(&json!({ "title": "A" }), 1, &theme)
                .unwrap();
            let mut one = card_renderer_of(macros, None);
            one.card_heading_is_tag = true;
            let once = one
                .render_card(&json!({ "title": "A" }), 1, &theme)
                .unwrap();
            // Rendered once, the card would come out wrong at some level.
            assert!(h2(&html) != h2(&once) || h3(&html) != h3(&once), "{macros}");
        }
    }

    #[test]
    fn kept_cards_are_forgotten_past_their_limit() {
        let kept = KeptCards::default();
        let html = CardHtml::from([("h2", Box::from("<h2>A</h2>"))]);
        for hash in 0..KeptCards::MAX as u64 {
            kept.keep(hash, &html);
        }
        assert!(kept.get(0).is_some());
        kept.keep(u64::MAX, &html);
        assert!(kept.get(0).is_none());
        assert!(kept.get(u64::MAX).is_some());
    }
}
