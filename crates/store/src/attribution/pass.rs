//! The journeys' pass: one query per part joining the wanted leads to their touches, streamed
//! row by row into `core::journey` (see [`journeys`]).

use std::collections::HashMap;
use std::sync::Arc;

use leadline_core::journey::{Journey, Outcome, SharedNames, Touch, TouchBuilder};

use super::Ask;
use crate::Backend;
use crate::Result;
use crate::capture::bulk::Arg;
use crate::capture::tx::Tx;

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

/// The share of the leads one part of a split pass reads: those whose row id leaves `k`
/// divided by `of` (`of` = 1: every lead). Row ids count up as leads are created, so each
/// part gets an even share of every period.
#[derive(Clone, Copy)]
pub(super) struct Part {
    pub(super) k: i64,
    pub(super) of: i64,
}

impl Part {
    /// The condition that keeps this part's leads by `rowid`, its numbers appended to `args`
    /// (bound to the next placeholders); none when one part reads all.
    fn filter(self, rowid: &str, args: &mut Vec<Arg>) -> String {
        if self.of <= 1 {
            return String::new();
        }
        args.extend([self.of.into(), self.k.into()]);
        format!(" AND {rowid} % ${} = ${}", args.len() - 1, args.len())
    }
}

/// A lead of the pass: the columns every outcome's journey takes from it.
struct LeadCols {
    created_at: i64,
    lead_at: i64,
    opportunity_at: Option<i64>,
    /// The milestone of each asked outcome, in `Ask::outcomes` order.
    reached: Vec<Option<i64>>,
}

/// Every asked outcome's journeys in one pass: the leads that reached any of them in the
/// period (and, with nulls, those created in it), each joined once to its touches in the
/// span its journeys cover — from the earliest journey's lookback to the latest conversion
/// (a null journey ends at the period's last moment). A lead converting to several
/// outcomes (lead, MQL, SQL in one quarter) is read once, not once per outcome, and each
/// journey's touches are cut from that read at its own window (`TouchBuilder::between`).
///
/// A lead's rows must come together. SQLite joins by nested loops, lead by lead, in the
/// order of the lead index it scans (creation or milestone time, which lead ids follow: see
/// `id_at`), so the touch seeks walk one region of the index forward; sorting the join by
/// id there would make it scan every lead row instead. PostgreSQL is told to sort.
pub(super) async fn journeys(
    tx: &mut Tx<'_>,
    ask: &Ask,
    part: Part,
    names: Arc<SharedNames>,
) -> Result<Vec<Vec<Journey>>> {
    let (from, to) = (ask.period.from, ask.period.to);
    let mut values = Vec::new();
    for &o in &ask.outcomes {
        values.push(values_of(tx, o, from, to, part).await?);
    }
    let mut args = vec![from.into(), to.into(), ask.lookback_ms.into()];
    let sql = journeys_sql(ask, tx.backend(), part, &mut args);
    let started = std::time::Instant::now();
    let mut b = TouchBuilder::new(names);
    let mut out: Vec<Vec<Journey>> = vec![Vec::new(); ask.outcomes.len()];
    let mut current = String::new();
    // the lead being read (its columns reused from lead to lead); `open` once one is
    let mut lead = LeadCols {
        created_at: 0,
        lead_at: 0,
        opportunity_at: None,
        reached: Vec::with_capacity(ask.outcomes.len()),
    };
    let mut open = false;
    let rows = tx
        .scan(&sql, args, |r| {
            let id = r.text(0)?.unwrap_or_default();
            if !open || id != current {
                if open {
                    close(ask, &current, &lead, &mut b, &values, &mut out);
                }
                current.clear();
                current.push_str(id);
                lead.reached.clear();
                for k in 0..ask.outcomes.len() {
                    lead.reached.push(r.int_opt(8 + k)?);
                }
                lead.created_at = r.int(1)?;
                lead.lead_at = r.int(2)?;
                lead.opportunity_at = r.int_opt(3)?;
                open = true;
            }
            if let Some(at) = r.int_opt(4)? {
                b.push(at, r.text(5)?.unwrap_or_default(), r.text(6)?, r.text(7)?);
            }
            Ok(())
        })
        .await?;
    if open {
        close(ask, &current, &lead, &mut b, &values, &mut out);
    }
    tracing::debug!(
        rows,
        part = part.k,
        journeys = out.iter().map(Vec::len).sum::<usize>(),
        ms = started.elapsed().as_millis() as u64,
        "attribution: journeys read"
    );
    Ok(out)
}

/// The pass's query: each wanted lead with its journeys' span (`lo`, `hi`), joined to its
/// activities in that span. A journey's time is its outcome's milestone when that falls in
/// the period, else with nulls the period's last moment for a lead created in it that had
/// not reached the outcome by then; the span runs from the earliest journey's time minus the
/// lookback to the latest. A split pass reads its [`Part`] of the leads (SQLite only).
/// `args` holds `$1`-`$3` (period start and end, lookback); the part's numbers are added.
fn journeys_sql(ask: &Ask, backend: Backend, part: Part, args: &mut Vec<Arg>) -> String {
    let cols: Vec<&str> = ask.outcomes.iter().map(|&o| column(o)).collect();
    let (max, min) = match backend {
        Backend::Sqlite => ("MAX", "MIN"),
        Backend::Postgres => ("GREATEST", "LEAST"),
    };
    let each = |f: &dyn Fn(&str) -> String| cols.iter().map(|c| f(c)).collect::<Vec<_>>();
    // the latest milestone before the period's end: when the lead has no null journey one of
    // its milestones is in the period, and any before it is earlier (the leading -1 keeps
    // SQLite's MAX scalar with one outcome)
    let latest = format!(
        "{max}(-1, {})",
        each(&|c| format!("CASE WHEN {c} < $2 THEN {c} ELSE -1 END")).join(", ")
    );
    let hi = if ask.with_nulls {
        let mut unreached = each(&|c| format!("{c} IS NULL OR {c} >= $2"));
        unreached.reverse();
        format!(
            "CASE WHEN created_at >= $1 AND created_at < $2 AND ({}) THEN $2 - 1 ELSE {latest} END",
            unreached.join(" OR ")
        )
    } else {
        latest
    };
    // the earliest milestone from the period's start on, or the period's last moment (a null
    // journey's time); milestones after the period are later than both
    let lo = format!(
        "{min}($2 - 1, {}) - $3",
        each(&|c| format!("CASE WHEN {c} >= $1 THEN {c} ELSE $2 END")).join(", ")
    );
    let mut wanted = each(&|c| format!("({c} >= $1 AND {c} < $2)"));
    if ask.with_nulls {
        wanted.push("(created_at >= $1 AND created_at < $2)".into());
    }
    let reached: String = (0..cols.len()).map(|k| format!(", l.m{k}")).collect();
    let kept: String = cols
        .iter()
        .enumerate()
        .map(|(k, c)| format!(", {c} AS m{k}"))
        .collect();
    format!(
        "SELECT l.id, l.created_at, l.lead_anchor, l.opportunity_at, \
         a.occurred_at, a.type, a.channel, a.campaign_id{reached} \
         FROM (SELECT id, created_at, COALESCE(lead_at, created_at) AS lead_anchor, \
         opportunity_at{kept}, {lo} AS lo, {hi} AS hi FROM leads \
         WHERE merged_into IS NULL AND ({}){}) l \
         LEFT JOIN activities a ON a.lead_id = l.id \
         AND a.occurred_at >= l.lo AND a.occurred_at <= l.hi{}",
        wanted.join(" OR "),
        part.filter("rowid", args),
        match backend {
            Backend::Postgres => " ORDER BY l.id",
            Backend::Sqlite => "",
        }
    )
}

/// The value of each lead's conversion to `outcome` in the period (pipeline of its
/// opportunities, or their won amount); empty for counted outcomes.
async fn values_of(
    tx: &mut Tx<'_>,
    outcome: Outcome,
    from: i64,
    to: i64,
    part: Part,
) -> Result<HashMap<String, i64>> {
    let value = match outcome {
        Outcome::Opportunities => "o.amount_minor",
        Outcome::Revenue => "COALESCE(o.won_amount_minor, 0)",
        _ => return Ok(HashMap::new()),
    };
    let col = column(outcome);
    let mut args = vec![from.into(), to.into()];
    let sql = format!(
        "SELECT o.primary_lead_id, CAST(SUM({value}) AS BIGINT) FROM opportunities o \
         JOIN leads l ON l.id = o.primary_lead_id \
         WHERE l.{col} >= $1 AND l.{col} < $2 AND l.merged_into IS NULL{} \
         GROUP BY o.primary_lead_id",
        part.filter("l.rowid", &mut args)
    );
    let mut out = HashMap::new();
    tx.scan(&sql, args, |r| {
        out.insert(r.text(0)?.unwrap_or_default().to_owned(), r.int(1)?);
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Files one lead's journeys: a converting one for each outcome it reached in the period,
/// with nulls a non-converting one (dated the period's last moment) for each outcome it had
/// not reached by the period's end, when it was created in the period. Each takes the
/// touches of its own window; the builder is then cleared for the next lead.
fn close(
    ask: &Ask,
    id: &str,
    lead: &LeadCols,
    b: &mut TouchBuilder,
    values: &[HashMap<String, i64>],
    out: &mut [Vec<Journey>],
) {
    let (from, to) = (ask.period.from, ask.period.to);
    let created_in = (from..to).contains(&lead.created_at);
    // journeys ending at the same time share one window's touches (all the null ones do)
    let mut windows: Vec<(i64, Arc<[Touch]>)> = Vec::new();
    for (k, reached) in lead.reached.iter().enumerate() {
        let converted = reached.is_some_and(|m| (from..to).contains(&m));
        let null = ask.with_nulls && created_in && reached.is_none_or(|m| m >= to);
        if !(converted || null) {
            continue;
        }
        let at = match reached {
            Some(m) if converted => *m,
            _ => to - 1,
        };
        out[k].push(Journey {
            converted,
            at,
            lead_at: lead.lead_at,
            opportunity_at: lead.opportunity_at,
            value: if converted {
                values[k].get(id).copied().unwrap_or(0)
            } else {
                0
            },
            touches: match windows.iter().find(|w| w.0 == at) {
                Some(w) => w.1.clone(),
                None => {
                    let t = b.between(at.saturating_sub(ask.lookback_ms), at);
                    windows.push((at, t.clone()));
                    t
                }
            },
        });
    }
    b.clear();
}
