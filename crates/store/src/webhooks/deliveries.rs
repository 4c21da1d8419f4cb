//! Webhook deliveries: claimed by a worker with a lease, POSTed, then marked delivered,
//! retried on the core schedule, or dead after the last attempt.
//!
//! A delivery is claimed (`locked_until` set, `attempts` counted) before its POST and
//! marked after it. A process that dies in between leaves the lease to expire and the
//! delivery is claimed again and re-sent with the same event, so the same `webhook-id` and
//! body: at least once, never lost. PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so two
//! processes never claim the same delivery while its lease runs; SQLite's single writer
//! makes the claiming transaction enough.

use leadline_core::time::{ms, opt_ms};
use leadline_core::webhook;
use serde::Serialize;
use sqlx::Row;

use crate::capture::bulk;
use crate::capture::tx::Tx;
use crate::page::{Cursor, Page};
use crate::{Backend, Result, Store, StoreError};

/// One event's delivery to one endpoint, as the delivery log shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: String,
    /// The event's id: the `webhook-id` header, the same on every attempt.
    pub event_id: String,
    pub event_type: String,
    pub endpoint_id: String,
    /// `pending` (waiting for its first or next attempt), `delivered` or `dead`.
    pub status: String,
    pub attempts: i64,
    /// When the next attempt is due; null once delivered or dead.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub next_attempt_at: Option<i64>,
    /// The HTTP status of the last attempt; null when there was no response.
    pub last_status_code: Option<i64>,
    /// Why the last attempt failed (a status, a timeout, a refused connection).
    pub last_error: Option<String>,
    /// How long the last attempt took, in milliseconds.
    pub last_response_ms: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub delivered_at: Option<i64>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub created_at: i64,
}

/// A delivery claimed for sending: everything the POST needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery_id: String,
    pub event_id: String,
    pub event_type: String,
    pub url: String,
    /// The exact body, the same bytes on every attempt.
    pub payload: String,
    /// `whsec_…` secrets to sign with (two during a rotation).
    pub secrets: Vec<String>,
    /// This attempt's number, from 1.
    pub attempt: i64,
}

/// What one attempt came to.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    /// The response status, if one came.
    pub status_code: Option<i64>,
    /// Why it failed; `None` for a 2xx.
    pub error: Option<String>,
    pub response_ms: Option<i64>,
}

impl Attempt {
    /// A 2xx answer: delivered.
    pub fn delivered(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

const CLAIM: &str = "UPDATE webhook_deliveries SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
    WHERE id IN (SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
    WHERE d.status = 'pending' AND d.next_attempt_at <= $3 AND (d.locked_until IS NULL OR d.locked_until < $3) \
    AND e.enabled = 1 ORDER BY d.next_attempt_at, d.id LIMIT $4{lock}) RETURNING id";

const CLAIMED_SELECT: &str = "SELECT d.id AS delivery_id, d.attempts, v.id AS event_id, v.type, v.payload, e.url, e.secrets \
    FROM webhook_deliveries d JOIN webhook_events v ON v.id = d.event_id JOIN webhook_endpoints e ON e.id = d.endpoint_id";

const DELIVERY_SELECT: &str = "SELECT d.id, d.event_id, v.type, d.endpoint_id, d.status, d.attempts, d.next_attempt_at, \
    d.last_status, d.last_error, d.last_response_ms, d.delivered_at, d.created_at \
    FROM webhook_deliveries d JOIN webhook_events v ON v.id = d.event_id";

fn delivery_from(r: &sqlx::any::AnyRow) -> Result<Delivery> {
    let status: String = r.try_get("status")?;
    let next: i64 = r.try_get("next_attempt_at")?;
    Ok(Delivery {
        id: r.try_get("id")?,
        event_id: r.try_get("event_id")?,
        event_type: r.try_get("type")?,
        endpoint_id: r.try_get("endpoint_id")?,
        next_attempt_at: (status == "pending").then_some(next),
        status,
        attempts: r.try_get("attempts")?,
        last_status_code: r.try_get("last_status")?,
        last_error: r.try_get("last_error")?,
        last_response_ms: r.try_get("last_response_ms")?,
        delivered_at: r.try_get("delivered_at")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    /// Claims up to `limit` due deliveries of enabled endpoints for `lease_ms`, oldest first.
    pub async fn claim_webhook_deliveries(
        &self,
        worker: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Claimed>> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE OF d SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = CLAIM.replace("{lock}", lock);
        let mut conn = self.begin_write().await?;
        let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(worker)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
        let rows = bulk::select_in(&mut Tx::Any(&mut conn), CLAIMED_SELECT, "d.id", &ids).await?;
        conn.commit().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let secrets: String = r.try_get("secrets")?;
            out.push(Claimed {
                delivery_id: r.try_get("delivery_id")?,
                event_id: r.try_get("event_id")?,
                event_type: r.try_get("type")?,
                url: r.try_get("url")?,
                payload: r.try_get("payload")?,
                secrets: super::signing_secrets(&secrets, now)?,
                attempt: r.try_get("attempts")?,
            });
        }
        out.sort_by(|a, b| a.delivery_id.cmp(&b.delivery_id));
        Ok(out)
    }

    /// Records the outcome of attempt `c.attempt`: delivered on a 2xx; otherwise due again
    /// after [`webhook::retry_delay_ms`] (`jitter`, 0 to 1, stretches the wait), or dead
    /// after the last attempt. Ignored when another worker took the delivery over meanwhile.
    pub async fn record_webhook_attempt(
        &self,
        c: &Claimed,
        worker: &str,
        a: &Attempt,
        now: i64,
        jitter: f64,
    ) -> Result<()> {
        let attempt = u32::try_from(c.attempt).unwrap_or(u32::MAX);
        let (status, next, delivered_at) = if a.delivered() {
            ("delivered", now, Some(now))
        } else {
            match webhook::retry_delay_ms(attempt, jitter) {
                Some(wait) => ("pending", now.saturating_add(wait), None),
                None => ("dead", now, None),
            }
        };
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $3, next_attempt_at = $4, delivered_at = $5, last_status = $6, \
             last_error = $7, last_response_ms = $8, locked_by = NULL, locked_until = NULL \
             WHERE id = $1 AND locked_by = $2",
        )
        .bind(&c.delivery_id)
        .bind(worker)
        .bind(status)
        .bind(next)
        .bind(delivered_at)
        .bind(a.status_code)
        .bind(a.error.as_deref())
        .bind(a.response_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Endpoint `endpoint_id`'s delivery log, newest first.
    pub async fn webhook_deliveries(
        &self,
        endpoint_id: &str,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Delivery>> {
        self.webhook(endpoint_id).await?;
        let limit = limit.clamp(1, 200);
        let sql = format!(
            "{DELIVERY_SELECT} WHERE d.endpoint_id = $1 AND ($2 = '' OR d.id < $2) ORDER BY d.id DESC LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(endpoint_id)
            .bind(after.map(|c| c.id.as_str()).unwrap_or(""))
            .bind(limit as i64 + 1)
            .fetch_all(&self.pool)
            .await?;
        let items = rows.iter().map(delivery_from).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |d| Cursor {
            key: None,
            id: d.id.clone(),
        }))
    }

    /// One delivery of endpoint `endpoint_id`.
    pub async fn webhook_delivery(&self, endpoint_id: &str, id: &str) -> Result<Delivery> {
        let sql = format!("{DELIVERY_SELECT} WHERE d.endpoint_id = $1 AND d.id = $2");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(endpoint_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        delivery_from(&r)
    }

    /// Sends a delivery again, now, with the same event id and body, whatever its status;
    /// its retry schedule starts over.
    pub async fn redeliver_webhook(
        &self,
        endpoint_id: &str,
        id: &str,
        now: i64,
    ) -> Result<Delivery> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $3, \
             locked_by = NULL, locked_until = NULL WHERE endpoint_id = $1 AND id = $2",
        )
        .bind(endpoint_id)
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.webhook_delivery(endpoint_id, id).await
    }

    /// Deliveries still to make (pending, of enabled endpoints), for `/metrics` and tests.
    pub async fn pending_webhook_deliveries(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             WHERE d.status = 'pending' AND e.enabled = 1",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}
