//! Signing in and out, and the extractor that guards every UI page.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use leadline_store::directory::User;

use crate::auth::{self, Role};
use crate::state::AppState;

/// The signed-in user of a UI page. Pages take it as an argument, so no page renders for
/// a visitor who is not signed in; `require` checks the role.
pub struct UiUser {
    pub user: User,
    pub role: Role,
    pub csrf: String,
    /// Unread notifications, for the bell in the nav (one count over a partial index).
    pub unread: i64,
}

impl UiUser {
    /// A 403 page unless the user's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), Response> {
        if self.role >= role {
            Ok(())
        } else {
            Err((
                axum::http::StatusCode::FORBIDDEN,
                axum::response::Html(format!(
                    "<p>This page needs the {} role.</p>",
                    role.as_str()
                )),
            )
                .into_response())
        }
    }

    /// Checks the CSRF token a form post carried.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), Response> {
        match sent {
            Some(t) if auth::same_secret(t, &self.csrf) => Ok(()),
            _ => Err((
                axum::http::StatusCode::FORBIDDEN,
                axum::response::Html(
                    "<p>This form has expired; go back, reload the page and try again.</p>"
                        .to_owned(),
                ),
            )
                .into_response()),
        }
    }

    /// What every page's layout shows of the user.
    pub fn context(&self) -> minijinja::Value {
        minijinja::context! { email => &self.user.email, name => &self.user.name, role => self.role.as_str(), csrf => &self.csrf,
        can_market => self.role >= Role::Marketer, is_admin => self.role >= Role::Admin,
        can_sell => self.role >= Role::Sales, unread => self.unread }
    }
}

impl FromRequestParts<AppState> for UiUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        match auth::session_user(&parts.headers, st).await {
            Ok(Some((user, csrf))) => {
                // The bell is a nicety: a failed count shows none rather than failing the page.
                let unread = st.store.unread_notifications(&user.id).await.unwrap_or(0);
                Ok(UiUser {
                    role: Role::parse(&user.role).unwrap_or(Role::Viewer),
                    user,
                    csrf,
                    unread,
                })
            }
            Ok(None) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Err(Redirect::to(&format!("/login?next={}", urlencode(next))).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// `next` for the login redirect, percent-encoded as the templates' `urlencode` does
/// (letters, digits and `-_./` kept).
fn urlencode(s: &str) -> String {
    minijinja::filters::urlencode(&minijinja::Value::from(s)).unwrap_or_default()
}

/// A local path to go to after signing in; anything else (another site) becomes `/leads`.
fn safe_next(next: Option<&String>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.clone(),
        _ => "/leads".into(),
    }
}

/// The cookie that carries the sign-in form's CSRF token before there is a session.
const LOGIN_CSRF_COOKIE: &str = "ll_login_csrf";

pub async fn login_page(
    State(st): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<std::collections::BTreeMap<String, String>>,
) -> Response {
    login_form(&st, q.get("next").cloned(), None, None)
}

fn login_form(
    st: &AppState,
    next: Option<String>,
    email: Option<String>,
    error: Option<&str>,
) -> Response {
    let csrf = auth::random_token(16);
    let ctx = minijinja::context! { next => safe_next(next.as_ref()), email => email, error => error, csrf => &csrf };
    let mut resp = crate::ui::render(st, "login.html", ctx);
    let secure = if st.secure_cookies { "; Secure" } else { "" };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{secure}"
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    if error.is_some() {
        *resp.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
    }
    resp
}

pub async fn login(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let f = crate::public_forms::form_urlencoded_pairs(&body);
    let (email, password) = (
        f.get("email").cloned().unwrap_or_default(),
        f.get("password").cloned().unwrap_or_default(),
    );
    let expected = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty()
        || !auth::same_secret(f.get("csrf").map(String::as_str).unwrap_or(""), expected)
    {
        return login_form(
            &st,
            f.get("next").cloned(),
            Some(email),
            Some("Your sign-in form expired. Please try again."),
        );
    }
    let found = match st.store.user_for_login(&email).await {
        Ok(found) => found,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let ok_user = match found {
        Some((user, Some(hash))) if auth::verify_password(&password, &hash) => Some(user),
        _ => None,
    };
    let Some(user) = ok_user else {
        metrics::counter!("leadline_login_failures_total").increment(1);
        return login_form(
            &st,
            f.get("next").cloned(),
            Some(email),
            Some("That email and password do not match."),
        );
    };
    let token = auth::random_token(32);
    let max_age = auth::SESSION_DAYS * 86_400;
    let expires = leadline_store::now_ms() + max_age * 1000;
    if let Err(e) = st
        .store
        .create_session(
            &auth::sha256_hex(&token),
            &user.id,
            &auth::random_token(24),
            expires,
        )
        .await
    {
        return crate::error::ApiError::from(e).into_response();
    }
    let mut resp = Redirect::to(&safe_next(f.get("next"))).into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::session_cookie(&token, max_age, st.secure_cookies))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

pub async fn logout(
    State(st): State<AppState>,
    user: UiUser,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let f = crate::public_forms::form_urlencoded_pairs(&body);
    if let Err(r) = user.check_csrf(f.get("csrf").map(String::as_str)) {
        return r;
    }
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        let _ = st.store.delete_session(&auth::sha256_hex(token)).await;
    }
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::session_cookie("", 0, st.secure_cookies)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    #[test]
    fn sign_in_only_redirects_within_the_site() {
        assert_eq!(
            super::safe_next(Some(&"/leads?q=x".to_owned())),
            "/leads?q=x"
        );
        assert_eq!(
            super::safe_next(Some(&"//evil.example".to_owned())),
            "/leads"
        );
        assert_eq!(
            super::safe_next(Some(&"https://evil.example".to_owned())),
            "/leads"
        );
        assert_eq!(super::safe_next(None), "/leads");
    }
}
