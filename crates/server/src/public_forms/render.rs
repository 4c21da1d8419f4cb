//! Rendering public forms: the hosted HTML page, the JSON the embed script reads, the script.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use leadline_core::form::{FieldError, FormField, HONEYPOT_FIELD};
use leadline_store::forms::Form;
use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::{VISITOR_COOKIE, known_profile, token};
use crate::error::ApiError;
use crate::state::AppState;

/// A field as templates and the embed script see it.
#[derive(Serialize)]
struct FieldView<'a> {
    name: &'a str,
    label: &'a str,
    #[serde(rename = "type")]
    kind: leadline_core::form::FieldType,
    required: bool,
    options: &'a [String],
    placeholder: Option<&'a str>,
    capture: Option<&'a str>,
    value: String,
    error: Option<String>,
}

fn field_views<'a>(
    fields: &[&'a FormField],
    values: &BTreeMap<String, String>,
    errors: &[FieldError],
) -> Vec<FieldView<'a>> {
    fields
        .iter()
        .map(|f| FieldView {
            name: &f.name,
            label: if f.label.is_empty() {
                &f.name
            } else {
                &f.label
            },
            kind: f.kind,
            required: f.required,
            options: &f.options,
            placeholder: f.placeholder.as_deref(),
            capture: f.capture.as_deref(),
            value: values
                .get(&f.name)
                .or_else(|| f.capture.as_ref().and_then(|c| values.get(c)))
                .cloned()
                .or_else(|| f.value.clone())
                .unwrap_or_default(),
            error: errors
                .iter()
                .find(|e| e.field == f.name)
                .map(|e| e.message.clone()),
        })
        .collect()
}

/// The hosted page: a plain HTML form that works with JavaScript off.
pub async fn hosted_page(
    st: &AppState,
    form: &Form,
    query: &BTreeMap<String, String>,
    headers: &HeaderMap,
    errors: Option<Vec<FieldError>>,
) -> Response {
    let existing = crate::auth::cookie(headers, VISITOR_COOKIE)
        .filter(|v| !v.is_empty() && v.len() <= 64)
        .map(str::to_owned);
    let vid = existing.clone().unwrap_or_else(leadline_store::new_id);
    let known = known_profile(st, Some(&vid)).await.ok().flatten();
    let fields = form.definition.fields_for(known.as_ref());
    let mut values = query.clone();
    if let Some(r) = headers.get(header::REFERER).and_then(|v| v.to_str().ok()) {
        values
            .entry("referrer".into())
            .or_insert_with(|| r.to_owned());
    }
    let errors = errors.unwrap_or_default();
    let general: Vec<&FieldError> = errors
        .iter()
        .filter(|e| !fields.iter().any(|f| f.name == e.field))
        .collect();
    let ctx = minijinja::context! {
        form => minijinja::context! { key => &form.key, name => &form.name },
        fields => Value::from(Serde(field_views(&fields, &values, &errors))),
        general_errors => Value::from(Serde(&general)),
        consent_text => &form.definition.consent_text,
        consent_required => form.definition.consent_required,
        submit_label => form.definition.submit_label.clone().unwrap_or_else(|| "Submit".into()),
        token => token::sign(&st.secret, &form.id, leadline_store::now_ms()),
        honeypot => HONEYPOT_FIELD,
        known => known.as_ref().and_then(|k| k.email.as_ref()).is_some(),
    };
    let mut resp = crate::ui::render(st, "form.html", ctx);
    if existing.is_none()
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{VISITOR_COOKIE}={vid}; Path=/f; HttpOnly; SameSite=Lax; Max-Age=31536000"
        ))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The thank-you page after a plain HTML submission.
pub fn thank_you_page(st: &AppState, form: &Form, message: &str) -> Response {
    crate::ui::render(
        st,
        "form_thanks.html",
        minijinja::context! { form => minijinja::context! { name => &form.name }, message => message },
    )
}

/// An error (rate limit, storage) shown to a person as a page.
pub fn error_page(e: ApiError) -> Response {
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>Form error</title><p>{}</p>",
        minijinja::HtmlEscape(&e.message)
    );
    (e.status, Html(body)).into_response()
}

/// `GET /f/{key}.json`: what the embed script needs to draw the form for this visitor.
pub async fn form_json(st: &AppState, form: &Form, anonymous_id: Option<&str>) -> Response {
    let known = known_profile(st, anonymous_id).await.ok().flatten();
    let fields = form.definition.fields_for(known.as_ref());
    let body = serde_json::json!({
        "key": form.key,
        "name": form.name,
        "fields": field_views(&fields, &BTreeMap::new(), &[]),
        "consent_text": form.definition.consent_text,
        "consent_required": form.definition.consent_required,
        "submit_label": form.definition.submit_label.clone().unwrap_or_else(|| "Submit".into()),
        "token": token::sign(&st.secret, &form.id, leadline_store::now_ms()),
        "honeypot": HONEYPOT_FIELD,
    });
    let mut resp = axum::Json(body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `GET /f/{key}.js`: renders the form into `<div id="…">` named by the script tag's
/// `data-target` (or right after the script) on any site.
pub fn embed_script(st: &AppState, form: &Form, _headers: &HeaderMap) -> Response {
    let mut resp = crate::ui::render(st, "embed.js", minijinja::context! { key => &form.key });
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    if resp.status() != StatusCode::OK {
        return resp;
    }
    resp
}
