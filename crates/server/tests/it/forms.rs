//! Public forms: the hosted page, plain and JSON posts, spam defences, CORS, HubSpot v3,
//! progressive profiling and the rate limit.

use leadline_core::form::HONEYPOT_FIELD;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE};
use serde_json::{Value, json};

use crate::support::{Reply, TestApp, hidden_value, send, spawn_app};

pub const THANKS: &str = "Thanks, we will call you.";

/// A contact form; `min_seconds` 0 unless a test is about timing.
pub fn contact_form(key: &str, min_seconds: u32) -> Value {
    json!({"name": "Contact sales", "key": key, "min_seconds": min_seconds, "thank_you": THANKS,
    "fields": [
        {"name": "email", "label": "Work email", "type": "email", "required": true},
        {"name": "first_name", "label": "First name"},
        {"name": "company", "label": "Company"},
    ]})
}

/// Renders the hosted form and returns its render token.
async fn render_token(app: &TestApp, key: &str) -> String {
    let page = app.get(&format!("/f/{key}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    hidden_value(&page.text, "_token").expect("the form carries a render token")
}

async fn post_json(app: &TestApp, key: &str, body: &Value) -> Reply {
    send(app.http.post(app.url(&format!("/f/{key}"))).json(body)).await
}

fn assert_thanked(r: &Reply) {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.content_type().starts_with("text/html"),
        "{}",
        r.content_type()
    );
    assert!(r.text.contains(THANKS), "the thank-you page: {}", r.text);
}

#[tokio::test]
async fn the_hosted_form_renders_its_fields() {
    let app = spawn_app().await;
    app.create_form(&contact_form("contact", 0)).await;
    let r = app.get("/f/contact").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type().starts_with("text/html"));
    for needle in [
        "name=\"email\"",
        "name=\"first_name\"",
        "name=\"company\"",
        "Work email",
        "action=\"/f/contact\"",
    ] {
        assert!(r.text.contains(needle), "{needle} missing from {}", r.text);
    }
}

#[tokio::test]
async fn a_plain_html_post_creates_the_lead_and_shows_the_thank_you_page() {
    let app = spawn_app().await;
    app.create_form(&contact_form("contact", 0)).await;
    let token = render_token(&app, "contact").await;
    let r = app
        .post_form(
            "/f/contact",
            &[
                ("_token", &token),
                ("email", "ada@acme.com"),
                ("first_name", "Ada"),
                ("company", "Acme Inc"),
            ],
            None,
        )
        .await;
    assert_thanked(&r);
    let lead = app.lead_by_email("ada@acme.com").await;
    assert_eq!(
        (lead["first_name"].as_str(), lead["company"].as_str()),
        (Some("Ada"), Some("Acme Inc"))
    );
    let timeline = app.timeline(lead["id"].as_str().unwrap()).await;
    assert_eq!(timeline.len(), 1, "{timeline:?}");
    assert_eq!(timeline[0]["type"], "form_submitted");
}

#[tokio::test]
async fn a_json_post_creates_the_lead_and_answers_json() {
    let app = spawn_app().await;
    app.create_form(&contact_form("contact", 0)).await;
    let r = post_json(
        &app,
        "contact",
        &json!({"email": "json@acme.com", "first_name": "Jay"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["ok"], true);
    assert_eq!(
        app.lead_by_email("json@acme.com").await["first_name"],
        "Jay"
    );
}

#[tokio::test]
async fn a_missing_required_email_is_a_422_page_with_a_field_error() {
    let app = spawn_app().await;
    app.create_form(&contact_form("contact", 0)).await;
    let r = app
        .post_form("/f/contact", &[("first_name", "Ada"), ("email", "")], None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.content_type().starts_with("text/html"),
        "{}",
        r.content_type()
    );
    assert!(r.text.contains("class=\"field-error\""), "{}", r.text);
    assert!(
        r.text.contains("value=\"Ada\""),
        "what was typed is kept: {}",
        r.text
    );
    assert!(app.leads_matching("").await.is_empty());
}

#[tokio::test]
async fn a_json_post_without_the_required_email_is_a_422_naming_the_field() {
    let app = spawn_app().await;
    app.create_form(&contact_form("contact", 0)).await;
    let r = post_json(&app, "contact", &json!({"first_name": "Ada"})).await;
    let body = r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(body["error"]["field"], "email");
    let r = post_json(&app, "contact", &json!({"email": "not-an-address"})).await;
    let body = r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(body["error"]["field"], "email");
    assert!(app.leads_matching("").await.is_empty());
}

#[tokio::test]
async fn a_filled_honeypot_is_thanked_but_stores_no_lead() {
    let app = spawn_app().await;
    app.create_form(&contact_form("contact", 0)).await;
    let page = app.get("/f/contact").await;
    assert!(
        page.text.contains(&format!("name=\"{HONEYPOT_FIELD}\"")),
        "{}",
        page.text
    );
    let r = app
        .post_form(
            "/f/contact",
            &[
                ("email", "bot@spam.example"),
                (HONEYPOT_FIELD, "http://spam.example"),
            ],
            None,
        )
        .await;
    assert_thanked(&r);
    assert!(app.leads_matching("").await.is_empty());
}

#[tokio::test]
async fn a_submission_faster_than_min_seconds_is_thanked_but_stores_no_lead() {
    let app = spawn_app().await;
    app.create_form(&contact_form("slow", 60)).await;
    let token = render_token(&app, "slow").await;
    let r = app
        .post_form(
            "/f/slow",
            &[("_token", &token), ("email", "fast@acme.com")],
            None,
        )
        .await;
    assert_thanked(&r);
    assert!(app.leads_matching("").await.is_empty());
}

#[tokio::test]
async fn a_forged_render_token_is_thanked_but_stores_no_lead() {
    let app = spawn_app().await;
    app.create_form(&contact_form("contact", 0)).await;
    app.create_form(&contact_form("other", 0)).await;
    let made_up = "1700000000000.0123456789abcdef0123456789abcdef".to_owned();
    let for_another_form = render_token(&app, "other").await;
    for token in [made_up, for_another_form] {
        let r = app
            .post_form(
                "/f/contact",
                &[("_token", &token), ("email", "forger@acme.com")],
                None,
            )
            .await;
        assert_thanked(&r);
    }
    assert!(app.leads_matching("").await.is_empty());
}

#[tokio::test]
async fn an_unknown_form_is_a_404() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/f/no-such-form").await.status,
        StatusCode::NOT_FOUND
    );
    app.get("/f/no-such-form.json")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    post_json(&app, "no-such-form", &json!({"email": "a@acme.com"}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let r = app
        .api_post(
            "/api/v1/forms/no-such-form/submissions",
            &json!({"fields": [{"name": "email", "value": "a@acme.com"}]}),
        )
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn an_oversized_json_post_is_a_json_413() {
    let app = spawn_app().await;
    app.create_form(&contact_form("contact", 0)).await;
    let big = json!({"email": "big@acme.com", "message": "z".repeat(300 * 1024)});
    post_json(&app, "contact", &big)
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
}

#[tokio::test]
async fn a_cors_preflight_from_another_origin_is_allowed() {
    let app = spawn_app().await;
    app.create_form(&contact_form("contact", 0)).await;
    let r = send(
        app.http
            .request(reqwest::Method::OPTIONS, app.url("/f/contact"))
            .header("Origin", "https://www.customer-site.example")
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type"),
    )
    .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.text);
    let origin = r.header("access-control-allow-origin").unwrap_or("");
    assert!(
        origin == "*" || origin == "https://www.customer-site.example",
        "allow-origin: {origin:?}"
    );
    let methods = r.header("access-control-allow-methods").unwrap_or("");
    assert!(methods.contains("POST"), "allow-methods: {methods:?}");
    let headers = r
        .header("access-control-allow-headers")
        .unwrap_or("")
        .to_ascii_lowercase();
    assert!(
        headers.contains("content-type") || headers == "*",
        "allow-headers: {headers:?}"
    );
}

/// The plain HTML snippet the form builder hands out carries no render token (it is static
/// HTML on another site), so a form with default settings must still take its posts.
#[tokio::test]
async fn a_plain_html_post_without_a_render_token_creates_the_lead_on_a_form_with_default_settings()
{
    let app = spawn_app().await;
    let mut form = contact_form("pasted", 0);
    form.as_object_mut().unwrap().remove("min_seconds");
    app.create_form(&form).await;
    let r = app
        .post_form(
            "/f/pasted",
            &[("email", "pasted@acme.com"), ("first_name", "Pat")],
            None,
        )
        .await;
    assert_thanked(&r);
    assert_eq!(
        app.leads_matching("pasted@acme.com").await.len(),
        1,
        "the lead was dropped"
    );
}

fn field_names(form_json: &Value) -> Vec<String> {
    form_json["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_known_visitor_is_asked_only_what_is_still_unknown() {
    let app = spawn_app().await;
    let mut form = contact_form("progressive", 0);
    form["progressive_fields"] = json!([
        {"name": "title", "label": "Job title"},
        {"name": "phone", "label": "Phone", "type": "tel"},
    ]);
    app.create_form(&form).await;
    let stranger = app
        .get("/f/progressive.json?anonymous_id=vis-unknown")
        .await;
    assert_eq!(stranger.status, StatusCode::OK, "{}", stranger.text);
    assert_eq!(
        field_names(&stranger.json()),
        ["email", "first_name", "company"]
    );

    let r = post_json(
        &app,
        "progressive",
        &json!({"_anonymous_id": "vis-1", "email": "pat@acme.com", "first_name": "Pat", "company": "Acme"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let known = app.get("/f/progressive.json?anonymous_id=vis-1").await;
    assert_eq!(known.status, StatusCode::OK, "{}", known.text);
    assert_eq!(field_names(&known.json()), ["title", "phone"]);
    // The hosted page does the same for the visitor cookie.
    let page = app.get_with_cookie("/f/progressive", "ll_vid=vis-1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("name=\"email\""), "{}", page.text);
    assert!(page.text.contains("name=\"title\""), "{}", page.text);
    // A known visitor's answer to a progressive field lands on their lead.
    let r = send(
        app.http
            .post(app.url("/f/progressive"))
            .header(COOKIE, "ll_vid=vis-1")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("title=CTO&phone=%2B44+20+7946+0000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(app.lead_by_email("pat@acme.com").await["title"], "CTO");
}

#[tokio::test]
async fn more_than_30_posts_a_minute_from_one_ip_to_one_form_are_a_429() {
    let app = spawn_app().await;
    app.create_form(&contact_form("contact", 0)).await;
    app.create_form(&contact_form("other", 0)).await;
    // Invalid posts count too; they store nothing, which keeps this test fast.
    let mut statuses = Vec::new();
    for _ in 0..60 {
        let r = post_json(&app, "contact", &json!({"first_name": "x"})).await;
        statuses.push(r.status);
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            r.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
            break;
        }
    }
    assert!(
        statuses[..30]
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "the first 30 posts are served: {statuses:?}"
    );
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Another form is counted apart.
    let r = post_json(&app, "other", &json!({"email": "ok@acme.com"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
