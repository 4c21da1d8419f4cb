//! The SLA worker's pass: for every open assignment whose accept or first-touch deadline
//! passed without the rep acting, take the escalation steps now due (`core::sla::plan`):
//! remind the rep, tell their team lead (or the admins), and finally take the lead back and
//! route it to someone else.
//!
//! Each batch is one transaction: the steps' records (`sla_steps`, unique per assignment,
//! deadline and step), their notifications, the ended assignment and the new route job commit
//! together. A crash before the commit loses nothing (the steps are still due and taken on the
//! next pass); after it, the records say they were taken, so none is taken twice.

use std::collections::HashMap;

use leadline_core::business_hours::{Calendar, Schedule};
use leadline_core::sla::{self, Deadline, Escalation, Step, Watch};

use super::outbox::RouteJobs;
use super::reps::Reps;
use crate::capture::bulk::Arg;
use crate::capture::tx::{DbRow, Tx};
use crate::notifications::{self, Note, lead_label};
use crate::{Backend, Result, Store, new_id, webhooks};

/// Open assignments examined per transaction.
const BATCH: i64 = 200;

/// What one [`Store::sla_pending`] pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlaReport {
    /// Open assignments past a deadline, looked at.
    pub overdue: u64,
    pub reminded: u64,
    pub escalated: u64,
    /// Leads taken back and queued for routing to another rep.
    pub reassigned: u64,
}

/// The `sla.breached` webhook's data: the first step on a missed deadline is its reminder,
/// recorded once per deadline, so each breach is told once.
fn breach_event(o: &Overdue, deadline: Deadline, now: i64) -> serde_json::Value {
    let due = o.due(deadline);
    serde_json::json!({
        "assignment_id": o.id,
        "lead_id": o.lead_id,
        "owner_id": o.owner,
        "deadline": deadline.as_str(),
        "due_at": due.map(leadline_core::time::rfc3339),
        "at": leadline_core::time::rfc3339(now),
    })
}

/// One overdue open assignment.
struct Overdue {
    id: String,
    lead_id: String,
    owner: String,
    label: String,
    accept_due_at: Option<i64>,
    touch_due_at: Option<i64>,
    accepted: bool,
    touched: bool,
}

impl Overdue {
    fn read(r: &DbRow) -> Result<Overdue> {
        Ok(Overdue {
            id: r.try_get("id")?,
            lead_id: r.try_get("lead_id")?,
            owner: r.try_get("owner_id")?,
            label: lead_label(
                r.try_get::<Option<String>>("first_name")?.as_deref(),
                r.try_get::<Option<String>>("last_name")?.as_deref(),
                r.try_get::<Option<String>>("email")?.as_deref(),
                r.try_get::<Option<String>>("company")?.as_deref(),
            ),
            accept_due_at: r.try_get("accept_due_at")?,
            touch_due_at: r.try_get("touch_due_at")?,
            accepted: r.try_get::<Option<i64>>("accepted_at")?.is_some(),
            touched: r.try_get::<Option<i64>>("first_touch_at")?.is_some(),
        })
    }

    fn due(&self, d: Deadline) -> Option<i64> {
        match d {
            Deadline::Accept => self.accept_due_at,
            Deadline::Touch => self.touch_due_at,
        }
    }
}

impl Store {
    /// Takes every SLA step due at `now`, [`BATCH`] assignments per transaction.
    pub async fn sla_pending(&self, now: i64) -> Result<SlaReport> {
        let escalation = self.policy().escalation.clone();
        let mut report = SlaReport::default();
        let mut after = String::new();
        loop {
            let (r, last) = self.sla_batch(&escalation, now, &after).await?;
            report.overdue += r.overdue;
            report.reminded += r.reminded;
            report.escalated += r.escalated;
            report.reassigned += r.reassigned;
            match last {
                Some(id) => after = id,
                None => return Ok(report),
            }
        }
    }

    /// One batch after assignment id `after`; returns the last id when there may be more.
    async fn sla_batch(
        &self,
        escalation: &Escalation,
        now: i64,
        after: &str,
    ) -> Result<(SlaReport, Option<String>)> {
        let mut conn = self.begin_write().await?;
        let mut tx = Tx::Any(&mut conn);
        let lock = match tx.backend() {
            Backend::Postgres => " FOR UPDATE OF a SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT a.id, a.lead_id, a.owner_id, a.accept_due_at, a.touch_due_at, a.accepted_at, a.first_touch_at, \
             l.first_name, l.last_name, l.email, l.company \
             FROM assignments a JOIN leads l ON l.id = a.lead_id \
             WHERE a.ended_at IS NULL AND a.id > $1 \
             AND ((a.accepted_at IS NULL AND a.accept_due_at <= $2) OR (a.first_touch_at IS NULL AND a.touch_due_at <= $2)) \
             ORDER BY a.id LIMIT $3{lock}"
        );
        let rows = tx
            .fetch_all(&sql, vec![after.into(), now.into(), BATCH.into()])
            .await?;
        let overdue: Vec<Overdue> = rows.iter().map(Overdue::read).collect::<Result<_>>()?;
        let mut report = SlaReport {
            overdue: overdue.len() as u64,
            ..SlaReport::default()
        };
        let Some(last) = overdue.last().map(|o| o.id.clone()) else {
            return Ok((report, None));
        };
        let taken = steps_taken(&mut tx, &overdue).await?;
        let reps = Reps::read(&mut tx, now).await?;
        let fallback = Calendar::default().validate().ok();
        let mut work = Work {
            reassigns: escalation.reassign_after_hours.is_some(),
            ..Work::default()
        };
        let mut breaches = Vec::new();
        for o in &overdue {
            let Some(calendar) = reps.schedule(&o.owner).or(fallback.as_ref()) else {
                continue;
            };
            let watches = watches(o, escalation, calendar, &taken);
            for (deadline, step) in sla::plan(&watches, now) {
                if !record_step(&mut tx, o, deadline, step, now).await? {
                    continue;
                }
                match step {
                    Step::Remind => {
                        breaches.push(breach_event(o, deadline, now));
                        report.reminded += 1;
                        work.remind(o, deadline);
                    }
                    Step::Escalate => {
                        report.escalated += 1;
                        work.escalate(&mut tx, o, deadline).await?;
                    }
                    Step::Reassign => {
                        report.reassigned += 1;
                        work.reassign(&mut tx, o, deadline, now).await?;
                    }
                }
            }
        }
        notifications::write(&mut tx, std::mem::take(&mut work.notes), now).await?;
        work.routes.write(&mut tx).await?;
        webhooks::emit_many(&mut tx, webhooks::SLA_BREACHED, &breaches, now).await?;
        conn.commit().await?;
        let more = i64::try_from(overdue.len()).unwrap_or(i64::MAX) >= BATCH;
        Ok((report, more.then_some(last)))
    }
}

/// The latest step already taken per `(assignment, deadline)`.
async fn steps_taken(
    tx: &mut Tx<'_>,
    overdue: &[Overdue],
) -> Result<HashMap<(String, Deadline), Step>> {
    let list: Vec<String> = (1..=overdue.len()).map(|n| format!("${n}")).collect();
    let args: Vec<Arg> = overdue.iter().map(|o| Arg::from(o.id.as_str())).collect();
    let rows = tx
        .fetch_all(
            &format!(
                "SELECT assignment_id, deadline, step FROM sla_steps WHERE assignment_id IN ({})",
                list.join(",")
            ),
            args,
        )
        .await?;
    let mut taken: HashMap<(String, Deadline), Step> = HashMap::new();
    for r in rows {
        let id: String = r.try_get("assignment_id")?;
        let deadline = Deadline::parse(&r.try_get::<String>("deadline")?);
        let step = match r.try_get::<String>("step")?.as_str() {
            "remind" => Step::Remind,
            "escalate" => Step::Escalate,
            "reassign" => Step::Reassign,
            _ => continue,
        };
        if let Some(d) = deadline {
            let e = taken.entry((id, d)).or_insert(step);
            *e = (*e).max(step);
        }
    }
    Ok(taken)
}

fn watches(
    o: &Overdue,
    escalation: &Escalation,
    calendar: &Schedule,
    taken: &HashMap<(String, Deadline), Step>,
) -> Vec<Watch> {
    [(Deadline::Accept, o.accepted), (Deadline::Touch, o.touched)]
        .into_iter()
        .filter_map(|(d, done)| {
            Some(Watch {
                deadline: d,
                ladder: escalation.ladder(calendar, o.due(d)?),
                done,
                last: taken.get(&(o.id.clone(), d)).copied(),
            })
        })
        .collect()
}

/// Records a step as taken; false when it already was (another worker, a replay).
async fn record_step(
    tx: &mut Tx<'_>,
    o: &Overdue,
    deadline: Deadline,
    step: Step,
    now: i64,
) -> Result<bool> {
    let n = tx
        .execute(
            "INSERT INTO sla_steps (id, assignment_id, deadline, step, at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (assignment_id, deadline, step) DO NOTHING",
            vec![
                new_id().into(),
                o.id.as_str().into(),
                deadline.as_str().into(),
                step.as_str().into(),
                now.into(),
            ],
        )
        .await?;
    Ok(n == 1)
}

/// The notifications and route jobs a batch's steps call for.
#[derive(Default)]
struct Work {
    notes: Vec<Note>,
    routes: RouteJobs,
    /// Who hears of each rep's escalations: their team lead, else every admin.
    leads_of: HashMap<String, Vec<String>>,
    /// The policy takes leads back in the end (said in the escalation).
    reassigns: bool,
}

impl Work {
    fn remind(&mut self, o: &Overdue, d: Deadline) {
        let (title, body) = match d {
            Deadline::Accept => (
                format!("Overdue: accept or reject {}", o.label),
                "The accept deadline has passed; accept the lead or send it back with a reason.",
            ),
            Deadline::Touch => (
                format!("Overdue: first touch on {}", o.label),
                "The first-touch deadline has passed; call, email or meet the lead and log it.",
            ),
        };
        self.notes.push(Note::about_lead(
            &o.owner,
            "sla_remind",
            &o.lead_id,
            title,
            body.into(),
        ));
    }

    async fn escalate(&mut self, tx: &mut Tx<'_>, o: &Overdue, d: Deadline) -> Result<()> {
        if !self.leads_of.contains_key(&o.owner) {
            let to = team_leads(tx, &o.owner).await?;
            self.leads_of.insert(o.owner.clone(), to);
        }
        let rep = rep_name(tx, &o.owner).await?;
        let then = if self.reassigns {
            " The lead is routed to another rep if nothing happens."
        } else {
            ""
        };
        for user in self.leads_of.get(&o.owner).into_iter().flatten() {
            self.notes.push(Note::about_lead(
                user,
                "sla_escalate",
                &o.lead_id,
                format!("{rep} missed the {} deadline on {}", d.label(), o.label),
                format!("Escalated to you as {rep}'s team lead.{then}"),
            ));
        }
        Ok(())
    }

    /// Ends the assignment and queues routing away from this rep (and any earlier one the
    /// lead was taken from).
    async fn reassign(
        &mut self,
        tx: &mut Tx<'_>,
        o: &Overdue,
        d: Deadline,
        now: i64,
    ) -> Result<()> {
        tx.execute(
            "UPDATE assignments SET ended_at = $2, end_reason = 'sla_reassigned' WHERE id = $1 AND ended_at IS NULL",
            vec![o.id.as_str().into(), now.into()],
        )
        .await?;
        tx.execute(
            "UPDATE leads SET owner_id = NULL, updated_at = $2 WHERE id = $1",
            vec![o.lead_id.as_str().into(), now.into()],
        )
        .await?;
        let rows = tx
            .fetch_all(
                "SELECT DISTINCT owner_id FROM assignments WHERE lead_id = $1 AND end_reason = 'sla_reassigned'",
                vec![o.lead_id.as_str().into()],
            )
            .await?;
        let mut exclude: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String>("owner_id"))
            .collect::<Result<_>>()?;
        exclude.sort();
        self.routes.push_excluding(&o.lead_id, exclude, now);
        self.notes.push(Note::about_lead(
            &o.owner,
            "sla_reassign",
            &o.lead_id,
            format!("{} was taken back", o.label),
            format!(
                "The {} deadline passed long ago; the lead is being routed to another rep.",
                d.label()
            ),
        ));
        Ok(())
    }
}

/// A rep's team lead (as their profile names), else every active admin.
async fn team_leads(tx: &mut Tx<'_>, rep: &str) -> Result<Vec<String>> {
    let lead = tx
        .fetch_optional(
            "SELECT p.team_lead_id FROM rep_profiles p JOIN users u ON u.id = p.team_lead_id \
             WHERE p.user_id = $1 AND u.disabled_at IS NULL",
            vec![rep.into()],
        )
        .await?;
    if let Some(r) = lead
        && let Some(id) = r.try_get::<Option<String>>("team_lead_id")?
    {
        return Ok(vec![id]);
    }
    let admins = tx
        .fetch_all(
            "SELECT id FROM users WHERE role = $1 AND disabled_at IS NULL ORDER BY id",
            vec!["admin".into()],
        )
        .await?;
    admins.iter().map(|r| r.try_get("id")).collect()
}

async fn rep_name(tx: &mut Tx<'_>, rep: &str) -> Result<String> {
    let row = tx
        .fetch_optional(
            "SELECT name, email FROM users WHERE id = $1",
            vec![rep.into()],
        )
        .await?;
    let Some(r) = row else {
        return Ok("A rep".into());
    };
    let name: String = r.try_get("name")?;
    Ok(if name.trim().is_empty() {
        r.try_get("email")?
    } else {
        name
    })
}
