//! Saved segments with live counts and the leads each matches.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadline_store::StoreError;
use leadline_store::saved_segments::parse_expression;
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::common::{self, Errors, Fields};
use crate::auth::Role;
use crate::state::AppState;

/// `GET /segments`: every saved segment with the leads it matches now.
pub async fn list(State(st): State<AppState>, user: UiUser) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    list_page(&st, &user, &Fields::new(), &Errors::new()).await
}

async fn count(st: &AppState, expression: &str) -> Result<i64, String> {
    let expr = parse_expression(expression).map_err(|e| e.to_string())?;
    st.store
        .count_matching(&expr, leadline_store::now_ms())
        .await
        .map_err(|e| e.to_string())
}

async fn list_page(st: &AppState, user: &UiUser, values: &Fields, errors: &Errors) -> Response {
    let segments = match st.store.segments().await {
        Ok(s) => s,
        Err(e) => return common::store_error(e),
    };
    let mut rows = Vec::new();
    for s in &segments {
        let n = count(st, &s.expression).await;
        rows.push(minijinja::context! { s => Value::from(Serde(s)), count => n.as_ref().ok(), error => n.err() });
    }
    let mql = st.store.policy().lifecycle.mql.clone();
    let mql_count = if mql.trim().is_empty() {
        None
    } else {
        count(st, &mql).await.ok()
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "segments", segments => rows, mql => mql, mql_count => mql_count,
        values => Value::from(Serde(values)), errors => Value::from(Serde(errors)),
    };
    super::render_form(st, "segments.html", ctx, errors)
}

/// The form field a store error is about, and its message.
fn field_error(e: &StoreError) -> Option<(&'static str, String)> {
    match e {
        StoreError::Invalid(m) if m.starts_with("name:") => Some(("name", m.clone())),
        StoreError::Invalid(m) => Some(("expression", m.clone())),
        StoreError::Conflict(what) => Some(("name", format!("{what} already exists"))),
        _ => None,
    }
}

/// `POST /segments` (marketer+): saves a segment.
pub async fn create(State(st): State<AppState>, user: UiUser, body: axum::body::Bytes) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let get = |k: &str| common::field(&f, k).unwrap_or_default();
    let now = leadline_store::now_ms();
    match st
        .store
        .create_segment(
            &get("name"),
            &get("expression"),
            &get("description"),
            Some(&user.user.id),
            now,
        )
        .await
    {
        Ok(s) => Redirect::to(&format!("/segments/{}", s.id)).into_response(),
        Err(e) => match field_error(&e) {
            Some((k, m)) => list_page(&st, &user, &f, &Errors::from([(k.to_owned(), m)])).await,
            None => common::store_error(e),
        },
    }
}

/// `GET /segments/{id}`: the segment's leads, and its edit form.
pub async fn detail(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    detail_page(&st, &user, &id, &q, &Fields::new(), &Errors::new()).await
}

async fn detail_page(
    st: &AppState,
    user: &UiUser,
    id: &str,
    query: &Fields,
    values: &Fields,
    errors: &Errors,
) -> Response {
    let segment = match st.store.segment(id).await {
        Ok(s) => s,
        Err(StoreError::NotFound) => return common::not_found(st, user, "segment"),
        Err(e) => return common::store_error(e),
    };
    let cursor = match common::cursor(query) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let now = leadline_store::now_ms();
    let (leads, total) = match parse_expression(&segment.expression) {
        Ok(expr) => match tokio::try_join!(
            st.store
                .segment_leads(&expr, now, cursor.as_ref(), common::PAGE_SIZE),
            st.store.count_matching(&expr, now)
        ) {
            Ok(x) => x,
            Err(e) => return common::store_error(e),
        },
        Err(e) => return common::store_error(e),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "segments", segment => Value::from(Serde(&segment)), total => total,
        leads => Value::from(Serde(&leads.items)), next => &leads.next,
        values => Value::from(Serde(values)), errors => Value::from(Serde(errors)),
    };
    super::render_form(st, "segment.html", ctx, errors)
}

/// `POST /segments/{id}` (marketer+): changes the segment.
pub async fn update(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let get = |k: &str| common::field(&f, k).unwrap_or_default();
    let now = leadline_store::now_ms();
    match st
        .store
        .update_segment(
            &id,
            &get("name"),
            &get("expression"),
            &get("description"),
            now,
        )
        .await
    {
        Ok(s) => Redirect::to(&format!("/segments/{}", s.id)).into_response(),
        Err(StoreError::NotFound) => common::not_found(&st, &user, "segment"),
        Err(e) => match field_error(&e) {
            Some((k, m)) => {
                detail_page(
                    &st,
                    &user,
                    &id,
                    &Fields::new(),
                    &f,
                    &Errors::from([(k.to_owned(), m)]),
                )
                .await
            }
            None => common::store_error(e),
        },
    }
}

/// `POST /segments/{id}/delete` (marketer+).
pub async fn delete(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = common::posted(&user, Role::Marketer, &body) {
        return r;
    }
    match st.store.delete_segment(&id).await {
        Ok(()) => Redirect::to("/segments").into_response(),
        Err(StoreError::NotFound) => common::not_found(&st, &user, "segment"),
        Err(e) => common::store_error(e),
    }
}
