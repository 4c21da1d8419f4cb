//! The routing outbox: a `route` job per lead that became sales-ready, written in the same
//! transaction as the stage change, so a committed MQL always gets routed and a rolled-back
//! one never does. The `lead.became_mql` webhook event is recorded in the same write.

use serde::{Deserialize, Serialize};

use crate::capture::bulk::{self, Arg};
use crate::capture::tx::Tx;
use crate::webhooks::{self, LEAD_BECAME_MQL};
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
    /// The leads that became MQL, and when, for their webhook events.
    leads: Vec<(String, i64)>,
}

impl RouteJobs {
    /// Queues routing for `lead_id`, due at `now`.
    pub fn push(&mut self, lead_id: &str, now: i64) {
        self.queue(payload(lead_id), now);
        self.leads.push((lead_id.to_owned(), now));
    }

    /// Queues routing for `lead_id` away from the reps in `exclude` (a reassignment after a
    /// missed deadline), due at `now`.
    pub fn push_excluding(&mut self, lead_id: &str, exclude: Vec<String>, now: i64) {
        let payload = serde_json::to_string(&Payload {
            lead_id: lead_id.to_owned(),
            exclude,
        })
        .unwrap_or_else(|_| payload(lead_id));
        self.queue(payload, now);
    }

    fn queue(&mut self, payload: String, now: i64) {
        self.rows.push(vec![
            new_id().into(),
            ROUTE_JOB.into(),
            payload.into(),
            "queued".into(),
            now.into(),
            now.into(),
        ]);
    }

    /// Inserts the queued jobs (multi-row INSERTs) and their leads' `lead.became_mql`
    /// webhook events in the caller's transaction.
    pub async fn write(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        bulk::insert(
            tx,
            "jobs (id, kind, payload, status, run_at, created_at)",
            "",
            std::mem::take(&mut self.rows),
        )
        .await?;
        let leads = std::mem::take(&mut self.leads);
        let Some(&(_, now)) = leads.first() else {
            return Ok(());
        };
        let subs = webhooks::subscribers(tx, LEAD_BECAME_MQL).await?;
        if subs.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = leads.iter().map(|(id, _)| id.clone()).collect();
        let rows = bulk::select_in(tx, "SELECT id, email FROM leads", "id", &ids).await?;
        let mut emails = std::collections::HashMap::new();
        for r in rows {
            emails.insert(
                r.try_get::<String>("id")?,
                r.try_get::<Option<String>>("email")?,
            );
        }
        let data: Vec<serde_json::Value> = leads
            .iter()
            .map(|(id, at)| {
                serde_json::json!({
                    "lead_id": id,
                    "email": emails.get(id).cloned().flatten(),
                    "stage": "mql",
                    "at": leadline_core::time::rfc3339(*at),
                })
            })
            .collect();
        webhooks::record(tx, &subs, LEAD_BECAME_MQL, &data, now).await?;
        Ok(())
    }
}
