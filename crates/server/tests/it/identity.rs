//! Segment ingest, who and when: resent messages, clock skew, stitching anonymous visitors,
//! alias merges and the timeline they build.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::ingest::types;
use crate::support::{epoch_ms, spawn_app};

#[tokio::test]
async fn a_resent_message_id_is_acknowledged_but_stored_once() {
    let app = spawn_app().await;
    app.ingest_ok(
        "identify",
        &json!({"userId": "u-1", "messageId": "id-1", "traits": {"email": "twice@acme.com"}}),
    )
    .await;
    let track = json!({"userId": "u-1", "messageId": "m-1", "event": "Clicked"});
    app.ingest_ok("track", &track).await;
    app.ingest_ok("track", &track).await;
    app.ingest_ok("batch", &json!({"batch": [{"type": "track", "userId": "u-1", "messageId": "m-1", "event": "Clicked"}]}))
        .await;
    let lead = app.lead_by_email("twice@acme.com").await;
    let timeline = app.timeline(lead["id"].as_str().unwrap()).await;
    let copies = timeline.iter().filter(|a| a["message_id"] == "m-1").count();
    assert_eq!(copies, 1, "{timeline:?}");
    assert_eq!(timeline.len(), 2);
}

#[tokio::test]
async fn sent_at_corrects_the_client_clock_skew_in_occurred_at() {
    let app = spawn_app().await;
    let before = now_ms();
    // The client says the event happened 10 s before it sent it; its clock is years off.
    app.ingest_ok(
        "identify",
        &json!({"userId": "u-1", "traits": {"email": "skew@acme.com"},
            "timestamp": "2020-01-01T00:00:00Z", "sentAt": "2020-01-01T00:00:10Z"}),
    )
    .await;
    app.ingest_ok(
        "batch",
        &json!({"sentAt": "2020-01-01T00:01:00Z", "batch": [
            {"type": "track", "userId": "u-1", "event": "Batched", "timestamp": "2020-01-01T00:00:30Z"}]}),
    )
    .await;
    let after = now_ms();
    let lead = app.lead_by_email("skew@acme.com").await;
    let timeline = app.timeline(lead["id"].as_str().unwrap()).await;
    assert_eq!(timeline.len(), 2, "{timeline:?}");
    for (kind, ago_ms) in [("identify", 10_000), ("track", 30_000)] {
        let a = timeline.iter().find(|a| a["type"] == kind).expect(kind);
        let occurred = epoch_ms(&a["occurred_at"]);
        assert!(
            (before - ago_ms..=after - ago_ms).contains(&occurred),
            "{kind} happened {ago_ms} ms before it reached the server: {a}"
        );
    }
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970");
    i64::try_from(since.as_millis()).expect("milliseconds fit")
}

#[tokio::test]
async fn anonymous_page_views_join_the_timeline_once_the_visitor_identifies() {
    let app = spawn_app().await;
    // Sent out of order: the timeline orders by when things happened.
    for (name, at) in [
        ("Docs", "2026-01-01T10:05:00Z"),
        ("Pricing", "2026-01-01T10:00:00Z"),
    ] {
        app.ingest_ok(
            "page",
            &json!({"anonymousId": "anon-7", "name": name, "timestamp": at}),
        )
        .await;
    }
    assert!(
        app.leads_matching("").await.is_empty(),
        "no lead before identify"
    );
    app.ingest_ok(
        "identify",
        &json!({"anonymousId": "anon-7", "userId": "u-7", "timestamp": "2026-01-01T10:10:00Z",
            "traits": {"email": "visitor@acme.com"}}),
    )
    .await;
    let lead = app.lead_by_email("visitor@acme.com").await;
    let timeline = app.timeline(lead["id"].as_str().unwrap()).await;
    let seen: Vec<(&str, &str)> = timeline
        .iter()
        .map(|a| {
            (
                a["type"].as_str().unwrap(),
                a["name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [("identify", ""), ("page", "Docs"), ("page", "Pricing")]
    );
    // Pages after identify land there directly.
    app.ingest_ok("page", &json!({"anonymousId": "anon-7", "name": "Blog"}))
        .await;
    let timeline = app.timeline(lead["id"].as_str().unwrap()).await;
    assert_eq!(timeline[0]["name"], "Blog");
}

#[tokio::test]
async fn a_timeline_pages_newest_first_without_duplicates_or_gaps() {
    let app = spawn_app().await;
    app.ingest_ok(
        "identify",
        &json!({"userId": "u-1", "timestamp": "2026-01-01T09:00:00Z", "traits": {"email": "pages@acme.com"}}),
    )
    .await;
    // Two events share a time: the cursor must not lose either.
    let batch: Vec<Value> = ["10:00", "10:00", "11:00", "12:00"]
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({"type": "track", "userId": "u-1", "event": format!("E{i}"),
            "timestamp": format!("2026-01-01T{t}:00Z")})
        })
        .collect();
    app.ingest_ok("batch", &json!({ "batch": batch })).await;
    let lead = app.lead_by_email("pages@acme.com").await;
    let id = lead["id"].as_str().unwrap();
    let (mut seen, mut after) = (Vec::new(), String::new());
    for _ in 0..10 {
        let r = app
            .api_get(&format!(
                "/api/v1/leads/{id}/activities?limit=2&after={after}"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let page = r.json();
        seen.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(c) => after = crate::support::urlencode(c),
            None => break,
        }
    }
    let times: Vec<i64> = seen.iter().map(|a| epoch_ms(&a["occurred_at"])).collect();
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    let mut ids: Vec<&str> = seen.iter().map(|a| a["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "no activity twice");
}

#[tokio::test]
async fn an_alias_merges_two_leads_and_the_merge_is_recorded() {
    let app = spawn_app().await;
    app.ingest_ok(
        "identify",
        &json!({"userId": "u-old", "traits": {"email": "first@acme.com"}}),
    )
    .await;
    app.ingest_ok(
        "identify",
        &json!({"userId": "u-new", "traits": {"email": "second@acme.com"}}),
    )
    .await;
    let first = app.lead_by_email("first@acme.com").await;
    let second = app.lead_by_email("second@acme.com").await;
    assert_ne!(first["id"], second["id"]);

    app.ingest_ok("alias", &json!({"userId": "u-new", "previousId": "u-old"}))
        .await;

    let r = app.api_get("/api/v1/leads").await;
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "one person, one lead: {items:?}");
    let survivor = items[0]["id"].as_str().unwrap().to_owned();
    let merged = if survivor == first["id"] {
        &second
    } else {
        &first
    };
    let r = app
        .api_get(&format!("/api/v1/leads/{survivor}/merges"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let merges = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(merges.len(), 1, "{merges:?}");
    assert_eq!(merges[0]["merged_id"], merged["id"]);
    // Both histories live on in the survivor's timeline.
    let kinds = types(&app.timeline(&survivor).await).join(",");
    assert_eq!(kinds.matches("identify").count(), 2, "{kinds}");
}
