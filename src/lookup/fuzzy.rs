//! Typo correction: a Levenshtein automaton over the token vocabulary fst.
//!
//! Only tokens that are not in the vocabulary are corrected, one token at a time (fuzzy search
//! over whole titles costs 5-10x more for no gain). Tokens shorter than
//! [`MIN_LEN_ONE_TYPO`] are left alone; from [`MIN_LEN_TWO_TYPOS`] two edits are allowed. A
//! transposition counts as one edit ("Enigneer"); the first letter must be right, since people
//! rarely mistype it and allowing it multiplies the candidates. The automaton builders are costly to make, so one per
//! distance is built once per process.

use crate::limits::{MAX_TYPO_DERIVATIONS, MIN_LEN_ONE_TYPO, MIN_LEN_TWO_TYPOS};
use fst::{IntoStreamer, Map, Streamer};
use levenshtein_automata::LevenshteinAutomatonBuilder;
use std::sync::LazyLock;

static LEV1: LazyLock<LevenshteinAutomatonBuilder> =
    LazyLock::new(|| LevenshteinAutomatonBuilder::new(1, true));
static LEV2: LazyLock<LevenshteinAutomatonBuilder> =
    LazyLock::new(|| LevenshteinAutomatonBuilder::new(2, true));

/// A corrected token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Correction {
    /// What the title said.
    pub from: String,
    /// The vocabulary word it was read as.
    pub to: String,
    /// Edits between them (a first-letter change counts two).
    pub distance: u8,
}

/// Correct `token` against the vocabulary, if it is unknown and close to a known word.
pub fn correct(vocab: &Map<Vec<u8>>, token: &str) -> Option<Correction> {
    let len = token.len();
    if len < MIN_LEN_ONE_TYPO
        || !token.bytes().all(|b| b.is_ascii_lowercase())
        || vocab.contains_key(token)
    {
        return None;
    }
    let max = if len >= MIN_LEN_TWO_TYPOS { 2 } else { 1 };
    let dfa = if max == 2 {
        LEV2.build_dfa(token)
    } else {
        LEV1.build_dfa(token)
    };
    // PERF: a changed first letter counts as two edits, more than a short word may have, so
    // only words with the same first letter can win: bound the walk to that slice of the fst
    // instead of letting the automaton fan out from every first letter.
    let first = token.as_bytes()[0];
    let (lo, hi) = ([first], [first + 1]);
    let mut stream = vocab.search_with_state(&dfa).ge(lo).lt(hi).into_stream();
    let mut best: Option<(u8, u64, String)> = None;
    let mut seen = 0;
    while let Some((key, count, state)) = stream.next() {
        seen += 1;
        if seen > MAX_TYPO_DERIVATIONS {
            break;
        }
        let Ok(word) = std::str::from_utf8(key) else {
            continue;
        };
        let d = dfa.distance(state).to_u8();
        if d == 0 || d > max || word.len() < MIN_LEN_ONE_TYPO - 1 {
            continue;
        }
        let better = match &best {
            None => true,
            Some((bd, bc, _)) => d < *bd || (d == *bd && count > *bc),
        };
        if better {
            best = Some((d, count, word.to_string()));
        }
    }
    best.map(|(distance, _, to)| Correction {
        from: token.to_string(),
        to,
        distance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Map<Vec<u8>> {
        Map::from_iter([
            ("engineer", 5u64),
            ("engineering", 2),
            ("nurse", 3),
            ("security", 4),
        ])
        .unwrap()
    }

    #[test]
    fn corrects_unknown_tokens_only() {
        let v = vocab();
        assert_eq!(correct(&v, "enginer").unwrap().to, "engineer");
        assert_eq!(correct(&v, "secuirty").unwrap().to, "security");
        assert_eq!(correct(&v, "enigneer").unwrap().distance, 1);
        assert!(correct(&v, "engineer").is_none());
        assert!(correct(&v, "nurs").is_none(), "too short to correct");
        assert!(
            correct(&v, "xngineer").is_none(),
            "first-letter change counts two"
        );
        assert!(correct(&v, "plumber").is_none());
    }
}
