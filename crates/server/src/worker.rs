//! Background work of a server process: claims jobs from the shared queue and runs them.
//! Several processes on one database share the queue safely (see `leadline_store::jobs`).

use std::io::Cursor;
use std::time::Duration;

use leadline_core::Channel;
use leadline_core::capture::OnDuplicate;
use leadline_core::import::{ImportContext, ImportOptions, MappingOptions, Preset};
use leadline_store::import::{ImportSummary, run_import};
use leadline_store::jobs::Job;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

mod routing;
mod scans;
mod sla;
pub mod webhooks;

/// How long a claimed job is ours before another process may take it over.
const LEASE_MS: i64 = 60_000;
/// How often an idle worker looks for work it was not told about (other processes' jobs).
const POLL: Duration = Duration::from_secs(2);
/// Attempts before a job is given up.
const MAX_ATTEMPTS: i64 = 3;

/// What the import page asks for; stored with the upload.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ImportRequest {
    pub list_name: String,
    pub campaign: Option<String>,
    pub channel: Option<String>,
    pub on_duplicate: Option<String>,
    pub key: Option<String>,
    pub preset: Option<String>,
    #[serde(default)]
    pub map: Vec<String>,
}

/// How often every lead is rescored even without a policy change: engagement decays.
const DAILY: Duration = Duration::from_secs(24 * 3600);
/// How often a process re-reads the policy another process may have changed.
const POLICY_RELOAD: Duration = Duration::from_secs(10);

/// Queues a rescore of every lead (after a policy change, and daily).
pub async fn queue_rescore(state: &AppState) -> leadline_store::Result<String> {
    let id = state
        .store
        .enqueue_job("rescore", "{}", leadline_store::now_ms())
        .await?;
    state.jobs_waiting.notify_one();
    Ok(id)
}

/// Runs jobs, routes leads, follows up deadlines and delivers webhooks until the process ends.
pub async fn run(state: AppState) {
    tokio::join!(
        run_jobs(state.clone()),
        routing::run(state.clone()),
        sla::run(state.clone()),
        webhooks::run(state)
    );
}

async fn run_jobs(state: AppState) {
    let worker = format!("{}-{}", std::process::id(), crate::auth::random_token(6));
    let mut next_daily = tokio::time::Instant::now() + DAILY;
    let mut next_reload = tokio::time::Instant::now() + POLICY_RELOAD;
    scans::schedule(&state).await;
    loop {
        let now = tokio::time::Instant::now();
        if now >= next_reload {
            next_reload = now + POLICY_RELOAD;
            if let Err(e) = state.store.reload_policy().await {
                tracing::warn!(error = %e, "could not reload the policy");
            }
        }
        if now >= next_daily {
            next_daily = now + DAILY;
            if let Err(e) = queue_rescore(&state).await {
                tracing::warn!(error = %e, "could not queue the daily rescore");
            }
        }
        match state
            .store
            .claim_job(&worker, leadline_store::now_ms(), LEASE_MS)
            .await
        {
            Ok(Some(job)) => run_job(&state, &worker, job).await,
            Ok(None) => {
                let _ = tokio::time::timeout(POLL, state.jobs_waiting.notified()).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not claim a job");
                tokio::time::sleep(POLL).await;
            }
        }
    }
}

async fn run_job(state: &AppState, worker: &str, job: Job) {
    let result = match job.kind.as_str() {
        "import" => run_import_job(state, worker, &job).await,
        "rescore" => run_rescore_job(state).await,
        "train" => run_train_job(state, &job).await,
        leadline_store::duplicates::SCAN_JOB => scans::run(state, worker, &job).await,
        other => Err(format!("unknown job kind {other:?}")),
    };
    let store = &state.store;
    let outcome = match result {
        Ok(()) => store.finish_job(&job.id).await,
        Err(e) => {
            tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
            let retry = (job.attempts < MAX_ATTEMPTS)
                .then(|| leadline_store::now_ms() + 5_000 * job.attempts);
            store.fail_job(&job.id, &e, retry).await
        }
    };
    if let Err(e) = outcome {
        tracing::error!(job = %job.id, error = %e, "could not record the job's outcome");
    }
}

/// Rescores every lead against the policy stored now (re-read first: another process may
/// have changed it).
async fn run_rescore_job(state: &AppState) -> Result<(), String> {
    let store = &state.store;
    store.reload_policy().await.map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let r = store
        .rescore_all(leadline_store::now_ms())
        .await
        .map_err(|e| e.to_string())?;
    let probabilities = store
        .apply_model(leadline_store::now_ms())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(
        probabilities,
        leads = r.leads,
        changed = r.changed,
        disqualified = r.disqualified,
        requalified = r.requalified,
        became_mql = r.became_mql,
        seconds = started.elapsed().as_secs_f64(),
        "rescored every lead"
    );
    Ok(())
}

/// Trains a predictive model on the leads whose outcome is known. Too few outcomes is not
/// a failure to retry: the job ends and says so in the log (the rule score stays).
async fn run_train_job(state: &AppState, job: &Job) -> Result<(), String> {
    let by: Option<String> = serde_json::from_str::<serde_json::Value>(&job.payload)
        .ok()
        .and_then(|v| v["by"].as_str().map(str::to_owned));
    match state
        .store
        .train_from_leads(leadline_store::now_ms(), by.as_deref())
        .await
    {
        Ok(t) => {
            tracing::info!(version = t.version, auc = ?t.evaluation.metrics.auc, scored = t.scored, "trained a model");
            Ok(())
        }
        Err(leadline_store::StoreError::Invalid(m)) => {
            tracing::warn!(reason = %m, "no model trained");
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Imports an uploaded file. Safe to run again after a crash: rows already imported are
/// recognised by their message ids and nothing lands twice.
async fn run_import_job(state: &AppState, worker: &str, job: &Job) -> Result<(), String> {
    #[derive(Deserialize)]
    struct Payload {
        import_id: String,
    }
    let p: Payload = serde_json::from_str(&job.payload).map_err(|e| format!("bad payload: {e}"))?;
    let store = &state.store;
    let record = store
        .get_import(&p.import_id)
        .await
        .map_err(|e| e.to_string())?;
    let req: ImportRequest = serde_json::from_value(record.options.clone())
        .map_err(|e| format!("bad import options: {e}"))?;
    let data = store
        .import_data(&p.import_id)
        .await
        .map_err(|e| e.to_string())?;
    let (options, mut context) = import_settings(&req, &p.import_id, record.created_at);
    // Without a channel of its own, a list takes its campaign's (a tradeshow's scans are
    // tradeshow touches).
    if req.channel.as_deref().and_then(Channel::parse).is_none() {
        context.channel = campaign_channel(store, context.campaign.as_deref())
            .await
            .or(context.channel);
    }
    let (tx, mut rx) = tokio::sync::watch::channel(ImportSummary::default());
    let reporter = {
        let (store, id, job_id, worker) = (
            store.clone(),
            p.import_id.clone(),
            job.id.clone(),
            worker.to_owned(),
        );
        tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let s = rx.borrow_and_update().clone();
                let _ = store.record_import_progress(&id, "running", &s).await;
                let _ = store
                    .renew_job(&job_id, &worker, leadline_store::now_ms() + LEASE_MS)
                    .await;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
    };
    let result = run_import(
        &state.capturer,
        Cursor::new(data),
        options,
        context,
        move |s| {
            let _ = tx.send(s.clone());
        },
    )
    .await;
    let _ = reporter.await;
    match result {
        Ok(summary) => {
            let status = if summary.fatal.is_some() {
                "failed"
            } else {
                "done"
            };
            store
                .record_import_progress(&p.import_id, status, &summary)
                .await
                .map_err(|e| e.to_string())
        }
        Err(e) => {
            let _ = store
                .record_import_progress(
                    &p.import_id,
                    "failed",
                    &ImportSummary {
                        fatal: Some(e.to_string()),
                        ..Default::default()
                    },
                )
                .await;
            Err(e.to_string())
        }
    }
}

/// The channel of an existing campaign named `name`, if any.
async fn campaign_channel(store: &leadline_store::Store, name: Option<&str>) -> Option<Channel> {
    let id = store.campaign_id_by_name(name?).await.ok()??;
    Channel::parse(&store.get_campaign(&id).await.ok()?.channel)
}

/// The reader's options and the capture context of an uploaded import. The import's creation
/// time is the activities' time, so a re-run after a crash yields the same events.
fn import_settings(
    req: &ImportRequest,
    import_id: &str,
    created_at: i64,
) -> (ImportOptions, ImportContext) {
    let options = ImportOptions {
        mapping: MappingOptions {
            preset: req.preset.as_deref().and_then(Preset::parse),
            map: req.map.clone(),
            key: req.key.clone().filter(|k| !k.is_empty()),
        },
        ..Default::default()
    };
    let context = ImportContext {
        list_name: req.list_name.clone(),
        campaign: req.campaign.clone().filter(|c| !c.trim().is_empty()),
        channel: req
            .channel
            .as_deref()
            .and_then(Channel::parse)
            .or(Some(Channel::Import)),
        on_duplicate: if req.on_duplicate.as_deref() == Some("skip") {
            OnDuplicate::Skip
        } else {
            OnDuplicate::Update
        },
        occurred_at: created_at,
        origin: format!("import:{import_id}"),
    };
    (options, context)
}
