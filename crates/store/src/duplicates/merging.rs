//! What a reviewer asks of a merge and what it did. The merge itself runs in the capture
//! writer (`Capturer::merge_candidate`), like every other change to leads.

use std::collections::BTreeMap;

use leadline_core::dedupe::survivorship::{DecidedBy, Decision, Side};
use serde::Serialize;

use super::{Kind, Pick};

/// A reviewer's decisions on a pair; everything left out follows the defaults.
#[derive(Debug, Clone, Default)]
pub struct MergeChoice {
    /// The record that lives on (default: the older lead, the account with more leads).
    pub survivor: Option<Pick>,
    /// Which record's value to keep, by field (`title`, `custom.industry`, `name` …).
    pub fields: BTreeMap<String, Pick>,
    /// Why they are one (kept with the merge and shown on the timeline).
    pub reason: Option<String>,
}

/// A pair merged.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Merged {
    pub candidate_id: String,
    pub kind: Kind,
    /// The lead or account that lives on.
    pub survivor_id: String,
    /// The one merged into it (now a tombstone pointing at the survivor).
    pub merged_id: String,
    pub merge_id: String,
    /// Which record each differing field's value came from, and why.
    pub fields: Vec<FieldOutcome>,
    /// Leads moved to the surviving account (accounts only).
    pub leads_moved: Option<u64>,
}

/// Where one field's surviving value came from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldOutcome {
    pub field: String,
    pub value: Option<String>,
    pub from: Pick,
    /// `reviewer`, or the rule that decided (`newest`, `most_complete` …).
    pub decided_by: String,
    /// True when the survivor's own value changed.
    pub changed: bool,
}

impl FieldOutcome {
    /// A core decision in the reviewer's terms (`a`/`b`), given which record survived.
    pub(crate) fn of(d: &Decision, survivor: Pick) -> FieldOutcome {
        FieldOutcome {
            field: d.field.clone(),
            value: d.value.clone(),
            from: match d.from {
                Side::Survivor => survivor,
                Side::Other => survivor.other(),
            },
            decided_by: match d.decided_by {
                DecidedBy::Reviewer => "reviewer".into(),
                DecidedBy::Rule(r) => r.as_str().into(),
            },
            changed: d.changed(),
        }
    }
}

/// One account merged into another.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountMerge {
    pub merged_id: String,
    /// The merged account's domain (it now leads to the surviving account).
    pub domain: Option<String>,
    pub name: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "leadline_core::time::ms")]
    pub at: i64,
    pub by_user: Option<String>,
    pub by_email: Option<String>,
    /// `ui`, `api` or `cli`.
    pub via: String,
    pub reason: String,
    pub leads_moved: i64,
}

impl crate::Store {
    /// The accounts merged into this one, oldest merge first.
    pub async fn account_merges(&self, account_id: &str) -> crate::Result<Vec<AccountMerge>> {
        type Row = (
            String,
            i64,
            Option<String>,
            Option<String>,
            String,
            String,
            String,
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT m.merged_id, m.at, m.by_user, u.email, m.via, m.reason, m.snapshot, m.leads_moved \
             FROM account_merges m LEFT JOIN users u ON u.id = m.by_user WHERE m.survivor_id = $1 ORDER BY m.at, m.id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(merged_id, at, by_user, by_email, via, reason, snapshot, leads_moved)| {
                    let snap: serde_json::Value =
                        serde_json::from_str(&snapshot).unwrap_or_default();
                    let text = |k: &str| snap[k].as_str().map(str::to_owned);
                    AccountMerge {
                        domain: text("domain"),
                        name: text("name"),
                        merged_id,
                        at,
                        by_user,
                        by_email,
                        via,
                        reason,
                        leads_moved,
                    }
                },
            )
            .collect())
    }
}
