//! `POST /v1/*`: the Segment HTTP tracking API as client libraries use it.

use std::io::Write;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::support::{send, spawn_app};

pub fn types(timeline: &[Value]) -> Vec<&str> {
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
    app.settle().await;
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
    app.settle().await;
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
    app.settle().await;
    let lead = app.lead_by_email("gzip@acme.com").await;
    assert_eq!(lead["company"], "Zipco");
    let timeline = app.timeline(lead["id"].as_str().unwrap()).await;
    assert!(
        timeline.iter().any(|a| a["name"] == "Compressed"),
        "{timeline:?}"
    );
}

#[tokio::test]
async fn a_gzip_body_that_inflates_past_500_kb_is_a_json_400() {
    let app = spawn_app().await;
    let blob = "a".repeat(30 * 1024);
    let batch: Vec<Value> = (0..20)
        .map(|i| json!({"type": "track", "userId": "u-1", "event": format!("E{i}"), "properties": {"blob": blob}}))
        .collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(json!({ "batch": batch }).to_string().as_bytes())
        .unwrap();
    let zipped = gz.finish().unwrap();
    assert!(
        zipped.len() < 50 * 1024,
        "compresses well: {}",
        zipped.len()
    );
    let r = send(
        app.http
            .post(app.url("/v1/batch"))
            .basic_auth(&app.write_key, Some(""))
            .header(CONTENT_TYPE, "application/json")
            .header(CONTENT_ENCODING, "gzip")
            .body(zipped),
    )
    .await;
    r.assert_error(StatusCode::BAD_REQUEST, "batch_too_large");
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
