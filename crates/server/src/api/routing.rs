//! `/api/v1/routing`: the ordered routing rules (read, replace), the "test this lead"
//! preview and the leads still waiting for an owner.
//!
//! Roles: anyone may read the rules (viewer+, like the policy they are part of); changing
//! them, previewing and listing waiting leads is marketing operations' job (marketer+,
//! admins included), the same role that edits the rest of the policy.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use leadline_core::routing::{Outcome, RoutingRule};
use leadline_core::time::rfc3339;
use leadline_store::StoreError;
use leadline_store::leads::LeadFilter;
use serde::{Deserialize, Serialize};

use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// The routing rules in the order they are tried; the first that matches and can name an
/// available rep takes the lead.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoutingRules {
    /// Each `{name, when, assign: {owner} | {team, method, members: [{rep, weight?, capacity?}]},
    /// account_owner_first?, accept_within_hours?, first_touch_within_hours?}`; reps are user ids.
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<RoutingRule>,
}

/// The routing rules in force.
#[utoipa::path(
    get,
    path = "/routing/rules",
    tag = "routing",
    operation_id = "get_routing_rules",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The rules, in order", body = RoutingRules),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this", body = ErrorBody),
    )
)]
pub async fn get_rules(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<RoutingRules>, ApiError> {
    caller.require(Role::Viewer)?;
    st.store.reload_policy().await?;
    Ok(Json(RoutingRules {
        rules: st.store.policy().routing.clone(),
    }))
}

/// Checks `rules` as routing would, naming the field at fault as the API spells it
/// (`rules[2].when`, `rules[0].assign.members[1].capacity`).
pub(crate) fn check_rules(rules: &[RoutingRule]) -> Result<(), ApiError> {
    leadline_core::routing::compile(rules)
        .map(|_| ())
        .map_err(|e| {
            let field = e.field.replacen("routing[", "rules[", 1);
            let message = match e.name.as_str() {
                "" => e.detail(),
                name => format!("rule '{name}': {}", e.detail()),
            };
            ApiError::invalid(field, message)
        })
}

/// Checks that every owner and member a rule names is a sales rep (a user id with the
/// `sales` role): routing only ever chooses among them, so any other id would be passed over
/// on every lead.
pub(crate) async fn check_reps(st: &AppState, rules: &[RoutingRule]) -> Result<(), ApiError> {
    let reps: Vec<String> = st
        .store
        .rep_overviews()
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect();
    let known = |id: &str| reps.iter().any(|r| r == id.trim());
    for (i, r) in rules.iter().enumerate() {
        if let Some(o) = r.assign.owner.as_deref().filter(|o| !known(o)) {
            return Err(ApiError::invalid(
                format!("rules[{i}].assign.owner"),
                format!("{o:?} is not a sales rep's user id (see GET /api/v1/reps)"),
            ));
        }
        for (j, m) in r.assign.members.iter().enumerate() {
            if !known(&m.rep) {
                return Err(ApiError::invalid(
                    format!("rules[{i}].assign.members[{j}].rep"),
                    format!(
                        "{:?} is not a sales rep's user id (see GET /api/v1/reps)",
                        m.rep
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Replaces the routing rules; the rest of the policy stays as it is. Waiting leads are
/// routed with the new rules at their next retry.
#[utoipa::path(
    put,
    path = "/routing/rules",
    tag = "routing",
    operation_id = "update_routing_rules",
    request_body = RoutingRules,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved; the rules now in force", body = RoutingRules),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the marketer role", body = ErrorBody),
        (status = 422, description = "A rule that does not check, or names someone who is not a sales rep; `field` names it, e.g. `rules[2].when`", body = ErrorBody),
    )
)]
pub async fn put_rules(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<RoutingRules>,
) -> Result<Json<RoutingRules>, ApiError> {
    caller.require(Role::Marketer)?;
    check_rules(&body.rules)?;
    check_reps(&st, &body.rules).await?;
    st.store.set_routing_rules(body.rules).await?;
    Ok(Json(RoutingRules {
        rules: st.store.policy().routing.clone(),
    }))
}

/// Which lead to preview.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PreviewRequest {
    /// The lead's id, or its email address.
    pub lead_id: String,
}

/// A user as a preview names them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RepRef {
    pub id: String,
    /// `None` for an id no user has (a rule naming a deleted user).
    pub email: Option<String>,
    pub name: Option<String>,
}

/// A rep passed over by a rule that matched.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkippedRep {
    pub rep: RepRef,
    /// `out_of_office`, `outside_working_hours`, `inactive`, `at_capacity`, `unknown_rep`.
    pub why: String,
    /// The same in words (`at capacity (5 of 5 open)`).
    pub reason: String,
}

/// A rule that matched but could not assign.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SkippedRule {
    pub index: usize,
    pub name: String,
    pub reps: Vec<SkippedRep>,
}

/// What routing would decide for a lead now; nothing is written.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoutePreviewView {
    pub lead_id: String,
    pub lead_email: Option<String>,
    /// `assigned`, `no_rule_matched` or `no_one_available`.
    pub outcome: String,
    /// The rule that fires (0-based `index` as in `rules[index]`).
    pub rule_index: Option<usize>,
    pub rule: Option<String>,
    pub owner: Option<RepRef>,
    /// `owner`, `account_owner`, `round_robin`, `weighted` or `capacity`.
    pub via: Option<String>,
    /// Matching rules passed over because no one they name could take the lead.
    pub skipped: Vec<SkippedRule>,
    /// One line per step, rules in order (why each earlier rule did not match or was passed
    /// over), reps by email.
    pub explanation: Vec<String>,
    /// The deadlines the assignment would get, on the owner's business hours.
    pub accept_due_at: Option<String>,
    pub touch_due_at: Option<String>,
    /// The instant the preview was computed for.
    pub at: String,
}

/// Finds a lead by id or, when `key` holds an `@`, by email; `None` when there is none.
pub(crate) async fn find_lead(st: &AppState, key: &str) -> Result<Option<String>, ApiError> {
    let key = key.trim();
    if key.is_empty() {
        return Ok(None);
    }
    if !key.contains('@') {
        return match st.store.get_lead(key).await {
            Ok(l) => Ok(Some(l.id)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        };
    }
    let filter = LeadFilter {
        q: Some(key.to_owned()),
        ..LeadFilter::default()
    };
    let page = st.store.list_leads(&filter, None, 10).await?;
    Ok(page
        .items
        .into_iter()
        .find(|l| {
            l.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(key))
        })
        .map(|l| l.id))
}

/// Users by id: their email and name.
type UserNames = HashMap<String, (String, String)>;

async fn user_names(st: &AppState) -> Result<UserNames, ApiError> {
    Ok(st
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, (u.email, u.name)))
        .collect())
}

/// Routing's explanations name reps by user id; people read emails.
fn emails_for_ids(line: &str, users: &UserNames) -> String {
    users
        .iter()
        .fold(line.to_owned(), |line, (id, (email, _))| {
            line.replace(id.as_str(), email)
        })
}

/// Waiting leads, at most `limit`, their reasons naming reps by email.
pub(crate) async fn waiting_leads(st: &AppState, limit: i64) -> Result<Vec<Waiting>, ApiError> {
    let users = user_names(st).await?;
    Ok(st
        .store
        .routing_waiting(limit)
        .await?
        .into_iter()
        .map(|w| Waiting {
            lead_id: w.lead_id,
            email: w.email,
            reason: emails_for_ids(&w.reason, &users),
            retry_at: rfc3339(w.retry_at),
        })
        .collect())
}

/// The preview for the lead `key` (id or email) at `now`, reps named by email.
pub(crate) async fn preview(
    st: &AppState,
    key: &str,
    now: i64,
) -> Result<RoutePreviewView, ApiError> {
    let Some(lead_id) = find_lead(st, key).await? else {
        return Err(ApiError::invalid("lead_id", "no lead has this id or email"));
    };
    st.store.reload_policy().await?;
    let p = match st.store.route_preview_with_deadlines(&lead_id, now).await {
        Err(StoreError::NotFound) => return Err(ApiError::not_found("lead")),
        other => other?,
    };
    let users = user_names(st).await?;
    let rep = |id: &str| RepRef {
        id: id.to_owned(),
        email: users.get(id).map(|u| u.0.clone()),
        name: users.get(id).map(|u| u.1.clone()),
    };
    let d = &p.decision;
    let (outcome, via) = match &d.outcome {
        Outcome::Assigned(a) => ("assigned", Some(a.via.code().to_owned())),
        Outcome::NoRuleMatched => ("no_rule_matched", None),
        Outcome::NoOneAvailable => ("no_one_available", None),
    };
    let explanation = d
        .explanation
        .iter()
        .map(|line| emails_for_ids(line, &users))
        .collect();
    let lead_email = st.store.get_lead(&lead_id).await?.email;
    Ok(RoutePreviewView {
        lead_id,
        lead_email,
        outcome: outcome.to_owned(),
        rule_index: d.rule().map(|r| r.index),
        rule: d.rule().map(|r| r.name.clone()),
        owner: d.owner().map(rep),
        via,
        skipped: d
            .skipped
            .iter()
            .map(|s| SkippedRule {
                index: s.rule.index,
                name: s.rule.name.clone(),
                reps: s
                    .reps
                    .iter()
                    .map(|k| SkippedRep {
                        rep: rep(&k.rep),
                        why: serde_json::to_value(k.why)
                            .ok()
                            .and_then(|v| match v {
                                serde_json::Value::String(s) => Some(s),
                                serde_json::Value::Object(o) => o.keys().next().cloned(),
                                _ => None,
                            })
                            .unwrap_or_default(),
                        reason: k.why.to_string(),
                    })
                    .collect(),
            })
            .collect(),
        explanation,
        accept_due_at: p.accept_due_at.map(rfc3339),
        touch_due_at: p.touch_due_at.map(rfc3339),
        at: rfc3339(now),
    })
}

/// "Test this lead": which rule would fire for the lead now, whom it would choose, why each
/// earlier rule or rep was passed over, and the deadlines it would set. Nothing is written.
#[utoipa::path(
    post,
    path = "/routing/preview",
    tag = "routing",
    operation_id = "preview_routing",
    request_body = PreviewRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The decision, explained", body = RoutePreviewView),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the marketer role", body = ErrorBody),
        (status = 422, description = "No lead has this id or email (`field`: `lead_id`)", body = ErrorBody),
    )
)]
pub async fn preview_lead(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<PreviewRequest>,
) -> Result<Json<RoutePreviewView>, ApiError> {
    caller.require(Role::Marketer)?;
    Ok(Json(
        preview(&st, &body.lead_id, leadline_store::now_ms()).await?,
    ))
}

/// A lead waiting for an owner.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Waiting {
    pub lead_id: String,
    pub email: Option<String>,
    /// Why routing could not assign it (no rule matched, no one available, and the step).
    pub reason: String,
    /// When routing tries again.
    pub retry_at: String,
}

/// One page of waiting leads (`next` is always null: the list is capped at `limit`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WaitingPage {
    pub items: Vec<Waiting>,
    pub next: Option<String>,
}

/// `?limit=` of the waiting list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitingQuery {
    /// At most this many, soonest retry first (1 to 500, default 50).
    pub limit: Option<i64>,
}

/// Sales-ready leads routing could not assign yet, with the reason and the retry time.
#[utoipa::path(
    get,
    path = "/routing/waiting",
    tag = "routing",
    operation_id = "list_routing_waiting",
    params(WaitingQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Waiting leads, soonest retry first", body = WaitingPage),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the marketer role", body = ErrorBody),
    )
)]
pub async fn waiting(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<WaitingQuery>,
) -> Result<Json<WaitingPage>, ApiError> {
    caller.require(Role::Marketer)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_limit",
            "`limit` must be a number from 1 to 500",
        )
        .field("limit"));
    }
    let items = waiting_leads(&st, limit).await?;
    Ok(Json(WaitingPage { items, next: None }))
}
