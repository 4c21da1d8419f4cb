//! `/api/v1`: a lead's scores and stage moves, the lead-management policy, rescoring.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use leadline_core::Stage;
use leadline_core::policy::Policy;
use leadline_store::StoreError;
use leadline_store::leads::Lead;
use leadline_store::scores::LeadScoring;
use serde::{Deserialize, Serialize};

use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// A lead's qualification findings, fit and engagement scores with the contributions that
/// made them, grade, predicted probability and score history.
#[utoipa::path(
    get,
    path = "/leads/{id}/scoring",
    tag = "leads",
    operation_id = "get_lead_scoring",
    params(("id" = String, Path, description = "Lead id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The lead's scores, explained", body = LeadScoring),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not read leads", body = ErrorBody),
        (status = 404, description = "No such lead", body = ErrorBody),
    )
)]
pub async fn scoring(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<LeadScoring>, ApiError> {
    caller.require(Role::Viewer)?;
    let lead = super::leads::lead_or_404(&st, &id).await?;
    Ok(Json(st.store.lead_scoring(&lead.id).await?))
}

/// A stage move by a person or an integration.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StageMove {
    /// The stage to move to.
    #[schema(example = "sal")]
    pub stage: String,
    /// Why; kept in the lead's history. Required.
    pub reason: String,
}

/// Moves a lead along the lifecycle. Forward moves are free; back only by disqualifying or
/// recycling; a disqualified lead is requalified by moving it to `lead` or `subscriber`
/// (rules then only flag it). Every move needs a reason.
#[utoipa::path(
    post,
    path = "/leads/{id}/stage",
    tag = "leads",
    operation_id = "move_lead_stage",
    params(("id" = String, Path, description = "Lead id")),
    request_body = StageMove,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The lead after the move", body = Lead),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not move leads", body = ErrorBody),
        (status = 404, description = "No such lead", body = ErrorBody),
        (status = 422, description = "An unknown stage, a move the lifecycle forbids, or no reason", body = ErrorBody),
    )
)]
pub async fn move_stage(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StageMove>,
) -> Result<Json<Lead>, ApiError> {
    caller.require(Role::Sales)?;
    let to = Stage::parse(&body.stage).ok_or_else(|| {
        ApiError::invalid(
            "stage",
            format!(
                "`stage` must be one of {}",
                Stage::ALL.map(Stage::as_str).join(", ")
            ),
        )
    })?;
    let lead = super::leads::lead_or_404(&st, &id).await?;
    let now = leadline_store::now_ms();
    match st
        .store
        .change_stage(&lead.id, to, caller.user_id.as_deref(), &body.reason, now)
        .await
    {
        Ok(_) => Ok(Json(st.store.get_lead(&lead.id).await?)),
        Err(StoreError::Invalid(msg)) => {
            let field = if body.reason.trim().is_empty() {
                "reason"
            } else {
                "stage"
            };
            Err(ApiError::invalid(field, msg))
        }
        Err(e) => Err(e.into()),
    }
}

/// The lead-management policy: qualification rules, scoring model, MQL definition and
/// predictive settings. `toml` is the same policy as leadline.toml spells it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyView {
    #[schema(value_type = Object)]
    pub policy: Policy,
    pub toml: String,
}

impl PolicyView {
    pub fn of(policy: &Policy) -> PolicyView {
        PolicyView {
            policy: policy.clone(),
            toml: policy.to_toml(),
        }
    }
}

/// The policy in force.
#[utoipa::path(
    get,
    path = "/policy",
    tag = "policy",
    operation_id = "get_policy",
    security(("bearer" = [])),
    responses((status = 403, description = "The key's role may not do this", body = ErrorBody), 
        (status = 200, description = "The policy", body = PolicyView),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
    )
)]
pub async fn get_policy(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<PolicyView>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(PolicyView::of(&st.store.policy())))
}

/// A new policy, as JSON (`policy`) or as leadline.toml text (`toml`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PolicyUpdate {
    #[schema(value_type = Option<Object>)]
    pub policy: Option<Policy>,
    pub toml: Option<String>,
}

/// Replaces the policy and queues a rescore of every lead (`202`, with the job id).
#[utoipa::path(
    put,
    path = "/policy",
    tag = "policy",
    operation_id = "update_policy",
    request_body = PolicyUpdate,
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Saved; every lead is being rescored", body = RescoreQueued),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the marketer role", body = ErrorBody),
        (status = 422, description = "A policy that does not read or validate (see `field` and the message's line and column)", body = ErrorBody),
    )
)]
pub async fn update_policy(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<PolicyUpdate>,
) -> Result<(StatusCode, Json<RescoreQueued>), ApiError> {
    caller.require(Role::Marketer)?;
    let policy = match (body.policy, body.toml) {
        (Some(p), None) => {
            p.validate().map_err(|e| {
                ApiError::invalid(e.field.clone().unwrap_or("policy".into()), e.to_string())
            })?;
            p
        }
        (None, Some(t)) => Policy::from_toml(&t).map_err(|e| {
            ApiError::invalid(e.field.clone().unwrap_or("toml".into()), e.to_string())
        })?,
        _ => {
            return Err(ApiError::invalid(
                "policy",
                "send either `policy` (JSON) or `toml`",
            ));
        }
    };
    st.store.set_policy(policy).await?;
    rescore_queued(&st).await
}

/// A queued rescore.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RescoreQueued {
    pub job_id: String,
}

/// Queues a rescore of every lead against the policy in force.
#[utoipa::path(
    post,
    path = "/rescore",
    tag = "policy",
    operation_id = "rescore",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued", body = RescoreQueued),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the marketer role", body = ErrorBody),
    )
)]
pub async fn rescore(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<(StatusCode, Json<RescoreQueued>), ApiError> {
    caller.require(Role::Marketer)?;
    rescore_queued(&st).await
}

async fn rescore_queued(st: &AppState) -> Result<(StatusCode, Json<RescoreQueued>), ApiError> {
    let job_id = crate::worker::queue_rescore(st).await?;
    Ok((StatusCode::ACCEPTED, Json(RescoreQueued { job_id })))
}

/// The score-validation report: conversion by grade and by rule-score decile for the leads
/// whose outcome is known, the AUC of the rule score and the active model's CV AUC.
#[utoipa::path(
    get,
    path = "/scoring/report",
    tag = "policy",
    operation_id = "score_validation",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report", body = Object),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the marketer role", body = ErrorBody),
    )
)]
pub async fn report(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<leadline_store::predictive::ScoreValidation>, ApiError> {
    caller.require(Role::Marketer)?;
    Ok(Json(
        st.store.score_validation(leadline_store::now_ms()).await?,
    ))
}

/// Queues training a predictive model on the leads whose outcome is known (`202`).
#[utoipa::path(
    post,
    path = "/scoring/train",
    tag = "policy",
    operation_id = "train_model",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued", body = RescoreQueued),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "Needs the marketer role", body = ErrorBody),
    )
)]
pub async fn train(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<(StatusCode, Json<RescoreQueued>), ApiError> {
    caller.require(Role::Marketer)?;
    let payload = serde_json::json!({ "by": caller.user_id }).to_string();
    let job_id = st
        .store
        .enqueue_job("train", &payload, leadline_store::now_ms())
        .await?;
    st.jobs_waiting.notify_one();
    Ok((StatusCode::ACCEPTED, Json(RescoreQueued { job_id })))
}
