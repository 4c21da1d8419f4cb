//! Who may do what: users, their sessions, API keys, and the sources that send events.
//!
//! Secrets are never stored: sessions, API keys are kept as SHA-256 hashes computed by the
//! caller; passwords as argon2id PHC strings. Write keys are public by nature (they ship in
//! web pages) and are stored as they are.

use leadline_core::time::{ms, opt_ms};
use serde::Serialize;

use crate::{Result, Store, StoreError, new_id, now_ms};

from_row!(User {
    id,
    email,
    name,
    role,
    created_at
});
from_row!(ApiKey {
    id,
    name,
    prefix,
    created_at,
    last_used_at
});
from_row!(Source {
    id,
    name,
    write_key,
    created_at
});

/// A person who signs in to the UI.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub created_at: i64,
}

/// An API key's public face (its secret is shown once, at creation, and never stored).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub prefix: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub created_at: i64,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "opt_ms")]
    pub last_used_at: Option<i64>,
}

/// A source of Segment-spec events, identified by its write key.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Source {
    pub id: String,
    pub name: String,
    pub write_key: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub created_at: i64,
}

const USER_COLS: &str = "id, email, name, role, created_at";

impl Store {
    /// Adds a user; `Conflict` when the email is taken.
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        role: &str,
        password_hash: Option<&str>,
    ) -> Result<User> {
        let user = User {
            id: new_id(),
            email: email.trim().to_lowercase(),
            name: name.into(),
            role: role.into(),
            created_at: now_ms(),
        };
        sqlx::query("INSERT INTO users (id, email, name, role, password_hash, created_at) VALUES ($1,$2,$3,$4,$5,$6)")
            .bind(&user.id)
            .bind(&user.email)
            .bind(&user.name)
            .bind(&user.role)
            .bind(password_hash)
            .bind(user.created_at)
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, "a user with this email"))?;
        Ok(user)
    }

    /// A user and their password hash, by email (for sign-in).
    pub async fn user_for_login(&self, email: &str) -> Result<Option<(User, Option<String>)>> {
        let sql = format!(
            "SELECT {USER_COLS}, password_hash FROM users WHERE email = $1 AND disabled_at IS NULL"
        );
        let row: Option<(String, String, String, String, i64, Option<String>)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(email.trim().to_lowercase())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id, email, name, role, created_at, hash)| {
            (
                User {
                    id,
                    email,
                    name,
                    role,
                    created_at,
                },
                hash,
            )
        }))
    }

    /// Replaces a user's password hash.
    pub async fn set_password(&self, user_id: &str, password_hash: &str) -> Result<()> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    /// Every user, by email.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE disabled_at IS NULL ORDER BY email");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?)
    }

    /// Starts a session for a user.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1,$2,$3,$4,$5)")
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(now_ms())
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The signed-in user and the session's CSRF token, while the session is live.
    pub async fn session_user(&self, token_hash: &str, now: i64) -> Result<Option<(User, String)>> {
        let row: Option<(String, String, String, String, i64, String)> = sqlx::query_as(
            "SELECT u.id, u.email, u.name, u.role, u.created_at, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id, email, name, role, created_at, csrf)| {
            (
                User {
                    id,
                    email,
                    name,
                    role,
                    created_at,
                },
                csrf,
            )
        }))
    }

    /// Ends a session (sign-out).
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a new API key by the hash of its secret.
    pub async fn create_api_key(&self, name: &str, prefix: &str, key_hash: &str) -> Result<ApiKey> {
        let key = ApiKey {
            id: new_id(),
            name: name.into(),
            prefix: prefix.into(),
            created_at: now_ms(),
            last_used_at: None,
        };
        sqlx::query(
            "INSERT INTO api_keys (id, name, prefix, key_hash, created_at) VALUES ($1,$2,$3,$4,$5)",
        )
        .bind(&key.id)
        .bind(&key.name)
        .bind(&key.prefix)
        .bind(key_hash)
        .bind(key.created_at)
        .execute(&self.pool)
        .await?;
        Ok(key)
    }

    /// The live API key with this secret hash.
    pub async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        Ok(sqlx::query_as("SELECT id, name, prefix, created_at, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Records that a key was used, at most once a minute (a busy integration must not turn
    /// every read into a write).
    pub async fn touch_api_key(&self, id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
            .bind(now)
            .bind(id)
            .bind(now - 60_000)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Live API keys, newest first.
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
        Ok(sqlx::query_as("SELECT id, name, prefix, created_at, last_used_at FROM api_keys WHERE revoked_at IS NULL ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await?)
    }

    /// Revokes an API key.
    pub async fn revoke_api_key(&self, id: &str) -> Result<()> {
        let done =
            sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now_ms())
                .bind(id)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    /// Adds a source with its write key.
    pub async fn create_source(&self, name: &str, write_key: &str) -> Result<Source> {
        let s = Source {
            id: new_id(),
            name: name.into(),
            write_key: write_key.into(),
            created_at: now_ms(),
        };
        sqlx::query("INSERT INTO sources (id, name, write_key, created_at) VALUES ($1,$2,$3,$4)")
            .bind(&s.id)
            .bind(&s.name)
            .bind(&s.write_key)
            .bind(s.created_at)
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, "a source with this write key"))?;
        Ok(s)
    }

    /// The live source with this write key.
    pub async fn source_by_write_key(&self, write_key: &str) -> Result<Option<Source>> {
        Ok(sqlx::query_as("SELECT id, name, write_key, created_at FROM sources WHERE write_key = $1 AND disabled_at IS NULL")
            .bind(write_key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Live sources, oldest first.
    pub async fn list_sources(&self) -> Result<Vec<Source>> {
        Ok(sqlx::query_as("SELECT id, name, write_key, created_at FROM sources WHERE disabled_at IS NULL ORDER BY id")
            .fetch_all(&self.pool)
            .await?)
    }
}
