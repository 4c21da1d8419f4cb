//! `/api/v1/duplicates`: the review queue of likely duplicate people and accounts: list,
//! compare, merge, dismiss, scan, and the survivorship rules merges apply.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use leadline_core::dedupe::survivorship;
use leadline_store::StoreError;
use leadline_store::duplicates::{
    Actor, Candidate, CandidateDetail, CandidateFilter, Counts, Kind, MergeChoice, Merged, Pick,
    ScanSummary, Status,
};
use leadline_store::page::Page;
use serde::{Deserialize, Serialize};

use super::Paging;
use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// Who may merge and dismiss pairs and start scans: the roles that may edit leads.
pub const MAY_MERGE: Role = Role::Sales;
/// Who may change the survivorship rules: marketing operations.
pub const MAY_CONFIGURE: Role = Role::Marketer;
/// Longest reason a reviewer may give.
const MAX_REASON: usize = 500;

/// The queue's filters (the paging parameters are [`Paging`]).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DuplicateQuery {
    /// `person` or `account`; both when omitted.
    kind: Option<String>,
    /// `open` (default), `merged` or `dismissed`.
    status: Option<String>,
    /// Only pairs with this lead or account id in them.
    record: Option<String>,
    #[serde(flatten)]
    #[param(ignore)]
    paging: Paging,
}

impl DuplicateQuery {
    /// The store filter, with `kind` and `status` checked.
    pub fn filter(&self) -> Result<CandidateFilter, ApiError> {
        let kind = match self.kind.as_deref().filter(|k| !k.is_empty()) {
            Some(k) => Some(Kind::parse(k).ok_or_else(|| {
                ApiError::bad_request("invalid_kind", "`kind` must be person or account")
                    .field("kind")
            })?),
            None => None,
        };
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(Status::parse(s).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_status",
                    "`status` must be open, merged or dismissed",
                )
                .field("status")
            })?),
            None => None,
        };
        Ok(CandidateFilter {
            kind,
            status,
            record: self.record.clone(),
        })
    }
}

/// Maps the store's answers about a pair to HTTP: unknown → 404, already resolved or
/// outdated → 409 with the store's code, a field that cannot be chosen → 422.
pub fn pair_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::not_found("duplicate pair"),
        StoreError::Invalid(m) => ApiError::invalid("fields", m),
        other => other.into(),
    }
}

/// Lists likely duplicate pairs: open ones surest first, resolved ones latest first.
#[utoipa::path(
    get,
    path = "/duplicates",
    tag = "duplicates",
    operation_id = "list_duplicates",
    params(DuplicateQuery, Paging),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of pairs", body = Page<Candidate>),
        (status = 400, description = "A bad filter, `after` or `limit` (see `field`)", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not read leads", body = ErrorBody),
    )
)]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<DuplicateQuery>,
) -> Result<Json<Page<Candidate>>, ApiError> {
    caller.require(Role::Viewer)?;
    let (cursor, limit) = q.paging.parse()?;
    Ok(Json(
        st.store
            .list_candidates(&q.filter()?, cursor.as_ref(), limit)
            .await?,
    ))
}

/// The queue at a glance: open pairs per kind, the last scan and when the next is due.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueSummary {
    pub open: Counts,
    pub last_scan: Option<ScanSummary>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "leadline_core::time::opt_ms")]
    pub next_scan_at: Option<i64>,
}

/// Open pairs per kind, the last scan and the next one.
#[utoipa::path(
    get,
    path = "/duplicates/summary",
    tag = "duplicates",
    operation_id = "get_duplicates_summary",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The queue at a glance", body = QueueSummary),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not read leads", body = ErrorBody),
    )
)]
pub async fn summary(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<QueueSummary>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(queue_summary(&st).await?))
}

/// What the summary endpoint and the queue page show.
pub async fn queue_summary(st: &AppState) -> Result<QueueSummary, StoreError> {
    let (open, scans, next_scan_at) = tokio::try_join!(
        st.store.count_open_candidates(),
        st.store.list_scans(1),
        st.store.next_scan_at()
    )?;
    Ok(QueueSummary {
        open,
        last_scan: scans.into_iter().next(),
        next_scan_at,
    })
}

/// One pair side by side: both records, every field with the value a merge keeps by
/// default, and what fixed rules decide.
#[utoipa::path(
    get,
    path = "/duplicates/{id}",
    tag = "duplicates",
    operation_id = "get_duplicate",
    params(("id" = String, Path, description = "Pair id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The pair", body = CandidateDetail),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not read leads", body = ErrorBody),
        (status = 404, description = "No such pair", body = ErrorBody),
    )
)]
pub async fn get_one(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<CandidateDetail>, ApiError> {
    caller.require(Role::Viewer)?;
    st.store
        .candidate_detail(&id)
        .await
        .map(Json)
        .map_err(pair_error)
}

/// What a reviewer decides when merging; every part is optional (`{}` merges by the
/// defaults shown by `GET /duplicates/{id}`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct MergeBody {
    /// The record that lives on: `a` or `b` (default: the older lead, or the account with
    /// more leads).
    #[serde(default)]
    pub survivor: Option<Pick>,
    /// Which record's value to keep, by field (`{"title": "b"}`); fields left out follow
    /// the survivorship rules. People: email, first_name, last_name, title, phone, company,
    /// country, website, custom.NAME; accounts: name.
    #[serde(default)]
    pub fields: BTreeMap<String, Pick>,
    /// Why they are one (kept with the merge, shown on the timeline); up to 500 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Checks a merge's choices against the pair's kind, naming the field at fault.
pub fn merge_choice(kind: Kind, body: MergeBody) -> Result<MergeChoice, ApiError> {
    for f in body.fields.keys() {
        let ok = match kind {
            Kind::Person => survivorship::is_field(f),
            Kind::Account => f == "name",
        };
        if !ok {
            let allowed = match kind {
                Kind::Person => format!("{} or custom.NAME", survivorship::FIELDS.join(", ")),
                Kind::Account => "name".to_owned(),
            };
            return Err(ApiError::invalid(
                format!("fields.{f}"),
                format!("{f:?} is not a field of a {}: use {allowed}", kind.as_str()),
            ));
        }
    }
    if body
        .reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON)
    {
        return Err(ApiError::invalid(
            "reason",
            format!("a reason has at most {MAX_REASON} characters"),
        ));
    }
    Ok(MergeChoice {
        survivor: body.survivor,
        fields: body.fields,
        reason: body.reason,
    })
}

/// Merges a pair: one record lives on with both histories and the chosen values; the
/// merge is recorded on its timeline.
#[utoipa::path(
    post,
    path = "/duplicates/{id}/merge",
    tag = "duplicates",
    operation_id = "merge_duplicate",
    params(("id" = String, Path, description = "Pair id")),
    request_body = MergeBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the merge did", body = Merged),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not edit leads (sales or above)", body = ErrorBody),
        (status = 404, description = "No such pair", body = ErrorBody),
        (status = 409, description = "The pair was already merged or dismissed (`not_open`), or a record changed since the scan (`outdated`)", body = ErrorBody),
        (status = 422, description = "A field cannot be chosen (see `field`)", body = ErrorBody),
    )
)]
pub async fn merge(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MergeBody>,
) -> Result<Json<Merged>, ApiError> {
    caller.require(MAY_MERGE)?;
    let kind = st.store.get_candidate(&id).await.map_err(pair_error)?.kind;
    let choice = merge_choice(kind, body)?;
    let actor = Actor::new(caller.user_id.clone(), "api");
    st.capturer
        .merge_candidate(&id, choice, actor)
        .await
        .map(Json)
        .map_err(pair_error)
}

/// Why a pair is not a duplicate.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DismissBody {
    /// Up to 500 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Marks a pair "not a duplicate": it leaves the queue, and no scan proposes it again.
#[utoipa::path(
    post,
    path = "/duplicates/{id}/dismiss",
    tag = "duplicates",
    operation_id = "dismiss_duplicate",
    params(("id" = String, Path, description = "Pair id")),
    request_body = DismissBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dismissed pair", body = Candidate),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not edit leads (sales or above)", body = ErrorBody),
        (status = 404, description = "No such pair", body = ErrorBody),
        (status = 409, description = "The pair was already merged or dismissed (`not_open`)", body = ErrorBody),
        (status = 422, description = "The reason is too long", body = ErrorBody),
    )
)]
pub async fn dismiss(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DismissBody>,
) -> Result<Json<Candidate>, ApiError> {
    caller.require(MAY_MERGE)?;
    if body
        .reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON)
    {
        return Err(ApiError::invalid(
            "reason",
            format!("a reason has at most {MAX_REASON} characters"),
        ));
    }
    let actor = Actor::new(caller.user_id.clone(), "api");
    st.store
        .dismiss_candidate(&id, &actor, body.reason.as_deref())
        .await
        .map(Json)
        .map_err(pair_error)
}

mod admin;
pub(crate) use admin::{
    __path_account_merges, __path_delete_rules, __path_get_rules, __path_list_scans,
    __path_put_rules, __path_start_scan, account_merges, delete_rules, get_rules, list_scans,
    put_rules, start_scan,
};
