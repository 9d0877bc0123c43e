//! Logging with `tracing`, configured by `RUST_LOG`. Nothing personal is ever passed to a log call: only
//! ids, counts and error kinds.
//!
//! Some libraries log what they were sent: teloxide logs an update it cannot parse whole (message texts,
//! names, policy numbers), at ERROR; its tracing adaptors log requests and answers. Those log sites are cut
//! off here by a filter that `RUST_LOG` cannot widen ([`may_log`]), the update listener drops such updates
//! with a line naming only their id ([`ScrubbedUpdates`]), and errors of the Bot API are logged by kind
//! ([`request_error_kind`]), never with the raw answer a `RequestError::InvalidJson` carries.

use std::future::{ready, Ready};
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt};
use teloxide::error_handlers::ErrorHandler;
use teloxide::stop::StopToken;
use teloxide::types::{AllowedUpdate, Update, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use teloxide::RequestError;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

const DEFAULT_FILTER: &str = "info,teloxide=warn,sqlx=warn,hyper=warn,reqwest=warn";

/// Log targets that write what users sent, whatever their level: never logged, whatever `RUST_LOG` says.
const NEVER_LOGGED: &[&str] = &[
    // "Cannot parse an update … Value: {the raw update}".
    "teloxide::update_listeners::webhooks",
    // "Cannot parse an update … {the update as JSON}", "Unhandled update: {the update}".
    "teloxide::dispatching::dispatcher",
    // Dialogue states and every request and answer, when those adaptors are used.
    "teloxide::dispatching::dialogue::storage::trace_storage",
    "teloxide_core::adaptors::trace",
    // `LoggingErrorHandler` prints errors with `{:?}`: a `RequestError::InvalidJson` holds Telegram's
    // whole answer. The application logs those errors itself ([`request_error_kind`]).
    "teloxide::error_handlers",
];

/// Whether events of `target` may be logged at all.
pub fn may_log(target: &str) -> bool {
    !NEVER_LOGGED.iter().any(|denied| {
        target
            .strip_prefix(denied)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let layer = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_filter(filter)
        .with_filter(filter_fn(|meta| may_log(meta.target())));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// What kind of Bot API error this is, for a log line: never the answer's text.
pub fn request_error_kind(err: &RequestError) -> &'static str {
    match err {
        RequestError::Api(_) => "api-error",
        RequestError::MigrateToChatId(_) => "migrate-to-chat",
        RequestError::RetryAfter(_) => "retry-after",
        RequestError::Network(_) => "network",
        RequestError::InvalidJson { .. } => "invalid-json",
        RequestError::Io(_) => "io",
    }
}

/// Logs an update listener's errors (polling's `getUpdates`) by kind only. Telegram's 409 Conflict (another
/// process polls with this token, or a webhook is set) is said once; when it comes back
/// [`CONFLICTS_TO_STOP`] times, [`ListenerErrors::conflict`] holds the line to stop with and `on_conflict`
/// is called, so that the process stops instead of logging the conflict forever.
pub struct ListenerErrors {
    conflicts: std::sync::atomic::AtomicU32,
    conflict: std::sync::OnceLock<String>,
    on_conflict: Box<dyn Fn() + Send + Sync>,
}

/// How many 409 answers to `getUpdates` stop the process (teloxide waits 1 s, 2 s, 4 s… between them).
pub const CONFLICTS_TO_STOP: u32 = 3;

impl ListenerErrors {
    pub fn new(on_conflict: impl Fn() + Send + Sync + 'static) -> Self {
        Self {
            conflicts: Default::default(),
            conflict: Default::default(),
            on_conflict: Box::new(on_conflict),
        }
    }

    /// Why the updates stopped, when Telegram kept answering 409 Conflict.
    pub fn conflict(&self) -> Option<&str> {
        self.conflict.get().map(String::as_str)
    }
}

impl ErrorHandler<RequestError> for ListenerErrors {
    fn handle_error(self: Arc<Self>, error: RequestError) -> BoxFuture<'static, ()> {
        use std::sync::atomic::Ordering;
        use teloxide::ApiError;
        let why = match &error {
            RequestError::Api(ApiError::TerminatedByOtherGetUpdates) => Some(
                "another process takes this bot's updates by polling with the same TELOXIDE_TOKEN \
                 (Telegram answers 409 Conflict); run one polling instance, or UPDATES=webhook for several",
            ),
            RequestError::Api(ApiError::CantGetUpdates) => Some(
                "a webhook is set for this bot, so it cannot poll (Telegram answers 409 Conflict); \
                 another process uses UPDATES=webhook with the same TELOXIDE_TOKEN",
            ),
            _ => None,
        };
        match why {
            Some(why) => {
                let count = self.conflicts.fetch_add(1, Ordering::Relaxed) + 1;
                if count == 1 {
                    tracing::error!("cannot get updates: {why}");
                }
                if count == CONFLICTS_TO_STOP && self.conflict.set(why.to_owned()).is_ok() {
                    tracing::error!("stopping: Telegram keeps answering 409 Conflict");
                    (self.on_conflict)();
                }
            }
            None => tracing::error!(kind = request_error_kind(&error), "cannot get updates"),
        }
        Box::pin(ready(()))
    }
}

impl ErrorHandler<std::convert::Infallible> for ListenerErrors {
    fn handle_error(self: Arc<Self>, error: std::convert::Infallible) -> BoxFuture<'static, ()> {
        match error {}
    }
}

/// Logs a handler's error: its chain, except that a Bot API error anywhere in it is named by kind (a
/// `RequestError::InvalidJson` would carry the message the bot sent).
pub struct HandlerErrors;

impl ErrorHandler<anyhow::Error> for HandlerErrors {
    fn handle_error(self: Arc<Self>, error: anyhow::Error) -> BoxFuture<'static, ()> {
        match error.chain().find_map(|e| e.downcast_ref::<RequestError>()) {
            Some(request) => {
                tracing::error!(kind = request_error_kind(request), "a handler failed")
            }
            None => tracing::error!(error = %format!("{error:#}"), "a handler failed"),
        }
        Box::pin(ready(()))
    }
}

/// An update listener that drops the updates teloxide could not parse (`UpdateKind::Error`, which holds
/// the raw update), logging only their id, so that the dispatcher never logs them whole. With
/// [`ScrubbedUpdates::until`] the updates also end when told (the dispatcher then stops): a signal the
/// dispatcher itself could miss while it is busy in an error handler.
pub struct ScrubbedUpdates<L> {
    listener: L,
    stop: Option<tokio::sync::watch::Receiver<bool>>,
}

impl<L> ScrubbedUpdates<L> {
    pub fn new(listener: L) -> Self {
        Self {
            listener,
            stop: None,
        }
    }

    /// Ends the updates once `stop` holds `true`.
    pub fn until(self, stop: tokio::sync::watch::Receiver<bool>) -> Self {
        Self {
            stop: Some(stop),
            ..self
        }
    }
}

type Item<E> = Result<Update, E>;

fn scrub<E>(item: Item<E>) -> Ready<Option<Item<E>>> {
    match item {
        Ok(update) if matches!(update.kind, UpdateKind::Error(_)) => {
            tracing::warn!(
                update_id = update.id.0,
                "dropped an update the bot cannot parse"
            );
            ready(None)
        }
        other => ready(Some(other)),
    }
}

impl<'a, L> AsUpdateStream<'a> for ScrubbedUpdates<L>
where
    L: UpdateListener,
    L::Err: Send + 'a,
    <L as AsUpdateStream<'a>>::Stream: Send,
{
    type StreamErr = L::Err;
    type Stream = BoxStream<'a, Item<L::Err>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let updates = self.listener.as_stream().filter_map(scrub::<L::Err>);
        match self.stop.clone() {
            Some(mut stop) => updates
                .take_until(async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                })
                .boxed(),
            None => updates.boxed(),
        }
    }
}

impl<L> UpdateListener for ScrubbedUpdates<L>
where
    L: UpdateListener,
    L::Err: Send + 'static,
{
    type Err = L::Err;

    fn stop_token(&mut self) -> StopToken {
        self.listener.stop_token()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.listener.hint_allowed_updates(hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_sites_that_print_updates_are_never_logged() {
        assert!(!may_log("teloxide::update_listeners::webhooks::axum"));
        assert!(!may_log("teloxide::dispatching::dispatcher"));
        assert!(!may_log("teloxide_core::adaptors::trace"));
        assert!(!may_log("teloxide::error_handlers"));
        assert!(may_log("teloxide::dispatching::dispatcher_x"));
        assert!(may_log("kvrachu_bot::app"));
        assert!(may_log("teloxide::update_listeners::polling"));
    }
}

/// The opaque tag a log line names a user by, never their Telegram id: lines of one user can be followed
/// (the same tag within a run of the bot), but a log does not tie a Telegram account to clinic events.
/// HMAC-SHA256 of the id under a key drawn at start-up and never written anywhere, cut to 10 hex digits:
/// a Telegram id is a small number, so a plain hash could be reversed by trying them all; without the key
/// it cannot.
pub fn user_tag(user_id: i64) -> String {
    use hmac::{Hmac, Mac};
    static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    let key = KEY.get_or_init(rand::random);
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&user_id.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let mut tag = String::with_capacity(11);
    tag.push('u');
    for byte in &digest[..5] {
        tag.push_str(&format!("{byte:02x}"));
    }
    tag
}

#[cfg(test)]
mod user_tag_tests {
    use super::user_tag;

    #[test]
    fn a_user_tag_is_stable_opaque_and_distinct() {
        let id = 123_456_789;
        assert_eq!(user_tag(id), user_tag(id));
        assert_ne!(user_tag(id), user_tag(id + 1));
        assert!(!user_tag(id).contains("123456789"));
        assert_eq!(user_tag(id).len(), 11);
    }
}

/// What the process counts as it runs, for `/metrics` next to what the database counts: handler
/// failures by journey and kind, handler latency by journey, registry errors by code. A Prometheus
/// recorder of the `metrics` crate, installed once for the process ([`process_metrics`]); without it
/// (tests that do not ask) the counting macros do nothing.
pub fn process_metrics() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> =
        std::sync::OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full("kvrachu_handler_seconds".to_owned()),
                &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0],
            )
            .map(|builder| builder.build_recorder())
            .unwrap_or_else(|_| {
                metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder()
            });
        let handle = recorder.handle();
        // Another recorder already installed (a test harness): ours still renders, empty.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// One handled update: how long it took, and what kind of failure it ended in, if any.
pub fn handler_done(journey: &'static str, seconds: f64, failure: Option<&'static str>) {
    metrics::histogram!("kvrachu_handler_seconds", "journey" => journey).record(seconds);
    if let Some(kind) = failure {
        metrics::counter!("kvrachu_handler_failures_total", "journey" => journey, "kind" => kind)
            .increment(1);
    }
}

/// A registry call that failed in a journey or a worker, by the registry's code (or the failure's kind).
pub fn registry_error(code: String) {
    metrics::counter!("kvrachu_registry_errors_total", "code" => code).increment(1);
}

#[cfg(test)]
mod process_metrics_tests {
    #[test]
    fn handler_failures_latency_and_registry_errors_are_rendered() {
        let handle = super::process_metrics();
        super::handler_done("booking", 0.2, Some("registry"));
        super::handler_done("booking", 0.1, None);
        super::registry_error("616".to_owned());
        let text = handle.render();
        assert!(
            text.contains(
                "kvrachu_handler_failures_total{journey=\"booking\",kind=\"registry\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("kvrachu_handler_seconds_bucket{journey=\"booking\",le=\"0.25\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("kvrachu_registry_errors_total{code=\"616\"} 1"),
            "{text}"
        );
    }
}
