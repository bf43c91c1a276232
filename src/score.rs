//! Step 4 of the pipeline: turn the evidence for a match into one calibrated confidence.
//!
//! A match is described by a few [`Features`] in 0..1 (how it was found, how much of the title
//! the alias explains, how far ahead of the runner-up it is, how trusted the alias is). The
//! confidence is a logistic function of them, `1 / (1 + exp(-(bias + sum(w_i * x_i))))`, with
//! weights fitted on the labeled dev set (`titlematch eval --fit`) and stored in
//! `data/scoring.toml` together with the band thresholds. Because it is fitted as a probability,
//! "0.8" means that about 80% of answers given 0.8 are right; `titlematch eval` checks it.
//! Every match carries its features and their contributions, so `explain` shows the real sum.

use crate::data::DataFiles;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The scoring file.
pub const FILE: &str = "scoring.toml";

/// Evidence for one candidate, each in 0..1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Features {
    /// Found by an exact alias key.
    pub exact: f64,
    /// Found by an exact key after typo correction.
    pub fuzzy: f64,
    /// Found by BM25 + re-rank only.
    pub partial: f64,
    /// The alias's own confidence from data (1 for canonical names).
    pub alias_confidence: f64,
    /// The alias was approved by a person.
    pub approved: f64,
    /// Share of the title's content words explained (by the alias, level words or noise).
    pub coverage: f64,
    /// Lead over the best other role (1 when no other role competes).
    pub margin: f64,
    /// Similarity of the title to the alias (re-rank score; 1 for exact keys).
    pub similarity: f64,
    /// Several roles share the key.
    pub ambiguous: f64,
    /// The title is one generic word ("Engineer", "Manager", "Analyst").
    pub generic: f64,
    /// The answer came from one part of a compound title.
    pub compound: f64,
}

impl Features {
    /// Feature names, in the order of [`Features::values`].
    pub const NAMES: [&'static str; 11] = [
        "exact",
        "fuzzy",
        "partial",
        "alias_confidence",
        "approved",
        "coverage",
        "margin",
        "similarity",
        "ambiguous",
        "generic",
        "compound",
    ];

    /// The values in [`Features::NAMES`] order.
    pub fn values(&self) -> [f64; 11] {
        [
            self.exact,
            self.fuzzy,
            self.partial,
            self.alias_confidence,
            self.approved,
            self.coverage,
            self.margin,
            self.similarity,
            self.ambiguous,
            self.generic,
            self.compound,
        ]
    }
}

/// Confidence bands and what to do with each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Accept automatically.
    High,
    /// Accept with spot checks, or review.
    Medium,
    /// Send to review.
    Low,
}

/// One feature's part of a confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// Feature name (or `bias`).
    pub feature: &'static str,
    /// Its value.
    pub value: f64,
    /// Its weight.
    pub weight: f64,
    /// value x weight.
    pub contribution: f64,
}

/// Fitted weights and band thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    /// How the weights were obtained (free text, for people).
    #[serde(default)]
    pub fitted_on: String,
    /// Confidence at or above which a match is `high`.
    pub high: f64,
    /// Confidence at or above which a match is `medium`.
    pub medium: f64,
    /// Intercept.
    pub bias: f64,
    /// One weight per feature, in [`Features::NAMES`] order.
    pub weights: Vec<f64>,
}

impl Scoring {
    /// Load and validate `scoring.toml`.
    pub fn load(data: &DataFiles) -> Result<Scoring> {
        let text = data.require(FILE)?;
        let s: Scoring = toml::from_str(text).map_err(|e| {
            Error::data(
                FILE,
                e.span().map(|s| crate::data::line_of(text, s.start)),
                "toml",
                e.message().to_string(),
            )
        })?;
        s.validate()?;
        Ok(s)
    }

    /// Check thresholds and weight count.
    pub fn validate(&self) -> Result<()> {
        if self.weights.len() != Features::NAMES.len() {
            return Err(Error::data(
                FILE,
                None,
                "weights",
                format!(
                    "expected {} weights ({}), found {}",
                    Features::NAMES.len(),
                    Features::NAMES.join(", "),
                    self.weights.len()
                ),
            ));
        }
        if !(0.0 < self.medium && self.medium <= self.high && self.high < 1.0) {
            return Err(Error::data(
                FILE,
                None,
                "high/medium",
                "need 0 < medium <= high < 1",
            ));
        }
        if self
            .weights
            .iter()
            .chain([&self.bias])
            .any(|w| !w.is_finite())
        {
            return Err(Error::data(
                FILE,
                None,
                "weights",
                "weights must be finite numbers",
            ));
        }
        Ok(())
    }

    /// The confidence of a candidate.
    pub fn confidence(&self, f: &Features) -> f64 {
        let z = self.bias
            + f.values()
                .iter()
                .zip(&self.weights)
                .map(|(x, w)| x * w)
                .sum::<f64>();
        1.0 / (1.0 + (-z).exp())
    }

    /// The per-feature breakdown of [`Scoring::confidence`].
    pub fn breakdown(&self, f: &Features) -> Vec<Contribution> {
        let mut v = vec![Contribution {
            feature: "bias",
            value: 1.0,
            weight: self.bias,
            contribution: self.bias,
        }];
        for ((name, x), w) in Features::NAMES.iter().zip(f.values()).zip(&self.weights) {
            if x != 0.0 {
                v.push(Contribution {
                    feature: name,
                    value: x,
                    weight: *w,
                    contribution: x * w,
                });
            }
        }
        v
    }

    /// The band of a confidence.
    pub fn band(&self, confidence: f64) -> Band {
        if confidence >= self.high {
            Band::High
        } else if confidence >= self.medium {
            Band::Medium
        } else {
            Band::Low
        }
    }

    /// Write as TOML, with a header comment.
    pub fn to_toml(&self) -> String {
        let mut s = String::from("# Confidence model: weights of a logistic function over the match features, and band\n# thresholds. Written by `titlematch eval --fit`; see src/score.rs for the features.\n# Feature order: ");
        s.push_str(&Features::NAMES.join(", "));
        s.push_str("\n\n");
        s.push_str(&toml::to_string(self).expect("scoring serializes"));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scoring() -> Scoring {
        Scoring {
            fitted_on: String::new(),
            high: 0.9,
            medium: 0.5,
            bias: -1.0,
            weights: vec![2.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, -1.0, -1.0, 0.0],
        }
    }

    #[test]
    fn confidence_is_monotone_and_explained() {
        let s = scoring();
        let weak = Features {
            partial: 1.0,
            coverage: 0.5,
            ..Default::default()
        };
        let strong = Features {
            exact: 1.0,
            alias_confidence: 1.0,
            coverage: 1.0,
            margin: 1.0,
            ..Default::default()
        };
        assert!(s.confidence(&strong) > s.confidence(&weak));
        let sum: f64 = s.breakdown(&strong).iter().map(|c| c.contribution).sum();
        assert!((1.0 / (1.0 + (-sum).exp()) - s.confidence(&strong)).abs() < 1e-12);
        assert_eq!(s.band(0.95), Band::High);
        assert_eq!(s.band(0.6), Band::Medium);
        assert_eq!(s.band(0.1), Band::Low);
    }

    #[test]
    fn rejects_bad_files() {
        let mut s = scoring();
        s.weights.pop();
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("expected 11 weights"));
        let mut s = scoring();
        s.high = 0.2;
        assert!(s.validate().is_err());
    }
}
