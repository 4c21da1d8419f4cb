//! `/api/v1/sources`, `/users`, `/api_keys`: admin-only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use leadline_store::directory::{ApiKey, Source, User};
use leadline_store::page::Page;
use serde::{Deserialize, Serialize};

use crate::auth::{self, ApiCaller, Role};
use crate::error::{ApiError, JsonBody};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct NamedThing {
    pub name: String,
}

fn check_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        Err(ApiError::invalid(
            "name",
            "a name of 1 to 100 characters is needed",
        ))
    } else {
        Ok(name)
    }
}

pub async fn list_sources(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Page<Source>>, ApiError> {
    caller.require(Role::Admin)?;
    Ok(Json(Page {
        items: st.store.list_sources().await?,
        next: None,
    }))
}

pub async fn create_source(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<NamedThing>,
) -> Result<(StatusCode, Json<Source>), ApiError> {
    caller.require(Role::Admin)?;
    let source = st
        .store
        .create_source(check_name(&body.name)?, &auth::random_token(24))
        .await?;
    Ok((StatusCode::CREATED, Json(source)))
}

pub async fn list_users(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Page<User>>, ApiError> {
    caller.require(Role::Admin)?;
    Ok(Json(Page {
        items: st.store.list_users().await?,
        next: None,
    }))
}

#[derive(Debug, Deserialize)]
pub struct NewUser {
    pub email: String,
    #[serde(default)]
    pub name: String,
    pub role: String,
    pub password: String,
}

/// Checks a new user's fields and hashes the password.
pub fn check_new_user(u: &NewUser) -> Result<(String, Role, String), ApiError> {
    let email = leadline_core::Email::parse(&u.email)
        .map_err(|e| ApiError::invalid("email", format!("email {e}")))?;
    let role = Role::parse(&u.role).ok_or_else(|| {
        ApiError::invalid("role", "role must be admin, marketer, sales or viewer")
    })?;
    if u.password.chars().count() < 10 {
        return Err(ApiError::invalid(
            "password",
            "a password needs at least 10 characters",
        ));
    }
    let hash = auth::hash_password(&u.password).map_err(|_| ApiError::internal())?;
    Ok((email.key(), role, hash))
}

pub async fn create_user(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<NewUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    caller.require(Role::Admin)?;
    let (email, role, hash) = check_new_user(&body)?;
    let user = st
        .store
        .create_user(&email, body.name.trim(), role.as_str(), Some(&hash))
        .await
        .map_err(|e| ApiError::from(e).field("email"))?;
    Ok((StatusCode::CREATED, Json(user)))
}

pub async fn list_api_keys(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Page<ApiKey>>, ApiError> {
    caller.require(Role::Admin)?;
    Ok(Json(Page {
        items: st.store.list_api_keys().await?,
        next: None,
    }))
}

/// A new key with its secret, shown this once.
#[derive(Debug, Serialize)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub key: ApiKey,
    pub secret: String,
}

pub async fn create_api_key(
    State(st): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<NamedThing>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    caller.require(Role::Admin)?;
    let (secret, prefix) = auth::new_api_key();
    let key = st
        .store
        .create_api_key(check_name(&body.name)?, &prefix, &auth::sha256_hex(&secret))
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedKey { key, secret })))
}

pub async fn revoke_api_key(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Admin)?;
    st.store
        .revoke_api_key(&id)
        .await
        .map_err(|_| ApiError::not_found("API key"))?;
    Ok(StatusCode::NO_CONTENT)
}
