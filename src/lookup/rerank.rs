//! Re-ranking BM25 candidates with our own, documented similarity.
//!
//! BM25 on two-to-six-word titles mostly rewards rare shared words and short documents, so it only
//! proposes candidates. Each is scored on token overlap both ways (how much of the query the
//! alias explains, how much of the alias the query has) and Jaro-Winkler similarity of the
//! whole strings, which catches reordering and near-miss spellings the token sets do not.

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

/// The token-overlap part of [`similarity`] alone (cheap): used to pick which BM25 candidates
/// get the full score. Its maximum error against the full score is [`W_JW`].
pub fn overlap_score(query: &[&str], key: &str) -> f64 {
    if query.is_empty() || key.is_empty() {
        return 0.0;
    }
    let (mut k_len, mut k_in_q) = (0usize, 0usize);
    for k in key.split(' ') {
        k_len += 1;
        k_in_q += query.contains(&k) as usize;
    }
    let q_in_k = query.iter().filter(|q| key.split(' ').any(|k| k == **q)).count();
    W_QUERY * q_in_k as f64 / query.len() as f64 + W_KEY * k_in_q as f64 / k_len as f64
}

/// Score one candidate key against the query tokens.
pub fn similarity(query: &[&str], key: &str) -> Similarity {
    similarity_to(query, &query.join(" "), key)
}

/// [`similarity`] with the query's joined text precomputed (re-ranking scores many keys
/// against one query).
pub fn similarity_to(query: &[&str], query_text: &str, key: &str) -> Similarity {
    if query.is_empty() || key.is_empty() {
        return Similarity::default();
    }
    let (mut k_len, mut k_in_q) = (0usize, 0usize);
    for k in key.split(' ') {
        k_len += 1;
        k_in_q += query.contains(&k) as usize;
    }
    let q_in_k = query.iter().filter(|q| key.split(' ').any(|k| k == **q)).count() as f64;
    let query_coverage = q_in_k / query.len() as f64;
    let key_coverage = k_in_q as f64 / k_len as f64;
    let jaro_winkler = strsim::jaro_winkler(query_text, key);
    let score = W_QUERY * query_coverage + W_KEY * key_coverage + W_JW * jaro_winkler;
    Similarity { query_coverage, key_coverage, jaro_winkler, score }
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
