//! `/api/v1/accounts`, `/campaigns`, `/forms`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use leadline_core::Channel;
use leadline_core::form::FormDefinition;
use leadline_store::catalog::{Account, Campaign, CampaignInput};
use leadline_store::forms::Form;
use leadline_store::page::Page;
use serde::Deserialize;

use super::Paging;
use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// The account list's filter (the paging parameters are [`Paging`]).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    /// Free text: matches the domain and name.
    q: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    paging: Paging,
}

/// Lists accounts.
#[utoipa::path(
    get,
    path = "/accounts",
    tag = "accounts",
    params(AccountQuery, Paging),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of accounts", body = Page<Account>),
        (status = 400, description = "A bad `after` or `limit` (see `field`)", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (viewer or above)", body = ErrorBody),
    )
)]
pub async fn list_accounts(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<AccountQuery>,
) -> Result<Json<Page<Account>>, ApiError> {
    caller.require(Role::Viewer)?;
    let (cursor, limit) = q.paging.parse()?;
    Ok(Json(
        st.store
            .list_accounts(q.q.as_deref(), cursor.as_ref(), limit)
            .await?,
    ))
}

/// Reads one account.
#[utoipa::path(
    get,
    path = "/accounts/{id}",
    tag = "accounts",
    params(("id" = String, Path, description = "Account id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = Account),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (viewer or above)", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
    )
)]
pub async fn get_account(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Account>, ApiError> {
    caller.require(Role::Viewer)?;
    st.store
        .get_account(&id)
        .await
        .map(Json)
        .map_err(|_| ApiError::not_found("account"))
}

/// Lists campaigns.
#[utoipa::path(
    get,
    path = "/campaigns",
    tag = "campaigns",
    params(Paging),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of campaigns", body = Page<Campaign>),
        (status = 400, description = "A bad `after` or `limit` (see `field`)", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (viewer or above)", body = ErrorBody),
    )
)]
pub async fn list_campaigns(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(p): Query<Paging>,
) -> Result<Json<Page<Campaign>>, ApiError> {
    caller.require(Role::Viewer)?;
    let (cursor, limit) = p.parse()?;
    Ok(Json(st.store.list_campaigns(cursor.as_ref(), limit).await?))
}

/// Reads one campaign.
#[utoipa::path(
    get,
    path = "/campaigns/{id}",
    tag = "campaigns",
    params(("id" = String, Path, description = "Campaign id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The campaign", body = Campaign),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (viewer or above)", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
pub async fn get_campaign(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Campaign>, ApiError> {
    caller.require(Role::Viewer)?;
    st.store
        .get_campaign(&id)
        .await
        .map(Json)
        .map_err(|_| ApiError::not_found("campaign"))
}

/// A campaign as the API accepts it (times as RFC 3339).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewCampaign {
    /// 1 to 200 characters, unique.
    pub name: String,
    /// A channel name such as webinar, tradeshow or paid_search.
    pub channel: String,
    /// A date (2026-03-01, midnight UTC) or an RFC 3339 time.
    pub starts_at: Option<String>,
    /// A date or an RFC 3339 time, not before `starts_at`.
    pub ends_at: Option<String>,
    /// Budget in minor units (cents), not negative.
    pub budget_minor: Option<i64>,
    pub currency: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
}

/// Checks a campaign a person submitted (API or UI) and turns it into the store's input.
pub fn campaign_input(c: NewCampaign) -> Result<CampaignInput, ApiError> {
    let name = c.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(ApiError::invalid(
            "name",
            "a campaign needs a name of at most 200 characters",
        ));
    }
    let channel = Channel::parse(&c.channel).ok_or_else(|| {
        ApiError::invalid(
            "channel",
            format!(
                "unknown channel {:?}; e.g. webinar, tradeshow, paid_search",
                c.channel
            ),
        )
    })?;
    let time = |field: &str, v: &Option<String>| -> Result<Option<i64>, ApiError> {
        match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(s) => leadline_core::time::parse_rfc3339(s)
                .or_else(|| {
                    s.parse::<jiff::civil::Date>()
                        .ok()
                        .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
                        .map(|z| z.timestamp().as_millisecond())
                })
                .map(Some)
                .ok_or_else(|| {
                    ApiError::invalid(field, "must be a date (2026-03-01) or an RFC 3339 time")
                }),
        }
    };
    let (starts_at, ends_at) = (
        time("starts_at", &c.starts_at)?,
        time("ends_at", &c.ends_at)?,
    );
    if let (Some(s), Some(e)) = (starts_at, ends_at)
        && e < s
    {
        return Err(ApiError::invalid(
            "ends_at",
            "the campaign ends before it starts",
        ));
    }
    if c.budget_minor.is_some_and(|b| b < 0) {
        return Err(ApiError::invalid(
            "budget_minor",
            "a budget cannot be negative",
        ));
    }
    Ok(CampaignInput {
        name: name.to_owned(),
        channel: channel.as_str().to_owned(),
        starts_at,
        ends_at,
        budget_minor: c.budget_minor,
        currency: c
            .currency
            .map(|c| c.trim().to_uppercase())
            .filter(|c| c.len() == 3),
        utm_source: c.utm_source,
        utm_medium: c.utm_medium,
        utm_campaign: c.utm_campaign,
    })
}

/// Creates a campaign.
#[utoipa::path(
    post,
    path = "/campaigns",
    tag = "campaigns",
    request_body = NewCampaign,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new campaign", body = Campaign),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (marketer or above)", body = ErrorBody),
        (status = 409, description = "A campaign with this name exists", body = ErrorBody),
        (status = 422, description = "A field is invalid (see `field`)", body = ErrorBody),
    )
)]
pub async fn create_campaign(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<NewCampaign>,
) -> Result<(StatusCode, Json<Campaign>), ApiError> {
    caller.require(Role::Marketer)?;
    let input = campaign_input(body)?;
    Ok((
        StatusCode::CREATED,
        Json(
            st.store
                .create_campaign(&input)
                .await
                .map_err(|e| ApiError::from(e).field("name"))?,
        ),
    ))
}

/// Lists every form (one page, `next` is always null).
#[utoipa::path(
    get,
    path = "/forms",
    tag = "forms",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The forms", body = Page<Form>),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (viewer or above)", body = ErrorBody),
    )
)]
pub async fn list_forms(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Page<Form>>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(Page {
        items: st.store.list_forms().await?,
        next: None,
    }))
}

/// Reads one form.
#[utoipa::path(
    get,
    path = "/forms/{id}",
    tag = "forms",
    params(("id" = String, Path, description = "Form id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The form", body = Form),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (viewer or above)", body = ErrorBody),
        (status = 404, description = "No such form", body = ErrorBody),
    )
)]
pub async fn get_form(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Form>, ApiError> {
    caller.require(Role::Viewer)?;
    st.store
        .get_form(&id)
        .await
        .map(Json)
        .map_err(|_| ApiError::not_found("form"))
}

/// A form as the API accepts it: a name, an optional key, and the definition's fields inline.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewForm {
    pub name: String,
    /// The public key in `/f/{key}`: 4 to 64 letters, digits, `-` or `_`; generated when absent.
    #[serde(default)]
    pub key: Option<String>,
    /// The definition's fields (`fields`, `progressive_fields`, `consent_text`, `thank_you`…), inline.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub definition: FormDefinition,
}

/// Checks a form definition and key, naming the field at fault.
pub fn check_form(body: &NewForm) -> Result<String, ApiError> {
    if body.name.trim().is_empty() {
        return Err(ApiError::invalid("name", "a form needs a name"));
    }
    body.definition
        .validate()
        .map_err(|e| ApiError::invalid(e.field, e.message))?;
    let key = body.key.clone().unwrap_or_else(|| {
        crate::auth::random_token(9)
            .to_lowercase()
            .replace(['-', '_'], "x")
    });
    if key.len() < 4
        || key.len() > 64
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::invalid(
            "key",
            "a key uses 4 to 64 letters, digits, - or _",
        ));
    }
    Ok(key)
}

/// Creates a form.
#[utoipa::path(
    post,
    path = "/forms",
    tag = "forms",
    request_body = NewForm,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new form", body = Form),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (marketer or above)", body = ErrorBody),
        (status = 409, description = "A form with this key exists", body = ErrorBody),
        (status = 422, description = "A field is invalid (see `field`)", body = ErrorBody),
    )
)]
pub async fn create_form(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<NewForm>,
) -> Result<(StatusCode, Json<Form>), ApiError> {
    caller.require(Role::Marketer)?;
    let key = check_form(&body)?;
    let form = st
        .store
        .create_form(&key, body.name.trim(), &body.definition)
        .await
        .map_err(|e| ApiError::from(e).field("key"))?;
    Ok((StatusCode::CREATED, Json(form)))
}

/// Replaces a form's name and definition (its key stays).
#[utoipa::path(
    put,
    path = "/forms/{id}",
    tag = "forms",
    params(("id" = String, Path, description = "Form id")),
    request_body = NewForm,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated form", body = Form),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (marketer or above)", body = ErrorBody),
        (status = 404, description = "No such form", body = ErrorBody),
        (status = 422, description = "A field is invalid (see `field`)", body = ErrorBody),
    )
)]
pub async fn update_form(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewForm>,
) -> Result<Json<Form>, ApiError> {
    caller.require(Role::Marketer)?;
    check_form(&body)?;
    st.store
        .update_form(&id, body.name.trim(), &body.definition)
        .await
        .map(Json)
        .map_err(|_| ApiError::not_found("form"))
}
