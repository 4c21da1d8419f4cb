//! `/api/v1/opportunities`: deals from conversion to close. Reads need the viewer role,
//! changes the sales role (marketers and admins included; API keys act as admins).
//! Contacts, the checklist, the ROI estimate and the share link are in `extras.rs`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use leadline_core::opportunity::OppStage;
use leadline_store::StoreError;
use leadline_store::opportunities::{
    NewOpportunity, OppFilter, OppPatch, OppStageChange, Opportunity, PipelineStage, StageMove,
};
use leadline_store::page::Page;
use serde::Deserialize;

use super::Paging;
use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

pub(crate) mod extras;

/// A store refusal as the API answers it: a checked field (`"amount_minor: must be …"`) is a
/// 422 naming the field; the rest as usual.
pub(crate) fn store_err(e: StoreError) -> ApiError {
    match e {
        StoreError::Invalid(msg) => {
            let field = msg
                .split_once(": ")
                .map(|(f, _)| f)
                .filter(|f| f.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .unwrap_or("body")
                .to_owned();
            ApiError::invalid(field, msg)
        }
        StoreError::NotFound => ApiError::not_found("opportunity"),
        other => other.into(),
    }
}

/// The deal, or a 404.
pub(crate) async fn opp_or_404(st: &AppState, id: &str) -> Result<Opportunity, ApiError> {
    st.store.get_opportunity(id).await.map_err(store_err)
}

/// The opportunity list's filters (the paging parameters are [`Paging`]).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OppQuery {
    /// A stage (`needs_analysis` … `closed_lost`), or `open` for every open stage.
    pub stage: Option<String>,
    /// Owner user id.
    pub owner: Option<String>,
    /// Account id.
    pub account: Option<String>,
    /// Primary lead id.
    pub lead: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    pub paging: Paging,
}

impl OppQuery {
    /// The store's filter.
    pub fn filter(&self) -> OppFilter {
        OppFilter {
            stage: self.stage.clone(),
            owner: self.owner.clone(),
            account: self.account.clone(),
            lead: self.lead.clone(),
        }
    }
}

/// Lists deals, newest first.
#[utoipa::path(
    get,
    path = "/opportunities",
    tag = "opportunities",
    operation_id = "list_opportunities",
    params(OppQuery, Paging),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of deals", body = Page<Opportunity>),
        (status = 400, description = "A bad `after` or `limit`", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the viewer role", body = ErrorBody),
        (status = 422, description = "An unknown stage", body = ErrorBody),
    )
)]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<OppQuery>,
) -> Result<Json<Page<Opportunity>>, ApiError> {
    caller.require(Role::Viewer)?;
    let (cursor, limit) = q.paging.parse()?;
    st.store
        .list_opportunities(&q.filter(), cursor.as_ref(), limit)
        .await
        .map(Json)
        .map_err(store_err)
}

/// Converts a lead into a deal: MQL, SAL and SQL leads (the lead moves to `opportunity`),
/// or a customer (an expansion deal; it stays a customer). The lead becomes the primary
/// contact with `role`; the deal takes the lead's account.
#[utoipa::path(
    post,
    path = "/opportunities",
    tag = "opportunities",
    operation_id = "create_opportunity",
    request_body = NewOpportunity,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new deal", body = Opportunity),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the sales role", body = ErrorBody),
        (status = 404, description = "No such lead", body = ErrorBody),
        (status = 409, description = "The lead is not sales-ready (`not_sales_ready`) or has an open deal (`already_opportunity`)", body = ErrorBody),
        (status = 422, description = "A field that does not check (see `field`)", body = ErrorBody),
    )
)]
pub async fn create(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<NewOpportunity>,
) -> Result<(StatusCode, Json<Opportunity>), ApiError> {
    caller.require(Role::Sales)?;
    if body.lead_id.trim().is_empty() {
        return Err(ApiError::invalid("lead_id", "name the lead to convert"));
    }
    let now = leadline_store::now_ms();
    match st
        .store
        .convert_to_opportunity(&body, caller.user_id.as_deref(), now)
        .await
    {
        Ok(o) => Ok((StatusCode::CREATED, Json(o))),
        Err(StoreError::NotFound) => Err(ApiError::not_found("lead")),
        Err(e) => Err(store_err(e)),
    }
}

/// Reads one deal.
#[utoipa::path(
    get,
    path = "/opportunities/{id}",
    tag = "opportunities",
    operation_id = "get_opportunity",
    params(("id" = String, Path, description = "Opportunity id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The deal", body = Opportunity),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the viewer role", body = ErrorBody),
        (status = 404, description = "No such deal", body = ErrorBody),
    )
)]
pub async fn get_one(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Opportunity>, ApiError> {
    caller.require(Role::Viewer)?;
    opp_or_404(&st, &id).await.map(Json)
}

/// Changes a deal's fields; absent fields stay, `null` clears. A closed deal's amount,
/// currency, probability and close date are final (409 `closed`).
#[utoipa::path(
    patch,
    path = "/opportunities/{id}",
    tag = "opportunities",
    operation_id = "update_opportunity",
    params(("id" = String, Path, description = "Opportunity id")),
    request_body = OppPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The deal after the change", body = Opportunity),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the sales role", body = ErrorBody),
        (status = 404, description = "No such deal", body = ErrorBody),
        (status = 409, description = "The deal is closed", body = ErrorBody),
        (status = 422, description = "A field that does not check (see `field`)", body = ErrorBody),
    )
)]
pub async fn update(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<OppPatch>,
) -> Result<Json<Opportunity>, ApiError> {
    caller.require(Role::Sales)?;
    let now = leadline_store::now_ms();
    st.store
        .update_opportunity(&id, &patch, now)
        .await
        .map(Json)
        .map_err(store_err)
}

/// A stage move.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OppStageMove {
    #[schema(example = "closed_won")]
    pub stage: String,
    /// Why, for the deal's history.
    pub reason: Option<String>,
    /// Required for `closed_lost`.
    pub lost_reason: Option<String>,
    /// Who won instead, for `closed_lost`.
    pub competitor: Option<String>,
    /// The final amount, when it changed.
    pub amount_minor: Option<i64>,
}

/// Moves a deal to another stage. Any open stage may go to any other; closed deals are
/// final. `closed_won` makes the primary lead a customer and the account a customer
/// account; `closed_lost` needs `lost_reason`.
#[utoipa::path(
    post,
    path = "/opportunities/{id}/stage",
    tag = "opportunities",
    operation_id = "move_opportunity_stage",
    params(("id" = String, Path, description = "Opportunity id")),
    request_body = OppStageMove,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The deal after the move", body = Opportunity),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the sales role", body = ErrorBody),
        (status = 404, description = "No such deal", body = ErrorBody),
        (status = 409, description = "The deal is closed (`closed`)", body = ErrorBody),
        (status = 422, description = "An unknown or unchanged stage, lost without a reason (see `field`)", body = ErrorBody),
    )
)]
pub async fn move_stage(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<OppStageMove>,
) -> Result<Json<Opportunity>, ApiError> {
    caller.require(Role::Sales)?;
    let to = OppStage::parse(&body.stage).ok_or_else(|| {
        ApiError::invalid(
            "stage",
            format!(
                "`stage` must be one of {}",
                OppStage::ALL.map(OppStage::as_str).join(", ")
            ),
        )
    })?;
    let mv = StageMove {
        to,
        reason: body.reason,
        lost_reason: body.lost_reason,
        competitor: body.competitor,
        amount_minor: body.amount_minor,
    };
    let now = leadline_store::now_ms();
    st.store
        .move_opportunity_stage(&id, &mv, caller.user_id.as_deref(), now)
        .await
        .map(Json)
        .map_err(store_err)
}

/// A deal's stage moves, oldest first.
#[utoipa::path(
    get,
    path = "/opportunities/{id}/stage_changes",
    tag = "opportunities",
    operation_id = "list_opportunity_stage_changes",
    params(("id" = String, Path, description = "Opportunity id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every move (one page)", body = Page<OppStageChange>),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the viewer role", body = ErrorBody),
        (status = 404, description = "No such deal", body = ErrorBody),
    )
)]
pub async fn stage_changes(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Page<OppStageChange>>, ApiError> {
    caller.require(Role::Viewer)?;
    let o = opp_or_404(&st, &id).await?;
    let items = st.store.opportunity_stage_changes(&o.id).await?;
    Ok(Json(Page { items, next: None }))
}

/// `?owner=`: one rep's pipeline.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PipelineQuery {
    /// Owner user id; every deal when omitted.
    pub owner: Option<String>,
}

/// The pipeline by stage and currency: deals, amounts and probability-weighted amounts.
#[utoipa::path(
    get,
    path = "/opportunities/pipeline",
    tag = "opportunities",
    operation_id = "get_opportunity_pipeline",
    params(PipelineQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One row per stage and currency (one page)", body = Page<PipelineStage>),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the viewer role", body = ErrorBody),
    )
)]
pub async fn pipeline(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<PipelineQuery>,
) -> Result<Json<Page<PipelineStage>>, ApiError> {
    caller.require(Role::Viewer)?;
    let owner = q.owner.as_deref().filter(|o| !o.trim().is_empty());
    let items = st.store.opportunity_pipeline(owner).await?;
    Ok(Json(Page { items, next: None }))
}
