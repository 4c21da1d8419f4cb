//! `POST /api/v1/forms/{key}/submissions`: the HubSpot Forms v3 body, for integrations built
//! for HubSpot. It needs no API key, as HubSpot's own endpoint needs none.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::forms::{THANKS, contact_form};
use crate::support::{send, spawn_app};

fn hubspot_body(email: &str) -> Value {
    json!({
        "fields": [
            {"objectTypeId": "0-1", "name": "email", "value": email},
            {"objectTypeId": "0-1", "name": "firstname", "value": "Hub"},
            {"objectTypeId": "0-1", "name": "lastname", "value": "Spot"},
            {"objectTypeId": "0-1", "name": "company", "value": "Sprocket"},
        ],
        "context": {"pageUri": "https://www.example.com/contact", "pageName": "Contact us"},
        "legalConsentOptions": {"consent": {"consentToProcess": true, "text": "I agree"}},
    })
}

#[tokio::test]
async fn a_hubspot_v3_submission_creates_the_lead() {
    let app = spawn_app().await;
    app.create_form(&contact_form("contact", 0)).await;
    let r = send(
        app.http
            .post(app.url("/api/v1/forms/contact/submissions"))
            .json(&hubspot_body("hub@sprocket.com")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["inlineMessage"], THANKS);
    let lead = app.lead_by_email("hub@sprocket.com").await;
    assert_eq!(
        (lead["first_name"].as_str(), lead["company"].as_str()),
        (Some("Hub"), Some("Sprocket"))
    );
}

/// HubSpot submissions come from integrations' servers: they never carry a render token, so
/// a form with default settings must still take them.
#[tokio::test]
async fn a_hubspot_v3_submission_creates_the_lead_on_a_form_with_default_settings() {
    let app = spawn_app().await;
    let mut form = contact_form("defaults", 0);
    form.as_object_mut().unwrap().remove("min_seconds");
    app.create_form(&form).await;
    let r = send(
        app.http
            .post(app.url("/api/v1/forms/defaults/submissions"))
            .json(&hubspot_body("default@sprocket.com")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        app.leads_matching("default@sprocket.com").await.len(),
        1,
        "the lead was dropped"
    );
}
