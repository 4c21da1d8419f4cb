use std::collections::HashMap;

use proptest::prelude::*;

use super::credit::{self, JourneySet, MODELS, Settings};
use super::report::{self, By, Cost};
use super::*;
use crate::period::Period;

const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;

#[test]
fn page_views_of_one_visit_are_one_touch_and_non_touches_are_dropped() {
    let mut b = TouchBuilder::default();
    for i in 0..10 {
        b.push(i * 5 * MIN, "page", Some("organic_search"), None);
    }
    b.push(50 * MIN, "identify", Some("organic_search"), None);
    b.push(51 * MIN, "sales_touch", Some("cold_call"), None);
    b.push(52 * MIN, "page", None, None);
    b.push(3 * 60 * MIN, "page", Some("organic_search"), None); // a later visit
    b.push(4 * 60 * MIN, "list_imported", Some("tradeshow"), Some("c1"));
    b.push(
        4 * 60 * MIN + MIN,
        "form_submitted",
        Some("tradeshow"),
        Some("c2"),
    );
    let t = b.between(i64::MIN, i64::MAX);
    let (channels, _) = b.names().snapshot();
    let names: Vec<(&str, i64)> = t.iter().map(|t| (channels.name(t.channel), t.at)).collect();
    assert_eq!(
        names,
        [
            ("organic_search", 0),
            ("organic_search", 180 * MIN),
            ("tradeshow", 240 * MIN),
            ("tradeshow", 241 * MIN)
        ]
    );
    b.clear();
    assert!(
        b.between(i64::MIN, i64::MAX).is_empty(),
        "the builder starts the next lead empty"
    );
}

#[test]
fn the_markov_model_of_a_report_takes_the_order_of_its_settings() {
    let order = |k| {
        let settings = Settings {
            markov_order: k,
            ..Settings::default()
        };
        credit::model("markov", &settings)
    };
    assert_eq!(
        order(1),
        Some(crate::attribution::Model::Markov { order: 1 })
    );
    assert_eq!(
        order(3),
        Some(crate::attribution::Model::Markov { order: 3 })
    );
    assert_eq!(
        Settings::default().markov_order,
        1,
        "order 1 unless asked, as channelattribution"
    );
}

#[test]
fn builders_of_one_split_read_give_a_name_the_same_id_whatever_order_they_meet_it() {
    let shared = Arc::new(SharedNames::default());
    let (mut a, mut b) = (
        TouchBuilder::new(shared.clone()),
        TouchBuilder::new(shared.clone()),
    );
    a.push(0, "page", Some("email"), Some("c1"));
    a.push(DAY, "page", Some("webinar"), None);
    b.push(0, "page", Some("paid_search"), Some("c2"));
    b.push(DAY, "page", Some("webinar"), Some("c1"));
    b.push(2 * DAY, "page", Some("email"), None);
    let (ta, tb) = (a.between(0, DAY), b.between(0, 2 * DAY));
    let (channels, campaigns) = shared.snapshot();
    let named = |t: &[Touch]| -> Vec<(String, String)> {
        t.iter()
            .map(|t| {
                let cp = if t.campaign == Touch::NONE {
                    "-"
                } else {
                    campaigns.name(t.campaign)
                };
                (channels.name(t.channel).to_owned(), cp.to_owned())
            })
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(named(&ta), pairs(&[("email", "c1"), ("webinar", "-")]));
    assert_eq!(
        named(&tb),
        pairs(&[("paid_search", "c2"), ("webinar", "c1"), ("email", "-")])
    );
    assert_eq!(ta[0].channel, tb[2].channel, "email");
    assert_eq!(ta[1].channel, tb[1].channel, "webinar");
    assert_eq!(ta[0].campaign, tb[1].campaign, "c1");
    assert_eq!((channels.len(), campaigns.len()), (3, 2));
}

#[test]
fn a_window_collapses_only_its_own_activities() {
    let mut b = TouchBuilder::default();
    // one visit from minute 0 to 40, then another channel at minute 100
    for m in [0, 20, 40] {
        b.push(m * MIN, "page", Some("paid_search"), None);
    }
    b.push(100 * MIN, "page", Some("email"), None);
    let whole = b.between(i64::MIN, i64::MAX);
    assert_eq!(
        whole.iter().map(|t| t.at).collect::<Vec<_>>(),
        [0, 100 * MIN]
    );
    // a window opening at minute 10 starts the visit at its first view inside, minute 20
    // (and the view at 40 still belongs to it)
    let cut = b.between(10 * MIN, 100 * MIN);
    let at: Vec<i64> = cut.iter().map(|t| t.at).collect();
    assert_eq!(at, [20 * MIN, 100 * MIN]);
    assert!(b.between(41 * MIN, 99 * MIN).is_empty());
    assert_eq!(
        b.between(i64::MIN, i64::MAX).len(),
        2,
        "asking for windows keeps the lead open"
    );
    b.clear();
    assert!(b.between(i64::MIN, i64::MAX).is_empty());
}

/// (channel, campaign, time) of a touch written by hand.
type HandTouch<'a> = (&'a str, Option<&'a str>, i64);
/// (converted, at, touches, value) of a journey written by hand.
type HandJourney<'a> = (bool, i64, Vec<HandTouch<'a>>, i64);

fn set(journeys: Vec<HandJourney<'_>>) -> JourneySet {
    let mut s = JourneySet::default();
    for (converted, at, touches, value) in journeys {
        let touches = touches
            .into_iter()
            .map(|(ch, cp, t)| {
                let c = s.channels.intern(ch);
                let p = cp.map_or(Touch::NONE, |p| s.campaigns.intern(p));
                Touch::new(t, c, p)
            })
            .collect();
        s.journeys.push(Journey {
            converted,
            at,
            lead_at: at,
            opportunity_at: None,
            value,
            touches,
        });
    }
    s
}

fn get(rows: &[credit::Credit], key: &str) -> (f64, f64) {
    rows.iter()
        .find(|r| r.key == key)
        .map_or((0.0, 0.0), |r| (r.conversions, r.value))
}

#[test]
fn w_shaped_credits_the_lead_creating_touch_by_hand() {
    // four touches; the lead was created by the second (lead_at between 2nd and 3rd), the
    // conversion (an opportunity worth 1000) after the fourth:
    // W-shaped = first 30 %, lead creation 30 %, last 30 %, the one left 10 %
    let mut s = set(vec![(
        true,
        10 * DAY,
        vec![
            ("email", Some("c1"), DAY),
            ("webinar", Some("c2"), 2 * DAY),
            ("email", None, 5 * DAY),
            ("paid_search", None, 9 * DAY),
        ],
        1000,
    )]);
    s.journeys[0].lead_at = 3 * DAY;
    let c = credit::attribute(
        &s,
        &crate::attribution::Model::WShaped,
        &Settings::default(),
        |_| 0,
    );
    let close =
        |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() < 1e-12 && (a.1 - b.1).abs() < 1e-9;
    assert!(close(get(&c.by_channel, "email"), (0.4, 400.0)), "{c:?}");
    assert!(close(get(&c.by_channel, "webinar"), (0.3, 300.0)));
    assert!(close(get(&c.by_channel, "paid_search"), (0.3, 300.0)));
    assert!(close(get(&c.by_campaign, "c1"), (0.3, 300.0)));
    assert!(close(get(&c.by_campaign, NO_CAMPAIGN), (0.4, 400.0)));
}

#[test]
fn touches_after_the_conversion_or_beyond_the_lookback_do_not_count() {
    let s = set(vec![(
        true,
        400 * DAY,
        vec![
            ("tradeshow", None, 0),
            ("email", None, 399 * DAY),
            ("blog", None, 401 * DAY),
        ],
        0,
    )]);
    let c = credit::attribute(
        &s,
        &crate::attribution::Model::First,
        &Settings::default(),
        |_| 0,
    );
    assert_eq!(get(&c.by_channel, "email").0, 1.0);
    let none = set(vec![(true, DAY, vec![("blog", None, 2 * DAY)], 5)]);
    let c = credit::attribute(
        &none,
        &crate::attribution::Model::Linear,
        &Settings::default(),
        |_| 0,
    );
    assert_eq!(get(&c.by_channel, NO_TOUCH), (1.0, 5.0));
}

#[test]
fn roi_divides_by_attributed_counts_and_dashes_zeroes() {
    let leads = set(vec![
        (true, DAY, vec![("paid_search", Some("c1"), 0)], 0),
        (true, DAY, vec![("blog", None, 0)], 0),
    ]);
    let revenue = set(vec![(
        true,
        DAY,
        vec![("paid_search", Some("c1"), 0)],
        30_000,
    )]);
    let costs = [
        Cost {
            campaign_id: Some("c1".into()),
            channel: "paid_search".into(),
            amount_minor: 10_000,
        },
        Cost {
            campaign_id: None,
            channel: "paid_search".into(),
            amount_minor: 5_000,
        },
    ];
    let names = HashMap::from([("c1".to_owned(), "Spring ads".to_owned())]);
    let r = report::roi(
        &[(Outcome::Leads, leads), (Outcome::Revenue, revenue)],
        &costs,
        &crate::attribution::Model::Linear,
        &Settings::default(),
        Period {
            from: 0,
            to: 2 * DAY,
        },
        &names,
    );
    let ps = r
        .by_channel
        .iter()
        .find(|r| r.key == "paid_search")
        .unwrap();
    assert_eq!(ps.cost_minor, 15_000);
    assert_eq!(ps.cost_per_lead, Some(15_000.0));
    assert_eq!(ps.roi, Some(1.0)); // (30 000 − 15 000) / 15 000
    assert_eq!(ps.cost_per_mql, None);
    let blog = r.by_channel.iter().find(|r| r.key == "blog").unwrap();
    assert_eq!(blog.roi, None);
    let c1 = r.by_campaign.iter().find(|r| r.key == "c1").unwrap();
    assert_eq!((c1.label.as_str(), c1.cost_minor), ("Spring ads", 10_000));
    let none = r.by_campaign.iter().find(|r| r.key == NO_CAMPAIGN).unwrap();
    assert_eq!(none.cost_minor, 5_000);
    assert_eq!(r.total.cost_minor, 15_000);
    assert_eq!(By::parse("campaign"), Some(By::Campaign));
}

/// (converted, at day, touches (channel, campaign, day), value, lead day).
type GenJourney = (bool, i64, Vec<(u8, u8, i64)>, i64, i64);

fn journeys() -> impl Strategy<Value = Vec<GenJourney>> {
    prop::collection::vec(
        (
            any::<bool>(),
            0i64..60,
            prop::collection::vec((0u8..5, 0u8..4, 0i64..60), 0..6),
            0i64..100_000,
            0i64..60,
        ),
        1..25,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_model_hands_out_exactly_the_conversions_and_value(js in journeys(), order in 1u32..=4) {
        let chans = ["email", "direct", "paid_search", "webinar", "tradeshow"];
        let mut s = JourneySet::default();
        for (converted, at, touches, value, lead) in js {
            let mut ts: Vec<Touch> = touches.into_iter().map(|(c, p, t)| {
                let ch = s.channels.intern(chans[c as usize]);
                let cp = if p == 0 { Touch::NONE } else { s.campaigns.intern(&format!("c{p}")) };
                Touch::new(t * DAY, ch, cp)
            }).collect();
            ts.sort_by_key(|t| t.at);
            s.journeys.push(Journey { converted, at: at * DAY, lead_at: lead * DAY, opportunity_at: Some(lead * DAY), value, touches: ts.into() });
        }
        let (conv, value) = (s.conversions() as f64, s.value() as f64);
        let settings = Settings { lookback_days: 30, half_life_days: 7.0, markov_order: order };
        for name in MODELS {
            let m = credit::model(name, &settings).unwrap();
            let c = credit::attribute(&s, &m, &settings, |at| (at / (10 * DAY)) as usize);
            for rows in [&c.by_channel, &c.by_campaign] {
                let (sc, sv): (f64, f64) = rows.iter().fold((0.0, 0.0), |a, r| (a.0 + r.conversions, a.1 + r.value));
                prop_assert!((sc - conv).abs() < 1e-6 * conv.max(1.0), "{name}: {sc} != {conv}");
                prop_assert!((sv - value).abs() < 1e-6 * value.max(1.0), "{name}: {sv} != {value}");
            }
            if !matches!(m, crate::attribution::Model::Markov { .. } | crate::attribution::Model::Shapley) {
                let st: f64 = c.trend.values().sum();
                prop_assert!((st - conv).abs() < 1e-6 * conv.max(1.0));
            }
        }
    }
}

#[test]
fn the_report_puts_models_side_by_side_with_self_reported_counts() {
    let s = set(vec![(
        true,
        DAY,
        vec![("email", None, 0), ("webinar", None, DAY / 2)],
        0,
    )]);
    let models = [
        crate::attribution::Model::First,
        crate::attribution::Model::Last,
    ];
    let names = HashMap::new();
    let r = report::attribution(report::AttributionInput {
        set: &s,
        outcome: Outcome::Leads,
        period: Period {
            from: 0,
            to: 2 * DAY,
        },
        by: By::Channel,
        models: &models,
        settings: Settings::default(),
        campaign_names: &names,
        heard_about: vec![(Some("webinar".into()), 3), (None, 2)],
        markers: vec![(DAY / 3, "analyst".into(), "Wave report".into())],
    });
    assert_eq!(r.models, ["first", "last"]);
    let email = r.rows.iter().find(|r| r.key == "email").unwrap();
    assert_eq!(email.conversions, [1.0, 0.0]);
    let webinar = r.rows.iter().find(|r| r.key == "webinar").unwrap();
    assert_eq!(
        (webinar.conversions.clone(), webinar.self_reported),
        (vec![0.0, 1.0], Some(3))
    );
    assert_eq!(r.trend.model, "w-shaped");
    assert_eq!(r.trend.months, ["1970-01"]);
    assert_eq!(r.markers[0].month, "1970-01");
    assert!(r.self_reported.contains(&("(no answer)".into(), 2)));
}
