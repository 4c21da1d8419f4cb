//! In-app notifications: what a rep (or their team lead) must know without watching a page —
//! a lead assigned to them, a deadline passed, a lead taken back or gone from their inbox.
//! They are written in the same transaction as the change they report, so a committed change
//! always has its notification and a rolled-back one never does.

use serde::Serialize;

use crate::capture::bulk::{self, Arg};
use crate::capture::tx::Tx;
use crate::page::{Cursor, Page};
use crate::{Result, Store, new_id};

/// One notification, as the bell's page and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: String,
    pub user_id: String,
    /// `assigned`, `sla_remind`, `sla_escalate`, `sla_reassign`, `lead_ended`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A page of the UI to open (`/leads/ID`).
    pub link: Option<String>,
    pub lead_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "leadline_core::time::ms")]
    pub created_at: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "leadline_core::time::opt_ms")]
    pub read_at: Option<i64>,
}

/// A notification to write inside a change's transaction.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub user_id: String,
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub lead_id: Option<String>,
}

impl Note {
    /// A note about a lead, linking to its page.
    pub fn about_lead(
        user_id: &str,
        kind: &'static str,
        lead_id: &str,
        title: String,
        body: String,
    ) -> Note {
        Note {
            user_id: user_id.to_owned(),
            kind,
            title,
            body,
            lead_id: Some(lead_id.to_owned()),
        }
    }
}

/// Writes `notes` in the caller's transaction.
pub(crate) async fn write(tx: &mut Tx<'_>, notes: Vec<Note>, now: i64) -> Result<()> {
    let rows = notes
        .into_iter()
        .map(|n| {
            let link = n.lead_id.as_ref().map(|id| format!("/leads/{id}"));
            vec![
                new_id().into(),
                n.user_id.into(),
                n.kind.into(),
                n.title.into(),
                n.body.into(),
                Arg::from(link),
                Arg::from(n.lead_id),
                now.into(),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "notifications (id, user_id, kind, title, body, link, lead_id, created_at)",
        "",
        rows,
    )
    .await
}

/// How a lead is named in a notification: its name, else its email, else its company.
pub(crate) fn lead_label(
    first: Option<&str>,
    last: Option<&str>,
    email: Option<&str>,
    company: Option<&str>,
) -> String {
    let name = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let base = match (name.is_empty(), email.filter(|e| !e.is_empty())) {
        (false, _) => name,
        (true, Some(e)) => e.to_owned(),
        (true, None) => "a lead".to_owned(),
    };
    match company.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => format!("{base} ({c})"),
        None => base,
    }
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
);

impl Store {
    /// `user_id`'s notifications, newest first; only unread ones when `unread_only`.
    pub async fn notifications(
        &self,
        user_id: &str,
        unread_only: bool,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Notification>> {
        let (key, id) = match after {
            Some(c) => (c.key.unwrap_or(i64::MAX), c.id.clone()),
            None => (i64::MAX, String::new()),
        };
        let unread = if unread_only {
            " AND read_at IS NULL"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id, user_id, kind, title, body, link, lead_id, created_at, read_at FROM notifications \
             WHERE user_id = $1{unread} AND (created_at < $2 OR (created_at = $2 AND ($3 = '' OR id < $3))) \
             ORDER BY created_at DESC, id DESC LIMIT $4"
        );
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .bind(key)
            .bind(id)
            .bind(i64::try_from(limit).unwrap_or(500) + 1)
            .fetch_all(&self.pool)
            .await?;
        let items = rows
            .into_iter()
            .map(|r| Notification {
                id: r.0,
                user_id: r.1,
                kind: r.2,
                title: r.3,
                body: r.4,
                link: r.5,
                lead_id: r.6,
                created_at: r.7,
                read_at: r.8,
            })
            .collect();
        Ok(Page::from_overfetch(items, limit, |n| Cursor {
            key: Some(n.created_at),
            id: n.id.clone(),
        }))
    }

    /// How many unread notifications `user_id` has: the bell on every page, so one count
    /// over a partial index.
    pub async fn unread_notifications(&self, user_id: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Marks one of `user_id`'s notifications read; `NotFound` when it is not theirs.
    pub async fn mark_notification_read(&self, user_id: &str, id: &str, now: i64) -> Result<()> {
        let known: Option<String> =
            sqlx::query_scalar("SELECT id FROM notifications WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        if known.is_none() {
            return Err(crate::StoreError::NotFound);
        }
        sqlx::query("UPDATE notifications SET read_at = $3 WHERE id = $1 AND user_id = $2 AND read_at IS NULL")
            .bind(id)
            .bind(user_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks every unread notification of `user_id` read; returns how many.
    pub async fn mark_all_notifications_read(&self, user_id: &str, now: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn leads_are_named_by_what_is_known() {
        use super::lead_label;
        assert_eq!(
            lead_label(Some("Ada"), Some("Lovelace"), Some("a@x.io"), Some("X")),
            "Ada Lovelace (X)"
        );
        assert_eq!(lead_label(None, Some(" "), Some("a@x.io"), None), "a@x.io");
        assert_eq!(lead_label(None, None, None, None), "a lead");
    }
}
