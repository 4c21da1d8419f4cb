//! What the manager's screens read and write around routing: the rules alone (saved into
//! the policy without touching its other sections), the "test this lead" preview with the
//! deadlines it would set, the reps with their calendars, absences and open assignments, the
//! team calendar, and the leads still waiting for an owner.

use leadline_core::business_hours::Calendar;
use leadline_core::policy::Policy;
use leadline_core::routing::{Decision, RoutingRule};

use super::outbox::{self, ROUTE_JOB};
use super::reps::{self, RepProfile, Reps};
use crate::capture::bulk;
use crate::capture::tx::Tx;
use crate::{Result, Store, StoreError};

/// A preview: the decision and, when it assigns, the SLA deadlines the assignment would get
/// (on the chosen rep's calendar).
#[derive(Debug, Clone, PartialEq)]
pub struct RoutePreview {
    pub decision: Decision,
    pub accept_due_at: Option<i64>,
    pub touch_due_at: Option<i64>,
}

/// A sales rep as the manager's *Reps* page shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepOverview {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub disabled: bool,
    pub profile: RepProfile,
    /// Who hears of the rep's missed deadlines (`None`: the admins).
    pub team_lead_id: Option<String>,
    /// Assignments not yet ended.
    pub open: i64,
}

/// A lead waiting for an owner: why, and when routing tries again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingLead {
    pub lead_id: String,
    pub email: Option<String>,
    pub reason: String,
    pub retry_at: i64,
}

type RepRow = (
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    i64,
    Option<String>,
);

const REP_SQL: &str = "SELECT u.id, u.email, u.name, u.role, u.disabled_at, p.calendar, \
     p.out_of_office_from, p.out_of_office_until, \
     (SELECT COUNT(*) FROM assignments s WHERE s.owner_id = u.id AND s.ended_at IS NULL), \
     p.team_lead_id FROM users u LEFT JOIN rep_profiles p ON p.user_id = u.id";

fn overview(r: RepRow) -> RepOverview {
    RepOverview {
        user_id: r.0,
        email: r.1,
        name: r.2,
        role: r.3,
        disabled: r.4.is_some(),
        profile: RepProfile {
            // A calendar that no longer reads shows as "the team's", which is what routing uses.
            calendar: r.5.and_then(|json| serde_json::from_str(&json).ok()),
            out_of_office_from: r.6,
            out_of_office_until: r.7,
        },
        open: r.8,
        team_lead_id: r.9,
    }
}

impl Store {
    /// Replaces the routing rules and keeps every other section of the policy in force;
    /// `Invalid` (naming `routing[i].field`) when they do not compile.
    pub async fn set_routing_rules(&self, rules: Vec<RoutingRule>) -> Result<()> {
        self.reload_policy().await?;
        let policy = Policy {
            routing: rules,
            ..(*self.policy()).clone()
        };
        self.set_policy(policy).await
    }

    /// [`Store::route_preview`] with the deadlines the assignment would carry.
    pub async fn route_preview_with_deadlines(
        &self,
        lead_id: &str,
        now: i64,
    ) -> Result<RoutePreview> {
        let rules = self
            .policy()
            .routing_rules()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let decision = self.route_preview(lead_id, now).await?;
        let (mut accept, mut touch) = (None, None);
        if let (Some(owner), Some(rule)) = (decision.owner(), decision.rule()) {
            let mut conn = self.pool.acquire().await?;
            let mut tx = Tx::Any(&mut conn);
            let reps = Reps::read(&mut tx, now).await?;
            let sla = rules.get(rule.index).map(|r| r.sla()).unwrap_or_default();
            accept = reps.deadline(owner, now, sla.accept_within_hours);
            touch = reps.deadline(owner, now, sla.first_touch_within_hours);
        }
        Ok(RoutePreview {
            decision,
            accept_due_at: accept,
            touch_due_at: touch,
        })
    }

    /// Every user with the `sales` role (disabled ones too, marked), by email.
    pub async fn rep_overviews(&self) -> Result<Vec<RepOverview>> {
        let sql = format!("{REP_SQL} WHERE u.role = $1 ORDER BY u.email");
        let rows: Vec<RepRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind("sales")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(overview).collect())
    }

    /// One user's routing profile; `NotFound` for an unknown user.
    pub async fn rep_overview(&self, user_id: &str) -> Result<RepOverview> {
        let sql = format!("{REP_SQL} WHERE u.id = $1");
        let row: Option<RepRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(overview).ok_or(StoreError::NotFound)
    }

    /// The team's calendar as saved, else the default (Monday to Friday 09:00–17:00 UTC)
    /// that routing uses when none is saved.
    pub async fn team_calendar(&self) -> Result<Calendar> {
        let saved: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(reps::TEAM_CALENDAR)
            .fetch_optional(&self.pool)
            .await?;
        Ok(saved
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }

    /// Leads whose route job is queued with a reason (routing tried and could not assign),
    /// soonest retry first, at most `limit`.
    pub async fn routing_waiting(&self, limit: i64) -> Result<Vec<WaitingLead>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT payload, last_error, run_at FROM jobs WHERE kind = $1 AND status = 'queued' \
             AND last_error IS NOT NULL ORDER BY run_at, id LIMIT $2",
        )
        .bind(ROUTE_JOB)
        .bind(limit.clamp(1, 1_000))
        .fetch_all(&self.pool)
        .await?;
        let waiting: Vec<(outbox::Payload, String, i64)> = rows
            .into_iter()
            .filter_map(|(payload, reason, retry_at)| {
                let p = serde_json::from_str::<outbox::Payload>(&payload).ok()?;
                Some((p, reason, retry_at))
            })
            .collect();
        let ids: Vec<String> = waiting.iter().map(|(p, ..)| p.lead_id.clone()).collect();
        let mut conn = self.pool.acquire().await?;
        let mut emails = std::collections::HashMap::new();
        for r in bulk::select_in(
            &mut Tx::Any(&mut conn),
            "SELECT id, email FROM leads",
            "id",
            &ids,
        )
        .await?
        {
            emails.insert(
                r.try_get::<String>("id")?,
                r.try_get::<Option<String>>("email")?,
            );
        }
        let out = waiting
            .into_iter()
            .map(|(p, reason, retry_at)| WaitingLead {
                email: emails.get(&p.lead_id).cloned().flatten(),
                lead_id: p.lead_id,
                reason,
                retry_at,
            })
            .collect();
        Ok(out)
    }
}
