//! `/api/v1/costs` and `/api/v1/markers`: what marketing spent (typed in or imported from an
//! ad platform's CSV) and the dated indirect touches trend charts show.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use leadline_core::Channel;
use leadline_core::costs::{parse_amount, parse_cost_csv, parse_currency, parse_day};
use leadline_store::costs::{Cost, CostFilter, CostImport, NewCost};
use leadline_store::markers::{Marker, NewMarker};
use leadline_store::page::Page;
use serde::Deserialize;

use super::Paging;
use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// Filters of the cost list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CostQuery {
    /// First day, `YYYY-MM-DD` (inclusive).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (inclusive).
    pub to: Option<String>,
    pub campaign_id: Option<String>,
    /// A channel name such as `paid_search`.
    pub channel: Option<String>,
    pub after: Option<String>,
    pub limit: Option<String>,
}

/// A cost to record: a campaign (its channel) or a channel alone.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CostInput {
    pub campaign_id: Option<String>,
    /// Needed without `campaign_id`.
    pub channel: Option<String>,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// A decimal amount as text (`"1234.50"`), or minor units in `amount_minor`.
    pub amount: Option<String>,
    pub amount_minor: Option<i64>,
    /// Default: the campaign's currency, else USD.
    pub currency: Option<String>,
    pub note: Option<String>,
}

/// `?create_campaigns=CHANNEL` of the import.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Create campaigns the file names but Leadline does not know, in this channel.
    pub create_campaigns: Option<String>,
}

/// A marker to record.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkerInput {
    /// `YYYY-MM-DD` or an RFC 3339 time.
    pub at: String,
    pub channel: String,
    pub campaign_id: Option<String>,
    pub title: String,
    pub url: Option<String>,
    pub note: Option<String>,
}

/// `?from=&to=&after=&limit=` of the marker list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MarkerQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// The `next` value of the previous page; omit for the first page.
    pub after: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    pub limit: Option<String>,
}

const DAY_MS: i64 = 86_400_000;

fn day_param(v: Option<&str>, field: &str) -> Result<Option<i64>, ApiError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_day(s)
            .map(Some)
            .ok_or_else(|| ApiError::invalid(field, format!("`{field}` must be a day YYYY-MM-DD"))),
    }
}

fn channel_param(v: &str, field: &str) -> Result<Channel, ApiError> {
    Channel::parse(v).ok_or_else(|| {
        ApiError::invalid(
            field,
            format!("`{field}` must be a channel name such as paid_search, found {v:?}"),
        )
    })
}

/// A store refusal (`field: message`) as a 422 on that field.
fn store_invalid(e: leadline_store::StoreError) -> ApiError {
    match e {
        leadline_store::StoreError::Invalid(msg) => {
            let field = msg
                .split_once(':')
                .map(|(f, _)| f.to_owned())
                .unwrap_or_default();
            ApiError::invalid(field, msg)
        }
        leadline_store::StoreError::NotFound => {
            ApiError::invalid("campaign_id", "no campaign has this id")
        }
        e => e.into(),
    }
}

/// Costs, newest day first.
#[utoipa::path(get, path = "/costs", tag = "campaigns", operation_id = "list_costs",
    params(CostQuery), security(("bearer" = [])),
    responses((status = 200, description = "One page of costs", body = Page<Cost>),
              (status = 400, description = "A bad cursor or limit", body = ErrorBody),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "The caller's role may not do this", body = ErrorBody),
              (status = 422, description = "A bad filter", body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<CostQuery>,
) -> Result<Json<Page<Cost>>, ApiError> {
    caller.require(Role::Viewer)?;
    let (cursor, limit) = Paging {
        after: q.after.clone(),
        limit: q.limit.clone(),
    }
    .parse()?;
    let channel = match q.channel.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(channel_param(c, "channel")?.as_str().to_owned()),
        None => None,
    };
    let f = CostFilter {
        from: day_param(q.from.as_deref(), "from")?,
        to: day_param(q.to.as_deref(), "to")?.map(|d| d + DAY_MS),
        campaign_id: q.campaign_id.clone().filter(|c| !c.is_empty()),
        channel,
    };
    Ok(Json(st.store.costs(&f, cursor.as_ref(), limit).await?))
}

/// Records a cost.
#[utoipa::path(post, path = "/costs", tag = "campaigns", operation_id = "create_cost",
    request_body = CostInput, security(("bearer" = [])),
    responses((status = 201, description = "Recorded", body = Cost),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the marketer role", body = ErrorBody),
              (status = 422, description = "A bad field, named in `field`", body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<CostInput>,
) -> Result<(StatusCode, Json<Cost>), ApiError> {
    caller.require(Role::Marketer)?;
    let new = cost_from(&st, &input).await?;
    let cost = st
        .store
        .add_cost(&new, caller.user_id.as_deref(), leadline_store::now_ms())
        .await
        .map_err(store_invalid)?;
    Ok((StatusCode::CREATED, Json(cost)))
}

async fn cost_from(st: &AppState, input: &CostInput) -> Result<NewCost, ApiError> {
    let day = parse_day(&input.day)
        .ok_or_else(|| ApiError::invalid("day", "`day` must be YYYY-MM-DD"))?;
    let channel = match input.channel.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(channel_param(c, "channel")?),
        None if input.campaign_id.is_none() => {
            return Err(ApiError::invalid(
                "channel",
                "give `campaign_id` or `channel`",
            ));
        }
        None => None,
    };
    let currency = match input.currency.as_deref() {
        Some(c) => Some(parse_currency(c).ok_or_else(|| {
            ApiError::invalid("currency", "`currency` must be a code such as EUR")
        })?),
        None => None,
    };
    let campaign_currency = match &input.campaign_id {
        Some(id) => Some(
            st.store
                .get_campaign(id)
                .await
                .map_err(store_invalid)?
                .currency,
        ),
        None => None,
    };
    let exp_currency = currency
        .clone()
        .or(campaign_currency)
        .unwrap_or_else(|| "USD".into());
    let amount_minor = match (&input.amount, input.amount_minor) {
        (Some(a), None) => parse_amount(a, leadline_core::costs::currency_exponent(&exp_currency))
            .map_err(|m| ApiError::invalid("amount", m))?,
        (None, Some(m)) if m > 0 => m,
        _ => {
            return Err(ApiError::invalid(
                "amount",
                "give a positive `amount` (\"1234.50\") or `amount_minor`",
            ));
        }
    };
    Ok(NewCost {
        campaign_id: input.campaign_id.clone(),
        channel,
        day,
        amount_minor,
        currency,
        note: input.note.clone(),
    })
}

/// Removes a cost.
#[utoipa::path(delete, path = "/costs/{id}", tag = "campaigns", operation_id = "delete_cost",
    params(("id" = String, Path, description = "Cost id")), security(("bearer" = [])),
    responses((status = 204, description = "Removed"),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the marketer role", body = ErrorBody),
              (status = 404, description = "No such cost", body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Marketer)?;
    st.store.delete_cost(&id).await.map_err(|e| match e {
        leadline_store::StoreError::NotFound => ApiError::not_found("cost"),
        e => e.into(),
    })?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports an ad platform's cost export (`text/csv`: `date,campaign,cost`, optional
/// `currency` and `channel`). Good rows are written even when others are bad; importing the
/// same export again replaces its rows.
#[utoipa::path(post, path = "/costs/import", tag = "campaigns", operation_id = "import_costs",
    params(ImportQuery), request_body(content = String, content_type = "text/csv"),
    security(("bearer" = [])),
    responses((status = 200, description = "What was imported, replaced and refused (line, column, message)", body = CostImport),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the marketer role", body = ErrorBody),
              (status = 413, description = "Body over 1 MiB", body = ErrorBody),
              (status = 422, description = "Not UTF-8, or a bad create_campaigns channel", body = ErrorBody)))]
pub async fn import(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<ImportQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<CostImport>, ApiError> {
    caller.require(Role::Marketer)?;
    let body = body.map_err(|e| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            e.body_text(),
        )
    })?;
    let create = match q.create_campaigns.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(channel_param(c, "create_campaigns")?),
        None => None,
    };
    let text = std::str::from_utf8(&body).map_err(|e| {
        ApiError::invalid(
            "body",
            format!(
                "the CSV must be UTF-8 (bad byte at offset {})",
                e.valid_up_to()
            ),
        )
    })?;
    let parsed = parse_cost_csv(text, leadline_store::costs::DEFAULT_CURRENCY);
    let report = st
        .store
        .import_costs(
            &parsed.rows,
            parsed.errors,
            create,
            caller.user_id.as_deref(),
            leadline_store::now_ms(),
        )
        .await?;
    Ok(Json(report))
}

/// Markers in a period (default: all), oldest first, a page at a time (`after`, `limit`).
#[utoipa::path(get, path = "/markers", tag = "campaigns", operation_id = "list_markers",
    params(MarkerQuery), security(("bearer" = [])),
    responses((status = 200, description = "One page of the period's markers; `next` is set when there are more", body = Page<Marker>),
              (status = 400, description = "A bad `after` or `limit`", body = ErrorBody),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "The caller's role may not do this", body = ErrorBody),
              (status = 422, description = "A bad day", body = ErrorBody)))]
pub async fn list_markers(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<MarkerQuery>,
) -> Result<Json<Page<Marker>>, ApiError> {
    caller.require(Role::Viewer)?;
    let from = day_param(q.from.as_deref(), "from")?.unwrap_or(i64::MIN);
    let to = day_param(q.to.as_deref(), "to")?.map_or(i64::MAX, |d| d + DAY_MS);
    let (after, limit) = Paging {
        after: q.after.clone(),
        limit: q.limit.clone(),
    }
    .parse()?;
    Ok(Json(
        st.store
            .markers_page(from, to, after.as_ref(), limit)
            .await?,
    ))
}

/// Records a marker.
#[utoipa::path(post, path = "/markers", tag = "campaigns", operation_id = "create_marker",
    request_body = MarkerInput, security(("bearer" = [])),
    responses((status = 201, description = "Recorded", body = Marker),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the marketer role", body = ErrorBody),
              (status = 422, description = "A bad field, named in `field`", body = ErrorBody)))]
pub async fn create_marker(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<MarkerInput>,
) -> Result<(StatusCode, Json<Marker>), ApiError> {
    caller.require(Role::Marketer)?;
    let at = parse_day(&input.at)
        .or_else(|| leadline_core::time::parse_rfc3339(&input.at))
        .ok_or_else(|| ApiError::invalid("at", "`at` must be YYYY-MM-DD or an RFC 3339 time"))?;
    let m = NewMarker {
        at,
        channel: channel_param(&input.channel, "channel")?,
        campaign_id: input.campaign_id.clone().filter(|c| !c.is_empty()),
        title: input.title.clone(),
        url: input.url.clone(),
        note: input.note.clone(),
    };
    let marker = st
        .store
        .add_marker(&m, caller.user_id.as_deref(), leadline_store::now_ms())
        .await
        .map_err(store_invalid)?;
    Ok((StatusCode::CREATED, Json(marker)))
}

/// Removes a marker.
#[utoipa::path(delete, path = "/markers/{id}", tag = "campaigns", operation_id = "delete_marker",
    params(("id" = String, Path, description = "Marker id")), security(("bearer" = [])),
    responses((status = 204, description = "Removed"),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the marketer role", body = ErrorBody),
              (status = 404, description = "No such marker", body = ErrorBody)))]
pub async fn delete_marker(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Marketer)?;
    st.store.delete_marker(&id).await.map_err(|e| match e {
        leadline_store::StoreError::NotFound => ApiError::not_found("marker"),
        e => e.into(),
    })?;
    Ok(StatusCode::NO_CONTENT)
}
