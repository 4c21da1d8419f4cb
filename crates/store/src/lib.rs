//! Leadline's storage: one API over SQLite (the default, one file) and PostgreSQL.
//!
//! Queries are sqlx runtime queries through the `Any` driver: ids are UUIDv7 text, times are
//! epoch milliseconds and JSON is text, so one SQL string serves both engines. Where the
//! engines differ (row locking, bulk paths) the two variants sit side by side.

pub mod attribution;
mod capture;
#[macro_use]
mod db;
pub mod catalog;
pub mod channel_rules;
pub mod costs;
pub mod directory;
pub mod duplicates;
pub mod forms;
pub mod funnel;
pub mod import;
pub mod imports;
pub mod jobs;
pub mod leads;
mod lifecycle;
pub mod markers;
mod migrate;
pub mod notifications;
pub mod opportunities;
pub mod page;
mod policy;
pub mod predictive;
pub mod routing;
pub mod saved_segments;
pub mod scores;
pub mod segments;
pub mod settings;
pub mod testing;
pub mod webhooks;

pub use capture::inbox::InboxDepth;
pub use capture::{CaptureOutcome, Captured, Capturer, Pipeline};
pub use db::{Backend, Store, id_at, new_id, now_ms};

/// What went wrong in storage, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0} already exists")]
    Conflict(String),
    #[error("unsupported database URL {0:?}: expected sqlite://PATH or postgres://…")]
    BadUrl(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A request the store cannot carry out as asked (a filter naming an unknown field).
    #[error("{0}")]
    Invalid(String),
    /// A request the current state refuses (a duplicate pair already merged); `code` is
    /// stable for programs, `message` says what happened and what to do.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
}

/// Result alias for storage calls.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// [`StoreError::Refused`] with its stable `code` and the message a person reads.
    pub(crate) fn refused(code: &'static str, message: impl Into<String>) -> StoreError {
        StoreError::Refused {
            code,
            message: message.into(),
        }
    }

    /// A conflict with another writer (unique key raced, lock busy, serialization): trying
    /// again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(d)) => {
                d.is_unique_violation()
                    || matches!(d.code().as_deref(), Some("40001" | "40P01" | "55P03"))
                    || d.message().contains("database is locked")
            }
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked
                    | rusqlite::ErrorCode::ConstraintViolation
            ),
            _ => false,
        }
    }

    /// Turns a unique-constraint violation into [`StoreError::Conflict`] naming `what`.
    pub(crate) fn conflict_on_unique(e: sqlx::Error, what: &str) -> StoreError {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Conflict(what.to_owned())
            }
            _ => StoreError::Db(e),
        }
    }
}
