//! The REST JSON API under `/api/v1`: bearer API keys, keyset-paginated lists, JSON errors.

use axum::Router;
use leadline_store::page::Cursor;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) mod assignments;
pub(crate) mod channel_rules;
pub(crate) mod costs;
pub(crate) mod directory;
pub(crate) mod duplicates;
pub(crate) mod funnel;
pub(crate) mod leads;
pub(crate) mod marketing;
pub(crate) mod measurement;
pub mod openapi;
pub(crate) mod opportunities;
pub(crate) mod rep_day;
pub(crate) mod reps;
pub(crate) mod routing;
pub(crate) mod scoring;
pub(crate) mod segments;
pub(crate) mod webhooks;

/// The `/api/v1` routes (without the prefix).
pub fn routes() -> Router<AppState> {
    documented().split_for_parts().0
}

/// The `/api/v1` routes with their OpenAPI operations. Each `routes!` entry takes the path
/// and method from the handler's `#[utoipa::path]`, so the router and the document cannot
/// disagree: add routes here only through `.routes(routes!(..))`, never `.route(..)`.
pub(crate) fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(leads::list, leads::create))
        .routes(routes!(leads::get_one))
        .routes(routes!(leads::activities))
        .routes(routes!(leads::stage_changes))
        .routes(routes!(leads::merges))
        .routes(routes!(scoring::scoring))
        .routes(routes!(scoring::move_stage))
        .routes(routes!(scoring::get_policy, scoring::update_policy))
        .routes(routes!(scoring::rescore))
        .routes(routes!(scoring::report))
        .routes(routes!(scoring::train))
        .routes(routes!(segments::list, segments::create))
        .routes(routes!(segments::count))
        .routes(routes!(
            segments::get_one,
            segments::update,
            segments::delete
        ))
        .routes(routes!(segments::leads))
        .routes(routes!(marketing::list_accounts))
        .routes(routes!(marketing::get_account))
        .routes(routes!(
            marketing::list_campaigns,
            marketing::create_campaign
        ))
        .routes(routes!(marketing::get_campaign))
        .routes(routes!(marketing::list_forms, marketing::create_form))
        .routes(routes!(marketing::get_form, marketing::update_form))
        .routes(routes!(crate::public_forms::hubspot_submission))
        .routes(routes!(directory::list_sources, directory::create_source))
        .routes(routes!(directory::list_users, directory::create_user))
        .routes(routes!(directory::list_api_keys, directory::create_api_key))
        .routes(routes!(directory::revoke_api_key))
        .routes(routes!(duplicates::account_merges))
        .routes(routes!(duplicates::list))
        .routes(routes!(duplicates::summary))
        .routes(routes!(duplicates::get_one))
        .routes(routes!(duplicates::merge))
        .routes(routes!(duplicates::dismiss))
        .routes(routes!(duplicates::start_scan, duplicates::list_scans))
        .routes(routes!(
            duplicates::get_rules,
            duplicates::put_rules,
            duplicates::delete_rules
        ))
        .routes(routes!(routing::get_rules, routing::put_rules))
        .routes(routes!(routing::preview_lead))
        .routes(routes!(routing::waiting))
        .routes(routes!(reps::list))
        .routes(routes!(reps::get_one, reps::update))
        .routes(routes!(reps::get_calendar, reps::put_calendar))
        .routes(routes!(reps::followup_api))
        .routes(routes!(measurement::attribution_api))
        .routes(routes!(measurement::roi_api))
        .routes(routes!(funnel::funnel_api))
        .routes(routes!(funnel::sources_api))
        .routes(routes!(funnel::compare_api))
        .routes(routes!(assignments::list))
        .routes(routes!(assignments::accept))
        .routes(routes!(assignments::reject))
        .routes(routes!(assignments::touch))
        .routes(routes!(assignments::next_step))
        .routes(routes!(rep_day::referral))
        .routes(routes!(rep_day::list))
        .routes(routes!(rep_day::mark_all_read))
        .routes(routes!(rep_day::set_team_lead))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(
            webhooks::get_one,
            webhooks::update,
            webhooks::delete
        ))
        .routes(routes!(webhooks::rotate))
        .routes(routes!(webhooks::ping))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::redeliver))
        .routes(routes!(opportunities::list, opportunities::create))
        .routes(routes!(opportunities::pipeline))
        .routes(routes!(opportunities::get_one, opportunities::update))
        .routes(routes!(opportunities::move_stage))
        .routes(routes!(opportunities::stage_changes))
        .routes(routes!(
            opportunities::extras::contacts,
            opportunities::extras::add_contact
        ))
        .routes(routes!(opportunities::extras::remove_contact))
        .routes(routes!(opportunities::extras::tick))
        .routes(routes!(
            opportunities::extras::get_roi,
            opportunities::extras::put_roi
        ))
        .routes(routes!(opportunities::extras::get_roi_csv))
        .routes(routes!(
            opportunities::extras::share,
            opportunities::extras::unshare
        ))
        .routes(routes!(costs::list, costs::create))
        .routes(routes!(costs::delete))
        .routes(routes!(costs::import))
        .routes(routes!(costs::list_markers, costs::create_marker))
        .routes(routes!(costs::delete_marker))
        .routes(routes!(channel_rules::get_rules, channel_rules::put_rules))
        .routes(routes!(channel_rules::test_touch))
        .routes(routes!(openapi::spec))
}

/// `?after=CURSOR&limit=N`, shared by every list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// The `next` value of the previous page; omit for the first page.
    pub after: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[param(value_type = Option<u16>, minimum = 1, maximum = 500, default = 50)]
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
