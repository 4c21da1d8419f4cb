//! `leadline score --evaluate` and `--train` on small labelled files written by the test.

use std::fmt::Write;

use crate::support::leadline;

/// A labelled file whose outcome depends on the source and the visits, with a bad label
/// on line 5 and placeholders here and there.
fn labelled_csv(rows: usize) -> String {
    let mut out = String::from("Lead Id,Source,Visits,City,Converted\n");
    let mut state = 7u64;
    for i in 0..rows {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let r = (state >> 33) % 100;
        let source = ["Referral", "Ads", "Web", "Select"][i % 4];
        let visits = (state >> 40) % 12;
        let city = if i % 5 == 0 { "" } else { "Berlin" };
        let p = match source {
            "Referral" => 70,
            "Ads" => 15,
            _ => 35,
        } + visits * 2;
        let label = if i == 3 {
            "perhaps".to_owned()
        } else {
            u8::from(r < p).to_string()
        };
        let _ = writeln!(out, "L-{i},{source},{visits},{city},{label}");
    }
    out
}

#[test]
fn score_evaluate_prints_the_metrics_as_json_and_reports_a_bad_label_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leads.csv");
    std::fs::write(&file, labelled_csv(600)).unwrap();
    let out = leadline()
        .args(["score", "--evaluate"])
        .arg(&file)
        .args([
            "--label",
            "converted",
            "--exclude",
            "Lead Id",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("leads.csv: line 5, column \"Converted\": expected a label of 0/1"),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "auc",
        "log_loss",
        "brier",
        "ece",
        "lift",
        "reliability",
        "rows",
        "positives",
        "features",
    ] {
        assert!(json.get(key).is_some(), "no {key} in {json}");
    }
    assert_eq!(json["rows"], 599);
    assert_eq!(json["skipped_rows"], 1);
    let auc = json["auc"].as_f64().unwrap();
    assert!((0.6..=1.0).contains(&auc), "AUC {auc}");
    assert_eq!(json["lift"].as_array().unwrap().len(), 10);
    assert_eq!(json["reliability"].as_array().unwrap().len(), 10);
}

#[test]
fn score_train_writes_a_model_with_its_cross_validated_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leads.csv");
    let model = dir.path().join("model.json");
    std::fs::write(&file, labelled_csv(400)).unwrap();
    let out = leadline()
        .args(["score", "--train"])
        .arg(&file)
        .args([
            "--label",
            "Converted",
            "--exclude",
            "Lead Id",
            "--cv",
            "3",
            "--output",
        ])
        .arg(&model)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("ROC AUC") && stdout.contains("model written to"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["cv"]["folds"], 3);
    assert!(json["cv"]["auc"].as_f64().is_some());
    assert!(json["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(!json["coefficients"].as_array().unwrap().is_empty());
}

#[test]
fn score_refuses_too_few_outcomes_and_says_how_many_there_are() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("few.csv");
    std::fs::write(&file, "Source,Converted\nAds,1\nWeb,0\nAds,0\n").unwrap();
    let out = leadline()
        .args(["score", "--evaluate"])
        .arg(&file)
        .args(["--label", "Converted"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("1 converted and 2 not converted"),
        "{stderr}"
    );
    assert!(stderr.contains("at least 30"), "{stderr}");
    let out = leadline()
        .args(["score", "--evaluate"])
        .arg(&file)
        .args(["--label", "Outcome"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no column \"Outcome\"") && stderr.contains("\"Source\", \"Converted\""),
        "{stderr}"
    );
}
