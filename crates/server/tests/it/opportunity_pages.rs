//! The opportunity pages as a rep and a viewer use them: convert from the lead page, the
//! ROI builder with its errors in place, closing won; viewers get no forms.

use reqwest::StatusCode;

use crate::opportunities::sql_lead;
use crate::support::{hidden_value, spawn_app};

/// The deal id a redirect to `/opportunities/{id}` names.
fn deal_in(location: &str) -> String {
    location
        .trim_start_matches("/opportunities/")
        .split(['#', '?'])
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_rep_works_a_deal_in_the_ui_and_a_viewer_only_reads_it() {
    let app = spawn_app().await;
    let lead = sql_lead(&app, "cfo@initech.com").await;
    let rep = app.session("rep@seller.example", "sales").await;
    let page = app.get_with_cookie(&format!("/leads/{lead}"), &rep).await;
    assert!(
        page.text.contains("Convert to opportunity"),
        "{}",
        page.text
    );
    let csrf = hidden_value(&page.text, "csrf").unwrap();
    let r = app
        .post_form(
            &format!("/leads/{lead}/convert"),
            &[("csrf", &csrf), ("role", "economic_buyer")],
            Some(&rep),
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let id = deal_in(r.location());
    let deal = format!("/opportunities/{id}");
    let page = app.get_with_cookie(&deal, &rep).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("economic buyer"));
    assert!(
        page.text.contains("Budget confirmed"),
        "the proposal checklist"
    );

    let r = app
        .post_form(
            &format!("{deal}/roi"),
            &[
                ("csrf", &csrf),
                ("current_cost", "10000"),
                ("savings", "20000"),
                ("horizon", "24"),
            ],
            Some(&rep),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("Cannot exceed current_cost_monthly"),
        "{}",
        r.text
    );
    let r = app
        .post_form(
            &format!("{deal}/roi"),
            &[
                ("csrf", &csrf),
                ("current_cost", "10,000"),
                ("savings", "4000"),
                ("upfront", "12000"),
                ("monthly", "1000"),
                ("horizon", "24"),
                ("rate", "8"),
            ],
            Some(&rep),
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let page = app.get_with_cookie(&deal, &rep).await;
    assert!(page.text.contains("4.0 months"), "payback shown");
    assert!(page.text.contains("Share the estimate"));

    let r = app
        .post_form(
            &format!("{deal}/stage"),
            &[("csrf", &csrf), ("stage", "closed_lost")],
            Some(&rep),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("needs its reason"), "{}", r.text);
    let r = app
        .post_form(
            &format!("{deal}/stage"),
            &[
                ("csrf", &csrf),
                ("stage", "closed_won"),
                ("amount", "30000"),
            ],
            Some(&rep),
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let page = app.get_with_cookie(&deal, &rep).await;
    assert!(
        page.text.contains("30,000.00 USD on"),
        "won amount: {}",
        page.text
    );
    assert_eq!(
        app.api_get(&format!("/api/v1/leads/{lead}")).await.json()["stage"],
        "customer"
    );
    let account = app.api_get(&format!("/api/v1/leads/{lead}")).await.json()["account_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = app
        .get_with_cookie(&format!("/accounts/{account}"), &rep)
        .await;
    assert!(page.text.contains("customer since"), "{}", page.text);
    assert!(page.text.contains("closed won"));
    let list = app.get_with_cookie("/opportunities", &rep).await;
    let row = |stage: &str| {
        let at = list.text.find(&format!("data-stage=\"{stage}\"")).unwrap();
        list.text[at..at + list.text[at..].find("</tr>").unwrap()].to_owned()
    };
    assert!(
        row("closed_won").contains("30,000.00 USD"),
        "the pipeline: {}",
        row("closed_won")
    );
    assert!(row("demo").contains("25%"));
    assert!(list.text.contains("Initech"), "{}", list.text);

    let viewer = app.session("boss@seller.example", "viewer").await;
    let page = app.get_with_cookie(&deal, &viewer).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text.contains("action=\"/opportunities/"),
        "viewers get no forms"
    );
    let vcsrf = hidden_value(&page.text, "csrf").unwrap();
    let r = app
        .post_form(
            &format!("{deal}/notes"),
            &[("csrf", &vcsrf), ("needs_analysis", "x")],
            Some(&viewer),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_form(
            &format!("{deal}/notes"),
            &[("needs_analysis", "x")],
            Some(&rep),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token");
}
