use proptest::prelude::*;

use super::*;

fn inputs(savings: i64, upfront: i64, monthly: i64, horizon: u32, rate: f64) -> RoiInputs {
    RoiInputs {
        current_cost_monthly: savings.max(1) * 2,
        expected_savings_monthly: savings,
        price_upfront: upfront,
        price_monthly: monthly,
        horizon_months: horizon,
        discount_rate: rate,
    }
}

#[test]
fn a_one_year_estimate_worked_by_hand() {
    // Saves 4,000.00 a month for 1,000.00 a month plus 12,000.00 upfront, over a year.
    let e = inputs(400_000, 1_200_000, 100_000, 12, 0.0)
        .estimate()
        .unwrap();
    assert_eq!(e.total_savings, 4_800_000);
    assert_eq!(e.total_cost, 2_400_000);
    assert_eq!(e.roi_percent, Some(100.0));
    // 3,000.00 net a month pays 12,000.00 back in four months.
    assert_eq!(e.payback_months, Some(4.0));
    assert_eq!(e.npv, 2_400_000.0);
    assert_eq!(e.schedule.len(), 13);
    assert_eq!(e.schedule[4].cumulative, 0);
    assert_eq!(e.schedule[3].cumulative, -300_000);
}

#[test]
fn npv_discounts_like_the_annuity_formula() {
    let e = inputs(400_000, 1_200_000, 100_000, 12, 0.08)
        .estimate()
        .unwrap();
    // Twelve end-of-month payments of 300,000 at the monthly rate compounding to 8 % a
    // year: 300,000 · (1 − 1.08⁻¹) / m, less the upfront price.
    let m = 1.08f64.powf(1.0 / 12.0) - 1.0;
    let expected = 300_000.0 * (1.0 - 1.0 / 1.08) / m - 1_200_000.0;
    assert!((e.npv - expected).abs() < 1e-6, "{} vs {expected}", e.npv);
    assert!(e.npv < 2_400_000.0);
}

#[test]
fn payback_is_none_when_the_recurring_price_eats_the_savings() {
    let e = inputs(100_000, 500_000, 100_000, 24, 0.08)
        .estimate()
        .unwrap();
    assert_eq!(e.payback_months, None);
    assert!(e.roi_percent.unwrap() < 0.0);
    let free = inputs(100_000, 0, 0, 12, 0.08).estimate().unwrap();
    assert_eq!(free.payback_months, Some(0.0));
    assert_eq!(free.roi_percent, None, "nothing paid: no ROI ratio");
}

#[test]
fn bad_inputs_name_their_field() {
    let field = |i: RoiInputs| i.estimate().unwrap_err().field;
    let ok = inputs(100_000, 0, 0, 12, 0.08);
    assert_eq!(
        field(RoiInputs {
            price_upfront: -1,
            ..ok.clone()
        }),
        "price_upfront"
    );
    assert_eq!(
        field(RoiInputs {
            expected_savings_monthly: ok.current_cost_monthly + 1,
            ..ok.clone()
        }),
        "expected_savings_monthly"
    );
    for horizon in [0, MAX_HORIZON_MONTHS + 1] {
        assert_eq!(
            field(RoiInputs {
                horizon_months: horizon,
                ..ok.clone()
            }),
            "horizon_months"
        );
    }
    for rate in [-0.01, 1.5, f64::NAN] {
        assert_eq!(
            field(RoiInputs {
                discount_rate: rate,
                ..ok.clone()
            }),
            "discount_rate"
        );
    }
    let json =
        r#"{"current_cost_monthly":1,"expected_savings_monthly":1,"horizon_months":1,"bogus":1}"#;
    assert!(serde_json::from_str::<RoiInputs>(json).is_err());
}

#[test]
fn csv_has_a_row_per_month_after_the_header() {
    let csv = inputs(400_000, 1_200_000, 100_000, 3, 0.0)
        .estimate()
        .unwrap()
        .to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "month,savings,cost,cumulative,discounted_cumulative"
    );
    assert_eq!(lines[1], "0,0,1200000,-1200000,-1200000");
    assert_eq!(lines[4], "3,400000,100000,-300000,-300000");
    assert_eq!(lines.len(), 5);
}

fn any_inputs() -> impl Strategy<Value = RoiInputs> {
    (
        0i64..10_000_000,
        0i64..100_000_000,
        0i64..5_000_000,
        1u32..=MAX_HORIZON_MONTHS,
        0.0f64..=1.0,
    )
        .prop_map(|(s, u, m, h, r)| inputs(s, u, m, h, r))
}

proptest! {
    #[test]
    fn undiscounted_the_estimate_adds_up(i in any_inputs()) {
        let e = RoiInputs { discount_rate: 0.0, ..i }.estimate().unwrap();
        let net = e.total_savings - e.total_cost;
        prop_assert_eq!(e.schedule.last().unwrap().cumulative, net);
        // Whole amounts well below 2⁵³ add up exactly in floating point.
        prop_assert_eq!(e.npv, net as f64);
        if let Some(roi) = e.roi_percent {
            prop_assert_eq!(roi > 0.0, net > 0);
        }
    }

    #[test]
    fn payback_is_when_the_cumulative_turns_non_negative(i in any_inputs()) {
        let e = i.estimate().unwrap();
        if let Some(p) = e.payback_months
            && p <= f64::from(i.horizon_months)
        {
            let at = p.ceil() as usize;
            prop_assert!(e.schedule[at].cumulative >= 0, "{:?} at {}", e.schedule[at], p);
            if at > 0 {
                prop_assert!(e.schedule[at - 1].cumulative < 0 || p == 0.0);
            }
        }
        if e.payback_months.is_none() {
            prop_assert!(e.schedule.iter().skip(1).all(|m| m.cumulative < 0));
        }
    }

    #[test]
    fn a_dearer_capital_lowers_the_npv_of_a_saving(i in any_inputs(), more in 0.001f64..0.5) {
        prop_assume!(i.expected_savings_monthly > i.price_monthly);
        let cheap = i.estimate().unwrap().npv;
        let dear = RoiInputs { discount_rate: (i.discount_rate + more).min(1.0), ..i.clone() };
        prop_assume!(dear.discount_rate > i.discount_rate);
        prop_assert!(dear.estimate().unwrap().npv < cheap);
    }
}
