//! Settings (admin only): the people who sign in, API keys, and the sources that send events.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use leadline_store::StoreError;
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::common::{self, Errors, Fields};
use crate::api::directory::{NewUser, check_new_user};
use crate::auth::{self, Role};
use crate::state::AppState;

/// Every role, weakest first, as the role menu lists them.
const ROLES: [Role; 4] = [Role::Viewer, Role::Sales, Role::Marketer, Role::Admin];

/// `GET /settings?done=`: users, API keys and sources, each with a form to add one.
pub async fn page(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Admin) {
        return r;
    }
    let notice = match q.get("done").map(String::as_str) {
        Some("user") => Some("User added."),
        Some("revoked") => Some("API key revoked: it no longer works."),
        Some("source") => Some("Source added."),
        _ => None,
    };
    settings_page(&st, &user, &Fields::new(), &Errors::new(), notice).await
}

async fn settings_page(
    st: &AppState,
    user: &UiUser,
    values: &Fields,
    errors: &Errors,
    notice: Option<&str>,
) -> Response {
    let lists = tokio::try_join!(
        st.store.list_users(),
        st.store.list_api_keys(),
        st.store.list_sources()
    );
    let (users, keys, sources) = match lists {
        Ok(x) => x,
        Err(e) => return common::store_error(e),
    };
    // Posted values go back to the one form that was sent (its errors' prefix), never the password.
    let posted = errors.keys().next().and_then(|k| k.split('_').next());
    let mut values = values.clone();
    values.remove("password");
    let ctx = minijinja::context! {
        user => user.context(), page => "settings", users => Value::from(Serde(&users)),
        keys => Value::from(Serde(&keys)), sources => Value::from(Serde(&sources)),
        roles => ROLES.map(Role::as_str), values => values, posted => posted, errors => errors,
        notice => notice,
    };
    super::render_form(st, "settings.html", ctx, errors)
}

/// `POST /settings/users`: adds a user who signs in with a password.
pub async fn add_user(
    State(st): State<AppState>,
    user: UiUser,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Admin, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let new = NewUser {
        email: f.get("email").cloned().unwrap_or_default(),
        name: f.get("name").cloned().unwrap_or_default(),
        role: f.get("role").cloned().unwrap_or_default(),
        password: f.get("password").cloned().unwrap_or_default(),
    };
    let error = |field: &str, message: &str| {
        Errors::from([(format!("user_{field}"), common::sentence(message))])
    };
    let errors = match check_new_user(&new) {
        Err(e) => error(e.field.as_deref().unwrap_or("email"), &e.message),
        Ok((email, role, hash)) => match st
            .store
            .create_user(&email, new.name.trim(), role.as_str(), Some(&hash))
            .await
        {
            Ok(_) => return Redirect::to("/settings?done=user#users").into_response(),
            Err(StoreError::Conflict(_)) => error("email", "a user with this email already exists"),
            Err(e) => return common::store_error(e),
        },
    };
    settings_page(&st, &user, &f, &errors, None).await
}

/// `POST /settings/api_keys`: creates a key and shows its secret, this once.
pub async fn create_key(
    State(st): State<AppState>,
    user: UiUser,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Admin, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let name = match check_name(&f) {
        Ok(n) => n,
        Err(e) => {
            let errors = Errors::from([("key_name".to_owned(), e)]);
            return settings_page(&st, &user, &f, &errors, None).await;
        }
    };
    let (secret, prefix) = auth::new_api_key();
    let key = match st
        .store
        .create_api_key(&name, &prefix, &auth::sha256_hex(&secret))
        .await
    {
        Ok(k) => k,
        Err(e) => return common::store_error(e),
    };
    let ctx = minijinja::context! {
        user => user.context(), page => "settings", key => Value::from(Serde(&key)), secret => &secret,
    };
    let mut resp = super::render(&st, "settings_key.html", ctx);
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `POST /settings/api_keys/{id}/revoke`: the key stops working at once.
pub async fn revoke_key(
    State(st): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    if let Err(r) = common::posted(&user, Role::Admin, &body) {
        return r;
    }
    match st.store.revoke_api_key(&id).await {
        Ok(()) => Redirect::to("/settings?done=revoked#keys").into_response(),
        Err(StoreError::NotFound) => common::not_found(&st, &user, "API key"),
        Err(e) => common::store_error(e),
    }
}

/// `POST /settings/sources`: adds a source of Segment-spec events with a new write key.
pub async fn create_source(
    State(st): State<AppState>,
    user: UiUser,
    body: axum::body::Bytes,
) -> Response {
    let f = match common::posted(&user, Role::Admin, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let name = match check_name(&f) {
        Ok(n) => n,
        Err(e) => {
            let errors = Errors::from([("source_name".to_owned(), e)]);
            return settings_page(&st, &user, &f, &errors, None).await;
        }
    };
    match st.store.create_source(&name, &auth::random_token(24)).await {
        Ok(_) => Redirect::to("/settings?done=source#sources").into_response(),
        Err(e) => common::store_error(e),
    }
}

/// The `name` of a key or source: 1 to 100 characters, as the API requires.
fn check_name(f: &Fields) -> Result<String, String> {
    match common::field(f, "name") {
        Some(n) if n.chars().count() <= 100 => Ok(n),
        _ => Err("Give it a name of 1 to 100 characters.".into()),
    }
}
