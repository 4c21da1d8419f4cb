//! Costs, markers and channel rules over HTTP: status codes, roles, and JSON errors naming
//! their field.

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use serde_json::json;

use crate::support::{TestApp, send, spawn_app};

async fn import(app: &TestApp, csv: &str, query: &str) -> crate::support::Reply {
    send(
        app.http
            .post(app.url(&format!("/api/v1/costs/import{query}")))
            .header(AUTHORIZATION, format!("Bearer {}", app.api_key))
            .header(CONTENT_TYPE, "text/csv")
            .body(csv.to_owned()),
    )
    .await
}

#[tokio::test]
async fn a_cost_export_imports_good_rows_reports_bad_ones_and_reimports_without_doubling() {
    let app = spawn_app().await;
    let c = app
        .api_post(
            "/api/v1/campaigns",
            &json!({"name": "Spring search", "channel": "paid_search"}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text);
    let csv = "date,campaign,cost\n2026-03-01,Spring search,\"1,234.56\"\n2026-03-02,Spring search,12.5x\n";
    let r = import(&app, csv, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(
        (body["imported"].as_u64(), body["replaced"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(body["errors"][0]["line"], 3);
    assert_eq!(body["errors"][0]["column"], 3);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("expected an amount")
    );
    let again = import(&app, csv, "").await.json();
    assert_eq!(
        (again["imported"].as_u64(), again["replaced"].as_u64()),
        (Some(0), Some(1))
    );
    let list = app
        .api_get("/api/v1/costs?from=2026-03-01&to=2026-03-31")
        .await
        .json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["amount_minor"], 123_456);
    assert_eq!(items[0]["day"], "2026-03-01T00:00:00Z");

    let unknown = import(
        &app,
        "date,campaign,cost\n2026-03-01,Booth,10\n",
        "?create_campaigns=nonsense",
    )
    .await;
    unknown.assert_invalid_field("create_campaigns");
    let created = import(
        &app,
        "date,campaign,cost\n2026-03-01,Booth,10\n",
        "?create_campaigns=tradeshow",
    )
    .await
    .json();
    assert_eq!(created["imported"], 1);
}

#[tokio::test]
async fn oversize_cost_files_are_refused_with_413() {
    let app = spawn_app().await;
    let big = "date,campaign,cost\n".to_owned() + &"2026-03-01,x,1\n".repeat(80_000);
    import(&app, &big, "")
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
}

#[tokio::test]
async fn manual_costs_validate_each_field_and_can_be_deleted() {
    let app = spawn_app().await;
    let r = app
        .api_post("/api/v1/costs", &json!({"channel": "organic_search", "day": "2026-01-01", "amount": "3000", "note": "SEO retainer"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let cost = r.json();
    assert_eq!(
        (cost["currency"].as_str(), cost["amount_minor"].as_i64()),
        (Some("USD"), Some(300_000))
    );
    app.api_post(
        "/api/v1/costs",
        &json!({"channel": "organic_search", "day": "01/01/2026", "amount": "1"}),
    )
    .await
    .assert_invalid_field("day");
    app.api_post(
        "/api/v1/costs",
        &json!({"channel": "smoke signals", "day": "2026-01-01", "amount": "1"}),
    )
    .await
    .assert_invalid_field("channel");
    app.api_post(
        "/api/v1/costs",
        &json!({"day": "2026-01-01", "amount": "1"}),
    )
    .await
    .assert_invalid_field("channel");
    app.api_post(
        "/api/v1/costs",
        &json!({"channel": "blog", "day": "2026-01-01", "amount": "1.234"}),
    )
    .await
    .assert_invalid_field("amount");
    app.api_post(
        "/api/v1/costs",
        &json!({"campaign_id": "nope", "day": "2026-01-01", "amount": "1"}),
    )
    .await
    .assert_invalid_field("campaign_id");
    let id = cost["id"].as_str().unwrap();
    let del = |id: String| {
        send(
            app.http
                .delete(app.url(&format!("/api/v1/costs/{id}")))
                .header(AUTHORIZATION, format!("Bearer {}", app.api_key)),
        )
    };
    assert_eq!(del(id.into()).await.status, StatusCode::NO_CONTENT);
    del(id.into())
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn viewers_read_costs_and_markers_but_may_not_write_them() {
    let app = spawn_app().await;
    let viewer = app.session("vic@acme.com", "viewer").await;
    for path in ["/api/v1/costs", "/api/v1/markers", "/api/v1/channel_rules"] {
        assert_eq!(
            app.get_with_cookie(path, &viewer).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    let bodies = [
        (
            "/api/v1/costs",
            json!({"channel": "blog", "day": "2026-01-01", "amount": "1"}),
        ),
        (
            "/api/v1/markers",
            json!({"at": "2026-01-01", "channel": "blog", "title": "Post"}),
        ),
    ];
    for (path, body) in bodies {
        let r = send(
            app.http
                .post(app.url(path))
                .header(COOKIE, &viewer)
                .json(&body),
        )
        .await;
        r.assert_error(StatusCode::FORBIDDEN, "forbidden");
    }
    let r = send(
        app.http
            .put(app.url("/api/v1/channel_rules"))
            .header(COOKIE, &viewer)
            .json(&json!({"rules": []})),
    )
    .await;
    r.assert_error(StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn markers_are_added_listed_by_period_and_removed() {
    let app = spawn_app().await;
    let r = app
        .api_post("/api/v1/markers", &json!({"at": "2026-02-03", "channel": "analyst", "title": "Wave report", "url": "https://analyst.example/wave"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.api_post(
        "/api/v1/markers",
        &json!({"at": "2026-02-03", "channel": "analyst", "title": " "}),
    )
    .await
    .assert_invalid_field("title");
    app.api_post(
        "/api/v1/markers",
        &json!({"at": "soon", "channel": "analyst", "title": "x"}),
    )
    .await
    .assert_invalid_field("at");
    let in_feb = app
        .api_get("/api/v1/markers?from=2026-02-01&to=2026-02-28")
        .await
        .json();
    assert_eq!(in_feb["items"][0]["title"], "Wave report");
    let in_mar = app.api_get("/api/v1/markers?from=2026-03-01").await.json();
    assert_eq!(in_mar["items"].as_array().unwrap().len(), 0);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let del = send(
        app.http
            .delete(app.url(&format!("/api/v1/markers/{id}")))
            .header(AUTHORIZATION, format!("Bearer {}", app.api_key)),
    )
    .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn channel_rules_are_saved_tested_and_refused_by_field() {
    let app = spawn_app().await;
    let defaults = app.api_get("/api/v1/channel_rules").await.json();
    assert!(
        !defaults["rules"].as_array().unwrap().is_empty(),
        "sensible defaults"
    );
    let r = app
        .api_put(
            "/api/v1/channel_rules",
            &json!({"rules": [{"utm_source": "capterra", "channel": "analyst"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = app
        .api_post(
            "/api/v1/channel_rules/test",
            &json!({"utm_medium": "cpc", "utm_source": "Capterra"}),
        )
        .await
        .json();
    assert_eq!(
        (t["channel"].as_str(), t["rule"].as_u64()),
        (Some("analyst"), Some(0))
    );
    let t = app
        .api_post(
            "/api/v1/channel_rules/test",
            &json!({"referrer": "https://www.bing.com/"}),
        )
        .await
        .json();
    assert_eq!(
        (t["channel"].as_str(), t["rule"].is_null()),
        (Some("organic_search"), true)
    );
    app.api_put(
        "/api/v1/channel_rules",
        &json!({"rules": [{"channel": "blog"}]}),
    )
    .await
    .assert_invalid_field("rules[0].utm_medium");
    app.api_put(
        "/api/v1/channel_rules",
        &json!({"rules": [{"utm_medium": "x", "channel": "nope"}]}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
}

#[tokio::test]
async fn markers_come_a_page_at_a_time_with_next_set_while_more_remain() {
    let app = spawn_app().await;
    for (day, title) in [
        ("2026-02-05", "e"),
        ("2026-02-01", "a"),
        ("2026-02-03", "c"),
        ("2026-02-03", "d"),
        ("2026-02-02", "b"),
    ] {
        let r = app
            .api_post(
                "/api/v1/markers",
                &json!({"at": day, "channel": "blog", "title": title}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let mut titles = Vec::new();
    let mut pages = 0;
    let mut next: Option<String> = None;
    loop {
        let after = next.map(|n| format!("&after={n}")).unwrap_or_default();
        let page = app
            .api_get(&format!("/api/v1/markers?limit=2{after}"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let body = page.json();
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 2, "{body}");
        titles.extend(
            items
                .iter()
                .map(|m| m["title"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        next = body["next"].as_str().map(str::to_owned);
        if next.is_none() {
            break;
        }
        assert!(pages < 5, "paging ends");
    }
    assert_eq!(pages, 3);
    let mut by_day = titles.clone();
    by_day.sort();
    assert_eq!(titles.len(), 5);
    assert_eq!(&titles[..2], ["a", "b"]);
    assert_eq!(&titles[4], "e");
    assert_eq!(by_day, ["a", "b", "c", "d", "e"], "each marker once");
    let all = app.api_get("/api/v1/markers").await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    assert!(all["next"].is_null());
    let feb_3 = app
        .api_get("/api/v1/markers?from=2026-02-03&to=2026-02-03&limit=1")
        .await
        .json();
    assert!(feb_3["next"].is_string(), "{feb_3}");
    app.api_get("/api/v1/markers?limit=0")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_limit");
    app.api_get("/api/v1/markers?after=not-ours")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_cursor");
}
