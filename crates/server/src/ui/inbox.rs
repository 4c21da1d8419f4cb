//! The rep's inbox (`/inbox`): their open assignments, the nearest deadline first, overdue
//! ones in red; the "Log a referral" form; and the notifications page behind the nav's bell.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadline_core::referral::ReferralInput;
use leadline_store::routing::AssignedLead;
use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::UiUser;
use super::common::{self, Errors, Fields, field};
use crate::auth::Role;
use crate::rep::RepError;
use crate::state::AppState;

/// "overdue by 3 h" / "due in 2 d": how far `at` is from `now`, in words.
pub(super) fn due_text(at: i64, now: i64) -> (String, bool) {
    let d = (at - now).abs();
    let span = if d < 3_600_000 {
        format!("{} min", (d / 60_000).max(1))
    } else if d < 48 * 3_600_000 {
        format!("{} h", d / 3_600_000)
    } else {
        format!("{} d", d / 86_400_000)
    };
    if at < now {
        (format!("overdue by {span}"), true)
    } else {
        (format!("due in {span}"), false)
    }
}

/// One inbox row as the template shows it.
#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    a: AssignedLead,
    name: String,
    due: Option<String>,
    overdue: bool,
    next_step_when: Option<String>,
}

fn row(a: AssignedLead, now: i64) -> Row {
    let (due, overdue) = match a.deadline_at {
        Some(at) => {
            let (text, late) = due_text(at, now);
            (Some(text), late)
        }
        None => (None, false),
    };
    let name = [a.first_name.as_deref(), a.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    Row {
        next_step_when: a.next_step_at.map(leadline_core::time::rfc3339),
        name,
        due,
        overdue,
        a,
    }
}

pub async fn page(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Sales) {
        return r;
    }
    inbox_page(&st, &user, &q, &Fields::new(), &Errors::new()).await
}

async fn inbox_page(
    st: &AppState,
    user: &UiUser,
    q: &Fields,
    values: &Fields,
    errors: &Errors,
) -> Response {
    // Managers look at any rep's inbox; a rep sees their own.
    let rep = match field(q, "rep") {
        Some(r) if user.role >= Role::Marketer => r,
        Some(r) if r != user.user.id => {
            return common::message(
                st,
                user,
                axum::http::StatusCode::FORBIDDEN,
                "You can see only your own inbox.",
            );
        }
        _ => user.user.id.clone(),
    };
    let now = leadline_store::now_ms();
    let (items, users) =
        match tokio::try_join!(st.store.rep_inbox(&rep, now), st.store.list_users()) {
            Ok(x) => x,
            Err(e) => return common::store_error(e),
        };
    let rows: Vec<Row> = items.into_iter().map(|a| row(a, now)).collect();
    let reps: Vec<_> = users
        .iter()
        .filter(|u| u.role == "sales" || u.id == rep)
        .map(|u| {
            (
                u.id.clone(),
                if u.name.is_empty() {
                    u.email.clone()
                } else {
                    u.name.clone()
                },
            )
        })
        .collect();
    let whose = users.iter().find(|u| u.id == rep).map(|u| u.email.clone());
    let ctx = minijinja::context! {
        user => user.context(), page => "inbox", rows => Value::from(Serde(&rows)),
        own => rep == user.user.id, rep => &rep, whose => whose, reps => reps,
        can_pick => user.role >= Role::Marketer, referred => field(q, "referred"),
        values => Value::from(Serde(values)), errors => Value::from(Serde(errors)),
    };
    super::render_form(st, "inbox.html", ctx, errors)
}

/// `POST /inbox/referral` (sales+): a referral or contact the rep logs; theirs at once.
pub async fn referral(
    State(st): State<AppState>,
    user: UiUser,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Sales, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = ReferralInput {
        email: get("email"),
        name: get("name"),
        company: get("company"),
        title: get("title"),
        phone: get("phone"),
        note: get("note"),
    };
    let now = leadline_store::now_ms();
    match crate::rep::log_referral(&st.store, &st.capturer, &user.user.id, &input, now).await {
        Ok(lead) => Redirect::to(&format!("/inbox?referred={lead}")).into_response(),
        Err(RepError::Field { field, message }) => {
            let errors = Errors::from([(field, message)]);
            inbox_page(&st, &user, &Fields::new(), &f, &errors).await
        }
        Err(RepError::Store(leadline_store::StoreError::Refused { message, .. })) => {
            let errors = Errors::from([("email".to_owned(), message)]);
            inbox_page(&st, &user, &Fields::new(), &f, &errors).await
        }
        Err(RepError::Store(e)) => common::store_error(e),
    }
}

pub async fn notifications(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<Fields>,
) -> Response {
    let cursor = match common::cursor(&q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let page = match st
        .store
        .notifications(&user.user.id, false, cursor.as_ref(), common::PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(e) => return common::store_error(e),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "notifications", items => Value::from(Serde(&page.items)), next => &page.next,
    };
    super::render(&st, "notifications.html", ctx)
}

/// `POST /notifications/{id}/read`: marks one read and opens what it links to.
pub async fn read_one(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Viewer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    match st
        .store
        .mark_notification_read(&user.user.id, &id, leadline_store::now_ms())
        .await
    {
        Ok(()) => {}
        Err(leadline_store::StoreError::NotFound) => {
            return common::not_found(&st, &user, "notification");
        }
        Err(e) => return common::store_error(e),
    }
    // Only our own paths: the link is stored by us, but a redirect is checked anyway.
    let to = field(&f, "next")
        .filter(|n| n.starts_with('/') && !n.starts_with("//"))
        .unwrap_or_else(|| "/notifications".into());
    Redirect::to(&to).into_response()
}

/// `POST /notifications/read`: marks every one read.
pub async fn read_all(
    State(st): State<AppState>,
    user: UiUser,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = common::posted(&user, Role::Viewer, &body) {
        return r;
    }
    match st
        .store
        .mark_all_notifications_read(&user.user.id, leadline_store::now_ms())
        .await
    {
        Ok(_) => Redirect::to("/notifications").into_response(),
        Err(e) => common::store_error(e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn deadlines_read_as_people_say_them() {
        let h = 3_600_000;
        assert_eq!(
            super::due_text(0, 3 * h),
            ("overdue by 3 h".to_owned(), true)
        );
        assert_eq!(
            super::due_text(5 * 86_400_000, 0),
            ("due in 5 d".to_owned(), false)
        );
        assert_eq!(super::due_text(0, 1), ("overdue by 1 min".to_owned(), true));
    }
}
