//! The SLA ladder as reps and team leads live it: a missed deadline reminds the rep, then
//! tells their team lead, then takes the lead back and routes it to someone else; a worker
//! that was down catches up with every step once; acting stops the ladder.

use leadline_core::{Activity, CaptureEvent, Email, Stage};
use leadline_store::Store;
use leadline_store::routing::SlaReport;

use crate::support::{TestDb, reps, set_rules, team_rule, test_db};

pub const HOUR: i64 = 3_600_000;

/// One team rule over `reps`: accept within 4 h, first touch within 24 h.
pub async fn team(store: &Store, reps: &[String]) {
    set_rules(store, vec![team_rule("Inbound", "", reps)]).await;
}

/// A captured lead moved to MQL at `now` and routed: its id and owner.
pub async fn routed_lead(db: &TestDb, email: &str, now: i64) -> (String, String) {
    let mut e = CaptureEvent::new(email, Activity::Page, now, "source:test");
    e.email = Some(Email::parse(email).unwrap());
    let out = db.capturer.capture(vec![e]).await.unwrap();
    let lead = out[0].lead_id().unwrap().to_owned();
    db.store
        .change_stage(&lead, Stage::Mql, None, "asked for a demo", now)
        .await
        .unwrap();
    let r = db.store.route_pending(now, 100).await.unwrap();
    assert_eq!(r.assigned, 1, "{r:?}");
    let owner = db
        .store
        .open_assignment(&lead)
        .await
        .unwrap()
        .unwrap()
        .owner_id;
    (lead, owner)
}

async fn kinds(store: &Store, user: &str) -> Vec<String> {
    let page = store.notifications(user, false, None, 100).await.unwrap();
    let mut k: Vec<String> = page.items.into_iter().map(|n| n.kind).collect();
    k.reverse();
    k
}

fn report(reminded: u64, escalated: u64, reassigned: u64) -> (u64, u64, u64) {
    (reminded, escalated, reassigned)
}

fn steps(r: &SlaReport) -> (u64, u64, u64) {
    (r.reminded, r.escalated, r.reassigned)
}

#[tokio::test]
async fn a_missed_accept_deadline_reminds_then_escalates_to_the_team_lead_then_reassigns() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice", "bob"]).await;
    let boss = db
        .store
        .create_user("boss@seller.example", "Boss", "sales", None)
        .await
        .unwrap()
        .id;
    team(&db.store, &ids).await;
    for rep in &ids {
        db.store.set_team_lead(rep, Some(&boss)).await.unwrap();
    }
    let t0 = leadline_store::now_ms();
    let (lead, owner) = routed_lead(&db, "cto@globex.example", t0).await;
    let other = ids.iter().find(|r| **r != owner).unwrap().clone();
    let due = t0 + 4 * HOUR;

    let s = &db.store;
    assert_eq!(
        steps(&s.sla_pending(due - 1).await.unwrap()),
        report(0, 0, 0)
    );
    assert_eq!(steps(&s.sla_pending(due).await.unwrap()), report(1, 0, 0));
    assert_eq!(
        steps(&s.sla_pending(due + HOUR).await.unwrap()),
        report(0, 0, 0),
        "no repeat"
    );
    assert_eq!(kinds(s, &owner).await, ["assigned", "sla_remind"]);

    assert_eq!(
        steps(&s.sla_pending(due + 2 * HOUR).await.unwrap()),
        report(0, 1, 0)
    );
    assert_eq!(kinds(s, &boss).await, ["sla_escalate"]);
    let note = &s.notifications(&boss, true, None, 10).await.unwrap().items[0];
    assert!(
        note.title.contains("missed the accept deadline"),
        "{}",
        note.title
    );
    assert_eq!(
        note.link.as_deref(),
        Some(format!("/leads/{lead}").as_str())
    );

    let at = due + 8 * HOUR;
    assert_eq!(steps(&s.sla_pending(at).await.unwrap()), report(0, 0, 1));
    let first = &s.lead_assignments(&lead).await.unwrap()[0];
    assert_eq!(first.end_reason.as_deref(), Some("sla_reassigned"));
    assert_eq!(s.get_lead(&lead).await.unwrap().owner_id, None);
    assert_eq!(
        kinds(s, &owner).await,
        ["assigned", "sla_remind", "sla_reassign"]
    );

    // Routed again, never back to the rep who let it lapse.
    let r = s.route_pending(at, 100).await.unwrap();
    assert_eq!(r.assigned, 1);
    let now_open = s.open_assignment(&lead).await.unwrap().unwrap();
    assert_eq!(now_open.owner_id, other);
    assert_eq!(
        s.get_lead(&lead).await.unwrap().owner_id,
        Some(other.clone())
    );
    assert_eq!(kinds(s, &other).await, ["assigned"]);
}

#[tokio::test]
async fn a_worker_that_was_down_catches_up_with_every_step_once_and_tells_the_admins() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice"]).await;
    let admin = db
        .store
        .create_user("admin@seller.example", "Admin", "admin", None)
        .await
        .unwrap()
        .id;
    team(&db.store, &ids).await;
    let t0 = leadline_store::now_ms();
    let (lead, _) = routed_lead(&db, "cfo@initech.example", t0).await;

    let late = t0 + 100 * HOUR;
    let r = db.store.sla_pending(late).await.unwrap();
    assert_eq!(
        steps(&r),
        report(1, 1, 1),
        "accept ladder: remind, escalate, reassign"
    );
    assert_eq!(
        steps(&db.store.sla_pending(late).await.unwrap()),
        report(0, 0, 0)
    );
    assert_eq!(kinds(&db.store, &admin).await, ["sla_escalate"]);
    // Alice was the only rep: the lead waits rather than going back to her.
    let r = db.store.route_pending(late, 100).await.unwrap();
    assert_eq!((r.assigned, r.waiting), (0, 1));
    assert!(db.store.open_assignment(&lead).await.unwrap().is_none());
    let wait = db
        .store
        .route_wait(&lead)
        .await
        .unwrap()
        .expect("waiting, with a reason");
    assert!(
        wait.reason.starts_with("no one available"),
        "{}",
        wait.reason
    );
}

#[tokio::test]
async fn acting_in_time_stops_each_ladder() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice"]).await;
    team(&db.store, &ids).await;
    let t0 = leadline_store::now_ms();
    let (lead, owner) = routed_lead(&db, "ops@umbrella.example", t0).await;
    db.store
        .accept_lead(&lead, &owner, t0 + HOUR)
        .await
        .unwrap();
    // Accepted: the accept ladder is over; the touch deadline (24 h) still runs.
    let r = db.store.sla_pending(t0 + 23 * HOUR).await.unwrap();
    assert_eq!((r.overdue, r.reminded), (0, 0));
    let r = db.store.sla_pending(t0 + 24 * HOUR).await.unwrap();
    assert_eq!(steps(&r), report(1, 0, 0));
    let note = &db
        .store
        .notifications(&owner, true, None, 10)
        .await
        .unwrap()
        .items[0];
    assert!(
        note.title.starts_with("Overdue: first touch"),
        "{}",
        note.title
    );
    db.store
        .log_touch(
            &lead,
            &owner,
            leadline_core::followup::TouchKind::Call,
            "left a voicemail",
            t0 + 25 * HOUR,
        )
        .await
        .unwrap();
    let r = db.store.sla_pending(t0 + 200 * HOUR).await.unwrap();
    assert_eq!(steps(&r), report(0, 0, 0));
    assert!(db.store.open_assignment(&lead).await.unwrap().is_some());
}

#[tokio::test]
async fn an_accepted_lead_left_untouched_is_reassigned_as_a_sales_accepted_lead() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice", "bob"]).await;
    team(&db.store, &ids).await;
    let t0 = leadline_store::now_ms();
    let (lead, owner) = routed_lead(&db, "it@hooli.example", t0).await;
    db.store
        .accept_lead(&lead, &owner, t0 + HOUR)
        .await
        .unwrap();
    let late = t0 + 24 * HOUR + 8 * HOUR;
    assert_eq!(
        steps(&db.store.sla_pending(late).await.unwrap()),
        report(1, 1, 1)
    );
    assert_eq!(db.store.route_pending(late, 100).await.unwrap().assigned, 1);
    let a = db.store.open_assignment(&lead).await.unwrap().unwrap();
    assert_ne!(a.owner_id, owner);
    assert_eq!(db.store.get_lead(&lead).await.unwrap().stage, "sal");
}

#[tokio::test]
async fn two_workers_at_once_take_each_step_once() {
    let db = test_db().await;
    let ids = reps(&db.store, &["alice", "bob"]).await;
    team(&db.store, &ids).await;
    let t0 = leadline_store::now_ms();
    for i in 0..5 {
        routed_lead(&db, &format!("lead{i}@globex.example"), t0).await;
    }
    // Two passes on two pooled connections, as two processes would run them.
    let at = t0 + 7 * HOUR;
    let (a, b) = tokio::join!(db.store.sla_pending(at), db.store.sla_pending(at));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.reminded + b.reminded, 5);
    assert_eq!(a.escalated + b.escalated, 5);
    assert_eq!(
        steps(&db.store.sla_pending(at).await.unwrap()),
        report(0, 0, 0)
    );
}
