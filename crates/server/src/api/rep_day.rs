//! `/api/v1`: a user's notifications, a rep's team lead, and referrals reps log. Callers are
//! API keys (acting as admins) or signed-in users; a user may read only their own
//! notifications unless they are an admin.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use leadline_core::referral::ReferralInput;
use leadline_store::notifications::Notification;
use leadline_store::page::Page;
use serde::{Deserialize, Serialize};

use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// `?unread=true` and paging.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// `true`: unread ones only.
    pub unread: Option<String>,
    pub after: Option<String>,
    #[param(value_type = Option<u16>, minimum = 1, maximum = 500, default = 50)]
    pub limit: Option<String>,
}

/// The caller may see `user`'s things: themselves, or an admin (API keys are).
fn self_or_admin(caller: &ApiCaller, user: &str) -> Result<(), ApiError> {
    caller.require(Role::Viewer)?;
    if caller.role >= Role::Admin || caller.user_id.as_deref() == Some(user) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "you may read only your own notifications",
        ))
    }
}

/// A user's in-app notifications, newest first.
#[utoipa::path(
    get,
    path = "/users/{id}/notifications",
    tag = "notifications",
    operation_id = "list_notifications",
    params(("id" = String, Path, description = "User id"), NotificationQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of notifications", body = Page<Notification>),
        (status = 400, description = "A bad cursor or limit", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Someone else's notifications", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    )
)]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<NotificationQuery>,
) -> Result<Json<Page<Notification>>, ApiError> {
    self_or_admin(&caller, &id)?;
    if st.store.user_by_id(&id).await?.is_none() {
        return Err(ApiError::not_found("user"));
    }
    let paging = super::Paging {
        after: q.after.clone(),
        limit: q.limit.clone(),
    };
    let (cursor, limit) = paging.parse()?;
    let unread = q.unread.as_deref().map(str::trim) == Some("true");
    Ok(Json(
        st.store
            .notifications(&id, unread, cursor.as_ref(), limit)
            .await?,
    ))
}

/// How many were marked read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
}

/// Marks every unread notification of a user read.
#[utoipa::path(
    post,
    path = "/users/{id}/notifications/read",
    tag = "notifications",
    operation_id = "mark_all_notifications_read",
    params(("id" = String, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "How many were marked", body = MarkedRead),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Someone else's notifications", body = ErrorBody),
    )
)]
pub async fn mark_all_read(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<MarkedRead>, ApiError> {
    self_or_admin(&caller, &id)?;
    let marked = st
        .store
        .mark_all_notifications_read(&id, leadline_store::now_ms())
        .await?;
    Ok(Json(MarkedRead { marked }))
}

/// `{"team_lead": USER_ID|null}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TeamLeadBody {
    /// Who hears of this rep's missed deadlines; null: the admins.
    pub team_lead: Option<String>,
}

/// A rep and their team lead.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamLeadView {
    pub user_id: String,
    pub team_lead: Option<String>,
}

/// Names a rep's team lead, who is told when the rep misses a deadline (admin only).
#[utoipa::path(
    put,
    path = "/users/{id}/team_lead",
    tag = "notifications",
    operation_id = "set_team_lead",
    params(("id" = String, Path, description = "The rep's user id")),
    request_body = TeamLeadBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The rep's team lead", body = TeamLeadView),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such rep", body = ErrorBody),
        (status = 422, description = "An unknown team lead, or the rep themselves", body = ErrorBody),
    )
)]
pub async fn set_team_lead(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TeamLeadBody>,
) -> Result<Json<TeamLeadView>, ApiError> {
    caller.require(Role::Admin)?;
    let lead = body
        .team_lead
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    st.store
        .set_team_lead(&id, lead)
        .await
        .map_err(crate::rep::RepError::from_store)?;
    Ok(Json(TeamLeadView {
        team_lead: st.store.team_lead(&id).await?,
        user_id: id,
    }))
}

/// `{"rep","email","name","company","title","phone","note"}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReferralBody {
    pub rep: Option<String>,
    pub email: String,
    pub name: String,
    pub company: String,
    pub title: String,
    pub phone: String,
    pub note: String,
}

/// The logged referral: its lead, now the rep's.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReferralView {
    pub lead_id: String,
    pub owner_id: String,
}

/// A rep logs a referral or networking contact: captured like every lead (source channel
/// `sales_referral`) and assigned to the rep directly.
#[utoipa::path(
    post,
    path = "/referrals",
    tag = "assignments",
    operation_id = "log_referral",
    request_body = ReferralBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The referral's lead, assigned to the rep", body = ReferralView),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The caller may not act for reps", body = ErrorBody),
        (status = 409, description = "The person is a lead assigned to another rep", body = ErrorBody),
        (status = 422, description = "A bad email or field, no `rep`", body = ErrorBody),
    )
)]
pub async fn referral(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<ReferralBody>,
) -> Result<(StatusCode, Json<ReferralView>), ApiError> {
    let rep = super::assignments::acting_rep(&st, &caller, body.rep.as_deref()).await?;
    let input = ReferralInput {
        email: body.email,
        name: body.name,
        company: body.company,
        title: body.title,
        phone: body.phone,
        note: body.note,
    };
    let lead_id = crate::rep::log_referral(
        &st.store,
        &st.capturer,
        &rep,
        &input,
        leadline_store::now_ms(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(ReferralView {
            lead_id,
            owner_id: rep,
        }),
    ))
}
