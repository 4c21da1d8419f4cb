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
    /// Qualification reason codes, comma-separated (`free_mail,student`).
    pub flags: String,
    /// Fit and engagement points and the grade (`B2`); `None` until first scored.
    pub fit_score: Option<i64>,
    pub engagement_score: Option<i64>,
    pub grade: Option<String>,
    /// Predicted chance (0–100) of becoming a customer, when a model is active.
    pub probability: Option<i64>,
}

/// The columns of [`Lead`], over `leads l` joined by [`LEAD_JOINS`].
pub(crate) const LEAD_COLUMNS: &str = "l.id, l.email, l.first_name, l.last_name, l.title, l.phone, l.company, l.country, l.website, \
    l.user_id, l.external_key, l.account_id, a.domain AS account_domain, l.stage, l.owner_id, l.source_channel, \
    l.source_campaign_id, c.name AS source_campaign, l.first_touch_at, l.consent, l.custom, l.created_at, l.updated_at, \
    l.flags, l.fit_score, l.engagement_score, l.grade, l.probability";

/// What [`LEAD_COLUMNS`] needs besides `leads l`.
pub(crate) const LEAD_JOINS: &str = "LEFT JOIN accounts a ON a.id = l.account_id LEFT JOIN campaigns c ON c.id = l.source_campaign_id";

pub(crate) fn lead_from_row(r: &AnyRow) -> Result<Lead> {
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
        flags: r.try_get("flags")?,
        fit_score: r.try_get("fit_score")?,
        engagement_score: r.try_get("engagement_score")?,
        grade: r.try_get("grade")?,
        probability: r.try_get("probability")?,
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
    /// One page of leads matching `filter`, after `cursor`, in `filter.sort` order.
    ///
    /// `filter.q` is an email prefix when it looks like one (`ada@`, `ada@acme.com`): a range
    /// of the email key index. Otherwise it is words, each matching the start of a word of
    /// the lead's name, email or company, accents ignored (the `search` module).
    pub async fn list_leads(
        &self,
        filter: &LeadFilter,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Lead>> {
        let mut conds = Conds::default();
        let mut words = None;
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let q = q.to_lowercase();
            match email_prefix(&q) {
                // An address (or its start): an index range on the email key, instant at any size.
                Some(prefix) if self.backend() == crate::Backend::Sqlite => {
                    conds.and(" AND l.email_key >= ?", prefix);
                    conds.and(" AND l.email_key < ?", format!("{prefix}\u{10FFFF}"));
                }
                // PostgreSQL's twin: `LIKE 'prefix%'` over the text_pattern_ops index, since a
                // linguistic collation does not order by bytes.
                Some(prefix) => conds.and(
                    " AND l.email_key LIKE ? ESCAPE '\\'",
                    format!("{}%", escape_like(prefix)),
                ),
                None => {
                    let w = search::Words::parse(&q);
                    if w.is_empty() {
                        // Only punctuation: no word to look for, so nothing matches.
                        return Ok(Page::from_overfetch(Vec::new(), limit, cursor_of));
                    }
                    words = Some(w);
                }
            }
        }
        filter_conds(&mut conds, filter);
        let n = limit + 1;
        let items = match words {
            Some(words) if self.backend() == crate::Backend::Sqlite => {
                let limits = search::sqlite::Limits::default();
                search::sqlite::page(self, &words, filter, cursor, n, limits).await?
            }
            Some(words) => {
                search::postgres::page(self, &words, conds, filter.sort, cursor, n).await?
            }
            None => self.plain_page(conds, filter.sort, cursor, n).await?,
        };
        Ok(Page::from_overfetch(items, limit, cursor_of))
    }

    /// Up to `n` leads meeting `conds`, after `cursor`, in `sort` order.
    async fn plain_page(
        &self,
        mut conds: Conds,
        sort: LeadSort,
        cursor: Option<&Cursor>,
        n: usize,
    ) -> Result<Vec<Lead>> {
        let (op, dir) = sort.op_dir();
        if let Some(c) = cursor {
            conds.and(&format!(" AND l.id {op} ?"), c.id.as_str());
        }
        let sql = format!(
            "SELECT {LEAD_COLUMNS} FROM leads l {LEAD_JOINS} WHERE l.merged_into IS NULL{} ORDER BY l.id {dir} LIMIT {n}",
            conds.sql
        );
        let rows = conds
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(lead_from_row).collect()
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
            "SELECT {LEAD_COLUMNS} FROM leads l {LEAD_JOINS} WHERE l.id = $1"
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

impl LeadSort {
    /// The comparison that keeps ids after a cursor, and the direction of `ORDER BY id`.
    fn op_dir(self) -> (&'static str, &'static str) {
        match self {
            LeadSort::Newest => ("<", "DESC"),
            LeadSort::Oldest => (">", "ASC"),
        }
    }
}

/// The cursor after a lead.
fn cursor_of(l: &Lead) -> Cursor {
    Cursor {
        key: None,
        id: l.id.clone(),
    }
}

/// The list filters other than `q` and the cursor, as conditions on `leads l`.
fn filter_conds(conds: &mut Conds, filter: &LeadFilter) {
    for (col, v) in [
        ("l.stage", &filter.stage),
        ("l.owner_id", &filter.owner),
        ("l.source_channel", &filter.source),
        ("l.source_campaign_id", &filter.campaign),
        ("l.account_id", &filter.account),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            conds.and(&format!(" AND {col} = ?"), v);
        }
    }
}

/// A value bound to a statement.
#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Int(i64),
}

impl From<&str> for Bind {
    fn from(v: &str) -> Bind {
        Bind::Text(v.to_owned())
    }
}
impl From<String> for Bind {
    fn from(v: String) -> Bind {
        Bind::Text(v)
    }
}
impl From<i64> for Bind {
    fn from(v: i64) -> Bind {
        Bind::Int(v)
    }
}

/// SQL conditions, each starting with ` AND `, and the values of their `$N` parameters.
#[derive(Debug, Clone, Default)]
struct Conds {
    sql: String,
    args: Vec<Bind>,
}

impl Conds {
    /// Adds `cond`, whose one `?` becomes the next `$N`, bound to `v`.
    fn and(&mut self, cond: &str, v: impl Into<Bind>) {
        let p = self.arg(v);
        self.sql.push_str(&cond.replace('?', &p));
    }

    /// Binds `v` to the next parameter and returns its placeholder, `$N`, for SQL that is
    /// not a condition of `self.sql`.
    fn arg(&mut self, v: impl Into<Bind>) -> String {
        self.args.push(v.into());
        format!("${}", self.args.len())
    }

    /// Binds every value, in order.
    fn bind<'q>(
        &self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        for a in &self.args {
            q = match a {
                Bind::Text(v) => q.bind(v.clone()),
                Bind::Int(v) => q.bind(*v),
            };
        }
        q
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

mod search;
mod timeline;
pub use timeline::{ActivityItem, Merge, StageChange};
