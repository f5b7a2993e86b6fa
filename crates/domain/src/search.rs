//! In-memory search of the procedure catalog.
//!
//! A province publishes about 2,000 procedures: all of them fit in memory and
//! a plain inverted index answers in microseconds, without a search engine.
//! Names are searched after [folding](crate::text::fold), so unaccented,
//! upper-case or NFD queries find accented names.
//!
//! # Scoring
//!
//! A query is folded into tokens. Each token matches index terms exactly, and
//! the last token (of two or more characters) also matches as a prefix, since
//! people type it while the results update. Tokens that match nothing in the
//! catalog are ignored: a typo or an extra word must not hide every result.
//!
//! Each known token *t* weighs its BM25 idf,
//! `ln(1 + (N - df + 0.5) / (df + 0.5))`, where `df` counts entries matching
//! it anywhere: "thủ tục" or "đăng ký", present in hundreds of names, weigh
//! little, "khai sinh" a lot. An entry is kept when the tokens it matches
//! (in any field) carry at least [`MIN_MATCHED_WEIGHT`] of the query's
//! weight: the most informative words must be there.
//!
//! Kept entries are ranked by tier, then by a score, then by catalog order:
//!
//! 5. the name contains the query's known tokens as an exact phrase;
//! 4. the same, the last token matching as a prefix;
//! 3. the name contains every known token exactly;
//! 2. the name contains every known token, some by prefix;
//! 1. anything else (tokens missing, or found only in code or extra).
//!
//! The score is the weighted coverage (per token: 1 for an exact match in
//! the name, [`PREFIX_FACTOR`] for a prefix, [`OTHER_FIELD_FACTOR`] in code
//! or extra) plus smaller bonuses for query neighbours that are neighbours in
//! the name, for names the query explains well (the idf share of the name's
//! words that the query matches, so "Thủ tục đăng ký khai sinh" beats "Đăng
//! ký khai sinh có yếu tố nước ngoài" for "đăng ký khai sinh": "thủ tục" is
//! noise, "có yếu tố nước ngoài" is not) and for a match early in the name.

use crate::text;

/// Words that say only "this is a procedure" ("thủ tục"): some published names start with them
/// and people type them, so they are dropped from names and queries alike.
const GENERIC_PHRASES: &[&[&str]] = &[&["thu", "tuc"]];

/// Tokens of a text for search, without the generic phrases.
fn tokens(s: &str) -> Vec<String> {
    let mut words = text::tokens(s);
    for phrase in GENERIC_PHRASES {
        let mut i = 0;
        while i + phrase.len() <= words.len() {
            if words[i..i + phrase.len()].iter().zip(phrase.iter()).all(|(w, p)| w == p) {
                words.drain(i..i + phrase.len());
            } else {
                i += 1;
            }
        }
    }
    words
}

/// Share of the query's weight (sum of idf of known tokens) that an entry's
/// matched tokens must reach to be listed.
pub const MIN_MATCHED_WEIGHT: f64 = 0.5;

/// Worth of a prefix match relative to an exact one.
pub const PREFIX_FACTOR: f64 = 0.7;

/// Worth of a match in the code or extra text relative to one in the name.
pub const OTHER_FIELD_FACTOR: f64 = 0.4;

/// Query tokens beyond this many are ignored (one bit each per entry).
const MAX_QUERY_TOKENS: usize = 64;

/// Shortest last token that also matches as a prefix; one letter would match
/// most of the catalog.
const MIN_PREFIX_CHARS: usize = 2;

/// A catalog item to index.
///
/// Only what the search needs: the caller maps ids back to its own records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Returned by [`CatalogIndex::search`].
    pub id: i64,
    /// The procedure name, the main target of the search.
    pub name: String,
    /// The procedure code (e.g. `1.001193`), so a code typed in the search box works.
    pub code: String,
    /// Field name, agency name, keywords: searched, but ranked below the name.
    pub extra: String,
}

/// An in-memory index of the procedure catalog (a province has ~2,000
/// procedures: all of it fits in memory and answers in microseconds).
///
/// Built once when the catalog changes and shared read-only between requests.
#[derive(Clone, Debug)]
pub struct CatalogIndex {
    /// Every folded token of the catalog, sorted, so a prefix is a range.
    terms: Vec<String>,
    /// For each term, the entries containing it in any field (ascending).
    postings: Vec<Vec<u32>>,
    docs: Vec<Doc>,
}

#[derive(Clone, Debug)]
struct Doc {
    id: i64,
    /// Term ids of the name, in order.
    name: Vec<u32>,
    /// Term ids of the code and the extra text.
    other: Vec<u32>,
    /// Sum of the idf of the name's words: how much the name says.
    name_weight: f64,
}

/// A query token resolved against the vocabulary.
struct QueryToken {
    exact: Option<u32>,
    /// Terms strictly extending the token (empty unless it may be a prefix).
    prefixed: std::ops::Range<u32>,
    weight: f64,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Match {
    Prefix,
    Exact,
}

impl QueryToken {
    fn matches(&self, term: u32) -> Option<Match> {
        if self.exact == Some(term) {
            Some(Match::Exact)
        } else if self.prefixed.contains(&term) {
            Some(Match::Prefix)
        } else {
            None
        }
    }
}

impl CatalogIndex {
    /// Indexes the entries; their order is the tie-break order of results.
    pub fn new(entries: Vec<Entry>) -> Self {
        let tokenized: Vec<(i64, Vec<String>, Vec<String>)> = entries
            .into_iter()
            .map(|e| {
                let mut other = tokens(&e.code);
                other.extend(tokens(&e.extra));
                (e.id, tokens(&e.name), other)
            })
            .collect();
        let mut terms: Vec<String> =
            tokenized.iter().flat_map(|(_, name, other)| name.iter().chain(other)).cloned().collect();
        terms.sort_unstable();
        terms.dedup();
        let term_id = |t: &String| -> u32 {
            let i = terms.binary_search(t).expect("every token is a term");
            u32::try_from(i).expect("fewer than 2^32 terms")
        };
        let mut postings = vec![Vec::new(); terms.len()];
        let docs: Vec<Doc> = tokenized
            .iter()
            .enumerate()
            .map(|(index, (id, name, other))| {
                let doc = Doc {
                    id: *id,
                    name: name.iter().map(term_id).collect(),
                    other: other.iter().map(term_id).collect(),
                    name_weight: 0.0,
                };
                let mut seen: Vec<u32> = doc.name.iter().chain(&doc.other).copied().collect();
                seen.sort_unstable();
                seen.dedup();
                let index = u32::try_from(index).expect("fewer than 2^32 entries");
                for term in seen {
                    postings[term as usize].push(index);
                }
                doc
            })
            .collect();
        let mut index = Self { terms, postings, docs };
        for i in 0..index.docs.len() {
            let weight = index.docs[i].name.iter().map(|&t| index.term_idf(t)).sum();
            index.docs[i].name_weight = weight;
        }
        index
    }

    /// The idf of an index term, from the entries containing it.
    fn term_idf(&self, term: u32) -> f64 {
        idf(self.docs.len(), self.postings[term as usize].len())
    }

    /// Ids ranked best match first: exact phrase in name > all query tokens in
    /// name (by position/coverage) > prefix matches ("khai" matches "khai",
    /// last token may be a prefix) > matches in code/extra. Entries with no
    /// query token match at all are left out. Empty query → every id in input
    /// order.
    ///
    /// See the [module documentation](self) for the exact scoring.
    pub fn search(&self, query: &str) -> Vec<i64> {
        let mut words = tokens(query);
        if words.is_empty() {
            return self.docs.iter().map(|d| d.id).collect();
        }
        words.truncate(MAX_QUERY_TOKENS);
        let last = words.len() - 1;

        // Which entries each token matches (one bit per token), and its df.
        let mut hits = vec![0u64; self.docs.len()];
        let mut query: Vec<QueryToken> = Vec::with_capacity(words.len());
        for (i, word) in words.iter().enumerate() {
            let exact = self.terms.binary_search(word).ok().map(|t| t as u32);
            let prefixed =
                if i == last && word.chars().count() >= MIN_PREFIX_CHARS { self.extensions(word) } else { 0..0 };
            let bit = 1u64 << i;
            let mut df = 0usize;
            for term in exact.into_iter().chain(prefixed.clone()) {
                for &doc in &self.postings[term as usize] {
                    let slot = &mut hits[doc as usize];
                    if *slot & bit == 0 {
                        *slot |= bit;
                        df += 1;
                    }
                }
            }
            query.push(QueryToken { exact, prefixed, weight: idf(self.docs.len(), df) });
        }
        let known: Vec<usize> = (0..query.len()).filter(|&i| query[i].weight > 0.0).collect();
        let total: f64 = known.iter().map(|&i| query[i].weight).sum();
        if known.is_empty() {
            return Vec::new();
        }

        let mut ranked: Vec<(u8, f64, usize)> = Vec::new();
        for (index, &bits) in hits.iter().enumerate() {
            if bits == 0 {
                continue;
            }
            let matched: f64 = known.iter().filter(|&&i| bits & (1u64 << i) != 0).map(|&i| query[i].weight).sum();
            if matched < MIN_MATCHED_WEIGHT * total - 1e-9 {
                continue;
            }
            let (tier, score) = self.rank(&self.docs[index], &query, &known, total);
            ranked.push((tier, score, index));
        }
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
        ranked.into_iter().map(|(_, _, i)| self.docs[i].id).collect()
    }

    /// Term ids strictly extending `word`, a contiguous range of the sorted terms.
    fn extensions(&self, word: &str) -> std::ops::Range<u32> {
        let start = self.terms.partition_point(|t| t.as_str() <= word);
        let end = self.terms.partition_point(|t| t.as_str() < word || t.starts_with(word));
        (start as u32)..(end.max(start) as u32)
    }

    /// Tier and score of one entry (see the module documentation).
    fn rank(&self, doc: &Doc, query: &[QueryToken], known: &[usize], total: f64) -> (u8, f64) {
        let best_in = |terms: &[u32], token: &QueryToken| -> Option<(Match, usize)> {
            terms
                .iter()
                .enumerate()
                .filter_map(|(pos, &term)| token.matches(term).map(|m| (m, pos)))
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        };

        let mut coverage = 0.0;
        let mut all_in_name = true;
        let mut all_exact_in_name = true;
        let mut first_position = usize::MAX;
        for &i in known {
            let token = &query[i];
            let factor = match best_in(&doc.name, token) {
                Some((kind, pos)) => {
                    first_position = first_position.min(pos);
                    if kind == Match::Exact {
                        1.0
                    } else {
                        all_exact_in_name = false;
                        PREFIX_FACTOR
                    }
                }
                None => {
                    all_in_name = false;
                    all_exact_in_name = false;
                    match best_in(&doc.other, token) {
                        Some((Match::Exact, _)) => OTHER_FIELD_FACTOR,
                        Some((Match::Prefix, _)) => OTHER_FIELD_FACTOR * PREFIX_FACTOR,
                        None => 0.0,
                    }
                }
            };
            coverage += token.weight * factor;
        }
        coverage /= total;

        let phrase = phrase_in(&doc.name, query, known);
        let tier = match phrase {
            Some(Match::Exact) => 5,
            Some(Match::Prefix) => 4,
            None if all_exact_in_name => 3,
            None if all_in_name => 2,
            None => 1,
        };

        let adjacency = if known.len() > 1 {
            let adjacent = known
                .windows(2)
                .filter(|pair| {
                    doc.name
                        .windows(2)
                        .any(|w| query[pair[0]].matches(w[0]).is_some() && query[pair[1]].matches(w[1]).is_some())
                })
                .count();
            adjacent as f64 / (known.len() - 1) as f64
        } else {
            0.0
        };
        let position = if first_position == usize::MAX { 0.0 } else { 1.0 / (1.0 + first_position as f64) };
        let explained = if doc.name_weight > 0.0 {
            let matched: f64 = doc
                .name
                .iter()
                .filter(|&&term| known.iter().any(|&i| query[i].matches(term).is_some()))
                .map(|&term| self.term_idf(term))
                .sum();
            matched / doc.name_weight
        } else {
            0.0
        };
        (tier, coverage + 0.5 * adjacency + 0.3 * explained + 0.1 * position)
    }
}

/// Whether the name holds the known tokens contiguously and in order, and how
/// well: `Exact` if every token matches exactly, `Prefix` if the last one
/// matches only as a prefix.
fn phrase_in(name: &[u32], query: &[QueryToken], known: &[usize]) -> Option<Match> {
    if known.len() > name.len() {
        return None;
    }
    name.windows(known.len())
        .filter_map(|window| {
            window
                .iter()
                .zip(known)
                .map(|(&term, &i)| query[i].matches(term))
                .try_fold(Match::Exact, |worst, m| m.map(|m| worst.min(m)))
        })
        .max()
}

/// BM25's inverse document frequency; 0 for a token no entry contains.
fn idf(entries: usize, df: usize) -> f64 {
    if df == 0 {
        return 0.0;
    }
    let (n, df) = (entries as f64, df as f64);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, name: &str, code: &str, extra: &str) -> Entry {
        Entry { id, name: name.to_owned(), code: code.to_owned(), extra: extra.to_owned() }
    }

    fn catalog() -> CatalogIndex {
        CatalogIndex::new(vec![
            entry(1, "Đăng ký kết hôn", "1.000894", "Hộ tịch; UBND cấp xã"),
            entry(2, "Đăng ký khai tử", "1.000656", "Hộ tịch; UBND cấp xã"),
            entry(3, "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", "2.001417", "Lý lịch tư pháp; Sở Tư pháp"),
            entry(4, "Thủ tục đăng ký khai sinh", "1.001193", "Hộ tịch; UBND cấp xã"),
            entry(5, "Thủ tục cấp giấy phép xây dựng", "1.009794", "Xây dựng; Sở Xây dựng"),
            entry(6, "Thủ tục đăng ký thường trú", "1.004194", "Đăng ký, quản lý cư trú; Công an"),
        ])
    }

    #[test]
    fn unaccented_query_finds_the_accented_name_first() {
        assert_eq!(catalog().search("thu tuc khai sinh").first(), Some(&4));
        assert_eq!(catalog().search("dang ky khai sinh").first(), Some(&4));
        assert_eq!(catalog().search("ĐĂNG KÝ KHAI SINH").first(), Some(&4));
    }

    #[test]
    fn judicial_record_certificate() {
        assert_eq!(catalog().search("ly lich tu phap"), [3]);
    }

    #[test]
    fn unknown_words_only_return_nothing() {
        assert!(catalog().search("xyzzy quux").is_empty());
    }

    #[test]
    fn unknown_words_do_not_exclude_results() {
        assert_eq!(catalog().search("khai sinh xyzzy").first(), Some(&4));
    }

    #[test]
    fn empty_query_lists_everything_in_order() {
        assert_eq!(catalog().search(""), [1, 2, 3, 4, 5, 6]);
        assert_eq!(catalog().search(" ?! "), [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn last_token_may_be_a_prefix() {
        assert_eq!(catalog().search("ket h"), [1]); // one letter: not a prefix
        assert_eq!(catalog().search("lich tu ph"), [3]);
        assert_eq!(catalog().search("khai"), [2, 4]);
    }

    #[test]
    fn phrase_beats_scattered_tokens() {
        let index = CatalogIndex::new(vec![
            entry(1, "Cấp giấy chứng nhận đăng ký khai thác", "", ""),
            entry(2, "Đăng ký khai thác", "", ""),
            entry(3, "Khai thác, đăng ký", "", ""),
        ]);
        assert_eq!(index.search("dang ky khai thac"), [2, 1, 3]);
    }

    #[test]
    fn name_beats_code_and_extra() {
        let index = CatalogIndex::new(vec![
            entry(1, "Cấp giấy phép", "", "xây dựng"),
            entry(2, "Cấp giấy phép xây dựng", "", ""),
        ]);
        assert_eq!(index.search("xay dung"), [2, 1]);
        assert_eq!(catalog().search("1.001193"), [4]);
    }

    #[test]
    fn the_generic_phrase_alone_is_an_empty_query() {
        assert_eq!(catalog().search("thu tuc"), catalog().search(""));
    }
}

#[cfg(test)]
mod generic_words {
    use super::*;

    #[test]
    fn thu_tuc_is_noise_in_names_and_queries() {
        let index = CatalogIndex::new(vec![
            Entry {
                id: 1, name: "Thủ tục yêu cầu trợ giúp pháp lý".into(), code: "2.1".into(), extra: String::new()
            },
            Entry { id: 2, name: "Đăng ký khai sinh".into(), code: "1.1".into(), extra: String::new() },
            Entry { id: 3, name: "Đăng ký khai tử".into(), code: "1.2".into(), extra: String::new() },
        ]);
        assert_eq!(index.search("thu tuc khai sinh").first(), Some(&2));
        assert_eq!(index.search("thủ tục"), vec![1, 2, 3], "like an empty query: everything, in order");
        assert_eq!(index.search("tro giup phap ly thu tuc"), vec![1]);
    }
}
