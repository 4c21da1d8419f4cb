//! Routing as sales relies on it: every lead that becomes an MQL reaches one rep, by a named
//! rule, with deadlines on the rep's calendar; waiting leads say why; replays never assign
//! twice; the preview writes nothing.

use leadline_core::business_hours::Calendar;
use leadline_core::routing::Outcome;
use leadline_core::{Activity, CaptureEvent, Email, Stage};
use leadline_store::Store;
use leadline_store::routing::{ROUTE_JOB, RepProfile};

use crate::support::{TestDb, reps, set_rules, team_rule, test_db};

const HOUR: i64 = 3_600_000;
/// Friday 2026-01-09 16:00 UTC.
const FRIDAY_4PM: i64 = 1_767_974_400_000;
/// Monday 2026-01-12 12:00 UTC: four business hours after Friday 16:00 on 09:00–17:00.
const MONDAY_NOON: i64 = 1_768_219_200_000;

/// A lead that is not sales-ready by itself (a page view).
async fn plain_lead(db: &TestDb, email: &str) -> String {
    let mut e = CaptureEvent::new(
        email,
        Activity::Page,
        leadline_store::now_ms(),
        "source:test",
    );
    e.email = Some(Email::parse(email).unwrap());
    e.name = Some("Blog".into());
    db.capturer.capture(vec![e]).await.unwrap();
    let filter = leadline_store::leads::LeadFilter {
        q: Some(email.into()),
        ..Default::default()
    };
    let page = db.store.list_leads(&filter, None, 2).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_ne!(page.items[0].stage, "mql");
    page.items[0].id.clone()
}

/// A VP of a large company with a business address (a strong fit), captured by `activity`
/// as the database's only lead: its id and stage.
async fn vp_lead(db: &TestDb, activity: Activity) -> (String, String) {
    let mut vp = CaptureEvent::new("v1", activity, leadline_store::now_ms(), "source:test");
    vp.email = Some(Email::parse("vp@acme-industrial.com").unwrap());
    vp.traits.title = Some("VP Sales".into());
    vp.traits
        .custom
        .insert("company_size".into(), "1001-5000".into());
    db.capturer.capture(vec![vp]).await.unwrap();
    let leads = db
        .store
        .list_leads(&Default::default(), None, 5)
        .await
        .unwrap()
        .items;
    assert_eq!(leads.len(), 1);
    (leads[0].id.clone(), leads[0].stage.clone())
}

async fn make_mql(store: &Store, lead: &str, now: i64) {
    store
        .change_stage(lead, Stage::Mql, None, "asked for a demo on the phone", now)
        .await
        .unwrap();
}

async fn owner_of(store: &Store, lead: &str) -> Option<String> {
    let open: Vec<_> = store
        .lead_assignments(lead)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.ended_at.is_none())
        .collect();
    assert!(open.len() <= 1, "at most one open assignment: {open:?}");
    let owner = open.first().map(|a| a.owner_id.clone());
    assert_eq!(store.get_lead(lead).await.unwrap().owner_id, owner);
    owner
}

#[tokio::test]
async fn a_lead_that_becomes_an_mql_gets_exactly_one_assignment_with_the_rule_and_deadlines() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice"]).await;
    set_rules(&db.store, vec![team_rule("Inbound", "", &[&ids[0]])]).await;
    // Meets the default MQL definition on capture (as in the scoring tests).
    let (lead, stage) = vp_lead(&db, Activity::FormSubmitted).await;
    assert_eq!(stage, "mql");

    let now = leadline_store::now_ms() + 1_000;
    let r = db.store.route_pending(now, 100).await.unwrap();
    assert_eq!((r.claimed, r.assigned, r.waiting), (1, 1, 0));
    let all = db.store.lead_assignments(&lead).await.unwrap();
    assert_eq!(all.len(), 1);
    let a = &all[0];
    assert_eq!(
        (a.rule.as_str(), a.via.as_str()),
        ("Inbound", "round_robin")
    );
    assert_eq!(a.owner_id, ids[0]);
    assert_eq!(a.assigned_at, now);
    assert_eq!(a.accept_due_at, Some(now + 4 * HOUR));
    assert_eq!(a.touch_due_at, Some(now + 24 * HOUR));
    assert!(a.explanation.contains("Inbound"), "{}", a.explanation);
    assert_eq!(owner_of(&db.store, &lead).await, Some(ids[0].clone()));
}

#[tokio::test]
async fn deadlines_count_the_owners_business_hours_only() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice"]).await;
    let profile = RepProfile {
        calendar: Some(Calendar::default()),
        ..Default::default()
    };
    db.store.set_rep_profile(&ids[0], &profile).await.unwrap();
    let mut rule = team_rule("Inbound", "", &[&ids[0]]);
    rule.first_touch_within_hours = None;
    set_rules(&db.store, vec![rule]).await;
    let lead = plain_lead(&db, "ops@globex.example").await;
    make_mql(&db.store, &lead, FRIDAY_4PM).await;
    let r = db.store.route_pending(FRIDAY_4PM, 100).await.unwrap();
    assert_eq!(r.assigned, 1);
    let a = &db.store.lead_assignments(&lead).await.unwrap()[0];
    assert_eq!(
        a.accept_due_at,
        Some(MONDAY_NOON),
        "Friday 16:00 + 4 business hours"
    );
    assert_eq!(
        a.touch_due_at, None,
        "the rule sets no first-touch deadline"
    );
}

#[tokio::test]
async fn a_team_takes_leads_in_turn_across_batches() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice", "bob"]).await;
    set_rules(
        &db.store,
        vec![team_rule("Inbound", "", &[&ids[0], &ids[1]])],
    )
    .await;
    let now = leadline_store::now_ms();
    let mut leads = Vec::new();
    for i in 0..5 {
        let lead = plain_lead(&db, &format!("buyer{i}@initech.example")).await;
        make_mql(&db.store, &lead, now).await;
        leads.push(lead);
    }
    // Two per transaction: the rotation carries over from one batch to the next.
    let r = db.store.route_pending(now, 2).await.unwrap();
    assert_eq!((r.claimed, r.assigned), (5, 5));
    let mut owners = Vec::new();
    for l in &leads {
        owners.push(owner_of(&db.store, l).await.unwrap());
    }
    let (a, b) = (ids[0].clone(), ids[1].clone());
    assert_eq!(owners, vec![a.clone(), b.clone(), a.clone(), b, a]);
}

#[tokio::test]
async fn an_out_of_office_rep_is_skipped_and_the_reason_recorded() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice", "bob"]).await;
    set_rules(
        &db.store,
        vec![team_rule("Inbound", "", &[&ids[0], &ids[1]])],
    )
    .await;
    let now = leadline_store::now_ms();
    let away = RepProfile {
        calendar: None,
        out_of_office_from: Some(now - HOUR),
        out_of_office_until: Some(now + 24 * HOUR),
    };
    db.store.set_rep_profile(&ids[0], &away).await.unwrap();
    let mut leads = Vec::new();
    for i in 0..3 {
        let lead = plain_lead(&db, &format!("cto{i}@umbrella.example")).await;
        make_mql(&db.store, &lead, now).await;
        leads.push(lead);
    }
    let r = db.store.route_pending(now, 100).await.unwrap();
    assert_eq!(r.assigned, 3);
    for l in &leads {
        assert_eq!(owner_of(&db.store, l).await, Some(ids[1].clone()));
    }
    let a = &db.store.lead_assignments(&leads[0]).await.unwrap()[0];
    assert!(a.explanation.contains("out of office"), "{}", a.explanation);

    // With everyone away the lead waits, to be tried again when the first rep is back.
    db.store.set_rep_profile(&ids[1], &away).await.unwrap();
    let lead = plain_lead(&db, "cfo@umbrella.example").await;
    make_mql(&db.store, &lead, now).await;
    let r = db.store.route_pending(now, 100).await.unwrap();
    assert_eq!((r.assigned, r.waiting), (0, 1));
    let wait = db.store.route_wait(&lead).await.unwrap().unwrap();
    assert!(
        wait.reason.starts_with("no one available"),
        "{}",
        wait.reason
    );
    assert_eq!(
        wait.retry_at,
        now + HOUR,
        "back tomorrow; retried within the hour"
    );
}

#[tokio::test]
async fn a_lead_no_rule_matches_gets_no_assignment_and_keeps_the_reason() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice"]).await;
    set_rules(
        &db.store,
        vec![team_rule("DACH", r#"country = "DE""#, &[&ids[0]])],
    )
    .await;
    let lead = plain_lead(&db, "buyer@hooli.example").await;
    let now = leadline_store::now_ms();
    make_mql(&db.store, &lead, now).await;
    let r = db.store.route_pending(now, 100).await.unwrap();
    assert_eq!((r.claimed, r.assigned, r.waiting), (1, 0, 1));
    assert_eq!(owner_of(&db.store, &lead).await, None);
    let wait = db.store.route_wait(&lead).await.unwrap().unwrap();
    assert!(
        wait.reason.starts_with("no routing rule matched"),
        "{}",
        wait.reason
    );
    assert!(wait.reason.contains("DACH"), "{}", wait.reason);
    assert_eq!(wait.retry_at, now + HOUR);
    // Not due again yet.
    let again = db.store.route_pending(now + 1_000, 100).await.unwrap();
    assert_eq!(again.claimed, 0);
}

#[tokio::test]
async fn routing_again_or_replaying_a_job_never_makes_a_second_open_assignment() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice", "bob"]).await;
    set_rules(
        &db.store,
        vec![team_rule("Inbound", "", &[&ids[0], &ids[1]])],
    )
    .await;
    let lead = plain_lead(&db, "dup@initech.example").await;
    let now = leadline_store::now_ms();
    make_mql(&db.store, &lead, now).await;
    let payload = serde_json::json!({ "lead_id": lead }).to_string();
    // A second job for the same lead in the same batch.
    db.store
        .enqueue_job(ROUTE_JOB, &payload, now)
        .await
        .unwrap();
    let r = db.store.route_pending(now, 100).await.unwrap();
    assert_eq!((r.claimed, r.assigned, r.skipped), (2, 1, 1));
    let first = owner_of(&db.store, &lead).await.unwrap();

    let r = db.store.route_pending(now + 1_000, 100).await.unwrap();
    assert_eq!(r.claimed, 0, "done jobs are not run again");
    db.store
        .enqueue_job(ROUTE_JOB, &payload, now)
        .await
        .unwrap();
    let r = db.store.route_pending(now + 2_000, 100).await.unwrap();
    assert_eq!((r.claimed, r.assigned, r.skipped), (1, 0, 1));
    assert_eq!(db.store.lead_assignments(&lead).await.unwrap().len(), 1);
    assert_eq!(owner_of(&db.store, &lead).await, Some(first));
    assert_eq!(db.store.pending_jobs().await.unwrap(), 0);
}

#[tokio::test]
async fn the_preview_explains_the_decision_and_writes_nothing() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice", "bob"]).await;
    set_rules(
        &db.store,
        vec![team_rule("Inbound", "", &[&ids[0], &ids[1]])],
    )
    .await;
    let lead = plain_lead(&db, "curious@initech.example").await;
    let now = leadline_store::now_ms();
    for _ in 0..2 {
        let d = db.store.route_preview(&lead, now).await.unwrap();
        match &d.outcome {
            Outcome::Assigned(a) => assert_eq!(a.owner, ids[0], "the rotation did not move"),
            other => panic!("expected an assignment, got {other:?}"),
        }
        assert!(d.explanation.iter().any(|l| l.contains("Inbound")));
    }
    assert!(db.store.lead_assignments(&lead).await.unwrap().is_empty());
    assert_eq!(owner_of(&db.store, &lead).await, None);
    assert_eq!(db.store.pending_jobs().await.unwrap(), 0);
    let err = db
        .store
        .route_preview("no-such-lead", now)
        .await
        .unwrap_err();
    assert!(matches!(err, leadline_store::StoreError::NotFound), "{err}");
}

#[tokio::test]
async fn rules_on_fit_points_route_as_the_same_segment_counts() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice", "bob"]).await;
    let mut strong = team_rule("Strong fit", "fit >= 40", &[&ids[0]]);
    strong.assign.team = Some("enterprise".into());
    set_rules(
        &db.store,
        vec![strong, team_rule("Everyone else", "", &[&ids[1]])],
    )
    .await;
    let (vp, _) = vp_lead(&db, Activity::Page).await;
    let plain = plain_lead(&db, "buyer@hooli.example").await;
    let now = leadline_store::now_ms();
    for lead in [&vp, &plain] {
        make_mql(&db.store, lead, now).await;
    }
    // The segment language counts the same leads the rule takes.
    let expr = leadline_core::filter::parse("fit >= 40").unwrap();
    let counted = db.store.count_matching(&expr, now).await.unwrap();
    assert_eq!(counted, 1);
    db.store.route_pending(now, 100).await.unwrap();
    assert_eq!(owner_of(&db.store, &vp).await, Some(ids[0].clone()));
    assert_eq!(owner_of(&db.store, &plain).await, Some(ids[1].clone()));
}

/// A lead routed to the first of `names`: (store, lead, rep ids).
async fn routed(names: &[&str]) -> (TestDb, String, Vec<String>) {
    let db = test_db().await;
    let ids = reps(&db.store, names).await;
    set_rules(&db.store, vec![team_rule("Inbound", "", &[&ids[0]])]).await;
    let lead = plain_lead(&db, "buyer@hooli.example").await;
    let now = leadline_store::now_ms();
    make_mql(&db.store, &lead, now).await;
    db.store.route_pending(now, 100).await.unwrap();
    (db, lead, ids)
}

#[tokio::test]
async fn the_owner_accepts_and_the_lead_becomes_sales_accepted() {
    let (db, lead, ids) = routed(&["alice", "bob"]).await;
    let now = leadline_store::now_ms() + 60_000;
    let err = db.store.accept_lead(&lead, &ids[1], now).await.unwrap_err();
    assert!(
        matches!(
            err,
            leadline_store::StoreError::Refused {
                code: "not_your_lead",
                ..
            }
        ),
        "{err:?}"
    );
    db.store.accept_lead(&lead, &ids[0], now).await.unwrap();
    let a = &db.store.lead_assignments(&lead).await.unwrap()[0];
    assert_eq!((a.accepted_at, a.ended_at), (Some(now), None));
    assert_eq!(db.store.get_lead(&lead).await.unwrap().stage, "sal");
    assert_eq!(owner_of(&db.store, &lead).await, Some(ids[0].clone()));
    // A note is for the record; the first call is the first touch, and stays so.
    use leadline_core::followup::TouchKind;
    db.store
        .log_touch(&lead, &ids[0], TouchKind::Note, "read their site", now + 1)
        .await
        .unwrap();
    assert_eq!(
        db.store.lead_assignments(&lead).await.unwrap()[0].first_touch_at,
        None
    );
    db.store
        .log_touch(&lead, &ids[0], TouchKind::Call, "demo booked", now + 2)
        .await
        .unwrap();
    db.store
        .log_touch(&lead, &ids[0], TouchKind::Email, "sent the deck", now + 3)
        .await
        .unwrap();
    let a = &db.store.lead_assignments(&lead).await.unwrap()[0];
    assert_eq!(a.first_touch_at, Some(now + 2));
    let missing = db
        .store
        .log_touch("no-such-lead", &ids[0], TouchKind::Call, "", now)
        .await
        .unwrap_err();
    assert!(matches!(missing, leadline_store::StoreError::NotFound));
    let again = db.store.accept_lead(&lead, &ids[0], now).await.unwrap_err();
    assert!(matches!(
        again,
        leadline_store::StoreError::Refused {
            code: "already_accepted",
            ..
        }
    ));
}

#[tokio::test]
async fn a_rejected_lead_goes_back_to_marketing_with_the_reason() {
    use leadline_core::followup::RejectReason;
    let (db, lead, ids) = routed(&["alice"]).await;
    let now = leadline_store::now_ms() + 60_000;
    let needs_note = db
        .store
        .reject_lead(&lead, &ids[0], RejectReason::Other, " ", now)
        .await
        .unwrap_err();
    assert!(matches!(needs_note, leadline_store::StoreError::Invalid(_)));
    db.store
        .reject_lead(
            &lead,
            &ids[0],
            RejectReason::NoBudget,
            "next fiscal year",
            now,
        )
        .await
        .unwrap();
    let a = &db.store.lead_assignments(&lead).await.unwrap()[0];
    assert_eq!((a.rejected_at, a.ended_at), (Some(now), Some(now)));
    assert_eq!(
        a.rejection_reason.as_deref(),
        Some("no_budget: next fiscal year")
    );
    let l = db.store.get_lead(&lead).await.unwrap();
    assert_eq!((l.stage.as_str(), l.owner_id), ("recycled", None));
    // Nobody owns it now, so nobody can accept or reject it again.
    let err = db.store.accept_lead(&lead, &ids[0], now).await.unwrap_err();
    assert!(matches!(
        err,
        leadline_store::StoreError::Refused {
            code: "not_assigned",
            ..
        }
    ));
}
