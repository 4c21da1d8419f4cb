//! Running the queue: scans on demand (a background job) and the survivorship rules.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use leadline_store::duplicates::{Actor, ScanSummary};
use leadline_store::page::Page;
use serde::{Deserialize, Serialize};

use leadline_core::dedupe::survivorship::{self, Rule, Rules};
use leadline_store::duplicates::AccountMerge;

use super::{MAY_CONFIGURE, MAY_MERGE};
use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// A scan queued as a background job.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScanQueued {
    pub job_id: String,
    /// True when a scan was already queued or running: no second one is started.
    pub already_queued: bool,
}

/// Starts a scan for likely duplicates in the background; the queue fills as it finishes
/// (see `GET /duplicates/scans`).
#[utoipa::path(
    post,
    path = "/duplicates/scans",
    tag = "duplicates",
    operation_id = "start_duplicate_scan",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The scan is queued", body = ScanQueued),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not edit leads (sales or above)", body = ErrorBody),
    )
)]
pub async fn start_scan(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<(StatusCode, Json<ScanQueued>), ApiError> {
    caller.require(MAY_MERGE)?;
    let actor = Actor::new(caller.user_id.clone(), "api");
    let queued = st
        .store
        .queue_duplicate_scan(&actor, leadline_store::now_ms())
        .await?;
    st.jobs_waiting.notify_one();
    Ok((
        StatusCode::ACCEPTED,
        Json(ScanQueued {
            job_id: queued.job_id,
            already_queued: queued.already,
        }),
    ))
}

/// The 20 most recent scans, newest first (one page, `next` is always null).
#[utoipa::path(
    get,
    path = "/duplicates/scans",
    tag = "duplicates",
    operation_id = "list_duplicate_scans",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recent scans", body = Page<ScanSummary>),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not read leads", body = ErrorBody),
    )
)]
pub async fn list_scans(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Page<ScanSummary>>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(Page {
        items: st.store.list_scans(20).await?,
        next: None,
    }))
}

/// Survivorship rules: how a merge picks each field's value unless the reviewer chooses.
/// Rules: `survivor` (the kept record's, even blank), `non_empty` (the kept record's unless
/// blank), `newest` (the record changed last), `oldest` (the record created first),
/// `most_complete` (the longer value).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RulesBody {
    /// The rule of fields not listed.
    pub default: String,
    /// Rules by field: email, first_name, last_name, title, phone, company, country,
    /// website or custom.NAME.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// The survivorship rules merges apply.
#[utoipa::path(
    get,
    path = "/duplicates/rules",
    tag = "duplicates",
    operation_id = "get_survivorship_rules",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The rules in force", body = RulesBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not read leads", body = ErrorBody),
    )
)]
pub async fn get_rules(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<RulesBody>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(rules_body(&st.store.survivorship_rules().await?)))
}

/// Replaces the survivorship rules.
#[utoipa::path(
    put,
    path = "/duplicates/rules",
    tag = "duplicates",
    operation_id = "set_survivorship_rules",
    request_body = RulesBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The rules now in force", body = RulesBody),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (marketer or above)", body = ErrorBody),
        (status = 422, description = "An unknown field or rule (see `field`)", body = ErrorBody),
    )
)]
pub async fn put_rules(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<RulesBody>,
) -> Result<Json<RulesBody>, ApiError> {
    caller.require(MAY_CONFIGURE)?;
    let rules = rules_from_body(&body)?;
    let now = st.store.set_survivorship_rules(Some(&rules)).await?;
    Ok(Json(rules_body(&now)))
}

/// Goes back to the default survivorship rules.
#[utoipa::path(
    delete,
    path = "/duplicates/rules",
    tag = "duplicates",
    operation_id = "reset_survivorship_rules",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The default rules, now in force", body = RulesBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (marketer or above)", body = ErrorBody),
    )
)]
pub async fn delete_rules(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<RulesBody>, ApiError> {
    caller.require(MAY_CONFIGURE)?;
    let now = st.store.set_survivorship_rules(None).await?;
    Ok(Json(rules_body(&now)))
}

/// The rules as the API shows them.
fn rules_body(r: &Rules) -> RulesBody {
    RulesBody {
        default: r.default.as_str().to_owned(),
        fields: r
            .fields
            .iter()
            .map(|(f, rule)| (f.clone(), rule.as_str().to_owned()))
            .collect(),
    }
}

/// Reads rules sent to the API, naming the field at fault.
fn rules_from_body(body: &RulesBody) -> Result<Rules, ApiError> {
    let rule = |field: &str, text: &str| {
        Rule::parse(text).ok_or_else(|| {
            ApiError::invalid(
                field.to_owned(),
                format!(
                    "unknown rule {text:?}: use {}",
                    Rule::ALL.map(Rule::as_str).join(", ")
                ),
            )
        })
    };
    let mut rules = Rules {
        default: rule("default", &body.default)?,
        fields: BTreeMap::new(),
    };
    for (f, text) in &body.fields {
        if !survivorship::is_field(f) {
            return Err(ApiError::invalid(
                format!("fields.{f}"),
                format!(
                    "{f:?} is not a field: use {} or custom.NAME",
                    survivorship::FIELDS.join(", ")
                ),
            ));
        }
        rules
            .fields
            .insert(f.clone(), rule(&format!("fields.{f}"), text)?);
    }
    Ok(rules)
}

/// The accounts merged into this one (one page, `next` is always null).
#[utoipa::path(
    get,
    path = "/accounts/{id}/merges",
    tag = "accounts",
    operation_id = "list_account_merges",
    params(("id" = String, Path, description = "Account id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The merges", body = Page<AccountMerge>),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not read leads", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
    )
)]
pub async fn account_merges(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Page<AccountMerge>>, ApiError> {
    caller.require(Role::Viewer)?;
    let account = st
        .store
        .get_account(&id)
        .await
        .map_err(|_| ApiError::not_found("account"))?;
    Ok(Json(Page {
        items: st.store.account_merges(&account.id).await?,
        next: None,
    }))
}
