//! Evaluation on labeled titles: accuracy of role, level and SOC, calibration of the
//! confidence, the worst misses, and fitting the confidence model (`titlematch eval`).
//!
//! ```
//! use titlematch::eval::{evaluate, parse_labeled, EvalOptions};
//!
//! let engine = titlematch::Engine::builtin()?;
//! let rows = parse_labeled(
//!     "title\trole\tkind\nSenior Information Security Engineer\tSEI.GEN\tclean\nasdf\tnone\tjunk\n",
//!     "inline.tsv",
//!     b'\t',
//! )?;
//! let report = evaluate(&engine, &rows, &EvalOptions::default(), "inline.tsv")?;
//! assert_eq!(report.overall.role_top1.total, 2);
//! assert_eq!(report.by_kind.len(), 2);
//! println!("{}", report.to_markdown());
//! # Ok::<(), titlematch::Error>(())
//! ```
//!
//! The parts:
//! - [`labeled`]: reading the labeled file(s);
//! - [`metrics`]: scoring each answer, adding the scores up;
//! - [`calibration`]: deciles, expected calibration error, automatic acceptance at a precision;
//! - [`fit`]: the held-out split, the logistic fit, the band thresholds;
//! - [`report`]: the report (JSON) and its Markdown;
//! - [`plot`]: the reliability diagram (SVG).

pub mod calibration;
pub mod fit;
pub mod labeled;
pub mod metrics;
pub mod plot;
pub mod report;

pub use calibration::{auto_accept, AutoAccept, Bin, Calibration};
pub use fit::{band_thresholds, fit_logistic, fit_scoring, held_out};
pub use labeled::{parse_labeled, read_labeled, LabeledRow, RoleLabel, SocCode};
pub use metrics::{within_one, Rate, RowOutcome, Scores};
pub use plot::reliability_svg;
pub use report::{FitSummary, Report};

use crate::engine::{Engine, MatchOptions};
use crate::error::{Error, Result};
use crate::score::{Band, Scoring};
use report::{BandFigures, KindScores, ModelInfo, Splits};
use std::collections::BTreeMap;

/// Default number of held-out titles: one in this many.
pub const DEFAULT_HOLDOUT_EVERY: u32 = 3;

/// Default number of worst misses listed.
pub const DEFAULT_WORST: usize = 20;

/// How to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalOptions {
    /// k of role top-k (the role plus k-1 alternatives).
    pub top: usize,
    /// Industry ladder for level words.
    pub ladder: String,
    /// One title in this many (by hash) is held out of the fit.
    pub holdout_every: u32,
    /// How many worst misses to list.
    pub worst: usize,
}

impl Default for EvalOptions {
    fn default() -> EvalOptions {
        EvalOptions {
            top: 3,
            ladder: "general".into(),
            holdout_every: DEFAULT_HOLDOUT_EVERY,
            worst: DEFAULT_WORST,
        }
    }
}

impl EvalOptions {
    fn check(&self, engine: &Engine) -> Result<()> {
        if self.top == 0 || self.top > crate::limits::MAX_TOP {
            return Err(Error::Invalid(format!(
                "--top must be 1..={}",
                crate::limits::MAX_TOP
            )));
        }
        if self.holdout_every < 2 {
            return Err(Error::Invalid(
                "--holdout-every must be at least 2 (one title in N is held out)".into(),
            ));
        }
        if !engine.ladders().contains(&self.ladder) {
            return Err(Error::Invalid(format!(
                "unknown ladder {:?}; known: {}",
                self.ladder,
                engine.ladders().join(", ")
            )));
        }
        Ok(())
    }
}

/// Refuse labels that name roles the engine does not have (a typo in the labels, or a role
/// renamed in the data): they could never be right, and would silently lower the figures.
pub fn check_labels(engine: &Engine, rows: &[LabeledRow]) -> Result<()> {
    let bad: Vec<String> = rows
        .iter()
        .filter_map(|r| match &r.role {
            Some(label) => label
                .codes()
                .find(|c| engine.taxonomy().get(c).is_none())
                .map(|c| format!("{}:{}: {c}", r.file, r.line)),
            None => None,
        })
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(Error::Invalid(format!(
        "{} labeled row(s) name unknown role codes (see `titlematch roles`): {}{}",
        bad.len(),
        bad.iter().take(5).cloned().collect::<Vec<_>>().join("; "),
        if bad.len() > 5 { "; ..." } else { "" }
    )))
}

/// Match every row (in parallel, order kept) and score it.
pub fn outcomes(engine: &Engine, rows: &[LabeledRow], opts: &EvalOptions) -> Vec<RowOutcome> {
    use rayon::prelude::*;
    let mopts = MatchOptions {
        top: opts.top,
        ladder: opts.ladder.clone(),
        soc_top: 3,
        explore: true,
    };
    rows.par_iter()
        .map(|r| {
            let m = engine.match_with(&r.title, &mopts);
            // The unrounded confidence, so that thresholds chosen from it act exactly.
            let conf = m
                .explain
                .features
                .map_or(m.confidence, |f| engine.scoring().confidence(&f));
            RowOutcome::score(
                r,
                &m,
                opts.top,
                conf,
                held_out(&r.title, opts.holdout_every),
            )
        })
        .collect()
}

fn points<'a>(rows: impl Iterator<Item = &'a RowOutcome>) -> (Vec<(f64, bool)>, usize) {
    let mut pts = Vec::new();
    let mut n = 0;
    for r in rows {
        if r.role_top1.is_some() {
            n += 1;
        }
        pts.extend(r.calibration_point());
    }
    (pts, n)
}

fn splits(out: &[RowOutcome]) -> Splits {
    let cal = |f: &dyn Fn(&RowOutcome) -> bool| {
        let (p, n) = points(out.iter().filter(|r| f(r)));
        Calibration::of(&p, n)
    };
    Splits {
        all: cal(&|_| true),
        fit: cal(&|r| !r.held_out),
        held_out: cal(&|r| r.held_out),
    }
}

fn bands(out: &[RowOutcome], s: &Scoring) -> Vec<BandFigures> {
    let (pts, n) = points(out.iter());
    [
        (Band::High, "high", s.high),
        (Band::Medium, "medium", s.medium),
    ]
    .into_iter()
    .map(|(band, name, threshold)| {
        let inb: Vec<&(f64, bool)> = pts.iter().filter(|p| s.band(p.0) == band).collect();
        let answers = inb.len();
        BandFigures {
            band: name,
            threshold,
            answers,
            right: inb.iter().filter(|p| p.1).count(),
            share: if n > 0 {
                answers as f64 / n as f64
            } else {
                0.0
            },
        }
    })
    .collect()
}

fn report(engine: &Engine, out: Vec<RowOutcome>, opts: &EvalOptions, source: &str) -> Report {
    let mut kinds: BTreeMap<&str, Vec<&RowOutcome>> = BTreeMap::new();
    for r in &out {
        if let Some(k) = &r.label.kind {
            kinds.entry(k.as_str()).or_default().push(r);
        }
    }
    let by_kind = kinds
        .into_iter()
        .map(|(k, rs)| KindScores {
            kind: k.to_string(),
            scores: Scores::of(rs),
        })
        .collect();
    let mut misses: Vec<&RowOutcome> = out
        .iter()
        .filter(|r| r.answer_role.is_some() && r.role_top1 == Some(false))
        .collect();
    misses.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(a.label.file.cmp(&b.label.file))
            .then(a.label.line.cmp(&b.label.line))
    });
    let worst_misses = misses.into_iter().take(opts.worst).cloned().collect();
    Report {
        source: source.to_string(),
        rows: out.len(),
        top: opts.top,
        holdout_every: opts.holdout_every,
        model: ModelInfo::from(engine.scoring()),
        overall: Scores::of(&out),
        by_kind,
        calibration: splits(&out),
        bands: bands(&out, engine.scoring()),
        worst_misses,
        fit: None,
    }
}

/// Evaluate the engine on labeled rows. `source` names them in the report.
pub fn evaluate(
    engine: &Engine,
    rows: &[LabeledRow],
    opts: &EvalOptions,
    source: &str,
) -> Result<Report> {
    opts.check(engine)?;
    check_labels(engine, rows)?;
    Ok(report(engine, outcomes(engine, rows, opts), opts, source))
}

/// Fit the confidence model on the fit split of `rows`, install it in `engine`, and evaluate
/// with it. Returns the report (with its [`FitSummary`]) and the new model, for the caller to
/// write (`Scoring::to_toml`).
///
/// Steps: match every row with the current model; fit a logistic regression of "role right" on
/// the features of the fit split's answers; match again with the new weights (they decide
/// between candidates too); choose `high` on the fit split; measure everything, with the
/// held-out split as the honest check.
pub fn fit_and_evaluate(
    engine: &mut Engine,
    rows: &[LabeledRow],
    opts: &EvalOptions,
    source: &str,
) -> Result<(Report, Scoring)> {
    opts.check(engine)?;
    check_labels(engine, rows)?;
    let before_model = engine.scoring().clone();
    let before = outcomes(engine, rows, opts);
    let calibration_before = splits(&before);
    let role_top1_before = Scores::of(&before).role_top1;
    let fit_rows: Vec<&RowOutcome> = before.iter().filter(|r| !r.held_out).collect();
    let samples: Vec<_> = fit_rows
        .iter()
        .filter_map(|r| Some((r.features?, r.role_top1?)))
        .collect();
    let folds: Vec<u64> = fit_rows
        .iter()
        .filter(|r| r.features.is_some() && r.role_top1.is_some())
        .map(|r| fit::fold(&r.label.title, opts.holdout_every))
        .collect();
    let (l2, cv) = fit::choose_l2(&samples, &folds)?;
    let fitted = fit_scoring(
        &samples,
        l2,
        (before_model.high, before_model.medium),
        String::new(),
    )?;
    engine.set_scoring(fitted.clone())?;
    let after = outcomes(engine, rows, opts);
    let (fit_pts, _) = points(after.iter().filter(|r| !r.held_out));
    let (high, medium, high_rule) = band_thresholds(&fit_pts);
    let scoring = Scoring {
        fitted_on: format!(
            "titlematch eval --fit on {source}: {} answers of the fit split ({} of {} rows; 1 title in {} held out by hash), L2 = {l2} (lowest {}-fold cross-validated log-loss); {high_rule}; medium = {medium}",
            samples.len(),
            fit_rows.len(),
            rows.len(),
            opts.holdout_every,
            fit::FOLDS
        ),
        high,
        medium,
        ..fitted
    };
    engine.set_scoring(scoring.clone())?;
    let mut rep = report(engine, after, opts, source);
    rep.fit = Some(FitSummary {
        samples: samples.len(),
        right: samples.iter().filter(|s| s.1).count(),
        high_rule,
        l2,
        cross_validation: cv,
        before: ModelInfo::from(&before_model),
        calibration_before,
        role_top1_before,
        weights: FitSummary::weight_changes(
            &before_model,
            &scoring,
            &samples.iter().map(|s| s.0).collect::<Vec<_>>(),
        ),
        scoring: scoring.clone(),
    });
    Ok((rep, scoring))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> &'static Engine {
        static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
        E.get_or_init(|| Engine::builtin().unwrap())
    }

    fn rows(t: &str) -> Vec<LabeledRow> {
        parse_labeled(t, "t.tsv", b'\t').unwrap()
    }

    #[test]
    fn unknown_role_labels_are_refused_with_their_line() {
        let e = engine();
        let r = rows("title\trole\nNurse\tNOPE.X\n");
        let err = evaluate(e, &r, &EvalOptions::default(), "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.tsv:2: NOPE.X"), "{err}");
    }

    #[test]
    fn junk_label_is_right_only_without_a_role() {
        let e = engine();
        let r = rows("title\trole\nasdf\tnone\nSenior Information Security Engineer\tnone\n");
        let rep = evaluate(e, &r, &EvalOptions::default(), "t").unwrap();
        assert_eq!(
            (rep.overall.role_top1.right, rep.overall.role_top1.total),
            (1, 2)
        );
        assert_eq!(rep.worst_misses.len(), 1);
        assert_eq!(
            rep.worst_misses[0].label.title,
            "Senior Information Security Engineer"
        );
    }

    #[test]
    fn bad_options_are_refused() {
        let e = engine();
        let r = rows("title\trole\nasdf\tnone\n");
        for o in [
            EvalOptions {
                top: 0,
                ..EvalOptions::default()
            },
            EvalOptions {
                holdout_every: 1,
                ..EvalOptions::default()
            },
            EvalOptions {
                ladder: "nope".into(),
                ..EvalOptions::default()
            },
        ] {
            assert!(evaluate(e, &r, &o, "t").is_err(), "{o:?}");
        }
    }
}
