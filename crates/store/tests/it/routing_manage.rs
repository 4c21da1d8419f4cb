//! What the manager's screens read and write around routing: rules replaced without
//! touching the rest of the policy, the preview's deadlines on the owner's calendar, reps
//! with their profiles and open assignments, the team calendar, and waiting leads.

use leadline_core::Stage;
use leadline_core::business_hours::{Calendar, WeeklyHours};
use leadline_core::routing::{Assign, RoutingRule};
use leadline_store::routing::RepProfile;

use crate::support::{TestDb, page_view_lead, test_db};

const HOUR: i64 = 3_600_000;
/// Friday 2026-01-09 16:00 UTC.
const FRIDAY_4PM: i64 = 1_767_974_400_000;
/// Monday 2026-01-12 12:00 UTC: four business hours after Friday 16:00 on 09:00–17:00.
const MONDAY_NOON: i64 = 1_768_219_200_000;

fn owner_rule(name: &str, when: &str, owner: &str, accept: Option<f64>) -> RoutingRule {
    RoutingRule {
        name: name.into(),
        when: when.into(),
        assign: Assign {
            owner: Some(owner.into()),
            ..Assign::default()
        },
        account_owner_first: false,
        accept_within_hours: accept,
        first_touch_within_hours: None,
    }
}

async fn rep(db: &TestDb, name: &str) -> String {
    db.store
        .create_user(&format!("{name}@seller.example"), name, "sales", None)
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn replacing_the_routing_rules_keeps_the_rest_of_the_policy() {
    let db = test_db().await;
    let a = rep(&db, "ana").await;
    let mut policy = (*db.store.policy()).clone();
    policy.lifecycle.mql = "engagement >= 10".into();
    db.store.set_policy(policy).await.unwrap();
    db.store
        .set_routing_rules(vec![owner_rule("All", "", &a, None)])
        .await
        .unwrap();
    let p = db.store.policy();
    assert_eq!(p.lifecycle.mql, "engagement >= 10");
    assert_eq!(p.routing.len(), 1);
    let bad = owner_rule("Bad", "country = ", &a, None);
    assert!(db.store.set_routing_rules(vec![bad]).await.is_err());
    assert_eq!(db.store.policy().routing[0].name, "All");
}

#[tokio::test]
async fn the_preview_sets_deadlines_in_business_hours_on_the_owners_calendar() {
    let db = test_db().await;
    let a = rep(&db, "ana").await;
    let nine_to_five = Calendar::default();
    let profile = RepProfile {
        calendar: Some(nine_to_five),
        ..RepProfile::default()
    };
    db.store.set_rep_profile(&a, &profile).await.unwrap();
    db.store
        .set_routing_rules(vec![owner_rule("All", "", &a, Some(4.0))])
        .await
        .unwrap();
    let id = page_view_lead(&db, "lee@acme.example").await;
    let p = db
        .store
        .route_preview_with_deadlines(&id, FRIDAY_4PM)
        .await
        .unwrap();
    assert_eq!(p.decision.owner(), Some(a.as_str()));
    assert_eq!(p.accept_due_at, Some(MONDAY_NOON));
    assert_eq!(p.touch_due_at, None, "the rule sets no touch deadline");
    assert!(db.store.lead_assignments(&id).await.unwrap().is_empty());
}

#[tokio::test]
async fn reps_show_their_profile_and_open_assignments_and_the_team_calendar_defaults() {
    let db = test_db().await;
    assert_eq!(db.store.team_calendar().await.unwrap(), Calendar::default());
    let a = rep(&db, "ana").await;
    db.store
        .create_user("ops@vendor.example", "Ops", "marketer", None)
        .await
        .unwrap();
    let always = Calendar {
        hours: WeeklyHours::every_day(Some("00:00-24:00")),
        ..Calendar::default()
    };
    db.store.set_team_calendar(&always).await.unwrap();
    assert_eq!(db.store.team_calendar().await.unwrap(), always);
    let away = RepProfile {
        out_of_office_from: Some(FRIDAY_4PM),
        out_of_office_until: None,
        calendar: None,
    };
    db.store.set_rep_profile(&a, &away).await.unwrap();
    db.store
        .set_routing_rules(vec![owner_rule("All", "", &a, None)])
        .await
        .unwrap();

    let reps = db.store.rep_overviews().await.unwrap();
    assert_eq!(reps.len(), 1, "sales reps only: {reps:?}");
    assert_eq!(reps[0].profile, away);
    assert_eq!(reps[0].open, 0);
    // Back from leave, the rep gets a lead: one open assignment.
    db.store
        .set_rep_profile(&a, &RepProfile::default())
        .await
        .unwrap();
    let id = page_view_lead(&db, "lee@acme.example").await;
    let now = leadline_store::now_ms();
    db.store
        .change_stage(&id, Stage::Mql, None, "asked for a demo", now)
        .await
        .unwrap();
    assert_eq!(db.store.route_pending(now, 10).await.unwrap().assigned, 1);
    assert_eq!(db.store.rep_overview(&a).await.unwrap().open, 1);
    assert!(db.store.rep_overview("nobody").await.is_err());
}

#[tokio::test]
async fn leads_routing_cannot_assign_are_listed_with_their_reason_and_retry_time() {
    let db = test_db().await;
    let a = rep(&db, "ana").await;
    db.store
        .set_routing_rules(vec![owner_rule("DACH", r#"country = "DE""#, &a, None)])
        .await
        .unwrap();
    let id = page_view_lead(&db, "lee@acme.example").await;
    let now = leadline_store::now_ms();
    db.store
        .change_stage(&id, Stage::Mql, None, "asked for a demo", now)
        .await
        .unwrap();
    assert!(
        db.store.routing_waiting(10).await.unwrap().is_empty(),
        "not tried yet"
    );
    assert_eq!(db.store.route_pending(now, 10).await.unwrap().waiting, 1);
    let waiting = db.store.routing_waiting(10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].lead_id, id);
    assert_eq!(waiting[0].email.as_deref(), Some("lee@acme.example"));
    assert!(waiting[0].reason.contains("DACH"), "{}", waiting[0].reason);
    assert_eq!(waiting[0].retry_at, now + HOUR);
}
