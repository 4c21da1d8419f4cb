//! `leadline bench import`: a generated CSV through `leadline import`'s code path, then the
//! same file through bare SQL inserts.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use leadline_core::Channel;
use leadline_core::capture::OnDuplicate;
use leadline_core::import::{ImportContext, ImportOptions};
use leadline_store::Capturer;
use leadline_store::import::{ImportSummary, run_import};
use serde_json::json;

use super::events::{COMPANY_WORDS, Rng, person};
use super::report::{Report, round3};
use super::{Target, peak_rss_mib, raw};

/// Options of `leadline bench import`.
#[derive(clap::Args)]
pub struct Args {
    /// Rows of the generated CSV file.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Seed of the generated file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Goal: the import's wall time for 1M rows, scaled to `--rows`.
    #[arg(long, default_value_t = 20.0)]
    goal_secs_per_million: f64,
    /// Goal: peak resident memory of the process, MiB.
    #[arg(long, default_value_t = 200.0)]
    goal_rss_mib: f64,
}

const INDUSTRIES: &[&str] = &[
    "Software",
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Finance",
    "Logistics",
    "Education",
];

pub async fn run(target: &Target, args: Args) -> anyhow::Result<Report> {
    let path = target.scratch.path().join("bench-import.csv");
    let bytes = write_csv(&path, args.rows, args.seed)?;
    eprintln!(
        "import: {} rows, {:.1} MiB in {}",
        args.rows,
        bytes as f64 / 1048576.0,
        path.display()
    );
    let store = target.open_empty().await?;
    let capturer = Capturer::start(store.clone());
    let context = ImportContext {
        list_name: "bench-import".into(),
        campaign: None,
        channel: Some(Channel::Import),
        on_duplicate: OnDuplicate::Update,
        occurred_at: leadline_store::now_ms(),
        origin: "import:bench-import".into(),
    };
    let file =
        std::fs::File::open(&path).with_context(|| format!("{}: cannot open", path.display()))?;
    let started = Instant::now();
    let summary = run_import(
        &capturer,
        std::io::BufReader::with_capacity(256 * 1024, file),
        ImportOptions::default(),
        context,
        |_: &ImportSummary| {},
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let secs = started.elapsed().as_secs_f64();
    let rss = peak_rss_mib();
    if summary.failed > 0 || summary.imported() != args.rows {
        bail!(
            "the import refused {} rows and imported {} of {}: the generated file should import cleanly (first error: {:?})",
            summary.failed,
            summary.imported(),
            args.rows,
            summary.errors.first().map(|e| &e.reason)
        );
    }
    drop(capturer);
    store.close().await;
    eprintln!(
        "import: {} rows in {secs:.1} s; running the reference",
        summary.imported()
    );
    let reference = raw::leads_from_csv(target, &path).await?;
    Ok(report(&args, target, &summary, secs, rss, &reference))
}

/// Writes `rows` people (email, first/last name, company, title, phone, country and two
/// custom columns) with unique emails; returns the file's size.
fn write_csv(path: &Path, rows: u64, seed: u64) -> anyhow::Result<u64> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("{}: cannot create", path.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    writeln!(
        w,
        "Email,First Name,Last Name,Company,Title,Phone,Country,Industry,Employees"
    )?;
    let mut rng = Rng::new(seed);
    for i in 0..rows {
        // Unique people: the person of a random user number, with the row number in the email.
        let p = person(rng.below(1 << 40));
        let (local, domain) = p.email.split_once('@').unwrap_or((&p.email, "example.com"));
        let company = if rng.below(10) == 0 {
            format!(
                "\"{}, Inc.\"",
                COMPANY_WORDS[(i % COMPANY_WORDS.len() as u64) as usize]
            )
        } else {
            p.company.clone()
        };
        writeln!(
            w,
            "{local}.{i}@{domain},{},{},{company},{},+1 555 {:04} {:04},{},{},{}",
            p.first,
            p.last,
            p.title,
            rng.below(10_000),
            rng.below(10_000),
            p.country,
            INDUSTRIES[rng.below(INDUSTRIES.len() as u64) as usize],
            [10, 50, 200, 1000, 5000][rng.below(5) as usize],
        )?;
    }
    w.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

fn report(
    args: &Args,
    target: &Target,
    summary: &ImportSummary,
    secs: f64,
    rss: Option<f64>,
    reference: &raw::RawRun,
) -> Report {
    let rows = summary.imported();
    let rate = rows as f64 / secs;
    let ratio = rate / reference.rate();
    let goal_secs = args.goal_secs_per_million * args.rows as f64 / 1e6;
    let mut r = Report::on_engine("import", target.engine());
    r.add(
        "rows",
        format!(
            "{rows} ({} created, {} updated)",
            summary.created, summary.updated
        ),
        "rows",
        json!(rows),
    );
    r.add(
        "wall time",
        format!("{secs:.1} s"),
        "seconds",
        json!(round3(secs)),
    );
    r.add(
        "leadline",
        format!("{rate:.0} rows/s"),
        "rows_per_s",
        json!(rate.round()),
    );
    r.add(
        "peak RSS (VmHWM)",
        rss.map_or("unknown".into(), |m| format!("{m:.0} MiB")),
        "peak_rss_mib",
        json!(rss.map(|m| m.round())),
    );
    r.add(
        "reference (raw inserts)",
        format!(
            "{:.0} rows/s ({} rows in {:.1} s)",
            reference.rate(),
            reference.rows,
            reference.secs
        ),
        "raw_rows_per_s",
        json!(reference.rate().round()),
    );
    r.add(
        "ratio leadline / raw",
        format!("{ratio:.3}"),
        "ratio",
        json!(round3(ratio)),
    );
    r.target(
        format!("{} rows in ≤ {goal_secs:.1} s", args.rows),
        secs <= goal_secs,
    );
    r.target(
        format!("peak RSS ≤ {:.0} MiB", args.goal_rss_mib),
        rss.is_some_and(|m| m <= args.goal_rss_mib),
    );
    r
}
