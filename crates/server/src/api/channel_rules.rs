//! `/api/v1/channel_rules`: the team's UTM → channel rules, and a tester that says which
//! channel a touch would get and which rule decided.

use axum::Json;
use axum::extract::State;
use leadline_core::channel_rules::{ChannelRule, Touch};
use leadline_store::channel_rules::SetRulesError;
use serde::{Deserialize, Serialize};

use crate::auth::{ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// The most rows the rules page reads from one post.
pub(crate) const MAX_FORM_ROWS: usize = leadline_core::channel_rules::MAX_RULES + 10;

/// The rules, in the order they are tried.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesDoc {
    /// `[{"utm_medium":"paid*social*","channel":"paid_social"}, …]`; fields `utm_medium`,
    /// `utm_source`, `utm_campaign`, `referrer_host` (exact or `*` glob), `channel`.
    #[schema(value_type = Vec<Object>)]
    pub rules: Vec<ChannelRule>,
}

/// A touch to classify.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TouchInput {
    pub utm_medium: Option<String>,
    pub utm_source: Option<String>,
    pub utm_campaign: Option<String>,
    pub referrer: Option<String>,
}

/// What a touch would be classified as.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TouchResult {
    pub channel: String,
    /// The 0-based index of the rule that matched; null when the built-in classifier decided.
    pub rule: Option<usize>,
    pub explanation: String,
}

/// The rules in force.
#[utoipa::path(get, path = "/channel_rules", tag = "campaigns", operation_id = "get_channel_rules",
    security(("bearer" = [])),
    responses((status = 200, description = "The rules", body = RulesDoc),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "The caller's role may not do this", body = ErrorBody)))]
pub async fn get_rules(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<RulesDoc>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(RulesDoc {
        rules: st.store.channel_rules().rules().to_vec(),
    }))
}

/// Replaces the rules; they apply to touches captured from now on (recorded touches keep
/// their channel). An error names the rule: `field` is `rules[2].utm_source`.
#[utoipa::path(put, path = "/channel_rules", tag = "campaigns", operation_id = "put_channel_rules",
    request_body = RulesDoc, security(("bearer" = [])),
    responses((status = 200, description = "Saved", body = RulesDoc),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "Needs the marketer role", body = ErrorBody),
              (status = 422, description = "A bad rule; `field` names it", body = ErrorBody)))]
pub async fn put_rules(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(doc): JsonBody<RulesDoc>,
) -> Result<Json<RulesDoc>, ApiError> {
    caller.require(Role::Marketer)?;
    match st.store.set_channel_rules(doc.rules).await {
        Ok(()) => get_rules(State(st), caller).await,
        Err(SetRulesError::Invalid(errors)) => {
            let e = &errors[0];
            Err(ApiError::invalid(
                format!("rules[{}].{}", e.index, e.field),
                format!("rule {}: {}: {}", e.index + 1, e.field, e.message),
            ))
        }
        Err(SetRulesError::Store(e)) => Err(e.into()),
    }
}

/// Which channel a touch would get now, and which rule decided.
#[utoipa::path(post, path = "/channel_rules/test", tag = "campaigns", operation_id = "test_channel_rules",
    request_body = TouchInput, security(("bearer" = [])),
    responses((status = 200, description = "The channel", body = TouchResult),
              (status = 401, description = "No or unknown API key", body = ErrorBody),
              (status = 403, description = "The caller's role may not do this", body = ErrorBody)))]
pub async fn test_touch(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(t): JsonBody<TouchInput>,
) -> Result<Json<TouchResult>, ApiError> {
    caller.require(Role::Viewer)?;
    Ok(Json(classify(&st, &t)))
}

/// Classifies a touch with the rules in force (shared with the UI's tester).
pub(crate) fn classify(st: &AppState, t: &TouchInput) -> TouchResult {
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (m, s, c, r) = (
        blank(&t.utm_medium),
        blank(&t.utm_source),
        blank(&t.utm_campaign),
        blank(&t.referrer),
    );
    let touch = Touch {
        utm_medium: m.as_deref(),
        utm_source: s.as_deref(),
        utm_campaign: c.as_deref(),
        referrer: r.as_deref(),
    };
    let (channel, rule) = st.store.channel_rules().classify(&touch, None);
    let explanation = match rule {
        Some(i) => format!("rule {} matched", i + 1),
        None => "no rule matched; the built-in classifier decided (UTM medium, then referrer host)"
            .into(),
    };
    TouchResult {
        channel: channel.as_str().into(),
        rule,
        explanation,
    }
}
