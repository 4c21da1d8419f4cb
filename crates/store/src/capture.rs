//! The capture pipeline's writer: every lead and activity, from any source, enters here.
//!
//! Callers hand a batch of [`CaptureEvent`]s to a [`Capturer`] and wait for the answer. One
//! writer task per process drains whatever batches are waiting and applies them in a single
//! transaction (group commit): one commit, and so one WAL sync, for many requests. The answer
//! is sent only after the commit, so "acknowledged" always means "durable".
//!
//! Tracking events (`/v1/*`) take a faster way to the same place: [`Capturer::enqueue`]
//! commits them to the inbox and answers; the writer applies the inbox in large chunks
//! whenever no direct request is waiting (see `capture/inbox.rs`).

use std::sync::Arc;
use std::time::Duration;

use leadline_core::CaptureEvent;
use sqlx::Any;
use sqlx::pool::PoolConnection;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::{Backend, Result, Store, StoreError};

mod account_merge;
mod apply;
pub(crate) mod bulk;
pub(crate) mod inbox;
pub(crate) mod lead_ops;
pub(crate) mod lite;
mod ops;
mod pipeline;
pub(crate) mod tx;
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
    queue: inbox::Queue,
    /// Merges asked for by people (see `capture/ops.rs`).
    ops: mpsc::Sender<ops::OpRequest>,
}

/// Events applied per transaction at most; more waiting requests go in the next one.
const GROUP_LIMIT: usize = 5_000;

impl Capturer {
    /// Starts the writer: on SQLite a thread of its own (it calls SQLite directly), on
    /// PostgreSQL a task on the current tokio runtime; and the inbox's queueing task.
    pub fn start(store: Store) -> Capturer {
        let (tx, rx) = mpsc::channel::<Request>(1024);
        let (ops_tx, ops_rx) = mpsc::channel::<ops::OpRequest>(64);
        let queued = Arc::new(Notify::new());
        let queue = inbox::Queue::start(store.clone(), queued.clone());
        if store.sqlite_file().is_some() {
            // The SQLite writer calls SQLite directly, blocking: it gets a thread of its own.
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(rt) => {
                    std::thread::Builder::new()
                        .name("capture-writer".into())
                        .spawn(move || rt.block_on(writer(store, rx, ops_rx, queued)))
                        .map(drop)
                        .unwrap_or_else(
                            |e| tracing::error!(error = %e, "no capture writer thread"),
                        );
                }
                Err(e) => tracing::error!(error = %e, "no capture writer runtime"),
            }
        } else {
            tokio::spawn(writer(store, rx, ops_rx, queued));
        }
        Capturer {
            tx,
            queue,
            ops: ops_tx,
        }
    }

    /// Commits a batch of tracking events to the inbox and returns; the writer applies them
    /// shortly after. Acknowledged events survive a crash; their outcomes are not reported.
    pub async fn enqueue(&self, events: Vec<CaptureEvent>) -> Result<()> {
        self.queue.push(events).await
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
    /// The direct connection to an SQLite file (see `capture/tx.rs`).
    lite: Option<lite::Lite>,
    /// Failed attempts of inbox requests that met a conflict, by sequence number.
    attempts: std::collections::HashMap<i64, u32>,
}

/// Attempts at an inbox request that keeps meeting conflicts before it is set aside.
const MAX_ATTEMPTS: u32 = 5;

impl Writer {
    async fn connection(&mut self) -> Result<&mut PoolConnection<Any>> {
        let conn = match self.conn.take() {
            Some(c) => c,
            None => self.store.pool.acquire().await?,
        };
        Ok(self.conn.insert(conn))
    }

    async fn apply(&mut self, batches: &[&[CaptureEvent]]) -> Result<Vec<Captured>> {
        if let Some(path) = self.store.sqlite_file() {
            let lite = match self.lite.take() {
                Some(c) => c,
                None => lite::Lite::open(path)?,
            };
            let lite = self.lite.insert(lite);
            let conn = &mut lite.conn;
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let policy = self.store.policy();
            let rules = self.store.channel_rules();
            let result = apply::apply_in(&mut tx::Tx::Lite(conn), batches, &policy, &rules).await;
            let result = result.and_then(|r| Ok(conn.execute_batch("COMMIT").map(|()| r)?));
            if result.is_err() {
                // Roll back whatever is open; the next group starts on a fresh connection.
                let _ = conn.execute_batch("ROLLBACK");
                self.lite = None;
            } else {
                lite.committed();
            }
            return result;
        }
        let backend = self.store.backend();
        let policy = self.store.policy();
        let rules = self.store.channel_rules();
        let conn = self.connection().await?;
        let result = apply::apply_group(conn, backend, batches, &policy, &rules).await;
        if result.is_err() {
            // The connection may be broken; the next group starts on a fresh one.
            self.conn = None;
        }
        result
    }
}

/// How often the writer looks at the inbox without being told (other processes queue too).
const INBOX_POLL: Duration = Duration::from_secs(1);

async fn writer(
    store: Store,
    mut rx: mpsc::Receiver<Request>,
    mut ops: mpsc::Receiver<ops::OpRequest>,
    queued: Arc<Notify>,
) {
    let mut w = Writer {
        store,
        conn: None,
        lite: None,
        attempts: Default::default(),
    };
    // Start by draining what a previous run acknowledged and did not apply.
    let mut backlog = true;
    loop {
        if let Ok(op) = ops.try_recv() {
            w.run_op(op).await;
            continue;
        }
        let first = if backlog {
            match rx.try_recv() {
                Ok(r) => Some(r),
                Err(mpsc::error::TryRecvError::Empty) => None,
                Err(mpsc::error::TryRecvError::Disconnected) => break,
            }
        } else {
            tokio::select! {
                r = rx.recv() => match r {
                    Some(r) => Some(r),
                    None => break,
                },
                Some(op) = ops.recv() => {
                    w.run_op(op).await;
                    continue;
                }
                _ = queued.notified() => None,
                _ = tokio::time::sleep(INBOX_POLL) => None,
            }
        };
        match first {
            Some(first) => w.serve(first, &mut rx).await,
            None => match w.drain_chunk().await {
                Ok(applied) => backlog = applied > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "applying the inbox failed; retrying shortly");
                    backlog = false;
                }
            },
        }
    }
}

impl Writer {
    /// Applies `first` and whatever else waits, in one transaction, and answers each.
    async fn serve(&mut self, first: Request, rx: &mut mpsc::Receiver<Request>) {
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
        match self.apply(&batches).await {
            Ok(results) => {
                for (req, res) in group.into_iter().zip(results) {
                    let _ = req.reply.send(Ok(res));
                }
            }
            // One request's failure must not fail its neighbours: retry each on its own.
            Err(e) if group.len() > 1 => {
                tracing::warn!(error = %e, requests = group.len(), "group commit failed; retrying requests one by one");
                for req in group {
                    let res = self.apply(&[&req.events]).await.map(|mut v| v.remove(0));
                    let _ = req.reply.send(res);
                }
            }
            Err(e) => {
                let _ = group.remove(0).reply.send(Err(e));
            }
        }
    }

    /// Applies the oldest chunk of the inbox; returns how many events it held.
    async fn drain_chunk(&mut self) -> Result<usize> {
        match self.store.backend() {
            Backend::Sqlite => {
                let chunk = inbox::peek(&self.store).await?;
                if chunk.batches.is_empty() {
                    return Ok(chunk.undecodable.len());
                }
                let batches: Vec<&[CaptureEvent]> =
                    chunk.batches.iter().map(Vec::as_slice).collect();
                match self.apply(&batches).await {
                    Ok(_) => {
                        inbox::forget(&self.store, chunk.last_seq).await?;
                        self.attempts.retain(|seq, _| *seq > chunk.last_seq);
                    }
                    Err(e) => {
                        let applied = self.one_by_one(&chunk, e).await?;
                        inbox::forget_each(&self.store, &applied).await?;
                    }
                }
                Ok(chunk.events())
            }
            Backend::Postgres => match self.claim_and_apply(inbox::CHUNK_REQUESTS).await? {
                Ok(applied) => Ok(applied),
                Err((n, e)) => {
                    tracing::warn!(error = %e, "an inbox chunk failed; applying its requests one by one");
                    let mut applied = 0;
                    for _ in 0..n {
                        match self.claim_and_apply(1).await? {
                            Ok(k) => applied += k,
                            Err((_, e)) => {
                                tracing::error!(error = %e, "an inbox request fails; set aside")
                            }
                        }
                    }
                    Ok(applied)
                }
            },
        }
    }

    /// PostgreSQL: claims up to `requests` inbox requests and applies them in one transaction.
    /// `Ok(Err((requests claimed, error)))` when applying failed and the claim was rolled back;
    /// a single request that fails is then marked failed, so it is not claimed again.
    async fn claim_and_apply(
        &mut self,
        requests: i64,
    ) -> Result<Result<usize, (usize, StoreError)>> {
        let policy = self.store.policy();
        let rules = self.store.channel_rules();
        let conn = self.connection().await?;
        let mut tx = apply::begin(conn, Backend::Postgres).await?;
        // One server applies the inbox at a time: two appliers would race to create the same
        // visitors and leads. The others find the lock taken and look again later.
        if !inbox::try_lock_applier(&mut tx).await? {
            return Ok(Ok(0));
        }
        let chunk = inbox::claim(&mut tx, requests).await?;
        if chunk.batches.is_empty() {
            tx.commit().await?;
            return Ok(Ok(chunk.undecodable.len()));
        }
        let batches: Vec<&[CaptureEvent]> = chunk.batches.iter().map(Vec::as_slice).collect();
        match apply::apply_in(&mut tx::Tx::Any(&mut tx), &batches, &policy, &rules).await {
            Ok(_) => {
                tx.commit().await?;
                for seq in &chunk.seqs {
                    self.attempts.remove(seq);
                }
                Ok(Ok(chunk.events()))
            }
            Err(e) => {
                drop(tx);
                self.conn = None;
                if let [seq] = chunk.seqs[..] {
                    self.failed(seq, &e).await?;
                }
                Ok(Err((chunk.seqs.len(), e)))
            }
        }
    }

    /// A chunk failed as a whole: applies its requests one by one and returns those applied.
    async fn one_by_one(&mut self, chunk: &inbox::Chunk, e: StoreError) -> Result<Vec<i64>> {
        tracing::warn!(error = %e, "an inbox chunk failed; applying its requests one by one");
        let mut applied = Vec::new();
        for (seq, events) in chunk.seqs.iter().zip(&chunk.batches) {
            match self.apply(&[events]).await {
                Ok(_) => {
                    self.attempts.remove(seq);
                    applied.push(*seq);
                }
                Err(e) => self.failed(*seq, &e).await?,
            }
        }
        Ok(applied)
    }

    /// A request failed on its own. A conflict with another writer is retried later; any
    /// other error, or a conflict that keeps coming back, sets the request aside with the
    /// error, so one bad request cannot stop the inbox.
    async fn failed(&mut self, seq: i64, e: &StoreError) -> Result<()> {
        let attempts = self.attempts.entry(seq).or_insert(0);
        *attempts += 1;
        if e.is_transient() && *attempts < MAX_ATTEMPTS {
            tracing::warn!(error = %e, seq, "an inbox request met a conflict; retrying later");
            return Ok(());
        }
        self.attempts.remove(&seq);
        tracing::error!(error = %e, seq, "an inbox request fails; set aside");
        inbox::mark_failed(&self.store, seq, &e.to_string()).await
    }
}
