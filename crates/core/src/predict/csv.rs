//! Reading a labelled CSV file into a [`Dataset`], the way `leadline import` reads lists:
//! the encoding and delimiter are sniffed, the record reader is the importer's (it knows
//! physical line numbers and survives broken quotes), and a bad row is reported and
//! skipped, never fatal.

use std::borrow::Cow;
use std::io::{Cursor, Read};

use super::PredictError;
use super::dataset::{Dataset, LabelRule, RowProblem};
use crate::import::records::{Record, RecordReader};
use crate::import::{Encoding, MAX_CELL_BYTES, compact, sniff};

/// What to read from a file: which column is the label and how it reads, which columns
/// to leave out, and overrides of what sniffing decides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// The label column's header (matched exactly, else ignoring case and punctuation).
    pub label: String,
    /// How label cells read; the default takes 0/1, yes/no and true/false.
    pub rule: LabelRule,
    /// Columns that must not be features: ids, and anything filled in after the outcome.
    pub exclude: Vec<String>,
    pub encoding: Option<Encoding>,
    pub delimiter: Option<u8>,
}

impl Dataset {
    /// Reads a labelled CSV file. Fails only when the file cannot be used at all (no
    /// header, no label column, an unknown `exclude` column); a row with a missing or
    /// unreadable label, a wrong number of values or a broken quote is skipped and listed
    /// in [`Dataset::problems`] with its line and column.
    pub fn from_csv<R: Read>(mut input: R, options: &CsvOptions) -> Result<Dataset, PredictError> {
        let head =
            sniff::read_head(&mut input, options.encoding, options.delimiter)?.map_err(|d| {
                PredictError::Option(format!(
                    "delimiter {:?} cannot be used: choose one of , ; tab |",
                    char::from(d)
                ))
            })?;
        let (sample, sniffed) = (head.sample, head.sniffed);
        let stream = Cursor::new(sample).chain(input);
        let mut reader = RecordReader::new(stream, sniffed.delimiter, MAX_CELL_BYTES);
        let mut record = Record::default();
        if !reader.read_record(&mut record)? {
            return Err(PredictError::Empty);
        }
        let header = header(&record, sniffed.encoding)?;
        let label = find(&header, &options.label).ok_or_else(|| PredictError::NoLabelColumn {
            column: options.label.clone(),
            columns: header.clone(),
        })?;
        let mut keep = vec![true; header.len()];
        keep[label] = false;
        for name in &options.exclude {
            let i = find(&header, name).ok_or_else(|| PredictError::UnknownColumn {
                column: name.clone(),
                columns: header.clone(),
            })?;
            keep[i] = false;
        }
        let kept: Vec<usize> = (0..header.len()).filter(|&i| keep[i]).collect();
        let mut data = Dataset::with_columns(kept.iter().map(|&i| header[i].clone()).collect());
        let reading = Reading {
            header: &header,
            label,
            kept: &kept,
            rule: &options.rule,
            encoding: sniffed.encoding,
        };
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    data.skip(RowProblem {
                        line: reader.line(),
                        column: None,
                        reason: format!("could not read the rest of the file: {e}"),
                    });
                    break;
                }
            }
            let mut cells: Vec<Cow<'_, str>> = Vec::with_capacity(kept.len());
            match reading.row(&record, &mut cells) {
                Ok(y) => {
                    for (column, cell) in data.columns.iter_mut().zip(&cells) {
                        column.push(cell);
                    }
                    data.labels.push(y);
                }
                Err(problem) => data.skip(problem),
            }
            if record.unterminated {
                break; // the rest of the file was swallowed by the open quote
            }
        }
        Ok(data)
    }
}

/// What reading one row needs to know.
struct Reading<'a> {
    header: &'a [String],
    label: usize,
    kept: &'a [usize],
    rule: &'a LabelRule,
    encoding: Encoding,
}

impl Reading<'_> {
    /// The label of a record and its kept cells (into `cells`), or why the row is skipped.
    fn row<'r>(&self, rec: &'r Record, cells: &mut Vec<Cow<'r, str>>) -> Result<bool, RowProblem> {
        let problem = |column: Option<usize>, reason: String| RowProblem {
            line: rec.line,
            column: column.map(|i| self.header[i].clone()),
            reason,
        };
        if rec.unterminated {
            return Err(problem(
                None,
                format!(
                    "a quoted value starts in this row and never closes, so the rest of the \
                     file (to line {}) was read as one value; close the quote and run again",
                    rec.end_line
                ),
            ));
        }
        if let Some(i) = rec.oversized {
            let reason = format!("value is longer than {} KiB", MAX_CELL_BYTES / 1024);
            return Err(problem(Some(i).filter(|&i| i < self.header.len()), reason));
        }
        let (n, m) = (rec.len(), self.header.len());
        let blank_extra = (m..n).all(|i| rec.get(i).is_some_and(|v| v.trim_ascii().is_empty()));
        if rec.too_large || n < m || !blank_extra {
            return Err(problem(
                None,
                format!(
                    "row has {n} values but the header has {m} columns; check for an \
                     unquoted delimiter in a value"
                ),
            ));
        }
        let text = |i: usize| {
            self.encoding
                .decode(rec.get(i).unwrap_or_default())
                .ok_or_else(|| {
                    problem(
                        Some(i),
                        "value is not valid UTF-8; if Excel saved the file as plain CSV, read it \
                     as windows-1252"
                            .into(),
                    )
                })
        };
        let y = self
            .rule
            .parse(&text(self.label)?)
            .map_err(|reason| problem(Some(self.label), reason))?;
        for &i in self.kept {
            cells.push(text(i)?);
        }
        Ok(y)
    }
}

/// The header's names, trimmed; blank names become `column N` and repeated names get
/// ` (2)`, ` (3)`, so every column can be named in messages and models.
fn header(record: &Record, encoding: Encoding) -> Result<Vec<String>, PredictError> {
    if record.unterminated {
        return Err(PredictError::Header("has a quote that never closes".into()));
    }
    let mut names: Vec<String> = Vec::with_capacity(record.len());
    for i in 0..record.len() {
        let raw = record.get(i).unwrap_or_default();
        let text = encoding.decode(raw).ok_or_else(|| {
            PredictError::Header(format!(
                "is not valid UTF-8 in column {}; read the file as windows-1252",
                i + 1
            ))
        })?;
        let mut name = text.trim().trim_start_matches('\u{FEFF}').trim().to_owned();
        if name.is_empty() {
            name = format!("column {}", i + 1);
        }
        let base = name.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base} ({k})");
            k += 1;
        }
        names.push(name);
    }
    Ok(names)
}

/// The column a person means: the exact header, else the one header equal to it ignoring
/// case, spaces and punctuation (`--label converted` finds `Converted`).
fn find(header: &[String], wanted: &str) -> Option<usize> {
    let wanted = wanted.trim();
    if let Some(i) = header.iter().position(|h| h == wanted) {
        return Some(i);
    }
    let key = compact(wanted);
    let mut matches = header.iter().enumerate().filter(|(_, h)| compact(h) == key);
    match (matches.next(), matches.next()) {
        (Some((i, _)), None) if !key.is_empty() => Some(i),
        _ => None,
    }
}
