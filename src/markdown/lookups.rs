//! What a rendered text asked of the rest of the site: every cross-link it
//! resolved, citation key it checked and image it looked up, with the
//! answer it got. Its HTML depends on nothing else but its own text and the
//! rendering options, so a text rendered by an earlier build may be used
//! again while every lookup still gets the same answer (see
//! `graph::body_cache`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::LinkResolver;
use crate::diagnostics::Diagnostic;
use crate::ids::Target;
use crate::images::{Library, Picture};

/// One question a text asked while it was rendered, with the answer that
/// went into its HTML. Only answers that were not errors are recorded: a
/// text with problems is never used again (its diagnostics must be shown
/// on every build).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lookup {
    /// `@kind/id` (or a shortcode's entity argument) resolved to `url`.
    Link {
        kind: String,
        id: String,
        url: String,
        target: Target,
    },
    /// `[@key]` named a source of the bibliography.
    Citation(String),
    /// An image `src` written in the file `from`, and how it is shown.
    Picture {
        src: String,
        from: PathBuf,
        picture: Picture,
    },
}

impl Lookup {
    /// Whether asking again gets the same answer. Asking an image again
    /// registers it for this build, as rendering the text would have.
    pub fn holds(&self, resolver: &dyn LinkResolver, images: &Library) -> bool {
        match self {
            Lookup::Link {
                kind,
                id,
                url,
                target,
            } => resolver
                .resolve(kind, id)
                .is_ok_and(|(u, t)| &u == url && t == *target),
            Lookup::Citation(key) => resolver.check_citation(key).is_ok(),
            Lookup::Picture { src, from, picture } => {
                images.picture(src, from).is_ok_and(|p| &p == picture)
            }
        }
    }
}

/// A resolver that writes down every answer it passes on.
pub(super) struct Recording<'a> {
    inner: &'a dyn LinkResolver,
    lookups: Mutex<Vec<Lookup>>,
}

impl<'a> Recording<'a> {
    pub(super) fn new(inner: &'a dyn LinkResolver) -> Self {
        Recording {
            inner,
            lookups: Mutex::new(Vec::new()),
        }
    }

    pub(super) fn into_lookups(self) -> Vec<Lookup> {
        self.lookups.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, lookup: Lookup) {
        self.lookups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(lookup);
    }
}

impl LinkResolver for Recording<'_> {
    fn resolve(&self, kind: &str, id: &str) -> Result<(String, Target), Diagnostic> {
        let answer = self.inner.resolve(kind, id)?;
        self.record(Lookup::Link {
            kind: kind.to_string(),
            id: id.to_string(),
            url: answer.0.clone(),
            target: answer.1,
        });
        Ok(answer)
    }

    fn check_citation(&self, key: &str) -> Result<(), Diagnostic> {
        self.inner.check_citation(key)?;
        self.record(Lookup::Citation(key.to_string()));
        Ok(())
    }

    fn picture(&self, images: &Library, src: &str, from: &Path) -> Result<Picture, Diagnostic> {
        let picture = self.inner.picture(images, src, from)?;
        self.record(Lookup::Picture {
            src: src.to_string(),
            from: from.to_path_buf(),
            picture: picture.clone(),
        });
        Ok(picture)
    }
}
