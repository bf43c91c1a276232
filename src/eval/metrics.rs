//! Scoring one answer against its labels, and adding the scores up.
//!
//! - Role top-1: the answer's role is the label; for a `none` label, right iff there is no role.
//! - Role top-k: the label is among the first k candidates (the role, then the alternatives; for
//!   an answer without a role, the alternatives shown to the user). A `none` label is scored as
//!   for top-1.
//! - Level exact: same code. Within one step: same track (INT is rank 0 of P) and ranks at most
//!   one apart. No answer is wrong.
//! - SOC at n digits: top-1 compares the first suggestion, top-3 the first three, with any label
//!   code, on the first n digits; a code is only compared at the precision it has (a broad group
//!   `15-1250` is never right at 6 digits). Rows whose labels are all coarser than n digits are
//!   not scored at n.

use super::labeled::{LabeledRow, RoleLabel, SocCode, SOC_DIGITS};
use crate::level::LevelCode;
use crate::matching::{Match, MatchType};
use crate::score::Features;
use serde::{Serialize, Serializer};

/// Right answers out of scored rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rate {
    /// Rows answered right.
    pub right: usize,
    /// Rows scored.
    pub total: usize,
}

impl Rate {
    /// Count one scored row (`None`: not scored).
    pub fn add(&mut self, ok: Option<bool>) {
        if let Some(ok) = ok {
            self.total += 1;
            self.right += ok as usize;
        }
    }

    /// right / total, or `None` when nothing was scored.
    pub fn rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.right as f64 / self.total as f64)
    }

    /// `87.5% (35/40)`, or `-` when nothing was scored.
    pub fn show(&self) -> String {
        match self.rate() {
            Some(r) => format!("{:.1}% ({}/{})", 100.0 * r, self.right, self.total),
            None => "-".into(),
        }
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Rate", 3)?;
        st.serialize_field("right", &self.right)?;
        st.serialize_field("total", &self.total)?;
        st.serialize_field("rate", &self.rate())?;
        st.end()
    }
}

/// One row's answer and how it scored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowOutcome {
    /// The labeled row.
    #[serde(flatten)]
    pub label: LabeledRow,
    /// The role answered (code).
    pub answer_role: Option<String>,
    /// The level answered.
    pub answer_level: Option<String>,
    /// The SOC codes suggested, in order.
    pub answer_soc: Vec<String>,
    /// The confidence, unrounded (0 for answers without a role).
    pub confidence: f64,
    /// How the role was found.
    pub match_type: MatchType,
    /// The alias that answered.
    pub alias: Option<String>,
    /// Its normalized key.
    pub key: Option<String>,
    /// The features of the answer (none without a role).
    #[serde(skip)]
    pub features: Option<Features>,
    /// The row is in the held-out split.
    pub held_out: bool,
    /// Role top-1 right (`None`: no role label).
    pub role_top1: Option<bool>,
    /// Role top-k right.
    pub role_topk: Option<bool>,
    /// Level exact.
    pub level_exact: Option<bool>,
    /// Level within one step on the same track.
    pub level_within_one: Option<bool>,
    /// SOC top-1 right at 2, 3, 5 and 6 digits.
    pub soc_top1: [Option<bool>; 4],
    /// SOC top-3 right at 2, 3, 5 and 6 digits.
    pub soc_top3: [Option<bool>; 4],
}

impl RowOutcome {
    /// Score `m` against the labels of `row`, with `k` candidates for role top-k.
    /// `confidence` is the unrounded confidence of the answer.
    pub fn score(
        row: &LabeledRow,
        m: &Match,
        k: usize,
        confidence: f64,
        held_out: bool,
    ) -> RowOutcome {
        let answer = m.role_code();
        let (role_top1, role_topk) = match &row.role {
            None => (None, None),
            Some(RoleLabel::NoRole) => (Some(answer.is_none()), Some(answer.is_none())),
            Some(label @ RoleLabel::Role(_)) => {
                let mut cands = answer
                    .into_iter()
                    .chain(m.alternatives.iter().map(|a| a.role.code.as_str()))
                    .take(k.max(1));
                (
                    Some(answer.is_some_and(|a| label.accepts(a))),
                    Some(cands.any(|c| label.accepts(c))),
                )
            }
        };
        let got_level: Option<LevelCode> = m.level.as_ref().map(|l| l.code);
        let level_exact = row.level.map(|want| got_level == Some(want));
        let level_within_one = row
            .level
            .map(|want| got_level.is_some_and(|got| within_one(got, want)));
        let suggested: Vec<SocCode> = m
            .soc
            .iter()
            .filter_map(|s| SocCode::parse(&s.soc_code))
            .collect();
        let mut soc_top1 = [None; 4];
        let mut soc_top3 = [None; 4];
        for (i, &n) in SOC_DIGITS.iter().enumerate() {
            if !row.soc.iter().any(|l| l.precision() >= n) {
                continue;
            }
            let hit = |s: &SocCode| row.soc.iter().any(|l| l.agrees(s, n));
            soc_top1[i] = Some(suggested.first().is_some_and(hit));
            soc_top3[i] = Some(suggested.iter().take(3).any(hit));
        }
        RowOutcome {
            label: row.clone(),
            answer_role: answer.map(str::to_string),
            answer_level: m.level_code(),
            answer_soc: m.soc.iter().map(|s| s.soc_code.clone()).collect(),
            confidence: if answer.is_some() { confidence } else { 0.0 },
            match_type: m.match_type,
            alias: m.explain.alias.clone(),
            key: m.explain.key.clone(),
            features: m.explain.features,
            held_out,
            role_top1,
            role_topk,
            level_exact,
            level_within_one,
            soc_top1,
            soc_top3,
        }
    }

    /// The point this row adds to a reliability diagram: (confidence, role right), only for rows
    /// with a role label where the engine answered a role (a confidence is a claim about a role).
    pub fn calibration_point(&self) -> Option<(f64, bool)> {
        match (self.role_top1, &self.answer_role) {
            (Some(ok), Some(_)) => Some((self.confidence, ok)),
            _ => None,
        }
    }
}

/// Same track (INT counts as P0) and ranks at most one apart.
///
/// ```
/// use titlematch::eval::within_one;
/// let l = |s: &str| s.parse().unwrap();
/// assert!(within_one(l("INT"), l("P1")));
/// assert!(within_one(l("P3"), l("P2")));
/// assert!(!within_one(l("P3"), l("P1")));
/// assert!(!within_one(l("P2"), l("S2")));
/// ```
pub fn within_one(a: LevelCode, b: LevelCode) -> bool {
    a.track == b.track && a.rank.abs_diff(b.rank) <= 1
}

/// SOC accuracy at one precision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SocScore {
    /// Digits compared (2, 3, 5 or 6).
    pub digits: usize,
    /// First suggestion right.
    pub top1: Rate,
    /// One of the first three right.
    pub top3: Rate,
}

/// Accuracy figures over a set of rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scores {
    /// Rows in the set.
    pub rows: usize,
    /// Role top-1.
    pub role_top1: Rate,
    /// Role top-k.
    pub role_topk: Rate,
    /// Level exact.
    pub level_exact: Rate,
    /// Level within one step on the same track.
    pub level_within_one: Rate,
    /// SOC at 2, 3, 5 and 6 digits.
    pub soc: Vec<SocScore>,
}

impl Scores {
    /// Add up the outcomes.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a RowOutcome>) -> Scores {
        let mut s = Scores {
            soc: SOC_DIGITS
                .iter()
                .map(|&digits| SocScore {
                    digits,
                    ..SocScore::default()
                })
                .collect(),
            ..Scores::default()
        };
        for r in rows {
            s.rows += 1;
            s.role_top1.add(r.role_top1);
            s.role_topk.add(r.role_topk);
            s.level_exact.add(r.level_exact);
            s.level_within_one.add(r.level_within_one);
            for (i, sc) in s.soc.iter_mut().enumerate() {
                sc.top1.add(r.soc_top1[i]);
                sc.top3.add(r.soc_top3[i]);
            }
        }
        s
    }

    /// SOC figures at `digits`.
    pub fn soc_at(&self, digits: usize) -> Option<&SocScore> {
        self.soc.iter().find(|s| s.digits == digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_counts_only_scored_rows() {
        let mut r = Rate::default();
        for ok in [Some(true), Some(true), None, Some(false), Some(true)] {
            r.add(ok);
        }
        assert_eq!((r.right, r.total), (3, 4));
        assert_eq!(r.rate(), Some(0.75));
        assert_eq!(r.show(), "75.0% (3/4)");
        assert_eq!(Rate::default().show(), "-");
        assert_eq!(serde_json::to_value(r).unwrap()["rate"], 0.75);
    }

    #[test]
    fn within_one_needs_the_same_track() {
        let l = |s: &str| s.parse::<LevelCode>().unwrap();
        assert!(within_one(l("M2"), l("M3")));
        assert!(!within_one(l("M2"), l("P2")));
        assert!(!within_one(l("INT"), l("P2")));
        assert!(within_one(l("S4"), l("S4")));
    }
}
