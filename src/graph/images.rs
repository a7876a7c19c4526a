//! The images front matter and data files name: an article's or page's
//! `image`, a service's `image`, a person's `photo`. Each is found and
//! checked here, while linking, so that a missing or broken file is
//! reported at the line that names it; the pages then show the processed
//! versions.

use std::path::Path;

use toml::Spanned;

use crate::content::Content;
use crate::diagnostics::{Diagnostics, Source};
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
    let hero = |source: &Source,
                image: &Option<Spanned<String>>,
                offset: usize,
                diags: &mut Diagnostics| {
        let image = image.as_ref()?;
        let at = || {
            let span = image.span();
            source.locate(offset + span.start..offset + span.end)
        };
        let from: &Path = &source.path;
        let found = images
            .picture(image.get_ref(), from)
            .and_then(|picture| Ok((picture, images.sharing(image.get_ref(), from)?)));
        match found {
            Ok((picture, sharing)) => Some(Hero { picture, sharing }),
            Err(d) => {
                diags.push(d.at(at()));
                None
            }
        }
    };
    let mut front = FrontImages::default();
    for doc in &content.articles {
        front.articles.push(hero(
            &doc.source,
            &doc.meta.image,
            doc.front_matter.start,
            diags,
        ));
    }
    for doc in &content.pages {
        front.pages.push(hero(
            &doc.source,
            &doc.meta.image,
            doc.front_matter.start,
            diags,
        ));
    }
    for s in &content.services {
        front
            .services
            .push(hero(&s.source, &s.data.image, 0, diags));
    }
    for p in &content.people {
        let photo = p.data.photo.as_ref().and_then(|photo| {
            match images.picture(photo.get_ref(), &p.source.path) {
                Ok(picture) => Some(picture),
                Err(d) => {
                    diags.push(d.at(p.source.locate(photo.span())));
                    None
                }
            }
        });
        front.people.push(photo);
    }
    front
}
