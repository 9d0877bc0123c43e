//! Journey 7 on the Telegram side: the reminder message a worker sends before a visit, its buttons
//! («Отменить запись», «Как добраться», «Добавить в календарь»), and «Настройки → Напоминания».
//!
//! The buttons of a reminder can be tapped at any time, whatever the dialogue is doing: they carry only the
//! appointment id, and every handler re-reads the appointment scoped to the user who tapped.

use teloxide::prelude::*;
use teloxide::types::InputFile;

use crate::i18n::Lang;
use crate::store::{Appointment, AppointmentStatus, ReminderSettings};
use crate::t;

use super::screen::button;
use super::{save, BotDialogue, Ctx, HandlerResult, Screen, State, Who};

/// Offset choices offered in the settings, in seconds, largest first.
pub const PRESETS: [&[i64]; 4] = [&[86_400, 7_200], &[86_400], &[7_200], &[3_600]];

/// Button data of this journey, all under the `ap:` prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    /// «Отменить запись» under a reminder.
    Cancel(i64),
    /// «Как добраться»: the clinic as a venue.
    Route(i64),
    /// «Добавить в календарь»: the `.ics` file.
    Calendar(i64),
    /// «Настройки → Напоминания».
    Settings,
    /// Reminders on or off.
    Enable(bool),
    /// One of [`PRESETS`], by index.
    Preset(u8),
}

impl Cb {
    pub fn encode(&self) -> String {
        match self {
            Cb::Cancel(id) => format!("ap:c:{id}"),
            Cb::Route(id) => format!("ap:m:{id}"),
            Cb::Calendar(id) => format!("ap:i:{id}"),
            Cb::Settings => "ap:set".to_owned(),
            Cb::Enable(true) => "ap:on".to_owned(),
            Cb::Enable(false) => "ap:off".to_owned(),
            Cb::Preset(index) => format!("ap:p:{index}"),
        }
    }

    /// Decodes what follows `ap:`.
    pub fn decode(rest: &[&str]) -> Option<Cb> {
        use super::callback::parse_id as id;
        Some(match rest {
            ["c", raw] => Cb::Cancel(id(raw)?),
            ["m", raw] => Cb::Route(id(raw)?),
            ["i", raw] => Cb::Calendar(id(raw)?),
            ["set"] => Cb::Settings,
            ["on"] => Cb::Enable(true),
            ["off"] => Cb::Enable(false),
            ["p", raw] => {
                let index: u8 = raw.parse().ok()?;
                if usize::from(index) >= PRESETS.len() || raw.len() != 1 {
                    return None;
                }
                Cb::Preset(index)
            }
            _ => return None,
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Buttons

/// Every `ap:` button lands here; each branch answers the callback query.
pub async fn route(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    cb: Cb,
) -> HandlerResult {
    match cb {
        Cb::Cancel(id) => super::booking::ask_cancel(bot, q, ctx, who, dialogue, id).await,
        Cb::Route(id) => directions(bot, q, ctx, who, id).await,
        Cb::Calendar(id) => add_to_calendar(bot, q, ctx, who, id).await,
        Cb::Settings => show_settings(bot, q, ctx, who, dialogue).await,
        Cb::Enable(enabled) => {
            let current = ctx.store.reminder_settings(who.user_id).await?;
            let settings = ReminderSettings { enabled, ..current };
            change_settings(bot, q, ctx, who, dialogue, settings).await
        }
        Cb::Preset(index) => {
            let offsets = PRESETS[usize::from(index)].to_vec();
            let settings = ReminderSettings {
                enabled: true,
                offsets: Some(offsets),
            };
            change_settings(bot, q, ctx, who, dialogue, settings).await
        }
    }
}

/// The user's booked appointment `id`, or a notice that it is gone (someone else's id reads the same).
async fn owned_booked(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    id: i64,
) -> anyhow::Result<Option<Appointment>> {
    match ctx.store.appointment(who.user_id, id).await? {
        Some(appointment) if appointment.status == AppointmentStatus::Booked => {
            Ok(Some(appointment))
        }
        Some(_) => {
            bot.answer_callback_query(q.id.clone())
                .text(t!(who.lang, "appointment-already-cancelled"))
                .await?;
            Ok(None)
        }
        None => {
            tracing::debug!(
                user = who.user_id,
                "appointment button for an unknown appointment"
            );
            bot.answer_callback_query(q.id.clone())
                .text(t!(who.lang, "appointment-not-found"))
                .await?;
            Ok(None)
        }
    }
}

async fn directions(bot: &Bot, q: &CallbackQuery, ctx: &Ctx, who: &Who, id: i64) -> HandlerResult {
    let Some(appointment) = owned_booked(bot, q, ctx, who, id).await? else {
        return Ok(());
    };
    let d = &appointment.details;
    let Some((latitude, longitude)) = d.coordinates() else {
        bot.answer_callback_query(q.id.clone())
            .text(t!(
                who.lang,
                "appointment-no-map",
                address = d.address.clone()
            ))
            .show_alert(true)
            .await?;
        return Ok(());
    };
    bot.answer_callback_query(q.id.clone()).await?;
    bot.send_venue(
        who.chat_id,
        latitude,
        longitude,
        d.clinic.clone(),
        d.address.clone(),
    )
    .await?;
    Ok(())
}

async fn add_to_calendar(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    id: i64,
) -> HandlerResult {
    let Some(appointment) = owned_booked(bot, q, ctx, who, id).await? else {
        return Ok(());
    };
    let now = ctx.clock.now().timestamp();
    let (name, ics) =
        super::visit::calendar_file(who.lang, &appointment, ctx.settings.region_tz, now);
    bot.answer_callback_query(q.id.clone()).await?;
    bot.send_document(
        who.chat_id,
        InputFile::memory(ics.into_bytes()).file_name(name),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// «Настройки → Напоминания»

/// «24 ч + 2 ч», «1 ч», «30 мин».
pub fn offsets_label(lang: Lang, offsets: &[i64]) -> String {
    offsets
        .iter()
        .map(|&secs| {
            if secs % 3600 == 0 {
                t!(lang, "offset-hours", hours = secs / 3600)
            } else {
                t!(lang, "offset-minutes", minutes = (secs / 60).max(1))
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

pub fn settings_screen(ctx: &Ctx, lang: Lang, settings: &ReminderSettings) -> Screen {
    let defaults = &ctx.settings.reminders;
    let body = if settings.enabled {
        let offsets = settings.effective_offsets(defaults);
        t!(
            lang,
            "reminders-settings-on",
            offsets = offsets_label(lang, &offsets)
        )
    } else {
        t!(lang, "reminders-settings-off")
    };
    let mut screen = Screen::new(ctx, lang, body);
    if settings.enabled {
        let current = settings.effective_offsets(defaults);
        let presets: Vec<_> = PRESETS
            .iter()
            .enumerate()
            .map(|(index, offsets)| {
                let label = offsets_label(lang, offsets);
                let label = if current == *offsets {
                    format!("✓ {label}")
                } else {
                    label
                };
                button(label, super::Cb::Reminders(Cb::Preset(index as u8)))
            })
            .collect();
        for pair in presets.chunks(2) {
            screen = screen.row(pair.to_vec());
        }
        screen = screen.button(
            t!(lang, "btn-reminders-off"),
            super::Cb::Reminders(Cb::Enable(false)),
        );
    } else {
        screen = screen.button(
            t!(lang, "btn-reminders-on"),
            super::Cb::Reminders(Cb::Enable(true)),
        );
    }
    screen.button(
        t!(lang, "btn-back-settings"),
        super::Cb::Section(super::callback::Section::Settings),
    )
}

async fn show_settings(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
) -> HandlerResult {
    bot.answer_callback_query(q.id.clone()).await?;
    save(dialogue, State::Settings).await?;
    let settings = ctx.store.reminder_settings(who.user_id).await?;
    settings_screen(ctx, who.lang, &settings)
        .replace(bot, q)
        .await?;
    Ok(())
}

async fn change_settings(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    settings: ReminderSettings,
) -> HandlerResult {
    let now = ctx.clock.now().timestamp();
    ctx.store
        .set_reminder_settings(who.user_id, &settings, &ctx.settings.reminders, now)
        .await?;
    tracing::info!(
        user = who.user_id,
        enabled = settings.enabled,
        "reminder settings changed"
    );
    bot.answer_callback_query(q.id.clone())
        .text(t!(who.lang, "reminders-saved"))
        .await?;
    save(dialogue, State::Settings).await?;
    settings_screen(ctx, who.lang, &settings)
        .replace(bot, q)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::callback::{assert_garbage_refused, assert_round_trips, MAX_CALLBACK_BYTES};
    use crate::bot::visit::local_when;
    use chrono::{TimeZone, Utc};

    fn all() -> Vec<Cb> {
        let big = (1i64 << 53) - 1;
        vec![
            Cb::Cancel(1),
            Cb::Cancel(big),
            Cb::Route(big),
            Cb::Calendar(big),
            Cb::Settings,
            Cb::Enable(true),
            Cb::Enable(false),
            Cb::Preset(0),
            Cb::Preset(3),
        ]
    }

    #[test]
    fn every_button_round_trips_within_64_bytes() {
        assert_round_trips(all().into_iter().map(super::super::Cb::Reminders));
        // i64::MAX also fits.
        assert!(Cb::Cancel(i64::MAX).encode().len() <= MAX_CALLBACK_BYTES);
    }

    #[test]
    fn garbage_does_not_decode() {
        assert_garbage_refused(
            super::super::Cb::decode,
            &[
                "ap",
                "ap:",
                "ap:c",
                "ap:c:",
                "ap:c:-1",
                "ap:c:0",
                "ap:c:+5",
                "ap:c:1x",
                "ap:x:1",
                "ap:p:4",
                "ap:p:01",
                "ap:p:",
                "ap:on:1",
                "ap:set:x",
                "ap:c:99999999999999999999",
            ],
        );
    }

    #[test]
    fn offsets_read_as_hours_or_minutes() {
        assert_eq!(offsets_label(Lang::Ru, &[86_400, 7_200]), "24 ч + 2 ч");
        assert_eq!(offsets_label(Lang::Ru, &[1_800]), "30 мин");
        assert_eq!(offsets_label(Lang::En, &[3_600]), "1 h");
    }

    #[test]
    fn the_day_is_named_relative_to_now_in_the_region() {
        let tz = chrono_tz::Asia::Irkutsk;
        // 2026-12-01 09:30 Irkutsk = 01:30 UTC; "now" is 2026-11-30 20:00 Irkutsk.
        let visit = Utc
            .with_ymd_and_hms(2026, 12, 1, 1, 30, 0)
            .unwrap()
            .timestamp();
        let evening_before = Utc
            .with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
            .unwrap()
            .timestamp();
        assert_eq!(
            local_when(Lang::Ru, visit, tz, evening_before),
            "завтра, 01.12.2026 в 09:30"
        );
        assert_eq!(
            local_when(Lang::Ru, visit, tz, visit - 7_200),
            "сегодня, 01.12.2026 в 09:30"
        );
        assert_eq!(
            local_when(Lang::En, visit, tz, visit - 4 * 86_400),
            "Tue, 01.12.2026 at 09:30"
        );
    }
}
