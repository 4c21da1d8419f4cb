//! Accounts (companies by web domain) and campaigns (what marketing spends on).

use leadline_core::time::{ms, opt_ms};
use serde::{Deserialize, Serialize};

use crate::page::{Cursor, Page};
use crate::{Result, Store, StoreError, new_id, now_ms};

/// A company, keyed by its registrable web domain.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: String,
    pub domain: String,
    pub name: Option<String>,
    pub leads: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub created_at: i64,
    /// When the account's first deal was won; `null` while it is not a customer.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub customer_since: Option<i64>,
}
from_row!(Account {
    id,
    domain,
    name,
    leads,
    created_at,
    customer_since
});

/// A marketing campaign.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub channel: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub starts_at: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub ends_at: Option<i64>,
    pub budget_minor: Option<i64>,
    pub currency: String,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub leads: i64,
    pub cost_minor: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub created_at: i64,
}
from_row!(Campaign {
    id,
    name,
    channel,
    starts_at,
    ends_at,
    budget_minor,
    currency,
    utm_source,
    utm_medium,
    utm_campaign,
    leads,
    cost_minor,
    created_at
});

/// What a person fills in to create or change a campaign.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CampaignInput {
    pub name: String,
    pub channel: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub budget_minor: Option<i64>,
    pub currency: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
}

const CAMPAIGN_COLS: &str = "c.id, c.name, c.channel, c.starts_at, c.ends_at, c.budget_minor, c.currency, c.utm_source, c.utm_medium, \
    c.utm_campaign, (SELECT COUNT(*) FROM leads l WHERE l.source_campaign_id = c.id AND l.merged_into IS NULL) AS leads, \
    CAST(COALESCE((SELECT SUM(k.amount_minor) FROM costs k WHERE k.campaign_id = c.id), 0) AS BIGINT) AS cost_minor, c.created_at FROM campaigns c";

impl Store {
    /// Accounts by domain, keyset-paginated; `q` matches domain or name.
    pub async fn list_accounts(
        &self,
        q: Option<&str>,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Account>> {
        let q = format!(
            "%{}%",
            crate::leads::escape_like(&q.unwrap_or("").trim().to_lowercase())
        );
        let rows: Vec<Account> = sqlx::query_as(
            "SELECT a.id, a.domain, a.name, (SELECT COUNT(*) FROM leads l WHERE l.account_id = a.id AND l.merged_into IS NULL) AS leads, \
             a.created_at, a.customer_since FROM accounts a WHERE a.merged_into IS NULL AND a.domain > $1 AND (a.domain LIKE $2 ESCAPE '\\' OR LOWER(COALESCE(a.name, '')) LIKE $2 ESCAPE '\\') \
             ORDER BY a.domain LIMIT $3",
        )
        .bind(cursor.map(|c| c.id.clone()).unwrap_or_default())
        .bind(q)
        .bind(limit_plus_one(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(Page::from_overfetch(rows, limit, |a| Cursor {
            key: None,
            id: a.domain.clone(),
        }))
    }

    /// One account; a merged account's id leads to the account it was merged into.
    pub async fn get_account(&self, id: &str) -> Result<Account> {
        let merged: Option<Option<String>> =
            sqlx::query_scalar("SELECT merged_into FROM accounts WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        let id = match merged {
            None => return Err(StoreError::NotFound),
            Some(Some(survivor)) => survivor,
            Some(None) => id.to_owned(),
        };
        sqlx::query_as(
            "SELECT a.id, a.domain, a.name, (SELECT COUNT(*) FROM leads l WHERE l.account_id = a.id AND l.merged_into IS NULL) AS leads, \
             a.created_at, a.customer_since FROM accounts a WHERE a.id = $1",
        )
        .bind(&id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// Campaigns, newest first, with their lead counts and costs.
    pub async fn list_campaigns(
        &self,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Campaign>> {
        let sql = format!("SELECT {CAMPAIGN_COLS} WHERE c.id < $1 ORDER BY c.id DESC LIMIT $2");
        let rows: Vec<Campaign> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(cursor.map(|c| c.id.clone()).unwrap_or_else(|| "~".into()))
            .bind(limit_plus_one(limit))
            .fetch_all(&self.pool)
            .await?;
        Ok(Page::from_overfetch(rows, limit, |c| Cursor {
            key: None,
            id: c.id.clone(),
        }))
    }

    /// One campaign.
    pub async fn get_campaign(&self, id: &str) -> Result<Campaign> {
        let sql = format!("SELECT {CAMPAIGN_COLS} WHERE c.id = $1");
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Creates a campaign; `Conflict` when the name (case-insensitive) is taken.
    pub async fn create_campaign(&self, c: &CampaignInput) -> Result<Campaign> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO campaigns (id, name, name_key, channel, starts_at, ends_at, budget_minor, currency, utm_source, utm_medium, utm_campaign, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
        )
        .bind(&id)
        .bind(c.name.trim())
        .bind(c.name.trim().to_lowercase())
        .bind(&c.channel)
        .bind(c.starts_at)
        .bind(c.ends_at)
        .bind(c.budget_minor)
        .bind(c.currency.clone().unwrap_or_else(|| "USD".into()))
        .bind(c.utm_source.as_deref())
        .bind(c.utm_medium.as_deref())
        .bind(c.utm_campaign.as_deref())
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, "a campaign with this name"))?;
        self.get_campaign(&id).await
    }

    /// Records what a campaign cost on a day (minor currency units, the campaign's currency
    /// and channel).
    pub async fn add_campaign_cost(
        &self,
        campaign_id: &str,
        day: i64,
        amount_minor: i64,
        note: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO costs (id, campaign_id, channel, day, amount_minor, currency, note, source, created_at) \
             SELECT $1, c.id, c.channel, $2, $3, c.currency, $4, 'manual', $5 FROM campaigns c WHERE c.id = $6",
        )
        .bind(new_id())
        .bind(day)
        .bind(amount_minor)
        .bind(note)
        .bind(now_ms())
        .bind(campaign_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

pub(crate) fn limit_plus_one(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX - 1) + 1
}
