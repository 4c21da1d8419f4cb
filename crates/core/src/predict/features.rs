//! Deciding what each column becomes in the model, from the training rows alone.
//!
//! People should not have to know that `TotalVisits` needs a log scale or that a lead's
//! recency matters non-linearly, so the trainer decides per column:
//!
//! * **numeric** when at least [`TrainOptions::numeric_share`] of its answered cells are
//!   numbers (the rest count as missing): a missing-value indicator when any is missing,
//!   the median in its place, `log1p` (signed for negative values) when the distribution is
//!   heavy-tailed, then a linear term plus a restricted cubic spline (Harrell's natural
//!   spline, linear beyond its outer knots, so extreme values do not swing the score), all
//!   standardised;
//! * **categorical** otherwise: values trimmed and case-folded (`Google` = `google`),
//!   levels seen fewer than [`TrainOptions::min_level_count`] times merged into "other",
//!   missing as a level of its own (whether a field was answered often says a lot);
//! * **dropped**, with a note, when empty, constant, or an id (every value different).
//!
//! The result, a [`FeatureSpec`], is stored in the model so a lead is scored exactly the
//! way the training rows were encoded.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::dataset::{Column, Dataset, MISSING};
use super::numeric::{numeric, spline};
use super::{PredictError, TrainOptions};

/// How every column is encoded, learnt from training rows. Terms are laid out numeric
/// columns first (dense), then the levels of categorical columns, in column order; the
/// model's coefficients follow that order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub columns: Vec<ColumnSpec>,
    /// Columns left out and why, for people reading a report.
    pub notes: Vec<String>,
}

/// One column's encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnSpec {
    Numeric(NumericSpec),
    Categorical(CategoricalSpec),
}

/// A numeric column: imputation, scale, spline knots and standardisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericSpec {
    pub column: String,
    /// Replaces a missing value (raw scale).
    pub median: f64,
    /// The smallest and largest training value: a value outside is scored as the nearest
    /// end, since nothing was learnt about what lies beyond.
    pub range: [f64; 2],
    pub transform: Transform,
    /// Spline knots on the transformed scale; fewer than 3 means linear only.
    pub knots: Vec<f64>,
    /// Mean and standard deviation of each value term (linear, then spline terms).
    pub shift: Vec<f64>,
    pub scale: Vec<f64>,
    /// Share of training rows where the value was missing, when there were any: the
    /// column then has a 0/1 missing indicator term, centred on this share.
    pub missing_share: Option<f64>,
}

/// A monotone rescaling applied before the spline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    Identity,
    /// `ln(1 + x)` for heavy-tailed non-negative columns (visits, page views, revenue).
    Log1p,
    /// `sign(x) ln(1 + |x|)` for heavy-tailed columns with negative values.
    SignedLog1p,
}

impl Transform {
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Transform::Identity => x,
            Transform::Log1p => x.max(0.0).ln_1p(),
            Transform::SignedLog1p => x.signum() * x.abs().ln_1p(),
        }
    }
}

/// A categorical column: its levels, each a 0/1 term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalSpec {
    pub column: String,
    pub levels: Vec<Level>,
}

/// One level and the share of training rows in it (its term's mean, the centre that
/// contributions are measured from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    #[serde(flatten)]
    pub kind: LevelKind,
    pub share: f64,
}

/// What a level stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum LevelKind {
    /// A value; `key` is the folded form matched against, `label` the most common spelling.
    Value { key: String, label: String },
    /// Values too rare to learn from on their own, and values never seen in training.
    Other,
    /// No answer.
    Missing,
}

/// The folded form categories are compared in: trimmed, inner spaces collapsed, lower case.
pub fn fold(value: &str) -> String {
    value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl NumericSpec {
    /// Terms before standardisation: linear, then spline.
    pub(crate) fn raw_terms(&self, t: f64, out: &mut Vec<f64>) {
        out.push(t);
        spline(t, &self.knots, out);
    }

    /// Appends this column's standardised terms for a raw value (`None`: missing).
    pub fn terms(&self, raw: Option<f64>, out: &mut Vec<f64>) {
        let start = out.len();
        let x = raw
            .unwrap_or(self.median)
            .clamp(self.range[0], self.range[1]);
        let t = self.transform.apply(x);
        self.raw_terms(t, out);
        for (k, x) in out[start..].iter_mut().enumerate() {
            *x = (*x - self.shift[k]) / self.scale[k];
        }
        if self.missing_share.is_some() {
            out.push(if raw.is_none() { 1.0 } else { 0.0 });
        }
    }

    /// Number of terms.
    pub fn term_count(&self) -> usize {
        1 + self.knots.len().saturating_sub(2) + usize::from(self.missing_share.is_some())
    }

    /// Each term's mean over the training rows (0 when standardised).
    pub fn centres(&self) -> impl Iterator<Item = f64> + '_ {
        let values = std::iter::repeat_n(0.0, self.shift.len());
        values.chain(self.missing_share)
    }
}

impl ColumnSpec {
    pub fn column(&self) -> &str {
        match self {
            ColumnSpec::Numeric(n) => &n.column,
            ColumnSpec::Categorical(c) => &c.column,
        }
    }
}

impl FeatureSpec {
    /// Dense (numeric) terms, intercept excluded.
    pub fn dense_len(&self) -> usize {
        self.numeric().map(NumericSpec::term_count).sum()
    }

    /// All terms, intercept excluded: the length of the model's coefficients.
    pub fn term_count(&self) -> usize {
        self.dense_len() + self.categorical().map(|c| c.levels.len()).sum::<usize>()
    }

    pub fn numeric(&self) -> impl Iterator<Item = &NumericSpec> {
        self.columns.iter().filter_map(|c| match c {
            ColumnSpec::Numeric(n) => Some(n),
            ColumnSpec::Categorical(_) => None,
        })
    }

    /// One line per column saying how it is used, for reports.
    pub fn summary(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| match c {
                ColumnSpec::Numeric(n) => {
                    let scale = match n.transform {
                        Transform::Identity => "",
                        Transform::Log1p => ", log scale",
                        Transform::SignedLog1p => ", signed log scale",
                    };
                    let curve = match n.knots.len() {
                        0 => String::from(", linear"),
                        k => format!(", spline with {k} knots"),
                    };
                    let missing = n
                        .missing_share
                        .map(|s| format!(", {:.1} % missing", 100.0 * s))
                        .unwrap_or_default();
                    format!("{}: numeric{scale}{curve}{missing}", n.column)
                }
                ColumnSpec::Categorical(c) => {
                    format!("{}: categorical, {} levels", c.column, c.levels.len())
                }
            })
            .collect()
    }

    pub fn categorical(&self) -> impl Iterator<Item = &CategoricalSpec> {
        self.columns.iter().filter_map(|c| match c {
            ColumnSpec::Categorical(c) => Some(c),
            ColumnSpec::Numeric(_) => None,
        })
    }
}

/// Learns the encoding of every column of `data` from the rows `rows` (a training fold).
pub(crate) fn analyse(
    data: &Dataset,
    rows: &[usize],
    options: &TrainOptions,
) -> Result<FeatureSpec, PredictError> {
    let mut spec = FeatureSpec {
        columns: Vec::new(),
        notes: Vec::new(),
    };
    for column in &data.columns {
        let mut counts = vec![0usize; column.values.len()];
        let mut missing = 0usize;
        for &r in rows {
            match column.codes[r] {
                MISSING => missing += 1,
                c => counts[c as usize] += 1,
            }
        }
        let answered = rows.len() - missing;
        let name = &column.name;
        if answered == 0 {
            spec.notes.push(format!("{name}: dropped, never answered"));
            continue;
        }
        let numbers: usize = (0..counts.len())
            .filter(|&c| column.numbers[c].is_some())
            .map(|c| counts[c])
            .sum();
        let found = if numbers as f64 >= options.numeric_share * answered as f64 {
            numeric(column, &counts, rows.len(), options).map(ColumnSpec::Numeric)
        } else {
            categorical(column, &counts, rows.len(), options).map(ColumnSpec::Categorical)
        };
        match found {
            Ok(c) => spec.columns.push(c),
            Err(why) => spec.notes.push(format!("{name}: dropped, {why}")),
        }
    }
    if spec.columns.is_empty() {
        return Err(PredictError::NoFeatures { notes: spec.notes });
    }
    Ok(spec)
}

fn categorical(
    column: &Column,
    counts: &[usize],
    rows: usize,
    options: &TrainOptions,
) -> Result<CategoricalSpec, String> {
    // Folded key -> (rows, spelling -> rows).
    let mut keys: HashMap<String, (usize, HashMap<&str, usize>)> = HashMap::new();
    let mut answered = 0;
    for (c, &n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
        let entry = keys.entry(fold(&column.values[c])).or_default();
        entry.0 += n;
        *entry.1.entry(column.values[c].as_str()).or_default() += n;
        answered += n;
    }
    let missing = rows - answered;
    if keys.len() == answered && answered >= 20 {
        return Err("every value is different (an id?)".into());
    }
    let mut levels: Vec<(String, String, usize)> = Vec::new();
    let mut rare = 0;
    for (key, (n, spellings)) in keys {
        if n < options.min_level_count.max(1) {
            rare += n;
            continue;
        }
        let label = spellings
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
            .map_or_else(|| key.clone(), |(s, _)| s.to_owned());
        levels.push((key, label, n));
    }
    levels.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let share = |n: usize| n as f64 / rows as f64;
    let mut out: Vec<Level> = levels
        .into_iter()
        .map(|(key, label, n)| Level {
            kind: LevelKind::Value { key, label },
            share: share(n),
        })
        .collect();
    if rare > 0 {
        out.push(Level {
            kind: LevelKind::Other,
            share: share(rare),
        });
    }
    if missing > 0 {
        out.push(Level {
            kind: LevelKind::Missing,
            share: share(missing),
        });
    }
    if out.len() < 2 {
        return Err("every row has the same value".into());
    }
    Ok(CategoricalSpec {
        column: column.name.clone(),
        levels: out,
    })
}
