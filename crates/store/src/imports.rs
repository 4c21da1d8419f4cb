//! Import records: an uploaded file, its options, and its progress, so any server process
//! can run it and any page can show how far it got.

use leadline_core::time::{ms, opt_ms};
use serde::Serialize;

use crate::import::{ImportSummary, ReportedError};
use crate::{Result, Store, StoreError, new_id, now_ms};

/// An import as the UI shows it (without the file's bytes).
#[derive(Debug, Clone, Serialize)]
pub struct ImportRecord {
    pub id: String,
    pub filename: String,
    pub options: serde_json::Value,
    pub status: String,
    pub total_bytes: i64,
    pub processed_bytes: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub failed: i64,
    pub errors: Vec<ReportedError>,
    pub created_by: Option<String>,
    #[serde(with = "ms")]
    pub created_at: i64,
    #[serde(with = "opt_ms")]
    pub finished_at: Option<i64>,
}

const COLS: &str = "id, filename, options, status, total_bytes, processed_bytes, created, updated, unchanged, skipped, failed, errors, created_by, created_at, finished_at";

type Row = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
    Option<String>,
    i64,
    Option<i64>,
);

fn record(
    (
        id,
        filename,
        options,
        status,
        total_bytes,
        processed_bytes,
        created,
        updated,
        unchanged,
        skipped,
        failed,
        errors,
        created_by,
        created_at,
        finished_at,
    ): Row,
) -> ImportRecord {
    ImportRecord {
        id,
        filename,
        options: serde_json::from_str(&options).unwrap_or_default(),
        status,
        total_bytes,
        processed_bytes,
        created,
        updated,
        unchanged,
        skipped,
        failed,
        errors: serde_json::from_str(&errors).unwrap_or_default(),
        created_by,
        created_at,
        finished_at,
    }
}

impl Store {
    /// Stores an uploaded file with its options and queues the job that imports it, in one
    /// transaction: an acknowledged upload is never lost, and never imported without a job.
    pub async fn create_import(
        &self,
        filename: &str,
        options: &serde_json::Value,
        data: Vec<u8>,
        user_id: Option<&str>,
    ) -> Result<String> {
        let id = new_id();
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO imports (id, filename, options, status, total_bytes, data, created_by, created_at) VALUES ($1,$2,$3,'queued',$4,$5,$6,$7)")
            .bind(&id)
            .bind(filename)
            .bind(options.to_string())
            .bind(i64::try_from(data.len()).unwrap_or(i64::MAX))
            .bind(data)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO jobs (id, kind, payload, status, run_at, created_at) VALUES ($1, 'import', $2, 'queued', $3, $3)")
            .bind(new_id())
            .bind(serde_json::json!({ "import_id": id }).to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One import (without its bytes).
    pub async fn get_import(&self, id: &str) -> Result<ImportRecord> {
        let sql = format!("SELECT {COLS} FROM imports WHERE id = $1");
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(record(row.ok_or(StoreError::NotFound)?))
    }

    /// The newest imports.
    pub async fn list_imports(&self, limit: i64) -> Result<Vec<ImportRecord>> {
        let sql = format!("SELECT {COLS} FROM imports ORDER BY id DESC LIMIT $1");
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(record).collect())
    }

    /// The uploaded bytes of an import.
    pub async fn import_data(&self, id: &str) -> Result<Vec<u8>> {
        let data: Option<Option<Vec<u8>>> =
            sqlx::query_scalar("SELECT data FROM imports WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        data.flatten().ok_or(StoreError::NotFound)
    }

    /// Records progress (committed rows only) or the final result of an import.
    pub async fn record_import_progress(
        &self,
        id: &str,
        status: &str,
        s: &ImportSummary,
    ) -> Result<()> {
        let finished = matches!(status, "done" | "failed").then(now_ms);
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        sqlx::query(
            "UPDATE imports SET status = $1, processed_bytes = $2, created = $3, updated = $4, unchanged = $5, skipped = $6, \
             failed = $7, errors = $8, finished_at = $9 WHERE id = $10",
        )
        .bind(status)
        .bind(n(s.bytes_read))
        .bind(n(s.created))
        .bind(n(s.updated))
        .bind(n(s.unchanged))
        .bind(n(s.skipped))
        .bind(n(s.failed))
        .bind(serde_json::to_string(&s.errors).unwrap_or_else(|_| "[]".into()))
        .bind(finished)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
