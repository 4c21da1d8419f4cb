//! The reports built on journeys: attribution (models side by side, the self-reported
//! channel beside them, a monthly trend with markers) and campaign ROI (cost against
//! attributed leads, MQLs, SQLs, opportunities, customers, pipeline and revenue).

use std::collections::HashMap;

use serde::Serialize;

use super::credit::{self, Credit, Credits, JourneySet, Settings};
use super::{NO_CAMPAIGN, Outcome};
use crate::attribution::Model;
use crate::period::{self, Period};

/// What rows are keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    Channel,
    Campaign,
}

impl By {
    pub fn parse(text: &str) -> Option<By> {
        match text.trim() {
            "channel" => Some(By::Channel),
            "campaign" => Some(By::Campaign),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            By::Channel => "channel",
            By::Campaign => "campaign",
        }
    }
}

/// A dated indirect touch (analyst report, press release) shown on the trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Marker {
    #[serde(with = "crate::time::ms")]
    pub at: i64,
    pub month: String,
    pub channel: String,
    pub title: String,
}

/// One row of the attribution report: a channel or campaign, its credit under each model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributionRow {
    pub key: String,
    pub label: String,
    /// Conversions per model, in the order of [`AttributionReport::models`].
    pub conversions: Vec<f64>,
    /// Value (minor units) per model.
    pub values: Vec<f64>,
    /// Channel view: leads created in the period who said they heard of us here.
    pub self_reported: Option<u64>,
}

/// A channel's attributed conversions per month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendSeries {
    pub channel: String,
    pub values: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub model: &'static str,
    pub months: Vec<String>,
    pub series: Vec<TrendSeries>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributionReport {
    pub outcome: Outcome,
    pub by: By,
    pub from: String,
    /// The last day covered (inclusive).
    pub to: String,
    pub models: Vec<&'static str>,
    pub conversions: usize,
    pub value_minor: i64,
    pub rows: Vec<AttributionRow>,
    /// Self-reported channel counts of leads created in the period (unanswered: `(none)`).
    pub self_reported: Vec<(String, u64)>,
    pub trend: Trend,
    pub markers: Vec<Marker>,
}

/// What the attribution report is built from (all read by the store).
pub struct AttributionInput<'a> {
    pub set: &'a JourneySet,
    pub outcome: Outcome,
    pub period: Period,
    pub by: By,
    pub models: &'a [Model],
    pub settings: Settings,
    /// Campaign id → name.
    pub campaign_names: &'a HashMap<String, String>,
    pub heard_about: Vec<(Option<String>, u64)>,
    pub markers: Vec<(i64, String, String)>,
}

fn label(by: By, key: &str, names: &HashMap<String, String>) -> String {
    match by {
        By::Channel => key.to_owned(),
        By::Campaign => names.get(key).cloned().unwrap_or_else(|| key.to_owned()),
    }
}

fn rows_of(c: &Credits, by: By) -> &[Credit] {
    match by {
        By::Channel => &c.by_channel,
        By::Campaign => &c.by_campaign,
    }
}

/// Builds the attribution report: rows ordered by the first model's credit.
pub fn attribution(input: AttributionInput<'_>) -> AttributionReport {
    let months = input.period.months();
    let bucket = |at: i64| {
        months
            .iter()
            .position(|m| at < m.2)
            .unwrap_or(months.len().saturating_sub(1))
    };
    let results: Vec<Credits> = input
        .models
        .iter()
        .map(|m| credit::attribute(input.set, m, &input.settings, bucket))
        .collect();
    let mut keys: Vec<String> = Vec::new();
    for c in &results {
        for r in rows_of(c, input.by) {
            if !keys.contains(&r.key) {
                keys.push(r.key.clone());
            }
        }
    }
    let heard: HashMap<String, u64> = input
        .heard_about
        .iter()
        .map(|(k, n)| (k.clone().unwrap_or_else(|| "(none)".into()), *n))
        .collect();
    let rows = keys
        .iter()
        .map(|k| {
            let find = |c: &Credits| {
                rows_of(c, input.by)
                    .iter()
                    .find(|r| &r.key == k)
                    .map_or((0.0, 0.0), |r| (r.conversions, r.value))
            };
            let cells: Vec<(f64, f64)> = results.iter().map(find).collect();
            AttributionRow {
                key: k.clone(),
                label: label(input.by, k, input.campaign_names),
                conversions: cells.iter().map(|c| c.0).collect(),
                values: cells.iter().map(|c| c.1).collect(),
                self_reported: (input.by == By::Channel)
                    .then(|| heard.get(k).copied().unwrap_or(0)),
            }
        })
        .collect();
    // the trend needs per-conversion credit: a position model (the chosen one, else W-shaped)
    let trend_model = match input.models {
        [m] if !matches!(m, Model::Markov { .. } | Model::Shapley) => m.clone(),
        _ => Model::WShaped,
    };
    let trend_credit = credit::attribute(input.set, &trend_model, &input.settings, bucket);
    let mut channels: Vec<String> = trend_credit
        .by_channel
        .iter()
        .map(|c| c.key.clone())
        .collect();
    channels.truncate(8);
    let series = channels
        .iter()
        .map(|ch| TrendSeries {
            channel: ch.clone(),
            values: (0..months.len())
                .map(|b| {
                    trend_credit
                        .trend
                        .get(&(b, ch.clone()))
                        .copied()
                        .unwrap_or(0.0)
                })
                .collect(),
        })
        .collect();
    let mut self_reported: Vec<(String, u64)> = heard.into_iter().collect();
    self_reported.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    AttributionReport {
        outcome: input.outcome,
        by: input.by,
        from: input.period.first_date(),
        to: input.period.last_date(),
        models: input.models.iter().map(Model::name).collect(),
        conversions: input.set.conversions(),
        value_minor: input.set.value(),
        rows,
        self_reported,
        trend: Trend {
            model: trend_model.name(),
            months: months.into_iter().map(|m| m.0).collect(),
            series,
        },
        markers: input
            .markers
            .into_iter()
            .map(|(at, channel, title)| Marker {
                at,
                month: period::month(at),
                channel,
                title,
            })
            .collect(),
    }
}

/// A cost entry summed over the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    pub campaign_id: Option<String>,
    pub channel: String,
    pub amount_minor: i64,
}

/// One row of campaign ROI. Counts are attributed (fractional); money in minor units.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RoiRow {
    pub key: String,
    pub label: String,
    pub cost_minor: i64,
    pub leads: f64,
    pub mqls: f64,
    pub sqls: f64,
    pub opportunities: f64,
    pub customers: f64,
    pub pipeline_minor: f64,
    pub revenue_minor: f64,
    /// Cost per lead, MQL, SQL, opportunity, customer (minor units); `None` when none.
    pub cost_per_lead: Option<f64>,
    pub cost_per_mql: Option<f64>,
    pub cost_per_sql: Option<f64>,
    pub cost_per_opportunity: Option<f64>,
    pub cost_per_customer: Option<f64>,
    /// (revenue − cost) / cost; `None` when nothing was spent.
    pub roi: Option<f64>,
}

impl RoiRow {
    fn finish(&mut self) {
        let cost = self.cost_minor as f64;
        let per = |n: f64| (n > 1e-9).then(|| cost / n);
        self.cost_per_lead = per(self.leads);
        self.cost_per_mql = per(self.mqls);
        self.cost_per_sql = per(self.sqls);
        self.cost_per_opportunity = per(self.opportunities);
        self.cost_per_customer = per(self.customers);
        self.roi = (self.cost_minor > 0).then(|| (self.revenue_minor - cost) / cost);
    }

    /// CSV/table cells in [`ROI_COLUMNS`] order (money in major units, 2 decimals).
    pub fn cells(&self) -> Vec<String> {
        let money = |m: f64| format!("{:.2}", m / 100.0);
        let opt = |m: Option<f64>| m.map_or("—".to_owned(), money);
        let n = |x: f64| format!("{x:.2}");
        vec![
            self.label.clone(),
            money(self.cost_minor as f64),
            n(self.leads),
            n(self.mqls),
            n(self.sqls),
            n(self.opportunities),
            n(self.customers),
            opt(self.cost_per_lead),
            opt(self.cost_per_mql),
            opt(self.cost_per_sql),
            opt(self.cost_per_opportunity),
            opt(self.cost_per_customer),
            money(self.pipeline_minor),
            money(self.revenue_minor),
            self.roi.map_or("—".to_owned(), |r| format!("{r:.2}")),
        ]
    }
}

/// The ROI table's header.
pub const ROI_COLUMNS: [&str; 15] = [
    "key",
    "cost",
    "leads",
    "mqls",
    "sqls",
    "opportunities",
    "customers",
    "cost_per_lead",
    "cost_per_mql",
    "cost_per_sql",
    "cost_per_opportunity",
    "cost_per_customer",
    "pipeline",
    "revenue",
    "roi",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoiReport {
    pub model: &'static str,
    pub from: String,
    pub to: String,
    pub by_channel: Vec<RoiRow>,
    pub by_campaign: Vec<RoiRow>,
    pub total: RoiRow,
}

fn row<'m>(
    rows: &'m mut HashMap<String, RoiRow>,
    by: By,
    key: &str,
    names: &HashMap<String, String>,
) -> &'m mut RoiRow {
    rows.entry(key.to_owned()).or_insert_with(|| RoiRow {
        key: key.to_owned(),
        label: label(by, key, names),
        ..RoiRow::default()
    })
}

/// Campaign ROI: each outcome's journeys attributed under `model`, costs beside them.
pub fn roi(
    sets: &[(Outcome, JourneySet)],
    costs: &[Cost],
    model: &Model,
    settings: &Settings,
    period: Period,
    campaign_names: &HashMap<String, String>,
) -> RoiReport {
    let credits: Vec<(Outcome, Credits)> = sets
        .iter()
        .map(|(o, s)| (*o, credit::attribute(s, model, settings, |_| 0)))
        .collect();
    let view = |by: By| {
        let mut rows: HashMap<String, RoiRow> = HashMap::new();
        for c in costs {
            let key = match by {
                By::Channel => c.channel.as_str(),
                By::Campaign => c.campaign_id.as_deref().unwrap_or(NO_CAMPAIGN),
            };
            let r = row(&mut rows, by, key, campaign_names);
            r.cost_minor += c.amount_minor;
        }
        for (o, cr) in &credits {
            for c in rows_of(cr, by) {
                let r = row(&mut rows, by, &c.key, campaign_names);
                match o {
                    Outcome::Leads => r.leads += c.conversions,
                    Outcome::Mqls => r.mqls += c.conversions,
                    Outcome::Sqls => r.sqls += c.conversions,
                    Outcome::Opportunities => {
                        r.opportunities += c.conversions;
                        r.pipeline_minor += c.value;
                    }
                    Outcome::Revenue => {
                        r.customers += c.conversions;
                        r.revenue_minor += c.value;
                    }
                }
            }
        }
        let mut rows: Vec<RoiRow> = rows.into_values().collect();
        rows.iter_mut().for_each(RoiRow::finish);
        rows.sort_by(|a, b| {
            b.pipeline_minor
                .total_cmp(&a.pipeline_minor)
                .then(b.cost_minor.cmp(&a.cost_minor))
                .then_with(|| a.label.cmp(&b.label))
        });
        rows
    };
    let by_channel = view(By::Channel);
    let mut total = RoiRow {
        key: "total".into(),
        label: "Total".into(),
        ..RoiRow::default()
    };
    for r in &by_channel {
        total.cost_minor += r.cost_minor;
        total.leads += r.leads;
        total.mqls += r.mqls;
        total.sqls += r.sqls;
        total.opportunities += r.opportunities;
        total.customers += r.customers;
        total.pipeline_minor += r.pipeline_minor;
        total.revenue_minor += r.revenue_minor;
    }
    total.finish();
    RoiReport {
        model: model.name(),
        from: period.first_date(),
        to: period.last_date(),
        by_campaign: view(By::Campaign),
        by_channel,
        total,
    }
}

impl AttributionReport {
    /// Whether the outcome carries money (pipeline or revenue) worth its own columns.
    pub fn has_value(&self) -> bool {
        matches!(self.outcome, Outcome::Opportunities | Outcome::Revenue)
    }

    /// The report as a header and text rows (CSV and terminal tables): the key, each
    /// model's conversions (and value in major units for money outcomes), then the
    /// self-reported count in the channel view.
    pub fn table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let mut head = vec![self.by.as_str().to_owned()];
        for m in &self.models {
            head.push((*m).to_owned());
            if self.has_value() {
                head.push(format!("{m}_value"));
            }
        }
        if self.by == By::Channel {
            head.push("self_reported".into());
        }
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut cells = vec![r.label.clone()];
                for (c, v) in r.conversions.iter().zip(&r.values) {
                    cells.push(format!("{c:.2}"));
                    if self.has_value() {
                        cells.push(format!("{:.2}", v / 100.0));
                    }
                }
                if let Some(n) = r.self_reported {
                    cells.push(n.to_string());
                }
                cells
            })
            .collect();
        (head, rows)
    }
}
