//! `/api/v1/leads`: list, read, create (through the capture pipeline) and the timeline.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use leadline_core::capture::Traits;
use leadline_core::{Activity, CaptureEvent, Channel, Email};
use leadline_store::leads::{ActivityItem, Lead, LeadFilter, LeadSort, Merge, StageChange};
use leadline_store::page::Page;
use serde::Deserialize;

use super::Paging;
use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// The lead list's filters (the paging parameters are [`Paging`]).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeadQuery {
    /// Search. An email address or its start (`ada@`, `ada@acme.com`) matches the email.
    /// Otherwise every word must match the start of a word of the lead's name, email or
    /// company, accents and case ignored (`smi` finds Smith, `acme corp` finds Acme Corp,
    /// `jose` finds José); words joined by punctuation must follow each other (`acme.com`).
    /// Not a substring search: `mith` does not find Smith.
    q: Option<String>,
    #[param(schema_with = stage_schema)]
    stage: Option<String>,
    /// Owner user id.
    owner: Option<String>,
    #[param(schema_with = channel_schema)]
    source: Option<String>,
    /// First-touch campaign id.
    campaign: Option<String>,
    /// Account id.
    account: Option<String>,
    #[param(schema_with = sort_schema)]
    sort: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    paging: Paging,
}

/// The OpenAPI schema of a string parameter that takes one of `values`. (`schema_with`
/// drops the field's doc comment, hence the description here.)
fn one_of<'a>(
    description: &str,
    values: impl IntoIterator<Item = &'a str>,
) -> utoipa::openapi::ObjectBuilder {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .description(Some(description))
        .enum_values(Some(values))
}

fn stage_schema() -> utoipa::openapi::Object {
    let stages = leadline_core::Stage::ALL.iter().map(|s| s.as_str());
    one_of("Lifecycle stage.", stages).build()
}

fn channel_schema() -> utoipa::openapi::Object {
    let channels = Channel::ALL.iter().map(|c| c.as_str());
    one_of("First-touch channel.", channels).build()
}

fn sort_schema() -> utoipa::openapi::Object {
    one_of("Newest or oldest first.", ["newest", "oldest"])
        .default(Some("newest".into()))
        .build()
}

impl LeadQuery {
    /// The paging part of the query.
    pub fn paging(&self) -> &Paging {
        &self.paging
    }

    /// The filters as given, to refill the filter form.
    pub fn raw(&self) -> serde_json::Value {
        serde_json::json!({"q": self.q, "stage": self.stage, "owner": self.owner, "source": self.source, "campaign": self.campaign, "account": self.account, "sort": self.sort})
    }

    /// The store filter, with every enumerated value checked.
    pub fn filter(&self) -> Result<LeadFilter, ApiError> {
        if let Some(s) = self.stage.as_deref().filter(|s| !s.is_empty())
            && leadline_core::Stage::parse(s).is_none()
        {
            return Err(ApiError::bad_request("invalid_stage", "`stage` must be one of subscriber, lead, mql, sal, sql, opportunity, customer, disqualified, recycled").field("stage"));
        }
        if let Some(s) = self.source.as_deref().filter(|s| !s.is_empty())
            && Channel::parse(s).is_none()
        {
            return Err(ApiError::bad_request(
                "invalid_source",
                "`source` must be a channel name such as organic_search or tradeshow",
            )
            .field("source"));
        }
        let sort = match self.sort.as_deref().unwrap_or("newest") {
            "newest" | "" => LeadSort::Newest,
            "oldest" => LeadSort::Oldest,
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_sort",
                    "`sort` must be newest or oldest",
                )
                .field("sort"));
            }
        };
        Ok(LeadFilter {
            q: self.q.clone(),
            stage: self
                .stage
                .as_deref()
                .and_then(leadline_core::Stage::parse)
                .map(|s| s.as_str().to_owned()),
            owner: self.owner.clone(),
            source: self
                .source
                .as_deref()
                .and_then(Channel::parse)
                .map(|c| c.as_str().to_owned()),
            campaign: self.campaign.clone(),
            account: self.account.clone(),
            sort,
        })
    }
}

/// Lists leads, newest first unless `sort=oldest`.
#[utoipa::path(
    get,
    path = "/leads",
    tag = "leads",
    operation_id = "list_leads",
    params(LeadQuery, Paging),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of leads", body = Page<Lead>),
        (status = 400, description = "A bad filter, `after` or `limit` (see `field`)", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not read leads", body = ErrorBody),
    )
)]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<LeadQuery>,
) -> Result<Json<Page<Lead>>, ApiError> {
    caller.require(Role::Viewer)?;
    let (cursor, limit) = q.paging.parse()?;
    Ok(Json(
        st.store
            .list_leads(&q.filter()?, cursor.as_ref(), limit)
            .await?,
    ))
}

/// Reads one lead.
#[utoipa::path(
    get,
    path = "/leads/{id}",
    tag = "leads",
    operation_id = "get_lead",
    params(("id" = String, Path, description = "Lead id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The lead", body = Lead),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not read leads", body = ErrorBody),
        (status = 404, description = "No such lead", body = ErrorBody),
    )
)]
pub async fn get_one(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Lead>, ApiError> {
    caller.require(Role::Viewer)?;
    lead_or_404(&st, &id).await.map(Json)
}

/// A lead's activities (form submissions, page views, tracked events…), newest first.
#[utoipa::path(
    get,
    path = "/leads/{id}/activities",
    tag = "leads",
    operation_id = "list_lead_activities",
    params(("id" = String, Path, description = "Lead id"), Paging),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of activities", body = Page<ActivityItem>),
        (status = 400, description = "A bad `after` or `limit`", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not read leads", body = ErrorBody),
        (status = 404, description = "No such lead", body = ErrorBody),
    )
)]
pub async fn activities(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    Query(p): Query<Paging>,
) -> Result<Json<Page<ActivityItem>>, ApiError> {
    caller.require(Role::Viewer)?;
    let lead = lead_or_404(&st, &id).await?;
    let (cursor, limit) = p.parse()?;
    Ok(Json(
        st.store
            .lead_activities(&lead.id, cursor.as_ref(), limit)
            .await?,
    ))
}

/// Every lifecycle stage change of a lead (one page, `next` is always null).
#[utoipa::path(
    get,
    path = "/leads/{id}/stage_changes",
    tag = "leads",
    operation_id = "list_lead_stage_changes",
    params(("id" = String, Path, description = "Lead id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The stage changes", body = Page<StageChange>),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not read leads", body = ErrorBody),
        (status = 404, description = "No such lead", body = ErrorBody),
    )
)]
pub async fn stage_changes(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Page<StageChange>>, ApiError> {
    caller.require(Role::Viewer)?;
    let lead = lead_or_404(&st, &id).await?;
    Ok(Json(Page {
        items: st.store.lead_stage_changes(&lead.id).await?,
        next: None,
    }))
}

/// The leads merged into this one (one page, `next` is always null).
#[utoipa::path(
    get,
    path = "/leads/{id}/merges",
    tag = "leads",
    operation_id = "list_lead_merges",
    params(("id" = String, Path, description = "Lead id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The merges", body = Page<Merge>),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not read leads", body = ErrorBody),
        (status = 404, description = "No such lead", body = ErrorBody),
    )
)]
pub async fn merges(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Page<Merge>>, ApiError> {
    caller.require(Role::Viewer)?;
    let lead = lead_or_404(&st, &id).await?;
    Ok(Json(Page {
        items: st.store.lead_merges(&lead.id).await?,
        next: None,
    }))
}

/// A lead entered by hand or by an integration; a rep's referral when `channel` is a
/// referral channel.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewLead {
    pub email: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub campaign: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub custom: std::collections::BTreeMap<String, String>,
}

/// Turns a hand-entered lead into a capture event.
pub fn new_lead_event(body: &NewLead, origin: String, now: i64) -> Result<CaptureEvent, ApiError> {
    let email =
        Email::parse(&body.email).map_err(|e| ApiError::invalid("email", format!("email {e}")))?;
    let channel = match body.channel.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(
            Channel::parse(c)
                .ok_or_else(|| ApiError::invalid("channel", format!("unknown channel {c:?}")))?,
        ),
        None => None,
    };
    let referral = matches!(
        channel,
        Some(Channel::CustomerReferral | Channel::PartnerReferral | Channel::SalesReferral)
    );
    let activity = if referral {
        Activity::ReferralLogged
    } else {
        Activity::ApiCreated
    };
    let mut ev = CaptureEvent::new(
        format!("api:{}", leadline_store::new_id()),
        activity,
        now,
        origin,
    );
    let mut traits = Traits {
        custom: body.custom.clone(),
        ..Default::default()
    };
    for (k, v) in [
        ("first_name", &body.first_name),
        ("last_name", &body.last_name),
        ("title", &body.title),
        ("phone", &body.phone),
        ("company", &body.company),
        ("country", &body.country),
    ] {
        if let Some(v) = v {
            traits.set(k, v);
        }
    }
    ev.email = Some(email);
    ev.traits = traits;
    ev.channel = Some(channel.unwrap_or(Channel::Api));
    ev.campaign = body.campaign.clone();
    if let Some(note) = &body.note {
        ev.properties = serde_json::json!({ "note": note });
    }
    Ok(ev)
}

/// Creates a lead.
///
/// The lead goes through the capture pipeline like any other event: an existing lead with
/// the same email is updated instead (200). A referral `channel` logs a referral.
#[utoipa::path(
    post,
    path = "/leads",
    tag = "leads",
    operation_id = "create_lead",
    request_body = NewLead,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "A new lead", body = Lead),
        (status = 200, description = "An existing lead, updated", body = Lead),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not create leads (sales or above)", body = ErrorBody),
        (status = 422, description = "A field is invalid (see `field`)", body = ErrorBody),
    )
)]
pub async fn create(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<NewLead>,
) -> Result<(StatusCode, Json<Lead>), ApiError> {
    caller.require(Role::Sales)?;
    let origin = match &caller.user_id {
        Some(u) => format!("user:{u}"),
        None => "api".to_owned(),
    };
    let ev = new_lead_event(&body, origin, leadline_store::now_ms())?;
    let out = st.capturer.capture(vec![ev]).await?;
    let status = if matches!(out[0], leadline_store::CaptureOutcome::Created { .. }) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let id = out[0].lead_id().ok_or_else(ApiError::internal)?;
    Ok((status, Json(st.store.get_lead(id).await?)))
}

/// The lead with this id (or the one it was merged into), or a 404 naming it.
pub(crate) async fn lead_or_404(st: &AppState, id: &str) -> Result<Lead, ApiError> {
    st.store
        .get_lead(id)
        .await
        .map_err(|_| ApiError::not_found("lead"))
}
