//! The *Scoring* pages: the lead-management policy (qualification rules, scoring model, MQL
//! definition) with a rescore button, and the score-validation report with model training.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::common::{self, Errors, Fields};
use crate::auth::Role;
use crate::state::AppState;

/// `GET /policy` (marketer+): the policy as leadline.toml, and what it does to leads now.
pub async fn policy(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Marketer) {
        return r;
    }
    let text = st.store.policy().to_toml();
    policy_page(
        &st,
        &user,
        &text,
        &Errors::new(),
        common::field(&q, "saved").is_some(),
    )
    .await
}

async fn policy_page(
    st: &AppState,
    user: &UiUser,
    text: &str,
    errors: &Errors,
    saved: bool,
) -> Response {
    let flags = match st.store.flag_counts().await {
        Ok(f) => f,
        Err(e) => return common::store_error(e),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "policy", text => text, flags => flags, saved => saved,
        errors => Value::from(Serde(errors)),
    };
    super::render_form(st, "policy.html", ctx, errors)
}

/// `POST /policy` (marketer+): saves the policy and queues a rescore of every lead.
pub async fn save_policy(
    State(st): State<AppState>,
    user: UiUser,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let text = f.get("policy").cloned().unwrap_or_default();
    let policy = match leadline_core::policy::Policy::from_toml(&text) {
        Ok(p) => p,
        Err(e) => {
            let errors = Errors::from([("policy".to_owned(), e.to_string())]);
            return policy_page(&st, &user, &text, &errors, false).await;
        }
    };
    if let Err(e) = st.store.set_policy(policy).await {
        return common::store_error(e);
    }
    match crate::worker::queue_rescore(&st).await {
        Ok(_) => Redirect::to("/policy?saved=1").into_response(),
        Err(e) => common::store_error(e),
    }
}

/// `POST /policy/rescore` (marketer+): queues a rescore of every lead.
pub async fn rescore(
    State(st): State<AppState>,
    user: UiUser,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = common::posted(&user, Role::Marketer, &body) {
        return r;
    }
    match crate::worker::queue_rescore(&st).await {
        Ok(_) => Redirect::to("/policy?saved=1").into_response(),
        Err(e) => common::store_error(e),
    }
}

/// `GET /scoring/report` (marketer+): does the scoring predict conversion? The validation
/// report, the active model and a button to train a new one.
pub async fn report(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Marketer) {
        return r;
    }
    let now = leadline_store::now_ms();
    let report = match st.store.score_validation(now).await {
        Ok(r) => r,
        Err(e) => return common::store_error(e),
    };
    let min = st.store.policy().predictive.min_outcomes;
    let ctx = minijinja::context! {
        user => user.context(), page => "policy", report => Value::from(Serde(&report)), min_outcomes => min,
        queued => common::field(&q, "queued").is_some(),
    };
    super::render(&st, "score_report.html", ctx)
}

/// `POST /scoring/train` (marketer+): queues training a model on the known outcomes.
pub async fn train(State(st): State<AppState>, user: UiUser, body: axum::body::Bytes) -> Response {
    if let Err(r) = common::posted(&user, Role::Marketer, &body) {
        return r;
    }
    let payload = serde_json::json!({ "by": user.user.id }).to_string();
    match st
        .store
        .enqueue_job("train", &payload, leadline_store::now_ms())
        .await
    {
        Ok(_) => {
            st.jobs_waiting.notify_one();
            Redirect::to("/scoring/report?queued=1").into_response()
        }
        Err(e) => common::store_error(e),
    }
}
