//! The funnel report pages (viewer+): `/reports/funnel` (waterfall, velocity, cohort-month
//! trend), `/reports/sources` (lead quality by source) and `/reports/compare` (exposed vs not,
//! with intervals and a verdict); each with period and filter controls and a CSV download
//! whose cells go through `csv_safe`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leadline_core::funnel::{By, FunnelRow, STAGES, TOTAL, compare, quality};
use leadline_core::period;
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::chart::Chart;
use super::common::{self, Fields};
use crate::api::funnel::{
    CompareReport, DEFAULT_PERIOD, FunnelQuery, FunnelReport, SourcesReport, compare_report,
    funnel_report, sources_report,
};
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;

fn query(q: &Fields) -> FunnelQuery {
    let f = |n: &str| common::field(q, n);
    FunnelQuery {
        by: f("by"),
        from: f("from"),
        to: f("to"),
        period: f("period"),
        source: f("source"),
        campaign: f("campaign"),
        channel: f("channel"),
        stage: f("stage"),
    }
}

/// The controls' current values and the page's own query (for the CSV link).
fn controls(fq: &FunnelQuery) -> Value {
    minijinja::context! {
        by => &fq.by, from => &fq.from, to => &fq.to, period => &fq.period,
        source => &fq.source, campaign => &fq.campaign, channel => &fq.channel, stage => &fq.stage,
    }
}

fn stage_labels() -> Vec<&'static str> {
    STAGES.iter().map(|s| s.label()).collect()
}

fn page<T: serde::Serialize>(
    st: &AppState,
    user: &UiUser,
    template: &str,
    name: &str,
    fq: &FunnelQuery,
    result: Result<T, ApiError>,
    charts: impl FnOnce(&T) -> Vec<Chart>,
) -> Response {
    let (report, charts, error) = match result {
        Ok(r) => {
            let c = charts(&r);
            (Some(r), c, None)
        }
        Err(e) => (
            None,
            Vec::new(),
            Some((e.field.unwrap_or_default(), e.message)),
        ),
    };
    let failed = report.is_none();
    let ctx = minijinja::context! {
        user => user.context(), page => name,
        report => report.as_ref().map(|r| Value::from(Serde(r))),
        charts => Value::from(Serde(&charts)),
        error => error, q => controls(fq), stage_labels => stage_labels(),
        periods => period::NAMES, period_default => DEFAULT_PERIOD,
    };
    let mut resp = super::render(st, template, ctx);
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

fn rows_without_total(rows: &[FunnelRow]) -> impl Iterator<Item = &FunnelRow> {
    rows.iter().filter(|r| r.key != TOTAL)
}

fn funnel_charts(r: &FunnelReport) -> Vec<Chart> {
    let total = r.rows.last();
    let counts = total.map_or_else(Vec::new, |t| {
        t.stages.iter().map(|s| s.count as f64).collect()
    });
    let mut charts = vec![
        Chart::new("bar", "Leads reaching each stage", "count")
            .labels(stage_labels())
            .series("Leads", counts),
    ];
    let trend = if r.trend.is_empty() {
        &r.rows
    } else {
        &r.trend
    };
    let months: Vec<&FunnelRow> = rows_without_total(trend).collect();
    let rate = |i: usize| {
        months
            .iter()
            .map(|m| m.stages[i].from_top.unwrap_or(0.0))
            .collect()
    };
    charts.push(
        Chart::new(
            "line",
            "Conversion by cohort month (share of the month's leads)",
            "percent",
        )
        .labels(months.iter().map(|m| m.key.clone()))
        .series("MQL", rate(2))
        .series("SQL", rate(4))
        .series("Customer", rate(6)),
    );
    charts
}

fn sources_charts(r: &SourcesReport) -> Vec<Chart> {
    let rows: Vec<_> = r.rows.iter().filter(|q| q.key != TOTAL).collect();
    vec![
        Chart::new("hbar", "SQL rate by source (leads in brackets)", "percent")
            .labels(
                rows.iter()
                    .map(|q| format!("{} ({} leads)", q.key, q.leads)),
            )
            .series(
                "SQL rate",
                rows.iter().map(|q| q.sql_rate.unwrap_or(0.0)).collect(),
            ),
    ]
}

fn compare_charts(r: &CompareReport) -> Vec<Chart> {
    let c = &r.comparison;
    vec![
        Chart::new("bar", "Conversion rate of each cohort", "percent")
            .labels(["Exposed", "Not exposed"])
            .series(
                "Rate",
                vec![c.exposed.rate.unwrap_or(0.0), c.others.rate.unwrap_or(0.0)],
            )
            .series(
                "95 % low",
                vec![c.exposed.low.unwrap_or(0.0), c.others.low.unwrap_or(0.0)],
            )
            .series(
                "95 % high",
                vec![c.exposed.high.unwrap_or(0.0), c.others.high.unwrap_or(0.0)],
            ),
    ]
}

/// `GET /reports/funnel` (viewer+): `?by=month|source|campaign&period=…|from=&to=&source=`.
pub async fn funnel(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let fq = query(&q);
    let result = funnel_report(&st, &fq, leadline_store::now_ms()).await;
    page(
        &st,
        &user,
        "funnel.html",
        "funnel",
        &fq,
        result,
        funnel_charts,
    )
}

/// `GET /reports/sources` (viewer+): `?by=channel|campaign&period=…|from=&to=`.
pub async fn sources(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let fq = query(&q);
    let result = sources_report(&st, &fq, leadline_store::now_ms()).await;
    page(
        &st,
        &user,
        "sources.html",
        "sources",
        &fq,
        result,
        sources_charts,
    )
}

/// `GET /reports/compare` (viewer+): `?campaign=NAME|channel=C&stage=sql&period=…`. Without a
/// program it shows the form only.
pub async fn compare(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let fq = query(&q);
    if fq.campaign.is_none() && fq.channel.is_none() {
        let ctx = minijinja::context! {
            user => user.context(), page => "compare", q => controls(&fq),
            charts => Value::from(Serde(Vec::<Chart>::new())),
            periods => period::NAMES, period_default => DEFAULT_PERIOD,
        };
        return super::render(&st, "compare.html", ctx);
    }
    let result = compare_report(&st, &fq, leadline_store::now_ms()).await;
    page(
        &st,
        &user,
        "compare.html",
        "compare",
        &fq,
        result,
        compare_charts,
    )
}

/// The funnel as CSV rows.
pub(crate) fn funnel_csv(r: &FunnelReport) -> (Vec<String>, Vec<Vec<String>>) {
    let by = By::parse(&r.by).unwrap_or(By::Month);
    (
        FunnelRow::columns(by),
        r.rows.iter().map(FunnelRow::cells).collect(),
    )
}

/// Lead quality as CSV rows.
pub(crate) fn sources_csv(r: &SourcesReport) -> (Vec<String>, Vec<Vec<String>>) {
    let mut head: Vec<String> = quality::COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    head[0] = r.by.clone();
    (head, r.rows.iter().map(quality::cells).collect())
}

/// The comparison as CSV rows: one per cohort, then the difference and the verdict.
pub(crate) fn compare_csv(r: &CompareReport) -> (Vec<String>, Vec<Vec<String>>) {
    compare::table(&r.comparison, true)
}

fn download(file: &str, table: Result<(Vec<String>, Vec<Vec<String>>), ApiError>) -> Response {
    match table {
        Ok((head, rows)) => super::common::csv_download(file, &head, &rows),
        Err(e) => e.into_response(),
    }
}

async fn csv_for(st: &AppState, user: &UiUser, q: &Fields, name: &str) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let fq = query(q);
    let now = leadline_store::now_ms();
    let table = match name {
        "funnel.csv" => funnel_report(st, &fq, now).await.map(|r| funnel_csv(&r)),
        "sources.csv" => sources_report(st, &fq, now).await.map(|r| sources_csv(&r)),
        _ => compare_report(st, &fq, now).await.map(|r| compare_csv(&r)),
    };
    download(name, table)
}

/// `GET /reports/funnel.csv` (viewer+): the funnel table as a download.
pub async fn funnel_csv_download(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<Fields>,
) -> Response {
    csv_for(&st, &user, &q, "funnel.csv").await
}

/// `GET /reports/sources.csv` (viewer+): the quality table as a download.
pub async fn sources_csv_download(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<Fields>,
) -> Response {
    csv_for(&st, &user, &q, "sources.csv").await
}

/// `GET /reports/compare.csv` (viewer+): the two cohorts and the difference as a download.
pub async fn compare_csv_download(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<Fields>,
) -> Response {
    csv_for(&st, &user, &q, "compare.csv").await
}
