//! The rep's side of assignments: their inbox (open assignments, the nearest deadline
//! first, with the lead's score and reasons), the next step they plan, the referrals they
//! log themselves, and who their team lead is.

use leadline_core::time::{ms, opt_ms};
use serde::Serialize;
use sqlx::Row;

use super::work::owned;
use crate::page::{Cursor, Page};
use crate::{Result, Store, StoreError, new_id};

/// An open (or, when asked, ended) assignment with what a rep needs to see of its lead.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AssignedLead {
    pub assignment_id: String,
    pub lead_id: String,
    pub owner_id: String,
    pub owner_email: String,
    pub rule: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub assigned_at: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub accept_due_at: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub touch_due_at: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub accepted_at: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub first_touch_at: Option<i64>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
    pub next_step: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub next_step_at: Option<i64>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub stage: String,
    pub grade: Option<String>,
    pub fit_score: Option<i64>,
    pub engagement_score: Option<i64>,
    /// The deadline still to meet first: `accept` or `touch` (none once both are met).
    pub deadline: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub deadline_at: Option<i64>,
    /// The largest contributions to the lead's score (filled for the inbox).
    pub reasons: Vec<String>,
}

const SELECT: &str = "SELECT a.id, a.lead_id, a.owner_id, u.email AS owner_email, a.rule, a.assigned_at, \
    a.accept_due_at, a.touch_due_at, a.accepted_at, a.first_touch_at, a.ended_at, a.end_reason, a.next_step, \
    a.next_step_at, l.email, l.first_name, l.last_name, l.company, l.stage, l.grade, l.fit_score, l.engagement_score \
    FROM assignments a JOIN leads l ON l.id = a.lead_id JOIN users u ON u.id = a.owner_id";

impl AssignedLead {
    fn read(r: &sqlx::any::AnyRow) -> Result<AssignedLead> {
        let accept_due_at: Option<i64> = r.try_get("accept_due_at")?;
        let touch_due_at: Option<i64> = r.try_get("touch_due_at")?;
        let accepted_at: Option<i64> = r.try_get("accepted_at")?;
        let first_touch_at: Option<i64> = r.try_get("first_touch_at")?;
        let pending = [
            ("accept", accept_due_at.filter(|_| accepted_at.is_none())),
            ("touch", touch_due_at.filter(|_| first_touch_at.is_none())),
        ];
        let next = pending
            .into_iter()
            .filter_map(|(k, at)| at.map(|at| (at, k)))
            .min();
        Ok(AssignedLead {
            assignment_id: r.try_get("id")?,
            lead_id: r.try_get("lead_id")?,
            owner_id: r.try_get("owner_id")?,
            owner_email: r.try_get("owner_email")?,
            rule: r.try_get("rule")?,
            assigned_at: r.try_get("assigned_at")?,
            accept_due_at,
            touch_due_at,
            accepted_at,
            first_touch_at,
            ended_at: r.try_get("ended_at")?,
            end_reason: r.try_get("end_reason")?,
            next_step: r.try_get("next_step")?,
            next_step_at: r.try_get("next_step_at")?,
            email: r.try_get("email")?,
            first_name: r.try_get("first_name")?,
            last_name: r.try_get("last_name")?,
            company: r.try_get("company")?,
            stage: r.try_get("stage")?,
            grade: r.try_get("grade")?,
            fit_score: r.try_get("fit_score")?,
            engagement_score: r.try_get("engagement_score")?,
            deadline: next.map(|(_, k)| k.to_owned()),
            deadline_at: next.map(|(at, _)| at),
            reasons: Vec::new(),
        })
    }
}

/// The most rows an inbox shows (a rep with more has a routing problem, not a paging one).
pub const INBOX_MAX: i64 = 500;
/// Longest next-step text kept.
const NEXT_STEP_CHARS: usize = 300;

impl Store {
    /// Assignments, oldest first, keyset-paged: `owner`'s only when given, open ones only
    /// when `open_only`.
    pub async fn list_assignments(
        &self,
        owner: Option<&str>,
        open_only: bool,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<AssignedLead>> {
        let (key, id) = match after {
            Some(c) => (c.key.unwrap_or(i64::MIN), c.id.clone()),
            None => (i64::MIN, String::new()),
        };
        let open = if open_only {
            " AND a.ended_at IS NULL"
        } else {
            ""
        };
        let sql = format!(
            "{SELECT} WHERE ($1 = '' OR a.owner_id = $1){open} AND (a.assigned_at > $2 OR (a.assigned_at = $2 AND a.id > $3)) \
             ORDER BY a.assigned_at, a.id LIMIT $4"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owner.unwrap_or(""))
            .bind(key)
            .bind(id)
            .bind(i64::try_from(limit).unwrap_or(500) + 1)
            .fetch_all(&self.pool)
            .await?;
        let items = rows
            .iter()
            .map(AssignedLead::read)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |a| Cursor {
            key: Some(a.assigned_at),
            id: a.assignment_id.clone(),
        }))
    }

    /// `owner`'s open assignments, the nearest pending deadline first (overdue ones lead),
    /// then those with no deadline left, newest first; each with its score's top reasons.
    pub async fn rep_inbox(&self, owner: &str, now: i64) -> Result<Vec<AssignedLead>> {
        let sql = format!(
            "{SELECT} WHERE a.owner_id = $1 AND a.ended_at IS NULL ORDER BY a.assigned_at DESC, a.id LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(owner)
            .bind(INBOX_MAX)
            .fetch_all(&self.pool)
            .await?;
        let mut items = rows
            .iter()
            .map(AssignedLead::read)
            .collect::<Result<Vec<_>>>()?;
        items.sort_by_key(|a| (a.deadline_at.is_none(), a.deadline_at.unwrap_or(i64::MAX)));
        for a in &mut items {
            if let Some(assessment) = self.assess_now(&a.lead_id, now).await? {
                let e = assessment.explanation();
                let mut parts: Vec<_> = e.fit.iter().chain(e.engagement.iter()).collect();
                parts.sort_by(|x, y| y.points.total_cmp(&x.points));
                a.reasons = parts
                    .into_iter()
                    .filter(|c| c.points > 0.0)
                    .take(3)
                    .map(|c| c.what.clone())
                    .collect();
            }
        }
        Ok(items)
    }

    /// `rep` plans the next step on the lead they own (`text`, at `at`); an empty text
    /// clears it. `Invalid` naming the field for a text too long.
    pub async fn set_next_step(
        &self,
        lead_id: &str,
        rep: &str,
        text: &str,
        at: Option<i64>,
    ) -> Result<()> {
        let text = text.trim();
        if text.chars().count() > NEXT_STEP_CHARS {
            return Err(StoreError::Invalid(format!(
                "next_step: at most {NEXT_STEP_CHARS} characters"
            )));
        }
        if text.is_empty() && at.is_some() {
            return Err(StoreError::Invalid(
                "next_step: say what the next step is".into(),
            ));
        }
        let mut tx = self.begin_write().await?;
        let (id, _, _) = owned(&mut tx, lead_id, rep).await?;
        let text = (!text.is_empty()).then_some(text);
        sqlx::query("UPDATE assignments SET next_step = $2, next_step_at = $3 WHERE id = $1")
            .bind(&id)
            .bind(text)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives a lead `rep` logged themselves (a referral, a networking contact) to them
    /// directly: an assignment by rule `sales referral`, accepted at once, with no
    /// deadlines. Logging the same person twice is fine; one already assigned to someone
    /// else is refused (`assigned_to_another_rep`). Returns the assignment's id.
    pub async fn assign_referral(&self, lead_id: &str, rep: &str, now: i64) -> Result<String> {
        let mut tx = self.begin_write().await?;
        let live: Option<String> =
            sqlx::query_scalar("SELECT id FROM leads WHERE id = $1 AND merged_into IS NULL")
                .bind(lead_id)
                .fetch_optional(&mut *tx)
                .await?;
        if live.is_none() {
            return Err(StoreError::NotFound);
        }
        let open: Option<(String, String)> = sqlx::query_as(
            "SELECT id, owner_id FROM assignments WHERE lead_id = $1 AND ended_at IS NULL",
        )
        .bind(lead_id)
        .fetch_optional(&mut *tx)
        .await?;
        match open {
            Some((id, owner)) if owner == rep => return Ok(id),
            Some(_) => {
                return Err(StoreError::refused(
                    "assigned_to_another_rep",
                    "this person is already a lead assigned to another rep; ask them or your team lead",
                ));
            }
            None => {}
        }
        let id = new_id();
        let explanation = serde_json::json!({
            "outcome": "referral",
            "explanation": ["logged by the rep as their own referral or contact"],
        })
        .to_string();
        sqlx::query(
            "INSERT INTO assignments (id, lead_id, owner_id, rule, via, explanation, assigned_at, accepted_at) \
             VALUES ($1, $2, $3, 'sales referral', 'referral', $4, $5, $5)",
        )
        .bind(&id)
        .bind(lead_id)
        .bind(rep)
        .bind(explanation)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE leads SET owner_id = $2, updated_at = $3 WHERE id = $1")
            .bind(lead_id)
            .bind(rep)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Names `team_lead` (a user id; `None`: no one, escalations go to the admins) as the
    /// team lead of rep `user_id`. `NotFound` for an unknown rep; `Invalid` naming
    /// `team_lead` for an unknown one or the rep themselves.
    pub async fn set_team_lead(&self, user_id: &str, team_lead: Option<&str>) -> Result<()> {
        if self.user_by_id(user_id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        if let Some(l) = team_lead {
            if l == user_id {
                return Err(StoreError::Invalid(
                    "team_lead: a rep cannot be their own team lead".into(),
                ));
            }
            if self.user_by_id(l).await?.is_none() {
                return Err(StoreError::Invalid("team_lead: no such user".into()));
            }
        }
        sqlx::query(
            "INSERT INTO rep_profiles (user_id, team_lead_id, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET team_lead_id = excluded.team_lead_id, updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(team_lead)
        .bind(crate::now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A rep's team lead, if one is named.
    pub async fn team_lead(&self, user_id: &str) -> Result<Option<String>> {
        let v: Option<Option<String>> =
            sqlx::query_scalar("SELECT team_lead_id FROM rep_profiles WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(v.flatten())
    }

    /// A user by id: `(id, email, name, role)`, active or not.
    pub async fn user_by_id(&self, id: &str) -> Result<Option<(String, String, String, String)>> {
        Ok(
            sqlx::query_as("SELECT id, email, name, role FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
