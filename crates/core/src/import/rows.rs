//! Rows to events: the streaming iterator an import drives.

use std::io::Read;

use super::records::{Record, RecordReader};
use super::values::{answered, apply, message_id};
use super::{
    ImportContext, ImportError, MAX_CELL_BYTES, Mapping, MappingOptions, Sniffed, Source, Target,
};
use crate::capture::{Activity, CaptureEvent};

/// Why one row was not imported. It names the line and column so the person can fix the
/// file, and never repeats the cell's value: import reports are logged and shown to people
/// who should not see the personal data in a list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}{}: {reason}", column.as_ref().map(|c| format!(", column \"{c}\"")).unwrap_or_default())]
pub struct RowError {
    /// The physical line (1-based) where the row starts.
    pub line: u64,
    /// The header of the column at fault, when one is.
    pub column: Option<String>,
    pub reason: String,
    /// The kind of problem, for reports that count them.
    pub code: RowErrorCode,
}

/// The kinds of row problems an import report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowErrorCode {
    BadEmail,
    NoIdentity,
    BadConsent,
    /// A touch date that is not a date.
    BadDate,
    TooLarge,
    FieldCount,
    InvalidUtf8,
    /// A quote never closed: the rest of the file was swallowed and the import ends here.
    UnterminatedQuote,
    /// Reading the input failed: the import ends here.
    Read,
}

impl RowErrorCode {
    /// The stable snake_case name reports and logs count by.
    pub fn as_str(self) -> &'static str {
        match self {
            RowErrorCode::BadEmail => "bad_email",
            RowErrorCode::NoIdentity => "no_identity",
            RowErrorCode::BadConsent => "bad_consent",
            RowErrorCode::BadDate => "bad_date",
            RowErrorCode::TooLarge => "too_large",
            RowErrorCode::FieldCount => "field_count",
            RowErrorCode::InvalidUtf8 => "invalid_utf8",
            RowErrorCode::UnterminatedQuote => "unterminated_quote",
            RowErrorCode::Read => "read",
        }
    }
}

impl RowError {
    /// True when no rows follow this error (the iterator ends after it).
    pub fn is_fatal(&self) -> bool {
        matches!(
            self.code,
            RowErrorCode::UnterminatedQuote | RowErrorCode::Read
        )
    }
}

/// The rows of a list, each an event or the reason it is not one.
pub struct Rows<R> {
    reader: RecordReader<Source<R>>,
    record: Record,
    header: Vec<String>,
    mapping: Mapping,
    /// Column indices in the order their values are hashed (by target name), ignored ones out.
    hash_order: Vec<usize>,
    sniffed: Sniffed,
    context: ImportContext,
    canonical: Vec<u8>,
    finished: bool,
}

impl<R: Read> Rows<R> {
    pub(super) fn start(
        stream: Source<R>,
        already_consumed: u64,
        sniffed: Sniffed,
        options: &MappingOptions,
        context: ImportContext,
    ) -> Result<Self, ImportError> {
        let mut reader = RecordReader::new(stream, sniffed.delimiter, MAX_CELL_BYTES);
        reader.add_consumed(already_consumed);
        let mut record = Record::default();
        if !reader.read_record(&mut record)? {
            return Err(ImportError::Empty);
        }
        let header = decode_header(&record, sniffed)?;
        let mapping = Mapping::build(&header, options)?;
        let mut hash_order: Vec<usize> = (0..header.len())
            .filter(|&i| mapping.columns()[i].1 != Target::Ignore)
            .collect();
        hash_order.sort_by(|&a, &b| {
            mapping.columns()[a]
                .1
                .name()
                .cmp(mapping.columns()[b].1.name())
        });
        Ok(Rows {
            reader,
            record,
            header,
            mapping,
            hash_order,
            sniffed,
            context,
            canonical: Vec::new(),
            finished: false,
        })
    }

    /// Bytes of the input consumed so far, for a progress bar against the file's size.
    pub fn bytes_read(&self) -> u64 {
        self.reader.bytes_consumed()
    }

    /// How the columns were mapped, to show before or after importing.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// The encoding and delimiter in use.
    pub fn sniffed(&self) -> Sniffed {
        self.sniffed
    }

    /// The header row as read.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The physical line where the row last returned starts, so a caller that later fails
    /// to store an event can still point the person at the right line.
    pub fn line(&self) -> u64 {
        self.record.line
    }

    fn error(
        &self,
        column: Option<usize>,
        code: RowErrorCode,
        reason: impl Into<String>,
    ) -> RowError {
        RowError {
            line: self.record.line,
            column: column.and_then(|i| self.header.get(i).cloned()),
            reason: reason.into(),
            code,
        }
    }

    /// Checks the record's shape before looking at any value.
    fn check_shape(&self) -> Result<(), RowError> {
        let rec = &self.record;
        if rec.unterminated {
            return Err(self.error(
                Some(rec.len() - 1),
                RowErrorCode::UnterminatedQuote,
                format!(
                    "a quoted value starts in this row and its closing quote never comes, so \
                     everything up to the end of the file (line {}) was read as one value; \
                     close or remove the quote, then import the rows from line {} on again",
                    rec.end_line, rec.line
                ),
            ));
        }
        if let Some(i) = rec.oversized {
            return Err(self.error(
                Some(i),
                RowErrorCode::TooLarge,
                format!(
                    "value is longer than {} KiB; the row was skipped",
                    MAX_CELL_BYTES / 1024
                ),
            ));
        }
        if rec.too_large {
            return Err(self.error(
                None,
                RowErrorCode::TooLarge,
                format!(
                    "row is larger than {} KiB or has more than {} values; the row was skipped",
                    super::records::MAX_RECORD_BYTES / 1024,
                    super::records::MAX_FIELDS
                ),
            ));
        }
        let (n, m) = (rec.len(), self.header.len());
        let extra_blank = (m..n).all(|i| {
            rec.get(i)
                .is_some_and(|v| v.iter().all(u8::is_ascii_whitespace))
        });
        if n < m || !extra_blank {
            return Err(self.error(
                None,
                RowErrorCode::FieldCount,
                format!("row has {n} values but the header has {m} columns; check for an unquoted delimiter in a value"),
            ));
        }
        Ok(())
    }

    /// Turns the current record into an event.
    fn event(&mut self) -> Result<CaptureEvent, RowError> {
        self.check_shape()?;
        let mut event = CaptureEvent::new(
            String::new(),
            Activity::ListImported,
            self.context.occurred_at,
            self.context.origin.clone(),
        );
        self.canonical.clear();
        for k in 0..self.hash_order.len() {
            let i = self.hash_order[k];
            let raw = self.record.get(i).unwrap_or_default();
            let Some(text) = self.sniffed.encoding.decode(raw) else {
                return Err(self.error(
                    Some(i),
                    RowErrorCode::InvalidUtf8,
                    "value is not valid UTF-8; if the file was saved by Excel as plain CSV, import it with the windows-1252 encoding",
                ));
            };
            let Some(value) = answered(&text) else {
                continue;
            };
            let target = &self.mapping.columns()[i].1;
            apply(&mut event, target, value)
                .map_err(|(code, reason)| self.error(Some(i), code, reason))?;
            for part in [target.name(), value] {
                self.canonical.extend((part.len() as u32).to_le_bytes());
                self.canonical.extend(part.as_bytes());
            }
        }
        let identity = match (&event.email, &event.external_key) {
            (Some(e), _) => e.key(),
            (None, Some(k)) => k.clone(),
            (None, None) => return Err(self.no_identity()),
        };
        let list = self.context.list_identity();
        event.message_id = message_id(list, &identity, &self.canonical);
        event.name = Some(list.to_owned());
        event.campaign = self
            .context
            .campaign
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        event.channel = self.context.channel;
        event.on_duplicate = self.context.on_duplicate;
        Ok(event)
    }

    fn no_identity(&self) -> RowError {
        let column = self
            .mapping
            .column_for(&Target::Email)
            .or(self.mapping.column_for(&Target::Key));
        let i = column.and_then(|c| self.header.iter().position(|h| h == c));
        self.error(
            i,
            RowErrorCode::NoIdentity,
            "row has no email and no key, so it cannot be matched to a person",
        )
    }
}

impl<R: Read> Iterator for Rows<R> {
    type Item = Result<CaptureEvent, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.reader.read_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => {
                self.finished = true;
                return None;
            }
            Err(e) => {
                self.finished = true;
                return Some(Err(RowError {
                    line: self.reader.line(),
                    column: None,
                    reason: format!("could not read the file: {e}"),
                    code: RowErrorCode::Read,
                }));
            }
        }
        let row = self.event();
        if row.as_ref().is_err_and(RowError::is_fatal) {
            self.finished = true;
        }
        Some(row)
    }
}

impl<R: Read> std::iter::FusedIterator for Rows<R> {}

fn decode_header(record: &Record, sniffed: Sniffed) -> Result<Vec<String>, ImportError> {
    if record.unterminated {
        return Err(ImportError::Header("has a quote that never closes".into()));
    }
    if record.oversized.is_some() {
        return Err(ImportError::Header(format!(
            "has a name longer than {} KiB",
            MAX_CELL_BYTES / 1024
        )));
    }
    (0..record.len())
        .map(|i| {
            let raw = record.get(i).unwrap_or_default();
            let text = sniffed.encoding.decode(raw).ok_or_else(|| {
                ImportError::Header(format!(
                    "is not valid UTF-8 in column {}; import with the windows-1252 encoding",
                    i + 1
                ))
            })?;
            Ok(text.trim().trim_start_matches('\u{FEFF}').trim().to_owned())
        })
        .collect()
}
