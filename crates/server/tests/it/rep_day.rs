//! The rep's day over HTTP: the assignments API acting for a named rep (field-named 422s,
//! 409 for someone else's lead), referrals, notifications, the team lead; and the same in
//! the web UI with sessions, CSRF and roles.

use leadline_core::Stage;
use leadline_core::policy::Policy;
use leadline_core::routing::{Assign, RoutingRule};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, hidden_value, spawn_app};

/// One rule giving every MQL to `rep`, accept within 4 h.
async fn rule_for(app: &TestApp, rep: &str) {
    let rule = RoutingRule {
        name: "Everything to one rep".into(),
        when: String::new(),
        assign: Assign {
            owner: Some(rep.to_owned()),
            ..Default::default()
        },
        account_owner_first: false,
        accept_within_hours: Some(4.0),
        first_touch_within_hours: Some(24.0),
    };
    app.store
        .set_policy(Policy {
            routing: vec![rule],
            ..Default::default()
        })
        .await
        .unwrap();
    let always = leadline_core::business_hours::Calendar {
        time_zone: "UTC".into(),
        hours: leadline_core::business_hours::WeeklyHours::every_day(Some("00:00-24:00")),
        holidays: vec![],
    };
    app.store.set_team_calendar(&always).await.unwrap();
}

/// A lead made MQL and routed: its id.
async fn mql(app: &TestApp, email: &str) -> String {
    let lead = app
        .create_lead(&json!({ "email": email, "company": "Globex" }))
        .await;
    let id = lead["id"].as_str().unwrap().to_owned();
    let now = leadline_store::now_ms();
    app.store
        .change_stage(&id, Stage::Mql, None, "demo request", now)
        .await
        .unwrap();
    app.store.route_pending(now + 1, 100).await.unwrap();
    assert!(
        app.store.open_assignment(&id).await.unwrap().is_some(),
        "routed"
    );
    id
}

async fn user_id(app: &TestApp, email: &str) -> String {
    app.store.user_for_login(email).await.unwrap().unwrap().0.id
}

#[tokio::test]
async fn an_api_key_acts_for_the_owning_rep_and_is_refused_by_field_otherwise() {
    let app = spawn_app().await;
    app.add_user("rep@seller.example", "sales", "pw-pw-pw-pw")
        .await;
    app.add_user("other@seller.example", "sales", "pw-pw-pw-pw")
        .await;
    let rep = user_id(&app, "rep@seller.example").await;
    let other = user_id(&app, "other@seller.example").await;
    rule_for(&app, &rep).await;
    let lead = mql(&app, "cto@globex.example").await;

    let r = app
        .api_get(&format!("/api/v1/assignments?owner={rep}&open=true"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["lead_id"], lead.as_str());
    assert_eq!(items[0]["deadline"], "accept");
    assert!(items[0]["accept_due_at"].as_str().unwrap().ends_with('Z'));
    app.api_get("/api/v1/assignments?open=maybe")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_open");

    let accept = format!("/api/v1/leads/{lead}/accept");
    let e = app
        .api_post(&accept, &json!({}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "rep");
    app.api_post(&accept, &json!({"rep": other}))
        .await
        .assert_error(StatusCode::CONFLICT, "not_your_lead");
    let r = app.api_post(&accept, &json!({"rep": rep})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json()["assignment"]["accepted_at"].is_string());
    app.api_post(&accept, &json!({"rep": rep}))
        .await
        .assert_error(StatusCode::CONFLICT, "already_accepted");

    let touches = format!("/api/v1/leads/{lead}/touches");
    let e = app
        .api_post(&touches, &json!({"rep": rep, "kind": "fax"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "kind");
    app.api_post(&touches, &json!({"rep": other, "kind": "call"}))
        .await
        .assert_error(StatusCode::CONFLICT, "not_your_lead");
    let r = app
        .api_post(
            &touches,
            &json!({"rep": rep, "kind": "call", "outcome": "reached", "note": "wants a demo"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(r.json()["assignment"]["first_touch_at"].is_string());
    let timeline = app.timeline(&lead).await;
    assert!(
        timeline
            .iter()
            .any(|a| a["name"] == "call: reached — wants a demo"),
        "{timeline:?}"
    );

    let next = format!("/api/v1/leads/{lead}/next_step");
    let e = app
        .api_put(&next, &json!({"rep": rep, "text": "Demo", "at": "friday"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "at");
    let r = app
        .api_put(
            &next,
            &json!({"rep": rep, "text": "Demo", "at": "2030-01-02T10:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json()["assignment"]["next_step_at"],
        "2030-01-02T10:00:00Z"
    );

    let reject = format!("/api/v1/leads/{lead}/reject");
    let e = app
        .api_post(&reject, &json!({"rep": rep, "reason": "meh"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "reason");
    let e = app
        .api_post(&reject, &json!({"rep": rep, "reason": "other"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "note");
    let r = app
        .api_post(&reject, &json!({"rep": rep, "reason": "no budget"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["stage"], "recycled");
    let r = app
        .api_get(&format!("/api/v1/assignments?owner={rep}"))
        .await;
    assert!(
        r.json()["items"].as_array().unwrap().is_empty(),
        "no longer open"
    );
    // Leaders read why reps reject leads in the follow-up report.
    let r = app.api_get("/api/v1/reports/followup?by=reason").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let report = r.json();
    let rows = report["items"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|row| row["key"].as_str().unwrap_or("").contains("budget")),
        "{report}"
    );
}

#[tokio::test]
async fn referrals_notifications_and_team_leads_over_the_api() {
    let app = spawn_app().await;
    app.add_user("rep@seller.example", "sales", "pw-pw-pw-pw")
        .await;
    app.add_user("boss@seller.example", "sales", "pw-pw-pw-pw")
        .await;
    let rep = user_id(&app, "rep@seller.example").await;
    let boss = user_id(&app, "boss@seller.example").await;

    let e = app
        .api_post("/api/v1/referrals", &json!({"rep": rep, "email": "nope"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "email");
    let r = app
        .api_post("/api/v1/referrals", &json!({"rep": rep, "email": "friend@partner.example", "name": "Grace Hopper", "company": "Partner"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let lead = r.json()["lead_id"].as_str().unwrap().to_owned();
    let l = app.lead_by_email("friend@partner.example").await;
    assert_eq!(l["source_channel"], "sales_referral");
    let items = app
        .api_get(&format!("/api/v1/assignments?owner={rep}"))
        .await
        .json()["items"]
        .clone();
    assert_eq!(items[0]["lead_id"], lead.as_str());
    assert_eq!(items[0]["rule"], "sales referral");

    rule_for(&app, &rep).await;
    mql(&app, "new@globex.example").await;
    let r = app
        .api_get(&format!("/api/v1/users/{rep}/notifications?unread=true"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let notes = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["kind"], "assigned");
    assert!(notes[0]["created_at"].as_str().unwrap().ends_with('Z'));
    let r = app
        .api_post(
            &format!("/api/v1/users/{rep}/notifications/read"),
            &json!({}),
        )
        .await;
    assert_eq!(r.json()["marked"], 1);
    app.api_get("/api/v1/users/nobody/notifications")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    let e = app
        .api_put(
            &format!("/api/v1/users/{rep}/team_lead"),
            &json!({"team_lead": "nobody"}),
        )
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(e["error"]["field"], "team_lead");
    let r = app
        .api_put(
            &format!("/api/v1/users/{rep}/team_lead"),
            &json!({"team_lead": boss}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["team_lead"], boss.as_str());
}

#[tokio::test]
async fn a_rep_works_their_inbox_in_the_ui_and_others_cannot() {
    let app = spawn_app().await;
    let cookie = app.session("rep@seller.example", "sales").await;
    let rep = user_id(&app, "rep@seller.example").await;
    let viewer = app.session("viewer@seller.example", "viewer").await;
    let other = app.session("other@seller.example", "sales").await;
    rule_for(&app, &rep).await;
    let lead = mql(&app, "cto@globex.example").await;

    let page = app.get_with_cookie("/inbox", &cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text.contains(&format!("/leads/{lead}")),
        "{}",
        page.text
    );
    assert!(page.text.contains("accept due in"), "{}", page.text);
    assert!(
        page.text.contains("id=\"unread-count\">1<"),
        "the bell counts the assignment"
    );
    assert_eq!(
        app.get_with_cookie("/inbox", &viewer).await.status,
        StatusCode::FORBIDDEN
    );
    let peek = app
        .get_with_cookie(&format!("/inbox?rep={rep}"), &other)
        .await;
    assert_eq!(
        peek.status,
        StatusCode::FORBIDDEN,
        "a rep sees only their own inbox"
    );

    let csrf = hidden_value(&page.text, "csrf").unwrap();
    let lead_page = app
        .get_with_cookie(&format!("/leads/{lead}"), &cookie)
        .await;
    assert!(
        lead_page.text.contains("/accept\""),
        "the owner gets the Accept button"
    );
    let not_owner = app.get_with_cookie(&format!("/leads/{lead}"), &other).await;
    assert!(!not_owner.text.contains("/accept\""), "others do not");

    let accept = format!("/leads/{lead}/accept");
    let r = app.post_form(&accept, &[], Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token, no accept");
    let r = app
        .post_form(&accept, &[("csrf", &csrf)], Some(&cookie))
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let r = app
        .post_form(
            &format!("/leads/{lead}/touch"),
            &[("csrf", &csrf), ("kind", "call"), ("outcome", "reached")],
            Some(&cookie),
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let r = app
        .post_form(
            &format!("/leads/{lead}/next_step"),
            &[("csrf", &csrf), ("text", "Send proposal"), ("at", "soon")],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("expected a time"),
        "the error sits by its field"
    );
    let r = app
        .post_form(
            &format!("/leads/{lead}/next_step"),
            &[
                ("csrf", &csrf),
                ("text", "Send proposal"),
                ("at", "2030-01-02T10:00"),
            ],
            Some(&cookie),
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let lead_page = app
        .get_with_cookie(&format!("/leads/{lead}"), &cookie)
        .await;
    assert!(
        lead_page.text.contains("Send proposal"),
        "{}",
        lead_page.text
    );
    assert!(lead_page.text.contains("call · reached") || lead_page.text.contains("call: reached"));

    let r = app
        .post_form(
            "/inbox/referral",
            &[("csrf", &csrf), ("email", "not an email")],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            "/inbox/referral",
            &[
                ("csrf", &csrf),
                ("email", "pal@partner.example"),
                ("name", "Pal"),
            ],
            Some(&cookie),
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let inbox = app.get_with_cookie("/inbox", &cookie).await;
    assert!(inbox.text.contains("Pal"), "{}", inbox.text);

    let notes = app.get_with_cookie("/notifications", &cookie).await;
    assert!(
        notes.text.contains("New lead: cto@globex.example"),
        "{}",
        notes.text
    );
    let r = app
        .post_form("/notifications/read", &[("csrf", &csrf)], Some(&cookie))
        .await;
    assert!(r.status.is_redirection());
    let page = app.get_with_cookie("/inbox", &cookie).await;
    assert!(!page.text.contains("unread-count"), "all read");
}

#[tokio::test]
async fn a_reject_without_a_reason_is_shown_again_and_with_one_recycles_the_lead() {
    let app = spawn_app().await;
    let cookie = app.session("rep@seller.example", "sales").await;
    let rep = user_id(&app, "rep@seller.example").await;
    rule_for(&app, &rep).await;
    let lead = mql(&app, "cfo@globex.example").await;
    let page = app
        .get_with_cookie(&format!("/leads/{lead}"), &cookie)
        .await;
    let csrf = hidden_value(&page.text, "csrf").unwrap();
    let reject = format!("/leads/{lead}/reject");
    let r = app
        .post_form(&reject, &[("csrf", &csrf), ("note", "meh")], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("choose one of not_a_fit"), "{}", r.text);
    let r = app
        .post_form(
            &reject,
            &[("csrf", &csrf), ("reject_reason", "no_budget")],
            Some(&cookie),
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let l = app.api_get(&format!("/api/v1/leads/{lead}")).await.json();
    assert_eq!(l["stage"], "recycled");
    assert!(l["owner_id"].is_null());
}
