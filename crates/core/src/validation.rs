//! Does the scoring predict anything? Against real outcomes: conversion by grade and by
//! score decile, and the AUC of the rule score next to the predictive model's, so a team
//! sees whether its points mean something before sales is told to trust them.

use serde::Serialize;

use crate::predict::metrics::auc;

/// One lead with a known outcome: its rule score and grade as they were before the outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub score: f64,
    pub grade: String,
    pub converted: bool,
}

/// Leads and conversions in one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    pub label: String,
    pub leads: usize,
    pub converted: usize,
    /// Conversion rate, 0–1.
    pub rate: f64,
}

/// The validation report of the rule score.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub leads: usize,
    pub converted: usize,
    pub base_rate: f64,
    /// AUC of fit + engagement; `None` with only one kind of outcome.
    pub rule_auc: Option<f64>,
    /// Conversion by full grade (`A1` … `D4`), best first.
    pub by_grade: Vec<Bucket>,
    /// Conversion by decile of the rule score, highest scores first.
    pub by_decile: Vec<Bucket>,
}

fn bucket(label: String, rows: &[&Outcome]) -> Bucket {
    let converted = rows.iter().filter(|o| o.converted).count();
    Bucket {
        label,
        leads: rows.len(),
        converted,
        rate: if rows.is_empty() {
            0.0
        } else {
            converted as f64 / rows.len() as f64
        },
    }
}

/// Builds the report.
pub fn report(outcomes: &[Outcome]) -> Report {
    let converted = outcomes.iter().filter(|o| o.converted).count();
    let scores: Vec<f64> = outcomes.iter().map(|o| o.score).collect();
    let labels: Vec<bool> = outcomes.iter().map(|o| o.converted).collect();
    let mut grades: Vec<&str> = outcomes.iter().map(|o| o.grade.as_str()).collect();
    grades.sort_unstable();
    grades.dedup();
    let by_grade = grades
        .into_iter()
        .map(|g| {
            let rows: Vec<&Outcome> = outcomes.iter().filter(|o| o.grade == g).collect();
            bucket(g.to_owned(), &rows)
        })
        .collect();
    let mut ranked: Vec<&Outcome> = outcomes.iter().collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    let n = ranked.len();
    let by_decile = (0..10)
        .filter_map(|d| {
            let (from, to) = (d * n / 10, (d + 1) * n / 10);
            (to > from).then(|| bucket(format!("{}", d + 1), &ranked[from..to]))
        })
        .collect();
    Report {
        leads: n,
        converted,
        base_rate: if n == 0 {
            0.0
        } else {
            converted as f64 / n as f64
        },
        rule_auc: auc(&scores, &labels),
        by_grade,
        by_decile,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(score: f64, grade: &str, converted: bool) -> Outcome {
        Outcome {
            score,
            grade: grade.into(),
            converted,
        }
    }

    #[test]
    fn a_score_that_ranks_every_buyer_first_has_auc_one_and_a_steep_decile_table() {
        let mut rows = Vec::new();
        for i in 0..100 {
            let converted = i >= 80;
            rows.push(o(i as f64, if converted { "A1" } else { "C3" }, converted));
        }
        let r = report(&rows);
        assert_eq!(r.rule_auc, Some(1.0));
        assert_eq!((r.leads, r.converted), (100, 20));
        assert_eq!(r.by_decile[0].rate, 1.0);
        assert_eq!(r.by_decile[9].rate, 0.0);
        assert_eq!(r.by_grade[0].label, "A1");
        assert_eq!(r.by_grade[0].rate, 1.0);
    }

    #[test]
    fn points_that_predict_nothing_show_as_auc_one_half() {
        let rows: Vec<Outcome> = (0..40).map(|i| o(5.0, "B2", i % 4 == 0)).collect();
        let r = report(&rows);
        assert_eq!(r.rule_auc, Some(0.5));
        assert!((r.base_rate - 0.25).abs() < 1e-12);
        assert_eq!(report(&[]).rule_auc, None);
    }
}
