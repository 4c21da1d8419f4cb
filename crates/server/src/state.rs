//! What every handler can reach: the store, the capture writer, templates, secrets.

use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use leadline_store::{Capturer, Store};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Shared state of one server process. Nothing here must differ between processes serving
/// the same database (secrets live in the database), so processes can scale out.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub capturer: Capturer,
    pub templates: Arc<minijinja::Environment<'static>>,
    /// Signs form render tokens; shared by all processes through the settings table.
    pub secret: Arc<Vec<u8>>,
    /// Per client IP and form; per process (a cluster of N processes allows N times this).
    pub form_limiter: Arc<DefaultKeyedRateLimiter<String>>,
    pub metrics: PrometheusHandle,
    /// Set `Secure` on cookies (behind TLS).
    pub secure_cookies: bool,
    /// Wakes this process's worker when it queues a job (other processes poll).
    pub jobs_waiting: Arc<tokio::sync::Notify>,
}

/// Submissions per minute one IP may make to one form.
pub const FORM_SUBMISSIONS_PER_MINUTE: u32 = 30;

impl AppState {
    /// Builds the state over an open store and starts the capture writer.
    pub async fn new(store: Store, secure_cookies: bool) -> anyhow::Result<AppState> {
        let secret = store
            .setting_or_init("form_secret", || crate::auth::random_token(32))
            .await?;
        let quota = Quota::per_minute(
            NonZeroU32::new(FORM_SUBMISSIONS_PER_MINUTE).unwrap_or(NonZeroU32::MIN),
        );
        Ok(AppState {
            capturer: Capturer::start(store.clone()),
            store,
            templates: Arc::new(crate::ui::templates()),
            secret: Arc::new(secret.into_bytes()),
            form_limiter: Arc::new(RateLimiter::keyed(quota)),
            metrics: metrics_handle(),
            secure_cookies,
            jobs_waiting: Arc::new(tokio::sync::Notify::new()),
        })
    }
}

/// The process-wide Prometheus recorder (installed once, even when tests build many apps).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}
