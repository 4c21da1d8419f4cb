//! The evaluation as tables for people.

use std::fmt::Write;
use std::path::Path;

use leadline_core::predict::Evaluation;

/// Headline figures, reliability table, lift by decile, and how each column was used.
pub fn report(path: &Path, label: &str, e: &Evaluation) -> String {
    let m = &e.metrics;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} rows, {} converted ({:.1} %) by {label:?}, {}-fold cross-validation (seed {})",
        path.display(),
        e.rows,
        e.positives,
        100.0 * m.base_rate,
        e.folds,
        e.seed
    );
    let folds: Vec<String> = e
        .fold_auc
        .iter()
        .map(|a| a.map_or("n/a".into(), |a| format!("{a:.3}")))
        .collect();
    let auc = m.auc.map_or("n/a".into(), |a| format!("{a:.4}"));
    let _ = writeln!(
        out,
        "\n  ROC AUC    {auc}   (per fold: {})",
        folds.join(" ")
    );
    let _ = writeln!(out, "  log loss   {:.4}", m.log_loss);
    let _ = writeln!(out, "  Brier      {:.4}", m.brier);
    let _ = writeln!(out, "  ECE        {:.4}   (10 equal-width bins)", m.ece);
    let _ = writeln!(
        out,
        "\nReliability: predicted probability against what happened"
    );
    let _ = writeln!(
        out,
        "  {:<9}  {:>7}  {:>9}  {:>8}",
        "bin", "rows", "predicted", "observed"
    );
    for b in &m.reliability {
        let pct = |v: Option<f64>| v.map_or("-".into(), |v| format!("{:.1} %", 100.0 * v));
        let _ = writeln!(
            out,
            "  {:.1}–{:.1}    {:>7}  {:>9}  {:>8}",
            b.from,
            b.to,
            b.count,
            pct(b.mean_predicted),
            pct(b.observed_rate)
        );
    }
    if !m.lift.is_empty() {
        let _ = writeln!(out, "\nLift by decile (1 = highest scores)");
        let _ = writeln!(
            out,
            "  {:<6}  {:>7}  {:>10}  {:>5}",
            "decile", "rows", "converted", "lift"
        );
        for d in &m.lift {
            let _ = writeln!(
                out,
                "  {:<6}  {:>7}  {:>8.1} %  {:>5.2}",
                d.decile,
                d.count,
                100.0 * d.conversion_rate,
                d.lift
            );
        }
    }
    let _ = writeln!(out, "\nFeatures");
    for f in &e.features {
        let _ = writeln!(out, "  {f}");
    }
    for n in &e.notes {
        let _ = writeln!(out, "  {n}");
    }
    out
}

/// The score-validation report: does the rule score predict conversion?
pub fn validation(v: &leadline_store::predictive::ScoreValidation) -> String {
    let r = &v.rules;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} leads with a known outcome, {} converted ({:.1} %)",
        r.leads,
        r.converted,
        100.0 * r.base_rate
    );
    let auc = |a: Option<f64>| a.map_or("n/a".into(), |a| format!("{a:.3}"));
    let _ = writeln!(
        out,
        "\n  rule score (fit + engagement) AUC  {}",
        auc(r.rule_auc)
    );
    match v.model_version {
        Some(version) => {
            let _ = writeln!(
                out,
                "  predictive model v{version} AUC (5-fold CV)  {}",
                auc(v.model_auc)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  predictive model: none trained (leadline score --train)"
            );
        }
    }
    for (title, buckets) in [
        ("grade", &r.by_grade),
        ("rule-score decile (1 = highest)", &r.by_decile),
    ] {
        let _ = writeln!(
            out,
            "\nConversion by {title}\n  {:<10} {:>8} {:>10} {:>8}",
            "", "leads", "converted", "rate"
        );
        for b in buckets.iter() {
            let _ = writeln!(
                out,
                "  {:<10} {:>8} {:>10} {:>7.1}%",
                b.label,
                b.leads,
                b.converted,
                100.0 * b.rate
            );
        }
    }
    out
}
