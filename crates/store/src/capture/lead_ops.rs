//! The SQL the capture pipeline runs on leads, visitors, accounts and campaigns.

use leadline_core::{CaptureEvent, Channel, Email, Stage, Traits};
use std::collections::{BTreeMap, HashMap};

use super::bulk::Arg;
use super::tx::{DbRow, Tx};
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
    /// When each profile field got its current value (epoch ms): predictive scoring uses
    /// only values known before a lead's outcome.
    pub field_times: BTreeMap<String, i64>,
}

impl LeadRow {
    pub fn new(ev: &CaptureEvent, account_id: Option<String>, stage: Stage, at: i64) -> LeadRow {
        let mut row = LeadRow {
            email: ev.email.clone(),
            user_id: ev.user_id.clone(),
            external_key: ev.external_key.clone(),
            traits: ev.traits.clone(),
            account_id,
            stage,
            field_times: BTreeMap::new(),
        };
        row.stamp(&Traits::default(), at);
        row
    }

    /// Records `at` as the time of every field whose value differs from `before`.
    pub fn stamp(&mut self, before: &Traits, at: i64) {
        for f in self.traits.changed_fields(before) {
            if self.traits.get(&f).is_some() {
                self.field_times.insert(f, at);
            } else {
                self.field_times.remove(&f);
            }
        }
    }

    pub(crate) fn field_times_json(&self) -> String {
        serde_json::to_string(&self.field_times).unwrap_or_else(|_| "{}".into())
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

    pub(crate) fn search_text(&self) -> String {
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

pub(crate) async fn scalar(conn: &mut Tx<'_>, sql: &str, arg: &str) -> Result<Option<String>> {
    match conn.fetch_optional(sql, vec![arg.into()]).await? {
        Some(r) => Ok(Some(r.try_get("id")?)),
        None => Ok(None),
    }
}

/// The columns [`lead_row_from`] reads, for selects that read more beside them (scoring,
/// predictive features) without a copy of the list.
macro_rules! lead_row_columns {
    () => {
        "id, email, user_id, external_key, first_name, last_name, title, phone, company, country, website, \
         consent, custom, account_id, stage, field_times"
    };
}
pub(crate) use lead_row_columns;

/// The lead columns the pipeline reads, for `bulk::select_in`.
pub(crate) const LEAD_SELECT: &str = concat!("SELECT ", lead_row_columns!(), " FROM leads");

/// Reads a row of [`LEAD_SELECT`].
pub(crate) fn lead_row_from(r: &DbRow) -> Result<(String, LeadRow)> {
    let id: String = r.try_get("id")?;
    let custom: String = r.try_get("custom")?;
    let stage: String = r.try_get("stage")?;
    let field_times: String = r.try_get("field_times")?;
    let email: Option<String> = r.try_get("email")?;
    let row = LeadRow {
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
            consent: r.try_get::<Option<i64>>("consent")?.map(|c| c != 0),
            custom: serde_json::from_str(&custom)
                .map_err(|e| StoreError::Corrupt(format!("lead {id} custom fields: {e}")))?,
        },
        account_id: r.try_get("account_id")?,
        stage: Stage::parse(&stage)
            .ok_or_else(|| StoreError::Corrupt(format!("lead {id} has stage {stage:?}")))?,
        field_times: serde_json::from_str(&field_times)
            .map_err(|e| StoreError::Corrupt(format!("lead {id} field times: {e}")))?,
    };
    Ok((id, row))
}

pub(crate) async fn load(conn: &mut Tx<'_>, id: &str) -> Result<LeadRow> {
    let sql = format!("{LEAD_SELECT} WHERE id = $1");
    let r = conn
        .fetch_optional(&sql, vec![id.into()])
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(lead_row_from(&r)?.1)
}

/// The columns of a new lead, for a multi-row insert built with [`insert_args`].
pub(crate) const LEAD_INSERT_HEAD: &str = "leads (id, email, email_key, user_id, external_key, first_name, last_name, title, phone, company, \
     country, website, consent, custom, search, account_id, stage, first_touch_at, source_channel, source_campaign_id, created_at, updated_at, field_times, heard_about)";

/// One new lead's values, in [`LEAD_INSERT_HEAD`] order.
pub(crate) fn insert_args(
    id: &str,
    row: &LeadRow,
    first: Option<&(i64, String, Option<String>)>,
    created_at: i64,
    now: i64,
) -> Vec<Arg> {
    let t = &row.traits;
    vec![
        id.into(),
        row.email.as_ref().map(|e| e.as_str().to_owned()).into(),
        row.email.as_ref().map(Email::key).into(),
        row.user_id.clone().into(),
        row.external_key.clone().into(),
        t.first_name.clone().into(),
        t.last_name.clone().into(),
        t.title.clone().into(),
        t.phone.clone().into(),
        t.company.clone().into(),
        t.country.clone().into(),
        t.website.clone().into(),
        t.consent.map(i64::from).into(),
        serde_json::to_string(&t.custom)
            .unwrap_or_else(|_| "{}".into())
            .into(),
        row.search_text().into(),
        row.account_id.clone().into(),
        row.stage.as_str().into(),
        first.map(|f| f.0).into(),
        first.map(|f| f.1.clone()).into(),
        first.and_then(|f| f.2.clone()).into(),
        created_at.into(),
        now.into(),
        row.field_times_json().into(),
        heard_about(&t.custom).into(),
    ]
}

/// The normalised channel of a "how did you hear about us" answer in the custom fields
/// (`heard_about`, or Segment's `how_did_you_hear`): `other` when it names no channel we
/// know, `None` when there is no answer.
pub(crate) fn heard_about(custom: &BTreeMap<String, String>) -> Option<String> {
    let answer = custom
        .get("heard_about")
        .or_else(|| custom.get("how_did_you_hear"))
        .or_else(|| custom.get("how_did_you_hear_about_us"))
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())?;
    Some(
        leadline_core::channel::heard_about(answer)
            .map(|c| c.as_str().to_owned())
            .unwrap_or_else(|| "other".into()),
    )
}

pub(crate) async fn update(conn: &mut Tx<'_>, now: i64, id: &str, row: &LeadRow) -> Result<()> {
    let t = &row.traits;
    conn.execute(
        "UPDATE leads SET email = $2, email_key = $3, user_id = $4, external_key = $5, first_name = $6, last_name = $7, \
         title = $8, phone = $9, company = $10, country = $11, website = $12, consent = $13, custom = $14, search = $15, \
         account_id = $16, stage = $17, updated_at = $18, field_times = $19, \
         heard_about = COALESCE(heard_about, $20) WHERE id = $1",
        vec![
            id.into(),
            row.email.as_ref().map(|e| e.as_str().to_owned()).into(),
            row.email.as_ref().map(Email::key).into(),
            row.user_id.as_deref().into(),
            row.external_key.as_deref().into(),
            t.first_name.as_deref().into(),
            t.last_name.as_deref().into(),
            t.title.as_deref().into(),
            t.phone.as_deref().into(),
            t.company.as_deref().into(),
            t.country.as_deref().into(),
            t.website.as_deref().into(),
            t.consent.map(i64::from).into(),
            serde_json::to_string(&t.custom)
                .unwrap_or_else(|_| "{}".into())
                .into(),
            row.search_text().into(),
            row.account_id.as_deref().into(),
            row.stage.as_str().into(),
            now.into(),
            row.field_times_json().into(),
            heard_about(&t.custom).into(),
        ],
    )
    .await?;
    Ok(())
}

/// The account for a company domain, created on first sight.
pub(crate) async fn account_for_domain(
    conn: &mut Tx<'_>,
    now: i64,
    domain: &str,
    name: Option<&str>,
) -> Result<String> {
    conn.execute(
        "INSERT INTO accounts (id, domain, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (domain) DO NOTHING",
        vec![new_id().into(), domain.into(), name.into(), now.into()],
    )
    .await?;
    if let Some(name) = name {
        conn.execute(
            "UPDATE accounts SET name = $1 WHERE domain = $2 AND name IS NULL",
            vec![name.into(), domain.into()],
        )
        .await?;
    }
    // A merged account's domain leads to the account it was merged into.
    scalar(
        conn,
        "SELECT COALESCE(merged_into, id) AS id FROM accounts WHERE domain = $1",
        domain,
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// The campaign a touch names, by its name or its UTM campaign key (case-insensitive);
/// created on first sight, so a new `utm_campaign` shows up as a campaign to fill in.
pub(crate) async fn campaign_id(
    conn: &mut Tx<'_>,
    cache: &mut HashMap<String, String>,
    now: i64,
    name: &str,
    channel: Channel,
    ev: &CaptureEvent,
) -> Result<String> {
    let key = name.trim().to_lowercase();
    if let Some(id) = cache.get(&key) {
        return Ok(id.clone());
    }
    let found = scalar(
        conn,
        "SELECT id FROM campaigns WHERE name_key = $1 OR LOWER(utm_campaign) = $1 ORDER BY CASE WHEN name_key = $1 THEN 0 ELSE 1 END, id LIMIT 1",
        &key,
    )
    .await?;
    let id = match found {
        Some(id) => id,
        None => {
            conn.execute(
                "INSERT INTO campaigns (id, name, name_key, channel, utm_source, utm_medium, utm_campaign, created_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (name_key) DO NOTHING",
                vec![
                    new_id().into(),
                    name.trim().into(),
                    key.as_str().into(),
                    channel.as_str().into(),
                    ev.utm.source.as_deref().into(),
                    ev.utm.medium.as_deref().into(),
                    ev.utm.campaign.as_deref().into(),
                    now.into(),
                ],
            )
            .await?;
            scalar(conn, "SELECT id FROM campaigns WHERE name_key = $1", &key)
                .await?
                .ok_or(StoreError::NotFound)?
        }
    };
    cache.insert(key, id.clone());
    Ok(id)
}

mod merge;
pub(crate) use merge::{How, merge_into, merge_lead};
