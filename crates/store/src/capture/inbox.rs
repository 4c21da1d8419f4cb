//! The ingest inbox: tracking events are acknowledged once they are durably queued, and the
//! capture pipeline applies them in large chunks behind the acknowledgement.
//!
//! Why: applying an event writes into several indexes keyed by random values (message id,
//! visitor, lead), and on a B-tree each commit rewrites every page it touched. Small commits
//! (one HTTP request's worth) touch a page per row; large chunks share pages between rows.
//! Appending a whole request to the inbox is one sequential row. Segment's and RudderStack's
//! gateways work the same way: accept into a durable queue, process behind it.
//!
//! On SQLite the inbox is a second file beside the database (`leadline.db-inbox`) with its
//! own write lock, so queueing never waits for a chunk being applied. Applying is idempotent
//! (message ids), so a crash between applying a chunk and deleting it from the inbox only
//! means the chunk is applied again, as duplicates, which are ignored. On PostgreSQL the inbox
//! is a table of the main database; a chunk is claimed with `FOR UPDATE SKIP LOCKED`, applied
//! and deleted in one transaction, so several servers share the work.

use std::time::Duration;

use leadline_core::CaptureEvent;
use sqlx::any::AnyPoolOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor, Row};
use tokio::sync::{mpsc, oneshot};

use super::bulk::{self, Arg};
use crate::{Result, Store, StoreError, now_ms};

/// Events applied per chunk at most (a chunk ends at a request boundary).
pub(super) const CHUNK_EVENTS: usize = 20_000;
/// Requests read per chunk at most.
pub(super) const CHUNK_REQUESTS: i64 = 256;

const SIDECAR_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS inbox (
  seq INTEGER PRIMARY KEY, received_at BIGINT NOT NULL, events BIGINT NOT NULL,
  payload TEXT NOT NULL, last_error TEXT)";

/// Opens the SQLite inbox beside the database file (in memory for an in-memory database).
pub(crate) async fn open_sidecar(db_file: Option<&str>) -> Result<AnyPool> {
    let memory = db_file.is_none();
    let inbox_url = match db_file {
        Some(path) => format!("sqlite://{path}-inbox?mode=rwc"),
        None => "sqlite::memory:".to_owned(),
    };
    let options = crate::db::quiet_options(&inbox_url)?;
    let pool = AnyPoolOptions::new()
        // One connection for an in-memory inbox: each connection would be its own database.
        .max_connections(if memory { 1 } else { 4 })
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
                )
                .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    pool.execute(SIDECAR_SCHEMA).await?;
    Ok(pool)
}

struct Request {
    events: Vec<CaptureEvent>,
    reply: oneshot::Sender<Result<()>>,
}

/// A handle on the task that appends requests to the inbox, many per commit.
#[derive(Clone)]
pub(super) struct Queue {
    tx: mpsc::Sender<Request>,
}

impl Queue {
    /// Starts the queueing task; `queued` is told after every commit.
    pub fn start(store: Store, queued: std::sync::Arc<tokio::sync::Notify>) -> Queue {
        let (tx, rx) = mpsc::channel::<Request>(1024);
        tokio::spawn(append_loop(store, rx, queued));
        Queue { tx }
    }

    /// Appends `events` to the inbox; returns once they are committed.
    pub async fn push(&self, events: Vec<CaptureEvent>) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Request { events, reply })
            .await
            .map_err(|_| StoreError::Corrupt("the inbox writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Corrupt("the inbox writer dropped the request".into()))?
    }
}

async fn append_loop(
    store: Store,
    mut rx: mpsc::Receiver<Request>,
    queued: std::sync::Arc<tokio::sync::Notify>,
) {
    let mut conn = None;
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < bulk::CHUNK {
            match rx.try_recv() {
                Ok(r) => group.push(r),
                Err(_) => break,
            }
        }
        let result = append_group(&store, &mut conn, &group).await;
        match &result {
            Ok(()) => queued.notify_one(),
            Err(e) => {
                tracing::warn!(error = %e, "appending to the inbox failed");
                // The connection may be broken; the next group starts on a fresh one.
                conn = None;
            }
        }
        for r in group {
            let answer = match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(StoreError::Corrupt(e.to_string())),
            };
            let _ = r.reply.send(answer);
        }
    }
}

/// Appends one row per request, all in one transaction, on the kept connection.
async fn append_group(
    store: &Store,
    conn: &mut Option<PoolConnection<Any>>,
    group: &[Request],
) -> Result<()> {
    let rows = group
        .iter()
        .map(|r| {
            let payload = serde_json::to_string(&r.events)
                .map_err(|e| StoreError::Corrupt(format!("an event does not encode: {e}")))?;
            Ok(vec![
                now_ms().into(),
                (r.events.len() as i64).into(),
                payload.into(),
            ])
        })
        .collect::<Result<Vec<Vec<Arg>>>>()?;
    let c = match conn.take() {
        Some(c) => c,
        None => store.inbox.acquire().await?,
    };
    append(conn.insert(c), rows).await
}

async fn append(conn: &mut AnyConnection, rows: Vec<Vec<Arg>>) -> Result<()> {
    let mut tx = sqlx::Connection::begin(conn).await?;
    bulk::insert(
        &mut super::tx::Tx::Any(&mut tx),
        "inbox (received_at, events, payload)",
        "",
        rows,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Requests read from the inbox, oldest first, with their events decoded.
pub(super) struct Chunk {
    pub last_seq: i64,
    pub seqs: Vec<i64>,
    pub batches: Vec<Vec<CaptureEvent>>,
    /// Requests that do not decode (written by another version?): `(seq, payload, error)`.
    pub undecodable: Vec<(i64, String, String)>,
}

impl Chunk {
    pub fn events(&self) -> usize {
        self.batches.iter().map(Vec::len).sum()
    }
}

/// Decodes requests oldest first, stopping after the one that reaches `max_events`.
fn decode(rows: Vec<sqlx::any::AnyRow>, max_events: usize) -> Result<Chunk> {
    let mut rows: Vec<(i64, String)> = rows
        .iter()
        .map(|r| Ok((r.try_get("seq")?, r.try_get("payload")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    rows.sort_by_key(|r| r.0);
    let mut chunk = Chunk {
        last_seq: 0,
        seqs: Vec::with_capacity(rows.len()),
        batches: Vec::with_capacity(rows.len()),
        undecodable: Vec::new(),
    };
    for (seq, payload) in rows {
        if chunk.events() >= max_events {
            break;
        }
        chunk.last_seq = seq;
        match serde_json::from_str::<Vec<CaptureEvent>>(&payload) {
            Ok(events) => {
                chunk.seqs.push(seq);
                chunk.batches.push(events);
            }
            Err(e) => chunk
                .undecodable
                .push((seq, payload, format!("does not decode: {e}"))),
        }
    }
    Ok(chunk)
}

/// Reads the oldest requests of the SQLite inbox (they stay there until [`forget`]).
pub(super) async fn peek(store: &Store) -> Result<Chunk> {
    let rows = sqlx::query(
        "SELECT seq, payload FROM inbox WHERE last_error IS NULL ORDER BY seq LIMIT $1",
    )
    .bind(CHUNK_REQUESTS)
    .fetch_all(&store.inbox)
    .await?;
    let chunk = decode(rows, CHUNK_EVENTS)?;
    for (seq, _, error) in &chunk.undecodable {
        mark_failed(store, *seq, error).await?;
    }
    Ok(chunk)
}

/// Deletes the SQLite inbox's requests up to `last_seq`, once they are applied.
pub(super) async fn forget(store: &Store, last_seq: i64) -> Result<()> {
    sqlx::query("DELETE FROM inbox WHERE seq <= $1 AND last_error IS NULL")
        .bind(last_seq)
        .execute(&store.inbox)
        .await?;
    Ok(())
}

/// Deletes the given SQLite inbox requests (after a chunk was applied request by request).
pub(super) async fn forget_each(store: &Store, seqs: &[i64]) -> Result<()> {
    for seq in seqs {
        sqlx::query("DELETE FROM inbox WHERE seq = $1")
            .bind(*seq)
            .execute(&store.inbox)
            .await?;
    }
    Ok(())
}

/// An arbitrary constant naming the PostgreSQL lock of the inbox applier.
const APPLIER_LOCK: i64 = 0x4c4c_494e_424f_5831;

/// Takes the inbox applier's lock for the rest of `tx`; false when another server holds it.
pub(super) async fn try_lock_applier(tx: &mut AnyConnection) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(APPLIER_LOCK)
        .fetch_one(&mut *tx)
        .await?)
}

/// Claims and deletes the oldest unclaimed requests of the PostgreSQL inbox inside `tx`:
/// they are gone when `tx` commits and back when it rolls back.
pub(super) async fn claim(tx: &mut AnyConnection, requests: i64) -> Result<Chunk> {
    let rows = sqlx::query(
        "DELETE FROM inbox WHERE seq IN (SELECT seq FROM inbox WHERE last_error IS NULL \
         ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING seq, payload",
    )
    .bind(requests)
    .fetch_all(&mut *tx)
    .await?;
    // Every claimed request is deleted on commit, so every one must be applied or set aside.
    let chunk = decode(rows, usize::MAX)?;
    for (seq, payload, error) in &chunk.undecodable {
        sqlx::query("INSERT INTO inbox (seq, received_at, events, payload, last_error) VALUES ($1, $2, 0, $3, $4)")
            .bind(*seq)
            .bind(now_ms())
            .bind(payload.as_str())
            .bind(error.as_str())
            .execute(&mut *tx)
            .await?;
    }
    Ok(chunk)
}

/// Marks one inbox request as failing, with the error, so the rest of the inbox moves on.
/// It stays in the inbox (counted by [`Store::inbox_depth`]) for an operator to look at.
pub(super) async fn mark_failed(store: &Store, seq: i64, error: &str) -> Result<()> {
    sqlx::query("UPDATE inbox SET last_error = $1 WHERE seq = $2")
        .bind(error)
        .bind(seq)
        .execute(&store.inbox)
        .await?;
    Ok(())
}

/// How much of the inbox is waiting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct InboxDepth {
    /// Events waiting to be applied.
    pub waiting: i64,
    /// Events in requests that failed to apply and were set aside.
    pub failed: i64,
}

impl Store {
    /// How many acknowledged tracking events wait in the inbox, and how many failed.
    pub async fn inbox_depth(&self) -> Result<InboxDepth> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN last_error IS NULL THEN events ELSE 0 END), 0) AS BIGINT) AS waiting, \
             CAST(COALESCE(SUM(CASE WHEN last_error IS NULL THEN 0 ELSE events END), 0) AS BIGINT) AS failed FROM inbox",
        )
        .fetch_one(&self.inbox)
        .await?;
        Ok(InboxDepth {
            waiting: row.try_get("waiting")?,
            failed: row.try_get("failed")?,
        })
    }

    /// Waits until no tracking event waits in the inbox (tests and benches; polls every
    /// 20 ms, gives up after `timeout`).
    pub async fn wait_for_inbox(&self, timeout: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.inbox_depth().await?.waiting == 0 {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(StoreError::Corrupt(format!(
                    "the inbox was not empty after {timeout:?}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
