//! `/api/v1`: bearer keys, keyset-paginated lists, filters, creation and JSON errors.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{send, spawn_app};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| l["id"].as_str().expect("id").to_owned())
        .collect()
}

fn emails(page: &Value) -> BTreeSet<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| l["email"].as_str().expect("email").to_owned())
        .collect()
}

#[tokio::test]
async fn api_calls_without_a_bearer_key_are_a_json_401() {
    let app = spawn_app().await;
    app.get("/api/v1/leads")
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    send(
        app.http
            .post(app.url("/api/v1/leads"))
            .json(&json!({"email": "x@acme.com"})),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn an_unknown_api_key_is_a_json_401() {
    let app = spawn_app().await;
    send(
        app.http
            .get(app.url("/api/v1/leads"))
            .bearer_auth("ll_not-a-real-key"),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // The write key of a source is not an API key either.
    send(
        app.http
            .get(app.url("/api/v1/leads"))
            .bearer_auth(&app.write_key),
    )
    .await
    .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn sixty_leads_page_by_25_in_three_pages_without_duplicates_or_gaps() {
    let app = spawn_app().await;
    let mut created = BTreeSet::new();
    for i in 0..60 {
        let lead = app
            .create_lead(
                &json!({"email": format!("lead{i:02}@acme.com"), "first_name": format!("L{i}")}),
            )
            .await;
        created.insert(lead["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(created.len(), 60);
    let (mut seen, mut sizes, mut after) = (Vec::new(), Vec::new(), None::<String>);
    loop {
        let path = match &after {
            Some(c) => format!(
                "/api/v1/leads?limit=25&after={}",
                crate::support::urlencode(c)
            ),
            None => "/api/v1/leads?limit=25".to_owned(),
        };
        let r = app.api_get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let page = r.json();
        assert!(page.get("next").is_some(), "every list has `next`: {page}");
        sizes.push(page["items"].as_array().unwrap().len());
        seen.extend(ids(&page));
        match page["next"].as_str() {
            Some(c) => after = Some(c.to_owned()),
            None => break,
        }
        assert!(sizes.len() < 10, "paging does not end: {sizes:?}");
    }
    assert_eq!(sizes, [25, 25, 10]);
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a lead appeared twice");
    assert_eq!(unique, created, "every lead appears");
}

#[tokio::test]
async fn leads_filter_by_stage_source_and_text() {
    let app = spawn_app().await;
    app.create_lead(&json!({"email": "ada@acme.com", "first_name": "Ada", "company": "Acme", "channel": "tradeshow"}))
        .await;
    app.create_lead(&json!({"email": "bob@globex.com", "first_name": "Bob", "company": "Globex"}))
        .await;
    // Only an address, from a Segment identify: a subscriber.
    app.ingest_ok(
        "identify",
        &json!({"userId": "u-c", "traits": {"email": "carol@initech.com"}}),
    )
    .await;
    let find = |query: &'static str| {
        let app = &app;
        async move {
            let r = app.api_get(&format!("/api/v1/leads?{query}")).await;
            assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text);
            emails(&r.json())
        }
    };
    let set = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    assert_eq!(find("stage=subscriber").await, set(&["carol@initech.com"]));
    assert_eq!(
        find("stage=lead").await,
        set(&["ada@acme.com", "bob@globex.com"])
    );
    assert_eq!(find("source=tradeshow").await, set(&["ada@acme.com"]));
    assert_eq!(
        find("q=globex").await,
        set(&["bob@globex.com"]),
        "q matches the company"
    );
    assert_eq!(
        find("q=ada").await,
        set(&["ada@acme.com"]),
        "q matches the name"
    );
    assert_eq!(
        find("q=initech.com").await,
        set(&["carol@initech.com"]),
        "q matches the email"
    );
    assert_eq!(
        find("stage=lead&source=tradeshow&q=acme").await,
        set(&["ada@acme.com"])
    );
    assert!(find("q=nobody-matches-this").await.is_empty());
}

#[tokio::test]
async fn invalid_limit_after_stage_and_source_are_400s_naming_the_field() {
    let app = spawn_app().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("limit=100000", "limit"),
        ("after=not-a-cursor", "after"),
        ("stage=hot", "stage"),
        ("source=carrier-pigeon", "source"),
    ] {
        let r = app.api_get(&format!("/api/v1/leads?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.text);
        assert_eq!(r.json()["error"]["field"], field, "{query}: {}", r.text);
    }
    let r = app.api_get("/api/v1/campaigns?limit=-1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json()["error"]["field"], "limit");
}

#[tokio::test]
async fn creating_a_lead_is_201_an_existing_email_is_200_and_a_bad_email_is_422() {
    let app = spawn_app().await;
    let lead = app
        .create_lead(&json!({"email": "new@acme.com", "first_name": "New"}))
        .await;
    assert_eq!(lead["email"], "new@acme.com");
    assert!(lead["id"].as_str().is_some_and(|id| !id.is_empty()));
    let r = app
        .api_post(
            "/api/v1/leads",
            &json!({"email": "new@acme.com", "title": "CTO"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["id"], lead["id"]);
    let r = app
        .api_post("/api/v1/leads", &json!({"email": "not an email"}))
        .await;
    let body = r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(body["error"]["field"], "email");
}

#[tokio::test]
async fn a_malformed_or_mistyped_body_is_a_json_error_not_a_500() {
    let app = spawn_app().await;
    let post = |body: &'static str, content_type: &'static str| {
        send(
            app.http
                .post(app.url("/api/v1/leads"))
                .bearer_auth(&app.api_key)
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body),
        )
    };
    post("{\"email\": ", "application/json")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "malformed_json");
    let r = post("{\"first_name\": \"No email\"}", "application/json").await;
    let body = r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(body["error"]["field"], "email");
    post("{\"email\": \"a@acme.com\"}", "text/plain")
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test]
async fn creating_a_source_is_201_with_a_write_key_that_ingests() {
    let app = spawn_app().await;
    let r = app
        .api_post("/api/v1/sources", &json!({"name": "web"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let source = r.json();
    assert_eq!(source["name"], "web");
    assert!(source["id"].as_str().is_some_and(|s| !s.is_empty()));
    let key = source["write_key"].as_str().expect("write_key").to_owned();
    let r = send(
        app.http
            .post(app.url("/v1/track"))
            .basic_auth(&key, Some(""))
            .json(&json!({"anonymousId": "a-1", "event": "Hello"})),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({"success": true}))
    );
}

fn contact_form(key: &str) -> Value {
    json!({"name": "Contact", "key": key, "fields": [
        {"name": "email", "label": "Email", "type": "email", "required": true}]})
}

#[tokio::test]
async fn creating_a_form_is_201_with_id_and_key_and_a_duplicate_key_is_409() {
    let app = spawn_app().await;
    let form = app.create_form(&contact_form("contact-us")).await;
    assert_eq!(form["key"], "contact-us");
    assert!(form["id"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(app.get("/f/contact-us").await.status, StatusCode::OK);
    app.api_post("/api/v1/forms", &contact_form("contact-us"))
        .await
        .assert_error(StatusCode::CONFLICT, "conflict");
    // A form without a key gets one.
    let mut keyless = contact_form("x");
    keyless.as_object_mut().unwrap().remove("key");
    let made = app.create_form(&keyless).await;
    assert!(made["key"].as_str().is_some_and(|k| k.len() >= 4), "{made}");
}

#[tokio::test]
async fn a_bad_form_definition_is_a_422_naming_the_field() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"name": "Empty", "fields": []}), "fields"),
        (
            json!({"name": "Sel", "fields": [{"name": "size", "type": "select"}]}),
            "fields.options",
        ),
        (
            json!({"name": "Twice", "fields": [{"name": "email"}, {"name": "email"}]}),
            "fields.name",
        ),
        (json!({"name": " ", "fields": [{"name": "email"}]}), "name"),
        (
            json!({"name": "Key", "key": "a b", "fields": [{"name": "email"}]}),
            "key",
        ),
    ] {
        let r = app.api_post("/api/v1/forms", &body).await;
        let err = r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(err["error"]["field"], field, "{body}");
    }
}

#[tokio::test]
async fn an_unknown_lead_is_a_json_404() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/leads/01900000-0000-7000-8000-000000000000",
        "/api/v1/leads/nope/activities",
        "/api/v1/leads/nope/merges",
    ] {
        app.api_get(path)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    let app = spawn_app().await;
    app.api_get("/api/v1/no-such-thing")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.get("/no/such/page")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn an_api_key_secret_is_shown_once_and_never_listed() {
    let app = spawn_app().await;
    let r = app
        .api_post("/api/v1/api_keys", &json!({"name": "ci"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let created = r.json();
    let secret = created["secret"].as_str().expect("the secret").to_owned();
    assert_eq!(created["name"], "ci");
    // The new key works.
    let r = send(app.http.get(app.url("/api/v1/leads")).bearer_auth(&secret)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.api_get("/api/v1/api_keys").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = r.json();
    let keys = list["items"].as_array().unwrap();
    assert!(keys.iter().any(|k| k["id"] == created["id"]), "{list}");
    assert!(
        !r.text.contains(&secret),
        "the listing shows a secret: {}",
        r.text
    );
    assert!(
        !r.text.contains(&app.api_key),
        "the listing shows a secret: {}",
        r.text
    );
    assert!(keys.iter().all(|k| k.get("secret").is_none()), "{list}");
}

#[tokio::test]
async fn a_revoked_api_key_is_a_401() {
    let app = spawn_app().await;
    let created = app
        .api_post("/api/v1/api_keys", &json!({"name": "temp"}))
        .await
        .json();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap();
    let r = send(
        app.http
            .delete(app.url(&format!("/api/v1/api_keys/{id}")))
            .bearer_auth(&app.api_key),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    send(app.http.get(app.url("/api/v1/leads")).bearer_auth(&secret))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // The key that revoked it still works.
    assert_eq!(app.api_get("/api/v1/leads").await.status, StatusCode::OK);
}

#[tokio::test]
async fn healthz_is_200_json() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("application/json"));
    assert_eq!(r.json()["status"], "ok");
}
