//! The report pages' controls: the attribution windows (lookback, half-life, Markov order) with errors said
//! beside their field and carried into the CSV link, the period lists every report shares,
//! the pages reachable from the groups' sub-links, and the self-reported "no answer" label.

use axum::http::StatusCode;
use leadline_core::period::{DEFAULT, NAMES};
use serde_json::json;

use crate::support::{Reply, TestApp, spawn_app};

/// Opens `page?q`, checks each `(name, value)` is kept in its control and carried by the
/// page's CSV link (`page.csv?…`), and answers the CSV that link downloads.
async fn kept_in_controls_and_csv(
    app: &TestApp,
    cookie: &str,
    page: &str,
    q: &str,
    kept: &[(&str, &str)],
) -> Reply {
    let shown = app.get_with_cookie(&format!("{page}?{q}"), cookie).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    for (name, value) in kept {
        assert!(
            shown.text.contains(&format!(
                "name=\"{name}\" inputmode=\"decimal\" value=\"{value}\""
            )),
            "{page}: {name} keeps {value}"
        );
    }
    let at = shown
        .text
        .find(&format!("href=\"{page}.csv?"))
        .expect("a CSV link");
    let href = &shown.text[at..at + shown.text[at..].find("\" ").unwrap()];
    for (name, value) in kept {
        assert!(href.contains(&format!("{name}={value}")), "{href}");
    }
    let link = href.trim_start_matches("href=\"").replace("&amp;", "&");
    let csv = app.get_with_cookie(&link, cookie).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    csv
}

#[tokio::test]
async fn bad_attribution_windows_are_named_beside_their_field_not_a_500() {
    let app = spawn_app().await;
    let cookie = app.session("viewer@vendor.example", "viewer").await;
    for (query, field, said) in [
        (
            "lookback_days=0",
            "lookback_days",
            "expected 1 to 3650 days",
        ),
        (
            "lookback_days=3651",
            "lookback_days",
            "expected 1 to 3650 days",
        ),
        ("lookback_days=ten", "lookback_days", "whole number of days"),
        ("lookback_days=1.5", "lookback_days", "whole number of days"),
        (
            "half_life_days=0",
            "half_life_days",
            "positive number of days",
        ),
        (
            "half_life_days=-2",
            "half_life_days",
            "positive number of days",
        ),
        (
            "half_life_days=soon",
            "half_life_days",
            "positive number of days",
        ),
        ("markov_order=0", "markov_order", "from 1 to 8"),
        ("markov_order=9", "markov_order", "from 1 to 8"),
        ("markov_order=two", "markov_order", "from 1 to 8"),
    ] {
        let page = app
            .get_with_cookie(&format!("/reports/attribution?{query}"), &cookie)
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let beside = format!("<p class=\"field-error\" id=\"e-{field}\" role=\"alert\">");
        let at = page
            .text
            .find(&beside)
            .unwrap_or_else(|| panic!("{query}: no message beside {field}: {}", page.text));
        let message = &page.text[at + beside.len()..];
        let message = &message[..message.find("</p>").unwrap()];
        assert!(message.contains(said), "{query}: {message}");
        assert!(
            page.text.contains(&format!("id=\"i-{field}\""))
                && page
                    .text
                    .contains("aria-invalid=\"true\" aria-describedby=\"e-"),
            "{query}: the input is marked"
        );
        let csv = app
            .get_with_cookie(&format!("/reports/attribution.csv?{query}"), &cookie)
            .await;
        csv.assert_invalid_field(field);
    }
}

#[tokio::test]
async fn attribution_windows_are_kept_in_the_controls_and_the_csv_link() {
    let app = spawn_app().await;
    app.create_lead(&json!({"email": "ana@globex.example"}))
        .await;
    app.settle().await;
    let cookie = app.session("viewer@vendor.example", "viewer").await;
    let q =
        "period=last-7-days&model=time-decay&lookback_days=30&half_life_days=2.5&markov_order=3";
    let kept = [
        ("lookback_days", "30"),
        ("half_life_days", "2.5"),
        ("markov_order", "3"),
    ];
    let csv = kept_in_controls_and_csv(&app, &cookie, "/reports/attribution", q, &kept).await;
    assert!(csv.text.starts_with("channel,time-decay,"), "{}", csv.text);
}

#[tokio::test]
async fn every_report_lists_the_periods_core_knows_with_the_default_chosen() {
    let app = spawn_app().await;
    let cookie = app.session("viewer@vendor.example", "viewer").await;
    // The funnel reports default to a year of cohorts, the others to core's default period:
    // the select shows the period the report was built for.
    for (path, default) in [
        ("/reports/funnel", "last-365-days"),
        ("/reports/sources", "last-365-days"),
        ("/reports/compare", "last-365-days"),
        ("/reports/attribution", DEFAULT),
        ("/reports/roi", DEFAULT),
        ("/reports", DEFAULT),
    ] {
        let page = app.get_with_cookie(path, &cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.text);
        let start = page.text.find("<select id=\"i-period\"").expect(path);
        let select = &page.text[start..start + page.text[start..].find("</select>").unwrap()];
        let listed: Vec<&str> = select
            .split("<option value=\"")
            .skip(1)
            .map(|o| &o[..o.find('"').unwrap()])
            .collect();
        assert_eq!(listed, NAMES, "{path}");
        assert!(
            select.contains(&format!("value=\"{default}\" selected")),
            "{path}: {select}"
        );
    }
    let chosen = app
        .get_with_cookie("/reports/sources?period=last-7-days", &cookie)
        .await;
    assert!(chosen.text.contains("value=\"last-7-days\" selected"));
}

#[tokio::test]
async fn pages_off_the_main_nav_are_linked_from_their_group_for_roles_that_may_see_them() {
    let app = spawn_app().await;
    let viewer = app.session("viewer@vendor.example", "viewer").await;
    let marketer = app.session("mo@vendor.example", "marketer").await;
    let nav = |html: &str| {
        let at = html
            .find("<nav aria-label=\"Main\">")
            .expect("the main nav");
        html[at..at + html[at..].find("</nav>").unwrap()].to_owned()
    };
    let reports = app.get_with_cookie("/reports", &viewer).await.text;
    for href in [
        "/costs",
        "/reports/followup",
        "/reports/funnel",
        "/reports/attribution",
    ] {
        assert!(
            reports.contains(&format!("<a href=\"{href}\">")),
            "{href} from /reports"
        );
        assert!(
            !nav(&reports).contains(&format!("href=\"{href}\"")),
            "{href} off the main nav"
        );
    }
    for path in ["/costs", "/reports/followup"] {
        let page = app.get_with_cookie(path, &viewer).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            nav(&page.text).contains("href=\"/reports\" aria-current=\"page\""),
            "{path} marks Reports"
        );
    }
    let leads = app.get_with_cookie("/leads", &viewer).await.text;
    assert!(leads.contains("<a href=\"/duplicates\">"));
    assert!(
        !leads.contains("href=\"/imports\""),
        "viewers may not import"
    );
    let leads = app.get_with_cookie("/leads", &marketer).await.text;
    assert!(leads.contains("<a href=\"/imports\">"));
    assert!(!nav(&leads).contains("href=\"/imports\""));
}

#[tokio::test]
async fn leads_who_gave_no_answer_are_counted_under_one_label() {
    let app = spawn_app().await;
    app.create_lead(&json!({"email": "ana@globex.example"}))
        .await;
    app.settle().await;
    let r = app
        .api_get("/api/v1/reports/attribution?period=last-7-days")
        .await
        .json();
    assert_eq!(r["self_reported"], json!([["(no answer)", 1]]), "{r}");
    let now = leadline_store::now_ms();
    let counted = app
        .store
        .self_reported(now - 86_400_000, now + 86_400_000)
        .await
        .unwrap();
    assert_eq!(counted, vec![("(no answer)".to_owned(), 1)]);
}

#[tokio::test]
async fn roi_takes_the_attribution_windows_and_names_a_bad_one() {
    let app = spawn_app().await;
    app.create_lead(&json!({"email": "ana@globex.example"}))
        .await;
    app.settle().await;
    let cookie = app.session("viewer@vendor.example", "viewer").await;
    let page = app
        .get_with_cookie("/reports/roi?model=markov&markov_order=9", &cookie)
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains("<p class=\"field-error\" id=\"e-markov_order\" role=\"alert\">"),
        "{}",
        page.text
    );
    app.get_with_cookie("/reports/roi.csv?markov_order=0", &cookie)
        .await
        .assert_invalid_field("markov_order");
    for (query, field) in [
        ("lookback_days=0", "lookback_days"),
        ("half_life_days=-1", "half_life_days"),
        ("model=markov&markov_order=0", "markov_order"),
    ] {
        let e = app
            .api_get(&format!("/api/v1/reports/roi?{query}"))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(e["error"]["field"], field, "{query}");
    }
    let q = "period=last-7-days&model=markov&lookback_days=30&markov_order=2";
    let kept = [("lookback_days", "30"), ("markov_order", "2")];
    kept_in_controls_and_csv(&app, &cookie, "/reports/roi", q, &kept).await;
    let r = app
        .api_get(&format!("/api/v1/reports/roi?{q}&by=channel"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["total"]["leads"], 1.0);
}
