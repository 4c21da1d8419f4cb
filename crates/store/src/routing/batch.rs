//! One transaction's worth of route jobs: claimed together, decided one by one, written
//! together (assignments, leads' owners, the rotation, the jobs' outcomes, and the
//! `lead.assigned` webhook events).

use leadline_core::routing::{Decision, Outcome, RoutingState, Sla};

use super::RouteReport;
use super::lead::for_update;
use super::outbox::{Payload, ROUTE_JOB};
use super::reps::{self, Reps};
use crate::capture::bulk::{self, Arg};
use crate::capture::tx::Tx;
use crate::notifications::{self, Note, lead_label};
use crate::{Result, StoreError, new_id, webhooks};

/// What became of one job.
enum Fate {
    /// Not decided yet (every job is decided before the batch is written).
    Open,
    Assigned,
    Skipped,
    Waiting {
        reason: String,
        retry_at: i64,
    },
    Failed(String),
}

struct Item {
    job_id: String,
    lead_id: Option<String>,
    /// Reps this job's lead must not go to.
    exclude: Vec<String>,
    fate: Fate,
}

pub(super) struct Batch {
    items: Vec<Item>,
    assignments: Vec<Vec<Arg>>,
    assigned_leads: Vec<String>,
    /// The rotation to save; `None` when nothing was decided.
    pub state: Option<RoutingState>,
}

impl Batch {
    /// Takes up to `limit` due route jobs, oldest first. On PostgreSQL their rows stay
    /// locked until the transaction ends and other processes skip them.
    pub async fn claim(tx: &mut Tx<'_>, now: i64, limit: i64) -> Result<Batch> {
        let skip = if for_update(tx.backend()).is_empty() {
            ""
        } else {
            " FOR UPDATE SKIP LOCKED"
        };
        let sql = format!(
            "SELECT id, payload FROM jobs WHERE kind = $1 AND status = 'queued' AND run_at <= $2 \
             ORDER BY run_at, id LIMIT $3{skip}"
        );
        let rows = tx
            .fetch_all(&sql, vec![ROUTE_JOB.into(), now.into(), limit.into()])
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let job_id: String = r.try_get("id")?;
            let payload: String = r.try_get("payload")?;
            let (lead_id, exclude, fate) = match serde_json::from_str::<Payload>(&payload) {
                Ok(p) => (Some(p.lead_id), p.exclude, Fate::Open),
                Err(e) => (
                    None,
                    Vec::new(),
                    Fate::Failed(format!("unreadable route payload: {e}")),
                ),
            };
            items.push(Item {
                job_id,
                lead_id,
                exclude,
                fate,
            });
        }
        Ok(Batch {
            items,
            assignments: Vec::new(),
            assigned_leads: Vec::new(),
            state: None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The leads of the jobs still to decide.
    pub fn lead_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .items
            .iter()
            .filter(|i| matches!(i.fate, Fate::Open))
            .filter_map(|i| i.lead_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The lead of job `i` when it is still to decide.
    pub fn lead_of(&self, i: usize) -> Option<&str> {
        let item = self.items.get(i)?;
        match item.fate {
            Fate::Open => item.lead_id.as_deref(),
            _ => None,
        }
    }

    /// The reps job `i`'s lead must not go to (empty for a first routing).
    pub fn exclude_of(&self, i: usize) -> &[String] {
        self.items
            .get(i)
            .map_or(&[], |item| item.exclude.as_slice())
    }

    pub fn skip(&mut self, i: usize) {
        self.set(i, Fate::Skipped);
    }

    pub fn wait(&mut self, i: usize, reason: String, retry_at: i64) {
        self.set(i, Fate::Waiting { reason, retry_at });
    }

    /// Every job still to decide waits an hour, for `reason`.
    pub fn wait_all(&mut self, reason: &str, now: i64) {
        for i in 0..self.items.len() {
            if matches!(self.items[i].fate, Fate::Open) {
                self.wait(i, reason.to_owned(), now.saturating_add(3_600_000));
            }
        }
    }

    /// Records the assignment `d` made for job `i`, with the firing rule's SLA deadlines
    /// counted on the owner's calendar.
    pub fn assign(
        &mut self,
        i: usize,
        d: &Decision,
        sla: Sla,
        reps: &Reps,
        now: i64,
    ) -> Result<()> {
        let (Outcome::Assigned(a), Some(item)) = (&d.outcome, self.items.get(i)) else {
            return Ok(());
        };
        let Some(lead_id) = item.lead_id.clone() else {
            return Ok(());
        };
        let explanation = serde_json::to_string(d)
            .map_err(|e| StoreError::Corrupt(format!("routing decision: {e}")))?;
        self.assignments.push(vec![
            new_id().into(),
            lead_id.as_str().into(),
            a.owner.as_str().into(),
            a.rule.name.as_str().into(),
            a.via.code().into(),
            explanation.into(),
            item.job_id.as_str().into(),
            now.into(),
            reps.deadline(&a.owner, now, sla.accept_within_hours).into(),
            reps.deadline(&a.owner, now, sla.first_touch_within_hours)
                .into(),
        ]);
        self.assigned_leads.push(lead_id);
        self.set(i, Fate::Assigned);
        Ok(())
    }

    fn set(&mut self, i: usize, fate: Fate) {
        if let Some(item) = self.items.get_mut(i) {
            item.fate = fate;
        }
    }

    /// Writes everything decided, in the caller's transaction.
    pub async fn write(mut self, tx: &mut Tx<'_>, now: i64) -> Result<RouteReport> {
        // A replayed job or a lead assigned meanwhile conflicts with a unique index and is
        // left out, never a second open assignment.
        bulk::insert(
            tx,
            "assignments (id, lead_id, owner_id, rule, via, explanation, job_id, assigned_at, accept_due_at, touch_due_at)",
            "ON CONFLICT DO NOTHING",
            std::mem::take(&mut self.assignments),
        )
        .await?;
        // The lead's owner is whoever holds its open assignment.
        for chunk in self.assigned_leads.chunks(bulk::CHUNK) {
            let list: Vec<String> = (2..chunk.len() + 2).map(|n| format!("${n}")).collect();
            let mut args: Vec<Arg> = vec![now.into()];
            args.extend(chunk.iter().map(|id| Arg::from(id.as_str())));
            let sql = format!(
                "UPDATE leads SET owner_id = (SELECT s.owner_id FROM assignments s WHERE s.lead_id = leads.id \
                 AND s.ended_at IS NULL), updated_at = $1 WHERE id IN ({})",
                list.join(",")
            );
            tx.execute(&sql, args).await?;
        }
        notify_owners(tx, &self.assigned_leads, now).await?;
        if let Some(state) = &self.state {
            reps::save_state(tx, state).await?;
        }
        self.emit_assigned(tx, now).await?;
        self.finish_jobs(tx, now).await
    }

    /// Records a `lead.assigned` webhook event for each assignment this batch made (read
    /// back by job: one left out by a unique index made none, so it gets no event).
    async fn emit_assigned(&self, tx: &mut Tx<'_>, now: i64) -> Result<()> {
        let jobs: Vec<String> = self
            .items
            .iter()
            .filter(|i| matches!(i.fate, Fate::Assigned))
            .map(|i| i.job_id.clone())
            .collect();
        if jobs.is_empty() {
            return Ok(());
        }
        let subs = webhooks::subscribers(tx, webhooks::LEAD_ASSIGNED).await?;
        if subs.is_empty() {
            return Ok(());
        }
        let select = "SELECT a.id, a.lead_id, a.owner_id, a.rule, a.via, a.assigned_at, a.accept_due_at, \
            a.touch_due_at, l.email, u.email AS owner_email FROM assignments a JOIN leads l ON l.id = a.lead_id \
            JOIN users u ON u.id = a.owner_id";
        let time = |t: Option<i64>| t.map(leadline_core::time::rfc3339);
        let mut data = Vec::new();
        for r in bulk::select_in(tx, select, "a.job_id", &jobs).await? {
            data.push(serde_json::json!({
                "assignment_id": r.try_get::<String>("id")?,
                "lead_id": r.try_get::<String>("lead_id")?,
                "email": r.try_get::<Option<String>>("email")?,
                "owner_id": r.try_get::<String>("owner_id")?,
                "owner_email": r.try_get::<String>("owner_email")?,
                "rule": r.try_get::<String>("rule")?,
                "via": r.try_get::<String>("via")?,
                "assigned_at": time(Some(r.try_get::<i64>("assigned_at")?)),
                "accept_due_at": time(r.try_get::<Option<i64>>("accept_due_at")?),
                "first_touch_due_at": time(r.try_get::<Option<i64>>("touch_due_at")?),
            }));
        }
        webhooks::record(tx, &subs, webhooks::LEAD_ASSIGNED, &data, now).await?;
        Ok(())
    }

    async fn finish_jobs(self, tx: &mut Tx<'_>, now: i64) -> Result<RouteReport> {
        let mut report = RouteReport {
            claimed: self.items.len() as u64,
            ..RouteReport::default()
        };
        let (mut done, mut waiting) = (Vec::new(), Vec::new());
        for item in self.items {
            let id = Arg::from(item.job_id);
            match item.fate {
                Fate::Assigned | Fate::Skipped | Fate::Open => {
                    if matches!(item.fate, Fate::Assigned) {
                        report.assigned += 1;
                    } else {
                        report.skipped += 1;
                    }
                    done.push(vec![id, "done".into(), now.into(), Arg::Text(None)]);
                }
                Fate::Failed(e) => {
                    report.failed += 1;
                    done.push(vec![id, "failed".into(), now.into(), e.into()]);
                }
                Fate::Waiting { reason, retry_at } => {
                    report.waiting += 1;
                    waiting.push(vec![id, retry_at.into(), reason.into()]);
                }
            }
        }
        bulk::update_from_values(
            tx,
            "jobs",
            "id, status, finished_at, last_error",
            "status = v.status, finished_at = v.finished_at, last_error = v.last_error, \
             locked_until = NULL, attempts = jobs.attempts + 1",
            done,
        )
        .await?;
        bulk::update_from_values(
            tx,
            "jobs",
            "id, run_at, last_error",
            "run_at = v.run_at, last_error = v.last_error, attempts = jobs.attempts + 1",
            waiting,
        )
        .await?;
        Ok(report)
    }
}

/// Tells each new owner about the leads this batch gave them (read back from the open
/// assignments, so a lead left out by a conflict notifies no one).
async fn notify_owners(tx: &mut Tx<'_>, leads: &[String], now: i64) -> Result<()> {
    for chunk in leads.chunks(bulk::CHUNK) {
        let list: Vec<String> = (2..chunk.len() + 2).map(|n| format!("${n}")).collect();
        let mut args: Vec<Arg> = vec![now.into()];
        args.extend(chunk.iter().map(|id| Arg::from(id.as_str())));
        let sql = format!(
            "SELECT a.owner_id, a.lead_id, a.rule, a.accept_due_at, l.first_name, l.last_name, l.email, l.company \
             FROM assignments a JOIN leads l ON l.id = a.lead_id \
             WHERE a.ended_at IS NULL AND a.assigned_at = $1 AND a.lead_id IN ({})",
            list.join(",")
        );
        let mut notes = Vec::new();
        for r in tx.fetch_all(&sql, args).await? {
            let label = lead_label(
                r.try_get::<Option<String>>("first_name")?.as_deref(),
                r.try_get::<Option<String>>("last_name")?.as_deref(),
                r.try_get::<Option<String>>("email")?.as_deref(),
                r.try_get::<Option<String>>("company")?.as_deref(),
            );
            let rule: String = r.try_get("rule")?;
            let due = match r.try_get::<Option<i64>>("accept_due_at")? {
                Some(at) => format!("; accept by {}", leadline_core::time::rfc3339(at)),
                None => String::new(),
            };
            let owner: String = r.try_get("owner_id")?;
            let lead: String = r.try_get("lead_id")?;
            notes.push(Note::about_lead(
                &owner,
                "assigned",
                &lead,
                format!("New lead: {label}"),
                format!("Routed to you by rule '{rule}'{due}."),
            ));
        }
        notifications::write(tx, notes, now).await?;
    }
    Ok(())
}
