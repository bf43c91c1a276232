//! Typo correction: a Levenshtein automaton over the token vocabulary fst.
//!
//! Only tokens that are not in the vocabulary are corrected, one token at a time (fuzzy search
//! over whole titles costs 5-10x more for no gain). Tokens shorter than
//! [`MIN_LEN_ONE_TYPO`] are left alone; from [`MIN_LEN_TWO_TYPOS`] two edits are allowed. A
//! transposition counts as one edit ("Enigneer"); the first letter must be right, since people
//! rarely mistype it and allowing it multiplies the candidates. The automaton builders are costly to make, so one per
//! distance is built once per process.

use crate::limits::{
    MAX_CACHED_CORRECTIONS, MAX_TYPO_DERIVATIONS, MIN_COMPOUND_LEN, MIN_COMPOUND_PART,
    MIN_LEN_ONE_TYPO, MIN_LEN_TWO_TYPOS,
};
use fst::{IntoStreamer, Map, Streamer};
use levenshtein_automata::LevenshteinAutomatonBuilder;
use std::sync::{LazyLock, Mutex};

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

/// A word the corrections work on: ASCII letters only (digits, codes and non-Latin words are
/// left as written).
fn plain(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase())
}

/// Correct `token` against the vocabulary, if it is unknown and close to a known word.
pub fn correct(vocab: &Map<Vec<u8>>, token: &str) -> Option<Correction> {
    let len = token.len();
    if len < MIN_LEN_ONE_TYPO || !plain(token) || vocab.contains_key(token) {
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
    // Ties on distance go to the likelier word: a longer common prefix (people mistype the end
    // of a word more than its start: "payrol" is "payroll", not "patrol") and a commoner word
    // ("stilist" is "stylist", not the rare "stilista"), each doubling of use worth two letters
    // of prefix.
    let prefix = |w: &str| {
        w.bytes()
            .zip(token.bytes())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let mut best: Option<(u8, f64, String)> = None;
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
        let likely = prefix(word) as f64 + 2.0 * ((count + 1) as f64).log2();
        let better = match &best {
            None => true,
            Some((bd, bl, _)) => d < *bd || (d == *bd && likely > *bl),
        };
        if better {
            best = Some((d, likely, word.to_string()));
        }
    }
    best.map(|(distance, _, to)| Correction {
        from: token.to_string(),
        to,
        distance,
    })
}

/// The correction of an unknown token ([`correct`], else [`split_compound`]), remembered: the
/// same unknown words come back row after row in an export (a misspelled "techncian", a
/// company's own word), and working one out walks a Levenshtein automaton over the vocabulary.
/// Shared by all threads (sharded locks); at most [`MAX_CACHED_CORRECTIONS`] tokens are kept,
/// after that new ones are worked out each time. A cache belongs to one vocabulary.
#[derive(Debug)]
pub struct CorrectionCache {
    shards: Vec<Mutex<rustc_hash::FxHashMap<String, Option<Correction>>>>,
}

const CACHE_SHARDS: usize = 16;

impl Default for CorrectionCache {
    fn default() -> Self {
        CorrectionCache {
            shards: (0..CACHE_SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl CorrectionCache {
    /// The correction of `token` against `vocab`, from the cache when it was seen before.
    ///
    /// ```
    /// use titlematch::lookup::fuzzy::CorrectionCache;
    /// let vocab = fst::Map::from_iter([("man", 3u64), ("nurse", 5), ("pipe", 2)]).unwrap();
    /// let cache = CorrectionCache::default();
    /// assert_eq!(cache.correct(&vocab, "nurze").unwrap().to, "nurse");
    /// assert_eq!(cache.correct(&vocab, "pipeman").unwrap().to, "pipe man");
    /// assert_eq!(cache.correct(&vocab, "nurze").unwrap().to, "nurse"); // cached
    /// assert!(cache.correct(&vocab, "nurse").is_none());
    /// assert_eq!(cache.len(), 2);
    /// ```
    pub fn correct(&self, vocab: &Map<Vec<u8>>, token: &str) -> Option<Correction> {
        // Known words and words too short to correct are answered at once, without a lock.
        if token.len() < MIN_LEN_ONE_TYPO || !plain(token) || vocab.contains_key(token) {
            return None;
        }
        use std::hash::BuildHasher;
        let shard = &self.shards[rustc_hash::FxBuildHasher.hash_one(token) as usize % CACHE_SHARDS];
        // A panic elsewhere while holding the lock leaves the map whole: keep using it.
        if let Some(hit) = shard.lock().unwrap_or_else(|e| e.into_inner()).get(token) {
            return hit.clone();
        }
        let found = correct(vocab, token).or_else(|| split_compound(vocab, token));
        let mut map = shard.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() < MAX_CACHED_CORRECTIONS / CACHE_SHARDS {
            map.insert(token.to_string(), found.clone());
        }
        found
    }

    /// How many tokens are remembered.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|m| m.lock().map_or(0, |m| m.len()))
            .sum()
    }

    /// True when nothing is remembered yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Read an unknown closed compound as two known words: "pipeman" -> "pipe man",
/// "cyberathlete" -> "cyber athlete", "hangersmith" -> "hanger smith". Titles of the trades
/// are full of these ("-man", "-smith", "-keeper", "-maker"), and people write them closed,
/// open or hyphenated. Both parts must be vocabulary words of at least [`MIN_COMPOUND_PART`]
/// letters; of several splits the one whose rarer part is most common wins. The correction's
/// `to` holds the two words separated by a space; `distance` is 1.
pub fn split_compound(vocab: &Map<Vec<u8>>, token: &str) -> Option<Correction> {
    let len = token.len();
    if len < MIN_COMPOUND_LEN || !plain(token) || vocab.contains_key(token) {
        return None;
    }
    let mut best: Option<(u64, usize)> = None;
    for cut in MIN_COMPOUND_PART..=len - MIN_COMPOUND_PART {
        let (Some(a), Some(b)) = (vocab.get(&token[..cut]), vocab.get(&token[cut..])) else {
            continue;
        };
        let support = a.min(b);
        if best.is_none_or(|(s, _)| support > s) {
            best = Some((support, cut));
        }
    }
    best.map(|(_, cut)| Correction {
        from: token.to_string(),
        to: format!("{} {}", &token[..cut], &token[cut..]),
        distance: 1,
    })
}

/// Read two title words as the closed compound the vocabulary knows ("bee keeper" ->
/// "beekeeper", "back hoe" -> "backhoe"). The joined word must be a vocabulary word of at
/// least [`MIN_COMPOUND_LEN`] letters, and one of the two words unknown on its own: two known
/// words are read as written ("school teacher" stays two words). The correction's `from` holds
/// the two words; `distance` is 1.
pub fn join_compound(vocab: &Map<Vec<u8>>, first: &str, second: &str) -> Option<Correction> {
    if !plain(first)
        || !plain(second)
        || first.len() + second.len() < MIN_COMPOUND_LEN
        || (vocab.contains_key(first) && vocab.contains_key(second))
    {
        return None;
    }
    let joined = format!("{first}{second}");
    vocab.contains_key(&joined).then(|| Correction {
        from: format!("{first} {second}"),
        to: joined,
        distance: 1,
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
        let v = Map::from_iter([("patrol", 37u64), ("payroll", 28)]).unwrap();
        assert_eq!(
            correct(&v, "payrol").unwrap().to,
            "payroll",
            "longer shared prefix wins"
        );
        let v = Map::from_iter([("stilista", 1u64), ("stylist", 79)]).unwrap();
        assert_eq!(
            correct(&v, "stilist").unwrap().to,
            "stylist",
            "much commoner word wins"
        );
    }

    #[test]
    fn splits_closed_compounds_into_known_words() {
        let v = Map::from_iter([("man", 9u64), ("pipe", 2), ("pipem", 1), ("smith", 3)]).unwrap();
        assert_eq!(split_compound(&v, "pipeman").unwrap().to, "pipe man");
        assert!(split_compound(&v, "pipe").is_none(), "too short");
        assert!(split_compound(&v, "goldsmith").is_none(), "gold is unknown");
        assert!(split_compound(&v, "pipemanx").is_none());
        let v = Map::from_iter([("beekeeper", 1u64), ("keeper", 4)]).unwrap();
        assert_eq!(join_compound(&v, "bee", "keeper").unwrap().to, "beekeeper");
        assert!(join_compound(&v, "bee", "keepers").is_none());
        assert!(join_compound(&v, "", "beekeeper").is_none());
        let v = Map::from_iter([("school", 1u64), ("schoolteacher", 1), ("teacher", 4)]).unwrap();
        assert!(
            join_compound(&v, "school", "teacher").is_none(),
            "both words known"
        );
    }
}
