//! Rule-based models: each path's conversions and value are split over its touches by
//! position, weights summing to 1, so credit sums to what was distributed. Repeated
//! channels collect the weight of each of their touches (in `a > b > a`, linear gives `a`
//! 2/3), as channelattribution does.
//!
//! Definitions (n touches, positions 0..n):
//! * **first / last**: all to position 0 / n − 1.
//! * **last non-direct**: all to the last touch whose channel is not direct
//!   ([`super::is_direct`]); a path of only direct touches credits its last touch.
//! * **linear**: 1/n each.
//! * **time decay**: on path files there are no times, so decay is by position: touch i
//!   weighs 2^(−(n − 1 − i)/h) with h the half-life in touches, normalised. In the product,
//!   where touches have times, [`time_decay_by_time`] uses the age at conversion and h in days.
//!   A half-life that is not a positive number (0, negative, NaN) means no decay: linear.
//! * **U-shaped**: 40 % first, 40 % last, 20 % shared by the touches between.
//! * **W-shaped**: 30 % first, 30 % lead creation, 30 % last, 10 % shared by the others. On
//!   path files the lead-creation touch is the middle one, position ⌊(n − 1)/2⌋; in the
//!   product it is the touch that created the lead ([`w_shaped`]).
//! * **full path**: 22.5 % each to first, lead creation, opportunity creation and last
//!   (closed won), 10 % shared by the others. On files the two inner anchors are positions
//!   round((n − 1)/3) and round(2(n − 1)/3); in the product, the real touches ([`full_path`]).
//! * **custom**: given first / middle / last shares ([`PositionWeights`]).
//!
//! Anchors that fall on the same touch add up (a lead created by its first touch gives that
//! touch 60 % under W-shaped). When no touch is left for the shared rest (n ≤ number of
//! anchors), the anchors' shares are scaled up to sum to 1: two touches split U-shaped
//! 50/50, one touch takes everything.

use super::{Attribution, Model, PathSet, credits, is_direct};

/// Custom first / middle / last shares (any non-negative scale; normalised to sum to 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PositionWeights {
    first: f64,
    middle: f64,
    last: f64,
}

impl PositionWeights {
    /// Shares for the first touch, the touches between (together) and the last touch.
    pub fn new(first: f64, middle: f64, last: f64) -> Result<Self, String> {
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        let sum = first + middle + last;
        if !(ok(first) && ok(middle) && ok(last)) || sum <= 0.0 || !sum.is_finite() {
            return Err(
                "expected three non-negative weights (first, middle, last) with a positive sum"
                    .into(),
            );
        }
        Ok(Self {
            first: first / sum,
            middle: middle / sum,
            last: last / sum,
        })
    }
}

/// Runs a position model over every path. Markov and Shapley are not position models and
/// give all-zero credit here (use [`super::attribute`]).
pub(super) fn attribute(paths: &PathSet, model: &Model) -> Attribution {
    let direct: Vec<bool> = paths.channels().iter().map(|c| is_direct(c)).collect();
    let k = paths.channels().len();
    let (mut conv, mut value) = (vec![0.0; k], vec![0.0; k]);
    let mut w = Vec::new();
    for p in paths.iter() {
        if p.conversions == 0.0 && p.value == 0.0 {
            continue;
        }
        weights(model, p.touches, &direct, &mut w);
        for (&t, &wi) in p.touches.iter().zip(&w) {
            conv[t as usize] += wi * p.conversions;
            value[t as usize] += wi * p.value;
        }
    }
    Attribution {
        model: model.name(),
        order: None,
        channels: credits(paths, &conv, &value),
        error_bound: None,
    }
}

/// The weights of one path's touches under a position model (`touches` are channel ids,
/// `direct[id]` whether that channel is direct), summing to 1; the product's journeys use
/// this for the models whose anchors need no times (first, last, linear, U-shaped…).
pub fn path_weights(model: &Model, touches: &[u32], direct: &[bool]) -> Vec<f64> {
    let mut out = Vec::new();
    weights(model, touches, direct, &mut out);
    out
}

/// The weights of a path's touches under `model` into `out` (resized to the path).
fn weights(model: &Model, touches: &[u32], direct: &[bool], out: &mut Vec<f64>) {
    let n = touches.len();
    out.clear();
    out.resize(n, 0.0);
    if n == 0 {
        return;
    }
    let last = n - 1;
    match model {
        Model::First => out[0] = 1.0,
        Model::Last => out[last] = 1.0,
        Model::LastNonDirect => {
            let i = touches
                .iter()
                .rposition(|&t| !direct.get(t as usize).copied().unwrap_or(false))
                .unwrap_or(last);
            out[i] = 1.0;
        }
        Model::Linear => out.fill(1.0 / n as f64),
        Model::TimeDecay { half_life } => {
            // a half-life that is not a positive number means no decay (linear)
            let h = if *half_life > 0.0 {
                *half_life
            } else {
                f64::INFINITY
            };
            for (i, w) in out.iter_mut().enumerate() {
                *w = (-((last - i) as f64) / h).exp2();
            }
            normalise(out);
        }
        Model::UShaped => anchored(&[(0, 0.4), (last, 0.4)], 0.2, out),
        Model::WShaped => anchored(&[(0, 0.3), (last / 2, 0.3), (last, 0.3)], 0.1, out),
        Model::FullPath => {
            let (a, b) = ((last + 1) / 3, (2 * last + 1) / 3);
            anchored(
                &[(0, 0.225), (a, 0.225), (b, 0.225), (last, 0.225)],
                0.1,
                out,
            );
        }
        Model::Custom(c) => anchored(&[(0, c.first), (last, c.last)], c.middle, out),
        Model::Markov { .. } | Model::Shapley => {}
    }
}

/// `anchors` (position, share) plus `rest` split evenly over the other positions of `out`
/// (already sized and zeroed); see the module docs for coinciding anchors and short paths.
fn anchored(anchors: &[(usize, f64)], rest: f64, out: &mut [f64]) {
    for &(i, share) in anchors {
        if let Some(w) = out.get_mut(i) {
            *w += share;
        }
    }
    let others = (0..out.len())
        .filter(|i| !anchors.iter().any(|a| a.0 == *i))
        .count();
    if others == 0 {
        normalise(out);
        return;
    }
    let each = rest / others as f64;
    for (i, w) in out.iter_mut().enumerate() {
        if !anchors.iter().any(|a| a.0 == i) {
            *w = each;
        }
    }
    let sum: f64 = out.iter().sum();
    if (sum - 1.0).abs() > 1e-12 {
        normalise(out);
    }
}

fn normalise(out: &mut [f64]) {
    let sum: f64 = out.iter().sum();
    if sum > 0.0 {
        out.iter_mut().for_each(|w| *w /= sum);
    } else if let Some(w) = out.last_mut() {
        *w = 1.0;
    }
}

/// Time-decay weights for touches at `touch_times_ms` of a conversion at `at_ms`: a touch
/// `half_life_days` older than another weighs half as much. Touches after the conversion
/// count as age 0. Weights sum to 1 (empty input: empty output).
pub fn time_decay_by_time(touch_times_ms: &[i64], at_ms: i64, half_life_days: f64) -> Vec<f64> {
    let h = if half_life_days > 0.0 {
        half_life_days * 86_400_000.0
    } else {
        f64::INFINITY
    };
    let mut out: Vec<f64> = touch_times_ms
        .iter()
        .map(|&t| (-(at_ms.saturating_sub(t).max(0) as f64) / h).exp2())
        .collect();
    normalise(&mut out);
    out
}

/// W-shaped weights over `n` touches when touch `lead` created the lead (clamped to the path).
pub fn w_shaped(n: usize, lead: usize) -> Vec<f64> {
    let mut out = vec![0.0; n];
    if n > 0 {
        let last = n - 1;
        anchored(
            &[(0, 0.3), (lead.min(last), 0.3), (last, 0.3)],
            0.1,
            &mut out,
        );
    }
    out
}

/// Full-path weights over `n` touches with the lead created by touch `lead` and the
/// opportunity by touch `opportunity` (both clamped to the path).
pub fn full_path(n: usize, lead: usize, opportunity: usize) -> Vec<f64> {
    let mut out = vec![0.0; n];
    if n > 0 {
        let last = n - 1;
        let anchors = [
            (0, 0.225),
            (lead.min(last), 0.225),
            (opportunity.min(last), 0.225),
            (last, 0.225),
        ];
        anchored(&anchors, 0.1, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(model: Model, n: usize) -> Vec<f64> {
        let touches: Vec<u32> = (0..n as u32).collect();
        let mut out = Vec::new();
        weights(&model, &touches, &vec![false; n], &mut out);
        out.iter().map(|x| (x * 1e9).round() / 1e9).collect()
    }

    #[test]
    fn position_models_follow_their_published_shares() {
        assert_eq!(
            w(Model::UShaped, 5),
            [0.4, 0.2 / 3.0, 0.2 / 3.0, 0.2 / 3.0, 0.4].map(|x| (x * 1e9f64).round() / 1e9)
        );
        assert_eq!(w(Model::UShaped, 2), [0.5, 0.5]);
        assert_eq!(w(Model::UShaped, 1), [1.0]);
        assert_eq!(w(Model::WShaped, 5), [0.3, 0.05, 0.3, 0.05, 0.3]);
        assert_eq!(
            w(Model::WShaped, 3),
            [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0].map(|x| (x * 1e9f64).round() / 1e9)
        );
        assert_eq!(w(Model::FullPath, 5), [0.225, 0.225, 0.1, 0.225, 0.225]);
        assert_eq!(w(Model::FullPath, 4), [0.25, 0.25, 0.25, 0.25]);
        assert_eq!(
            w(Model::TimeDecay { half_life: 1.0 }, 2),
            [1.0 / 3.0, 2.0 / 3.0].map(|x| (x * 1e9f64).round() / 1e9)
        );
        let c = PositionWeights::new(1.0, 2.0, 1.0).unwrap();
        assert_eq!(w(Model::Custom(c), 4), [0.25, 0.25, 0.25, 0.25]);
        assert_eq!(w(Model::Custom(c), 2), [0.5, 0.5]);
    }

    #[test]
    fn last_non_direct_skips_direct_touches_unless_all_are_direct() {
        let mut out = Vec::new();
        weights(&Model::LastNonDirect, &[0, 1, 1], &[false, true], &mut out);
        assert_eq!(out, [1.0, 0.0, 0.0]);
        weights(&Model::LastNonDirect, &[1, 1], &[false, true], &mut out);
        assert_eq!(out, [0.0, 1.0]);
    }

    #[test]
    fn product_weights_use_real_anchors_and_times() {
        assert_eq!(w_shaped(4, 0), [0.6, 0.05, 0.05, 0.3]);
        assert_eq!(full_path(6, 2, 3), [0.225, 0.05, 0.225, 0.225, 0.05, 0.225]);
        let day = 86_400_000;
        let t = time_decay_by_time(&[0, 7 * day], 7 * day, 7.0);
        assert!((t[0] - 1.0 / 3.0).abs() < 1e-12 && (t[1] - 2.0 / 3.0).abs() < 1e-12);
        assert!(PositionWeights::new(-1.0, 1.0, 1.0).is_err());
        assert!(PositionWeights::new(0.0, 0.0, 0.0).is_err());
    }
}
