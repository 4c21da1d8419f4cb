//! Moving a deal through its stages, and closing it: a won deal makes its primary lead a
//! customer and its account a customer account, in the same transaction as the close; a
//! lost one keeps its reason and competitor.

use leadline_core::opportunity::{self as opp, Effect, MoveError, OppStage};
use serde::Serialize;

use super::Opportunity;
use super::write::{invalid, load, load_locked};
use crate::capture::tx::Tx;
use crate::lifecycle::win_in;
use crate::{Result, Store, StoreError, new_id, webhooks};

/// A stage move as a rep asks for it.
#[derive(Debug, Clone)]
pub struct StageMove {
    pub to: OppStage,
    /// Why, for the deal's history (a default is written when blank).
    pub reason: Option<String>,
    /// Required to close lost.
    pub lost_reason: Option<String>,
    /// Who won the deal instead, when lost (optional).
    pub competitor: Option<String>,
    /// The final amount, when it changed in negotiation.
    pub amount_minor: Option<i64>,
}

/// What a won deal carries to the rest of the system (revenue for attribution and ROI
/// reports, and the `opportunity.won` webhook).
#[derive(Debug, Clone, Serialize)]
pub struct Won {
    pub opportunity_id: String,
    pub name: String,
    pub lead_id: String,
    pub account_id: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub closed_at: i64,
}

impl Store {
    /// Moves a deal to `mv.to` (the rules are `core::opportunity::move_stage`). Closing won
    /// sets the won amount (revenue), moves the primary lead to `customer` with the reason
    /// and marks the account a customer, all in one transaction.
    pub async fn move_opportunity_stage(
        &self,
        id: &str,
        mv: &StageMove,
        by_user: Option<&str>,
        now: i64,
    ) -> Result<Opportunity> {
        let lost_reason =
            opp::check_text("lost_reason", mv.lost_reason.as_deref().unwrap_or(""), 500)
                .map_err(invalid)?;
        let competitor = opp::check_text("competitor", mv.competitor.as_deref().unwrap_or(""), 200)
            .map_err(invalid)?;
        let reason =
            opp::check_text("reason", mv.reason.as_deref().unwrap_or(""), 500).map_err(invalid)?;
        let mut tx = self.begin_write().await?;
        let mut o = load_locked(&mut tx, id).await?;
        let from = o
            .stage()
            .ok_or_else(|| StoreError::Corrupt(format!("opportunity stage {:?}", o.stage)))?;
        let effect = opp::move_stage(from, mv.to, lost_reason.as_deref()).map_err(|e| match e {
            MoveError::Closed(_) => StoreError::refused("closed", e.to_string()),
            MoveError::LostWithoutReason => StoreError::Invalid(format!("lost_reason: {e}")),
            MoveError::Unchanged(_) => StoreError::Invalid(format!("stage: {e}")),
        })?;
        if let Some(a) = mv.amount_minor {
            o.amount_minor = opp::check_amount("amount_minor", a).map_err(invalid)?;
        }
        let closed_at = mv.to.is_closed().then_some(now);
        let won_amount = (effect == Effect::Won).then_some(o.amount_minor);
        let (lost_reason, competitor) = match effect {
            Effect::Lost => (lost_reason, competitor.or(o.competitor.clone())),
            _ => (None, o.competitor.clone()),
        };
        sqlx::query(
            "UPDATE opportunities SET stage = $2, amount_minor = $3, closed_at = $4, won_amount_minor = $5, \
             lost_reason = $6, competitor = $7, updated_at = $8 WHERE id = $1",
        )
        .bind(id)
        .bind(mv.to.as_str())
        .bind(o.amount_minor)
        .bind(closed_at)
        .bind(won_amount)
        .bind(&lost_reason)
        .bind(&competitor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let why = reason.unwrap_or_else(|| match effect {
            Effect::Lost => format!("lost: {}", lost_reason.as_deref().unwrap_or("")),
            _ => format!("moved to {}", mv.to.as_str().replace('_', " ")),
        });
        record(&mut tx, id, Some(from), mv.to, by_user, &why, now).await?;
        if effect == Effect::Won {
            let won = Won {
                opportunity_id: o.id.clone(),
                name: o.name.clone(),
                lead_id: o.primary_lead_id.clone(),
                account_id: o.account_id.clone(),
                amount_minor: o.amount_minor,
                currency: o.currency.clone(),
                closed_at: now,
            };
            close_won(&mut tx, &won, by_user).await?;
        }
        if let Some((event, data)) = close_event(&o, effect, mv.to, &lost_reason, &competitor, now)
        {
            webhooks::emit(&mut Tx::Any(&mut tx), event, &data, now).await?;
        }
        let out = load(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// What a won deal changes beyond itself, inside the close's transaction: the primary lead
/// becomes a customer (other contacts keep their stage: they are people at the customer, not
/// buyers of their own), the account a customer account from its first won deal.
async fn close_won(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    won: &Won,
    by_user: Option<&str>,
) -> Result<()> {
    let why = format!("won opportunity: {}", won.name);
    win_in(tx, &won.lead_id, by_user, &why, won.closed_at).await?;
    if let Some(account) = &won.account_id {
        sqlx::query(
            "UPDATE accounts SET customer_since = COALESCE(customer_since, $2) WHERE id = $1",
        )
        .bind(account)
        .bind(won.closed_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The `opportunity.won` / `opportunity.lost` webhook for a close, written in the close's
/// transaction; `None` for a move that closes nothing.
fn close_event(
    o: &Opportunity,
    effect: Effect,
    to: OppStage,
    lost_reason: &Option<String>,
    competitor: &Option<String>,
    now: i64,
) -> Option<(&'static str, serde_json::Value)> {
    let event = match effect {
        Effect::Won => webhooks::OPPORTUNITY_WON,
        Effect::Lost => webhooks::OPPORTUNITY_LOST,
        _ => return None,
    };
    let mut data = serde_json::json!({
        "opportunity_id": o.id,
        "name": o.name,
        "lead_id": o.primary_lead_id,
        "account_id": o.account_id,
        "owner_id": o.owner_id,
        "stage": to.as_str(),
        "amount_minor": o.amount_minor,
        "currency": o.currency,
        "closed_at": leadline_core::time::rfc3339(now),
    });
    if effect == Effect::Lost {
        data["lost_reason"] = serde_json::json!(lost_reason);
        data["competitor"] = serde_json::json!(competitor);
    }
    Some((event, data))
}

/// Records a stage move in the deal's history (`from` `None`: the deal was opened).
pub(super) async fn record(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    from: Option<OppStage>,
    to: OppStage,
    by_user: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO opportunity_stage_changes (id, opportunity_id, from_stage, to_stage, at, by_user, reason) \
         VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(new_id())
    .bind(id)
    .bind(from.map(OppStage::as_str))
    .bind(to.as_str())
    .bind(now)
    .bind(by_user)
    .bind(reason.trim())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
