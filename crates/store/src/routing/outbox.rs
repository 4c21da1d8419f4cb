//! The routing outbox: a `route` job per lead that became sales-ready, written in the same
//! transaction as the stage change, so a committed MQL always gets routed and a rolled-back
//! one never does.

use serde::{Deserialize, Serialize};

use crate::capture::bulk::{self, Arg};
use crate::capture::tx::Tx;
use crate::{Result, new_id};

/// The job kind routing claims (and the generic worker leaves alone).
pub const ROUTE_JOB: &str = "route";

/// A route job's payload.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Payload {
    pub lead_id: String,
    /// Reps the lead must not go to: it was taken from them after a missed deadline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

/// The payload text for `lead_id`; one spelling, so a lead's jobs can be found by it.
pub(crate) fn payload(lead_id: &str) -> String {
    serde_json::json!({ "lead_id": lead_id }).to_string()
}

/// Route jobs to queue, collected while a transaction works and written in one go.
#[derive(Default)]
pub(crate) struct RouteJobs {
    rows: Vec<Vec<Arg>>,
}

impl RouteJobs {
    /// Queues routing for `lead_id`, due at `now`.
    pub fn push(&mut self, lead_id: &str, now: i64) {
        self.rows.push(vec![
            new_id().into(),
            ROUTE_JOB.into(),
            payload(lead_id).into(),
            "queued".into(),
            now.into(),
            now.into(),
        ]);
    }

    /// Queues routing for `lead_id` away from the reps in `exclude` (a reassignment after a
    /// missed deadline), due at `now`.
    pub fn push_excluding(&mut self, lead_id: &str, exclude: Vec<String>, now: i64) {
        let payload = serde_json::to_string(&Payload {
            lead_id: lead_id.to_owned(),
            exclude,
        })
        .unwrap_or_else(|_| payload(lead_id));
        self.rows.push(vec![
            new_id().into(),
            ROUTE_JOB.into(),
            payload.into(),
            "queued".into(),
            now.into(),
            now.into(),
        ]);
    }

    /// Inserts the queued jobs (multi-row INSERTs) in the caller's transaction.
    pub async fn write(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        bulk::insert(
            tx,
            "jobs (id, kind, payload, status, run_at, created_at)",
            "",
            std::mem::take(&mut self.rows),
        )
        .await
    }
}
