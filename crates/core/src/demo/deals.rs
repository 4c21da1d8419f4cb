//! What became of the demo's opportunities: how big each deal was, the stages it went
//! through, and for lost deals why and to whom, so the pipeline page, the weighted amounts
//! and the won/lost numbers all have data. Deterministic per seed and lead.

use super::rng::{Rng, mix};
use crate::opportunity::{ContactRole, OppStage};

/// A deal's story, days counted from the day it was opened.
#[derive(Debug, Clone, PartialEq)]
pub struct DealPlan {
    /// What is sold, after the company's name: `platform licence`, `pilot`, …
    pub product: &'static str,
    pub amount_minor: i64,
    pub role: ContactRole,
    /// Stage moves after `needs_analysis`, in order, with days after opening.
    pub moves: Vec<(OppStage, i64)>,
    pub lost_reason: Option<&'static str>,
    pub competitor: Option<&'static str>,
    /// Expected close, days after opening.
    pub expected_close_days: i64,
}

const LOST: [&str; 5] = [
    "No budget this year",
    "Chose a competitor on price",
    "No decision: project shelved",
    "Missing integration with their CRM",
    "Champion left the company",
];
const PRODUCTS: [&str; 5] = [
    "platform licence",
    "pilot",
    "team rollout",
    "annual plan",
    "analytics add-on",
];
const COMPETITORS: [&str; 3] = ["HubSpot", "Marketo", "Pardot"];

/// The plan of the deal opened for the lead `email_key`; `won_after_days` when the lead's
/// sales history ends in a win that many days after the deal opened.
pub fn deal_plan(seed: u64, email_key: &str, won_after_days: Option<i64>) -> DealPlan {
    let stream = email_key.bytes().fold(0u64, |h, b| mix(h ^ u64::from(b)));
    let mut rng = Rng::new(seed ^ 0xDEA1, stream);
    let amount_minor = rng.range(8, 120) * 100_000;
    let product = *rng.pick(&PRODUCTS);
    let role = *rng.pick(&[
        ContactRole::DecisionMaker,
        ContactRole::Champion,
        ContactRole::EconomicBuyer,
    ]);
    let open = [OppStage::Demo, OppStage::Proposal, OppStage::Negotiation];
    let mut plan = DealPlan {
        product,
        amount_minor,
        role,
        moves: Vec::new(),
        lost_reason: None,
        competitor: None,
        expected_close_days: rng.range(30, 90),
    };
    if let Some(days) = won_after_days {
        let days = days.max(4);
        for (i, s) in open.iter().enumerate() {
            plan.moves.push((*s, days * (i as i64 + 1) / 4));
        }
        plan.moves.push((OppStage::ClosedWon, days));
        plan.expected_close_days = days;
        return plan;
    }
    // Not won (yet): a third lost, the rest still open at some stage.
    let reached = rng.range(0, 3) as usize;
    let mut day = 0;
    for s in open.iter().take(reached) {
        day += rng.range(4, 15);
        plan.moves.push((*s, day));
    }
    if rng.chance(350) {
        day += rng.range(5, 20);
        plan.moves.push((OppStage::ClosedLost, day));
        let reason = *rng.pick(&LOST);
        plan.lost_reason = Some(reason);
        plan.competitor =
            (reason.contains("competitor") || rng.chance(300)).then(|| *rng.pick(&COMPETITORS));
    }
    plan
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn every_plan_is_a_path_the_stage_rules_allow(seed: u64, key in "[a-z]{1,12}@[a-z]{1,8}\\.com", won in proptest::option::of(0i64..400)) {
            let p = deal_plan(seed, &key, won);
            let mut at = OppStage::NeedsAnalysis;
            for (stage, _) in &p.moves {
                let effect = crate::opportunity::move_stage(at, *stage, p.lost_reason);
                prop_assert!(effect.is_ok(), "{at:?} -> {stage:?}: {effect:?}");
                at = *stage;
            }
            prop_assert_eq!(at == OppStage::ClosedWon, won.is_some());
        }
    }

    #[test]
    fn plans_are_deterministic_forward_and_lost_deals_have_reasons() {
        assert_eq!(deal_plan(1, "a@x.com", None), deal_plan(1, "a@x.com", None));
        let mut lost = 0;
        let mut open = 0;
        for i in 0..400 {
            let p = deal_plan(3, &format!("p{i}@y.com"), (i % 3 == 0).then_some(40));
            assert!(
                p.moves
                    .windows(2)
                    .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1)
            );
            assert!(p.amount_minor >= 800_000 && p.amount_minor <= 12_000_000);
            match p.moves.last().map(|m| m.0) {
                Some(OppStage::ClosedWon) => assert_eq!(i % 3, 0),
                Some(OppStage::ClosedLost) => {
                    lost += 1;
                    assert!(p.lost_reason.is_some());
                }
                _ => open += 1,
            }
        }
        assert!(lost > 40 && open > 100, "lost {lost}, open {open}");
    }
}
