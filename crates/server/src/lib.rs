//! Leadline's HTTP edge: Segment-spec ingest, public forms, the JSON API and the web UI.
//! Handlers are thin: parse, authorise, call the core or the store, render.

pub mod api;
pub mod auth;
pub mod error;
mod ingest;
pub mod public_forms;
pub mod rep;
pub mod state;
pub mod ui;
pub mod worker;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_http::cors::CorsLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;

pub use state::AppState;

/// A reqwest client builder with HTTPS through rustls on ring (the provider sqlx already
/// links; reqwest is built without one, so every client must come from here or a process
/// that called this first, or reqwest panics when the client is built).
pub fn http_client_builder() -> reqwest::ClientBuilder {
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        // Err means a provider is installed already, which is all we need.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    // Public endpoints are cross-origin by design (forms embedded on other sites, browser
    // analytics clients); they carry no cookies of ours that matter, so any origin may call.
    let public_cors = CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("content-encoding"),
        ]);
    let ingest = Router::new()
        .route("/v1/{kind}", post(ingest::ingest))
        .layer(RequestDecompressionLayer::new())
        .layer(public_cors.clone());
    let forms = Router::new()
        .route("/f/{key}", get(public_forms::get).post(public_forms::post))
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024))
        .layer(public_cors);
    Router::new()
        .merge(ingest)
        .merge(forms)
        .nest(
            "/api/v1",
            api::routes().layer(axum::extract::DefaultBodyLimit::max(1024 * 1024)),
        )
        .merge(ui::routes())
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .fallback(|| async { error::ApiError::not_found("page") })
        .layer(axum::middleware::map_response(error::json_for_plain_errors))
        .route_layer(axum::middleware::from_fn(record_latency))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                // The matched route, never the raw path or query (they can hold emails).
                let route = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default();
                tracing::info_span!("request", method = %req.method(), route = %route)
            }),
        )
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .with_state(state)
}

async fn healthz(State(st): State<AppState>) -> impl IntoResponse {
    match st.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "database unavailable"})),
        ),
    }
}

async fn metrics_text(State(st): State<AppState>) -> impl IntoResponse {
    if let Ok(n) = st.store.pending_jobs().await {
        metrics::gauge!("leadline_jobs_pending").set(n as f64);
    }
    if let Ok(n) = st.store.pending_webhook_deliveries().await {
        metrics::gauge!("leadline_webhook_deliveries_pending").set(n as f64);
    }
    if let Ok(d) = st.store.inbox_depth().await {
        metrics::gauge!("leadline_inbox_events").set(d.waiting as f64);
        metrics::gauge!("leadline_inbox_failed_events").set(d.failed as f64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(),
    )
}

/// Request latency by matched route (never the raw path, which can hold an email address).
async fn record_latency(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    metrics::histogram!("leadline_http_request_seconds", "route" => route, "status" => resp.status().as_u16().to_string())
        .record(started.elapsed().as_secs_f64());
    resp
}

/// Binds `addr` (port 0 picks a free port), reports the bound address, and serves until
/// Ctrl-C or SIGTERM.
pub async fn serve(
    state: AppState,
    addr: &str,
    on_ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    on_ready(listener.local_addr()?);
    let worker = tokio::spawn(worker::run(state.clone()));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    // A job cut short here is taken over once its lease expires (jobs are idempotent).
    worker.abort();
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
