//! Forward-only migrations embedded in the binary and run on start.
//!
//! A tiny migrator of our own (sqlx's needs its macros): each migration runs once, in a
//! transaction, recorded in `schema_migrations`. On PostgreSQL an advisory lock makes
//! several `leadline serve` processes starting together migrate exactly once.

use sqlx::Executor;

use crate::{Backend, Result, Store};

const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../migrations/sqlite/0002_lead_search.sql")),
    (4, include_str!("../migrations/sqlite/0004_scoring.sql")),
    (9, include_str!("../migrations/sqlite/0009_duplicates.sql")),
    (10, include_str!("../migrations/sqlite/0010_routing.sql")),
    (11, include_str!("../migrations/sqlite/0011_webhooks.sql")),
    (
        12,
        include_str!("../migrations/sqlite/0012_opportunities.sql"),
    ),
    (13, include_str!("../migrations/sqlite/0013_rep_day.sql")),
    (
        14,
        include_str!("../migrations/sqlite/0014_measurement.sql"),
    ),
    (
        16,
        include_str!("../migrations/sqlite/0016_attribution.sql"),
    ),
    (17, include_str!("../migrations/sqlite/0017_funnel.sql")),
    (
        18,
        include_str!("../migrations/sqlite/0018_heard_about.sql"),
    ),
];
const POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../migrations/postgres/0002_lead_search.sql"),
    ),
    (3, include_str!("../migrations/postgres/0003_inbox.sql")),
    (4, include_str!("../migrations/postgres/0004_scoring.sql")),
    (
        9,
        include_str!("../migrations/postgres/0009_duplicates.sql"),
    ),
    (10, include_str!("../migrations/postgres/0010_routing.sql")),
    (11, include_str!("../migrations/postgres/0011_webhooks.sql")),
    (
        12,
        include_str!("../migrations/postgres/0012_opportunities.sql"),
    ),
    (13, include_str!("../migrations/postgres/0013_rep_day.sql")),
    (
        14,
        include_str!("../migrations/postgres/0014_measurement.sql"),
    ),
    (
        16,
        include_str!("../migrations/postgres/0016_attribution.sql"),
    ),
    (17, include_str!("../migrations/postgres/0017_funnel.sql")),
    (
        18,
        include_str!("../migrations/postgres/0018_heard_about.sql"),
    ),
];

/// An arbitrary constant naming Leadline's migration lock.
const LOCK_KEY: i64 = 0x4c45_4144_4c49_4e45;

pub(crate) async fn run(store: &Store) -> Result<()> {
    let mut conn = store.pool.acquire().await?;
    let migrations = match store.backend() {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => {
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(LOCK_KEY)
                .execute(&mut *conn)
                .await?;
            POSTGRES
        }
    };
    let result = apply(&mut conn, migrations).await;
    if store.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    result
}

async fn apply(conn: &mut sqlx::AnyConnection, migrations: &[(i64, &str)]) -> Result<()> {
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .await?;
    let done: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await?;
    for (version, sql) in migrations {
        if done.contains(version) {
            continue;
        }
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        tx.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(*sql))).await?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(*version)
            .bind(crate::now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, "applied migration");
    }
    Ok(())
}
