use proptest::prelude::*;

use super::*;

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_800_000_000_000;

fn touch(kind: &'static str, name: Option<&'static str>, days_ago: i64) -> Touch<'static> {
    Touch {
        kind,
        name,
        at: NOW - days_ago * DAY,
    }
}

#[test]
fn a_form_fill_and_a_pricing_visit_today_score_their_weights_and_explain_them() {
    let m = Model::default();
    let s = m.engagement(
        &[
            touch("form_submitted", Some("Contact"), 0),
            touch("page", Some("Pricing"), 0),
            touch("page", Some("Blog"), 0),
        ],
        NOW,
    );
    assert_eq!(s.points, 61.0);
    let lines: Vec<(&str, f64)> = s
        .contributions
        .iter()
        .map(|c| (c.what.as_str(), c.points))
        .collect();
    assert_eq!(
        lines,
        [
            ("form_submitted ×1", 50.0),
            ("page:pricing ×1", 10.0),
            ("page ×1", 1.0)
        ]
    );
}

#[test]
fn engagement_halves_every_half_life_and_caps_per_rule() {
    let m = Model::default();
    let s = m.engagement(&[touch("form_submitted", None, 30)], NOW);
    assert!((s.points - 25.0).abs() < 1e-9, "{s:?}");
    let views: Vec<Touch<'_>> = (0..100).map(|_| touch("page", Some("Docs"), 0)).collect();
    let s = m.engagement(&views, NOW);
    assert_eq!(s.points, 20.0);
    assert_eq!(s.contributions[0].what, "page ×100, capped");
    // Identify calls and unknown events score nothing.
    assert_eq!(
        m.engagement(
            &[
                touch("identify", None, 0),
                touch("track", Some("Logged In"), 0)
            ],
            NOW
        )
        .points,
        0.0
    );
}

#[test]
fn fit_takes_the_most_senior_title_word_and_size_band() {
    let mut m = Model::default();
    m.industries.insert("Software".into(), 15.0);
    let p = Profile {
        title: Some("VP, Head of Revenue Operations"),
        employees: Some(250),
        industry: Some("software"),
        country: Some("DE"),
        business_email: true,
    };
    let s = m.fit(&p);
    let lines: Vec<(&str, f64)> = s
        .contributions
        .iter()
        .map(|c| (c.what.as_str(), c.points))
        .collect();
    assert_eq!(
        lines,
        [
            ("company of 200+ people", 25.0),
            ("title: vp", 25.0),
            ("industry: Software", 15.0),
            ("business email", 10.0)
        ]
    );
    assert_eq!(s.points, 75.0);
    assert_eq!(m.fit_grade(s.points), 'A');
    // "Leadership coach" is not a "lead".
    let coach = m.fit(&Profile {
        title: Some("Leadership Coach"),
        ..Profile::default()
    });
    assert_eq!(coach.points, 0.0);
}

#[test]
fn grades_combine_fit_and_engagement() {
    let m = Model::default();
    assert_eq!(m.grade(45.0, 35.0), "B2");
    assert_eq!(m.grade(0.0, 0.0), "D4");
    assert_eq!(m.grade(60.0, 60.0), "A1");
}

#[test]
fn a_model_reads_from_json_and_rejects_unknown_settings() {
    let m: Model = serde_json::from_value(serde_json::json!({"half_life_days": 7.0})).unwrap();
    assert_eq!(m.half_life_days, 7.0);
    assert_eq!(m.weights["form_submitted"], 50.0);
    assert!(serde_json::from_value::<Model>(serde_json::json!({"half_life": 7})).is_err());
}

proptest! {
    #[test]
    fn older_touches_never_score_more_and_points_are_the_sum_of_the_lines(
        days in prop::collection::vec(0i64..400, 0..40),
        later in 1i64..400,
    ) {
        let m = Model::default();
        let touches: Vec<Touch<'_>> = days.iter().map(|d| touch("form_submitted", None, *d)).collect();
        let now = m.engagement(&touches, NOW);
        let then = m.engagement(&touches, NOW + later * DAY);
        prop_assert!(then.points <= now.points + 1e-9);
        let sum: f64 = now.contributions.iter().map(|c| c.points).sum();
        prop_assert!((sum - now.points).abs() < 1e-9);
    }
}
