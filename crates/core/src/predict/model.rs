//! The trained model: everything needed to score a lead and explain the score, as JSON.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::cv::{Evaluation, check_outcomes, fit_rows, probabilities};
use super::dataset::{Dataset, Record, is_missing, parse_number};
use super::design::{Levels, NO_LEVEL};
use super::features::{ColumnSpec, FeatureSpec, LevelKind};
use super::logistic::sigmoid;
use super::metrics::Metrics;
use super::{PredictError, TrainOptions};

/// The model file format this code writes and reads. A model of another version must be
/// retrained rather than misread.
pub const MODEL_VERSION: u32 = 1;

/// A fitted scoring model. `coefficients` follow the term order of `features` (numeric
/// terms, then categorical levels); contributions are measured from the average training
/// lead, so "+2.1" means this answer moves the log-odds 2.1 above an average lead's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub version: u32,
    /// When it was trained (epoch ms; RFC 3339 in JSON).
    #[serde(with = "crate::time::ms")]
    pub created_at: i64,
    pub options: TrainOptions,
    /// The L2 penalty the fit used (chosen from a grid unless the options fix it).
    pub l2: f64,
    pub features: FeatureSpec,
    pub intercept: f64,
    pub coefficients: Vec<f64>,
    pub counts: Counts,
    /// Metrics on the training rows themselves (optimistic; see `cv`).
    pub training: Metrics,
    /// Cross-validated metrics, when the trainer was also evaluated.
    pub cv: Option<Evaluation>,
    /// Newton iterations the fit took, and whether it met its tolerance.
    pub iterations: usize,
    pub converged: bool,
}

/// How many rows the model learnt from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub rows: usize,
    pub positives: usize,
    pub negatives: usize,
    pub skipped_rows: usize,
}

/// A lead's score and what drove it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Probability of converting, in percent.
    pub probability_0_to_100: f64,
    /// The same on the log-odds scale, where factors add up.
    pub logit: f64,
    /// The columns that moved the score most, largest effect first.
    pub top_factors: Vec<Factor>,
}

/// One column's effect on a score, measured against an average lead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    /// `Lead Origin = Lead Add Form`, `TotalVisits = 12`, `City: missing`.
    pub description: String,
    /// Change in log-odds.
    pub contribution: f64,
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:+.1}", self.description, self.contribution)
    }
}

/// Fits a model on every row of `data`. `created_at` (epoch ms) is recorded as given: the
/// core reads no clock. Fails with [`PredictError::TooFewOutcomes`] below the options' minimum.
pub fn train(
    data: &Dataset,
    options: &TrainOptions,
    created_at: i64,
) -> Result<Model, PredictError> {
    check_outcomes(data, options)?;
    let rows: Vec<usize> = (0..data.rows()).collect();
    let (features, fitted) = fit_rows(data, &rows, options)?;
    let training = Metrics::of(
        &probabilities(&features, &fitted.beta, data, &rows),
        &data.labels,
    );
    Ok(Model {
        version: MODEL_VERSION,
        created_at,
        options: options.clone(),
        l2: fitted.l2,
        features,
        intercept: fitted.beta[0],
        coefficients: fitted.beta[1..].to_vec(),
        counts: Counts {
            rows: data.rows(),
            positives: data.positives(),
            negatives: data.negatives(),
            skipped_rows: data.skipped_rows(),
        },
        training,
        cv: None,
        iterations: fitted.iterations,
        converged: fitted.converged,
    })
}

impl Model {
    /// Scores one lead. Columns the record lacks count as missing, values never seen in
    /// training as "other"; a score is always produced.
    pub fn predict<R: Record + ?Sized>(&self, record: &R) -> Prediction {
        let mut logit = self.intercept;
        let mut factors = Vec::with_capacity(self.features.columns.len());
        let (mut dense, mut cat) = (0, self.features.dense_len());
        let mut terms = Vec::new();
        for column in &self.features.columns {
            let name = column.column();
            let raw = record.value(name).map(str::trim).filter(|v| !is_missing(v));
            let (z, contribution, description) = match column {
                ColumnSpec::Numeric(n) => {
                    let number = raw.and_then(parse_number);
                    terms.clear();
                    n.terms(number, &mut terms);
                    let beta = &self.coefficients[dense..dense + n.term_count()];
                    dense += n.term_count();
                    let z: f64 = beta.iter().zip(&terms).map(|(b, x)| b * x).sum();
                    let centre: f64 = beta.iter().zip(n.centres()).map(|(b, c)| b * c).sum();
                    let description = match (raw, number) {
                        (Some(v), Some(_)) => format!("{name} = {v}"),
                        (Some(v), None) => {
                            format!("{name} = {v} (not a number, counted as missing)")
                        }
                        (None, _) => format!("{name}: missing"),
                    };
                    (z, z - centre, description)
                }
                ColumnSpec::Categorical(s) => {
                    let beta = &self.coefficients[cat..cat + s.levels.len()];
                    cat += s.levels.len();
                    let level = Levels::new(s).level(raw);
                    let z = if level == NO_LEVEL {
                        0.0
                    } else {
                        beta[level as usize]
                    };
                    let centre: f64 = beta.iter().zip(&s.levels).map(|(b, l)| b * l.share).sum();
                    let kind = s.levels.get(level as usize).map(|l| &l.kind);
                    let description = match (kind, raw) {
                        (Some(LevelKind::Value { label, .. }), _) => format!("{name} = {label}"),
                        (Some(LevelKind::Missing), _) | (_, None) => format!("{name}: missing"),
                        (Some(LevelKind::Other), Some(v)) => format!("{name} = {v} (rare value)"),
                        (None, Some(v)) => format!("{name} = {v} (not seen in training)"),
                    };
                    (z, z - centre, description)
                }
            };
            logit += z;
            factors.push(Factor {
                description,
                contribution,
            });
        }
        factors.retain(|f| f.contribution != 0.0);
        factors.sort_by(|a, b| {
            b.contribution
                .abs()
                .total_cmp(&a.contribution.abs())
                .then_with(|| a.description.cmp(&b.description))
        });
        factors.truncate(self.options.top_factors);
        Prediction {
            probability_0_to_100: 100.0 * sigmoid(logit),
            logit,
            top_factors: factors,
        }
    }

    /// The model as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Serialising plain structs of numbers and strings cannot fail; non-finite numbers
        // are written as null by serde_json rather than failing.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a model written by [`Model::to_json`], refusing other versions and files whose
    /// parts do not fit together (a hand-edited coefficient list, say).
    pub fn from_json(text: &str) -> Result<Model, PredictError> {
        let version: serde_json::Value =
            serde_json::from_str(text).map_err(|e| PredictError::BadModel(e.to_string()))?;
        match version.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(MODEL_VERSION) => {}
            Some(v) => {
                return Err(PredictError::BadModel(format!(
                    "it is version {v} and this leadline reads version {MODEL_VERSION}; train it again"
                )));
            }
            None => return Err(PredictError::BadModel("it has no version number".into())),
        }
        let model: Model =
            serde_json::from_value(version).map_err(|e| PredictError::BadModel(e.to_string()))?;
        model.check()?;
        Ok(model)
    }

    fn check(&self) -> Result<(), PredictError> {
        let bad = |why: String| Err(PredictError::BadModel(why));
        if self.coefficients.len() != self.features.term_count() {
            return bad(format!(
                "it has {} coefficients for {} feature terms",
                self.coefficients.len(),
                self.features.term_count()
            ));
        }
        if !self.intercept.is_finite() || !self.coefficients.iter().all(|c| c.is_finite()) {
            return bad("a coefficient is not a finite number".into());
        }
        for n in self.features.numeric() {
            let values = 1 + n.knots.len().saturating_sub(2);
            let scales_ok = n.scale.iter().all(|s| s.is_finite() && *s > 0.0)
                && n.range[0] <= n.range[1]
                && n.knots.windows(2).all(|w| w[0] < w[1])
                && n.knots.iter().all(|k| k.is_finite());
            if n.shift.len() != values || n.scale.len() != values || !scales_ok {
                return bad(format!(
                    "the scaling of column {:?} is inconsistent",
                    n.column
                ));
            }
        }
        Ok(())
    }
}
