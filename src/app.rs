//! Wires everything: the store, the bot, the dispatcher, the HTTP server; runs until SIGTERM or Ctrl-C.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use teloxide::adaptors::throttle::Limits;
use teloxide::dispatching::dialogue::{ErasedStorage, Storage};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::webhooks;
use tokio::sync::watch;

use crate::bot::{self, Clock, Ctx, State};
use crate::config::{RegistryUrl, Settings, UpdatesMode};
use crate::http::{self, HttpState};
use crate::registry;
use crate::store::dialogue::DialogueStorage;
use crate::store::{key_path_for_sqlite, DataKey, Store};
use crate::workers;

/// The data key: `DATA_KEY`, or the key file beside the SQLite database (created when absent).
pub fn resolve_data_key(settings: &Settings) -> anyhow::Result<DataKey> {
    if let Some(raw) = &settings.data_key {
        return DataKey::from_base64(raw).map_err(|problem| anyhow::anyhow!("DATA_KEY: {problem}"));
    }
    let path = key_path_for_sqlite(&settings.database_url)
        .context("DATA_KEY: is required unless DATABASE_URL names a SQLite file")?;
    DataKey::load_or_create(&path)
}

pub fn make_bot(settings: &Settings) -> Bot {
    let bot = Bot::new(&settings.token);
    match &settings.api_url {
        Some(url) => bot.set_api_url(url.clone()),
        None => bot,
    }
}

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let settings = Arc::new(settings);
    if !matches!(settings.esia, crate::config::EsiaSettings::Demo) {
        // A broken signer stops start-up here rather than at the first user's login.
        crate::esia::client_from_settings(&settings)
            .signer()
            .check()
            .await
            .context("the ESIA signer does not work")?;
    }
    let key = resolve_data_key(&settings)?;
    let store = Store::connect(&settings.database_url, &key).await?;
    tracing::info!(
        backend = store.backend_name(),
        demo = settings.is_demo(),
        "store ready"
    );

    let bot = make_bot(&settings);
    let me = bot.get_me().await.context(
        "cannot reach the Telegram Bot API: check TELOXIDE_TOKEN (and TELOXIDE_API_URL)",
    )?;
    tracing::info!(username = %bot::bot_username(&me), "connected to Telegram");
    if let Err(err) = bot::commands::register(&bot).await {
        tracing::warn!(error = %err, "cannot register the command list");
    }

    // Bound before the clients are built: the demo registry is served here, at the address actually bound.
    let listener = tokio::net::TcpListener::bind(settings.http_addr)
        .await
        .with_context(|| format!("HTTP_ADDR: cannot listen on {}", settings.http_addr))?;
    let local_addr = listener.local_addr()?;
    tracing::info!(addr = %local_addr, "HTTP server listening");
    let registry = registry::from_settings(&settings, local_addr)?;

    let esia = Arc::new(crate::esia::client_from_settings(&settings));
    let ctx = Arc::new(Ctx {
        store: store.clone(),
        settings: settings.clone(),
        clock: Clock::System,
        children_import: Default::default(),
        registry,
        esia,
    });
    let storage: Arc<ErasedStorage<State>> = DialogueStorage::new(store.clone()).erase();

    let mut router = http::router(HttpState {
        store: store.clone(),
        metrics: settings
            .metrics_token
            .clone()
            .map(|token| http::MetricsAccess {
                token,
                sync_interval_secs: settings.sync_interval.as_secs() as i64,
            }),
        esia: Some(http::esia_callback::EsiaHttp {
            ctx: ctx.clone(),
            bot: bot.clone(),
            bot_username: bot::bot_username(&me),
        }),
    });
    if settings.registry == RegistryUrl::Demo {
        router = router.nest(
            registry::demo::PATH,
            registry::demo::router(store.clone(), settings.region_tz),
        );
    }

    let mut dispatcher = Dispatcher::builder(bot.clone(), bot::schema())
        .dependencies(dptree::deps![ctx.clone(), storage])
        // Unhandled updates are dropped quietly: the default handler would log their content.
        .default_handler(|_| async {})
        .error_handler(LoggingErrorHandler::with_custom_text("a handler failed"))
        .build();

    // One throttle for everything the workers send, so that together they keep to Telegram's limits.
    let throttled = workers::reminders::throttled_bot(bot.clone(), Limits::default());
    let (stop_workers, workers_stopped) = watch::channel(false);
    let reminders = workers::reminders::spawn(
        store.clone(),
        throttled.clone(),
        settings.clone(),
        workers_stopped.clone(),
    );
    let sync = workers::sync::spawn(ctx.clone(), throttled.clone(), workers_stopped.clone());
    let watches = workers::watch::spawn(ctx.clone(), throttled, workers_stopped);

    let (stop_http, http_stopped) = watch::channel(false);
    let shutdown = dispatcher.shutdown_token();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("stopping");
        // The token refuses while the dispatcher is still starting; try again shortly.
        loop {
            match shutdown.shutdown() {
                Ok(done) => {
                    done.await;
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });

    match &settings.updates {
        UpdatesMode::Polling => {
            let mut http_stopped = http_stopped;
            let stop = async move {
                let _ = http_stopped.wait_for(|stop| *stop).await;
            };
            let server = spawn_http(listener, router, stop);
            dispatcher.dispatch().await;
            let _ = stop_http.send(true);
            server.await.ok();
        }
        UpdatesMode::Webhook { secret } => {
            // `{PUBLIC_URL}/telegram/webhook`, keeping a path PUBLIC_URL has behind a reverse proxy.
            let url = crate::esia::public_endpoint(&settings.public_url, "telegram/webhook");
            let options = webhooks::Options::new(settings.http_addr, url.clone())
                .path("/telegram/webhook".to_owned())
                .secret_token(secret.clone());
            // `axum_no_setup`: the webhook is set here and never deleted on stop, so that one of several
            // instances stopping does not cut the others off.
            let (updates, listener_stopped, webhook_router) = webhooks::axum_no_setup(options);
            router = router.merge(webhook_router);
            bot.set_webhook(url)
                .secret_token(secret.clone())
                .await
                .context("cannot set the Telegram webhook (PUBLIC_URL, WEBHOOK_SECRET)")?;
            // The webhook's update stream ends only when its router is dropped: the server stops as soon
            // as the dispatcher stops the listener, or the dispatcher would wait for it forever.
            let mut http_stopped = http_stopped;
            let stop = async move {
                tokio::select! {
                    _ = listener_stopped => {}
                    _ = http_stopped.wait_for(|stop| *stop) => {}
                }
            };
            let server = spawn_http(listener, router, stop);
            dispatcher
                .dispatch_with_listener(
                    updates,
                    LoggingErrorHandler::with_custom_text("webhook listener"),
                )
                .await;
            let _ = stop_http.send(true);
            server.await.ok();
        }
    }
    // The workers finish the step they are in (send already claimed reminders), then stop.
    let _ = stop_workers.send(true);
    reminders.await.ok();
    sync.await.ok();
    watches.await.ok();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Serves `router` until `stop` resolves, then finishes the requests in flight.
fn spawn_http(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let result = axum::serve(listener, router)
            .with_graceful_shutdown(stop)
            .await;
        if let Err(err) = result {
            tracing::error!(error = %err, "HTTP server failed");
        }
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
