//! `leadline report funnel|sources|compare`: the funnel with its velocity, lead quality by
//! source, and exposed-vs-not cohorts, as a table, CSV or JSON.

use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use leadline_core::Stage;
use leadline_core::funnel::compare;
use leadline_core::funnel::{self, By, FunnelRow, quality};
use leadline_store::Store;
use leadline_store::funnel::{FunnelScope, Program};

use super::report::{Align, Format, write_rows};
use super::report_measure::period_flags;

/// The period when none is given: a funnel needs a longer window than attribution's quarter.
const DEFAULT_PERIOD: &str = "last-365-days";

/// Period flags shared by the three reports (the names and rules of `core::period`).
#[derive(clap::Args)]
pub struct PeriodArgs {
    /// A named period: last-365-days (default), last-quarter, this-quarter, last-month,
    /// this-month, last-7-days, last-30-days, last-90-days, this-year, last-year.
    #[arg(long)]
    period: Option<String>,
    /// Leads created from this day (YYYY-MM-DD, UTC); give --to with it. Wins over --period.
    #[arg(long)]
    from: Option<String>,
    /// Leads created up to this day's end, included (YYYY-MM-DD, UTC).
    #[arg(long)]
    to: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

impl PeriodArgs {
    /// `(from, to)` in epoch ms, both included (the store's funnel scope).
    fn resolve(&self, now: i64) -> anyhow::Result<(i64, i64)> {
        let p = period_flags(
            Some(self.period.as_deref().unwrap_or(DEFAULT_PERIOD)),
            self.from.as_deref(),
            self.to.as_deref(),
            now,
        )?;
        Ok((p.from, p.to - 1))
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FunnelBy {
    Month,
    Source,
    Campaign,
}

#[derive(clap::Args)]
pub struct FunnelArgs {
    #[arg(long, value_enum, default_value = "month")]
    by: FunnelBy,
    /// Only leads whose first-touch channel is this one (e.g. paid_search).
    #[arg(long)]
    source: Option<String>,
    #[command(flatten)]
    period: PeriodArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SourcesBy {
    Channel,
    Campaign,
}

#[derive(clap::Args)]
pub struct SourcesArgs {
    #[arg(long, value_enum, default_value = "channel")]
    by: SourcesBy,
    #[command(flatten)]
    period: PeriodArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum CompareStage {
    Mql,
    Sql,
    Opportunity,
    #[value(alias = "won")]
    Customer,
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("program").required(true).args(["campaign", "channel"])))]
pub struct CompareArgs {
    /// The campaign (by name) whose touches mark a lead as exposed.
    #[arg(long)]
    campaign: Option<String>,
    /// The channel (e.g. webinar) whose touches mark a lead as exposed.
    #[arg(long)]
    channel: Option<String>,
    /// The stage counted as converted.
    #[arg(long, value_enum, default_value = "sql")]
    stage: CompareStage,
    #[command(flatten)]
    period: PeriodArgs,
}

/// The report as JSON, or its table as CSV or text.
fn print(
    format: Format,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    json: String,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        writeln!(out, "{json}")?;
        return Ok(());
    }
    write_rows(&mut out, format, &head, &rows, Align::Left)
}

pub async fn funnel(store: Store, a: FunnelArgs) -> anyhow::Result<ExitCode> {
    let (from, to) = a.period.resolve(leadline_store::now_ms())?;
    let by = match a.by {
        FunnelBy::Month => By::Month,
        FunnelBy::Source => By::Source,
        FunnelBy::Campaign => By::Campaign,
    };
    let scope = FunnelScope {
        from,
        to,
        source: a.source,
    };
    let counts = store.funnel_counts(&scope).await?;
    let rows = funnel::funnel_of(&counts.tallies(by), by);
    let velocity = counts.velocity();
    let json = serde_json::json!({"by": by.as_str(), "from": leadline_core::time::rfc3339(from),
        "to": leadline_core::time::rfc3339(to), "rows": rows, "velocity": velocity});
    print(
        a.period.format,
        FunnelRow::columns(by),
        rows.iter().map(FunnelRow::cells).collect(),
        json.to_string(),
    )?;
    if matches!(a.period.format, Format::Table) {
        let head = ["step", "leads", "median_days", "p75_days"]
            .map(str::to_owned)
            .to_vec();
        let days = |v: Option<f64>| v.map(|d| format!("{d:.1}")).unwrap_or_default();
        let steps = velocity.steps.iter().chain([&velocity.to_close]);
        let body = steps
            .map(|s| {
                vec![
                    format!("{} -> {}", s.from.as_str(), s.to.as_str()),
                    s.leads.to_string(),
                    days(s.median_days),
                    days(s.p75_days),
                ]
            })
            .collect();
        println!();
        print(Format::Table, head, body, String::new())?;
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn sources(store: Store, a: SourcesArgs) -> anyhow::Result<ExitCode> {
    let (from, to) = a.period.resolve(leadline_store::now_ms())?;
    let by = match a.by {
        SourcesBy::Channel => By::Source,
        SourcesBy::Campaign => By::Campaign,
    };
    let scope = FunnelScope {
        from,
        to,
        source: None,
    };
    let tallies = store.funnel_counts(&scope).await?.tallies(by);
    let costs = store.funnel_costs(by, from, to).await?;
    let rows = quality::quality_of(&tallies, by, &costs);
    let mut head: Vec<String> = quality::COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    head[0] = if by == By::Source {
        "channel"
    } else {
        "campaign"
    }
    .into();
    let json = serde_json::json!({"by": head[0], "from": leadline_core::time::rfc3339(from),
        "to": leadline_core::time::rfc3339(to), "rows": rows});
    print(
        a.period.format,
        head,
        rows.iter().map(quality::cells).collect(),
        json.to_string(),
    )?;
    Ok(ExitCode::SUCCESS)
}

pub async fn compare(store: Store, a: CompareArgs) -> anyhow::Result<ExitCode> {
    let (from, to) = a.period.resolve(leadline_store::now_ms())?;
    let stage = match a.stage {
        CompareStage::Mql => Stage::Mql,
        CompareStage::Sql => Stage::Sql,
        CompareStage::Opportunity => Stage::Opportunity,
        CompareStage::Customer => Stage::Customer,
    };
    let (program, label) = match (&a.campaign, &a.channel) {
        (Some(name), _) => match store.campaign_by_name(name).await? {
            Some((id, name)) => (
                Program::Campaign(id),
                format!("campaign \u{201c}{name}\u{201d}"),
            ),
            None => bail!(
                "--campaign: no campaign is called {name:?} (see `leadline` campaigns in the UI)"
            ),
        },
        (None, Some(ch)) => match leadline_core::Channel::parse(ch) {
            Some(c) => (
                Program::Channel(c.as_str().into()),
                format!("channel {}", c.as_str()),
            ),
            None => bail!("--channel: unknown channel {ch:?} (e.g. webinar, paid_search, email)"),
        },
        (None, None) => bail!("give --campaign NAME or --channel C"),
    };
    let scope = FunnelScope {
        from,
        to,
        source: None,
    };
    let (exposed, others) = store.exposure_cohorts(&scope, &program, stage).await?;
    let c = compare::compare(exposed, others);
    let sentence = compare::sentence(&c, &label, stage.label());
    let json = serde_json::json!({"program": label, "stage": stage.as_str(),
        "from": leadline_core::time::rfc3339(from), "to": leadline_core::time::rfc3339(to),
        "comparison": c, "sentence": sentence});
    let (head, rows) = compare::table(&c, false);
    print(a.period.format, head, rows, json.to_string())?;
    if matches!(a.period.format, Format::Table) {
        println!("\n{sentence}");
    }
    Ok(ExitCode::SUCCESS)
}
