//! Stage changes people make (the UI, the API, the CLI): checked by the lifecycle rules,
//! always with a reason, recorded with who and when. Requalifying a lead the rules
//! disqualified tells the rules to leave it be.

use leadline_core::{Stage, lifecycle};

use crate::capture::tx::Tx;
use crate::routing::outbox::RouteJobs;
use crate::{Result, Store, StoreError, new_id};

impl Store {
    /// Moves a lead to `to` on behalf of `by_user` (`None`: an API key or the CLI).
    pub async fn change_stage(
        &self,
        lead_id: &str,
        to: Stage,
        by_user: Option<&str>,
        reason: &str,
        now: i64,
    ) -> Result<Stage> {
        let mut tx = self.begin_write().await?;
        let from = move_in(&mut tx, lead_id, to, by_user, reason, now).await?;
        tx.commit().await?;
        Ok(from)
    }
}

/// [`Store::change_stage`] inside the caller's write transaction (a rep's accept or reject
/// changes the assignment and the stage together).
pub(crate) async fn move_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    lead_id: &str,
    to: Stage,
    by_user: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<Stage> {
    let stage: Option<String> =
        sqlx::query_scalar("SELECT stage FROM leads WHERE id = $1 AND merged_into IS NULL")
            .bind(lead_id)
            .fetch_optional(&mut **tx)
            .await?;
    let from = stage
        .as_deref()
        .and_then(Stage::parse)
        .ok_or(StoreError::NotFound)?;
    lifecycle::check_manual(from, to, reason).map_err(|e| StoreError::Invalid(e.to_string()))?;
    apply(tx, lead_id, from, to, by_user, reason, now).await?;
    if let Some(why) = crate::routing::ending::end_reason(to) {
        // Out of the sales funnel: the rep's assignment ends with the move.
        crate::routing::ending::end_open(&mut Tx::Any(&mut *tx), &[lead_id.to_owned()], why, now)
            .await?;
    }
    if to == Stage::Mql {
        // The outbox: routed once this commits, never if it does not.
        let mut routes = RouteJobs::default();
        routes.push(lead_id, now);
        routes.write(&mut Tx::Any(&mut *tx)).await?;
    }
    Ok(from)
}

/// Makes a won deal's lead a customer inside the close's transaction (the rule is
/// `lifecycle::check_won`: a signed contract outranks any stage). Returns the stage it left;
/// `None` when the lead was a customer already (an expansion deal).
pub(crate) async fn win_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    lead_id: &str,
    by_user: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<Option<Stage>> {
    let stage: Option<String> =
        sqlx::query_scalar("SELECT stage FROM leads WHERE id = $1 AND merged_into IS NULL")
            .bind(lead_id)
            .fetch_optional(&mut **tx)
            .await?;
    let from = stage
        .as_deref()
        .and_then(Stage::parse)
        .ok_or(StoreError::NotFound)?;
    if lifecycle::check_won(from).is_err() {
        return Ok(None);
    }
    apply(tx, lead_id, from, Stage::Customer, by_user, reason, now).await?;
    Ok(Some(from))
}

/// Writes a checked stage change: the lead's stage and its history row.
async fn apply(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    lead_id: &str,
    from: Stage,
    to: Stage,
    by_user: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<()> {
    // A person's decision outranks the rules: requalified leads are no longer
    // disqualified by them, and a person's disqualification is not lifted by them.
    let requalified = (from == Stage::Disqualified).then_some(now);
    sqlx::query(
        "UPDATE leads SET stage = $2, updated_at = $3, auto_disqualified = 0, \
         requalified_at = CASE WHEN $4 = 1 THEN $3 WHEN $2 = 'disqualified' THEN NULL ELSE requalified_at END \
         WHERE id = $1",
    )
    .bind(lead_id)
    .bind(to.as_str())
    .bind(now)
    .bind(i64::from(requalified.is_some()))
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO stage_changes (id, lead_id, from_stage, to_stage, at, by_user, reason) VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(new_id())
    .bind(lead_id)
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(now)
    .bind(by_user)
    .bind(reason.trim())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
