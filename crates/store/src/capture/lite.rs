//! The SQLite writer's own connection, and WAL checkpoints moved off its path.
//!
//! SQLite checkpoints the WAL inside the commit that crosses `wal_autocheckpoint`: the
//! writer then copies pages into the database file and fsyncs before it can answer. Here the
//! writer's connection never checkpoints; a thread of its own does, passively (never
//! blocking the writer), after commits and every half second.

use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::time::Duration;

use crate::Result;

/// How long the checkpointer waits for a commit before checkpointing anyway.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// The writer's connection, with the checkpointer that follows its commits.
pub(super) struct Lite {
    pub conn: rusqlite::Connection,
    committed: Option<SyncSender<()>>,
}

impl Lite {
    /// Opens `path` set up like the pool's connections (`SQLITE_PRAGMAS`), plus a
    /// checkpointer thread.
    pub fn open(path: &str) -> Result<Lite> {
        let conn = connect(path)?;
        conn.set_prepared_statement_cache_capacity(256);
        let committed = match start_checkpointer(path) {
            Ok(tx) => {
                conn.execute_batch("PRAGMA wal_autocheckpoint=0;")?;
                Some(tx)
            }
            Err(e) => {
                tracing::warn!(error = %e, "no checkpoint thread; the writer checkpoints itself");
                None
            }
        };
        Ok(Lite { conn, committed })
    }

    /// Tells the checkpointer a transaction committed.
    pub fn committed(&self) {
        if let Some(tx) = &self.committed {
            let _ = tx.try_send(());
        }
    }
}

pub(crate) fn connect(path: &str) -> Result<rusqlite::Connection> {
    let c = rusqlite::Connection::open(path)?;
    c.execute_batch(crate::db::SQLITE_PRAGMAS)?;
    Ok(c)
}

/// Starts the checkpoint thread; it stops when the returned sender is dropped.
fn start_checkpointer(path: &str) -> Result<SyncSender<()>> {
    let conn = connect(path)?;
    let (tx, rx) = mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name("wal-checkpoint".into())
        .spawn(move || {
            while let Ok(()) | Err(RecvTimeoutError::Timeout) = rx.recv_timeout(CHECKPOINT_EVERY) {
                if let Err(e) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);") {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
        })
        .map_err(|e| crate::StoreError::Corrupt(format!("cannot start a thread: {e}")))?;
    Ok(tx)
}

/// Runs `work` on a thread of its own with a connection of its own to `path`, SQLite
/// called directly: long passes (a rescore) that should neither hold a pool connection nor
/// share a thread with the server's tasks.
pub(crate) async fn on_own_thread<T, W>(path: &str, name: &str, work: W) -> Result<T>
where
    T: Send + 'static,
    W: for<'t, 'c> AsyncFnOnce(&'t mut super::tx::Tx<'c>) -> Result<T> + Send + 'static,
{
    let path = path.to_owned();
    let (send, answer) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let run = || -> Result<T> {
                let mut conn = connect(&path)?;
                let rt = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .map_err(|e| crate::StoreError::Corrupt(format!("no runtime: {e}")))?;
                rt.block_on(work(&mut super::tx::Tx::Lite(&mut conn)))
            };
            let _ = send.send(run());
        })
        .map_err(|e| crate::StoreError::Corrupt(format!("cannot start a thread: {e}")))?;
    answer
        .await
        .map_err(|_| crate::StoreError::Corrupt("a database thread stopped".into()))?
}
