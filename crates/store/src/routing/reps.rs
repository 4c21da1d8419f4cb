//! The sales reps as routing sees them at one instant (active, out of office, inside their
//! hours, how many open assignments they hold), their profiles, and the teams' rotation.

use std::collections::HashMap;

use leadline_core::business_hours::{Calendar, Schedule};
use leadline_core::routing::{Availability, Rep, RepDirectory, RoutingState, Why};
use serde::{Deserialize, Serialize};

use super::lead::for_update;
use crate::capture::tx::Tx;
use crate::{Result, Store, StoreError, now_ms};

/// Settings key of the team's calendar (reps without their own use it).
pub(crate) const TEAM_CALENDAR: &str = "team_calendar";
/// Settings key of the teams' rotation.
const STATE: &str = "routing_state";

/// A rep's working hours and absence, as the settings page edits them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepProfile {
    /// `None`: the team's calendar.
    pub calendar: Option<Calendar>,
    /// Out of office from (epoch ms; `None` with an end: since now).
    pub out_of_office_from: Option<i64>,
    /// Back at (epoch ms; `None` with a start: until further notice).
    pub out_of_office_until: Option<i64>,
}

/// One rep with what their availability depends on.
struct RepInfo {
    disabled: bool,
    /// `None` when no calendar validates (then hours are not a constraint).
    schedule: Option<Schedule>,
    ooo: (Option<i64>, Option<i64>),
}

impl RepInfo {
    fn out_of_office(&self, now: i64) -> bool {
        match self.ooo {
            (None, None) => false,
            (from, until) => from.is_none_or(|f| f <= now) && until.is_none_or(|u| now < u),
        }
    }

    fn availability(&self, now: i64) -> Availability {
        if self.disabled {
            Availability::Inactive
        } else if self.out_of_office(now) {
            Availability::OutOfOffice
        } else if self.schedule.as_ref().is_some_and(|s| !s.is_open(now)) {
            Availability::OutsideWorkingHours
        } else {
            Availability::Available
        }
    }
}

/// The sales team at one instant.
pub(crate) struct Reps {
    info: HashMap<String, RepInfo>,
    /// The team's calendar, for people who are not (or no longer) reps.
    team: Option<Schedule>,
    pub directory: RepDirectory,
}

impl Reps {
    /// Reads every user with the `sales` role at `now`.
    pub async fn read(tx: &mut Tx<'_>, now: i64) -> Result<Reps> {
        let team = team_schedule(tx).await?;
        let rows = tx
            .fetch_all(
                "SELECT u.id, u.disabled_at, p.calendar, p.out_of_office_from, p.out_of_office_until, \
                 (SELECT COUNT(*) FROM assignments s WHERE s.owner_id = u.id AND s.ended_at IS NULL) AS open \
                 FROM users u LEFT JOIN rep_profiles p ON p.user_id = u.id WHERE u.role = $1",
                vec!["sales".into()],
            )
            .await?;
        let mut info = HashMap::with_capacity(rows.len());
        let mut reps = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let calendar: Option<String> = r.try_get("calendar")?;
            let schedule = match calendar {
                None => team.clone(),
                Some(json) => match own_schedule(&json) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        tracing::warn!(rep = %id, error = %e, "a rep's calendar is unusable; using the team's");
                        team.clone()
                    }
                },
            };
            let rep = RepInfo {
                disabled: r.try_get::<Option<i64>>("disabled_at")?.is_some(),
                schedule,
                ooo: (
                    r.try_get("out_of_office_from")?,
                    r.try_get("out_of_office_until")?,
                ),
            };
            let open: i64 = r.try_get("open")?;
            reps.push(Rep {
                id: id.clone(),
                availability: rep.availability(now),
                open: u32::try_from(open).unwrap_or(u32::MAX),
            });
            info.insert(id, rep);
        }
        Ok(Reps {
            info,
            team,
            directory: RepDirectory::new(reps),
        })
    }

    /// `business_hours` of the rep's time after `start`, on their calendar (wall-clock
    /// hours when they have none); `None` when it lies out of range.
    pub fn deadline(&self, rep: &str, start: i64, hours: Option<f64>) -> Option<i64> {
        let ms = (hours? * 3_600_000.0).round();
        // Validated positive and finite; a deadline past i64 is no deadline (NaN neither).
        if ms.is_nan() || ms >= i64::MAX as f64 {
            return None;
        }
        let ms = ms as i64;
        match self.info.get(rep).and_then(|r| r.schedule.as_ref()) {
            Some(s) => s.add(start, ms),
            None => start.checked_add(ms),
        }
    }

    /// The rep's working calendar (their own, else the team's; the team's too for an owner
    /// who is no longer in sales); `None` when no calendar is usable.
    pub fn schedule(&self, rep: &str) -> Option<&Schedule> {
        match self.info.get(rep) {
            Some(info) => info.schedule.as_ref(),
            None => self.team.as_ref(),
        }
    }

    /// When a rep passed over for `why` may be able to take leads again, if that is known.
    pub fn back_at(&self, rep: &str, why: Why, now: i64) -> Option<i64> {
        let info = self.info.get(rep)?;
        match why {
            Why::OutOfOffice => info.ooo.1,
            Why::OutsideWorkingHours => info.schedule.as_ref()?.next_open(now),
            Why::Inactive | Why::AtCapacity { .. } | Why::UnknownRep | Why::Excluded => None,
        }
    }
}

fn own_schedule(json: &str) -> Result<Schedule, String> {
    let cal: Calendar = serde_json::from_str(json).map_err(|e| e.to_string())?;
    cal.validate().map_err(|e| e.to_string())
}

/// The team's calendar: as saved, else Monday to Friday 09:00–17:00 UTC.
async fn team_schedule(tx: &mut Tx<'_>) -> Result<Option<Schedule>> {
    let row = tx
        .fetch_optional(
            "SELECT value FROM settings WHERE key = $1",
            vec![TEAM_CALENDAR.into()],
        )
        .await?;
    let saved = match row {
        Some(r) => Some(r.try_get::<String>("value")?),
        None => None,
    };
    let from_saved = saved.as_deref().map(own_schedule);
    match from_saved {
        Some(Ok(s)) => Ok(Some(s)),
        other => {
            if let Some(Err(e)) = other {
                tracing::warn!(error = %e, "the team calendar is unusable; using the default");
            }
            Ok(Calendar::default().validate().ok())
        }
    }
}

/// The teams' rotation; locked until the transaction ends when `lock` (PostgreSQL), so
/// routing batches in several processes advance it one after another.
pub(crate) async fn read_state(tx: &mut Tx<'_>, lock: bool) -> Result<RoutingState> {
    let suffix = if lock { for_update(tx.backend()) } else { "" };
    let sql = format!("SELECT value FROM settings WHERE key = $1{suffix}");
    let Some(row) = tx.fetch_optional(&sql, vec![STATE.into()]).await? else {
        return Ok(RoutingState::default());
    };
    let json: String = row.try_get("value")?;
    serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("routing state: {e}")))
}

pub(crate) async fn save_state(tx: &mut Tx<'_>, state: &RoutingState) -> Result<()> {
    let json = serde_json::to_string(state)
        .map_err(|e| StoreError::Corrupt(format!("routing state: {e}")))?;
    tx.execute(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        vec![STATE.into(), json.into()],
    )
    .await?;
    Ok(())
}

impl Store {
    /// Sets a sales rep's calendar and absence; `Invalid` naming the field when the calendar
    /// does not validate, `NotFound` for an unknown user.
    pub async fn set_rep_profile(&self, user_id: &str, profile: &RepProfile) -> Result<()> {
        let calendar = match &profile.calendar {
            Some(c) => {
                c.validate()
                    .map_err(|e| StoreError::Invalid(format!("calendar.{e}")))?;
                Some(
                    serde_json::to_string(c)
                        .map_err(|e| StoreError::Corrupt(format!("calendar: {e}")))?,
                )
            }
            None => None,
        };
        let known: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        if known.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO rep_profiles (user_id, calendar, out_of_office_from, out_of_office_until, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET calendar = excluded.calendar, \
             out_of_office_from = excluded.out_of_office_from, out_of_office_until = excluded.out_of_office_until, \
             updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(calendar)
        .bind(profile.out_of_office_from)
        .bind(profile.out_of_office_until)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sets the team's calendar, for reps without their own; `Invalid` naming the field.
    pub async fn set_team_calendar(&self, calendar: &Calendar) -> Result<()> {
        calendar
            .validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let json = serde_json::to_string(calendar)
            .map_err(|e| StoreError::Corrupt(format!("calendar: {e}")))?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(TEAM_CALENDAR)
        .bind(json)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
