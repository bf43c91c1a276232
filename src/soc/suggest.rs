//! Ranking O*NET occupations for a title, and merging them with the role's own SOC mappings.
//!
//! 1. **Candidates.** Titles whose full key is the query's full text (exact), whose key is the
//!    query's core (level words stripped on either side), or the core of the query's first
//!    segment; then the keys BM25 proposes for the core's words, kept when their
//!    [`title_similarity`] to the query is at least [`MIN_SIMILARITY`]. A title with a synonym
//!    in parentheses is looked up in both forms.
//! 2. **Title score** = match strength (1 for the same full text, [`CORE_EXACT`] for the same
//!    core, [`PRIMARY_EXACT`] for the first segment's core, [`PARTIAL_FACTOR`] x similarity for
//!    a BM25 key) x the weight of the title's source ([`source_weight`]: occupation title >
//!    alternate > short > reported) x [`LEVEL_MISMATCH`] when, short of the same full text, one
//!    of query and title is a manager's title and the other is not.
//! 3. **Occupation score** = its best title score
//!    + [`SUPPORT_WEIGHT`] x (1 - exp(-s / [`SUPPORT_SCALE`])), s = the sum of the scores of
//!      its best [`MAX_SUPPORT`] other matching titles, exact ones counted [`EXACT_SUPPORT`]
//!      times (an occupation several titles point at is likelier than one matched by a single
//!      stray title; "Accounts Payable Clerk" is an alternate title of two occupations, and
//!      incumbents report it for one of them);
//!    + [`MANAGEMENT_BONUS`] for management codes (11-xxxx) when the query is a manager's title;
//!    + [`BASE_CODE_BONUS`] for the base O*NET-SOC code (`.00`) of a SOC code;
//!    - [`RESIDUAL_PENALTY`] for residual "All Other" SOC codes (SOC 2018 detailed codes ending
//!      in 9): SOC coding rules use them only when no specific code fits.
//!
//!    Generic titles listed under several codes are therefore ordered by the rest of the
//!    evidence, and only an exact tie falls back to code order.
//! 4. **One suggestion per SOC 2018 code**: the best O*NET-SOC code under it; the others are
//!    named in the evidence.
//! 5. **Merge with the role's mappings.** A code both sources name is marked `sources_agree`
//!    and gains [`AGREE_BONUS`], which puts it first unless it rests on a weak BM25 guess while
//!    another code has an exact O*NET title (a "Ship Pilot" matched to an airline-pilot role
//!    still suggests the ship pilots' code first); a code inside a group the role maps to gains
//!    [`GROUP_AGREE_BONUS`]. The role's mappings O*NET did not find are added with
//!    [`ROLE_PRIMARY_SCORE`] (primary) or [`ROLE_SECONDARY_SCORE`] (others), so an exact O*NET
//!    title outranks a disagreeing role mapping, and a weak O*NET guess does not. Scores are
//!    shown clamped to 0..1.
//!
//! The weights were set on the held-out measurement of `tests/onet.rs` (reported titles looked
//! up in an index built without them): word weights by rarity, the manager mismatch factor and
//! the support terms each moved top-1 agreement by one to three points.

use super::hierarchy::SocStructure;
use super::index::{OnetIndex, CORE_BIT};
use super::onet::{soc_part, TitleSource};
use crate::lookup::rerank::{similarity, W_JW, W_KEY, W_QUERY};
use crate::matching::SocSuggestion;
use crate::taxonomy::SocMapping;
use std::collections::HashMap;

/// BM25 candidates (distinct keys) fetched per query before re-ranking.
pub const BM25_KEYS: usize = 40;
/// A BM25 key is evidence only at or above this similarity to the query.
pub const MIN_SIMILARITY: f64 = 0.4;
/// Strength of a hit on the same core text (level words stripped on one side or both).
pub const CORE_EXACT: f64 = 0.95;
/// Strength of a hit on the first segment's core only.
pub const PRIMARY_EXACT: f64 = 0.92;
/// Factor on the similarity of a BM25 key: a partial hit ranks under an exact one.
pub const PARTIAL_FACTOR: f64 = 0.9;
/// Factor when exactly one of query and title is a manager's title.
pub const LEVEL_MISMATCH: f64 = 0.75;
/// Most that supporting titles add to an occupation's score.
pub const SUPPORT_WEIGHT: f64 = 0.12;
/// At most this many supporting titles count (the best ones), so that an occupation with
/// hundreds of titles does not win by their number alone.
pub const MAX_SUPPORT: usize = 5;
/// A supporting title that matched exactly (not by BM25) counts this many times its score.
pub const EXACT_SUPPORT: f64 = 2.0;
/// Sum of supporting title scores that earns 63% of [`SUPPORT_WEIGHT`].
pub const SUPPORT_SCALE: f64 = 4.0;
/// Added to management occupations (11-xxxx) for a manager's title.
pub const MANAGEMENT_BONUS: f64 = 0.03;
/// Added to base O*NET-SOC codes (`.00`).
pub const BASE_CODE_BONUS: f64 = 0.01;
/// Taken from residual "All Other" SOC codes; more than [`SUPPORT_WEIGHT`], so a specific code
/// with the same title wins.
pub const RESIDUAL_PENALTY: f64 = 0.13;
/// Added when the matched role maps to the same SOC code.
pub const AGREE_BONUS: f64 = 0.3;
/// Added when the matched role maps to a SOC group holding the code.
pub const GROUP_AGREE_BONUS: f64 = 0.1;
/// Score of the role's primary SOC mapping when O*NET does not name it.
pub const ROLE_PRIMARY_SCORE: f64 = 0.8;
/// Score of the role's other SOC mappings when O*NET does not name them.
pub const ROLE_SECONDARY_SCORE: f64 = 0.6;

/// Weight of a title by where it came from.
pub fn source_weight(s: TitleSource) -> f64 {
    match s {
        TitleSource::Occupation => 1.0,
        TitleSource::Alternate => 0.95,
        TitleSource::Short => 0.93,
        TitleSource::Reported => 0.9,
    }
}

/// True for residual "All Other" SOC 2018 detailed codes (`15-1299`, `27-1019`).
pub fn is_residual(soc: &str) -> bool {
    soc.len() == 7 && soc.ends_with('9')
}

/// One form of the query: the title, or its synonym in parentheses.
#[derive(Debug, Clone, Copy)]
pub struct Form<'a> {
    /// Words without noise, level words kept.
    pub full: &'a str,
    /// Core text (normalized, no noise or level words).
    pub core: &'a str,
}

/// What to look up.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    /// The title's forms, main form first (see [`super::keys::variants`]).
    pub forms: Vec<Form<'a>>,
    /// Core of the main form's first segment, when it has several.
    pub primary: Option<&'a str>,
    /// The title's level words are on the management or executive track.
    pub managerial: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum How {
    Exact,
    Core,
    Primary,
    Partial(f64),
}

#[derive(Debug, Clone)]
struct Candidate {
    occupation: u32,
    score: f64,
    best_title: u32,
    best_how: How,
    matching: usize,
}

/// How well a candidate key explains the query, in 0..1, for BM25 candidates.
///
/// Like [`similarity`] (coverage both ways plus Jaro-Winkler, same weights), but each word
/// counts by its rarity among the keys (inverse document frequency: "ethanol" says more than
/// "operator"). On the held-out reported titles this raised top-1 agreement by about two
/// points over plain coverage; weighting the last word (the head noun) more did not help.
pub fn title_similarity(query: &[&str], key: &str, idf: &dyn Fn(&str) -> f64) -> f64 {
    let ktoks: Vec<&str> = key.split(' ').filter(|t| !t.is_empty()).collect();
    if query.is_empty() || ktoks.is_empty() {
        return 0.0;
    }
    let weight = |toks: &[&str]| -> f64 { toks.iter().map(|t| idf(t)).sum() };
    let q_in_k: Vec<&str> = query
        .iter()
        .copied()
        .filter(|t| ktoks.contains(t))
        .collect();
    let k_in_q: Vec<&str> = ktoks
        .iter()
        .copied()
        .filter(|t| query.contains(t))
        .collect();
    let query_coverage = weight(&q_in_k) / weight(query).max(f64::MIN_POSITIVE);
    let key_coverage = weight(&k_in_q) / weight(&ktoks).max(f64::MIN_POSITIVE);
    let jw = similarity(query, key).jaro_winkler;
    W_QUERY * query_coverage + W_KEY * key_coverage + W_JW * jw
}

/// Score O*NET occupations for the query, best first.
fn rank(idx: &OnetIndex, q: &Query) -> Vec<Candidate> {
    let n_keys = idx.keys.len().max(1) as f64;
    let idf = |t: &str| -> f64 { (1.0 + n_keys / idx.token_df(t).max(1) as f64).ln() };
    // Best hit per title.
    let mut best: HashMap<u32, (f64, How)> = HashMap::new();
    let mut seen_keys: Vec<usize> = Vec::new();
    let mut take = |k: usize, how_of: &dyn Fn(bool) -> How| {
        for &p in idx.titles_of(k) {
            let t = p & !CORE_BIT;
            let Some(title) = idx.titles.get(t as usize) else {
                continue;
            };
            let how = how_of(p & CORE_BIT != 0);
            let strength = match how {
                How::Exact => 1.0,
                How::Core => CORE_EXACT,
                How::Primary => PRIMARY_EXACT,
                How::Partial(s) => PARTIAL_FACTOR * s,
            };
            let level = if how == How::Exact || title.managerial == q.managerial {
                1.0
            } else {
                LEVEL_MISMATCH
            };
            let score = strength * source_weight(title.source) * level;
            let e = best.entry(t).or_insert((score, how));
            if score > e.0 {
                *e = (score, how);
            }
        }
    };
    for f in &q.forms {
        if let Some(k) = idx.key_id(f.full) {
            // The same full text is exact; the query's full text being a title's core is not.
            take(k, &|core| if core { How::Core } else { How::Exact });
            seen_keys.push(k);
        }
        if f.core != f.full {
            if let Some(k) = idx.key_id(f.core).filter(|k| !seen_keys.contains(k)) {
                take(k, &|_| How::Core);
                seen_keys.push(k);
            }
        }
    }
    if let Some(k) = q
        .primary
        .and_then(|p| idx.key_id(p))
        .filter(|k| !seen_keys.contains(k))
    {
        take(k, &|_| How::Primary);
        seen_keys.push(k);
    }
    let exact_keys = seen_keys.len();
    for f in &q.forms {
        let tokens: Vec<&str> = f.core.split(' ').filter(|t| !t.is_empty()).collect();
        for (k, _) in idx.text.search(&tokens, BM25_KEYS) {
            if seen_keys[..exact_keys].contains(&k) {
                continue;
            }
            let Some(key) = idx.keys.get(k) else { continue };
            let s = title_similarity(&tokens, key, &idf);
            if s >= MIN_SIMILARITY {
                take(k, &|_| How::Partial(s));
            }
        }
    }
    // Per occupation: its matching titles, best first.
    let mut per: HashMap<u32, Vec<(f64, u32, How)>> = HashMap::new();
    for (t, (score, how)) in best {
        let o = idx.titles[t as usize].occupation;
        per.entry(o).or_default().push((score, t, how));
    }
    let mut out: Vec<Candidate> = per
        .into_iter()
        .filter_map(|(occupation, mut list)| {
            list.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let &(top, best_title, best_how) = list.first()?;
            let support: f64 = list[1..]
                .iter()
                .take(MAX_SUPPORT)
                .map(|x| {
                    if matches!(x.2, How::Partial(_)) {
                        x.0
                    } else {
                        EXACT_SUPPORT * x.0
                    }
                })
                .sum();
            let code = &idx.occupations.get(occupation as usize)?.code;
            let mut score = top + SUPPORT_WEIGHT * (1.0 - (-support / SUPPORT_SCALE).exp());
            if q.managerial && code.starts_with("11-") {
                score += MANAGEMENT_BONUS;
            }
            if code.ends_with(".00") {
                score += BASE_CODE_BONUS;
            }
            if is_residual(soc_part(code)) {
                score -= RESIDUAL_PENALTY;
            }
            Some(Candidate {
                occupation,
                score,
                best_title,
                best_how,
                matching: list.len(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then_with(|| {
            idx.occupations[a.occupation as usize]
                .code
                .cmp(&idx.occupations[b.occupation as usize].code)
        })
    });
    out
}

/// Whether a role mapping's code (detailed, or a group) covers a detailed SOC code.
fn covers(role_code: &str, soc: &str) -> bool {
    if role_code == soc {
        return true;
    }
    let prefix = if role_code.ends_with("-0000") {
        role_code.get(..3)
    } else if role_code.ends_with("000") {
        role_code.get(..4)
    } else if role_code.ends_with("00") {
        role_code.get(..5)
    } else if role_code.ends_with('0') {
        role_code.get(..6)
    } else {
        None
    };
    prefix.is_some_and(|p| soc.starts_with(p))
}

fn round(x: f64) -> f64 {
    (x.clamp(0.0, 1.0) * 1000.0).round() / 1000.0
}

/// Suggestions for a query: O*NET occupations merged with the role's SOC mappings.
pub fn suggest(
    idx: &OnetIndex,
    structure: &SocStructure,
    q: &Query,
    role_soc: &[SocMapping],
    top: usize,
) -> Vec<SocSuggestion> {
    if top == 0 {
        return Vec::new();
    }
    let ranked = rank(idx, q);
    // One suggestion per SOC code: the best O*NET-SOC code, the others named.
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<&Candidate>> = HashMap::new();
    for c in &ranked {
        let soc = soc_part(&idx.occupations[c.occupation as usize].code).to_string();
        let g = groups.entry(soc.clone()).or_default();
        if g.is_empty() {
            order.push(soc);
        }
        g.push(c);
    }
    // (sort key, suggestion): the key is the score before it is clamped for display.
    let mut out: Vec<(f64, SocSuggestion)> = Vec::new();
    for soc in order.iter().take(top + role_soc.len()) {
        let g = &groups[soc];
        let c = g[0];
        let occ = &idx.occupations[c.occupation as usize];
        let t = &idx.titles[c.best_title as usize];
        let mut ev = match c.best_how {
            How::Exact => format!("exact: {} \"{}\"", t.source.as_str(), t.text),
            How::Core => format!(
                "same words less level words: {} \"{}\"",
                t.source.as_str(),
                t.text
            ),
            How::Primary => format!(
                "exact on the first part of the title: {} \"{}\"",
                t.source.as_str(),
                t.text
            ),
            How::Partial(s) => format!(
                "partial: {} \"{}\" (similarity {:.2})",
                t.source.as_str(),
                t.text,
                s
            ),
        };
        if c.matching > 1 {
            ev.push_str(&format!(
                "; {} more matching title{}",
                c.matching - 1,
                if c.matching == 2 { "" } else { "s" }
            ));
        }
        if q.managerial && occ.code.starts_with("11-") {
            ev.push_str("; management occupation for a manager's title");
        }
        if g.len() > 1 {
            let also: Vec<String> = g[1..]
                .iter()
                .take(3)
                .map(|o| {
                    let o = &idx.occupations[o.occupation as usize];
                    format!("{} {}", o.code, o.title)
                })
                .collect();
            ev.push_str(&format!("; also under {}", also.join(", ")));
        }
        let agree = role_soc.iter().find(|m| m.code == *soc);
        let within = role_soc
            .iter()
            .find(|m| m.code != *soc && covers(&m.code, soc));
        let mut score = c.score;
        if agree.is_some() {
            ev.push_str("; agrees with the matched role's SOC mapping");
            score += AGREE_BONUS;
        } else if let Some(m) = within {
            ev.push_str(&format!(
                "; within the matched role's SOC group {} {}",
                m.code, m.title
            ));
            score += GROUP_AGREE_BONUS;
        }
        out.push((
            score,
            SocSuggestion {
                soc_code: soc.clone(),
                onet_code: Some(occ.code.clone()),
                title: occ.title.clone(),
                hierarchy: structure.hierarchy(soc),
                source: "onet".into(),
                score: round(score),
                evidence: ev,
                sources_agree: agree.is_some(),
                review_status: "needs_review",
            },
        ));
    }
    for (i, m) in role_soc.iter().enumerate() {
        if out.iter().any(|s| s.1.soc_code == m.code) {
            continue;
        }
        let score = if i == 0 {
            ROLE_PRIMARY_SCORE
        } else {
            ROLE_SECONDARY_SCORE
        };
        out.push((
            score,
            SocSuggestion {
                soc_code: m.code.clone(),
                onet_code: None,
                title: m.title.clone(),
                hierarchy: structure.hierarchy(&m.code),
                source: "role_mapping".into(),
                score,
                evidence: format!(
                    "{} SOC mapping of the matched role (source: {}); not among the O*NET matches",
                    if i == 0 { "primary" } else { "secondary" },
                    m.source
                ),
                sources_agree: false,
                review_status: "needs_review",
            },
        ));
    }
    // Best first; ties keep O*NET's own order (stable sort).
    out.sort_by(|a, b| b.0.total_cmp(&a.0));
    out.into_iter().take(top).map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_codes_cover_their_members() {
        assert!(covers("15-1212", "15-1212"));
        assert!(covers("15-0000", "15-1212"));
        assert!(covers("15-1200", "15-1212"));
        assert!(covers("15-1210", "15-1212"));
        assert!(covers("29-1000", "29-1141"));
        assert!(!covers("15-1211", "15-1212"));
        assert!(!covers("15-1220", "15-1212"));
        assert!(!covers("13-0000", "15-1212"));
    }
}
