//! A referral or networking contact a rep logs by hand. It enters through the same capture
//! pipeline as every other lead (identity, dedupe, qualification, scoring), with the source
//! channel `sales referral`; the rep then owns it directly. Checked here, field by field, so
//! the UI, the API and the CLI refuse the same things with the same words.

use serde::Deserialize;

use crate::capture::{Activity, CaptureEvent, Traits};
use crate::{Channel, Email};

/// What a rep types in (every field optional but the email).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ReferralInput {
    pub email: String,
    /// The person's full name; the first word becomes the first name.
    pub name: String,
    pub company: String,
    pub title: String,
    pub phone: String,
    /// How the rep knows them; kept on the referral activity.
    pub note: String,
}

/// A checked referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub email: Email,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub note: Option<String>,
}

/// A refused referral: the field at fault and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ReferralError {
    pub field: &'static str,
    pub message: String,
}

/// Longest text kept per field (a note may say more).
const FIELD_CHARS: usize = 200;
const NOTE_CHARS: usize = 2_000;

fn text(value: &str, field: &'static str, max: usize) -> Result<Option<String>, ReferralError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(ReferralError {
            field,
            message: format!("at most {max} characters"),
        });
    }
    Ok((!v.is_empty()).then(|| v.to_owned()))
}

impl Referral {
    /// Checks what the rep typed.
    pub fn parse(input: &ReferralInput) -> Result<Referral, ReferralError> {
        let email = Email::parse(&input.email).map_err(|e| ReferralError {
            field: "email",
            message: match input.email.trim() {
                "" => "the email address is required".into(),
                _ => format!("not an email address: {e}"),
            },
        })?;
        let name = text(&input.name, "name", FIELD_CHARS)?;
        let (first_name, last_name) =
            match name.as_deref().map(|n| n.split_once(char::is_whitespace)) {
                Some(Some((first, last))) => (Some(first.to_owned()), Some(last.trim().to_owned())),
                Some(None) => (name.clone(), None),
                None => (None, None),
            };
        Ok(Referral {
            email,
            first_name,
            last_name,
            company: text(&input.company, "company", FIELD_CHARS)?,
            title: text(&input.title, "title", FIELD_CHARS)?,
            phone: text(&input.phone, "phone", FIELD_CHARS)?,
            note: text(&input.note, "note", NOTE_CHARS)?,
        })
    }

    /// The capture event that records it: a `referral_logged` activity on channel
    /// `sales_referral`, from `user:<rep>`, idempotent by `message_id`.
    pub fn event(&self, rep_id: &str, message_id: &str, now: i64) -> CaptureEvent {
        let mut e = CaptureEvent::new(
            message_id,
            Activity::ReferralLogged,
            now,
            format!("user:{rep_id}"),
        );
        e.email = Some(self.email.clone());
        e.name = Some("Referral logged by a rep".into());
        e.channel = Some(Channel::SalesReferral);
        e.traits = Traits {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            title: self.title.clone(),
            phone: self.phone.clone(),
            company: self.company.clone(),
            ..Traits::default()
        };
        if let Some(note) = &self.note {
            e.properties = serde_json::json!({ "note": note, "rep": rep_id });
        } else {
            e.properties = serde_json::json!({ "rep": rep_id });
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_referral_needs_a_real_email_and_splits_the_name() {
        let mut input = ReferralInput {
            name: " Ada  King Lovelace ".into(),
            ..Default::default()
        };
        assert_eq!(Referral::parse(&input).unwrap_err().field, "email");
        input.email = "not-an-email".into();
        assert_eq!(Referral::parse(&input).unwrap_err().field, "email");
        input.email = "Ada@Analytical.example".into();
        let r = Referral::parse(&input).unwrap();
        assert_eq!(r.first_name.as_deref(), Some("Ada"));
        assert_eq!(r.last_name.as_deref(), Some("King Lovelace"));
        let e = r.event("rep-1", "m-1", 5);
        assert_eq!(e.channel, Some(Channel::SalesReferral));
        assert_eq!(e.activity, Activity::ReferralLogged);
        assert_eq!(e.origin, "user:rep-1");
        input.title = "x".repeat(201);
        assert_eq!(Referral::parse(&input).unwrap_err().field, "title");
    }
}
