//! The bot's own HTTP server: `/healthz`, `/metrics` (with `METRICS_TOKEN`); the ESIA callback, the webhook
//! and the demo registry and identity provider are merged in by `app.rs` as they are built.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::store::{unix_now, Store};

pub mod esia_callback;
pub mod esia_start;

#[derive(Clone)]
pub struct HttpState {
    pub store: Store,
    /// `/esia/callback` (and the demo identity provider); `None` leaves them out.
    pub esia: Option<esia_callback::EsiaHttp>,
    /// `/metrics`; `None` (no `METRICS_TOKEN`) leaves it out.
    pub metrics: Option<MetricsAccess>,
}

/// Who may read `/metrics`, and what "late" means for the sync.
#[derive(Clone)]
pub struct MetricsAccess {
    /// The bearer token a scraper must send.
    pub token: String,
    pub sync_interval_secs: i64,
}

pub fn router(state: HttpState) -> Router {
    let esia = state.esia.clone();
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if state.metrics.is_some() {
        router = router.route("/metrics", get(metrics));
    }
    let router = router.with_state(state);
    match esia {
        Some(esia) => router.merge(esia_router(esia)),
        None => router,
    }
}

/// `/esia/start`, `/esia/callback`, and the demo identity provider under `/demo/esia` in demo mode.
fn esia_router(esia_http: esia_callback::EsiaHttp) -> Router {
    let demo = esia_http.ctx.settings.esia == crate::config::EsiaSettings::Demo;
    let redirect_uri = esia_http.ctx.esia.config().redirect_uri.clone();
    let router = Router::new()
        .route(
            "/esia/start",
            get(esia_start::start).post(esia_start::demo_start),
        )
        .route("/esia/callback", get(esia_callback::callback))
        .with_state(esia_http);
    if demo {
        router.nest(
            crate::esia::DEMO_PATH,
            crate::esia::demo::router(redirect_uri),
        )
    } else {
        router
    }
}

// ---- The server and its limits (issue 13): every route, the webhook and the ESIA callback included. ----

/// What one client may hold of the server. A client that opens connections and never finishes its
/// request headers loses them after `header_read_timeout`; past `max_connections` new connections wait in
/// the kernel's backlog; a request may take `request_timeout` (then 408) and send `max_body_bytes` (then
/// 413); at most `max_in_flight` requests are handled at once, the rest wait their turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    pub header_read_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
    pub max_in_flight: usize,
    pub max_body_bytes: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_in_flight: 256,
            // A Telegram update is a few KiB; the ESIA callback and the demo services far less.
            max_body_bytes: 256 * 1024,
        }
    }
}

/// `router` behind the request limits: a timeout (408), a body limit (413) and a cap on requests in flight,
/// shared by all routes.
pub fn with_limits(router: Router, limits: &HttpLimits) -> Router {
    use tower::limit::GlobalConcurrencyLimitLayer;
    use tower::ServiceBuilder;
    use tower_http::limit::RequestBodyLimitLayer;
    use tower_http::timeout::TimeoutLayer;
    router.layer(
        ServiceBuilder::new()
            .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                limits.request_timeout,
            ))
            .layer(GlobalConcurrencyLimitLayer::new(limits.max_in_flight)),
    )
}

/// Serves `router` (behind [`with_limits`]) on `listener` until `shutdown` resolves, then lets the
/// requests in flight finish. HTTP/1.1 only, with hyper's header-read timeout and a cap on connections.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;

    let router = with_limits(router, &limits);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %err, "HTTP server: cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = http.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(router.clone()),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away or is too slow is its own problem, not the server's.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    // Requests in flight finish; idle connections are closed. A request cannot outlive its timeout.
    let _ = tokio::time::timeout(
        limits.request_timeout + Duration::from_secs(1),
        graceful.shutdown(),
    )
    .await;
}

/// Liveness: 200 while the process serves HTTP. It asks nothing of the database, so that an orchestrator
/// does not restart every instance when the database is down (`/readyz` says that).
async fn healthz() -> (StatusCode, &'static str) {
    (StatusCode::OK, "live\n")
}

/// Readiness: 200 when the database answers within two seconds with every migration of this binary
/// applied and the registry has not been failing without an answer for two minutes
/// ([`crate::registry::health`]); 503 naming what is not ready otherwise.
async fn readyz(State(state): State<HttpState>) -> (StatusCode, String) {
    let mut problems = Vec::new();
    match tokio::time::timeout(Duration::from_secs(2), state.store.migrations_applied()).await {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => problems.push("migrations not applied"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: database does not answer");
            problems.push("database unavailable");
        }
        Err(_) => {
            tracing::warn!("readiness: database timed out");
            problems.push("database unavailable");
        }
    }
    let registry = crate::registry::health::problem();
    if let Some(problem) = &registry {
        problems.push(problem);
    }
    if problems.is_empty() {
        (StatusCode::OK, "ready\n".to_owned())
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, problems.join(", ") + "\n")
    }
}

/// Counts from the database in Prometheus' text format, for a scraper holding the token. Counts only:
/// nothing personal.
async fn metrics(State(state): State<HttpState>, headers: HeaderMap) -> Response {
    let Some(access) = &state.metrics else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(offered.as_bytes(), access.token.as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a bearer token is required\n",
        )
            .into_response();
    }
    match state
        .store
        .metrics(unix_now(), access.sync_interval_secs)
        .await
    {
        Ok(metrics) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            metrics.render()
                + &esia_callback::metrics_text(&state.store).await
                + &crate::telemetry::process_metrics().render(),
        )
            .into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "metrics: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_are_equal_only_when_every_byte_is() {
        assert!(same_secret(b"0123456789abcdef", b"0123456789abcdef"));
        assert!(!same_secret(b"0123456789abcdef", b"0123456789abcdeF"));
        assert!(!same_secret(b"0123456789abcdef", b"0123456789abcde"));
        assert!(!same_secret(b"", b"x"));
    }
}
