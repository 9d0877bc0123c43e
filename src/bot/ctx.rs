//! What every handler is given: the application's context ([`Ctx`]), "now" ([`Clock`]) and who is talking
//! ([`Who`]). The lowest layer of `bot/`: it knows no journey.

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::User;

use crate::config::Settings;
use crate::domain::Sex;
use crate::i18n::Lang;
use crate::store::Store;

pub type HandlerResult = anyhow::Result<()>;

/// What every handler may use. Built once in `app.rs`.
pub struct Ctx {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    /// Where «Добавить из Госуслуг» finds children.
    pub children_import: ImportSource,
    /// The appointment registry (the demo one in demo mode), through its HTTP client.
    pub registry: crate::registry::SharedRegistry,
    /// The ESIA client (the demo provider's in demo mode).
    pub esia: Arc<crate::esia::EsiaClient>,
    /// How fast one user's taps may cost something (a registry call, a login).
    pub taps: Arc<TapLimiter>,
}

/// Taps that cost something, per user: a burst of [`TapLimiter::BURST`], then one a second. A person
/// tapping through a booking never meets it; a script replaying buttons does, and the registry and the
/// signer are spared.
pub struct TapLimiter {
    limiter: governor::DefaultKeyedRateLimiter<i64>,
    checks: std::sync::atomic::AtomicU64,
}

impl TapLimiter {
    pub const BURST: u32 = 20;

    /// The production limit: [`Self::BURST`] taps, then one a second.
    pub fn new() -> Self {
        Self::with(Self::BURST, std::time::Duration::from_secs(1))
    }

    /// `burst` taps at once, then one per `period` (tests take a slow one).
    pub fn with(burst: u32, period: std::time::Duration) -> Self {
        let burst = std::num::NonZeroU32::new(burst).unwrap_or(std::num::NonZeroU32::MIN);
        let quota = governor::Quota::with_period(period)
            .unwrap_or_else(|| governor::Quota::per_second(std::num::NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            limiter: governor::RateLimiter::keyed(quota),
            checks: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Whether `user` may make one more costly tap now (and counts it).
    pub fn allow(&self, user: i64) -> bool {
        let allowed = self.limiter.check_key(&user).is_ok();
        // Users seen once do not stay in memory for ever: every few thousand taps, the users whose
        // allowance is full again are let go (a scan of all of them, so not at every tap).
        let n = self
            .checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n % 4096 == 4095 {
            self.limiter.retain_recent();
        }
        allowed
    }
}

impl Default for TapLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl Ctx {
    /// What the visit rules need of the context (the store, the registry, the settings).
    pub fn visits(&self) -> crate::visits::Visits<'_> {
        crate::visits::Visits {
            store: &self.store,
            registry: &*self.registry,
            settings: &self.settings,
        }
    }
}

/// "Now", replaceable in tests.
#[derive(Clone)]
pub enum Clock {
    System,
    Fixed(chrono::DateTime<chrono::Utc>),
}

impl Clock {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            Clock::System => chrono::Utc::now(),
            Clock::Fixed(at) => *at,
        }
    }
}

/// The region's date today (by the clock of `ctx`).
pub fn today(ctx: &Ctx) -> chrono::NaiveDate {
    crate::domain::local_today(ctx.clock.now(), ctx.settings.region_tz)
}

/// Who sent the update and how to talk to them.
#[derive(Clone, Debug)]
pub struct Who {
    pub user_id: i64,
    pub chat_id: ChatId,
    pub lang: Lang,
    pub consented: bool,
}

impl Who {
    pub(crate) async fn load(ctx: &Ctx, user: &User, chat_id: ChatId) -> anyhow::Result<Who> {
        let user_id = user.id.0 as i64;
        let record = ctx.store.ensure_user(user_id).await?;
        let telegram_lang = Lang::from_telegram(user.language_code.as_deref());
        if record.has_consented() {
            // Only after consent: nothing about a person is kept before it.
            ctx.store.note_telegram_lang(&record, telegram_lang).await?;
        }
        Ok(Who {
            user_id,
            chat_id,
            lang: record.lang.unwrap_or(telegram_lang),
            consented: record.has_consented(),
        })
    }
}

/// The chat a button was pressed in (the user's private chat when the message is unknown).
pub fn callback_chat(q: &CallbackQuery) -> ChatId {
    q.regular_message()
        .map(|m| m.chat.id)
        .unwrap_or(ChatId(q.from.id.0 as i64))
}

/// A child as the linked Gosuslugi account lists it (`/kids`). Any field may be missing or wrong; the form
/// parses each one and asks for what does not pass.
#[derive(Clone, Default)]
pub struct ImportableChild {
    pub full_name: Option<String>,
    /// `DD.MM.YYYY`, as ESIA sends it.
    pub birth_date: Option<String>,
    pub sex: Option<Sex>,
    pub policy_series: Option<String>,
    pub policy_number: Option<String>,
}

crate::domain::opaque_debug!(ImportableChild);

/// Where «Добавить из Госуслуг» finds children.
#[derive(Clone, Debug, Default)]
pub enum ImportSource {
    /// The user's linked Gosuslugi account.
    #[default]
    Gosuslugi,
    /// A fixed list, for tests of the import dialogue.
    Fixed(Vec<ImportableChild>),
}
