//! Routing sales-ready leads: drains the `route` outbox (batches of jobs, one transaction
//! each; see `leadline_store::routing`) whenever there is work, polling like the job loop.

use std::time::Duration;

use crate::state::AppState;

/// Route jobs per transaction: big enough that a bulk promotion drains quickly (100,000
/// leads in 4.9 s at 1,000, 6.0 s at 500: `leadline bench route`), small enough that one
/// transaction stays short (~50 ms on SQLite).
const BATCH: i64 = 1_000;
/// How often routing looks for due jobs (leads that became MQL, leads waiting for a rep).
const POLL: Duration = Duration::from_secs(2);

/// Routes due leads until the process ends.
pub async fn run(state: AppState) {
    loop {
        match state
            .store
            .route_pending(leadline_store::now_ms(), BATCH)
            .await
        {
            Ok(r) if r.claimed > 0 => tracing::info!(
                assigned = r.assigned,
                waiting = r.waiting,
                skipped = r.skipped,
                failed = r.failed,
                "routed leads"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "routing failed; its jobs stay queued"),
        }
        tokio::time::sleep(POLL).await;
    }
}
