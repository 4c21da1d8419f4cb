//! The funnel reports' input: one pass over the leads created in a period (their milestone
//! columns, kept by a trigger), the period's costs, and the two cohorts of a comparison
//! counted in SQL with the exposed leads found through the `0017` indexes.

use std::collections::HashMap;

use leadline_core::Stage;
use leadline_core::funnel::compare::Proportion;
use leadline_core::funnel::pass::{FunnelPass, LeadRow};
use leadline_core::funnel::{By, LeadMilestones, STAGES, Tally, Velocity, month_of};

use crate::{Result, Store};

/// Which program a comparison asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// Exposed = a touch (activity) with this campaign id.
    Campaign(String),
    /// Exposed = a touch on this channel (its stored name, e.g. `webinar`).
    Channel(String),
}

/// Which leads a report reads: created from `from` to `to` (epoch ms, inclusive), optionally
/// only those of one first-touch source channel.
#[derive(Debug, Clone, Default)]
pub struct FunnelScope {
    pub from: i64,
    pub to: i64,
    pub source: Option<String>,
}

/// The counts of a period's leads every funnel report reads ([`Store::funnel_counts`]).
#[derive(Debug)]
pub struct FunnelCounts {
    pass: FunnelPass,
    campaign_names: HashMap<String, String>,
}

impl FunnelCounts {
    /// The leads, alike ones together, grouped `by` (campaigns by name).
    pub fn tallies(&self, by: By) -> Vec<Tally> {
        self.pass.tallies(by, |id| {
            self.campaign_names
                .get(id)
                .cloned()
                .unwrap_or_else(|| id.to_owned())
        })
    }

    /// Median and 75th percentile days per step, read to the hour.
    pub fn velocity(&self) -> Velocity {
        self.pass.velocity()
    }
}

type Row = (
    i64,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

/// Won revenue of the lead's won deals; only customers have any, so the lookup runs for them.
const WON: &str = "CASE WHEN l.customer_at IS NULL AND l.stage <> 'customer' THEN 0 ELSE \
    (SELECT CAST(COALESCE(SUM(COALESCE(o.won_amount_minor, o.amount_minor)), 0) AS BIGINT) \
     FROM opportunities o WHERE o.primary_lead_id = l.id AND o.stage = 'closed_won') END";

/// SQL true when the lead reached `stage` or a later funnel stage (the core's
/// `LeadMilestones::reached`, for counting in the database).
fn reached_sql(stage: Stage) -> String {
    let i = STAGES.iter().position(|&s| s == stage).unwrap_or(0);
    if i == 0 {
        return "1 = 1".into();
    }
    let later = &STAGES[i..];
    let cols: Vec<String> = later
        .iter()
        .map(|s| format!("l.{}_at IS NOT NULL", s.as_str()))
        .collect();
    let names: Vec<String> = later.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!(
        "({} OR l.stage IN ({}))",
        cols.join(" OR "),
        names.join(",")
    )
}

/// The scope's filter on `leads l` ($1 from, $2 to, $3 source or '').
const SCOPE: &str = "l.created_at >= $1 AND l.created_at <= $2 AND l.merged_into IS NULL \
    AND ($3 = '' OR l.source_channel = $3)";

/// The scope's leads as the funnel reads them (`Row`'s columns).
fn scope_leads() -> String {
    format!(
        "SELECT l.created_at, l.stage, l.lead_at, l.mql_at, l.sal_at, l.sql_at, \
         l.opportunity_at, l.customer_at, l.disqualified_at, l.disqualified_reason, \
         l.source_channel, l.source_campaign_id, {WON} FROM leads l WHERE {SCOPE}"
    )
}

impl Store {
    /// Every lead created in the scope (merged-away duplicates left out) with its milestones,
    /// first-touch channel, campaign name and won revenue.
    pub async fn funnel_leads(&self, scope: &FunnelScope) -> Result<Vec<LeadMilestones>> {
        let names = self.campaign_names().await?;
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(scope_leads()))
            .bind(scope.from)
            .bind(scope.to)
            .bind(scope.source.clone().unwrap_or_default())
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| LeadMilestones {
                created_at: r.0,
                stage: Stage::parse(&r.1),
                at: [Some(r.0), r.2, r.3, r.4, r.5, r.6, r.7],
                disqualified_at: r.8,
                disqualified_reason: r.9,
                source: r.10,
                campaign: r.11.map(|id| names.get(&id).cloned().unwrap_or(id)),
                won_minor: r.12,
            })
            .collect())
    }

    /// The funnel, sources and velocity counts of the leads created in the scope, from one
    /// ungrouped pass over them (see `core::funnel::pass` for why not `GROUP BY`). On SQLite
    /// the pass runs on a connection and thread of its own, calling SQLite directly.
    pub async fn funnel_counts(&self, scope: &FunnelScope) -> Result<FunnelCounts> {
        let scope = scope.clone();
        let pass = self
            .read_pass("funnel-read", async move |tx| {
                let sql = scope_leads();
                let args = vec![
                    scope.from.into(),
                    scope.to.into(),
                    scope.source.unwrap_or_default().into(),
                ];
                let mut pass = FunnelPass::default();
                tx.scan(&sql, args, |r| {
                    let stage = r.text(1)?.and_then(Stage::parse);
                    pass.add(&LeadRow {
                        created_at: r.int(0)?,
                        stage: stage
                            .and_then(|s| STAGES.iter().position(|&f| f == s))
                            .unwrap_or(0),
                        at: [
                            None,
                            r.int_opt(2)?,
                            r.int_opt(3)?,
                            r.int_opt(4)?,
                            r.int_opt(5)?,
                            r.int_opt(6)?,
                            r.int_opt(7)?,
                        ],
                        disqualified: r.int_opt(8)?.is_some(),
                        reason: r.text(9)?,
                        source: r.text(10)?,
                        campaign_id: r.text(11)?,
                        won_minor: r.int(12)?,
                    });
                    Ok(())
                })
                .await?;
                Ok(pass)
            })
            .await?;
        Ok(FunnelCounts {
            pass,
            campaign_names: self.campaign_names().await?,
        })
    }

    /// Campaign names by id (campaigns are few).
    async fn campaign_names(&self) -> Result<HashMap<String, String>> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM campaigns")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// The id and name of the campaign called `name` (case-insensitive), if any.
    pub async fn campaign_by_name(&self, name: &str) -> Result<Option<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT id, name FROM campaigns WHERE name_key = $1")
                .bind(name.trim().to_lowercase())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Costs on days in `[from, to]` summed per group key of `by` (channel, campaign name or
    /// month of the day); costs without a campaign count only for channels and months.
    pub async fn funnel_costs(&self, by: By, from: i64, to: i64) -> Result<HashMap<String, i64>> {
        let rows: Vec<(String, Option<String>, i64, i64)> = sqlx::query_as(
            "SELECT k.channel, c.name, k.day, k.amount_minor FROM costs k \
             LEFT JOIN campaigns c ON c.id = k.campaign_id WHERE k.day >= $1 AND k.day <= $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<String, i64> = HashMap::new();
        for (channel, campaign, day, amount) in rows {
            let key = match by {
                By::Source => Some(channel),
                By::Campaign => campaign,
                By::Month => Some(month_of(day)),
            };
            if let Some(k) = key {
                *out.entry(k).or_default() += amount;
            }
        }
        Ok(out)
    }

    /// The leads created in the scope split into exposed to `program` (a touch with it up to
    /// the scope's end) and not, each counted with how many reached `stage`.
    pub async fn exposure_cohorts(
        &self,
        scope: &FunnelScope,
        program: &Program,
        stage: Stage,
    ) -> Result<(Proportion, Proportion)> {
        let (column, value) = match program {
            Program::Campaign(id) => ("campaign_id", id),
            Program::Channel(c) => ("channel", c),
        };
        // One row of sums, no GROUP BY: grouping a million leads by a yes/no would make
        // SQLite sort them all.
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(e), 0) AS BIGINT), \
             CAST(COALESCE(SUM(r), 0) AS BIGINT), CAST(COALESCE(SUM(e * r), 0) AS BIGINT) \
             FROM (SELECT CASE WHEN l.id IN (SELECT a.lead_id FROM activities a \
               WHERE a.{column} = $4 AND a.occurred_at <= $2 AND a.lead_id IS NOT NULL) \
               THEN 1 ELSE 0 END AS e, CASE WHEN {} THEN 1 ELSE 0 END AS r \
             FROM leads l WHERE {SCOPE}) t",
            reached_sql(stage)
        );
        let (n, e, r, er): (i64, i64, i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(scope.from)
            .bind(scope.to)
            .bind(scope.source.clone().unwrap_or_default())
            .bind(value)
            .fetch_one(&self.pool)
            .await?;
        let count = |v: i64| v.max(0) as u64;
        let (n1, x1) = (count(e), count(er));
        let (n0, x0) = (count(n - e), count(r - er));
        Ok((Proportion::new(x1, n1), Proportion::new(x0, n0)))
    }
}
