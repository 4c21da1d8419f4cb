//! What the attribution and ROI reports read: the journeys of the leads that converted in a
//! period (and, for Markov and Shapley, of those created in it that did not), costs, campaign
//! names, the self-reported channel and markers.
//!
//! Built for a million leads and ten million activities on SQLite: the leads come from the
//! partial index on the outcome's milestone column (only those converting in the period),
//! their touches from the covering `activities_lead(lead_id, occurred_at, channel,
//! campaign_id, type)` index limited to the lookback window, in one query ordered by lead
//! and time and streamed row by row into `core::journey` (no per-lead round trip, no
//! activity held beyond its lead). On SQLite the pass runs on a connection and thread of its
//! own, calling SQLite directly.

use std::collections::HashMap;

use leadline_core::attribution::Model;
use leadline_core::journey::credit::{JourneySet, Settings};
use leadline_core::journey::report::{self, AttributionReport, By, Cost, RoiReport};
use leadline_core::journey::{Journey, Outcome, TouchBuilder};
use leadline_core::period::Period;

use crate::capture::lite;
use crate::capture::tx::Tx;
use crate::{Result, Store};

/// The milestone column an outcome is counted by.
fn column(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Leads => "lead_at",
        Outcome::Mqls => "mql_at",
        Outcome::Sqls => "sql_at",
        Outcome::Opportunities => "opportunity_at",
        Outcome::Revenue => "customer_at",
    }
}

/// Everything one report reads, in one pass over one connection.
struct Read {
    sets: Vec<(Outcome, JourneySet)>,
    campaigns: HashMap<String, String>,
    costs: Vec<Cost>,
}

#[derive(Clone)]
struct Ask {
    outcomes: Vec<Outcome>,
    period: Period,
    lookback_ms: i64,
    with_nulls: bool,
}

impl Store {
    /// The journeys of `outcome` in `period`: one per lead (not merged away) whose milestone
    /// falls in `[from, to)`, plus with `with_nulls` one per lead created in the period that
    /// did not reach it (their touches up to the period's end).
    pub async fn journeys(
        &self,
        outcome: Outcome,
        period: Period,
        settings: &Settings,
        with_nulls: bool,
    ) -> Result<JourneySet> {
        let ask = Ask {
            outcomes: vec![outcome],
            period,
            lookback_ms: i64::from(settings.lookback_days) * 86_400_000,
            with_nulls,
        };
        let mut read = self.read(ask).await?;
        Ok(read.sets.pop().map(|s| s.1).unwrap_or_default())
    }

    /// The attribution report: `outcome` in `period` credited under each of `models`.
    pub async fn attribution_report(
        &self,
        outcome: Outcome,
        period: Period,
        by: By,
        models: &[Model],
        settings: Settings,
    ) -> Result<AttributionReport> {
        let with_nulls = models
            .iter()
            .any(|m| matches!(m, Model::Markov { .. } | Model::Shapley));
        let ask = Ask {
            outcomes: vec![outcome],
            period,
            lookback_ms: i64::from(settings.lookback_days) * 86_400_000,
            with_nulls,
        };
        let mut read = self.read(ask).await?;
        let set = read.sets.pop().map(|s| s.1).unwrap_or_default();
        // Only this report shows them; ROI and the journeys do not read them.
        let heard_about = self
            .heard_about_counts(period.from, period.to)
            .await?
            .into_iter()
            .map(|(c, n)| (c, n.max(0) as u64))
            .collect();
        let markers = self
            .markers_between(period.from, period.to)
            .await?
            .into_iter()
            .map(|m| (m.at, m.channel, m.title))
            .collect();
        Ok(report::attribution(report::AttributionInput {
            set: &set,
            outcome,
            period,
            by,
            models,
            settings,
            campaign_names: &read.campaigns,
            heard_about,
            markers,
        }))
    }

    /// Campaign ROI for `period` under `model`: costs beside attributed leads, MQLs, SQLs,
    /// opportunities (pipeline) and customers (revenue), by channel and by campaign.
    pub async fn roi_report(
        &self,
        period: Period,
        model: &Model,
        settings: Settings,
    ) -> Result<RoiReport> {
        let ask = Ask {
            outcomes: vec![
                Outcome::Leads,
                Outcome::Mqls,
                Outcome::Sqls,
                Outcome::Opportunities,
                Outcome::Revenue,
            ],
            period,
            lookback_ms: i64::from(settings.lookback_days) * 86_400_000,
            with_nulls: matches!(model, Model::Markov { .. } | Model::Shapley),
        };
        let read = self.read(ask).await?;
        Ok(report::roi(
            &read.sets,
            &read.costs,
            model,
            &settings,
            period,
            &read.campaigns,
        ))
    }

    async fn read(&self, ask: Ask) -> Result<Read> {
        match self.sqlite_file() {
            Some(path) => {
                lite::on_own_thread(path, "attribution-read", async move |tx| {
                    read_all(tx, &ask).await
                })
                .await
            }
            None => {
                let mut c = self.pool.acquire().await?;
                read_all(&mut Tx::Any(&mut c), &ask).await
            }
        }
    }
}

async fn read_all(tx: &mut Tx<'_>, ask: &Ask) -> Result<Read> {
    let (from, to) = (ask.period.from, ask.period.to);
    let mut sets = Vec::new();
    for &o in &ask.outcomes {
        sets.push((o, journeys(tx, o, ask).await?));
    }
    let mut campaigns = HashMap::new();
    tx.scan("SELECT id, name FROM campaigns", vec![], |r| {
        campaigns.insert(
            r.text(0)?.unwrap_or_default().to_owned(),
            r.text(1)?.unwrap_or_default().to_owned(),
        );
        Ok(())
    })
    .await?;
    let mut costs = Vec::new();
    tx.scan(
        "SELECT campaign_id, channel, CAST(SUM(amount_minor) AS BIGINT) FROM costs \
         WHERE day >= $1 AND day < $2 GROUP BY campaign_id, channel",
        vec![from.into(), to.into()],
        |r| {
            costs.push(Cost {
                campaign_id: r.text(0)?.map(str::to_owned),
                channel: r.text(1)?.unwrap_or_default().to_owned(),
                amount_minor: r.int(2)?,
            });
            Ok(())
        },
    )
    .await?;
    Ok(Read {
        sets,
        campaigns,
        costs,
    })
}

/// Streams one outcome's journeys: lead columns repeat on each of its touch rows (a lead
/// without touches in its window comes as one row of NULL touch columns). Rows are ordered
/// by lead only: the touch builder orders a lead's touches itself, which spares SQLite a
/// sort per lead.
async fn journeys(tx: &mut Tx<'_>, outcome: Outcome, ask: &Ask) -> Result<JourneySet> {
    let col = column(outcome);
    let (from, to) = (ask.period.from, ask.period.to);
    let values = match outcome {
        Outcome::Opportunities => Some("o.amount_minor"),
        Outcome::Revenue => Some("COALESCE(o.won_amount_minor, 0)"),
        _ => None,
    };
    let mut value_of: HashMap<String, i64> = HashMap::new();
    if let Some(v) = values {
        let sql = format!(
            "SELECT o.primary_lead_id, CAST(SUM({v}) AS BIGINT) FROM opportunities o \
             JOIN leads l ON l.id = o.primary_lead_id \
             WHERE l.{col} >= $1 AND l.{col} < $2 AND l.merged_into IS NULL \
             GROUP BY o.primary_lead_id"
        );
        tx.scan(&sql, vec![from.into(), to.into()], |r| {
            value_of.insert(r.text(0)?.unwrap_or_default().to_owned(), r.int(1)?);
            Ok(())
        })
        .await?;
    }
    let started = std::time::Instant::now();
    let mut b = TouchBuilder::default();
    let mut out = Vec::new();
    let converting = format!(
        "SELECT l.id, l.{col}, COALESCE(l.lead_at, l.created_at), l.opportunity_at, \
         a.occurred_at, a.type, a.channel, a.campaign_id \
         FROM leads l LEFT JOIN activities a ON a.lead_id = l.id \
         AND a.occurred_at >= l.{col} - $3 AND a.occurred_at <= l.{col} \
         WHERE l.{col} >= $1 AND l.{col} < $2 AND l.merged_into IS NULL \
         ORDER BY l.{col}, l.id"
    );
    stream(tx, &converting, ask, true, &value_of, &mut b, &mut out).await?;
    if ask.with_nulls {
        let nulls = format!(
            "SELECT l.id, 0, COALESCE(l.lead_at, l.created_at), l.opportunity_at, \
             a.occurred_at, a.type, a.channel, a.campaign_id \
             FROM leads l JOIN activities a ON a.lead_id = l.id \
             AND a.occurred_at >= $2 - $3 AND a.occurred_at < $2 \
             WHERE l.created_at >= $1 AND l.created_at < $2 AND l.merged_into IS NULL \
             AND (l.{col} IS NULL OR l.{col} >= $2) \
             ORDER BY l.created_at, l.id"
        );
        stream(tx, &nulls, ask, false, &value_of, &mut b, &mut out).await?;
    }
    tracing::debug!(
        outcome = outcome.as_str(),
        journeys = out.len(),
        ms = started.elapsed().as_millis() as u64,
        "attribution: journeys read"
    );
    Ok(JourneySet {
        channels: b.channels,
        campaigns: b.campaigns,
        journeys: out,
    })
}

async fn stream(
    tx: &mut Tx<'_>,
    sql: &str,
    ask: &Ask,
    converted: bool,
    value_of: &HashMap<String, i64>,
    b: &mut TouchBuilder,
    out: &mut Vec<Journey>,
) -> Result<()> {
    let args = vec![
        ask.period.from.into(),
        ask.period.to.into(),
        ask.lookback_ms.into(),
    ];
    let mut current = String::new();
    let mut open: Option<Journey> = None;
    tx.scan(sql, args, |r| {
        let id = r.text(0)?.unwrap_or_default();
        if open.is_none() || id != current {
            if let Some(mut j) = open.take() {
                j.touches = b.take();
                out.push(j);
            }
            current.clear();
            current.push_str(id);
            open = Some(Journey {
                converted,
                at: if converted {
                    r.int(1)?
                } else {
                    ask.period.to - 1
                },
                lead_at: r.int(2)?,
                opportunity_at: r.int_opt(3)?,
                value: if converted {
                    value_of.get(id).copied().unwrap_or(0)
                } else {
                    0
                },
                touches: Vec::new(),
            });
        }
        if let Some(at) = r.int_opt(4)? {
            b.push(at, r.text(5)?.unwrap_or_default(), r.text(6)?, r.text(7)?);
        }
        Ok(())
    })
    .await?;
    if let Some(mut j) = open.take() {
        j.touches = b.take();
        out.push(j);
    }
    Ok(())
}
