//! Reading assignments back: a lead's history of owners, for the lead page and tests.

use crate::{Result, Store};

/// One assignment of a lead to a rep.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AssignmentRecord {
    pub id: String,
    pub lead_id: String,
    pub owner_id: String,
    /// The name of the rule that chose the owner.
    pub rule: String,
    /// How: `owner`, `account_owner`, `round_robin`, `weighted`, `capacity`.
    pub via: String,
    /// The routing decision as JSON (rules tried, reps passed over and why).
    pub explanation: String,
    /// The route job that made it.
    pub job_id: Option<String>,
    pub assigned_at: i64,
    pub accept_due_at: Option<i64>,
    pub touch_due_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub rejected_at: Option<i64>,
    /// `code` or `code: the rep's note` (see `followup::RejectReason`).
    pub rejection_reason: Option<String>,
    pub first_touch_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// Why it ended: `rejected`, `sla_reassigned`, `disqualified`, `recycled`, `merged`.
    pub end_reason: Option<String>,
    /// What the rep plans next, and when (epoch ms).
    pub next_step: Option<String>,
    pub next_step_at: Option<i64>,
}

impl AssignmentRecord {
    fn read(r: &sqlx::any::AnyRow) -> Result<AssignmentRecord> {
        use sqlx::Row;
        Ok(AssignmentRecord {
            id: r.try_get("id")?,
            lead_id: r.try_get("lead_id")?,
            owner_id: r.try_get("owner_id")?,
            rule: r.try_get("rule")?,
            via: r.try_get("via")?,
            explanation: r.try_get("explanation")?,
            job_id: r.try_get("job_id")?,
            assigned_at: r.try_get("assigned_at")?,
            accept_due_at: r.try_get("accept_due_at")?,
            touch_due_at: r.try_get("touch_due_at")?,
            accepted_at: r.try_get("accepted_at")?,
            rejected_at: r.try_get("rejected_at")?,
            rejection_reason: r.try_get("rejection_reason")?,
            first_touch_at: r.try_get("first_touch_at")?,
            ended_at: r.try_get("ended_at")?,
            end_reason: r.try_get("end_reason")?,
            next_step: r.try_get("next_step")?,
            next_step_at: r.try_get("next_step_at")?,
        })
    }
}

/// The columns [`AssignmentRecord::read`] reads.
pub(crate) const COLUMNS: &str = "id, lead_id, owner_id, rule, via, explanation, job_id, assigned_at, \
    accept_due_at, touch_due_at, accepted_at, rejected_at, rejection_reason, first_touch_at, ended_at, \
    end_reason, next_step, next_step_at";

impl Store {
    /// Every assignment of `lead_id`, oldest first.
    pub async fn lead_assignments(&self, lead_id: &str) -> Result<Vec<AssignmentRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM assignments WHERE lead_id = $1 ORDER BY assigned_at, id"
        )))
        .bind(lead_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(AssignmentRecord::read).collect()
    }

    /// The lead's open assignment, if it has one.
    pub async fn open_assignment(&self, lead_id: &str) -> Result<Option<AssignmentRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM assignments WHERE lead_id = $1 AND ended_at IS NULL"
        )))
        .bind(lead_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(AssignmentRecord::read).transpose()
    }
}
