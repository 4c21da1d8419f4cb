//! Invariants of the metrics, the folds and the trainer as properties over random input.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::metrics::{auc, brier, ece, lift, log_loss, reliability};
use super::*;

fn now() -> i64 {
    1_790_000_000_000
}

proptest! {
    #[test]
    fn auc_counts_ordered_pairs_with_ties_as_half(
        pairs in prop::collection::vec((0u8..6, any::<bool>()), 2..60)
    ) {
        let score: Vec<f64> = pairs.iter().map(|p| f64::from(p.0)).collect();
        let y: Vec<bool> = pairs.iter().map(|p| p.1).collect();
        let (mut wins, mut total) = (0.0, 0.0);
        for (i, &yi) in y.iter().enumerate() {
            for (j, &yj) in y.iter().enumerate() {
                if yi && !yj {
                    total += 1.0;
                    wins += if score[i] > score[j] { 1.0 } else if score[i] == score[j] { 0.5 } else { 0.0 };
                }
            }
        }
        let expected = (total > 0.0).then(|| wins / total);
        match (auc(&score, &y), expected) {
            (Some(a), Some(e)) => prop_assert!((a - e).abs() < 1e-12),
            (a, e) => prop_assert_eq!(a, e),
        }
    }

    #[test]
    fn metrics_stay_within_their_bounds(
        pairs in prop::collection::vec((prop::num::f64::ANY, any::<bool>()), 0..80)
    ) {
        let p: Vec<f64> = pairs.iter().map(|x| x.0).collect();
        let y: Vec<bool> = pairs.iter().map(|x| x.1).collect();
        let ll = log_loss(&p, &y);
        prop_assert!(ll.is_finite() && ll >= 0.0);
        let b = brier(&p, &y);
        prop_assert!((0.0..=1.0).contains(&b));
        let bins = reliability(&p, &y);
        prop_assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), p.len());
        let e = ece(&bins, p.len());
        prop_assert!((0.0..=1.0).contains(&e));
        if let Some(a) = auc(&p, &y) {
            prop_assert!((0.0..=1.0).contains(&a));
        }
        let l = lift(&p, &y);
        prop_assert!(l.is_empty() || l.iter().map(|d| d.count).sum::<usize>() == p.len());
        prop_assert!(l.iter().all(|d| d.lift.is_finite() && d.lift >= 0.0));
    }

    #[test]
    fn folds_are_stratified_disjoint_balanced_and_seeded(
        y in prop::collection::vec(any::<bool>(), 0..200), k in 2usize..8, seed in any::<u64>()
    ) {
        let folds = stratified_folds(&y, k, seed);
        prop_assert_eq!(&folds, &stratified_folds(&y, k, seed));
        prop_assert_eq!(folds.len(), y.len());
        prop_assert!(folds.iter().all(|&f| f < k));
        let count = |want: Option<bool>| -> Vec<usize> {
            (0..k).map(|f| (0..y.len()).filter(|&i| folds[i] == f && want.is_none_or(|w| y[i] == w)).count()).collect()
        };
        for c in [count(Some(true)), count(Some(false)), count(None)] {
            prop_assert!(c.iter().max().unwrap() - c.iter().min().unwrap() <= 1, "{:?}", c);
        }
    }

    #[test]
    fn any_table_of_odd_cells_trains_or_refuses_without_panic_or_nan(
        rows in prop::collection::vec(
            (prop::collection::vec(prop::sample::select(vec![
                "", "Select", "1", "2.5", "-3", "1e308", "x", "X ", "y", "N/A", "0"]), 3), any::<bool>()),
            0..120),
    ) {
        let records = rows.iter().map(|(cells, y)| {
            let r: Vec<(String, &str)> = cells.iter().enumerate().map(|(i, c)| (format!("c{i}"), *c)).collect();
            (r, *y)
        });
        let data = Dataset::from_records(records);
        let options = TrainOptions { min_positives: 1, min_negatives: 1, ..TrainOptions::default() };
        if let Ok(model) = train(&data, &options, now()) {
            for (cells, _) in &rows {
                let r: Vec<(String, String)> = cells.iter().enumerate().map(|(i, c)| (format!("c{i}"), c.to_string())).collect();
                let p = model.predict(&r.into_iter().collect::<BTreeMap<_, _>>());
                prop_assert!((0.0..=100.0).contains(&p.probability_0_to_100));
                prop_assert!(p.top_factors.iter().all(|f| f.contribution.is_finite()));
            }
            prop_assert!(model.training.log_loss.is_finite());
        }
    }
}
