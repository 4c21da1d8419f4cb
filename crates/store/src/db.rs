//! Connecting, pooling and the handful of helpers every query module uses.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::{Result, StoreError, migrate};

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database; cheap to clone (it wraps a pool).
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    /// Where acknowledged tracking events wait to be applied: a file beside an SQLite
    /// database, the main pool on PostgreSQL (see `capture/inbox.rs`).
    pub(crate) inbox: AnyPool,
    /// The database file, for the capture writer's direct SQLite connection.
    sqlite_file: Option<String>,
    backend: Backend,
    /// The lead-management policy, cached (see `policy.rs`).
    pub(crate) policy: crate::policy::PolicyCell,
    /// The UTM → channel rules, cached (see `channel_rules.rs`).
    pub(crate) channel_rules: crate::channel_rules::RulesCell,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating an SQLite file when needed) and migrates the database at `url`:
    /// `sqlite://leadline.db`, `sqlite::memory:` or `postgres://user@host/db`.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url) = normalise_url(url)?;
        let options = quiet_options(&url)?;
        let max = if backend == Backend::Sqlite { 8 } else { 16 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let sqlite_file = match backend {
            Backend::Sqlite => sqlite_file(&url),
            Backend::Postgres => None,
        };
        let inbox = match backend {
            Backend::Sqlite => crate::capture::inbox::open_sidecar(sqlite_file.as_deref()).await?,
            Backend::Postgres => pool.clone(),
        };
        let store = Store {
            pool,
            inbox,
            sqlite_file,
            backend,
            policy: Default::default(),
            channel_rules: Default::default(),
        };
        migrate::run(&store).await?;
        store.reload_policy().await?;
        Ok(store)
    }

    /// The SQLite database file; `None` on PostgreSQL and for in-memory databases.
    pub(crate) fn sqlite_file(&self) -> Option<&str> {
        self.sqlite_file.as_deref()
    }

    /// Runs a long read (a report's pass over a period's leads or touches): on an SQLite
    /// file on a connection and thread of its own with SQLite called directly (no pool
    /// connection held, no row decoded twice), otherwise on a pool connection.
    pub(crate) async fn read_pass<T, W>(&self, name: &str, work: W) -> Result<T>
    where
        T: Send + 'static,
        W: for<'t, 'c> AsyncFnOnce(&'t mut crate::capture::tx::Tx<'c>) -> Result<T>
            + Send
            + 'static,
    {
        match self.sqlite_file() {
            Some(path) => crate::capture::lite::on_own_thread(path, name, work).await,
            None => {
                let mut c = self.pool.acquire().await?;
                work(&mut crate::capture::tx::Tx::Any(&mut c)).await
            }
        }
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`) so a read-then-write never fails with a stale snapshot.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Checks the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to return.
    pub async fn close(&self) {
        self.pool.close().await;
        self.inbox.close().await;
    }
}

/// Every connection to the SQLite database, pooled or the capture writer's own: WAL, a 32 MB
/// page cache, foreign keys, and waiting (not failing) on a busy lock.
pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; \
     PRAGMA busy_timeout=10000; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;";

/// Connect options for `url` that keep SQL out of the logs: sqlx would log every slow
/// statement with its full text at WARN, and the logging policy wants no SQL in production
/// logs by default.
pub(crate) fn quiet_options(url: &str) -> Result<AnyConnectOptions> {
    Ok(AnyConnectOptions::from_str(url)?
        .log_statements(tracing::log::LevelFilter::Off)
        .log_slow_statements(tracing::log::LevelFilter::Debug, Duration::from_secs(1)))
}

fn normalise_url(url: &str) -> Result<(Backend, String)> {
    let url = url.trim();
    if let Some(rest) = url.strip_prefix("sqlite:") {
        if rest == ":memory:" || rest.contains("mode=") {
            return Ok((Backend::Sqlite, url.to_owned()));
        }
        let sep = if rest.contains('?') { '&' } else { '?' };
        return Ok((Backend::Sqlite, format!("{url}{sep}mode=rwc")));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_owned()));
    }
    Err(StoreError::BadUrl(url.to_owned()))
}

/// The file of a normalised `sqlite:` URL, unless the database lives in memory.
fn sqlite_file(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let memory = path.is_empty() || path == ":memory:" || query.contains("mode=memory");
    (!memory).then(|| path.to_owned())
}

/// A new time-ordered id (UUIDv7): index-friendly, and sorting by id sorts by creation.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod id_tests {
    #[test]
    fn ids_made_at_a_time_sort_by_that_time_and_differ() {
        let (a, b) = (
            super::id_at(1_700_000_000_000),
            super::id_at(1_700_000_000_000),
        );
        assert_ne!(a, b, "same millisecond, random tail");
        let later = super::id_at(1_700_000_000_001);
        assert!(a < later && b < later);
        assert_eq!(
            super::id_at(-5)[..13],
            super::id_at(0)[..13],
            "before 1970 is 1970"
        );
        let v7 = uuid::Uuid::parse_str(&later).unwrap();
        assert_eq!(v7.get_version_num(), 7);
        let (secs, nanos) = v7.get_timestamp().unwrap().to_unix();
        assert_eq!((secs, nanos), (1_700_000_000, 1_000_000));
    }
}

/// A time-ordered id (UUIDv7) carrying `ms` (epoch milliseconds; clamped at 0) instead of
/// the clock. Leads get the time they came to be: a list of last year's contacts or a
/// back-filled event history then sits, in every index keyed by lead id, beside the leads of
/// its time, so a report over a quarter reads one region of the touches index instead of
/// seeking all over it (measured in BENCHMARKS.md, "reports"). Ids made one after another
/// for the same millisecond (an imported list) still sort in the order they were made: a
/// 42-bit counter follows the time, seeded at random on each new millisecond.
pub fn id_at(ms: i64) -> String {
    static LAST: std::sync::Mutex<(u64, u64)> = std::sync::Mutex::new((u64::MAX, 0));
    let ms = u64::try_from(ms).unwrap_or(0);
    let counter = {
        let mut last = LAST
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.0 == ms {
            last.1 += 1;
        } else {
            let seed = uuid::Uuid::now_v7().as_u128() as u64; // its low bits are random
            *last = (ms, seed & ((1 << 41) - 1));
        }
        last.1
    };
    let ts = uuid::Timestamp::from_unix_time(
        ms / 1000,
        (ms % 1000) as u32 * 1_000_000,
        u128::from(counter),
        42,
    );
    uuid::Uuid::new_v7(ts).to_string()
}

/// The current time in epoch milliseconds; the store's only clock.
pub fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Implements `FromRow` for a struct whose fields are named like its columns (sqlx's derive
/// is off on purpose: it compiles both database drivers a second time).
macro_rules! from_row {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for $ty {
            fn from_row(row: &'r sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok($ty { $($field: row.try_get(stringify!($field))?),* })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend_and_sqlite_files_are_created_on_demand() {
        assert_eq!(
            normalise_url("sqlite://leadline.db").unwrap(),
            (Backend::Sqlite, "sqlite://leadline.db?mode=rwc".into())
        );
        assert_eq!(
            normalise_url("postgres://u@h/db").unwrap().0,
            Backend::Postgres
        );
        assert!(matches!(
            normalise_url("mysql://x"),
            Err(StoreError::BadUrl(_))
        ));
        assert_eq!(
            sqlite_file("sqlite:///tmp/a.db?mode=rwc").as_deref(),
            Some("/tmp/a.db")
        );
        assert_eq!(
            sqlite_file("sqlite://leadline.db?mode=rwc").as_deref(),
            Some("leadline.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }
}
