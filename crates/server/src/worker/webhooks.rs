//! Delivering webhooks: claims due deliveries (a lease, so two processes never send the same
//! one at once), POSTs each event's stored body signed as Standard Webhooks says, and records
//! the outcome: a 2xx is delivered; anything else, a timeout or a refused connection is
//! retried on `leadline_core::webhook::retry_delay_ms`'s schedule, then dead. Redirects are
//! not followed (a 3xx is a failure). Logs name deliveries and events by id and type only:
//! never a body, a URL or a secret.

use std::time::{Duration, Instant};

use leadline_core::webhook::{self, Secret};
use leadline_store::Store;
use leadline_store::webhooks::{Attempt, Claimed};

use crate::state::AppState;

/// How long one POST may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claim is ours: the slowest POST of a batch and the bookkeeping around it. A
/// process killed mid-delivery leaves its deliveries to others after this.
pub const LEASE_MS: i64 = 20_000;
/// Deliveries claimed, and sent concurrently, at a time.
const BATCH: i64 = 32;
/// How often an idle worker looks for due deliveries.
const POLL: Duration = Duration::from_secs(1);

/// The HTTP client deliveries go through: no redirects, a timeout, HTTPS through rustls.
pub fn client() -> reqwest::Client {
    crate::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .user_agent(concat!("Leadline-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// Delivers due webhooks until the process ends.
pub async fn run(state: AppState) {
    let client = client();
    let worker = format!("{}-{}", std::process::id(), crate::auth::random_token(6));
    loop {
        match deliver_due(&state.store, &client, &worker, leadline_store::now_ms()).await {
            Ok(n) if n as i64 >= BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not claim webhook deliveries"),
        }
        tokio::time::sleep(POLL).await;
    }
}

/// One pass: claims up to a batch of deliveries due at `now`, sends them concurrently and
/// records each outcome; returns how many were claimed. Public so tests can run a pass with
/// a clock of their own (a retry half a minute later).
pub async fn deliver_due(
    store: &Store,
    client: &reqwest::Client,
    worker: &str,
    now: i64,
) -> leadline_store::Result<usize> {
    let claimed = store
        .claim_webhook_deliveries(worker, now, LEASE_MS, BATCH)
        .await?;
    let n = claimed.len();
    let mut tasks = tokio::task::JoinSet::new();
    for c in claimed {
        let (store, client, worker) = (store.clone(), client.clone(), worker.to_owned());
        tasks.spawn(async move {
            let attempt = send(&client, &c, leadline_store::now_ms()).await;
            log(&c, &attempt);
            let jitter: f64 = rand::random();
            let done = now.max(leadline_store::now_ms());
            if let Err(e) = store
                .record_webhook_attempt(&c, &worker, &attempt, done, jitter)
                .await
            {
                tracing::error!(delivery = %c.delivery_id, error = %e, "could not record a webhook attempt; it will be sent again");
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    Ok(n)
}

/// POSTs one delivery: the stored body, byte for byte, with the `webhook-id` (the event's),
/// `webhook-timestamp` (this attempt's) and `webhook-signature` headers.
pub async fn send(client: &reqwest::Client, c: &Claimed, now: i64) -> Attempt {
    let secrets: Vec<Secret> = c
        .secrets
        .iter()
        .filter_map(|s| Secret::parse(s).ok())
        .collect();
    let timestamp = now.div_euclid(1000);
    let signature = webhook::signature(&secrets, &c.event_id, timestamp, c.payload.as_bytes());
    let started = Instant::now();
    let result = client
        .post(&c.url)
        .header("content-type", "application/json")
        .header("webhook-id", &c.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(c.payload.clone())
        .send()
        .await;
    let response_ms = Some(i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX));
    match result {
        Ok(r) => {
            let code = r.status().as_u16();
            let error = match code {
                200..=299 => None,
                300..=399 => Some(format!("HTTP {code}: redirects are not followed")),
                _ => Some(format!("HTTP {code}")),
            };
            Attempt {
                status_code: Some(i64::from(code)),
                error,
                response_ms,
            }
        }
        Err(e) => Attempt {
            status_code: None,
            error: Some(describe(&e)),
            response_ms,
        },
    }
}

/// A transport failure in words, without the URL (it may carry a token).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("timed out after {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        let e = e.to_string();
        format!(
            "request failed: {}",
            e.split(" for url").next().unwrap_or(&e)
        )
    }
}

fn log(c: &Claimed, a: &Attempt) {
    if a.delivered() {
        tracing::debug!(delivery = %c.delivery_id, event = %c.event_id, event_type = %c.event_type, attempt = c.attempt, "webhook delivered");
    } else {
        tracing::info!(delivery = %c.delivery_id, event = %c.event_id, event_type = %c.event_type, attempt = c.attempt, status = ?a.status_code, error = a.error.as_deref().unwrap_or(""), "webhook attempt failed");
    }
}
