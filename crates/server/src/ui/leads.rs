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

pub async fn detail(State(st): State<AppState>, user: UiUser, Path(id): Path<String>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let lead = match st.store.get_lead(&id).await {
        Ok(l) => l,
        Err(_) => {
            return (
                axum::http::StatusCode::NOT_FOUND,
                axum::response::Html("<p>No such lead.</p>".to_owned()),
            )
                .into_response();
        }
    };
    let (acts, stages, merges) = match tokio::try_join!(
        st.store.lead_activities(&lead.id, None, 200),
        st.store.lead_stage_changes(&lead.id),
        st.store.lead_merges(&lead.id)
    ) {
        Ok(x) => x,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "leads", lead => Value::from(Serde(&lead)), activities => Value::from(Serde(&acts.items)), more_activities => acts.next.is_some(),
        stage_changes => Value::from(Serde(&stages)), merges => Value::from(Serde(&merges)),
    };
    super::render(&st, "lead.html", ctx)
}
