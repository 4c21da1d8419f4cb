//! Rescoring every lead, after a policy change and daily (engagement decays): activities are
//! read once in id order and tallied per lead, then leads are assessed in id-ordered pages,
//! each page written in its own short transaction so capture keeps flowing. Only leads
//! whose flags, scores, grade or stage change are written.

use std::collections::HashMap;

use leadline_core::policy::Policy;
use leadline_core::scoring::{EngagementRules, Tally};
use serde::Serialize;

use super::{ASSESS_SELECT, Writes, mql, tally_row};
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
                        rt.block_on(run(&mut Tx::Lite(&mut conn), now, &policy, true))
                    };
                    let _ = send.send(run());
                })
                .map_err(|e| StoreError::Corrupt(format!("cannot start a thread: {e}")))?;
            return answer
                .await
                .map_err(|_| StoreError::Corrupt("the rescore thread stopped".into()))?;
        }
        let mut conn = self.pool.acquire().await?;
        let sqlite = self.backend() == crate::Backend::Sqlite;
        run(&mut Tx::Any(&mut conn), now, &policy, sqlite).await
    }
}

async fn run(tx: &mut Tx<'_>, now: i64, policy: &Policy, sqlite: bool) -> Result<RescoreReport> {
    let begin = if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
    let rules = EngagementRules::new(&policy.scoring);
    let mut report = RescoreReport::default();
    let mut tallies: HashMap<String, Tally> = HashMap::new();
    let mut after = String::new();
    loop {
        let rows = tx
            .fetch_all(
                "SELECT id, lead_id, type, name, occurred_at FROM activities WHERE id > $1 ORDER BY id LIMIT $2",
                vec![after.as_str().into(), PAGE.into()],
            )
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get("id")?;
        report.activities += rows.len() as u64;
        for r in &rows {
            tally_row(&rules, &mut tallies, r, now)?;
        }
    }
    let select = format!("{ASSESS_SELECT} WHERE id > $1 ORDER BY id LIMIT $2");
    let mut after = String::new();
    loop {
        let rows = tx
            .fetch_all(&select, vec![after.as_str().into(), PAGE.into()])
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get("id")?;
        let mut writes = Writes::default();
        for r in &rows {
            writes.assess_row(r, &mut tallies, &rules, policy, now)?;
        }
        report.leads += writes.assessed;
        report.changed += writes.changed;
        report.disqualified += writes.moved.get("disqualified").copied().unwrap_or(0);
        report.requalified += writes.moved.get("lead").copied().unwrap_or(0);
        tx.execute(begin, vec![]).await?;
        let written = writes.write(tx).await;
        end(tx, written).await?;
    }
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
