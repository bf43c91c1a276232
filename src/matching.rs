//! What a match returns: role, level, confidence, band, alternatives, SOC suggestions and the
//! explanation. These types serialize to the JSON of `titlematch match --json` and the HTTP API.

use crate::level::{LevelCode, LevelSource};
use crate::lookup::Correction;
use crate::normalize::{Dropped, Expansion};
use crate::score::{Band, Contribution, Features};
use serde::Serialize;

/// How the role was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum MatchType {
    /// The title (less level words and noise) is the role's canonical name or canonical alias.
    Exact,
    /// The title is one of the role's other aliases (including reviewer-approved ones).
    Alias,
    /// An alias matched after correcting typos.
    Fuzzy,
    /// Full-text search found an alias sharing words with the title.
    Partial,
    /// No role.
    None,
}

impl MatchType {
    /// The snake_case name used in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::Exact => "exact",
            MatchType::Alias => "alias",
            MatchType::Fuzzy => "fuzzy",
            MatchType::Partial => "partial",
            MatchType::None => "none",
        }
    }
}

/// A role, by code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleRef {
    /// Role code, e.g. `SEI.GEN`.
    pub code: String,
    /// Role name.
    pub name: String,
}

/// A level with its name and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelRef {
    /// Level code, e.g. `P3`.
    pub code: LevelCode,
    /// Level name, e.g. "Senior Professional".
    pub name: String,
    /// `title` when read from the title, `default` when the role's default.
    pub source: LevelSource,
}

/// A runner-up answer.
#[derive(Debug, Clone, Serialize)]
pub struct Alternative {
    /// The role.
    pub role: RoleRef,
    /// The level this title would have in that role.
    pub level: Option<LevelRef>,
    /// Confidence of this answer, on the same scale as the match's, and never more than what
    /// the match leaves (1 - its confidence): the answer and an alternative cannot both be
    /// likely.
    pub confidence: f64,
    /// How it was found.
    pub match_type: MatchType,
    /// The alias or key that found it.
    pub via: String,
}

/// A suggested occupation code. Always `needs_review`: a person confirms codes.
#[derive(Debug, Clone, Serialize)]
pub struct SocSuggestion {
    /// SOC 2018 code (detailed, or a group for coarse mappings).
    pub soc_code: String,
    /// O*NET-SOC code, when the suggestion came from O*NET.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onet_code: Option<String>,
    /// Occupation title.
    pub title: String,
    /// SOC 2018 hierarchy (major / minor / broad group titles), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hierarchy: Option<SocHierarchy>,
    /// `role_mapping` (from the role's data) or `onet` (from the O*NET database).
    pub source: String,
    /// Score in 0..1 (1 for the role's primary mapping).
    pub score: f64,
    /// Why it was suggested.
    pub evidence: String,
    /// Both sources point at this code.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sources_agree: bool,
    /// Always `needs_review`.
    pub review_status: &'static str,
}

/// The groups above a detailed SOC code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SocHierarchy {
    /// Major group (`15-0000 Computer and Mathematical Occupations`).
    pub major: String,
    /// Minor group.
    pub minor: String,
    /// Broad group.
    pub broad: String,
}

/// Why the answer is what it is: the truth of the computation, not a story.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Explain {
    /// The stage that answered: `exact`, `fuzzy`, `bm25`, or `none`.
    pub stage: String,
    /// The alias that won, as written in data (or by a reviewer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Its normalized key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Its type (`canonical`, `common`, `acronym`, `reviewed`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_type: Option<String>,
    /// Whether a person approved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved: Option<bool>,
    /// Where the alias came from (`titlematch`, `role_card`, `review:<reviewer>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_source: Option<String>,
    /// Keys tried, in order, before the answer.
    pub tried: Vec<String>,
    /// Words read as level signals, with the level each signals.
    pub level_signals: Vec<String>,
    /// What was removed as noise, with the reason.
    pub noise: Vec<Dropped>,
    /// Abbreviations expanded.
    pub expansions: Vec<Expansion>,
    /// Typos corrected.
    pub corrections: Vec<Correction>,
    /// The features of the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features: Option<Features>,
    /// The confidence as a sum of contributions (logistic of the total).
    pub score: Vec<Contribution>,
    /// The title was a compound; this part answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compound_part: Option<String>,
    /// The input was cut to the length limits.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// The answer for one title.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    /// The title as given.
    pub input: String,
    /// The normalized title.
    pub normalized: String,
    /// The role, or null.
    pub role: Option<RoleRef>,
    /// The level, or null.
    pub level: Option<LevelRef>,
    /// Probability that the role is right, 0..1 (fitted; see `titlematch eval`).
    pub confidence: f64,
    /// `high`, `medium` or `low`.
    pub band: Band,
    /// How the role was found.
    pub match_type: MatchType,
    /// Why there is no role (only for `none`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Next-best answers.
    pub alternatives: Vec<Alternative>,
    /// Suggested occupation codes, all `needs_review`.
    pub soc: Vec<SocSuggestion>,
    /// How the answer was reached.
    pub explain: Explain,
}

impl Match {
    /// True when a role was found.
    pub fn is_match(&self) -> bool {
        self.role.is_some()
    }

    /// The role code, if any.
    pub fn role_code(&self) -> Option<&str> {
        self.role.as_ref().map(|r| r.code.as_str())
    }

    /// The level code as text, if any.
    pub fn level_code(&self) -> Option<String> {
        self.level.as_ref().map(|l| l.code.to_string())
    }
}
