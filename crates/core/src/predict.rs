//! Predictive lead scoring: learn from past leads which ones convert, say how well that
//! works before anyone relies on it, and explain every score in the words of the data.
//!
//! The flow is the same whether the leads come from a CSV file (`leadline score --evaluate
//! FILE.csv`) or from the database (the store builds records and calls
//! [`Dataset::from_records`]):
//!
//! 1. A [`Dataset`] holds raw text cells and a converted / not-converted label per row.
//!    Placeholder answers (`Select`, `N/A`, `null`, `-`, empty) are missing values.
//! 2. [`cross_validate`] measures the trainer with stratified k-fold cross-validation:
//!    ROC AUC, log loss, Brier score, calibration error, a reliability table and lift by
//!    decile ([`Evaluation`]). Nothing is tuned on the folds it is scored on.
//! 3. [`train`] fits on every row and returns a serialisable [`Model`] whose
//!    [`Model::predict`] gives a probability and the factors behind it.
//!
//! The trainer decides the feature transforms itself ([`features`]): numeric or categorical
//! columns, missing-value indicators, log scales for heavy tails, restricted cubic splines
//! for non-linear effects such as recency, rare categories merged. The model is an
//! L2-regularised logistic regression fitted by Newton's method: a few dozen to a few
//! hundred terms, so an exact solve is both fast and deterministic. On tables of up to
//! 20,000 rows the penalty is chosen by approximate leave-one-out log loss.
//!
//! Below a minimum number of outcomes of each kind, training refuses with
//! [`PredictError::TooFewOutcomes`] rather than produce a confident-looking score from noise.
//!
//! ```
//! use std::collections::BTreeMap;
//! use leadline_core::predict::{Dataset, TrainOptions, train};
//!
//! let rows = (0..200).map(|i| {
//!     let source = if i % 3 == 0 { "Referral" } else { "Ads" };
//!     let record = BTreeMap::from([("Source".to_owned(), source.to_owned())]);
//!     (record, i % 3 == 0 && i % 2 == 0 || i % 7 == 0)
//! });
//! let data = Dataset::from_records(rows);
//! let model = train(&data, &TrainOptions::default(), 1_790_000_000_000)?;
//! let lead = BTreeMap::from([("Source".to_owned(), "referral".to_owned())]);
//! let p = model.predict(&lead);
//! assert!(p.probability_0_to_100 > 30.0);
//! assert_eq!(p.top_factors[0].description, "Source = Referral");
//! # Ok::<(), leadline_core::predict::PredictError>(())
//! ```

mod csv;
mod cv;
mod dataset;
mod design;
pub mod features;
mod logistic;
pub mod metrics;
mod model;
mod numeric;
mod select;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

pub use csv::CsvOptions;
pub use cv::{CvOptions, Evaluation, cross_validate, stratified_folds};
pub use dataset::{Dataset, LabelRule, Record, RowProblem, is_missing};
pub use features::FeatureSpec;
pub use metrics::{LiftRow, Metrics, ReliabilityRow};
pub use model::{Factor, MODEL_VERSION, Model, Prediction, train};

use serde::{Deserialize, Serialize};

/// Why a dataset could not be read or a model could not be trained. Row-level problems
/// (an unreadable label on line 12) are [`RowProblem`]s instead: those rows are skipped.
#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    #[error("could not read the file: {0}")]
    Read(#[from] std::io::Error),
    #[error("the file is empty: expected a header row naming the columns, then one row per lead")]
    Empty,
    #[error("the header row {0}")]
    Header(String),
    #[error("there is no column {column:?} for the label; the columns are: {}", list(.columns))]
    NoLabelColumn {
        column: String,
        columns: Vec<String>,
    },
    #[error("--exclude {column:?}: there is no such column; the columns are: {}", list(.columns))]
    UnknownColumn {
        column: String,
        columns: Vec<String>,
    },
    #[error(
        "too few outcomes to learn from: {positives} converted and {negatives} not converted, \
         but training needs at least {min_positives} converted and {min_negatives} not \
         converted; add more labelled leads"
    )]
    TooFewOutcomes {
        positives: usize,
        negatives: usize,
        min_positives: usize,
        min_negatives: usize,
    },
    #[error(
        "{folds}-fold cross-validation needs at least {folds} leads of each outcome \
         ({positives} converted, {negatives} not); use fewer folds"
    )]
    TooFewForFolds {
        folds: usize,
        positives: usize,
        negatives: usize,
    },
    #[error(
        "no usable feature columns: every column is excluded, empty, constant or an id \
         ({})", list(.notes)
    )]
    NoFeatures { notes: Vec<String> },
    #[error("invalid option: {0}")]
    Option(String),
    #[error("the model file is not usable: {0}")]
    BadModel(String),
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "(none)".into();
    }
    items
        .iter()
        .map(|c| format!("{c:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How the trainer builds features and fits. The defaults suit lead tables from a few
/// hundred to a few hundred thousand rows; they are stored in the model for the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainOptions {
    /// L2 penalty on every coefficient but the intercept, on standardised features
    /// (`1.0` is scikit-learn's `C = 1`). More shrinks harder; must be positive. Used as
    /// is when `choose_l2` is off or the data is large.
    pub l2: f64,
    /// Pick the penalty from a grid (0.1 to 10) by approximate leave-one-out log loss,
    /// for up to 50,000 rows. Small tables gain from the right amount of shrinkage; on
    /// large ones the penalty hardly matters and the choice would only cost time.
    pub choose_l2: bool,
    /// Fewest converted leads training accepts.
    pub min_positives: usize,
    /// Fewest not-converted leads training accepts.
    pub min_negatives: usize,
    /// Categories seen fewer times than this are merged into one "other" level: a level
    /// seen three times teaches nothing but noise.
    pub min_level_count: usize,
    /// Share of answered cells that must parse as numbers for a column to be numeric.
    pub numeric_share: f64,
    /// Knots of the restricted cubic spline per numeric column (0 or below 3: linear only).
    pub spline_knots: usize,
    /// How many factors a prediction lists.
    pub top_factors: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            l2: 1.0,
            choose_l2: true,
            min_positives: 30,
            min_negatives: 30,
            min_level_count: 10,
            numeric_share: 0.95,
            spline_knots: 5,
            top_factors: 5,
        }
    }
}

impl TrainOptions {
    /// Refuses options that would make the fit meaningless (a zero or negative penalty
    /// leaves separable data without a solution).
    pub fn check(&self) -> Result<(), PredictError> {
        if !(self.l2.is_finite() && self.l2 > 0.0) {
            return Err(PredictError::Option(format!(
                "l2 must be a positive number, not {}",
                self.l2
            )));
        }
        if !(self.numeric_share > 0.0 && self.numeric_share <= 1.0) {
            return Err(PredictError::Option(format!(
                "numeric_share must be in (0, 1], not {}",
                self.numeric_share
            )));
        }
        Ok(())
    }
}
