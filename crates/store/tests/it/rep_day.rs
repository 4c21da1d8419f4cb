//! A rep's day in the store: notifications and their read state, the inbox and next steps,
//! referrals logged by hand, and assignments that end when their lead leaves the funnel.

use leadline_core::Stage;
use leadline_core::followup::{By, RejectReason, TouchKind};
use leadline_core::referral::{Referral, ReferralInput};
use leadline_store::StoreError;
use leadline_store::duplicates::{Kind, MergeChoice};

use crate::duplicates::{cli, open, person};
use crate::sla::{HOUR, routed_lead, team};
use crate::support::{reps, test_db};

#[tokio::test]
async fn an_assignment_notifies_its_owner_who_reads_them_one_or_all() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice", "bob"]).await;
    team(&db.store, &ids[..1]).await;
    let t0 = leadline_store::now_ms();
    let (lead, owner) = routed_lead(&db, "a@globex.example", t0).await;
    routed_lead(&db, "b@globex.example", t0 + 1).await;
    assert_eq!(owner, ids[0]);
    let s = &db.store;
    assert_eq!(s.unread_notifications(&owner).await.unwrap(), 2);
    assert_eq!(s.unread_notifications(&ids[1]).await.unwrap(), 0);
    let page = s.notifications(&owner, false, None, 1).await.unwrap();
    let newest = &page.items[0];
    assert_eq!(newest.kind, "assigned");
    assert!(
        newest.title.starts_with("New lead: b@globex.example"),
        "{}",
        newest.title
    );
    assert!(newest.body.contains("Inbound"), "{}", newest.body);
    let older = s
        .notifications(&owner, false, page.next_cursor().as_ref(), 1)
        .await
        .unwrap();
    assert_eq!(older.items[0].lead_id.as_deref(), Some(lead.as_str()));
    assert!(older.next.is_none());

    // Someone else's notification is not found; one's own is marked read once.
    let id = older.items[0].id.clone();
    assert!(matches!(
        s.mark_notification_read(&ids[1], &id, t0).await,
        Err(StoreError::NotFound)
    ));
    s.mark_notification_read(&owner, &id, t0).await.unwrap();
    assert_eq!(s.unread_notifications(&owner).await.unwrap(), 1);
    assert_eq!(
        s.notifications(&owner, true, None, 10)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(s.mark_all_notifications_read(&owner, t0).await.unwrap(), 1);
    assert_eq!(s.unread_notifications(&owner).await.unwrap(), 0);
}

#[tokio::test]
async fn the_inbox_puts_the_nearest_deadline_first_and_keeps_the_next_step() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice", "bob"]).await;
    team(&db.store, &ids[..1]).await;
    let t0 = leadline_store::now_ms();
    let (late, rep) = routed_lead(&db, "late@globex.example", t0 - 10 * HOUR).await;
    let (fresh, _) = routed_lead(&db, "fresh@globex.example", t0).await;
    let (accepted, _) = routed_lead(&db, "done@globex.example", t0 - HOUR).await;
    let s = &db.store;
    s.accept_lead(&accepted, &rep, t0).await.unwrap();
    let inbox = s.rep_inbox(&rep, t0).await.unwrap();
    let order: Vec<&str> = inbox.iter().map(|a| a.lead_id.as_str()).collect();
    // Overdue accept first, then the fresh accept (t0+4h), then the accepted lead's touch
    // deadline (t0-1h+24h).
    assert_eq!(order, [late.as_str(), fresh.as_str(), accepted.as_str()]);
    assert_eq!(inbox[0].deadline.as_deref(), Some("accept"));
    assert!(inbox[0].deadline_at.unwrap() < t0);
    assert_eq!(inbox[2].deadline.as_deref(), Some("touch"));
    assert!(s.rep_inbox(&ids[1], t0).await.unwrap().is_empty());

    s.set_next_step(&fresh, &rep, "  Demo with their CTO ", Some(t0 + 48 * HOUR))
        .await
        .unwrap();
    let a = s.open_assignment(&fresh).await.unwrap().unwrap();
    assert_eq!(a.next_step.as_deref(), Some("Demo with their CTO"));
    assert_eq!(a.next_step_at, Some(t0 + 48 * HOUR));
    let refused = s.set_next_step(&fresh, &ids[1], "steal it", None).await;
    assert!(matches!(
        refused,
        Err(StoreError::Refused {
            code: "not_your_lead",
            ..
        })
    ));
    // Touches too are the owner's to log, checked in the same transaction as the write.
    let touch = s.log_touch(&fresh, &ids[1], TouchKind::Call, "", t0).await;
    assert!(matches!(
        touch,
        Err(StoreError::Refused {
            code: "not_your_lead",
            ..
        })
    ));
    let long = "x".repeat(301);
    let invalid = s.set_next_step(&fresh, &rep, &long, None).await;
    assert!(matches!(invalid, Err(StoreError::Invalid(m)) if m.starts_with("next_step")));
}

#[tokio::test]
async fn a_referral_goes_through_capture_and_lands_in_the_reps_inbox() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice", "bob"]).await;
    let input = ReferralInput {
        email: "friend@partner.example".into(),
        name: "Grace Hopper".into(),
        company: "Partner Inc".into(),
        note: "met at the meetup".into(),
        ..Default::default()
    };
    let referral = Referral::parse(&input).unwrap();
    let now = leadline_store::now_ms();
    let out = db
        .capturer
        .capture(vec![referral.event(&ids[0], "ref-1", now)])
        .await
        .unwrap();
    let lead = out[0].lead_id().unwrap().to_owned();
    let s = &db.store;
    s.assign_referral(&lead, &ids[0], now).await.unwrap();
    // Logging it again is harmless; another rep cannot take it this way.
    s.assign_referral(&lead, &ids[0], now).await.unwrap();
    let refused = s.assign_referral(&lead, &ids[1], now).await;
    assert!(matches!(
        refused,
        Err(StoreError::Refused {
            code: "assigned_to_another_rep",
            ..
        })
    ));

    let l = s.get_lead(&lead).await.unwrap();
    assert_eq!(l.source_channel.as_deref(), Some("sales_referral"));
    assert_eq!(l.owner_id.as_deref(), Some(ids[0].as_str()));
    assert_eq!(l.first_name.as_deref(), Some("Grace"));
    let acts = s.lead_activities(&lead, None, 10).await.unwrap().items;
    assert!(acts.iter().any(|a| a.kind == "referral_logged"), "{acts:?}");
    let inbox = s.rep_inbox(&ids[0], now).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].rule, "sales referral");
    assert!(inbox[0].accepted_at.is_some());
    assert_eq!(
        inbox[0].deadline, None,
        "no deadlines on the rep's own referral"
    );
}

#[tokio::test]
async fn assignments_end_when_the_lead_is_disqualified_recycled_or_merged_but_not_when_it_advances()
{
    let db = test_db().await;
    let ids = reps(&db.store, &["alice"]).await;
    team(&db.store, &ids).await;
    let rep = &ids[0];
    let t0 = leadline_store::now_ms();
    let s = &db.store;

    let (junk, _) = routed_lead(&db, "junk@globex.example", t0).await;
    s.change_stage(&junk, Stage::Disqualified, None, "a student", t0 + 1)
        .await
        .unwrap();
    let (cold, _) = routed_lead(&db, "cold@globex.example", t0).await;
    s.change_stage(&cold, Stage::Recycled, None, "back to nurture", t0 + 1)
        .await
        .unwrap();
    for (lead, why) in [(&junk, "disqualified"), (&cold, "recycled")] {
        let a = &s.lead_assignments(lead).await.unwrap()[0];
        assert_eq!(
            (a.ended_at, a.end_reason.as_deref()),
            (Some(t0 + 1), Some(why))
        );
        assert_eq!(s.get_lead(lead).await.unwrap().owner_id, None);
    }
    let page = s.notifications(rep, false, None, 1).await.unwrap();
    assert_eq!(page.items[0].kind, "lead_ended");

    // Accepted and moving on: still the rep's.
    let (good, _) = routed_lead(&db, "good@globex.example", t0).await;
    s.accept_lead(&good, rep, t0 + 1).await.unwrap();
    s.change_stage(&good, Stage::Sql, Some(rep), "budget confirmed", t0 + 2)
        .await
        .unwrap();
    assert!(s.open_assignment(&good).await.unwrap().is_some());
    assert_eq!(s.rep_inbox(rep, t0).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_lead_merged_into_another_leaves_its_owners_inbox() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice"]).await;
    team(&db.store, &ids).await;
    let a = person(&db, "jon@acme.com", ("Jon", "Smith"), &[], 1_000).await;
    let b = person(&db, "john.smith@acme.com", ("John", "Smith"), &[], 2_000).await;
    let now = leadline_store::now_ms();
    db.store
        .change_stage(&b, Stage::Mql, None, "demo request", now)
        .await
        .unwrap();
    assert_eq!(db.store.route_pending(now, 10).await.unwrap().assigned, 1);
    db.store.scan_duplicates(&cli()).await.unwrap();
    let c = open(&db, Kind::Person).await.remove(0);
    let merged = db
        .capturer
        .merge_candidate(&c.id, MergeChoice::default(), cli())
        .await
        .unwrap();
    assert_eq!(
        (merged.survivor_id.as_str(), merged.merged_id.as_str()),
        (a.as_str(), b.as_str())
    );
    let ended = &db.store.lead_assignments(&b).await.unwrap()[0];
    assert_eq!(ended.end_reason.as_deref(), Some("merged"));
    assert!(db.store.rep_inbox(&ids[0], now).await.unwrap().is_empty());
}

#[tokio::test]
async fn rejections_are_counted_by_reason_in_the_followup_report() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice"]).await;
    team(&db.store, &ids).await;
    let t0 = leadline_store::now_ms();
    for (i, reason) in [
        RejectReason::NoBudget,
        RejectReason::NoBudget,
        RejectReason::NotAFit,
    ]
    .into_iter()
    .enumerate()
    {
        let (lead, rep) = routed_lead(&db, &format!("r{i}@globex.example"), t0).await;
        db.store
            .reject_lead(&lead, &rep, reason, "", t0 + 1)
            .await
            .unwrap();
        let a = &db.store.lead_assignments(&lead).await.unwrap()[0];
        assert_eq!(a.end_reason.as_deref(), Some("rejected"));
        assert_eq!(db.store.get_lead(&lead).await.unwrap().stage, "recycled");
    }
    routed_lead(&db, "kept@globex.example", t0).await;
    let rows = db
        .store
        .followup_report(By::Reason, t0 - HOUR, t0 + HOUR)
        .await
        .unwrap();
    let count = |k: &str| rows.iter().find(|r| r.key == k).map(|r| r.assigned);
    assert_eq!(count("no_budget"), Some(2));
    assert_eq!(count("not_a_fit"), Some(1));
    assert_eq!(count("(not rejected)"), Some(1));
}

#[tokio::test]
async fn a_lead_the_rules_disqualify_on_rescore_leaves_the_inbox_too() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice"]).await;
    team(&db.store, &ids).await;
    let t0 = leadline_store::now_ms();
    let (lead, rep) = routed_lead(&db, "spy@rival.example", t0).await;
    let mut policy = db.store.policy().as_ref().clone();
    policy
        .qualification
        .competitor_domains
        .insert("rival.example".into());
    db.store.set_policy(policy).await.unwrap();
    let r = db.store.rescore_all(t0 + 1).await.unwrap();
    assert_eq!(r.disqualified, 1, "{r:?}");
    let a = &db.store.lead_assignments(&lead).await.unwrap()[0];
    assert_eq!(a.end_reason.as_deref(), Some("disqualified"));
    assert!(db.store.rep_inbox(&rep, t0).await.unwrap().is_empty());
    assert_eq!(db.store.get_lead(&lead).await.unwrap().owner_id, None);
}
