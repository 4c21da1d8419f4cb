//! Finding likely duplicates without comparing every pair.
//!
//! People are put in blocks by SQL that runs unchanged on both engines: the same phone
//! number (its last nine digits), the same account and a name starting alike, the same
//! company name and last name starting alike, the same first and last name. One query per
//! block kind sorts the leads by block and streams only the blocks of two or more; each new
//! member is scored against the block's others with [`likely_same`]. A block larger than
//! [`CAP`] (a switchboard number, a very common name) is compared in a sliding window of
//! [`WINDOW`] neighbours over a second sort key (sorted-neighbourhood), so one huge block
//! costs `n × WINDOW` comparisons, not `n²/2`.
//!
//! Accounts are few (one per company domain) and are blocked in memory ([`super::scan_accounts`]).
//! Found pairs are upserted into the queue: open pairs get their new score, dismissed and
//! merged ones are left alone, and open pairs this scan no longer finds are dropped.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use leadline_core::Email;
use leadline_core::dedupe::{Likely, Person, canonical_pair, likely_same};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

use super::{Actor, Kind};
use crate::{Backend, Result, Store, new_id, now_ms};

/// Blocks up to this size are compared pair by pair.
pub const CAP: usize = 50;
/// Larger blocks compare each member with this many neighbours.
pub const WINDOW: usize = 10;
/// A scan keeps at most this many pairs per kind; beyond, it stops proposing and says so.
const MAX_PAIRS: usize = 200_000;

/// What a scan did for one kind of record.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KindStats {
    /// Live records looked at.
    pub records: u64,
    /// Blocks of two or more records.
    pub blocks: u64,
    /// Blocks larger than the cap, compared in a sliding window.
    pub large_blocks: u64,
    /// Pairs scored.
    pub compared: u64,
    /// Likely duplicate pairs found.
    pub found: u64,
    /// Of those, pairs not in the queue before.
    pub new: u64,
    /// Open pairs an earlier scan proposed and this one no longer finds.
    pub dropped: u64,
}

/// One scan: when, by whom, and what it found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScanSummary {
    pub id: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "leadline_core::time::ms")]
    pub started_at: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "leadline_core::time::opt_ms")]
    pub finished_at: Option<i64>,
    pub duration_ms: Option<i64>,
    pub by_user: Option<String>,
    pub by_email: Option<String>,
    /// `ui`, `api`, `cli` or `job` (the scheduled scan).
    pub via: String,
    pub people: KindStats,
    pub accounts: KindStats,
    /// True when a kind hit the limit of pairs one scan keeps.
    pub truncated: bool,
    pub error: Option<String>,
}

/// What `duplicate_scans.summary` holds.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Stored {
    pub people: KindStats,
    pub accounts: KindStats,
    pub truncated: bool,
}

/// Pairs found so far, by canonical ids.
#[derive(Default)]
pub(super) struct Found {
    pub pairs: HashMap<(String, String), Likely>,
    pub truncated: bool,
}

impl Found {
    /// Keeps a pair found, once whichever way round, up to [`MAX_PAIRS`].
    pub fn add(&mut self, a: &str, b: &str, likely: Likely) {
        let (a, b) = canonical_pair(a, b);
        if self.pairs.len() >= MAX_PAIRS && !self.pairs.contains_key(&(a.to_owned(), b.to_owned()))
        {
            self.truncated = true;
            return;
        }
        self.pairs.insert((a.to_owned(), b.to_owned()), likely);
    }
}

/// One way of blocking people: the key that puts leads in one block, the order within a
/// block (what the sliding window follows), and the leads it applies to.
struct Block {
    name: &'static str,
    key: &'static str,
    order: &'static str,
    only: &'static str,
}

/// The lead columns scoring needs.
const COLS: &str = "id, first_name, last_name, company, email, phone, account_id";

/// Digits of a phone number for the usual separators (`+44 (20) 7946-0958` → `442079460958`).
const DIGITS: &str = "REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', ''), '/', '')";

const BLOCKS: &[Block] = &[
    Block {
        name: "phone",
        // The last nine digits, like `dedupe::phone_key` (SUBSTR's negative start differs
        // between the engines, hence the CASE).
        key: "CASE WHEN LENGTH(d) > 9 THEN SUBSTR(d, LENGTH(d) - 8) ELSE d END",
        order: "LOWER(COALESCE(last_name, ''))",
        only: "LENGTH(d) >= 7",
    },
    Block {
        name: "account + last name",
        key: "account_id || '|' || SUBSTR(LOWER(TRIM(last_name)), 1, 3)",
        order: "LOWER(COALESCE(first_name, ''))",
        only: "account_id IS NOT NULL AND TRIM(last_name) <> ''",
    },
    Block {
        name: "account + first name",
        key: "account_id || '|' || SUBSTR(LOWER(TRIM(first_name)), 1, 3)",
        order: "LOWER(COALESCE(last_name, ''))",
        only: "account_id IS NOT NULL AND TRIM(first_name) <> ''",
    },
    Block {
        name: "company + last name",
        key: "LOWER(TRIM(company)) || '|' || SUBSTR(LOWER(TRIM(last_name)), 1, 3)",
        order: "LOWER(COALESCE(first_name, ''))",
        only: "TRIM(company) <> '' AND TRIM(last_name) <> ''",
    },
    Block {
        name: "full name",
        key: "LOWER(TRIM(first_name)) || ' ' || LOWER(TRIM(last_name))",
        order: "LOWER(COALESCE(company, ''))",
        only: "TRIM(first_name) <> '' AND TRIM(last_name) <> ''",
    },
];

impl Block {
    /// Leads in blocks of two or more, block by block, in window order.
    fn sql(&self) -> String {
        format!(
            "SELECT {COLS}, k, n FROM (SELECT b.*, COUNT(*) OVER (PARTITION BY k) AS n FROM \
             (SELECT {COLS}, {key} AS k, {order} AS s FROM (SELECT {COLS}, {DIGITS} AS d FROM leads WHERE merged_into IS NULL) l \
             WHERE {only}) b) w WHERE n > 1 ORDER BY k, s, id",
            key = self.key,
            order = self.order,
            only = self.only,
        )
    }
}

/// A lead as scoring sees it.
struct Member {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    company: Option<String>,
    email: Option<Email>,
    phone: Option<String>,
    account: Option<String>,
}

impl Member {
    fn person(&self) -> Person<'_> {
        Person {
            first_name: self.first_name.as_deref(),
            last_name: self.last_name.as_deref(),
            company: self.company.as_deref(),
            email: self.email.as_ref(),
            phone: self.phone.as_deref(),
            account: self.account.as_deref(),
        }
    }
}

impl Store {
    /// Scans every live lead and account for likely duplicates and refreshes the queue.
    /// The scan is recorded (see [`Store::list_scans`]) whether it succeeds or fails.
    pub async fn scan_duplicates(&self, actor: &Actor) -> Result<ScanSummary> {
        let (id, started) = (new_id(), now_ms());
        sqlx::query("INSERT INTO duplicate_scans (id, status, started_at, by_user, via) VALUES ($1, 'running', $2, $3, $4)")
            .bind(&id)
            .bind(started)
            .bind(actor.user_id.as_deref())
            .bind(actor.via)
            .execute(&self.pool)
            .await?;
        let result = self.run_scan(started).await;
        let finished = now_ms();
        let (status, summary, error) = match &result {
            Ok(stored) => ("done", serde_json::to_string(stored).ok(), None),
            Err(e) => ("failed", None, Some(e.to_string())),
        };
        sqlx::query("UPDATE duplicate_scans SET status = $1, finished_at = $2, summary = $3, error = $4 WHERE id = $5")
            .bind(status)
            .bind(finished)
            .bind(summary)
            .bind(error)
            .bind(&id)
            .execute(&self.pool)
            .await?;
        result?;
        self.get_scan(&id).await
    }

    async fn run_scan(&self, started: i64) -> Result<Stored> {
        let mut people = KindStats {
            records: self.count_leads().await?.try_into().unwrap_or(0),
            ..KindStats::default()
        };
        let mut found = Found::default();
        for block in BLOCKS {
            let t = std::time::Instant::now();
            self.scan_block(block, &mut found, &mut people).await?;
            tracing::debug!(
                block = block.name,
                ms = t.elapsed().as_millis() as u64,
                pairs = found.pairs.len(),
                "duplicate scan block"
            );
        }
        let truncated = found.truncated;
        self.save_pairs(Kind::Person, found, started, &mut people)
            .await?;
        let mut accounts = KindStats::default();
        let found = self.account_pairs(&mut accounts).await?;
        let truncated = truncated || found.truncated;
        self.save_pairs(Kind::Account, found, started, &mut accounts)
            .await?;
        Ok(Stored {
            people,
            accounts,
            truncated,
        })
    }

    async fn scan_block(
        &self,
        block: &Block,
        found: &mut Found,
        stats: &mut KindStats,
    ) -> Result<()> {
        let sql = block.sql();
        let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&self.pool);
        let mut key: Option<String> = None;
        let mut members: Vec<Member> = Vec::new();
        while let Some(r) = rows.try_next().await? {
            let (k, n): (String, i64) = (r.try_get("k")?, r.try_get("n")?);
            let large = usize::try_from(n).unwrap_or(usize::MAX) > CAP;
            if key.as_deref() != Some(k.as_str()) {
                members.clear();
                key = Some(k);
                stats.blocks += 1;
                stats.large_blocks += u64::from(large);
            }
            let email: Option<String> = r.try_get("email")?;
            let m = Member {
                id: r.try_get("id")?,
                first_name: r.try_get("first_name")?,
                last_name: r.try_get("last_name")?,
                company: r.try_get("company")?,
                email: email.and_then(|e| Email::parse(&e).ok()),
                phone: r.try_get("phone")?,
                account: r.try_get("account_id")?,
            };
            let window = if large { WINDOW } else { CAP };
            let from = members.len().saturating_sub(window);
            for other in &members[from..] {
                stats.compared += 1;
                if let Some(l) = likely_same(&m.person(), &other.person()) {
                    found.add(&m.id, &other.id, l);
                }
            }
            members.push(m);
            if members.len() > CAP {
                members.drain(..members.len() - WINDOW);
            }
        }
        Ok(())
    }

    /// Upserts the pairs of one kind and drops the open ones this scan did not find again.
    pub(super) async fn save_pairs(
        &self,
        kind: Kind,
        found: Found,
        started: i64,
        stats: &mut KindStats,
    ) -> Result<()> {
        stats.found = found.pairs.len() as u64;
        let rows: Vec<((String, String), Likely)> = found.pairs.into_iter().collect();
        const ROWS: usize = 400;
        for chunk in rows.chunks(ROWS * 5) {
            let mut tx = self.begin_write().await?;
            for part in chunk.chunks(ROWS) {
                let sql = format!(
                    "INSERT INTO duplicate_candidates (id, kind, a_id, b_id, score, reasons, status, found_at, seen_at) VALUES {} \
                     ON CONFLICT (kind, a_id, b_id) DO UPDATE SET score = excluded.score, reasons = excluded.reasons, \
                     seen_at = excluded.seen_at WHERE duplicate_candidates.status = 'open'",
                    self.value_rows(part.len(), 8)
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for ((a, b), l) in part {
                    q = q
                        .bind(new_id())
                        .bind(kind.as_str())
                        .bind(a)
                        .bind(b)
                        .bind((l.score.clamp(0.0, 1.0) * 1000.0).round() as i64)
                        .bind(serde_json::to_string(&l.reasons).unwrap_or_else(|_| "[]".into()))
                        .bind(started)
                        .bind(started);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        }
        stats.new = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM duplicate_candidates WHERE kind = $1 AND status = 'open' AND found_at = $2",
        )
        .bind(kind.as_str())
        .bind(started)
        .fetch_one(&self.pool)
        .await?
        .try_into()
        .unwrap_or(0);
        if !found.truncated {
            stats.dropped = sqlx::query(
                "DELETE FROM duplicate_candidates WHERE kind = $1 AND status = 'open' AND seen_at < $2",
            )
            .bind(kind.as_str())
            .bind(started)
            .execute(&self.pool)
            .await?
            .rows_affected();
        }
        Ok(())
    }

    /// `(…, 'open', …)` value rows of `cols` bound values plus the literal status, with `?`
    /// on SQLite (numbered parameters cost a linear scan each there) and `$N` on PostgreSQL.
    fn value_rows(&self, rows: usize, cols: usize) -> String {
        let anonymous = self.backend() == Backend::Sqlite;
        let mut n = 0;
        let mut p = || {
            n += 1;
            if anonymous {
                "?".to_owned()
            } else {
                format!("${n}")
            }
        };
        (0..rows)
            .map(|_| {
                let v: Vec<String> = (0..cols).map(|_| p()).collect();
                // id, kind, a, b, score, reasons, 'open', found_at, seen_at
                format!("({}, 'open', {})", v[..6].join(", "), v[6..].join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}
