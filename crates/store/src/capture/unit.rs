//! The unit of work of one group commit: what a group of events needs, loaded up front in a
//! few multi-key queries; identities resolved in memory; writes buffered and flushed as
//! multi-row statements. A flush happens before any rare operation that must see the buffered
//! rows in the database (a merge), and at the end of the group.

use std::collections::{HashMap, HashSet};

use leadline_core::CaptureEvent;

use super::bulk::{self, Arg};
use super::lead_ops::{self, LeadRow};
use super::tx::Tx;
use crate::{Result, webhooks};

/// Whether a cached row exists in the database and whether it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RowState {
    New,
    Dirty,
    Clean,
}

impl RowState {
    pub fn touch(&mut self) {
        if *self == RowState::Clean {
            *self = RowState::Dirty;
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct VisitorState {
    pub id: String,
    pub anonymous_id: String,
    pub lead_id: Option<String>,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub first_channel: Option<String>,
    pub first_campaign_id: Option<String>,
    pub state: RowState,
}

#[derive(Debug, Clone)]
pub(super) struct LeadState {
    pub row: LeadRow,
    /// First touch `(at, channel, campaign)`, written when the lead is created.
    pub first: Option<(i64, String, Option<String>)>,
    /// When the lead came to be: the time of the event that created it (written on creation).
    pub created_at: i64,
    pub state: RowState,
}

pub(super) struct ActivityRow {
    pub message_id: String,
    pub lead_id: Option<String>,
    pub visitor_id: Option<String>,
    pub kind: &'static str,
    pub name: Option<String>,
    pub channel: &'static str,
    pub campaign_id: Option<String>,
    pub occurred_at: i64,
    pub origin: String,
    pub properties: Option<String>,
    pub context: Option<String>,
}

pub(super) struct StageRow {
    pub lead_id: String,
    pub from: Option<&'static str>,
    pub to: &'static str,
    pub at: i64,
    pub reason: String,
}

/// Everything one group commit knows and has yet to write.
pub(super) struct Unit {
    pub now: i64,
    pub seen: HashSet<String>,
    pub visitors: HashMap<String, VisitorState>,
    pub leads: HashMap<String, LeadState>,
    pub by_email: HashMap<String, String>,
    pub by_user: HashMap<String, String>,
    pub by_key: HashMap<String, String>,
    pub campaigns: HashMap<String, String>,
    pub accounts: HashMap<String, String>,
    pub activities: Vec<ActivityRow>,
    pub stage_changes: Vec<StageRow>,
    /// Leads the events reached, to be re-assessed before the commit.
    pub touched: HashSet<String>,
}

const VISITOR_SELECT: &str = "SELECT id, anonymous_id, lead_id, first_seen_at, last_seen_at, first_channel, first_campaign_id FROM visitors";

impl Unit {
    /// Loads what `events` refer to: seen message ids, visitors, and leads by every identifier.
    pub async fn prefetch(conn: &mut Tx<'_>, events: &[&CaptureEvent], now: i64) -> Result<Unit> {
        let mut unit = Unit {
            now,
            seen: HashSet::new(),
            visitors: HashMap::new(),
            leads: HashMap::new(),
            by_email: HashMap::new(),
            by_user: HashMap::new(),
            by_key: HashMap::new(),
            campaigns: HashMap::new(),
            accounts: HashMap::new(),
            activities: Vec::new(),
            stage_changes: Vec::new(),
            touched: HashSet::new(),
        };
        let distinct = |f: &dyn Fn(&CaptureEvent) -> Vec<String>| -> Vec<String> {
            let set: HashSet<String> = events.iter().flat_map(|e| f(e)).collect();
            set.into_iter().collect()
        };
        let ids = distinct(&|e| vec![e.message_id.clone()]);
        for r in bulk::select_in(
            conn,
            "SELECT message_id FROM activities",
            "message_id",
            &ids,
        )
        .await?
        {
            unit.seen.insert(r.try_get("message_id")?);
        }
        let anons = distinct(&|e| {
            e.anonymous_id
                .iter()
                .chain(e.previous_id.iter())
                .cloned()
                .collect()
        });
        for r in bulk::select_in(conn, VISITOR_SELECT, "anonymous_id", &anons).await? {
            let v = VisitorState {
                id: r.try_get("id")?,
                anonymous_id: r.try_get("anonymous_id")?,
                lead_id: r.try_get("lead_id")?,
                first_seen_at: r.try_get("first_seen_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
                first_channel: r.try_get("first_channel")?,
                first_campaign_id: r.try_get("first_campaign_id")?,
                state: RowState::Clean,
            };
            unit.visitors.insert(v.anonymous_id.clone(), v);
        }
        let emails = distinct(&|e| e.email.iter().map(|m| m.key()).collect());
        let users = distinct(&|e| {
            e.user_id
                .iter()
                .chain(e.previous_id.iter())
                .cloned()
                .collect()
        });
        let keys = distinct(&|e| e.external_key.iter().cloned().collect());
        let visitor_leads: Vec<String> = unit
            .visitors
            .values()
            .filter_map(|v| v.lead_id.clone())
            .collect();
        unit.prefetch_accounts(conn, events).await?;
        for (col, list) in [
            ("email_key", emails),
            ("user_id", users),
            ("external_key", keys),
            ("id", visitor_leads),
        ] {
            for r in bulk::select_in(conn, lead_ops::LEAD_SELECT, col, &list).await? {
                let (id, row) = lead_ops::lead_row_from(&r)?;
                unit.cache_lead(
                    id,
                    LeadState {
                        row,
                        first: None,
                        created_at: now,
                        state: RowState::Clean,
                    },
                );
            }
        }
        Ok(unit)
    }

    /// Loads, and creates in one statement, the accounts of the company domains the events'
    /// email addresses imply: a new company costs one row in a multi-row insert, not three
    /// round trips. `ON CONFLICT DO NOTHING` and the re-read make it safe when another
    /// process creates the same account at the same time.
    async fn prefetch_accounts(
        &mut self,
        conn: &mut Tx<'_>,
        events: &[&CaptureEvent],
    ) -> Result<()> {
        let mut wanted: HashMap<String, Option<String>> = HashMap::new();
        for e in events {
            if let Some(domain) = e.email.as_ref().and_then(|m| m.company_domain()) {
                let slot = wanted.entry(domain).or_default();
                if slot.is_none() {
                    slot.clone_from(&e.traits.company);
                }
            }
        }
        let domains: Vec<String> = wanted.keys().cloned().collect();
        self.load_accounts(conn, &domains).await?;
        let missing: Vec<Vec<Arg>> = wanted
            .iter()
            .filter(|(d, _)| !self.accounts.contains_key(*d))
            .map(|(d, name)| {
                vec![
                    crate::new_id().into(),
                    d.clone().into(),
                    name.clone().into(),
                    self.now.into(),
                ]
            })
            .collect();
        if !missing.is_empty() {
            bulk::insert(
                conn,
                "accounts (id, domain, name, created_at)",
                "ON CONFLICT (domain) DO NOTHING",
                missing,
            )
            .await?;
            let missing: Vec<String> = domains
                .into_iter()
                .filter(|d| !self.accounts.contains_key(d))
                .collect();
            self.load_accounts(conn, &missing).await?;
        }
        Ok(())
    }

    async fn load_accounts(&mut self, conn: &mut Tx<'_>, domains: &[String]) -> Result<()> {
        // A merged account's domain leads to the account it was merged into.
        let select = "SELECT COALESCE(merged_into, id) AS id, domain FROM accounts";
        for r in bulk::select_in(conn, select, "domain", domains).await? {
            self.accounts.insert(r.try_get("domain")?, r.try_get("id")?);
        }
        Ok(())
    }

    /// Puts a lead in the cache and indexes its identifiers.
    pub fn cache_lead(&mut self, id: String, lead: LeadState) {
        self.index_lead(&id, &lead.row);
        self.leads.entry(id).or_insert(lead);
    }

    pub fn index_lead(&mut self, id: &str, row: &LeadRow) {
        if let Some(e) = &row.email {
            self.by_email.insert(e.key(), id.to_owned());
        }
        if let Some(u) = &row.user_id {
            self.by_user.insert(u.clone(), id.to_owned());
        }
        if let Some(k) = &row.external_key {
            self.by_key.insert(k.clone(), id.to_owned());
        }
    }

    /// Forgets a lead (after a merge), so the next lookup reloads it.
    pub fn forget_lead(&mut self, id: &str) {
        self.leads.remove(id);
        for index in [&mut self.by_email, &mut self.by_user, &mut self.by_key] {
            index.retain(|_, v| v != id);
        }
    }

    /// Records a `lead.created` webhook event for each new lead, when an endpoint wants it
    /// (nothing is built otherwise: bulk imports pay one small read per flush).
    async fn emit_created(&self, conn: &mut Tx<'_>, ids: &[&str]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let subs = webhooks::subscribers(conn, webhooks::LEAD_CREATED).await?;
        if subs.is_empty() {
            return Ok(());
        }
        let data: Vec<serde_json::Value> = ids
            .iter()
            .filter_map(|id| self.leads.get(*id).map(|l| (id, l)))
            .map(|(id, l)| {
                serde_json::json!({
                    "lead_id": id,
                    "email": l.row.email.as_ref().map(|e| e.as_str()),
                    "stage": l.row.stage.as_str(),
                    "created_at": leadline_core::time::rfc3339(l.created_at),
                })
            })
            .collect();
        webhooks::record(conn, &subs, webhooks::LEAD_CREATED, &data, self.now).await?;
        Ok(())
    }

    /// Writes everything buffered, then marks the cache clean.
    pub async fn flush(&mut self, conn: &mut Tx<'_>) -> Result<()> {
        let now = self.now;
        let new_visitors: Vec<Vec<Arg>> = self
            .visitors
            .values()
            .filter(|v| v.state == RowState::New)
            .map(|v| {
                vec![
                    v.id.clone().into(),
                    v.anonymous_id.clone().into(),
                    v.lead_id.clone().into(),
                    v.first_seen_at.into(),
                    v.last_seen_at.into(),
                    v.first_channel.clone().into(),
                    v.first_campaign_id.clone().into(),
                ]
            })
            .collect();
        bulk::insert(conn, "visitors (id, anonymous_id, lead_id, first_seen_at, last_seen_at, first_channel, first_campaign_id)", "", new_visitors).await?;
        let mut new_leads = Vec::new();
        let mut new_ids = Vec::new();
        for (id, l) in &self.leads {
            match l.state {
                RowState::New => {
                    new_leads.push(lead_ops::insert_args(
                        id,
                        &l.row,
                        l.first.as_ref(),
                        l.created_at,
                        now,
                    ));
                    new_ids.push(id.as_str());
                }
                RowState::Dirty => lead_ops::update(conn, now, id, &l.row).await?,
                RowState::Clean => {}
            }
        }
        bulk::insert(conn, lead_ops::LEAD_INSERT_HEAD, "", new_leads).await?;
        self.emit_created(conn, &new_ids).await?;
        let dirty_visitors = self
            .visitors
            .values()
            .filter(|v| v.state == RowState::Dirty)
            .map(|v| {
                vec![
                    v.id.clone().into(),
                    v.lead_id.clone().into(),
                    v.first_seen_at.into(),
                    v.last_seen_at.into(),
                    v.first_channel.clone().into(),
                    v.first_campaign_id.clone().into(),
                ]
            })
            .collect();
        bulk::update_from_values(
            conn,
            "visitors",
            "id, lead_id, first_seen_at, last_seen_at, first_channel, first_campaign_id",
            "lead_id = v.lead_id, first_seen_at = v.first_seen_at, last_seen_at = v.last_seen_at, first_channel = v.first_channel, first_campaign_id = v.first_campaign_id",
            dirty_visitors,
        )
        .await?;
        let stages = std::mem::take(&mut self.stage_changes)
            .into_iter()
            .map(|s| {
                vec![
                    crate::new_id().into(),
                    s.lead_id.into(),
                    s.from.into(),
                    s.to.into(),
                    s.at.into(),
                    Arg::Text(None),
                    s.reason.into(),
                ]
            })
            .collect();
        bulk::insert(
            conn,
            "stage_changes (id, lead_id, from_stage, to_stage, at, by_user, reason)",
            "",
            stages,
        )
        .await?;
        let acts = std::mem::take(&mut self.activities)
            .into_iter()
            .map(|a| {
                vec![
                    crate::new_id().into(),
                    a.message_id.into(),
                    a.lead_id.into(),
                    a.visitor_id.into(),
                    a.kind.into(),
                    a.name.into(),
                    a.channel.into(),
                    a.campaign_id.into(),
                    a.occurred_at.into(),
                    now.into(),
                    a.origin.into(),
                    a.properties.into(),
                    a.context.into(),
                ]
            })
            .collect();
        bulk::insert(
            conn,
            "activities (id, message_id, lead_id, visitor_id, type, name, channel, campaign_id, occurred_at, received_at, origin, properties, context)",
            "ON CONFLICT (message_id) DO NOTHING",
            acts,
        )
        .await?;
        for v in self.visitors.values_mut() {
            v.state = RowState::Clean;
        }
        for l in self.leads.values_mut() {
            l.state = RowState::Clean;
        }
        Ok(())
    }
}
