//! `leadline import FILE.csv`: bulk lead import through the capture pipeline.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use leadline_core::Channel;
use leadline_core::capture::OnDuplicate;
use leadline_core::import::{
    Encoding, ImportContext, ImportOptions, MappingOptions, Preset, list_name_from_file,
};
use leadline_store::import::{ImportSummary, run_import};
use leadline_store::{Capturer, Store};

/// Options of `leadline import`. Exit status: 0 when every row was imported, 2 when some rows
/// were refused (the good ones are imported; see the error report), 1 when the import could
/// not finish (the rows before the problem are imported and reported).
#[derive(clap::Args)]
pub struct Args {
    /// The CSV file (comma, semicolon, tab or pipe separated; UTF-8 or Windows-1252).
    file: PathBuf,
    /// The campaign these people came from (created when new), e.g. "Expo 2026".
    #[arg(long)]
    campaign: Option<String>,
    /// The channel of the list, e.g. tradeshow, webinar, direct_mail.
    #[arg(long)]
    channel: Option<String>,
    /// Map a column to a field: COLUMN=email|first_name|last_name|name|title|phone|company|country|website|key|ignore|<custom>.
    #[arg(long = "map", value_name = "COLUMN=field")]
    map: Vec<String>,
    /// A column holding an external id, for files without email addresses.
    #[arg(long, value_name = "COLUMN")]
    key: Option<String>,
    /// Header names of an export from another tool.
    #[arg(long, value_parser = ["hubspot", "salesforce", "mautic"])]
    preset: Option<String>,
    /// What to do with rows matching a lead we already have.
    #[arg(long, default_value = "update", value_parser = ["update", "skip"])]
    on_duplicate: String,
    /// Override the sniffed encoding.
    #[arg(long, value_parser = ["utf-8", "windows-1252"])]
    encoding: Option<String>,
    /// Override the sniffed delimiter (one character; "tab" for tabs).
    #[arg(long)]
    delimiter: Option<String>,
    /// Where to write the per-row error report (CSV); default FILE.errors.csv when rows fail.
    #[arg(long)]
    errors: Option<PathBuf>,
    /// How to show progress: a bar on a terminal (default), or `json`: one line of committed
    /// counts per chunk on stderr, for scripts.
    #[arg(long, value_parser = ["bar", "json"], default_value = "bar")]
    progress: String,
}

fn options(args: &Args) -> anyhow::Result<(ImportOptions, Option<Channel>)> {
    let delimiter = match args.delimiter.as_deref() {
        None => None,
        Some("tab" | "\\t") => Some(b'\t'),
        Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
        Some(d) => bail!("--delimiter {d:?}: expected one character such as , ; | or the word tab"),
    };
    let channel = match args.channel.as_deref() {
        Some(c) => Some(Channel::parse(c).with_context(|| format!("--channel {c:?}: unknown channel; e.g. tradeshow, webinar, direct_mail, event_presentation"))?),
        None => None,
    };
    let options = ImportOptions {
        encoding: args.encoding.as_deref().and_then(Encoding::parse),
        delimiter,
        mapping: MappingOptions {
            preset: args.preset.as_deref().and_then(Preset::parse),
            map: args.map.clone(),
            key: args.key.clone(),
        },
    };
    Ok((options, channel))
}

/// The channel of an existing campaign named `name`: a list imported into a tradeshow's
/// campaign without `--channel` records tradeshow touches.
async fn campaign_channel(store: &Store, name: Option<&str>) -> anyhow::Result<Option<Channel>> {
    let Some(name) = name else { return Ok(None) };
    Ok(match store.campaign_id_by_name(name).await? {
        Some(id) => Channel::parse(&store.get_campaign(&id).await?.channel),
        None => None,
    })
}

pub async fn run(store: Store, args: Args) -> anyhow::Result<ExitCode> {
    let (options, channel) = options(&args)?;
    let path = &args.file;
    let file =
        std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let context = ImportContext {
        list_name: list_name_from_file(&path.to_string_lossy()),
        campaign: args.campaign.clone(),
        channel: match channel {
            Some(c) => Some(c),
            None => campaign_channel(&store, args.campaign.as_deref())
                .await?
                .or(Some(Channel::Import)),
        },
        on_duplicate: if args.on_duplicate == "skip" {
            OnDuplicate::Skip
        } else {
            OnDuplicate::Update
        },
        occurred_at: leadline_store::now_ms(),
        origin: format!("import:{}", list_name_from_file(&path.to_string_lossy())),
    };
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(size)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {msg} ({eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let capturer = Capturer::start(store.clone());
    let started = std::time::Instant::now();
    let json = args.progress == "json";
    let result = run_import(
        &capturer,
        std::io::BufReader::with_capacity(256 * 1024, file),
        options,
        context,
        |s: &ImportSummary| {
            if json {
                let line = serde_json::json!({"bytes_read": s.bytes_read, "total_bytes": size,
                    "created": s.created, "updated": s.updated, "unchanged": s.unchanged,
                    "skipped": s.skipped, "failed": s.failed});
                eprintln!("{line}");
            }
            bar.set_position(s.bytes_read);
            bar.set_message(format!("{} imported, {} failed", s.imported(), s.failed));
        },
    )
    .await;
    bar.finish_and_clear();
    let summary = match result {
        Ok(s) => s,
        Err(e) => bail!("{}: {e}", path.display()),
    };
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{}: {} created, {} updated, {} unchanged, {} skipped, {} failed in {secs:.1} s",
        path.display(),
        summary.created,
        summary.updated,
        summary.unchanged,
        summary.skipped,
        summary.failed
    );
    if let Some(reason) = &summary.fatal {
        eprintln!("{}: import stopped early: {reason}", path.display());
    }
    if summary.failed == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    for e in summary.errors.iter().take(20) {
        eprintln!(
            "  {}: line {}{}: {}",
            path.display(),
            e.line,
            e.column
                .as_ref()
                .map(|c| format!(", column {c:?}"))
                .unwrap_or_default(),
            e.reason
        );
    }
    let report = args
        .errors
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.errors.csv", path.display())));
    write_report(&report, &summary)
        .with_context(|| format!("{}: cannot write the error report", report.display()))?;
    eprintln!(
        "the good rows were imported; all {} refused rows are listed in {}",
        summary.failed,
        report.display()
    );
    Ok(if summary.fatal.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::from(2)
    })
}

fn write_report(path: &std::path::Path, summary: &ImportSummary) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["line", "column", "code", "reason"])?;
    for e in &summary.errors {
        w.write_record([
            e.line.to_string(),
            e.column.clone().unwrap_or_default(),
            e.code.clone(),
            e.reason.clone(),
        ])?;
    }
    w.flush()?;
    std::io::stderr().flush().ok();
    Ok(())
}
