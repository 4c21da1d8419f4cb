//! The leads list and a lead's page with its whole timeline.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};

use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use crate::api::leads::LeadQuery;
use crate::auth::Role;
use crate::state::AppState;

pub async fn list(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<LeadQuery>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let filter = match q.filter() {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let (cursor, limit) = match q.paging().parse() {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let started = std::time::Instant::now();
    let page = match st.store.list_leads(&filter, cursor.as_ref(), limit).await {
        Ok(p) => p,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    metrics::histogram!("leadline_leads_list_seconds").record(started.elapsed().as_secs_f64());
    let ctx = minijinja::context! {
        user => user.context(), page => "leads", leads => Value::from(Serde(&page.items)), next => &page.next,
        q => Value::from(Serde(q.raw())), stages => leadline_core::Stage::ALL.map(|s| s.as_str()),
        channels => leadline_core::Channel::ALL.map(|c| c.as_str()),
    };
    super::render(&st, "leads.html", ctx)
}

pub async fn detail(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<super::common::Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    detail_page(&st, &user, &id, &q, &super::common::Errors::new()).await
}

/// The lead page; `values` and `errors` refill the stage form after a refused move.
pub(super) async fn detail_page(
    st: &AppState,
    user: &UiUser,
    id: &str,
    values: &super::common::Fields,
    errors: &super::common::Errors,
) -> Response {
    let lead = match st.store.get_lead(id).await {
        Ok(l) => l,
        Err(_) => {
            return (
                axum::http::StatusCode::NOT_FOUND,
                axum::response::Html("<p>No such lead.</p>".to_owned()),
            )
                .into_response();
        }
    };
    let deals = leadline_store::opportunities::OppFilter {
        lead: Some(lead.id.clone()),
        ..Default::default()
    };
    let (acts, stages, merges, scoring, opps) = match tokio::try_join!(
        st.store.lead_activities(&lead.id, None, 200),
        st.store.lead_stage_changes(&lead.id),
        st.store.lead_merges(&lead.id),
        st.store.lead_scoring(&lead.id),
        st.store.list_opportunities(&deals, None, 20)
    ) {
        Ok(x) => x,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let assignment = super::rep_actions::card(st, user, &lead.id).await;
    let ctx = minijinja::context! {
        assignment => Value::from(Serde(&assignment)),
        user => user.context(), page => "leads", lead => Value::from(Serde(&lead)), activities => Value::from(Serde(&acts.items)), more_activities => acts.next.is_some(),
        stage_changes => Value::from(Serde(&stages)), merges => Value::from(Serde(&merges)),
        scoring => Value::from(Serde(&scoring)), time_in_stage => Value::from(Serde(time_in_stage(&stages))),
        stages => leadline_core::Stage::ALL.map(|s| s.as_str()), can_move => user.role >= Role::Sales,
        values => Value::from(Serde(values)), errors => Value::from(Serde(errors)),
        opportunities => Value::from(Serde(&opps.items)),
        can_convert => user.role >= Role::Sales && can_convert(&lead.stage, &opps.items),
        contact_roles => leadline_core::opportunity::ContactRole::ALL.map(|r| r.as_str()),
    };
    super::render(st, "lead.html", ctx)
}

/// Whether the lead page offers "Convert to opportunity": the store's rule
/// (`core::opportunity::convert_stage`), plus a lead at `opportunity` whose deals are closed.
fn can_convert(stage: &str, deals: &[leadline_store::opportunities::Opportunity]) -> bool {
    use leadline_core::opportunity::{ConvertError, convert_stage};
    match leadline_core::Stage::parse(stage).map(convert_stage) {
        Some(Ok(_)) => true,
        Some(Err(ConvertError::AlreadyOpportunity)) => deals.iter().all(|d| d.closed_at.is_some()),
        _ => false,
    }
}

/// Days spent in each stage, for the lifecycle card.
fn time_in_stage(changes: &[leadline_store::leads::StageChange]) -> Vec<(String, String)> {
    let entered: Vec<(leadline_core::Stage, i64)> = changes
        .iter()
        .filter_map(|c| leadline_core::Stage::parse(&c.to).map(|s| (s, c.at)))
        .collect();
    leadline_core::lifecycle::time_in_stage(&entered, leadline_store::now_ms())
        .into_iter()
        .map(|t| {
            let days = t.ms as f64 / 86_400_000.0;
            let shown = if days >= 1.0 {
                format!("{days:.1} days")
            } else {
                format!("{:.1} hours", days * 24.0)
            };
            (t.stage.as_str().to_owned(), shown)
        })
        .collect()
}

/// `POST /leads/{id}/stage` (sales+): moves the lead, with a reason.
pub async fn move_stage(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = match super::common::posted(&user, Role::Sales, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut errors = super::common::Errors::new();
    let stage = super::common::field(&f, "stage").and_then(|s| leadline_core::Stage::parse(&s));
    let reason = super::common::field(&f, "reason").unwrap_or_default();
    match stage {
        None => {
            errors.insert("stage".into(), "Choose a stage.".into());
        }
        Some(to) => {
            let now = leadline_store::now_ms();
            match st
                .store
                .change_stage(&id, to, Some(&user.user.id), &reason, now)
                .await
            {
                Ok(_) => {
                    return axum::response::Redirect::to(&format!(
                        "/leads/{id}?moved={}",
                        to.as_str()
                    ))
                    .into_response();
                }
                Err(leadline_store::StoreError::Invalid(msg)) => {
                    let key = if reason.is_empty() { "reason" } else { "stage" };
                    errors.insert(key.into(), msg);
                }
                Err(leadline_store::StoreError::NotFound) => {
                    return super::common::not_found(&st, &user, "lead");
                }
                Err(e) => return super::common::store_error(e),
            }
        }
    }
    let mut resp = detail_page(&st, &user, &id, &f, &errors).await;
    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    resp
}
