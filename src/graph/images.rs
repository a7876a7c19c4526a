//! The images front matter and data files name: an article's or page's
//! `image`, a service's `image`, a person's `photo`. Each is found and
//! checked here, while linking, so that a missing or broken file is
//! reported at the line that names it; the pages then show the processed
//! versions.

use std::path::Path;

use toml::Spanned;

use crate::content::{Content, Document};
use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use crate::images::{Library, Picture, Resized};

/// A page's main image: the responsive picture and the 1200×630 crop that
/// link previews and structured data show.
#[derive(Debug, Clone)]
pub struct Hero {
    pub picture: Picture,
    pub sharing: Resized,
}

/// The processed front-matter images, parallel to the content lists.
#[derive(Debug, Default)]
pub struct FrontImages {
    pub articles: Vec<Option<Hero>>,
    pub pages: Vec<Option<Hero>>,
    pub services: Vec<Option<Hero>>,
    pub people: Vec<Option<Picture>>,
}

pub(super) fn resolve(content: &Content, images: &Library, diags: &mut Diagnostics) -> FrontImages {
    let hero = |src: &str, from: &Path| {
        Ok(Hero {
            picture: images.picture(src, from)?,
            sharing: images.sharing(src, from)?,
        })
    };
    let photo = |src: &str, from: &Path| images.picture(src, from);
    let docs = |docs: &[Document], diags: &mut Diagnostics| -> Vec<Option<Hero>> {
        docs.iter()
            .map(|d| at_its_line(&d.source, &d.meta.image, d.front_matter.start, diags, hero))
            .collect()
    };
    FrontImages {
        articles: docs(&content.articles, diags),
        pages: docs(&content.pages, diags),
        services: content
            .services
            .iter()
            .map(|s| at_its_line(&s.source, &s.data.image, 0, diags, hero))
            .collect(),
        people: content
            .people
            .iter()
            .map(|p| at_its_line(&p.source, &p.data.photo, 0, diags, photo))
            .collect(),
    }
}

/// `find` applied to an image path written in `source` (at `offset` plus
/// its span); a problem is reported at that place.
fn at_its_line<T>(
    source: &Source,
    image: &Option<Spanned<String>>,
    offset: usize,
    diags: &mut Diagnostics,
    find: impl Fn(&str, &Path) -> Result<T, Diagnostic>,
) -> Option<T> {
    let image = image.as_ref()?;
    find(image.get_ref(), &source.path)
        .map_err(|d| {
            let span = image.span();
            diags.push(d.at(source.locate(offset + span.start..offset + span.end)));
        })
        .ok()
}
