//! Campaign ROI: what each campaign or channel cost in a period beside the leads, MQLs, SQLs,
//! opportunities (pipeline) and customers (won revenue) an attribution model credits it with.

use std::collections::HashMap;

use serde::Serialize;

use super::credit::{self, Credits, JourneySet, Settings};
use super::report::{By, label, rows_of};
use super::{NO_CAMPAIGN, Outcome};
use crate::attribution::Model;
use crate::period::Period;

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
    let credits: Vec<(Outcome, Credits)> = crate::parallel::map(sets, |(o, s)| {
        (*o, credit::attribute(s, model, settings, |_| 0))
    });
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
