//! Webhooks as integrators rely on them: an event is recorded with its cause or not at all,
//! only for endpoints subscribed when it happened; failed deliveries back off on the
//! schedule and die after the last attempt; every retry and redelivery carries the same id
//! and body; a crashed delivery is taken over once its lease expires.

use leadline_core::Stage;
use leadline_core::policy::Policy;
use leadline_core::routing::{Assign, Member, RoutingRule};
use leadline_core::webhook::{self, MAX_ATTEMPTS};
use leadline_store::Store;
use leadline_store::testing::emit_webhook_in_tx;
use leadline_store::webhooks::{Attempt, Claimed, EndpointChange};

use crate::support::{always_open, page_view_lead, test_db};

const NOW: i64 = 1_767_974_400_000;
const LEASE: i64 = 20_000;

async fn endpoint(store: &Store, types: &[&str]) -> String {
    let types: Vec<String> = types.iter().map(|t| (*t).to_owned()).collect();
    let created = store
        .create_webhook("https://hooks.example/in", "CRM", &types, NOW)
        .await
        .unwrap();
    assert!(created.secret.starts_with("whsec_"));
    created.endpoint.id
}

async fn types_delivered(store: &Store, endpoint: &str) -> Vec<String> {
    let mut t: Vec<String> = store
        .webhook_deliveries(endpoint, None, 100)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|d| d.event_type)
        .collect();
    t.sort();
    t
}

async fn claim(store: &Store, now: i64) -> Vec<Claimed> {
    store
        .claim_webhook_deliveries("w1", now, LEASE, 10)
        .await
        .unwrap()
}

fn failed(code: i64) -> Attempt {
    Attempt {
        status_code: Some(code),
        error: Some(format!("HTTP {code}")),
        response_ms: Some(5),
    }
}

fn ok() -> Attempt {
    Attempt {
        status_code: Some(204),
        error: None,
        response_ms: Some(3),
    }
}

#[tokio::test]
async fn an_event_is_recorded_with_its_cause_or_not_at_all() {
    let db = test_db().await;
    let ep = endpoint(&db.store, &[]).await;
    let data = serde_json::json!({ "lead_id": "l1" });
    emit_webhook_in_tx(&db.store, "lead.created", &data, NOW, false)
        .await
        .unwrap();
    assert!(types_delivered(&db.store, &ep).await.is_empty());
    assert!(claim(&db.store, NOW).await.is_empty());
    emit_webhook_in_tx(&db.store, "lead.created", &data, NOW, true)
        .await
        .unwrap();
    assert_eq!(types_delivered(&db.store, &ep).await, ["lead.created"]);
    let c = claim(&db.store, NOW).await;
    assert_eq!(c.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&c[0].payload).unwrap();
    assert_eq!(body["type"], "lead.created");
    assert_eq!(body["data"]["lead_id"], "l1");
    assert_eq!(body["timestamp"], "2026-01-09T16:00:00Z");
}

#[tokio::test]
async fn endpoints_get_what_they_subscribe_to_from_when_they_exist_while_enabled() {
    let db = test_db().await;
    let data = serde_json::json!({});
    emit_webhook_in_tx(&db.store, "lead.created", &data, NOW, true)
        .await
        .unwrap();
    let created = endpoint(&db.store, &["lead.created"]).await;
    let all = endpoint(&db.store, &[]).await;
    assert!(
        types_delivered(&db.store, &created).await.is_empty(),
        "nothing from before"
    );
    for t in ["lead.created", "lead.assigned"] {
        emit_webhook_in_tx(&db.store, t, &data, NOW, true)
            .await
            .unwrap();
    }
    assert_eq!(types_delivered(&db.store, &created).await, ["lead.created"]);
    assert_eq!(
        types_delivered(&db.store, &all).await,
        ["lead.assigned", "lead.created"]
    );
    // Disabled: no new events, and its pending ones wait.
    let off = EndpointChange {
        enabled: Some(false),
        ..Default::default()
    };
    db.store.update_webhook(&all, &off, NOW).await.unwrap();
    emit_webhook_in_tx(&db.store, "lead.assigned", &data, NOW, true)
        .await
        .unwrap();
    assert_eq!(types_delivered(&db.store, &all).await.len(), 2);
    let claimed = claim(&db.store, NOW).await;
    assert_eq!(claimed.len(), 1, "only the enabled endpoint's delivery");
    assert!(
        db.store
            .create_webhook("ftp://x", "", &[], NOW)
            .await
            .is_err()
    );
    assert!(
        db.store
            .create_webhook("https://x.example", "", &["lead.deleted".into()], NOW)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn failed_deliveries_back_off_on_the_schedule_then_die_with_the_same_id_throughout() {
    let db = test_db().await;
    let ep = endpoint(&db.store, &[]).await;
    emit_webhook_in_tx(&db.store, "lead.created", &serde_json::json!({}), NOW, true)
        .await
        .unwrap();
    let mut now = NOW;
    let mut first: Option<Claimed> = None;
    for attempt in 1..=i64::from(MAX_ATTEMPTS) {
        let c = claim(&db.store, now).await.pop().expect("due");
        assert_eq!(c.attempt, attempt);
        if let Some(f) = &first {
            assert_eq!((&c.event_id, &c.payload), (&f.event_id, &f.payload));
        }
        first.get_or_insert(c.clone());
        db.store
            .record_webhook_attempt(&c, "w1", &failed(500), now, 0.0)
            .await
            .unwrap();
        let d = db
            .store
            .webhook_delivery(&ep, &c.delivery_id)
            .await
            .unwrap();
        assert_eq!(d.attempts, attempt);
        assert_eq!(d.last_status_code, Some(500));
        match webhook::retry_delay_ms(attempt as u32, 0.0) {
            Some(wait) => {
                assert_eq!(d.status, "pending");
                assert_eq!(d.next_attempt_at, Some(now + wait));
                assert!(
                    claim(&db.store, now + wait - 1).await.is_empty(),
                    "not before"
                );
                now += wait;
            }
            None => {
                assert_eq!(d.status, "dead");
                assert_eq!(d.next_attempt_at, None);
            }
        }
    }
    assert!(claim(&db.store, now + 365 * 86_400_000).await.is_empty());
    // A redelivery sends the same event again.
    let d = first.unwrap();
    let again = db
        .store
        .redeliver_webhook(&ep, &d.delivery_id, now)
        .await
        .unwrap();
    assert_eq!((again.status.as_str(), again.attempts), ("pending", 0));
    let c = claim(&db.store, now).await.pop().unwrap();
    assert_eq!((&c.event_id, &c.payload), (&d.event_id, &d.payload));
    db.store
        .record_webhook_attempt(&c, "w1", &ok(), now, 0.0)
        .await
        .unwrap();
    let done = db
        .store
        .webhook_delivery(&ep, &c.delivery_id)
        .await
        .unwrap();
    assert_eq!(done.status, "delivered");
    assert_eq!(done.delivered_at, Some(now));
}

#[tokio::test]
async fn a_delivery_whose_worker_died_is_sent_again_with_the_same_id_after_the_lease() {
    let db = test_db().await;
    let ep = endpoint(&db.store, &[]).await;
    emit_webhook_in_tx(&db.store, "lead.created", &serde_json::json!({}), NOW, true)
        .await
        .unwrap();
    let first = claim(&db.store, NOW).await.pop().unwrap();
    // The worker POSTed, then died before recording it.
    assert!(claim(&db.store, NOW + LEASE - 1).await.is_empty(), "leased");
    let second = db
        .store
        .claim_webhook_deliveries("w2", NOW + LEASE + 1, LEASE, 10)
        .await
        .unwrap()
        .pop()
        .expect("taken over after the lease");
    assert_eq!(second.delivery_id, first.delivery_id);
    assert_eq!(
        (&second.event_id, &second.payload),
        (&first.event_id, &first.payload)
    );
    assert_eq!(second.attempt, 2);
    // The stale worker's late report does not overwrite the new owner's.
    db.store
        .record_webhook_attempt(&first, "w1", &failed(503), NOW + LEASE + 2, 0.0)
        .await
        .unwrap();
    db.store
        .record_webhook_attempt(&second, "w2", &ok(), NOW + LEASE + 3, 0.0)
        .await
        .unwrap();
    let d = db
        .store
        .webhook_delivery(&ep, &first.delivery_id)
        .await
        .unwrap();
    assert_eq!(
        (d.status.as_str(), d.last_status_code),
        ("delivered", Some(204))
    );
}

#[tokio::test]
async fn a_rotated_secret_signs_alongside_the_new_one_for_a_day() {
    let db = test_db().await;
    let created = db
        .store
        .create_webhook("https://hooks.example/in", "", &[], NOW)
        .await
        .unwrap();
    let id = created.endpoint.id;
    let rotated = db.store.rotate_webhook_secret(&id, NOW).await.unwrap();
    assert_ne!(rotated.secret, created.secret);
    db.store.ping_webhook(&id, NOW).await.unwrap();
    let c = claim(&db.store, NOW).await.pop().unwrap();
    assert_eq!(c.event_type, "ping");
    assert_eq!(c.secrets, [rotated.secret.clone(), created.secret]);
    let later = NOW + leadline_store::webhooks::ROTATION_OVERLAP_MS + 1;
    let c = db
        .store
        .claim_webhook_deliveries("w1", later, LEASE, 10)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(c.secrets, [rotated.secret]);
}

fn rule(rep: &str) -> RoutingRule {
    RoutingRule {
        name: "everyone".into(),
        when: String::new(),
        assign: Assign {
            team: Some("inbound".into()),
            members: vec![Member {
                rep: rep.into(),
                ..Default::default()
            }],
            ..Default::default()
        },
        account_owner_first: false,
        accept_within_hours: Some(4.0),
        first_touch_within_hours: Some(24.0),
    }
}

#[tokio::test]
async fn capture_the_move_to_mql_and_routing_each_record_their_event() {
    let db = test_db().await;
    let ep = endpoint(&db.store, &[]).await;
    db.store.set_team_calendar(&always_open()).await.unwrap();
    let rep = db
        .store
        .create_user("rep@seller.example", "Rep", "sales", None)
        .await
        .unwrap();
    let policy = Policy {
        routing: vec![rule(&rep.id)],
        ..Default::default()
    };
    db.store.set_policy(policy).await.unwrap();
    let lead = page_view_lead(&db, "ann@buyer.example").await;
    assert_eq!(types_delivered(&db.store, &ep).await, ["lead.created"]);
    let now = leadline_store::now_ms();
    db.store
        .change_stage(&lead, Stage::Mql, None, "asked for a demo", now)
        .await
        .unwrap();
    let r = db.store.route_pending(now, 100).await.unwrap();
    assert_eq!(r.assigned, 1);
    assert_eq!(db.store.route_pending(now, 100).await.unwrap().assigned, 0);
    assert_eq!(
        types_delivered(&db.store, &ep).await,
        ["lead.assigned", "lead.became_mql", "lead.created"]
    );
    let bodies: Vec<serde_json::Value> = claim(&db.store, now)
        .await
        .iter()
        .map(|c| serde_json::from_str(&c.payload).unwrap())
        .collect();
    for b in &bodies {
        assert_eq!(b["data"]["lead_id"], lead.as_str());
        assert_eq!(b["data"]["email"], "ann@buyer.example");
    }
    let assigned = bodies
        .iter()
        .find(|b| b["type"] == "lead.assigned")
        .unwrap();
    assert_eq!(assigned["data"]["owner_id"], rep.id.as_str());
    assert_eq!(assigned["data"]["rule"], "everyone");
    let mql = bodies
        .iter()
        .find(|b| b["type"] == "lead.became_mql")
        .unwrap();
    assert_eq!(mql["data"]["stage"], "mql");
}
