//! `leadline bench reports`: every report over the 1,000,000-lead demo database (issue 6:
//! each ≤ 2 s on SQLite), against a bare scan of the same tables in the same run.
//!
//! With `--db` the bench reads an existing demo database (built once with `leadline demo
//! --leads 1000000`, which takes tens of minutes) and never writes to it beyond the
//! migrations `Store::open` runs. Without it, a fresh temporary one of `--leads` is built
//! first through the demo's capture pipeline (not measured).

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, bail};
use leadline_store::Store;
use serde_json::json;
use sqlx::{AnyPool, AssertSqlSafe, Row};

use super::Target;
use super::report::{Report, round3};

mod probes;

use probes::{Probe, Sql};

pub(crate) const DAY: i64 = 86_400_000;

#[derive(clap::Args)]
pub struct Args {
    /// Leads of the demo database built when `--db` is not given (1,000,000 takes about
    /// half an hour on 2 cores).
    #[arg(long, default_value_t = 1_000_000)]
    leads: usize,
    /// Timed runs of each probe, after one untimed warm-up run.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: u64,
    /// Seed of the demo database built when `--db` is not given.
    #[arg(long, default_value_t = crate::commands::demo::DEFAULT_SEED)]
    seed: u64,
    /// Run only the probes whose name contains this text.
    #[arg(long)]
    only: Option<String>,
    /// Goal: seconds per report (median of the runs).
    #[arg(long, default_value_t = 2.0)]
    goal_s: f64,
}

/// The periods the probes ask about, relative to the end of the demo's history (so a
/// database built last week is measured on the same data as one built today).
pub struct Period {
    /// The demo's "now": the latest end of a campaign (running campaigns end at now).
    pub as_of: i64,
    /// The calendar quarter before the one `as_of` falls in (the reports' default period).
    pub last_quarter: leadline_core::period::Period,
    /// Id of the campaign most leads came from (empty when none did).
    pub biggest_campaign: String,
}

/// Median and maximum of timed runs, in seconds.
#[derive(Clone, Copy)]
struct Timing {
    median: f64,
    max: f64,
}

impl Timing {
    fn of(mut samples: Vec<f64>) -> Timing {
        samples.sort_by(f64::total_cmp);
        let n = samples.len();
        let median = if n % 2 == 1 {
            samples[n / 2]
        } else {
            (samples[n / 2 - 1] + samples[n / 2]) / 2.0
        };
        Timing {
            median,
            max: samples[n - 1],
        }
    }
}

pub async fn run(target: &Target, args: Args) -> anyhow::Result<Report> {
    let store = open(target, &args).await?;
    let pool = target.any_pool().await?;
    let mut r = Report::on_engine("reports", target.engine());
    describe(&pool, target, &mut r).await?;
    let period = period(&pool).await?;
    r.add(
        "as of (latest campaign end)",
        leadline_core::time::rfc3339(period.as_of),
        "as_of",
        json!(leadline_core::time::rfc3339(period.as_of)),
    );
    // References by statement and parameters: probes sharing one are measured once.
    let mut references: HashMap<(&'static str, Vec<i64>), Timing> = HashMap::new();
    let mut results = Vec::new();
    for probe in probes::all(&period) {
        if args
            .only
            .as_ref()
            .is_some_and(|o| !probe.name.contains(o.as_str()))
        {
            continue;
        }
        let (rows, time) = measure(args.runs, || probe_once(&probe, &store)).await?;
        let key = (probe.reference.text, probe.reference.binds.clone());
        let reference = match references.get(&key) {
            Some(t) => *t,
            None => {
                let (_, t) = measure(args.runs, || sql_once(&probe.reference, &pool)).await?;
                references.insert(key, t);
                t
            }
        };
        let ratio = time.median / reference.median.max(1e-6);
        eprintln!(
            "reports: {}: median {:.3} s, max {:.3} s, {rows} rows; {}: {:.3} s; ratio {ratio:.1}",
            probe.name, time.median, time.max, probe.reference.label, reference.median
        );
        r.line(
            &probe.name,
            format!(
                "median {:.3} s, max {:.3} s ({rows} rows) | {} {:.3} s | ratio {ratio:.1}",
                time.median, time.max, probe.reference.label, reference.median
            ),
        );
        r.target(
            format!("{} ≤ {} s", probe.name, args.goal_s),
            time.median <= args.goal_s,
        );
        results.push(json!({
            "probe": probe.name, "rows": rows,
            "median_s": round3(time.median), "max_s": round3(time.max),
            "reference": probe.reference.label, "reference_s": round3(reference.median),
            "ratio": round3(ratio), "passed": time.median <= args.goal_s,
        }));
    }
    pool.close().await;
    if results.is_empty() {
        bail!(
            "--only {:?} matches no probe",
            args.only.unwrap_or_default()
        );
    }
    r.field("probes", json!(results));
    r.add(
        "runs per probe",
        args.runs.to_string(),
        "runs",
        json!(args.runs),
    );
    Ok(r)
}

/// Opens the `--db` demo database, or builds a fresh one of `--leads` in the scratch space.
async fn open(target: &Target, args: &Args) -> anyhow::Result<Store> {
    let store = Store::open(&target.url)
        .await
        .with_context(|| format!("opening {}", target.describe()))?;
    if target.explicit {
        let pool = target.any_pool().await?;
        let demo: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM leads) \
             AND EXISTS (SELECT 1 FROM activities WHERE origin = 'demo') THEN 1 ELSE 0 END",
        )
        .fetch_one(&pool)
        .await?;
        pool.close().await;
        if demo == 0 {
            bail!(
                "{} is not a demo database (no leads or no demo activities): build one with \
                 `leadline demo --db URL --leads 1000000` first, or leave out --db",
                target.describe()
            );
        }
        return Ok(store);
    }
    let started = Instant::now();
    eprintln!("reports: building a demo database of {} leads", args.leads);
    crate::commands::demo::fill(&store, args.leads, args.seed)
        .await
        .context("building the demo database")?;
    eprintln!(
        "reports: demo database built in {:.0} s (not measured)",
        started.elapsed().as_secs_f64()
    );
    Ok(store)
}

/// Row counts (and file size on SQLite) of what the reports read.
async fn describe(pool: &AnyPool, target: &Target, r: &mut Report) -> anyhow::Result<()> {
    let mut counts = serde_json::Map::new();
    for table in [
        "leads",
        "activities",
        "stage_changes",
        "assignments",
        "opportunities",
        "costs",
    ] {
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(pool)
            .await
            .with_context(|| format!("counting {table}"))?;
        r.line(table, n.to_string());
        counts.insert(table.into(), json!(n));
    }
    r.field("rows", serde_json::Value::Object(counts));
    if let Some(path) = target.url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if let Ok(meta) = std::fs::metadata(path) {
            let mib = meta.len() as f64 / (1024.0 * 1024.0);
            r.add(
                "database file",
                format!("{mib:.0} MiB"),
                "file_mib",
                json!(round3(mib)),
            );
        }
    }
    Ok(())
}

async fn period(pool: &AnyPool) -> anyhow::Result<Period> {
    let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(ends_at) FROM campaigns")
        .fetch_one(pool)
        .await?;
    let as_of = latest.unwrap_or_else(leadline_store::now_ms);
    let quarter = leadline_core::period::named("last-quarter", as_of)
        .map_err(|e| anyhow::anyhow!("the last quarter before {as_of}: {e}"))?;
    // The campaign most leads came from: the compare report's program.
    let biggest: Option<String> = sqlx::query_scalar(
        "SELECT source_campaign_id FROM leads WHERE source_campaign_id IS NOT NULL \
         GROUP BY source_campaign_id ORDER BY COUNT(*) DESC, source_campaign_id LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    Ok(Period {
        as_of,
        last_quarter: quarter,
        biggest_campaign: biggest.unwrap_or_default(),
    })
}

/// One warm-up run, then `runs` timed ones; the rows of the last run.
async fn measure<F, Fut>(runs: u64, mut once: F) -> anyhow::Result<(usize, Timing)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<usize>>,
{
    let mut rows = once().await?;
    let mut samples = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        rows = once().await?;
        samples.push(t.elapsed().as_secs_f64());
    }
    Ok((rows, Timing::of(samples)))
}

async fn probe_once(probe: &Probe, store: &Store) -> anyhow::Result<usize> {
    (probe.run)(store)
        .await
        .with_context(|| format!("probe {}", probe.name))
}

/// Runs a bare statement and reads every row it returns.
async fn sql_once(q: &Sql, pool: &AnyPool) -> anyhow::Result<usize> {
    let mut query = sqlx::query(q.text);
    for b in &q.binds {
        query = query.bind(*b);
    }
    let rows = query.fetch_all(pool).await?;
    // Touch the first column so the rows are decoded, as a report's would be.
    Ok(rows.iter().filter(|r| r.try_get_raw(0).is_ok()).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_takes_the_median_and_the_max() {
        let t = Timing::of(vec![3.0, 1.0, 2.0]);
        assert_eq!((t.median, t.max), (2.0, 3.0));
        let t = Timing::of(vec![4.0, 1.0, 2.0, 3.0]);
        assert_eq!((t.median, t.max), (2.5, 4.0));
    }
}
