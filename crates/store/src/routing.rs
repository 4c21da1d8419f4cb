//! Routing sales-ready leads to reps (issue 5): the `route` outbox, the worker pass that turns
//! its jobs into assignments, and the "test this lead" preview. The decisions themselves are
//! `leadline_core::routing`'s pure functions; this module gathers their inputs and writes
//! their results.
//!
//! [`Store::route_pending`] works in batches, each one transaction: claim due route jobs,
//! read their leads, the reps and the teams' rotation, decide lead by lead, then write the
//! assignments, the leads' owners, the rotation and the jobs' outcomes together. A crash
//! before the commit leaves the jobs queued to run again; after it, the jobs are done, and
//! even a replayed job cannot assign twice (`job_id` is unique, and a lead has at most one
//! open assignment).

use std::collections::HashSet;

use leadline_core::routing::{self, CompiledRule, Decision, Outcome};

use crate::capture::tx::Tx;
use crate::{Result, Store, StoreError};

mod batch;
pub(crate) mod ending;
mod followup;
mod inbox;
mod lead;
mod manage;
pub(crate) mod outbox;
mod read;
mod reps;
mod sla;
mod work;

pub use inbox::{AssignedLead, INBOX_MAX};
pub use manage::{RepOverview, RoutePreview, WaitingLead};
pub use outbox::ROUTE_JOB;
pub use read::AssignmentRecord;
pub use reps::RepProfile;
pub use sla::SlaReport;

use batch::Batch;
use reps::Reps;

/// The most route jobs one transaction takes.
pub const MAX_BATCH: i64 = 1_000;

/// What one [`Store::route_pending`] call did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteReport {
    /// Route jobs taken from the queue.
    pub claimed: u64,
    /// Assignments made.
    pub assigned: u64,
    /// Leads left waiting (no rule matched, or no one available), queued to try again.
    pub waiting: u64,
    /// Jobs with nothing left to do: the lead is gone, merged, no longer an MQL or already
    /// assigned.
    pub skipped: u64,
    /// Jobs given up because their payload is unreadable.
    pub failed: u64,
}

impl RouteReport {
    fn add(&mut self, o: &RouteReport) {
        self.claimed += o.claimed;
        self.assigned += o.assigned;
        self.waiting += o.waiting;
        self.skipped += o.skipped;
        self.failed += o.failed;
    }
}

/// Why a lead is still waiting for an owner, and when routing tries again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteWait {
    pub reason: String,
    pub retry_at: i64,
}

impl Store {
    /// Routes the leads whose route jobs are due at `now`, `batch` jobs per transaction
    /// (clamped to 1..=[`MAX_BATCH`]), until none are due.
    pub async fn route_pending(&self, now: i64, batch: i64) -> Result<RouteReport> {
        let batch = batch.clamp(1, MAX_BATCH);
        let mut report = RouteReport::default();
        loop {
            let r = self.route_batch(now, batch).await?;
            report.add(&r);
            if i64::try_from(r.claimed).unwrap_or(i64::MAX) < batch {
                return Ok(report);
            }
        }
    }

    async fn route_batch(&self, now: i64, limit: i64) -> Result<RouteReport> {
        let mut conn = self.begin_write().await?;
        let mut tx = Tx::Any(&mut conn);
        let mut b = Batch::claim(&mut tx, now, limit).await?;
        if b.is_empty() {
            return Ok(RouteReport::default());
        }
        let policy = self.policy();
        match policy.routing_rules() {
            Ok(rules) => decide(&mut tx, &mut b, &rules, now).await?,
            // The policy is validated when saved, so this is a corrupt setting: wait for a fix.
            Err(e) => b.wait_all(&format!("the routing rules are invalid: {e}"), now),
        }
        let report = b.write(&mut tx, now).await?;
        conn.commit().await?;
        Ok(report)
    }

    /// What routing would decide for `lead_id` at `now`, with the live rules, reps and
    /// rotation; nothing is written. `NotFound` for an unknown or merged lead.
    pub async fn route_preview(&self, lead_id: &str, now: i64) -> Result<Decision> {
        let rules = self
            .policy()
            .routing_rules()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut conn = self.pool.acquire().await?;
        let mut tx = Tx::Any(&mut conn);
        let ids = [lead_id.to_owned()];
        let leads = lead::read(&mut tx, &ids, lead::rules_count_activities(&rules)).await?;
        let lead = leads
            .get(lead_id)
            .filter(|l| !l.merged)
            .ok_or(StoreError::NotFound)?;
        let reps = Reps::read(&mut tx, now).await?;
        let state = reps::read_state(&mut tx, false).await?;
        Ok(routing::route(
            lead,
            lead.account_owner.as_deref(),
            &rules,
            &reps.directory,
            &state,
            now,
        ))
    }

    /// Why `lead_id` is waiting for an owner (its queued route job's last outcome), if it is.
    pub async fn route_wait(&self, lead_id: &str) -> Result<Option<RouteWait>> {
        let row: Option<(Option<String>, i64)> = sqlx::query_as(
            "SELECT last_error, run_at FROM jobs WHERE kind = $1 AND (payload = $2 OR payload LIKE $3) \
             AND status = 'queued' ORDER BY run_at LIMIT 1",
        )
        .bind(ROUTE_JOB)
        .bind(outbox::payload(lead_id))
        // A reassignment's job also names the reps to avoid, after the lead.
        .bind(format!("{{\"lead_id\":\"{lead_id}\",%"))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|(reason, retry_at)| reason.map(|reason| RouteWait { reason, retry_at })))
    }
}

/// Decides every claimed job's lead in order, each decision seeing the open counts and
/// rotation the earlier ones left.
async fn decide(tx: &mut Tx<'_>, b: &mut Batch, rules: &[CompiledRule], now: i64) -> Result<()> {
    let ids = b.lead_ids();
    let leads = lead::read(tx, &ids, lead::rules_count_activities(rules)).await?;
    let mut reps = Reps::read(tx, now).await?;
    let mut state = reps::read_state(tx, true).await?;
    let mut taken: HashSet<String> = HashSet::new();
    for i in 0..b.len() {
        let Some(lead_id) = b.lead_of(i) else {
            continue;
        };
        let exclude = b.exclude_of(i);
        // A lead taken back after a missed deadline may have been accepted already (`sal`).
        let routable = |stage: &str| stage == "mql" || (!exclude.is_empty() && stage == "sal");
        let lead = match leads.get(lead_id) {
            Some(l)
                if !l.merged && routable(&l.stage) && !l.assigned && !taken.contains(lead_id) =>
            {
                l
            }
            _ => {
                b.skip(i);
                continue;
            }
        };
        let excluding;
        let directory = if exclude.is_empty() {
            &reps.directory
        } else {
            let mut d = reps.directory.clone();
            for rep in exclude {
                d.exclude(rep);
            }
            excluding = d;
            &excluding
        };
        let d = routing::route(
            lead,
            lead.account_owner.as_deref(),
            rules,
            directory,
            &state,
            now,
        );
        match &d.outcome {
            Outcome::Assigned(a) => {
                reps.directory.record_assignment(&a.owner);
                if let Some(u) = &d.update {
                    state.apply(u);
                }
                taken.insert(lead_id.to_owned());
                let sla = rules.get(a.rule.index).map(|r| r.sla()).unwrap_or_default();
                b.assign(i, &d, sla, &reps, now)?;
            }
            Outcome::NoRuleMatched | Outcome::NoOneAvailable => {
                b.wait(i, reason(&d), retry_at(&d, &reps, now));
            }
        }
    }
    b.state = Some(state);
    Ok(())
}

/// The decision's last line says why it stopped (no rule matched, no one available).
fn reason(d: &Decision) -> String {
    let head = match d.outcome {
        Outcome::NoOneAvailable => "no one available",
        _ => "no routing rule matched",
    };
    match d.explanation.last() {
        Some(last) => format!("{head}: {last}"),
        None => head.to_owned(),
    }
}

/// When to try a waiting lead again: no rule matched, in an hour (the rules may change);
/// no one available, when the first rep passed over is expected back (back from leave, or
/// their next opening), within a minute to an hour; 15 minutes when no one's return is known.
fn retry_at(d: &Decision, reps: &Reps, now: i64) -> i64 {
    const MINUTE: i64 = 60_000;
    if d.outcome == Outcome::NoRuleMatched {
        return now.saturating_add(60 * MINUTE);
    }
    d.skipped
        .iter()
        .flat_map(|s| &s.reps)
        .filter_map(|s| reps.back_at(&s.rep, s.why, now))
        .min()
        .map_or(now.saturating_add(15 * MINUTE), |t| {
            t.clamp(now.saturating_add(MINUTE), now.saturating_add(60 * MINUTE))
        })
}
