//! `/api/v1/sources`, `/users`, `/api_keys`: admin-only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use leadline_store::directory::{ApiKey, Source, User};
use leadline_store::page::Page;
use serde::{Deserialize, Serialize};

use crate::auth::{self, ApiCaller, Role};
use crate::error::{ApiError, ErrorBody, JsonBody};
use crate::state::AppState;

/// Something that only needs a name (a source, an API key).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NamedThing {
    /// 1 to 100 characters.
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

/// Lists the sources that send tracking events, with their write keys.
#[utoipa::path(
    get,
    path = "/sources",
    tag = "directory",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The sources", body = Page<Source>),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (admin)", body = ErrorBody),
    )
)]
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

/// Creates a source and its write key.
#[utoipa::path(
    post,
    path = "/sources",
    tag = "directory",
    request_body = NamedThing,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new source", body = Source),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (admin)", body = ErrorBody),
        (status = 422, description = "A field is invalid (see `field`)", body = ErrorBody),
    )
)]
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

/// Lists users.
#[utoipa::path(
    get,
    path = "/users",
    tag = "directory",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The users", body = Page<User>),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (admin)", body = ErrorBody),
    )
)]
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

/// A user to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub email: String,
    #[serde(default)]
    pub name: String,
    /// admin, marketer, sales or viewer.
    pub role: String,
    /// At least 10 characters.
    #[schema(format = Password)]
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

/// Creates a user who can sign in.
#[utoipa::path(
    post,
    path = "/users",
    tag = "directory",
    request_body = NewUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new user", body = User),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (admin)", body = ErrorBody),
        (status = 409, description = "A user with this email exists", body = ErrorBody),
        (status = 422, description = "A field is invalid (see `field`)", body = ErrorBody),
    )
)]
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

/// Lists API keys (never their secrets).
#[utoipa::path(
    get,
    path = "/api_keys",
    tag = "directory",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The API keys", body = Page<ApiKey>),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (admin)", body = ErrorBody),
    )
)]
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
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// The bearer token; only its hash is stored.
    pub secret: String,
}

/// Creates an API key; the answer holds its secret, shown this once.
#[utoipa::path(
    post,
    path = "/api_keys",
    tag = "directory",
    request_body = NamedThing,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new key and its secret", body = CreatedKey),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (admin)", body = ErrorBody),
        (status = 422, description = "A field is invalid (see `field`)", body = ErrorBody),
    )
)]
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

/// Revokes an API key.
#[utoipa::path(
    delete,
    path = "/api_keys/{id}",
    tag = "directory",
    params(("id" = String, Path, description = "API key id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key's role may not do this (admin)", body = ErrorBody),
        (status = 404, description = "No such API key", body = ErrorBody),
    )
)]
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
