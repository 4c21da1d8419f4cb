//! Funnel velocity: how many days each step took, for the leads that made it.
//!
//! A step is measured only on leads with both milestones recorded (a lead moved from `lead`
//! straight to `sql` has no MQL time, so it adds nothing to lead → MQL or MQL → SAL rather than
//! a made-up zero), and only when the later time is not before the earlier one.

use serde::Serialize;

use super::{LeadMilestones, STAGES};
use crate::stage::Stage;

const DAY_MS: f64 = 86_400_000.0;

/// Days taken by one step (or to close), over the leads that made it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepVelocity {
    pub from: Stage,
    pub to: Stage,
    /// Leads with both times recorded.
    pub leads: u64,
    pub median_days: Option<f64>,
    pub p75_days: Option<f64>,
}

/// Every adjacent step, then creation → customer ("days to close").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Velocity {
    pub steps: Vec<StepVelocity>,
    pub to_close: StepVelocity,
}

/// The `q` quantile (0..=1) of sorted values, interpolating linearly between the closest
/// ranks (Hyndman & Fan type 7, the default of R and NumPy), `None` when empty.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let pos = q.clamp(0.0, 1.0) * last as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

fn summarise(from: Stage, to: Stage, mut days: Vec<f64>) -> StepVelocity {
    days.sort_by(f64::total_cmp);
    StepVelocity {
        from,
        to,
        leads: days.len() as u64,
        median_days: quantile(&days, 0.5),
        p75_days: quantile(&days, 0.75),
    }
}

fn days_between(a: Option<i64>, b: Option<i64>) -> Option<f64> {
    let (a, b) = (a?, b?);
    (b >= a).then(|| (b - a) as f64 / DAY_MS)
}

/// Median and 75th percentile days per step and to close.
pub fn velocity(leads: &[LeadMilestones]) -> Velocity {
    let steps = (0..STAGES.len() - 1)
        .map(|i| {
            let days = leads
                .iter()
                .filter_map(|l| days_between(l.at[i], l.at[i + 1]))
                .collect();
            summarise(STAGES[i], STAGES[i + 1], days)
        })
        .collect();
    let close = leads
        .iter()
        .filter_map(|l| days_between(Some(l.created_at), l.at[6]))
        .collect();
    Velocity {
        steps,
        to_close: summarise(Stage::Subscriber, Stage::Customer, close),
    }
}

/// The `q` quantile (type 7, as [`quantile`]) of values given as sorted `(value, count)`
/// pairs, without expanding them.
pub fn weighted_quantile(sorted: &[(f64, u64)], q: f64) -> Option<f64> {
    let n: u64 = sorted.iter().map(|p| p.1).sum();
    let last = n.checked_sub(1)?;
    let pos = q.clamp(0.0, 1.0) * last as f64;
    let at = |rank: u64| {
        let mut seen = 0;
        for &(v, c) in sorted {
            seen += c;
            if rank < seen {
                return v;
            }
        }
        sorted.last().map_or(0.0, |p| p.0)
    };
    let (lo, hi) = (at(pos.floor() as u64), at(pos.ceil() as u64));
    Some(lo + (hi - lo) * (pos - pos.floor()))
}

/// Velocity from per-step histograms of whole hours, `(step, hours, leads)`: steps 0..=5 are
/// the adjacent steps of [`STAGES`], 6 is creation → customer. Days are read to the hour,
/// which is what lets the database count a million leads instead of sending them.
pub fn velocity_from_hours(hist: &[(usize, i64, u64)]) -> Velocity {
    let step = |k: usize, from: Stage, to: Stage| {
        let mut pairs: Vec<(f64, u64)> = hist
            .iter()
            .filter(|h| h.0 == k && h.2 > 0)
            .map(|h| (h.1 as f64 / 24.0, h.2))
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        StepVelocity {
            from,
            to,
            leads: pairs.iter().map(|p| p.1).sum(),
            median_days: weighted_quantile(&pairs, 0.5),
            p75_days: weighted_quantile(&pairs, 0.75),
        }
    };
    Velocity {
        steps: (0..STAGES.len() - 1)
            .map(|k| step(k, STAGES[k], STAGES[k + 1]))
            .collect(),
        to_close: step(6, Stage::Subscriber, Stage::Customer),
    }
}
