//! Logging with `tracing`, configured by `RUST_LOG`. Nothing personal is ever passed to a log call: only
//! ids, counts and error kinds.

use tracing_subscriber::EnvFilter;

const DEFAULT_FILTER: &str = "info,teloxide=warn,sqlx=warn,hyper=warn,reqwest=warn";

pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
