//! `leadline bench segment`: counting the leads a segment matches on a large database,
//! through `Store::count_matching` (the SQL a saved segment or an MQL check runs), against a
//! bare `SELECT COUNT(*) FROM leads` on the same database.

use std::time::Instant;

use anyhow::Context;
use serde_json::json;

use super::Target;
use super::report::{Percentiles, Report, round3};

#[derive(clap::Args)]
pub struct Args {
    /// Leads in the database.
    #[arg(long, default_value_t = 1_000_000)]
    leads: u64,
    /// Timed runs of each segment.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Seed of the synthetic leads.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Goal: the slowest run of every segment, in milliseconds.
    #[arg(long, default_value_t = 1_000.0)]
    goal_ms: f64,
}

/// Segments a team would save: one field, a list and a word, a date window, a mix.
const SEGMENTS: &[&str] = &[
    r#"country = "DE""#,
    r#"stage in ("mql", "sal") and title contains "head""#,
    "created_at > now - 30d",
    r#"not disqualified and (country in ("DE", "AT", "CH") or title contains "founder")"#,
];

pub async fn run(target: &Target, args: Args) -> anyhow::Result<Report> {
    let store = target.open_empty().await?;
    let pool = target.any_pool().await?;
    let started = Instant::now();
    super::list::fill(&pool, args.leads, args.seed)
        .await
        .context("building the bench database")?;
    eprintln!(
        "segment: {} leads inserted in {:.1} s (setup, not measured)",
        args.leads,
        started.elapsed().as_secs_f64()
    );
    if target.backend == leadline_store::Backend::Postgres {
        sqlx::query("ANALYZE").execute(&pool).await?;
    }
    let now = leadline_store::now_ms();
    let mut results = Vec::new();
    for text in SEGMENTS {
        let expr =
            leadline_core::filter::parse(text).map_err(|e| anyhow::anyhow!("{text}: {e}"))?;
        let mut samples = Vec::new();
        let mut matched = 0;
        for i in 0..=args.runs {
            let t = Instant::now();
            matched = store.count_matching(&expr, now).await?;
            if i > 0 {
                samples.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        let p = Percentiles::of(&mut samples);
        eprintln!("segment: {text}: {matched} leads, {}", p.shown());
        results.push((*text, matched, p));
    }
    let mut samples = Vec::new();
    for _ in 0..=args.runs {
        let t = Instant::now();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM leads")
            .fetch_one(&pool)
            .await?;
        std::hint::black_box(n);
        samples.push(t.elapsed().as_secs_f64() * 1e3);
    }
    samples.remove(0);
    let reference = Percentiles::of(&mut samples);
    pool.close().await;

    let mut r = Report::on_engine("segment", target.engine());
    r.add("leads", args.leads.to_string(), "leads", json!(args.leads));
    r.add(
        "runs per segment",
        format!("{} (+1 warm-up)", args.runs),
        "runs",
        json!(args.runs),
    );
    let mut json_results = Vec::new();
    for (text, matched, p) in &results {
        r.line(text, format!("{matched} leads; {}", p.shown()));
        json_results.push(json!({"segment": text, "matched": matched, "ms": p.json()}));
    }
    r.field("segments", json!(json_results));
    r.add(
        "reference: SELECT COUNT(*) FROM leads",
        reference.shown(),
        "reference",
        reference.json(),
    );
    if let Some((_, _, worst)) = results.iter().max_by(|a, b| a.2.max.total_cmp(&b.2.max)) {
        let ratio = worst.max / reference.max.max(1e-6);
        r.add(
            "ratio slowest / reference",
            format!("{ratio:.1}"),
            "ratio_slowest",
            json!(round3(ratio)),
        );
    }
    for (text, _, p) in &results {
        r.target(
            format!("{text}: every run ≤ {:.0} ms", args.goal_ms),
            p.max <= args.goal_ms,
        );
    }
    Ok(r)
}
