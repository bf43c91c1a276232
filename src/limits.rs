//! Every bound and threshold of the engine, in one place.
//!
//! Confidence weights and band thresholds are *data* (fitted, in `data/scoring.toml`); what lives
//! here are the structural limits that keep the work per title bounded and the lookup cascade
//! cheap. Each constant says why it has the value it has.

/// Titles longer than this (in bytes, after trimming) are cut at a character boundary before
/// normalization. Real titles are under 100 bytes; 10 KB "titles" are pasted résumés.
pub const MAX_INPUT_BYTES: usize = 1024;

/// A title whose normalized text reads differently when normalized again (a phrase split across
/// two segments) is read again at most this many times; in practice once settles it.
pub const MAX_NORMALIZE_PASSES: usize = 3;

/// At most this many tokens are kept after normalization; the rest are ignored and the
/// explanation says so. Bounds every later stage.
pub const MAX_TOKENS: usize = 16;

/// At most this many parts are matched separately for a compound title ("A / B / C").
pub const MAX_COMPOUND_PARTS: usize = 3;

/// Tokens shorter than this are never typo-corrected (milli uses 5 for one typo).
pub const MIN_LEN_ONE_TYPO: usize = 5;

/// Tokens at least this long may be corrected with two edits (milli uses 9).
pub const MIN_LEN_TWO_TYPOS: usize = 9;

/// Unknown tokens at least this long may be read as two vocabulary words ("pipeman").
pub const MIN_COMPOUND_LEN: usize = 7;

/// Each part of a split compound has at least this many letters ("man", "pipe").
pub const MIN_COMPOUND_PART: usize = 3;

/// At most this many vocabulary words are considered per misspelled token.
pub const MAX_TYPO_DERIVATIONS: usize = 50;

/// At most this many unknown tokens have their typo correction remembered (see
/// `lookup::fuzzy::CorrectionCache`): about 100 bytes each, so the cache stays under 20 MB on
/// an export of any size.
pub const MAX_CACHED_CORRECTIONS: usize = 200_000;

/// BM25 candidates fetched from tantivy before re-ranking.
pub const BM25_CANDIDATES: usize = 20;

/// BM25 candidates fetched for the title's head word alone (see `HEAD_MATCH_BONUS`).
pub const BM25_HEAD_CANDIDATES: usize = 10;

/// The head-word search is skipped when the title's own search already brought this many keys
/// ending in the head word.
pub const HEAD_CANDIDATES_ENOUGH: usize = 3;

/// BM25 candidates that get the full re-rank score (with Jaro-Winkler), chosen by token
/// overlap. Enough to fill the answer and its alternatives.
pub const RERANK_CANDIDATES: usize = 8;

/// Default number of alternatives reported with a match.
pub const DEFAULT_TOP: usize = 3;

/// Hard cap on `--top`.
pub const MAX_TOP: usize = 20;

/// Default number of SOC suggestions per match.
pub const DEFAULT_SOC_TOP: usize = 3;

/// A BM25 re-rank score below this is not a match at all (the answer is `none`, with the
/// candidates kept as alternatives so the user still sees titles containing their words).
pub const MIN_PARTIAL_SCORE: f64 = 0.35;

/// Longer tokens are cut to this many characters (no job-title word is longer; bounds the
/// normalized text so that normalizing it again changes nothing).
pub const MAX_TOKEN_CHARS: usize = 40;

/// A one-word title whose word appears in the aliases of at least this many roles is
/// "generic" ("engineer", "technician", "operator"): it lowers the confidence instead of
/// guessing. Counted in roles, not alias keys, so that a trade with many aliases of its own
/// ("carpenter": 36 keys, 4 roles) stays specific.
pub const GENERIC_TOKEN_ROLES: usize = 25;

/// In a compound title ("Controller / Office Manager") the first part is the primary one: a
/// later part wins only when its confidence is higher by more than this per position.
pub const COMPOUND_ORDER_PENALTY: f64 = 0.03;

/// Re-rank bonus per extra BM25 candidate key a role owns (up to three), so a role with many
/// aliases sharing the title's words beats a role with one stray match.
pub const ROLE_EVIDENCE_BONUS: f64 = 0.03;

/// Re-rank bonus for a candidate whose head word is the title's ("sewing teacher" ->
/// "music teacher" over "sewing operator"): the head says what the job is, a modifier only
/// which kind (see `lookup::rerank::head_word`).
pub const HEAD_MATCH_BONUS: f64 = 0.03;

/// Re-rank bonus per unit of title weight that a role's aliases together explain beyond its
/// best single alias, when the title's head word is one of the role's heads (see
/// `lookup::profile`).
pub const PROFILE_BONUS: f64 = 0.25;

/// A more specific role replaces an exact hit that left words unexplained only when its own
/// re-rank score reaches this (see `Engine::specialize`).
pub const SPECIALIZE_MIN_SCORE: f64 = 0.6;

/// A BM25 candidate must explain at least this share of the title's (rarity-weighted) words to
/// be an answer; below it the answer is `none` and the candidates stay as alternatives.
pub const MIN_PARTIAL_COVERAGE: f64 = 0.25;
