//! The duplicate queue over HTTP: the JSON API (list, compare, merge, dismiss, scan, rules)
//! and the review pages (roles, CSRF, radios, escaping).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::{Value, json};

use crate::support::{TestApp, hidden_value, send, spawn_app, urlencode};

/// Two people who are one, and two who only look alike (on free mail).
async fn people(app: &TestApp) -> (String, String) {
    let a = app
        .create_lead(&json!({"email": "jon@acme.com", "first_name": "Jon", "last_name": "Smith", "title": "Engineer"}))
        .await;
    let b = app
        .create_lead(&json!({"email": "john.smith@acme.com", "first_name": "John", "last_name": "Smith", "title": "VP Engineering", "phone": "+1 415 555 2671"}))
        .await;
    for email in ["sam@gmail.com", "samlee@gmail.com"] {
        app.create_lead(&json!({"email": email, "first_name": "Sam", "last_name": "Lee"}))
            .await;
    }
    (
        a["id"].as_str().unwrap().to_owned(),
        b["id"].as_str().unwrap().to_owned(),
    )
}

/// Starts a scan through the API and waits for the server's worker to finish it.
async fn scan(app: &TestApp) {
    let r = app.api_post("/api/v1/duplicates/scans", &json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert!(r.json()["job_id"].is_string());
    app.store
        .wait_for_scans(Duration::from_secs(30))
        .await
        .expect("the worker runs the scan");
}

async fn open_pairs(app: &TestApp) -> Vec<Value> {
    let r = app.api_get("/api/v1/duplicates?kind=person").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_scan_from_the_api_fills_the_queue_and_a_merge_keeps_one_lead_with_the_chosen_fields() {
    let app = spawn_app().await;
    let (a, b) = people(&app).await;
    scan(&app).await;
    let pairs = open_pairs(&app).await;
    assert_eq!(pairs.len(), 1, "free mail alone makes no pair: {pairs:?}");
    let id = pairs[0]["id"].as_str().unwrap().to_owned();
    let summary = app.api_get("/api/v1/duplicates/summary").await.json();
    assert_eq!(summary["open"]["person"], 1, "{summary}");
    assert_eq!(summary["last_scan"]["status"], "done", "{summary}");
    assert_eq!(summary["last_scan"]["via"], "api");

    let detail = app
        .api_get(&format!("/api/v1/duplicates/{id}"))
        .await
        .json();
    let side = |lead: &str| {
        if detail["candidate"]["a"]["id"] == lead {
            "a"
        } else {
            "b"
        }
    };
    assert_eq!(
        detail["survivor"],
        side(&a),
        "the older lead is kept by default"
    );
    let title = detail["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "title")
        .unwrap();
    assert_eq!(
        (title["keep"].as_str(), title["rule"].as_str()),
        (Some(side(&b)), Some("newest"))
    );

    // Bad choices name the field at fault; nothing is merged.
    let r = app
        .api_post(
            &format!("/api/v1/duplicates/{id}/merge"),
            &json!({"fields": {"salary": "a"}}),
        )
        .await;
    let body = r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(body["error"]["field"], "fields.salary");
    let r = app
        .api_post(
            &format!("/api/v1/duplicates/{id}/merge"),
            &json!({"survivor": "c"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    let r = app
        .api_post(
            &format!("/api/v1/duplicates/{id}/merge"),
            &json!({"survivor": side(&a), "fields": {"title": side(&a)}, "reason": "one person"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let merged = r.json();
    assert_eq!(
        (merged["survivor_id"].as_str(), merged["merged_id"].as_str()),
        (Some(a.as_str()), Some(b.as_str()))
    );
    let leads = app.api_get("/api/v1/leads?q=smith").await.json();
    let items = leads["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "one lead: {leads}");
    assert_eq!(items[0]["title"], "Engineer", "the reviewer's choice");
    assert_eq!(items[0]["first_name"], "John", "the most complete name");
    assert_eq!(items[0]["phone"], "+1 415 555 2671", "a blank filled");
    let timeline = app.timeline(&a).await;
    let kinds: Vec<&str> = timeline
        .iter()
        .map(|t| t["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "api_created").count(),
        2,
        "both histories: {kinds:?}"
    );
    assert_eq!(kinds[0], "merged");
    assert_eq!(timeline[0]["properties"]["reason"], "one person");
    let merges = app
        .api_get(&format!("/api/v1/leads/{a}/merges"))
        .await
        .json();
    assert_eq!(merges["items"][0]["via"], "api");

    app.api_post(&format!("/api/v1/duplicates/{id}/merge"), &json!({}))
        .await
        .assert_error(StatusCode::CONFLICT, "not_open");
    app.api_post("/api/v1/duplicates/nope/merge", &json!({}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let merged_list = app.api_get("/api/v1/duplicates?status=merged").await.json();
    assert_eq!(merged_list["items"][0]["id"], id.as_str());
}

#[tokio::test]
async fn a_dismissed_pair_stays_dismissed_and_a_viewer_may_read_but_not_act() {
    let app = spawn_app().await;
    people(&app).await;
    scan(&app).await;
    let id = open_pairs(&app).await[0]["id"].as_str().unwrap().to_owned();
    let viewer = app.session("vic@acme.com", "viewer").await;
    let r = app
        .get_with_cookie(&format!("/api/v1/duplicates/{id}"), &viewer)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for path in [
        format!("/api/v1/duplicates/{id}/dismiss"),
        format!("/api/v1/duplicates/{id}/merge"),
        "/api/v1/duplicates/scans".into(),
    ] {
        let r = send(
            app.http
                .post(app.url(&path))
                .header(COOKIE, &viewer)
                .json(&json!({})),
        )
        .await;
        r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    }
    let r = app
        .api_post(
            &format!("/api/v1/duplicates/{id}/dismiss"),
            &json!({"reason": "two people"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "dismissed");
    scan(&app).await;
    assert!(
        open_pairs(&app).await.is_empty(),
        "a dismissed pair never returns"
    );
    let dismissed = app
        .api_get("/api/v1/duplicates?status=dismissed")
        .await
        .json();
    assert_eq!(dismissed["items"][0]["note"], "two people");
    app.api_get("/api/v1/duplicates?kind=bogus")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_kind");
}

#[tokio::test]
async fn survivorship_rules_are_read_changed_checked_and_reset() {
    let app = spawn_app().await;
    let rules = app.api_get("/api/v1/duplicates/rules").await.json();
    assert_eq!(rules["default"], "non_empty");
    assert_eq!(rules["fields"]["title"], "newest");
    let app = &app;
    let put = |body: Value| async move {
        send(
            app.http
                .put(app.url("/api/v1/duplicates/rules"))
                .bearer_auth(&app.api_key)
                .json(&body),
        )
        .await
    };
    let r = put(
        json!({"default": "survivor", "fields": {"title": "oldest", "custom.industry": "longest"}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["fields"]["custom.industry"], "most_complete");
    assert_eq!(
        app.api_get("/api/v1/duplicates/rules").await.json()["default"],
        "survivor"
    );
    put(json!({"default": "newest", "fields": {"title": "latest"}}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    let r = put(json!({"default": "newest", "fields": {"titel": "newest"}})).await;
    r.assert_invalid_field("fields.titel");
    let r = send(
        app.http
            .delete(app.url("/api/v1/duplicates/rules"))
            .bearer_auth(&app.api_key),
    )
    .await;
    assert_eq!(r.json()["default"], "non_empty");
}

#[tokio::test]
async fn the_review_page_preselects_the_defaults_and_merges_with_the_reviewers_choices() {
    let app = spawn_app().await;
    let (a, _) = people(&app).await;
    let sales = app.session("sal@acme.com", "sales").await;
    let page = app.get_with_cookie("/duplicates", &sales).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text.contains("No likely duplicates"),
        "empty before a scan"
    );
    let csrf = hidden_value(&page.text, "csrf").unwrap();
    let r = app.post_form("/duplicates/scan", &[], Some(&sales)).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a post without the CSRF token"
    );
    let r = app
        .post_form("/duplicates/scan", &[("csrf", &csrf)], Some(&sales))
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    app.store
        .wait_for_scans(Duration::from_secs(30))
        .await
        .unwrap();

    let page = app.get_with_cookie("/duplicates?kind=person", &sales).await;
    assert!(
        page.text.contains("jon@acme.com") && page.text.contains("john.smith@acme.com"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains(r#"<span class="count">1</span>"#),
        "the tab counts open pairs"
    );
    let id = open_pairs(&app).await[0]["id"].as_str().unwrap().to_owned();
    let review = app
        .get_with_cookie(&format!("/duplicates/{id}"), &sales)
        .await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.text);
    let detail = app
        .api_get(&format!("/api/v1/duplicates/{id}"))
        .await
        .json();
    let (keep, other) = if detail["candidate"]["a"]["id"] == a.as_str() {
        ("a", "b")
    } else {
        ("b", "a")
    };
    assert!(
        review
            .text
            .contains(&format!(r#"name="survivor" value="{keep}" checked"#)),
        "{}",
        review.text
    );
    assert!(
        review
            .text
            .contains(&format!(r#"name="f.title" value="{other}" checked"#)),
        "newest title preselected"
    );

    let viewer = app.session("vic@acme.com", "viewer").await;
    let as_viewer = app
        .get_with_cookie(&format!("/duplicates/{id}"), &viewer)
        .await;
    assert!(
        !as_viewer.text.contains(r#"name="survivor""#),
        "no radios for a viewer"
    );
    let vcsrf = hidden_value(&as_viewer.text, "csrf").unwrap();
    let r = app
        .post_form(
            &format!("/duplicates/{id}/merge"),
            &[("csrf", &vcsrf)],
            Some(&viewer),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a viewer may not merge");

    let form = [
        ("csrf", csrf.as_str()),
        ("survivor", keep),
        ("f.title", keep),
        ("reason", "same <person>"),
    ];
    let r = app
        .post_form(&format!("/duplicates/{id}/merge"), &form, Some(&sales))
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    assert!(r.location().contains("done=merged"), "{}", r.location());
    let lead = app.get_with_cookie(&format!("/leads/{a}"), &sales).await;
    assert!(lead.text.contains("Engineer"), "the chosen title");
    assert!(
        lead.text.contains("by sal@acme.com"),
        "who merged is on the lead page"
    );
    assert!(
        lead.text.contains("same &lt;person&gt;") && !lead.text.contains("same <person>"),
        "escaped"
    );
    let again = app
        .post_form(&format!("/duplicates/{id}/merge"), &form, Some(&sales))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
}

#[tokio::test]
async fn not_a_duplicate_from_the_page_and_names_are_escaped() {
    let app = spawn_app().await;
    for email in ["x1@acme.com", "x2@acme.com"] {
        app.create_lead(&json!({"email": email, "first_name": "<script>alert(1)</script>", "last_name": "Smith"}))
            .await;
    }
    app.store
        .scan_duplicates(&leadline_store::duplicates::Actor::new(None, "cli"))
        .await
        .unwrap();
    let sales = app.session("sal@acme.com", "sales").await;
    let page = app.get_with_cookie("/duplicates", &sales).await;
    assert!(
        !page.text.contains("<script>alert(1)"),
        "escaped: {}",
        page.text
    );
    assert!(page.text.contains("&lt;script&gt;"), "{}", page.text);
    let id = open_pairs(&app).await[0]["id"].as_str().unwrap().to_owned();
    let csrf = hidden_value(&page.text, "csrf").unwrap();
    let r = app
        .post_form(
            &format!("/duplicates/{id}/dismiss"),
            &[("csrf", &csrf)],
            Some(&sales),
        )
        .await;
    assert!(
        r.location().contains("done=dismissed"),
        "{} {}",
        r.status,
        r.location()
    );
    let page = app
        .get_with_cookie(
            &format!("/duplicates?status=dismissed&kind={}", urlencode("person")),
            &sales,
        )
        .await;
    assert!(
        page.text.contains("sal@acme.com"),
        "who dismissed it: {}",
        page.text
    );
    assert!(open_pairs(&app).await.is_empty());
}
