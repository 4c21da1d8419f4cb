//! Opportunities over the API as an integration drives them and in the UI as a rep and a
//! manager use them: convert a lead, name contact roles, build the ROI estimate, share it,
//! close the deal; errors name their field and roles are enforced.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, send, spawn_app};

async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> crate::support::Reply {
    let mut req = app
        .http
        .request(method, app.url(path))
        .bearer_auth(&app.api_key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    send(req).await
}

/// A lead with a business address, moved to SQL; its id.
pub(crate) async fn sql_lead(app: &TestApp, email: &str) -> String {
    let lead = app
        .create_lead(&json!({"email": email, "first_name": "Ada", "company": "Initech"}))
        .await;
    let id = lead["id"].as_str().unwrap().to_owned();
    let r = app
        .api_post(
            &format!("/api/v1/leads/{id}/stage"),
            &json!({"stage": "sql", "reason": "BANT confirmed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id
}

const ROI: &str = r#"{"current_cost_monthly": 1000000, "expected_savings_monthly": 400000,
    "price_upfront": 1200000, "price_monthly": 100000, "horizon_months": 24}"#;

#[tokio::test]
async fn the_api_converts_a_lead_and_closes_the_deal_won_with_field_named_errors() {
    let app = spawn_app().await;
    let lead = sql_lead(&app, "cfo@initech.com").await;
    let r = app
        .api_post(
            "/api/v1/opportunities",
            &json!({"lead_id": lead, "amount_minor": 2_400_000, "role": "boss"}),
        )
        .await;
    r.assert_invalid_field("role");
    let r = app
        .api_post(
            "/api/v1/opportunities",
            &json!({"lead_id": lead, "amount_minor": 2_400_000, "expected_close": "2026-13-01"}),
        )
        .await;
    r.assert_invalid_field("expected_close");
    let r = app
        .api_post("/api/v1/opportunities", &json!({"lead_id": "nope"}))
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "not_found");
    let r = app
        .api_post("/api/v1/opportunities", &json!({"lead_id": lead, "name": "Initech platform", "amount_minor": 2_400_000, "role": "champion"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let o = r.json();
    let id = o["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (o["stage"].as_str(), o["probability"].as_i64()),
        (Some("needs_analysis"), Some(10))
    );
    assert_eq!(o["account_domain"], "initech.com");
    assert!(o["created_at"].as_str().unwrap().ends_with('Z'));
    let r = app
        .api_post("/api/v1/opportunities", &json!({"lead_id": lead}))
        .await;
    r.assert_error(StatusCode::CONFLICT, "already_opportunity");
    assert_eq!(
        app.api_get(&format!("/api/v1/leads/{lead}")).await.json()["stage"],
        "opportunity"
    );

    let r = api(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/v1/opportunities/{id}"),
        Some(json!({"probability": 140})),
    )
    .await;
    r.assert_invalid_field("probability");
    let r = api(&app, reqwest::Method::PATCH, &format!("/api/v1/opportunities/{id}"),
        Some(json!({"next_step": "Demo for the CFO", "expected_close": "2026-06-30", "needs_analysis": "Reports take 3 days"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["expected_close"], "2026-06-30");

    let r = app
        .api_post(
            &format!("/api/v1/opportunities/{id}/stage"),
            &json!({"stage": "won"}),
        )
        .await;
    r.assert_invalid_field("stage");
    let r = app
        .api_post(
            &format!("/api/v1/opportunities/{id}/stage"),
            &json!({"stage": "closed_lost"}),
        )
        .await;
    r.assert_invalid_field("lost_reason");
    let r = app
        .api_post(
            &format!("/api/v1/opportunities/{id}/stage"),
            &json!({"stage": "negotiation"}),
        )
        .await;
    assert_eq!(r.json()["weighted_amount_minor"], 1_800_000);
    let r = app
        .api_post(
            &format!("/api/v1/opportunities/{id}/stage"),
            &json!({"stage": "closed_won", "amount_minor": 2_600_000, "reason": "Signed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["won_amount_minor"], 2_600_000);
    assert!(r.json()["closed_at"].is_string());
    assert_eq!(
        app.api_get(&format!("/api/v1/leads/{lead}")).await.json()["stage"],
        "customer"
    );
    let r = app
        .api_post(
            &format!("/api/v1/opportunities/{id}/stage"),
            &json!({"stage": "demo"}),
        )
        .await;
    r.assert_error(StatusCode::CONFLICT, "closed");
    let account = o["account_id"].as_str().unwrap();
    assert!(
        app.api_get(&format!("/api/v1/accounts/{account}"))
            .await
            .json()["customer_since"]
            .is_string()
    );

    let list = app
        .api_get("/api/v1/opportunities?stage=closed_won")
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["next"].is_null());
    app.api_get("/api/v1/opportunities?stage=won")
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    app.api_get("/api/v1/opportunities?after=%%")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_cursor");
    let history = app
        .api_get(&format!("/api/v1/opportunities/{id}/stage_changes"))
        .await
        .json();
    let to: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["to"].as_str().unwrap())
        .collect();
    assert_eq!(to, ["needs_analysis", "negotiation", "closed_won"]);
    let spec = app.get("/api/v1/openapi.json").await.json();
    assert!(spec["paths"]["/api/v1/opportunities/{id}/roi.csv"]["get"].is_object());
}

#[tokio::test]
async fn contacts_roi_csv_and_the_share_link_work_and_viewers_only_read() {
    let app = spawn_app().await;
    let lead = sql_lead(&app, "ceo@umbrella.com").await;
    let cto = app.create_lead(&json!({"email": "cto@umbrella.com"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = app
        .api_post("/api/v1/opportunities", &json!({"lead_id": lead}))
        .await
        .json();
    let id = o["id"].as_str().unwrap().to_owned();

    let r = app
        .api_post(
            &format!("/api/v1/opportunities/{id}/contacts"),
            &json!({"lead_id": cto, "role": "technical_evaluator"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 2);
    let r = app
        .api_post(
            &format!("/api/v1/opportunities/{id}/contacts"),
            &json!({"lead_id": cto, "role": "technical_evaluator"}),
        )
        .await;
    r.assert_error(StatusCode::CONFLICT, "conflict");
    let r = app
        .api_post(
            &format!("/api/v1/opportunities/{id}/contacts"),
            &json!({"lead_id": "x", "role": "user"}),
        )
        .await;
    r.assert_invalid_field("lead_id");
    let r = api(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/opportunities/{id}/contacts/{cto}/technical_evaluator"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = api(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/opportunities/{id}/checklist/2"),
        Some(json!({"done": true})),
    )
    .await;
    assert_eq!(r.json()["checklist"][2]["done"], true);

    app.api_get(&format!("/api/v1/opportunities/{id}/roi"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "no_roi_estimate");
    let mut bad: Value = serde_json::from_str(ROI).unwrap();
    bad["expected_savings_monthly"] = json!(2_000_000);
    let r = api(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/opportunities/{id}/roi"),
        Some(bad),
    )
    .await;
    r.assert_invalid_field("expected_savings_monthly");
    let r = api(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/opportunities/{id}/roi"),
        Some(serde_json::from_str(ROI).unwrap()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let est = &r.json()["estimate"];
    assert_eq!(est["payback_months"], 4.0);
    assert_eq!(est["schedule"].as_array().unwrap().len(), 25);
    let csv = app
        .api_get(&format!("/api/v1/opportunities/{id}/roi.csv"))
        .await;
    assert!(csv.content_type().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(
        lines[0],
        "month,savings,cost,cumulative,discounted_cumulative"
    );
    assert_eq!(
        lines[1], "0,0,1200000,-1200000,-1200000",
        "numbers stay numbers"
    );
    assert_eq!(lines.len(), 26);

    let shared = app
        .api_post(&format!("/api/v1/opportunities/{id}/share"), &json!({}))
        .await
        .json();
    let path = shared["path"].as_str().unwrap().to_owned();
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "signed out: {}", page.text);
    assert!(page.text.contains("noindex"));
    assert!(page.text.contains("Payback"));
    assert_eq!(page.header("x-robots-tag"), Some("noindex, nofollow"));
    let public_csv = app.get(&format!("{path}.csv")).await;
    assert!(public_csv.text.starts_with("month,"));
    assert_eq!(
        app.get("/roi/not-a-real-token-at-all").await.status,
        StatusCode::NOT_FOUND
    );

    let viewer = app.session("boss@acme.com", "viewer").await;
    let r = send(
        app.http
            .get(app.url(&format!("/api/v1/opportunities/{id}")))
            .header("cookie", &viewer),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(
        app.http
            .post(app.url(&format!("/api/v1/opportunities/{id}/stage")))
            .header("cookie", &viewer)
            .json(&json!({"stage": "demo"})),
    )
    .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    let r = api(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/opportunities/{id}/share"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
}
