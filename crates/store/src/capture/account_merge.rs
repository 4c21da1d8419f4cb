//! Merging two accounts judged to be one company: every lead moves to the surviving
//! account, the merged one stays as a tombstone (so its domain keeps leading new leads to
//! the survivor), and the merge is recorded in `account_merges` with a snapshot.

use leadline_core::dedupe::survivorship::{self, Record, Survivorship};

use super::lead_ops::How;
use super::tx::Tx;
use crate::{Result, StoreError, new_id};

/// One account's row, as the merge reads it.
struct Row {
    domain: String,
    name: Option<String>,
    created_at: i64,
}

async fn row(conn: &mut Tx<'_>, id: &str) -> Result<Row> {
    let r = conn
        .fetch_optional(
            "SELECT domain, name, created_at, merged_into FROM accounts WHERE id = $1",
            vec![id.into()],
        )
        .await?
        .ok_or_else(|| outdated("an account of this pair no longer exists"))?;
    if r.try_get::<Option<String>>("merged_into")?.is_some() {
        return Err(outdated(
            "an account of this pair was merged into another since the pair was found",
        ));
    }
    Ok(Row {
        domain: r.try_get("domain")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The refusal to merge records that changed since the pair was proposed.
pub(super) fn outdated(what: &str) -> StoreError {
    StoreError::Refused {
        code: "outdated",
        message: format!("{what}; run a scan to refresh the queue"),
    }
}

/// Merges account `merged` into `survivor`; returns the merge's id, the leads moved and the
/// name decision.
pub(super) async fn merge_account(
    conn: &mut Tx<'_>,
    now: i64,
    survivor: &str,
    merged: &str,
    how: &How<'_>,
) -> Result<(String, u64, Survivorship)> {
    let (keep, gone) = (row(conn, survivor).await?, row(conn, merged).await?);
    let record = |r: &Row| Record {
        values: r
            .name
            .iter()
            .map(|n| ("name".to_owned(), n.clone()))
            .collect(),
        created_at: r.created_at,
        updated_at: r.created_at,
    };
    let outcome = survivorship::survive(&record(&keep), &record(&gone), how.rules, how.choices);
    conn.execute(
        "UPDATE accounts SET merged_into = $1 WHERE id = $2 OR merged_into = $2",
        vec![survivor.into(), merged.into()],
    )
    .await?;
    conn.execute(
        "UPDATE accounts SET name = $1 WHERE id = $2",
        vec![outcome.values.get("name").cloned().into(), survivor.into()],
    )
    .await?;
    let moved = conn
        .execute(
            "UPDATE leads SET account_id = $1, updated_at = $2 WHERE account_id = $3",
            vec![survivor.into(), now.into(), merged.into()],
        )
        .await?;
    // Deals follow the company; the survivor is a customer since the earlier of the two.
    conn.execute(
        "UPDATE opportunities SET account_id = $1 WHERE account_id = $2",
        vec![survivor.into(), merged.into()],
    )
    .await?;
    conn.execute(
        "UPDATE accounts SET customer_since = (SELECT MIN(customer_since) FROM accounts WHERE id = $1 OR id = $2) WHERE id = $1",
        vec![survivor.into(), merged.into()],
    )
    .await?;
    let snapshot = serde_json::json!({
        "id": merged, "domain": gone.domain, "name": gone.name, "created_at": gone.created_at,
    });
    let merge_id = new_id();
    conn.execute(
        "INSERT INTO account_merges (id, survivor_id, merged_id, at, by_user, via, reason, snapshot, leads_moved) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        vec![
            merge_id.as_str().into(),
            survivor.into(),
            merged.into(),
            now.into(),
            how.by_user.into(),
            how.via.into(),
            how.reason.into(),
            snapshot.to_string().into(),
            i64::try_from(moved).unwrap_or(i64::MAX).into(),
        ],
    )
    .await?;
    Ok((merge_id, moved, outcome))
}
