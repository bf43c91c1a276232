//! The evaluation report: one serializable value (the `--json` output) and its Markdown form.

use super::calibration::{Calibration, TARGETS};
use super::labeled::SOC_DIGITS;
use super::metrics::{RowOutcome, Scores};
use crate::score::{Features, Scoring};
use serde::Serialize;
use std::fmt::Write;

/// The confidence model the figures were measured with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    /// How it was fitted.
    pub fitted_on: String,
    /// `high` band threshold.
    pub high: f64,
    /// `medium` band threshold.
    pub medium: f64,
}

impl From<&Scoring> for ModelInfo {
    fn from(s: &Scoring) -> ModelInfo {
        ModelInfo {
            fitted_on: s.fitted_on.clone(),
            high: s.high,
            medium: s.medium,
        }
    }
}

/// Figures for one `kind` of row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindScores {
    /// The kind (`clean`, `typo`, ...).
    pub kind: String,
    /// Its figures.
    #[serde(flatten)]
    pub scores: Scores,
}

/// Calibration over all rows and over each split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Splits {
    /// All rows.
    pub all: Calibration,
    /// Rows of the fit split (the rows `eval --fit` fits on).
    pub fit: Calibration,
    /// Held-out rows (never fitted on).
    pub held_out: Calibration,
}

/// What one band holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandFigures {
    /// `high` or `medium` (medium: at or above `medium`, below `high`).
    pub band: &'static str,
    /// Its lower threshold.
    pub threshold: f64,
    /// Answers in the band.
    pub answers: usize,
    /// Of those, right.
    pub right: usize,
    /// Answers as a share of rows with a role label.
    pub share: f64,
}

/// A weight before and after fitting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightChange {
    /// Feature name (or `bias`).
    pub feature: &'static str,
    /// The old weight.
    pub before: f64,
    /// The fitted weight.
    pub after: f64,
    /// Fit samples where the feature is not 0 (all samples for the bias): a weight fitted on a
    /// handful of rows says little.
    pub support: usize,
}

/// What `eval --fit` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitSummary {
    /// Rows the model was fitted on (fit split, answered, with a role label).
    pub samples: usize,
    /// Of those, right answers.
    pub right: usize,
    /// How `high` was chosen.
    pub high_rule: String,
    /// The L2 penalty used.
    pub l2: f64,
    /// Cross-validated mean log-loss of each L2 penalty tried: (L2, log-loss).
    pub cross_validation: Vec<(f64, f64)>,
    /// The model before.
    pub before: ModelInfo,
    /// Calibration before, per split (the report's `calibration` is after).
    pub calibration_before: Splits,
    /// Role top-1 before (the report's `overall` is after).
    pub role_top1_before: super::metrics::Rate,
    /// Weights before and after.
    pub weights: Vec<WeightChange>,
    /// The new model.
    pub scoring: Scoring,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What was evaluated (file or folder).
    pub source: String,
    /// Labeled rows.
    pub rows: usize,
    /// k of role top-k.
    pub top: usize,
    /// One title in this many is held out (by hash).
    pub holdout_every: u32,
    /// The confidence model measured.
    pub model: ModelInfo,
    /// Figures over all rows.
    pub overall: Scores,
    /// Figures per `kind`, when the rows have kinds.
    pub by_kind: Vec<KindScores>,
    /// Calibration of the confidence.
    pub calibration: Splits,
    /// The `high` and `medium` bands over all rows.
    pub bands: Vec<BandFigures>,
    /// The most confident wrong answers.
    pub worst_misses: Vec<RowOutcome>,
    /// Present after `--fit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit: Option<FitSummary>,
}

impl FitSummary {
    /// Weights of `before` and `after` side by side, bias first, with the number of `samples`
    /// where each feature is not 0.
    pub fn weight_changes(
        before: &Scoring,
        after: &Scoring,
        samples: &[Features],
    ) -> Vec<WeightChange> {
        let mut v = vec![WeightChange {
            feature: "bias",
            before: before.bias,
            after: after.bias,
            support: samples.len(),
        }];
        for (i, name) in Features::NAMES.iter().enumerate() {
            v.push(WeightChange {
                feature: name,
                before: before.weights.get(i).copied().unwrap_or(0.0),
                after: after.weights.get(i).copied().unwrap_or(0.0),
                support: samples.iter().filter(|f| f.values()[i] != 0.0).count(),
            });
        }
        v
    }
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.1}%", 100.0 * v))
}

fn num(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.3}"))
}

fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn auto(c: &Calibration, target: f64) -> String {
    match c.at(target) {
        Some(a) if a.threshold.is_some() => format!(
            "{} of rows ({}/{}) at confidence >= {:.3}, precision {}",
            pct(Some(a.share)),
            a.accepted,
            c.rows,
            a.threshold.unwrap_or(0.0),
            pct(a.precision)
        ),
        _ => "not reachable".into(),
    }
}

fn auto_short(c: &Calibration, target: f64) -> String {
    match c.at(target) {
        Some(a) if a.threshold.is_some() => format!(
            "{} (>= {:.3})",
            pct(Some(a.share)),
            a.threshold.unwrap_or(0.0)
        ),
        _ => "not reachable".into(),
    }
}

impl Report {
    /// The report as Markdown: headline, per kind, calibration, bands, fit, worst misses.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = self.write_markdown(&mut s);
        s
    }

    fn write_markdown(&self, s: &mut String) -> std::fmt::Result {
        let o = &self.overall;
        let c = &self.calibration;
        writeln!(s, "# titlematch eval: {}\n", self.source)?;
        writeln!(
            s,
            "{} labeled rows. Confidence model: {} (high >= {}, medium >= {}). Role top-k uses k = {}; \
             calibration is also reported on a held-out split (1 title in {}, by hash of the title).\n",
            self.rows, self.model.fitted_on, self.model.high, self.model.medium, self.top, self.holdout_every
        )?;
        writeln!(s, "## Headline\n")?;
        writeln!(s, "| measure | result |\n| --- | --- |")?;
        writeln!(s, "| Role top-1 | {} |", o.role_top1.show())?;
        writeln!(s, "| Role top-{} | {} |", self.top, o.role_topk.show())?;
        writeln!(s, "| Level exact | {} |", o.level_exact.show())?;
        writeln!(
            s,
            "| Level within one step (same track) | {} |",
            o.level_within_one.show()
        )?;
        for d in SOC_DIGITS {
            if let Some(sc) = o.soc_at(d) {
                writeln!(s, "| SOC top-1, {d} digits | {} |", sc.top1.show())?;
                writeln!(s, "| SOC top-3, {d} digits | {} |", sc.top3.show())?;
            }
        }
        writeln!(
            s,
            "| Calibration error (ECE), all rows | {} ({} answered rows) |",
            num(c.all.ece),
            c.all.answered
        )?;
        writeln!(
            s,
            "| Calibration error (ECE), held-out rows | {} ({} answered rows) |",
            num(c.held_out.ece),
            c.held_out.answered
        )?;
        for t in TARGETS {
            writeln!(
                s,
                "| Auto-accept at {:.0}% precision | {} |",
                100.0 * t,
                auto(&c.all, t)
            )?;
        }
        writeln!(s)?;

        if !self.by_kind.is_empty() {
            writeln!(s, "## By kind\n")?;
            writeln!(
                s,
                "| kind | rows | role top-1 | role top-{} | level exact | level within one | SOC top-1, 2 digits | SOC top-1, 6 digits | SOC top-3, 6 digits |",
                self.top
            )?;
            writeln!(
                s,
                "| --- | ---: | --- | --- | --- | --- | --- | --- | --- |"
            )?;
            for k in &self.by_kind {
                let sc = &k.scores;
                let soc = |d: usize, top3: bool| {
                    sc.soc_at(d).map_or("-".into(), |x| {
                        if top3 {
                            x.top3.show()
                        } else {
                            x.top1.show()
                        }
                    })
                };
                writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    cell(&k.kind),
                    sc.rows,
                    sc.role_top1.show(),
                    sc.role_topk.show(),
                    sc.level_exact.show(),
                    sc.level_within_one.show(),
                    soc(2, false),
                    soc(6, false),
                    soc(6, true)
                )?;
            }
            writeln!(s)?;
        }

        writeln!(s, "## Calibration\n")?;
        writeln!(
            s,
            "Points are rows with a role label that the engine answered with a role (the confidence is the probability that \
             this role is right); rows answered with no role make no claim. Auto-accept shares are of all rows with a role label.\n"
        )?;
        writeln!(s, "| split | rows | answered | accuracy | mean confidence | ECE | Brier | auto-accept at 95% | auto-accept at 99% |")?;
        writeln!(
            s,
            "| --- | ---: | ---: | --- | --- | --- | --- | --- | --- |"
        )?;
        for (name, x) in [("all", &c.all), ("fit", &c.fit), ("held-out", &c.held_out)] {
            writeln!(
                s,
                "| {name} | {} | {} | {} | {} | {} | {} | {} | {} |",
                x.rows,
                x.answered,
                pct(x.accuracy),
                num(x.mean_confidence),
                num(x.ece),
                num(x.brier),
                auto_short(x, 0.95),
                auto_short(x, 0.99)
            )?;
        }
        writeln!(s)?;
        writeln!(s, "| confidence | answers | mean confidence | accuracy | held-out answers | held-out accuracy |")?;
        writeln!(s, "| --- | ---: | --- | --- | ---: | --- |")?;
        for (b, h) in c.all.bins.iter().zip(&c.held_out.bins) {
            writeln!(
                s,
                "| {:.1}-{:.1} | {} | {} | {} | {} | {} |",
                b.lo,
                b.hi,
                b.count,
                num(b.mean_confidence),
                pct(b.accuracy),
                h.count,
                pct(h.accuracy)
            )?;
        }
        writeln!(s)?;
        if !self.bands.is_empty() {
            writeln!(s, "| band | from confidence | answers | share of rows | precision |\n| --- | --- | ---: | --- | --- |")?;
            for b in &self.bands {
                let prec = (b.answers > 0).then(|| b.right as f64 / b.answers as f64);
                writeln!(
                    s,
                    "| {} | {} | {} | {} | {} |",
                    b.band,
                    b.threshold,
                    b.answers,
                    pct(Some(b.share)),
                    pct(prec)
                )?;
            }
            writeln!(s)?;
        }

        if let Some(f) = &self.fit {
            writeln!(s, "## Fit\n")?;
            writeln!(
                s,
                "Logistic regression (L2 = {}, chosen by {}-fold cross-validation: {}) on {} answers of the fit split ({} right). {}; medium = {}.\n",
                f.l2,
                super::fit::FOLDS,
                f.cross_validation.iter().map(|(l, v)| format!("{l} -> {v:.4}")).collect::<Vec<_>>().join(", "),
                f.samples,
                f.right,
                f.high_rule,
                f.scoring.medium
            )?;
            writeln!(s, "| split | ECE before | ECE after | auto-accept at 95% before | after | auto-accept at 99% before | after |")?;
            writeln!(s, "| --- | --- | --- | --- | --- | --- | --- |")?;
            let b = &f.calibration_before;
            for (name, x, y) in [
                ("fit", &b.fit, &c.fit),
                ("held-out", &b.held_out, &c.held_out),
                ("all", &b.all, &c.all),
            ] {
                writeln!(
                    s,
                    "| {name} | {} | {} | {} | {} | {} | {} |",
                    num(x.ece),
                    num(y.ece),
                    auto_short(x, 0.95),
                    auto_short(y, 0.95),
                    auto_short(x, 0.99),
                    auto_short(y, 0.99)
                )?;
            }
            writeln!(
                s,
                "\nRole top-1 before: {}; after: {}.\n",
                f.role_top1_before.show(),
                o.role_top1.show()
            )?;
            writeln!(
                s,
                "| weight | before | after | fit rows where not 0 |\n| --- | ---: | ---: | ---: |"
            )?;
            for w in &f.weights {
                writeln!(
                    s,
                    "| {} | {:.3} | {:.3} | {} |",
                    w.feature, w.before, w.after, w.support
                )?;
            }
            writeln!(
                s,
                "\nBands: high {} -> {}, medium {} -> {}.\n",
                f.before.high, f.scoring.high, f.before.medium, f.scoring.medium
            )?;
        }

        writeln!(s, "## Worst misses\n")?;
        if self.worst_misses.is_empty() {
            writeln!(s, "No wrong answers with a role.")?;
        } else {
            writeln!(s, "The most confident wrong roles.\n")?;
            writeln!(s, "| # | title | kind | label | answer | confidence | match | via alias (key) | where |")?;
            writeln!(
                s,
                "| ---: | --- | --- | --- | --- | ---: | --- | --- | --- |"
            )?;
            for (i, r) in self.worst_misses.iter().enumerate() {
                let label = format!(
                    "{} {}",
                    r.label.role.as_ref().map_or("", |l| l.as_str()),
                    r.label.level.map(|l| l.to_string()).unwrap_or_default()
                );
                let answer = format!(
                    "{} {}",
                    r.answer_role.as_deref().unwrap_or("none"),
                    r.answer_level.as_deref().unwrap_or("")
                );
                let via = match (&r.alias, &r.key) {
                    (Some(a), Some(k)) if !a.eq_ignore_ascii_case(k) => format!("{a} ({k})"),
                    (Some(a), _) => a.clone(),
                    (None, Some(k)) => k.clone(),
                    (None, None) => String::new(),
                };
                writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {:.3} | {} | {} | {}:{} |",
                    i + 1,
                    cell(&r.label.title),
                    cell(r.label.kind.as_deref().unwrap_or("")),
                    cell(label.trim()),
                    cell(answer.trim()),
                    r.confidence,
                    r.match_type.as_str(),
                    cell(&via),
                    cell(&r.label.file),
                    r.label.line
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }
}
