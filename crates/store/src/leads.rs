//! Reading leads: the filtered, keyset-paginated list, one lead, and its timeline.

use leadline_core::time::{ms, opt_ms};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::page::{Cursor, Page};
use crate::{Result, Store, StoreError};

/// A lead as the API and UI show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Lead {
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub country: Option<String>,
    pub website: Option<String>,
    pub user_id: Option<String>,
    pub external_key: Option<String>,
    pub account_id: Option<String>,
    pub account_domain: Option<String>,
    pub stage: String,
    pub owner_id: Option<String>,
    pub source_channel: Option<String>,
    pub source_campaign_id: Option<String>,
    pub source_campaign: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub first_touch_at: Option<i64>,
    pub consent: Option<bool>,
    pub custom: serde_json::Value,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub created_at: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub updated_at: i64,
}

const LEAD_COLUMNS: &str = "l.id, l.email, l.first_name, l.last_name, l.title, l.phone, l.company, l.country, l.website, \
    l.user_id, l.external_key, l.account_id, a.domain AS account_domain, l.stage, l.owner_id, l.source_channel, \
    l.source_campaign_id, c.name AS source_campaign, l.first_touch_at, l.consent, l.custom, l.created_at, l.updated_at \
    FROM leads l LEFT JOIN accounts a ON a.id = l.account_id LEFT JOIN campaigns c ON c.id = l.source_campaign_id";

fn lead_from_row(r: &AnyRow) -> Result<Lead> {
    let custom: String = r.try_get("custom")?;
    Ok(Lead {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        first_name: r.try_get("first_name")?,
        last_name: r.try_get("last_name")?,
        title: r.try_get("title")?,
        phone: r.try_get("phone")?,
        company: r.try_get("company")?,
        country: r.try_get("country")?,
        website: r.try_get("website")?,
        user_id: r.try_get("user_id")?,
        external_key: r.try_get("external_key")?,
        account_id: r.try_get("account_id")?,
        account_domain: r.try_get("account_domain")?,
        stage: r.try_get("stage")?,
        owner_id: r.try_get("owner_id")?,
        source_channel: r.try_get("source_channel")?,
        source_campaign_id: r.try_get("source_campaign_id")?,
        source_campaign: r.try_get("source_campaign")?,
        first_touch_at: r.try_get("first_touch_at")?,
        consent: r.try_get::<Option<i64>, _>("consent")?.map(|c| c != 0),
        custom: serde_json::from_str(&custom).unwrap_or(serde_json::Value::Null),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// How the lead list is ordered; each order has an index so paging stays fast at 1M leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadSort {
    #[default]
    Newest,
    Oldest,
}

/// Filters of the lead list; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub q: Option<String>,
    pub stage: Option<String>,
    pub owner: Option<String>,
    pub source: Option<String>,
    pub campaign: Option<String>,
    pub account: Option<String>,
    pub sort: LeadSort,
}

impl Store {
    /// One page of leads matching `filter`, after `cursor`.
    pub async fn list_leads(
        &self,
        filter: &LeadFilter,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Lead>> {
        let mut sql = format!("SELECT {LEAD_COLUMNS} WHERE l.merged_into IS NULL");
        let mut args: Vec<String> = Vec::new();
        let mut push = |sql: &mut String, cond: &str, v: String| {
            args.push(v);
            sql.push_str(&cond.replace('?', &format!("${}", args.len())));
        };
        let backend = self.backend();
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let q = q.to_lowercase();
            match email_prefix(&q) {
                // An address (or its start): an index range on the email key, instant at any size.
                Some(prefix) if backend == crate::Backend::Sqlite => {
                    push(&mut sql, " AND l.email_key >= ?", prefix.to_owned());
                    push(
                        &mut sql,
                        " AND l.email_key < ?",
                        format!("{prefix}\u{10FFFF}"),
                    );
                }
                // PostgreSQL's twin: `LIKE 'prefix%'` over the text_pattern_ops index, since a
                // linguistic collation does not order by bytes.
                Some(prefix) => push(
                    &mut sql,
                    " AND l.email_key LIKE ? ESCAPE '\\'",
                    format!("{}%", escape_like(prefix)),
                ),
                // Names and companies: a substring scan, newest first, stopping at a page.
                None => push(
                    &mut sql,
                    " AND l.search LIKE ? ESCAPE '\\'",
                    format!("%{}%", escape_like(&q)),
                ),
            }
        }
        for (col, v) in [
            ("l.stage", &filter.stage),
            ("l.owner_id", &filter.owner),
            ("l.source_channel", &filter.source),
            ("l.source_campaign_id", &filter.campaign),
            ("l.account_id", &filter.account),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                push(&mut sql, &format!(" AND {col} = ?"), v.to_owned());
            }
        }
        let (op, dir) = match filter.sort {
            LeadSort::Newest => ("<", "DESC"),
            LeadSort::Oldest => (">", "ASC"),
        };
        if let Some(c) = cursor {
            push(&mut sql, &format!(" AND l.id {op} ?"), c.id.clone());
        }
        sql.push_str(&format!(" ORDER BY l.id {dir} LIMIT {}", limit + 1));
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for a in args {
            query = query.bind(a);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let items = rows.iter().map(lead_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |l| Cursor {
            key: None,
            id: l.id.clone(),
        }))
    }

    /// One lead by id; a merged lead's id leads to the lead it was merged into.
    pub async fn get_lead(&self, id: &str) -> Result<Lead> {
        let merged: Option<Option<String>> =
            sqlx::query_scalar("SELECT merged_into FROM leads WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        let id = match merged {
            None => return Err(StoreError::NotFound),
            Some(Some(survivor)) => survivor,
            Some(None) => id.to_owned(),
        };
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {LEAD_COLUMNS} WHERE l.id = $1"
        )))
        .bind(&id)
        .fetch_optional(&self.pool)
        .await?;
        lead_from_row(&row.ok_or(StoreError::NotFound)?)
    }

    /// How many of these message ids are stored: what reliability tests and benchmarks use to
    /// check that every acknowledged event landed.
    pub async fn count_activities_with_message_ids(&self, ids: &[String]) -> Result<i64> {
        let mut total = 0;
        for chunk in ids.chunks(500) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT COUNT(*) FROM activities WHERE message_id IN ({})",
                list.join(",")
            );
            let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            total += q.fetch_one(&self.pool).await?;
        }
        Ok(total)
    }

    /// How many leads there are (live ones, not merge tombstones).
    pub async fn count_leads(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM leads WHERE merged_into IS NULL")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

/// The email prefix a search is, when it is one: it contains `@` past its first character
/// (`ada@acme.com`, `ada@ac`); `@acme.com` is a domain search and scans instead.
fn email_prefix(q: &str) -> Option<&str> {
    (q.find('@').is_some_and(|i| i > 0) && !q.contains(char::is_whitespace)).then_some(q)
}

pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

mod timeline;
pub use timeline::{ActivityItem, Merge, StageChange};
