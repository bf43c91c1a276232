//! Is a confidence of 0.8 right 80% of the time? Accuracy per confidence decile, the expected
//! calibration error, and how many answers could be accepted without review at a given
//! precision.
//!
//! The points are the rows with a role label for which the engine answered a role: the
//! confidence is the probability that *that role* is right. Rows answered with no role make no
//! claim and are counted apart (they are never accepted automatically).

use serde::Serialize;

/// Number of equal-width confidence bins of the reliability diagram.
pub const BINS: usize = 10;

/// Precision targets for automatic acceptance.
pub const TARGETS: [f64; 2] = [0.95, 0.99];

/// One confidence bin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    /// Lower edge (inclusive).
    pub lo: f64,
    /// Upper edge (exclusive, except for the last bin).
    pub hi: f64,
    /// Answers in the bin.
    pub count: usize,
    /// Right answers in the bin.
    pub right: usize,
    /// Mean confidence of the bin's answers.
    pub mean_confidence: Option<f64>,
    /// Share of the bin's answers that are right.
    pub accuracy: Option<f64>,
}

/// The lowest confidence threshold that reaches a precision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoAccept {
    /// Precision wanted among accepted answers.
    pub target: f64,
    /// Accept answers with confidence at or above this (`None`: no threshold reaches the
    /// target).
    pub threshold: Option<f64>,
    /// Answers accepted at that threshold.
    pub accepted: usize,
    /// Their precision.
    pub precision: Option<f64>,
    /// Accepted answers as a share of all rows with a role label.
    pub share: f64,
}

/// Calibration of a set of answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Rows with a role label.
    pub rows: usize,
    /// Of those, rows answered with a role (the points below).
    pub answered: usize,
    /// Share of answered rows that are right.
    pub accuracy: Option<f64>,
    /// Mean confidence of answered rows.
    pub mean_confidence: Option<f64>,
    /// Expected calibration error: the count-weighted mean of |accuracy - mean confidence| over
    /// the bins.
    pub ece: Option<f64>,
    /// Mean squared error of the confidence against right (1) / wrong (0).
    pub brier: Option<f64>,
    /// The bins.
    pub bins: Vec<Bin>,
    /// Automatic acceptance at 95% and 99% precision.
    pub auto_accept: Vec<AutoAccept>,
}

impl Calibration {
    /// Calibration of `points` (confidence, right) out of `rows` rows with a role label.
    ///
    /// ```
    /// use titlematch::eval::Calibration;
    /// let pts = [(0.95, true), (0.95, true), (0.95, true), (0.95, false), (0.15, false)];
    /// let c = Calibration::of(&pts, 6);
    /// assert_eq!(c.answered, 5);
    /// assert_eq!(c.bins[9].count, 4);
    /// assert_eq!(c.bins[9].accuracy, Some(0.75));
    /// // |0.75 - 0.95| * 4/5 + |0 - 0.15| * 1/5
    /// assert!((c.ece.unwrap() - 0.19).abs() < 1e-9);
    /// assert_eq!(c.auto_accept[0].threshold, None);  // 95% precision is never reached
    /// ```
    pub fn of(points: &[(f64, bool)], rows: usize) -> Calibration {
        let n = points.len();
        let mut bins: Vec<Bin> = (0..BINS)
            .map(|i| Bin {
                lo: i as f64 / BINS as f64,
                hi: (i + 1) as f64 / BINS as f64,
                count: 0,
                right: 0,
                mean_confidence: None,
                accuracy: None,
            })
            .collect();
        let mut sums = vec![0.0; BINS];
        for &(c, ok) in points {
            let i = ((c * BINS as f64).floor().max(0.0) as usize).min(BINS - 1);
            bins[i].count += 1;
            bins[i].right += ok as usize;
            sums[i] += c;
        }
        let mut ece = 0.0;
        for (b, s) in bins.iter_mut().zip(&sums) {
            if b.count > 0 {
                let conf = s / b.count as f64;
                let acc = b.right as f64 / b.count as f64;
                b.mean_confidence = Some(conf);
                b.accuracy = Some(acc);
                ece += (acc - conf).abs() * b.count as f64 / n as f64;
            }
        }
        let right = points.iter().filter(|p| p.1).count();
        let mean = |f: &dyn Fn(&(f64, bool)) -> f64| {
            (n > 0).then(|| points.iter().map(f).sum::<f64>() / n as f64)
        };
        Calibration {
            rows,
            answered: n,
            accuracy: (n > 0).then(|| right as f64 / n as f64),
            mean_confidence: mean(&|p| p.0),
            ece: (n > 0).then_some(ece),
            brier: mean(&|p| (p.0 - p.1 as u8 as f64).powi(2)),
            bins,
            auto_accept: TARGETS
                .iter()
                .map(|&t| auto_accept(points, rows, t))
                .collect(),
        }
    }

    /// The automatic-acceptance figures for `target`, if computed.
    pub fn at(&self, target: f64) -> Option<&AutoAccept> {
        self.auto_accept.iter().find(|a| a.target == target)
    }
}

/// The lowest confidence threshold `t` (one of the confidences seen) such that the answers with
/// confidence >= `t` are right at least `target` of the time; accepting from the lowest such
/// threshold accepts the most answers.
///
/// ```
/// use titlematch::eval::auto_accept;
/// let pts = [(0.99, true), (0.9, true), (0.8, false), (0.7, true), (0.6, true)];
/// let a = auto_accept(&pts, 10, 0.75);
/// assert_eq!(a.threshold, Some(0.6));  // 4 of 5 right = 80%
/// assert_eq!(a.accepted, 5);
/// assert_eq!(a.share, 0.5);
/// assert_eq!(auto_accept(&pts, 10, 0.95).threshold, Some(0.9));
/// ```
pub fn auto_accept(points: &[(f64, bool)], rows: usize, target: f64) -> AutoAccept {
    let mut sorted: Vec<(f64, bool)> = points.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut best: Option<(f64, usize, f64)> = None;
    let (mut taken, mut right) = (0usize, 0usize);
    let mut i = 0;
    while i < sorted.len() {
        // Answers with the same confidence are accepted or not together.
        let t = sorted[i].0;
        while i < sorted.len() && sorted[i].0 == t {
            taken += 1;
            right += sorted[i].1 as usize;
            i += 1;
        }
        let precision = right as f64 / taken as f64;
        if precision >= target {
            best = Some((t, taken, precision));
        }
    }
    match best {
        Some((t, accepted, precision)) => AutoAccept {
            target,
            threshold: Some(t),
            accepted,
            precision: Some(precision),
            share: if rows > 0 {
                accepted as f64 / rows as f64
            } else {
                0.0
            },
        },
        None => AutoAccept {
            target,
            threshold: None,
            accepted: 0,
            precision: None,
            share: 0.0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfectly_calibrated_points_have_zero_ece() {
        // In the 0.8 bin, 4 of 5 right at confidence 0.8; in the 0.2 bin, 1 of 5 right at 0.2.
        let mut pts = vec![(0.8, true); 4];
        pts.push((0.8, false));
        pts.extend([
            (0.2, true),
            (0.2, false),
            (0.2, false),
            (0.2, false),
            (0.2, false),
        ]);
        let c = Calibration::of(&pts, 10);
        assert!(c.ece.unwrap() < 1e-12);
        assert_eq!(c.bins[8].count, 5);
        assert_eq!(c.bins[2].right, 1);
        assert_eq!(c.accuracy, Some(0.5));
    }

    #[test]
    fn edges_go_to_the_right_bins() {
        let c = Calibration::of(&[(0.0, false), (1.0, true), (0.1, true), (0.0999, true)], 4);
        assert_eq!(c.bins[0].count, 2);
        assert_eq!(c.bins[1].count, 1);
        assert_eq!(c.bins[9].count, 1);
    }

    #[test]
    fn ties_are_accepted_together() {
        // At 0.9: 2 right, 1 wrong (67%); above it nothing. 95% is unreachable.
        let pts = [(0.9, true), (0.9, false), (0.9, true)];
        let a = auto_accept(&pts, 3, 0.95);
        assert_eq!((a.threshold, a.accepted, a.share), (None, 0, 0.0));
        assert_eq!(auto_accept(&pts, 3, 0.6).accepted, 3);
    }

    #[test]
    fn empty_input_is_not_an_error() {
        let c = Calibration::of(&[], 0);
        assert_eq!((c.answered, c.ece, c.accuracy), (0, None, None));
        assert_eq!(c.auto_accept.len(), 2);
    }
}
