use std::collections::HashMap;

use proptest::prelude::*;

use super::compare::{self, MIN_COHORT, Proportion, Verdict, Z95};
use super::quality::{self, Flag, normalise_reason};
use super::*;

const DAY: i64 = 86_400_000;
/// 2026-01-15T00:00:00Z.
const JAN: i64 = 1_768_435_200_000;
/// 2026-02-15T00:00:00Z.
const FEB: i64 = JAN + 31 * DAY;

/// A lead created at `t` with milestones at the given day offsets (index in STAGES).
fn lead(t: i64, days: &[(usize, i64)], source: &str) -> LeadMilestones {
    let mut at = [None; 7];
    at[0] = Some(t);
    for &(i, d) in days {
        at[i] = Some(t + d * DAY);
    }
    LeadMilestones {
        created_at: t,
        at,
        source: Some(source.into()),
        ..LeadMilestones::default()
    }
}

fn counts(row: &FunnelRow) -> Vec<u64> {
    row.stages.iter().map(|s| s.count).collect()
}

#[test]
fn a_lead_that_jumped_to_sql_counts_as_mql_and_sal_too() {
    let leads = vec![
        lead(JAN, &[(1, 0), (4, 3)], "web"), // lead → sql
        lead(JAN, &[(1, 0), (2, 1)], "web"), // lead → mql
        lead(JAN, &[], "web"),               // subscriber only
    ];
    let rows = funnel(&leads, By::Source);
    assert_eq!(rows.len(), 2);
    assert_eq!(counts(&rows[1]), vec![3, 2, 2, 1, 1, 0, 0]);
    let mql = &rows[1].stages[2];
    assert_eq!(mql.from_previous, Some(1.0));
    assert_eq!(rows[1].stages[4].from_top, Some(1.0 / 3.0));
    assert_eq!(rows[1].stages[5].from_previous, Some(0.0));
    assert_eq!(rows[1].stages[6].from_previous, None, "0 of 0 is undefined");
}

#[test]
fn the_current_stage_counts_when_its_milestone_is_missing() {
    let mut l = lead(JAN, &[], "web");
    l.stage = Some(Stage::Opportunity);
    assert_eq!(l.furthest(), 5);
    assert!(l.reached(Stage::Sql));
    assert!(!l.reached(Stage::Customer));
    assert!(!l.reached(Stage::Disqualified));
}

#[test]
fn months_group_by_utc_cohort_and_sort() {
    let leads = vec![
        lead(FEB, &[(1, 0)], "web"),
        lead(JAN, &[], "web"),
        lead(JAN, &[(1, 0)], "ads"),
    ];
    let rows = funnel(&leads, By::Month);
    let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["2026-01", "2026-02", "total"]);
    assert_eq!(counts(&rows[0])[..2], [2, 1]);
    assert_eq!(month_of(JAN + 17 * DAY - 1), "2026-01"); // 2026-01-31T23:59:59.999Z
}

#[test]
fn velocity_uses_leads_with_both_times_and_interpolates_quantiles() {
    // lead → MQL took 1, 2, 3 and 10 days; the jumper has no MQL time and is left out.
    let leads = vec![
        lead(JAN, &[(1, 0), (2, 1)], "a"),
        lead(JAN, &[(1, 0), (2, 2)], "a"),
        lead(JAN, &[(1, 0), (2, 3)], "a"),
        lead(JAN, &[(1, 0), (2, 10), (6, 40)], "a"),
        lead(JAN, &[(1, 0), (4, 5), (6, 20)], "a"),
    ];
    let v = velocity(&leads);
    let step = &v.steps[1];
    assert_eq!(
        (step.from, step.to, step.leads),
        (Stage::Lead, Stage::Mql, 4)
    );
    // Median of 1,2,3,10 = 2.5; p75 at rank 0.75*3 = 2.25 → 3 + 0.25*7 = 4.75.
    assert_eq!(step.median_days, Some(2.5));
    assert_eq!(step.p75_days, Some(4.75));
    assert_eq!(v.to_close.leads, 2);
    assert_eq!(v.to_close.median_days, Some(30.0));
    assert_eq!(v.steps[2].median_days, None, "nobody has MQL and SAL times");
}

#[test]
fn reasons_are_normalised_to_one_spelling() {
    assert_eq!(normalise_reason(Some(" No  budget ")), "no_budget");
    assert_eq!(normalise_reason(Some("no-budget")), "no_budget");
    assert_eq!(normalise_reason(Some("NO_BUDGET")), "no_budget");
    assert_eq!(
        normalise_reason(Some(
            "disqualified by rules: student (academic domain x.edu)"
        )),
        "student"
    );
    assert_eq!(normalise_reason(None), "(none given)");
    assert_eq!(normalise_reason(Some("  ")), "(none given)");
}

#[test]
fn quality_tells_cheap_leads_from_good_ones() {
    let mut leads = Vec::new();
    // "ads": 60 leads, 2 SQLs, 30 disqualified (20 student, 10 no budget).
    for i in 0..60 {
        let mut l = lead(JAN, if i < 2 { &[(4, 1)] } else { &[] }, "ads");
        if i >= 30 {
            l.disqualified_at = Some(JAN + DAY);
            l.disqualified_reason = Some(if i < 50 { "Student" } else { "no budget" }.into());
        }
        leads.push(l);
    }
    // "referral": 20 leads, 10 SQLs, 4 won for 1000 each.
    for i in 0..20 {
        let mut l = lead(
            JAN,
            if i < 4 {
                &[(6, 9)]
            } else if i < 10 {
                &[(4, 2)]
            } else {
                &[]
            },
            "referral",
        );
        l.won_minor = if i < 4 { 1000 } else { 0 };
        leads.push(l);
    }
    let costs = HashMap::from([("ads".to_owned(), 6000)]);
    let rows = quality::quality(&leads, By::Source, &costs);
    let (ads, referral, total) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!(
        (ads.key.as_str(), ads.leads, ads.disqualified),
        ("ads", 60, 30)
    );
    assert_eq!(ads.disqualified_share, Some(0.5));
    assert_eq!(ads.top_reasons[0].reason, "student");
    assert_eq!(ads.top_reasons[0].leads, 20);
    assert_eq!(ads.cost_per_lead_minor, Some(100.0));
    assert_eq!(ads.cost_per_sql_minor, Some(3000.0));
    // Overall SQL rate 12/80 = 0.15: ads 2/60 < 0.075 with 60 ≥ 40 mean leads.
    assert_eq!(ads.flag, Some(Flag::HighVolumeLowSql));
    assert_eq!(referral.sql_rate, Some(0.5));
    assert_eq!(referral.win_rate, Some(0.2));
    assert_eq!(referral.revenue_per_lead_minor, Some(200.0));
    assert_eq!(
        referral.cost_minor, None,
        "no costs recorded is unknown, not free"
    );
    assert_eq!(referral.flag, Some(Flag::HighSql));
    assert_eq!(
        (total.leads, total.revenue_minor, total.cost_minor),
        (80, 4000, Some(6000))
    );
}

/// Published worked examples: R. G. Newcombe (1998), "Two-sided confidence intervals for the
/// single proportion: comparison of seven methods", Stat Med 17:857-872, Table II, method 3
/// (Wilson score, no continuity correction).
#[test]
fn wilson_intervals_match_newcombes_worked_examples() {
    let cases = [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ];
    for (x, n, lo, hi) in cases {
        let (l, h) = compare::wilson(x, n, Z95).unwrap();
        assert!(
            (l - lo).abs() < 5e-5 && (h - hi).abs() < 5e-5,
            "{x}/{n}: {l} {h}"
        );
    }
    assert_eq!(compare::wilson(0, 0, Z95), None);
}

/// R. G. Newcombe (1998), "Interval estimation for the difference between independent
/// proportions: comparison of eleven methods", Stat Med 17:873-890, Table II, method 10.
#[test]
fn newcombe_intervals_match_the_published_examples() {
    let cases = [
        ((56, 70), (48, 80), 0.0524, 0.3339),
        ((9, 10), (3, 10), 0.1705, 0.8090),
        ((6, 7), (2, 7), 0.0582, 0.8062),
        ((5, 56), (0, 29), -0.0381, 0.1926),
    ];
    for ((x1, n1), (x2, n2), lo, hi) in cases {
        let (l, h) = compare::newcombe(&Proportion::new(x1, n1), &Proportion::new(x2, n2)).unwrap();
        assert!(
            (l - lo).abs() < 5e-5 && (h - hi).abs() < 5e-5,
            "{x1}/{n1} - {x2}/{n2}: {l} {h}"
        );
    }
}

#[test]
fn the_two_proportion_test_matches_a_hand_computation() {
    // 56/70 vs 48/80: pooled 104/150, se = sqrt(p(1-p)(1/70+1/80)) = 0.075467, z = 2.6502,
    // two-sided p = erfc(z/√2) = 0.0080451 (Python's math.erfc).
    let p = compare::two_proportion_p(&Proportion::new(56, 70), &Proportion::new(48, 80)).unwrap();
    assert!((p - 0.008_045_08).abs() < 1e-6, "{p}");
    // erfc(0) = 1 and erfc(1) = 0.157299207 (Abramowitz & Stegun, Table 7.1).
    assert!((compare::erfc(0.0) - 1.0).abs() < 1e-7);
    assert!((compare::erfc(1.0) - 0.157_299_207).abs() < 1e-7);
    assert!((compare::erfc(-1.0) - 1.842_700_793).abs() < 1e-7);
}

#[test]
fn the_verdict_calls_noise_and_small_cohorts() {
    let big = compare::compare(Proportion::new(56, 70), Proportion::new(48, 80));
    assert_eq!(big.verdict, Verdict::Higher);
    let flipped = compare::compare(Proportion::new(48, 80), Proportion::new(56, 70));
    assert_eq!(flipped.verdict, Verdict::Lower);
    let noise = compare::compare(Proportion::new(5, 56), Proportion::new(1, 40));
    assert_eq!(noise.verdict, Verdict::Noise);
    let small = compare::compare(Proportion::new(9, 10), Proportion::new(3, 100));
    assert_eq!(small.verdict, Verdict::TooSmall);
    let text = compare::sentence(&small, "campaign \"Spring\"", "SQL");
    assert!(
        text.contains(&format!("at least {MIN_COHORT} leads")),
        "{text}"
    );
    assert!(text.contains("90.0 % (9 of 10)"), "{text}");
    let text = compare::sentence(&noise, "channel webinar", "SQL");
    assert!(text.contains("Noise"), "{text}");
}

#[test]
fn funnel_periods_resolve_to_calendar_bounds() {
    // The funnel reads its period through the shared `core::period`; spelled-out epoch ms:
    // 2026-01-01 = 1_767_225_600_000, 2026-04-01 = 1_775_001_600_000,
    // 2026-05-01 = 1_777_593_600_000, 2026-05-10 = 1_778_371_200_000.
    let now = 1_778_371_200_000 + DAY / 2; // 2026-05-10T12:00:00Z
    let p = crate::period::resolve(Some("last-quarter"), None, None, now).unwrap();
    assert_eq!((p.from, p.to), (1_767_225_600_000, 1_775_001_600_000));
    let p = crate::period::resolve(Some("Last-Month"), None, None, now).unwrap();
    assert_eq!((p.from, p.to), (1_775_001_600_000, 1_777_593_600_000));
    // last 30 days: today and the 29 before, ending at tomorrow's start
    let p = crate::period::resolve(Some("last-30-days"), None, None, now).unwrap();
    assert_eq!(
        (p.from, p.to),
        (1_778_371_200_000 - 29 * DAY, 1_778_371_200_000 + DAY)
    );
    let e = crate::period::resolve(Some("fortnight"), None, None, now).unwrap_err();
    assert_eq!(e.field, "period");
    let e = crate::period::resolve(None, Some("2026-02-30"), None, now).unwrap_err();
    assert_eq!(e.field, "from");
}

fn arb_lead() -> impl Strategy<Value = LeadMilestones> {
    (
        0i64..400,
        proptest::collection::vec(proptest::option::of(0i64..100), 6),
        0usize..4,
        proptest::option::of(0usize..9),
        any::<bool>(),
    )
        .prop_map(|(day, steps, src, stage, dq)| {
            let t = JAN + day * DAY;
            let mut at = [None; 7];
            at[0] = Some(t);
            for (i, s) in steps.into_iter().enumerate() {
                at[i + 1] = s.map(|d| t + d * DAY);
            }
            LeadMilestones {
                created_at: t,
                stage: stage.map(|i| Stage::ALL[i]),
                at,
                disqualified_at: dq.then_some(t),
                disqualified_reason: dq.then(|| "spam".into()),
                source: (src > 0).then(|| format!("s{src}")),
                campaign: (src > 1).then(|| format!("c{src}")),
                won_minor: 0,
            }
        })
}

#[test]
fn weighted_quantiles_equal_the_expanded_ones() {
    let pairs = [(1.0, 2), (3.0, 1), (10.0, 3)];
    let expanded = [1.0, 1.0, 3.0, 10.0, 10.0, 10.0];
    for q in [0.0, 0.25, 0.5, 0.75, 1.0] {
        assert_eq!(
            velocity::weighted_quantile(&pairs, q),
            velocity::quantile(&expanded, q)
        );
    }
    // 48 h twice and 72 h once for lead → MQL: median 2 days, p75 2.5 days.
    let v = velocity_from_hours(&[(1, 72, 1), (1, 48, 2), (6, 240, 1)]);
    assert_eq!((v.steps[1].leads, v.steps[1].median_days), (3, Some(2.0)));
    assert_eq!(v.steps[1].p75_days, Some(2.5));
    assert_eq!(v.to_close.median_days, Some(10.0));
}

proptest! {
    #[test]
    fn tallies_give_the_same_reports_as_single_leads(leads in proptest::collection::vec(arb_lead(), 0..40), n in 1u64..4) {
        // Every lead counted n times, as one tally, equals the leads repeated n times.
        let repeated: Vec<LeadMilestones> = leads.iter().flat_map(|l| std::iter::repeat_n(l.clone(), n as usize)).collect();
        let tallied: Vec<Tally> = leads.iter().map(|l| Tally { lead: LeadMilestones { won_minor: l.won_minor * n as i64, ..l.clone() }, leads: n }).collect();
        for by in [By::Month, By::Source, By::Campaign] {
            prop_assert_eq!(funnel(&repeated, by), funnel_of(&tallied, by));
            prop_assert_eq!(quality::quality(&repeated, by, &HashMap::new()), quality::quality_of(&tallied, by, &HashMap::new()));
        }
    }

    #[test]
    fn counts_never_grow_and_rates_stay_in_unit_range(leads in proptest::collection::vec(arb_lead(), 0..60)) {
        for by in [By::Month, By::Source, By::Campaign] {
            for row in funnel(&leads, by) {
                for w in row.stages.windows(2) {
                    prop_assert!(w[1].count <= w[0].count);
                }
                for s in &row.stages {
                    for r in [s.from_previous, s.from_top].into_iter().flatten() {
                        prop_assert!((0.0..=1.0).contains(&r));
                    }
                }
            }
        }
    }

    #[test]
    fn groups_add_up_to_the_total(leads in proptest::collection::vec(arb_lead(), 0..60)) {
        for by in [By::Month, By::Source, By::Campaign] {
            let rows = funnel(&leads, by);
            let (total, groups) = rows.split_last().unwrap();
            prop_assert_eq!(total.count(Stage::Subscriber), leads.len() as u64);
            for (i, s) in total.stages.iter().enumerate() {
                let sum: u64 = groups.iter().map(|g| g.stages[i].count).sum();
                prop_assert_eq!(sum, s.count);
            }
            let q = quality::quality(&leads, by, &HashMap::new());
            let (qt, qg) = q.split_last().unwrap();
            prop_assert_eq!(qg.iter().map(|r| r.leads).sum::<u64>(), qt.leads);
            prop_assert_eq!(qg.iter().map(|r| r.disqualified).sum::<u64>(), qt.disqualified);
        }
    }

    #[test]
    fn intervals_hold_their_estimate(x1 in 0u64..200, n1 in 1u64..200, x2 in 0u64..200, n2 in 1u64..200) {
        let (a, b) = (Proportion::new(x1, n1), Proportion::new(x2, n2));
        for p in [a, b] {
            let (lo, hi, r) = (p.low.unwrap(), p.high.unwrap(), p.rate.unwrap());
            prop_assert!(0.0 <= lo && lo <= r + 1e-12 && r <= hi + 1e-12 && hi <= 1.0);
        }
        let c = compare::compare(a, b);
        let (lo, hi, d) = (c.difference_low.unwrap(), c.difference_high.unwrap(), c.difference.unwrap());
        prop_assert!(-1.0 - 1e-12 <= lo && lo <= d + 1e-12 && d <= hi + 1e-12 && hi <= 1.0 + 1e-12);
        let p = c.p_value.unwrap();
        prop_assert!((0.0..=1.0).contains(&p));
        if lo <= 0.0 && hi >= 0.0 && c.verdict != Verdict::TooSmall {
            prop_assert_eq!(c.verdict, Verdict::Noise);
        }
    }
}

#[test]
fn the_comparison_table_has_cohorts_then_the_difference() {
    // 56 of 70 = 0.8 against 48 of 80 = 0.6: a difference of 0.2
    let c = compare::compare(Proportion::new(56, 70), Proportion::new(48, 80));
    let (head, rows) = compare::table(&c, true);
    assert_eq!(head.last().map(String::as_str), Some("verdict"));
    assert_eq!(head[..3], ["cohort", "leads", "converted"]);
    assert_eq!(rows[0][..4], ["exposed", "70", "56", "0.8000"]);
    assert_eq!(rows[1][..4], ["not_exposed", "80", "48", "0.6000"]);
    assert_eq!(rows[2][0], "difference");
    assert_eq!(rows[2][3], "0.2000");
    let json = serde_json::to_value(c.verdict).unwrap();
    assert_eq!(rows[2].last().map(String::as_str), json.as_str());
    assert!(rows.iter().all(|r| r.len() == head.len()));
    let (head, rows) = compare::table(&c, false);
    assert_eq!(head.len(), 7);
    assert!(rows.iter().all(|r| r.len() == 7));
}
