//! Rescoring every lead, after a policy change and daily (engagement decays): activities are
//! read once in id order and tallied per lead, then leads are assessed in id-ordered pages,
//! each page written in its own short transaction so capture keeps flowing. Only leads
//! whose flags, scores, grade or stage change are written.

use leadline_core::policy::Policy;
use leadline_core::scoring::{EngagementRules, Touch};
use serde::Serialize;

use super::{ACTIVITY_SELECT, ASSESS_SELECT, Tallies, Writes, lead_key, mql};
use crate::capture::bulk::Arg;
use crate::capture::tx::Tx;
use crate::{Result, Store, StoreError};

/// Rows read per page.
const PAGE: i64 = 20_000;

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
        if let Some(path) = self.sqlite_file().map(str::to_owned) {
            // SQLite: a connection of its own, called directly, on a thread of its own.
            let (send, answer) = tokio::sync::oneshot::channel();
            std::thread::Builder::new()
                .name("rescore".into())
                .spawn(move || {
                    let run = || -> Result<RescoreReport> {
                        let mut conn = crate::capture::lite::connect(&path)?;
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .build()
                            .map_err(|e| {
                                StoreError::Corrupt(format!("no runtime for the rescore: {e}"))
                            })?;
                        rt.block_on(run(&mut Tx::Lite(&mut conn), now, &policy))
                    };
                    let _ = send.send(run());
                })
                .map_err(|e| StoreError::Corrupt(format!("cannot start a thread: {e}")))?;
            return answer
                .await
                .map_err(|_| StoreError::Corrupt("the rescore thread stopped".into()))?;
        }
        let mut conn = self.pool.acquire().await?;
        run(&mut Tx::Any(&mut conn), now, &policy).await
    }
}

async fn run(tx: &mut Tx<'_>, now: i64, policy: &Policy) -> Result<RescoreReport> {
    let sqlite = tx.backend() == crate::Backend::Sqlite;
    let begin = if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
    let rules = EngagementRules::new(&policy.scoring);
    let mut report = RescoreReport::default();
    let started = std::time::Instant::now();
    let mut tallies = Tallies::default();
    report.activities = tx
        .scan(
            // No `WHERE lead_id IS NOT NULL`: SQLite would walk the partial lead index and
            // fetch every row out of order; a plain table scan reads the file once.
            ACTIVITY_SELECT,
            vec![],
            |r| {
                let (Some(lead), Some(kind)) = (r.text(0)?, r.text(1)?) else {
                    return Ok(());
                };
                let touch = Touch {
                    kind,
                    name: r.text(2)?,
                    at: r.int(3)?,
                };
                rules.add(tallies.entry(lead_key(lead)).or_default(), &touch, now);
                Ok(())
            },
        )
        .await?;
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        "rescore: activities tallied"
    );
    let (mut read, mut assessed, mut written) = (0u128, 0u128, 0u128);
    // Pages in storage order: by rowid on SQLite (a table scan), by id on PostgreSQL.
    let key = if sqlite { "rowid" } else { "id" };
    let select = ASSESS_SELECT.replacen("SELECT ", &format!("SELECT {key} AS page_key, "), 1);
    let select = format!("{select} WHERE {key} > $1 ORDER BY {key} LIMIT $2");
    let mut after: Arg = if sqlite { 0i64.into() } else { "".into() };
    loop {
        let t = std::time::Instant::now();
        let rows = tx
            .fetch_all(&select, vec![after.clone(), PAGE.into()])
            .await?;
        read += t.elapsed().as_millis();
        let t = std::time::Instant::now();
        let Some(last) = rows.last() else { break };
        after = if sqlite {
            last.try_get::<i64>("page_key")?.into()
        } else {
            last.try_get::<String>("page_key")?.into()
        };
        let mut writes = Writes::default();
        writes.assess_rows(&rows, &tallies, &rules, policy, now)?;
        report.leads += writes.assessed;
        report.changed += writes.changed;
        report.disqualified += writes.moved.get("disqualified").copied().unwrap_or(0);
        report.requalified += writes.moved.get("lead").copied().unwrap_or(0);
        assessed += t.elapsed().as_millis();
        let t = std::time::Instant::now();
        tx.execute(begin, vec![]).await?;
        let done = writes.write(tx).await;
        end(tx, done).await?;
        written += t.elapsed().as_millis();
    }
    tracing::debug!(read, assessed, written, "rescore: leads (ms)");
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
