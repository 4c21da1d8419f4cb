//! Segment-spec messages (track, identify, page, screen, group, alias) turned into capture
//! events, so that any Segment or RudderStack client library can send to Leadline.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::capture::{Activity, CaptureEvent, Traits, Utm};
use crate::time::parse_rfc3339;
use crate::{Email, registrable_domain};

/// A message that cannot be accepted, with the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct MessageError {
    pub field: String,
    pub message: String,
}

fn err(field: &str, message: &str) -> MessageError {
    MessageError {
        field: field.into(),
        message: message.into(),
    }
}

/// The Segment call types, by their spec names.
pub fn activity_for_type(kind: &str) -> Option<Activity> {
    Some(match kind {
        "track" => Activity::Track,
        "identify" => Activity::Identify,
        "page" => Activity::Page,
        "screen" => Activity::Screen,
        "group" => Activity::Group,
        "alias" => Activity::Alias,
        _ => return None,
    })
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Converts one message. `kind` is the call type (from the URL, or the message's `type` in a
/// batch); `received_at` is the server's clock; `batch_sent_at` is the batch's `sentAt`.
///
/// Timestamps are corrected for client clock skew as the spec describes:
/// `timestamp = receivedAt - (sentAt - originalTimestamp)`.
pub fn parse_message(
    kind: &str,
    msg: &Value,
    raw: &[u8],
    received_at: i64,
    batch_sent_at: Option<i64>,
    origin: &str,
) -> Result<CaptureEvent, MessageError> {
    let activity = activity_for_type(kind).ok_or_else(|| {
        err(
            "type",
            "must be one of track, identify, page, screen, group, alias",
        )
    })?;
    let obj = msg
        .as_object()
        .ok_or_else(|| err("", "each message must be a JSON object"))?;
    let user_id = text(obj.get("userId"));
    let anonymous_id = text(obj.get("anonymousId"));
    if user_id.is_none() && anonymous_id.is_none() {
        return Err(err(
            "userId",
            "every message needs a userId or an anonymousId",
        ));
    }
    let message_id = text(obj.get("messageId")).unwrap_or_else(|| content_id(raw));
    if message_id.len() > 200 {
        return Err(err("messageId", "must be at most 200 characters"));
    }
    let occurred_at = corrected_time(obj, received_at, batch_sent_at)?;
    let mut ev = CaptureEvent::new(message_id, activity, occurred_at, origin);
    ev.user_id = user_id;
    ev.anonymous_id = anonymous_id;
    let context = obj.get("context").cloned().unwrap_or(Value::Null);
    let properties = obj.get("properties").cloned().unwrap_or(Value::Null);
    let traits_json = obj.get("traits").or_else(|| context.get("traits"));
    if let Some(t) = traits_json {
        let (email, traits) = traits_from_json(t)?;
        ev.email = email;
        ev.traits = traits;
    }
    ev.name = match activity {
        Activity::Track => Some(
            text(obj.get("event"))
                .ok_or_else(|| err("event", "a track call needs an event name"))?,
        ),
        Activity::Page | Activity::Screen => {
            text(obj.get("name")).or_else(|| text(properties.get("title")))
        }
        _ => None,
    };
    if activity == Activity::Alias {
        ev.previous_id = Some(
            text(obj.get("previousId"))
                .ok_or_else(|| err("previousId", "an alias call needs a previousId"))?,
        );
    }
    if activity == Activity::Group {
        let t = obj.get("traits");
        ev.group_domain = text(t.and_then(|t| t.get("website")))
            .or_else(|| text(t.and_then(|t| t.get("domain"))))
            .or_else(|| text(obj.get("groupId")).filter(|g| registrable_domain(g).is_some()));
        ev.traits = Traits {
            company: text(t.and_then(|t| t.get("name"))),
            ..Default::default()
        };
        ev.email = None;
    }
    let campaign = context.get("campaign");
    let c = |k: &str| text(campaign.and_then(|c| c.get(k)));
    ev.utm = Utm {
        source: c("source"),
        medium: c("medium"),
        campaign: c("name").or_else(|| c("campaign")),
        term: c("term"),
        content: c("content"),
    };
    let page = context.get("page");
    ev.page_url = text(properties.get("url")).or_else(|| text(page.and_then(|p| p.get("url"))));
    ev.referrer =
        text(properties.get("referrer")).or_else(|| text(page.and_then(|p| p.get("referrer"))));
    ev.properties = properties;
    ev.context = context;
    Ok(ev)
}

fn corrected_time(
    obj: &serde_json::Map<String, Value>,
    received_at: i64,
    batch_sent_at: Option<i64>,
) -> Result<i64, MessageError> {
    let parse = |field: &str| match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_rfc3339(s)
            .map(Some)
            .ok_or_else(|| err(field, "must be an ISO 8601 / RFC 3339 time")),
        Some(_) => Err(err(field, "must be an ISO 8601 / RFC 3339 time")),
    };
    let original = match parse("originalTimestamp")? {
        Some(t) => Some(t),
        None => parse("timestamp")?,
    };
    let sent_at = parse("sentAt")?.or(batch_sent_at);
    Ok(match (original, sent_at) {
        (Some(ts), Some(sent)) => received_at - (sent - ts),
        (Some(ts), None) => ts,
        (None, _) => received_at,
    })
}

/// Reads Segment traits (camelCase or snake_case) into an email and profile traits; traits
/// that are not profile fields are kept as custom fields.
pub fn traits_from_json(t: &Value) -> Result<(Option<Email>, Traits), MessageError> {
    let Some(map) = t.as_object() else {
        return Ok((None, Traits::default()));
    };
    let mut traits = Traits::default();
    let mut email = None;
    for (k, v) in map {
        let value = match v {
            Value::Object(o) if k == "company" => text(o.get("name")),
            Value::Object(o) if k == "address" => {
                if let Some(c) = text(o.get("country")) {
                    traits.set("country", &c);
                }
                continue;
            }
            Value::Bool(b) => Some(b.to_string()),
            Value::Object(_) | Value::Array(_) => Some(v.to_string()),
            other => text(Some(other)),
        };
        let Some(value) = value else { continue };
        match k.as_str() {
            "email" => {
                email = Some(
                    Email::parse(&value).map_err(|e| err("traits.email", &format!("email {e}")))?,
                )
            }
            "firstName" | "first_name" => traits.set("first_name", &value),
            "lastName" | "last_name" => traits.set("last_name", &value),
            "name" => traits.set_full_name(&value),
            "title" | "jobTitle" | "job_title" => traits.set("title", &value),
            "phone" => traits.set("phone", &value),
            "company" | "companyName" | "company_name" => traits.set("company", &value),
            "country" => traits.set("country", &value),
            "website" => traits.set("website", &value),
            other if other.len() <= 100 => traits.set(other, &value),
            _ => {}
        }
    }
    Ok((email, traits))
}

/// A message id for a message that came without one: the hash of its bytes, so that a
/// byte-identical resend is still recognised.
fn content_id(raw: &[u8]) -> String {
    let digest = Sha256::digest(raw);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(kind: &str, v: Value) -> Result<CaptureEvent, MessageError> {
        let raw = v.to_string();
        parse_message(kind, &v, raw.as_bytes(), 1_000_000, None, "source:s1")
    }

    #[test]
    fn identify_reads_camel_case_traits_and_keeps_the_rest_as_custom() {
        let ev = parse("identify", json!({"userId": "u1", "messageId": "m1", "traits": {
            "email": "Ada@Acme.com", "firstName": "Ada", "lastName": "Lovelace", "company": {"name": "Acme"},
            "address": {"country": "UK"}, "plan": "pro", "seats": 12}})).unwrap();
        assert_eq!(ev.email.unwrap().as_str(), "Ada@acme.com");
        assert_eq!(ev.traits.first_name.as_deref(), Some("Ada"));
        assert_eq!(ev.traits.company.as_deref(), Some("Acme"));
        assert_eq!(ev.traits.country.as_deref(), Some("UK"));
        assert_eq!(
            ev.traits.custom.get("seats").map(String::as_str),
            Some("12")
        );
    }

    #[test]
    fn timestamps_are_corrected_for_client_clock_skew() {
        // The client's clock is 10 s fast: it says it sent at +10 s what happened at +5 s.
        let v = json!({"anonymousId": "a", "event": "x", "timestamp": "1970-01-01T00:00:05Z", "sentAt": "1970-01-01T00:00:10Z"});
        let ev = parse_message("track", &v, b"{}", 20_000, None, "s").unwrap();
        assert_eq!(ev.occurred_at, 15_000);
        let batch = json!({"anonymousId": "a", "event": "x", "timestamp": "1970-01-01T00:00:05Z"});
        assert_eq!(
            parse_message("track", &batch, b"{}", 20_000, Some(10_000), "s")
                .unwrap()
                .occurred_at,
            15_000
        );
        let bare = json!({"anonymousId": "a", "event": "x"});
        assert_eq!(
            parse_message("track", &bare, b"{}", 20_000, None, "s")
                .unwrap()
                .occurred_at,
            20_000
        );
    }

    #[test]
    fn page_calls_carry_utm_url_and_referrer() {
        let ev = parse("page", json!({"anonymousId": "a1", "name": "Pricing",
            "properties": {"url": "https://acme.com/pricing", "referrer": "https://www.google.com/"},
            "context": {"campaign": {"name": "Spring", "source": "google", "medium": "cpc"}, "ip": "1.2.3.4"}})).unwrap();
        assert_eq!(ev.name.as_deref(), Some("Pricing"));
        assert_eq!(ev.utm.campaign.as_deref(), Some("Spring"));
        assert_eq!(ev.touch_channel(), crate::Channel::PaidSearch);
        assert_eq!(ev.context["ip"], "1.2.3.4");
    }

    #[test]
    fn bad_messages_name_the_field() {
        assert_eq!(
            parse("track", json!({"event": "x"})).unwrap_err().field,
            "userId"
        );
        assert_eq!(
            parse("track", json!({"userId": "u"})).unwrap_err().field,
            "event"
        );
        assert_eq!(
            parse("alias", json!({"userId": "u"})).unwrap_err().field,
            "previousId"
        );
        assert_eq!(
            parse(
                "identify",
                json!({"userId": "u", "traits": {"email": "nope"}})
            )
            .unwrap_err()
            .field,
            "traits.email"
        );
        assert_eq!(
            parse(
                "track",
                json!({"userId": "u", "event": "x", "timestamp": "soon"})
            )
            .unwrap_err()
            .field,
            "timestamp"
        );
        assert_eq!(
            parse("launch", json!({"userId": "u"})).unwrap_err().field,
            "type"
        );
    }

    #[test]
    fn a_message_without_id_gets_a_stable_one_from_its_bytes() {
        let v = json!({"userId": "u", "event": "x"});
        let a = parse("track", v.clone()).unwrap();
        let b = parse("track", v).unwrap();
        assert_eq!(a.message_id, b.message_id);
        assert!(a.message_id.starts_with("sha256:"));
    }
}
