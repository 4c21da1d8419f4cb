//! Assignments end when their lead leaves the sales funnel by another way than the rep's own
//! hand: disqualified, recycled by marketing, merged into another lead. The assignment is the
//! rep's ownership record, so it closes in the same transaction as the change that caused it
//! (an accepted lead stays assigned until rejected, reassigned or closed), and the rep is told.

use leadline_core::Stage;

use crate::Result;
use crate::capture::bulk::Arg;
use crate::capture::tx::Tx;
use crate::notifications::{self, Note, lead_label};

/// Why an assignment ended, as stored in `assignments.end_reason`.
pub(crate) fn end_reason(to: Stage) -> Option<&'static str> {
    match to {
        Stage::Disqualified => Some("disqualified"),
        Stage::Recycled => Some("recycled"),
        _ => None,
    }
}

/// Ends the open assignments of `lead_ids` for `reason` at `now`, clears the leads' owner
/// (unless merged: the tombstone keeps its history) and notifies each owner. Returns how
/// many ended.
pub(crate) async fn end_open(
    tx: &mut Tx<'_>,
    lead_ids: &[String],
    reason: &str,
    now: i64,
) -> Result<u64> {
    let mut ended = 0;
    for chunk in lead_ids.chunks(500) {
        if chunk.is_empty() {
            continue;
        }
        // `$1`, `$2`: the time and reason where a statement needs them; the ids follow.
        let list = |from: usize| -> String {
            (from..chunk.len() + from)
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let ids: Vec<Arg> = chunk.iter().map(|id| Arg::from(id.as_str())).collect();
        let rows = tx
            .fetch_all(
                &format!(
                    "SELECT a.id, a.owner_id, a.lead_id, l.first_name, l.last_name, l.email, l.company \
                     FROM assignments a JOIN leads l ON l.id = a.lead_id \
                     WHERE a.ended_at IS NULL AND a.lead_id IN ({})",
                    list(1)
                ),
                ids.clone(),
            )
            .await?;
        if rows.is_empty() {
            continue;
        }
        let mut notes = Vec::with_capacity(rows.len());
        for r in &rows {
            let owner: String = r.try_get("owner_id")?;
            let lead: String = r.try_get("lead_id")?;
            let label = lead_label(
                r.try_get::<Option<String>>("first_name")?.as_deref(),
                r.try_get::<Option<String>>("last_name")?.as_deref(),
                r.try_get::<Option<String>>("email")?.as_deref(),
                r.try_get::<Option<String>>("company")?.as_deref(),
            );
            notes.push(Note::about_lead(
                &owner,
                "lead_ended",
                &lead,
                format!("{label} left your inbox"),
                format!("The lead was {reason}; its assignment to you has ended."),
            ));
        }
        ended += tx
            .execute(
                &format!(
                    "UPDATE assignments SET ended_at = $1, end_reason = $2 WHERE ended_at IS NULL AND lead_id IN ({})",
                    list(3)
                ),
                [vec![Arg::from(now), Arg::from(reason)], ids.clone()].concat(),
            )
            .await?;
        if reason != "merged" {
            tx.execute(
                &format!(
                    "UPDATE leads SET owner_id = NULL WHERE id IN (SELECT lead_id FROM assignments \
                     WHERE ended_at = $1 AND end_reason = $2 AND lead_id IN ({}))",
                    list(3)
                ),
                [vec![Arg::from(now), Arg::from(reason)], ids].concat(),
            )
            .await?;
        }
        notifications::write(tx, notes, now).await?;
    }
    Ok(ended)
}
