//! `/api/v1/opportunities/{id}/…`: the people in a deal, the proposal checklist, the ROI
//! estimate (JSON and CSV) and its public share link.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use leadline_core::roi::{RoiEstimate, RoiInputs};
use leadline_store::opportunities::{OppContact, Opportunity};
use leadline_store::page::Page;
use serde::{Deserialize, Serialize};

use super::{opp_or_404, store_err};
use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// The people in a deal and their parts.
#[utoipa::path(
    get,
    path = "/opportunities/{id}/contacts",
    tag = "opportunities",
    operation_id = "list_opportunity_contacts",
    params(("id" = String, Path, description = "Opportunity id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every contact role (one page)", body = Page<OppContact>),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the viewer role", body = ErrorBody),
        (status = 404, description = "No such deal", body = ErrorBody),
    )
)]
pub async fn contacts(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Page<OppContact>>, ApiError> {
    caller.require(Role::Viewer)?;
    let o = opp_or_404(&st, &id).await?;
    let items = st.store.opportunity_contacts(&o.id).await?;
    Ok(Json(Page { items, next: None }))
}

/// A person's part in a deal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    pub lead_id: String,
    /// `decision_maker`, `economic_buyer`, `champion`, `influencer`, `technical_evaluator`,
    /// `user`, `blocker` or `other`.
    #[schema(example = "economic_buyer")]
    pub role: String,
}

/// Names a person's part in a deal (a person may play several).
#[utoipa::path(
    post,
    path = "/opportunities/{id}/contacts",
    tag = "opportunities",
    operation_id = "add_opportunity_contact",
    params(("id" = String, Path, description = "Opportunity id")),
    request_body = ContactIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The deal's contacts after the change (one page)", body = Page<OppContact>),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the sales role", body = ErrorBody),
        (status = 404, description = "No such deal", body = ErrorBody),
        (status = 409, description = "The person already plays this part", body = ErrorBody),
        (status = 422, description = "An unknown lead or role (see `field`)", body = ErrorBody),
    )
)]
pub async fn add_contact(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ContactIn>,
) -> Result<(StatusCode, Json<Page<OppContact>>), ApiError> {
    caller.require(Role::Sales)?;
    let now = leadline_store::now_ms();
    st.store
        .add_opportunity_contact(&id, body.lead_id.trim(), &body.role, now)
        .await
        .map_err(store_err)?;
    let items = st.store.opportunity_contacts(&id).await?;
    Ok((StatusCode::CREATED, Json(Page { items, next: None })))
}

/// Removes a person's part in a deal.
#[utoipa::path(
    delete,
    path = "/opportunities/{id}/contacts/{lead_id}/{role}",
    tag = "opportunities",
    operation_id = "remove_opportunity_contact",
    params(
        ("id" = String, Path, description = "Opportunity id"),
        ("lead_id" = String, Path, description = "Lead id"),
        ("role" = String, Path, description = "The part to remove"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the sales role", body = ErrorBody),
        (status = 404, description = "No such deal, or the person does not play this part", body = ErrorBody),
    )
)]
pub async fn remove_contact(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((id, lead_id, role)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Sales)?;
    let now = leadline_store::now_ms();
    match st
        .store
        .remove_opportunity_contact(&id, &lead_id, &role, now)
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(leadline_store::StoreError::NotFound) => Err(ApiError::not_found("contact role")),
        Err(e) => Err(store_err(e)),
    }
}

/// Ticks or unticks a proposal checklist item.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tick {
    pub done: bool,
}

/// Ticks (or unticks) item `index` (from 0) of the deal's proposal checklist.
#[utoipa::path(
    put,
    path = "/opportunities/{id}/checklist/{index}",
    tag = "opportunities",
    operation_id = "set_opportunity_checklist_item",
    params(
        ("id" = String, Path, description = "Opportunity id"),
        ("index" = usize, Path, description = "Item, from 0"),
    ),
    request_body = Tick,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The deal after the change", body = Opportunity),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the sales role", body = ErrorBody),
        (status = 404, description = "No such deal", body = ErrorBody),
        (status = 422, description = "No such item (`field`: `item`)", body = ErrorBody),
    )
)]
pub async fn tick(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path((id, index)): Path<(String, usize)>,
    JsonBody(body): JsonBody<Tick>,
) -> Result<Json<Opportunity>, ApiError> {
    caller.require(Role::Sales)?;
    let now = leadline_store::now_ms();
    st.store
        .set_checklist_item(&id, index, body.done, now)
        .await
        .map(Json)
        .map_err(store_err)
}

/// A deal's ROI estimate: the inputs and what they give.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoiView {
    #[schema(value_type = Object)]
    pub inputs: RoiInputs,
    /// `payback_months`, `roi_percent`, `npv`, totals and the monthly `schedule`.
    #[schema(value_type = Object)]
    pub estimate: RoiEstimate,
}

/// The estimate of a deal's saved inputs, or a 404 `no_roi_estimate`.
pub(crate) fn roi_of(o: &Opportunity) -> Result<RoiView, ApiError> {
    let inputs = o.roi_inputs.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_roi_estimate",
            "this deal has no ROI estimate yet: PUT its inputs to /opportunities/{id}/roi",
        )
    })?;
    let estimate = inputs
        .estimate()
        .map_err(|e| ApiError::invalid(e.field, e.to_string()))?;
    Ok(RoiView { inputs, estimate })
}

/// The deal's ROI estimate: payback period, ROI %, NPV and the monthly schedule.
#[utoipa::path(
    get,
    path = "/opportunities/{id}/roi",
    tag = "opportunities",
    operation_id = "get_opportunity_roi",
    params(("id" = String, Path, description = "Opportunity id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The estimate", body = RoiView),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the viewer role", body = ErrorBody),
        (status = 404, description = "No such deal, or no estimate yet (`no_roi_estimate`)", body = ErrorBody),
    )
)]
pub async fn get_roi(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<RoiView>, ApiError> {
    caller.require(Role::Viewer)?;
    roi_of(&opp_or_404(&st, &id).await?).map(Json)
}

/// Saves the ROI inputs (amounts in minor units per month) and answers the estimate.
#[utoipa::path(
    put,
    path = "/opportunities/{id}/roi",
    tag = "opportunities",
    operation_id = "put_opportunity_roi",
    params(("id" = String, Path, description = "Opportunity id")),
    request_body(content = Object, description = "`current_cost_monthly`, `expected_savings_monthly`, `price_upfront`, `price_monthly`, `horizon_months` (1–120), `discount_rate` (yearly, 0–1, default 0.08)"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The estimate", body = RoiView),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the sales role", body = ErrorBody),
        (status = 404, description = "No such deal", body = ErrorBody),
        (status = 422, description = "An input that makes no estimate (see `field`)", body = ErrorBody),
    )
)]
pub async fn put_roi(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(inputs): JsonBody<RoiInputs>,
) -> Result<Json<RoiView>, ApiError> {
    caller.require(Role::Sales)?;
    let now = leadline_store::now_ms();
    let o = st
        .store
        .save_roi_inputs(&id, &inputs, now)
        .await
        .map_err(store_err)?;
    roi_of(&o).map(Json)
}

/// The schedule as CSV: numbers stay numbers, any other cell is neutralised against
/// spreadsheet formulas.
pub(crate) fn roi_csv(id: &str, estimate: &RoiEstimate) -> Response {
    let mut w = csv::Writer::from_writer(Vec::new());
    for line in estimate.to_csv().lines() {
        let cells: Vec<String> = line
            .split(',')
            .map(|c| match c.parse::<f64>() {
                Ok(_) => c.to_owned(),
                Err(_) => leadline_core::export::csv_safe(c).into_owned(),
            })
            .collect();
        let _ = w.write_record(&cells);
    }
    let body = w.into_inner().unwrap_or_default();
    let name: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"roi-{name}.csv\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The ROI schedule as CSV (month, savings, cost, cumulative, discounted cumulative; minor
/// units).
#[utoipa::path(
    get,
    path = "/opportunities/{id}/roi.csv",
    tag = "opportunities",
    operation_id = "get_opportunity_roi_csv",
    params(("id" = String, Path, description = "Opportunity id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The schedule", content_type = "text/csv", body = String),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the viewer role", body = ErrorBody),
        (status = 404, description = "No such deal, or no estimate yet", body = ErrorBody),
    )
)]
pub async fn get_roi_csv(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(Role::Viewer)?;
    let o = opp_or_404(&st, &id).await?;
    let view = roi_of(&o)?;
    Ok(roi_csv(&o.id, &view.estimate))
}

/// The public link of a deal's ROI page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Shared {
    pub token: String,
    /// The page's path: `/roi/{token}` (signed out, read-only, not indexed).
    pub path: String,
}

/// Shares the deal's ROI estimate as a public, read-only page at an unguessable address
/// (the same address each time until unshared).
#[utoipa::path(
    post,
    path = "/opportunities/{id}/share",
    tag = "opportunities",
    operation_id = "share_opportunity_roi",
    params(("id" = String, Path, description = "Opportunity id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The link", body = Shared),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the sales role", body = ErrorBody),
        (status = 404, description = "No such deal", body = ErrorBody),
    )
)]
pub async fn share(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Shared>, ApiError> {
    caller.require(Role::Sales)?;
    let token = st
        .store
        .share_roi(&id, &crate::auth::random_token(24))
        .await
        .map_err(store_err)?;
    Ok(Json(Shared {
        path: format!("/roi/{token}"),
        token,
    }))
}

/// Stops sharing: the old link answers 404.
#[utoipa::path(
    delete,
    path = "/opportunities/{id}/share",
    tag = "opportunities",
    operation_id = "unshare_opportunity_roi",
    params(("id" = String, Path, description = "Opportunity id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "No longer shared"),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the sales role", body = ErrorBody),
        (status = 404, description = "No such deal", body = ErrorBody),
    )
)]
pub async fn unshare(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Sales)?;
    st.store.unshare_roi(&id).await.map_err(store_err)?;
    Ok(StatusCode::NO_CONTENT)
}
