//! The marketing reports (viewer+): the overview `/reports` (what each channel cost and
//! produced, the campaigns that moved pipeline, links to every report), attribution
//! `/reports/attribution` and campaign ROI `/reports/roi`, each with period and filter
//! controls, charts beside tables with the same numbers, and a formula-safe CSV download.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leadline_core::journey::credit::MODELS;
use leadline_core::journey::report::{AttributionReport, ROI_COLUMNS, RoiReport, RoiRow};
use leadline_core::journey::{DEFAULT_HALF_LIFE_DAYS, DEFAULT_LOOKBACK_DAYS};
use leadline_core::period::{self, NAMES};
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::chart::Chart;
use super::common::{self, Fields};
use crate::api::measurement::{
    AttributionQuery, MARKOV_ORDER_HINT, RoiQuery, attribution_report, roi_report,
};
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// A number typed in a control, `None` when blank; text that is not a number is an error
/// naming the field (the API would refuse it as a bad query), so the page can say so beside it.
fn number<T: std::str::FromStr>(q: &Fields, name: &str, hint: &str) -> Result<Option<T>, ApiError> {
    match common::field(q, name) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid(name, hint)),
    }
}

/// The attribution query from the page's controls; the windows' bounds are checked by the
/// builder the API shares.
fn attribution_query(q: &Fields) -> Result<AttributionQuery, ApiError> {
    Ok(AttributionQuery {
        outcome: common::field(q, "outcome"),
        model: common::field(q, "model"),
        by: common::field(q, "by"),
        period: common::field(q, "period"),
        from: common::field(q, "from"),
        to: common::field(q, "to"),
        lookback_days: number(q, "lookback_days", LOOKBACK_HINT)?,
        half_life_days: number(q, "half_life_days", HALF_LIFE_HINT)?,
        markov_order: number(q, "markov_order", MARKOV_ORDER_HINT)?,
    })
}

/// What the lookback control takes, said when it holds something else.
const LOOKBACK_HINT: &str = "expected a whole number of days, 1 to 3650";
/// What the half-life control takes.
const HALF_LIFE_HINT: &str = "expected a positive number of days, such as 7 or 2.5";

/// The ROI query from the page's controls (the windows as on the attribution page).
fn roi_query(q: &Fields, default_by: &str) -> Result<RoiQuery, ApiError> {
    Ok(RoiQuery {
        by: common::field(q, "by").or_else(|| Some(default_by.into())),
        model: common::field(q, "model"),
        period: common::field(q, "period"),
        from: common::field(q, "from"),
        to: common::field(q, "to"),
        lookback_days: number(q, "lookback_days", LOOKBACK_HINT)?,
        half_life_days: number(q, "half_life_days", HALF_LIFE_HINT)?,
        markov_order: number(q, "markov_order", MARKOV_ORDER_HINT)?,
    })
}

fn cost_revenue_chart(rows: &[RoiRow]) -> Chart {
    let shown: Vec<&RoiRow> = rows.iter().take(15).collect();
    Chart::new("bar", "Cost and won revenue by channel", "money")
        .labels(shown.iter().map(|r| r.label.clone()))
        .series("Cost", shown.iter().map(|r| r.cost_minor as f64).collect())
        .series("Pipeline", shown.iter().map(|r| r.pipeline_minor).collect())
        .series(
            "Won revenue",
            shown.iter().map(|r| r.revenue_minor).collect(),
        )
        .currency("USD")
}

fn controls(q: &Fields) -> Value {
    Value::from(Serde(serde_json::json!({
        "periods": NAMES, "period_default": period::DEFAULT, "models": MODELS, "q": q,
        "lookback_default": DEFAULT_LOOKBACK_DAYS, "half_life_default": DEFAULT_HALF_LIFE_DAYS,
    })))
}

fn failed(
    st: &AppState,
    page: &str,
    template: &str,
    user: &UiUser,
    q: &Fields,
    e: ApiError,
) -> Response {
    let ctx = minijinja::context! {
        user => user.context(), page => page, c => controls(q),
        error => (e.field.clone().unwrap_or_default(), e.message.clone()),
    };
    let mut resp = super::render(st, template, ctx);
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    resp
}

/// `GET /reports` (viewer+): the marketing overview for a period and a model.
pub async fn overview(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let built = match roi_query(&q, "channel") {
        Ok(rq) => roi_report(&st, &rq, leadline_store::now_ms()).await,
        Err(e) => Err(e),
    };
    let report = match built {
        Ok(r) => r,
        Err(e) => return failed(&st, "reports", "reports.html", &user, &q, e),
    };
    let mut top: Vec<&RoiRow> = report
        .by_campaign
        .iter()
        .filter(|r| r.pipeline_minor > 0.0)
        .collect();
    top.truncate(10);
    let ctx = minijinja::context! {
        user => user.context(), page => "reports", c => controls(&q),
        report => Value::from(Serde(&report)), top => Value::from(Serde(&top)),
        chart => Value::from(Serde(&cost_revenue_chart(&report.by_channel))),
    };
    super::render(&st, "reports.html", ctx)
}

/// `GET /reports/roi` (viewer+): campaign ROI by campaign or channel.
pub async fn roi(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let rq = match roi_query(&q, "campaign") {
        Ok(rq) => rq,
        Err(e) => return failed(&st, "roi", "roi.html", &user, &q, e),
    };
    let report = match roi_report(&st, &rq, leadline_store::now_ms()).await {
        Ok(r) => r,
        Err(e) => return failed(&st, "roi", "roi.html", &user, &q, e),
    };
    let by_channel = rq.by.as_deref() == Some("channel");
    let rows = if by_channel {
        &report.by_channel
    } else {
        &report.by_campaign
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "roi", c => controls(&q),
        by => if by_channel { "channel" } else { "campaign" },
        report => Value::from(Serde(&report)), rows => Value::from(Serde(rows)),
        chart => Value::from(Serde(&cost_revenue_chart(&report.by_channel))),
    };
    super::render(&st, "roi.html", ctx)
}

/// `GET /reports/attribution` (viewer+).
pub async fn attribution(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let built = match attribution_query(&q) {
        Ok(aq) => attribution_report(&st, &aq, leadline_store::now_ms()).await,
        Err(e) => Err(e),
    };
    let report = match built {
        Ok(r) => r,
        Err(e) => return failed(&st, "attribution", "attribution.html", &user, &q, e),
    };
    let shown: Vec<_> = report.rows.iter().take(15).collect();
    let mut bars = Chart::new(
        "bar",
        format!("Attributed {} by model", report.outcome.as_str()),
        "count",
    )
    .labels(shown.iter().map(|r| r.label.clone()));
    for (i, m) in report.models.iter().enumerate() {
        bars = bars.series(*m, shown.iter().map(|r| r.conversions[i]).collect());
    }
    let mut trend = Chart::new(
        "line",
        format!(
            "Attributed {} per month ({})",
            report.outcome.as_str(),
            report.trend.model
        ),
        "count",
    )
    .labels(report.trend.months.clone());
    for s in &report.trend.series {
        trend = trend.series(s.channel.clone(), s.values.clone());
    }
    for m in &report.markers {
        trend = trend.marker(m.month.clone(), format!("{} ({})", m.title, m.channel));
    }
    let ctx = minijinja::context! {
        user => user.context(), page => "attribution", c => controls(&q),
        report => Value::from(Serde(&report)), bars => Value::from(Serde(&bars)),
        trend => Value::from(Serde(&trend)),
    };
    super::render(&st, "attribution.html", ctx)
}

/// The attribution table as CSV rows.
pub fn attribution_csv(r: &AttributionReport) -> (Vec<String>, Vec<Vec<String>>) {
    r.table()
}

/// The ROI rows (and total) as CSV rows keyed by `by`.
pub fn roi_csv(r: &RoiReport, by_channel: bool) -> (Vec<String>, Vec<Vec<String>>) {
    let mut head: Vec<String> = ROI_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    head[0] = if by_channel { "channel" } else { "campaign" }.into();
    let rows = if by_channel {
        &r.by_channel
    } else {
        &r.by_campaign
    };
    (
        head,
        rows.iter().chain([&r.total]).map(RoiRow::cells).collect(),
    )
}

/// `GET /reports/attribution.csv` (viewer+).
pub async fn attribution_download(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let built = match attribution_query(&q) {
        Ok(aq) => attribution_report(&st, &aq, leadline_store::now_ms()).await,
        Err(e) => Err(e),
    };
    match built {
        Ok(r) => {
            let (h, rows) = attribution_csv(&r);
            super::common::csv_download("attribution.csv", &h, &rows)
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /reports/roi.csv` (viewer+): `by=campaign` (default) or `channel`.
pub async fn roi_download(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let rq = match roi_query(&q, "campaign") {
        Ok(rq) => rq,
        Err(e) => return e.into_response(),
    };
    match roi_report(&st, &rq, leadline_store::now_ms()).await {
        Ok(r) => {
            let (h, rows) = roi_csv(&r, rq.by.as_deref() == Some("channel"));
            super::common::csv_download("roi.csv", &h, &rows)
        }
        Err(e) => e.into_response(),
    }
}
