//! What the demo's sales team did with the leads marketing handed over: accepted some,
//! qualified fewer, opened opportunities and won some, recycled the rest. Better-fitting,
//! more engaged leads go further, so the score-validation report and the predictive model
//! have real signal to find (and the demo shows whether the points predict anything).

use super::rng::{Rng, mix};
use crate::stage::Stage;

/// One step of a lead's sales history: the stage, days after the lead was created, why.
#[derive(Debug, Clone, PartialEq)]
pub struct SalesStep {
    pub stage: Stage,
    pub days_after: i64,
    pub reason: &'static str,
}

/// The sales history of a lead, from its email key (stable across runs), fit and
/// engagement points; empty for most leads. It starts with the MQL handover, so the funnel
/// and the MQL reports have a past.
pub fn sales_history(seed: u64, email_key: &str, fit: i64, engagement: i64) -> Vec<SalesStep> {
    let stream = email_key.bytes().fold(0u64, |h, b| mix(h ^ u64::from(b)));
    let mut rng = Rng::new(seed ^ 0x5A1E5, stream);
    // Chance of sales accepting the lead, per mille: rises with fit and engagement.
    let signal = (fit + engagement).clamp(0, 200);
    let accept = (20 + signal * 4).min(900) as u32;
    if !rng.chance(accept) {
        // Some leads sales never took reached MQL all the same, and went back to nurture.
        if signal >= 60 && rng.chance(400) {
            let day = rng.range(3, 30);
            return vec![
                handed_over(day),
                SalesStep {
                    stage: Stage::Recycled,
                    days_after: day + rng.range(5, 21),
                    reason: "No response after three attempts",
                },
            ];
        }
        return Vec::new();
    }
    let mut day = rng.range(2, 15);
    // Marketing handed the lead over the day before sales accepted it.
    let mut steps = vec![
        handed_over(day - 1),
        SalesStep {
            stage: Stage::Sal,
            days_after: day,
            reason: "Accepted after a discovery call",
        },
    ];
    let qualify = (300 + fit * 6).min(850) as u32;
    if !rng.chance(qualify) {
        day += rng.range(5, 20);
        steps.push(SalesStep {
            stage: Stage::Recycled,
            days_after: day,
            reason: "Not ready: no budget this year",
        });
        return steps;
    }
    day += rng.range(3, 12);
    steps.push(SalesStep {
        stage: Stage::Sql,
        days_after: day,
        reason: "Budget, authority, need and timing confirmed",
    });
    day += rng.range(5, 20);
    steps.push(SalesStep {
        stage: Stage::Opportunity,
        days_after: day,
        reason: "Proposal sent",
    });
    if rng.chance((250 + engagement * 4).min(700) as u32) {
        day += rng.range(10, 40);
        steps.push(SalesStep {
            stage: Stage::Customer,
            days_after: day,
            reason: "Closed won",
        });
    }
    steps
}

/// The MQL step: the lead's score crossed the threshold and marketing handed it to sales.
fn handed_over(days_after: i64) -> SalesStep {
    SalesStep {
        stage: Stage::Mql,
        days_after,
        reason: "Sales-ready: score crossed the MQL threshold",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_lead_gets_the_same_history_and_better_leads_go_further() {
        assert_eq!(
            sales_history(7, "a@x.com", 50, 50),
            sales_history(7, "a@x.com", 50, 50)
        );
        let reached = |fit: i64, eng: i64| {
            (0..2000)
                .filter(|i| {
                    sales_history(7, &format!("p{i}@x.com"), fit, eng)
                        .iter()
                        .any(|s| s.stage == Stage::Opportunity)
                })
                .count()
        };
        assert!(reached(70, 80) > 3 * reached(10, 0));
        for i in 0..500 {
            let h = sales_history(3, &format!("q{i}@y.com"), 40, 40);
            assert!(h.windows(2).all(|w| w[0].days_after < w[1].days_after
                && w[0].stage < w[1].stage
                || w[1].stage == Stage::Recycled));
        }
    }
}
