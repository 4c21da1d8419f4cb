//! A database-backed job queue shared by every `leadline serve` process on one database.
//!
//! A job is claimed with a lease: PostgreSQL picks it with `FOR UPDATE SKIP LOCKED`, so
//! several processes never take the same job; SQLite has one writer, so the claiming
//! transaction alone is enough. A process that dies leaves its lease to expire, and another
//! process (or the same one restarted) takes the job again: jobs must be idempotent.

use crate::{Backend, Result, Store, new_id, now_ms};

/// A claimed job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

const CLAIM_PG: &str = "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1 \
    WHERE id = (SELECT id FROM jobs WHERE ((status = 'queued' AND run_at <= $3) OR (status = 'running' AND locked_until < $3)) AND kind <> $4 \
    ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, kind, payload, attempts";
// SQLite's twin: no row locks, the IMMEDIATE transaction is the lock.
const CLAIM_SQLITE: &str = "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1 \
    WHERE id = (SELECT id FROM jobs WHERE ((status = 'queued' AND run_at <= $3) OR (status = 'running' AND locked_until < $3)) AND kind <> $4 \
    ORDER BY run_at, id LIMIT 1) RETURNING id, kind, payload, attempts";

impl Store {
    /// Queues a job to run at `run_at` (epoch ms).
    pub async fn enqueue_job(&self, kind: &str, payload: &str, run_at: i64) -> Result<String> {
        let id = new_id();
        sqlx::query("INSERT INTO jobs (id, kind, payload, status, run_at, created_at) VALUES ($1, $2, $3, 'queued', $4, $5)")
            .bind(&id)
            .bind(kind)
            .bind(payload)
            .bind(run_at)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(id)
    }

    /// Claims the next due job (or one whose lease expired) for `lease_ms`. Route jobs are
    /// not among them: [`Store::route_pending`] claims those in batches.
    pub async fn claim_job(&self, worker: &str, now: i64, lease_ms: i64) -> Result<Option<Job>> {
        let sql = match self.backend() {
            Backend::Postgres => CLAIM_PG,
            Backend::Sqlite => CLAIM_SQLITE,
        };
        let mut tx = self.begin_write().await?;
        let row: Option<(String, String, String, i64)> = sqlx::query_as(sql)
            .bind(worker)
            .bind(now + lease_ms)
            .bind(now)
            .bind(crate::routing::ROUTE_JOB)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.map(|(id, kind, payload, attempts)| Job {
            id,
            kind,
            payload,
            attempts,
        }))
    }

    /// Extends a running job's lease (long imports call this as they go).
    pub async fn renew_job(&self, id: &str, worker: &str, until: i64) -> Result<()> {
        sqlx::query("UPDATE jobs SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND status = 'running'")
            .bind(until)
            .bind(id)
            .bind(worker)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks a job done.
    pub async fn finish_job(&self, id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET status = 'done', finished_at = $1, locked_until = NULL WHERE id = $2",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failure: retried at `retry_at`, or given up (`None`).
    pub async fn fail_job(&self, id: &str, error: &str, retry_at: Option<i64>) -> Result<()> {
        let (status, run_at) = match retry_at {
            Some(t) => ("queued", t),
            None => ("failed", now_ms()),
        };
        sqlx::query("UPDATE jobs SET status = $1, run_at = $2, last_error = $3, locked_until = NULL WHERE id = $4")
            .bind(status)
            .bind(run_at)
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Jobs not yet done, for `/metrics` (queue depth).
    pub async fn pending_jobs(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
