//! Installation-wide settings kept in the database, so that every `leadline serve` process
//! sharing one database agrees on them (e.g. the secret that signs form render tokens).

use crate::{Result, Store};

impl Store {
    /// The value stored under `key`, creating it with `make()` on first use. Concurrent
    /// first uses by several processes agree on one value.
    pub async fn setting_or_init(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(make())
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
