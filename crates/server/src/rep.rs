//! What a rep does with their leads, shared by the JSON API, the web UI and the CLI so the
//! three accept and refuse the same things with the same words: reading a reject reason or a
//! touch kind, logging a referral through the capture pipeline, naming the field at fault.

use leadline_core::followup::{RejectReason, TouchKind};
use leadline_core::referral::{Referral, ReferralInput};
use leadline_store::{Capturer, Store, StoreError};

/// Why a rep's action was refused: a field to fix, or the store's answer.
#[derive(Debug, thiserror::Error)]
pub enum RepError {
    #[error("{field}: {message}")]
    Field { field: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RepError {
    pub fn field(field: &str, message: impl Into<String>) -> RepError {
        RepError::Field {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// A store refusal that names its field (`next_step: …`) becomes a field error.
    pub fn from_store(e: StoreError) -> RepError {
        match e {
            StoreError::Invalid(msg) => match msg.split_once(": ") {
                Some((f, m))
                    if !f.is_empty()
                        && f.chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.') =>
                {
                    RepError::field(f, m)
                }
                _ => RepError::field("body", msg),
            },
            other => RepError::Store(other),
        }
    }
}

impl From<RepError> for crate::error::ApiError {
    fn from(e: RepError) -> Self {
        match e {
            RepError::Field { field, message } => {
                crate::error::ApiError::invalid(field.clone(), format!("{field}: {message}"))
            }
            RepError::Store(e) => e.into(),
        }
    }
}

/// A reject reason as people or programs spell it; the error lists the choices.
pub fn reject_reason(text: &str) -> Result<RejectReason, RepError> {
    RejectReason::parse(text).ok_or_else(|| {
        RepError::field(
            "reason",
            format!(
                "choose one of {}",
                RejectReason::ALL.map(|r| r.code()).join(", ")
            ),
        )
    })
}

/// A touch kind; the error lists the choices.
pub fn touch_kind(text: &str) -> Result<TouchKind, RepError> {
    TouchKind::parse(text).ok_or_else(|| {
        RepError::field(
            "kind",
            format!(
                "choose one of {}",
                TouchKind::ALL.map(|k| k.as_str()).join(", ")
            ),
        )
    })
}

/// The text kept with a touch: its outcome, and the rep's note after it.
pub fn touch_text(outcome: &str, note: &str) -> String {
    match (outcome.trim(), note.trim()) {
        (o, "") => o.to_owned(),
        ("", n) => n.to_owned(),
        (o, n) => format!("{o} — {n}"),
    }
}

/// A time people or programs give: RFC 3339 (`2026-12-01T10:00:00Z`), or the browser's
/// `datetime-local` (`2026-12-01T10:00`, read as UTC).
pub fn parse_when(text: &str, field: &str) -> Result<Option<i64>, RepError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let full = if t.len() == 16 {
        format!("{t}:00Z")
    } else {
        t.to_owned()
    };
    leadline_core::time::parse_rfc3339(&full)
        .map(Some)
        .ok_or_else(|| RepError::field(field, "expected a time such as 2026-12-01T10:00:00Z"))
}

/// Logs a referral `rep` made: captured like every lead (source `sales referral`, a
/// `referral_logged` activity), then assigned to the rep directly. Returns the lead's id.
pub async fn log_referral(
    store: &Store,
    capturer: &Capturer,
    rep: &str,
    input: &ReferralInput,
    now: i64,
) -> Result<String, RepError> {
    let referral = Referral::parse(input).map_err(|e| RepError::field(e.field, e.message))?;
    let message_id = format!("referral-{}", leadline_store::new_id());
    let out = capturer
        .capture(vec![referral.event(rep, &message_id, now)])
        .await?;
    let lead = out
        .first()
        .and_then(|o| o.lead_id())
        .ok_or_else(|| StoreError::Corrupt("the referral was captured without a lead".into()))?
        .to_owned();
    store.assign_referral(&lead, rep, now).await?;
    Ok(lead)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_and_kinds_name_their_field_and_the_choices() {
        assert_eq!(reject_reason("No budget").unwrap(), RejectReason::NoBudget);
        let e = reject_reason("meh").unwrap_err().to_string();
        assert!(e.starts_with("reason: choose one of not_a_fit"), "{e}");
        assert!(
            touch_kind("smoke signal")
                .unwrap_err()
                .to_string()
                .starts_with("kind:")
        );
        assert_eq!(touch_text(" reached ", ""), "reached");
        assert_eq!(
            touch_text("reached", "wants a demo"),
            "reached — wants a demo"
        );
        assert_eq!(
            parse_when("2026-12-01T10:00", "at").unwrap(),
            parse_when("2026-12-01T10:00:00Z", "at").unwrap()
        );
        assert!(parse_when("tomorrow", "at").is_err());
        match RepError::from_store(StoreError::Invalid("next_step: too long".into())) {
            RepError::Field { field, .. } => assert_eq!(field, "next_step"),
            other => panic!("{other:?}"),
        }
    }
}
