//! The SQL the capture pipeline runs on leads, visitors, accounts and campaigns.

use leadline_core::{CaptureEvent, Channel, Email, Stage, Traits};
use sqlx::{AnyConnection, Row};

use super::apply::Ctx;
use crate::{Result, StoreError, new_id};

/// A lead's capture-relevant columns.
#[derive(Debug, Clone)]
pub(crate) struct LeadRow {
    pub email: Option<Email>,
    pub user_id: Option<String>,
    pub external_key: Option<String>,
    pub traits: Traits,
    pub account_id: Option<String>,
    pub stage: Stage,
}

impl LeadRow {
    pub fn new(ev: &CaptureEvent, account_id: Option<String>, stage: Stage) -> LeadRow {
        LeadRow {
            email: ev.email.clone(),
            user_id: ev.user_id.clone(),
            external_key: ev.external_key.clone(),
            traits: ev.traits.clone(),
            account_id,
            stage,
        }
    }

    /// Takes identifiers the lead lacks from the event; true when one was added.
    pub fn adopt_identifiers(&mut self, ev: &CaptureEvent) -> bool {
        let mut changed = false;
        if self.email.is_none() && ev.email.is_some() {
            self.email = ev.email.clone();
            changed = true;
        }
        if self.user_id.is_none() && ev.user_id.is_some() {
            self.user_id = ev.user_id.clone();
            changed = true;
        }
        if self.external_key.is_none() && ev.external_key.is_some() {
            self.external_key = ev.external_key.clone();
            changed = true;
        }
        changed
    }

    fn search_text(&self) -> String {
        let t = &self.traits;
        [
            self.email.as_ref().map(|e| e.as_str()),
            t.first_name.as_deref(),
            t.last_name.as_deref(),
            t.company.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
    }
}

pub(crate) async fn scalar(
    conn: &mut AnyConnection,
    sql: &str,
    arg: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(arg)
        .fetch_optional(conn)
        .await?)
}

pub(crate) async fn load(conn: &mut AnyConnection, id: &str) -> Result<LeadRow> {
    let r = sqlx::query(
        "SELECT email, user_id, external_key, first_name, last_name, title, phone, company, country, website, \
         consent, custom, account_id, stage FROM leads WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let custom: String = r.try_get("custom")?;
    let stage: String = r.try_get("stage")?;
    let email: Option<String> = r.try_get("email")?;
    Ok(LeadRow {
        email: email.and_then(|e| Email::parse(&e).ok()),
        user_id: r.try_get("user_id")?,
        external_key: r.try_get("external_key")?,
        traits: Traits {
            first_name: r.try_get("first_name")?,
            last_name: r.try_get("last_name")?,
            title: r.try_get("title")?,
            phone: r.try_get("phone")?,
            company: r.try_get("company")?,
            country: r.try_get("country")?,
            website: r.try_get("website")?,
            consent: r.try_get::<Option<i64>, _>("consent")?.map(|c| c != 0),
            custom: serde_json::from_str(&custom)
                .map_err(|e| StoreError::Corrupt(format!("lead {id} custom fields: {e}")))?,
        },
        account_id: r.try_get("account_id")?,
        stage: Stage::parse(&stage)
            .ok_or_else(|| StoreError::Corrupt(format!("lead {id} has stage {stage:?}")))?,
    })
}

pub(crate) async fn insert_lead(
    conn: &mut AnyConnection,
    now: i64,
    id: &str,
    row: &LeadRow,
    first: &(i64, String, Option<String>),
) -> Result<()> {
    let t = &row.traits;
    sqlx::query(
        "INSERT INTO leads (id, email, email_key, user_id, external_key, first_name, last_name, title, phone, company, \
         country, website, consent, custom, search, account_id, stage, first_touch_at, source_channel, source_campaign_id, \
         created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$21)",
    )
    .bind(id)
    .bind(row.email.as_ref().map(|e| e.as_str().to_owned()))
    .bind(row.email.as_ref().map(Email::key))
    .bind(row.user_id.as_deref())
    .bind(row.external_key.as_deref())
    .bind(t.first_name.as_deref())
    .bind(t.last_name.as_deref())
    .bind(t.title.as_deref())
    .bind(t.phone.as_deref())
    .bind(t.company.as_deref())
    .bind(t.country.as_deref())
    .bind(t.website.as_deref())
    .bind(t.consent.map(i64::from))
    .bind(serde_json::to_string(&t.custom).unwrap_or_else(|_| "{}".into()))
    .bind(row.search_text())
    .bind(row.account_id.as_deref())
    .bind(row.stage.as_str())
    .bind(first.0)
    .bind(first.1.as_str())
    .bind(first.2.as_deref())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn update(
    conn: &mut AnyConnection,
    now: i64,
    id: &str,
    row: &LeadRow,
) -> Result<()> {
    let t = &row.traits;
    sqlx::query(
        "UPDATE leads SET email = $2, email_key = $3, user_id = $4, external_key = $5, first_name = $6, last_name = $7, \
         title = $8, phone = $9, company = $10, country = $11, website = $12, consent = $13, custom = $14, search = $15, \
         account_id = $16, stage = $17, updated_at = $18 WHERE id = $1",
    )
    .bind(id)
    .bind(row.email.as_ref().map(|e| e.as_str().to_owned()))
    .bind(row.email.as_ref().map(Email::key))
    .bind(row.user_id.as_deref())
    .bind(row.external_key.as_deref())
    .bind(t.first_name.as_deref())
    .bind(t.last_name.as_deref())
    .bind(t.title.as_deref())
    .bind(t.phone.as_deref())
    .bind(t.company.as_deref())
    .bind(t.country.as_deref())
    .bind(t.website.as_deref())
    .bind(t.consent.map(i64::from))
    .bind(serde_json::to_string(&t.custom).unwrap_or_else(|_| "{}".into()))
    .bind(row.search_text())
    .bind(row.account_id.as_deref())
    .bind(row.stage.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn record_stage_change(
    conn: &mut AnyConnection,
    lead_id: &str,
    from: Option<Stage>,
    to: Stage,
    at: i64,
    by_user: Option<&str>,
    reason: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO stage_changes (id, lead_id, from_stage, to_stage, at, by_user, reason) VALUES ($1,$2,$3,$4,$5,$6,$7)")
        .bind(new_id())
        .bind(lead_id)
        .bind(from.map(Stage::as_str))
        .bind(to.as_str())
        .bind(at)
        .bind(by_user)
        .bind(reason)
        .execute(conn)
        .await?;
    Ok(())
}

/// Re-points a visitor to a lead and gives the lead the visitor's anonymous history.
pub(crate) async fn stitch_visitor(
    conn: &mut AnyConnection,
    visitor_id: &str,
    lead_id: &str,
) -> Result<()> {
    sqlx::query("UPDATE visitors SET lead_id = $1 WHERE id = $2")
        .bind(lead_id)
        .bind(visitor_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE activities SET lead_id = $1 WHERE visitor_id = $2 AND lead_id IS NULL")
        .bind(lead_id)
        .bind(visitor_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The account for a company domain, created on first sight.
pub(crate) async fn account_for_domain(
    conn: &mut AnyConnection,
    now: i64,
    domain: &str,
    name: Option<&str>,
) -> Result<String> {
    sqlx::query("INSERT INTO accounts (id, domain, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (domain) DO NOTHING")
        .bind(new_id())
        .bind(domain)
        .bind(name)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    if let Some(name) = name {
        sqlx::query("UPDATE accounts SET name = $1 WHERE domain = $2 AND name IS NULL")
            .bind(name)
            .bind(domain)
            .execute(&mut *conn)
            .await?;
    }
    scalar(conn, "SELECT id FROM accounts WHERE domain = $1", domain)
        .await?
        .ok_or(StoreError::NotFound)
}

/// A `group` call: the lead works at the company with this domain.
pub(crate) async fn attach_group_account(
    conn: &mut AnyConnection,
    now: i64,
    lead_id: &str,
    domain: &str,
    name: Option<&str>,
) -> Result<()> {
    let Some(domain) = leadline_core::registrable_domain(domain)
        .filter(|d| !leadline_core::email::is_free_mail_domain(d))
    else {
        return Ok(());
    };
    let account = account_for_domain(conn, now, &domain, name).await?;
    sqlx::query(
        "UPDATE leads SET account_id = $1, updated_at = $2 WHERE id = $3 AND account_id IS NULL",
    )
    .bind(account)
    .bind(now)
    .bind(lead_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The campaign with this name (case-insensitive), created on first sight from a touch.
pub(crate) async fn campaign_id(
    conn: &mut AnyConnection,
    ctx: &mut Ctx,
    name: &str,
    channel: Channel,
    ev: &CaptureEvent,
) -> Result<String> {
    let key = name.trim().to_lowercase();
    if let Some(id) = ctx.campaigns.get(&key) {
        return Ok(id.clone());
    }
    sqlx::query(
        "INSERT INTO campaigns (id, name, name_key, channel, utm_source, utm_medium, utm_campaign, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (name_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(name.trim())
    .bind(&key)
    .bind(channel.as_str())
    .bind(ev.utm.source.as_deref())
    .bind(ev.utm.medium.as_deref())
    .bind(ev.utm.campaign.as_deref())
    .bind(ctx.now)
    .execute(&mut *conn)
    .await?;
    let id = scalar(conn, "SELECT id FROM campaigns WHERE name_key = $1", &key)
        .await?
        .ok_or(StoreError::NotFound)?;
    ctx.campaigns.insert(key, id.clone());
    Ok(id)
}

mod merge;
pub(crate) use merge::merge_into;
