//! Outgoing webhooks, signed as the Standard Webhooks specification says so that receivers
//! can verify them with any of its libraries: three headers, `webhook-id` (the same on every
//! retry: receivers drop duplicates by it), `webhook-timestamp` (Unix seconds) and
//! `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret,
//! space-separated, so a secret can be rotated without dropping deliveries). Secrets read
//! `whsec_<base64>`. Also the retry schedule: exponential backoff, capped, then give up.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// What happened, as receivers subscribe to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "lead.created")]
    LeadCreated,
    #[serde(rename = "lead.became_mql")]
    LeadBecameMql,
    #[serde(rename = "lead.assigned")]
    LeadAssigned,
    #[serde(rename = "sla.breached")]
    SlaBreached,
    #[serde(rename = "opportunity.won")]
    OpportunityWon,
    #[serde(rename = "opportunity.lost")]
    OpportunityLost,
}

impl EventType {
    pub const ALL: [EventType; 6] = [
        EventType::LeadCreated,
        EventType::LeadBecameMql,
        EventType::LeadAssigned,
        EventType::SlaBreached,
        EventType::OpportunityWon,
        EventType::OpportunityLost,
    ];

    /// The name in payloads and subscriptions: `lead.created`, …
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::LeadCreated => "lead.created",
            EventType::LeadBecameMql => "lead.became_mql",
            EventType::LeadAssigned => "lead.assigned",
            EventType::SlaBreached => "sla.breached",
            EventType::OpportunityWon => "opportunity.won",
            EventType::OpportunityLost => "opportunity.lost",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// The event type of the test delivery an admin sends to one endpoint: never subscribed to,
/// always sent to the endpoint it was asked for.
pub const PING: &str = "ping";

/// Longest endpoint URL accepted.
pub const MAX_URL_LEN: usize = 2_000;

/// Checks an endpoint URL: `http://` or `https://`, a host, no spaces or control characters.
/// The message says what is wrong, for a field error.
pub fn check_url(url: &str) -> Result<(), &'static str> {
    let lower = url.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("https://") {
        r
    } else if let Some(r) = lower.strip_prefix("http://") {
        r
    } else {
        return Err("the URL must start with http:// or https://");
    };
    if url.len() > MAX_URL_LEN {
        return Err("the URL is too long (at most 2,000 characters)");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the URL may not contain spaces or control characters");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if host_port.starts_with('[') {
        host_port
            .split(']')
            .next()
            .unwrap_or("")
            .trim_start_matches('[')
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return Err("the URL needs a host name");
    }
    Ok(())
}

/// Why a secret or a delivery did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("a signing secret reads whsec_ followed by base64 (at least 24 bytes)")]
    BadSecret,
    #[error("the webhook-timestamp header is not a Unix time in seconds")]
    BadTimestamp,
    #[error("the delivery is older or newer than the tolerance allows (a replay?)")]
    OutsideTolerance,
    #[error("no signature matches")]
    NoMatch,
}

/// A signing secret: the HMAC key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    /// Never shows the key: secrets stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Bytes of key a new secret gets; the specification asks for 24 to 64.
pub const SECRET_BYTES: usize = 32;

impl Secret {
    /// A secret from random bytes (randomness is the caller's: the core has none).
    pub fn from_bytes(bytes: [u8; SECRET_BYTES]) -> Secret {
        Secret(bytes.to_vec())
    }

    /// Reads `whsec_<base64>` (the prefix may be left out).
    pub fn parse(text: &str) -> Result<Secret, WebhookError> {
        let b64 = text.trim();
        let b64 = b64.strip_prefix("whsec_").unwrap_or(b64);
        let key = STANDARD.decode(b64).map_err(|_| WebhookError::BadSecret)?;
        if key.len() < 24 {
            return Err(WebhookError::BadSecret);
        }
        Ok(Secret(key))
    }

    /// `whsec_<base64>`, as shown once to the person who creates an endpoint.
    pub fn reveal(&self) -> String {
        format!("whsec_{}", STANDARD.encode(&self.0))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> hmac::Hmac<Sha256> {
        let mut m = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes keys of any length");
        m.update(id.as_bytes());
        m.update(b".");
        m.update(timestamp.to_string().as_bytes());
        m.update(b".");
        m.update(body);
        m
    }
}

/// The `webhook-signature` header for a delivery, signed with each of `secrets` (during a
/// rotation, the new and the old one).
pub fn signature(secrets: &[Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| {
            let tag = s.mac(id, timestamp, body).finalize().into_bytes();
            format!("v1,{}", STANDARD.encode(tag))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Seconds a receiver accepts between the timestamp and its clock, as the specification
/// recommends.
pub const TOLERANCE_S: i64 = 5 * 60;

/// What a receiver does: checks the timestamp against `now_s` and that one of the
/// signatures in `signature_header` is the delivery's, in constant time.
pub fn verify(
    secret: &Secret,
    id: &str,
    timestamp_header: &str,
    signature_header: &str,
    body: &[u8],
    now_s: i64,
) -> Result<(), WebhookError> {
    let timestamp: i64 = timestamp_header
        .trim()
        .parse()
        .map_err(|_| WebhookError::BadTimestamp)?;
    if (now_s - timestamp).abs() > TOLERANCE_S {
        return Err(WebhookError::OutsideTolerance);
    }
    let matches = signature_header.split_whitespace().any(|sig| {
        let Some(b64) = sig.strip_prefix("v1,") else {
            return false;
        };
        let Ok(tag) = STANDARD.decode(b64) else {
            return false;
        };
        secret.mac(id, timestamp, body).verify_slice(&tag).is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(WebhookError::NoMatch)
    }
}

/// Deliveries tried before giving up: about a day and a half of retries.
pub const MAX_ATTEMPTS: u32 = 15;
const FIRST_RETRY_MS: i64 = 30_000;
const LONGEST_WAIT_MS: i64 = 6 * 3_600_000;

/// How long to wait after failed attempt `attempt` (1 for the first) before the next one:
/// 30 s, doubling, at most 6 h, stretched by up to a quarter by `jitter` (0 to 1, the
/// caller's randomness) so that endpoints coming back are not hit by every retry at once.
/// `None` once [`MAX_ATTEMPTS`] have failed.
pub fn retry_delay_ms(attempt: u32, jitter: f64) -> Option<i64> {
    if attempt == 0 || attempt >= MAX_ATTEMPTS {
        return None;
    }
    let base = FIRST_RETRY_MS
        .saturating_mul(1i64 << (attempt - 1).min(30))
        .min(LONGEST_WAIT_MS);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    Some(base + (base as f64 * 0.25 * jitter) as i64)
}

#[cfg(test)]
mod tests;
