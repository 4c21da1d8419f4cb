//! The *Costs* page: spend by month and channel (chart + table + CSV), the entries, a form to
//! add one, and the dated markers (viewer reads; marketer+ writes). The ad-platform CSV import
//! is in `costs_import`.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadline_core::Channel;
use leadline_core::costs::{currency_exponent, format_day, parse_amount, parse_day};
use leadline_store::costs::{CostFilter, CostImport, DEFAULT_CURRENCY, MonthTotal, NewCost};
use leadline_store::markers::NewMarker;
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::chart::Chart;
use super::common::{self, Errors, Fields};
use crate::auth::Role;
use crate::state::AppState;

const DAY_MS: i64 = 86_400_000;

fn period(q: &Fields) -> (Option<i64>, Option<i64>) {
    let from = common::field(q, "from").and_then(|d| parse_day(&d));
    let to = common::field(q, "to")
        .and_then(|d| parse_day(&d))
        .map(|d| d + DAY_MS);
    (from, to)
}

/// Totals as a months × channels table (one currency per chart: the most used one).
fn chart_of(totals: &[MonthTotal]) -> Option<Chart> {
    let currency = totals.first()?.currency.clone();
    let rows: Vec<&MonthTotal> = totals.iter().filter(|t| t.currency == currency).collect();
    let mut months: Vec<String> = rows.iter().map(|t| t.month.clone()).collect();
    months.dedup();
    let mut channels: Vec<String> = rows.iter().map(|t| t.channel.clone()).collect();
    channels.sort();
    channels.dedup();
    let mut chart = Chart::new(
        "stacked_bar",
        format!("Spend by month and channel ({currency})"),
        "money",
    )
    .labels(months.clone())
    .currency(currency);
    for c in &channels {
        let values = months
            .iter()
            .map(|m| {
                rows.iter()
                    .filter(|t| &t.month == m && &t.channel == c)
                    .map(|t| t.amount_minor as f64)
                    .sum()
            })
            .collect();
        chart = chart.series(c.replace('_', " "), values);
    }
    Some(chart)
}

/// `GET /costs` (viewer+): `?from=YYYY-MM-DD&to=YYYY-MM-DD`.
pub async fn page(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    render_page(&st, &user, &q, &Fields::new(), &Errors::new(), None).await
}

/// The page, with the values a failed post sent back (`values`), their `errors` beside each
/// field, and what an import did.
pub(super) async fn render_page(
    st: &AppState,
    user: &UiUser,
    q: &Fields,
    values: &Fields,
    errors: &Errors,
    imported: Option<&CostImport>,
) -> Response {
    let (from, to) = period(q);
    let filter = CostFilter {
        from,
        to,
        ..CostFilter::default()
    };
    let loaded = async {
        let totals = st.store.cost_totals(from, to).await?;
        let entries = st.store.costs(&filter, None, 200).await?;
        let markers = st
            .store
            .markers_between(from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX))
            .await?;
        let campaigns = st.store.list_campaigns(None, 500).await?;
        Ok::<_, leadline_store::StoreError>((totals, entries, markers, campaigns))
    };
    let (totals, entries, markers, campaigns) = match loaded.await {
        Ok(v) => v,
        Err(e) => return common::store_error(e),
    };
    let mut chart = chart_of(&totals);
    if let Some(c) = chart.as_mut() {
        for m in &markers {
            let month = format_day(m.at).get(..7).unwrap_or("").to_owned();
            if c.labels.contains(&month) {
                *c = c.clone().marker(month, m.title.clone());
            }
        }
    }
    let days = |ms: Option<i64>, back: i64| ms.map(|d| format_day(d - back));
    let ctx = minijinja::context! {
        user => user.context(), page => "costs",
        totals => Value::from(Serde(&totals)), chart => chart.map(|c| Value::from(Serde(c))),
        entries => Value::from(Serde(&entries.items)), more => entries.next.is_some(),
        markers => Value::from(Serde(&markers)),
        campaigns => campaigns.items.iter().map(|c| (c.id.clone(), c.name.clone())).collect::<Vec<_>>(),
        channels => Channel::ALL.map(|c| c.as_str()),
        from => days(from, 0), to => days(to, DAY_MS),
        values => values, errors => errors,
        imported => imported.map(|r| Value::from(Serde(r))),
        today => format_day(leadline_store::now_ms()),
    };
    super::render_form(st, "costs.html", ctx, errors)
}

/// `POST /costs` (marketer+): records a cost for a campaign or a channel.
pub async fn add(State(st): State<AppState>, user: UiUser, body: axum::body::Bytes) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut errors = Errors::new();
    let day = common::field(&f, "day").and_then(|d| parse_day(&d));
    if day.is_none() {
        errors.insert("day".into(), "Pick the day the money was spent.".into());
    }
    let campaign_id = common::field(&f, "campaign_id");
    let channel = common::field(&f, "channel").and_then(|c| Channel::parse(&c));
    if campaign_id.is_none() && channel.is_none() {
        errors.insert(
            "channel".into(),
            "Choose a campaign, or a channel for a cost of no campaign.".into(),
        );
    }
    let currency = match &campaign_id {
        Some(id) => st
            .store
            .get_campaign(id)
            .await
            .map(|c| c.currency)
            .unwrap_or_else(|_| DEFAULT_CURRENCY.into()),
        None => DEFAULT_CURRENCY.into(),
    };
    let amount = common::field(&f, "amount").unwrap_or_default();
    let amount_minor = match parse_amount(&amount, currency_exponent(&currency)) {
        Ok(0) => Err("Enter the amount spent, such as 1250.00.".to_owned()),
        Ok(a) => Ok(a),
        Err(m) => Err(format!("{} ({currency}).", capitalise(&m))),
    };
    if let Err(m) = &amount_minor {
        errors.insert("amount".into(), m.clone());
    }
    if !errors.is_empty() {
        return render_page(&st, &user, &Fields::new(), &f, &errors, None).await;
    }
    let new = NewCost {
        campaign_id: campaign_id.clone(),
        channel: if campaign_id.is_some() { None } else { channel },
        day: day.unwrap_or_default(),
        amount_minor: amount_minor.unwrap_or_default(),
        currency: None,
        note: common::field(&f, "note"),
    };
    match st
        .store
        .add_cost(&new, Some(&user.user.id), leadline_store::now_ms())
        .await
    {
        Ok(_) => Redirect::to("/costs?added=cost").into_response(),
        Err(e) => common::store_error(e),
    }
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// `POST /costs/{id}/delete` (marketer+).
pub async fn delete(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = common::posted(&user, Role::Marketer, &body) {
        return r;
    }
    match st.store.delete_cost(&id).await {
        Ok(()) | Err(leadline_store::StoreError::NotFound) => {
            Redirect::to("/costs").into_response()
        }
        Err(e) => common::store_error(e),
    }
}

/// `POST /markers` (marketer+): a dated indirect touch.
pub async fn add_marker(
    State(st): State<AppState>,
    user: UiUser,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut errors = Errors::new();
    let at = common::field(&f, "marker_day").and_then(|d| parse_day(&d));
    if at.is_none() {
        errors.insert("marker_day".into(), "Pick the day it happened.".into());
    }
    let channel = common::field(&f, "marker_channel").and_then(|c| Channel::parse(&c));
    if channel.is_none() {
        errors.insert(
            "marker_channel".into(),
            "Choose its channel (analyst, press release, blog…).".into(),
        );
    }
    if common::field(&f, "title").is_none() {
        errors.insert(
            "title".into(),
            "Give it a title, such as \"Wave report published\".".into(),
        );
    }
    if !errors.is_empty() {
        return render_page(&st, &user, &Fields::new(), &f, &errors, None).await;
    }
    let m = NewMarker {
        at: at.unwrap_or_default(),
        channel: channel.unwrap_or(Channel::Analyst),
        campaign_id: common::field(&f, "marker_campaign_id"),
        title: common::field(&f, "title").unwrap_or_default(),
        url: common::field(&f, "url"),
        note: None,
    };
    match st
        .store
        .add_marker(&m, Some(&user.user.id), leadline_store::now_ms())
        .await
    {
        Ok(_) => Redirect::to("/costs?added=marker#markers").into_response(),
        Err(leadline_store::StoreError::Invalid(msg)) => {
            let (field, text) = msg.split_once(": ").unwrap_or(("title", &msg));
            errors.insert(field.into(), capitalise(text));
            render_page(&st, &user, &Fields::new(), &f, &errors, None).await
        }
        Err(e) => common::store_error(e),
    }
}

/// `POST /markers/{id}/delete` (marketer+).
pub async fn delete_marker(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = common::posted(&user, Role::Marketer, &body) {
        return r;
    }
    match st.store.delete_marker(&id).await {
        Ok(()) | Err(leadline_store::StoreError::NotFound) => {
            Redirect::to("/costs#markers").into_response()
        }
        Err(e) => common::store_error(e),
    }
}

/// `GET /costs.csv` (viewer+): the monthly totals, formula-safe.
pub async fn csv_download(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let (from, to) = period(&q);
    let totals = match st.store.cost_totals(from, to).await {
        Ok(t) => t,
        Err(e) => return common::store_error(e),
    };
    let head = ["month", "channel", "currency", "amount_minor"].map(str::to_owned);
    let rows: Vec<Vec<String>> = totals
        .iter()
        .map(|t| {
            vec![
                t.month.clone(),
                t.channel.clone(),
                t.currency.clone(),
                t.amount_minor.to_string(),
            ]
        })
        .collect();
    common::csv_download("costs.csv", &head, &rows)
}
