//! Changes a person asks for that go through the capture writer: merging a reviewed
//! duplicate pair. Leads change in one place, in order with captured events (on SQLite the
//! writer is the only writer of leads), so a merge never races an event for the same lead.
//! Each request is one transaction of its own, between capture groups.

use std::collections::BTreeMap;

use leadline_core::dedupe::survivorship::{self, Side};
use leadline_core::policy::Policy;
use tokio::sync::oneshot;

use super::account_merge::{merge_account, outdated};
use super::lead_ops::{How, merge_lead};
use super::tx::Tx;
use super::{Capturer, Writer, apply, lite};
use crate::duplicates::{
    Actor, FieldOutcome, Kind, MergeChoice, Merged, Pick, Status, account_rules, rules_in,
};
use crate::{Result, StoreError, new_id, now_ms};

/// A merge waiting for the writer.
pub(super) struct OpRequest {
    id: String,
    choice: MergeChoice,
    actor: Actor,
    reply: oneshot::Sender<Result<Merged>>,
}

impl Capturer {
    /// Merges the pair `id` of the duplicate queue as the reviewer chose, and returns what
    /// the merge did. `NotFound` for an unknown pair; `Refused` when it is no longer open or
    /// its records changed since the scan; `Invalid` for a field that cannot be chosen.
    pub async fn merge_candidate(
        &self,
        id: &str,
        choice: MergeChoice,
        actor: Actor,
    ) -> Result<Merged> {
        let (reply, answer) = oneshot::channel();
        let req = OpRequest {
            id: id.to_owned(),
            choice,
            actor,
            reply,
        };
        self.ops
            .send(req)
            .await
            .map_err(|_| StoreError::Corrupt("capture writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Corrupt("capture writer dropped the request".into()))?
    }
}

impl Writer {
    /// Runs one request in a transaction of its own and answers it.
    pub(super) async fn run_op(&mut self, req: OpRequest) {
        let result = self.op_in_tx(&req).await;
        let _ = req.reply.send(result);
    }

    async fn op_in_tx(&mut self, req: &OpRequest) -> Result<Merged> {
        let policy = self.store.policy();
        if let Some(path) = self.store.sqlite_file() {
            let lite = match self.lite.take() {
                Some(c) => c,
                None => lite::Lite::open(path)?,
            };
            let lite = self.lite.insert(lite);
            let conn = &mut lite.conn;
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let result = merge_in(&mut Tx::Lite(conn), req, &policy).await;
            let result = result.and_then(|r| Ok(conn.execute_batch("COMMIT").map(|()| r)?));
            if result.is_err() {
                let _ = conn.execute_batch("ROLLBACK");
            } else {
                lite.committed();
            }
            return result;
        }
        let backend = self.store.backend();
        let conn = self.connection().await?;
        let mut tx = apply::begin(conn, backend).await?;
        let result = merge_in(&mut Tx::Any(&mut tx), req, &policy).await;
        match result {
            Ok(r) => {
                tx.commit().await?;
                Ok(r)
            }
            Err(e) => {
                drop(tx);
                Err(e)
            }
        }
    }
}

/// The merge of one candidate, inside the writer's transaction. A merged lead is assessed
/// again at once (qualification, scores, grade), like any lead a capture touches: its
/// engagement now counts both histories.
async fn merge_in(conn: &mut Tx<'_>, req: &OpRequest, policy: &Policy) -> Result<Merged> {
    let now = now_ms();
    let c = conn
        .fetch_optional(
            "SELECT kind, a_id, b_id, status, resolved_at FROM duplicate_candidates WHERE id = $1",
            vec![req.id.as_str().into()],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let (kind, a, b, status): (String, String, String, String) = (
        c.try_get("kind")?,
        c.try_get("a_id")?,
        c.try_get("b_id")?,
        c.try_get("status")?,
    );
    if status != Status::Open.as_str() {
        let at: Option<i64> = c.try_get("resolved_at")?;
        return Err(StoreError::Refused {
            code: "not_open",
            message: format!(
                "this pair was already {status}{}; it is no longer in the queue",
                at.map(|t| format!(" on {}", leadline_core::time::rfc3339(t)))
                    .unwrap_or_default()
            ),
        });
    }
    let kind = Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("kind {kind:?}")))?;
    let pick = match req.choice.survivor {
        Some(p) => p,
        None => default_survivor(conn, kind, &a, &b).await?,
    };
    let (survivor, merged) = match pick {
        Pick::A => (a.as_str(), b.as_str()),
        Pick::B => (b.as_str(), a.as_str()),
    };
    let choices = choices(kind, pick, &req.choice.fields)?;
    let reason = req
        .choice
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let how_reason = reason.unwrap_or("reviewed as a likely duplicate");
    let (merge_id, outcome, leads_moved) = match kind {
        Kind::Person => {
            live_leads(conn, &a, &b).await?;
            let rules = rules_in(conn).await?;
            let how = how(how_reason, &req.actor, &rules, &choices);
            let (id, outcome) = merge_lead(conn, now, survivor, merged, &how).await?;
            crate::scores::refresh(conn, &[survivor.to_owned()], now, policy).await?;
            (id, outcome, None)
        }
        Kind::Account => {
            let rules = account_rules();
            let how = how(how_reason, &req.actor, &rules, &choices);
            let (id, moved, outcome) = merge_account(conn, now, survivor, merged, &how).await?;
            (id, outcome, Some(moved))
        }
    };
    conn.execute(
        "UPDATE duplicate_candidates SET status = 'merged', resolved_by = $1, resolved_via = $2, resolved_at = $3, note = $4 WHERE id = $5",
        vec![
            req.actor.user_id.as_deref().into(),
            req.actor.via.into(),
            now.into(),
            reason.into(),
            req.id.as_str().into(),
        ],
    )
    .await?;
    follow_merge(conn, kind, survivor, merged).await?;
    Ok(Merged {
        candidate_id: req.id.clone(),
        kind,
        survivor_id: survivor.to_owned(),
        merged_id: merged.to_owned(),
        merge_id,
        fields: outcome
            .decisions
            .iter()
            .map(|d| FieldOutcome::of(d, pick))
            .collect(),
        leads_moved,
    })
}

fn how<'a>(
    reason: &'a str,
    actor: &'a Actor,
    rules: &'a survivorship::Rules,
    choices: &'a BTreeMap<String, Side>,
) -> How<'a> {
    How {
        reason,
        by_user: actor.user_id.as_deref(),
        via: actor.via,
        rules,
        choices,
    }
}

/// The reviewer's `a`/`b` picks as survivor/other sides; a field that cannot be chosen is
/// `Invalid`, naming it.
fn choices(
    kind: Kind,
    survivor: Pick,
    fields: &BTreeMap<String, Pick>,
) -> Result<BTreeMap<String, Side>> {
    fields
        .iter()
        .map(|(f, p)| {
            let ok = match kind {
                Kind::Person => survivorship::is_field(f),
                Kind::Account => f == "name",
            };
            if !ok {
                return Err(StoreError::Invalid(format!(
                    "unknown field {f:?}: choose among {}",
                    match kind {
                        Kind::Person => "email, first_name, last_name, title, phone, company, country, website or custom.NAME",
                        Kind::Account => "name",
                    }
                )));
            }
            let side = if *p == survivor { Side::Survivor } else { Side::Other };
            Ok((f.clone(), side))
        })
        .collect()
}

/// The default survivor when the reviewer names none: the older lead, or the account with
/// more leads (then the older one); what the review screen preselects.
async fn default_survivor(conn: &mut Tx<'_>, kind: Kind, a: &str, b: &str) -> Result<Pick> {
    let sql = match kind {
        Kind::Person => {
            "SELECT id, CAST(0 AS BIGINT) AS weight, created_at FROM leads WHERE id IN ($1, $2)"
        }
        Kind::Account => {
            "SELECT x.id, (SELECT COUNT(*) FROM leads l WHERE l.account_id = x.id AND l.merged_into IS NULL) AS weight, \
             x.created_at FROM accounts x WHERE x.id IN ($1, $2)"
        }
    };
    let mut best: Option<(i64, i64, String)> = None;
    for r in conn.fetch_all(sql, vec![a.into(), b.into()]).await? {
        let (id, weight, created): (String, i64, i64) = (
            r.try_get("id")?,
            r.try_get("weight")?,
            r.try_get("created_at")?,
        );
        let rank = (-weight, created, id);
        if best.as_ref().is_none_or(|b| rank < *b) {
            best = Some(rank);
        }
    }
    Ok(match best {
        Some((_, _, id)) if id == b => Pick::B,
        _ => Pick::A,
    })
}

/// Refuses to merge leads of which one no longer exists or was merged elsewhere.
async fn live_leads(conn: &mut Tx<'_>, a: &str, b: &str) -> Result<()> {
    let rows = conn
        .fetch_all(
            "SELECT id, merged_into FROM leads WHERE id IN ($1, $2)",
            vec![a.into(), b.into()],
        )
        .await?;
    if rows.len() < 2 {
        return Err(outdated("a lead of this pair no longer exists"));
    }
    for r in rows {
        if r.try_get::<Option<String>>("merged_into")?.is_some() {
            return Err(outdated(
                "a lead of this pair was merged into another since the pair was found",
            ));
        }
    }
    Ok(())
}

/// After a merge, the queue follows: open pairs with the merged record go (the next scan
/// proposes the survivor's own), and a "not a duplicate" said of the merged record now holds
/// for the survivor, so the same pair does not come back under a new id.
async fn follow_merge(conn: &mut Tx<'_>, kind: Kind, survivor: &str, merged: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM duplicate_candidates WHERE kind = $1 AND status = 'open' AND (a_id = $2 OR b_id = $2)",
        vec![kind.as_str().into(), merged.into()],
    )
    .await?;
    let dismissed = conn
        .fetch_all(
            "SELECT a_id, b_id, score, reasons, found_at, resolved_by, resolved_via, resolved_at FROM duplicate_candidates \
             WHERE kind = $1 AND status = 'dismissed' AND (a_id = $2 OR b_id = $2)",
            vec![kind.as_str().into(), merged.into()],
        )
        .await?;
    for r in dismissed {
        let (a, b): (String, String) = (r.try_get("a_id")?, r.try_get("b_id")?);
        let other = if a == merged { b } else { a };
        if other == survivor {
            continue;
        }
        let (x, y) = leadline_core::dedupe::canonical_pair(survivor, &other);
        let found_at: i64 = r.try_get("found_at")?;
        conn.execute(
            "INSERT INTO duplicate_candidates (id, kind, a_id, b_id, score, reasons, status, found_at, seen_at, resolved_by, \
             resolved_via, resolved_at, note) VALUES ($1, $2, $3, $4, $5, $6, 'dismissed', $7, $7, $8, $9, $10, $11) \
             ON CONFLICT (kind, a_id, b_id) DO UPDATE SET status = 'dismissed', resolved_by = excluded.resolved_by, \
             resolved_via = excluded.resolved_via, resolved_at = excluded.resolved_at, note = excluded.note \
             WHERE duplicate_candidates.status = 'open'",
            vec![
                new_id().into(),
                kind.as_str().into(),
                x.into(),
                y.into(),
                r.try_get::<i64>("score")?.into(),
                r.try_get::<String>("reasons")?.into(),
                found_at.into(),
                r.try_get::<Option<String>>("resolved_by")?.into(),
                r.try_get::<Option<String>>("resolved_via")?.into(),
                r.try_get::<Option<i64>>("resolved_at")?.into(),
                "carried over: dismissed with a record since merged into this one".into(),
            ],
        )
        .await?;
    }
    Ok(())
}
