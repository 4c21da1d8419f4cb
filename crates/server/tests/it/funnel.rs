//! The funnel reports through the API and the UI: counts of the leads just created, errors
//! that name the field, viewer access, CSV downloads.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, spawn_app};

/// Three leads entered today: a webinar lead moved to SQL, a webinar lead left as is, a
/// tradeshow lead disqualified as a student.
async fn three_leads(app: &TestApp) {
    for (email, channel, stage, reason) in [
        ("ann@acme.example", "webinar", Some("sql"), "BANT confirmed"),
        ("bob@acme.example", "webinar", None, ""),
        (
            "cy@uni.example",
            "tradeshow",
            Some("disqualified"),
            "Student",
        ),
    ] {
        let lead = app
            .create_lead(&json!({"email": email, "channel": channel}))
            .await;
        if let Some(stage) = stage {
            let r = app
                .api_post(
                    &format!("/api/v1/leads/{}/stage", lead["id"].as_str().unwrap()),
                    &json!({"stage": stage, "reason": reason}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
    }
}

#[tokio::test]
async fn the_funnel_counts_todays_leads_by_source_and_a_jump_to_sql_passes_mql() {
    let app = spawn_app().await;
    three_leads(&app).await;
    let r = app
        .api_get("/api/v1/reports/funnel?by=source&period=last-30-days")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["by"], "source");
    let rows = body["rows"].as_array().unwrap();
    let row = |key: &str| rows.iter().find(|r| r["key"] == key).unwrap().clone();
    let counts = |r: &serde_json::Value| -> Vec<u64> {
        r["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["count"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(counts(&row("webinar"))[..5], [2, 2, 1, 1, 1]);
    assert_eq!(counts(&row("total"))[0], 3);
    assert_eq!(row("webinar")["stages"][2]["stage"], "mql");
    let q = app.api_get("/api/v1/reports/sources?by=channel").await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.text);
    let rows = q.json()["rows"].as_array().unwrap().clone();
    let trade = rows.iter().find(|r| r["key"] == "tradeshow").unwrap();
    assert_eq!(trade["disqualified"], 1);
    assert_eq!(trade["top_reasons"][0]["reason"], "student");
    let c = app
        .api_get("/api/v1/reports/compare?channel=webinar&stage=sql")
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    assert_eq!(c.json()["comparison"]["verdict"], "too_small");
}

#[tokio::test]
async fn bad_report_parameters_are_422_naming_the_field() {
    let app = spawn_app().await;
    for (path, field) in [
        ("/api/v1/reports/funnel?period=fortnight", "period"),
        ("/api/v1/reports/funnel?from=2026-13-01", "from"),
        ("/api/v1/reports/funnel?to=yesterday", "to"),
        ("/api/v1/reports/funnel?from=2026-05-01&to=2026-04-01", "to"),
        ("/api/v1/reports/funnel?by=planet", "by"),
        ("/api/v1/reports/sources?by=month", "by"),
        ("/api/v1/reports/compare", "campaign"),
        (
            "/api/v1/reports/compare?campaign=Nothing%20like%20it",
            "campaign",
        ),
        ("/api/v1/reports/compare?channel=carrier_pigeon", "channel"),
        (
            "/api/v1/reports/compare?channel=webinar&stage=lead",
            "stage",
        ),
    ] {
        let r = app.api_get(path).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.text
        );
        assert_eq!(r.json()["error"]["field"], field, "{path}");
    }
}

#[tokio::test]
async fn a_viewer_reads_the_pages_and_downloads_formula_safe_csv() {
    let app = spawn_app().await;
    three_leads(&app).await;
    let viewer = app.session("vic@acme.example", "viewer").await;
    for path in [
        "/reports/funnel?by=source",
        "/reports/sources",
        "/reports/compare",
        "/reports/compare?channel=webinar",
    ] {
        let r = app.get_with_cookie(path, &viewer).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    }
    let page = app
        .get_with_cookie("/reports/funnel?by=source", &viewer)
        .await;
    assert!(page.text.contains("data-key=\"webinar\""), "{}", page.text);
    assert!(page.text.contains("/reports/funnel.csv?"), "a CSV link");
    let csv = app
        .get_with_cookie("/reports/funnel.csv?by=source", &viewer)
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type().starts_with("text/csv"));
    let mut lines = csv.text.lines();
    assert!(
        lines.next().unwrap().starts_with(
            "source,subscriber,lead,mql,sal,sql,opportunity,customer,subscriber_to_lead"
        )
    );
    assert!(csv.text.contains("\ntotal,3,3,1,1,1,0,0,"), "{}", csv.text);
    let bad = app
        .get_with_cookie("/reports/funnel?period=fortnight", &viewer)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains("unknown period"),
        "the error beside the control"
    );
    let dated = app
        .get_with_cookie("/reports/funnel?from=2026-01-01&to=2026-01-31", &viewer)
        .await;
    assert_eq!(dated.status, StatusCode::OK);
    assert!(
        dated
            .text
            .contains(r#"name="from" type="date" value="2026-01-01""#)
            && dated
                .text
                .contains(r#"name="to" type="date" value="2026-01-31""#),
        "the controls keep the dates"
    );
    let reversed = app
        .get_with_cookie("/reports/funnel?from=2026-02-01&to=2026-01-31", &viewer)
        .await;
    assert_eq!(reversed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reversed.text.contains(r#"aria-invalid="true""#));
    let out = app.get("/reports/sources").await;
    assert_ne!(out.status, StatusCode::OK, "signed out");
}
