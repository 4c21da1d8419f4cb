//! `/api/v1`: assignments and what a rep does with them. API keys act on behalf of a named
//! rep (`rep`, a user id) who must own the lead's open assignment (409 otherwise); a signed-in
//! user acts as themselves.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use leadline_store::leads::Lead;
use leadline_store::page::Page;
use leadline_store::routing::AssignedLead;
use serde::{Deserialize, Serialize};

use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::rep::{self, RepError};
use crate::state::AppState;

/// `?owner=USER_ID&open=true` and paging.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentQuery {
    /// Only this rep's (a user id).
    pub owner: Option<String>,
    /// `true` (default): open assignments only; `false`: every assignment.
    pub open: Option<String>,
    pub after: Option<String>,
    #[param(value_type = Option<u16>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
}

/// Assignments, oldest first: who owns which lead, by which rule, with which deadlines, and
/// the lead's score and stage.
#[utoipa::path(
    get,
    path = "/assignments",
    tag = "assignments",
    operation_id = "list_assignments",
    params(AssignmentQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of assignments", body = Page<AssignedLead>),
        (status = 400, description = "A bad `open`, cursor or limit", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The caller may not read leads", body = ErrorBody),
    )
)]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<AssignmentQuery>,
) -> Result<Json<Page<AssignedLead>>, ApiError> {
    caller.require(Role::Viewer)?;
    let open = match q.open.as_deref().map(str::trim) {
        None | Some("") | Some("true") => true,
        Some("false") => false,
        Some(_) => {
            return Err(
                ApiError::bad_request("invalid_open", "`open` must be true or false").field("open"),
            );
        }
    };
    let paging = super::Paging {
        after: q.after.clone(),
        limit: q.limit.clone(),
    };
    let (cursor, limit) = paging.parse()?;
    let owner = q.owner.as_deref().map(str::trim).filter(|o| !o.is_empty());
    Ok(Json(
        st.store
            .list_assignments(owner, open, cursor.as_ref(), limit)
            .await?,
    ))
}

/// Who acts: `{"rep": USER_ID}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RepBody {
    /// The rep acting (a user id); optional for a signed-in user acting as themselves.
    pub rep: Option<String>,
}

/// The acting rep: the body's `rep` (an existing user), else the signed-in user.
pub(crate) async fn acting_rep(
    st: &AppState,
    caller: &ApiCaller,
    rep: Option<&str>,
) -> Result<String, ApiError> {
    caller.require(Role::Sales)?;
    let rep = rep.map(str::trim).filter(|r| !r.is_empty());
    let id = match (rep, caller.user_id.as_deref()) {
        (Some(r), Some(me)) if r != me && caller.role < Role::Admin => {
            return Err(ApiError::invalid(
                "rep",
                "rep: you may act only as yourself",
            ));
        }
        (Some(r), _) => r.to_owned(),
        (None, Some(me)) => me.to_owned(),
        (None, None) => {
            return Err(ApiError::invalid(
                "rep",
                "rep: name the rep acting (a user id)",
            ));
        }
    };
    match st.store.user_by_id(&id).await? {
        Some(_) => Ok(id),
        None => Err(ApiError::invalid("rep", "rep: no user has this id")),
    }
}

/// The lead's open assignment after an action.
async fn assignment_of(st: &AppState, lead: &str) -> Result<Json<AssignedLeadView>, ApiError> {
    let a = st.store.open_assignment(lead).await?;
    Ok(Json(AssignedLeadView {
        assignment: a.map(AssignmentView::of),
    }))
}

/// An assignment as the API shows it (times RFC 3339).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssignmentView {
    pub id: String,
    pub lead_id: String,
    pub owner_id: String,
    pub rule: String,
    pub assigned_at: String,
    pub accept_due_at: Option<String>,
    pub touch_due_at: Option<String>,
    pub accepted_at: Option<String>,
    pub first_touch_at: Option<String>,
    pub next_step: Option<String>,
    pub next_step_at: Option<String>,
}

impl AssignmentView {
    fn of(a: leadline_store::routing::AssignmentRecord) -> AssignmentView {
        let t = |v: Option<i64>| v.map(leadline_core::time::rfc3339);
        AssignmentView {
            assigned_at: leadline_core::time::rfc3339(a.assigned_at),
            accept_due_at: t(a.accept_due_at),
            touch_due_at: t(a.touch_due_at),
            accepted_at: t(a.accepted_at),
            first_touch_at: t(a.first_touch_at),
            next_step_at: t(a.next_step_at),
            id: a.id,
            lead_id: a.lead_id,
            owner_id: a.owner_id,
            rule: a.rule,
            next_step: a.next_step,
        }
    }
}

/// `{"assignment": …|null}`: the lead's open assignment after the action.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssignedLeadView {
    pub assignment: Option<AssignmentView>,
}

/// The rep accepts the lead assigned to them: an MQL becomes a sales-accepted lead.
#[utoipa::path(
    post,
    path = "/leads/{id}/accept",
    tag = "assignments",
    operation_id = "accept_lead",
    params(("id" = String, Path, description = "Lead id")),
    request_body = RepBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The open assignment, accepted", body = AssignedLeadView),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The caller may not act for reps", body = ErrorBody),
        (status = 404, description = "No such lead", body = ErrorBody),
        (status = 409, description = "Not the rep's lead, not assigned, or accepted already", body = ErrorBody),
        (status = 422, description = "No or unknown `rep`", body = ErrorBody),
    )
)]
pub async fn accept(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RepBody>,
) -> Result<Json<AssignedLeadView>, ApiError> {
    let rep = acting_rep(&st, &caller, body.rep.as_deref()).await?;
    let lead = super::leads::lead_or_404(&st, &id).await?;
    st.store
        .accept_lead(&lead.id, &rep, leadline_store::now_ms())
        .await?;
    assignment_of(&st, &lead.id).await
}

/// `{"rep","reason","note"}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RejectBody {
    pub rep: Option<String>,
    /// `not_a_fit`, `no_budget`, `duplicate`, `bad_data`, `competitor`, `no_response`, `other`.
    pub reason: String,
    /// Required for `other`.
    pub note: String,
}

/// The rep sends the lead back to marketing with a reason: it becomes `recycled`, loses its
/// owner, and the reason is counted in the follow-up report.
#[utoipa::path(
    post,
    path = "/leads/{id}/reject",
    tag = "assignments",
    operation_id = "reject_lead",
    params(("id" = String, Path, description = "Lead id")),
    request_body = RejectBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The lead, recycled", body = Lead),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The caller may not act for reps", body = ErrorBody),
        (status = 404, description = "No such lead", body = ErrorBody),
        (status = 409, description = "Not the rep's lead, or not assigned", body = ErrorBody),
        (status = 422, description = "An unknown reason, no note for `other`, no `rep`", body = ErrorBody),
    )
)]
pub async fn reject(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RejectBody>,
) -> Result<Json<Lead>, ApiError> {
    let rep = acting_rep(&st, &caller, body.rep.as_deref()).await?;
    let reason = rep::reject_reason(&body.reason)?;
    let lead = super::leads::lead_or_404(&st, &id).await?;
    st.store
        .reject_lead(&lead.id, &rep, reason, &body.note, leadline_store::now_ms())
        .await
        .map_err(RepError::from_store)?;
    Ok(Json(st.store.get_lead(&lead.id).await?))
}

/// `{"rep","kind","outcome","note"}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TouchBody {
    pub rep: Option<String>,
    /// `call`, `email`, `meeting` or `note`.
    pub kind: String,
    pub outcome: String,
    pub note: String,
}

/// The logged touch: the activity on the lead's timeline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TouchView {
    pub activity_id: String,
    pub kind: String,
    pub assignment: Option<AssignmentView>,
}

/// The rep logs a touch (call, email, meeting, note) with its outcome; the first call, email
/// or meeting meets the first-touch deadline.
#[utoipa::path(
    post,
    path = "/leads/{id}/touches",
    tag = "assignments",
    operation_id = "log_touch",
    params(("id" = String, Path, description = "Lead id")),
    request_body = TouchBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The touch, logged", body = TouchView),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The caller may not act for reps", body = ErrorBody),
        (status = 404, description = "No such lead", body = ErrorBody),
        (status = 409, description = "Not the rep's lead", body = ErrorBody),
        (status = 422, description = "An unknown kind, or no `rep`", body = ErrorBody),
    )
)]
pub async fn touch(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TouchBody>,
) -> Result<(StatusCode, Json<TouchView>), ApiError> {
    let rep = acting_rep(&st, &caller, body.rep.as_deref()).await?;
    let kind = rep::touch_kind(&body.kind)?;
    let lead = super::leads::lead_or_404(&st, &id).await?;
    let text = rep::touch_text(&body.outcome, &body.note);
    let activity_id = st
        .store
        .log_touch(&lead.id, &rep, kind, &text, leadline_store::now_ms())
        .await?;
    let assignment = st
        .store
        .open_assignment(&lead.id)
        .await?
        .map(AssignmentView::of);
    Ok((
        StatusCode::CREATED,
        Json(TouchView {
            activity_id,
            kind: kind.as_str().to_owned(),
            assignment,
        }),
    ))
}

/// `{"rep","text","at"}`; an empty `text` clears the next step.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NextStepBody {
    pub rep: Option<String>,
    pub text: String,
    /// RFC 3339.
    pub at: Option<String>,
}

/// The rep schedules the next step on their lead.
#[utoipa::path(
    put,
    path = "/leads/{id}/next_step",
    tag = "assignments",
    operation_id = "set_next_step",
    params(("id" = String, Path, description = "Lead id")),
    request_body = NextStepBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The open assignment with its next step", body = AssignedLeadView),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The caller may not act for reps", body = ErrorBody),
        (status = 404, description = "No such lead", body = ErrorBody),
        (status = 409, description = "Not the rep's lead, or not assigned", body = ErrorBody),
        (status = 422, description = "A bad time, a text too long, no `rep`", body = ErrorBody),
    )
)]
pub async fn next_step(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NextStepBody>,
) -> Result<Json<AssignedLeadView>, ApiError> {
    let rep = acting_rep(&st, &caller, body.rep.as_deref()).await?;
    let at = rep::parse_when(body.at.as_deref().unwrap_or(""), "at")?;
    let lead = super::leads::lead_or_404(&st, &id).await?;
    st.store
        .set_next_step(&lead.id, &rep, &body.text, at)
        .await
        .map_err(RepError::from_store)?;
    assignment_of(&st, &lead.id).await
}
