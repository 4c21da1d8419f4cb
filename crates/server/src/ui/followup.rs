//! The *Follow-up* report page (viewer+): what share of the leads handed to sales were
//! accepted and touched in time, by rep, team, source or month, over a chosen period; the
//! leads never touched, linked; a CSV download with formula-safe cells.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use leadline_core::export::csv_safe;
use leadline_core::followup;
use minijinja::Value;
use minijinja::value::Serde;

use super::UiUser;
use super::common::{self, Fields};
use crate::api::reps::{FollowupQuery, FollowupReport, followup_report};
use crate::auth::Role;
use crate::state::AppState;

fn query(q: &Fields) -> FollowupQuery {
    FollowupQuery {
        by: common::field(q, "by"),
        from: common::field(q, "from"),
        to: common::field(q, "to"),
    }
}

/// `GET /reports/followup` (viewer+): `?by=rep|team|source|month|reason&from=YYYY-MM-DD&to=YYYY-MM-DD`.
pub async fn page(State(st): State<AppState>, user: UiUser, Query(q): Query<Fields>) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let fq = query(&q);
    let (report, error) = match followup_report(&st, &fq, leadline_store::now_ms()).await {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some((e.field.unwrap_or_default(), e.message))),
    };
    // The page's own query for the CSV link, encoded by the template's `urlencode`.
    let csv_query = minijinja::context! { by => &fq.by, from => &fq.from, to => &fq.to };
    let ctx = minijinja::context! {
        user => user.context(), page => "followup",
        report => report.as_ref().map(|r| Value::from(Serde(r))),
        error => error, by => fq.by.unwrap_or_else(|| "rep".into()),
        from => fq.from.or_else(|| report.as_ref().map(|r| r.from[..10].to_owned())),
        to => fq.to.or_else(|| report.as_ref().map(|r| r.to[..10].to_owned())),
        csv_query => csv_query,
    };
    let mut resp = super::render(&st, "followup.html", ctx);
    if report.is_none() {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

/// The report as CSV: every cell through `csv_safe`, so an owner or source that starts with
/// `=` is text in a spreadsheet, never a formula.
fn to_csv(report: &FollowupReport) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(followup::COLUMNS)?;
    for r in &report.items {
        let row = r.cells();
        w.write_record(row.iter().map(|c| csv_safe(c).into_owned()))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// `GET /reports/followup.csv` (viewer+): the same table as a download.
pub async fn csv_download(
    State(st): State<AppState>,
    user: UiUser,
    Query(q): Query<Fields>,
) -> Response {
    if let Err(r) = user.require(Role::Viewer) {
        return r;
    }
    let report = match followup_report(&st, &query(&q), leadline_store::now_ms()).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    match to_csv(&report) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"followup.csv\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "writing the follow-up CSV failed");
            crate::error::ApiError::internal().into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadline_core::followup::FollowupRow;

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_written_as_text() {
        let report = FollowupReport {
            by: "source".into(),
            from: String::new(),
            to: String::new(),
            items: vec![FollowupRow {
                key: "=HYPERLINK(\"http://evil.example\")".into(),
                assigned: 1,
                ..FollowupRow::default()
            }],
            never_touched: vec![],
        };
        let text = String::from_utf8(to_csv(&report).unwrap()).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert!(row.starts_with("\"'=HYPERLINK("), "{row}");
    }
}
