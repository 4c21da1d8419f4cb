use proptest::prelude::*;

use super::*;
use crate::scoring::{EngagementRules, Tally, Touch};

fn traits(title: &str, size: &str) -> Traits {
    let mut t = Traits::default();
    t.set("first_name", "Ada");
    t.set("last_name", "Lovelace");
    t.set("title", title);
    t.set("company_size", size);
    t
}

fn facts<'a>(email: &'a Email, traits: &'a Traits, stage: Stage) -> LeadFacts<'a> {
    LeadFacts {
        email: Some(email),
        traits,
        stage,
        requalified: false,
        auto_disqualified: false,
    }
}

fn no_engagement() -> Score {
    Score {
        points: 0.0,
        contributions: vec![],
    }
}

#[test]
fn head_counts_read_as_people_write_them() {
    assert_eq!(employees("250"), Some(250));
    assert_eq!(employees("1,000"), Some(1000));
    assert_eq!(employees("51-200"), Some(51));
    assert_eq!(employees("5001+"), Some(5001));
    assert_eq!(employees("10k"), Some(10_000));
    assert_eq!(employees("lots"), None);
    assert_eq!(employees(""), None);
}

#[test]
fn a_vp_at_a_large_company_with_a_business_address_is_an_a() {
    let email = Email::parse("ada@acme-industrial.com").unwrap();
    let t = traits("VP Engineering", "1001-5000");
    let a = assess(
        facts(&email, &t, Stage::Lead),
        no_engagement(),
        &Policy::default(),
    );
    // 25 (vp) + 30 (1000+) + 10 (business email) = 65 ≥ 60.
    assert_eq!(a.fit_points, 65);
    assert_eq!(a.grade, "A4");
    assert!(a.findings.is_empty());
    assert_eq!(a.stage_move, None);
    let lines: Vec<&str> = a
        .fit
        .contributions
        .iter()
        .map(|c| c.what.as_str())
        .collect();
    assert_eq!(
        lines,
        ["company of 1000+ people", "title: vp", "business email"]
    );
}

#[test]
fn a_student_is_disqualified_with_the_reason_and_free_mail_only_flagged() {
    let policy = Policy::default();
    let student = Email::parse("kim@cs.stanford.edu").unwrap();
    let t = traits("Student", "");
    let a = assess(facts(&student, &t, Stage::Lead), no_engagement(), &policy);
    let m = a.stage_move.clone().expect("a student is disqualified");
    assert_eq!(m.to, Stage::Disqualified);
    assert!(m.reason.contains("student"), "{}", m.reason);
    assert!(a.flags().contains("student"));

    let gmail = Email::parse("ada.lovelace@gmail.com").unwrap();
    let t = traits("Director", "");
    let a = assess(facts(&gmail, &t, Stage::Lead), no_engagement(), &policy);
    assert_eq!(a.flags(), "free_mail");
    assert_eq!(a.stage_move, None, "free mail only flags by default");
}

#[test]
fn rules_leave_sales_owned_and_requalified_leads_alone_and_lift_their_own_disqualification() {
    let policy = Policy::default();
    let student = Email::parse("kim@cs.stanford.edu").unwrap();
    let t = traits("Student", "");
    for stage in [Stage::Sal, Stage::Sql, Stage::Opportunity, Stage::Customer] {
        let a = assess(facts(&student, &t, stage), no_engagement(), &policy);
        assert_eq!(a.stage_move, None, "{stage}");
    }
    let mut f = facts(&student, &t, Stage::Lead);
    f.requalified = true;
    assert_eq!(assess(f, no_engagement(), &policy).stage_move, None);

    let fine = Email::parse("ada@acme-industrial.com").unwrap();
    let t = traits("Director", "");
    let mut f = facts(&fine, &t, Stage::Disqualified);
    assert_eq!(
        assess(f, no_engagement(), &policy).stage_move,
        None,
        "a person's disqualification stays"
    );
    f.auto_disqualified = true;
    let m = assess(f, no_engagement(), &policy).stage_move.unwrap();
    assert_eq!(m.to, Stage::Lead);
}

#[test]
fn compiled_engagement_rules_agree_with_the_model() {
    let model = crate::scoring::Model::default();
    let rules = EngagementRules::new(&model);
    let day = 86_400_000;
    let touches = [
        Touch {
            kind: "page",
            name: Some("Pricing plans"),
            at: 0,
        },
        Touch {
            kind: "page",
            name: Some("Blog"),
            at: day,
        },
        Touch {
            kind: "form_submitted",
            name: None,
            at: 2 * day,
        },
        Touch {
            kind: "unknown",
            name: None,
            at: 0,
        },
    ];
    let mut tally = Tally::default();
    for t in &touches {
        rules.add(&mut tally, t, 3 * day);
    }
    assert_eq!(rules.score(&tally), model.engagement(&touches, 3 * day));
    assert_eq!(
        rules.rule("page", Some("PRICING")),
        rules.rule("page", Some("pricing"))
    );
    assert_ne!(
        rules.rule("page", Some("pricing")),
        rules.rule("page", Some("home"))
    );
    assert_eq!(rules.rule("nothing", None), None);
}

proptest! {
    #[test]
    fn employees_never_panics(s in ".{0,20}") {
        let _ = employees(&s);
    }

    #[test]
    fn grades_follow_the_rounded_points(title in "(ceo|vp|manager|intern|)", size in 0u64..5000, eng in 0.0f64..200.0) {
        let email = Email::parse("ada@acme-industrial.com").unwrap();
        let t = traits(&title, &size.to_string());
        let policy = Policy::default();
        let score = Score { points: eng, contributions: vec![] };
        let a = assess(facts(&email, &t, Stage::Lead), score, &policy);
        prop_assert_eq!(a.fit_points, a.fit.points.round() as i64);
        prop_assert_eq!(a.engagement_points, eng.round() as i64);
        let expected = policy.scoring.grade(a.fit_points as f64, a.engagement_points as f64);
        prop_assert_eq!(a.grade, expected);
    }
}
