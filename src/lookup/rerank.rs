//! Re-ranking BM25 candidates with our own, documented similarity.
//!
//! BM25 on two-to-six-word titles mostly rewards rare shared words and short documents, so it only
//! proposes candidates. Each is scored on token overlap both ways (how much of the query the
//! alias explains, how much of the alias the query has) and Jaro-Winkler similarity of the
//! whole strings, which catches reordering and near-miss spellings the token sets do not.
//! Overlap is weighted by how rare each word is among the aliases (inverse document
//! frequency), so "Range Technician" is closer to "range conservationist" than to "alarm
//! technician": sharing the rare word matters more than sharing "technician".

/// Words that end a title's head phrase when they follow it ("Teacher *of* English",
/// "Analista *de* Riesgo"). Not "and": "Health and Safety Manager" is a manager.
const HEAD_BREAKS: [&str; 13] = [
    "of", "for", "in", "at", "to", "with", "de", "del", "des", "du", "da", "do", "di",
];

/// The head word of a normalized title: the noun that says what the job *is*. English job titles
/// are noun compounds whose head is the last word ("sewing **teacher**", "coal **carrier**"),
/// unless a preposition follows it ("**teacher** of english", "**director** for sales").
///
/// ```
/// use titlematch::lookup::rerank::head_word;
/// assert_eq!(head_word(&["sewing", "teacher"]), Some("teacher"));
/// assert_eq!(head_word(&["teacher", "of", "english"]), Some("teacher"));
/// assert_eq!(head_word(&[]), None);
/// ```
pub fn head_word<'a>(tokens: &[&'a str]) -> Option<&'a str> {
    let end = tokens
        .iter()
        .skip(1)
        .position(|t| HEAD_BREAKS.contains(t))
        .map_or(tokens.len(), |p| p + 1);
    tokens[..end]
        .iter()
        .rev()
        .find(|t| !HEAD_BREAKS.contains(t))
        .copied()
}

/// The parts of a re-rank score.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Similarity {
    /// Share of query tokens found in the candidate.
    pub query_coverage: f64,
    /// Share of candidate tokens found in the query.
    pub key_coverage: f64,
    /// Jaro-Winkler similarity of the whole strings.
    pub jaro_winkler: f64,
    /// Whether the candidate has the query's head word as its own head ("sewing teacher" and
    /// "music teacher" do; "sewing teacher" and "sewing operator" do not).
    pub head_match: bool,
    /// The combined score in 0..1.
    pub score: f64,
}

/// Weight of query coverage in the combined score.
pub const W_QUERY: f64 = 0.45;
/// Weight of candidate coverage.
pub const W_KEY: f64 = 0.35;
/// Weight of Jaro-Winkler similarity.
pub const W_JW: f64 = 0.20;

pub use crate::limits::HEAD_MATCH_BONUS;

/// Weighted coverage both ways: (share of the query's weight found in the key, share of the
/// key's weight found in the query).
fn coverage(query: &[&str], key: &str, weight: &dyn Fn(&str) -> f64) -> (f64, f64) {
    let (mut k_all, mut k_in_q) = (0.0, 0.0);
    for k in key.split(' ') {
        let w = weight(k);
        k_all += w;
        if query.contains(&k) {
            k_in_q += w;
        }
    }
    let (mut q_all, mut q_in_k) = (0.0, 0.0);
    for q in query {
        let w = weight(q);
        q_all += w;
        if key.split(' ').any(|k| k == *q) {
            q_in_k += w;
        }
    }
    (
        if q_all > 0.0 { q_in_k / q_all } else { 0.0 },
        if k_all > 0.0 { k_in_q / k_all } else { 0.0 },
    )
}

/// The token-overlap part of [`similarity_weighted`] alone (cheap): used to pick which BM25
/// candidates get the full score. Its maximum error against the full score is [`W_JW`].
pub fn overlap_score(query: &[&str], key: &str, weight: &dyn Fn(&str) -> f64) -> f64 {
    if query.is_empty() || key.is_empty() {
        return 0.0;
    }
    let (q, k) = coverage(query, key, weight);
    W_QUERY * q + W_KEY * k + head_bonus(query, key)
}

/// [`HEAD_MATCH_BONUS`] when the key's head word is the query's.
fn head_bonus(query: &[&str], key: &str) -> f64 {
    if heads_match(query, key) {
        HEAD_MATCH_BONUS
    } else {
        0.0
    }
}

fn heads_match(query: &[&str], key: &str) -> bool {
    let key: Vec<&str> = key.split(' ').collect();
    query.len() > 1 && head_word(query).is_some() && head_word(query) == head_word(&key)
}

/// Score one candidate key against the query tokens, every word weighing the same.
pub fn similarity(query: &[&str], key: &str) -> Similarity {
    similarity_weighted(query, &query.join(" "), key, &|_| 1.0)
}

/// [`similarity`] with the query's joined text precomputed and word weights (re-ranking scores
/// many keys against one query).
pub fn similarity_weighted(
    query: &[&str],
    query_text: &str,
    key: &str,
    weight: &dyn Fn(&str) -> f64,
) -> Similarity {
    if query.is_empty() || key.is_empty() {
        return Similarity::default();
    }
    let (query_coverage, key_coverage) = coverage(query, key, weight);
    let jaro_winkler = strsim::jaro_winkler(query_text, key);
    let head_match = heads_match(query, key);
    let score = (W_QUERY * query_coverage
        + W_KEY * key_coverage
        + W_JW * jaro_winkler
        + if head_match { HEAD_MATCH_BONUS } else { 0.0 })
    .min(1.0);
    Similarity {
        query_coverage,
        key_coverage,
        jaro_winkler,
        head_match,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_candidates_that_explain_the_query() {
        let q = ["registered", "nurse", "icu"];
        let a = similarity(&q, "registered nurse");
        let b = similarity(&q, "nurse");
        let c = similarity(&q, "icu technician");
        assert!(a.score > b.score && b.score > c.score, "{a:?} {b:?} {c:?}");
        assert_eq!(similarity(&[], "x").score, 0.0);
        assert!((similarity(&["a", "b"], "a b").score - 1.0).abs() < 1e-9);
    }

    #[test]
    fn the_head_word_outweighs_a_modifier() {
        // "sewing" and "teacher" weigh the same here: only the head decides.
        let q = ["sewing", "teacher"];
        let teacher = similarity(&q, "music teacher");
        let sewer = similarity(&q, "sewing operator");
        assert!(teacher.head_match && !sewer.head_match);
        assert!(teacher.score > sewer.score, "{teacher:?} {sewer:?}");
        assert_eq!(head_word(&["director", "for", "sales"]), Some("director"));
        assert_eq!(head_word(&["of"]), None);
        assert!(!similarity(&["teacher"], "music teacher").head_match);
    }
}
