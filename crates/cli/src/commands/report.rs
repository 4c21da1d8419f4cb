//! `leadline report …`: the reports leaders open every Monday, as a table, CSV or JSON.

use std::io::Write;
use std::process::ExitCode;

use leadline_core::export::csv_safe;
use leadline_core::followup::{self, By, FollowupRow};
use leadline_store::Store;

#[derive(clap::Subcommand)]
pub enum ReportCommand {
    /// Did sales accept and touch the leads handed to them in time? By rep, team, source,
    /// month or rejection reason (`--by reason`); `--never-touched` lists the leads nobody
    /// followed up.
    Followup(FollowupArgs),
    /// Which channels or campaigns get the credit for leads, MQLs, opportunities or revenue
    /// in a period, under one model or all side by side, with the self-reported channel.
    Attribution(super::report_measure::AttributionArgs),
    /// Campaign ROI: cost, attributed leads to customers, cost per stage, pipeline, revenue
    /// and ROI by campaign or channel.
    Roi(super::report_measure::RoiArgs),
    /// Leads reaching each stage subscriber → customer, stage-to-stage rates and velocity,
    /// by cohort `month`, `source` or `campaign`.
    Funnel(super::report_funnel::FunnelArgs),
    /// Lead quality per source channel or campaign: disqualified (and why), MQL/SQL/win
    /// rates, revenue and cost per lead; flags cheap and good leads.
    Sources(super::report_funnel::SourcesArgs),
    /// Leads exposed to a campaign or channel against the others of the period: conversion
    /// with 95 % intervals and a verdict that calls noise noise.
    Compare(super::report_funnel::CompareArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ByArg {
    Rep,
    Team,
    Source,
    Month,
    /// Why reps rejected leads (`no_budget`, …), counted.
    Reason,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(clap::Args)]
pub struct FollowupArgs {
    #[arg(long, value_enum, default_value = "rep")]
    by: ByArg,
    /// Assignments made in the last this many days.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    days: u32,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// List the leads past their touch deadline (or rejected) without a touch instead.
    #[arg(long)]
    never_touched: bool,
    /// The report as it read at this time (RFC 3339, e.g. `2026-12-31T23:59:59Z`): deadlines
    /// not passed by then are pending. Default: now.
    #[arg(long, value_parser = parse_time)]
    as_of: Option<i64>,
}

fn parse_time(text: &str) -> Result<i64, String> {
    leadline_core::time::parse_rfc3339(text).ok_or_else(|| {
        format!("expected an RFC 3339 time such as 2026-12-31T23:59:59Z, got {text:?}")
    })
}

pub async fn run(store: Store, cmd: ReportCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ReportCommand::Followup(a) => followup(store, a).await,
        ReportCommand::Attribution(a) => super::report_measure::attribution(store, a).await,
        ReportCommand::Roi(a) => super::report_measure::roi(store, a).await,
        ReportCommand::Funnel(a) => super::report_funnel::funnel(store, a).await,
        ReportCommand::Sources(a) => super::report_funnel::sources(store, a).await,
        ReportCommand::Compare(a) => super::report_funnel::compare(store, a).await,
    }
}

async fn followup(store: Store, a: FollowupArgs) -> anyhow::Result<ExitCode> {
    let now = a.as_of.unwrap_or_else(leadline_store::now_ms);
    let from = now - i64::from(a.days) * 86_400_000;
    let mut out = std::io::stdout().lock();
    if a.never_touched {
        let all = store.handovers(from).await?;
        let rows = leadline_core::followup::never_touched(&all, now);
        match a.format {
            Format::Json => {
                let items: Vec<_> = rows
                    .iter()
                    .map(|h| serde_json::json!({"lead_id": h.lead_id, "owner": h.owner, "source": h.source,
                        "assigned_at": leadline_core::time::rfc3339(h.assigned_at)}))
                    .collect();
                writeln!(out, "{}", serde_json::Value::Array(items))?;
            }
            _ => {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record(["lead_id", "owner", "source", "assigned_at"])?;
                for h in rows {
                    let at = leadline_core::time::rfc3339(h.assigned_at);
                    w.write_record(safe([h.lead_id.as_str(), &h.owner, &h.source, &at]))?;
                }
                w.flush()?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let by = match a.by {
        ByArg::Rep => By::Rep,
        ByArg::Team => By::Team,
        ByArg::Source => By::Source,
        ByArg::Month => By::Month,
        ByArg::Reason => By::Reason,
    };
    let rows = store.followup_report(by, from, now).await?;
    match a.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string(&rows)?)?,
        Format::Csv | Format::Table => {
            let head = followup::COLUMNS.map(str::to_owned);
            let body: Vec<Vec<String>> = rows.iter().map(FollowupRow::cells).collect();
            write_rows(&mut out, a.format, &head, &body, Align::Left)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How an aligned table lines its columns up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Every column to the left (the follow-up and funnel reports).
    Left,
    /// The first column (a name) to the left, the rest (numbers) to the right.
    NumbersRight,
}

/// Writes a header and rows as CSV (cells neutralised against spreadsheet formulas) or, for
/// any other format, as a table padded to the widest cell. Every report prints through this,
/// so CSV from the CLI and from the UI's downloads read the same.
pub fn write_rows(
    out: &mut impl Write,
    format: Format,
    head: &[String],
    rows: &[Vec<String>],
    align: Align,
) -> anyhow::Result<()> {
    if format == Format::Csv {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(head)?;
        for r in rows {
            w.write_record(safe(r.iter().map(String::as_str)))?;
        }
        w.flush()?;
        return Ok(());
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .chain([&head[i]])
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for line in std::iter::once(head).chain(rows.iter().map(Vec::as_slice)) {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i > 0 && align == Align::NumbersRight {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}

/// One CSV row, every cell neutralised against spreadsheet formulas (as the export does).
fn safe<'a>(cells: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    cells
        .into_iter()
        .map(|c| csv_safe(c).into_owned())
        .collect()
}
