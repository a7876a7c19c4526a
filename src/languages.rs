//! A multilingual site (`[languages.<lang>]` in site.toml): once the
//! default language is linked and planned, each other language gets its
//! own linked copy of the site, made from the content with that language's
//! translations laid over it, and planned into `/<lang>/`. Then every page
//! learns its translations: `hreflang` alternates, the language switcher,
//! and the sitemap's alternates.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

use std::sync::Arc;

use crate::config::{BaseUrl, Config};
use crate::content::translations::{self, Presence, TranslationFile};
use crate::content::Content;
use crate::diagnostics::Diagnostics;
use crate::graph::{self, LanguageView, Site};
use crate::i18n::{self, LanguageTag, Words};
use crate::ids::UrlPath;
use crate::pages::{self, PagePlan};
use crate::render::Renderer;

/// Another language of the site, loaded with the default one: its words
/// and the content with its translations laid over. Loading every
/// language up front reports all of a build's problems at once.
pub(crate) struct LoadedLanguage {
    tag: LanguageTag,
    /// `None` when the language has no words (an error, reported).
    words: Option<Arc<Words>>,
    content: Content,
    presence: Presence,
}

/// Loads the site's other languages (none for a site in one language).
pub(crate) fn load_others(
    config: &Config,
    content: &Content,
    translations: &[TranslationFile],
    diags: &mut Diagnostics,
) -> Vec<LoadedLanguage> {
    config
        .other_languages
        .iter()
        .map(|tag| {
            let at = config.language_header(tag);
            let words = i18n::load(&config.root, &config.site.theme, tag, at, diags);
            let (content, presence) = translations::localize(content, tag, translations, diags);
            LoadedLanguage {
                tag: tag.clone(),
                words,
                content,
                presence,
            }
        })
        .collect()
}

/// The other languages of the site, linked and planned; their plans carry
/// their language's index in `renderer`.
pub(crate) fn plan_others(
    default: &Site,
    languages: Vec<LoadedLanguage>,
    translations: &[TranslationFile],
    renderer: &mut Renderer,
    diags: &mut Diagnostics,
) -> Vec<(Site, Vec<PagePlan>)> {
    let mut out = Vec::new();
    for language in languages {
        let tag = language.tag.clone();
        let mut own = Diagnostics::new();
        let Some(mut site) = link_language(default, language, translations, &mut own) else {
            continue;
        };
        let index = renderer.add_language(&site);
        pages::shortcodes::expand_site(
            &mut site,
            &|name, context| renderer.render_shortcode(index, name, context),
            &mut own,
        );
        renderer.refresh_globals(index, &site);
        let plans = plan_language(&site, index, &mut own);
        keep_own_problems(own, &tag, diags);
        out.push((site, plans));
    }
    out
}

/// The site linked in a language: the default's configuration with the
/// language's title, description and disclaimer, its words, and its
/// content, with the regions (now merged with the figure's) in the
/// language too.
fn link_language(
    default: &Site,
    language: LoadedLanguage,
    translations: &[TranslationFile],
    diags: &mut Diagnostics,
) -> Option<Site> {
    let LoadedLanguage {
        tag,
        words,
        mut content,
        presence,
    } = language;
    let words = words?;
    let config = language_config(&default.config, &tag);
    content.regions = regions_in(default, &config, &tag, translations);
    let view = LanguageView {
        dir: Some(tag.as_str().to_string()),
        tag,
        root_path: default.config.base.path.clone(),
        presence,
    };
    Some(graph::link(
        graph::Loaded {
            config,
            content,
            figure: default.figure.clone(),
            shortcodes: default.shortcodes.clone(),
            images: default.images.clone(),
            words,
            language: Some(view),
        },
        diags,
    ))
}

/// Every page of `site`, the language at `index` of the renderer.
pub(crate) fn plan_language(site: &Site, index: usize, diags: &mut Diagnostics) -> Vec<PagePlan> {
    let mut plans = pages::plan(site, diags);
    mark_plans(site, index, &mut plans);
    plans
}

/// The regions of the `default` language's site (merged with the
/// figure's) in the language `tag`, whose configuration is `config`.
pub(crate) fn regions_in(
    default: &Site,
    config: &Config,
    tag: &LanguageTag,
    translations: &[TranslationFile],
) -> Vec<crate::content::data::Region> {
    let mut regions = default.content.regions.clone();
    translations::localize_regions(config, &mut regions, tag, translations);
    regions
}

/// The configuration as the language sees it: its own folder under the
/// base path, its own title, description and disclaimer where set.
fn language_config(default: &Config, tag: &LanguageTag) -> Config {
    let mut config = default.clone();
    config.base = BaseUrl {
        origin: default.base.origin.clone(),
        path: format!("{}/{}", default.base.path, tag),
    };
    config.language = tag.clone();
    if let Some(settings) = default.site.languages.get(tag.as_str()) {
        if let Some(title) = &settings.title {
            config.site.title = title.clone();
        }
        if let Some(description) = &settings.description {
            config.site.description = description.clone();
        }
        if let Some(disclaimer) = &settings.disclaimer {
            config.site.disclaimer.text = disclaimer.clone();
        }
    }
    config.site.language = tag.to_string();
    config
}

/// A language's copy of the site repeats the default language's checks;
/// its own problems are those in its translation files (a broken
/// cross-link in a translated text) and its words.
pub(crate) fn keep_own_problems(own: Diagnostics, tag: &LanguageTag, diags: &mut Diagnostics) {
    let marker = format!(".{tag}.");
    let seen: HashSet<String> = diags.iter().map(|d| d.message.clone()).collect();
    for d in own.iter() {
        let in_translation = d.location.as_ref().is_none_or(|l| {
            let file = l.file.to_string_lossy();
            file.contains(&marker) || file.contains("i18n")
        });
        if in_translation && !seen.contains(&d.message) {
            diags.push(d.clone());
        }
    }
}

/// Every language of a page: for the switcher (every language, leading
/// to the page, or to that language's home when it has no such page) and
/// the `hreflang` alternates (the languages that have it, and
/// `x-default`). Written into each page's variables as `translations` and
/// `alternates`; the sitemap gets the same alternates. Returns what each
/// language has, for pages planned again later on their own (`None` for
/// a site in one language).
pub(crate) fn link_translations(sites: &[&Site], plans: &mut [PagePlan]) -> Option<Translations> {
    let translations = Translations::of(sites, plans)?;
    for plan in plans.iter_mut() {
        translations.link(plan);
    }
    add_sitemap_alternates(&translations.languages, plans);
    Some(translations)
}

/// The pages each language of a multilingual site has: what a page's
/// switcher and alternates are made of.
pub(crate) struct Translations {
    languages: Vec<Language>,
}

impl Translations {
    /// `None` for a site in one language.
    fn of(sites: &[&Site], plans: &[PagePlan]) -> Option<Self> {
        if sites.len() < 2 {
            return None;
        }
        let languages = sites
            .iter()
            .enumerate()
            .map(|(i, site)| Language {
                tag: site.language.tag.clone(),
                name: site.words.t("language.name", &[]),
                base: site.config.base.clone(),
                pages: plans
                    .iter()
                    .filter(|p| p.language == i && is_page(p))
                    .map(|p| p.url.clone())
                    .collect(),
            })
            .collect();
        Some(Translations { languages })
    }

    /// Gives an HTML page its switcher and alternates; other plans (feeds,
    /// the sitemap) are left as they are.
    pub(crate) fn link(&self, plan: &mut PagePlan) {
        if !is_page(plan) {
            return;
        }
        let (switcher, alternates) = page_languages(&self.languages, plan);
        if let Value::Object(map) = &mut plan.context {
            map.insert("translations".into(), switcher);
            map.insert("alternates".into(), alternates);
        }
    }
}

/// Marks plans of `site`, the language at `index` of the renderer, as that
/// language's: rendered with its words, written under its folder.
pub(crate) fn mark_plans(site: &Site, index: usize, plans: &mut [PagePlan]) {
    for plan in plans {
        plan.language = index;
        plan.language_dir = site.language.dir.clone();
    }
}

struct Language {
    tag: LanguageTag,
    /// Its name in itself ("Français"), from its words.
    name: String,
    base: BaseUrl,
    pages: HashSet<UrlPath>,
}

/// HTML pages: not feeds, the sitemap or robots.txt.
fn is_page(plan: &PagePlan) -> bool {
    plan.template.ends_with(".html") && plan.template != "redirect.html"
}

fn page_languages(languages: &[Language], plan: &PagePlan) -> (Value, Value) {
    let switcher: Vec<Value> = languages
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let exists = l.pages.contains(&plan.url);
            let target = if exists {
                plan.url.clone()
            } else {
                UrlPath::page(&[])
            };
            json!({
                "code": l.tag,
                "name": l.name,
                "url": l.base.link(&target),
                "exists": exists,
                "current": i == plan.language,
            })
        })
        .collect();
    (Value::Array(switcher), alternates(languages, &plan.url))
}

/// The `hreflang` links of a page: each language that has it, and
/// `x-default` (the default language's) when more than one does.
fn alternates(languages: &[Language], url: &UrlPath) -> Value {
    let mut list: Vec<Value> = languages
        .iter()
        .filter(|l| l.pages.contains(url))
        .map(|l| json!({ "hreflang": l.tag, "href": l.base.absolute(url) }))
        .collect();
    if list.len() > 1 && languages[0].pages.contains(url) {
        list.push(json!({ "hreflang": "x-default", "href": languages[0].base.absolute(url) }));
    } else if list.len() < 2 {
        list.clear();
    }
    Value::Array(list)
}

/// The one sitemap (the default language's) lists the pages of every
/// language, each with its alternates.
fn add_sitemap_alternates(languages: &[Language], plans: &mut [PagePlan]) {
    let mut entries: Vec<Value> = Vec::new();
    let mut lastmods: HashMap<(usize, UrlPath), Option<String>> = HashMap::new();
    for plan in plans.iter().filter(|p| p.in_sitemap) {
        lastmods.insert((plan.language, plan.url.clone()), plan.lastmod.clone());
    }
    let mut keys: Vec<&(usize, UrlPath)> = lastmods.keys().collect();
    keys.sort();
    for key @ (language, url) in keys {
        entries.push(json!({
            "loc": languages[*language].base.absolute(url),
            "lastmod": lastmods[key],
            "alternates": alternates(languages, url),
        }));
    }
    if let Some(sitemap) = plans
        .iter_mut()
        .find(|p| p.language == 0 && p.url == UrlPath::file("sitemap.xml"))
    {
        sitemap.context = json!({ "urls": entries });
    }
}

/// "fr: 12 of 48 pages translated" for the build summary.
pub fn summary(site: &Site) -> (LanguageTag, usize, usize) {
    let (done, all) = site.language.presence.count();
    (site.language.tag.clone(), done, all)
}
