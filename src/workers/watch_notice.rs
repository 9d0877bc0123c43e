//! What the slot-watch worker tells a user, and how: a slot found, a slot booked for them, a watch that
//! ended without a find. [`WatchNotifier`] is the seam (tests and the benchmark count instead of
//! sending); [`TelegramNotifier`] renders and sends through the workers' throttled bot.

use chrono_tz::Tz;
use futures::future::BoxFuture;
use teloxide::adaptors::Throttle;
use teloxide::Bot;

use crate::bot::Screen;
use crate::i18n::Lang;
use crate::store::{Appointment, Store, Watch};
use crate::t;
use crate::visits::watch::FreeSlot;

/// What a user is told of a watch.
#[derive(Clone, Copy, Debug)]
pub enum WatchNews<'a> {
    /// Slots in the window, new since the last notice, soonest first. `later`: the person's visit to that
    /// doctor these are earlier than.
    Found {
        watch: &'a Watch,
        slots: &'a [FreeSlot],
        later: Option<&'a Appointment>,
    },
    /// A slot booked for the watch's person; `replaced` the later visit cancelled for it, `not_cancelled`
    /// the later visit that could not be.
    Booked {
        watch: &'a Watch,
        appointment: &'a Appointment,
        replaced: Option<&'a Appointment>,
        not_cancelled: Option<&'a Appointment>,
    },
    /// The watch ended without finding anything.
    Expired { watch: &'a Watch },
}

impl WatchNews<'_> {
    pub fn user_id(&self) -> i64 {
        match self {
            WatchNews::Found { watch, .. }
            | WatchNews::Booked { watch, .. }
            | WatchNews::Expired { watch } => watch.target.user_id,
        }
    }
}

/// How telling went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// The user cannot be written to (blocked the bot, deleted the account): never again.
    Unreachable,
    /// A passing failure: try again at the next check.
    Failed,
}

/// Tells users of their watches.
pub trait WatchNotifier: Send + Sync {
    /// Tells the user of `news` at `now` (what relative days like «завтра» are counted from).
    fn tell<'a>(&'a self, news: WatchNews<'a>, now: i64) -> BoxFuture<'a, Delivery>;
}

/// Sends the news to the user's private chat, in their language.
pub struct TelegramNotifier {
    pub bot: Throttle<Bot>,
    pub store: Store,
    pub demo: bool,
    pub tz: Tz,
}

impl TelegramNotifier {
    /// The child a watch is for, as its notices name them (none for the user's own watch).
    async fn person(&self, lang: Lang, news: WatchNews<'_>) -> Option<String> {
        let watch = match news {
            WatchNews::Found { watch, .. } | WatchNews::Expired { watch } => watch,
            WatchNews::Booked { .. } => return None,
        };
        // The user's own watch is named only when they have children to tell it from.
        if watch.plan.child_id.is_none() {
            let children = self.store.children(watch.target.user_id).await.ok()?;
            if children.is_empty() {
                return None;
            }
        }
        crate::bot::watch::person_name(&self.store, lang, watch.target.user_id, watch.plan.child_id)
            .await
            .ok()
    }
}

impl WatchNotifier for TelegramNotifier {
    fn tell<'a>(&'a self, news: WatchNews<'a>, now: i64) -> BoxFuture<'a, Delivery> {
        Box::pin(async move {
            let user_id = news.user_id();
            let lang = match self.store.user(user_id).await {
                Ok(user) => user.map(|u| u.message_lang()).unwrap_or_default(),
                Err(_) => Lang::default(),
            };
            let person = self.person(lang, news).await;
            let screen = render(lang, self.demo, self.tz, now, news, person.as_deref());
            match super::send_to_user(&self.bot, user_id, screen).await {
                Ok(()) => Delivery::Sent,
                Err(err) if super::user_unreachable(&err) => Delivery::Unreachable,
                Err(err) => {
                    let kind = super::failure_kind(&err);
                    tracing::warn!(user = %crate::telemetry::user_tag(user_id), kind, "watch: notice not delivered");
                    Delivery::Failed
                }
            }
        })
    }
}

/// The message of `news`; `person`: the child the watch is for, named.
pub fn render(
    lang: Lang,
    demo: bool,
    tz: Tz,
    now: i64,
    news: WatchNews<'_>,
    person: Option<&str>,
) -> Screen {
    match news {
        WatchNews::Found {
            watch,
            slots,
            later,
        } => {
            let found = crate::bot::watch::Found {
                watch,
                slots,
                later,
                person,
            };
            crate::bot::watch::found_notice(lang, demo, tz, now, found)
        }
        WatchNews::Booked {
            appointment,
            replaced,
            not_cancelled,
            ..
        } => {
            let mut lines = vec![t!(lang, "watch-booked-title")];
            lines.extend(crate::bot::visit::visit_card_lines(
                lang,
                appointment,
                tz,
                now,
            ));
            let when = |visit: &Appointment| {
                crate::bot::visit::local_when(lang, visit.booking.visit_at, tz, now)
            };
            if let Some(old) = replaced {
                lines.push(String::new());
                lines.push(t!(lang, "watch-booked-replaced", when = when(old)));
            }
            if let Some(old) = not_cancelled {
                lines.push(String::new());
                lines.push(t!(lang, "watch-booked-not-cancelled", when = when(old)));
            }
            crate::bot::visit::visit_screen(lang, demo, appointment, lines)
        }
        WatchNews::Expired { watch } => {
            crate::bot::watch::expired_notice(lang, demo, watch, person)
        }
    }
}
