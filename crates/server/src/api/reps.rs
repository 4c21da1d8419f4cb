//! `/api/v1/reps`, `/api/v1/team_calendar` and `/api/v1/reports/followup`: the reps'
//! working hours and absences routing respects, and whether sales followed up in time.
//!
//! Roles: reading reps and the calendar needs viewer+; changing them is a manager's job
//! (marketer+), except that a sales user may set their own profile (their out-of-office).
//! The follow-up report is for leaders: viewer+.

use axum::Json;
use axum::extract::{Path, Query, State};
use leadline_core::business_hours::Calendar;
use leadline_core::followup::{self, By, FollowupRow};
use leadline_core::time::{parse_rfc3339, rfc3339};
use leadline_store::routing::RepOverview;
use serde::{Deserialize, Serialize};

use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// A rep's routing profile.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RepView {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub disabled: bool,
    /// Their own working hours (`{time_zone, hours: {monday: "09:00-17:00", …}, holidays}`);
    /// null: the team calendar.
    #[schema(value_type = Option<Object>)]
    pub calendar: Option<Calendar>,
    pub out_of_office_from: Option<String>,
    pub out_of_office_until: Option<String>,
    /// Assignments not yet ended.
    pub open_assignments: i64,
}

impl RepView {
    pub fn of(r: RepOverview) -> RepView {
        RepView {
            user_id: r.user_id,
            email: r.email,
            name: r.name,
            role: r.role,
            disabled: r.disabled,
            calendar: r.profile.calendar,
            out_of_office_from: r.profile.out_of_office_from.map(rfc3339),
            out_of_office_until: r.profile.out_of_office_until.map(rfc3339),
            open_assignments: r.open,
        }
    }
}

/// Every sales rep (`next` is always null: a team fits one page).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RepPage {
    pub items: Vec<RepView>,
    pub next: Option<String>,
}

/// The sales reps with their calendars, absences and open assignments.
#[utoipa::path(
    get,
    path = "/reps",
    tag = "routing",
    operation_id = "list_reps",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The reps, by email", body = RepPage),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this", body = ErrorBody),
    )
)]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<RepPage>, ApiError> {
    caller.require(Role::Viewer)?;
    let items = st.store.rep_overviews().await?;
    Ok(Json(RepPage {
        items: items.into_iter().map(RepView::of).collect(),
        next: None,
    }))
}

/// One user's routing profile.
#[utoipa::path(
    get,
    path = "/reps/{user_id}",
    tag = "routing",
    operation_id = "get_rep",
    params(("user_id" = String, Path, description = "User id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = RepView),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    )
)]
pub async fn get_one(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(user_id): Path<String>,
) -> Result<Json<RepView>, ApiError> {
    caller.require(Role::Viewer)?;
    rep_or_404(&st, &user_id).await.map(Json)
}

async fn rep_or_404(st: &AppState, user_id: &str) -> Result<RepView, ApiError> {
    match st.store.rep_overview(user_id).await {
        Ok(r) => Ok(RepView::of(r)),
        Err(leadline_store::StoreError::NotFound) => Err(ApiError::not_found("user")),
        Err(e) => Err(e.into()),
    }
}

/// A rep's new profile; every field replaces the old one (send the calendar again to keep it).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepUpdate {
    /// null or absent: use the team calendar.
    #[schema(value_type = Option<Object>)]
    pub calendar: Option<Calendar>,
    /// RFC 3339; null with an end: out from now.
    pub out_of_office_from: Option<String>,
    /// RFC 3339; null with a start: until further notice.
    pub out_of_office_until: Option<String>,
}

/// A calendar's problem as a 422 naming `{prefix}{field}` (`calendar.hours.monday`).
pub(crate) fn check_calendar(cal: &Calendar, prefix: &str) -> Result<(), ApiError> {
    cal.validate()
        .map(|_| ())
        .map_err(|e| ApiError::invalid(format!("{prefix}{}", e.field()), e.to_string()))
}

/// An optional RFC 3339 field, or a 422 naming it.
fn time_field(value: Option<&str>, field: &str) -> Result<Option<i64>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_rfc3339(v).map(Some).ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("expected an RFC 3339 time such as 2026-12-24T00:00:00Z, got {v:?}"),
            )
        }),
    }
}

/// Checks an absence window: the end after the start.
pub(crate) fn check_window(from: Option<i64>, until: Option<i64>) -> Result<(), ApiError> {
    match (from, until) {
        (Some(f), Some(u)) if u <= f => Err(ApiError::invalid(
            "out_of_office_until",
            "must be after out_of_office_from",
        )),
        _ => Ok(()),
    }
}

/// Sets a user's calendar and out-of-office window; routing skips them while they are away
/// or outside their hours, and waiting leads retry when they are back.
#[utoipa::path(
    put,
    path = "/reps/{user_id}",
    tag = "routing",
    operation_id = "update_rep",
    params(("user_id" = String, Path, description = "User id")),
    request_body = RepUpdate,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = RepView),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the marketer role (or the rep themself)", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, description = "A bad calendar or time; `field` names it (`calendar.hours.monday`)", body = ErrorBody),
    )
)]
pub async fn update(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(user_id): Path<String>,
    JsonBody(body): JsonBody<RepUpdate>,
) -> Result<Json<RepView>, ApiError> {
    if caller.user_id.as_deref() != Some(user_id.as_str()) {
        caller.require(Role::Marketer)?;
    }
    if let Some(c) = &body.calendar {
        check_calendar(c, "calendar.")?;
    }
    let from = time_field(body.out_of_office_from.as_deref(), "out_of_office_from")?;
    let until = time_field(body.out_of_office_until.as_deref(), "out_of_office_until")?;
    check_window(from, until)?;
    let mut profile = match st.store.rep_overview(&user_id).await {
        Ok(r) => r.profile,
        Err(leadline_store::StoreError::NotFound) => return Err(ApiError::not_found("user")),
        Err(e) => return Err(e.into()),
    };
    // Whatever else a profile holds stays as it is.
    profile.calendar = body.calendar;
    profile.out_of_office_from = from;
    profile.out_of_office_until = until;
    st.store.set_rep_profile(&user_id, &profile).await?;
    rep_or_404(&st, &user_id).await.map(Json)
}

/// The team calendar (reps without their own use it).
#[utoipa::path(
    get,
    path = "/team_calendar",
    tag = "routing",
    operation_id = "get_team_calendar",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{time_zone, hours, holidays}`", body = Object),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this", body = ErrorBody),
    )
)]
pub async fn get_calendar(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Calendar>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(st.store.team_calendar().await?))
}

/// Replaces the team calendar.
#[utoipa::path(
    put,
    path = "/team_calendar",
    tag = "routing",
    operation_id = "update_team_calendar",
    request_body = Object,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = Object),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the marketer role", body = ErrorBody),
        (status = 422, description = "A bad calendar; `field` names it (`hours.friday`)", body = ErrorBody),
    )
)]
pub async fn put_calendar(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(cal): JsonBody<Calendar>,
) -> Result<Json<Calendar>, ApiError> {
    caller.require(Role::Marketer)?;
    check_calendar(&cal, "")?;
    st.store.set_team_calendar(&cal).await?;
    Ok(Json(st.store.team_calendar().await?))
}

/// `?by=rep|team|source|month|reason&from=&to=` of the follow-up report (`reason`: why reps
/// rejected leads).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowupQuery {
    /// `rep` (default), `team`, `source` or `month`.
    pub by: Option<String>,
    /// Assignments made from this day (`YYYY-MM-DD`, UTC) or time on; default 90 days before `to`.
    pub from: Option<String>,
    /// The report as of this day's end or this time: later deadlines are pending, later
    /// assignments left out. Default: now.
    pub to: Option<String>,
}

/// A never-touched lead.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Untouched {
    pub lead_id: String,
    pub owner: String,
    pub team: Option<String>,
    pub source: String,
    pub assigned_at: String,
    pub rejected: bool,
}

/// The follow-up report: rows by the key (last row `total`), and the leads never touched.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FollowupReport {
    pub by: String,
    pub from: String,
    pub to: String,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<FollowupRow>,
    pub never_touched: Vec<Untouched>,
}

/// `YYYY-MM-DD` (the day's start, or its end when `end`) or RFC 3339.
fn day_or_time(value: &str, field: &str, end: bool) -> Result<i64, ApiError> {
    let v = value.trim();
    let parsed = if v.len() == 10 {
        parse_rfc3339(&format!("{v}T00:00:00Z")).map(|t| if end { t + 86_399_999 } else { t })
    } else {
        parse_rfc3339(v)
    };
    parsed.ok_or_else(|| {
        ApiError::invalid(
            field,
            format!("expected a day YYYY-MM-DD or an RFC 3339 time, got {v:?}"),
        )
    })
}

/// Builds the report from the query; the CLI's `report followup --days N --as-of T` gives the
/// same numbers for `from = T - N days`, `to = T`.
pub(crate) async fn followup_report(
    st: &AppState,
    q: &FollowupQuery,
    now: i64,
) -> Result<FollowupReport, ApiError> {
    let by_text = q.by.as_deref().map(str::trim).unwrap_or("rep");
    let by = match by_text {
        "" | "rep" => By::Rep,
        "team" => By::Team,
        "source" => By::Source,
        "month" => By::Month,
        "reason" => By::Reason,
        _ => {
            return Err(ApiError::invalid(
                "by",
                "`by` must be rep, team, source, month or reason",
            ));
        }
    };
    let to = match q.to.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => day_or_time(t, "to", true)?,
        None => now,
    };
    let from = match q.from.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(f) => day_or_time(f, "from", false)?,
        None => to - 90 * 86_400_000,
    };
    if from > to {
        return Err(ApiError::invalid("from", "`from` must not be after `to`"));
    }
    let mut handovers = st.store.handovers(from).await?;
    handovers.retain(|h| h.assigned_at <= to);
    let never = followup::never_touched(&handovers, to)
        .into_iter()
        .map(|h| Untouched {
            lead_id: h.lead_id.clone(),
            owner: h.owner.clone(),
            team: h.team.clone(),
            source: h.source.clone(),
            assigned_at: rfc3339(h.assigned_at),
            rejected: h.rejected_at.is_some(),
        })
        .collect();
    Ok(FollowupReport {
        by: if by_text.is_empty() { "rep" } else { by_text }.to_owned(),
        from: rfc3339(from),
        to: rfc3339(to),
        items: followup::report(&handovers, by, to),
        never_touched: never,
    })
}

/// Did sales accept and touch the leads handed to them in time? Shares by rep, team,
/// source or month, and the leads never touched.
#[utoipa::path(
    get,
    path = "/reports/followup",
    tag = "reports",
    operation_id = "followup_report",
    params(FollowupQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report", body = FollowupReport),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this", body = ErrorBody),
        (status = 422, description = "A bad `by`, `from` or `to` (named in `field`)", body = ErrorBody),
    )
)]
pub async fn followup_api(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<FollowupQuery>,
) -> Result<Json<FollowupReport>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(
        followup_report(&st, &q, leadline_store::now_ms()).await?,
    ))
}
