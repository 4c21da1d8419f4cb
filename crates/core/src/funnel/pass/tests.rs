use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::funnel::{funnel, funnel_of, quality, velocity};
use crate::stage::Stage;

const HOUR: i64 = 3_600_000;
/// 2026-01-15T00:00:00Z.
const JAN: i64 = 1_768_435_200_000;

/// A lead as the database would hold it, and the same lead as the pass reads it.
#[derive(Debug, Clone)]
struct Case {
    created_at: i64,
    stage: Option<Stage>,
    at: [Option<i64>; 7],
    reason: Option<Option<String>>,
    source: Option<String>,
    campaign: Option<String>,
    won: i64,
}

impl Case {
    fn milestones(&self) -> LeadMilestones {
        let mut at = self.at;
        at[0] = Some(self.created_at);
        LeadMilestones {
            created_at: self.created_at,
            stage: self.stage,
            at,
            disqualified_at: self.reason.as_ref().map(|_| self.created_at),
            disqualified_reason: self.reason.clone().flatten(),
            source: self.source.clone(),
            campaign: self.campaign.as_ref().map(|id| name(id)),
            won_minor: self.won,
        }
    }

    fn row(&self) -> LeadRow<'_> {
        LeadRow {
            created_at: self.created_at,
            stage: self
                .stage
                .and_then(|s| STAGES.iter().position(|&f| f == s))
                .unwrap_or(0),
            at: self.at,
            disqualified: self.reason.is_some(),
            reason: self.reason.as_ref().and_then(|r| r.as_deref()),
            source: self.source.as_deref(),
            campaign_id: self.campaign.as_deref(),
            won_minor: self.won,
        }
    }
}

fn name(id: &str) -> String {
    format!("Campaign {id}")
}

fn pass_of(cases: &[Case]) -> FunnelPass {
    let mut p = FunnelPass::default();
    for c in cases {
        p.add(&c.row());
    }
    p
}

prop_compose! {
    /// Leads over three months; milestones whole hours apart (the pass reads hours), some
    /// out of order, some missing, some leads ahead of their milestones.
    fn case()(
        created in 0i64..(90 * 24),
        steps in prop::collection::vec(prop::option::of(-5i64..500), 6),
        stage in prop::option::of(prop::sample::select(vec![
            Stage::Subscriber, Stage::Lead, Stage::Mql, Stage::Sql, Stage::Customer,
            Stage::Disqualified, Stage::Recycled,
        ])),
        reason in prop::option::of(prop::option::of(prop::sample::select(vec![
            "student".to_owned(), "competitor".to_owned(), "Student ".to_owned(),
        ]))),
        source in prop::option::of(prop::sample::select(vec!["web".to_owned(), "email".to_owned()])),
        campaign in prop::option::of(prop::sample::select(vec!["c1".to_owned(), "c2".to_owned()])),
        won in 0i64..10_000,
    ) -> Case {
        let created_at = JAN + created * HOUR;
        let mut at = [None; 7];
        let mut t = created_at;
        for (i, s) in steps.into_iter().enumerate() {
            if let Some(h) = s {
                t += h * HOUR;
                at[i + 1] = Some(t);
            }
        }
        Case { created_at, stage, at, reason, source, campaign, won }
    }
}

proptest! {
    #[test]
    fn the_pass_gives_the_reports_of_the_leads_themselves(
        cases in prop::collection::vec(case(), 0..60),
    ) {
        let pass = pass_of(&cases);
        let leads: Vec<LeadMilestones> = cases.iter().map(Case::milestones).collect();
        let costs: HashMap<String, i64> = [("web".to_owned(), 5_000)].into();
        for by in [By::Month, By::Source, By::Campaign] {
            let tallies = pass.tallies(by, name);
            prop_assert_eq!(funnel_of(&tallies, by), funnel(&leads, by));
            prop_assert_eq!(
                quality::quality_of(&tallies, by, &costs),
                quality::quality(&leads, by, &costs)
            );
        }
        let (got, want) = (pass.velocity(), velocity(&leads));
        let pairs = got.steps.iter().zip(&want.steps).chain([(&got.to_close, &want.to_close)]);
        for (g, w) in pairs {
            prop_assert_eq!(g.leads, w.leads);
            for (a, b) in [(g.median_days, w.median_days), (g.p75_days, w.p75_days)] {
                prop_assert_eq!(a.is_some(), b.is_some());
                prop_assert!((a.unwrap_or(0.0) - b.unwrap_or(0.0)).abs() < 1e-9);
            }
        }
    }
}

#[test]
fn alike_leads_are_counted_together() {
    let case = Case {
        created_at: JAN,
        stage: Some(Stage::Mql),
        at: [None; 7],
        reason: None,
        source: Some("web".into()),
        campaign: None,
        won: 0,
    };
    let pass = pass_of(&vec![case; 1000]);
    let tallies = pass.tallies(By::Source, name);
    assert_eq!(tallies.len(), 1);
    assert_eq!(tallies[0].leads, 1000);
    assert_eq!(tallies[0].lead.furthest(), 2);
}
