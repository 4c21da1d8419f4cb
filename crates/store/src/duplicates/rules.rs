//! What the queue is configured with and what runs it: the survivorship rules (kept in
//! settings, so every process merges alike), scans as background jobs, and past scans.

use leadline_core::dedupe::survivorship::Rules;

use super::Actor;
use super::scan::{ScanSummary, Stored};
use crate::capture::tx::Tx;
use crate::{Result, Store, StoreError};

/// The job kind of a duplicate scan (see `leadline_store::jobs`).
pub const SCAN_JOB: &str = "duplicates_scan";

/// The settings key of the survivorship rules (`FIELD=RULE …`, as `Rules` prints them).
const RULES_KEY: &str = "duplicates.survivorship";

/// Stored rules, or the defaults when none are stored. Stored text that no longer parses
/// (written by a newer version?) falls back to the defaults rather than blocking merges.
fn rules_from(stored: Option<String>) -> Rules {
    match stored {
        Some(text) => Rules::fill_blanks().with(&text).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "stored survivorship rules do not parse; using the defaults");
            Rules::default()
        }),
        None => Rules::default(),
    }
}

/// The rules in force, read inside a write transaction (a merge applies what is stored
/// when it commits).
pub(crate) async fn rules_in(conn: &mut Tx<'_>) -> Result<Rules> {
    let row = conn
        .fetch_optional(
            "SELECT value FROM settings WHERE key = $1",
            vec![RULES_KEY.into()],
        )
        .await?;
    Ok(rules_from(match row {
        Some(r) => Some(r.try_get("value")?),
        None => None,
    }))
}

/// A scan queued as a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedScan {
    pub job_id: String,
    /// True when a scan was already due or running (no second one is queued).
    pub already: bool,
}

impl Store {
    /// The survivorship rules merges apply by default.
    pub async fn survivorship_rules(&self) -> Result<Rules> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(RULES_KEY)
                .fetch_optional(&self.pool)
                .await?;
        Ok(rules_from(stored))
    }

    /// Replaces the survivorship rules; `None` goes back to the defaults.
    pub async fn set_survivorship_rules(&self, rules: Option<&Rules>) -> Result<Rules> {
        match rules {
            Some(r) => {
                sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    .bind(RULES_KEY)
                    .bind(r.to_string())
                    .execute(&self.pool)
                    .await?;
            }
            None => {
                sqlx::query("DELETE FROM settings WHERE key = $1")
                    .bind(RULES_KEY)
                    .execute(&self.pool)
                    .await?;
            }
        }
        self.survivorship_rules().await
    }

    /// Queues a scan to run at `run_at` unless one is due or running already. A scan
    /// scheduled for later (the nightly one) is brought forward instead of adding another.
    /// Scans are idempotent, so a rare second one (two processes asking at once) only costs
    /// time.
    pub async fn queue_duplicate_scan(&self, actor: &Actor, run_at: i64) -> Result<QueuedScan> {
        let due: Option<String> = sqlx::query_scalar(
            "SELECT id FROM jobs WHERE kind = $1 AND (status = 'running' OR (status = 'queued' AND run_at <= $2)) \
             ORDER BY run_at, id LIMIT 1",
        )
        .bind(SCAN_JOB)
        .bind(run_at)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(job_id) = due {
            return Ok(QueuedScan {
                job_id,
                already: true,
            });
        }
        let payload = serde_json::json!({"by_user": actor.user_id, "via": actor.via}).to_string();
        let later: Option<String> = sqlx::query_scalar(
            "SELECT id FROM jobs WHERE kind = $1 AND status = 'queued' ORDER BY run_at, id LIMIT 1",
        )
        .bind(SCAN_JOB)
        .fetch_optional(&self.pool)
        .await?;
        let job_id = match later {
            Some(id) => {
                sqlx::query("UPDATE jobs SET run_at = $1, payload = $2 WHERE id = $3")
                    .bind(run_at)
                    .bind(&payload)
                    .bind(&id)
                    .execute(&self.pool)
                    .await?;
                id
            }
            None => self.enqueue_job(SCAN_JOB, &payload, run_at).await?,
        };
        Ok(QueuedScan {
            job_id,
            already: false,
        })
    }

    /// Queues the next scheduled scan at `run_at` unless one is queued already (a running
    /// scan does not count: it is the one scheduling its successor).
    pub async fn schedule_duplicate_scan(&self, run_at: i64) -> Result<()> {
        let queued: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND status = 'queued'")
                .bind(SCAN_JOB)
                .fetch_one(&self.pool)
                .await?;
        if queued == 0 {
            let payload = serde_json::json!({"via": "job"}).to_string();
            self.enqueue_job(SCAN_JOB, &payload, run_at).await?;
        }
        Ok(())
    }

    /// Waits until no scan is due or running (tests and benches; polls every 20 ms, gives
    /// up after `timeout`).
    pub async fn wait_for_scans(&self, timeout: std::time::Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let busy: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND (status = 'running' OR (status = 'queued' AND run_at <= $2))",
            )
            .bind(SCAN_JOB)
            .bind(crate::now_ms())
            .fetch_one(&self.pool)
            .await?;
            if busy == 0 {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(StoreError::Corrupt(format!(
                    "a duplicate scan was still due or running after {timeout:?}"
                )));
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The most recent scans, newest first.
    pub async fn list_scans(&self, limit: i64) -> Result<Vec<ScanSummary>> {
        let rows: Vec<ScanRow> = sqlx::query_as(SCANS)
            .bind(limit.clamp(1, 100))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(scan_from).collect())
    }

    /// One scan.
    pub async fn get_scan(&self, id: &str) -> Result<ScanSummary> {
        let sql = SCANS.replace("ORDER BY s.started_at DESC LIMIT $1", "WHERE s.id = $1");
        let row: ScanRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(scan_from(row))
    }

    /// When the next scan is due, if one is queued (for the queue page).
    pub async fn next_scan_at(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(run_at) FROM jobs WHERE kind = $1 AND status IN ('queued', 'running')",
        )
        .bind(SCAN_JOB)
        .fetch_one(&self.pool)
        .await?)
    }
}

const SCANS: &str = "SELECT s.id, s.status, s.started_at, s.finished_at, s.by_user, u.email, s.via, s.summary, s.error \
    FROM duplicate_scans s LEFT JOIN users u ON u.id = s.by_user ORDER BY s.started_at DESC LIMIT $1";

/// id, status, started_at, finished_at, by_user, by_email, via, summary, error
type ScanRow = (
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

fn scan_from(r: ScanRow) -> ScanSummary {
    let (id, status, started_at, finished_at, by_user, by_email, via, summary, error) = r;
    let stored: Stored = summary
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    ScanSummary {
        id,
        status,
        started_at,
        duration_ms: finished_at.map(|f| f - started_at),
        finished_at,
        by_user,
        by_email,
        via,
        people: stored.people,
        accounts: stored.accounts,
        truncated: stored.truncated,
        error,
    }
}
