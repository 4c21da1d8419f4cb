//! Reading assignments back: a lead's history of owners, for the lead page and tests.

use crate::{Result, Store};

/// One assignment of a lead to a rep.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

impl Store {
    /// Every assignment of `lead_id`, oldest first.
    pub async fn lead_assignments(&self, lead_id: &str) -> Result<Vec<AssignmentRecord>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, lead_id, owner_id, rule, via, explanation, job_id, assigned_at, accept_due_at, \
             touch_due_at, ended_at, accepted_at, rejected_at, rejection_reason, first_touch_at FROM assignments WHERE lead_id = $1 ORDER BY assigned_at, id",
        )
        .bind(lead_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AssignmentRecord {
                id: r.0,
                lead_id: r.1,
                owner_id: r.2,
                rule: r.3,
                via: r.4,
                explanation: r.5,
                job_id: r.6,
                assigned_at: r.7,
                accept_due_at: r.8,
                touch_due_at: r.9,
                ended_at: r.10,
                accepted_at: r.11,
                rejected_at: r.12,
                rejection_reason: r.13,
                first_touch_at: r.14,
            })
            .collect())
    }
}
