//! `leadline bench ingest`: Segment `/v1/batch` over loopback HTTP into the real server, then
//! the same activity rows through bare SQL, and a durability check.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::events::{Stream, batch_body};
use super::http::Client;
use super::report::{Percentiles, Report, round3};
use super::{Target, raw};

/// Options of `leadline bench ingest`.
#[derive(clap::Args)]
pub struct Args {
    /// How long the clients send, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Messages per `/v1/batch` request (and per reference transaction).
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Concurrent HTTP clients, one keep-alive connection each.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Seed of the synthetic traffic.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The goal, in acknowledged events per second, sustained over every 10-s window.
    #[arg(long, default_value_t = 50_000.0)]
    goal: f64,
}

#[derive(Default)]
struct ClientResult {
    acked: u64,
    latencies_ms: Vec<f64>,
    failures: u64,
    first_failure: Option<String>,
}

/// The sampling window of the "sustained" rate.
const WINDOW_SECS: u64 = 10;

pub async fn run(target: &Target, args: Args) -> anyhow::Result<Report> {
    let store = target.open_empty().await?;
    let write_key = format!("bench-write-key-{}", args.seed);
    store.create_source("bench", &write_key).await?;
    let state = leadline_server::AppState::new(store.clone(), false).await?;
    let (ready, bound) = tokio::sync::oneshot::channel();
    let server = tokio::spawn(leadline_server::serve(state, "127.0.0.1:0", move |addr| {
        let _ = ready.send(addr);
    }));
    let addr = bound.await.context("the server did not start")?;
    let auth = format!(
        "Authorization: Basic {}\r\n",
        STANDARD.encode(format!("{write_key}:"))
    );
    eprintln!(
        "ingest: {} clients × {} events per batch for {} s against http://{addr}/v1/batch",
        args.clients, args.batch, args.seconds
    );
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut clients = Vec::new();
    for c in 0..args.clients {
        let (auth, counter) = (auth.clone(), counter.clone());
        let (seed, batch) = (args.seed, args.batch);
        clients.push(tokio::spawn(async move {
            client(
                addr,
                auth,
                Stream::new(seed, c as u64),
                batch,
                deadline,
                counter,
            )
            .await
        }));
    }
    let per_second = sample(&counter, started, deadline).await;
    let mut results = Vec::new();
    for c in clients {
        results.push(c.await.context("a bench client panicked")?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    server.abort();
    // Acknowledged events are queued; the capture pipeline applies them behind the answer.
    let backlog = store.inbox_depth().await?.waiting;
    eprintln!("ingest: applying the {backlog} events still queued");
    let drainer = leadline_store::Capturer::start(store.clone());
    store.wait_for_inbox(Duration::from_secs(24 * 3600)).await?;
    let applied_after = started.elapsed().as_secs_f64();
    drop(drainer);
    let acked: u64 = results.iter().map(|r| r.acked).sum();
    let stored = count_activities(target).await?;
    eprintln!("ingest: {acked} events acknowledged; running the reference");
    let per_client: Vec<u64> = results.iter().map(|r| r.acked).collect();
    let reference = raw::activities(target, args.seed, &per_client, args.batch).await?;
    Ok(report(
        &args,
        target,
        results,
        elapsed,
        &per_second,
        Applied {
            backlog,
            secs: applied_after,
            stored,
        },
        &reference,
    ))
}

async fn client(
    addr: SocketAddr,
    auth: String,
    mut stream: Stream,
    batch: usize,
    deadline: Instant,
    counter: Arc<AtomicU64>,
) -> ClientResult {
    let mut http = Client::new(addr);
    let mut out = ClientResult::default();
    while Instant::now() < deadline {
        let body = batch_body(&mut stream, batch, leadline_store::now_ms());
        let sent = Instant::now();
        let failure = match http.post("/v1/batch", &auth, body.as_bytes()).await {
            Ok(r) if r.status == 200 && contains(&r.body, br#""success":true"#) => {
                out.latencies_ms.push(sent.elapsed().as_secs_f64() * 1e3);
                out.acked += batch as u64;
                counter.fetch_add(batch as u64, Ordering::Relaxed);
                None
            }
            Ok(r) => Some(format!(
                "HTTP {}: {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            )),
            Err(e) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                Some(format!("connection: {e}"))
            }
        };
        if let Some(f) = failure {
            out.failures += 1;
            out.first_failure.get_or_insert(f);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Acknowledged events in each second of the run.
async fn sample(counter: &AtomicU64, started: Instant, deadline: Instant) -> Vec<u64> {
    let mut rates = Vec::new();
    let mut last = 0;
    let mut tick = started;
    loop {
        tick += Duration::from_secs(1);
        if tick > deadline {
            return rates;
        }
        tokio::time::sleep_until(tick.into()).await;
        let now = counter.load(Ordering::Relaxed);
        rates.push(now - last);
        last = now;
    }
}

async fn count_activities(target: &Target) -> anyhow::Result<i64> {
    let pool = target.any_pool().await?;
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM activities")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    Ok(n)
}

/// What became of the acknowledged events: queued at the end of sending, then applied.
struct Applied {
    /// Events still queued when the clients stopped.
    backlog: i64,
    /// Seconds from the start until the last queued event was applied.
    secs: f64,
    /// Activities in the database afterwards.
    stored: i64,
}

fn report(
    args: &Args,
    target: &Target,
    results: Vec<ClientResult>,
    elapsed: f64,
    per_second: &[u64],
    applied: Applied,
    reference: &raw::RawRun,
) -> Report {
    let stored = applied.stored;
    let acked: u64 = results.iter().map(|r| r.acked).sum();
    let failures: u64 = results.iter().map(|r| r.failures).sum();
    let first_failure = results.iter().find_map(|r| r.first_failure.clone());
    let mut latencies: Vec<f64> = results.into_iter().flat_map(|r| r.latencies_ms).collect();
    let latency = Percentiles::of(&mut latencies);
    let rate = acked as f64 / elapsed;
    let windows: Vec<f64> = per_second
        .chunks(WINDOW_SECS as usize)
        .filter(|w| w.len() == WINDOW_SECS as usize)
        .map(|w| w.iter().sum::<u64>() as f64 / WINDOW_SECS as f64)
        .collect();
    let slowest = windows.iter().copied().fold(f64::INFINITY, f64::min);
    let ratio = rate / reference.rate();
    let mut r = Report::on_engine("ingest", target.engine());
    r.add(
        "load",
        format!(
            "{} clients × {} events/batch, {} s",
            args.clients, args.batch, args.seconds
        ),
        "clients",
        json!(args.clients),
    );
    r.field("batch", json!(args.batch));
    r.field("seconds", json!(round3(elapsed)));
    r.add(
        "acknowledged events",
        acked.to_string(),
        "acked",
        json!(acked),
    );
    r.add(
        "leadline",
        format!("{rate:.0} events/s"),
        "events_per_s",
        json!(rate.round()),
    );
    let shown: Vec<String> = windows.iter().map(|w| format!("{w:.0}")).collect();
    r.add(
        "10-s windows",
        if shown.is_empty() {
            "none (the run was shorter than 10 s)".into()
        } else {
            format!("{} events/s", shown.join(", "))
        },
        "window_events_per_s",
        json!(windows.iter().map(|w| w.round()).collect::<Vec<_>>()),
    );
    r.add(
        "queued at the end",
        format!("{} events", applied.backlog),
        "backlog",
        json!(applied.backlog),
    );
    let applied_rate = acked as f64 / applied.secs;
    r.add(
        "applied (end to end)",
        format!(
            "{applied_rate:.0} events/s (all applied {:.1} s after the start)",
            applied.secs
        ),
        "applied_events_per_s",
        json!(applied_rate.round()),
    );
    r.add(
        "request latency",
        latency.shown(),
        "latency",
        latency.json(),
    );
    r.add(
        "failed requests",
        match &first_failure {
            Some(f) => format!("{failures} (first: {f})"),
            None => "0".into(),
        },
        "failed_requests",
        json!(failures),
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
    r.add(
        "durability",
        format!("{stored} activities stored, {acked} acknowledged"),
        "stored",
        json!(stored),
    );
    let full = windows.len() as u64 * WINDOW_SECS >= 60;
    r.target(
        format!(
            "≥ {:.0} events/s in every 10-s window for ≥ 60 s",
            args.goal
        ),
        full && slowest >= args.goal,
    );
    r.target(
        "every acknowledged event is stored".into(),
        u64::try_from(stored).is_ok_and(|s| s == acked),
    );
    r
}
