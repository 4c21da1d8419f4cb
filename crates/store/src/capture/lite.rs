//! The SQLite writer's own connection, and WAL checkpoints moved off its path.
//!
//! SQLite checkpoints the WAL inside the commit that crosses `wal_autocheckpoint`: the
//! writer then copies pages into the database file and fsyncs before it can answer. Here the
//! writer's connection never checkpoints; a thread of its own does, passively (never
//! blocking the writer), after commits and every half second.
//!
//! A passive checkpoint never gets a busy writer to start the WAL over, though, and an
//! outside truncating one starves: the writer takes its lock back between transactions
//! within microseconds. During the 1M-lead demo fill the WAL grew past 14 GB beside a 4 GB
//! database. So the checkpointer reports how many pages the WAL holds, and when they pass
//! [`WAL_LIMIT_PAGES`] the writer itself truncates the WAL between two transactions
//! (copying only what the passive passes have not yet copied).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::time::Duration;

use crate::Result;

/// How long the checkpointer waits for a commit before checkpointing anyway.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
/// WAL pages (256 MiB of 4 KiB pages) beyond which the writer truncates the WAL.
const WAL_LIMIT_PAGES: i64 = 65_536;

/// The writer's connection, with the checkpointer that follows its commits.
pub(super) struct Lite {
    pub conn: rusqlite::Connection,
    committed: Option<SyncSender<()>>,
    /// Pages in the WAL at the checkpointer's last pass.
    wal_pages: Arc<AtomicI64>,
}

impl Lite {
    /// Opens `path` set up like the pool's connections (`SQLITE_PRAGMAS`), plus a
    /// checkpointer thread.
    pub fn open(path: &str) -> Result<Lite> {
        let conn = connect(path)?;
        conn.set_prepared_statement_cache_capacity(256);
        let wal_pages = Arc::new(AtomicI64::new(0));
        let committed = match start_checkpointer(path, wal_pages.clone()) {
            Ok(tx) => {
                conn.execute_batch("PRAGMA wal_autocheckpoint=0;")?;
                Some(tx)
            }
            Err(e) => {
                tracing::warn!(error = %e, "no checkpoint thread; the writer checkpoints itself");
                None
            }
        };
        Ok(Lite {
            conn,
            committed,
            wal_pages,
        })
    }

    /// Tells the checkpointer a transaction committed; truncates the WAL when it has grown
    /// past the limit. Called outside a transaction.
    pub fn committed(&self) {
        if let Some(tx) = &self.committed {
            let _ = tx.try_send(());
            let pages = self.wal_pages.load(Ordering::Relaxed);
            match truncate_if_large(&self.conn, pages, WAL_LIMIT_PAGES) {
                Ok(true) => self.wal_pages.store(0, Ordering::Relaxed),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "WAL truncation failed"),
            }
        }
    }
}

pub(crate) fn connect(path: &str) -> Result<rusqlite::Connection> {
    let c = rusqlite::Connection::open(path)?;
    c.execute_batch(crate::db::SQLITE_PRAGMAS)?;
    Ok(c)
}

/// Starts the checkpoint thread; it stops when the returned sender is dropped.
fn start_checkpointer(path: &str, wal_pages: Arc<AtomicI64>) -> Result<SyncSender<()>> {
    let conn = connect(path)?;
    let (tx, rx) = mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name("wal-checkpoint".into())
        .spawn(move || {
            while let Ok(()) | Err(RecvTimeoutError::Timeout) = rx.recv_timeout(CHECKPOINT_EVERY) {
                match passive(&conn) {
                    Ok(pages) => wal_pages.store(pages, Ordering::Relaxed),
                    Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
                }
            }
        })
        .map_err(|e| crate::StoreError::Corrupt(format!("cannot start a thread: {e}")))?;
    Ok(tx)
}

/// A passive checkpoint; answers how many pages the WAL holds.
fn passive(conn: &rusqlite::Connection) -> rusqlite::Result<i64> {
    // The pragma answers (busy, pages in the WAL, pages copied into the database).
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
}

/// Truncates the WAL when it holds more than `limit` pages; whether it did. It waits (up
/// to the busy timeout) for readers still reading from the WAL.
fn truncate_if_large(
    conn: &rusqlite::Connection,
    pages: i64,
    limit: i64,
) -> rusqlite::Result<bool> {
    if pages <= limit {
        return Ok(false);
    }
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(busy == 0)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn wal_bytes(path: &std::path::Path) -> u64 {
        let wal = format!("{}-wal", path.display());
        std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
    }

    /// `.cargo/config.toml` sets how the bundled SQLite is compiled; without it two report
    /// threads share one page-cache lock and run no faster than one.
    #[test]
    fn the_bundled_sqlite_gives_each_connection_its_own_page_cache_and_counts_no_memory() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        let mut st = c.prepare("PRAGMA compile_options").unwrap();
        let options: Vec<String> = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let has = |o: &str| options.iter().any(|x| x == o);
        assert!(!has("ENABLE_MEMORY_MANAGEMENT"), "{options:?}");
        assert!(has("DEFAULT_MEMSTATUS=0"), "{options:?}");
    }

    #[test]
    fn the_writer_truncates_a_wal_past_the_limit_and_keeps_a_small_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let writer = connect(path.to_str().unwrap()).unwrap();
        // 2,000 rows of 500 bytes: about 250 pages, none checkpointed by the writer.
        writer
            .execute_batch(
                "PRAGMA wal_autocheckpoint=0; CREATE TABLE t (x TEXT); \
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
                 INSERT INTO t SELECT printf('%0500d', i) FROM n;",
            )
            .unwrap();
        let checkpointer = connect(path.to_str().unwrap()).unwrap();
        let pages = passive(&checkpointer).unwrap();
        assert!(pages > 200, "{pages} pages");
        // A passive checkpoint copies the pages but leaves the WAL file as long as it was.
        assert!(wal_bytes(&path) > 200 * 4096);
        assert!(!truncate_if_large(&writer, pages, 10_000).unwrap());
        assert!(wal_bytes(&path) > 200 * 4096);
        assert!(truncate_if_large(&writer, pages, 100).unwrap());
        assert_eq!(wal_bytes(&path), 0);
        let rows: i64 = writer
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 2000);
    }
}
