//! Stratified k-fold cross-validation: every row is scored by a model that never saw it,
//! feature encodings included, so the figures are what a new lead would get.

use serde::{Deserialize, Serialize};

use super::dataset::Dataset;
use super::design::Design;
use super::features::{FeatureSpec, analyse};
use super::logistic::{logits, sigmoid};
use super::metrics::{Metrics, auc};
use super::select::fit_penalised;
use super::{PredictError, TrainOptions};

/// How to split: the number of folds and the seed of the shuffle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CvOptions {
    pub folds: usize,
    pub seed: u64,
}

impl Default for CvOptions {
    fn default() -> Self {
        CvOptions { folds: 5, seed: 42 }
    }
}

/// What cross-validation measured, on the pooled out-of-fold predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub folds: usize,
    pub seed: u64,
    pub rows: usize,
    pub positives: usize,
    pub negatives: usize,
    /// Rows of the input left out (unreadable label, broken row).
    pub skipped_rows: usize,
    #[serde(flatten)]
    pub metrics: Metrics,
    /// AUC of each fold on its own, to show how much it varies.
    pub fold_auc: Vec<Option<f64>>,
    /// The L2 penalty each fold's fit used.
    pub fold_l2: Vec<f64>,
    /// How each column is used, as learnt from all rows.
    pub features: Vec<String>,
    /// Columns left out and why.
    pub notes: Vec<String>,
}

/// SplitMix64: a seeded shuffle that is the same on every platform and every release
/// (a `rand` generator's stream may change with the crate's version).
pub(super) struct SplitMix(pub(super) u64);

impl SplitMix {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (multiply-high).
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// The fold (`0..k`) of every row: positives and negatives are shuffled separately and
/// dealt round-robin, so each fold gets its share of both (within one) and folds differ in
/// size by at most one row. The same labels, `k` and seed always give the same folds.
pub fn stratified_folds(labels: &[bool], k: usize, seed: u64) -> Vec<usize> {
    let k = k.max(1);
    let mut rng = SplitMix(seed);
    let mut positives: Vec<usize> = (0..labels.len()).filter(|&i| labels[i]).collect();
    let mut negatives: Vec<usize> = (0..labels.len()).filter(|&i| !labels[i]).collect();
    rng.shuffle(&mut positives);
    rng.shuffle(&mut negatives);
    let mut fold = vec![0; labels.len()];
    for (j, &i) in positives.iter().chain(&negatives).enumerate() {
        fold[i] = j % k;
    }
    fold
}

/// Refuses data with too few outcomes of either kind to learn anything honest.
pub(crate) fn check_outcomes(data: &Dataset, options: &TrainOptions) -> Result<(), PredictError> {
    options.check()?;
    let (positives, negatives) = (data.positives(), data.negatives());
    if positives < options.min_positives.max(1) || negatives < options.min_negatives.max(1) {
        return Err(PredictError::TooFewOutcomes {
            positives,
            negatives,
            min_positives: options.min_positives.max(1),
            min_negatives: options.min_negatives.max(1),
        });
    }
    Ok(())
}

/// Fits on `train` rows and returns the spec and coefficients (intercept first).
pub(crate) fn fit_rows(
    data: &Dataset,
    train: &[usize],
    options: &TrainOptions,
) -> Result<(FeatureSpec, super::logistic::Fit), PredictError> {
    let spec = analyse(data, train, options)?;
    let x = Design::build(&spec, data, train);
    let y: Vec<bool> = train.iter().map(|&r| data.labels[r]).collect();
    let fitted = fit_penalised(&x, &y, options);
    Ok((spec, fitted))
}

/// Probabilities of `rows` under a fitted spec and coefficients.
pub(crate) fn probabilities(
    spec: &FeatureSpec,
    beta: &[f64],
    data: &Dataset,
    rows: &[usize],
) -> Vec<f64> {
    let x = Design::build(spec, data, rows);
    let mut z = Vec::with_capacity(rows.len());
    logits(&x, beta, &mut z);
    z.into_iter().map(sigmoid).collect()
}

/// Measures the trainer on `data` by k-fold cross-validation.
pub fn cross_validate(
    data: &Dataset,
    options: &TrainOptions,
    cv: &CvOptions,
) -> Result<Evaluation, PredictError> {
    check_outcomes(data, options)?;
    let (positives, negatives) = (data.positives(), data.negatives());
    if cv.folds < 2 {
        return Err(PredictError::Option(format!(
            "cross-validation needs at least 2 folds, not {}",
            cv.folds
        )));
    }
    if positives < cv.folds || negatives < cv.folds {
        return Err(PredictError::TooFewForFolds {
            folds: cv.folds,
            positives,
            negatives,
        });
    }
    let all: Vec<usize> = (0..data.rows()).collect();
    let overview = analyse(data, &all, options)?;
    let fold = stratified_folds(&data.labels, cv.folds, cv.seed);
    let mut oof = vec![0.0; data.rows()];
    let mut fold_auc = Vec::with_capacity(cv.folds);
    let mut fold_l2 = Vec::with_capacity(cv.folds);
    for f in 0..cv.folds {
        let (test, train): (Vec<usize>, Vec<usize>) = all.iter().partition(|&&r| fold[r] == f);
        let (spec, fitted) = fit_rows(data, &train, options)?;
        let p = probabilities(&spec, &fitted.beta, data, &test);
        let y: Vec<bool> = test.iter().map(|&r| data.labels[r]).collect();
        fold_auc.push(auc(&p, &y));
        fold_l2.push(fitted.l2);
        for (&r, pr) in test.iter().zip(p) {
            oof[r] = pr;
        }
    }
    Ok(Evaluation {
        folds: cv.folds,
        seed: cv.seed,
        rows: data.rows(),
        positives,
        negatives,
        skipped_rows: data.skipped_rows(),
        metrics: Metrics::of(&oof, &data.labels),
        fold_auc,
        fold_l2,
        features: overview.summary(),
        notes: overview.notes,
    })
}
