//! `/api/v1/reports/funnel`, `/sources` and `/compare` (viewer+): the funnel with its
//! velocity, lead quality by source, and whether leads exposed to a program converted
//! differently from the others of the same period. The UI pages call the same builders.

use axum::Json;
use axum::extract::{Query, State};
use leadline_core::Stage;
use leadline_core::funnel::compare::{self, Comparison};
use leadline_core::funnel::quality::{self, QualityRow};
use leadline_core::funnel::{self, By, FunnelRow, Velocity};
use leadline_core::time::rfc3339;
use leadline_store::funnel::{FunnelScope, Program};
use serde::{Deserialize, Serialize};

use super::measurement::{period_of, text as given};
use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The period when none is given: a funnel needs a longer window than attribution's quarter.
pub(crate) const DEFAULT_PERIOD: &str = "last-365-days";

/// The period and filter every funnel report takes.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FunnelQuery {
    /// `month`, `source` or `campaign` (funnel, default `month`); `channel` (= `source`) or
    /// `campaign` (sources, default `channel`).
    pub by: Option<String>,
    /// Leads created from this day (`YYYY-MM-DD`, UTC) on, with `to`; wins over `period`.
    pub from: Option<String>,
    /// Leads created up to this day's end (included), with `from`.
    pub to: Option<String>,
    /// A named period (`last-365-days`, the default; `last-quarter`, `this-month`, …).
    pub period: Option<String>,
    /// Only leads whose first-touch channel is this one (funnel and compare).
    pub source: Option<String>,
    /// Compare: the campaign's name (or id) whose touches mark a lead exposed.
    pub campaign: Option<String>,
    /// Compare: the channel whose touches mark a lead exposed (when no campaign is given).
    pub channel: Option<String>,
    /// Compare: the stage counted as converted: `mql`, `sql` (default), `opportunity`,
    /// `customer` (or `won`).
    pub stage: Option<String>,
}

fn scope(q: &FunnelQuery, now: i64) -> Result<FunnelScope, ApiError> {
    let period = given(&q.period).or(Some(DEFAULT_PERIOD)).map(str::to_owned);
    let p = period_of(&period, &q.from, &q.to, now)?;
    // the store's scope is inclusive of its end; a period's `to` is exclusive
    Ok(FunnelScope {
        from: p.from,
        to: p.to - 1,
        source: given(&q.source).map(str::to_owned),
    })
}

/// The funnel rows (last `total`), the velocity, and the cohort-month trend.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FunnelReport {
    pub by: String,
    pub from: String,
    pub to: String,
    pub source: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<FunnelRow>,
    #[schema(value_type = Object)]
    pub velocity: Velocity,
    /// The same leads by cohort month (for the trend chart).
    #[schema(value_type = Vec<Object>)]
    pub trend: Vec<FunnelRow>,
}

pub(crate) async fn funnel_report(
    st: &AppState,
    q: &FunnelQuery,
    now: i64,
) -> Result<FunnelReport, ApiError> {
    let by = match given(&q.by) {
        None => By::Month,
        Some(b) => By::parse(b)
            .ok_or_else(|| ApiError::invalid("by", "`by` must be month, source or campaign"))?,
    };
    let scope = scope(q, now)?;
    let counts = st.store.funnel_counts(&scope).await?;
    let rows = funnel::funnel_of(&counts.tallies(by), by);
    let trend = if by == By::Month {
        Vec::new()
    } else {
        funnel::funnel_of(&counts.tallies(By::Month), By::Month)
    };
    Ok(FunnelReport {
        by: by.as_str().into(),
        from: rfc3339(scope.from),
        to: rfc3339(scope.to),
        velocity: counts.velocity(),
        source: scope.source,
        rows,
        trend,
    })
}

/// Lead quality rows (last `total`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SourcesReport {
    pub by: String,
    pub from: String,
    pub to: String,
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<QualityRow>,
}

pub(crate) async fn sources_report(
    st: &AppState,
    q: &FunnelQuery,
    now: i64,
) -> Result<SourcesReport, ApiError> {
    let by = match given(&q.by).map(str::to_ascii_lowercase).as_deref() {
        None | Some("channel" | "source") => By::Source,
        Some("campaign") => By::Campaign,
        Some(_) => return Err(ApiError::invalid("by", "`by` must be channel or campaign")),
    };
    let scope = scope(q, now)?;
    let tallies = st.store.funnel_counts(&scope).await?.tallies(by);
    let costs = st.store.funnel_costs(by, scope.from, scope.to).await?;
    Ok(SourcesReport {
        by: if by == By::Source {
            "channel"
        } else {
            "campaign"
        }
        .into(),
        from: rfc3339(scope.from),
        to: rfc3339(scope.to),
        rows: quality::quality_of(&tallies, by, &costs),
    })
}

/// The two cohorts, the difference, and the verdict in words.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CompareReport {
    /// `campaign` or `channel`.
    pub program_kind: String,
    pub program: String,
    pub stage: String,
    pub from: String,
    pub to: String,
    #[schema(value_type = Object)]
    pub comparison: Comparison,
    pub sentence: String,
}

/// Reads `stage` for compare: the stages a program could move.
pub(crate) fn compare_stage(v: Option<&str>) -> Result<Stage, ApiError> {
    match v.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(Stage::Sql),
        Some("won") => Ok(Stage::Customer),
        Some(s) => Stage::parse(s)
            .filter(|s| {
                matches!(
                    s,
                    Stage::Mql | Stage::Sql | Stage::Opportunity | Stage::Customer
                )
            })
            .ok_or_else(|| {
                ApiError::invalid("stage", "`stage` must be mql, sql, opportunity or customer")
            }),
    }
}

pub(crate) async fn compare_report(
    st: &AppState,
    q: &FunnelQuery,
    now: i64,
) -> Result<CompareReport, ApiError> {
    let stage = compare_stage(given(&q.stage))?;
    let (program, kind, name) = match (given(&q.campaign), given(&q.channel)) {
        (Some(c), _) => {
            let found = match st.store.campaign_by_name(c).await? {
                Some(f) => Some(f),
                None => st.store.get_campaign(c).await.ok().map(|k| (k.id, k.name)),
            };
            let (id, name) = found.ok_or_else(|| {
                ApiError::invalid("campaign", format!("no campaign is called {c:?}"))
            })?;
            (Program::Campaign(id), "campaign", name)
        }
        (None, Some(ch)) => {
            let channel = leadline_core::Channel::parse(ch)
                .ok_or_else(|| ApiError::invalid("channel", format!("unknown channel {ch:?}")))?;
            let name = channel.as_str().to_owned();
            (Program::Channel(name.clone()), "channel", name)
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "campaign",
                "give a `campaign` or a `channel` to compare",
            ));
        }
    };
    let scope = scope(q, now)?;
    let (exposed, others) = st.store.exposure_cohorts(&scope, &program, stage).await?;
    let comparison = compare::compare(exposed, others);
    let label = if kind == "campaign" {
        format!("campaign \u{201c}{name}\u{201d}")
    } else {
        format!("channel {name}")
    };
    Ok(CompareReport {
        sentence: compare::sentence(&comparison, &label, stage.label()),
        program_kind: kind.into(),
        program: name,
        stage: stage.as_str().into(),
        from: rfc3339(scope.from),
        to: rfc3339(scope.to),
        comparison,
    })
}

/// Leads reaching each stage subscriber → customer, stage-to-stage rates and velocity, by
/// cohort month, source or campaign.
#[utoipa::path(get, path = "/reports/funnel", tag = "reports", operation_id = "funnel_report",
    params(FunnelQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The report", body = FunnelReport),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this", body = ErrorBody),
        (status = 422, description = "A bad `by`, `period`, `from` or `to` (named in `field`)", body = ErrorBody),
    ))]
pub async fn funnel_api(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<FunnelQuery>,
) -> Result<Json<FunnelReport>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(
        funnel_report(&st, &q, leadline_store::now_ms()).await?,
    ))
}

/// Lead quality per source channel or campaign: disqualified share and reasons, MQL/SQL/win
/// rates, revenue and cost per lead, and flags for cheap or good leads.
#[utoipa::path(get, path = "/reports/sources", tag = "reports", operation_id = "sources_report",
    params(FunnelQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The report", body = SourcesReport),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this", body = ErrorBody),
        (status = 422, description = "A bad `by`, `period`, `from` or `to` (named in `field`)", body = ErrorBody),
    ))]
pub async fn sources_api(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<FunnelQuery>,
) -> Result<Json<SourcesReport>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(
        sources_report(&st, &q, leadline_store::now_ms()).await?,
    ))
}

/// Leads exposed to a campaign or channel against the others of the period: conversion to a
/// stage with 95 % intervals, the difference, a p-value and a verdict that flags noise.
#[utoipa::path(get, path = "/reports/compare", tag = "reports", operation_id = "compare_report",
    params(FunnelQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "The report", body = CompareReport),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this", body = ErrorBody),
        (status = 422, description = "A bad or missing `campaign`/`channel`, `stage`, `period`, `from` or `to`", body = ErrorBody),
    ))]
pub async fn compare_api(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<FunnelQuery>,
) -> Result<Json<CompareReport>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(
        compare_report(&st, &q, leadline_store::now_ms()).await?,
    ))
}
