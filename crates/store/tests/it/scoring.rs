//! Qualification, scoring and the lifecycle as a user relies on them: rules run inside the
//! capture pipeline and again on a rescore, every stage change says why, people outrank rules.

use leadline_core::filter::parse;
use leadline_core::policy::Policy;
use leadline_core::{Activity, CaptureEvent, Email, Stage};
use leadline_store::Store;

use crate::support::test_db;

fn event(id: &str, kind: Activity, email: &str, title: &str) -> CaptureEvent {
    let mut e = CaptureEvent::new(id, kind, leadline_store::now_ms(), "source:test");
    e.email = Some(Email::parse(email).unwrap());
    e.traits.first_name = Some("Sam".into());
    e.traits.last_name = Some("Carter".into());
    e.traits.title = Some(title.into());
    e
}

async fn lead(store: &Store, email: &str) -> leadline_store::leads::Lead {
    let filter = leadline_store::leads::LeadFilter {
        q: Some(email.into()),
        ..Default::default()
    };
    let page = store.list_leads(&filter, None, 2).await.unwrap();
    assert_eq!(page.items.len(), 1, "one lead {email}");
    page.items.into_iter().next().unwrap()
}

async fn last_reason(store: &Store, id: &str) -> String {
    let changes = store.lead_stage_changes(id).await.unwrap();
    changes.last().unwrap().reason.clone()
}

#[tokio::test]
async fn students_are_disqualified_on_capture_with_the_reason_and_free_mail_is_only_flagged() {
    let db = test_db().await;
    db.capturer
        .capture(vec![
            event(
                "s1",
                Activity::FormSubmitted,
                "kim@cs.stanford.edu",
                "Student",
            ),
            event("g1", Activity::FormSubmitted, "ada.l@gmail.com", "Engineer"),
        ])
        .await
        .unwrap();
    let kim = lead(&db.store, "kim@cs.stanford.edu").await;
    assert_eq!(kim.stage, "disqualified");
    assert!(kim.flags.contains("student"), "{}", kim.flags);
    assert!(last_reason(&db.store, &kim.id).await.contains("student"));
    let scoring = db.store.lead_scoring(&kim.id).await.unwrap();
    assert!(
        scoring
            .explanation
            .findings
            .iter()
            .any(|f| f.reason.code() == "student")
    );

    let ada = lead(&db.store, "ada.l@gmail.com").await;
    assert_eq!(ada.flags, "free_mail");
    assert_ne!(ada.stage, "disqualified");
    let counts = db.store.flag_counts().await.unwrap();
    assert!(counts.contains(&("free_mail".into(), 1)), "{counts:?}");
}

#[tokio::test]
async fn a_senior_buyer_who_fills_a_form_becomes_an_mql_by_the_definition_and_a_browser_does_not() {
    let db = test_db().await;
    let mut vp = event(
        "v1",
        Activity::FormSubmitted,
        "vp@acme-industrial.com",
        "VP Sales",
    );
    vp.traits
        .custom
        .insert("company_size".into(), "1001-5000".into());
    let mut reader = event("r1", Activity::Page, "reader@initech.com", "Analyst");
    reader.name = Some("Blog".into());
    db.capturer.capture(vec![vp, reader]).await.unwrap();

    let vp = lead(&db.store, "vp@acme-industrial.com").await;
    assert_eq!(vp.stage, "mql");
    assert_eq!(vp.grade.as_deref(), Some("A2"), "fit 65, engagement 50");
    assert_eq!((vp.fit_score, vp.engagement_score), (Some(65), Some(50)));
    assert!(
        last_reason(&db.store, &vp.id)
            .await
            .starts_with("met the MQL definition")
    );
    let s = db.store.lead_scoring(&vp.id).await.unwrap();
    assert!(
        s.explanation
            .engagement
            .iter()
            .any(|c| c.what.starts_with("form_submitted"))
    );
    assert!(s.explanation.fit.iter().any(|c| c.what == "title: vp"));
    assert_eq!(s.history.len(), 1);

    let reader = lead(&db.store, "reader@initech.com").await;
    assert_ne!(reader.stage, "mql");
    let now = leadline_store::now_ms();
    let count = |t: &str| {
        let e = parse(t).unwrap();
        let store = db.store.clone();
        async move { store.count_matching(&e, now).await.unwrap() }
    };
    assert_eq!(count(r#"fit >= "A""#).await, 1);
    assert_eq!(count(r#"fit >= "D""#).await, 2);
    assert_eq!(count("engagement >= 40").await, 1);
    assert_eq!(count(r#"grade = "a2""#).await, 1);
}

#[tokio::test]
async fn a_requalified_lead_is_not_disqualified_again_and_manual_moves_need_a_reason() {
    let db = test_db().await;
    db.capturer
        .capture(vec![event(
            "s1",
            Activity::FormSubmitted,
            "kim@cs.stanford.edu",
            "Student",
        )])
        .await
        .unwrap();
    let kim = lead(&db.store, "kim@cs.stanford.edu").await;
    let now = leadline_store::now_ms();
    let err = db
        .store
        .change_stage(&kim.id, Stage::Lead, None, "  ", now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("reason"), "{err}");
    db.store
        .change_stage(
            &kim.id,
            Stage::Lead,
            Some("user-1"),
            "PhD buying for the lab",
            now,
        )
        .await
        .unwrap();
    db.capturer
        .capture(vec![event(
            "s2",
            Activity::FormSubmitted,
            "kim@cs.stanford.edu",
            "Student",
        )])
        .await
        .unwrap();
    let kim = lead(&db.store, "kim@cs.stanford.edu").await;
    assert_ne!(
        kim.stage, "disqualified",
        "a person's requalification holds"
    );
    assert!(kim.flags.contains("student"), "still flagged");
    let changes = db.store.lead_stage_changes(&kim.id).await.unwrap();
    let manual = changes
        .iter()
        .find(|c| c.by_user.as_deref() == Some("user-1"))
        .unwrap();
    assert_eq!(manual.reason, "PhD buying for the lab");
    let back = db
        .store
        .change_stage(&kim.id, Stage::Subscriber, None, "oops", now)
        .await
        .unwrap_err();
    assert!(back.to_string().contains("back"), "{back}");
}

#[tokio::test]
async fn a_policy_change_applies_to_existing_leads_on_rescore_and_undoes_itself() {
    let db = test_db().await;
    db.capturer
        .capture(vec![event(
            "c1",
            Activity::Page,
            "spy@rival.com",
            "Analyst",
        )])
        .await
        .unwrap();
    assert_eq!(lead(&db.store, "spy@rival.com").await.stage, "lead");

    let mut policy = Policy::default();
    policy
        .qualification
        .competitor_domains
        .insert("rival.com".into());
    db.store.set_policy(policy.clone()).await.unwrap();
    let report = db
        .store
        .rescore_all(leadline_store::now_ms())
        .await
        .unwrap();
    assert_eq!((report.leads, report.disqualified), (1, 1), "{report:?}");
    let spy = lead(&db.store, "spy@rival.com").await;
    assert_eq!(spy.stage, "disqualified");
    assert!(last_reason(&db.store, &spy.id).await.contains("competitor"));

    policy.qualification.competitor_domains.clear();
    policy.scoring.weights.insert("page".into(), 45.0);
    policy.scoring.caps.clear();
    policy.lifecycle.mql = "engagement >= 40".into();
    db.store.set_policy(policy).await.unwrap();
    let report = db
        .store
        .rescore_all(leadline_store::now_ms())
        .await
        .unwrap();
    assert_eq!(
        (report.requalified, report.became_mql),
        (1, 1),
        "{report:?}"
    );
    let spy = lead(&db.store, "spy@rival.com").await;
    assert_eq!(spy.stage, "mql");
    assert_eq!(spy.engagement_score, Some(45));

    let again = db
        .store
        .rescore_all(leadline_store::now_ms())
        .await
        .unwrap();
    assert_eq!(
        (again.changed, again.became_mql),
        (0, 0),
        "a rescore with no change writes nothing"
    );
}

#[tokio::test]
async fn the_policy_is_shared_through_the_database() {
    let db = test_db().await;
    let mut policy = Policy::default();
    policy.lifecycle.mql = "engagement >= 99".into();
    db.store.set_policy(policy.clone()).await.unwrap();
    let other = db.store.clone();
    assert!(!other.reload_policy().await.unwrap(), "already current");
    assert_eq!(*other.policy(), policy);
    let mut bad = policy;
    bad.lifecycle.mql = "engagement >=".into();
    let err = db.store.set_policy(bad).await.unwrap_err();
    assert!(err.to_string().contains("lifecycle.mql"), "{err}");
}

/// Sales handing a lead back must not bounce it straight back: a recycled lead that still
/// meets the MQL definition stays recycled through rescores and its old activity, and comes
/// back as an MQL with something new (an activity after it was recycled).
#[tokio::test]
async fn a_recycled_lead_comes_back_as_an_mql_only_with_new_activity() {
    let db = test_db().await;
    let mut policy = Policy::default();
    policy.scoring.weights.insert("page".into(), 45.0);
    policy.scoring.caps.clear();
    policy.lifecycle.mql = "engagement >= 40".into();
    db.store.set_policy(policy).await.unwrap();
    let view = |at: i64| {
        let mut e = CaptureEvent::new(format!("view-{at}"), Activity::Page, at, "source:test");
        e.email = Some(Email::parse("kim@acme.example").unwrap());
        e
    };
    let t0 = leadline_store::now_ms() - 60_000;
    db.capturer.capture(vec![view(t0)]).await.unwrap();
    let kim = lead(&db.store, "kim@acme.example").await;
    assert_eq!(kim.stage, "mql");

    db.store
        .change_stage(
            &kim.id,
            Stage::Recycled,
            None,
            "no budget this year",
            t0 + 1_000,
        )
        .await
        .unwrap();
    db.store.rescore_all(t0 + 2_000).await.unwrap();
    assert_eq!(lead(&db.store, "kim@acme.example").await.stage, "recycled");
    // An activity from before the hand-back, arriving late, is not news either.
    db.capturer.capture(vec![view(t0 + 500)]).await.unwrap();
    assert_eq!(lead(&db.store, "kim@acme.example").await.stage, "recycled");

    db.capturer.capture(vec![view(t0 + 3_000)]).await.unwrap();
    let kim = lead(&db.store, "kim@acme.example").await;
    assert_eq!(kim.stage, "mql", "new engagement brings it back");
    assert!(
        last_reason(&db.store, &kim.id)
            .await
            .contains("MQL definition")
    );
}
