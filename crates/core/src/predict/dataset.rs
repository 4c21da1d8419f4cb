//! The training table: raw text cells per column, one converted / not-converted label per row.
//!
//! Cells are stored dictionary-encoded (each column keeps its distinct values once and a
//! `u32` code per row), because lead tables repeat themselves: a 100,000-row file has a few
//! dozen sources and countries, and even its numeric columns repeat. Deciding whether a
//! value is missing, or a number, then happens once per distinct value, not once per cell.

use std::collections::{BTreeMap, HashMap};

use crate::import::compact;

/// The code of a missing cell.
pub(crate) const MISSING: u32 = u32::MAX;

/// At most this many row problems are kept (all are counted): a file whose every row is
/// broken should not cost memory per row to say so.
const MAX_PROBLEMS: usize = 1000;

/// True when a cell holds no answer: empty, only punctuation (`-`, `--`, `?`), or a
/// placeholder a form or a spreadsheet leaves behind (`Select`, `Please select`, `N/A`,
/// `null`, `NaN`, `#N/A`). Such cells are missing values, never a category of their own
/// spelling.
pub fn is_missing(cell: &str) -> bool {
    let v = cell.trim();
    if v.len() > 24 {
        return false;
    }
    matches!(
        compact(v).as_str(),
        "" | "select"
            | "pleaseselect"
            | "selectone"
            | "selectanoption"
            | "na"
            | "null"
            | "nan"
            | "nil"
    )
}

/// Numbers beyond this size are ids, phone numbers or junk, not quantities; they would
/// also overflow the sums of squares that standardisation takes.
const MAX_MAGNITUDE: f64 = 1e15;

/// A number as a person or a spreadsheet writes it; `None` for text, infinities, NaN and
/// magnitudes above 10^15.
pub(crate) fn parse_number(cell: &str) -> Option<f64> {
    let v = cell.trim();
    // `str::parse` accepts "inf" and "nan"; a lead table means text by those.
    if !v.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) {
        return None;
    }
    v.parse::<f64>().ok().filter(|x| x.abs() <= MAX_MAGNITUDE)
}

/// Anything that gives a value for a column name: a lead's fields, a CSV row as a map.
pub trait Record {
    /// The cell of `column`, if the record has one.
    fn value(&self, column: &str) -> Option<&str>;
}

impl Record for BTreeMap<String, String> {
    fn value(&self, column: &str) -> Option<&str> {
        self.get(column).map(String::as_str)
    }
}

impl Record for HashMap<String, String> {
    fn value(&self, column: &str) -> Option<&str> {
        self.get(column).map(String::as_str)
    }
}

impl Record for [(&str, &str)] {
    fn value(&self, column: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == column).map(|(_, v)| *v)
    }
}

/// One row that was left out, and why: the line in the file (or the record's position,
/// 1-based, for records) and the column at fault.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("line {line}{}: {reason}", column.as_ref().map(|c| format!(", column {c:?}")).unwrap_or_default())]
pub struct RowProblem {
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

/// How a label cell reads as converted or not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LabelRule {
    /// `1`/`0`, `yes`/`no`, `y`/`n`, `true`/`false` in any case.
    #[default]
    Binary,
    /// This value (any case) is converted; every other answered value is not.
    Positive(String),
}

impl LabelRule {
    /// The label of a cell, or what was expected instead.
    pub fn parse(&self, cell: &str) -> Result<bool, String> {
        if is_missing(cell) {
            return Err("the label is missing; the row was skipped".into());
        }
        let v = cell.trim();
        match self {
            LabelRule::Positive(p) => Ok(v.to_lowercase() == p.trim().to_lowercase()),
            LabelRule::Binary => match v.to_ascii_lowercase().as_str() {
                "1" | "1.0" | "yes" | "y" | "true" | "t" => Ok(true),
                "0" | "0.0" | "no" | "n" | "false" | "f" => Ok(false),
                _ => Err(format!(
                    "expected a label of 0/1, yes/no or true/false, found {} characters of \
                     other text; pass --positive VALUE to say which value means converted; \
                     the row was skipped",
                    v.chars().count()
                )),
            },
        }
    }
}

/// One column, dictionary-encoded.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub name: String,
    /// Distinct answered values, trimmed, in order of first appearance.
    pub values: Vec<String>,
    /// Each distinct value as a number, when it is one.
    pub numbers: Vec<Option<f64>>,
    /// Trimmed cell text to code; placeholders map to [`MISSING`].
    index: HashMap<String, u32>,
    /// One code per row.
    pub codes: Vec<u32>,
}

impl Column {
    pub fn new(name: String) -> Column {
        Column {
            name,
            values: Vec::new(),
            numbers: Vec::new(),
            index: HashMap::new(),
            codes: Vec::new(),
        }
    }

    /// Appends one cell.
    pub fn push(&mut self, cell: &str) {
        let v = cell.trim();
        let code = match self.index.get(v) {
            Some(&c) => c,
            None => {
                let code = if is_missing(v) {
                    MISSING
                } else {
                    self.values.push(v.to_owned());
                    self.numbers.push(parse_number(v));
                    (self.values.len() - 1) as u32
                };
                self.index.insert(v.to_owned(), code);
                code
            }
        };
        self.codes.push(code);
    }
}

/// Rows of leads with a label each, ready for [`super::cross_validate`] and [`super::train`].
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub(crate) columns: Vec<Column>,
    pub(crate) labels: Vec<bool>,
    problems: Vec<RowProblem>,
    skipped: usize,
}

impl Dataset {
    /// A dataset from records and their outcomes: how the store feeds leads from the
    /// database. Each record is any set of `(column, value)` pairs (a `BTreeMap<String,
    /// String>` of a lead's fields, say); a column absent from a record is missing there, and
    /// placeholder values count as missing as in a file. Labels are already booleans, so no
    /// row is skipped.
    pub fn from_records<I, R, K, V>(rows: I) -> Dataset
    where
        I: IntoIterator<Item = (R, bool)>,
        R: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut data = Dataset::default();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut cells: Vec<Option<V>> = Vec::new();
        for (record, label) in rows {
            cells.clear();
            cells.resize_with(data.columns.len(), || None);
            for (k, v) in record {
                let name = k.as_ref().trim();
                let i = match by_name.get(name) {
                    Some(&i) => i,
                    None => {
                        // A column first seen now was missing from every earlier row.
                        let mut column = Column::new(name.to_owned());
                        column.codes = vec![MISSING; data.labels.len()];
                        data.columns.push(column);
                        cells.push(None);
                        by_name.insert(name.to_owned(), data.columns.len() - 1);
                        data.columns.len() - 1
                    }
                };
                cells[i] = Some(v);
            }
            for (column, cell) in data.columns.iter_mut().zip(&cells) {
                column.push(cell.as_ref().map_or("", AsRef::as_ref));
            }
            data.labels.push(label);
        }
        data
    }

    pub(crate) fn with_columns(names: Vec<String>) -> Dataset {
        Dataset {
            columns: names.into_iter().map(Column::new).collect(),
            ..Dataset::default()
        }
    }

    pub(crate) fn skip(&mut self, problem: RowProblem) {
        self.skipped += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem);
        }
    }

    /// Rows kept (with a label).
    pub fn rows(&self) -> usize {
        self.labels.len()
    }

    /// Rows labelled converted.
    pub fn positives(&self) -> usize {
        self.labels.iter().filter(|&&y| y).count()
    }

    /// Rows labelled not converted.
    pub fn negatives(&self) -> usize {
        self.rows() - self.positives()
    }

    /// The feature columns (label and excluded columns are not among them).
    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }

    /// The rows left out, with line and reason (the first 1,000 of them).
    pub fn problems(&self) -> &[RowProblem] {
        &self.problems
    }

    /// How many rows were left out in all.
    pub fn skipped_rows(&self) -> usize {
        self.skipped
    }

    /// The labels, one per kept row.
    pub fn labels(&self) -> &[bool] {
        &self.labels
    }
}
