//! What the worker tests share: settings, a throttle that never makes a test wait, a bot pointed at the
//! fake Bot API, and a bot context whose registry is a wiremock server.

use std::sync::Arc;
use std::time::Duration;

use kvrachu_bot::bot::Ctx;
use kvrachu_bot::config::Settings;
use kvrachu_bot::registry::{HttpRegistry, HttpRegistryConfig, SharedRegistry};
use kvrachu_bot::store::Store;
use kvrachu_bot::workers::reminders::throttled_bot;
use serde_json::{json, Value};
use teloxide::adaptors::throttle::Limits;
use teloxide::adaptors::Throttle;
use teloxide::Bot;
use wiremock::{MockServer, ResponseTemplate};

/// The registry API's base path on the mock server.
pub const API: &str = "/_api/api/v2";

pub fn settings(pairs: &[(&str, &str)]) -> Settings {
    let mut all = vec![("TELOXIDE_TOKEN", "123456:TEST-token")];
    all.extend_from_slice(pairs);
    Settings::from_lookup(|name| {
        all.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
    .expect("test settings are valid")
}

/// Limits far above the tests' traffic, so that no test waits on the throttle.
pub fn roomy_limits() -> Limits {
    Limits {
        messages_per_sec_chat: 1_000,
        messages_per_min_chat: 60_000,
        messages_per_min_channel_or_supergroup: 60_000,
        messages_per_sec_overall: 10_000,
    }
}

pub fn bot_for(url: &str) -> Bot {
    Bot::new("123456:TEST-token").set_api_url(url.parse().unwrap())
}

/// A throttled bot talking to the fake Bot API at `url`.
pub fn throttled_for(url: &str) -> Throttle<Bot> {
    throttled_bot(bot_for(url), roomy_limits())
}

/// The bot's context over `store`, with the registry at the mock server (short timeouts, two tries, no
/// caching of slots).
pub fn ctx_with_registry(store: &Store, registry: &MockServer, settings: Settings) -> Arc<Ctx> {
    let mut config = HttpRegistryConfig::new(format!("{}{API}", registry.uri()).parse().unwrap());
    config.connect_timeout = Duration::from_millis(300);
    config.request_timeout = Duration::from_millis(700);
    config.max_tries = 2;
    config.backoff = Duration::from_millis(5);
    // Every step sees the registry as it is now.
    config.slots_ttl = Duration::ZERO;
    let client: SharedRegistry = Arc::new(HttpRegistry::new(config).unwrap());
    kvrachu_bot::app::context(Arc::new(settings), store.clone(), client)
}

/// A registry answer in its envelope.
pub fn envelope(result: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "result": result, "success": true, "errorCode": 0, "message": null, "stackTrace": null,
        "requestId": "5f1c2a9e-1b7d-4c1e-9a55-0d3c3b1f2e77"
    }))
}
