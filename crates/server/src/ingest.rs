//! The Segment HTTP Tracking API: `POST /v1/track|identify|page|screen|group|alias|batch`.
//!
//! Any Segment or RudderStack client library works by changing only its host. The write key
//! comes as the HTTP Basic user (or a `writeKey` body field); gzip bodies are accepted; one
//! message may be 32 KB and a batch 500 KB; the answer `{"success":true}` is sent only after
//! the events are committed to the inbox, from which the capture pipeline applies them
//! within moments (see `leadline_store::Capturer::enqueue`).

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use base64::Engine;
use leadline_core::CaptureEvent;
use leadline_core::segment::parse_message;
use leadline_core::time::parse_rfc3339;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest accepted message (Segment's limit).
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024;
/// Largest accepted batch (Segment's limit).
pub const MAX_BATCH_BYTES: usize = 500 * 1024;

/// Receives Segment-spec tracking messages.
///
/// `identify`, `track`, `page`, `screen`, `group` and `alias` take one message (at most
/// 32 KB); `batch` (alias `import`) takes up to 500 KB of them. The write key is the
/// HTTP Basic user (or a `writeKey` body field); gzip bodies (`Content-Encoding: gzip`) are
/// accepted. `{"success":true}` is sent once the events are durably queued; they reach
/// leads and timelines moments later (`leadline_inbox_events` in `/metrics` shows the backlog).
#[utoipa::path(
    post,
    path = "/v1/{kind}",
    tag = "tracking",
    params(("kind" = String, Path, description = "The call type",
        pattern = "^(identify|track|page|screen|group|alias|batch|import)$")),
    request_body(content = Object, content_type = "application/json",
        description = "One Segment message (at most 32 KB), or `{\"batch\": [...], \"sentAt\"?, \"writeKey\"?}`"),
    security(("basic" = [])),
    responses(
        (status = 200, description = "Committed", body = Object, example = json!({"success": true})),
        (status = 400, description = "Malformed JSON, an invalid message, or too large (see `field`)", body = crate::error::ErrorBody),
        (status = 401, description = "No or unknown write key", body = crate::error::ErrorBody),
        (status = 404, description = "Unknown call type", body = crate::error::ErrorBody),
    )
)]
pub async fn ingest(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let batch = matches!(kind.as_str(), "batch" | "import");
    if !batch && leadline_core::segment::activity_for_type(&kind).is_none() {
        return Err(ApiError::not_found("endpoint").field("type"));
    }
    let limit = if batch {
        MAX_BATCH_BYTES
    } else {
        MAX_MESSAGE_BYTES
    };
    let bytes = read_limited(body, limit, batch).await?;
    let received_at = leadline_store::now_ms();
    let (events, source_id) = if batch {
        let parsed: BatchBody = serde_json::from_slice(&bytes).map_err(malformed)?;
        let source = authenticate(&state, &headers, parsed.write_key.as_deref()).await?;
        let sent_at = parsed.sent_at.as_deref().and_then(parse_rfc3339);
        let origin = format!("source:{source}");
        let mut events = Vec::with_capacity(parsed.batch.len());
        for (i, raw) in parsed.batch.iter().enumerate() {
            events.push(batch_item(raw, i, received_at, sent_at, &origin)?);
        }
        (events, source)
    } else {
        let msg: Value = serde_json::from_slice(&bytes).map_err(malformed)?;
        let source = authenticate(
            &state,
            &headers,
            msg.get("writeKey").and_then(Value::as_str),
        )
        .await?;
        let ev = parse_message(
            &kind,
            &msg,
            &bytes,
            received_at,
            None,
            &format!("source:{source}"),
        )
        .map_err(|e| ApiError::bad_request("invalid_message", e.message).field(e.field))?;
        (vec![ev], source)
    };
    let n = events.len() as u64;
    state.capturer.enqueue(events).await?;
    metrics::counter!("leadline_ingest_events_total").increment(n);
    tracing::debug!(source = %source_id, events = n, "ingested");
    Ok(Json(serde_json::json!({"success": true})))
}

#[derive(serde::Deserialize)]
struct BatchBody {
    batch: Vec<Box<RawValue>>,
    #[serde(rename = "sentAt")]
    sent_at: Option<String>,
    #[serde(rename = "writeKey")]
    write_key: Option<String>,
}

fn batch_item(
    raw: &RawValue,
    i: usize,
    received_at: i64,
    sent_at: Option<i64>,
    origin: &str,
) -> Result<CaptureEvent, ApiError> {
    let text = raw.get();
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(ApiError::bad_request(
            "message_too_large",
            format!(
                "message {i} is {} bytes; at most {MAX_MESSAGE_BYTES} per message",
                text.len()
            ),
        )
        .field(format!("batch[{i}]")));
    }
    let msg: Value = serde_json::from_str(text).map_err(malformed)?;
    let kind = msg.get("type").and_then(Value::as_str).unwrap_or("");
    parse_message(kind, &msg, text.as_bytes(), received_at, sent_at, origin).map_err(|e| {
        let field = if e.field.is_empty() {
            format!("batch[{i}]")
        } else {
            format!("batch[{i}].{}", e.field)
        };
        ApiError::bad_request("invalid_message", format!("message {i}: {}", e.message)).field(field)
    })
}

async fn read_limited(body: Body, limit: usize, batch: bool) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let what = if batch { "batch" } else { "message" };
        let too_big = std::error::Error::source(&e)
            .is_some_and(|s| s.to_string().contains("length limit"))
            || e.to_string().contains("length limit");
        if too_big {
            ApiError::bad_request(
                if batch {
                    "batch_too_large"
                } else {
                    "message_too_large"
                },
                format!("the {what} is larger than {limit} bytes"),
            )
        } else {
            ApiError::bad_request(
                "unreadable_body",
                format!("could not read the request body: {e}"),
            )
        }
    })
}

fn malformed(e: serde_json::Error) -> ApiError {
    ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
}

/// The source id for the write key in `Authorization: Basic` (user part) or the body.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    body_key: Option<&str>,
) -> Result<String, ApiError> {
    let key = basic_user(headers)
        .or_else(|| body_key.map(str::to_owned))
        .filter(|k| !k.is_empty());
    let Some(key) = key else {
        return Err(ApiError::unauthorized(
            "send the source's write key as the HTTP Basic user (Authorization: Basic base64(writeKey:))",
        ));
    };
    match state.store.source_by_write_key(&key).await? {
        Some(source) => Ok(source.id),
        None => Err(ApiError::unauthorized(
            "unknown write key: create a source in Settings → Sources or POST /api/v1/sources",
        )),
    }
}

fn basic_user(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    Some(
        text.split_once(':')
            .map_or(text.as_str(), |(user, _)| user)
            .to_owned(),
    )
}
