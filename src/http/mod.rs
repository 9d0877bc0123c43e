//! The bot's own HTTP server: `/healthz` now; the ESIA callback, the webhook and the demo registry and
//! identity provider are merged in by `app.rs` as they are built.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use crate::store::Store;

pub mod esia_callback;

#[derive(Clone)]
pub struct HttpState {
    pub store: Store,
    /// `/esia/callback` (and the demo identity provider); `None` leaves them out.
    pub esia: Option<esia_callback::EsiaHttp>,
}

pub fn router(state: HttpState) -> Router {
    let esia = state.esia.clone();
    let router = Router::new()
        .route("/healthz", get(healthz))
        .with_state(state);
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
