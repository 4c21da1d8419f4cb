//! Running a list import: rows from the core's CSV reader, through the capture pipeline, in
//! committed chunks. Shared by `leadline import` and the UI's background import job.
//!
//! The file is read on a blocking thread while earlier chunks commit, so parsing and writing
//! overlap; memory stays flat (a few chunks in flight). Counts reported as progress are
//! counts of committed rows only, so a crash never over-reports what landed.

use std::io::Read;

use leadline_core::CaptureEvent;
use leadline_core::import::{ImportContext, ImportError, ImportOptions, RowError, read_csv};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::{CaptureOutcome, Capturer, Pipeline, StoreError};

/// Rows per capture request.
const CHUNK: usize = 1_000;
/// Row errors kept for the report; all are counted.
pub const MAX_REPORTED_ERRORS: usize = 10_000;

/// What an import did so far (or in the end).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: u64,
    pub updated: u64,
    /// Rows matching a lead already up to date, or identical to a row imported before.
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
    pub bytes_read: u64,
    pub errors: Vec<ReportedError>,
    /// Why the import stopped before the end of the file (a quote that never closes, a read
    /// error); the rows before it were imported.
    pub fatal: Option<String>,
}

/// One bad row, for the error report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ReportedError {
    pub line: u64,
    pub column: Option<String>,
    pub code: String,
    pub reason: String,
}

impl From<&RowError> for ReportedError {
    fn from(e: &RowError) -> Self {
        ReportedError {
            line: e.line,
            column: e.column.clone(),
            code: e.code.as_str().to_owned(),
            reason: e.reason.clone(),
        }
    }
}

impl ImportSummary {
    fn count(&mut self, outcomes: &[CaptureOutcome]) {
        for o in outcomes {
            match o {
                CaptureOutcome::Created { .. } => self.created += 1,
                CaptureOutcome::Updated { .. } => self.updated += 1,
                CaptureOutcome::Skipped { .. } => self.skipped += 1,
                CaptureOutcome::Unchanged { .. }
                | CaptureOutcome::Duplicate
                | CaptureOutcome::Anonymous => self.unchanged += 1,
            }
        }
    }

    fn fail(&mut self, e: &RowError) {
        self.failed += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(e.into());
        }
    }

    /// Rows that landed or were recognised as already there.
    pub fn imported(&self) -> u64 {
        self.created + self.updated + self.unchanged + self.skipped
    }
}

enum Piece {
    Events(Vec<CaptureEvent>, u64),
    Error(RowError),
}

/// Why an import stopped before the end of the file.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("{0}")]
    Setup(#[from] ImportError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Fatal(String),
}

/// Imports `input` through `capturer`, calling `progress` after every committed chunk.
pub async fn run_import<R: Read + Send + 'static>(
    capturer: &Capturer,
    input: R,
    options: ImportOptions,
    context: ImportContext,
    mut progress: impl FnMut(&ImportSummary),
) -> Result<ImportSummary, ImportFailure> {
    let (tx, mut rx) = mpsc::channel::<Piece>(8);
    let reader = tokio::task::spawn_blocking(move || -> Result<(), ImportError> {
        let mut rows = read_csv(input, &options, context)?;
        let mut chunk = Vec::with_capacity(CHUNK);
        while let Some(row) = rows.next() {
            match row {
                Ok(ev) => chunk.push(ev),
                Err(e) => {
                    // Rows before a bad one are sent first, so a fatal error never overtakes them.
                    if !chunk.is_empty()
                        && tx
                            .blocking_send(Piece::Events(
                                std::mem::take(&mut chunk),
                                rows.bytes_read(),
                            ))
                            .is_err()
                    {
                        return Ok(());
                    }
                    if tx.blocking_send(Piece::Error(e)).is_err() {
                        return Ok(());
                    }
                    continue;
                }
            }
            if chunk.len() == CHUNK
                && tx
                    .blocking_send(Piece::Events(std::mem::take(&mut chunk), rows.bytes_read()))
                    .is_err()
            {
                return Ok(());
            }
        }
        if !chunk.is_empty() {
            let _ = tx.blocking_send(Piece::Events(chunk, rows.bytes_read()));
        }
        Ok(())
    });
    let mut summary = ImportSummary::default();
    let mut pipeline = Pipeline::new(capturer);
    // Bytes read at the end of each chunk in flight: progress shows the last committed one.
    let mut chunk_ends = std::collections::VecDeque::new();
    while let Some(piece) = rx.recv().await {
        match piece {
            Piece::Error(e) if e.is_fatal() => {
                summary.fail(&e);
                summary.fatal = Some(e.to_string());
                break;
            }
            Piece::Error(e) => summary.fail(&e),
            Piece::Events(events, bytes) => {
                chunk_ends.push_back(bytes);
                let done = pipeline.push(events).await?;
                if !done.is_empty() {
                    summary.count(&done);
                    summary.bytes_read = chunk_ends.pop_front().unwrap_or(summary.bytes_read);
                    progress(&summary);
                }
            }
        }
    }
    drop(rx);
    while let Some(done) = pipeline.next_done().await {
        summary.count(&done?);
        summary.bytes_read = chunk_ends.pop_front().unwrap_or(summary.bytes_read);
        progress(&summary);
    }
    match reader.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e.into()),
        Err(e) => {
            return Err(ImportFailure::Fatal(format!(
                "the file reader stopped: {e}"
            )));
        }
    }
    progress(&summary);
    Ok(summary)
}
