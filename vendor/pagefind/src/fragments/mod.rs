use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Serialize, Debug, Clone)]
pub struct PageAnchorData {
    pub element: String,
    pub id: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub location: u32,
}

#[derive(Serialize, Debug, Clone)]
pub struct PageFragmentData {
    pub url: String,
    pub content: String,
    pub word_count: usize,
    pub filters: BTreeMap<String, Vec<String>>,
    pub meta: BTreeMap<String, String>,
    pub anchors: Vec<PageAnchorData>,
}

#[derive(Debug, Clone)]
pub struct PageFragment {
    pub data: PageFragmentData,
}

/// `PageFragment` as it is kept between builds (`FossickedData`'s serde
/// form), not as it is written into the bundle: every field always
/// present, in order, so that formats which are not self-describing can
/// read it back (the bundle's JSON leaves out an anchor's missing title).
pub(crate) mod stored {
    use super::{PageAnchorData, PageFragment, PageFragmentData};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    type Anchor = (String, String, String, Option<String>, u32);
    type Fragment = (
        String,
        String,
        usize,
        BTreeMap<String, Vec<String>>,
        BTreeMap<String, String>,
        Vec<Anchor>,
    );

    pub fn serialize<S: Serializer>(fragment: &PageFragment, out: S) -> Result<S::Ok, S::Error> {
        let d = &fragment.data;
        let anchors: Vec<(&str, &str, &str, Option<&str>, u32)> = d
            .anchors
            .iter()
            .map(|a| {
                (
                    a.element.as_str(),
                    a.id.as_str(),
                    a.text.as_str(),
                    a.title.as_deref(),
                    a.location,
                )
            })
            .collect();
        (&d.url, &d.content, d.word_count, &d.filters, &d.meta, anchors).serialize(out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<PageFragment, D::Error> {
        let (url, content, word_count, filters, meta, anchors) = Fragment::deserialize(input)?;
        let anchors = anchors
            .into_iter()
            .map(|(element, id, text, title, location)| PageAnchorData {
                element,
                id,
                text,
                title,
                location,
            })
            .collect();
        Ok(PageFragment {
            data: PageFragmentData {
                url,
                content,
                word_count,
                filters,
                meta,
                anchors,
            },
        })
    }
}
