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
#[command(group = clap::ArgGroup::new("mode").required(true).args(["evaluate", "train"]))]
pub struct Args {
    /// Measure the trainer on a labelled CSV by stratified k-fold cross-validation: ROC
    /// AUC, log loss, Brier score, calibration error, a reliability table, lift by decile.
    #[arg(long, value_name = "FILE.csv")]
    evaluate: Option<PathBuf>,
    /// Fit a model on every row of a labelled CSV and write it, with its cross-validated
    /// metrics, to --output.
    #[arg(long, value_name = "FILE.csv", requires = "output")]
    train: Option<PathBuf>,
    /// The column that says whether the lead converted: 0/1, yes/no or true/false (any
    /// case), or any values with --positive.
    #[arg(long, value_name = "COL")]
    label: String,
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

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (path, training) = match (&args.evaluate, &args.train) {
        (Some(p), _) => (p.as_path(), false),
        (None, Some(p)) => (p.as_path(), true),
        (None, None) => anyhow::bail!("give --evaluate FILE.csv or --train FILE.csv"),
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
        value["label"] = json!(args.label);
        if let Some((output, _, _)) = written {
            value["model"] = json!(output.display().to_string());
        }
        println!("{value}");
    } else {
        print!("{}", text::report(path, &args.label, &evaluation));
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
        label: args.label.clone(),
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
