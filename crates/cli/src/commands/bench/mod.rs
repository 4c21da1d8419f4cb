//! `leadline bench ingest|import|list|segment|rescore|…`: performance goals as measurements.
//!
//! Every bench measures Leadline and, in the same run, a reference (the same rows written or
//! read with bare SQL), and prints both with their ratio, so a number means something on any
//! machine. Results and the commands that produced them live in `BENCHMARKS.md`.
//!
//! The database is a fresh temporary SQLite file unless `--db` is given on the command line
//! (never taken from `LEADLINE_DB`, so a bench cannot write synthetic data into a real
//! database by accident); a `--db` database must be empty.

use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, bail};
use leadline_store::{Backend, Store};

mod attribution;
mod duplicates;
mod events;
mod http;
mod import;
mod ingest;
mod list;
mod raw;
mod report;
mod reports;
mod rescore;
mod route;
mod score;
mod segment;

/// Options of `leadline bench`.
#[derive(clap::Args)]
pub struct Args {
    /// `table`: a summary table on stdout; `json`: one JSON line on stdout (the table goes to
    /// stderr).
    #[arg(long, default_value = "table", value_parser = ["table", "json"], global = true)]
    format: String,
    #[command(subcommand)]
    bench: Bench,
}

#[derive(clap::Subcommand)]
enum Bench {
    /// Segment `/v1/batch` over loopback HTTP against raw inserts of the same activity rows.
    Ingest(ingest::Args),
    /// `leadline import` of a generated CSV against raw inserts of the same rows.
    Import(import::Args),
    /// Lead list queries on a large database against a bare `SELECT id … LIMIT 50`.
    List(list::Args),
    /// Rescoring every lead after a rule change, against a bare read-and-rewrite pass.
    Rescore(rescore::Args),
    /// Counting the leads a segment (filter expression) matches, against `SELECT COUNT(*)`.
    Segment(segment::Args),
    /// Routing 100,000 newly sales-ready leads end to end, against bulk writes of the same rows.
    Route(route::Args),
    /// Training the predictive scorer on 100,000 generated leads, against scikit-learn.
    Score(score::Args),
    /// A duplicate scan over a large database with planted duplicates: time and recall.
    Duplicates(duplicates::Args),
    /// `leadline attribution` on generated path files against channelattribution 2.2.5.
    Attribution(attribution::Args),
    /// Every report over the 1M-lead demo database, against bare scans of the same tables.
    Reports(reports::Args),
}

/// Runs one bench. `db` is the global `--db`; it is used only when given on the command line.
pub async fn run(db: &str, args: Args) -> anyhow::Result<ExitCode> {
    let target = Target::resolve(db)?;
    if !matches!(args.bench, Bench::Attribution(_)) {
        eprintln!("bench database: {}", target.describe());
    }
    let report = match args.bench {
        Bench::Ingest(a) => ingest::run(&target, a).await?,
        Bench::Import(a) => import::run(&target, a).await?,
        Bench::List(a) => list::run(&target, a).await?,
        Bench::Segment(a) => segment::run(&target, a).await?,
        Bench::Route(a) => route::run(&target, a).await?,
        Bench::Rescore(a) => rescore::run(&target, a).await?,
        Bench::Score(a) => score::run(&target, a).await?,
        Bench::Duplicates(a) => duplicates::run(&target, a).await?,
        Bench::Attribution(a) => attribution::run(&target, a)?,
        Bench::Reports(a) => reports::run(&target, a).await?,
    };
    report.print(args.format == "json");
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

/// Where a bench writes: a temporary SQLite file (removed at the end) or an explicit URL.
pub struct Target {
    pub url: String,
    pub backend: Backend,
    /// Scratch space for generated files and reference databases.
    pub scratch: tempfile::TempDir,
    explicit: bool,
}

impl Target {
    fn resolve(db: &str) -> anyhow::Result<Target> {
        let scratch = tempfile::Builder::new()
            .prefix("leadline-bench-")
            .tempdir()
            .context("creating a temporary directory")?;
        let explicit = std::env::args().any(|a| a == "--db" || a.starts_with("--db="));
        if !explicit {
            let url = format!("sqlite://{}", scratch.path().join("leadline.db").display());
            return Ok(Target {
                url,
                backend: Backend::Sqlite,
                scratch,
                explicit,
            });
        }
        let backend = if db.starts_with("postgres://") || db.starts_with("postgresql://") {
            Backend::Postgres
        } else if db.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            bail!("--db {db:?}: expected sqlite://FILE or postgres://USER@HOST/DB");
        };
        Ok(Target {
            url: db.to_owned(),
            backend,
            scratch,
            explicit,
        })
    }

    fn describe(&self) -> String {
        if self.explicit {
            crate::redact(&self.url)
        } else {
            format!("{} (temporary)", self.url)
        }
    }

    pub fn engine(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// Opens and migrates the bench database; refuses one that already holds leads or
    /// activities (the bench's counts and durability check assume an empty database).
    pub async fn open_empty(&self) -> anyhow::Result<Store> {
        let store = Store::open(&self.url)
            .await
            .with_context(|| format!("opening {}", self.describe()))?;
        let pool = self.any_pool().await?;
        let rows: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM leads) + (SELECT COUNT(*) FROM activities)",
        )
        .fetch_one(&pool)
        .await?;
        pool.close().await;
        if rows > 0 {
            bail!(
                "{} already holds leads or activities: point --db at an empty database (the bench writes synthetic data)",
                self.describe()
            );
        }
        Ok(store)
    }

    /// A plain pool on the bench database for setup and checks outside the store's API.
    pub async fn any_pool(&self) -> anyhow::Result<sqlx::AnyPool> {
        use sqlx::ConnectOptions;
        sqlx::any::install_default_drivers();
        let options =
            sqlx::any::AnyConnectOptions::from_str(&self.url)?.disable_statement_logging();
        sqlx::any::AnyPoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .with_context(|| format!("connecting to {}", self.describe()))
    }
}

/// Peak resident set size of this process so far (`VmHWM`), in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
