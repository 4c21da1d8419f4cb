//! The REST JSON API under `/api/v1`: bearer API keys, keyset-paginated lists, JSON errors.

use axum::Router;
use axum::routing::{delete, get, post};
use leadline_store::page::Cursor;
use serde::Deserialize;

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) mod directory;
pub(crate) mod leads;
pub(crate) mod marketing;
pub mod openapi;

/// The `/api/v1` routes (without the prefix).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/leads", get(leads::list).post(leads::create))
        .route("/leads/{id}", get(leads::get_one))
        .route("/leads/{id}/activities", get(leads::activities))
        .route("/leads/{id}/stage_changes", get(leads::stage_changes))
        .route("/leads/{id}/merges", get(leads::merges))
        .route("/accounts", get(marketing::list_accounts))
        .route("/accounts/{id}", get(marketing::get_account))
        .route(
            "/campaigns",
            get(marketing::list_campaigns).post(marketing::create_campaign),
        )
        .route("/campaigns/{id}", get(marketing::get_campaign))
        .route(
            "/forms",
            get(marketing::list_forms).post(marketing::create_form),
        )
        .route(
            "/forms/{id}",
            get(marketing::get_form).put(marketing::update_form),
        )
        .route(
            "/forms/{key}/submissions",
            post(crate::public_forms::hubspot_submission),
        )
        .route(
            "/sources",
            get(directory::list_sources).post(directory::create_source),
        )
        .route(
            "/users",
            get(directory::list_users).post(directory::create_user),
        )
        .route(
            "/api_keys",
            get(directory::list_api_keys).post(directory::create_api_key),
        )
        .route("/api_keys/{id}", delete(directory::revoke_api_key))
        .route("/openapi.json", get(openapi::spec))
}

/// `?after=CURSOR&limit=N`, shared by every list.
#[derive(Debug, Default, Deserialize)]
pub struct Paging {
    pub after: Option<String>,
    pub limit: Option<String>,
}

/// Default and largest page sizes.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 500;

impl Paging {
    /// The decoded cursor and limit, or a 400 naming the bad parameter.
    pub fn parse(&self) -> Result<(Option<Cursor>, usize), ApiError> {
        let cursor = match self.after.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => Some(Cursor::decode(a).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_cursor",
                    "`after` must be a `next` value from an earlier page",
                )
                .field("after")
            })?),
            None => None,
        };
        let limit = match self.limit.as_deref().filter(|l| !l.is_empty()) {
            Some(l) => match l.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(ApiError::bad_request(
                        "invalid_limit",
                        format!("`limit` must be a number from 1 to {MAX_LIMIT}"),
                    )
                    .field("limit"));
                }
            },
            None => DEFAULT_LIMIT,
        };
        Ok((cursor, limit))
    }
}
