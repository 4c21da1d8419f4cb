//! Webhooks over real sockets: a receiver in the test verifies every delivery's signature
//! with `leadline_core::webhook`, sees a failed delivery retried with the same id and body,
//! and the admin API manages endpoints, secrets and the delivery log.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use leadline_core::webhook::{Secret, verify};
use leadline_server::worker::webhooks::{client, deliver_due};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::{Value, json};

use crate::support::{TestApp, send, spawn_app};

/// One request the receiver got: the three webhook headers and the body.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: Bytes,
}

/// A webhook receiver on 127.0.0.1:0 answering with `statuses` in turn (the last one
/// thereafter) and recording what it got.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

async fn receiver(statuses: &[u16]) -> Receiver {
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let statuses = Arc::new(statuses.to_vec());
    let (g, s) = (got.clone(), statuses.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let (got, statuses) = (g.clone(), s.clone());
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                let mut got = got.lock().unwrap();
                got.push(Received {
                    id: h("webhook-id"),
                    timestamp: h("webhook-timestamp"),
                    signature: h("webhook-signature"),
                    body,
                });
                let i = (got.len() - 1).min(statuses.len() - 1);
                AxumStatus::from_u16(statuses[i]).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver {
        url: format!("http://{addr}/hook"),
        got,
    }
}

impl Receiver {
    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (up to 20 s) until `n` requests arrived, running delivery passes at `now`.
    async fn wait_for(&self, app: &TestApp, n: usize, now: i64) -> Vec<Received> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let http = client();
        while self.got().len() < n {
            assert!(
                std::time::Instant::now() < deadline,
                "{} of {n} deliveries",
                self.got().len()
            );
            deliver_due(&app.store, &http, "test", now).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.got()
    }
}

fn verified(r: &Received, secret: &str) -> Value {
    let secret = Secret::parse(secret).unwrap();
    let now_s = leadline_store::now_ms() / 1000;
    verify(&secret, &r.id, &r.timestamp, &r.signature, &r.body, now_s)
        .unwrap_or_else(|e| panic!("a genuine delivery: {e}"));
    serde_json::from_slice(&r.body).unwrap()
}

async fn deliveries(app: &TestApp, endpoint: &str) -> Vec<Value> {
    let r = app
        .api_get(&format!("/api/v1/webhooks/{endpoint}/deliveries"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_signed_delivery_that_fails_is_retried_with_the_same_id_until_it_succeeds() {
    let app = spawn_app().await;
    let rx = receiver(&[500, 200]).await;
    let r = app
        .api_post(
            "/api/v1/webhooks",
            &json!({"url": rx.url, "description": "CRM", "event_types": ["lead.created"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let created = r.json();
    let (endpoint, secret) = (
        created["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    );
    app.create_lead(&json!({"email": "ann@buyer.example"}))
        .await;
    let now = leadline_store::now_ms();
    let first = rx.wait_for(&app, 1, now).await;
    let body = verified(&first[0], &secret);
    assert_eq!(body["type"], "lead.created");
    assert_eq!(body["data"]["email"], "ann@buyer.example");
    assert_eq!(first[0].id, body_event_id(&app, &endpoint).await);
    let log = deliveries(&app, &endpoint).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "pending");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status_code"], 500);
    assert!(log[0]["next_attempt_at"].is_string(), "{}", log[0]);
    // The retry is due 30 s (plus up to a quarter) later: run the worker's pass then.
    let both = rx.wait_for(&app, 2, now + 40_000).await;
    verified(&both[1], &secret);
    assert_eq!(both[1].id, both[0].id, "the same webhook-id");
    assert_eq!(both[1].body, both[0].body, "the same body");
    let log = deliveries(&app, &endpoint).await;
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["attempts"], 2);
    assert_eq!(log[0]["last_status_code"], 200);
    assert!(log[0]["next_attempt_at"].is_null());
    // A redelivery sends it a third time, same id again.
    let path = format!(
        "/api/v1/webhooks/{endpoint}/deliveries/{}/redeliver",
        log[0]["id"].as_str().unwrap()
    );
    let r = app.api_post(&path, &json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let all = rx.wait_for(&app, 3, leadline_store::now_ms()).await;
    assert_eq!(all[2].id, all[0].id);
    let metrics = app.get("/metrics").await;
    assert!(
        metrics.text.contains("leadline_webhook_deliveries_pending"),
        "queue depth in /metrics"
    );
}

async fn body_event_id(app: &TestApp, endpoint: &str) -> String {
    deliveries(app, endpoint).await[0]["event_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn admins_manage_endpoints_and_secrets_are_shown_once() {
    let app = spawn_app().await;
    let rx = receiver(&[204]).await;
    let bad = app
        .api_post("/api/v1/webhooks", &json!({"url": "ftp://x.example"}))
        .await;
    bad.assert_invalid_field("url");
    let bad = app
        .api_post(
            "/api/v1/webhooks",
            &json!({"url": rx.url, "event_types": ["lead.deleted"]}),
        )
        .await;
    bad.assert_invalid_field("event_types");
    let created = app
        .api_post("/api/v1/webhooks", &json!({"url": rx.url}))
        .await
        .json();
    let id = created["id"].as_str().unwrap();
    let secret = created["secret"].as_str().unwrap();
    let got = app.api_get(&format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(got.json()["event_types"], json!([]));
    assert!(!got.text.contains(secret) && !got.text.contains("whsec_"));
    let list = app.api_get("/api/v1/webhooks").await;
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 1);
    assert!(list.json()["next"].is_null() && !list.text.contains("whsec_"));
    // A ping is signed with the new secret and, for a day, the old one too.
    let rotated = app
        .api_post(&format!("/api/v1/webhooks/{id}/rotate-secret"), &json!({}))
        .await
        .json();
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let r = app
        .api_post(&format!("/api/v1/webhooks/{id}/ping"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let ping = &rx.wait_for(&app, 1, leadline_store::now_ms()).await[0];
    assert_eq!(verified(ping, new_secret)["type"], "ping");
    verified(ping, secret);
    assert_eq!(ping.id, r.json()["event_id"].as_str().unwrap());
    // Disable, then delete.
    let r = send(
        app.http
            .patch(app.url(&format!("/api/v1/webhooks/{id}")))
            .bearer_auth(&app.api_key)
            .json(&json!({"enabled": false})),
    )
    .await;
    assert_eq!(r.json()["enabled"], false, "{}", r.text);
    let r = send(
        app.http
            .delete(app.url(&format!("/api/v1/webhooks/{id}")))
            .bearer_auth(&app.api_key),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    app.api_get(&format!("/api/v1/webhooks/{id}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    // Only admins.
    let marketer = app.session("m@leadline.example", "marketer").await;
    let r = send(
        app.http
            .get(app.url("/api/v1/webhooks"))
            .header(COOKIE, &marketer),
    )
    .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn admins_manage_webhooks_in_settings_and_redeliver_from_the_log() {
    let app = spawn_app().await;
    let rx = receiver(&[503]).await;
    let admin = app.session("admin@leadline.example", "admin").await;
    let page = app.get_with_cookie("/settings/webhooks", &admin).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let csrf = crate::support::hidden_value(&page.text, "csrf").unwrap();
    let r = app
        .post_form(
            "/settings/webhooks",
            &[("url", rx.url.as_str())],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    let r = app
        .post_form(
            "/settings/webhooks",
            &[("csrf", &csrf), ("url", "not a url")],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("must start with http"), "{}", r.text);
    let r = app
        .post_form(
            "/settings/webhooks",
            &[
                ("csrf", &csrf),
                ("url", &rx.url),
                ("description", "<b>CRM</b>"),
                ("type_lead.assigned", "on"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let at = r.text.find("whsec_").expect("the secret is shown");
    let secret = r.text[at..].split('"').next().unwrap().to_owned();
    let endpoints = app.store.webhooks().await.unwrap();
    let id = endpoints[0].id.clone();
    assert_eq!(endpoints[0].event_types, ["lead.assigned"]);
    let list = app.get_with_cookie("/settings/webhooks", &admin).await;
    assert!(
        list.text.contains("&lt;b&gt;CRM") && !list.text.contains("<b>CRM"),
        "escaped"
    );
    assert!(!list.text.contains(&secret), "the secret is shown once");
    for action in ["ping", "disable", "enable"] {
        let r = app
            .post_form(
                &format!("/settings/webhooks/{id}/{action}"),
                &[("csrf", &csrf)],
                Some(&admin),
            )
            .await;
        assert!(
            r.status.is_redirection(),
            "{action}: {} {}",
            r.status,
            r.text
        );
    }
    rx.wait_for(&app, 1, leadline_store::now_ms()).await;
    let log = app
        .get_with_cookie(&format!("/settings/webhooks/{id}"), &admin)
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    assert!(
        log.text.contains("ping") && log.text.contains("503"),
        "{}",
        log.text
    );
    let delivery = app
        .store
        .webhook_deliveries(&id, None, 10)
        .await
        .unwrap()
        .items
        .remove(0);
    let r = app
        .post_form(
            &format!(
                "/settings/webhooks/{id}/deliveries/{}/redeliver",
                delivery.id
            ),
            &[("csrf", &csrf)],
            Some(&admin),
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let got = rx.wait_for(&app, 2, leadline_store::now_ms()).await;
    assert_eq!(got[1].id, got[0].id);
    let r = app
        .post_form(
            &format!("/settings/webhooks/{id}/delete"),
            &[("csrf", &csrf)],
            Some(&admin),
        )
        .await;
    assert!(r.status.is_redirection());
    assert!(app.store.webhooks().await.unwrap().is_empty());
    let marketer = app.session("m@leadline.example", "marketer").await;
    let r = app.get_with_cookie("/settings/webhooks", &marketer).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
