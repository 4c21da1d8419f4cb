//! Helpers for test suites of every crate: a fresh database per test, on either backend.

use sqlx::Connection;

/// Environment variable naming a PostgreSQL server for the PostgreSQL run of the test suites.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// A database URL for one test: a new PostgreSQL database when `TEST_DATABASE_URL` is set,
/// else an SQLite file inside `dir`.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var(TEST_DATABASE_URL)
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(admin) => create_postgres_database(&admin)
            .await
            .expect("create a PostgreSQL test database"),
        None => format!("sqlite://{}", dir.join("test.db").display()),
    }
}

/// Creates a uniquely named database on the server at `admin_url` and returns its URL.
pub async fn create_postgres_database(admin_url: &str) -> Result<String, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let name = format!("ll_test_{}", crate::new_id().replace('-', ""));
    let mut conn = sqlx::AnyConnection::connect(admin_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(with_database(admin_url, &name))
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Records a webhook event through [`crate::webhooks::emit`] inside a write transaction,
/// then commits it or (`commit` false) rolls it back, as a failed change would: for tests
/// of the outbox's all-or-nothing promise.
pub async fn emit_webhook_in_tx(
    store: &crate::Store,
    event_type: &str,
    data: &serde_json::Value,
    now: i64,
    commit: bool,
) -> crate::Result<()> {
    let mut conn = store.begin_write().await?;
    crate::webhooks::emit(
        &mut crate::capture::tx::Tx::Any(&mut conn),
        event_type,
        data,
        now,
    )
    .await?;
    if commit {
        conn.commit().await?;
    } else {
        conn.rollback().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_database_name_replaces_the_path_and_keeps_the_query() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
