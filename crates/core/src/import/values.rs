//! Cell values to event fields, and the deterministic message id of a row.

use sha2::{Digest, Sha256};

use super::{RowErrorCode, Target};
use crate::Email;
use crate::capture::CaptureEvent;

/// The value of a cell, or `None` when it was not answered: empty, or a form's placeholder
/// option (`Select`, `-- Select --`, `Please select`) left in place.
pub(crate) fn answered(cell: &str) -> Option<&str> {
    let v = cell.trim();
    if v.is_empty() || v.len() > 24 {
        return (!v.is_empty()).then_some(v);
    }
    let compact = super::compact(v);
    let placeholder = matches!(
        compact.as_str(),
        "select" | "pleaseselect" | "selectone" | "selectanoption"
    );
    (!placeholder).then_some(v)
}

/// Puts one answered value where its column's target says.
pub(crate) fn apply(
    event: &mut CaptureEvent,
    target: &Target,
    value: &str,
) -> Result<(), (RowErrorCode, String)> {
    match target {
        Target::Email => {
            let email =
                Email::parse(value).map_err(|e| (RowErrorCode::BadEmail, format!("email {e}")))?;
            event.email = Some(email);
        }
        Target::Key => event.external_key = Some(value.to_owned()),
        Target::FullName => event.traits.set_full_name(value),
        Target::Profile(f) => event.traits.set(f, value),
        Target::Consent => event.traits.consent = Some(yes_no(value)?),
        Target::OptOut => {
            if yes_no(value)? {
                event.traits.consent = Some(false);
            }
        }
        Target::Utm(u) => {
            let slot = match *u {
                "utm_source" => &mut event.utm.source,
                "utm_medium" => &mut event.utm.medium,
                "utm_campaign" => &mut event.utm.campaign,
                "utm_term" => &mut event.utm.term,
                _ => &mut event.utm.content,
            };
            *slot = Some(value.to_owned());
        }
        Target::TouchedAt => {
            event.occurred_at = crate::costs::parse_day(value)
                .or_else(|| crate::time::parse_rfc3339(value))
                .ok_or_else(|| {
                    (
                        RowErrorCode::BadDate,
                        "expected a date YYYY-MM-DD or a time such as 2026-03-01T10:00:00Z"
                            .to_owned(),
                    )
                })?;
        }
        Target::Custom(name) => {
            event.traits.custom.insert(name.clone(), value.to_owned());
        }
        Target::Ignore => {}
    }
    Ok(())
}

fn yes_no(value: &str) -> Result<bool, (RowErrorCode, String)> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "t" | "1" | "on" | "x" | "opted in" => Ok(true),
        "no" | "n" | "false" | "f" | "0" | "off" | "opted out" => Ok(false),
        _ => Err((
            RowErrorCode::BadConsent,
            "expected yes/no, true/false or 1/0".to_owned(),
        )),
    }
}

/// `import:` + the first 32 hex digits of SHA-256 over the list, the person and the row's
/// canonical content (mapped values by target name, blanks left out). Re-importing a file
/// gives the same ids, which the pipeline drops as already seen; a changed row, or the same
/// person in another campaign, gives a new one.
pub(crate) fn message_id(list: &str, identity: &str, canonical: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [list.as_bytes(), identity.as_bytes()] {
        h.update((part.len() as u32).to_le_bytes());
        h.update(part);
    }
    h.update(canonical);
    let digest = h.finalize();
    let mut id = String::with_capacity(39);
    id.push_str("import:");
    for b in &digest[..16] {
        id.push(char::from(HEX[usize::from(b >> 4)]));
        id.push(char::from(HEX[usize::from(b & 15)]));
    }
    id
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_blanks_are_unanswered() {
        for blank in [
            "",
            "  ",
            "Select",
            "-- Select --",
            "Please select",
            "(select one)",
        ] {
            assert_eq!(answered(blank), None, "{blank:?}");
        }
        assert_eq!(answered(" Selected works "), Some("Selected works"));
        assert_eq!(answered("India"), Some("India"));
    }

    #[test]
    fn message_ids_are_short_hex_and_depend_on_every_part() {
        let id = message_id("Expo", "a@acme.com", b"x");
        assert_eq!(id.len(), "import:".len() + 32);
        assert!(id["import:".len()..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(id, message_id("Expo", "a@acme.com", b"x"));
        assert_ne!(id, message_id("Expo2", "a@acme.com", b"x"));
        assert_ne!(id, message_id("Expo", "b@acme.com", b"x"));
        assert_ne!(id, message_id("Expo", "a@acme.com", b"y"));
        // Length prefixes keep "ab"+"c" apart from "a"+"bc".
        assert_ne!(message_id("ab", "c", b""), message_id("a", "bc", b""));
    }
}
