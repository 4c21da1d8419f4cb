//! `leadline attribution PATHS.csv`: multi-touch attribution of a path file, no database.
//!
//! The file holds `path,total_conversions,total_conversion_value,total_null` with touches
//! joined by `>`; every model is in `leadline_core::attribution`. JSON is
//! `{"model","order","channels":[{"channel","conversions","value","removal_effect"?}]}`
//! (`order` is null except for Markov; sampled Shapley adds `error_bound`), and an array of
//! those for `--model all` or several models (`--model first,last,linear`). CSV is one row
//! per model and channel, formula-safe.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use leadline_core::attribution::{
    Attribution, Model, PositionWeights, attribute, read_paths_sized,
};
use leadline_core::export::csv_safe;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    First,
    Last,
    LastNonDirect,
    Linear,
    TimeDecay,
    /// Position-based 40/20/40 (`position`, the design's name for it, is an alias).
    #[value(alias = "position")]
    UShaped,
    WShaped,
    FullPath,
    /// First / middle / last shares from `--weights`.
    Custom,
    Markov,
    Shapley,
    /// Every model above (custom only when `--weights` is given).
    All,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// The path file: `path,total_conversions,total_conversion_value,total_null`, touches
    /// joined by `>`.
    paths: PathBuf,
    /// One model, several joined by commas (`first,last,linear`), or `all`.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "markov")]
    model: Vec<ModelArg>,
    /// Markov order: states are windows of this many consecutive touches.
    #[arg(long, default_value_t = 1, value_parser = super::report_measure::markov_orders())]
    order: u32,
    /// Time decay: a touch this many touches before the last one weighs half as much.
    #[arg(long, default_value_t = 7.0, value_parser = positive)]
    half_life: f64,
    /// Custom model: shares of the first touch, the touches between and the last touch,
    /// e.g. `30,40,30` (normalised to sum to 1).
    #[arg(long, value_parser = weights)]
    weights: Option<PositionWeights>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("expected a positive number, got {text:?}")),
    }
}

fn weights(text: &str) -> Result<PositionWeights, String> {
    let parts: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("expected three numbers FIRST,MIDDLE,LAST, got {text:?}"))?;
    match parts[..] {
        [f, m, l] => PositionWeights::new(f, m, l),
        _ => Err(format!(
            "expected three numbers FIRST,MIDDLE,LAST, got {text:?}"
        )),
    }
}

/// The models `--model` asks for, in the order they are printed.
fn models(a: &Args) -> anyhow::Result<Vec<Model>> {
    let order = a.order as usize;
    let all = a.model.contains(&ModelArg::All);
    let one = |m: ModelArg| -> anyhow::Result<Option<Model>> {
        Ok(Some(match m {
            ModelArg::First => Model::First,
            ModelArg::Last => Model::Last,
            ModelArg::LastNonDirect => Model::LastNonDirect,
            ModelArg::Linear => Model::Linear,
            ModelArg::TimeDecay => Model::TimeDecay {
                half_life: a.half_life,
            },
            ModelArg::UShaped => Model::UShaped,
            ModelArg::WShaped => Model::WShaped,
            ModelArg::FullPath => Model::FullPath,
            ModelArg::Custom if all => match a.weights {
                Some(w) => Model::Custom(w),
                None => return Ok(None),
            },
            ModelArg::Custom => Model::Custom(
                a.weights
                    .context("--model custom needs --weights FIRST,MIDDLE,LAST (e.g. 30,40,30)")?,
            ),
            ModelArg::Markov => Model::Markov { order },
            ModelArg::Shapley => Model::Shapley,
            ModelArg::All => return Ok(None),
        }))
    };
    let wanted = if all {
        vec![
            ModelArg::First,
            ModelArg::Last,
            ModelArg::LastNonDirect,
            ModelArg::Linear,
            ModelArg::TimeDecay,
            ModelArg::UShaped,
            ModelArg::WShaped,
            ModelArg::FullPath,
            ModelArg::Custom,
            ModelArg::Markov,
            ModelArg::Shapley,
        ]
    } else {
        a.model.clone()
    };
    let mut out = Vec::new();
    for m in wanted {
        out.extend(one(m)?);
    }
    Ok(out)
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let models = models(&a)?;
    let file =
        std::fs::File::open(&a.paths).with_context(|| format!("opening {}", a.paths.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let paths = read_paths_sized(file, size).with_context(|| a.paths.display().to_string())?;
    let results: Vec<Attribution> = models.iter().map(|m| attribute(&paths, m)).collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match a.format {
        Format::Json if a.model.len() > 1 || a.model.contains(&ModelArg::All) => {
            writeln!(out, "{}", serde_json::to_string(&results)?)?;
        }
        Format::Json => {
            for r in &results {
                writeln!(out, "{}", serde_json::to_string(r)?)?;
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record([
                "model",
                "order",
                "channel",
                "conversions",
                "value",
                "removal_effect",
            ])?;
            for r in &results {
                let order = r.order.map(|o| o.to_string()).unwrap_or_default();
                for c in &r.channels {
                    let re = c.removal_effect.map(|x| x.to_string()).unwrap_or_default();
                    w.write_record([
                        r.model,
                        &order,
                        &csv_safe(&c.channel),
                        &c.conversions.to_string(),
                        &c.value.to_string(),
                        &re,
                    ])?;
                }
            }
            w.flush()?;
        }
        Format::Table => {
            for (i, r) in results.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                table(&mut out, r)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One model as an aligned table under a title line.
fn table(out: &mut impl Write, r: &Attribution) -> std::io::Result<()> {
    match r.order {
        Some(k) => writeln!(out, "{} (order {k})", r.model)?,
        None => writeln!(out, "{}", r.model)?,
    }
    let markov = r.channels.iter().any(|c| c.removal_effect.is_some());
    let mut rows = vec![vec![
        "channel".to_owned(),
        "conversions".into(),
        "value".into(),
    ]];
    if markov {
        rows[0].push("removal_effect".into());
    }
    for c in &r.channels {
        let mut row = vec![
            c.channel.clone(),
            format!("{:.4}", c.conversions),
            format!("{:.2}", c.value),
        ];
        if let Some(re) = c.removal_effect {
            row.push(format!("{re:.6}"));
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    if let Some(e) = r.error_bound {
        writeln!(
            out,
            "(sampled: each channel's conversions within ±{e:.4} at 95 %)"
        )?;
    }
    Ok(())
}
