//! The *Routing* page (marketer+): the ordered rules with add, edit, delete and move up or
//! down through a structured form, errors beside their inputs; "test this lead" (which rule
//! fires and why); and the leads waiting for an owner.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadline_core::routing::{RoutingRule, compile};
use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::UiUser;
use super::common::{self, Errors, Fields};
use super::routing_form::{RepChoice, RuleForm};
use crate::auth::Role;
use crate::state::AppState;

/// A rule as the list shows it: its target in words, members by email.
#[derive(Serialize)]
struct RuleRow {
    index: usize,
    name: String,
    condition: String,
    target: String,
    members: Vec<String>,
    account_owner_first: bool,
    /// Hours as people write them (`4`, `1.5`).
    accept_within_hours: Option<String>,
    first_touch_within_hours: Option<String>,
}

fn email_of(reps: &[RepChoice], id: &str) -> String {
    reps.iter()
        .find(|r| r.id == id)
        .map(|r| r.email.clone())
        .unwrap_or_else(|| format!("{id} (not a sales rep)"))
}

fn row(index: usize, r: &RoutingRule, reps: &[RepChoice]) -> RuleRow {
    let a = &r.assign;
    let (target, members) = match (&a.owner, &a.team) {
        (Some(owner), _) => (format!("owner {}", email_of(reps, owner)), vec![]),
        (None, team) => {
            let method = a.method.as_deref().unwrap_or("round_robin");
            let members = a
                .members
                .iter()
                .map(|m| {
                    let mut s = email_of(reps, &m.rep);
                    if let Some(w) = m.weight {
                        s.push_str(&format!(" (weight {w})"));
                    }
                    if let Some(c) = m.capacity {
                        s.push_str(&format!(" (capacity {c})"));
                    }
                    s
                })
                .collect();
            let team = team.as_deref().unwrap_or("");
            (
                format!("team {team}, {}", method.replace('_', " ")),
                members,
            )
        }
    };
    RuleRow {
        index,
        name: r.name.clone(),
        condition: if r.when.trim().is_empty() {
            "every lead".into()
        } else {
            r.when.clone()
        },
        target,
        members,
        account_owner_first: r.account_owner_first,
        accept_within_hours: r.accept_within_hours.map(|h| h.to_string()),
        first_touch_within_hours: r.first_touch_within_hours.map(|h| h.to_string()),
    }
}

/// The sales reps the form offers, by email.
pub(crate) async fn rep_choices(st: &AppState) -> Result<Vec<RepChoice>, Response> {
    let reps = st
        .store
        .rep_overviews()
        .await
        .map_err(common::store_error)?;
    Ok(reps
        .into_iter()
        .filter(|r| !r.disabled)
        .map(|r| RepChoice {
            id: r.user_id,
            email: r.email,
            name: r.name,
        })
        .collect())
}

/// `GET /routing` (marketer+): `?edit=N` opens rule N in the form, `?lead=` previews a lead.
pub async fn page(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Marketer) {
        return r;
    }
    if let Err(e) = st.store.reload_policy().await {
        return common::store_error(e);
    }
    let reps = match rep_choices(&st).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let rules = st.store.policy().routing.clone();
    let form = match common::field(&q, "edit").and_then(|i| i.parse::<usize>().ok()) {
        Some(i) if i < rules.len() => RuleForm::of(i, &rules[i], &reps),
        _ => RuleForm::new_rule(&reps),
    };
    render(&st, &user, &q, &rules, &reps, &form, &Errors::new()).await
}

async fn render(
    st: &AppState,
    user: &UiUser,
    q: &Fields,
    rules: &[RoutingRule],
    reps: &[RepChoice],
    form: &RuleForm,
    errors: &Errors,
) -> Response {
    let lead = common::field(q, "lead");
    let (preview, preview_error) = match &lead {
        Some(key) => match crate::api::routing::preview(st, key, leadline_store::now_ms()).await {
            Ok(p) => (Some(p), None),
            Err(e) => (None, Some(e.message)),
        },
        None => (None, None),
    };
    let waiting = match crate::api::routing::waiting_leads(st, 20).await {
        Ok(w) => w,
        Err(e) => return e.into_response(),
    };
    let rows: Vec<RuleRow> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| row(i, r, reps))
        .collect();
    let member_order: Vec<&str> = form.members.iter().map(|m| m.rep.id.as_str()).collect();
    let ctx = minijinja::context! {
        user => user.context(), page => "routing", rules => Value::from(Serde(&rows)),
        reps => Value::from(Serde(reps)), form => Value::from(Serde(form)),
        member_order => member_order.join(","), errors => Value::from(Serde(errors)),
        lead => lead, preview => preview.as_ref().map(|p| Value::from(Serde(p))),
        preview_error => preview_error, waiting => Value::from(Serde(&waiting)),
        saved => common::field(q, "saved").is_some(),
    };
    super::render_form(st, "routing.html", ctx, errors)
}

/// Saves `rules` when they compile; otherwise the form again with the error beside its input.
async fn save(
    st: &AppState,
    user: &UiUser,
    rules: Vec<RoutingRule>,
    reps: &[RepChoice],
    form: &RuleForm,
    edited: usize,
) -> Response {
    if let Err(e) = compile(&rules) {
        let key = if e.rule == edited {
            form.error_key(&e)
        } else {
            "rule".to_owned()
        };
        let errors = Errors::from([(key, e.to_string())]);
        let saved = st.store.policy().routing.clone();
        return render(st, user, &Fields::new(), &saved, reps, form, &errors).await;
    }
    match st.store.set_routing_rules(rules).await {
        Ok(()) => Redirect::to("/routing?saved=1").into_response(),
        Err(e) => common::store_error(e),
    }
}

/// Whether rule `index` is still the one the form or button was rendered for.
fn same_rule(rules: &[RoutingRule], index: usize, name: &str) -> bool {
    rules.get(index).is_some_and(|r| r.name == name)
}

const CHANGED: &str = "The rules changed since this page was opened (someone else saved them); reload the page and try again.";

/// `POST /routing/rules` (marketer+): adds a rule at the end, or replaces rule `index`.
pub async fn save_rule(
    State(st): State<AppState>,
    user: UiUser,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(e) = st.store.reload_policy().await {
        return common::store_error(e);
    }
    let reps = match rep_choices(&st).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut rules = st.store.policy().routing.clone();
    let (form, errors) = RuleForm::posted(&f, &reps);
    if !errors.is_empty() {
        return render(&st, &user, &Fields::new(), &rules, &reps, &form, &errors).await;
    }
    let edited = match form.index {
        Some(i) if same_rule(&rules, i, &form.orig_name) => {
            rules[i] = form.rule();
            i
        }
        Some(_) => {
            let errors = Errors::from([("rule".to_owned(), CHANGED.to_owned())]);
            return render(&st, &user, &Fields::new(), &rules, &reps, &form, &errors).await;
        }
        None => {
            rules.push(form.rule());
            rules.len() - 1
        }
    };
    save(&st, &user, rules, &reps, &form, edited).await
}

/// `POST /routing/rules/{index}/move` (marketer+): `dir=up|down`.
pub async fn move_rule(
    State(st): State<AppState>,
    user: UiUser,
    Path(index): Path<usize>,
    body: axum::body::Bytes,
) -> Response {
    change(st, user, index, body, |rules, i, f| {
        let to = match common::field(f, "dir").as_deref() {
            Some("up") if i > 0 => i - 1,
            Some("down") if i + 1 < rules.len() => i + 1,
            _ => return,
        };
        rules.swap(i, to);
    })
    .await
}

/// `POST /routing/rules/{index}/delete` (marketer+).
pub async fn delete_rule(
    State(st): State<AppState>,
    user: UiUser,
    Path(index): Path<usize>,
    body: axum::body::Bytes,
) -> Response {
    change(st, user, index, body, |rules, i, _| {
        rules.remove(i);
    })
    .await
}

/// Applies a list change to rule `index` after checking it is still the rule named `name`.
async fn change(
    st: AppState,
    user: UiUser,
    index: usize,
    body: axum::body::Bytes,
    apply: impl FnOnce(&mut Vec<RoutingRule>, usize, &Fields),
) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(e) = st.store.reload_policy().await {
        return common::store_error(e);
    }
    let mut rules = st.store.policy().routing.clone();
    let name = f.get("name").cloned().unwrap_or_default();
    if !same_rule(&rules, index, &name) {
        return common::message(&st, &user, axum::http::StatusCode::CONFLICT, CHANGED);
    }
    apply(&mut rules, index, &f);
    match st.store.set_routing_rules(rules).await {
        Ok(()) => Redirect::to("/routing?saved=1").into_response(),
        Err(e) => common::store_error(e),
    }
}
