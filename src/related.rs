//! Related articles: the articles sharing the most tags with one article,
//! the newer first among equals.
//!
//! The ranking is exact. Counting every article of every tag an article
//! has costs the length of those tags' lists, for each article: quadratic
//! in a big site whose tags each list thousands of articles (at 50,000
//! articles it was most of the time spent planning the blog). So a tag
//! listing at least one article in 64 also keeps its articles as a row of
//! bits, and an article with three tags or more counts its tags 64
//! articles at a time, in bit-sliced counters ([`most_shared_by_bits`]).
//! A row costs no more memory than the tag's list of indices.

use std::collections::HashMap;

/// The bit rows of the tags common enough to have one, by tag slug.
#[derive(Debug, Default)]
pub struct TagRows {
    rows: HashMap<String, Vec<u64>>,
}

impl TagRows {
    /// Rows for the tags in `tags` (slug, articles sorted by index) that
    /// list at least one in 64 of the site's `articles`.
    pub fn new<'a>(
        tags: impl IntoIterator<Item = (&'a str, &'a [usize])>,
        articles: usize,
    ) -> TagRows {
        let words = articles.div_ceil(64);
        let rows = tags
            .into_iter()
            .filter(|(_, list)| list.len() * 64 >= articles && !list.is_empty())
            .map(|(slug, list)| {
                let mut row = vec![0u64; words];
                for &j in list.iter().filter(|&&j| j < articles) {
                    row[j / 64] |= 1 << (j % 64);
                }
                (slug.to_owned(), row)
            })
            .collect();
        TagRows { rows }
    }

    /// The row of the tag `slug`, if it is common enough to have one.
    pub fn row(&self, slug: &str) -> Option<&[u64]> {
        self.rows.get(slug).map(Vec::as_slice)
    }
}

/// The articles of one of an article's tags: the list (by article index,
/// ascending, no repeats) and, for a common tag, its row of bits.
#[derive(Debug, Clone, Copy)]
pub struct TagArticles<'a> {
    pub list: &'a [usize],
    pub row: Option<&'a [u64]>,
}

/// The `count` articles found in the most of `tags`, article `i` left
/// out, the lower index first among equals.
pub fn most_shared(tags: &[TagArticles], i: usize, count: usize) -> Vec<usize> {
    let any_row = tags.iter().any(|t| t.row.is_some());
    // Bit-sliced counters hold up to 255 (8 planes); more tags than that
    // on one article is walked the slow way.
    if tags.len() <= 2 || !any_row || tags.len() > 255 {
        most_shared_by_merge(tags, i, count)
    } else {
        most_shared_by_bits(tags, i, count)
    }
}

/// Walks the lists together in index order and stops as soon as `count`
/// articles are in all of them: no later one can rank higher. With one or
/// two tags that is early (the first few entries of one list, or of two
/// lists' common part); with more, every list is read to the end, which is
/// cheap when the lists are short.
fn most_shared_by_merge(tags: &[TagArticles], i: usize, count: usize) -> Vec<usize> {
    if count == 0 {
        return Vec::new();
    }
    let mut heads = vec![0usize; tags.len()];
    let mut best = Best::new(count);
    while let Some(j) = tags
        .iter()
        .zip(&heads)
        .filter_map(|(t, &h)| t.list.get(h))
        .min()
        .copied()
    {
        let mut shared = 0;
        for (tag, head) in tags.iter().zip(heads.iter_mut()) {
            if tag.list.get(*head) == Some(&j) {
                *head += 1;
                shared += 1;
            }
        }
        if j != i {
            best.offer(shared, j);
        }
        if best.all_share(tags.len()) {
            break;
        }
    }
    best.into_articles()
}

/// Counts, for 64 articles at a time, how many of `tags` list each: the
/// count's binary digits are kept in "planes" (plane `p` holds digit `p`
/// of all 64 counts), and adding a tag's 64 bits is a ripple-carry add
/// across the planes. Only the articles whose count could still enter the
/// best `count` are looked at one by one.
fn most_shared_by_bits(tags: &[TagArticles], i: usize, count: usize) -> Vec<usize> {
    let (Some(first), Some(last)) = (
        tags.iter().filter_map(|t| t.list.first()).min(),
        tags.iter().filter_map(|t| t.list.last()).max(),
    ) else {
        return Vec::new();
    };
    if count == 0 {
        return Vec::new();
    }
    let mut best = Best::new(count);
    let planes_used = (usize::BITS - tags.len().leading_zeros()) as usize;
    // Where each tag without a row has got to in its list.
    let mut heads = vec![0usize; tags.len()];
    for w in first / 64..=last / 64 {
        let mut planes = [0u64; 8];
        let planes = &mut planes[..planes_used];
        for (tag, head) in tags.iter().zip(heads.iter_mut()) {
            let word = match tag.row {
                Some(row) => row.get(w).copied().unwrap_or(0),
                None => gather(tag.list, head, w),
            };
            add_word(planes, word);
        }
        let mut candidates = at_least(planes, best.floor());
        if w == i / 64 {
            candidates &= !(1u64 << (i % 64));
        }
        while candidates != 0 {
            let bit = candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            let shared = planes
                .iter()
                .enumerate()
                .map(|(p, plane)| (((plane >> bit) & 1) as usize) << p)
                .sum();
            best.offer(shared, w * 64 + bit);
        }
        if best.all_share(tags.len()) {
            break;
        }
    }
    best.into_articles()
}

/// The bits of `list`'s articles in word `w` (articles `64w..64w+63`),
/// moving `head` past them. The words are asked for in increasing order.
fn gather(list: &[usize], head: &mut usize, w: usize) -> u64 {
    let mut word = 0u64;
    while let Some(&j) = list.get(*head) {
        if j / 64 > w {
            break;
        }
        if j / 64 == w {
            word |= 1 << (j % 64);
        }
        *head += 1;
    }
    word
}

/// Adds one to the counts of the articles set in `word`.
fn add_word(planes: &mut [u64], word: u64) {
    let mut carry = word;
    for plane in planes.iter_mut() {
        if carry == 0 {
            break;
        }
        let sum = *plane ^ carry;
        carry &= *plane;
        *plane = sum;
    }
}

/// The articles whose count is at least `floor`, compared digit by digit
/// from the highest.
fn at_least(planes: &[u64], floor: usize) -> u64 {
    if floor >> planes.len() != 0 {
        return 0;
    }
    let (mut greater, mut equal) = (0u64, !0u64);
    for (p, &plane) in planes.iter().enumerate().rev() {
        if (floor >> p) & 1 == 1 {
            equal &= plane;
        } else {
            greater |= equal & plane;
            equal &= !plane;
        }
    }
    greater | equal
}

/// The best articles so far as (tags shared, index), most shared first.
/// Articles are offered in increasing index order, so an equal count never
/// displaces one already kept: the newer article wins a tie.
struct Best {
    count: usize,
    kept: Vec<(usize, usize)>,
}

impl Best {
    fn new(count: usize) -> Best {
        Best {
            count,
            kept: Vec::with_capacity(count + 1),
        }
    }

    /// The fewest tags an article must share to be kept now.
    fn floor(&self) -> usize {
        match self.kept.last() {
            Some(&(shared, _)) if self.kept.len() == self.count => shared + 1,
            _ => 1,
        }
    }

    fn offer(&mut self, shared: usize, j: usize) {
        if shared == 0 || shared < self.floor() {
            return;
        }
        let at = self.kept.partition_point(|&(s, _)| s >= shared);
        self.kept.insert(at, (shared, j));
        self.kept.truncate(self.count);
    }

    /// Whether every kept article shares all `tags`: none later can rank
    /// higher.
    fn all_share(&self, tags: usize) -> bool {
        self.kept.len() == self.count && self.kept.last().is_some_and(|&(s, _)| s == tags)
    }

    fn into_articles(self) -> Vec<usize> {
        self.kept.into_iter().map(|(_, j)| j).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts every article of every list, then sorts: the ranking as
    /// defined, the slow way.
    fn by_counting(lists: &[Vec<usize>], i: usize, count: usize) -> Vec<usize> {
        let mut shared: std::collections::BTreeMap<usize, usize> = Default::default();
        for list in lists {
            for &j in list.iter().filter(|&&j| j != i) {
                *shared.entry(j).or_default() += 1;
            }
        }
        let mut ranked: Vec<(std::cmp::Reverse<usize>, usize)> = shared
            .into_iter()
            .map(|(j, s)| (std::cmp::Reverse(s), j))
            .collect();
        ranked.sort();
        ranked.into_iter().take(count).map(|(_, j)| j).collect()
    }

    #[test]
    fn every_way_ranks_as_counting_does() {
        let mut rng = fastrand::Rng::with_seed(7);
        for round in 0..1_000 {
            let articles = rng.usize(1..700);
            let tag_count = rng.usize(1..12);
            // Some tags common (a row each), some rare (a list only).
            let lists: Vec<Vec<usize>> = (0..tag_count)
                .map(|t| {
                    let one_in = [1, 2, 5, 40, 200][(t + round) % 5];
                    (0..articles)
                        .filter(|_| rng.usize(0..one_in) == 0)
                        .collect()
                })
                .collect();
            let named: Vec<(String, &[usize])> = lists
                .iter()
                .enumerate()
                .map(|(t, l)| (format!("t{t}"), l.as_slice()))
                .collect();
            let rows = TagRows::new(named.iter().map(|(s, l)| (s.as_str(), *l)), articles);
            let i = rng.usize(0..articles);
            let count = rng.usize(0..6);
            // An article's own tags: a few of the site's.
            let own: Vec<usize> = (0..tag_count).filter(|_| rng.bool()).collect();
            let own_lists: Vec<Vec<usize>> = own.iter().map(|&t| lists[t].clone()).collect();
            let tags: Vec<TagArticles> = own
                .iter()
                .map(|&t| TagArticles {
                    list: &lists[t],
                    row: rows.row(&format!("t{t}")),
                })
                .collect();
            let expected = by_counting(&own_lists, i, count);
            assert_eq!(most_shared(&tags, i, count), expected, "round {round}");
            assert_eq!(
                most_shared_by_merge(&tags, i, count),
                expected,
                "merge, round {round}"
            );
            if tags.iter().any(|t| t.row.is_some()) {
                assert_eq!(
                    most_shared_by_bits(&tags, i, count),
                    expected,
                    "bits, round {round}"
                );
            }
        }
    }

    #[test]
    fn the_article_itself_and_articles_sharing_nothing_are_left_out() {
        let a = [0, 1, 2, 3, 64, 65, 130];
        let b = [1, 3, 65, 130];
        let c = [3, 130];
        let rows = TagRows::new([("a", &a[..]), ("b", &b[..]), ("c", &c[..])], 131);
        let tags: Vec<TagArticles> = ["a", "b", "c"]
            .iter()
            .zip([&a[..], &b[..], &c[..]])
            .map(|(s, list)| TagArticles {
                list,
                row: rows.row(s),
            })
            .collect();
        // 3 and 130 share all three tags; 3 is the article itself.
        assert_eq!(most_shared_by_bits(&tags, 3, 3), vec![130, 1, 65]);
        assert_eq!(
            most_shared_by_bits(&tags, 3, 10),
            vec![130, 1, 65, 0, 2, 64]
        );
        assert_eq!(most_shared(&tags[..1], 0, 2), vec![1, 2]);
    }

    #[test]
    fn counters_compare_with_a_floor() {
        let mut planes = [0u64; 3];
        // Article 0 counted 5 times, article 1 twice, article 2 once.
        for word in [0b111, 0b011, 0b001, 0b001, 0b001] {
            add_word(&mut planes, word);
        }
        assert_eq!(at_least(&planes, 1), 0b111);
        assert_eq!(at_least(&planes, 2), 0b011);
        assert_eq!(at_least(&planes, 3), 0b001);
        assert_eq!(at_least(&planes, 5), 0b001);
        assert_eq!(at_least(&planes, 6), 0);
        assert_eq!(at_least(&planes, 8), 0);
    }
}
