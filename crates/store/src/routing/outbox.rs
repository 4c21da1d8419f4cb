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
