//! Stage 4, rendering: the Tera environment, site-wide template variables,
//! fingerprinted assets, and turning every planned page into bytes.
//!
//! Templates are parsed once; pages render in parallel. Template errors name
//! the template file and, where Tera or a look at the template can tell, the
//! line.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rayon::prelude::*;
use serde_json::{json, Value};
use tera::Tera;

use crate::bodymap;
use crate::config::BaseUrl;
use crate::diagnostics::{closest, Diagnostic, Diagnostics, Location};
use crate::graph::Site;
use crate::html::escape;
use crate::i18n::{fill, Words};
use crate::ids::UrlPath;
use crate::images::{Fit, Format, ImgOptions, Library, Picture};
use crate::output::OutputFile;
use crate::pages::{CardHtml, Link, PagePlan, RenderCard};
use crate::theme::Theme;

/// Asset files whose names get a content hash, so hosts can cache them
/// forever: a changed file gets a new name.
fn is_fingerprinted(path: &str) -> bool {
    path.ends_with(".css") || path.ends_with(".js")
}

/// Static files with their output names (fingerprinted where it applies).
pub struct Assets {
    pub files: Vec<OutputFile>,
    /// Photos and media of the static folders, copied by path.
    pub media: Vec<crate::output::CopiedFile>,
    /// Source path → output path.
    names: HashMap<String, String>,
}

pub fn assets(site: &Site, theme: &Theme) -> Assets {
    let mut all: BTreeMap<String, Vec<u8>> = theme.assets.clone();
    all.insert(
        "css/highlight.css".into(),
        crate::markdown::highlight::theme_css(&site.config.site.markdown.highlight_theme)
            .into_bytes(),
    );
    let mut files = Vec::with_capacity(all.len());
    let mut names = HashMap::with_capacity(all.len());
    for (path, bytes) in all {
        let out = if is_fingerprinted(&path) {
            let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
            let (stem, ext) = path.rsplit_once('.').unwrap_or((&path, ""));
            format!("{stem}.{:010x}.{ext}", hash & 0xff_ffff_ffff)
        } else {
            path.clone()
        };
        names.insert(path, out.clone());
        files.push(OutputFile::new(out, bytes));
    }
    let mut media = Vec::with_capacity(theme.media.len());
    for (path, from) in &theme.media {
        names.insert(path.clone(), path.clone());
        let len = std::fs::metadata(from).map_or(0, |m| m.len());
        media.push(crate::output::CopiedFile {
            path: path.clone(),
            from: from.clone(),
            len,
        });
    }
    Assets {
        files,
        media,
        names,
    }
}

/// The theme's templates, parsed (errors point into the template file).
/// Parsing is most of making a renderer (28–34 ms for the default theme
/// in one-edit rebuilds of the bench corpus) and needs the theme alone,
/// so a build does it on a thread of its own while the content loads.
pub struct Templates(Result<Tera, tera::Error>);

impl Templates {
    pub fn parse(theme: &Theme) -> Templates {
        let mut tera = Tera::default();
        let templates = theme
            .templates
            .iter()
            .map(|(name, t)| (name.as_str(), t.text.as_str()));
        Templates(
            tera.add_raw_templates(templates)
                .and_then(|()| add_card_template(&mut tera))
                .map(|()| tera),
        )
    }
}

/// The internal template rendering one article card with the theme's
/// `article_card` macro, so each card is rendered once per build and
/// heading level (see `pages::shared`). Its name cannot clash with a
/// theme's: themes name templates by file, and no file is named so.
const CARD_TEMPLATE: &str = "@knotwork/article_card.html";

/// The heading levels a card is rendered at: lists whose page title is the
/// `h1` (blog, tags) use `h2`; sections under an `h2` use `h3`.
const CARD_HEADINGS: [&str; 2] = ["h2", "h3"];

/// What a card is rendered with as its `heading` when the macro uses it
/// only to name the heading tag ([`card_heading_names_a_tag`]): the card
/// is then rendered once and each level's HTML made by putting the level
/// in its place. Private-use characters, which no escaping touches and no
/// card's text holds.
const HEADING_STAND_IN: &str = "\u{F8FF}knotwork-card-heading\u{F8FF}";

/// Whether the theme's `article_card` macro uses its `heading` argument
/// only as `{{ heading }}`, bare (no filter, test, comparison, `set` or
/// `include` that could make the card differ by level in other ways):
/// then the card's HTML at each level is the same text with the level put
/// in at those places, and rendering it once is enough. Read off the
/// macro body's syntax tree, which Tera shows only through `Debug`; a
/// form not recognised here means rendering once per level, as before.
fn card_heading_names_a_tag(tera: &Tera) -> bool {
    let Some(card) = tera
        .get_template("macros.html")
        .ok()
        .and_then(|t| t.macros.get("article_card"))
    else {
        return false;
    };
    let body = format!("{:?}", card.body);
    let bare = r#", Expr { val: Ident("heading"), negated: false, filters: [] })"#;
    let uses = body.matches(r#""heading""#).count();
    let bare_uses = body
        .match_indices(bare)
        .filter(|(at, _)| {
            let before = &body[..*at];
            ["false", "true"].iter().any(|left| {
                ["false", "true"].iter().any(|right| {
                    before.ends_with(&format!(
                        "VariableBlock(WS {{ left: {left}, right: {right} }}"
                    ))
                })
            })
        })
        .count();
    bare_uses > 0 && bare_uses == uses && !body.contains("Include(")
}

/// Adds [`CARD_TEMPLATE`] when the theme's `macros.html` defines
/// `article_card`; a theme without it renders its cards its own way.
fn add_card_template(tera: &mut Tera) -> tera::Result<()> {
    let has_card_macro = tera
        .get_template("macros.html")
        .is_ok_and(|t| t.macros.contains_key("article_card"));
    if !has_card_macro {
        return Ok(());
    }
    tera.add_raw_template(
        CARD_TEMPLATE,
        r#"{% import "macros.html" as m %}{{ m::article_card(a=a, heading=heading) }}"#,
    )
}

/// The parsed `templates` with Knotwork's escaping, filters and functions.
fn tera(
    templates: Templates,
    theme: &Theme,
    site: &Site,
    assets: &Assets,
    diags: &mut Diagnostics,
) -> Option<Tera> {
    let mut tera = match templates.0 {
        Ok(tera) => tera,
        Err(e) => {
            diags.push(template_error(&e, theme));
            return None;
        }
    };
    tera.autoescape_on(vec![".html", ".xml"]);
    // Tera's own escaper also escapes `/`, which turns every URL into
    // `&#x2F;…`; quotes, `&`, `<` and `>` are all HTML and XML need.
    tera.set_escape_fn(escape);
    // The `escape` filter the same way (Tera's own writes `/` as `&#x2F;`),
    // for templates that build markup to pass to `t()`.
    for name in ["escape", "e"] {
        tera.register_filter(name, |value: &Value, _: &HashMap<String, Value>| {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Ok(Value::String(escape(&text)))
        });
    }
    register_language_functions(&mut tera, site);
    // Assets are shared by every language, at the site's root.
    let base_path = site.language.root_path.clone();
    let names = assets.names.clone();
    tera.register_function("asset", move |args: &HashMap<String, Value>| {
        let path = args
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| tera::Error::msg("asset() needs path=\"css/site.css\""))?;
        let path = path.trim_start_matches('/');
        match names.get(path) {
            Some(out) => Ok(Value::String(format!("{base_path}/{out}"))),
            None => {
                let hint = closest(path, names.keys().map(String::as_str))
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                Err(tera::Error::msg(format!("unknown asset `{path}`{hint}")))
            }
        }
    });
    tera.register_function("picture", PictureFunction);
    let images = site.images.clone();
    tera.register_function("resize_image", move |args: &HashMap<String, Value>| {
        resize_image(&images, args)
    });
    Some(tera)
}

/// The functions whose answer depends on the page's language: `url()`
/// (within the language's folder) and `t()` (its words).
fn register_language_functions(tera: &mut Tera, site: &Site) {
    let base_path = site.config.base.path.clone();
    tera.register_function("url", move |args: &HashMap<String, Value>| {
        let path = args
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| tera::Error::msg("url() needs path=\"/…\""))?;
        Ok(Value::String(format!(
            "{base_path}{}",
            UrlPath::from_user(path)
        )))
    });
    tera.register_function(
        "t",
        Translate {
            words: site.words.clone(),
        },
    );
}

/// `t(key="nav.blog")`, `t(key="tags.count", n=3)`,
/// `t(key="pain.region_title", name=region.name)`, `t(key="tags.count",
/// form="few")` (one plural form with `{n}` left for a script): a phrase of the theme's
/// words in the page's language. The phrase and every argument are
/// escaped here, except arguments named `…_html`, which carry markup the
/// template made (a link); so the result is safe as it is.
struct Translate {
    words: Arc<Words>,
}

impl tera::Function for Translate {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let key = args
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| tera::Error::msg("t() needs key=\"section.phrase\""))?;
        let n = match args.get("n") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().ok_or_else(|| {
                tera::Error::msg(format!("t(key=\"{key}\"): `n` must be a whole number"))
            })?),
        };
        let form = args.get("form").and_then(Value::as_str);
        let text = match form {
            Some(form) => self.words.form(key, form),
            None => self.words.phrase(key, n),
        };
        let Some(text) = text else {
            let hint = closest(key, self.words.keys())
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return Err(tera::Error::msg(format!(
                "t(): no phrase `{key}` in the words of `{}`{hint}: add it to i18n/{}.toml",
                self.words.tag(),
                self.words.tag().language()
            )));
        };
        let mut values: Vec<(String, String)> = Vec::with_capacity(args.len());
        if let Some(n) = n {
            values.push(("n".into(), self.words.number(n)));
        }
        for (name, value) in args {
            if name == "key" || name == "n" || name == "form" {
                continue;
            }
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            let text = if name.ends_with("_html") {
                text
            } else {
                escape(&text)
            };
            values.push((name.clone(), text));
        }
        let pairs: Vec<(&str, &str)> = values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Ok(Value::String(fill(&escape(text), &pairs)))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// `picture(image=…, alt="…", sizes="…", class="…", hero=false)`: a
/// processed image (an `image`/`photo` of the page data, or an image
/// argument of a shortcode) as `<picture>` markup.
struct PictureFunction;

impl tera::Function for PictureFunction {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let image = args.get("image").filter(|v| !v.is_null()).ok_or_else(|| {
            tera::Error::msg("picture() needs image=… (a processed image, like article.image)")
        })?;
        let picture: Picture = serde_json::from_value(image.clone()).map_err(|_| {
            tera::Error::msg("picture(image=…) takes a processed image (article.image, person.photo, or a shortcode's image argument), not a path: use resize_image(path=…) for a path")
        })?;
        let text = |name: &str| args.get(name).and_then(Value::as_str);
        let alt = text("alt").unwrap_or_default();
        let opts = ImgOptions {
            sizes: text("sizes").unwrap_or(crate::images::html::PROSE_SIZES),
            hero: args.get("hero").and_then(Value::as_bool).unwrap_or(false),
            class: text("class"),
            title: None,
        };
        Ok(Value::String(picture.to_html(alt, opts)))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// `resize_image(path="/images/room.jpg", width=600, height=400, op="fill",
/// format="webp")`, Zola's function: one processed image, as `url`,
/// `width`, `height`, `orig_width`, `orig_height`.
fn resize_image(images: &Library, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let path = args
        .get("path")
        .and_then(Value::as_str)
        .ok_or_else(|| tera::Error::msg("resize_image() needs path=\"/images/…\" (in static/)"))?;
    let size = |name: &str| -> tera::Result<Option<u32>> {
        match args.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| {
                    tera::Error::msg(format!(
                        "resize_image(): `{name}` must be a whole number of pixels"
                    ))
                }),
        }
    };
    let op = args.get("op").and_then(Value::as_str).unwrap_or("fill");
    let fit = Fit::parse(op).ok_or_else(|| {
        tera::Error::msg(format!(
            "resize_image(): unknown op `{op}`: use fit_width, fit_height, fit, fill or scale"
        ))
    })?;
    let format = match args.get("format").and_then(Value::as_str) {
        None | Some("auto") => None,
        Some(name) => Some(Format::parse(name).ok_or_else(|| {
            tera::Error::msg(format!(
                "resize_image(): unknown format `{name}`: use webp, jpeg, png or avif"
            ))
        })?),
    };
    let resized = images
        .resize(path, size("width")?, size("height")?, fit, format)
        .map_err(|d| match &d.help {
            Some(help) => tera::Error::msg(format!("{}: {help}", d.message)),
            None => tera::Error::msg(d.message),
        })?;
    serde_json::to_value(resized).map_err(tera::Error::json)
}

/// Variables every template receives as `site`.
fn site_globals(site: &Site) -> Value {
    let c = &site.config.site;
    let base = &site.config.base;
    let link = |segments: &[&str]| base.link(&UrlPath::page(segments));
    let w = &site.words;
    let mut nav = vec![Link {
        title: w.t("nav.blog", &[]),
        url: link(&["blog"]),
    }];
    let content = &site.content;
    if crate::pages::has_finder(site) {
        nav.push(Link {
            title: w.t("nav.pain", &[]),
            url: link(&["pain"]),
        });
    }
    if !content.muscles.is_empty() {
        nav.push(Link {
            title: w.t("nav.muscles", &[]),
            url: link(&["muscles"]),
        });
    }
    if !content.techniques.is_empty() {
        nav.push(Link {
            title: w.t("nav.techniques", &[]),
            url: link(&["techniques"]),
        });
    }
    if !content.faq_topics.is_empty() {
        nav.push(Link {
            title: w.t("nav.faq", &[]),
            url: link(&["faq"]),
        });
    }
    let mut menu: Vec<(i64, Link)> = content
        .pages
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.meta.menu_order.map(|order| {
                (
                    order,
                    Link {
                        title: p.meta.title.clone(),
                        url: site.link(crate::graph::Target::Page(i)),
                    },
                )
            })
        })
        .collect();
    menu.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.title.cmp(&b.1.title)));
    json!({
        "title": c.title,
        "description": c.description,
        "language": site.words.tag(),
        "base_url": base.absolute(&UrlPath::page(&[])),
        "base_path": base.path,
        "home_url": link(&[]),
        "studio": c.studio,
        "nav": nav,
        "menu": menu.into_iter().map(|(_, l)| l).collect::<Vec<_>>(),
        "disclaimer_html": &*site.markdown.disclaimer.html,
        "search_enabled": c.search.enabled,
        // One search bundle for every language, at the site's root.
        "search_bundle": format!("{}/{}/", site.language.root_path, crate::search::BUNDLE_DIR),
        "services_url": if content.services.is_empty() { None } else { Some(link(&["services"])) },
        "people_url": if content.people.is_empty() { None } else { Some(link(&["people"])) },
        "feed_url": if c.blog.feed { Some(base.link(&UrlPath::file("atom.xml"))) } else { None },
        "extra": c.extra,
        "generator": concat!("Knotwork ", env!("CARGO_PKG_VERSION")),
    })
}

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
        let tera = tera(templates, &theme, site, assets, diags)?;
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

/// A Tera error as a diagnostic located in the template file.
fn template_error(e: &tera::Error, theme: &Theme) -> Diagnostic {
    let mut chain = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    let full = chain.join("\n");
    // Tera names the template in quotes: "Failed to parse 'x.html'".
    let name = chain
        .iter()
        .find_map(|m| {
            m.split('\'')
                .nth(1)
                .filter(|n| theme.templates.contains_key(*n))
        })
        .map(str::to_string);
    let summary = chain
        .iter()
        .rev()
        .map(|m| {
            m.lines()
                .find(|l| l.trim_start().starts_with("= "))
                .map(|l| l.trim_start()[2..].to_string())
                .unwrap_or_else(|| m.lines().next().unwrap_or("").to_string())
        })
        .find(|m| !m.trim().is_empty())
        .unwrap_or_else(|| full.clone());
    let mut d = Diagnostic::error(format!("template error: {summary}"));
    if let Some(name) = name {
        let template = &theme.templates[&name];
        d = d.at(locate_in_template(&full, &template.text, &template.path));
    }
    d
}

/// The line Tera names (` --> 3:5`), else the first line mentioning a
/// name the message puts in backticks, else just the file.
fn locate_in_template(message: &str, text: &str, path: &Path) -> Location {
    if let Some(pos) = message.split("--> ").nth(1) {
        let mut nums = pos
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty());
        if let (Some(Ok(line)), Some(Ok(col))) = (
            nums.next().map(str::parse::<usize>),
            nums.next().map(str::parse::<usize>),
        ) {
            let line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
            return Location::with_line(path, line, col, line_text);
        }
    }
    // Names in backticks, in order: a macro call's error names the macro
    // (`m::article_card`) before the variable inside it.
    for var in message.split('`').skip(1).step_by(2) {
        for (i, line) in text.lines().enumerate() {
            if let Some(col) = line.find(var) {
                let mut loc =
                    Location::with_line(path, i + 1, line[..col].chars().count() + 1, line);
                loc.width = var.chars().count();
                return loc;
            }
        }
    }
    Location::file(path)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let default_theme = include_str!("../themes/default/templates/macros.html");
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
