//! The duplicate scan as a background job: on demand (the UI's "Scan now", the API) and
//! every night, so the review queue stays current without anyone asking.

use std::time::Duration;

use leadline_store::duplicates::{Actor, SCAN_JOB};
use leadline_store::jobs::Job;
use serde::Deserialize;

use crate::state::AppState;

/// How often the scan runs on its own.
pub const SCAN_EVERY_MS: i64 = 24 * 60 * 60 * 1000;
/// How often a running scan renews its job's lease (a scan of a large base outlasts one).
const RENEW: Duration = Duration::from_secs(20);

/// Makes sure a scan is scheduled (idempotent: one queued scan at most).
pub async fn schedule(state: &AppState) {
    let at = leadline_store::now_ms() + SCAN_EVERY_MS;
    if let Err(e) = state.store.schedule_duplicate_scan(at).await {
        tracing::warn!(error = %e, "could not schedule the nightly duplicate scan");
    }
}

/// Runs a scan job; the next nightly scan is scheduled whatever happens.
pub async fn run(state: &AppState, worker: &str, job: &Job) -> Result<(), String> {
    #[derive(Deserialize, Default)]
    struct Payload {
        by_user: Option<String>,
        via: Option<String>,
    }
    let p: Payload = serde_json::from_str(&job.payload).unwrap_or_default();
    let via = match p.via.as_deref() {
        Some("ui") => "ui",
        Some("api") => "api",
        Some("cli") => "cli",
        _ => "job",
    };
    let renewer = {
        let (store, id, worker) = (state.store.clone(), job.id.clone(), worker.to_owned());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(RENEW).await;
                let until = leadline_store::now_ms() + super::LEASE_MS;
                let _ = store.renew_job(&id, &worker, until).await;
            }
        })
    };
    let result = state
        .store
        .scan_duplicates(&Actor::new(p.by_user, via))
        .await;
    renewer.abort();
    schedule(state).await;
    match result {
        Ok(s) => {
            tracing::info!(
                kind = SCAN_JOB,
                people_found = s.people.found,
                accounts_found = s.accounts.found,
                ms = s.duration_ms.unwrap_or(0),
                "duplicate scan done"
            );
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}
