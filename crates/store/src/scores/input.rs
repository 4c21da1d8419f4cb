//! A lead as assessment reads it: its profile, stage and what its scores were, read by
//! column position (a rescore reads a million of them), with the key its writes use.

use leadline_core::Stage;
use leadline_core::capture::Traits;
use leadline_core::email::Email;

use crate::capture::bulk::{self, Arg};
use crate::capture::tx::{ScanRow, Tx};
use crate::{Backend, Result, StoreError};

/// The lead columns assessment reads, in the order [`from_row`] reads them (after the key).
const COLUMNS: &str = "id, email, first_name, last_name, title, phone, company, country, website, consent, custom, \
                       stage, merged_into, requalified_at, auto_disqualified, flags, fit_score, engagement_score, grade";

/// What a lead's stored assessment was, to write only what changed.
pub(crate) struct Stored {
    pub flags: String,
    pub fit: Option<i64>,
    pub engagement: Option<i64>,
    pub grade: Option<String>,
}

/// One lead to assess.
pub(crate) struct LeadInput {
    /// How a write finds the row: its rowid on SQLite (no index lookup), its id on
    /// PostgreSQL.
    pub key: Arg,
    pub id: String,
    pub email: Option<Email>,
    pub traits: Traits,
    pub stage: Stage,
    /// A person requalified this lead.
    pub requalified: bool,
    /// Rules disqualified it (rules may lift it).
    pub auto_disqualified: bool,
    pub was: Stored,
}

/// The column writes find a lead by, [`LeadInput::key`]; rescores page by it too.
pub(crate) fn key_column(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "rowid",
        Backend::Postgres => "id",
    }
}

/// `SELECT key, columns… FROM leads`, for a `WHERE` to follow.
pub(crate) fn select(backend: Backend) -> String {
    format!("SELECT {}, {COLUMNS} FROM leads", key_column(backend))
}

/// The leads `ids` (merged ones left out).
pub(crate) async fn read_some(tx: &mut Tx<'_>, ids: &[String]) -> Result<Vec<LeadInput>> {
    let backend = tx.backend();
    let mut out = Vec::with_capacity(ids.len());
    bulk::scan_in(tx, &select(backend), "id", ids, |r| {
        out.extend(from_row(r, backend)?);
        Ok(())
    })
    .await?;
    Ok(out)
}

/// The key of a row of [`select`].
pub(crate) fn key(r: &ScanRow<'_, '_>, backend: Backend) -> Result<Arg> {
    Ok(match backend {
        Backend::Sqlite => r.int(0)?.into(),
        Backend::Postgres => r.text(0)?.map(str::to_owned).into(),
    })
}

/// Reads a row of [`select`]; `None` for a lead merged into another (the survivor is
/// assessed instead).
pub(crate) fn from_row(r: &ScanRow<'_, '_>, backend: Backend) -> Result<Option<LeadInput>> {
    if r.text(13)?.is_some() {
        return Ok(None);
    }
    let text = |i: usize| -> Result<Option<String>> { Ok(r.text(i)?.map(str::to_owned)) };
    let id = r.text(1)?.unwrap_or_default().to_owned();
    let custom = r.text(11)?.unwrap_or("{}");
    let stage = r.text(12)?.unwrap_or_default();
    Ok(Some(LeadInput {
        key: key(r, backend)?,
        email: r.text(2)?.and_then(|e| Email::parse(e).ok()),
        traits: Traits {
            first_name: text(3)?,
            last_name: text(4)?,
            title: text(5)?,
            phone: text(6)?,
            company: text(7)?,
            country: text(8)?,
            website: text(9)?,
            consent: r.int_opt(10)?.map(|c| c != 0),
            custom: serde_json::from_str(custom)
                .map_err(|e| StoreError::Corrupt(format!("lead {id} custom fields: {e}")))?,
        },
        stage: Stage::parse(stage)
            .ok_or_else(|| StoreError::Corrupt(format!("lead {id} has stage {stage:?}")))?,
        requalified: r.int_opt(14)?.is_some(),
        auto_disqualified: r.int(15)? != 0,
        was: Stored {
            flags: r.text(16)?.unwrap_or_default().to_owned(),
            fit: r.int_opt(17)?,
            engagement: r.int_opt(18)?,
            grade: text(19)?,
        },
        id,
    }))
}
