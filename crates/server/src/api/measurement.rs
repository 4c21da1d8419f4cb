//! Measurement reports over the API: attribution (`/reports/attribution`) and campaign ROI
//! (`/reports/roi`), for a period (`period=last-quarter` or `from`/`to` days) and models.
//! The UI pages call the same builders, so a page and the API never disagree.

use axum::Json;
use axum::extract::{Query, State};
use leadline_core::attribution::Model;
use leadline_core::journey::credit::{self, Settings};
use leadline_core::journey::report::{AttributionReport, By, RoiReport, RoiRow};
use leadline_core::journey::{
    DEFAULT_HALF_LIFE_DAYS, DEFAULT_LOOKBACK_DAYS, MARKOV_ORDERS, Outcome,
};
use leadline_core::period::{self, Period};
use serde::{Deserialize, Serialize};

use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// `?outcome=&model=&by=&period=&from=&to=&lookback_days=&half_life_days=&markov_order=`.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttributionQuery {
    /// `leads` (default), `mqls`, `opportunities` or `revenue`.
    pub outcome: Option<String>,
    /// One model, several joined by commas, or `all` (default).
    pub model: Option<String>,
    /// `channel` (default) or `campaign`.
    pub by: Option<String>,
    /// A named period (`last-quarter`, the default; `this-quarter`, `last-30-days`, …).
    pub period: Option<String>,
    /// First day `YYYY-MM-DD` (UTC), with `to`; wins over `period`.
    pub from: Option<String>,
    /// Last day, included.
    pub to: Option<String>,
    /// Touches older than this many days before a conversion do not count (default 365).
    pub lookback_days: Option<u32>,
    /// Time decay's half-life in days (default 7).
    pub half_life_days: Option<f64>,
    /// Markov's order, 1 to 8 (default 1): its states are windows of this many touches.
    pub markov_order: Option<u32>,
}

/// `?by=&model=&period=&from=&to=&lookback_days=&half_life_days=&markov_order=` of the ROI
/// report.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoiQuery {
    /// `campaign` (default) or `channel`.
    pub by: Option<String>,
    /// The model crediting leads to revenue (default `w-shaped`).
    pub model: Option<String>,
    pub period: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// As in the attribution report (default 365).
    pub lookback_days: Option<u32>,
    /// As in the attribution report (default 7).
    pub half_life_days: Option<f64>,
    /// As in the attribution report (default 1).
    pub markov_order: Option<u32>,
}

/// The attribution report (see `core::journey::report::AttributionReport`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct AttributionBody(pub AttributionReport);

/// Campaign ROI: rows by the chosen key, and the total.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoiBody {
    pub model: String,
    pub from: String,
    pub to: String,
    pub by: String,
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<RoiRow>,
    #[schema(value_type = Object)]
    pub total: RoiRow,
}

/// A query value, trimmed; empty counts as absent (an HTML form sends empty fields).
pub(crate) fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The report period from the `period`, `from` and `to` query values; a 422 names the field.
pub(crate) fn period_of(
    p: &Option<String>,
    from: &Option<String>,
    to: &Option<String>,
    now: i64,
) -> Result<Period, ApiError> {
    period::resolve(p.as_deref(), from.as_deref(), to.as_deref(), now)
        .map_err(|e| ApiError::invalid(e.field, e.message))
}

/// What `markov_order` takes, said when it holds something else (the API and the page).
pub(crate) const MARKOV_ORDER_HINT: &str = "expected a whole number from 1 to 8";

/// The attribution settings from the windows' query values; a 422 names the field.
fn settings(
    lookback_days: Option<u32>,
    half_life_days: Option<f64>,
    markov_order: Option<u32>,
) -> Result<Settings, ApiError> {
    let half = half_life_days.unwrap_or(DEFAULT_HALF_LIFE_DAYS);
    if !(half.is_finite() && half > 0.0) {
        return Err(ApiError::invalid(
            "half_life_days",
            "expected a positive number of days",
        ));
    }
    let lookback = lookback_days.unwrap_or(DEFAULT_LOOKBACK_DAYS);
    if !(1..=3650).contains(&lookback) {
        return Err(ApiError::invalid(
            "lookback_days",
            "expected 1 to 3650 days",
        ));
    }
    let markov_order = markov_order.unwrap_or(1);
    if !MARKOV_ORDERS.contains(&markov_order) {
        return Err(ApiError::invalid("markov_order", MARKOV_ORDER_HINT));
    }
    Ok(Settings {
        lookback_days: lookback,
        half_life_days: half,
        markov_order,
    })
}

fn by_of(v: &Option<String>, default: By) -> Result<By, ApiError> {
    match text(v) {
        None => Ok(default),
        Some(t) => {
            By::parse(t).ok_or_else(|| ApiError::invalid("by", "`by` must be channel or campaign"))
        }
    }
}

/// Builds the attribution report from the query.
pub(crate) async fn attribution_report(
    st: &AppState,
    q: &AttributionQuery,
    now: i64,
) -> Result<AttributionReport, ApiError> {
    let outcome = match text(&q.outcome) {
        None => Outcome::Leads,
        Some(t) => Outcome::parse(t)
            .filter(|o| Outcome::REPORTED.contains(o))
            .ok_or_else(|| {
                ApiError::invalid(
                    "outcome",
                    "`outcome` must be leads, mqls, opportunities or revenue",
                )
            })?,
    };
    let settings = settings(q.lookback_days, q.half_life_days, q.markov_order)?;
    let models = credit::models(text(&q.model).unwrap_or("all"), &settings)
        .map_err(|e| ApiError::invalid("model", e))?;
    let by = by_of(&q.by, By::Channel)?;
    let period = period_of(&q.period, &q.from, &q.to, now)?;
    Ok(st
        .store
        .attribution_report(outcome, period, by, &models, settings)
        .await?)
}

/// Builds the ROI report (both views) and the model it used.
pub(crate) async fn roi_report(
    st: &AppState,
    q: &RoiQuery,
    now: i64,
) -> Result<RoiReport, ApiError> {
    let settings = settings(q.lookback_days, q.half_life_days, q.markov_order)?;
    let model: Model = match credit::models(text(&q.model).unwrap_or("w-shaped"), &settings)
        .map_err(|e| ApiError::invalid("model", e))?
        .as_slice()
    {
        [m] => m.clone(),
        _ => {
            return Err(ApiError::invalid(
                "model",
                "ROI takes one model, e.g. w-shaped",
            ));
        }
    };
    let period = period_of(&q.period, &q.from, &q.to, now)?;
    Ok(st.store.roi_report(period, &model, settings).await?)
}

/// Which channels or campaigns get the credit for leads, MQLs, opportunities (pipeline) or
/// revenue in a period, under each model side by side, with the self-reported channel, a
/// monthly trend and markers.
#[utoipa::path(
    get,
    path = "/reports/attribution",
    tag = "reports",
    operation_id = "attribution_report",
    params(AttributionQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report", body = AttributionBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this", body = ErrorBody),
        (status = 422, description = "A bad parameter, named in `field`", body = ErrorBody),
    )
)]
pub async fn attribution_api(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<AttributionQuery>,
) -> Result<Json<AttributionBody>, ApiError> {
    caller.require(Role::Viewer)?;
    let r = attribution_report(&st, &q, leadline_store::now_ms()).await?;
    Ok(Json(AttributionBody(r)))
}

/// Campaign ROI for a period and a model: cost, attributed leads to customers, cost per
/// stage, pipeline, won revenue and ROI = (revenue − cost) / cost, by campaign or channel.
#[utoipa::path(
    get,
    path = "/reports/roi",
    tag = "reports",
    operation_id = "roi_report",
    params(RoiQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report", body = RoiBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this", body = ErrorBody),
        (status = 422, description = "A bad parameter, named in `field`", body = ErrorBody),
    )
)]
pub async fn roi_api(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<RoiQuery>,
) -> Result<Json<RoiBody>, ApiError> {
    caller.require(Role::Viewer)?;
    let by = by_of(&q.by, By::Campaign)?;
    let r = roi_report(&st, &q, leadline_store::now_ms()).await?;
    Ok(Json(RoiBody {
        model: r.model.to_owned(),
        from: r.from,
        to: r.to,
        by: by.as_str().to_owned(),
        rows: match by {
            By::Channel => r.by_channel,
            By::Campaign => r.by_campaign,
        },
        total: r.total,
    }))
}
