//! The marketing reports over the API and in the UI: attribution and ROI for a period, with
//! errors naming the parameter at fault, pages for viewers, CSV downloads.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::spawn_app;

#[tokio::test]
async fn attribution_credits_every_lead_of_the_period_and_names_bad_parameters() {
    let app = spawn_app().await;
    app.create_lead(&json!({"email": "ana@globex.example"}))
        .await;
    app.create_lead(&json!({"email": "ben@initech.example"}))
        .await;
    app.settle().await;
    let r = app
        .api_get("/api/v1/reports/attribution?period=last-7-days&model=first,linear&outcome=leads")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["models"], json!(["first", "linear"]));
    assert_eq!(body["conversions"], 2);
    for i in 0..2 {
        let sum: f64 = body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["conversions"][i].as_f64().unwrap())
            .sum();
        assert!((sum - 2.0).abs() < 1e-9, "{body}");
    }
    for (query, field) in [
        ("outcome=planets", "outcome"),
        ("model=astrology", "model"),
        ("from=2026-01-01", "to"),
        ("from=2026-13-01&to=2026-12-31", "from"),
        ("period=someday", "period"),
        ("by=weather", "by"),
        ("model=markov&markov_order=0", "markov_order"),
        ("model=markov&markov_order=9", "markov_order"),
    ] {
        let e = app
            .api_get(&format!("/api/v1/reports/attribution?{query}"))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(e["error"]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn roi_is_dashed_without_cost_and_the_pages_render_for_viewers() {
    let app = spawn_app().await;
    app.create_lead(&json!({"email": "ana@globex.example"}))
        .await;
    app.settle().await;
    let r = app
        .api_get("/api/v1/reports/roi?by=channel&period=last-7-days")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["by"], "channel");
    assert_eq!(body["model"], "w-shaped");
    assert_eq!(body["total"]["leads"], 1.0);
    assert_eq!(body["total"]["roi"], serde_json::Value::Null);
    let cookie = app.session("viewer@vendor.example", "viewer").await;
    for (path, marker) in [
        ("/reports", "Marketing overview"),
        ("/reports/roi?by=channel", "Campaign ROI"),
        (
            "/reports/attribution?outcome=mqls&model=all",
            "Self-reported",
        ),
    ] {
        let page = app.get_with_cookie(path, &cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.text);
        assert!(page.text.contains(marker), "{path}");
        assert!(page.text.contains("figure class=\"chart\""), "{path}");
        assert!(page.text.contains("Download CSV"), "{path}");
    }
    let bad = app
        .get_with_cookie("/reports?period=someday", &cookie)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let csv = app
        .get_with_cookie("/reports/roi.csv?by=channel&period=last-7-days", &cookie)
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type().starts_with("text/csv"));
    assert!(csv.text.starts_with("channel,cost,leads,"), "{}", csv.text);
    let doc = app.get("/api/v1/openapi.json").await.json();
    for path in ["/reports/attribution", "/reports/roi"] {
        let documented = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.ends_with(path));
        assert!(documented, "{path} in the OpenAPI document");
    }
    let csv = app
        .get_with_cookie(
            "/reports/attribution.csv?period=last-7-days&model=first",
            &cookie,
        )
        .await;
    assert!(
        csv.text.starts_with("channel,first,self_reported"),
        "{}",
        csv.text
    );
}
