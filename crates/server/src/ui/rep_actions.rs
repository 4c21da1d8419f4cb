//! The lead page's assignment card and what the owning rep does from it: accept, reject with
//! a reason, log a touch, schedule the next step. Each is a CSRF-checked post that redirects
//! back to the lead, or shows the page again with the error beside its field.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadline_core::followup::{RejectReason, TouchKind};
use serde::Serialize;

use super::UiUser;
use super::common::{self, Errors, Fields, field};
use crate::auth::Role;
use crate::rep::{self, RepError};
use crate::state::AppState;

/// The assignment card as `lead.html` shows it.
#[derive(Serialize)]
pub(super) struct Card {
    id: String,
    rule: String,
    owner: String,
    mine: bool,
    assigned_at: i64,
    accept_due_at: Option<i64>,
    touch_due_at: Option<i64>,
    accept_due: Option<(String, bool)>,
    touch_due: Option<(String, bool)>,
    accepted_at: Option<i64>,
    first_touch_at: Option<i64>,
    next_step: Option<String>,
    next_step_at: Option<i64>,
    reasons: Vec<(&'static str, &'static str)>,
    kinds: Vec<&'static str>,
}

/// The lead's open assignment as a card (`None` when it has none).
pub(super) async fn card(st: &AppState, user: &UiUser, lead_id: &str) -> Option<Card> {
    let a = st.store.open_assignment(lead_id).await.ok()??;
    let owner = match st.store.user_by_id(&a.owner_id).await {
        Ok(Some((_, email, name, _))) if !name.is_empty() => format!("{name} ({email})"),
        Ok(Some((_, email, _, _))) => email,
        _ => a.owner_id.clone(),
    };
    let now = leadline_store::now_ms();
    let pending = |due: Option<i64>, done: Option<i64>| match (due, done) {
        (Some(at), None) => Some(super::inbox::due_text(at, now)),
        _ => None,
    };
    Some(Card {
        mine: a.owner_id == user.user.id,
        accept_due: pending(a.accept_due_at, a.accepted_at),
        touch_due: pending(a.touch_due_at, a.first_touch_at),
        id: a.id,
        rule: a.rule,
        owner,
        assigned_at: a.assigned_at,
        accept_due_at: a.accept_due_at,
        touch_due_at: a.touch_due_at,
        accepted_at: a.accepted_at,
        first_touch_at: a.first_touch_at,
        next_step: a.next_step,
        next_step_at: a.next_step_at,
        reasons: RejectReason::ALL
            .iter()
            .map(|r| (r.code(), r.label()))
            .collect(),
        kinds: TouchKind::ALL.iter().map(|k| k.as_str()).collect(),
    })
}

/// A rep's post on the lead `id`: checks the role and the form, runs `act` on the posted
/// fields and answers: back to the lead, or the page again with the error by its field.
async fn answer(
    st: &AppState,
    user: &UiUser,
    id: &str,
    body: &[u8],
    done: &str,
    act: impl AsyncFnOnce(&Fields) -> Result<(), RepError>,
) -> Response {
    let f = match common::posted(user, Role::Sales, body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (key, message) = match act(&f).await {
        Ok(()) => {
            return Redirect::to(&format!("/leads/{id}?done={done}#assignment")).into_response();
        }
        Err(RepError::Field { field, message }) => (format!("{done}.{field}"), message),
        Err(RepError::Store(leadline_store::StoreError::Refused { message, .. })) => {
            (format!("{done}.form"), message)
        }
        Err(RepError::Store(leadline_store::StoreError::NotFound)) => {
            return common::not_found(st, user, "lead");
        }
        Err(RepError::Store(e)) => return common::store_error(e),
    };
    let errors = Errors::from([(key, message)]);
    let mut resp = super::leads::detail_page(st, user, id, &f, &errors).await;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    resp
}

pub async fn accept(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    answer(&st, &user, &id, &body, "accept", async |_| {
        let now = leadline_store::now_ms();
        st.store
            .accept_lead(&id, &user.user.id, now)
            .await
            .map_err(RepError::from_store)
    })
    .await
}

pub async fn reject(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    answer(&st, &user, &id, &body, "reject", async |f| {
        let reason = rep::reject_reason(&field(f, "reject_reason").unwrap_or_default())?;
        let note = field(f, "note").unwrap_or_default();
        let now = leadline_store::now_ms();
        st.store
            .reject_lead(&id, &user.user.id, reason, &note, now)
            .await
            .map_err(RepError::from_store)
    })
    .await
}

pub async fn touch(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    answer(&st, &user, &id, &body, "touch", async |f| {
        let kind = rep::touch_kind(&field(f, "kind").unwrap_or_default())?;
        let text = rep::touch_text(
            &field(f, "outcome").unwrap_or_default(),
            &field(f, "note").unwrap_or_default(),
        );
        let now = leadline_store::now_ms();
        st.store
            .log_touch(&id, &user.user.id, kind, &text, now)
            .await?;
        Ok(())
    })
    .await
}

pub async fn next_step(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    answer(&st, &user, &id, &body, "next_step", async |f| {
        let at = rep::parse_when(&field(f, "at").unwrap_or_default(), "at")?;
        let text = field(f, "text").unwrap_or_default();
        st.store
            .set_next_step(&id, &user.user.id, &text, at)
            .await
            .map_err(RepError::from_store)
    })
    .await
}
