//! Campaigns: what marketing runs and spends, with the leads each one brought in.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use leadline_store::StoreError;
use leadline_store::catalog::Campaign;
use leadline_store::leads::LeadFilter;
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::common::{self, Errors, Fields, PAGE_SIZE};
use crate::api::marketing::{NewCampaign, campaign_input};
use crate::auth::Role;
use crate::state::AppState;

/// `GET /campaigns?after=`: every campaign with its channel, dates, budget, cost and leads.
pub async fn list(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    list_page(&st, &user, &q, &Fields::new(), &Errors::new()).await
}

async fn list_page(
    st: &AppState,
    user: &UiUser,
    q: &Fields,
    values: &Fields,
    errors: &Errors,
) -> Response {
    let cursor = match common::cursor(q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let page = match st.store.list_campaigns(cursor.as_ref(), PAGE_SIZE).await {
        Ok(p) => p,
        Err(e) => return common::store_error(e),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "campaigns", campaigns => Value::from(Serde(&page.items)),
        next => &page.next, values => values, errors => errors,
        channels => leadline_core::Channel::ALL.map(|c| c.as_str()),
    };
    super::render_form(st, "campaigns.html", ctx, errors)
}

/// `POST /campaigns` (marketer+): creates a campaign, or shows the form again with errors.
pub async fn create(State(st): State<AppState>, user: UiUser, body: axum::body::Bytes) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let input = match campaign_from(&f) {
        Ok(input) => input,
        Err(errors) => return list_page(&st, &user, &Fields::new(), &f, &errors).await,
    };
    match st.store.create_campaign(&input).await {
        Ok(c) => Redirect::to(&format!("/campaigns/{}", c.id)).into_response(),
        Err(StoreError::Conflict(_)) => {
            let errors = Errors::from([(
                "name".to_owned(),
                "A campaign with this name already exists.".to_owned(),
            )]);
            list_page(&st, &user, &Fields::new(), &f, &errors).await
        }
        Err(e) => common::store_error(e),
    }
}

/// Reads the create form through the API's own checks, naming the input at fault.
fn campaign_from(f: &Fields) -> Result<leadline_store::catalog::CampaignInput, Errors> {
    let mut errors = Errors::new();
    let currency = common::field(f, "currency")
        .unwrap_or_else(|| "USD".into())
        .to_uppercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
        errors.insert(
            "currency".into(),
            "Use a three-letter code such as USD.".into(),
        );
    }
    let budget_minor = match common::field(f, "budget").map(|b| common::parse_money(&b, &currency))
    {
        None => None,
        Some(Ok(b)) => Some(b),
        Some(Err(e)) => {
            errors.insert("budget".into(), e);
            None
        }
    };
    let input = campaign_input(NewCampaign {
        name: f.get("name").cloned().unwrap_or_default(),
        channel: f.get("channel").cloned().unwrap_or_default(),
        starts_at: common::field(f, "starts_at"),
        ends_at: common::field(f, "ends_at"),
        budget_minor,
        currency: Some(currency),
        utm_source: common::field(f, "utm_source"),
        utm_medium: common::field(f, "utm_medium"),
        utm_campaign: common::field(f, "utm_campaign"),
    });
    match input {
        Ok(input) if errors.is_empty() => Ok(input),
        Ok(_) => Err(errors),
        Err(e) => {
            let field = match e.field.as_deref() {
                Some("budget_minor") => "budget".to_owned(),
                Some(other) => other.to_owned(),
                None => "name".to_owned(),
            };
            errors
                .entry(field)
                .or_insert_with(|| common::sentence(&e.message));
            Err(errors)
        }
    }
}

/// `GET /campaigns/{id}?after=`: one campaign, its leads, and (marketer+) a cost entry form.
pub async fn detail(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    Query(q): Query<Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let campaign = match find(&st, &user, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let notice = q.contains_key("added").then_some("Cost recorded.");
    detail_page(
        &st,
        &user,
        &campaign,
        &q,
        &Fields::new(),
        &Errors::new(),
        notice,
    )
    .await
}

async fn find(st: &AppState, user: &UiUser, id: &str) -> Result<Campaign, Response> {
    match st.store.get_campaign(id).await {
        Ok(c) => Ok(c),
        Err(StoreError::NotFound) => Err(common::not_found(st, user, "campaign")),
        Err(e) => Err(common::store_error(e)),
    }
}

async fn detail_page(
    st: &AppState,
    user: &UiUser,
    campaign: &Campaign,
    q: &Fields,
    values: &Fields,
    errors: &Errors,
    notice: Option<&str>,
) -> Response {
    let cursor = match common::cursor(q) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let filter = LeadFilter {
        campaign: Some(campaign.id.clone()),
        ..LeadFilter::default()
    };
    let leads = match st
        .store
        .list_leads(&filter, cursor.as_ref(), PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(e) => return common::store_error(e),
    };
    let cost_filter = leadline_store::costs::CostFilter {
        campaign_id: Some(campaign.id.clone()),
        ..Default::default()
    };
    let costs = match st.store.costs(&cost_filter, None, 100).await {
        Ok(p) => p.items,
        Err(e) => return common::store_error(e),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "campaigns", campaign => Value::from(Serde(campaign)),
        costs => Value::from(Serde(&costs)),
        leads => Value::from(Serde(&leads.items)), next => &leads.next,
        values => values, errors => errors, notice => notice,
        today => leadline_core::time::rfc3339(leadline_store::now_ms()).chars().take(10).collect::<String>(),
    };
    super::render_form(st, "campaign.html", ctx, errors)
}

/// `POST /campaigns/{id}/costs` (marketer+): records what the campaign cost on a day.
pub async fn add_cost(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Marketer, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let campaign = match find(&st, &user, &id).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (day, amount, note) = match cost_from(&f, &campaign.currency) {
        Ok(cost) => cost,
        Err(errors) => {
            return detail_page(&st, &user, &campaign, &Fields::new(), &f, &errors, None).await;
        }
    };
    match st
        .store
        .add_campaign_cost(&campaign.id, day, amount, note.as_deref())
        .await
    {
        Ok(()) => Redirect::to(&format!("/campaigns/{}?added=cost", campaign.id)).into_response(),
        Err(e) => common::store_error(e),
    }
}

/// Reads a cost entry: a day, a non-zero amount (negative for a refund), an optional note.
fn cost_from(f: &Fields, currency: &str) -> Result<(i64, i64, Option<String>), Errors> {
    let mut errors = Errors::new();
    let day = common::field(f, "day").and_then(|d| common::parse_day(&d));
    if day.is_none() {
        errors.insert("day".into(), "Pick the day the money was spent.".into());
    }
    let amount = match common::field(f, "amount").map(|a| common::parse_money(&a, currency)) {
        Some(Ok(0)) | None => Err("Enter the amount spent, such as 1250.00.".to_owned()),
        Some(other) => other,
    };
    if let Err(e) = &amount {
        errors.insert("amount".into(), e.clone());
    }
    let note = common::field(f, "note");
    if note.as_ref().is_some_and(|n| n.chars().count() > 200) {
        errors.insert("note".into(), "Keep the note under 200 characters.".into());
    }
    match (day, amount) {
        (Some(day), Ok(amount)) if errors.is_empty() => Ok((day, amount, note)),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_campaign_form_becomes_store_input_with_money_in_minor_units() {
        let f = fields(&[
            ("name", " Spring webinar "),
            ("channel", "webinar"),
            ("starts_at", "2026-03-01"),
            ("budget", "12,345.67"),
            ("currency", "eur"),
        ]);
        let input = campaign_from(&f).unwrap();
        assert_eq!(input.name, "Spring webinar");
        assert_eq!(input.budget_minor, Some(1_234_567));
        assert_eq!(input.currency.as_deref(), Some("EUR"));
        assert!(input.starts_at.is_some());
    }

    #[test]
    fn campaign_errors_name_the_input_at_fault() {
        let errors =
            campaign_from(&fields(&[("name", "X"), ("channel", "telepathy")])).unwrap_err();
        assert!(errors.contains_key("channel"));
        let errors = campaign_from(&fields(&[
            ("name", "X"),
            ("channel", "blog"),
            ("budget", "1.234"),
        ]))
        .unwrap_err();
        assert!(errors.contains_key("budget"));
        let errors = campaign_from(&fields(&[("channel", "blog")])).unwrap_err();
        assert!(errors.contains_key("name"));
    }

    #[test]
    fn a_cost_entry_needs_a_day_and_a_non_zero_amount() {
        let (day, amount, note) = cost_from(
            &fields(&[("day", "1970-01-02"), ("amount", "12345.67")]),
            "USD",
        )
        .unwrap();
        assert_eq!((day, amount, note), (86_400_000, 1_234_567, None));
        let errors = cost_from(&fields(&[("amount", "0")]), "USD").unwrap_err();
        assert!(errors.contains_key("day") && errors.contains_key("amount"));
        assert!(cost_from(&fields(&[("day", "1970-01-02"), ("amount", "-5")]), "USD").is_ok());
    }
}
