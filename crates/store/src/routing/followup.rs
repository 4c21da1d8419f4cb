//! The follow-up report's input: every assignment with its lead's source and its owner,
//! as `core::followup` reads them; teams come from the routing rule that made it.

use leadline_core::followup::{self, By, FollowupRow, Handover};

use crate::{Result, Store};

type Row = (
    String,
    String,
    Option<String>,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

impl Store {
    /// Every assignment made from `from` (epoch ms) on, as the follow-up report reads it;
    /// owners by email, teams by the routing rule's team (none for a rule that names an
    /// owner, or a rule since removed).
    pub async fn handovers(&self, from: i64) -> Result<Vec<Handover>> {
        let policy = self.policy();
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT a.lead_id, u.email, l.source_channel, a.rule, a.assigned_at, a.accept_due_at, \
             a.touch_due_at, a.accepted_at, a.rejected_at, a.first_touch_at, a.rejection_reason \
             FROM assignments a JOIN users u ON u.id = a.owner_id JOIN leads l ON l.id = a.lead_id \
             WHERE a.assigned_at >= $1 ORDER BY a.assigned_at, a.id",
        )
        .bind(from)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Handover {
                team: policy
                    .routing
                    .iter()
                    .find(|rule| rule.name.eq_ignore_ascii_case(&r.3))
                    .and_then(|rule| rule.assign.team.clone()),
                lead_id: r.0,
                owner: r.1,
                source: r.2.unwrap_or_else(|| "(unknown)".into()),
                assigned_at: r.4,
                accept_due_at: r.5,
                touch_due_at: r.6,
                accepted_at: r.7,
                rejected_at: r.8,
                first_touch_at: r.9,
                rejection_reason: r.10,
            })
            .collect())
    }

    /// The follow-up report over assignments made from `from` on, grouped `by`.
    pub async fn followup_report(&self, by: By, from: i64, now: i64) -> Result<Vec<FollowupRow>> {
        Ok(followup::report(&self.handovers(from).await?, by, now))
    }
}
