//! The reports built on journeys: attribution (models side by side, the self-reported
//! channel beside them, a monthly trend with markers) and campaign ROI (cost against
//! attributed leads, MQLs, SQLs, opportunities, customers, pipeline and revenue).

use std::collections::HashMap;

use serde::Serialize;

use super::Outcome;
use super::credit::{self, Credit, Credits, JourneySet, Settings};
pub use super::roi::{Cost, ROI_COLUMNS, RoiReport, RoiRow, roi};
use crate::attribution::Model;
use crate::parallel;
use crate::period::{self, Period};

/// The label of the leads who gave no "how did you hear about us" answer (never asked, or
/// left it blank): one name for the attribution report, `Store::self_reported` and the CLI,
/// so the same people are never counted under two labels.
pub const NO_ANSWER: &str = "(no answer)";

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
    /// Self-reported channel counts of leads created in the period (unanswered: [`NO_ANSWER`]).
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

pub(super) fn label(by: By, key: &str, names: &HashMap<String, String>) -> String {
    match by {
        By::Channel => key.to_owned(),
        By::Campaign => names.get(key).cloned().unwrap_or_else(|| key.to_owned()),
    }
}

pub(super) fn rows_of(c: &Credits, by: By) -> &[Credit] {
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
    // the trend needs per-conversion credit: a position model (the chosen one, else W-shaped)
    let trend_model = match input.models {
        [m] if !matches!(m, Model::Markov { .. } | Model::Shapley) => m.clone(),
        _ => Model::WShaped,
    };
    let trend_at = input.models.iter().position(|m| *m == trend_model);
    let mut models = input.models.to_vec();
    if trend_at.is_none() {
        models.push(trend_model.clone());
    }
    let mut results: Vec<Credits> = parallel::map(&models, |m| {
        credit::attribute(input.set, m, &input.settings, bucket)
    });
    // the trend model's credit is one of the asked models' or the one appended after them
    let trend_credit = results[trend_at.unwrap_or(input.models.len())].clone();
    results.truncate(input.models.len());
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
        .map(|(k, n)| (k.clone().unwrap_or_else(|| NO_ANSWER.into()), *n))
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
