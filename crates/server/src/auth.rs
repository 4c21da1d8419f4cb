//! Who is calling: API keys (bearer), UI sessions (cookie), and their roles.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use leadline_store::directory::User;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "ll_session";
/// How long a session lasts without signing in again.
pub const SESSION_DAYS: i64 = 14;

/// What a user may do; each role includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Viewer,
    Sales,
    Marketer,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Role::Viewer,
            "sales" => Role::Sales,
            "marketer" => Role::Marketer,
            "admin" => Role::Admin,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Sales => "sales",
            Role::Marketer => "marketer",
            Role::Admin => "admin",
        }
    }
}

/// Random bytes as URL-safe base64: session tokens, API keys, write keys, CSRF tokens.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 hex of a secret: how session tokens and API keys are stored and looked up.
/// (High-entropy random secrets need no slow hash; passwords get argon2id.)
pub fn sha256_hex(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Hashes a password with argon2id (PHC string with its own random salt).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::PasswordHasher;
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))?;
    Ok(hash.to_string())
}

/// Checks a password against a stored PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::PasswordVerifier;
    match argon2::PasswordHash::new(phc) {
        Ok(hash) => argon2::Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// A new API key secret: a recognisable prefix (so leaked keys can be found by scanners)
/// and 32 random bytes.
pub fn new_api_key() -> (String, String) {
    let secret = format!("ll_{}", random_token(32));
    let prefix = secret[..10].to_owned();
    (secret, prefix)
}

/// A caller of the JSON API, authenticated by `Authorization: Bearer <api key>` or by a UI
/// session (so the web UI's own scripts can use the API). API keys act as admins.
pub struct ApiCaller {
    pub role: Role,
    pub user_id: Option<String>,
}

impl ApiCaller {
    /// Refuses the call unless the caller's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the {} role",
                role.as_str()
            )))
        }
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(auth) = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            let token = auth
                .strip_prefix("Bearer ")
                .or_else(|| auth.strip_prefix("bearer "))
                .map(str::trim);
            let Some(token) = token.filter(|t| !t.is_empty()) else {
                return Err(ApiError::unauthorized(
                    "use Authorization: Bearer <API key>",
                ));
            };
            return match state.store.api_key_by_hash(&sha256_hex(token)).await? {
                Some(key) => {
                    state
                        .store
                        .touch_api_key(&key.id, leadline_store::now_ms())
                        .await?;
                    Ok(ApiCaller {
                        role: Role::Admin,
                        user_id: None,
                    })
                }
                None => Err(ApiError::unauthorized(
                    "this API key is not valid (revoked or mistyped)",
                )),
            };
        }
        match session_user(&parts.headers, state).await? {
            Some((user, _)) => Ok(ApiCaller {
                role: Role::parse(&user.role).unwrap_or(Role::Viewer),
                user_id: Some(user.id),
            }),
            None => Err(ApiError::unauthorized(
                "send Authorization: Bearer <API key>; create one with `leadline apikey create NAME`",
            )),
        }
    }
}

/// Reads a cookie by name.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The signed-in user and their session's CSRF token.
pub async fn session_user(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Option<(User, String)>, ApiError> {
    let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty() && t.len() < 200)
    else {
        return Ok(None);
    };
    Ok(state
        .store
        .session_user(&sha256_hex(token), leadline_store::now_ms())
        .await?)
}

/// The `Set-Cookie` value for a session token (or for clearing it with `max_age = 0`).
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    )
}

/// Compares two secrets in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_with_the_right_secret() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("correct horse", "not a phc string"));
    }

    #[test]
    fn roles_are_ordered_and_parse() {
        assert!(
            Role::Admin > Role::Marketer
                && Role::Marketer > Role::Sales
                && Role::Sales > Role::Viewer
        );
        assert_eq!(Role::parse("Marketer"), Some(Role::Marketer));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; ll_session=tok; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(
            same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("abc", "ab")
        );
    }
}
