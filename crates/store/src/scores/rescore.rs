//! Rescoring every lead, after a policy change and daily (engagement decays), as a pipeline
//! of three stages that run at once: a reader (every activity once, then the leads in key
//! order, page by page), an assessor (on a thread of its own: the CPU work) and a writer
//! (each page's changes in a short transaction of its own, so capture keeps flowing). On
//! SQLite the reader and the writer each hold a connection of their own, on threads of
//! their own; only leads whose flags, scores, grade or stage change are written.

use std::sync::Arc;

use leadline_core::policy::Policy;
use leadline_core::scoring::EngagementRules;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::input::{self, LeadInput};
use super::{Touches, Writes, mql};
use crate::capture::bulk::Arg;
use crate::capture::lite;
use crate::capture::tx::Tx;
use crate::{Backend, Result, Store, StoreError};

/// Leads per page: read in one statement, written in one transaction.
const PAGE: i64 = 20_000;

/// Pages in flight between two stages: enough to keep both cores busy, few enough to bound
/// memory.
const DEPTH: usize = 2;

/// What a rescore did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RescoreReport {
    pub leads: u64,
    /// Leads whose flags, scores or grade changed.
    pub changed: u64,
    pub disqualified: u64,
    pub requalified: u64,
    pub became_mql: u64,
    pub activities: u64,
}

impl Store {
    /// Re-assesses every lead against the current policy at `now`.
    pub async fn rescore_all(&self, now: i64) -> Result<RescoreReport> {
        let policy = self.policy();
        let (touches_out, touches_in) = oneshot::channel();
        let (pages_out, pages_in) = mpsc::channel(DEPTH);
        let (writes_out, writes_in) = mpsc::channel(DEPTH);
        let (spent_out, spent_in) = std::sync::mpsc::channel();
        let assessor = {
            let policy = policy.clone();
            tokio::task::spawn_blocking(move || {
                let pages = Pages {
                    touches: touches_in,
                    pages: pages_in,
                    spent: spent_out,
                };
                assess_pages(&policy, now, pages, writes_out);
            })
        };
        let read = Read {
            touches: touches_out,
            pages: pages_out,
            spent: spent_in,
        };
        let (read, written) = match self.sqlite_file() {
            Some(path) => {
                let p = policy.clone();
                let reader = lite::on_own_thread(path, "rescore-read", async move |tx| {
                    read_pages(tx, &p, read).await
                });
                let writer = lite::on_own_thread(path, "rescore-write", async move |tx| {
                    write_pages(tx, &policy, now, writes_in).await
                });
                tokio::join!(reader, writer)
            }
            None => {
                let (mut r, mut w) = (self.pool.acquire().await?, self.pool.acquire().await?);
                let (mut r, mut w) = (Tx::Any(&mut r), Tx::Any(&mut w));
                tokio::join!(
                    read_pages(&mut r, &policy, read),
                    write_pages(&mut w, &policy, now, writes_in)
                )
            }
        };
        assessor
            .await
            .map_err(|e| StoreError::Corrupt(format!("the rescore's assessment failed: {e}")))?;
        // The writer's error first: a reader whose pages went unread stops without one.
        let mut report = written?;
        report.activities = read?;
        Ok(report)
    }
}

/// The reader's ends of the channels between it and the assessor.
struct Read {
    touches: oneshot::Sender<Touches>,
    pages: mpsc::Sender<Vec<LeadInput>>,
    /// Pages the assessor is done with, back to the thread that allocated them: freeing
    /// memory on the thread that allocated it is what the allocator does fastest.
    spent: std::sync::mpsc::Receiver<Vec<LeadInput>>,
}

/// The assessor's ends.
struct Pages {
    touches: oneshot::Receiver<Touches>,
    pages: mpsc::Receiver<Vec<LeadInput>>,
    spent: std::sync::mpsc::Sender<Vec<LeadInput>>,
}

/// Reads every activity, then every lead page by page; returns the activities read. Stops
/// early, without an error, when the assessor is gone (the writer failed and says why).
async fn read_pages(tx: &mut Tx<'_>, policy: &Policy, out: Read) -> Result<u64> {
    let started = std::time::Instant::now();
    let rules = EngagementRules::new(&policy.scoring);
    let touches = Touches::read(tx, &rules, None).await?;
    let activities = touches.read;
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        "rescore: activities read"
    );
    if out.touches.send(touches).is_err() {
        return Ok(activities);
    }
    let backend = tx.backend();
    let key = input::key_column(backend);
    let sql = format!(
        "{} WHERE {key} > $1 ORDER BY {key} LIMIT $2",
        input::select(backend)
    );
    let mut after: Arg = match backend {
        Backend::Sqlite => 0i64.into(),
        Backend::Postgres => "".into(),
    };
    loop {
        while let Ok(spent) = out.spent.try_recv() {
            drop(spent);
        }
        let mut page = Vec::with_capacity(PAGE as usize);
        let mut last = None;
        let rows = tx
            .scan(&sql, vec![after.clone(), PAGE.into()], |r| {
                last = Some(input::key(r, backend)?);
                page.extend(input::from_row(r, backend)?);
                Ok(())
            })
            .await?;
        let Some(last) = last else { break };
        after = last;
        if out.pages.send(page).await.is_err() || rows < PAGE as u64 {
            break;
        }
    }
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        "rescore: leads read"
    );
    Ok(activities)
}

/// Assesses each page as it comes and hands its writes on.
fn assess_pages(
    policy: &Arc<Policy>,
    now: i64,
    mut input: Pages,
    writes_out: mpsc::Sender<Writes>,
) {
    let Ok(touches) = input.touches.blocking_recv() else {
        return;
    };
    let rules = EngagementRules::new(&policy.scoring);
    let mut busy = std::time::Duration::ZERO;
    while let Some(page) = input.pages.blocking_recv() {
        let started = std::time::Instant::now();
        let mut writes = Writes::default();
        writes.assess(&page, &touches, &rules, policy, now);
        busy += started.elapsed();
        let _ = input.spent.send(page);
        if writes_out.blocking_send(writes).is_err() {
            return;
        }
    }
    tracing::debug!(ms = busy.as_millis() as u64, "rescore: assessing");
}

/// Writes each page's changes in a transaction of its own, then moves the leads that now
/// meet the MQL definition.
async fn write_pages(
    tx: &mut Tx<'_>,
    policy: &Policy,
    now: i64,
    mut writes_in: mpsc::Receiver<Writes>,
) -> Result<RescoreReport> {
    let begin = match tx.backend() {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    let mut report = RescoreReport::default();
    let mut busy = std::time::Duration::ZERO;
    while let Some(mut writes) = writes_in.recv().await {
        let started = std::time::Instant::now();
        report.leads += writes.assessed;
        report.changed += writes.changed;
        report.disqualified += writes.moved.get("disqualified").copied().unwrap_or(0);
        report.requalified += writes.moved.get("lead").copied().unwrap_or(0);
        tx.execute(begin, vec![]).await?;
        let done = writes.write(tx).await;
        end(tx, done).await?;
        busy += started.elapsed();
    }
    tracing::debug!(ms = busy.as_millis() as u64, "rescore: writing");
    tx.execute(begin, vec![]).await?;
    let promoted = mql::promote(tx, None, now, policy).await;
    report.became_mql = end(tx, promoted).await?;
    Ok(report)
}

/// Commits what `result` wrote, or rolls it back when it failed.
async fn end<T>(tx: &mut Tx<'_>, result: Result<T>) -> Result<T> {
    match result {
        Ok(v) => {
            tx.execute("COMMIT", vec![]).await?;
            Ok(v)
        }
        Err(e) => {
            let _ = tx.execute("ROLLBACK", vec![]).await;
            Err(e)
        }
    }
}
