//! Choosing the L2 penalty without refitting: approximate leave-one-out (ALO).
//!
//! Leaving row `i` out of a penalised logistic fit moves its logit by about
//! `hᵢ (pᵢ − yᵢ) / (1 − wᵢ hᵢ)`, where `hᵢ = xᵢᵀ H⁻¹ xᵢ` is its leverage under the penalised
//! Hessian `H` and `wᵢ = pᵢ (1 − pᵢ)` (Rad and Maleki 2020, "A scalable estimate of the
//! out-of-sample prediction error via approximate leave-one-out"). One Cholesky factor per
//! penalty gives every row's out-of-sample log loss, so a grid of penalties costs a few
//! fits, where inner k-fold cross-validation would cost k fits per penalty.

use super::TrainOptions;
use super::design::{Design, NO_LEVEL};
use super::logistic::{Fit, cholesky, fit, gradient_hessian, logits, sigmoid, softplus};

/// Penalties tried, strongest first (each fit starts from the previous one).
const GRID: [f64; 5] = [10.0, 3.0, 1.0, 0.3, 0.1];

/// Above this many rows the penalty is not chosen: with that much data it barely matters.
const MAX_ROWS: usize = 20_000;

/// Fits with the penalty of the options, or the one of the grid with the lowest
/// approximate leave-one-out log loss.
pub(crate) fn fit_penalised(x: &Design, y: &[bool], options: &TrainOptions) -> Fit {
    if !options.choose_l2 || x.rows > MAX_ROWS {
        return fit(x, y, options.l2, None);
    }
    let mut best: Option<(f64, Fit)> = None;
    let mut start = None;
    for l2 in GRID {
        let fitted = fit(x, y, l2, start.take());
        let loss = alo_log_loss(x, y, &fitted.beta, l2);
        start = Some(fitted.beta.clone());
        if best.as_ref().is_none_or(|(b, _)| loss < *b) {
            best = Some((loss, fitted));
        }
    }
    match best {
        Some((_, fitted)) => fitted,
        None => fit(x, y, options.l2, None),
    }
}

/// Mean log loss of the approximate leave-one-out logits; infinite when the Hessian
/// cannot be factored (the penalty is then never chosen).
fn alo_log_loss(x: &Design, y: &[bool], beta: &[f64], l2: f64) -> f64 {
    let p = x.terms;
    let mut eta = Vec::with_capacity(x.rows);
    logits(x, beta, &mut eta);
    let (_, mut l) = gradient_hessian(x, y, &eta, beta, l2);
    if !cholesky(&mut l, p) {
        return f64::INFINITY;
    }
    let (mut row, mut v) = (vec![0.0; p], vec![0.0; p]);
    let mut total = 0.0;
    for r in 0..x.rows {
        row[..x.width].copy_from_slice(x.dense_row(r));
        for &k in x.cat_row(r) {
            if k != NO_LEVEL {
                row[k as usize] = 1.0;
            }
        }
        // v = L⁻¹ x, so that xᵀ H⁻¹ x = ‖v‖².
        let mut leverage = 0.0;
        for i in 0..p {
            let s: f64 = l[i * p..i * p + i]
                .iter()
                .zip(&v[..i])
                .map(|(a, b)| a * b)
                .sum();
            v[i] = (row[i] - s) / l[i * p + i];
            leverage += v[i] * v[i];
        }
        for &k in x.cat_row(r) {
            if k != NO_LEVEL {
                row[k as usize] = 0.0;
            }
        }
        let prob = sigmoid(eta[r]);
        let w = prob * (1.0 - prob);
        let yi = if y[r] { 1.0 } else { 0.0 };
        let z = eta[r] + leverage * (prob - yi) / (1.0 - w * leverage).max(1e-12);
        total += softplus(z) - yi * z;
    }
    total / x.rows.max(1) as f64
}
