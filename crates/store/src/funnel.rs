//! The funnel reports' input: one pass over the leads created in a period (their milestone
//! columns, kept by a trigger), the period's costs, and the two cohorts of a comparison
//! counted in SQL with the exposed leads found through the `0017` indexes.

use std::collections::HashMap;

use leadline_core::Stage;
use leadline_core::funnel::compare::Proportion;
use leadline_core::funnel::{
    By, LeadMilestones, STAGES, Tally, Velocity, month_of, velocity_from_hours,
};

use crate::{Backend, Result, Store};

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

/// Key, furthest stage, disqualified (0/1), reason, leads, won revenue.
type TallyRow = (Option<String>, i64, i64, Option<String>, i64, i64);

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

/// One step's histogram of whole hours between two milestone columns (`created` is
/// `created_at`), for leads with both times and the later not before the earlier.
fn step_sql(k: usize, a: &str, b: &str) -> String {
    format!(
        "SELECT {k} AS k, (l.{b}_at - l.{a}_at) / 3600000 AS h, COUNT(*) AS n FROM leads l \
         WHERE {SCOPE} AND l.{a}_at IS NOT NULL AND l.{b}_at IS NOT NULL AND l.{b}_at >= l.{a}_at \
         GROUP BY 1, 2"
    )
}

/// The index in `STAGES` of the furthest stage a lead reached: the latest milestone
/// recorded, or its current stage when that is further (the core's
/// `LeadMilestones::furthest`). One test per column instead of `reached_sql` per stage: this
/// runs for every lead of the period. SQLite's two-argument `max` is PostgreSQL's `GREATEST`.
fn furthest_sql(backend: Backend) -> String {
    let recorded: String = (1..STAGES.len())
        .rev()
        .map(|i| format!("WHEN l.{}_at IS NOT NULL THEN {i} ", STAGES[i].as_str()))
        .collect();
    let current: String = (1..STAGES.len())
        .map(|i| format!("WHEN '{}' THEN {i} ", STAGES[i].as_str()))
        .collect();
    let greatest = match backend {
        Backend::Sqlite => "max",
        Backend::Postgres => "GREATEST",
    };
    format!("{greatest}(CASE {recorded}ELSE 0 END, CASE l.stage {current}ELSE 0 END)")
}

impl Store {
    /// Every lead created in the scope (merged-away duplicates left out) with its milestones,
    /// first-touch channel, campaign name and won revenue.
    pub async fn funnel_leads(&self, scope: &FunnelScope) -> Result<Vec<LeadMilestones>> {
        let names = self.campaign_names().await?;
        let sql = format!(
            "SELECT l.created_at, l.stage, l.lead_at, l.mql_at, l.sal_at, l.sql_at, \
             l.opportunity_at, l.customer_at, l.disqualified_at, l.disqualified_reason, \
             l.source_channel, l.source_campaign_id, {WON} \
             FROM leads l WHERE l.created_at >= $1 AND l.created_at <= $2 \
             AND l.merged_into IS NULL AND ($3 = '' OR l.source_channel = $3)"
        );
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
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

    /// The leads created in the scope counted in the database by the group key of `by`,
    /// furthest stage and disqualification reason: one pass, a few thousand rows back for a
    /// million leads. What `core::funnel::funnel_of` and `quality_of` read.
    pub async fn funnel_tallies(&self, scope: &FunnelScope, by: By) -> Result<Vec<Tally>> {
        let key = match by {
            By::Month => "CAST(l.created_at / 86400000 AS TEXT)",
            By::Source => "l.source_channel",
            By::Campaign => "l.source_campaign_id",
        };
        let furthest = furthest_sql(self.backend());
        let sql = format!(
            "SELECT {key} AS k, {furthest} AS f, \
             CASE WHEN l.disqualified_at IS NULL THEN 0 ELSE 1 END AS dq, \
             CASE WHEN l.disqualified_at IS NULL THEN NULL ELSE l.disqualified_reason END AS r, \
             COUNT(*) AS n, CAST(COALESCE(SUM({WON}), 0) AS BIGINT) AS won \
             FROM leads l WHERE {SCOPE} GROUP BY 1, 2, 3, 4"
        );
        let rows: Vec<TallyRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(scope.from)
            .bind(scope.to)
            .bind(scope.source.clone().unwrap_or_default())
            .fetch_all(&self.pool)
            .await?;
        let names = match by {
            By::Campaign => self.campaign_names().await?,
            _ => HashMap::new(),
        };
        Ok(rows
            .into_iter()
            .map(|(k, f, dq, reason, n, won)| {
                let mut lead = LeadMilestones {
                    stage: STAGES.get(f.clamp(0, 6) as usize).copied(),
                    disqualified_at: (dq == 1).then_some(0),
                    disqualified_reason: reason,
                    won_minor: won,
                    ..LeadMilestones::default()
                };
                match by {
                    By::Month => {
                        let day = k.and_then(|d| d.parse::<i64>().ok()).unwrap_or(0);
                        lead.created_at = day * 86_400_000;
                    }
                    By::Source => lead.source = k,
                    By::Campaign => {
                        lead.campaign = k.map(|id| names.get(&id).cloned().unwrap_or(id));
                    }
                }
                Tally {
                    lead,
                    leads: n.max(0) as u64,
                }
            })
            .collect())
    }

    /// Velocity of the leads created in the scope from per-step histograms of whole hours,
    /// counted in the database (one grouped scan per step).
    pub async fn funnel_velocity(&self, scope: &FunnelScope) -> Result<Velocity> {
        let mut cols: Vec<&str> = STAGES.iter().map(|s| s.as_str()).collect();
        cols[0] = "created";
        let mut parts: Vec<String> = (0..STAGES.len() - 1)
            .map(|k| step_sql(k, cols[k], cols[k + 1]))
            .collect();
        parts.push(step_sql(6, "created", "customer"));
        let sql = parts.join(" UNION ALL ");
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(scope.from)
            .bind(scope.to)
            .bind(scope.source.clone().unwrap_or_default())
            .fetch_all(&self.pool)
            .await?;
        let hist: Vec<(usize, i64, u64)> = rows
            .into_iter()
            .map(|(k, h, n)| (k.clamp(0, 6) as usize, h, n.max(0) as u64))
            .collect();
        Ok(velocity_from_hours(&hist))
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
        let sql = format!(
            "SELECT CASE WHEN l.id IN (SELECT a.lead_id FROM activities a WHERE a.{column} = $4 \
               AND a.occurred_at <= $2 AND a.lead_id IS NOT NULL) THEN 1 ELSE 0 END AS exposed, \
             COUNT(*), CAST(SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS BIGINT) \
             FROM leads l WHERE l.created_at >= $1 AND l.created_at <= $2 \
             AND l.merged_into IS NULL AND ($3 = '' OR l.source_channel = $3) GROUP BY 1",
            reached_sql(stage)
        );
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(scope.from)
            .bind(scope.to)
            .bind(scope.source.clone().unwrap_or_default())
            .bind(value)
            .fetch_all(&self.pool)
            .await?;
        let get = |e: i64| {
            rows.iter()
                .find(|r| r.0 == e)
                .map_or((0, 0), |r| (r.1.max(0) as u64, r.2.max(0) as u64))
        };
        let ((n1, x1), (n0, x0)) = (get(1), get(0));
        Ok((Proportion::new(x1, n1), Proportion::new(x0, n0)))
    }
}
