//! Settings → Webhooks (admin only): endpoints with their subscriptions, adding, disabling,
//! rotating a secret, a test ping, deleting; and each endpoint's delivery log with a
//! redeliver button. Every form posts the session's CSRF token.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use leadline_core::webhook::EventType;
use leadline_store::StoreError;
use leadline_store::webhooks::{EndpointChange, EndpointWithSecret};
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::common::{self, Errors, Fields};
use crate::auth::Role;
use crate::state::AppState;

fn event_names() -> Vec<&'static str> {
    EventType::ALL.iter().map(|e| e.as_str()).collect()
}

/// `GET /settings/webhooks?done=`: the endpoints and the form to add one.
pub async fn page(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Admin) {
        return r;
    }
    let notice = match q.get("done").map(String::as_str) {
        Some("enabled") => Some("Endpoint enabled: waiting deliveries go out now."),
        Some("disabled") => Some("Endpoint disabled: its deliveries wait until it is enabled."),
        Some("deleted") => Some("Endpoint deleted."),
        Some("ping") => Some("Ping queued: see the endpoint's delivery log."),
        _ => None,
    };
    list_page(&st, &user, &Fields::new(), &Errors::new(), notice).await
}

async fn list_page(
    st: &AppState,
    user: &UiUser,
    values: &Fields,
    errors: &Errors,
    notice: Option<&str>,
) -> Response {
    let endpoints = match st.store.webhooks().await {
        Ok(e) => e,
        Err(e) => return common::store_error(e),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "settings", endpoints => Value::from(Serde(&endpoints)),
        event_types => event_names(), values => values, errors => errors, notice => notice,
    };
    super::render_form(st, "webhooks.html", ctx, errors)
}

/// `POST /settings/webhooks`: adds an endpoint and shows its secret, this once.
pub async fn create(State(st): State<AppState>, user: UiUser, body: axum::body::Bytes) -> Response {
    let f = match common::posted(&user, Role::Admin, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let url = common::field(&f, "url").unwrap_or_default();
    // One checkbox per type, named `type_{name}`: none ticked means every type.
    let types: Vec<String> = event_names()
        .into_iter()
        .filter(|t| f.contains_key(&format!("type_{t}")))
        .map(str::to_owned)
        .collect();
    if let Err(e) = crate::api::webhooks::check_input(Some(&url), Some(&types)) {
        let field = e.field.clone().unwrap_or_else(|| "url".into());
        let errors = Errors::from([(field, common::sentence(&e.message))]);
        return list_page(&st, &user, &f, &errors, None).await;
    }
    let description = common::field(&f, "description").unwrap_or_default();
    match st
        .store
        .create_webhook(&url, &description, &types, leadline_store::now_ms())
        .await
    {
        Ok(created) => secret_page(&st, &user, &created, "created"),
        Err(StoreError::Invalid(m)) => {
            let errors = Errors::from([("url".to_owned(), common::sentence(&m))]);
            list_page(&st, &user, &f, &errors, None).await
        }
        Err(e) => common::store_error(e),
    }
}

fn secret_page(st: &AppState, user: &UiUser, e: &EndpointWithSecret, what: &str) -> Response {
    let ctx = minijinja::context! {
        user => user.context(), page => "settings", endpoint => Value::from(Serde(&e.endpoint)),
        secret => &e.secret, what => what,
    };
    let mut resp = super::render(st, "webhook_secret.html", ctx);
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `POST /settings/webhooks/{id}/{action}`: enable, disable, rotate, ping or delete.
pub async fn act(
    State(st): State<AppState>,
    user: UiUser,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = common::posted(&user, Role::Admin, &body) {
        return r;
    }
    let now = leadline_store::now_ms();
    let enabled = |on: bool| EndpointChange {
        enabled: Some(on),
        ..Default::default()
    };
    let done = match action.as_str() {
        "enable" => st
            .store
            .update_webhook(&id, &enabled(true), now)
            .await
            .map(|_| "enabled"),
        "disable" => st
            .store
            .update_webhook(&id, &enabled(false), now)
            .await
            .map(|_| "disabled"),
        "ping" => st.store.ping_webhook(&id, now).await.map(|_| "ping"),
        "delete" => st.store.delete_webhook(&id).await.map(|()| "deleted"),
        "rotate" => {
            return match st.store.rotate_webhook_secret(&id, now).await {
                Ok(e) => secret_page(&st, &user, &e, "rotated"),
                Err(StoreError::NotFound) => common::not_found(&st, &user, "webhook endpoint"),
                Err(e) => common::store_error(e),
            };
        }
        _ => return common::not_found(&st, &user, "page"),
    };
    match done {
        Ok(done) => Redirect::to(&format!("/settings/webhooks?done={done}")).into_response(),
        Err(StoreError::NotFound) => common::not_found(&st, &user, "webhook endpoint"),
        Err(e) => common::store_error(e),
    }
}

/// `GET /settings/webhooks/{id}?after=`: one endpoint's delivery log, newest first.
pub async fn detail(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Admin) {
        return r;
    }
    let after = match common::cursor(&q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let endpoint = match st.store.webhook(&id).await {
        Ok(e) => e,
        Err(StoreError::NotFound) => return common::not_found(&st, &user, "webhook endpoint"),
        Err(e) => return common::store_error(e),
    };
    let page = match st
        .store
        .webhook_deliveries(&id, after.as_ref(), common::PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(e) => return common::store_error(e),
    };
    let notice = (q.get("done").map(String::as_str) == Some("redeliver"))
        .then_some("Delivery queued again, with the same id.");
    let ctx = minijinja::context! {
        user => user.context(), page => "settings", endpoint => Value::from(Serde(&endpoint)),
        deliveries => Value::from(Serde(&page.items)), next => page.next, notice => notice,
    };
    super::render(&st, "webhook.html", ctx)
}

/// `POST /settings/webhooks/{id}/deliveries/{delivery_id}/redeliver`.
pub async fn redeliver(
    State(st): State<AppState>,
    user: UiUser,
    Path((id, delivery_id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = common::posted(&user, Role::Admin, &body) {
        return r;
    }
    match st
        .store
        .redeliver_webhook(&id, &delivery_id, leadline_store::now_ms())
        .await
    {
        Ok(_) => Redirect::to(&format!("/settings/webhooks/{id}?done=redeliver")).into_response(),
        Err(StoreError::NotFound) => common::not_found(&st, &user, "webhook delivery"),
        Err(e) => common::store_error(e),
    }
}
