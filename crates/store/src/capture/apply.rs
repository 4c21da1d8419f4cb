//! Applying a group of capture events in one write transaction, through a [`Unit`].

use leadline_core::capture::{Known, OnDuplicate, Resolution, merge_profile, resolve};
use leadline_core::channel_rules::ChannelRules;
use leadline_core::policy::Policy;
use leadline_core::{Activity, CaptureEvent, Channel, Stage};

use super::lead_ops::{self, LeadRow};
use super::tx::Tx;
use super::unit::{ActivityRow, LeadState, RowState, StageRow, Unit, VisitorState};
use super::{CaptureOutcome, Captured};
use crate::{Backend, Result, new_id, now_ms};

/// Applies batches in one transaction and returns each batch's outcomes.
pub(super) async fn apply_group(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    batches: &[&[CaptureEvent]],
    policy: &Policy,
    rules: &ChannelRules,
) -> Result<Vec<Captured>> {
    let mut tx = begin(conn, backend).await?;
    let outcomes = apply_in(&mut Tx::Any(&mut tx), batches, policy, rules).await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// Starts a write transaction. SQLite takes the write lock up front, so a read-then-write
/// never meets a stale snapshot.
pub(super) async fn begin(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<sqlx::Transaction<'_, sqlx::Any>> {
    Ok(match backend {
        Backend::Sqlite => sqlx::Connection::begin_with(conn, "BEGIN IMMEDIATE").await?,
        Backend::Postgres => sqlx::Connection::begin(conn).await?,
    })
}

/// Applies batches inside the caller's transaction, then re-assesses every lead they
/// touched (qualification, scores, rule-made stage changes) in the same transaction.
pub(super) async fn apply_in(
    tx: &mut Tx<'_>,
    batches: &[&[CaptureEvent]],
    policy: &Policy,
    rules: &ChannelRules,
) -> Result<Vec<Captured>> {
    let events: Vec<&CaptureEvent> = batches.iter().flat_map(|b| b.iter()).collect();
    let mut unit = Unit::prefetch(tx, &events, now_ms()).await?;
    let mut outcomes = Vec::with_capacity(events.len());
    for ev in &events {
        outcomes.push(apply_event(tx, &mut unit, ev, rules).await?);
    }
    unit.flush(tx).await?;
    let touched: Vec<String> = unit.touched.drain().collect();
    crate::scores::refresh(tx, &touched, unit.now, policy).await?;
    let mut rest = outcomes.into_iter();
    Ok(batches
        .iter()
        .map(|b| rest.by_ref().take(b.len()).collect())
        .collect())
}

async fn apply_event(
    conn: &mut Tx<'_>,
    unit: &mut Unit,
    ev: &CaptureEvent,
    rules: &ChannelRules,
) -> Result<CaptureOutcome> {
    if !unit.seen.insert(ev.message_id.clone()) {
        return Ok(CaptureOutcome::Duplicate);
    }
    let channel = ev.touch_channel_with(rules);
    let campaign_id = match ev.touch_campaign() {
        Some(name) => Some(
            lead_ops::campaign_id(conn, &mut unit.campaigns, unit.now, name, channel, ev).await?,
        ),
        None => None,
    };
    if let Some(anon) = &ev.anonymous_id {
        touch_visitor(unit, anon, ev.occurred_at, channel, campaign_id.as_deref());
    }
    let known = known_leads(unit, ev);
    let (lead_id, outcome) = match resolve(&known, ev.has_strong_identity()) {
        Resolution::Anonymous => (None, CaptureOutcome::Anonymous),
        Resolution::Create => {
            let id = create_lead(conn, unit, ev, channel).await?;
            (Some(id.clone()), CaptureOutcome::Created { lead_id: id })
        }
        Resolution::Existing { lead, merge } => {
            for other in &merge {
                merge_leads(conn, unit, &lead, other, ev).await?;
            }
            let outcome = update_lead(conn, unit, ev, &lead, !merge.is_empty()).await?;
            (Some(lead), outcome)
        }
    };
    if matches!(outcome, CaptureOutcome::Skipped { .. }) {
        return Ok(outcome);
    }
    if let Some(id) = &lead_id {
        unit.touched.insert(id.clone());
    }
    let visitor_id = match (&ev.anonymous_id, &lead_id) {
        (Some(anon), Some(lead)) => Some(stitch(conn, unit, anon, lead).await?),
        (Some(anon), None) => unit.visitors.get(anon).map(|v| v.id.clone()),
        _ => None,
    };
    if ev.activity == Activity::Group
        && let (Some(domain), Some(lead)) = (ev.group_domain.as_deref(), &lead_id)
    {
        attach_group_account(conn, unit, lead, domain, ev.traits.company.as_deref()).await?;
    }
    let json = |v: &serde_json::Value| (!v.is_null()).then(|| v.to_string());
    unit.activities.push(ActivityRow {
        message_id: ev.message_id.clone(),
        lead_id,
        visitor_id,
        kind: ev.activity.as_str(),
        name: ev.name.clone(),
        channel: channel.as_str(),
        campaign_id,
        occurred_at: ev.occurred_at,
        origin: ev.origin.clone(),
        properties: json(&ev.properties),
        context: json(&ev.context),
    });
    Ok(outcome)
}

/// Records that the visitor was seen; an earlier touch arriving late becomes the first touch.
fn touch_visitor(
    unit: &mut Unit,
    anon: &str,
    at: i64,
    channel: Channel,
    campaign_id: Option<&str>,
) {
    let v = unit
        .visitors
        .entry(anon.to_owned())
        .or_insert_with(|| VisitorState {
            id: new_id(),
            anonymous_id: anon.to_owned(),
            lead_id: None,
            first_seen_at: at,
            last_seen_at: at,
            first_channel: Some(channel.as_str().to_owned()),
            first_campaign_id: campaign_id.map(str::to_owned),
            state: RowState::New,
        });
    if at > v.last_seen_at {
        v.last_seen_at = at;
        v.state.touch();
    }
    if at < v.first_seen_at {
        v.first_seen_at = at;
        v.first_channel = Some(channel.as_str().to_owned());
        v.first_campaign_id = campaign_id.map(str::to_owned);
        v.state.touch();
    }
}

fn known_leads(unit: &Unit, ev: &CaptureEvent) -> Known {
    let visitor_lead = |anon: &String| unit.visitors.get(anon).and_then(|v| v.lead_id.clone());
    Known {
        by_email: ev
            .email
            .as_ref()
            .and_then(|e| unit.by_email.get(&e.key()).cloned()),
        by_user_id: ev
            .user_id
            .as_ref()
            .and_then(|u| unit.by_user.get(u).cloned()),
        by_external_key: ev
            .external_key
            .as_ref()
            .and_then(|k| unit.by_key.get(k).cloned()),
        by_previous_id: match (&ev.activity, &ev.previous_id) {
            (Activity::Alias, Some(prev)) => unit
                .by_user
                .get(prev)
                .cloned()
                .or_else(|| visitor_lead(prev)),
            _ => None,
        },
        by_visitor: ev.anonymous_id.as_ref().and_then(visitor_lead),
    }
}

async fn create_lead(
    conn: &mut Tx<'_>,
    unit: &mut Unit,
    ev: &CaptureEvent,
    channel: Channel,
) -> Result<String> {
    // The first touch is the visitor's earliest, when they browsed before identifying.
    let channel = channel.as_str().to_owned();
    let campaign = ev
        .touch_campaign()
        .and_then(|c| unit.campaigns.get(&c.trim().to_lowercase()).cloned());
    let mut first = (ev.occurred_at, channel, campaign);
    if let Some(v) = ev.anonymous_id.as_ref().and_then(|a| unit.visitors.get(a))
        && let Some(ch) = &v.first_channel
        && v.first_seen_at <= first.0
    {
        first = (v.first_seen_at, ch.clone(), v.first_campaign_id.clone());
    }
    let account_id = match ev.email.as_ref().and_then(|e| e.company_domain()) {
        Some(domain) => Some(account(conn, unit, &domain, ev.traits.company.as_deref()).await?),
        None => None,
    };
    let stage = ev.stage_on_creation();
    // A lead comes to be when the event that created it happened (a list's history, the
    // demo's past), never later than now (a client's clock may run fast); its id carries
    // that time (see `id_at`).
    let created_at = ev.occurred_at.min(unit.now);
    let id = crate::id_at(created_at);
    let row = LeadRow::new(ev, account_id, stage, created_at);
    unit.stage_changes.push(StageRow {
        lead_id: id.clone(),
        from: None,
        to: stage.as_str(),
        at: created_at,
        reason: capture_reason(ev),
    });
    unit.cache_lead(
        id.clone(),
        LeadState {
            row,
            first: Some(first),
            created_at,
            state: RowState::New,
        },
    );
    Ok(id)
}

fn capture_reason(ev: &CaptureEvent) -> String {
    format!("captured: {} via {}", ev.activity.as_str(), ev.origin)
}

async fn account(
    conn: &mut Tx<'_>,
    unit: &mut Unit,
    domain: &str,
    name: Option<&str>,
) -> Result<String> {
    if let Some(id) = unit.accounts.get(domain) {
        return Ok(id.clone());
    }
    let id = lead_ops::account_for_domain(conn, unit.now, domain, name).await?;
    unit.accounts.insert(domain.to_owned(), id.clone());
    Ok(id)
}

async fn update_lead(
    conn: &mut Tx<'_>,
    unit: &mut Unit,
    ev: &CaptureEvent,
    lead_id: &str,
    merged: bool,
) -> Result<CaptureOutcome> {
    let lead_id = lead_id.to_owned();
    if ev.on_duplicate == OnDuplicate::Skip && !merged {
        return Ok(CaptureOutcome::Skipped { lead_id });
    }
    let current = match unit.leads.get(&lead_id) {
        Some(l) => l.row.clone(),
        None => lead_ops::load(conn, &lead_id).await?,
    };
    let (traits, mut changed) = merge_profile(&current.traits, &ev.traits, ev.on_duplicate);
    let mut next = LeadRow {
        traits,
        ..current.clone()
    };
    next.stamp(&current.traits, ev.occurred_at.min(unit.now));
    changed |= next.adopt_identifiers(ev);
    if next.account_id.is_none()
        && let Some(domain) = next.email.as_ref().and_then(|e| e.company_domain())
    {
        next.account_id = Some(account(conn, unit, &domain, next.traits.company.as_deref()).await?);
        changed = true;
    }
    let wanted: Stage = ev.stage_on_creation();
    if current.stage.may_advance_to(wanted) && wanted <= Stage::Lead {
        next.stage = wanted;
        unit.stage_changes.push(StageRow {
            lead_id: lead_id.clone(),
            from: Some(current.stage.as_str()),
            to: wanted.as_str(),
            at: ev.occurred_at.min(unit.now),
            reason: capture_reason(ev),
        });
        changed = true;
    }
    if !(changed || merged) {
        return Ok(CaptureOutcome::Unchanged { lead_id });
    }
    unit.index_lead(&lead_id, &next);
    let state = unit
        .leads
        .entry(lead_id.clone())
        .or_insert_with(|| LeadState {
            row: next.clone(),
            first: None,
            created_at: unit.now,
            state: RowState::Dirty,
        });
    state.row = next;
    state.state.touch();
    Ok(CaptureOutcome::Updated { lead_id })
}

/// Links the visitor to the lead and gives the lead the visitor's anonymous history.
async fn stitch(conn: &mut Tx<'_>, unit: &mut Unit, anon: &str, lead: &str) -> Result<String> {
    let Some(v) = unit.visitors.get_mut(anon) else {
        return Ok(String::new());
    };
    if v.lead_id.as_deref() == Some(lead) {
        return Ok(v.id.clone());
    }
    v.lead_id = Some(lead.to_owned());
    v.state.touch();
    let (vid, stored) = (v.id.clone(), v.state != RowState::New);
    for a in unit
        .activities
        .iter_mut()
        .filter(|a| a.visitor_id.as_deref() == Some(&vid) && a.lead_id.is_none())
    {
        a.lead_id = Some(lead.to_owned());
    }
    if stored {
        conn.execute(
            "UPDATE activities SET lead_id = $1 WHERE visitor_id = $2 AND lead_id IS NULL",
            vec![lead.into(), vid.as_str().into()],
        )
        .await?;
    }
    Ok(vid)
}

/// Merges `other` into `survivor`: buffered rows are written first, so the merge sees them.
async fn merge_leads(
    conn: &mut Tx<'_>,
    unit: &mut Unit,
    survivor: &str,
    other: &str,
    ev: &CaptureEvent,
) -> Result<()> {
    unit.flush(conn).await?;
    lead_ops::merge_into(
        conn,
        unit.now,
        survivor,
        other,
        &format!("same person: {} {}", ev.activity.as_str(), ev.origin),
    )
    .await?;
    unit.forget_lead(other);
    unit.forget_lead(survivor);
    for v in unit
        .visitors
        .values_mut()
        .filter(|v| v.lead_id.as_deref() == Some(other))
    {
        v.lead_id = Some(survivor.to_owned());
    }
    let row = lead_ops::load(conn, survivor).await?;
    unit.cache_lead(
        survivor.to_owned(),
        LeadState {
            row,
            first: None,
            created_at: unit.now,
            state: RowState::Clean,
        },
    );
    Ok(())
}

/// A `group` call: the lead works at the company with this domain.
async fn attach_group_account(
    conn: &mut Tx<'_>,
    unit: &mut Unit,
    lead: &str,
    domain: &str,
    name: Option<&str>,
) -> Result<()> {
    let Some(domain) = leadline_core::registrable_domain(domain)
        .filter(|d| !leadline_core::email::is_free_mail_domain(d))
    else {
        return Ok(());
    };
    let account_id = account(conn, unit, &domain, name).await?;
    if let Some(state) = unit.leads.get_mut(lead)
        && state.row.account_id.is_none()
    {
        state.row.account_id = Some(account_id);
        state.state.touch();
    }
    Ok(())
}
