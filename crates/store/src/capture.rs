//! The capture pipeline's writer: every lead and activity, from any source, enters here.
//!
//! Callers hand a batch of [`CaptureEvent`]s to a [`Capturer`] and wait for the answer. One
//! writer task per process drains whatever batches are waiting and applies them in a single
//! transaction (group commit): one commit, and so one WAL sync, for many requests. The answer
//! is sent only after the commit, so "acknowledged" always means "durable".

use leadline_core::CaptureEvent;
use sqlx::Any;
use sqlx::pool::PoolConnection;
use tokio::sync::{mpsc, oneshot};

use crate::{Result, Store, StoreError};

mod apply;
mod bulk;
mod lead_ops;
mod pipeline;
mod unit;

pub use pipeline::Pipeline;

/// What capturing one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureOutcome {
    /// A new lead was created.
    Created { lead_id: String },
    /// An existing lead learned something new.
    Updated { lead_id: String },
    /// An existing lead got the activity; its profile was already up to date.
    Unchanged { lead_id: String },
    /// Matched an existing lead, left untouched by request (`on_duplicate = skip`).
    Skipped { lead_id: String },
    /// Recorded for an anonymous visitor (no person known yet).
    Anonymous,
    /// The message id was seen before: acknowledged, nothing stored.
    Duplicate,
}

impl CaptureOutcome {
    /// The lead the event ended up on, if any.
    pub fn lead_id(&self) -> Option<&str> {
        match self {
            CaptureOutcome::Created { lead_id }
            | CaptureOutcome::Updated { lead_id }
            | CaptureOutcome::Unchanged { lead_id }
            | CaptureOutcome::Skipped { lead_id } => Some(lead_id),
            CaptureOutcome::Anonymous | CaptureOutcome::Duplicate => None,
        }
    }
}

/// The outcomes of one submitted batch, in the order of its events.
pub type Captured = Vec<CaptureOutcome>;

struct Request {
    events: Vec<CaptureEvent>,
    reply: oneshot::Sender<Result<Captured>>,
}

/// A handle on the writer task; clone it freely.
#[derive(Clone)]
pub struct Capturer {
    tx: mpsc::Sender<Request>,
}

/// Events applied per transaction at most; more waiting requests go in the next one.
const GROUP_LIMIT: usize = 5_000;

impl Capturer {
    /// Starts the writer task on the current tokio runtime.
    pub fn start(store: Store) -> Capturer {
        let (tx, rx) = mpsc::channel::<Request>(1024);
        tokio::spawn(writer(store, rx));
        Capturer { tx }
    }

    /// Captures a batch and returns once it is committed.
    pub async fn capture(&self, events: Vec<CaptureEvent>) -> Result<Captured> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Request { events, reply })
            .await
            .map_err(|_| StoreError::Corrupt("capture writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Corrupt("capture writer dropped the request".into()))?
    }
}

/// The writer keeps one connection for as long as it works: SQLite drops a connection's page
/// cache whenever another connection wrote since its last transaction, so a writer hopping
/// between pooled connections would re-read its indexes from disk on every commit.
struct Writer {
    store: Store,
    conn: Option<PoolConnection<Any>>,
}

impl Writer {
    async fn apply(&mut self, batches: &[&[CaptureEvent]]) -> Result<Vec<Captured>> {
        let conn = match &mut self.conn {
            Some(c) => c,
            None => self.conn.insert(self.store.pool.acquire().await?),
        };
        let result = apply::apply_group(conn, self.store.backend(), batches).await;
        if result.is_err() {
            // The connection may be broken; the next group starts on a fresh one.
            self.conn = None;
        }
        result
    }
}

async fn writer(store: Store, mut rx: mpsc::Receiver<Request>) {
    let mut w = Writer { store, conn: None };
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        let mut size = group[0].events.len();
        while size < GROUP_LIMIT {
            match rx.try_recv() {
                Ok(r) => {
                    size += r.events.len();
                    group.push(r);
                }
                Err(_) => break,
            }
        }
        let batches: Vec<&[CaptureEvent]> = group.iter().map(|r| r.events.as_slice()).collect();
        match w.apply(&batches).await {
            Ok(results) => {
                for (req, res) in group.into_iter().zip(results) {
                    let _ = req.reply.send(Ok(res));
                }
            }
            // One request's failure must not fail its neighbours: retry each on its own.
            Err(e) if group.len() > 1 => {
                tracing::warn!(error = %e, requests = group.len(), "group commit failed; retrying requests one by one");
                for req in group {
                    let res = w.apply(&[&req.events]).await.map(|mut v| v.remove(0));
                    let _ = req.reply.send(res);
                }
            }
            Err(e) => {
                let _ = group.remove(0).reply.send(Err(e));
            }
        }
    }
}
