//! Re-ranking BM25 candidates with our own, documented similarity.
//!
//! BM25 on two-to-six-word titles mostly rewards rare shared words and short documents, so it only
//! proposes candidates. Each is scored on token overlap both ways (how much of the query the
//! alias explains, how much of the alias the query has) and Jaro-Winkler similarity of the
//! whole strings, which catches reordering and near-miss spellings the token sets do not.
//! Overlap is weighted by how rare each word is among the aliases (inverse document
//! frequency), so "Range Technician" is closer to "range conservationist" than to "alarm
//! technician": sharing the rare word matters more than sharing "technician".

/// The parts of a re-rank score.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Similarity {
    /// Share of query tokens found in the candidate.
    pub query_coverage: f64,
    /// Share of candidate tokens found in the query.
    pub key_coverage: f64,
    /// Jaro-Winkler similarity of the whole strings.
    pub jaro_winkler: f64,
    /// The combined score in 0..1.
    pub score: f64,
}

/// Weight of query coverage in the combined score.
pub const W_QUERY: f64 = 0.45;
/// Weight of candidate coverage.
pub const W_KEY: f64 = 0.35;
/// Weight of Jaro-Winkler similarity.
pub const W_JW: f64 = 0.20;

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
    W_QUERY * q + W_KEY * k
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
    let score = W_QUERY * query_coverage + W_KEY * key_coverage + W_JW * jaro_winkler;
    Similarity {
        query_coverage,
        key_coverage,
        jaro_winkler,
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
}
