//! `leadline report attribution` and `leadline report roi`: which channels and campaigns
//! get the credit for leads, MQLs, pipeline and revenue, and what they cost.

use std::io::Write;
use std::process::ExitCode;

use leadline_core::attribution::Model;
use leadline_core::journey::credit::{self, Settings};
use leadline_core::journey::report::{By, ROI_COLUMNS};
use leadline_core::journey::{
    DEFAULT_HALF_LIFE_DAYS, DEFAULT_LOOKBACK_DAYS, MARKOV_ORDERS, Outcome,
};
use leadline_core::period::{self, Period};
use leadline_store::Store;

use super::report::{Align, Format, write_rows};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum OutcomeArg {
    Leads,
    Mqls,
    Opportunities,
    Revenue,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ByArg {
    Channel,
    Campaign,
}

/// The period and the attribution knobs both reports take.
#[derive(clap::Args)]
pub struct Window {
    /// A named period: last-quarter (default), this-quarter, last-month, this-month,
    /// last-7-days, last-30-days, last-90-days, last-365-days, this-year, last-year.
    #[arg(long)]
    period: Option<String>,
    /// First day (YYYY-MM-DD, UTC); give --to with it. Wins over --period.
    #[arg(long)]
    from: Option<String>,
    /// Last day, included (YYYY-MM-DD, UTC).
    #[arg(long)]
    to: Option<String>,
    /// Touches older than this many days before a conversion do not count.
    #[arg(long, default_value_t = DEFAULT_LOOKBACK_DAYS, value_parser = clap::value_parser!(u32).range(1..=3650))]
    lookback_days: u32,
    /// Time decay: a touch this many days older weighs half as much.
    #[arg(long, default_value_t = DEFAULT_HALF_LIFE_DAYS)]
    half_life_days: f64,
    /// Markov: states are windows of this many consecutive touches (1 to 8).
    #[arg(long, default_value_t = 1, value_parser = markov_orders())]
    markov_order: u32,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// The Markov orders a command takes (`core::journey::MARKOV_ORDERS`), for `--order` on path
/// files and `--markov-order` on reports alike.
pub(super) fn markov_orders() -> clap::builder::RangedI64ValueParser<u32> {
    let (lo, hi) = (*MARKOV_ORDERS.start(), *MARKOV_ORDERS.end());
    clap::value_parser!(u32).range(i64::from(lo)..=i64::from(hi))
}

/// The period from `--period`, `--from` and `--to` (see `core::period::resolve`); the error
/// names the flag at fault. Every report command reads its period through this.
pub(super) fn period_flags(
    name: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    now: i64,
) -> anyhow::Result<Period> {
    period::resolve(name, from, to, now)
        .map_err(|e| anyhow::anyhow!("--{}: {}", e.field, e.message))
}

impl Window {
    fn resolve(&self) -> anyhow::Result<(Period, Settings)> {
        let now = leadline_store::now_ms();
        let p = period_flags(
            self.period.as_deref(),
            self.from.as_deref(),
            self.to.as_deref(),
            now,
        )?;
        if !(self.half_life_days.is_finite() && self.half_life_days > 0.0) {
            anyhow::bail!("--half-life-days: expected a positive number of days");
        }
        let settings = Settings {
            lookback_days: self.lookback_days,
            half_life_days: self.half_life_days,
            markov_order: self.markov_order,
        };
        Ok((p, settings))
    }
}

#[derive(clap::Args)]
pub struct AttributionArgs {
    #[arg(long, value_enum, default_value = "leads")]
    outcome: OutcomeArg,
    /// One model (first, last, last-non-direct, linear, time-decay, u-shaped, w-shaped,
    /// full-path, markov, shapley), several joined by commas, or `all`.
    #[arg(long, default_value = "all")]
    model: String,
    #[arg(long, value_enum, default_value = "channel")]
    by: ByArg,
    #[command(flatten)]
    window: Window,
}

#[derive(clap::Args)]
pub struct RoiArgs {
    #[arg(long, value_enum, default_value = "campaign")]
    by: ByArg,
    /// The attribution model that credits leads, opportunities and revenue.
    #[arg(long, default_value = "w-shaped")]
    model: String,
    #[command(flatten)]
    window: Window,
}

/// The models named by `text` (`all`, one name, or names joined by commas).
pub fn models(text: &str, settings: &Settings) -> anyhow::Result<Vec<Model>> {
    credit::models(text, settings).map_err(|e| anyhow::anyhow!("--model: {e}"))
}

fn by(b: ByArg) -> By {
    match b {
        ByArg::Channel => By::Channel,
        ByArg::Campaign => By::Campaign,
    }
}

pub async fn attribution(store: Store, a: AttributionArgs) -> anyhow::Result<ExitCode> {
    let (period, settings) = a.window.resolve()?;
    let models = models(&a.model, &settings)?;
    let outcome = match a.outcome {
        OutcomeArg::Leads => Outcome::Leads,
        OutcomeArg::Mqls => Outcome::Mqls,
        OutcomeArg::Opportunities => Outcome::Opportunities,
        OutcomeArg::Revenue => Outcome::Revenue,
    };
    let report = store
        .attribution_report(outcome, period, by(a.by), &models, settings)
        .await?;
    if a.window.format == Format::Json {
        writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::to_string(&report)?
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let (head, rows) = report.table();
    print(a.window.format, &head, &rows)?;
    Ok(ExitCode::SUCCESS)
}

pub async fn roi(store: Store, a: RoiArgs) -> anyhow::Result<ExitCode> {
    let (period, settings) = a.window.resolve()?;
    let model = match models(&a.model, &settings)?.as_slice() {
        [m] => m.clone(),
        _ => anyhow::bail!("--model: ROI takes one model, e.g. w-shaped"),
    };
    let report = store.roi_report(period, &model, settings).await?;
    let rows = match a.by {
        ByArg::Channel => &report.by_channel,
        ByArg::Campaign => &report.by_campaign,
    };
    if a.window.format == Format::Json {
        let v = serde_json::json!({"model": report.model, "from": report.from, "to": report.to,
            "by": by(a.by), "rows": rows, "total": report.total});
        writeln!(std::io::stdout().lock(), "{v}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut head: Vec<String> = ROI_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    head[0] = by(a.by).as_str().to_owned();
    let body: Vec<Vec<String>> = rows
        .iter()
        .chain([&report.total])
        .map(|r| r.cells())
        .collect();
    print(a.window.format, &head, &body)?;
    Ok(ExitCode::SUCCESS)
}

/// A header and rows as CSV or a table with the numbers to the right.
fn print(format: Format, head: &[String], rows: &[Vec<String>]) -> anyhow::Result<()> {
    write_rows(
        &mut std::io::stdout().lock(),
        format,
        head,
        rows,
        Align::NumbersRight,
    )
}
