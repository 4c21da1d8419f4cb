//! A lead's history: activities (newest first), stage changes and merges.

use leadline_core::time::ms;
use serde::Serialize;
use sqlx::Row;

use crate::page::{Cursor, Page};
use crate::{Result, Store};

/// One activity on a timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityItem {
    pub id: String,
    pub message_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: Option<String>,
    pub channel: Option<String>,
    pub campaign_id: Option<String>,
    pub campaign: Option<String>,
    pub lead_id: Option<String>,
    pub visitor_id: Option<String>,
    pub origin: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub occurred_at: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub received_at: i64,
    pub properties: serde_json::Value,
    pub context: serde_json::Value,
}

/// One lifecycle stage change.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageChange {
    pub from: Option<String>,
    pub to: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub at: i64,
    pub by_user: Option<String>,
    pub reason: String,
}

/// One merge of another lead into this one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Merge {
    pub merged_id: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub at: i64,
    pub reason: String,
    pub snapshot: serde_json::Value,
    /// The user who merged (id and email); `null` for an automatic or API-key merge.
    pub by_user: Option<String>,
    pub by_email: Option<String>,
    /// `capture` (one identifier proved them one person), `ui`, `api` or `cli`.
    pub via: Option<String>,
    /// Where each differing field's value came from: `[{field, value, from: survivor|other,
    /// survivor_value, other_value, decided_by}]`.
    pub fields: serde_json::Value,
}

impl Store {
    /// A lead's activities, newest first, keyset-paginated.
    pub async fn lead_activities(
        &self,
        lead_id: &str,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<ActivityItem>> {
        let base = "SELECT a.id, a.message_id, a.type, a.name, a.channel, a.campaign_id, c.name AS campaign, a.lead_id, a.visitor_id, \
                    a.origin, a.occurred_at, a.received_at, a.properties, a.context \
                    FROM activities a LEFT JOIN campaigns c ON c.id = a.campaign_id WHERE a.lead_id = $1";
        let rows = match cursor {
            Some(c) => {
                let sql = format!(
                    "{base} AND (a.occurred_at < $2 OR (a.occurred_at = $2 AND a.id < $3)) ORDER BY a.occurred_at DESC, a.id DESC LIMIT $4"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(lead_id)
                    .bind(c.key.unwrap_or(i64::MAX))
                    .bind(&c.id)
                    .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                let sql = format!("{base} ORDER BY a.occurred_at DESC, a.id DESC LIMIT $2");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(lead_id)
                    .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        let json = |s: Option<String>| {
            s.and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or(serde_json::Value::Null)
        };
        let items = rows
            .iter()
            .map(|r| {
                Ok(ActivityItem {
                    id: r.try_get("id")?,
                    message_id: r.try_get("message_id")?,
                    kind: r.try_get("type")?,
                    name: r.try_get("name")?,
                    channel: r.try_get("channel")?,
                    campaign_id: r.try_get("campaign_id")?,
                    campaign: r.try_get("campaign")?,
                    lead_id: r.try_get("lead_id")?,
                    visitor_id: r.try_get("visitor_id")?,
                    origin: r.try_get("origin")?,
                    occurred_at: r.try_get("occurred_at")?,
                    received_at: r.try_get("received_at")?,
                    properties: json(r.try_get("properties")?),
                    context: json(r.try_get("context")?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |a| Cursor {
            key: Some(a.occurred_at),
            id: a.id.clone(),
        }))
    }

    /// A lead's stage changes, oldest first.
    pub async fn lead_stage_changes(&self, lead_id: &str) -> Result<Vec<StageChange>> {
        // from_stage, to_stage, at, by_user, reason
        type StageRow = (Option<String>, String, i64, Option<String>, String);
        let rows: Vec<StageRow> =
            sqlx::query_as("SELECT from_stage, to_stage, at, by_user, reason FROM stage_changes WHERE lead_id = $1 ORDER BY at, id")
                .bind(lead_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(from, to, at, by_user, reason)| StageChange {
                from,
                to,
                at,
                by_user,
                reason,
            })
            .collect())
    }

    /// The leads merged into this one, oldest merge first.
    pub async fn lead_merges(&self, lead_id: &str) -> Result<Vec<Merge>> {
        type MergeRow = (
            String,
            i64,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<MergeRow> = sqlx::query_as(
            "SELECT m.merged_id, m.at, m.reason, m.snapshot, m.by_user, u.email, m.via, m.fields \
             FROM merges m LEFT JOIN users u ON u.id = m.by_user WHERE m.survivor_id = $1 ORDER BY m.at, m.id",
        )
        .bind(lead_id)
        .fetch_all(&self.pool)
        .await?;
        let json = |s: Option<String>| {
            s.and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or(serde_json::Value::Array(Vec::new()))
        };
        Ok(rows
            .into_iter()
            .map(
                |(merged_id, at, reason, snap, by_user, by_email, via, fields)| Merge {
                    merged_id,
                    at,
                    reason,
                    snapshot: serde_json::from_str(&snap).unwrap_or_default(),
                    by_user,
                    by_email,
                    via,
                    fields: json(fields),
                },
            )
            .collect())
    }
}
