//! `POST /v1/*`: the Segment HTTP tracking API as client libraries use it.

use std::io::Write;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::support::{epoch_ms, send, spawn_app};

fn types(timeline: &[Value]) -> Vec<&str> {
    timeline
        .iter()
        .map(|a| a["type"].as_str().expect("type"))
        .collect()
}

#[tokio::test]
async fn track_identify_page_and_batch_answer_success_and_land_on_the_timeline() {
    let app = spawn_app().await;
    app.ingest_ok(
        "identify",
        &json!({"userId": "u-1", "traits": {"email": "ada@acme.com", "firstName": "Ada"}}),
    )
    .await;
    app.ingest_ok("track", &json!({"userId": "u-1", "event": "Signed Up"}))
        .await;
    app.ingest_ok("page", &json!({"userId": "u-1", "name": "Pricing"}))
        .await;
    app.ingest_ok(
        "batch",
        &json!({"batch": [
            {"type": "track", "userId": "u-1", "event": "Trial Started"},
            {"type": "page", "userId": "u-1", "name": "Docs"},
        ]}),
    )
    .await;

    let lead = app.lead_by_email("ada@acme.com").await;
    assert_eq!(lead["first_name"], "Ada");
    let mut kinds = types(&app.timeline(lead["id"].as_str().unwrap()).await)
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    kinds.sort();
    assert_eq!(kinds, ["identify", "page", "page", "track", "track"]);
}

#[tokio::test]
async fn the_write_key_is_also_accepted_as_write_key_in_the_body() {
    let app = spawn_app().await;
    let single = json!({"writeKey": app.write_key, "userId": "u-1",
        "traits": {"email": "body@acme.com"}});
    let r = send(app.http.post(app.url("/v1/identify")).json(&single)).await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({"success": true}))
    );
    let batch = json!({"writeKey": app.write_key, "batch": [
        {"type": "identify", "userId": "u-2", "traits": {"email": "batch@acme.com"}}]});
    let r = send(app.http.post(app.url("/v1/batch")).json(&batch)).await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({"success": true}))
    );
    app.lead_by_email("body@acme.com").await;
    app.lead_by_email("batch@acme.com").await;
}

#[tokio::test]
async fn a_missing_or_wrong_write_key_is_a_json_401_and_stores_nothing() {
    let app = spawn_app().await;
    let msg = json!({"userId": "u-1", "traits": {"email": "nokey@acme.com"}});
    send(app.http.post(app.url("/v1/identify")).json(&msg))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    send(
        app.http
            .post(app.url("/v1/identify"))
            .basic_auth("not-a-write-key", Some(""))
            .json(&msg),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let wrong_in_body = json!({"writeKey": "nope", "batch": [{"type": "identify", "userId": "u-1",
        "traits": {"email": "nokey@acme.com"}}]});
    send(app.http.post(app.url("/v1/batch")).json(&wrong_in_body))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(app.leads_matching("nokey@acme.com").await.is_empty());
}

#[tokio::test]
async fn malformed_json_is_a_400_malformed_json() {
    let app = spawn_app().await;
    for kind in ["track", "batch"] {
        send(
            app.http
                .post(app.url(&format!("/v1/{kind}")))
                .basic_auth(&app.write_key, Some(""))
                .header(CONTENT_TYPE, "application/json")
                .body("{\"userId\": \"u-1\", \"event\": "),
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed_json");
    }
}

#[tokio::test]
async fn a_message_over_32_kb_is_a_400_alone_or_in_a_batch() {
    let app = spawn_app().await;
    let big = "x".repeat(33 * 1024);
    let msg = json!({"userId": "u-1", "event": "Big", "properties": {"blob": big}});
    app.ingest("track", &msg)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "message_too_large");
    let mut item = msg.clone();
    item["type"] = json!("track");
    let body = app
        .ingest("batch", &json!({"batch": [item]}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "message_too_large");
    assert_eq!(body["error"]["field"], "batch[0]");
    // Just under the limit is fine.
    let fits =
        json!({"userId": "u-1", "event": "Fits", "properties": {"blob": "x".repeat(30 * 1024)}});
    app.ingest_ok("track", &fits).await;
}

#[tokio::test]
async fn a_batch_over_500_kb_is_a_json_400_not_a_413_page() {
    let app = spawn_app().await;
    let blob = "y".repeat(30 * 1024);
    let batch: Vec<Value> = (0..20)
        .map(|i| json!({"type": "track", "userId": "u-1", "event": format!("E{i}"), "properties": {"blob": blob}}))
        .collect();
    let body = json!({ "batch": batch });
    assert!(body.to_string().len() > 500 * 1024);
    app.ingest("batch", &body)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "batch_too_large");
}

#[tokio::test]
async fn a_gzip_compressed_batch_is_accepted() {
    let app = spawn_app().await;
    let body = json!({"batch": [
        {"type": "identify", "userId": "u-9", "traits": {"email": "gzip@acme.com", "company": "Zipco"}},
        {"type": "track", "userId": "u-9", "event": "Compressed"},
    ]});
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.to_string().as_bytes()).unwrap();
    let r = send(
        app.http
            .post(app.url("/v1/batch"))
            .basic_auth(&app.write_key, Some(""))
            .header(CONTENT_TYPE, "application/json")
            .header(CONTENT_ENCODING, "gzip")
            .body(gz.finish().unwrap()),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({"success": true}))
    );
    let lead = app.lead_by_email("gzip@acme.com").await;
    assert_eq!(lead["company"], "Zipco");
    let timeline = app.timeline(lead["id"].as_str().unwrap()).await;
    assert!(
        timeline.iter().any(|a| a["name"] == "Compressed"),
        "{timeline:?}"
    );
}

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

#[tokio::test]
async fn a_message_without_user_id_or_anonymous_id_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    let body = app
        .ingest("track", &json!({"event": "Nobody"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_message");
    assert_eq!(body["error"]["field"], "userId");
    let body = app
        .ingest(
            "batch",
            &json!({"batch": [{"type": "track", "userId": "u-1", "event": "ok"}, {"type": "track", "event": "Nobody"}]}),
        )
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_message");
    assert_eq!(body["error"]["field"], "batch[1].userId");
}

#[tokio::test]
async fn metrics_count_ingested_events_in_prometheus_text() {
    let app = spawn_app().await;
    app.ingest_ok("track", &json!({"anonymousId": "a-1", "event": "Counted"}))
        .await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.content_type().starts_with("text/plain"),
        "{}",
        r.content_type()
    );
    let line = r
        .text
        .lines()
        .find(|l| l.starts_with("leadline_ingest_events_total"))
        .unwrap_or_else(|| panic!("no leadline_ingest_events_total in:\n{}", r.text));
    let count: f64 = line.rsplit(' ').next().unwrap().parse().expect("a number");
    assert!(count >= 1.0, "{line}");
}
