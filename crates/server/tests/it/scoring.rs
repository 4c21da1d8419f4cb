//! Qualification, scores, stage moves, the policy and saved segments over HTTP: the API a
//! CRM integration uses and the pages marketing and sales click.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{hidden_value, spawn_app};

/// Waits (polling, bounded) until `check` holds: the worker applies a queued rescore.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not happen"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_api_explains_scores_moves_stages_with_reasons_and_applies_a_new_policy() {
    let app = spawn_app().await;
    let kim = app
        .create_lead(
            &json!({"email": "kim@cs.stanford.edu", "first_name": "Kim", "title": "Student"}),
        )
        .await;
    let id = kim["id"].as_str().unwrap().to_owned();
    let lead = app.api_get(&format!("/api/v1/leads/{id}")).await.json();
    assert_eq!(lead["stage"], "disqualified");
    assert!(lead["flags"].as_str().unwrap().contains("student"));
    let s = app.api_get(&format!("/api/v1/leads/{id}/scoring")).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    let s = s.json();
    assert!(
        s["explanation"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["reason"] == "student"),
        "{s}"
    );
    assert!(s["grade"].as_str().is_some());

    let r = app
        .api_post(
            &format!("/api/v1/leads/{id}/stage"),
            &json!({"stage": "lead", "reason": " "}),
        )
        .await;
    r.assert_invalid_field("reason");
    let r = app
        .api_post(
            &format!("/api/v1/leads/{id}/stage"),
            &json!({"stage": "lead", "reason": "Buys for the lab"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["stage"], "lead");
    let r = app
        .api_post(
            &format!("/api/v1/leads/{id}/stage"),
            &json!({"stage": "subscriber", "reason": "x"}),
        )
        .await;
    r.assert_invalid_field("stage");
    let r = app
        .api_post(
            &format!("/api/v1/leads/{id}/stage"),
            &json!({"stage": "won", "reason": "x"}),
        )
        .await;
    r.assert_invalid_field("stage");

    let spy = app
        .create_lead(&json!({"email": "spy@rival.com", "first_name": "Sam", "last_name": "Spy"}))
        .await;
    let spy_id = spy["id"].as_str().unwrap().to_owned();
    let r = app
        .api_put(
            "/api/v1/policy",
            &json!({"toml": "[lifecycle]\nmql = \"fit >=\"\n"}),
        )
        .await;
    r.assert_invalid_field("lifecycle.mql");
    let r = app
        .api_put(
            "/api/v1/policy",
            &json!({"toml": "[qualification]\ncompetitor_domains = [\"rival.com\"]\n"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert!(r.json()["job_id"].as_str().is_some());
    let got = app.api_get("/api/v1/policy").await.json();
    assert_eq!(
        got["policy"]["qualification"]["competitor_domains"],
        json!(["rival.com"])
    );
    eventually("the rescore disqualifies the competitor", async || {
        app.api_get(&format!("/api/v1/leads/{spy_id}")).await.json()["stage"] == "disqualified"
    })
    .await;
}

#[tokio::test]
async fn saved_segments_count_live_and_bad_expressions_name_the_column() {
    let app = spawn_app().await;
    for (email, title) in [
        ("a@acme-industrial.com", "VP Sales"),
        ("b@initech.com", "Engineer"),
    ] {
        app.create_lead(&json!({"email": email, "first_name": "Pat", "title": title}))
            .await;
    }
    let r = app
        .api_post(
            "/api/v1/segments",
            &json!({"name": "Leaders", "expression": "title contains \"vp\""}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["count"], 1);
    let r = app
        .api_post(
            "/api/v1/segments",
            &json!({"name": "leaders", "expression": "fit >= 0"}),
        )
        .await;
    assert_eq!(
        r.assert_error(StatusCode::CONFLICT, "conflict")["error"]["field"],
        "name"
    );
    let r = app
        .api_post(
            "/api/v1/segments",
            &json!({"name": "Broken", "expression": "title contains"}),
        )
        .await;
    let e = r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "expression");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("column 15"),
        "{e}"
    );
    let r = app
        .api_post(
            "/api/v1/segments/count",
            &json!({"expression": "nosuchfield = 1"}),
        )
        .await;
    r.assert_invalid_field("expression");

    app.create_lead(
        &json!({"email": "c@globex.com", "first_name": "Lee", "title": "SVP Marketing"}),
    )
    .await;
    let list = app.api_get("/api/v1/segments").await.json();
    assert_eq!(list[0]["name"], "Leaders");
    assert_eq!(list[0]["count"], 2, "counts are live");
    let leads = app.api_get("/api/v1/segments/leaders/leads").await.json();
    let emails: Vec<&str> = leads["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 2);
    assert!(emails.contains(&"c@globex.com"));
    let r = app
        .api_post(
            "/api/v1/segments/count",
            &json!({"expression": "not disqualified"}),
        )
        .await;
    assert_eq!(r.json()["count"], 3);
}

#[tokio::test]
async fn the_lead_page_explains_scores_and_a_rep_moves_the_stage_with_a_reason() {
    let app = spawn_app().await;
    let lead = app
        .create_lead(&json!({"email": "vp@acme-industrial.com", "first_name": "Ada", "title": "VP Engineering"}))
        .await;
    let id = lead["id"].as_str().unwrap().to_owned();
    let cookie = app.session("rep@acme.com", "sales").await;
    let page = app.get_with_cookie(&format!("/leads/{id}"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Why this fit"));
    assert!(
        page.text.contains("title: vp"),
        "the fit explanation lists the title"
    );
    let csrf = hidden_value(&page.text, "csrf").unwrap();

    let r = app
        .post_form(
            &format!("/leads/{id}/stage"),
            &[("csrf", &csrf), ("stage", "sal"), ("reason", "")],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("needs a reason"), "{}", r.text);
    let r = app
        .post_form(
            &format!("/leads/{id}/stage"),
            &[("stage", "sal"), ("reason", "called")],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
    let r = app
        .post_form(
            &format!("/leads/{id}/stage"),
            &[
                ("csrf", &csrf),
                ("stage", "sal"),
                ("reason", "Accepted after the call"),
            ],
            Some(&cookie),
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let page = app.get_with_cookie(&format!("/leads/{id}"), &cookie).await;
    assert!(page.text.contains("Accepted after the call"));
    assert!(page.text.contains("by a person"));

    let viewer = app.session("viewer@acme.com", "viewer").await;
    let page = app.get_with_cookie(&format!("/leads/{id}"), &viewer).await;
    assert!(
        !page.text.contains("action=\"/leads/"),
        "viewers get no stage form"
    );
    let r = app.get_with_cookie("/policy", &viewer).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn marketing_saves_segments_and_the_policy_in_the_ui_with_errors_in_place() {
    let app = spawn_app().await;
    app.create_lead(
        &json!({"email": "x@acme-industrial.com", "first_name": "Ada", "title": "CTO"}),
    )
    .await;
    let cookie = app.session("mo@acme.com", "marketer").await;
    let page = app.get_with_cookie("/segments", &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let csrf = hidden_value(&page.text, "csrf").unwrap();
    let r = app
        .post_form(
            "/segments",
            &[
                ("csrf", &csrf),
                ("name", "Execs"),
                ("expression", "title in (\"cto\", \"ceo\""),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("column"), "{}", r.text);
    let r = app
        .post_form(
            "/segments",
            &[
                ("csrf", &csrf),
                ("name", "Execs"),
                ("expression", "title in (\"cto\", \"ceo\")"),
            ],
            Some(&cookie),
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let list = app.get_with_cookie("/segments", &cookie).await;
    assert!(list.text.contains("Execs"));
    let seg = app.get_with_cookie(r.location(), &cookie).await;
    assert!(seg.text.contains("1 leads now"), "{}", seg.text);
    assert!(seg.text.contains("x@acme-industrial.com"));

    let policy = app.get_with_cookie("/policy", &cookie).await;
    assert!(policy.text.contains("[lifecycle]"));
    let r = app
        .post_form(
            "/policy",
            &[
                ("csrf", &csrf),
                ("policy", "[scoring]\nhalf_life_days = \"soon\"\n"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("line 2"), "{}", r.text);
    let r = app
        .post_form(
            "/policy",
            &[
                ("csrf", &csrf),
                ("policy", "[lifecycle]\nmql = \"engagement >= 5\"\n"),
            ],
            Some(&cookie),
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    assert_eq!(app.store.policy().lifecycle.mql, "engagement >= 5");
}

#[tokio::test]
async fn the_validation_report_and_training_are_reachable_from_the_api_and_the_ui() {
    let app = spawn_app().await;
    app.create_lead(
        &json!({"email": "vp@acme-industrial.com", "first_name": "Ada", "title": "VP"}),
    )
    .await;
    let r = app.api_get("/api/v1/scoring/report").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["leads"], 0, "a new lead has no outcome yet");
    assert!(r.json()["rule_auc"].is_null());
    let r = app.api_post("/api/v1/scoring/train", &json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let cookie = app.session("mo@acme.com", "marketer").await;
    let page = app.get_with_cookie("/scoring/report", &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Ranking power"));
    let csrf = hidden_value(&page.text, "csrf").unwrap();
    let r = app
        .post_form("/scoring/train", &[("csrf", &csrf)], Some(&cookie))
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
}
