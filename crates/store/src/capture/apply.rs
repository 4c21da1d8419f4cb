//! Applying capture events inside one write transaction.

use std::collections::HashMap;

use leadline_core::capture::{Known, Resolution, merge_profile, resolve};
use leadline_core::{Activity, CaptureEvent, Stage};
use sqlx::AnyConnection;

use super::lead_ops::{self, LeadRow};
use super::{CaptureOutcome, Captured};
use crate::{Result, Store, new_id, now_ms};

/// Applies batches in one transaction and returns each batch's outcomes.
pub(super) async fn apply_group(
    store: &Store,
    batches: &[&[CaptureEvent]],
) -> Result<Vec<Captured>> {
    let mut tx = store.begin_write().await?;
    let mut ctx = Ctx {
        now: now_ms(),
        campaigns: HashMap::new(),
    };
    let mut out = Vec::with_capacity(batches.len());
    for batch in batches {
        let mut outcomes = Vec::with_capacity(batch.len());
        for ev in *batch {
            outcomes.push(apply_event(&mut tx, &mut ctx, ev).await?);
        }
        out.push(outcomes);
    }
    tx.commit().await?;
    Ok(out)
}

pub(super) struct Ctx {
    pub now: i64,
    /// Campaign ids by name key, for this transaction.
    pub campaigns: HashMap<String, String>,
}

struct Visitor {
    id: String,
    lead_id: Option<String>,
}

async fn apply_event(
    conn: &mut AnyConnection,
    ctx: &mut Ctx,
    ev: &CaptureEvent,
) -> Result<CaptureOutcome> {
    let seen: Option<i64> = sqlx::query_scalar("SELECT 1 FROM activities WHERE message_id = $1")
        .bind(&ev.message_id)
        .fetch_optional(&mut *conn)
        .await?;
    if seen.is_some() {
        return Ok(CaptureOutcome::Duplicate);
    }
    let channel = ev.touch_channel();
    let campaign_id = match ev.touch_campaign() {
        Some(name) => Some(lead_ops::campaign_id(conn, ctx, name, channel, ev).await?),
        None => None,
    };
    let visitor = match &ev.anonymous_id {
        Some(anon) => Some(visitor(conn, ev, anon, channel, campaign_id.as_deref()).await?),
        None => None,
    };
    let known = known_leads(conn, ev, visitor.as_ref()).await?;
    let (lead_id, outcome) = match resolve(&known, ev.has_strong_identity()) {
        Resolution::Anonymous => (None, CaptureOutcome::Anonymous),
        Resolution::Create => {
            let id = create_lead(
                conn,
                ctx,
                ev,
                visitor.as_ref(),
                channel,
                campaign_id.as_deref(),
            )
            .await?;
            (Some(id.clone()), CaptureOutcome::Created { lead_id: id })
        }
        Resolution::Existing { lead, merge } => {
            for other in &merge {
                lead_ops::merge_into(
                    conn,
                    ctx.now,
                    &lead,
                    other,
                    &format!("same person: {} {}", ev.activity.as_str(), ev.origin),
                )
                .await?;
            }
            let outcome = update_lead(conn, ctx, ev, &lead, !merge.is_empty()).await?;
            (Some(lead), outcome)
        }
    };
    if matches!(outcome, CaptureOutcome::Skipped { .. }) {
        return Ok(outcome);
    }
    if let (Some(v), Some(lead)) = (&visitor, &lead_id)
        && v.lead_id.as_deref() != Some(lead.as_str())
    {
        lead_ops::stitch_visitor(conn, &v.id, lead).await?;
    }
    if ev.activity == Activity::Group
        && let (Some(domain), Some(lead)) = (ev.group_domain.as_deref(), &lead_id)
    {
        lead_ops::attach_group_account(conn, ctx.now, lead, domain, ev.traits.company.as_deref())
            .await?;
    }
    insert_activity(
        conn,
        ctx,
        ev,
        lead_id.as_deref(),
        visitor.as_ref().map(|v| v.id.as_str()),
        channel,
        campaign_id.as_deref(),
    )
    .await?;
    Ok(outcome)
}

async fn visitor(
    conn: &mut AnyConnection,
    ev: &CaptureEvent,
    anon: &str,
    channel: leadline_core::Channel,
    campaign_id: Option<&str>,
) -> Result<Visitor> {
    let row: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT id, lead_id FROM visitors WHERE anonymous_id = $1")
            .bind(anon)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((id, lead_id)) = row {
        sqlx::query("UPDATE visitors SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1")
            .bind(ev.occurred_at)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
        // An earlier touch arriving late (a client flushing its queue) becomes the first touch.
        sqlx::query("UPDATE visitors SET first_seen_at = $1, first_channel = $2, first_campaign_id = $3 WHERE id = $4 AND first_seen_at > $1")
            .bind(ev.occurred_at)
            .bind(channel.as_str())
            .bind(campaign_id)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
        return Ok(Visitor { id, lead_id });
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO visitors (id, anonymous_id, lead_id, first_seen_at, last_seen_at, first_channel, first_campaign_id) \
         VALUES ($1, $2, NULL, $3, $3, $4, $5)",
    )
    .bind(&id)
    .bind(anon)
    .bind(ev.occurred_at)
    .bind(channel.as_str())
    .bind(campaign_id)
    .execute(&mut *conn)
    .await?;
    Ok(Visitor { id, lead_id: None })
}

async fn known_leads(
    conn: &mut AnyConnection,
    ev: &CaptureEvent,
    visitor: Option<&Visitor>,
) -> Result<Known> {
    let by = |col: &'static str| format!("SELECT id FROM leads WHERE {col} = $1");
    let mut known = Known {
        by_visitor: visitor.and_then(|v| v.lead_id.clone()),
        ..Default::default()
    };
    if let Some(email) = &ev.email {
        known.by_email = lead_ops::scalar(conn, &by("email_key"), &email.key()).await?;
    }
    if let Some(uid) = &ev.user_id {
        known.by_user_id = lead_ops::scalar(conn, &by("user_id"), uid).await?;
    }
    if let Some(key) = &ev.external_key {
        known.by_external_key = lead_ops::scalar(conn, &by("external_key"), key).await?;
    }
    if ev.activity == Activity::Alias
        && let Some(prev) = &ev.previous_id
    {
        known.by_previous_id =
            match lead_ops::scalar(conn, &by("user_id"), prev).await? {
                Some(id) => Some(id),
                None => lead_ops::scalar(
                    conn,
                    "SELECT lead_id FROM visitors WHERE anonymous_id = $1 AND lead_id IS NOT NULL",
                    prev,
                )
                .await?,
            };
    }
    Ok(known)
}

async fn create_lead(
    conn: &mut AnyConnection,
    ctx: &mut Ctx,
    ev: &CaptureEvent,
    visitor: Option<&Visitor>,
    channel: leadline_core::Channel,
    campaign_id: Option<&str>,
) -> Result<String> {
    // The first touch is the visitor's earliest, when they browsed before identifying.
    let mut first = (
        ev.occurred_at,
        channel.as_str().to_owned(),
        campaign_id.map(str::to_owned),
    );
    if let Some(v) = visitor {
        let row: Option<(i64, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT first_seen_at, first_channel, first_campaign_id FROM visitors WHERE id = $1",
        )
        .bind(&v.id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((at, Some(ch), camp)) = row
            && at <= first.0
        {
            first = (at, ch, camp);
        }
    }
    let account_id = match ev.email.as_ref().and_then(|e| e.company_domain()) {
        Some(domain) => Some(
            lead_ops::account_for_domain(conn, ctx.now, &domain, ev.traits.company.as_deref())
                .await?,
        ),
        None => None,
    };
    let stage = ev.stage_on_creation();
    let row = LeadRow::new(ev, account_id, stage);
    let id = new_id();
    lead_ops::insert_lead(conn, ctx.now, &id, &row, &first).await?;
    let reason = format!("captured: {} via {}", ev.activity.as_str(), ev.origin);
    lead_ops::record_stage_change(conn, &id, None, stage, ctx.now, None, &reason).await?;
    Ok(id)
}

async fn update_lead(
    conn: &mut AnyConnection,
    ctx: &mut Ctx,
    ev: &CaptureEvent,
    lead_id: &str,
    merged: bool,
) -> Result<CaptureOutcome> {
    let current = lead_ops::load(conn, lead_id).await?;
    let lead_id = lead_id.to_owned();
    if ev.on_duplicate == leadline_core::capture::OnDuplicate::Skip && !merged {
        return Ok(CaptureOutcome::Skipped { lead_id });
    }
    let (traits, mut changed) = merge_profile(&current.traits, &ev.traits, ev.on_duplicate);
    let mut next = LeadRow {
        traits,
        ..current.clone()
    };
    changed |= next.adopt_identifiers(ev);
    if next.account_id.is_none()
        && let Some(domain) = next.email.as_ref().and_then(|e| e.company_domain())
    {
        next.account_id = Some(
            lead_ops::account_for_domain(conn, ctx.now, &domain, next.traits.company.as_deref())
                .await?,
        );
        changed = true;
    }
    let wanted: Stage = ev.stage_on_creation();
    if current.stage.may_advance_to(wanted) && wanted <= Stage::Lead {
        next.stage = wanted;
        let reason = format!("captured: {} via {}", ev.activity.as_str(), ev.origin);
        lead_ops::record_stage_change(
            conn,
            &lead_id,
            Some(current.stage),
            wanted,
            ctx.now,
            None,
            &reason,
        )
        .await?;
        changed = true;
    }
    if changed || merged {
        lead_ops::update(conn, ctx.now, &lead_id, &next).await?;
        Ok(CaptureOutcome::Updated { lead_id })
    } else {
        Ok(CaptureOutcome::Unchanged { lead_id })
    }
}

async fn insert_activity(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    ev: &CaptureEvent,
    lead_id: Option<&str>,
    visitor_id: Option<&str>,
    channel: leadline_core::Channel,
    campaign_id: Option<&str>,
) -> Result<()> {
    let json = |v: &serde_json::Value| (!v.is_null()).then(|| v.to_string());
    sqlx::query(
        "INSERT INTO activities (id, message_id, lead_id, visitor_id, type, name, channel, campaign_id, occurred_at, received_at, origin, properties, context) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(new_id())
    .bind(&ev.message_id)
    .bind(lead_id)
    .bind(visitor_id)
    .bind(ev.activity.as_str())
    .bind(ev.name.as_deref())
    .bind(channel.as_str())
    .bind(campaign_id)
    .bind(ev.occurred_at)
    .bind(ctx.now)
    .bind(&ev.origin)
    .bind(json(&ev.properties))
    .bind(json(&ev.context))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
