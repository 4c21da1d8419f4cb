//! Outgoing webhooks (issue 5): endpoints, the events recorded for them in the same
//! transaction as their cause, and their deliveries, which a worker claims with a lease,
//! POSTs and marks (see `webhooks/deliveries.rs`).
//!
//! [`emit`] fans an event out to the endpoints subscribed to it *now*: an endpoint added
//! later never receives older events, and when no enabled endpoint subscribes (the usual
//! case during a bulk import) it writes nothing at all and costs one indexed read of a tiny
//! table per call; [`emit_many`] does the same for a batch in two multi-row inserts.

use leadline_core::time::{ms, rfc3339};
use leadline_core::webhook::{self, EventType, SECRET_BYTES, Secret};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;

use crate::capture::bulk::{self, Arg};
use crate::capture::tx::Tx;
use crate::{Result, Store, StoreError, new_id};

mod deliveries;

pub use deliveries::{Attempt, Claimed, Delivery};

/// Event type names, as [`EventType::as_str`] spells them (for [`emit`]'s callers).
pub const LEAD_CREATED: &str = "lead.created";
pub const LEAD_BECAME_MQL: &str = "lead.became_mql";
pub const LEAD_ASSIGNED: &str = "lead.assigned";
pub const SLA_BREACHED: &str = "sla.breached";
pub const OPPORTUNITY_WON: &str = "opportunity.won";
pub const OPPORTUNITY_LOST: &str = "opportunity.lost";

/// How long a rotated-out secret keeps signing deliveries next to the new one.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3_600_000;

/// A webhook endpoint, as listed (its secrets are never shown again after creation).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub description: String,
    /// The event types sent to it; empty: every type.
    pub event_types: Vec<String>,
    pub enabled: bool,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub created_at: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub updated_at: i64,
}

/// An endpoint with its new signing secret, returned once: at creation and at rotation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// `whsec_…`: keep it, it is not shown again.
    pub secret: String,
}

/// What an update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// One signing secret as stored.
#[derive(Debug, Clone, serde::Deserialize, Serialize)]
struct StoredSecret {
    secret: String,
    expires_at: Option<i64>,
}

/// Checks an endpoint's URL and event types; the stored spelling of the types (`None`: all).
fn checked(url: &str, event_types: &[String]) -> Result<Option<String>> {
    webhook::check_url(url.trim()).map_err(|m| StoreError::Invalid(format!("url: {m}")))?;
    let mut types = Vec::new();
    for t in event_types {
        let t = t.trim();
        if t.is_empty() || t == "*" {
            continue;
        }
        let e = EventType::parse(t)
            .ok_or_else(|| StoreError::Invalid(format!("event_types: unknown event type {t:?}")))?;
        if !types.contains(&e.as_str()) {
            types.push(e.as_str());
        }
    }
    Ok((!types.is_empty()).then(|| format!(",{},", types.join(","))))
}

fn new_secret() -> Secret {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::fill(&mut bytes[..]);
    Secret::from_bytes(bytes)
}

const ENDPOINT_COLUMNS: &str =
    "id, url, description, event_types, enabled, created_at, updated_at, secrets";

fn endpoint_from(r: &sqlx::any::AnyRow) -> Result<Endpoint> {
    let types: Option<String> = r.try_get("event_types")?;
    Ok(Endpoint {
        id: r.try_get("id")?,
        url: r.try_get("url")?,
        description: r.try_get("description")?,
        event_types: types
            .unwrap_or_default()
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

impl Store {
    /// Adds an endpoint with a new signing secret, returned this once.
    pub async fn create_webhook(
        &self,
        url: &str,
        description: &str,
        event_types: &[String],
        now: i64,
    ) -> Result<EndpointWithSecret> {
        let types = checked(url, event_types)?;
        let secret = new_secret();
        let secrets = serde_json::to_string(&[StoredSecret {
            secret: secret.reveal(),
            expires_at: None,
        }])
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, url, description, event_types, secrets, enabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
        )
        .bind(&id)
        .bind(url.trim())
        .bind(description.trim())
        .bind(types)
        .bind(secrets)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(EndpointWithSecret {
            endpoint: self.webhook(&id).await?,
            secret: secret.reveal(),
        })
    }

    /// One endpoint.
    pub async fn webhook(&self, id: &str) -> Result<Endpoint> {
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        endpoint_from(&r)
    }

    /// Every endpoint, oldest first (there are a handful).
    pub async fn webhooks(&self) -> Result<Vec<Endpoint>> {
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(endpoint_from)
            .collect()
    }

    /// Changes an endpoint's URL, description, subscriptions or enabled flag. Deliveries
    /// already recorded keep waiting while it is disabled and go out when it is enabled.
    pub async fn update_webhook(&self, id: &str, c: &EndpointChange, now: i64) -> Result<Endpoint> {
        let old = self.webhook(id).await?;
        let url = c.url.as_deref().unwrap_or(&old.url);
        let types = checked(url, c.event_types.as_ref().unwrap_or(&old.event_types))?;
        sqlx::query(
            "UPDATE webhook_endpoints SET url = $2, description = $3, event_types = $4, enabled = $5, updated_at = $6 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(url.trim())
        .bind(c.description.as_deref().unwrap_or(&old.description).trim())
        .bind(types)
        .bind(i64::from(c.enabled.unwrap_or(old.enabled)))
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.webhook(id).await
    }

    /// Deletes an endpoint and its delivery log.
    pub async fn delete_webhook(&self, id: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Gives an endpoint a new secret, returned this once; the previous one keeps signing
    /// too for [`ROTATION_OVERLAP_MS`], so receivers can switch without losing deliveries.
    pub async fn rotate_webhook_secret(&self, id: &str, now: i64) -> Result<EndpointWithSecret> {
        let mut tx = self.begin_write().await?;
        let text: String =
            sqlx::query_scalar("SELECT secrets FROM webhook_endpoints WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        let old: Vec<StoredSecret> =
            serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let secret = new_secret();
        let mut secrets = vec![StoredSecret {
            secret: secret.reveal(),
            expires_at: None,
        }];
        // Only the newest old secret stays, for the overlap; older ones are dropped.
        if let Some(prev) = old
            .into_iter()
            .find(|s| s.expires_at.is_none_or(|t| t > now))
        {
            secrets.push(StoredSecret {
                secret: prev.secret,
                expires_at: Some(now + ROTATION_OVERLAP_MS),
            });
        }
        let text =
            serde_json::to_string(&secrets).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE webhook_endpoints SET secrets = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(text)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(EndpointWithSecret {
            endpoint: self.webhook(id).await?,
            secret: secret.reveal(),
        })
    }

    /// Records a `ping` event for endpoint `id` alone (whatever it subscribes to, enabled
    /// or not: the worker sends it once the endpoint is enabled). Returns the event id.
    pub async fn ping_webhook(&self, id: &str, now: i64) -> Result<String> {
        self.webhook(id).await?;
        let mut conn = self.begin_write().await?;
        let event_id = {
            let mut tx = Tx::Any(&mut conn);
            let data = serde_json::json!({ "endpoint_id": id });
            record(&mut tx, &[id.to_owned()], webhook::PING, &[data], now)
                .await?
                .pop()
                .unwrap_or_default()
        };
        conn.commit().await?;
        Ok(event_id)
    }
}

/// Records `event_type` with `data` for every enabled endpoint subscribed to it, in the
/// caller's transaction: committed with its cause, or not at all.
pub(crate) async fn emit(tx: &mut Tx<'_>, event_type: &str, data: &Value, now: i64) -> Result<()> {
    emit_many(tx, event_type, std::slice::from_ref(data), now).await
}

/// [`emit`] for many events of one type (a bulk import's new leads).
pub(crate) async fn emit_many(
    tx: &mut Tx<'_>,
    event_type: &str,
    data: &[Value],
    now: i64,
) -> Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    let subs = subscribers(tx, event_type).await?;
    record(tx, &subs, event_type, data, now).await?;
    Ok(())
}

/// The enabled endpoints subscribed to `event_type`. Callers with costly payloads check
/// this first and build nothing when it is empty.
pub(crate) async fn subscribers(tx: &mut Tx<'_>, event_type: &str) -> Result<Vec<String>> {
    let rows = tx
        .fetch_all(
            "SELECT id FROM webhook_endpoints WHERE enabled = 1 AND (event_types IS NULL OR event_types LIKE $1)",
            vec![format!("%,{event_type},%").into()],
        )
        .await?;
    rows.iter().map(|r| r.try_get("id")).collect()
}

/// Writes one event per `data` and a pending delivery of each to every endpoint of
/// `endpoints`; nothing when `endpoints` is empty. Returns the event ids.
pub(crate) async fn record(
    tx: &mut Tx<'_>,
    endpoints: &[String],
    event_type: &str,
    data: &[Value],
    now: i64,
) -> Result<Vec<String>> {
    if endpoints.is_empty() {
        return Ok(Vec::new());
    }
    let timestamp = rfc3339(now);
    let (mut events, mut deliveries, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    for d in data {
        let id = new_id();
        let payload = serde_json::json!({ "type": event_type, "timestamp": timestamp, "data": d });
        events.push(vec![
            Arg::from(id.as_str()),
            event_type.into(),
            payload.to_string().into(),
            now.into(),
        ]);
        for ep in endpoints {
            deliveries.push(vec![
                new_id().into(),
                id.as_str().into(),
                ep.as_str().into(),
                "pending".into(),
                now.into(),
                now.into(),
            ]);
        }
        ids.push(id);
    }
    bulk::insert(
        tx,
        "webhook_events (id, type, payload, created_at)",
        "",
        events,
    )
    .await?;
    bulk::insert(
        tx,
        "webhook_deliveries (id, event_id, endpoint_id, status, next_attempt_at, created_at)",
        "",
        deliveries,
    )
    .await?;
    Ok(ids)
}

/// The secrets that sign a delivery at `now`: the current one and, during a rotation's
/// overlap, the previous one.
pub(crate) fn signing_secrets(stored: &str, now: i64) -> Result<Vec<String>> {
    let all: Vec<StoredSecret> =
        serde_json::from_str(stored).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(all
        .into_iter()
        .filter(|s| s.expires_at.is_none_or(|t| t > now))
        .map(|s| s.secret)
        .collect())
}
