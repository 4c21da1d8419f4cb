//! `/api/v1/webhooks`: endpoints that receive signed events (admin only), their delivery
//! log, redelivery, secret rotation and a test `ping`. A secret is shown once, in the answer
//! to the create or rotate call that made it.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use leadline_core::webhook;
use leadline_store::StoreError;
use leadline_store::page::Page;
use leadline_store::webhooks::{Delivery, Endpoint, EndpointChange, EndpointWithSecret};
use serde::{Deserialize, Serialize};

use super::Paging;
use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// An endpoint to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EndpointInput {
    /// Where events are POSTed: `https://…` (or `http://`).
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// The event types to send; empty or absent: every type.
    #[serde(default)]
    pub event_types: Vec<String>,
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EndpointUpdate {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    /// `false` pauses deliveries (they wait), `true` resumes them.
    pub enabled: Option<bool>,
}

/// The id of the event a call recorded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventRef {
    /// The event's id: the `webhook-id` header the receiver sees.
    pub event_id: String,
}

/// Checks the URL and event types before the store does, so errors name their field.
pub(crate) fn check_input(url: Option<&str>, types: Option<&[String]>) -> Result<(), ApiError> {
    if let Some(url) = url {
        webhook::check_url(url.trim()).map_err(|m| ApiError::invalid("url", m))?;
    }
    for t in types.unwrap_or_default() {
        let t = t.trim();
        if !(t.is_empty() || t == "*" || webhook::EventType::parse(t).is_some()) {
            let known: Vec<&str> = webhook::EventType::ALL.iter().map(|e| e.as_str()).collect();
            return Err(ApiError::invalid(
                "event_types",
                format!("unknown event type {t:?}; known: {}", known.join(", ")),
            ));
        }
    }
    Ok(())
}

fn not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::not_found("webhook endpoint"),
        e => e.into(),
    }
}

/// Every webhook endpoint (secrets are never listed).
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", operation_id = "list_webhooks",
    security(("bearer" = [])),
    responses((status = 200, description = "Every endpoint, oldest first (one page)", body = Page<Endpoint>),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the admin role", body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Page<Endpoint>>, ApiError> {
    caller.require(Role::Admin)?;
    Ok(Json(Page {
        items: st.store.webhooks().await?,
        next: None,
    }))
}

/// Adds an endpoint. The answer carries its signing secret, shown this once.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", operation_id = "create_webhook",
    request_body = EndpointInput, security(("bearer" = [])),
    responses((status = 201, description = "Created, with its secret", body = EndpointWithSecret),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the admin role", body = ErrorBody),
              (status = 422, description = "A bad URL or an unknown event type", body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<EndpointInput>,
) -> Result<(StatusCode, Json<EndpointWithSecret>), ApiError> {
    caller.require(Role::Admin)?;
    check_input(Some(&input.url), Some(&input.event_types))?;
    let created = st
        .store
        .create_webhook(
            &input.url,
            &input.description,
            &input.event_types,
            leadline_store::now_ms(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One endpoint.
#[utoipa::path(get, path = "/webhooks/{id}", tag = "webhooks", operation_id = "get_webhook",
    params(("id" = String, Path, description = "Endpoint id")), security(("bearer" = [])),
    responses((status = 200, description = "The endpoint", body = Endpoint),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the admin role", body = ErrorBody),
              (status = 404, description = "No such endpoint", body = ErrorBody)))]
pub async fn get_one(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Endpoint>, ApiError> {
    caller.require(Role::Admin)?;
    Ok(Json(st.store.webhook(&id).await.map_err(not_found)?))
}

/// Changes an endpoint's URL, description or event types, or disables/enables it.
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks", operation_id = "update_webhook",
    params(("id" = String, Path, description = "Endpoint id")), request_body = EndpointUpdate,
    security(("bearer" = [])),
    responses((status = 200, description = "The endpoint after the change", body = Endpoint),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the admin role", body = ErrorBody),
              (status = 404, description = "No such endpoint", body = ErrorBody),
              (status = 422, description = "A bad URL or an unknown event type", body = ErrorBody)))]
pub async fn update(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<EndpointUpdate>,
) -> Result<Json<Endpoint>, ApiError> {
    caller.require(Role::Admin)?;
    check_input(input.url.as_deref(), input.event_types.as_deref())?;
    let change = EndpointChange {
        url: input.url,
        description: input.description,
        event_types: input.event_types,
        enabled: input.enabled,
    };
    let e = st
        .store
        .update_webhook(&id, &change, leadline_store::now_ms())
        .await
        .map_err(not_found)?;
    Ok(Json(e))
}

/// Deletes an endpoint and its delivery log; nothing more is sent to it.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks", operation_id = "delete_webhook",
    params(("id" = String, Path, description = "Endpoint id")), security(("bearer" = [])),
    responses((status = 204, description = "Deleted"),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the admin role", body = ErrorBody),
              (status = 404, description = "No such endpoint", body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Admin)?;
    st.store.delete_webhook(&id).await.map_err(not_found)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives the endpoint a new secret, shown this once; the old one keeps signing alongside it
/// for 24 hours so the receiver can switch without dropping deliveries.
#[utoipa::path(post, path = "/webhooks/{id}/rotate-secret", tag = "webhooks",
    operation_id = "rotate_webhook_secret",
    params(("id" = String, Path, description = "Endpoint id")), security(("bearer" = [])),
    responses((status = 200, description = "The endpoint with its new secret", body = EndpointWithSecret),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the admin role", body = ErrorBody),
              (status = 404, description = "No such endpoint", body = ErrorBody)))]
pub async fn rotate(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<EndpointWithSecret>, ApiError> {
    caller.require(Role::Admin)?;
    let e = st
        .store
        .rotate_webhook_secret(&id, leadline_store::now_ms())
        .await
        .map_err(not_found)?;
    Ok(Json(e))
}

/// Sends the endpoint a `ping` event (whatever it subscribes to), to test the receiver.
#[utoipa::path(post, path = "/webhooks/{id}/ping", tag = "webhooks", operation_id = "ping_webhook",
    params(("id" = String, Path, description = "Endpoint id")), security(("bearer" = [])),
    responses((status = 202, description = "Queued; see the delivery log", body = EventRef),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the admin role", body = ErrorBody),
              (status = 404, description = "No such endpoint", body = ErrorBody)))]
pub async fn ping(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<EventRef>), ApiError> {
    caller.require(Role::Admin)?;
    let event_id = st
        .store
        .ping_webhook(&id, leadline_store::now_ms())
        .await
        .map_err(not_found)?;
    Ok((StatusCode::ACCEPTED, Json(EventRef { event_id })))
}

/// The endpoint's deliveries, newest first: status, attempts, last answer, next retry.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks",
    operation_id = "list_webhook_deliveries",
    params(("id" = String, Path, description = "Endpoint id"), Paging), security(("bearer" = [])),
    responses((status = 200, description = "One page of deliveries", body = Page<Delivery>),
              (status = 400, description = "A bad cursor or limit", body = ErrorBody),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the admin role", body = ErrorBody),
              (status = 404, description = "No such endpoint", body = ErrorBody)))]
pub async fn deliveries(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    Query(paging): Query<Paging>,
) -> Result<Json<Page<Delivery>>, ApiError> {
    caller.require(Role::Admin)?;
    let (after, limit) = paging.parse()?;
    let page = st
        .store
        .webhook_deliveries(&id, after.as_ref(), limit)
        .await
        .map_err(not_found)?;
    Ok(Json(page))
}

/// Sends one delivery again now, with the same event id and body; its retry schedule
/// starts over.
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    operation_id = "redeliver_webhook",
    params(("id" = String, Path, description = "Endpoint id"),
           ("delivery_id" = String, Path, description = "Delivery id")),
    security(("bearer" = [])),
    responses((status = 202, description = "Queued again", body = Delivery),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the admin role", body = ErrorBody),
              (status = 404, description = "No such endpoint or delivery", body = ErrorBody)))]
pub async fn redeliver(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((id, delivery_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Delivery>), ApiError> {
    caller.require(Role::Admin)?;
    let d = st
        .store
        .redeliver_webhook(&id, &delivery_id, leadline_store::now_ms())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("webhook delivery"),
            e => e.into(),
        })?;
    Ok((StatusCode::ACCEPTED, Json(d)))
}
