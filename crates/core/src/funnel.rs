//! The funnel (waterfall): how many leads reached each stage subscriber → lead → MQL → SAL →
//! SQL → opportunity → customer, the conversion from stage to stage, and how long each step
//! took, grouped by cohort month, source channel or campaign.
//!
//! Input is one row per lead with the milestone times the database keeps on `leads` (first
//! time each stage was reached). A lead that reached a later stage counts as having passed
//! every earlier one: sales often move a lead from `lead` straight to `sql`, and that lead is
//! still an MQL and a SAL for the funnel. So counts never grow down the funnel.

pub mod compare;
pub mod pass;
pub mod quality;
pub mod velocity;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::stage::Stage;
pub use velocity::{StepVelocity, Velocity, velocity, velocity_from_hours};

/// The funnel's stages in order (the forward lifecycle stages).
pub const STAGES: [Stage; 7] = [
    Stage::Subscriber,
    Stage::Lead,
    Stage::Mql,
    Stage::Sal,
    Stage::Sql,
    Stage::Opportunity,
    Stage::Customer,
];

/// One lead as the funnel, quality and compare reports read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadMilestones {
    /// When the lead was created (epoch ms): its cohort.
    pub created_at: i64,
    /// The lead's current stage, so a lead whose milestone was never recorded (data from
    /// before the milestones existed) still counts at the stage it stands at.
    pub stage: Option<Stage>,
    /// First time each funnel stage was reached, in [`STAGES`] order (index 0, subscriber,
    /// is normally `created_at`).
    pub at: [Option<i64>; 7],
    /// Latest disqualification, if any, with the reason given.
    pub disqualified_at: Option<i64>,
    pub disqualified_reason: Option<String>,
    /// First-touch source channel and campaign (the campaign's name).
    pub source: Option<String>,
    pub campaign: Option<String>,
    /// Won revenue of the opportunities whose primary lead this is (minor units).
    pub won_minor: i64,
}

impl LeadMilestones {
    /// The index in [`STAGES`] of the furthest stage reached: every lead is at least a
    /// subscriber.
    pub fn furthest(&self) -> usize {
        let recorded = self.at.iter().rposition(Option::is_some).unwrap_or(0);
        let current = self
            .stage
            .and_then(|s| STAGES.iter().position(|&f| f == s))
            .unwrap_or(0);
        recorded.max(current)
    }

    /// Whether the lead reached (or passed) `stage`; side stages are never "reached".
    pub fn reached(&self, stage: Stage) -> bool {
        STAGES
            .iter()
            .position(|&s| s == stage)
            .is_some_and(|i| self.furthest() >= i)
    }
}

/// How funnel rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    /// Cohort month of `created_at` (UTC), `YYYY-MM`.
    Month,
    /// First-touch source channel.
    Source,
    /// First-touch campaign.
    Campaign,
}

impl By {
    /// Parses `month`, `source` (or `channel`) and `campaign`.
    pub fn parse(s: &str) -> Option<By> {
        match s.trim().to_ascii_lowercase().as_str() {
            "month" => Some(By::Month),
            "source" | "channel" => Some(By::Source),
            "campaign" => Some(By::Campaign),
            _ => None,
        }
    }

    /// The name used in URLs and output.
    pub fn as_str(self) -> &'static str {
        match self {
            By::Month => "month",
            By::Source => "source",
            By::Campaign => "campaign",
        }
    }

    /// The group a lead falls in.
    pub fn key(self, lead: &LeadMilestones) -> String {
        match self {
            By::Month => month_of(lead.created_at),
            By::Source => lead.source.clone().unwrap_or_else(|| UNKNOWN.into()),
            By::Campaign => lead.campaign.clone().unwrap_or_else(|| NO_CAMPAIGN.into()),
        }
    }
}

/// The group of leads without a recorded source channel.
pub const UNKNOWN: &str = "(unknown)";
/// The group of leads without a first-touch campaign.
pub const NO_CAMPAIGN: &str = "(no campaign)";
/// The key of the row that sums every group.
pub const TOTAL: &str = "total";

/// `YYYY-MM` of an epoch-ms time in UTC (the cohort month).
pub fn month_of(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => {
            let d = jiff::tz::TimeZone::UTC.to_datetime(t).date();
            format!("{:04}-{:02}", d.year(), d.month())
        }
        Err(_) => "(invalid)".into(),
    }
}

/// One stage of one funnel row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageCount {
    pub stage: Stage,
    /// Leads that reached this stage or a later one.
    pub count: u64,
    /// `count` over the previous stage's count; `None` for the first stage or an empty one.
    pub from_previous: Option<f64>,
    /// `count` over the first stage's count (the row's leads).
    pub from_top: Option<f64>,
}

/// The funnel of one group (or of all leads, key `total`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelRow {
    pub key: String,
    pub stages: Vec<StageCount>,
}

impl FunnelRow {
    /// Builds the row from counts per furthest stage (a histogram), cumulating from the end.
    fn from_histogram(key: String, furthest: &[u64; 7]) -> FunnelRow {
        let mut counts = [0u64; 7];
        let mut running = 0;
        for i in (0..7).rev() {
            running += furthest[i];
            counts[i] = running;
        }
        let stages = STAGES
            .iter()
            .enumerate()
            .map(|(i, &stage)| StageCount {
                stage,
                count: counts[i],
                from_previous: (i > 0).then(|| ratio(counts[i], counts[i - 1])).flatten(),
                from_top: ratio(counts[i], counts[0]),
            })
            .collect();
        FunnelRow { key, stages }
    }

    /// The count at `stage` (0 for a side stage).
    pub fn count(&self, stage: Stage) -> u64 {
        self.stages
            .iter()
            .find(|s| s.stage == stage)
            .map_or(0, |s| s.count)
    }

    /// Column names of [`FunnelRow::cells`], for CSV and tables.
    pub fn columns(by: By) -> Vec<String> {
        let mut cols = vec![by.as_str().to_owned()];
        for s in STAGES {
            cols.push(s.as_str().to_owned());
        }
        for w in STAGES.windows(2) {
            cols.push(format!("{}_to_{}", w[0].as_str(), w[1].as_str()));
        }
        cols.push("overall".into());
        cols
    }

    /// The row as text cells: counts, stage-to-stage rates and the overall rate (as
    /// fractions with 4 decimals, empty when undefined).
    pub fn cells(&self) -> Vec<String> {
        let mut cells = vec![self.key.clone()];
        cells.extend(self.stages.iter().map(|s| s.count.to_string()));
        cells.extend(self.stages[1..].iter().map(|s| fraction(s.from_previous)));
        cells.push(fraction(self.stages.last().and_then(|s| s.from_top)));
        cells
    }
}

/// `part / whole`, `None` when the whole is empty.
pub fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// A rate as a CSV cell: 4 decimals, empty when undefined.
pub fn fraction(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.4}")).unwrap_or_default()
}

/// Leads alike for every report (same group keys, furthest stage, disqualification reason)
/// counted together: the database sums them so a million leads arrive as a few thousand
/// tallies. `lead.won_minor` is the group's total.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub lead: LeadMilestones,
    pub leads: u64,
}

/// One tally per lead (for callers holding single leads).
pub fn tallies(leads: &[LeadMilestones]) -> Vec<Tally> {
    leads
        .iter()
        .map(|l| Tally {
            lead: l.clone(),
            leads: 1,
        })
        .collect()
}

/// The funnel grouped `by`, rows in key order (months ascending), then the `total` row.
pub fn funnel(leads: &[LeadMilestones], by: By) -> Vec<FunnelRow> {
    funnel_of(&tallies(leads), by)
}

/// [`funnel`] over tallies.
pub fn funnel_of(tallies: &[Tally], by: By) -> Vec<FunnelRow> {
    let mut groups: BTreeMap<String, [u64; 7]> = BTreeMap::new();
    let mut total = [0u64; 7];
    for t in tallies {
        let f = t.lead.furthest();
        groups.entry(by.key(&t.lead)).or_default()[f] += t.leads;
        total[f] += t.leads;
    }
    let mut rows: Vec<FunnelRow> = groups
        .into_iter()
        .map(|(k, h)| FunnelRow::from_histogram(k, &h))
        .collect();
    rows.push(FunnelRow::from_histogram(TOTAL.into(), &total));
    rows
}
