//! What a rep does with a lead routed to them: accept it (the lead becomes a sales-accepted
//! lead) or send it back with a reason (the lead returns to marketing as `recycled`, the
//! reason counted), and log the touches that follow it up. The assignment and the stage
//! change commit together, and only the lead's current owner may accept, reject or touch it.

use leadline_core::Stage;
use leadline_core::followup::{RejectReason, TouchKind};

use crate::lifecycle::move_in;
use crate::{Result, Store, StoreError, new_id};

/// The open assignment of a lead: `(id, owner, accepted_at)`.
type Open = (String, String, Option<i64>);

/// The lead's open assignment, if `rep` owns it.
pub(super) async fn owned(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    lead_id: &str,
    rep: &str,
) -> Result<Open> {
    let open: Option<Open> = sqlx::query_as(
        "SELECT id, owner_id, accepted_at FROM assignments WHERE lead_id = $1 AND ended_at IS NULL",
    )
    .bind(lead_id)
    .fetch_optional(&mut **tx)
    .await?;
    let open = open.ok_or_else(|| {
        StoreError::refused(
            "not_assigned",
            "this lead is not assigned to anyone: routing has not given it to a rep",
        )
    })?;
    if open.1 != rep {
        return Err(not_your_lead());
    }
    Ok(open)
}

fn not_your_lead() -> StoreError {
    StoreError::refused(
        "not_your_lead",
        "this lead is assigned to another rep; ask them or your team lead to reassign it",
    )
}

impl Store {
    /// `rep` accepts the lead assigned to them at `now`: the assignment records it and an
    /// MQL becomes a sales-accepted lead (`sal`).
    pub async fn accept_lead(&self, lead_id: &str, rep: &str, now: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let (id, _, accepted) = owned(&mut tx, lead_id, rep).await?;
        if accepted.is_some() {
            return Err(StoreError::refused(
                "already_accepted",
                "you accepted this lead already",
            ));
        }
        sqlx::query("UPDATE assignments SET accepted_at = $2 WHERE id = $1")
            .bind(&id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let stage: Option<String> = sqlx::query_scalar("SELECT stage FROM leads WHERE id = $1")
            .bind(lead_id)
            .fetch_optional(&mut *tx)
            .await?;
        if stage.as_deref().and_then(Stage::parse) == Some(Stage::Mql) {
            move_in(
                &mut tx,
                lead_id,
                Stage::Sal,
                Some(rep),
                "accepted by the assigned rep",
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// `rep` sends the lead back with `reason` (and `note`, required for `other`): the
    /// assignment ends, the lead loses its owner and returns to marketing as `recycled`.
    pub async fn reject_lead(
        &self,
        lead_id: &str,
        rep: &str,
        reason: RejectReason,
        note: &str,
        now: i64,
    ) -> Result<()> {
        let note = note.trim();
        if reason == RejectReason::Other && note.is_empty() {
            return Err(StoreError::Invalid(
                "note: say why when the reason is \"other\"".into(),
            ));
        }
        let mut tx = self.begin_write().await?;
        let (id, _, _) = owned(&mut tx, lead_id, rep).await?;
        let stored = match note {
            "" => reason.code().to_owned(),
            note => format!("{}: {note}", reason.code()),
        };
        sqlx::query(
            "UPDATE assignments SET rejected_at = $2, rejection_reason = $3, ended_at = $2, end_reason = 'rejected' WHERE id = $1",
        )
        .bind(&id)
        .bind(now)
        .bind(&stored)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE leads SET owner_id = NULL WHERE id = $1")
            .bind(lead_id)
            .execute(&mut *tx)
            .await?;
        let why = match note {
            "" => format!("rejected by sales: {}", reason.label()),
            note => format!("rejected by sales: {} ({note})", reason.label()),
        };
        move_in(&mut tx, lead_id, Stage::Recycled, Some(rep), &why, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Longest outcome text kept with a touch.
const OUTCOME_CHARS: usize = 500;

impl Store {
    /// `rep` logs a touch on a lead at `now` (a call and its outcome, an email, a meeting,
    /// a note): an activity on the lead's timeline (`sales_touch`, origin `rep:<id>`) and,
    /// for the first call, email or meeting on the rep's own open assignment, its first
    /// touch — the follow-up deadline is met or missed by it. Returns the activity's id.
    pub async fn log_touch(
        &self,
        lead_id: &str,
        rep: &str,
        kind: TouchKind,
        outcome: &str,
        now: i64,
    ) -> Result<String> {
        let outcome: String = outcome.trim().chars().take(OUTCOME_CHARS).collect();
        let mut tx = self.begin_write().await?;
        let live: Option<String> =
            sqlx::query_scalar("SELECT id FROM leads WHERE id = $1 AND merged_into IS NULL")
                .bind(lead_id)
                .fetch_optional(&mut *tx)
                .await?;
        if live.is_none() {
            return Err(StoreError::NotFound);
        }
        // Touches are the owner's to log; a lead with no open assignment (a rep's own
        // prospecting) is anyone's.
        let owner: Option<String> = sqlx::query_scalar(
            "SELECT owner_id FROM assignments WHERE lead_id = $1 AND ended_at IS NULL",
        )
        .bind(lead_id)
        .fetch_optional(&mut *tx)
        .await?;
        if owner.is_some_and(|o| o != rep) {
            return Err(not_your_lead());
        }
        let id = new_id();
        let name = match outcome.as_str() {
            "" => kind.as_str().to_owned(),
            o => format!("{}: {o}", kind.as_str()),
        };
        sqlx::query(
            "INSERT INTO activities (id, message_id, lead_id, type, name, channel, occurred_at, received_at, origin) \
             VALUES ($1, $1, $2, 'sales_touch', $3, 'sales', $4, $4, $5)",
        )
        .bind(&id)
        .bind(lead_id)
        .bind(&name)
        .bind(now)
        .bind(format!("rep:{rep}"))
        .execute(&mut *tx)
        .await?;
        if kind.reaches_the_lead() {
            sqlx::query(
                "UPDATE assignments SET first_touch_at = $3 \
                 WHERE lead_id = $1 AND owner_id = $2 AND ended_at IS NULL AND first_touch_at IS NULL",
            )
            .bind(lead_id)
            .bind(rep)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }
}
