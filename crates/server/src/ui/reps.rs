//! The *Reps* page (marketer+): every sales rep with their working hours, out-of-office
//! window and open assignments, a form per rep, and the team calendar reps without their own
//! hours follow. Routing skips a rep who is away or outside their hours.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadline_core::business_hours::{Calendar, WeeklyHours};
use leadline_core::time::{parse_rfc3339, rfc3339};
use leadline_store::StoreError;
use leadline_store::routing::RepOverview;
use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::UiUser;
use super::common::{self, Errors, Fields};
use crate::auth::Role;
use crate::state::AppState;

const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A calendar as the form shows it: one text per weekday, holidays comma-separated.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CalendarForm {
    time_zone: String,
    hours: Vec<(String, String)>,
    holidays: String,
}

fn day_hours(h: &WeeklyHours) -> [Option<String>; 7] {
    [
        h.monday.clone(),
        h.tuesday.clone(),
        h.wednesday.clone(),
        h.thursday.clone(),
        h.friday.clone(),
        h.saturday.clone(),
        h.sunday.clone(),
    ]
}

impl CalendarForm {
    fn of(c: &Calendar) -> CalendarForm {
        CalendarForm {
            time_zone: c.time_zone.clone(),
            hours: DAYS
                .iter()
                .zip(day_hours(&c.hours))
                .map(|(d, h)| ((*d).to_owned(), h.unwrap_or_default()))
                .collect(),
            holidays: c.holidays.join(", "),
        }
    }

    fn posted(f: &Fields) -> (CalendarForm, Calendar) {
        let form = CalendarForm {
            time_zone: common::field(f, "time_zone").unwrap_or_default(),
            hours: DAYS
                .iter()
                .map(|d| {
                    let v = common::field(f, &format!("hours_{d}")).unwrap_or_default();
                    ((*d).to_owned(), v)
                })
                .collect(),
            holidays: common::field(f, "holidays").unwrap_or_default(),
        };
        let h = |i: usize| Some(form.hours[i].1.clone()).filter(|v| !v.is_empty());
        let cal = Calendar {
            time_zone: form.time_zone.clone(),
            hours: WeeklyHours {
                monday: h(0),
                tuesday: h(1),
                wednesday: h(2),
                thursday: h(3),
                friday: h(4),
                saturday: h(5),
                sunday: h(6),
            },
            holidays: form
                .holidays
                .split([',', ' ', '\n'])
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        (form, cal)
    }
}

/// The input a calendar error belongs beside (`hours.monday` → `hours_monday`).
fn calendar_error(cal: &Calendar) -> Option<(String, String)> {
    cal.validate().err().map(|e| {
        let field = e.field();
        let key = if field.starts_with("holidays") {
            "holidays".to_owned()
        } else {
            field.replace('.', "_")
        };
        (key, e.to_string())
    })
}

/// A `datetime-local` value (`2026-12-24T09:00`, UTC), a day, or RFC 3339; `Err` names why.
fn parse_local(v: &str) -> Result<Option<i64>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let candidates = [
        v.to_owned(),
        format!("{v}:00Z"),
        format!("{v}Z"),
        format!("{v}T00:00:00Z"),
    ];
    candidates
        .iter()
        .find_map(|c| parse_rfc3339(c))
        .map(Some)
        .ok_or_else(|| {
            format!("expected a date and time such as 2026-12-24T09:00 (UTC), got {v:?}")
        })
}

/// For the `datetime-local` inputs: `2026-12-24T09:00`.
fn local(ms: Option<i64>) -> String {
    ms.map(|m| rfc3339(m).chars().take(16).collect())
        .unwrap_or_default()
}

#[derive(Serialize)]
struct RepRow {
    rep: Value,
    own_calendar: Option<CalendarForm>,
    ooo_from: String,
    ooo_until: String,
    away_now: bool,
    team_lead: Option<String>,
    /// Who may be the team lead (the rep's form only): every other active user.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lead_options: Vec<Value>,
}

fn rep_row(r: &RepOverview, now: i64) -> RepRow {
    let (from, until) = (r.profile.out_of_office_from, r.profile.out_of_office_until);
    let away_now = (from.is_some() || until.is_some())
        && from.is_none_or(|f| f <= now)
        && until.is_none_or(|u| now < u);
    RepRow {
        rep: minijinja::context! { id => &r.user_id, email => &r.email, name => &r.name, disabled => r.disabled, open => r.open },
        own_calendar: r.profile.calendar.as_ref().map(CalendarForm::of),
        ooo_from: local(from),
        ooo_until: local(until),
        away_now,
        team_lead: r.team_lead_id.clone(),
        lead_options: Vec::new(),
    }
}

/// [`rep_row`] for the rep's form, with the users who may be their team lead.
async fn form_row(st: &AppState, r: &RepOverview) -> Result<RepRow, StoreError> {
    let mut row = rep_row(r, leadline_store::now_ms());
    row.lead_options = st
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| u.id != r.user_id)
        .map(|u| minijinja::context! { id => u.id, label => format!("{} <{}>", u.name, u.email) })
        .collect();
    Ok(row)
}

/// `GET /reps` (marketer+).
pub async fn list(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Marketer) {
        return r;
    }
    let team = match st.store.team_calendar().await {
        Ok(c) => CalendarForm::of(&c),
        Err(e) => return common::store_error(e),
    };
    list_page(&st, &user, &q, team, &Errors::new()).await
}

async fn list_page(
    st: &AppState,
    user: &UiUser,
    q: &Fields,
    team: CalendarForm,
    errors: &Errors,
) -> Response {
    let reps = match st.store.rep_overviews().await {
        Ok(r) => r,
        Err(e) => return common::store_error(e),
    };
    let now = leadline_store::now_ms();
    let rows: Vec<RepRow> = reps.iter().map(|r| rep_row(r, now)).collect();
    let ctx = minijinja::context! {
        user => user.context(), page => "reps", reps => Value::from(Serde(&rows)),
        team => Value::from(Serde(&team)), errors => Value::from(Serde(errors)),
        saved => common::field(q, "saved").is_some(),
    };
    super::render_form(st, "reps.html", ctx, errors)
}

/// `POST /reps/team_calendar` (marketer+).
pub async fn save_team(
    State(st): State<AppState>,
    user: UiUser,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let (form, cal) = CalendarForm::posted(&f);
    if let Some((k, m)) = calendar_error(&cal) {
        return list_page(&st, &user, &Fields::new(), form, &Errors::from([(k, m)])).await;
    }
    match st.store.set_team_calendar(&cal).await {
        Ok(()) => Redirect::to("/reps?saved=1").into_response(),
        Err(e) => common::store_error(e),
    }
}

/// `GET /reps/{user_id}` (marketer+): the rep's form.
pub async fn detail(State(st): State<AppState>, user: UiUser, Path(id): Path<String>) -> Response {
    if let Err(r) = user.require(Role::Marketer) {
        return r;
    }
    let rep = match st.store.rep_overview(&id).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => return common::not_found(&st, &user, "user"),
        Err(e) => return common::store_error(e),
    };
    let team = match st.store.team_calendar().await {
        Ok(c) => c,
        Err(e) => return common::store_error(e),
    };
    let row = match form_row(&st, &rep).await {
        Ok(r) => r,
        Err(e) => return common::store_error(e),
    };
    let cal = row
        .own_calendar
        .clone()
        .unwrap_or_else(|| CalendarForm::of(&team));
    let own = rep.profile.calendar.is_some();
    detail_page(
        &st,
        &user,
        &row,
        cal,
        own,
        (&row.ooo_from, &row.ooo_until),
        &Errors::new(),
    )
}

fn detail_page(
    st: &AppState,
    user: &UiUser,
    row: &RepRow,
    cal: CalendarForm,
    own: bool,
    ooo: (&str, &str),
    errors: &Errors,
) -> Response {
    let ctx = minijinja::context! {
        user => user.context(), page => "reps", r => Value::from(Serde(row)),
        cal => Value::from(Serde(&cal)), own => own, ooo_from => ooo.0, ooo_until => ooo.1,
        errors => Value::from(Serde(errors)),
    };
    super::render_form(st, "rep.html", ctx, errors)
}

/// `POST /reps/{user_id}` (marketer+): own hours or the team's, and the absence window.
pub async fn save(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let rep = match st.store.rep_overview(&id).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => return common::not_found(&st, &user, "user"),
        Err(e) => return common::store_error(e),
    };
    let own = common::field(&f, "calendar") == Some("own".into());
    let (form, cal) = CalendarForm::posted(&f);
    let ooo_from = common::field(&f, "out_of_office_from").unwrap_or_default();
    let ooo_until = common::field(&f, "out_of_office_until").unwrap_or_default();
    let mut errors = Errors::new();
    if own && let Some((k, m)) = calendar_error(&cal) {
        errors.insert(k, m);
    }
    let from = parse_local(&ooo_from).unwrap_or_else(|m| {
        errors.insert("out_of_office_from".into(), m);
        None
    });
    let until = parse_local(&ooo_until).unwrap_or_else(|m| {
        errors.insert("out_of_office_until".into(), m);
        None
    });
    if let Err(e) = crate::api::reps::check_window(from, until) {
        errors.insert("out_of_office_until".into(), e.message);
    }
    let team_lead = common::field(&f, "team_lead").filter(|v| !v.is_empty());
    // Saved only with a valid form, so a refused form changes nothing.
    if errors.is_empty()
        && team_lead != rep.team_lead_id
        && let Err(e) = st.store.set_team_lead(&id, team_lead.as_deref()).await
    {
        match e {
            StoreError::Invalid(m) => {
                let m = m.strip_prefix("team_lead: ").unwrap_or(&m).to_owned();
                errors.insert("team_lead".into(), m);
            }
            e => return common::store_error(e),
        }
    }
    if !errors.is_empty() {
        let mut row = match form_row(&st, &rep).await {
            Ok(r) => r,
            Err(e) => return common::store_error(e),
        };
        row.team_lead = team_lead;
        return detail_page(
            &st,
            &user,
            &row,
            form,
            own,
            (&ooo_from, &ooo_until),
            &errors,
        );
    }
    // Whatever else a profile holds stays as it is.
    let mut profile = rep.profile;
    profile.calendar = own.then_some(cal);
    profile.out_of_office_from = from;
    profile.out_of_office_until = until;
    match st.store.set_rep_profile(&id, &profile).await {
        Ok(()) => Redirect::to("/reps?saved=1").into_response(),
        Err(e) => common::store_error(e),
    }
}
