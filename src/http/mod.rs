//! The bot's own HTTP server: `/healthz` now; the ESIA callback, the webhook and the demo registry and
//! identity provider are merged in by `app.rs` as they are built.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use crate::store::Store;

#[derive(Clone)]
pub struct HttpState {
    pub store: Store,
}

pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(state)
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
