//! `leadline bench score`: training the predictive scorer on 100,000 generated leads,
//! against scikit-learn's `LogisticRegression` on the same file in the same run.
//!
//! The data comes from the reference generator `gen_leads.py` (numpy), whose `logit_true`
//! column is the best score any model can learn, so the bench reports three AUCs: ours
//! (5-fold CV), scikit-learn's (5-fold CV, the README's baseline features: one-hot
//! categories, log1p counts, exp(-recency/14), standardised, C = 1) and the truth's.
//! Times exclude reading the file on both sides.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use leadline_core::predict::{
    CsvOptions, CvOptions, Dataset, TrainOptions, cross_validate, metrics, train,
};
use serde_json::{Value, json};

use super::Target;
use super::report::{Report, round3};

/// Options of `leadline bench score`.
#[derive(clap::Args)]
pub struct Args {
    /// Rows to generate.
    #[arg(long, default_value_t = 100_000)]
    rows: u64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 5)]
    seed: u64,
    /// Read this gen_leads.py output instead of generating one.
    #[arg(long, value_name = "FILE.csv")]
    file: Option<PathBuf>,
    /// A python with numpy and scikit-learn (`scripts/test` installs both in
    /// target/e2e-venv).
    #[arg(long, default_value = "python3")]
    python: String,
    /// The generator; default: $LEADLINE_REFERENCE_DIR/scoring/gen_leads.py, else
    /// ../shared/reference/scoring/gen_leads.py.
    #[arg(long, value_name = "gen_leads.py")]
    generator: Option<PathBuf>,
    /// Timed trainings; the median counts.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Goal: seconds to train on the file.
    #[arg(long, default_value_t = 2.0)]
    goal_secs: f64,
}

/// scikit-learn on the same file: fit time on every row, and 5-fold stratified CV AUC.
const SKLEARN: &str = r#"
import json, sys, time
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import OneHotEncoder, StandardScaler

d = np.genfromtxt(sys.argv[1], delimiter=",", names=True, dtype=None, encoding="utf-8")
y = d["converted"]
cats = ["industry", "seniority", "country", "lead_source"]
skip = set(cats + ["lead_id", "logit_true", "p_true", "converted"])
nums = [n for n in d.dtype.names if n not in skip]
logs = {"company_size", "page_views", "pricing_views", "sessions", "email_opens",
        "email_clicks", "downloads", "age_days"}
def feature(n):
    x = d[n].astype(float)
    if n == "recency_days":
        return np.exp(-x / 14)
    return np.log1p(x) if n in logs else x
X = np.hstack([
    StandardScaler().fit_transform(np.column_stack([feature(n) for n in nums])),
    OneHotEncoder().fit_transform(np.column_stack([d[c] for c in cats])).toarray(),
])
fits = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    LogisticRegression(C=1.0, max_iter=1000).fit(X, y)
    fits.append(time.perf_counter() - t)
t = time.perf_counter()
cv = StratifiedKFold(5, shuffle=True, random_state=42)
p = cross_val_predict(LogisticRegression(C=1.0, max_iter=1000), X, y, cv=cv,
                      method="predict_proba")[:, 1]
cv_s = time.perf_counter() - t
print(json.dumps({"fit_s": sorted(fits)[len(fits) // 2], "cv_s": cv_s,
                  "auc": roc_auc_score(y, p), "terms": X.shape[1]}))
"#;

pub async fn run(target: &Target, args: Args) -> anyhow::Result<Report> {
    let path = match &args.file {
        Some(f) => f.clone(),
        None => generate(target, &args)?,
    };
    let text = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let started = Instant::now();
    let options = CsvOptions {
        label: "converted".into(),
        exclude: ["lead_id", "logit_true", "p_true"]
            .map(String::from)
            .to_vec(),
        ..CsvOptions::default()
    };
    let data = Dataset::from_csv(&text[..], &options)?;
    let load = started.elapsed().as_secs_f64();
    let truth = truth_auc(&text).context("reading logit_true and converted")?;
    let trainer = TrainOptions::default();
    let mut times = Vec::new();
    let mut terms = 0;
    for _ in 0..args.runs.max(1) {
        let t = Instant::now();
        let model = train(&data, &trainer, leadline_store::now_ms())?;
        times.push(t.elapsed().as_secs_f64());
        terms = model.coefficients.len();
    }
    times.sort_by(f64::total_cmp);
    let ours = times[times.len() / 2];
    let t = Instant::now();
    let cv = cross_validate(&data, &trainer, &CvOptions::default())?;
    let cv_secs = t.elapsed().as_secs_f64();
    let auc = cv.metrics.auc.unwrap_or(0.5);
    eprintln!(
        "score: leadline done ({}); running scikit-learn",
        super::super::score::headline(&cv)
    );
    let sk = sklearn(target, &args, &path)?;
    let sk_fit = sk["fit_s"].as_f64().unwrap_or(f64::NAN);
    let sk_auc = sk["auc"].as_f64().unwrap_or(f64::NAN);

    let mut report = Report::new("score");
    report.add(
        "rows",
        format!("{} ({} converted)", data.rows(), data.positives()),
        "rows",
        json!(data.rows()),
    );
    report.add(
        "read CSV",
        format!("{load:.3} s"),
        "read_s",
        json!(round3(load)),
    );
    report.add(
        "leadline train",
        format!(
            "{ours:.3} s median of {} (min {:.3} s), {terms} terms",
            times.len(),
            times[0]
        ),
        "train_s",
        json!(round3(ours)),
    );
    report.add(
        "leadline 5-fold CV",
        format!("{cv_secs:.3} s, AUC {auc:.4}, ECE {:.4}", cv.metrics.ece),
        "cv_s",
        json!(round3(cv_secs)),
    );
    report.field("auc", json!(auc));
    report.field("ece", json!(cv.metrics.ece));
    report.add(
        "scikit-learn fit",
        format!("{sk_fit:.3} s, {} terms", sk["terms"]),
        "sklearn_fit_s",
        json!(round3(sk_fit)),
    );
    report.add(
        "scikit-learn 5-fold CV",
        format!(
            "{:.3} s, AUC {sk_auc:.4}",
            sk["cv_s"].as_f64().unwrap_or(f64::NAN)
        ),
        "sklearn_auc",
        json!(sk_auc),
    );
    report.add(
        "AUC of logit_true",
        format!("{truth:.4}"),
        "truth_auc",
        json!(truth),
    );
    report.add(
        "ratio (leadline / sklearn)",
        format!("train time {:.2}, AUC {:+.4}", ours / sk_fit, auc - sk_auc),
        "time_ratio",
        json!(round3(ours / sk_fit)),
    );
    report.target(
        format!("training {} rows ≤ {} s", data.rows(), args.goal_secs),
        ours <= args.goal_secs,
    );
    Ok(report)
}

fn generator(args: &Args) -> PathBuf {
    if let Some(g) = &args.generator {
        return g.clone();
    }
    let dir = std::env::var_os("LEADLINE_REFERENCE_DIR")
        .map_or_else(|| PathBuf::from("../shared/reference"), PathBuf::from);
    dir.join("scoring/gen_leads.py")
}

fn generate(target: &Target, args: &Args) -> anyhow::Result<PathBuf> {
    let script = generator(args);
    if !script.is_file() {
        bail!(
            "{} not found: pass --generator PATH or --file FILE.csv",
            script.display()
        );
    }
    let out = target.scratch.path().join("leads.csv");
    let t = Instant::now();
    let status = Command::new(&args.python)
        .arg(&script)
        .args([
            &args.rows.to_string(),
            &out.display().to_string(),
            &args.seed.to_string(),
        ])
        .status()
        .with_context(|| format!("running {}", args.python))?;
    if !status.success() {
        bail!(
            "{} failed (it needs numpy; pass --python target/e2e-venv/bin/python)",
            script.display()
        );
    }
    eprintln!(
        "score: generated {} rows in {:.1} s (setup, not measured)",
        args.rows,
        t.elapsed().as_secs_f64()
    );
    Ok(out)
}

fn sklearn(target: &Target, args: &Args, data: &Path) -> anyhow::Result<Value> {
    let script = target.scratch.path().join("sklearn_baseline.py");
    std::fs::write(&script, SKLEARN)?;
    let out = Command::new(&args.python)
        .arg(&script)
        .arg(data)
        .arg(args.runs.max(1).to_string())
        .output()
        .with_context(|| format!("running {}", args.python))?;
    if !out.status.success() {
        bail!(
            "scikit-learn baseline failed (needs numpy and scikit-learn; pass --python target/e2e-venv/bin/python): {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        );
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// AUC of the generator's `logit_true` column (the file has no quoted cells).
fn truth_auc(text: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(text).ok()?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    let logit = header.iter().position(|h| *h == "logit_true")?;
    let label = header.iter().position(|h| *h == "converted")?;
    let (mut score, mut y) = (Vec::new(), Vec::new());
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        score.push(cells.get(logit)?.parse::<f64>().ok()?);
        y.push(*cells.get(label)? == "1");
    }
    metrics::auc(&score, &y)
}
