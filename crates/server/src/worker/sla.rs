//! Follow-up deadlines: takes the SLA steps that fell due (remind the rep, tell their team
//! lead, take the lead back) once a minute. Every process may run it: each step is recorded
//! once (see `leadline_store::routing::SlaReport`), so two processes never take one twice.

use std::time::Duration;

use crate::state::AppState;

/// How often deadlines are checked; escalations are counted in hours, so a minute is prompt.
const POLL: Duration = Duration::from_secs(60);

/// Takes due SLA steps until the process ends.
pub async fn run(state: AppState) {
    loop {
        match state.store.sla_pending(leadline_store::now_ms()).await {
            Ok(r) if r.reminded + r.escalated + r.reassigned > 0 => tracing::info!(
                reminded = r.reminded,
                escalated = r.escalated,
                reassigned = r.reassigned,
                "took SLA steps"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "the SLA pass failed; its steps stay due"),
        }
        tokio::time::sleep(POLL).await;
    }
}
