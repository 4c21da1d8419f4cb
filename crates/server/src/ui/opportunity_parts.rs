//! The working parts of a deal's page: contact roles, needs-analysis notes, the proposal
//! checklist, the ROI builder with its CSV, and the share link with the public ROI page
//! (`/roi/{token}`: signed out, read-only, never indexed).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use leadline_core::roi::RoiInputs;
use leadline_store::StoreError;
use leadline_store::leads::LeadFilter;
use leadline_store::opportunities::{OppPatch, Opportunity};
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::common::{self, Fields};
use super::opportunities::{Refusal, deal_post};
use crate::auth::Role;
use crate::state::AppState;

/// Money inputs of the ROI form, by field: (form input, `RoiInputs` field).
const MONEY: [(&str, &str); 4] = [
    ("current_cost", "current_cost_monthly"),
    ("savings", "expected_savings_monthly"),
    ("upfront", "price_upfront"),
    ("monthly", "price_monthly"),
];

fn major(minor: i64, currency: &str) -> String {
    common::format_money(minor, currency)
        .trim_end_matches(currency)
        .trim()
        .to_owned()
}

/// The ROI builder's values (the posted ones after a refusal, else the saved inputs) and
/// the estimate of the saved inputs, formatted for people.
pub(super) fn roi_context(o: &Opportunity, posted: &Fields) -> Value {
    let c = o.currency.as_str();
    let mut values = Fields::new();
    if let Some(i) = &o.roi_inputs {
        let amounts = [
            i.current_cost_monthly,
            i.expected_savings_monthly,
            i.price_upfront,
            i.price_monthly,
        ];
        for ((input, _), v) in MONEY.iter().zip(amounts) {
            values.insert((*input).to_owned(), major(v, c));
        }
        values.insert("horizon".into(), i.horizon_months.to_string());
        values.insert(
            "rate".into(),
            format!("{}", (i.discount_rate * 1000.0).round() / 10.0),
        );
    }
    if posted.contains_key("horizon") {
        values = posted.clone();
    }
    let estimate = o.roi_inputs.as_ref().and_then(|i| i.estimate().ok()).map(|e| {
        let money = |v: f64| common::format_money(v.round() as i64, c);
        let schedule: Vec<_> = e
            .schedule
            .iter()
            .map(|m| {
                minijinja::context! {
                    month => m.month, savings => common::format_money(m.savings, c),
                    cost => common::format_money(m.cost, c), cumulative => common::format_money(m.cumulative, c),
                    discounted => money(m.discounted_cumulative), positive => m.cumulative >= 0,
                }
            })
            .collect();
        minijinja::context! {
            payback => e.payback_months.map(|p| format!("{p:.1} months")).unwrap_or_else(|| "never: the monthly price exceeds the savings".into()),
            roi_percent => e.roi_percent.map(|p| format!("{p:.1} %")).unwrap_or_else(|| "—".into()),
            npv => money(e.npv), total_savings => common::format_money(e.total_savings, c),
            total_cost => common::format_money(e.total_cost, c), schedule => schedule,
        }
    });
    minijinja::context! { values => Value::from(Serde(&values)), estimate => estimate }
}

/// Reads the ROI form into inputs, or the error beside its input.
fn roi_inputs(f: &Fields, currency: &str) -> Result<RoiInputs, (String, String)> {
    let mut amounts = [0i64; 4];
    for ((input, field), slot) in MONEY.iter().zip(amounts.iter_mut()) {
        *slot = match common::field(f, input) {
            None if *input == "upfront" || *input == "monthly" => 0,
            None => return Err(((*field).to_owned(), "Fill this in.".into())),
            Some(v) => common::parse_money(&v, currency).map_err(|m| ((*field).to_owned(), m))?,
        };
    }
    let horizon = common::field(f, "horizon")
        .and_then(|h| h.parse::<u32>().ok())
        .ok_or_else(|| {
            (
                "horizon_months".to_owned(),
                "Type a number of months, 1 to 120.".to_owned(),
            )
        })?;
    let rate = match common::field(f, "rate") {
        None => 8.0,
        Some(r) => r.trim_end_matches('%').trim().parse::<f64>().map_err(|_| {
            (
                "discount_rate".to_owned(),
                "Type a yearly rate in percent, such as 8.".to_owned(),
            )
        })?,
    };
    Ok(RoiInputs {
        current_cost_monthly: amounts[0],
        expected_savings_monthly: amounts[1],
        price_upfront: amounts[2],
        price_monthly: amounts[3],
        horizon_months: horizon,
        discount_rate: rate / 100.0,
    })
}

/// `POST /opportunities/{id}/roi` (sales+): saves the ROI builder's inputs.
pub async fn save_roi(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    deal_post(&st, &user, &id, &body, ("roi", "roi"), async |f| {
        let o = st.store.get_opportunity(&id).await?;
        let inputs =
            roi_inputs(f, &o.currency).map_err(|(field, msg)| Refusal::Field(field, msg))?;
        st.store
            .save_roi_inputs(&id, &inputs, leadline_store::now_ms())
            .await?;
        Ok(())
    })
    .await
}

/// `POST /opportunities/{id}/contacts` (sales+): a person (picked from the account or by
/// email) and their part.
pub async fn add_contact(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    deal_post(&st, &user, &id, &body, ("contacts", "lead_id"), async |f| {
        let lead = match (common::field(f, "lead_id"), common::field(f, "email")) {
            (_, Some(email)) => {
                let filter = LeadFilter {
                    q: Some(email.clone()),
                    ..LeadFilter::default()
                };
                match st.store.list_leads(&filter, None, 5).await {
                    Ok(p) => p
                        .items
                        .into_iter()
                        .find(|l| {
                            l.email
                                .as_deref()
                                .is_some_and(|e| e.eq_ignore_ascii_case(&email))
                        })
                        .map(|l| l.id),
                    Err(e) => return Err(Refusal::Page(common::store_error(e))),
                }
            }
            (Some(lead), None) => Some(lead),
            (None, None) => None,
        };
        let Some(lead) = lead else {
            return Err(Refusal::field(
                "lead_id",
                "Pick a person, or type the email of a lead.",
            ));
        };
        let role = common::field(f, "role").unwrap_or_default();
        st.store
            .add_opportunity_contact(&id, &lead, &role, leadline_store::now_ms())
            .await?;
        Ok(())
    })
    .await
}

/// `POST /opportunities/{id}/contacts/remove` (sales+).
pub async fn remove_contact(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    deal_post(&st, &user, &id, &body, ("contacts", "lead_id"), async |f| {
        let (lead, role) = (
            common::field(f, "lead_id").unwrap_or_default(),
            common::field(f, "role").unwrap_or_default(),
        );
        match st
            .store
            .remove_opportunity_contact(&id, &lead, &role, leadline_store::now_ms())
            .await
        {
            Ok(()) | Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(Refusal::Page(common::store_error(e))),
        }
    })
    .await
}

/// `POST /opportunities/{id}/notes` (sales+): the needs-analysis notes.
pub async fn save_notes(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    deal_post(
        &st,
        &user,
        &id,
        &body,
        ("needs", "needs_analysis"),
        async |f| {
            let patch = OppPatch {
                needs_analysis: Some(f.get("needs_analysis").cloned().unwrap_or_default()),
                ..OppPatch::default()
            };
            st.store
                .update_opportunity(&id, &patch, leadline_store::now_ms())
                .await?;
            Ok(())
        },
    )
    .await
}

/// `POST /opportunities/{id}/checklist` (sales+): the ticked items (`item_N=on`).
pub async fn save_checklist(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    deal_post(&st, &user, &id, &body, ("checklist", "item"), async |f| {
        let o = st.store.get_opportunity(&id).await?;
        let now = leadline_store::now_ms();
        for (i, item) in o.checklist.iter().enumerate() {
            let done = f.contains_key(&format!("item_{i}"));
            if done != item.done {
                st.store.set_checklist_item(&id, i, done, now).await?;
            }
        }
        Ok(())
    })
    .await
}

/// `POST /opportunities/{id}/share` (sales+): makes (or keeps) the public ROI link.
pub async fn share(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    deal_post(&st, &user, &id, &body, ("share", "share"), async |f| {
        if f.contains_key("stop") {
            st.store.unshare_roi(&id).await?;
        } else {
            st.store
                .share_roi(&id, &crate::auth::random_token(24))
                .await?;
        }
        Ok(())
    })
    .await
}

/// `GET /opportunities/{id}/roi.csv` (viewer+).
pub async fn roi_csv(State(st): State<AppState>, user: UiUser, Path(id): Path<String>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    match st
        .store
        .get_opportunity(&id)
        .await
        .map(|o| (crate::api::opportunities::extras::roi_of(&o), o.id))
    {
        Ok((Ok(view), oid)) => crate::api::opportunities::extras::roi_csv(&oid, &view.estimate),
        Ok((Err(_), _)) | Err(StoreError::NotFound) => {
            common::not_found(&st, &user, "ROI estimate")
        }
        Err(e) => common::store_error(e),
    }
}

/// `GET /roi/{token}` and `/roi/{token}.csv`: the shared ROI estimate, for anyone with the
/// link. Read-only, no sign-in, and kept out of search engines (meta tag and header).
pub async fn public(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    let (token, csv) = match token.strip_suffix(".csv") {
        Some(t) => (t.to_owned(), true),
        None => (token, false),
    };
    let gone = || {
        (
            StatusCode::NOT_FOUND,
            [(
                header::HeaderName::from_static("x-robots-tag"),
                "noindex, nofollow",
            )],
            Html(
                "<!doctype html><title>Not found</title><p>This link is not shared (any more).</p>"
                    .to_owned(),
            ),
        )
            .into_response()
    };
    let o = match st.store.opportunity_by_share_token(&token).await {
        Ok(o) => o,
        Err(StoreError::NotFound) => return gone(),
        Err(e) => return common::store_error(e),
    };
    let mut resp = if csv {
        match crate::api::opportunities::extras::roi_of(&o) {
            Ok(view) => crate::api::opportunities::extras::roi_csv(&o.id, &view.estimate),
            Err(_) => return gone(),
        }
    } else {
        let ctx = minijinja::context! {
            o => minijinja::context! { name => &o.name, account_name => &o.account_name, account_domain => &o.account_domain, currency => &o.currency },
            roi => roi_context(&o, &Fields::new()), token => &token,
        };
        super::render(&st, "roi_public.html", ctx)
    };
    resp.headers_mut().insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex, nofollow"),
    );
    resp.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    resp
}
