//! Opportunities in the UI: the pipeline by stage with weighted amounts, a deal's page with
//! its stage, fields and history, and "Convert to opportunity" on a lead. Contacts, notes,
//! the checklist, the ROI builder and the public ROI page are in `opportunity_parts.rs`.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadline_core::opportunity::OppStage;
use leadline_store::StoreError;
use leadline_store::leads::LeadFilter;
use leadline_store::opportunities::{NewOpportunity, OppFilter, OppPatch, StageMove};
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::common::{self, Errors, Fields, PAGE_SIZE};
use crate::auth::Role;
use crate::state::AppState;

/// Stages with their default probabilities, for the stage form and the pipeline.
fn stage_options() -> Vec<(String, u8)> {
    OppStage::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), s.default_probability()))
        .collect()
}

/// A store refusal as a message beside its input: `"amount_minor: …"` goes beside
/// `amount_minor`, a refusal of the state beside `fallback`. Other failures are pages.
pub(super) fn form_error(e: StoreError, fallback: &str) -> Result<(String, String), Response> {
    match e {
        StoreError::Invalid(m) => Ok(match m.split_once(": ") {
            Some((f, msg)) if f.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
                (f.to_owned(), common::sentence(msg))
            }
            _ => (fallback.to_owned(), common::sentence(&m)),
        }),
        StoreError::Refused { message, .. } => {
            Ok((fallback.to_owned(), common::sentence(&message)))
        }
        StoreError::Conflict(what) => Ok((
            fallback.to_owned(),
            common::sentence(&format!("{what} already exists")),
        )),
        e => Err(common::store_error(e)),
    }
}

/// `GET /opportunities?stage=&owner=&after=`: the pipeline by stage and the deals.
pub async fn list(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let cursor = match common::cursor(&q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let owner = match common::field(&q, "owner").as_deref() {
        Some("me") => Some(user.user.id.clone()),
        other => other.map(str::to_owned),
    };
    let filter = OppFilter {
        stage: common::field(&q, "stage"),
        owner: owner.clone(),
        ..OppFilter::default()
    };
    let (page, pipeline) = match tokio::try_join!(
        st.store
            .list_opportunities(&filter, cursor.as_ref(), PAGE_SIZE),
        st.store.opportunity_pipeline(owner.as_deref())
    ) {
        Ok(x) => x,
        Err(StoreError::Invalid(m)) => {
            return common::message(
                &st,
                &user,
                axum::http::StatusCode::BAD_REQUEST,
                &common::sentence(&m),
            );
        }
        Err(e) => return common::store_error(e),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "opportunities", opps => Value::from(Serde(&page.items)),
        next => &page.next, pipeline => Value::from(Serde(&pipeline)), stages => stage_options(),
        q => Value::from(Serde(&q)),
    };
    super::render(&st, "opportunities.html", ctx)
}

/// `GET /opportunities/{id}`.
pub async fn detail(State(st): State<AppState>, user: UiUser, Path(id): Path<String>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    detail_page(&st, &user, &id, &Fields::new(), &Errors::new()).await
}

/// The deal's page; `values` and `errors` refill the form that was refused.
pub(super) async fn detail_page(
    st: &AppState,
    user: &UiUser,
    id: &str,
    values: &Fields,
    errors: &Errors,
) -> Response {
    let o = match st.store.get_opportunity(id).await {
        Ok(o) => o,
        Err(StoreError::NotFound) => return common::not_found(st, user, "opportunity"),
        Err(e) => return common::store_error(e),
    };
    let people = LeadFilter {
        account: o.account_id.clone(),
        ..LeadFilter::default()
    };
    let (contacts, history, users, colleagues) = match tokio::try_join!(
        st.store.opportunity_contacts(&o.id),
        st.store.opportunity_stage_changes(&o.id),
        st.store.list_users(),
        async {
            match &o.account_id {
                Some(_) => st
                    .store
                    .list_leads(&people, None, PAGE_SIZE)
                    .await
                    .map(|p| p.items),
                None => Ok(Vec::new()),
            }
        }
    ) {
        Ok(x) => x,
        Err(e) => return common::store_error(e),
    };
    let roi = super::opportunity_parts::roi_context(&o, values);
    let ctx = minijinja::context! {
        user => user.context(), page => "opportunities", o => Value::from(Serde(&o)),
        contacts => Value::from(Serde(&contacts)), history => Value::from(Serde(&history)),
        users => Value::from(Serde(&users)), colleagues => Value::from(Serde(&colleagues)),
        roles => leadline_core::opportunity::ContactRole::ALL.map(|r| r.as_str()),
        stages => stage_options(), can_edit => user.role >= Role::Sales,
        closed => o.closed_at.is_some(), roi => roi,
        values => Value::from(Serde(values)), errors => Value::from(Serde(errors)),
    };
    super::render_form(st, "opportunity.html", ctx, errors)
}

/// Why a post on a deal was not done.
pub(super) enum Refusal {
    /// The store refused: the page again with the error beside its input, or a page.
    Store(StoreError),
    /// The deal's page again with `(field, message)` beside its input.
    Field(String, String),
    /// This answer as it is.
    Page(Response),
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        Refusal::Store(e)
    }
}

impl Refusal {
    pub(super) fn field(field: &str, message: impl Into<String>) -> Self {
        Refusal::Field(field.to_owned(), message.into())
    }
}

/// A sales+ post on the deal `id`: checks the role and the form, runs `act` on the posted
/// fields and answers: back to the deal's page at `anchor`, or the page again with the error
/// beside its input (a refusal that names no input beside `fallback`).
pub(super) async fn deal_post(
    st: &AppState,
    user: &UiUser,
    id: &str,
    body: &[u8],
    (anchor, fallback): (&str, &str),
    act: impl AsyncFnOnce(&Fields) -> Result<(), Refusal>,
) -> Response {
    let f = match common::posted(user, Role::Sales, body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let e = match act(&f).await {
        Ok(()) => return back(id, anchor),
        Err(Refusal::Page(r)) => return r,
        Err(Refusal::Field(field, msg)) => (field, msg),
        Err(Refusal::Store(StoreError::NotFound)) => {
            return common::not_found(st, user, "opportunity");
        }
        Err(Refusal::Store(e)) => match form_error(e, fallback) {
            Ok(e) => e,
            Err(r) => return r,
        },
    };
    detail_page(st, user, id, &f, &Errors::from([e])).await
}

/// Back to the deal's page, at `anchor`.
pub(super) fn back(id: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/opportunities/{id}#{anchor}")).into_response()
}

/// `POST /opportunities/{id}/stage` (sales+): moves the deal; closing lost needs its reason.
pub async fn move_stage(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    deal_post(&st, &user, &id, &body, ("stage", "stage"), async |f| {
        let Some(to) = common::field(f, "stage").and_then(|s| OppStage::parse(&s)) else {
            return Err(Refusal::field("stage", "Choose a stage."));
        };
        let currency = st.store.get_opportunity(&id).await?.currency;
        let amount = common::field(f, "amount")
            .map(|a| common::parse_money(&a, &currency))
            .transpose()
            .map_err(|m| Refusal::field("stage_amount", m))?;
        let mv = StageMove {
            to,
            reason: common::field(f, "reason"),
            lost_reason: common::field(f, "lost_reason"),
            competitor: common::field(f, "competitor"),
            amount_minor: amount,
        };
        let now = leadline_store::now_ms();
        match st
            .store
            .move_opportunity_stage(&id, &mv, Some(&user.user.id), now)
            .await
        {
            Ok(_) => Ok(()),
            Err(e @ StoreError::NotFound) => Err(e.into()),
            Err(e) => match form_error(e, "stage") {
                // The stage form's own amount and competitor inputs, not the deal form's.
                Ok((field, msg)) => Err(Refusal::Field(
                    match field.as_str() {
                        "amount_minor" => "stage_amount".to_owned(),
                        "competitor" => "stage_competitor".to_owned(),
                        _ => field,
                    },
                    msg,
                )),
                Err(r) => Err(Refusal::Page(r)),
            },
        }
    })
    .await
}

/// `POST /opportunities/{id}` (sales+): name, amount, currency, probability, close date,
/// next step, competitor and owner.
pub async fn update(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    deal_post(&st, &user, &id, &body, ("deal", "name"), async |f| {
        let o = st.store.get_opportunity(&id).await?;
        let currency = common::field(f, "currency").unwrap_or(o.currency.clone());
        let mut patch = OppPatch {
            name: common::field(f, "name").or(Some(String::new())),
            next_step: Some(common::field(f, "next_step")),
            competitor: Some(common::field(f, "competitor")),
            owner_id: Some(common::field(f, "owner_id")),
            next_step_at: Some(common::field(f, "next_step_due").map(|d| format!("{d}T09:00:00Z"))),
            ..OppPatch::default()
        };
        if o.closed_at.is_none() {
            patch.currency = Some(currency.clone());
            patch.expected_close = Some(common::field(f, "expected_close"));
            patch.probability = Some(
                common::field(f, "probability")
                    .map(|p| p.trim_end_matches('%').trim().parse::<i64>())
                    .transpose()
                    .map_err(|_| {
                        Refusal::field("probability", "Type a percentage from 0 to 100.")
                    })?,
            );
            patch.amount_minor = Some(
                common::field(f, "amount")
                    .map(|a| common::parse_money(&a, &currency.trim().to_ascii_uppercase()))
                    .transpose()
                    .map_err(|m| Refusal::field("amount_minor", m))?
                    .unwrap_or(0),
            );
        }
        let now = leadline_store::now_ms();
        st.store.update_opportunity(&id, &patch, now).await?;
        Ok(())
    })
    .await
}

/// `POST /leads/{id}/convert` (sales+): opens a deal from the lead and shows it.
pub async fn convert(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Sales, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let new = NewOpportunity {
        lead_id: id.clone(),
        role: common::field(&f, "role"),
        ..NewOpportunity::default()
    };
    let now = leadline_store::now_ms();
    match st
        .store
        .convert_to_opportunity(&new, Some(&user.user.id), now)
        .await
    {
        Ok(o) => Redirect::to(&format!("/opportunities/{}", o.id)).into_response(),
        Err(StoreError::NotFound) => common::not_found(&st, &user, "lead"),
        Err(e) => match form_error(e, "convert") {
            Ok((_, msg)) => {
                let errors = Errors::from([("convert".to_owned(), msg)]);
                let mut resp = super::leads::detail_page(&st, &user, &id, &f, &errors).await;
                *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                resp
            }
            Err(r) => r,
        },
    }
}
