//! A [`Picture`] as HTML: `<picture>` with a `<source>` per preferred format
//! and the `<img>` that carries size, alt text and loading hints. Templates
//! do the same with the theme's `picture` macro.

use super::Picture;

/// The `sizes` of an image in the text column of the default theme (46rem
/// wide at most, the viewport less the page margins below that).
pub const PROSE_SIZES: &str = "(min-width: 50rem) 46rem, calc(100vw - 2.5rem)";

#[derive(Debug, Clone, Copy)]
pub struct ImgOptions<'a> {
    pub sizes: &'a str,
    /// The page's main image: loaded at once, with high priority, instead
    /// of lazily.
    pub hero: bool,
    pub class: Option<&'a str>,
    /// The `title` attribute (a Markdown image's title where it cannot be
    /// a caption).
    pub title: Option<&'a str>,
}

impl Default for ImgOptions<'_> {
    fn default() -> Self {
        ImgOptions {
            sizes: PROSE_SIZES,
            hero: false,
            class: None,
            title: None,
        }
    }
}

impl Picture {
    pub fn to_html(&self, alt: &str, opts: ImgOptions<'_>) -> String {
        let mut img = format!("<img src=\"{}\"", attr(&self.src));
        if !self.srcset.is_empty() {
            img += &format!(
                " srcset=\"{}\" sizes=\"{}\"",
                attr(&self.srcset),
                attr(opts.sizes)
            );
        }
        if self.width > 0 && self.height > 0 {
            img += &format!(" width=\"{}\" height=\"{}\"", self.width, self.height);
        }
        img += &format!(" alt=\"{}\"", attr(alt));
        if let Some(title) = opts.title {
            img += &format!(" title=\"{}\"", attr(title));
        }
        if let Some(class) = opts.class {
            img += &format!(" class=\"{}\"", attr(class));
        }
        img += if opts.hero {
            " fetchpriority=\"high\" decoding=\"async\">"
        } else {
            " loading=\"lazy\" decoding=\"async\">"
        };
        if self.sources.is_empty() {
            return img;
        }
        let mut out = String::from("<picture>");
        for s in &self.sources {
            out += &format!(
                "<source type=\"{}\" srcset=\"{}\" sizes=\"{}\">",
                s.mime,
                attr(&s.srcset),
                attr(opts.sizes)
            );
        }
        out += &img;
        out += "</picture>";
        out
    }
}

fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html(&mut out, s).ok();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::PictureSource;

    #[test]
    fn picture_with_a_preferred_format() {
        let p = Picture {
            src: "/img/a-960.x.jpg".into(),
            srcset: "/img/a-480.x.jpg 480w, /img/a-960.x.jpg 960w".into(),
            width: 960,
            height: 720,
            sources: vec![PictureSource {
                mime: "image/webp".into(),
                srcset: "/img/a-480.x.webp 480w".into(),
            }],
        };
        let html = p.to_html("A \"room\"", ImgOptions::default());
        assert!(
            html.starts_with("<picture><source type=\"image/webp\""),
            "{html}"
        );
        assert!(
            html.contains("width=\"960\" height=\"720\" alt=\"A &quot;room&quot;\""),
            "{html}"
        );
        assert!(html.contains("loading=\"lazy\""));
        let hero = p.to_html(
            "x",
            ImgOptions {
                hero: true,
                ..Default::default()
            },
        );
        assert!(hero.contains("fetchpriority=\"high\"") && !hero.contains("lazy"));
    }
}
