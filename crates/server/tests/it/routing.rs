//! The manager's side of routing over HTTP: rules read and replaced through the API (errors
//! naming `rules[i].field`, the rest of the policy untouched), the "test this lead" preview
//! explaining which rule fires and why, reps' calendars and out-of-office, the team
//! calendar, the follow-up report, and the pages a manager clicks.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, hidden_value, send, spawn_app};

/// Two sales reps (ids), and a team calendar open around the clock so the tests read the
/// same at any hour.
async fn two_reps(app: &TestApp) -> (String, String) {
    let always = json!({"time_zone": "UTC", "hours": {
        "monday": "00:00-24:00", "tuesday": "00:00-24:00", "wednesday": "00:00-24:00",
        "thursday": "00:00-24:00", "friday": "00:00-24:00", "saturday": "00:00-24:00",
        "sunday": "00:00-24:00"}, "holidays": []});
    let r = app.api_put("/api/v1/team_calendar", &always).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut ids = Vec::new();
    for name in ["ana", "ben"] {
        let u = app
            .store
            .create_user(&format!("{name}@seller.example"), name, "sales", None)
            .await
            .unwrap();
        ids.push(u.id);
    }
    (ids[0].clone(), ids[1].clone())
}

fn rules(a: &str, b: &str) -> Value {
    json!({"rules": [
        {"name": "Germany", "when": "country = \"DE\"", "assign": {"owner": a}},
        {"name": "Inbound team", "when": "", "accept_within_hours": 4, "first_touch_within_hours": 24,
         "assign": {"team": "inbound", "method": "round_robin", "members": [{"rep": a}, {"rep": b}]}}
    ]})
}

#[tokio::test]
async fn routing_rules_are_replaced_whole_and_a_bad_rule_names_its_field() {
    let app = spawn_app().await;
    let (a, b) = two_reps(&app).await;
    let mql_before = app.store.policy().lifecycle.mql.clone();

    let r = app.api_put("/api/v1/routing/rules", &rules(&a, &b)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let got = app.api_get("/api/v1/routing/rules").await.json();
    assert_eq!(got["rules"][1]["name"], "Inbound team");
    assert_eq!(got["rules"][1]["assign"]["members"][1]["rep"], b.as_str());
    assert_eq!(
        app.store.policy().lifecycle.mql,
        mql_before,
        "the rest of the policy stays"
    );

    let mut bad = rules(&a, &b);
    bad["rules"][1]["when"] = json!("country = ");
    let e = app
        .api_put("/api/v1/routing/rules", &bad)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "rules[1].when");

    let mut bad = rules(&a, &b);
    bad["rules"][1]["assign"]["method"] = json!("capacity");
    let e = app
        .api_put("/api/v1/routing/rules", &bad)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "rules[1].assign.members[0].capacity");

    let mut bad = rules(&a, &b);
    bad["rules"][1]["assign"]["members"][1]["rep"] = json!("someone-else");
    let e = app
        .api_put("/api/v1/routing/rules", &bad)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "rules[1].assign.members[1].rep");

    let got = app.api_get("/api/v1/routing/rules").await.json();
    assert_eq!(got["rules"][1]["when"], "", "refused rules are not saved");
}

#[tokio::test]
async fn the_preview_says_which_rule_fires_and_skips_a_rep_who_is_out_of_office() {
    let app = spawn_app().await;
    let (a, b) = two_reps(&app).await;
    app.api_put("/api/v1/routing/rules", &rules(&a, &b)).await;
    app.create_lead(&json!({"email": "lee@acme.example", "country": "US"}))
        .await;

    let r = app
        .api_post(
            "/api/v1/routing/preview",
            &json!({"lead_id": "lee@acme.example"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let p = r.json();
    assert_eq!(p["outcome"], "assigned");
    assert_eq!(p["rule"], "Inbound team");
    assert_eq!(p["rule_index"], 1);
    assert_eq!(p["via"], "round_robin");
    assert_eq!(p["owner"]["email"], "ana@seller.example");
    let why = p["explanation"].to_string();
    assert!(why.contains("rule 'Germany' did not match"), "{why}");
    assert!(
        p["accept_due_at"].is_string() && p["touch_due_at"].is_string(),
        "{p}"
    );

    // Ana is away: the team passes her over, and the preview says so.
    let away = json!({"out_of_office_from": "2020-01-01T00:00:00Z", "out_of_office_until": "2999-01-01T00:00:00Z"});
    let r = app.api_put(&format!("/api/v1/reps/{a}"), &away).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["out_of_office_until"], "2999-01-01T00:00:00Z");
    let p = app
        .api_post(
            "/api/v1/routing/preview",
            &json!({"lead_id": "lee@acme.example"}),
        )
        .await
        .json();
    assert_eq!(p["owner"]["email"], "ben@seller.example", "{p}");
    let why = p["explanation"].to_string();
    assert!(
        why.contains("ana@seller.example skipped: out of office"),
        "{why}"
    );

    let e = app
        .api_post(
            "/api/v1/routing/preview",
            &json!({"lead_id": "nobody@acme.example"}),
        )
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "lead_id");
}

#[tokio::test]
async fn rep_profiles_and_the_team_calendar_refuse_bad_input_naming_the_field() {
    let app = spawn_app().await;
    let (a, _) = two_reps(&app).await;
    let bad_hours = json!({"calendar": {"time_zone": "UTC", "hours": {"monday": "9-5"}}});
    let e = app
        .api_put(&format!("/api/v1/reps/{a}"), &bad_hours)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "calendar.hours.monday");
    let backwards = json!({"out_of_office_from": "2026-12-10T00:00:00Z", "out_of_office_until": "2026-12-01T00:00:00Z"});
    let e = app
        .api_put(&format!("/api/v1/reps/{a}"), &backwards)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "out_of_office_until");
    app.api_put("/api/v1/reps/no-such-user", &json!({}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let e = app
        .api_put(
            "/api/v1/team_calendar",
            &json!({"time_zone": "Mars/Olympus", "hours": {"monday": "09:00-17:00"}}),
        )
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "time_zone");

    let reps = app.api_get("/api/v1/reps").await.json();
    assert_eq!(reps["items"].as_array().unwrap().len(), 2);
    assert_eq!(reps["items"][0]["open_assignments"], 0);
    assert!(reps["items"][0]["calendar"].is_null(), "still the team's");
}

#[tokio::test]
async fn the_followup_report_groups_by_the_key_asked_and_refuses_an_unknown_one() {
    let app = spawn_app().await;
    let r = app
        .api_get("/api/v1/reports/followup?by=month&from=2026-01-01&to=2026-12-31")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["by"], "month");
    assert_eq!(body["from"], "2026-01-01T00:00:00Z");
    assert_eq!(body["items"][0]["key"], "total");
    let e = app
        .api_get("/api/v1/reports/followup?by=planet")
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "by");
}

#[tokio::test]
async fn a_manager_adds_a_rule_through_the_form_and_sees_a_bad_condition_beside_its_field() {
    let app = spawn_app().await;
    let (a, b) = two_reps(&app).await;
    let cookie = app.session("ops@vendor.example", "marketer").await;
    let page = app.get_with_cookie("/routing", &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let csrf = hidden_value(&page.text, "csrf").unwrap();
    let member_a = format!("member_{a}");
    let member_b = format!("member_{b}");
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("name", "Inbound"),
        ("when", "country = "),
        ("target", "team"),
        ("team", "inbound"),
        ("method", "round_robin"),
        (member_a.as_str(), "on"),
        (member_b.as_str(), "on"),
        ("accept_within_hours", "4"),
    ];
    let r = app.post_form("/routing/rules", &form, Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("id=\"e-when\""),
        "the error sits beside the condition"
    );
    assert!(app.store.policy().routing.is_empty());

    form[2] = ("when", "");
    let r = app.post_form("/routing/rules", &form, Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let rules = app.store.policy().routing.clone();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].assign.members.len(), 2);
    assert_eq!(rules[0].accept_within_hours, Some(4.0));

    let viewer = app.session("cfo@vendor.example", "viewer").await;
    let r = app.get_with_cookie("/routing", &viewer).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.get_with_cookie("/reports/followup", &viewer).await;
    assert_eq!(r.status, StatusCode::OK, "leaders read the report");
}

#[tokio::test]
async fn a_rep_may_set_their_own_absence_but_not_a_colleagues() {
    let app = spawn_app().await;
    let (_, b) = two_reps(&app).await;
    let cookie = app.session("cy@seller.example", "sales").await;
    let me = app
        .store
        .rep_overviews()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.email == "cy@seller.example")
        .unwrap()
        .user_id;
    let away = json!({"out_of_office_from": "2026-12-24T00:00:00Z", "out_of_office_until": "2027-01-04T09:00:00Z"});
    let put = |id: String| {
        send(
            app.http
                .put(app.url(&format!("/api/v1/reps/{id}")))
                .header(reqwest::header::COOKIE, &cookie)
                .json(&away),
        )
    };
    let r = put(me).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["out_of_office_from"], "2026-12-24T00:00:00Z");
    put(b)
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn the_rep_form_shows_a_bad_weekday_beside_its_field_and_the_report_downloads_as_csv() {
    let app = spawn_app().await;
    let (a, _) = two_reps(&app).await;
    let cookie = app.session("ops@vendor.example", "marketer").await;
    let page = app.get_with_cookie(&format!("/reps/{a}"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let csrf = hidden_value(&page.text, "csrf").unwrap();
    let form = [
        ("csrf", csrf.as_str()),
        ("calendar", "own"),
        ("time_zone", "Europe/Berlin"),
        ("hours_monday", "9 to 5"),
        ("out_of_office_from", ""),
        ("out_of_office_until", ""),
    ];
    let r = app
        .post_form(&format!("/reps/{a}"), &form, Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"e-hours_monday\""), "{}", r.text);
    let mut ok = form;
    ok[3] = ("hours_monday", "09:00-17:00");
    ok[4] = ("out_of_office_from", "2026-12-24T00:00");
    let r = app
        .post_form(&format!("/reps/{a}"), &ok, Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let rep = app.api_get(&format!("/api/v1/reps/{a}")).await.json();
    assert_eq!(rep["calendar"]["time_zone"], "Europe/Berlin");
    assert_eq!(rep["out_of_office_from"], "2026-12-24T00:00:00Z");

    let csv = app
        .get_with_cookie("/reports/followup.csv?by=team", &cookie)
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type().starts_with("text/csv"));
    assert!(csv.text.starts_with("key,assigned,"), "{}", csv.text);
}

#[tokio::test]
async fn the_rep_form_names_a_team_lead_and_refuses_the_rep_themself() {
    let app = spawn_app().await;
    let (a, b) = two_reps(&app).await;
    let cookie = app.session("ops@vendor.example", "marketer").await;
    let page = app.get_with_cookie(&format!("/reps/{a}"), &cookie).await;
    assert!(
        page.text.contains(&format!("value=\"{b}\"")),
        "{}",
        page.text
    );
    let csrf = hidden_value(&page.text, "csrf").unwrap();
    let post = |lead: String| {
        let (csrf, cookie, path) = (csrf.clone(), cookie.clone(), format!("/reps/{a}"));
        let app = &app;
        async move {
            let form = [
                ("csrf", csrf.as_str()),
                ("calendar", "team"),
                ("team_lead", &lead),
            ];
            app.post_form(&path, &form, Some(&cookie)).await
        }
    };
    let r = post(b.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(app.store.team_lead(&a).await.unwrap(), Some(b.clone()));
    // A forged post naming the rep as their own lead is refused beside the field.
    let r = post(a.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"e-team_lead\""), "{}", r.text);
    assert_eq!(app.store.team_lead(&a).await.unwrap(), Some(b.clone()));
    let r = post(String::new()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(app.store.team_lead(&a).await.unwrap(), None);
}

#[tokio::test]
async fn a_sales_ready_lead_no_rule_takes_is_listed_as_waiting_with_the_reason() {
    let app = spawn_app().await;
    let (a, _) = two_reps(&app).await;
    let germany =
        json!({"rules": [{"name": "Germany", "when": "country = \"DE\"", "assign": {"owner": a}}]});
    app.api_put("/api/v1/routing/rules", &germany).await;
    let lead = app
        .create_lead(&json!({"email": "lee@acme.example", "country": "US"}))
        .await;
    let id = lead["id"].as_str().unwrap();
    let r = app
        .api_post(
            &format!("/api/v1/leads/{id}/stage"),
            &json!({"stage": "mql", "reason": "asked for pricing"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The routing worker tries it within seconds; poll with a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let items = loop {
        let page = app.api_get("/api/v1/routing/waiting").await.json();
        let items = page["items"].as_array().unwrap().clone();
        if !items.is_empty() {
            break items;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the lead was never tried"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(items[0]["email"], "lee@acme.example");
    let reason = items[0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("no routing rule matched"), "{reason}");
    assert!(reason.contains("Germany"), "{reason}");
    let cookie = app.session("ops@vendor.example", "marketer").await;
    let page = app.get_with_cookie("/routing", &cookie).await;
    assert!(page.text.contains("lee@acme.example"), "listed on the page");
}
