//! The bot's own HTTP server: `/healthz`, `/metrics` (with `METRICS_TOKEN`); the ESIA callback, the webhook
//! and the demo registry and identity provider are merged in by `app.rs` as they are built.

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
    let mut router = Router::new().route("/healthz", get(healthz));
    if state.metrics.is_some() {
        router = router.route("/metrics", get(metrics));
    }
    let router = router.with_state(state);
    match esia {
        Some(esia) => router.merge(esia_callback::router(esia)),
        None => router,
    }
}

/// 200 when the database answers within two seconds, 503 otherwise.
async fn healthz(State(state): State<HttpState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok\n"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "health check: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
        Err(_) => {
            tracing::warn!("health check: database timed out");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
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
            metrics.render() + &esia_callback::metrics_text(&state.store).await,
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
