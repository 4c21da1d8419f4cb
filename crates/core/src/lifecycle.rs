//! The lifecycle state machine: which stage changes a person may make, and how long they
//! spent in each stage.
//!
//! Forward along the funnel (`subscriber → lead → mql → sal → sql → opportunity →
//! customer`) is always allowed. Backward is not, with two exits on the side: any lead but a
//! customer can be **disqualified**, and one that reached marketing qualification can be
//! **recycled** (sales hands it back to nurture). Out of the side stages: a disqualified lead
//! is *requalified* as a lead or subscriber, a recycled one re-enters at lead or MQL. A
//! customer stays one.
//! Every manual change needs a reason; automatic ones carry the rule that made them.

use serde::{Deserialize, Serialize};

use crate::stage::Stage;

/// Why a stage change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
pub enum TransitionError {
    #[error("the lead is already {0}")]
    Unchanged(Stage),
    #[error("a lead cannot move back from {from} to {to}; disqualify or recycle it instead")]
    Backward { from: Stage, to: Stage },
    #[error("a {from} lead can only be requalified as {allowed}")]
    OutOfSideStage { from: Stage, allowed: &'static str },
    #[error("a customer stays a customer")]
    Customer,
    #[error("only a lead that reached MQL can be recycled")]
    NotRecyclable,
    #[error("a manual stage change needs a reason")]
    NoReason,
}

/// Checks a manual stage change (a person in the UI, the API or the CLI).
pub fn check_manual(from: Stage, to: Stage, reason: &str) -> Result<(), TransitionError> {
    if reason.trim().is_empty() {
        return Err(TransitionError::NoReason);
    }
    check(from, to)
}

/// Checks a stage change by its rules alone.
pub fn check(from: Stage, to: Stage) -> Result<(), TransitionError> {
    use Stage::*;
    if from == to {
        return Err(TransitionError::Unchanged(from));
    }
    match (from, to) {
        (Customer, _) => Err(TransitionError::Customer),
        (Disqualified, Subscriber | Lead) => Ok(()),
        (Disqualified, _) => Err(TransitionError::OutOfSideStage {
            from,
            allowed: "subscriber or lead",
        }),
        (_, Disqualified) => Ok(()),
        (Recycled, Lead | Mql) => Ok(()),
        (Recycled, _) => Err(TransitionError::OutOfSideStage {
            from,
            allowed: "lead, mql or disqualified",
        }),
        (Mql | Sal | Sql | Opportunity, Recycled) => Ok(()),
        (_, Recycled) => Err(TransitionError::NotRecyclable),
        (from, to) if to > from => Ok(()),
        (from, to) => Err(TransitionError::Backward { from, to }),
    }
}

/// Checks that a won deal may make its lead a customer: a signed contract outranks every
/// other stage (a recycled or even disqualified contact who signs is a customer), so only a
/// customer is refused, as unchanged.
pub fn check_won(from: Stage) -> Result<(), TransitionError> {
    match from {
        Stage::Customer => Err(TransitionError::Unchanged(from)),
        _ => Ok(()),
    }
}

/// The stage a lead moves to by itself when it meets the sales-ready (MQL) definition:
/// subscribers, leads and recycled leads become MQLs; anyone further along stays put.
pub fn on_sales_ready(current: Stage) -> Option<Stage> {
    matches!(current, Stage::Subscriber | Stage::Lead | Stage::Recycled).then_some(Stage::Mql)
}

/// Time spent in one stage, over a lead's whole history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeInStage {
    pub stage: Stage,
    /// Milliseconds, summed over every stay.
    pub ms: i64,
    /// Times the lead entered the stage.
    pub stays: u32,
}

/// Time in each stage from a lead's stage changes `(entered stage, at ms)`, oldest first,
/// counting the current stage up to `now`. Stages never entered are left out; the result
/// is in funnel order. Out-of-order or future timestamps count as zero-length stays.
pub fn time_in_stage(changes: &[(Stage, i64)], now: i64) -> Vec<TimeInStage> {
    let mut out: Vec<TimeInStage> = Vec::new();
    for (i, (stage, at)) in changes.iter().enumerate() {
        let until = changes.get(i + 1).map_or(now, |next| next.1);
        let ms = until.saturating_sub(*at).max(0);
        match out.iter_mut().find(|t| t.stage == *stage) {
            Some(t) => {
                t.ms = t.ms.saturating_add(ms);
                t.stays += 1;
            }
            None => out.push(TimeInStage {
                stage: *stage,
                ms,
                stays: 1,
            }),
        }
    }
    out.sort_by_key(|t| t.stage);
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use Stage::*;

    #[test]
    fn forward_moves_are_allowed_and_backward_ones_refused() {
        assert_eq!(check(Lead, Mql), Ok(()));
        assert_eq!(check(Subscriber, Opportunity), Ok(()));
        assert_eq!(
            check(Sql, Mql),
            Err(TransitionError::Backward { from: Sql, to: Mql })
        );
        assert_eq!(check(Mql, Mql), Err(TransitionError::Unchanged(Mql)));
        assert_eq!(
            check(Customer, Disqualified),
            Err(TransitionError::Customer)
        );
    }

    #[test]
    fn side_stages_have_their_own_doors() {
        assert_eq!(check(Lead, Disqualified), Ok(()));
        assert_eq!(check(Sal, Recycled), Ok(()));
        assert_eq!(check(Lead, Recycled), Err(TransitionError::NotRecyclable));
        assert_eq!(check(Disqualified, Lead), Ok(()));
        assert!(matches!(
            check(Disqualified, Sql),
            Err(TransitionError::OutOfSideStage { .. })
        ));
        assert_eq!(check(Recycled, Mql), Ok(()));
        assert!(check(Recycled, Opportunity).is_err());
        assert_eq!(check(Recycled, Disqualified), Ok(()));
    }

    #[test]
    fn manual_changes_need_a_reason() {
        assert_eq!(
            check_manual(Lead, Mql, "  "),
            Err(TransitionError::NoReason)
        );
        assert_eq!(
            check_manual(Lead, Mql, "asked for a demo on the phone"),
            Ok(())
        );
        assert_eq!(
            TransitionError::Backward {
                from: Sql,
                to: Lead
            }
            .to_string(),
            "a lead cannot move back from sql to lead; disqualify or recycle it instead"
        );
    }

    #[test]
    fn sales_ready_leads_become_mqls_and_later_stages_stay() {
        assert_eq!(on_sales_ready(Lead), Some(Mql));
        assert_eq!(on_sales_ready(Recycled), Some(Mql));
        assert_eq!(on_sales_ready(Sql), None);
        assert_eq!(on_sales_ready(Disqualified), None);
    }

    #[test]
    fn time_in_stage_sums_every_stay_up_to_now() {
        let day = 86_400_000;
        let changes = [
            (Lead, 0),
            (Mql, 2 * day),
            (Recycled, 3 * day),
            (Mql, 10 * day),
        ];
        let t = time_in_stage(&changes, 12 * day);
        assert_eq!(
            t,
            [
                TimeInStage {
                    stage: Lead,
                    ms: 2 * day,
                    stays: 1
                },
                TimeInStage {
                    stage: Mql,
                    ms: 3 * day,
                    stays: 2
                },
                TimeInStage {
                    stage: Recycled,
                    ms: 7 * day,
                    stays: 1
                },
            ]
        );
        assert!(time_in_stage(&[], 5).is_empty());
    }

    fn stage() -> impl Strategy<Value = Stage> {
        prop::sample::select(Stage::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn the_stays_add_up_to_the_whole_history(
            steps in prop::collection::vec((stage(), 0i64..1_000_000), 1..20),
            tail in 0i64..1_000_000,
        ) {
            let mut at = 0;
            let changes: Vec<(Stage, i64)> = steps
                .iter()
                .map(|(s, gap)| { at += gap; (*s, at) })
                .collect();
            let now = at + tail;
            let total: i64 = time_in_stage(&changes, now).iter().map(|t| t.ms).sum();
            prop_assert_eq!(total, now - changes[0].1);
        }

        #[test]
        fn no_path_of_allowed_moves_leaves_customer_or_goes_backward_in_the_funnel(
            path in prop::collection::vec(stage(), 2..12),
        ) {
            for w in path.windows(2) {
                if check(w[0], w[1]).is_ok() {
                    prop_assert!(w[0] != Customer);
                    let side = |s: Stage| matches!(s, Disqualified | Recycled);
                    if !side(w[0]) && !side(w[1]) {
                        prop_assert!(w[1] > w[0]);
                    }
                }
            }
        }
    }
}
