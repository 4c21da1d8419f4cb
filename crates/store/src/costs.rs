//! What marketing spent: cost entries per campaign (its channel) or per channel only, typed
//! in by hand or imported from an ad platform's export.
//!
//! Imported rows carry `import_key` = campaign, day and currency, so importing the same
//! export again replaces what it wrote before instead of counting the spend twice.

use std::collections::BTreeMap;

use leadline_core::Channel;
use leadline_core::costs::{CostError, CostRow};
use leadline_core::time::ms;
use serde::Serialize;
use sqlx::Row;

use crate::page::{Cursor, Page};
use crate::{Backend, Result, Store, StoreError, new_id};

/// The currency of channel-level costs when none is given.
pub const DEFAULT_CURRENCY: &str = "USD";

/// A cost entry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Cost {
    pub id: String,
    pub campaign_id: Option<String>,
    pub campaign: Option<String>,
    pub channel: String,
    /// The day the money was spent (its UTC midnight).
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub day: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub note: Option<String>,
    /// `manual` or `import`.
    pub source: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub created_at: i64,
}

/// A new manual entry: a campaign, or a channel alone.
#[derive(Debug, Clone, Default)]
pub struct NewCost {
    pub campaign_id: Option<String>,
    pub channel: Option<Channel>,
    pub day: i64,
    pub amount_minor: i64,
    pub currency: Option<String>,
    pub note: Option<String>,
}

/// Which costs a list shows.
#[derive(Debug, Clone, Default)]
pub struct CostFilter {
    /// Days from this one (inclusive, epoch ms).
    pub from: Option<i64>,
    /// Days before this one (exclusive, epoch ms).
    pub to: Option<i64>,
    pub campaign_id: Option<String>,
    pub channel: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CostImport {
    /// Campaign-day-currency totals written for the first time.
    pub imported: usize,
    /// Totals that replaced what an earlier import of the same export wrote.
    pub replaced: usize,
    /// Campaigns created because the caller asked to.
    pub created_campaigns: usize,
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<CostError>,
}

/// Spend of one month in one channel and currency.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MonthTotal {
    /// `YYYY-MM`.
    pub month: String,
    pub channel: String,
    pub currency: String,
    pub amount_minor: i64,
}

const COST_SELECT: &str = "SELECT k.id, k.campaign_id, c.name AS campaign, k.channel, k.day, k.amount_minor, k.currency, k.note, k.source, k.created_at \
     FROM costs k LEFT JOIN campaigns c ON c.id = k.campaign_id";

/// An arbitrary constant naming the PostgreSQL lock that serialises cost imports.
const COST_IMPORT_LOCK: i64 = 0x4c4c_434f_5354_494d;

impl Store {
    /// Records a manual cost. A campaign's cost takes the campaign's channel and (unless
    /// given) currency; a channel-level cost needs its channel.
    pub async fn add_cost(
        &self,
        new: &NewCost,
        created_by: Option<&str>,
        now: i64,
    ) -> Result<Cost> {
        let (campaign_id, channel, currency) = match &new.campaign_id {
            Some(id) => {
                let c = self.get_campaign(id).await?;
                (
                    Some(c.id),
                    c.channel,
                    new.currency.clone().unwrap_or(c.currency),
                )
            }
            None => {
                let channel = new.channel.ok_or_else(|| {
                    StoreError::Invalid("channel: give a campaign or a channel".into())
                })?;
                let currency = new
                    .currency
                    .clone()
                    .unwrap_or_else(|| DEFAULT_CURRENCY.into());
                (None, channel.as_str().to_owned(), currency)
            }
        };
        if new.amount_minor == 0 {
            return Err(StoreError::Invalid(
                "amount: expected a non-zero amount".into(),
            ));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO costs (id, campaign_id, channel, day, amount_minor, currency, note, source, created_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,'manual',$8,$9)",
        )
        .bind(&id)
        .bind(campaign_id)
        .bind(channel)
        .bind(new.day)
        .bind(new.amount_minor)
        .bind(currency)
        .bind(new.note.as_deref().map(str::trim).filter(|n| !n.is_empty()))
        .bind(created_by)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.cost(&id).await
    }

    /// A campaign's id by its name (ignoring case), for commands that take names.
    pub async fn campaign_id_by_name(&self, name: &str) -> Result<Option<String>> {
        Ok(self.campaign_by_name(name).await?.map(|(id, _)| id))
    }

    /// One cost entry.
    pub async fn cost(&self, id: &str) -> Result<Cost> {
        let sql = format!("{COST_SELECT} WHERE k.id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        cost_from(&r)
    }

    /// Removes a cost entry.
    pub async fn delete_cost(&self, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM costs WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// One page of costs, newest day first.
    pub async fn costs(
        &self,
        f: &CostFilter,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Cost>> {
        let mut sql = format!(
            "{COST_SELECT} WHERE k.day >= $1 AND k.day < $2 \
             AND ($3 = '' OR k.campaign_id = $3) AND ($4 = '' OR k.channel = $4)"
        );
        let (key, id) = match after {
            Some(c) => (c.key, Some(c.id.clone())),
            None => (None, None),
        };
        if after.is_some() {
            sql.push_str(" AND (k.day < $5 OR (k.day = $5 AND k.id < $6))");
        }
        sql.push_str(&format!(
            " ORDER BY k.day DESC, k.id DESC LIMIT {}",
            limit + 1
        ));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(f.from.unwrap_or(i64::MIN))
            .bind(f.to.unwrap_or(i64::MAX))
            .bind(f.campaign_id.as_deref().unwrap_or(""))
            .bind(f.channel.as_deref().unwrap_or(""));
        if after.is_some() {
            q = q.bind(key.unwrap_or(i64::MAX)).bind(id);
        }
        let items = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(cost_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |c| Cursor {
            key: Some(c.day),
            id: c.id.clone(),
        }))
    }

    /// Spend per month, channel and currency between two days (`to` exclusive).
    pub async fn cost_totals(&self, from: Option<i64>, to: Option<i64>) -> Result<Vec<MonthTotal>> {
        let rows = sqlx::query(
            "SELECT day, channel, currency, CAST(SUM(amount_minor) AS BIGINT) AS amount FROM costs \
             WHERE day >= $1 AND day < $2 GROUP BY day, channel, currency",
        )
        .bind(from.unwrap_or(i64::MIN))
        .bind(to.unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let mut sums: BTreeMap<(String, String, String), i64> = BTreeMap::new();
        for r in &rows {
            let day: i64 = r.try_get("day")?;
            let month = leadline_core::costs::format_day(day)
                .get(..7)
                .unwrap_or("")
                .to_owned();
            let key = (month, r.try_get("channel")?, r.try_get("currency")?);
            *sums.entry(key).or_default() += r.try_get::<i64, _>("amount")?;
        }
        Ok(sums
            .into_iter()
            .map(|((month, channel, currency), amount_minor)| MonthTotal {
                month,
                channel,
                currency,
                amount_minor,
            })
            .collect())
    }

    /// Imports parsed rows. Rows of one campaign, day and currency are summed (exports split
    /// a day by ad group), then written under their import key, replacing an earlier import's
    /// row. An unknown campaign is a row error unless `create_campaigns` gives the channel
    /// to create it with. `parse_errors` are carried into the report.
    pub async fn import_costs(
        &self,
        rows: &[CostRow],
        parse_errors: Vec<CostError>,
        create_campaigns: Option<Channel>,
        created_by: Option<&str>,
        now: i64,
    ) -> Result<CostImport> {
        let mut report = CostImport {
            errors: parse_errors,
            ..CostImport::default()
        };
        let mut tx = self.begin_write().await?;
        // Imports run one at a time: each reads the campaigns and costs it then writes, and
        // two at once on PostgreSQL would both create a new campaign or both insert one day.
        // (On SQLite `begin_write` already serialises them.)
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(COST_IMPORT_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        let mut campaigns: BTreeMap<String, Option<(String, String, String)>> = BTreeMap::new();
        let mut totals: BTreeMap<(String, i64, String), (String, i64, usize)> = BTreeMap::new();
        for row in rows {
            let key = row.campaign.trim().to_lowercase();
            if !campaigns.contains_key(&key) {
                let found =
                    sqlx::query("SELECT id, channel, currency FROM campaigns WHERE name_key = $1")
                        .bind(&key)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|r| -> Result<_> {
                            Ok((
                                r.try_get("id")?,
                                r.try_get("channel")?,
                                r.try_get("currency")?,
                            ))
                        })
                        .transpose()?;
                let found = match (found, create_campaigns) {
                    (Some(c), _) => Some(c),
                    (None, Some(channel)) => {
                        let id = new_id();
                        let currency = row
                            .currency
                            .clone()
                            .unwrap_or_else(|| DEFAULT_CURRENCY.into());
                        sqlx::query(
                            "INSERT INTO campaigns (id, name, name_key, channel, currency, created_at) VALUES ($1,$2,$3,$4,$5,$6)",
                        )
                        .bind(&id)
                        .bind(row.campaign.trim())
                        .bind(&key)
                        .bind(row.channel.unwrap_or(channel).as_str())
                        .bind(&currency)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        report.created_campaigns += 1;
                        Some((
                            id,
                            row.channel.unwrap_or(channel).as_str().to_owned(),
                            currency,
                        ))
                    }
                    (None, None) => None,
                };
                campaigns.insert(key.clone(), found);
            }
            let Some((id, channel, currency)) = campaigns[&key].clone() else {
                report.errors.push(CostError {
                    line: row.line,
                    column: 0,
                    column_name: "campaign".into(),
                    message: format!(
                        "expected the name of an existing campaign, found {:?} (or import with create_campaigns=CHANNEL)",
                        row.campaign
                    ),
                });
                continue;
            };
            let currency = row.currency.clone().unwrap_or(currency);
            let t = totals
                .entry((id, row.day, currency))
                .or_insert((channel, 0, row.line));
            t.1 = t.1.saturating_add(row.amount_minor);
        }
        for ((campaign_id, day, currency), (channel, amount, _)) in &totals {
            let import_key = format!("{campaign_id}|{day}|{currency}");
            let done = sqlx::query(
                "UPDATE costs SET amount_minor = $2, channel = $3, created_by = $4, created_at = $5 WHERE import_key = $1",
            )
            .bind(&import_key)
            .bind(amount)
            .bind(channel)
            .bind(created_by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() > 0 {
                report.replaced += 1;
                continue;
            }
            sqlx::query(
                "INSERT INTO costs (id, campaign_id, channel, day, amount_minor, currency, source, import_key, created_by, created_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,'import',$7,$8,$9)",
            )
            .bind(new_id())
            .bind(campaign_id)
            .bind(channel)
            .bind(day)
            .bind(amount)
            .bind(currency)
            .bind(&import_key)
            .bind(created_by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            report.imported += 1;
        }
        tx.commit().await?;
        report.errors.sort_by_key(|e| (e.line, e.column));
        Ok(report)
    }
}

fn cost_from(r: &sqlx::any::AnyRow) -> Result<Cost> {
    Ok(Cost {
        id: r.try_get("id")?,
        campaign_id: r.try_get("campaign_id")?,
        campaign: r.try_get("campaign")?,
        channel: r.try_get("channel")?,
        day: r.try_get("day")?,
        amount_minor: r.try_get("amount_minor")?,
        currency: r.try_get("currency")?,
        note: r.try_get("note")?,
        source: r.try_get("source")?,
        created_at: r.try_get("created_at")?,
    })
}
