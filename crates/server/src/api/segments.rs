//! `/api/v1/segments`: saved filter expressions with live counts, the leads they match, and
//! a preview count for an expression being written.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use leadline_store::StoreError;
use leadline_store::leads::Lead;
use leadline_store::page::Page;
use leadline_store::saved_segments::SavedSegment;
use serde::{Deserialize, Serialize};

use super::Paging;
use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// A saved segment and how many live leads it matches now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SegmentView {
    #[serde(flatten)]
    pub segment: SavedSegment,
    pub count: i64,
}

/// A segment to save.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SegmentInput {
    pub name: String,
    /// A filter expression: `fit >= "B" and activity(form_submitted, last 30d) >= 1`.
    pub expression: String,
    #[serde(default)]
    pub description: String,
}

/// An expression to count.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CountInput {
    pub expression: String,
}

/// How many live leads an expression matches.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CountView {
    pub count: i64,
}

/// A store error about an expression, as a 422 on `field`.
fn expression_error(e: StoreError, field: &str) -> ApiError {
    match e {
        StoreError::Invalid(msg) => {
            let field = if msg.starts_with("name:") {
                "name"
            } else {
                field
            };
            ApiError::invalid(field, msg)
        }
        StoreError::Conflict(what) => ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("{what} already exists"),
        )
        .field("name"),
        e => e.into(),
    }
}

async fn count_of(st: &AppState, expression: &str) -> Result<i64, ApiError> {
    let expr = leadline_store::saved_segments::parse_expression(expression)
        .map_err(|e| expression_error(e, "expression"))?;
    st.store
        .count_matching(&expr, leadline_store::now_ms())
        .await
        .map_err(|e| expression_error(e, "expression"))
}

/// Saved segments, by name, each with its live count.
#[utoipa::path(get, path = "/segments", tag = "segments", operation_id = "list_segments",
    security(("bearer" = [])),
    responses((status = 403, description = "The key's role may not do this", body = ErrorBody), (status = 200, description = "Every saved segment", body = Vec<SegmentView>),
              (status = 401, description = "No or unknown API key", body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<SegmentView>>, ApiError> {
    caller.require(Role::Viewer)?;
    let mut out = Vec::new();
    for segment in st.store.segments().await? {
        let count = count_of(&st, &segment.expression).await?;
        out.push(SegmentView { segment, count });
    }
    Ok(Json(out))
}

/// Saves a segment; its expression must parse (errors name the column).
#[utoipa::path(post, path = "/segments", tag = "segments", operation_id = "create_segment",
    request_body = SegmentInput, security(("bearer" = [])),
    responses((status = 201, description = "Saved", body = SegmentView),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the marketer role", body = ErrorBody),
              (status = 409, description = "A segment of that name exists", body = ErrorBody),
              (status = 422, description = "A bad name or expression", body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<SegmentInput>,
) -> Result<(StatusCode, Json<SegmentView>), ApiError> {
    caller.require(Role::Marketer)?;
    let segment = st
        .store
        .create_segment(
            &input.name,
            &input.expression,
            &input.description,
            caller.user_id.as_deref(),
            leadline_store::now_ms(),
        )
        .await
        .map_err(|e| expression_error(e, "expression"))?;
    let count = count_of(&st, &segment.expression).await?;
    Ok((StatusCode::CREATED, Json(SegmentView { segment, count })))
}

/// One segment (by id or name) with its live count.
#[utoipa::path(get, path = "/segments/{id}", tag = "segments", operation_id = "get_segment",
    params(("id" = String, Path, description = "Segment id or name")), security(("bearer" = [])),
    responses((status = 401, description = "No or unknown API key", body = ErrorBody), (status = 403, description = "The key's role may not do this", body = ErrorBody), (status = 200, description = "The segment", body = SegmentView),
              (status = 404, description = "No such segment", body = ErrorBody)))]
pub async fn get_one(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<SegmentView>, ApiError> {
    caller.require(Role::Viewer)?;
    let segment = st
        .store
        .segment(&id)
        .await
        .map_err(|_| ApiError::not_found("segment"))?;
    let count = count_of(&st, &segment.expression).await?;
    Ok(Json(SegmentView { segment, count }))
}

/// Changes a segment.
#[utoipa::path(put, path = "/segments/{id}", tag = "segments", operation_id = "update_segment",
    params(("id" = String, Path, description = "Segment id")), request_body = SegmentInput,
    security(("bearer" = [])),
    responses((status = 401, description = "No or unknown API key", body = ErrorBody), (status = 403, description = "The key's role may not do this", body = ErrorBody), (status = 200, description = "Saved", body = SegmentView),
              (status = 404, description = "No such segment", body = ErrorBody),
              (status = 422, description = "A bad name or expression", body = ErrorBody)))]
pub async fn update(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<SegmentInput>,
) -> Result<Json<SegmentView>, ApiError> {
    caller.require(Role::Marketer)?;
    let segment = st
        .store
        .update_segment(
            &id,
            &input.name,
            &input.expression,
            &input.description,
            leadline_store::now_ms(),
        )
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("segment"),
            e => expression_error(e, "expression"),
        })?;
    let count = count_of(&st, &segment.expression).await?;
    Ok(Json(SegmentView { segment, count }))
}

/// Deletes a segment.
#[utoipa::path(delete, path = "/segments/{id}", tag = "segments", operation_id = "delete_segment",
    params(("id" = String, Path, description = "Segment id")), security(("bearer" = [])),
    responses((status = 401, description = "No or unknown API key", body = ErrorBody), (status = 403, description = "The key's role may not do this", body = ErrorBody), (status = 204, description = "Deleted"),
              (status = 404, description = "No such segment", body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Marketer)?;
    st.store
        .delete_segment(&id)
        .await
        .map_err(|_| ApiError::not_found("segment"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The live leads a segment matches now, in id order.
#[utoipa::path(get, path = "/segments/{id}/leads", tag = "segments", operation_id = "list_segment_leads",
    params(("id" = String, Path, description = "Segment id or name"), Paging), security(("bearer" = [])),
    responses((status = 401, description = "No or unknown API key", body = ErrorBody), (status = 403, description = "The key's role may not do this", body = ErrorBody), (status = 200, description = "One page of leads", body = Page<Lead>),
              (status = 404, description = "No such segment", body = ErrorBody)))]
pub async fn leads(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    Query(paging): Query<Paging>,
) -> Result<Json<Page<Lead>>, ApiError> {
    caller.require(Role::Viewer)?;
    let (cursor, limit) = paging.parse()?;
    let segment = st
        .store
        .segment(&id)
        .await
        .map_err(|_| ApiError::not_found("segment"))?;
    let expr = leadline_store::saved_segments::parse_expression(&segment.expression)?;
    Ok(Json(
        st.store
            .segment_leads(&expr, leadline_store::now_ms(), cursor.as_ref(), limit)
            .await?,
    ))
}

/// Counts the live leads an expression matches, without saving it (for an editor's preview).
#[utoipa::path(post, path = "/segments/count", tag = "segments", operation_id = "count_segment",
    request_body = CountInput, security(("bearer" = [])),
    responses((status = 401, description = "No or unknown API key", body = ErrorBody), (status = 403, description = "The key's role may not do this", body = ErrorBody), (status = 200, description = "The count", body = CountView),
              (status = 422, description = "The expression does not parse (the message names the column)", body = ErrorBody)))]
pub async fn count(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<CountInput>,
) -> Result<Json<CountView>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(CountView {
        count: count_of(&st, &input.expression).await?,
    }))
}
