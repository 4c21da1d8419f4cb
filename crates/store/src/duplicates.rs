//! Duplicate management: the review queue of likely duplicate people and accounts.
//!
//! A scan ([`scan`]) proposes pairs; a reviewer merges a pair (through the capture writer,
//! like every other change to leads: see `Capturer::merge_candidate`) or dismisses it. A
//! dismissed pair is never proposed again; a merged pair stays as the record of its merge.

use leadline_core::time::{ms, opt_ms};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::page::{Cursor, Page};
use crate::{Result, Store, StoreError, now_ms};

mod detail;
mod merging;
mod parties;
mod rules;
/// Scans: how pairs are found (blocking, windows) and what a scan reports.
pub mod scan;
mod scan_accounts;

pub(crate) use detail::account_rules;
pub use detail::{CandidateDetail, FieldRow, FixedRow};
pub use merging::{AccountMerge, FieldOutcome, MergeChoice, Merged};
pub(crate) use rules::rules_in;
pub use rules::{QueuedScan, SCAN_JOB};
pub use scan::{KindStats, ScanSummary};

/// What a candidate pairs: two leads or two accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Person,
    Account,
}

impl Kind {
    /// The name stored in `duplicate_candidates.kind` and used by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Account => "account",
        }
    }

    /// Reads `person` or `account` (`people`, `accounts` too, as the UI tabs say).
    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim() {
            "person" | "people" | "persons" => Some(Kind::Person),
            "account" | "accounts" => Some(Kind::Account),
            _ => None,
        }
    }
}

/// Where a candidate stands in the review queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Merged,
    Dismissed,
}

impl Status {
    /// The name stored in `duplicate_candidates.status` and used by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Merged => "merged",
            Status::Dismissed => "dismissed",
        }
    }

    /// Reads `open`, `merged` or `dismissed`.
    pub fn parse(s: &str) -> Option<Status> {
        [Status::Open, Status::Merged, Status::Dismissed]
            .into_iter()
            .find(|x| x.as_str() == s.trim())
    }
}

/// One of the two records of a pair, as the reviewer calls them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Pick {
    A,
    B,
}

impl Pick {
    /// Reads `a` or `b` (any case), as forms and the CLI send them.
    pub fn parse(s: &str) -> Option<Pick> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a" => Some(Pick::A),
            "b" => Some(Pick::B),
            _ => None,
        }
    }

    /// The other record of the pair.
    pub fn other(self) -> Pick {
        match self {
            Pick::A => Pick::B,
            Pick::B => Pick::A,
        }
    }
}

/// Who does something to the queue: a user (by id) or nobody in particular, and through
/// which door (`ui`, `api`, `cli`, `job`). Recorded with every merge and dismissal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<String>,
    pub via: &'static str,
}

impl Actor {
    /// `user_id` acting through `via`.
    pub fn new(user_id: Option<String>, via: &'static str) -> Actor {
        Actor { user_id, via }
    }
}

/// A record of a pair as the queue shows it.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Party {
    pub id: String,
    /// A person's full name, or an account's company name.
    pub name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    /// A lead's account domain, or an account's own domain.
    pub domain: Option<String>,
    /// When the record was merged into another (it is now a tombstone).
    pub merged_into: Option<String>,
}

/// A likely duplicate pair in the review queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    pub id: String,
    pub kind: Kind,
    pub a: Party,
    pub b: Party,
    /// How sure the match is, 0–1.
    pub score: f64,
    pub reasons: Vec<String>,
    pub status: Status,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub found_at: i64,
    /// The user who merged or dismissed it (id; `null` for an API key or the CLI).
    pub resolved_by: Option<String>,
    pub resolved_by_email: Option<String>,
    /// `ui`, `api` or `cli`.
    pub resolved_via: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub resolved_at: Option<i64>,
    /// The reviewer's reason, when they gave one.
    pub note: Option<String>,
}

/// Filters of the queue; `status` defaults to open.
#[derive(Debug, Clone, Default)]
pub struct CandidateFilter {
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    /// Only pairs with this lead or account in them.
    pub record: Option<String>,
}

/// Open pairs per kind, for the queue's tabs.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub person: i64,
    pub account: i64,
}

const CANDIDATE_COLS: &str = "c.id, c.kind, c.a_id, c.b_id, c.score, c.reasons, c.status, c.found_at, c.resolved_by, \
    c.resolved_via, c.resolved_at, c.note, u.email AS resolved_by_email";

/// Open pairs whose records were merged since the scan are stale: a merge elsewhere made
/// them moot. They are hidden, and the next scan drops them.
const NOT_STALE: &str = "(c.status <> 'open' OR NOT EXISTS (SELECT 1 FROM leads l WHERE c.kind = 'person' \
    AND l.id IN (c.a_id, c.b_id) AND l.merged_into IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM accounts x \
    WHERE c.kind = 'account' AND x.id IN (c.a_id, c.b_id) AND x.merged_into IS NOT NULL))";

fn candidate_from(r: &AnyRow) -> Result<Candidate> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    let reasons: String = r.try_get("reasons")?;
    let id: String = r.try_get("id")?;
    let party = |col: &str| -> Result<Party> {
        Ok(Party {
            id: r.try_get(col)?,
            ..Party::default()
        })
    };
    Ok(Candidate {
        kind: Kind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("candidate {id} has kind {kind:?}")))?,
        status: Status::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("candidate {id} has status {status:?}")))?,
        a: party("a_id")?,
        b: party("b_id")?,
        score: r.try_get::<i64, _>("score")? as f64 / 1000.0,
        reasons: serde_json::from_str(&reasons).unwrap_or_default(),
        found_at: r.try_get("found_at")?,
        resolved_by: r.try_get("resolved_by")?,
        resolved_by_email: r.try_get("resolved_by_email")?,
        resolved_via: r.try_get("resolved_via")?,
        resolved_at: r.try_get("resolved_at")?,
        note: r.try_get("note")?,
        id,
    })
}

impl Store {
    /// One page of the queue. Open pairs come surest first; merged and dismissed ones most
    /// recently resolved first.
    pub async fn list_candidates(
        &self,
        filter: &CandidateFilter,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Candidate>> {
        let status = filter.status.unwrap_or(Status::Open);
        let mut sql = format!(
            "SELECT {CANDIDATE_COLS} FROM duplicate_candidates c LEFT JOIN users u ON u.id = c.resolved_by \
             WHERE c.status = $1 AND {NOT_STALE}"
        );
        let mut args: Vec<Bind> = vec![Bind::Text(status.as_str().to_owned())];
        let mut arg = |v: Bind| {
            args.push(v);
            format!("${}", args.len())
        };
        if let Some(kind) = filter.kind {
            sql.push_str(&format!(
                " AND c.kind = {}",
                arg(Bind::Text(kind.as_str().into()))
            ));
        }
        if let Some(record) = filter.record.as_deref().filter(|r| !r.is_empty()) {
            let p = arg(Bind::Text(record.into()));
            sql.push_str(&format!(" AND (c.a_id = {p} OR c.b_id = {p})"));
        }
        let open = status == Status::Open;
        if let Some(c) = cursor {
            let (k, id) = (
                arg(Bind::Int(c.key.unwrap_or(0))),
                arg(Bind::Text(c.id.clone())),
            );
            sql.push_str(&if open {
                format!(" AND (c.score < {k} OR (c.score = {k} AND c.id > {id}))")
            } else {
                format!(
                    " AND (COALESCE(c.resolved_at, 0) < {k} OR (COALESCE(c.resolved_at, 0) = {k} AND c.id < {id}))"
                )
            });
        }
        let n = arg(Bind::Int(crate::catalog::limit_plus_one(limit)));
        sql.push_str(if open {
            " ORDER BY c.score DESC, c.id ASC LIMIT "
        } else {
            " ORDER BY COALESCE(c.resolved_at, 0) DESC, c.id DESC LIMIT "
        });
        sql.push_str(&n);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in args {
            q = match a {
                Bind::Text(v) => q.bind(v),
                Bind::Int(v) => q.bind(v),
            };
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut items = rows
            .iter()
            .map(candidate_from)
            .collect::<Result<Vec<_>>>()?;
        self.fill_parties(&mut items).await?;
        Ok(Page::from_overfetch(items, limit, |c| Cursor {
            key: Some(if open {
                (c.score * 1000.0).round() as i64
            } else {
                c.resolved_at.unwrap_or(0)
            }),
            id: c.id.clone(),
        }))
    }

    /// One candidate, with its two records' summaries.
    pub async fn get_candidate(&self, id: &str) -> Result<Candidate> {
        let sql = format!(
            "SELECT {CANDIDATE_COLS} FROM duplicate_candidates c LEFT JOIN users u ON u.id = c.resolved_by WHERE c.id = $1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut items = vec![candidate_from(&row)?];
        self.fill_parties(&mut items).await?;
        Ok(items.remove(0))
    }

    /// Open pairs per kind (stale ones not counted).
    pub async fn count_open_candidates(&self) -> Result<Counts> {
        let sql = format!(
            "SELECT c.kind, COUNT(*) AS n FROM duplicate_candidates c WHERE c.status = 'open' AND {NOT_STALE} GROUP BY c.kind"
        );
        let rows: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        let mut counts = Counts::default();
        for (kind, n) in rows {
            match Kind::parse(&kind) {
                Some(Kind::Person) => counts.person = n,
                Some(Kind::Account) => counts.account = n,
                None => {}
            }
        }
        Ok(counts)
    }

    /// Marks an open pair "not a duplicate": it leaves the queue and no scan proposes it
    /// again. `Refused` when it is no longer open.
    pub async fn dismiss_candidate(
        &self,
        id: &str,
        actor: &Actor,
        note: Option<&str>,
    ) -> Result<Candidate> {
        let done = sqlx::query(
            "UPDATE duplicate_candidates SET status = 'dismissed', resolved_by = $1, resolved_via = $2, resolved_at = $3, note = $4 \
             WHERE id = $5 AND status = 'open'",
        )
        .bind(actor.user_id.as_deref())
        .bind(actor.via)
        .bind(now_ms())
        .bind(note.map(str::trim).filter(|n| !n.is_empty()))
        .bind(id)
        .execute(&self.pool)
        .await?;
        let candidate = self.get_candidate(id).await?;
        if done.rows_affected() == 0 {
            return Err(not_open(&candidate));
        }
        Ok(candidate)
    }
}

/// The refusal to act on a pair that was already merged or dismissed.
pub(crate) fn not_open(c: &Candidate) -> StoreError {
    StoreError::Refused {
        code: "not_open",
        message: format!(
            "this pair was already {}{}; it is no longer in the queue",
            c.status.as_str(),
            c.resolved_at
                .map(|t| format!(" on {}", leadline_core::time::rfc3339(t)))
                .unwrap_or_default()
        ),
    }
}

/// A bound value of a query built piece by piece.
enum Bind {
    Text(String),
    Int(i64),
}
