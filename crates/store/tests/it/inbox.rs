//! Tracking events go through the inbox: acknowledged when queued, applied moments later by
//! the same capture pipeline, exactly once.

use std::time::Duration;

use leadline_core::{Activity, CaptureEvent, Email};
use leadline_store::InboxDepth;

use crate::support::test_db;

fn page(id: &str, anon: &str, at: i64) -> CaptureEvent {
    let mut e = CaptureEvent::new(id, Activity::Page, at, "source:test");
    e.anonymous_id = Some(anon.into());
    e.name = Some("Pricing".into());
    e
}

fn identify(id: &str, anon: &str, email: &str, at: i64) -> CaptureEvent {
    let mut e = CaptureEvent::new(id, Activity::Identify, at, "source:test");
    e.anonymous_id = Some(anon.into());
    e.user_id = Some(format!("user-{anon}"));
    e.email = Some(Email::parse(email).unwrap());
    e
}

#[tokio::test]
async fn queued_events_are_applied_in_order_and_a_resend_is_not_stored_twice() {
    let db = test_db().await;
    let first = vec![page("q1", "anon-q", 1_000), page("q2", "anon-q", 2_000)];
    db.capturer.enqueue(first.clone()).await.unwrap();
    db.capturer
        .enqueue(vec![identify("q3", "anon-q", "queued@acme.com", 3_000)])
        .await
        .unwrap();
    // A client retry of the first request, after its answer was lost.
    db.capturer.enqueue(first).await.unwrap();
    db.store
        .wait_for_inbox(Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(db.store.inbox_depth().await.unwrap(), InboxDepth::default());

    let ids: Vec<String> = ["q1", "q2", "q3"].map(String::from).to_vec();
    assert_eq!(
        db.store
            .count_activities_with_message_ids(&ids)
            .await
            .unwrap(),
        3,
        "each message stored once"
    );
    let page = db
        .store
        .list_leads(
            &leadline_store::leads::LeadFilter {
                q: Some("queued@acme.com".into()),
                ..Default::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let lead_id = &page.items[0].id;
    let timeline = db.store.lead_activities(lead_id, None, 50).await.unwrap();
    let mut kinds: Vec<String> = timeline.items.iter().map(|a| a.kind.clone()).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        ["identify", "page", "page"],
        "the page views were stitched"
    );
}

#[tokio::test]
async fn two_writers_draining_one_inbox_store_each_event_once() {
    let db = test_db().await;
    // Two servers on one database: both apply the inbox, possibly the same chunk (SQLite).
    let mut pending = Vec::new();
    // More requests than one chunk claims, so both appliers get work.
    for i in 0..600 {
        let c = db.capturer.clone();
        // Requests i and i + 300 share a new visitor, and one chunk claims at most 256
        // requests: the two appliers race to create the same visitors.
        let events: Vec<CaptureEvent> = (0..5)
            .map(|j| {
                page(
                    &format!("b{i}-{j}"),
                    &format!("anon-{}", i % 300),
                    1_000 + j,
                )
            })
            .collect();
        pending.push(tokio::spawn(async move { c.enqueue(events).await }));
    }
    let next = leadline_store::Capturer::start(db.store.clone());
    for p in pending {
        p.await.unwrap().unwrap();
    }
    db.store
        .wait_for_inbox(Duration::from_secs(60))
        .await
        .unwrap();
    drop(next);
    let ids: Vec<String> = (0..600)
        .flat_map(|i| (0..5).map(move |j| format!("b{i}-{j}")))
        .collect();
    assert_eq!(
        db.store
            .count_activities_with_message_ids(&ids)
            .await
            .unwrap(),
        3_000
    );
    assert_eq!(
        db.store.inbox_depth().await.unwrap(),
        InboxDepth::default(),
        "nothing set aside"
    );
}
