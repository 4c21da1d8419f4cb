//! The duplicates review queue: likely duplicate people and accounts with counts, one pair
//! side by side with a radio per differing field (the survivorship default preselected),
//! Merge and "Not a duplicate", and "Scan now". Reading is open to every role; acting needs
//! the roles that may edit leads, checked here on every post.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leadline_store::StoreError;
use leadline_store::duplicates::{Actor, CandidateFilter, Kind, Pick, Status};
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::common::{self, Fields, PAGE_SIZE};
use crate::api::duplicates::{MAY_MERGE, MergeBody, merge_choice, queue_summary};
use crate::auth::Role;
use crate::state::AppState;

/// `GET /duplicates?kind=&status=&record=&after=`: the queue.
pub async fn list(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let cursor = match common::cursor(&q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let kind = common::field(&q, "kind")
        .and_then(|k| Kind::parse(&k))
        .unwrap_or(Kind::Person);
    let status = common::field(&q, "status")
        .and_then(|s| Status::parse(&s))
        .unwrap_or(Status::Open);
    let record = common::field(&q, "record");
    let filter = CandidateFilter {
        kind: Some(kind),
        status: Some(status),
        record: record.clone(),
    };
    let (page, summary) = match tokio::try_join!(
        st.store
            .list_candidates(&filter, cursor.as_ref(), PAGE_SIZE),
        queue_summary(&st)
    ) {
        Ok(x) => x,
        Err(e) => return common::store_error(e),
    };
    let notice = match (
        q.get("done").map(String::as_str),
        q.get("scan").map(String::as_str),
    ) {
        (Some("merged"), _) => Some("Merged. Both histories now live on one record."),
        (Some("dismissed"), _) => {
            Some("Marked as not a duplicate: this pair will not be proposed again.")
        }
        (_, Some("queued")) => {
            Some("Scan started: new pairs appear here when it finishes (reload the page).")
        }
        (_, Some("running")) => {
            Some("A scan is already running: new pairs appear here when it finishes.")
        }
        _ => None,
    };
    let survivor = common::field(&q, "survivor");
    let ctx = minijinja::context! {
        user => user.context(), page => "duplicates", kind => kind.as_str(), status => status.as_str(),
        record => record, items => Value::from(Serde(&page.items)), next => &page.next,
        summary => Value::from(Serde(&summary)), notice => notice, survivor => survivor,
        can_merge => user.role >= MAY_MERGE,
    };
    super::render(&st, "duplicates.html", ctx)
}

/// `GET /duplicates/{id}`: a pair side by side.
pub async fn detail(State(st): State<AppState>, user: UiUser, Path(id): Path<String>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    detail_page(&st, &user, &id, None).await
}

async fn detail_page(st: &AppState, user: &UiUser, id: &str, error: Option<&str>) -> Response {
    let detail = match st.store.candidate_detail(id).await {
        Ok(d) => d,
        Err(StoreError::NotFound) => return common::not_found(st, user, "duplicate pair"),
        Err(e) => return common::store_error(e),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "duplicates", d => Value::from(Serde(&detail)),
        open => detail.candidate.status == Status::Open, can_merge => user.role >= MAY_MERGE,
        error => error,
    };
    let mut resp = super::render(st, "duplicate.html", ctx);
    if error.is_some() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

/// `POST /duplicates/scan`: queues a scan (a background job).
pub async fn scan(State(st): State<AppState>, user: UiUser, body: axum::body::Bytes) -> Response {
    if let Err(r) = common::posted(&user, MAY_MERGE, &body) {
        return r;
    }
    let actor = Actor::new(Some(user.user.id.clone()), "ui");
    match st
        .store
        .queue_duplicate_scan(&actor, leadline_store::now_ms())
        .await
    {
        Ok(q) => {
            st.jobs_waiting.notify_one();
            let state = if q.already { "running" } else { "queued" };
            Redirect::to(&format!("/duplicates?scan={state}")).into_response()
        }
        Err(e) => common::store_error(e),
    }
}

/// `POST /duplicates/{id}/merge`: `survivor=a|b`, `f.FIELD=a|b` per differing field,
/// optional `reason`.
pub async fn merge(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, MAY_MERGE, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let kind = match st.store.get_candidate(&id).await {
        Ok(c) => c.kind,
        Err(StoreError::NotFound) => return common::not_found(&st, &user, "duplicate pair"),
        Err(e) => return common::store_error(e),
    };
    let mut fields = std::collections::BTreeMap::new();
    for (k, v) in &f {
        if let (Some(field), Some(pick)) = (k.strip_prefix("f."), Pick::parse(v)) {
            fields.insert(field.to_owned(), pick);
        }
    }
    let body = MergeBody {
        survivor: f.get("survivor").and_then(|s| Pick::parse(s)),
        fields,
        reason: common::field(&f, "reason"),
    };
    let choice = match merge_choice(kind, body) {
        Ok(c) => c,
        Err(e) => return detail_page(&st, &user, &id, Some(&common::sentence(&e.message))).await,
    };
    let actor = Actor::new(Some(user.user.id.clone()), "ui");
    match st.capturer.merge_candidate(&id, choice, actor).await {
        Ok(m) => Redirect::to(&format!(
            "/duplicates?kind={}&done=merged&survivor={}",
            m.kind.as_str(),
            m.survivor_id
        ))
        .into_response(),
        Err(e) => refused(&st, &user, &id, e).await,
    }
}

/// `POST /duplicates/{id}/dismiss`: "not a duplicate", with an optional `reason`.
pub async fn dismiss(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, MAY_MERGE, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let actor = Actor::new(Some(user.user.id.clone()), "ui");
    let reason = common::field(&f, "reason").map(|r| r.chars().take(500).collect::<String>());
    match st
        .store
        .dismiss_candidate(&id, &actor, reason.as_deref())
        .await
    {
        Ok(c) => Redirect::to(&format!(
            "/duplicates?kind={}&done=dismissed",
            c.kind.as_str()
        ))
        .into_response(),
        Err(e) => refused(&st, &user, &id, e).await,
    }
}

/// A merge or dismissal the store refused, shown as a page that says why.
async fn refused(st: &AppState, user: &UiUser, id: &str, e: StoreError) -> Response {
    match e {
        StoreError::NotFound => common::not_found(st, user, "duplicate pair"),
        StoreError::Refused { message, .. } => {
            common::message(st, user, StatusCode::CONFLICT, &common::sentence(&message))
        }
        StoreError::Invalid(m) => detail_page(st, user, id, Some(&common::sentence(&m))).await,
        e => common::store_error(e),
    }
}
