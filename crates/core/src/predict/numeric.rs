//! Learning a numeric column's encoding: imputation, scale, spline knots, standardisation.

use super::TrainOptions;
use super::dataset::Column;
use super::features::{NumericSpec, Transform};

/// Restricted cubic spline terms of `t` (Harrell's parameterisation, k knots give k - 2
/// terms), scaled by the squared knot range so their size does not depend on the units.
pub(crate) fn spline(t: f64, knots: &[f64], out: &mut Vec<f64>) {
    let k = knots.len();
    if k < 3 {
        return;
    }
    let cube = |x: f64| if x > 0.0 { x * x * x } else { 0.0 };
    let (last, before) = (knots[k - 1], knots[k - 2]);
    let norm = (last - knots[0]).powi(2);
    for &kj in &knots[..k - 2] {
        let f = cube(t - kj) - cube(t - before) * (last - kj) / (last - before)
            + cube(t - last) * (before - kj) / (last - before);
        out.push(f / norm);
    }
}

/// Weighted quantile of sorted `(value, count)` pairs (the lower value at a boundary).
fn quantile(pairs: &[(f64, usize)], total: usize, q: f64) -> f64 {
    let target = q * total as f64;
    let mut seen = 0usize;
    for &(v, n) in pairs {
        seen += n;
        if seen as f64 >= target {
            return v;
        }
    }
    pairs.last().map_or(0.0, |p| p.0)
}

pub(crate) fn numeric(
    column: &Column,
    counts: &[usize],
    rows: usize,
    options: &TrainOptions,
) -> Result<NumericSpec, String> {
    let mut pairs: Vec<(f64, usize)> = (0..counts.len())
        .filter(|&c| counts[c] > 0)
        .filter_map(|c| column.numbers[c].map(|x| (x, counts[c])))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    pairs.dedup_by(|b, a| {
        let same = a.0 == b.0;
        if same {
            a.1 += b.1;
        }
        same
    });
    let answered: usize = pairs.iter().map(|p| p.1).sum();
    let missing = rows - answered;
    if pairs.len() == 1 && missing == 0 {
        return Err("every row has the same value".into());
    }
    let whole = pairs.iter().all(|p| p.0.fract() == 0.0);
    if whole && pairs.len() == answered && missing == 0 && answered >= 50 {
        return Err("every value is a different whole number (an id?)".into());
    }
    let n = answered as f64;
    let mean = pairs.iter().map(|&(x, c)| x * c as f64).sum::<f64>() / n;
    let moment = |k: i32| {
        pairs
            .iter()
            .map(|&(x, c)| (x - mean).powi(k) * c as f64)
            .sum::<f64>()
            / n
    };
    let (var, third) = (moment(2), moment(3));
    let skew = if var > 0.0 {
        third / var.powf(1.5)
    } else {
        0.0
    };
    let min = pairs[0].0;
    let transform = match (pairs.len() >= 3, min >= 0.0, skew.abs() > 1.0) {
        (true, true, true) => Transform::Log1p,
        (true, false, true) => Transform::SignedLog1p,
        _ => Transform::Identity,
    };
    let median = quantile(&pairs, answered, 0.5);
    let t_pairs: Vec<(f64, usize)> = pairs
        .iter()
        .map(|&(x, c)| (transform.apply(x), c))
        .collect();
    let mut knots: Vec<f64> = knot_quantiles(options.spline_knots)
        .iter()
        .map(|&q| quantile(&t_pairs, answered, q))
        .collect();
    knots.dedup_by(|b, a| (*b - *a).abs() <= 1e-9 * (1.0 + a.abs()));
    if knots.len() < 3 {
        knots.clear();
    }
    let mut spec = NumericSpec {
        column: column.name.clone(),
        median,
        range: [min, pairs[pairs.len() - 1].0],
        transform,
        knots,
        shift: Vec::new(),
        scale: Vec::new(),
        missing_share: (missing > 0).then(|| missing as f64 / rows as f64),
    };
    standardise(&mut spec, &t_pairs, missing);
    Ok(spec)
}

/// Harrell's knot positions: 3 knots at the 10/50/90th percentiles, more spread evenly
/// from the 5th to the 95th.
fn knot_quantiles(k: usize) -> Vec<f64> {
    match k {
        0..=2 => Vec::new(),
        3 => vec![0.1, 0.5, 0.9],
        _ => (0..k)
            .map(|i| 0.05 + 0.9 * i as f64 / (k - 1) as f64)
            .collect(),
    }
}

/// Sets each value term's mean and standard deviation over the training rows, missing
/// rows counted at the median.
fn standardise(spec: &mut NumericSpec, t_pairs: &[(f64, usize)], missing: usize) {
    let t_median = spec.transform.apply(spec.median);
    let mut weighted: Vec<(Vec<f64>, f64)> = Vec::with_capacity(t_pairs.len() + 1);
    for &(t, c) in t_pairs.iter().chain([(t_median, missing)].iter()) {
        let mut terms = Vec::new();
        spec.raw_terms(t, &mut terms);
        weighted.push((terms, c as f64));
    }
    let total: f64 = weighted.iter().map(|w| w.1).sum();
    let len = weighted[0].0.len();
    for k in 0..len {
        let mean = weighted.iter().map(|(x, w)| x[k] * w).sum::<f64>() / total;
        let var = weighted
            .iter()
            .map(|(x, w)| (x[k] - mean).powi(2) * w)
            .sum::<f64>()
            / total;
        spec.shift.push(mean);
        spec.scale.push(if var > 1e-24 { var.sqrt() } else { 1.0 });
    }
}
