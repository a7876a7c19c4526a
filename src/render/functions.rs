//! What templates can call and read besides a page's own values: `url()`,
//! `t()`, `picture()`, `resize_image()`, and the site-wide variables.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};
use tera::Tera;

use crate::diagnostics::closest;
use crate::graph::Site;
use crate::html::escape;
use crate::i18n::{fill, Words};
use crate::ids::UrlPath;
use crate::images::{Fit, Format, ImgOptions, Library, Picture};
use crate::pages::Link;

/// The functions whose answer depends on the page's language: `url()`
/// (within the language's folder) and `t()` (its words).
pub(super) fn register_language_functions(tera: &mut Tera, site: &Site) {
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
pub(super) struct Translate {
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
pub(super) struct PictureFunction;

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
pub(super) fn resize_image(images: &Library, args: &HashMap<String, Value>) -> tera::Result<Value> {
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
pub(super) fn site_globals(site: &Site) -> Value {
    let c = &site.config.site;
    let base = &site.config.base;
    let link = |segments: &[&str]| base.link(&UrlPath::page(segments));
    let w = &site.words;
    let content = &site.content;
    // The blog always; a section only when the site has something in it.
    let sections = [
        ("nav.blog", "blog", true),
        ("nav.pain", "pain", crate::pages::has_finder(site)),
        ("nav.muscles", "muscles", !content.muscles.is_empty()),
        (
            "nav.techniques",
            "techniques",
            !content.techniques.is_empty(),
        ),
        ("nav.faq", "faq", !content.faq_topics.is_empty()),
    ];
    let nav: Vec<Link> = sections
        .into_iter()
        .filter(|&(_, _, shown)| shown)
        .map(|(key, folder, _)| Link {
            title: w.t(key, &[]),
            url: link(&[folder]),
        })
        .collect();
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
