//! The design matrix: rows of a dataset encoded by a [`FeatureSpec`].
//!
//! Numeric terms are stored dense, row by row, behind a leading 1 for the intercept.
//! Categorical columns are stored as the index of the one level each row is in, never as
//! one-hot zeros: a row of four categorical columns with 40 levels between them costs four
//! integers, and the fit touches four coefficients for them.

use std::collections::HashMap;

use super::dataset::{Column, Dataset, MISSING};
use super::features::{CategoricalSpec, ColumnSpec, FeatureSpec, LevelKind, fold};

/// No level: a value never seen in training in a column without an "other" level.
pub(crate) const NO_LEVEL: u32 = u32::MAX;

/// Encoded rows.
#[derive(Debug, Clone)]
pub(crate) struct Design {
    pub rows: usize,
    /// Dense width: 1 (intercept) + numeric terms.
    pub width: usize,
    pub dense: Vec<f64>,
    /// Categorical columns per row.
    pub cat_cols: usize,
    /// Global term index (in `0..terms`) of each row's level per categorical column.
    pub cats: Vec<u32>,
    /// Intercept + every term.
    pub terms: usize,
}

impl Design {
    pub fn dense_row(&self, r: usize) -> &[f64] {
        &self.dense[r * self.width..(r + 1) * self.width]
    }

    pub fn cat_row(&self, r: usize) -> &[u32] {
        &self.cats[r * self.cat_cols..(r + 1) * self.cat_cols]
    }

    /// Encodes `rows` of `data`. Each column's encoding is worked out once per distinct
    /// value, then copied per row.
    pub fn build(spec: &FeatureSpec, data: &Dataset, rows: &[usize]) -> Design {
        let by_name: HashMap<&str, &Column> =
            data.columns.iter().map(|c| (c.name.as_str(), c)).collect();
        let width = 1 + spec.dense_len();
        let cat_cols = spec.categorical().count();
        let mut dense = vec![0.0; rows.len() * width];
        let mut cats = vec![NO_LEVEL; rows.len() * cat_cols];
        for r in 0..rows.len() {
            dense[r * width] = 1.0;
        }
        let (mut offset, mut cat_col) = (1usize, 0usize);
        let mut level_base = width;
        let mut buf = Vec::new();
        for c in &spec.columns {
            let column = by_name.get(c.column()).copied();
            match c {
                ColumnSpec::Numeric(n) => {
                    let len = n.term_count();
                    // Row `values.len()` of the table is the missing value.
                    let distinct = column.map_or(0, |col| col.values.len());
                    let mut table = Vec::with_capacity((distinct + 1) * len);
                    for code in 0..=distinct {
                        let raw = column.and_then(|col| col.numbers.get(code).copied().flatten());
                        buf.clear();
                        n.terms(raw, &mut buf);
                        table.extend_from_slice(&buf);
                    }
                    for (r, &row) in rows.iter().enumerate() {
                        let code = column.map_or(MISSING, |col| col.codes[row]);
                        let at = if code == MISSING {
                            distinct
                        } else {
                            code as usize
                        };
                        dense[r * width + offset..r * width + offset + len]
                            .copy_from_slice(&table[at * len..(at + 1) * len]);
                    }
                    offset += len;
                }
                ColumnSpec::Categorical(s) => {
                    let lookup = Levels::new(s);
                    let table: Vec<u32> = column.map_or_else(Vec::new, |col| {
                        col.values.iter().map(|v| lookup.level(Some(v))).collect()
                    });
                    let missing = lookup.level(None);
                    for (r, &row) in rows.iter().enumerate() {
                        let code = column.map_or(MISSING, |col| col.codes[row]);
                        let level = if code == MISSING {
                            missing
                        } else {
                            table[code as usize]
                        };
                        cats[r * cat_cols + cat_col] = if level == NO_LEVEL {
                            NO_LEVEL
                        } else {
                            (level_base + level as usize) as u32
                        };
                    }
                    level_base += s.levels.len();
                    cat_col += 1;
                }
            }
        }
        Design {
            rows: rows.len(),
            width,
            dense,
            cat_cols,
            cats,
            terms: level_base,
        }
    }
}

/// Finds a value's level in a categorical column.
pub(crate) struct Levels<'a> {
    keys: HashMap<&'a str, u32>,
    other: u32,
    missing: u32,
}

impl<'a> Levels<'a> {
    pub fn new(spec: &'a CategoricalSpec) -> Levels<'a> {
        let mut levels = Levels {
            keys: HashMap::new(),
            other: NO_LEVEL,
            missing: NO_LEVEL,
        };
        for (i, level) in spec.levels.iter().enumerate() {
            match &level.kind {
                LevelKind::Value { key, .. } => {
                    levels.keys.insert(key.as_str(), i as u32);
                }
                LevelKind::Other => levels.other = i as u32,
                LevelKind::Missing => levels.missing = i as u32,
            }
        }
        levels
    }

    /// The level index of an answered value (`Some`) or of a missing one (`None`); a
    /// missing value in a column that never missed in training counts as "other".
    pub fn level(&self, value: Option<&str>) -> u32 {
        match value {
            Some(v) => self
                .keys
                .get(fold(v).as_str())
                .copied()
                .unwrap_or(self.other),
            None if self.missing != NO_LEVEL => self.missing,
            None => self.other,
        }
    }
}
