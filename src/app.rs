//! Wires everything: the store, the bot, the dispatcher, the HTTP server, the workers.
//!
//! [`build`] makes and checks every part and binds the HTTP listener; [`App::run`] runs until told to
//! stop ([`App::run_until_stopped`]: SIGTERM or Ctrl-C). [`context`] is the one way the bot's context
//! is made, here and in the tests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use teloxide::adaptors::throttle::Limits;
use teloxide::dispatching::dialogue::{ErasedStorage, Storage};
use teloxide::prelude::*;
use teloxide::update_listeners::{self, webhooks};
use tokio::sync::watch;

use crate::bot::{self, Clock, Ctx, State};
use crate::config::{RegistryUrl, Settings, StorageSettings, UpdatesMode};
use crate::http::{self, HttpState};
use crate::registry::{self, SharedRegistry};
use crate::store::dialogue::{ChatTurns, DialogueStorage, PollingLease};
use crate::store::{key_path_for_sqlite, pending_key_path, sqlite_path, DataKey, Store};
use crate::{telemetry, workers};

/// The data key: `DATA_KEY`, or the key file beside the SQLite database (created only with the database).
fn resolve_data_key(storage: &StorageSettings) -> anyhow::Result<DataKey> {
    if let Some(raw) = &storage.data_key {
        return DataKey::from_base64(raw).map_err(|problem| anyhow::anyhow!("DATA_KEY: {problem}"));
    }
    let (Some(key), Some(db)) = (
        key_path_for_sqlite(&storage.database_url),
        sqlite_path(&storage.database_url),
    ) else {
        anyhow::bail!("DATA_KEY: is required unless DATABASE_URL names a SQLite file");
    };
    DataKey::for_sqlite(&key, &db)
}

/// `kvrachu-bot rotate-key`: re-seals every personal value under a new key, atomically, with the bot
/// stopped. With `DATA_KEY` the new key is `NEW_DATA_KEY` (the operator then sets `DATA_KEY` to it);
/// with the key file beside a SQLite database a new key is made, kept in `kvrachu.key.new` while the
/// database is re-sealed, and moved over `kvrachu.key` once the transaction committed (run again after an
/// interruption, it finishes). Returns the line to print.
pub async fn rotate_key(settings: crate::config::RotationSettings) -> anyhow::Result<String> {
    let new_from_env = settings
        .new_data_key
        .as_deref()
        .map(|raw| {
            DataKey::from_base64(raw).map_err(|problem| anyhow::anyhow!("NEW_DATA_KEY: {problem}"))
        })
        .transpose()?;
    if let Some(raw) = &settings.storage.data_key {
        let old =
            DataKey::from_base64(raw).map_err(|problem| anyhow::anyhow!("DATA_KEY: {problem}"))?;
        let new = new_from_env.context(
            "NEW_DATA_KEY: is required with DATA_KEY (base64 of 32 random bytes: openssl rand -base64 32)",
        )?;
        let store = Store::connect(&settings.storage.database_url, &old).await?;
        let count = store.rotate_key(&new).await;
        store.close().await;
        let count = count?;
        return Ok(format!(
            "re-sealed {count} values under NEW_DATA_KEY; set DATA_KEY to it before starting the bot"
        ));
    }
    let (Some(key_path), Some(_)) = (
        key_path_for_sqlite(&settings.storage.database_url),
        sqlite_path(&settings.storage.database_url),
    ) else {
        anyhow::bail!("DATA_KEY: is required unless DATABASE_URL names a SQLite file");
    };
    let old = DataKey::load_existing(&key_path)?;
    let pending = pending_key_path(&key_path);
    let store = Store::connect(&settings.storage.database_url, &old).await?;
    let result = async {
        if pending.exists() {
            let new = DataKey::load_existing(&pending)?;
            if store.key_opens(&new).await? {
                finish_rotation(&pending, &key_path)?;
                return Ok("finished an interrupted key rotation".to_owned());
            }
            // The database was not re-sealed: that attempt left nothing but its key.
            std::fs::remove_file(&pending)?;
        }
        let new = new_from_env.unwrap_or_else(DataKey::generate);
        new.write_new(&pending)?;
        let count = store.rotate_key(&new).await?;
        finish_rotation(&pending, &key_path)?;
        Ok(format!(
            "re-sealed {count} values under a new key in {}",
            key_path.display()
        ))
    }
    .await;
    store.close().await;
    result
}

/// Moves the new key file over the old one, durably.
fn finish_rotation(pending: &std::path::Path, key: &std::path::Path) -> anyhow::Result<()> {
    std::fs::rename(pending, key)
        .with_context(|| format!("cannot move {} to {}", pending.display(), key.display()))?;
    if let Some(dir) = key.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// The Bot API client: Telegram, or `TELOXIDE_API_URL`.
fn make_bot(settings: &Settings) -> Bot {
    let bot = Bot::new(&settings.telegram.token);
    match &settings.telegram.api_url {
        Some(url) => bot.set_api_url(url.clone()),
        None => bot,
    }
}

/// The bot's context, as production builds it: the ESIA client the settings describe, the system clock,
/// children imported from Gosuslugi. Tests build theirs here too (and may then swap the clock).
pub fn context(settings: Arc<Settings>, store: Store, registry: SharedRegistry) -> Arc<Ctx> {
    let esia = Arc::new(crate::esia::client_from_settings(&settings));
    Arc::new(Ctx {
        store,
        settings,
        clock: Clock::System,
        children_import: Default::default(),
        registry,
        esia,
        taps: Default::default(),
    })
}

/// Where the dispatcher keeps each chat's dialogue: in the store.
pub fn dialogue_storage(store: Store) -> Arc<ErasedStorage<State>> {
    DialogueStorage::new(store).erase()
}

/// Another instance takes this bot's updates by polling: the process stops with this line (exit code 3),
/// since starting it again would not help.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AnotherPoller(pub String);

/// Everything wired and checked, not yet running: the store is open, Telegram answered, the HTTP
/// listener is bound (see [`App::local_addr`]). [`App::run`] starts it.
pub struct App {
    settings: Arc<Settings>,
    store: Store,
    bot: Bot,
    ctx: Arc<Ctx>,
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    router: axum::Router,
}

/// Builds the application the settings describe, listening on `HTTP_ADDR` (port 0 picks a free one).
pub async fn build(settings: Settings) -> anyhow::Result<App> {
    build_inner(settings, None).await
}

/// Like [`build`], on a listener already bound: for when the settings must name the address (PUBLIC_URL)
/// before the application is built.
pub async fn build_with_listener(
    settings: Settings,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<App> {
    build_inner(settings, Some(listener)).await
}

async fn build_inner(
    settings: Settings,
    listener: Option<tokio::net::TcpListener>,
) -> anyhow::Result<App> {
    // In-process counters (handler failures and latency, registry errors) for /metrics, from the start.
    crate::telemetry::process_metrics();
    let settings = Arc::new(settings);
    // A broken signer or CA file stops start-up here rather than at the first user's login.
    crate::esia::check_at_start(&settings).await?;
    let key = resolve_data_key(&settings.storage)?;
    let store = Store::connect(&settings.storage.database_url, &key).await?;
    if let Err(err) = store.verify_data_key().await {
        store.close().await;
        return Err(err);
    }
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
    let listener = match listener {
        Some(listener) => listener,
        None => tokio::net::TcpListener::bind(settings.web.http_addr)
            .await
            .with_context(|| format!("HTTP_ADDR: cannot listen on {}", settings.web.http_addr))?,
    };
    let local_addr = listener.local_addr()?;
    tracing::info!(addr = %local_addr, "HTTP server listening");
    let registry = registry::from_settings(&settings, local_addr)?;

    let ctx = context(settings.clone(), store.clone(), registry);
    let router = http_router(&ctx, &bot, bot::bot_username(&me));
    Ok(App {
        settings,
        store,
        bot,
        ctx,
        listener,
        local_addr,
        router,
    })
}

/// `/healthz`, `/metrics`, the ESIA callback (and the demo identity provider), the demo registry.
fn http_router(ctx: &Arc<Ctx>, bot: &Bot, bot_username: String) -> axum::Router {
    let settings = &ctx.settings;
    let router = http::router(HttpState {
        store: ctx.store.clone(),
        metrics: settings
            .web
            .metrics_token
            .clone()
            .map(|token| http::MetricsAccess {
                token,
                sync_interval_secs: settings.sync_interval.as_secs() as i64,
            }),
        // With ESIA_URL=off there is no login to start or come back from.
        esia: settings
            .esia
            .is_on()
            .then(|| http::esia_callback::EsiaHttp {
                ctx: ctx.clone(),
                bot: bot.clone(),
                bot_username,
            }),
    });
    if settings.registry == RegistryUrl::Demo {
        router.nest(
            registry::demo::PATH,
            registry::demo::router(ctx.store.clone(), settings.region_tz),
        )
    } else {
        router
    }
}

impl App {
    /// The address the HTTP server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The context the handlers, the workers and the ESIA callback share.
    pub fn ctx(&self) -> &Arc<Ctx> {
        &self.ctx
    }

    /// Runs until SIGTERM or Ctrl-C.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run(wait_for_signal()).await
    }

    /// Takes updates, runs the workers and serves HTTP until `shutdown` resolves; then lets the handlers,
    /// the requests in flight and the workers' current step finish, and closes the store.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let App {
            settings,
            store,
            bot,
            ctx,
            listener,
            local_addr: _,
            router,
        } = self;
        let _lease = match polling_lease(&settings, &store).await {
            Ok(lease) => lease,
            Err(err) => {
                store.close().await;
                return Err(err);
            }
        };
        let mut dispatcher = dispatcher(&bot, &ctx, &store);
        let (stop_workers, workers_stopped) = watch::channel(false);
        let workers = spawn_workers(&ctx, &bot, workers_stopped);
        stop_dispatcher_on(shutdown, &dispatcher);

        let result = match &settings.telegram.updates {
            UpdatesMode::Polling => {
                take_updates_by_polling(&mut dispatcher, &bot, listener, router).await
            }
            UpdatesMode::Webhook { secret } => {
                take_updates_by_webhook(&mut dispatcher, &settings, &bot, secret, listener, router)
                    .await
            }
        };
        // The workers finish the step they are in (send already claimed reminders), then stop.
        let _ = stop_workers.send(true);
        for worker in workers {
            worker.await.ok();
        }
        store.close().await;
        tracing::info!("stopped");
        result
    }
}

type BotDispatcher = Dispatcher<Bot, anyhow::Error, ChatId>;

/// One poller per database: a second one says so ([`AnotherPoller`]) before taking any update. `None`
/// with webhooks, which several instances share.
async fn polling_lease(settings: &Settings, store: &Store) -> anyhow::Result<Option<PollingLease>> {
    if !matches!(settings.telegram.updates, UpdatesMode::Polling) {
        return Ok(None);
    }
    match store.take_polling_lease().await {
        Ok(Some(lease)) => Ok(Some(lease)),
        Ok(None) => Err(AnotherPoller(
            "another instance already takes this bot's updates by polling with this \
             database; run one polling instance, or UPDATES=webhook for several"
                .to_owned(),
        )
        .into()),
        Err(err) => Err(err.context("cannot take the polling lease")),
    }
}

/// The dispatcher of updates to the handler tree, with the context and the dialogue storage.
fn dispatcher(bot: &Bot, ctx: &Arc<Ctx>, store: &Store) -> BotDispatcher {
    let turns = ChatTurns::new(store);
    Dispatcher::builder(bot.clone(), handler(turns))
        .dependencies(dptree::deps![ctx.clone(), dialogue_storage(store.clone())])
        // Every update is handled at once as far as teloxide goes; [`ChatTurns`] keeps each chat's
        // updates in order (across instances too) and bounds how many run. teloxide's own grouping
        // keeps a worker and a queue per chat ever seen (3,000 chats: 400 MB, never returned).
        .distribution_function(|_| None::<ChatId>)
        // Unhandled updates are dropped quietly: the default handler would log their content.
        .default_handler(|_| async {})
        .error_handler(Arc::new(telemetry::HandlerErrors))
        .build()
}

/// Stops `dispatcher` when `shutdown` resolves.
fn stop_dispatcher_on(
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    dispatcher: &BotDispatcher,
) {
    let token = dispatcher.shutdown_token();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("stopping");
        // The token refuses while the dispatcher is still starting; try again shortly.
        loop {
            match token.shutdown() {
                Ok(done) => {
                    done.await;
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
}

/// The bot's handler tree, each update in its chat's turn (held until the tree is done with it).
pub fn handler(turns: Arc<ChatTurns>) -> teloxide::dispatching::UpdateHandler<anyhow::Error> {
    dptree::entry()
        .map_async(move |update: Update| {
            let turns = turns.clone();
            async move {
                match update.chat() {
                    Some(chat) => Arc::new(Some(turns.begin(chat.id.0).await)),
                    None => Arc::new(None),
                }
            }
        })
        .chain(bot::schema())
}

/// The reminder, sync and watch workers, sharing one throttle so that together they keep to Telegram's
/// limits.
fn spawn_workers(
    ctx: &Arc<Ctx>,
    bot: &Bot,
    stopped: watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let throttled = workers::reminders::throttled_bot(bot.clone(), Limits::default());
    let reminders =
        workers::ReminderWorker::new(ctx.store.clone(), throttled.clone(), &ctx.settings);
    let sync = workers::SyncWorker::new(ctx.clone(), throttled.clone());
    let watch = workers::WatchWorker::new(ctx.clone(), throttled);
    vec![
        tokio::spawn(reminders.run(stopped.clone())),
        tokio::spawn(sync.run(stopped.clone())),
        tokio::spawn(watch.run(stopped)),
    ]
}

async fn take_updates_by_polling(
    dispatcher: &mut BotDispatcher,
    bot: &Bot,
    listener: tokio::net::TcpListener,
    router: axum::Router,
) -> anyhow::Result<()> {
    let (stop_http, mut http_stopped) = watch::channel(false);
    let stop = async move {
        let _ = http_stopped.wait_for(|stop| *stop).await;
    };
    let server = spawn_http(listener, router, stop);
    let updates = update_listeners::polling_default(bot.clone()).await;
    // On a lasting 409 Conflict the updates end, and the dispatcher with them.
    let (conflict, conflicted) = watch::channel(false);
    let errors = Arc::new(telemetry::ListenerErrors::new(move || {
        let _ = conflict.send(true);
    }));
    let updates = telemetry::ScrubbedUpdates::new(updates).until(conflicted);
    dispatcher
        .dispatch_with_listener(updates, errors.clone())
        .await;
    let _ = stop_http.send(true);
    server.await.ok();
    match errors.conflict() {
        Some(why) => Err(AnotherPoller(why.to_owned()).into()),
        None => Ok(()),
    }
}

async fn take_updates_by_webhook(
    dispatcher: &mut BotDispatcher,
    settings: &Settings,
    bot: &Bot,
    secret: &str,
    listener: tokio::net::TcpListener,
    router: axum::Router,
) -> anyhow::Result<()> {
    // `{PUBLIC_URL}/telegram/webhook`, keeping a path PUBLIC_URL has behind a reverse proxy.
    let url = crate::esia::public_endpoint(&settings.web.public_url, "telegram/webhook");
    let options = webhooks::Options::new(settings.web.http_addr, url.clone())
        .path("/telegram/webhook".to_owned())
        .secret_token(secret.to_owned());
    // `axum_no_setup`: the webhook is set here and never deleted on stop, so that one of several
    // instances stopping does not cut the others off.
    let (updates, listener_stopped, webhook_router) = webhooks::axum_no_setup(options);
    let router = router.merge(webhook_router);
    bot.set_webhook(url)
        .secret_token(secret.to_owned())
        .await
        .context("cannot set the Telegram webhook (PUBLIC_URL, WEBHOOK_SECRET)")?;
    // The webhook's update stream ends only when its router is dropped: the server stops as soon
    // as the dispatcher stops the listener, or the dispatcher would wait for it forever.
    let (stop_http, mut http_stopped) = watch::channel(false);
    let stop = async move {
        tokio::select! {
            _ = listener_stopped => {}
            _ = http_stopped.wait_for(|stop| *stop) => {}
        }
    };
    let server = spawn_http(listener, router, stop);
    dispatcher
        .dispatch_with_listener(
            telemetry::ScrubbedUpdates::new(updates),
            Arc::new(telemetry::ListenerErrors::new(|| {})),
        )
        .await;
    let _ = stop_http.send(true);
    server.await.ok();
    Ok(())
}

/// Serves `router` until `stop` resolves, then finishes the requests in flight.
fn spawn_http(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(http::serve(
        listener,
        router,
        http::HttpLimits::default(),
        stop,
    ))
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
