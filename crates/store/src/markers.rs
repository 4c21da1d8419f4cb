//! Indirect touches without a person (an analyst report, a press release, a blog post, a
//! keynote): dated markers that trend charts draw, so a spike can be read against what
//! marketing did that week. Also the self-reported channel counts reports show beside
//! measured attribution.

use leadline_core::Channel;
use leadline_core::time::ms;
use serde::Serialize;
use sqlx::Row;

use crate::page::{Cursor, Page};
use crate::{Result, Store, StoreError, new_id};

/// A dated indirect touch.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Marker {
    pub id: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub at: i64,
    pub channel: String,
    pub campaign_id: Option<String>,
    pub campaign: Option<String>,
    pub title: String,
    pub url: Option<String>,
    pub note: Option<String>,
}

/// A new marker.
#[derive(Debug, Clone)]
pub struct NewMarker {
    pub at: i64,
    pub channel: Channel,
    pub campaign_id: Option<String>,
    pub title: String,
    pub url: Option<String>,
    pub note: Option<String>,
}

/// The label reports use for leads nobody asked, or who left the answer blank (the core's
/// one label, shared with the attribution report).
pub use leadline_core::journey::report::NO_ANSWER;

const MARKER_SELECT: &str = "SELECT m.id, m.at, m.channel, m.campaign_id, c.name AS campaign, m.title, m.url, m.note \
     FROM markers m LEFT JOIN campaigns c ON c.id = m.campaign_id";

impl Store {
    /// Records a marker; the title is required, a URL must be http(s).
    pub async fn add_marker(
        &self,
        m: &NewMarker,
        created_by: Option<&str>,
        now: i64,
    ) -> Result<Marker> {
        let title = m.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(StoreError::Invalid(
                "title: expected a title of 1 to 200 characters".into(),
            ));
        }
        let url = m.url.as_deref().map(str::trim).filter(|u| !u.is_empty());
        if let Some(u) = url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(StoreError::Invalid(
                "url: expected an address starting with https://".into(),
            ));
        }
        if let Some(id) = &m.campaign_id {
            self.get_campaign(id).await?;
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO markers (id, at, channel, campaign_id, title, url, note, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        )
        .bind(&id)
        .bind(m.at)
        .bind(m.channel.as_str())
        .bind(m.campaign_id.as_deref())
        .bind(title)
        .bind(url)
        .bind(m.note.as_deref().map(str::trim).filter(|n| !n.is_empty()))
        .bind(created_by)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let sql = format!("{MARKER_SELECT} WHERE m.id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&id)
            .fetch_one(&self.pool)
            .await?;
        marker_from(&r)
    }

    /// Removes a marker.
    pub async fn delete_marker(&self, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM markers WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The markers dated in `[from, to)`, oldest first: what trend charts draw.
    pub async fn markers_between(&self, from: i64, to: i64) -> Result<Vec<Marker>> {
        let sql = format!("{MARKER_SELECT} WHERE m.at >= $1 AND m.at < $2 ORDER BY m.at, m.id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(from)
            .bind(to)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(marker_from)
            .collect()
    }

    /// One page of the markers dated in `[from, to)`, oldest first, after `after` (the
    /// last marker of the previous page): the API's list, so a long history never comes
    /// back in one answer.
    pub async fn markers_page(
        &self,
        from: i64,
        to: i64,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Marker>> {
        let mut sql = format!("{MARKER_SELECT} WHERE m.at >= $1 AND m.at < $2");
        if after.is_some() {
            sql.push_str(" AND (m.at > $3 OR (m.at = $3 AND m.id > $4))");
        }
        sql.push_str(&format!(" ORDER BY m.at, m.id LIMIT {}", limit + 1));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from).bind(to);
        if let Some(c) = after {
            q = q.bind(c.key.unwrap_or(i64::MIN)).bind(c.id.clone());
        }
        let items = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(marker_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |m| Cursor {
            key: Some(m.at),
            id: m.id.clone(),
        }))
    }

    /// Leads created in `[from, to)` counted by the channel they said they heard of us
    /// through ([`NO_ANSWER`] when they did not say), most first.
    pub async fn self_reported(&self, from: i64, to: i64) -> Result<Vec<(String, i64)>> {
        let mut out: Vec<(String, i64)> = self
            .heard_about_counts(from, to)
            .await?
            .into_iter()
            .map(|(c, n)| (c.unwrap_or_else(|| NO_ANSWER.to_owned()), n))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }
}

impl Store {
    /// Leads created in `[from, to)` counted by `heard_about` (`None`: not asked or blank):
    /// the one query behind [`Store::self_reported`] and the attribution report's column.
    pub(crate) async fn heard_about_counts(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<(Option<String>, i64)>> {
        let rows = sqlx::query(
            "SELECT NULLIF(heard_about, '') AS channel, COUNT(*) AS n FROM leads \
             WHERE created_at >= $1 AND created_at < $2 AND merged_into IS NULL GROUP BY NULLIF(heard_about, '')",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("channel")?, r.try_get("n")?)))
            .collect()
    }
}

fn marker_from(r: &sqlx::any::AnyRow) -> Result<Marker> {
    Ok(Marker {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        channel: r.try_get("channel")?,
        campaign_id: r.try_get("campaign_id")?,
        campaign: r.try_get("campaign")?,
        title: r.try_get("title")?,
        url: r.try_get("url")?,
        note: r.try_get("note")?,
    })
}
