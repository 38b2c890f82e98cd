//! Builds the application: state, routes, middleware; and serves it.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use youthloop_store::Store;

use crate::clock::Clock;
use crate::config::Settings;
use crate::limits::RateLimits;
pub use crate::state::AppState;

/// The process-wide metrics recorder; installed once however many apps are built.
fn prometheus() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .as_ref()
}

pub fn app(store: Arc<dyn Store>, settings: Settings, clock: Arc<Clock>) -> Router {
    app_with_limits(store, settings, clock).0
}

fn app_with_limits(
    store: Arc<dyn Store>,
    settings: Settings,
    clock: Arc<Clock>,
) -> (Router, Arc<RateLimits>) {
    let body_limit = settings.body_limit;
    let hsts = settings
        .hsts
        .then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    let limits = Arc::new(RateLimits::new(settings.rate_limits));
    let state = AppState {
        store,
        settings: Arc::new(settings),
        limits: limits.clone(),
        clock,
    };
    let _ = prometheus();
    // Every answer of the API may hold personal data (an export, a case, a child):
    // none of it is kept in a browser's or a proxy's cache.
    let api = crate::api::router().layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));
    let mut router = Router::new()
        .merge(api)
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz));
    if state.clock.is_movable() {
        router = router.route("/_test/clock", axum::routing::post(advance_clock));
    }
    let router = router
        .merge(crate::pages::router(state.clone()))
        .fallback(crate::pages::not_found)
        .layer(middleware::from_fn(track))
        // Enforced where bodies are read (ApiJson), so a 413 comes in the error shape.
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            hsts,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state);
    (router, limits)
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: i64,
}

/// Moves a test server's clock forward (only with `--test-clock`, on loopback).
async fn advance_clock(
    State(state): State<AppState>,
    crate::extract::ApiJson(body): crate::extract::ApiJson<Advance>,
) -> crate::error::AppResult<axum::Json<serde_json::Value>> {
    let now = state
        .clock
        .advance(body.seconds)
        .ok_or_else(|| crate::error::AppError::invalid("seconds", "forward only"))?;
    // What the new time makes overdue is escalated before the answer, as the periodic
    // run would have, so that tests read a settled state.
    crate::jobs::escalate_overdue(
        state.store.as_ref(),
        &state.clock,
        state.settings.jobs_every,
    )
    .await;
    let now = now
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(crate::error::AppError::internal)?;
    Ok(axum::Json(serde_json::json!({ "now": now })))
}

/// The metrics, on their own address (loopback by default): per-route counts tell
/// about casework and are nobody else's business.
fn metrics_app() -> Router {
    Router::new().route("/metrics", get(metrics_text))
}

async fn metrics_text() -> Response {
    let body = prometheus()
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Counts requests and their latency by route and status.
async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Binds and serves, on `clock`, until the process is stopped.
pub async fn serve(
    store: Arc<dyn Store>,
    settings: Settings,
    clock: Arc<Clock>,
) -> std::io::Result<()> {
    if !settings.rate_limits {
        tracing::warn!(
            "rate limits are OFF (YOUTHLOOP_RATE_LIMITS=off): only for load tests on loopback"
        );
    }
    if clock.is_movable() {
        if !settings.addr.ip().is_loopback() || settings.public_url.is_some() {
            return Err(std::io::Error::other(
                "--test-clock is for tests on a loopback address, with no public URL",
            ));
        }
        tracing::warn!("the clock can be moved over HTTP (--test-clock): only for tests");
    }
    if let Some(limit) = crate::listen::raise_open_files() {
        tracing::info!(limit, "open files");
    }
    let connections = settings.connections;
    if let Some(metrics_addr) = settings.metrics_addr {
        // Metrics are not worth refusing to serve the platform for: a second instance on
        // the same machine finds the port taken, says so, and goes on without them.
        match tokio::net::TcpListener::bind(metrics_addr).await {
            Ok(listener) => {
                let addr = listener.local_addr()?;
                tracing::info!(%addr, "metrics listening");
                println!("metrics on http://{addr}");
                tokio::spawn(crate::listen::serve(
                    listener,
                    metrics_app(),
                    connections,
                    std::future::pending(),
                ));
            }
            Err(e) => tracing::warn!(%metrics_addr, error = %e, "metrics not served"),
        }
    }
    let listener = tokio::net::TcpListener::bind(settings.addr).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "youthloop listening");
    // Say which data key this server seals with before it serves anyone, then once a
    // second: `rotate-key` retires an old key only when every running server has
    // followed the new one.
    let instance = uuid::Uuid::now_v7().to_string();
    let hold = |store: Arc<dyn Store>, instance: String| async move {
        if let Err(e) = store.hold_keys(&instance).await {
            tracing::warn!(error = e.chain(), "could not say which data key is in use");
        }
    };
    hold(store.clone(), instance.clone()).await;
    let holder = {
        let (store, instance) = (store.clone(), instance.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
            every.tick().await;
            loop {
                every.tick().await;
                hold(store.clone(), instance.clone()).await;
            }
        })
    };
    // The first run before serving: what was overdue while no server ran is escalated
    // before anyone reads the queue.
    let every = settings.jobs_every;
    crate::jobs::escalate_overdue(store.as_ref(), &clock, every).await;
    let jobs = {
        let (store, clock) = (store.clone(), clock.clone());
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                crate::jobs::escalate_overdue(store.as_ref(), &clock, every).await;
            }
        })
    };
    // One plain line on stdout: scripts and tests read the bound address from it.
    println!("listening on http://{addr}");
    let (app, limits) = app_with_limits(store.clone(), settings, clock);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            limits.forget_idle();
        }
    });
    crate::listen::serve(listener, app, connections, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    holder.abort();
    jobs.abort();
    if let Err(e) = store.release_keys(&instance).await {
        tracing::warn!(error = e.chain(), "could not say that this server stopped");
    }
    Ok(())
}
