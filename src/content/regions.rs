//! Body regions: the theme names the regions its figure draws
//! (`themes/<theme>/regions.toml`, built into the binary for the default
//! theme), and a site's optional `content/regions.toml` adds regions or
//! changes the theme's (`name`, `red_flags`, `near`) by id.
//!
//! Loading reads both lists as written ([`RegionList`]); [`merge`] turns
//! them into the site's regions once the figure in use is known, because a
//! region the figure does not draw is not the site's even if the theme names
//! it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use toml::Spanned;

use super::data::{Region, RegionData, RegionEntry, RegionsFile, View};
use super::read_source;
use crate::diagnostics::{Diagnostic, Diagnostics, Source};
use crate::i18n::LanguageTag;
use crate::ids::Id;
use crate::toml_file;

/// The region names of the default theme's figure.
pub const DEFAULT_THEME_REGIONS: &str = include_str!("../../themes/default/regions.toml");

/// One `regions.toml` as written, with the file it came from.
#[derive(Debug, Clone)]
pub struct RegionList {
    pub source: Arc<Source>,
    pub entries: Vec<RegionEntry>,
}

/// The theme's list: `themes/<theme>/regions.toml` when the site has that
/// folder and file, else the built-in theme's.
pub fn load_theme_list(root: &Path, theme: &str, diags: &mut Diagnostics) -> Option<RegionList> {
    let path = root.join("themes").join(theme).join("regions.toml");
    if path.is_file() {
        return load_list(root, &path, diags);
    }
    let source = Source::new(
        "(built-in theme)/regions.toml",
        DEFAULT_THEME_REGIONS.to_string(),
    );
    parse_list(source, diags)
}

/// The theme's region names in language `tag` (`themes/<theme>/regions.<lang>.toml`,
/// else the built-in theme's for German, French and Spanish), trying the
/// whole tag and then its language (`fr-CA`, then `fr`).
pub fn theme_names(root: &Path, theme: &str, tag: &LanguageTag) -> Option<Arc<Source>> {
    for name in tag.fallbacks().into_iter().rev() {
        let path = root
            .join("themes")
            .join(theme)
            .join(format!("regions.{name}.toml"));
        if path.is_file() {
            return read_source(root, &path).ok();
        }
        let builtin = match name {
            "de" => include_str!("../../themes/default/regions.de.toml"),
            "fr" => include_str!("../../themes/default/regions.fr.toml"),
            "es" => include_str!("../../themes/default/regions.es.toml"),
            _ => continue,
        };
        return Some(Source::new(
            format!("(built-in theme)/regions.{name}.toml"),
            builtin.to_string(),
        ));
    }
    None
}

/// The names of a theme's names file, by region id.
pub fn names_in(source: &Source) -> HashMap<String, String> {
    toml_file::parse::<RegionsFile>(source, 0..source.text.len())
        .map(|(file, _)| {
            file.regions
                .into_iter()
                .filter_map(|e| Some((e.id.into_inner(), e.name?)))
                .collect()
        })
        .unwrap_or_default()
}

/// A `regions.toml`: `None` when it is missing or has errors (reported).
pub fn load_list(root: &Path, path: &Path, diags: &mut Diagnostics) -> Option<RegionList> {
    if !path.is_file() {
        return None;
    }
    match read_source(root, path) {
        Ok(source) => parse_list(source, diags),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

fn parse_list(source: Arc<Source>, diags: &mut Diagnostics) -> Option<RegionList> {
    match toml_file::parse::<RegionsFile>(&source, 0..source.text.len()) {
        Ok((file, unknown_keys)) => {
            diags.extend(unknown_keys);
            Some(RegionList {
                source,
                entries: file.regions,
            })
        }
        Err(e) => {
            diags.extend(e);
            None
        }
    }
}

/// The site's regions: the theme's entries that the figure draws (`drawn`,
/// region id → view; `None` when there is no usable figure, in which case
/// every theme entry is kept), each changed by the site's entry of the same
/// id, then the site's new regions, in the order they are written.
pub fn merge(
    theme: Option<&RegionList>,
    site: Option<&RegionList>,
    drawn: Option<&HashMap<String, View>>,
    diags: &mut Diagnostics,
) -> Vec<Region> {
    for list in theme.iter().chain(site.iter()) {
        report_duplicates(list, diags);
    }
    let site_entries: HashMap<&str, &RegionEntry> = site
        .map(|l| {
            l.entries
                .iter()
                .rev()
                .map(|e| (e.id.get_ref().as_str(), e))
                .collect()
        })
        .unwrap_or_default();
    let mut regions = Vec::new();
    let mut taken = std::collections::HashSet::new();
    if let Some(theme) = theme {
        for entry in &theme.entries {
            let id = entry.id.get_ref().as_str();
            if drawn.is_some_and(|d| !d.contains_key(id)) || !taken.insert(id.to_string()) {
                continue;
            }
            let site_entry = site_entries.get(id).map(|e| (*e, site.unwrap()));
            if let Some(region) = merged(Some((entry, theme)), site_entry, diags) {
                regions.push(region);
            }
        }
    }
    if let Some(site) = site {
        for entry in &site.entries {
            if !taken.insert(entry.id.get_ref().to_string()) {
                continue;
            }
            if let Some(region) = merged(None, Some((entry, site)), diags) {
                regions.push(region);
            }
        }
    }
    regions
}

/// An id listed twice in one file is an error at its second entry.
fn report_duplicates(list: &RegionList, diags: &mut Diagnostics) {
    let mut seen = std::collections::HashSet::new();
    for entry in &list.entries {
        if !seen.insert(entry.id.get_ref().as_str()) {
            diags.push(
                Diagnostic::error(format!(
                    "duplicate region `{}`: it is listed twice in this file",
                    entry.id.get_ref()
                ))
                .at(list.source.locate(entry.id.span()))
                .help("keep one entry per region id"),
            );
        }
    }
}

/// One region from its theme entry and/or site entry; the site's fields win.
fn merged(
    theme: Option<(&RegionEntry, &RegionList)>,
    site: Option<(&RegionEntry, &RegionList)>,
    diags: &mut Diagnostics,
) -> Option<Region> {
    // The entry that defines the region for this site: errors point there.
    let (own, own_list) = site.or(theme)?;
    let pick = |f: fn(&RegionEntry) -> bool| -> Option<(&RegionEntry, &RegionList)> {
        site.filter(|(e, _)| f(e)).or(theme.filter(|(e, _)| f(e)))
    };
    let name = pick(|e| e.name.is_some()).and_then(|(e, _)| e.name.clone());
    let view = pick(|e| e.view.is_some()).and_then(|(e, _)| e.view.as_ref().map(|v| *v.get_ref()));
    let (Some(name), Some(view)) = (name, view) else {
        let missing = match (own.name.is_none(), own.view.is_none()) {
            (true, true) => "`name` and `view`",
            (true, false) => "`name`",
            _ => "`view`",
        };
        diags.push(
            Diagnostic::error(format!(
                "region `{}` is not one the theme names, so it needs {missing}",
                own.id.get_ref()
            ))
            .at(own_list.source.locate(own.id.span()))
            .help("give it a name (\"Outer knee\") and view = \"front\" or \"back\""),
        );
        return None;
    };
    // Theme `near` ids are kept, located at the entry that defines the region.
    let near = match pick(|e| e.near.is_some()) {
        Some((e, list)) if std::ptr::eq(list, own_list) => e.near.clone().unwrap_or_default(),
        Some((e, _)) => e
            .near
            .iter()
            .flatten()
            .map(|n| Spanned::new(own.id.span(), n.get_ref().clone()))
            .collect(),
        None => Vec::new(),
    };
    let red_flags = pick(|e| e.red_flags.is_some())
        .and_then(|(e, list)| Some((list.source.clone(), e.red_flags.clone()?)));
    Some(Region {
        translation: None,
        id: Id::new(own.id.get_ref()),
        source: own_list.source.clone(),
        data: RegionData {
            id: own.id.clone(),
            name,
            view,
            near,
            red_flags,
        },
    })
}
