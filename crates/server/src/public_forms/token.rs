//! Render tokens: when a form was rendered, signed so a bot cannot fake having waited.

use hmac::{KeyInit, Mac};
use sha2::Sha256;

fn mac(secret: &[u8], form_id: &str, at: i64) -> String {
    let mut m = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .expect("HMAC accepts any key length");
    m.update(form_id.as_bytes());
    m.update(b"|");
    m.update(at.to_string().as_bytes());
    m.finalize()
        .into_bytes()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A token saying "form `form_id` was rendered at `at`" (epoch ms).
pub fn sign(secret: &[u8], form_id: &str, at: i64) -> String {
    format!("{at}.{}", mac(secret, form_id, at))
}

/// The render time in a token, if the token is genuine for this form.
pub fn verify(secret: &[u8], form_id: &str, token: &str) -> Option<i64> {
    let (at, sig) = token.split_once('.')?;
    let at: i64 = at.parse().ok()?;
    crate::auth::same_secret(&mac(secret, form_id, at), sig).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_for_their_form_only_and_resist_tampering() {
        let t = sign(b"k", "f1", 1234);
        assert_eq!(verify(b"k", "f1", &t), Some(1234));
        assert_eq!(verify(b"k", "f2", &t), None);
        assert_eq!(verify(b"other", "f1", &t), None);
        assert_eq!(verify(b"k", "f1", &t.replace("1234", "1000")), None);
        assert_eq!(verify(b"k", "f1", "garbage"), None);
    }
}
