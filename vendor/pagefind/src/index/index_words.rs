use minicbor::Encode;

/// The word index chunks in `pagefind/index/`

/// A single word index chunk: `pagefind/index/*.pf_index`. Written by
/// [`encode_word_index`]; its derived encoding is what the tests check
/// that against.
#[cfg(test)]
#[derive(Encode)]
pub struct WordIndex {
    #[n(0)]
    pub words: Vec<PackedWord>,
}

/// A single word as an inverse index of all locations on the site
#[derive(Encode, Clone, Debug)]
pub struct PackedWord {
    #[n(0)]
    pub word: String,
    #[n(1)]
    pub pages: Vec<PackedPage>,
    #[n(2)]
    pub additional_variants: Vec<PackedVariant>,
}

impl PackedWord {
    /// A word whose `word` is set later, by whoever holds it as a key.
    pub fn unnamed() -> Self {
        PackedWord {
            word: String::new(),
            pages: Vec::new(),
            additional_variants: Vec::new(),
        }
    }
}

/// A variant of a word with different diacritics (e.g., "café" vs "cafe")
#[derive(Encode, Clone, Debug)]
pub struct PackedVariant {
    #[n(0)]
    pub form: String,
    #[n(1)]
    pub pages: Vec<PackedPage>,
}

/// A set of locations on a given page
#[derive(Encode, Clone, Debug)]
pub struct PackedPage {
    #[n(0)]
    pub page_number: usize, // Won't exceed u32 but saves us some into()s
    #[n(1)]
    pub locs: Vec<i32>,
    #[n(2)]
    pub meta_locs: Vec<i32>,
}

/// The CBOR of `WordIndex { words }`, byte for byte what the derived
/// `Encode` impls above write, written straight into one vector sized up
/// front. Going through minicbor's `Encoder` (a `Result` and a `write_all`
/// per integer, and a vector grown by doubling) was a tenth of the CPU of
/// a rebuild after one edit at 1,000 pages: a chunk holds hundreds of
/// thousands of small integers. The delta-encoded page numbers are
/// written as they are.
pub fn encode_word_index(words: &[PackedWord]) -> Vec<u8> {
    let mut out = Vec::with_capacity(encoded_size_estimate(words));
    head(&mut out, ARRAY, 1);
    head(&mut out, ARRAY, words.len() as u64);
    for word in words {
        head(&mut out, ARRAY, 3);
        text(&mut out, &word.word);
        pages(&mut out, &word.pages);
        head(&mut out, ARRAY, word.additional_variants.len() as u64);
        for variant in &word.additional_variants {
            head(&mut out, ARRAY, 2);
            text(&mut out, &variant.form);
            pages(&mut out, &variant.pages);
        }
    }
    out
}

const UNSIGNED: u8 = 0;
const NEGATIVE: u8 = 1;
const TEXT: u8 = 3;
const ARRAY: u8 = 4;

/// A little over the encoded size: most integers take one or two bytes.
fn encoded_size_estimate(words: &[PackedWord]) -> usize {
    let pages = |pages: &[PackedPage]| -> usize {
        pages
            .iter()
            .map(|p| 8 + 3 * (p.locs.len() + p.meta_locs.len()))
            .sum()
    };
    16 + words
        .iter()
        .map(|w| {
            16 + w.word.len()
                + pages(&w.pages)
                + w.additional_variants
                    .iter()
                    .map(|v| 16 + v.form.len() + pages(&v.pages))
                    .sum::<usize>()
        })
        .sum::<usize>()
}

fn pages(out: &mut Vec<u8>, pages: &[PackedPage]) {
    head(out, ARRAY, pages.len() as u64);
    for page in pages {
        head(out, ARRAY, 3);
        head(out, UNSIGNED, page.page_number as u64);
        integers(out, &page.locs);
        integers(out, &page.meta_locs);
    }
}

fn integers(out: &mut Vec<u8>, values: &[i32]) {
    head(out, ARRAY, values.len() as u64);
    for &value in values {
        match u32::try_from(value) {
            Ok(n) => head(out, UNSIGNED, n as u64),
            // CBOR's negative integer -1 - n.
            Err(_) => head(out, NEGATIVE, (-1 - value as i64) as u64),
        }
    }
}

fn text(out: &mut Vec<u8>, text: &str) {
    head(out, TEXT, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// A CBOR item's head in its shortest form, as minicbor writes it.
#[inline]
fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let major = major << 5;
    if n < 24 {
        out.push(major | n as u8);
    } else if n <= u8::MAX as u64 {
        out.extend_from_slice(&[major | 24, n as u8]);
    } else if n <= u16::MAX as u64 {
        out.push(major | 25);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else if n <= u32::MAX as u64 {
        out.push(major | 26);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(major | 27);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Integers at every boundary of CBOR's head sizes, both signs.
    #[rustfmt::skip]
    const EDGES: [i64; 14] = [
        0, 1, 23, 24, 255, 256, 65_535, 65_536, 4_294_967_295, -1, -24, -25, -256, -65_537,
    ];

    fn ints(seed: usize, len: usize) -> Vec<i32> {
        (0..len)
            .map(|i| {
                let edge = EDGES[(seed * 7 + i) % EDGES.len()];
                edge.clamp(i32::MIN as i64, i32::MAX as i64) as i32
            })
            .chain([i32::MIN, i32::MAX])
            .collect()
    }

    fn page(seed: usize) -> PackedPage {
        PackedPage {
            page_number: [0, 3, 24, 300, 70_000, 5_000_000_000][seed % 6],
            locs: ints(seed, seed % 40),
            meta_locs: ints(seed + 1, seed % 3),
        }
    }

    #[test]
    fn the_word_index_is_encoded_as_minicbor_encodes_it() {
        let long = "x".repeat(300);
        let words: Vec<PackedWord> = (0..60)
            .map(|i| PackedWord {
                word: ["", "a", "café", &long][i % 4].to_string(),
                pages: (0..(i % 5)).map(|j| page(i + j)).collect(),
                additional_variants: (0..(i % 3))
                    .map(|j| PackedVariant {
                        form: format!("form-{j}-{}", "é".repeat(i)),
                        pages: (0..j + 1).map(|k| page(i * 3 + k)).collect(),
                    })
                    .collect(),
            })
            .collect();
        for words in [&words[..0], &words[..1], &words[..]] {
            let mut derived = Vec::new();
            minicbor::encode(
                WordIndex {
                    words: words.to_vec(),
                },
                &mut derived,
            )
            .unwrap();
            assert_eq!(encode_word_index(words), derived);
        }
    }
}
