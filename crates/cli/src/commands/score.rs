//! `leadline score --evaluate FILE.csv` and `--train FILE.csv`: the predictive scorer on a
//! labelled file. Evaluation says how well the trainer ranks and how honest its
//! probabilities are before anyone relies on them; training writes the model with those
//! cross-validated figures inside, so the two never drift apart.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use leadline_core::predict::{
    CsvOptions, CvOptions, Dataset, Evaluation, LabelRule, TrainOptions, cross_validate, train,
};
use serde_json::json;

mod text;

/// Row problems shown on stderr; the rest are counted.
const SHOWN_PROBLEMS: usize = 20;

/// Options of `leadline score`.
#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("mode").required(true).args(["evaluate", "train", "report"]))]
pub struct Args {
    /// Measure the trainer on a labelled CSV by stratified k-fold cross-validation: ROC
    /// AUC, log loss, Brier score, calibration error, a reliability table, lift by decile.
    #[arg(long, value_name = "FILE.csv")]
    evaluate: Option<PathBuf>,
    /// Without a file: train on the database's leads whose outcome is known (reached an
    /// opportunity, or disqualified/recycled/old), with features as of each lead's first
    /// sales touch; store the model as the next version and score every lead. With a
    /// labelled CSV: fit on every row and write the model to --output.
    #[arg(long, value_name = "FILE.csv")]
    train: Option<Option<PathBuf>>,
    /// The score-validation report on the database: conversion by grade and by score
    /// decile, AUC of the rule score next to the model's.
    #[arg(long)]
    report: bool,
    /// The column that says whether the lead converted (CSV only): 0/1, yes/no or
    /// true/false (any case), or any values with --positive.
    #[arg(long, value_name = "COL")]
    label: Option<String>,
    /// Columns that must not be features: ids, and anything filled in after the outcome
    /// (sales notes, lead quality set by a rep). Takes several names; may be repeated.
    #[arg(long, value_name = "COL", num_args = 1..)]
    exclude: Vec<String>,
    /// The label value that means converted (e.g. "Closed Won"); every other value is not.
    #[arg(long, value_name = "VALUE")]
    positive: Option<String>,
    /// Number of cross-validation folds.
    #[arg(long, value_name = "K", default_value_t = 5)]
    cv: usize,
    /// Seed of the fold shuffle: the same file and seed give the same figures.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Fewest converted and fewest not-converted leads to learn from.
    #[arg(long, value_name = "N", default_value_t = 30)]
    min_outcomes: usize,
    /// Where --train writes the model (JSON).
    #[arg(long, value_name = "model.json")]
    output: Option<PathBuf>,
    /// `text`: tables for people; `json`: one JSON object (keys auc, log_loss, brier, ece,
    /// reliability, lift, rows, positives, features …).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

impl Args {
    /// Whether the command works on the database rather than a file.
    pub fn uses_database(&self) -> bool {
        self.report || matches!(self.train, Some(None))
    }
}

/// `--train` and `--report` on the database.
pub async fn run_db(store: leadline_store::Store, args: Args) -> anyhow::Result<ExitCode> {
    let now = leadline_store::now_ms();
    let value = if args.report {
        let report = store.score_validation(now).await?;
        if args.format != "json" {
            print!("{}", text::validation(&report));
            return Ok(ExitCode::SUCCESS);
        }
        serde_json::to_value(&report)?
    } else {
        let trained = store
            .train_from_leads(now, None)
            .await
            .map_err(|e| match e {
                leadline_store::StoreError::Invalid(m) => {
                    anyhow::anyhow!("cannot train: {m}; leads keep their rule scores")
                }
                e => e.into(),
            })?;
        if args.format != "json" {
            print!(
                "{}",
                text::report(
                    Path::new("(database leads)"),
                    "reached opportunity",
                    &trained.evaluation
                )
            );
            println!(
                "
model version {} stored and active; {} leads got a new probability",
                trained.version, trained.scored
            );
            return Ok(ExitCode::SUCCESS);
        }
        serde_json::to_value(&trained)?
    };
    println!("{value}");
    Ok(ExitCode::SUCCESS)
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (path, training) = match (&args.evaluate, &args.train) {
        (Some(p), _) => (p.as_path(), false),
        (None, Some(Some(p))) => (p.as_path(), true),
        _ => anyhow::bail!("give --evaluate FILE.csv, --train [FILE.csv] or --report"),
    };
    let Some(label) = args.label.clone() else {
        anyhow::bail!(
            "{}: --label COL names the column that says whether the lead converted",
            path.display()
        );
    };
    let data = read(path, &args)?;
    let options = TrainOptions {
        min_positives: args.min_outcomes,
        min_negatives: args.min_outcomes,
        ..TrainOptions::default()
    };
    let cv = CvOptions {
        folds: args.cv,
        seed: args.seed,
    };
    let evaluation = cross_validate(&data, &options, &cv)
        .with_context(|| format!("evaluating on {}", path.display()))?;
    let mut written = None;
    if training {
        let output = args
            .output
            .as_deref()
            .context("--train needs --output model.json")?;
        let now = leadline_store::now_ms();
        let mut model = train(&data, &options, now)
            .with_context(|| format!("training on {}", path.display()))?;
        model.cv = Some(evaluation.clone());
        std::fs::write(output, model.to_json() + "\n")
            .with_context(|| format!("writing the model to {}", output.display()))?;
        written = Some((output, model.coefficients.len(), model.l2));
    }
    if args.format == "json" {
        let mut value = serde_json::to_value(&evaluation)?;
        value["file"] = json!(path.display().to_string());
        value["label"] = json!(label);
        if let Some((output, _, _)) = written {
            value["model"] = json!(output.display().to_string());
        }
        println!("{value}");
    } else {
        print!("{}", text::report(path, &label, &evaluation));
        if let Some((output, terms, l2)) = written {
            println!(
                "\nmodel written to {} ({terms} terms, L2 penalty {l2})",
                output.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the file, reporting skipped rows on stderr with file, line and column.
fn read(path: &Path, args: &Args) -> anyhow::Result<Dataset> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let options = CsvOptions {
        label: args.label.clone().unwrap_or_default(),
        rule: args
            .positive
            .clone()
            .map_or(LabelRule::Binary, LabelRule::Positive),
        exclude: args.exclude.clone(),
        ..CsvOptions::default()
    };
    let data = Dataset::from_csv(BufReader::with_capacity(1 << 16, file), &options)
        .with_context(|| format!("reading {}", path.display()))?;
    for problem in data.problems().iter().take(SHOWN_PROBLEMS) {
        eprintln!("{}: {problem}", path.display());
    }
    if data.skipped_rows() > SHOWN_PROBLEMS {
        eprintln!(
            "{}: … {} more rows skipped",
            path.display(),
            data.skipped_rows() - SHOWN_PROBLEMS
        );
    }
    if data.skipped_rows() > 0 {
        eprintln!(
            "{}: {} rows skipped, {} used",
            path.display(),
            data.skipped_rows(),
            data.rows()
        );
    }
    Ok(data)
}

/// The evaluation's headline numbers on one line, for logs and the bench.
pub fn headline(e: &Evaluation) -> String {
    format!(
        "AUC {}, log loss {:.4}, Brier {:.4}, ECE {:.4}",
        e.metrics.auc.map_or("n/a".into(), |a| format!("{a:.4}")),
        e.metrics.log_loss,
        e.metrics.brier,
        e.metrics.ece
    )
}
