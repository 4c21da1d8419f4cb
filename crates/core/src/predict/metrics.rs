//! How good a set of predicted probabilities is: ranking (ROC AUC, lift), accuracy of the
//! probabilities (log loss, Brier score) and calibration (expected calibration error, a
//! reliability table). Together they answer the two questions a sales team asks: "are the
//! leads on top really better?" and "when it says 30 %, is it 30 %?".
//!
//! Every function is total: empty input, one class only or constant scores give `None` or
//! finite numbers, never NaN.

use serde::{Deserialize, Serialize};

/// Reliability bins: equal-width on [0, 1].
pub const BINS: usize = 10;

/// Every metric of one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Area under the ROC curve; `None` when only one outcome occurs.
    pub auc: Option<f64>,
    pub log_loss: f64,
    pub brier: f64,
    /// Expected calibration error over [`BINS`] equal-width bins, weighted by count.
    pub ece: f64,
    pub reliability: Vec<ReliabilityRow>,
    pub lift: Vec<LiftRow>,
    /// Share of positives.
    pub base_rate: f64,
}

/// One bin of predicted probability and what actually happened in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityRow {
    /// Lower and upper bound of the bin (`[0.1, 0.2)`; the last includes 1).
    pub from: f64,
    pub to: f64,
    pub count: usize,
    /// `None` for an empty bin.
    pub mean_predicted: Option<f64>,
    pub observed_rate: Option<f64>,
}

/// One tenth of the leads, best scores first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiftRow {
    /// 1 = the highest-scored tenth.
    pub decile: usize,
    pub count: usize,
    pub conversion_rate: f64,
    /// Conversion rate divided by the overall rate (1 = no better than random).
    pub lift: f64,
}

impl Metrics {
    /// All metrics of probabilities `p` against outcomes `y` (same length).
    pub fn of(p: &[f64], y: &[bool]) -> Metrics {
        let n = p.len().min(y.len());
        let (p, y) = (&p[..n], &y[..n]);
        let positives = y.iter().filter(|&&v| v).count();
        let reliability = reliability(p, y);
        Metrics {
            auc: auc(p, y),
            log_loss: log_loss(p, y),
            brier: brier(p, y),
            ece: ece(&reliability, n),
            reliability,
            lift: lift(p, y),
            base_rate: if n == 0 {
                0.0
            } else {
                positives as f64 / n as f64
            },
        }
    }
}

/// ROC AUC by the rank-sum (Mann–Whitney) formula with mid-ranks for ties, so a constant
/// score gives exactly 0.5 and tied pairs count half. `None` with only one outcome.
pub fn auc(score: &[f64], y: &[bool]) -> Option<f64> {
    let n = score.len().min(y.len());
    let positives = y[..n].iter().filter(|&&v| v).count();
    let negatives = n - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && score[order[j + 1]].total_cmp(&score[order[i]]).is_eq() {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their mean.
        let mid = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += mid * order[i..=j].iter().filter(|&&k| y[k]).count() as f64;
        i = j + 1;
    }
    let (np, nn) = (positives as f64, negatives as f64);
    Some((rank_sum - np * (np + 1.0) / 2.0) / (np * nn))
}

/// Mean negative log-likelihood, probabilities clipped to [1e-15, 1 - 1e-15] so one
/// confident mistake costs a lot but not infinity. 0 for no rows.
pub fn log_loss(p: &[f64], y: &[bool]) -> f64 {
    mean(p.iter().zip(y).map(|(&pi, &yi)| {
        let pi = clean(pi).clamp(1e-15, 1.0 - 1e-15);
        -if yi { pi.ln() } else { (1.0 - pi).ln() }
    }))
}

/// Mean squared difference between probability and outcome. 0 for no rows.
pub fn brier(p: &[f64], y: &[bool]) -> f64 {
    mean(p.iter().zip(y).map(|(&pi, &yi)| {
        let d = clean(pi) - if yi { 1.0 } else { 0.0 };
        d * d
    }))
}

/// A probability fit for the formulas: NaN counts as 0.5, the rest is clamped to [0, 1].
fn clean(p: f64) -> f64 {
    if p.is_nan() { 0.5 } else { p.clamp(0.0, 1.0) }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// The bin of a probability: `floor(10 p)`, with 1.0 in the last bin.
fn bin(p: f64) -> usize {
    ((clean(p) * BINS as f64) as usize).min(BINS - 1)
}

/// Predicted against observed, per equal-width bin.
pub fn reliability(p: &[f64], y: &[bool]) -> Vec<ReliabilityRow> {
    let mut sums = [(0usize, 0.0f64, 0usize); BINS];
    for (&pi, &yi) in p.iter().zip(y) {
        let b = &mut sums[bin(pi)];
        b.0 += 1;
        b.1 += clean(pi);
        b.2 += usize::from(yi);
    }
    sums.iter()
        .enumerate()
        .map(|(i, &(count, sum, pos))| ReliabilityRow {
            from: i as f64 / BINS as f64,
            to: (i + 1) as f64 / BINS as f64,
            count,
            mean_predicted: (count > 0).then(|| sum / count as f64),
            observed_rate: (count > 0).then(|| pos as f64 / count as f64),
        })
        .collect()
}

/// Expected calibration error: |mean predicted − observed| per bin, weighted by the bin's
/// share of rows.
pub fn ece(bins: &[ReliabilityRow], n: usize) -> f64 {
    if n == 0 {
        return 0.0;
    }
    bins.iter()
        .filter_map(|b| Some(b.count as f64 * (b.mean_predicted? - b.observed_rate?).abs()))
        .sum::<f64>()
        / n as f64
}

/// Conversion rate per tenth of the rows ranked by score, best first; rows with equal
/// scores keep their input order, and the first `n mod 10` deciles get one extra row.
/// Empty when there are fewer than 10 rows.
pub fn lift(p: &[f64], y: &[bool]) -> Vec<LiftRow> {
    let n = p.len().min(y.len());
    if n < 10 {
        return Vec::new();
    }
    let base = y[..n].iter().filter(|&&v| v).count() as f64 / n as f64;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| clean(p[b]).total_cmp(&clean(p[a])));
    let (size, extra) = (n / 10, n % 10);
    let mut start = 0;
    (0..10)
        .map(|d| {
            let count = size + usize::from(d < extra);
            let pos = order[start..start + count]
                .iter()
                .filter(|&&k| y[k])
                .count();
            start += count;
            let rate = pos as f64 / count as f64;
            LiftRow {
                decile: d + 1,
                count,
                conversion_rate: rate,
                lift: if base > 0.0 { rate / base } else { 0.0 },
            }
        })
        .collect()
}
