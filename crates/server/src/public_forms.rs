//! Public forms: the hosted page `GET /f/{key}`, the embed script `GET /f/{key}.js` (with its
//! JSON `GET /f/{key}.json`), submissions `POST /f/{key}` (a plain HTML post or JSON, from
//! any origin), and the HubSpot Forms v3 body at `POST /api/v1/forms/{key}/submissions`.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use leadline_core::form::{FieldError, KnownProfile, Verdict, check_submission};
use leadline_core::{Activity, CaptureEvent, Email};
use leadline_store::forms::Form;

use crate::error::ApiError;
use crate::state::AppState;

mod render;
mod token;

pub use render::{embed_script, form_json, hosted_page};

/// The cookie that remembers an anonymous visitor on the hosted form pages.
pub const VISITOR_COOKIE: &str = "ll_vid";

/// `GET /f/{key}`, `/f/{key}.js`, `/f/{key}.json`.
pub async fn get(
    State(st): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let (key, kind) = match key.rsplit_once('.') {
        Some((k, "js")) => (k.to_owned(), "js"),
        Some((k, "json")) => (k.to_owned(), "json"),
        _ => (key, "html"),
    };
    let form = match st.store.form_by_key(&key).await {
        Ok(f) => f,
        Err(_) => return not_found(kind),
    };
    match kind {
        "js" => embed_script(&st, &form, &headers),
        "json" => form_json(&st, &form, q.get("anonymous_id").map(String::as_str)).await,
        _ => hosted_page(&st, &form, &q, &headers, None).await,
    }
}

fn not_found(kind: &str) -> Response {
    match kind {
        "html" => (StatusCode::NOT_FOUND, Html("<!doctype html><title>Form not found</title><p>This form does not exist or was archived.</p>".to_owned())).into_response(),
        _ => ApiError::not_found("form").into_response(),
    }
}

/// What happened to a submission.
pub enum Submitted {
    Accepted {
        message: String,
        redirect: Option<String>,
    },
    Invalid(Vec<FieldError>),
}

/// One submission from any of the three doors, already split into answers and metadata.
pub struct Submission {
    pub answers: BTreeMap<String, String>,
    pub anonymous_id: Option<String>,
    pub token: Option<String>,
    pub page_url: Option<String>,
    pub referrer: Option<String>,
    pub ip: String,
}

/// Checks and captures a submission. Spam is answered like success (bots learn nothing)
/// but stores nothing.
pub async fn submit(st: &AppState, form: &Form, sub: Submission) -> Result<Submitted, ApiError> {
    if st
        .form_limiter
        .check_key(&format!("{}|{}", sub.ip, form.id))
        .is_err()
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many submissions from your address; please wait a minute",
        ));
    }
    let now = leadline_store::now_ms();
    let def = &form.definition;
    let thanks = || Submitted::Accepted {
        message: def
            .thank_you
            .clone()
            .unwrap_or_else(|| "Thank you! We will be in touch.".into()),
        redirect: def.redirect_url.clone(),
    };
    let rendered_at = match sub.token.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => match token::verify(&st.secret, &form.id, t) {
            Some(at) => Some(at),
            None => {
                metrics::counter!("leadline_form_spam_total", "reason" => "forged_token")
                    .increment(1);
                return Ok(thanks());
            }
        },
        None => None,
    };
    let known = known_profile(st, sub.anonymous_id.as_deref()).await?;
    let answers = match check_submission(def, known.as_ref(), &sub.answers, rendered_at, now) {
        Verdict::Accept(a) => *a,
        Verdict::Spam(reason) => {
            metrics::counter!("leadline_form_spam_total", "reason" => reason).increment(1);
            return Ok(thanks());
        }
        Verdict::Invalid(errors) => return Ok(Submitted::Invalid(errors)),
    };
    let message_id = match (&sub.token, rendered_at) {
        // One rendered form is one submission: a double click does not count twice.
        (Some(t), Some(_)) => format!("form:{}:{}", form.id, t),
        _ => format!("form:{}:{}", form.id, leadline_store::new_id()),
    };
    let mut ev = CaptureEvent::new(
        message_id,
        Activity::FormSubmitted,
        now,
        format!("form:{}", form.id),
    );
    ev.name = Some(form.name.clone());
    ev.anonymous_id = sub.anonymous_id.clone();
    ev.email = answers.email;
    ev.traits = answers.traits;
    ev.channel = def.channel;
    ev.campaign = def.campaign.clone();
    let cap = |k: &str| answers.captured.get(k).cloned();
    ev.utm = leadline_core::capture::Utm {
        source: cap("utm_source"),
        medium: cap("utm_medium"),
        campaign: cap("utm_campaign"),
        term: cap("utm_term"),
        content: cap("utm_content"),
    };
    ev.page_url = cap("page_url").or(sub.page_url);
    ev.referrer = cap("referrer").or(sub.referrer);
    ev.initial_stage = def.stage;
    let visible: BTreeMap<&String, &String> = sub
        .answers
        .iter()
        .filter(|(k, _)| !k.starts_with('_') && k.as_str() != leadline_core::form::HONEYPOT_FIELD)
        .collect();
    ev.properties =
        serde_json::json!({ "form_key": form.key, "answers": visible, "page_url": ev.page_url });
    st.capturer.capture(vec![ev]).await?;
    metrics::counter!("leadline_form_submissions_total").increment(1);
    Ok(thanks())
}

async fn known_profile(
    st: &AppState,
    anonymous_id: Option<&str>,
) -> Result<Option<KnownProfile>, ApiError> {
    let Some(anon) = anonymous_id.filter(|a| !a.is_empty() && a.len() <= 100) else {
        return Ok(None);
    };
    let Some(lead_id) = st.store.lead_for_visitor(anon).await? else {
        return Ok(None);
    };
    let lead = st.store.get_lead(&lead_id).await?;
    let mut traits = leadline_core::Traits::default();
    for (k, v) in [
        ("first_name", &lead.first_name),
        ("last_name", &lead.last_name),
        ("title", &lead.title),
        ("phone", &lead.phone),
        ("company", &lead.company),
        ("country", &lead.country),
        ("website", &lead.website),
    ] {
        if let Some(v) = v {
            traits.set(k, v);
        }
    }
    if let Some(obj) = lead.custom.as_object() {
        for (k, v) in obj {
            if let Some(v) = v.as_str() {
                traits.set(k, v);
            }
        }
    }
    Ok(Some(KnownProfile {
        email: lead.email.as_deref().and_then(|e| Email::parse(e).ok()),
        traits,
    }))
}

/// `POST /f/{key}`: a plain HTML form post (urlencoded) or JSON from the embed script.
pub async fn post(
    State(st): State<AppState>,
    Path(key): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = match st.store.form_by_key(&key).await {
        Ok(f) => f,
        Err(_) => return ApiError::not_found("form").into_response(),
    };
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let mut fields: BTreeMap<String, String> = if is_json {
        match serde_json::from_slice::<BTreeMap<String, serde_json::Value>>(&body) {
            Ok(m) => m
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        v.as_str().map(str::to_owned).unwrap_or_else(|| {
                            if v.is_null() {
                                String::new()
                            } else {
                                v.to_string()
                            }
                        }),
                    )
                })
                .collect(),
            Err(e) => {
                return ApiError::bad_request(
                    "malformed_json",
                    format!("the body is not a JSON object of answers: {e}"),
                )
                .into_response();
            }
        }
    } else {
        form_urlencoded_pairs(&body)
    };
    let cookie_vid = crate::auth::cookie(&headers, VISITOR_COOKIE).map(str::to_owned);
    let sub = Submission {
        anonymous_id: fields
            .remove("_anonymous_id")
            .filter(|v| !v.is_empty())
            .or(cookie_vid),
        token: fields.remove("_token"),
        page_url: fields.remove("_page_url"),
        referrer: fields.remove("_referrer").or_else(|| {
            headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        }),
        ip: addr.ip().to_string(),
        answers: fields,
    };
    let values = sub.answers.clone();
    let result = submit(&st, &form, sub).await;
    match (is_json, result) {
        (_, Err(e)) if !is_json => render::error_page(e),
        (_, Err(e)) => e.into_response(),
        (true, Ok(Submitted::Accepted { message, redirect })) => axum::Json(
            serde_json::json!({"ok": true, "message": message, "redirect_url": redirect}),
        )
        .into_response(),
        (true, Ok(Submitted::Invalid(errors))) => {
            let first = &errors[0];
            let body = serde_json::json!({"error": {"code": "invalid_field", "message": first.message, "field": first.field}, "errors": errors});
            (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
        }
        (
            false,
            Ok(Submitted::Accepted {
                redirect: Some(url),
                ..
            }),
        ) => Redirect::to(&url).into_response(),
        (false, Ok(Submitted::Accepted { message, .. })) => {
            render::thank_you_page(&st, &form, &message)
        }
        (false, Ok(Submitted::Invalid(errors))) => {
            let mut q = values;
            q.insert(
                "__errors".into(),
                serde_json::to_string(&errors).unwrap_or_default(),
            );
            let mut resp = hosted_page(&st, &form, &q, &headers, Some(errors)).await;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            resp
        }
    }
}

/// Decodes `application/x-www-form-urlencoded`; the first value of a repeated name wins.
pub fn form_urlencoded_pairs(body: &[u8]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in urlencoded_pairs(body) {
        out.entry(k).or_insert(v);
    }
    out
}

fn urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    let decode = |s: &[u8]| -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < s.len() => {
                    let hex = std::str::from_utf8(&s[i + 1..i + 3])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(b) => {
                            out.push(b);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.iter().position(|b| *b == b'=') {
            Some(i) => (decode(&p[..i]), decode(&p[i + 1..])),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// Submits a form with the HubSpot Forms v3 body.
///
/// Integrations built for HubSpot can point at Leadline. Public, like the form itself: no
/// API key.
#[utoipa::path(
    post,
    path = "/forms/{key}/submissions",
    tag = "forms",
    params(("key" = String, Path, description = "The form's public key")),
    request_body = HubspotBody,
    responses(
        (status = 200, description = "Accepted", body = HubspotAccepted),
        (status = 400, description = "The body is not JSON", body = crate::error::ErrorBody),
        (status = 404, description = "No such form", body = crate::error::ErrorBody),
        (status = 422, description = "An answer is invalid (see `field`)", body = crate::error::ErrorBody),
        (status = 429, description = "Too many submissions from this address", body = crate::error::ErrorBody),
    )
)]
pub async fn hubspot_submission(
    State(st): State<AppState>,
    Path(key): Path<String>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    crate::error::JsonBody(body): crate::error::JsonBody<HubspotBody>,
) -> Result<axum::Json<HubspotAccepted>, ApiError> {
    let form = st
        .store
        .form_by_key(&key)
        .await
        .map_err(|_| ApiError::not_found("form"))?;
    let mut answers: BTreeMap<String, String> = body
        .fields
        .into_iter()
        .map(|f| (hubspot_field(&f.name), f.value))
        .collect();
    if let Some(consent) = body
        .legal_consent_options
        .as_ref()
        .and_then(|l| l.pointer("/consent/consentToProcess"))
        .and_then(serde_json::Value::as_bool)
    {
        answers.insert("consent".into(), consent.to_string());
    }
    let ctx = body.context.unwrap_or_default();
    let sub = Submission {
        answers,
        anonymous_id: ctx.hutk,
        token: None,
        page_url: ctx.page_uri,
        referrer: None,
        ip: addr.ip().to_string(),
    };
    match submit(&st, &form, sub).await? {
        Submitted::Accepted { message, redirect } => Ok(axum::Json(HubspotAccepted {
            inline_message: message,
            redirect_uri: redirect,
        })),
        Submitted::Invalid(errors) => Err(ApiError::invalid(
            errors[0].field.clone(),
            errors[0].message.clone(),
        )),
    }
}

/// HubSpot's property names for the standard fields.
fn hubspot_field(name: &str) -> String {
    match name {
        "firstname" => "first_name",
        "lastname" => "last_name",
        "jobtitle" => "title",
        "mobilephone" => "phone",
        other => other,
    }
    .to_owned()
}

/// HubSpot's answer to an accepted submission.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HubspotAccepted {
    #[serde(rename = "inlineMessage")]
    pub inline_message: String,
    #[serde(rename = "redirectUri")]
    pub redirect_uri: Option<String>,
}

/// HubSpot Forms v3 submission: `fields` by HubSpot property name (`firstname`, `lastname`,
/// `jobtitle`, `mobilephone` are mapped to ours), optional `context` and `legalConsentOptions`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct HubspotBody {
    pub fields: Vec<HubspotField>,
    #[serde(default)]
    pub context: Option<HubspotContext>,
    /// `consent.consentToProcess` becomes the `consent` answer.
    #[serde(default, rename = "legalConsentOptions")]
    pub legal_consent_options: Option<serde_json::Value>,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct HubspotField {
    pub name: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct HubspotContext {
    #[serde(default, rename = "pageUri")]
    pub page_uri: Option<String>,
    #[serde(default, rename = "pageName")]
    pub page_name: Option<String>,
    #[serde(default)]
    pub hutk: Option<String>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn urlencoded_bodies_decode_plus_percent_and_utf8() {
        let got = super::form_urlencoded_pairs(
            b"email=ada%40acme.com&first_name=Ren%C3%A9e+Z&bad=%zz&empty=",
        );
        assert_eq!(got["email"], "ada@acme.com");
        assert_eq!(got["first_name"], "Renée Z");
        assert_eq!(got["bad"], "%zz");
        assert_eq!(got["empty"], "");
    }
}
