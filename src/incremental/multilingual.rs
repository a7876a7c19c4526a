//! The languages path (`multilingual`): on a multilingual site, the edits that the data and
//! re-plan paths take on a site in one language (data files, one
//! document's front matter or cross-links), and the same edits of
//! translation files (`content/muscles/<id>.fr.toml`,
//! `content/blog/<stem>.fr.md`).
//!
//! Nothing but the edited files is read again. Each language is linked
//! again from the state's content, the translations laid over the
//! default language's as a clean build does, keeping every body the edit
//! leaves as it was (so the linking takes milliseconds, not seconds). The
//! open page is shown as soon as the languages are linked
//! ([`super::open_first`]). Then every page of every language is planned
//! again with its translations' links, as a clean build plans them, and
//! rendered when its fingerprint changed; when only translations were
//! edited, the default language's pages keep their records. Planning every page is what the
//! data and re-plan paths avoid on a site in one language; doing it here
//! keeps the translations' links (the language switcher, `hreflang`, the
//! sitemap's alternates) right without following them page by page.
//!
//! Whatever it cannot vouch for gives way to the site path: a file added
//! or deleted (a new translation is a new file), an id added, removed or
//! moved, a document's new URL or date, a translation made a draft or
//! published (which changes the pages a language has), errors, a change
//! of the site-wide variables or of the images the site shows, two pages
//! at one URL.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::data::{relink, render_again, same_entity_ids, same_region_ids};
use super::replan::{data_of, put_document, reload_in_place};
use super::{
    document_at, globals_unchanged, record, DocAt, OpenFirst, PageRecord, PageRecords, RebuildPath,
    Rebuilt, State,
};
use crate::content::translations::{self as translated, TranslationFile};
use crate::content::{self, Content, DocKind, Document};
use crate::diagnostics::Diagnostics;
use crate::graph::{Site, Target};
use crate::i18n::LanguageTag;
use crate::markdown::Rendered;
use crate::pages;
use crate::{languages, BuildFailure, StageTimer};

/// An edit the languages path may take.
#[derive(Clone, Copy)]
pub(super) enum Edit<'a> {
    /// Data files only (absolute paths), originals or translations.
    Data(&'a [PathBuf]),
    /// The file of one document, in the language that has its page: an
    /// original (language 0) or a translation.
    Document(DocAt),
}

impl State {
    /// The languages path; `None` when the edit reaches further (the
    /// caller then takes the site path). It may leave the state's sites
    /// without their articles, as the data path may.
    pub(super) fn rebuild_languages(
        &mut self,
        edit: Edit,
        open: Option<&mut OpenFirst>,
    ) -> Option<Result<Rebuilt, BuildFailure>> {
        let mut timer = StageTimer::start();
        let root = self.site.config.root.clone();
        let changed: Vec<PathBuf> = match edit {
            Edit::Data(files) => files.to_vec(),
            Edit::Document(at) => {
                let (doc, _) = document_at(self.site_in(at.language), at.kind, at.index)?;
                vec![root.join(&doc.source.path)]
            }
        };
        let mut files = self.translation_files.clone();
        let mut originals: HashSet<PathBuf> = HashSet::new();
        for path in &changed {
            let rel = path.strip_prefix(&root).ok()?;
            if translated::is_translation(rel) {
                reread_translation(&mut files, &root, rel)?;
            } else {
                originals.insert(rel.to_path_buf());
            }
        }
        timer.lap("load");

        let mut diags = Diagnostics::new();
        let images_before = self.site.images.output_paths();
        let (default, data) = self.relink_default(edit, &originals, &mut diags)?;
        // The default language shows no image the site did not show (the
        // other languages, linked below, may show more of them).
        let shown_before: HashSet<&String> = images_before.iter().collect();
        let known_images = || {
            let now = default.images.output_paths();
            now.iter().all(|path| shown_before.contains(path))
        };
        if diags.has_errors()
            || !known_images()
            || !globals_unchanged(&mut self.renderer, 0, &default)
        {
            return None;
        }
        timer.lap("link");
        // With no translation edited, every language keeps its pages, and
        // so the default language's pages their translations' links: its
        // open pages need not wait for the other languages.
        let mut open = open;
        let translation_edited = originals.len() < changed.len();
        if !translation_edited {
            self.show_open_first(&[Some(&default)], open.as_deref_mut());
            timer.lap("open pages");
        }
        let mut others = Vec::with_capacity(self.others.len());
        for k in 1..=self.others.len() {
            others.push(self.relink_other((&default, &data), k, edit, &files, &mut diags)?);
        }
        timer.lap("link languages");
        if diags.has_errors() || default.images.output_paths() != images_before {
            return None;
        }
        for (k, site) in others.iter().enumerate() {
            if !globals_unchanged(&mut self.renderer, k + 1, site) {
                return None;
            }
        }
        timer.lap("check");
        let sites: Vec<&Site> = std::iter::once(&default).chain(&others).collect();
        let shown: Vec<Option<&Site>> = sites
            .iter()
            .enumerate()
            .map(|(k, &site)| (k > 0 || translation_edited).then_some(site))
            .collect();
        self.show_open_first(&shown, open);
        timer.lap("open pages");

        // Translations alone leave the default language's pages as they
        // were: a translation sets only text of its own language, and
        // every language keeps its pages (checked above), so the default
        // language's switchers, alternates and sitemap stay the same.
        let default_kept = originals.is_empty();
        let mut plans = if default_kept {
            Vec::new()
        } else {
            pages::plan(&default, &mut diags)
        };
        for (k, site) in others.iter().enumerate() {
            let mut own = Diagnostics::new();
            plans.extend(languages::plan_language(site, k + 1, &mut own));
            languages::keep_own_problems(own, &site.language.tag, &mut diags);
        }
        let translations = match self.translations.take() {
            Some(kept) if default_kept => {
                plans.iter_mut().for_each(|plan| kept.link(plan));
                Some(kept)
            }
            _ => languages::link_translations(&sites, &mut plans),
        };
        timer.lap("plan");
        let mut records: Vec<PageRecord> = Vec::new();
        if default_kept {
            let default_pages = self.pages.pages.iter().filter(|r| r.language == 0);
            records.extend(default_pages.cloned());
        }
        records.par_extend(plans.par_iter().map(record));
        let records = PageRecords::new(records);
        timer.lap("records");
        if diags.has_errors() || !records.has_unique_paths() {
            return None;
        }
        super::drop_later(std::mem::replace(&mut self.site, default));
        super::drop_later(std::mem::replace(&mut self.others, others));
        self.translations = translations;
        self.translation_files = files;
        Some(self.render_replanned(plans, records, diags, RebuildPath::Languages))
    }

    /// The default language's site linked again after `edit`, of which
    /// `originals` (paths under the root) are the files in the default
    /// language, and its data as loaded (no articles or pages, regions
    /// not merged); `None` when an id or a document's place changed.
    fn relink_default(
        &mut self,
        edit: Edit,
        originals: &HashSet<PathBuf>,
        diags: &mut Diagnostics,
    ) -> Option<(Site, Content)> {
        let mut same_tags = true;
        let mut edited = None;
        let data = match edit {
            Edit::Data(_) if !originals.is_empty() => {
                let earlier = content::Earlier {
                    content: &self.site.content,
                    changed: originals,
                };
                let theme_regions = self.site.content.theme_regions.clone();
                let config = &self.site.config;
                let loaded = content::load_data_with(config, theme_regions, Some(earlier), diags);
                if diags.has_errors() || !same_entity_ids(&self.site.content, &loaded) {
                    return None;
                }
                loaded
            }
            _ => data_of(&mut self.site.content),
        };
        match edit {
            Edit::Data(_) => {}
            Edit::Document(at) if at.language == 0 => {
                let new_doc = reload_in_place(&self.site, at.kind, at.index)?;
                let (old_doc, _) = document_at(&self.site, at.kind, at.index)?;
                same_tags = new_doc.meta.tags == old_doc.meta.tags;
                put_document(&mut self.site.content, at.kind, at.index, new_doc);
                edited = Some((at.kind, at.index));
            }
            Edit::Document(_) => {}
        }
        let target = edited.map(|(kind, i)| match kind {
            DocKind::Article => Target::Article(i),
            DocKind::Page => Target::Page(i),
        });
        let url_before = target.map(|t| self.site.link(t));
        let (again_articles, again_pages) = again(&self.site.markdown, edited);
        let site = self.link_again(
            data.clone(),
            &again_articles,
            &again_pages,
            same_tags,
            diags,
        );
        let moved = target.map(|t| site.link(t)) != url_before;
        (!moved && same_region_ids(&self.site.content, &site.content)).then_some((site, data))
    }

    /// The site in the language at renderer index `k` linked again after
    /// `edit`, from the `default` language's site linked again and its
    /// data as loaded, and the translation `files`; `None` when the pages
    /// the language has changed, or the edited translation has errors
    /// (the site path reports them).
    fn relink_other(
        &mut self,
        (default, data): (&Site, &Content),
        k: usize,
        edit: Edit,
        files: &[TranslationFile],
        diags: &mut Diagnostics,
    ) -> Option<Site> {
        let old = &mut self.others[k - 1];
        let tag = old.language.tag.clone();
        let mut own = Diagnostics::new();
        // The data in the language, as a clean build lays it over...
        let data_files: Vec<TranslationFile> =
            files.iter().filter(|f| !f.is_document()).cloned().collect();
        let (mut content, mut presence) = translated::localize(data, &tag, &data_files, &mut own);
        // ...and the documents as the language had them (no other file
        // was read), the edited one laid over its original again.
        content.articles = std::mem::take(&mut old.content.articles);
        content.pages = std::mem::take(&mut old.content.pages);
        presence.articles = old.language.presence.articles.clone();
        presence.pages = old.language.presence.pages.clone();
        let edited = match edit {
            Edit::Document(at) if at.language == 0 || at.language == k => Some((at.kind, at.index)),
            _ => None,
        };
        if let Some((kind, i)) = edited {
            let (doc, present) = document_in(default, kind, i, &tag, files)?;
            put_document(&mut content, kind, i, doc);
            match kind {
                DocKind::Article => presence.articles[i] = present,
                DocKind::Page => presence.pages[i] = present,
            }
        }
        if presence != old.language.presence {
            return None;
        }
        content.regions = languages::regions_in(default, &old.config, &tag, files);
        let (again_articles, again_pages) = again(&old.markdown, edited);
        // A data edit leaves every document, and so its tags, as it was.
        let same_tags = matches!(edit, Edit::Data(_));
        let images = default.images.clone();
        let mut site = relink(
            old,
            content,
            images,
            &again_articles,
            &again_pages,
            same_tags,
            &mut own,
        );
        self.expand_shortcodes(k, &mut site, &mut own);
        languages::keep_own_problems(own, &tag, diags);
        Some(site)
    }
}

/// Document `i` of `kind` of the `default` language's site in the
/// language `tag`: its translation among `files` laid over it, and
/// whether the language has its page (a translation that is not a
/// draft). `None` when the translation has errors.
fn document_in(
    default: &Site,
    kind: DocKind,
    i: usize,
    tag: &LanguageTag,
    files: &[TranslationFile],
) -> Option<(Document, bool)> {
    let (original, _) = document_at(default, kind, i)?;
    let translated_kind = match kind {
        DocKind::Article => translated::Kind::Article,
        DocKind::Page => translated::Kind::Page,
    };
    // As when localizing: the last file for the document wins.
    let translation = files
        .iter()
        .rfind(|f| f.kind == translated_kind && &f.language == tag && f.original == original.stem);
    let Some(file) = translation else {
        return Some((original.clone(), false));
    };
    match translated::translated_document(original, tag, translated_kind, file.source.clone()) {
        Ok(Some(doc)) => Some((doc, true)),
        // A draft: the language shows the original.
        Ok(None) => Some((original.clone(), false)),
        Err(_) => None,
    }
}

/// Reads the translation at `rel` (under `root`) again into its place in
/// `files`; `None` when the site had no such translation (a new file: the
/// site path adds it) or it cannot be read.
fn reread_translation(files: &mut [TranslationFile], root: &Path, rel: &Path) -> Option<()> {
    let file = files.iter_mut().find(|f| f.source.path == rel)?;
    file.source = content::read_source(root, &root.join(rel)).ok()?;
    Some(())
}

/// Which bodies of a site's `markdown` to render again: those calling
/// shortcodes, and the `edited` document's.
fn again(
    markdown: &crate::graph::RenderedMarkdown,
    edited: Option<(DocKind, usize)>,
) -> (Vec<bool>, Vec<bool>) {
    let flags = |bodies: &[Rendered], kind: DocKind| -> Vec<bool> {
        bodies
            .iter()
            .enumerate()
            .map(|(j, body)| edited == Some((kind, j)) || render_again(body))
            .collect()
    };
    (
        flags(&markdown.articles, DocKind::Article),
        flags(&markdown.pages, DocKind::Page),
    )
}
