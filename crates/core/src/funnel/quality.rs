//! Lead quality by source: volume next to what the leads became (disqualified, MQL, SQL, won)
//! and what they earned and cost, so "cheap leads" (many, rarely sales-ready) and "good leads"
//! are told apart.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{By, LeadMilestones, TOTAL, Tally, fraction, ratio};
use crate::stage::Stage;

/// Reasons listed per row, most frequent first.
pub const TOP_REASONS: usize = 3;
/// A group needs at least this many leads to be flagged either way.
pub const MIN_FLAG_LEADS: u64 = 20;

/// Why a row is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// At least the average volume per group, and an SQL rate under half the overall rate.
    HighVolumeLowSql,
    /// An SQL rate at least 1.5 times the overall rate.
    HighSql,
}

impl Flag {
    /// The name in CSV and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::HighVolumeLowSql => "high_volume_low_sql",
            Flag::HighSql => "high_sql",
        }
    }

    /// Plain words for the table.
    pub fn label(self) -> &'static str {
        match self {
            Flag::HighVolumeLowSql => "cheap leads: high volume, low SQL rate",
            Flag::HighSql => "good leads: high SQL rate",
        }
    }
}

/// One disqualification reason and how many leads it disqualified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub reason: String,
    pub leads: u64,
}

/// The quality of one source (or campaign), or of all leads (key `total`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityRow {
    pub key: String,
    pub leads: u64,
    pub disqualified: u64,
    pub disqualified_share: Option<f64>,
    pub top_reasons: Vec<ReasonCount>,
    pub mql_rate: Option<f64>,
    pub sql_rate: Option<f64>,
    pub win_rate: Option<f64>,
    pub revenue_minor: i64,
    pub revenue_per_lead_minor: Option<f64>,
    /// Costs recorded for the group in the period; `None` when there are none.
    pub cost_minor: Option<i64>,
    pub cost_per_lead_minor: Option<f64>,
    pub cost_per_sql_minor: Option<f64>,
    pub flag: Option<Flag>,
}

/// A disqualification reason as counted: the detail in parentheses and a label before the
/// last `:` dropped (`disqualified by rules: student (academic domain x.edu)` is `student`),
/// lower case, runs of spaces, dashes and underscores made one `_` (so "No budget",
/// "no-budget" and `no_budget` are one reason); an empty reason is `(none given)`.
pub fn normalise_reason(reason: Option<&str>) -> String {
    let text = reason.unwrap_or("");
    let text = text.split('(').next().unwrap_or("");
    let text = text.rsplit(':').next().unwrap_or("");
    let mut out = String::new();
    for word in text
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(&word.to_lowercase());
    }
    if out.is_empty() {
        "(none given)".into()
    } else {
        out
    }
}

#[derive(Default)]
struct Acc {
    leads: u64,
    disqualified: u64,
    mql: u64,
    sql: u64,
    won: u64,
    revenue: i64,
    reasons: HashMap<String, u64>,
}

impl Acc {
    fn add(&mut self, l: &LeadMilestones, n: u64) {
        self.leads += n;
        if l.disqualified_at.is_some() {
            self.disqualified += n;
            *self
                .reasons
                .entry(normalise_reason(l.disqualified_reason.as_deref()))
                .or_default() += n;
        }
        self.mql += n * u64::from(l.reached(Stage::Mql));
        self.sql += n * u64::from(l.reached(Stage::Sql));
        self.won += n * u64::from(l.reached(Stage::Customer));
        self.revenue += l.won_minor;
    }

    fn row(self, key: String, cost: Option<i64>) -> QualityRow {
        let mut reasons: Vec<ReasonCount> = self
            .reasons
            .into_iter()
            .map(|(reason, leads)| ReasonCount { reason, leads })
            .collect();
        reasons.sort_by(|a, b| b.leads.cmp(&a.leads).then_with(|| a.reason.cmp(&b.reason)));
        reasons.truncate(TOP_REASONS);
        let per = |v: i64, n: u64| (n > 0).then(|| v as f64 / n as f64);
        QualityRow {
            key,
            leads: self.leads,
            disqualified: self.disqualified,
            disqualified_share: ratio(self.disqualified, self.leads),
            top_reasons: reasons,
            mql_rate: ratio(self.mql, self.leads),
            sql_rate: ratio(self.sql, self.leads),
            win_rate: ratio(self.won, self.leads),
            revenue_minor: self.revenue,
            revenue_per_lead_minor: per(self.revenue, self.leads),
            cost_minor: cost,
            cost_per_lead_minor: cost.and_then(|c| per(c, self.leads)),
            cost_per_sql_minor: cost.and_then(|c| per(c, self.sql)),
            flag: None,
        }
    }
}

/// Quality per source channel (`By::Source`) or campaign (`By::Campaign`; `By::Month` groups
/// by cohort month), rows by key then `total`. `costs` maps a group's key to its cost in the
/// period; a group without an entry has no cost figures (unknown, not zero).
pub fn quality(leads: &[LeadMilestones], by: By, costs: &HashMap<String, i64>) -> Vec<QualityRow> {
    quality_of(&super::tallies(leads), by, costs)
}

/// [`quality`] over tallies.
pub fn quality_of(tallies: &[Tally], by: By, costs: &HashMap<String, i64>) -> Vec<QualityRow> {
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    let mut total = Acc::default();
    for t in tallies {
        groups
            .entry(by.key(&t.lead))
            .or_default()
            .add(&t.lead, t.leads);
        total.add(&t.lead, t.leads);
    }
    let n_groups = groups.len().max(1) as f64;
    let mean_leads = total.leads as f64 / n_groups;
    let total_cost = (!costs.is_empty()).then(|| costs.values().sum());
    let total_row = total.row(TOTAL.into(), total_cost);
    let overall_sql = total_row.sql_rate.unwrap_or(0.0);
    let mut rows: Vec<QualityRow> = groups
        .into_iter()
        .map(|(k, acc)| {
            let cost = costs.get(&k).copied();
            let mut row = acc.row(k, cost);
            row.flag = flag(&row, mean_leads, overall_sql);
            row
        })
        .collect();
    rows.push(total_row);
    rows
}

fn flag(row: &QualityRow, mean_leads: f64, overall_sql: f64) -> Option<Flag> {
    let sql = row.sql_rate?;
    if row.leads < MIN_FLAG_LEADS || overall_sql <= 0.0 {
        return None;
    }
    if row.leads as f64 >= mean_leads && sql < overall_sql * 0.5 {
        Some(Flag::HighVolumeLowSql)
    } else if sql >= overall_sql * 1.5 {
        Some(Flag::HighSql)
    } else {
        None
    }
}

/// Column names of [`cells`].
pub const COLUMNS: [&str; 14] = [
    "key",
    "leads",
    "disqualified",
    "disqualified_share",
    "top_reasons",
    "mql_rate",
    "sql_rate",
    "win_rate",
    "revenue_minor",
    "revenue_per_lead_minor",
    "cost_minor",
    "cost_per_lead_minor",
    "cost_per_sql_minor",
    "flag",
];

/// A row as text cells for CSV and tables (reasons as `reason:count; …`).
pub fn cells(r: &QualityRow) -> Vec<String> {
    let money = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_default();
    vec![
        r.key.clone(),
        r.leads.to_string(),
        r.disqualified.to_string(),
        fraction(r.disqualified_share),
        r.top_reasons
            .iter()
            .map(|c| format!("{}:{}", c.reason, c.leads))
            .collect::<Vec<_>>()
            .join("; "),
        fraction(r.mql_rate),
        fraction(r.sql_rate),
        fraction(r.win_rate),
        r.revenue_minor.to_string(),
        money(r.revenue_per_lead_minor),
        r.cost_minor.map(|c| c.to_string()).unwrap_or_default(),
        money(r.cost_per_lead_minor),
        money(r.cost_per_sql_minor),
        r.flag.map(Flag::as_str).unwrap_or_default().to_owned(),
    ]
}
