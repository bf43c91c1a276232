//! Fitting the confidence model: an L2-regularized logistic regression of "the role is right" on
//! the match [`Features`], by Newton's method (deterministic: no random start, no sampling), and
//! band thresholds read off the fitted confidences.
//!
//! Rows are split by a stable hash of the title (FNV-1a of the trimmed, lower-cased title), so a
//! title always lands in the same split, duplicates included, whatever the file order.

use super::calibration::auto_accept;
use crate::error::{Error, Result};
use crate::score::{Features, Scoring};

/// Number of features (weights).
const N: usize = Features::NAMES.len();

/// L2 penalties tried, as `L2 / 2 * sum(w^2)` added to the summed log-loss (the bias is not
/// penalized). The one with the lowest cross-validated log-loss on the fit split is used. The
/// penalty matters where the data says little: features that never vary or move together
/// (`exact` + `fuzzy` + `partial` = 1) get small, shared weights instead of arbitrary large ones.
pub const L2_GRID: [f64; 6] = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0];

/// Folds of the cross-validation that chooses the L2 penalty (by title hash, within the fit
/// split).
pub const FOLDS: u64 = 5;

/// At most this many Newton steps (12 parameters converge in fewer than 15).
pub const MAX_STEPS: usize = 100;

/// Stop when no parameter moves more than this.
pub const TOLERANCE: f64 = 1e-10;

/// Precision the `high` band is chosen for, on the fit split. `high` means "accept without a
/// person", so it is set where 99 answers in 100 are right; the 95% threshold is reported too.
pub const HIGH_PRECISION: f64 = 0.99;

/// The `medium` threshold: from here on an answer is more likely right than wrong (the
/// confidence is a fitted probability). Lowered to `high` when `high` is below it.
pub const MEDIUM: f64 = 0.5;

/// `high` when no threshold reaches [`HIGH_PRECISION`] on the fit split.
pub const HIGH_FALLBACK: f64 = 0.99;

/// True when a title belongs to the held-out split: one title in `every` (by hash).
///
/// ```
/// use titlematch::eval::held_out;
/// assert_eq!(held_out("Registered Nurse", 3), held_out("  registered NURSE ", 3));
/// let n = (0..300).filter(|i| held_out(&format!("title {i}"), 3)).count();
/// assert!(n > 70 && n < 130);
/// ```
pub fn held_out(title: &str, every: u32) -> bool {
    every > 0 && title_hash(title).is_multiple_of(every as u64)
}

/// The stable hash that assigns a title to a split and a cross-validation fold: FNV-1a (64 bit)
/// of the trimmed, lower-cased title.
pub fn title_hash(title: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in title.trim().to_lowercase().bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The cross-validation fold of a title, independent of its split (`every` is the split's).
pub fn fold(title: &str, every: u32) -> u64 {
    (title_hash(title) / every.max(1) as u64) % FOLDS
}

fn softplus(z: f64) -> f64 {
    // log(1 + e^z) without overflow.
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Penalized negative log-likelihood of parameters `t` (bias first).
fn loss(t: &[f64; N + 1], x: &[[f64; N]], y: &[bool], l2: f64) -> f64 {
    let mut l = 0.0;
    for (xi, &yi) in x.iter().zip(y) {
        let z = t[0] + xi.iter().zip(&t[1..]).map(|(a, b)| a * b).sum::<f64>();
        // -[y log p + (1-y) log(1-p)] = softplus(z) - y z
        l += softplus(z) - if yi { z } else { 0.0 };
    }
    l + 0.5 * l2 * t[1..].iter().map(|w| w * w).sum::<f64>()
}

/// Fit `P(right) = sigmoid(bias + w . x)` by Newton's method with a backtracking line search.
/// Returns `(bias, weights)`.
///
/// ```
/// use titlematch::eval::fit_logistic;
/// // One feature that separates perfectly: the weight is large and positive, held finite by L2.
/// let x: Vec<[f64; 11]> = (0..40).map(|i| { let mut v = [0.0; 11]; v[0] = (i % 2) as f64; v }).collect();
/// let y: Vec<bool> = (0..40).map(|i| i % 2 == 1).collect();
/// let (b, w) = fit_logistic(&x, &y, 1.0)?;
/// assert!(w[0] > 3.0 && b < -1.0 && w[0].is_finite());
/// # Ok::<(), titlematch::Error>(())
/// ```
pub fn fit_logistic(x: &[[f64; N]], y: &[bool], l2: f64) -> Result<(f64, Vec<f64>)> {
    if x.len() != y.len() || x.is_empty() {
        return Err(Error::Invalid(
            "fitting the confidence model: no rows to fit on".into(),
        ));
    }
    let pos = y.iter().filter(|&&v| v).count();
    if pos == 0 || pos == y.len() {
        return Err(Error::Invalid(format!(
            "fitting the confidence model: need both right and wrong answers, got {pos} right of {}",
            y.len()
        )));
    }
    if x.iter().flatten().any(|v| !v.is_finite()) || l2.is_nan() || l2 <= 0.0 {
        return Err(Error::Invalid(
            "fitting the confidence model: features must be finite and L2 positive".into(),
        ));
    }
    let mut t = [0.0; N + 1];
    // Start from the base rate so the first step is small.
    let base = pos as f64 / y.len() as f64;
    t[0] = (base / (1.0 - base)).ln();
    let mut cur = loss(&t, x, y, l2);
    for _ in 0..MAX_STEPS {
        let mut g = [0.0; N + 1];
        let mut h = [[0.0; N + 1]; N + 1];
        for (xi, &yi) in x.iter().zip(y) {
            let mut v = [1.0; N + 1];
            v[1..].copy_from_slice(xi);
            let p = sigmoid(v.iter().zip(&t).map(|(a, b)| a * b).sum());
            let r = p - yi as u8 as f64;
            let s = p * (1.0 - p);
            for j in 0..=N {
                g[j] += r * v[j];
                for k in 0..=N {
                    h[j][k] += s * v[j] * v[k];
                }
            }
        }
        for j in 1..=N {
            g[j] += l2 * t[j];
            h[j][j] += l2;
        }
        h[0][0] += 1e-9;
        let step = solve(h, g).ok_or_else(|| {
            Error::Invalid("fitting the confidence model: singular system".into())
        })?;
        let mut a = 1.0;
        let mut next = t;
        loop {
            for j in 0..=N {
                next[j] = t[j] - a * step[j];
            }
            let l = loss(&next, x, y, l2);
            if l <= cur + 1e-12 || a < 1e-8 {
                cur = l.min(cur);
                break;
            }
            a *= 0.5;
        }
        let moved = t
            .iter()
            .zip(&next)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max);
        t = next;
        if moved < TOLERANCE {
            break;
        }
    }
    Ok((t[0], t[1..].to_vec()))
}

/// Solve `a x = b` by Gaussian elimination with partial pivoting.
fn solve<const D: usize>(mut a: [[f64; D]; D], mut b: [f64; D]) -> Option<[f64; D]> {
    for c in 0..D {
        let p = (c..D).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-300 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        for r in c + 1..D {
            let f = a[r][c] / a[c][c];
            let pivot = a[c];
            for (x, p) in a[r][c..].iter_mut().zip(&pivot[c..]) {
                *x -= f * p;
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = [0.0; D];
    for r in (0..D).rev() {
        let s: f64 = (r + 1..D).map(|k| a[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Band thresholds from (confidence, right) points of the fit split: `high` is the lowest
/// threshold at which the answers at or above it are right [`HIGH_PRECISION`] of the time
/// (rounded down to the shortest decimal, of at least 2 places, that accepts exactly the same
/// answers), `medium` is
/// [`MEDIUM`]. Returns `(high, medium, how high was chosen)`.
///
/// ```
/// use titlematch::eval::band_thresholds;
/// let mut pts = vec![(0.9731, true); 99];
/// pts.push((0.9731, false));
/// pts.push((0.41, false));
/// let (high, medium, _) = band_thresholds(&pts);
/// assert_eq!((high, medium), (0.97, 0.5));   // 0.97 accepts the same answers as 0.9731
/// ```
pub fn band_thresholds(points: &[(f64, bool)]) -> (f64, f64, String) {
    let a = auto_accept(points, points.len(), HIGH_PRECISION);
    let (high, how) = match a.threshold {
        Some(t) => {
            let below = points
                .iter()
                .map(|p| p.0)
                .filter(|&c| c < t)
                .fold(0.0, f64::max);
            let v = (2..=6)
                .map(|d| (t * 10f64.powi(d)).floor() / 10f64.powi(d))
                .find(|&v| v > below)
                .unwrap_or(t);
            (
                v.min(0.999),
                format!(
                    "high = lowest threshold with >= {:.0}% precision on the fit split ({} of {} answers accepted, precision {:.3})",
                    100.0 * HIGH_PRECISION,
                    a.accepted,
                    points.len(),
                    a.precision.unwrap_or(0.0)
                ),
            )
        }
        None => (
            HIGH_FALLBACK,
            format!(
                "no threshold reached {:.0}% precision on the fit split; high = {HIGH_FALLBACK}",
                100.0 * HIGH_PRECISION
            ),
        ),
    };
    (high, MEDIUM.min(high), how)
}

/// Mean log-loss of each L2 penalty of [`L2_GRID`] in [`FOLDS`]-fold cross-validation (`folds`
/// gives each sample's fold), and the penalty with the lowest (ties: the larger penalty).
pub fn choose_l2(samples: &[(Features, bool)], folds: &[u64]) -> Result<(f64, Vec<(f64, f64)>)> {
    let mut table = Vec::new();
    for &l2 in &L2_GRID {
        let mut total = 0.0;
        let mut ok = true;
        for f in 0..FOLDS {
            let (train, test): (Vec<_>, Vec<_>) =
                samples.iter().zip(folds).partition(|(_, &k)| k != f);
            if test.is_empty() {
                continue;
            }
            let x: Vec<[f64; N]> = train.iter().map(|(s, _)| s.0.values()).collect();
            let y: Vec<bool> = train.iter().map(|(s, _)| s.1).collect();
            let Ok((b, w)) = fit_logistic(&x, &y, l2) else {
                ok = false;
                break;
            };
            for ((feat, right), _) in test {
                let z = b + feat
                    .values()
                    .iter()
                    .zip(&w)
                    .map(|(a, c)| a * c)
                    .sum::<f64>();
                total += softplus(z) - if *right { z } else { 0.0 };
            }
        }
        if ok {
            table.push((l2, total / samples.len().max(1) as f64));
        }
    }
    let best = table
        .iter()
        .copied()
        .reduce(|a, b| if b.1 <= a.1 + 1e-12 { b } else { a })
        .ok_or_else(|| {
            Error::Invalid(
                "fitting the confidence model: cross-validation failed for every L2 penalty".into(),
            )
        })?;
    Ok((best.0, table))
}

/// Fit a [`Scoring`] from (features, right) samples with the L2 penalty `l2`, keeping
/// `high`/`medium` of `bands` (the thresholds are chosen afterwards, on confidences of the new
/// model, by [`band_thresholds`]).
pub fn fit_scoring(
    samples: &[(Features, bool)],
    l2: f64,
    bands: (f64, f64),
    fitted_on: String,
) -> Result<Scoring> {
    let x: Vec<[f64; N]> = samples.iter().map(|(f, _)| f.values()).collect();
    let y: Vec<bool> = samples.iter().map(|s| s.1).collect();
    let (bias, weights) = fit_logistic(&x, &y, l2)?;
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let s = Scoring {
        fitted_on,
        high: bands.0,
        medium: bands.1,
        bias: round(bias),
        weights: weights.into_iter().map(round).collect(),
    };
    s.validate()?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feat(exact: f64, coverage: f64) -> Features {
        Features {
            exact,
            partial: 1.0 - exact,
            coverage,
            alias_confidence: 1.0,
            ..Features::default()
        }
    }

    #[test]
    fn recovers_the_direction_of_the_evidence() {
        // Exact matches are right 9 times in 10, partial ones 4 in 10, whatever the coverage.
        let mut s = Vec::new();
        for i in 0..200 {
            let exact = (i % 2) as f64;
            let right = if exact == 1.0 {
                i % 20 != 1
            } else {
                i % 10 < 3
            };
            s.push((feat(exact, (i % 7) as f64 / 6.0), right));
        }
        let sc = fit_scoring(&s, 1.0, (0.9, 0.5), "test".into()).unwrap();
        let hi = sc.confidence(&feat(1.0, 0.5));
        let lo = sc.confidence(&feat(0.0, 0.5));
        assert!((hi - 0.9).abs() < 0.05, "{hi}");
        assert!((lo - 0.4).abs() < 0.05, "{lo}");
        // Deterministic: the same data gives the same weights.
        assert_eq!(sc, fit_scoring(&s, 1.0, (0.9, 0.5), "test".into()).unwrap());
    }

    #[test]
    fn cross_validation_prefers_less_penalty_when_the_data_is_clear() {
        // A feature that decides 95% of the answers: heavy penalties underfit it.
        let s: Vec<(Features, bool)> = (0..300)
            .map(|i| (feat((i % 2) as f64, 1.0), (i % 2 == 1) != (i % 20 == 0)))
            .collect();
        let folds: Vec<u64> = (0..300).map(|i| (i / 3) as u64 % FOLDS).collect();
        let (l2, table) = choose_l2(&s, &folds).unwrap();
        assert_eq!(table.len(), L2_GRID.len());
        assert!(l2 < 3.0, "{table:?}");
        let worst = table.iter().map(|t| t.1).fold(0.0, f64::max);
        assert!(table.iter().any(|t| t.0 == l2 && t.1 < worst));
    }

    #[test]
    fn refuses_one_class() {
        let s = vec![(feat(1.0, 1.0), true); 5];
        assert!(fit_scoring(&s, 1.0, (0.9, 0.5), String::new())
            .unwrap_err()
            .to_string()
            .contains("both right and wrong"));
        assert!(fit_scoring(&[], 1.0, (0.9, 0.5), String::new()).is_err());
    }

    #[test]
    fn solves_a_small_system() {
        let x = solve([[2.0, 1.0], [1.0, 3.0]], [3.0, 5.0]).unwrap();
        assert!((x[0] - 0.8).abs() < 1e-12 && (x[1] - 1.4).abs() < 1e-12);
        assert!(solve([[1.0, 2.0], [2.0, 4.0]], [1.0, 1.0]).is_none());
    }

    #[test]
    fn thresholds_fall_back_and_stay_ordered() {
        let (h, m, how) = band_thresholds(&[(0.3, true), (0.3, false)]);
        assert_eq!((h, m), (HIGH_FALLBACK, MEDIUM));
        assert!(how.contains("no threshold"));
        // A low high pulls medium down with it.
        let mut pts = vec![(0.42, true); 20];
        pts.extend([(0.1, false), (0.1, false)]);
        let (h, m, _) = band_thresholds(&pts);
        assert!(h == 0.42 && m == h, "{h} {m}");
    }
}
