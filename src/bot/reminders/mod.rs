//! Journey 7 on the Telegram side: the reminder message a worker sends before a visit, its buttons
//! («Отменить запись», «Как добраться», «Добавить в календарь»), and «Настройки → Напоминания».
//!
//! The buttons of a reminder can be tapped at any time, whatever the dialogue is doing: they carry only the
//! appointment id, and every handler re-reads the appointment scoped to the user who tapped.

use crate::bot::appointments;
use crate::bot::callback::{Cb as AnyCb, Section};
use crate::bot::ctx::{Ctx, Who};
use crate::bot::reply::{Extra, Reply};
use crate::bot::screen::{button, Screen};
use crate::bot::state::State;
use crate::i18n::Lang;
use crate::store::{Appointment, AppointmentStatus, ReminderSettings};
use crate::t;

pub mod cb;

pub use cb::{Cb, PRESETS};

// ---------------------------------------------------------------------------------------------------------
// Buttons

/// Every `ap:` button lands here, whatever the dialogue is doing.
pub async fn on_tap(ctx: &Ctx, who: &Who, tap: Cb) -> anyhow::Result<Reply> {
    match tap {
        Cb::Cancel(id) => appointments::ask_cancel(ctx, who, id).await,
        Cb::Route(id) => directions(ctx, who, id).await,
        Cb::Calendar(id) => add_to_calendar(ctx, who, id).await,
        Cb::Settings => {
            let settings = ctx.store.reminder_settings(who.user_id).await?;
            Ok(Reply::show(
                State::Settings,
                settings_screen(ctx, who.lang, &settings),
            ))
        }
        Cb::Enable(enabled) => {
            let current = ctx.store.reminder_settings(who.user_id).await?;
            let settings = ReminderSettings { enabled, ..current };
            change_settings(ctx, who, settings).await
        }
        Cb::Preset(index) => {
            let offsets = PRESETS[usize::from(index)].to_vec();
            let settings = ReminderSettings {
                enabled: true,
                offsets: Some(offsets),
            };
            change_settings(ctx, who, settings).await
        }
    }
}

/// The user's booked appointment `id`, or the notice that it is gone (someone else's id reads the same).
async fn owned_booked(ctx: &Ctx, who: &Who, id: i64) -> anyhow::Result<Result<Appointment, Reply>> {
    match ctx.store.appointment(who.user_id, id).await? {
        Some(appointment) if appointment.status == AppointmentStatus::Booked => Ok(Ok(appointment)),
        Some(_) => Ok(Err(
            Reply::stay().toast(t!(who.lang, "appointment-already-cancelled"))
        )),
        None => {
            tracing::debug!(
                user = %crate::telemetry::user_tag(who.user_id),
                "appointment button for an unknown appointment"
            );
            Ok(Err(
                Reply::stay().toast(t!(who.lang, "appointment-not-found"))
            ))
        }
    }
}

/// «Как добраться»: the clinic as a map pin, or its address when the registry gave no coordinates.
async fn directions(ctx: &Ctx, who: &Who, id: i64) -> anyhow::Result<Reply> {
    let appointment = match owned_booked(ctx, who, id).await? {
        Ok(appointment) => appointment,
        Err(reply) => return Ok(reply),
    };
    let d = &appointment.booking.details;
    let Some((latitude, longitude)) = d.coordinates() else {
        let said = t!(who.lang, "appointment-no-map", address = d.address.clone());
        return Ok(Reply::stay().alert(said));
    };
    Ok(Reply::stay().with(Extra::Venue {
        latitude,
        longitude,
        title: d.clinic.clone(),
        address: d.address.clone(),
    }))
}

/// «Добавить в календарь»: the visit as an `.ics` file.
async fn add_to_calendar(ctx: &Ctx, who: &Who, id: i64) -> anyhow::Result<Reply> {
    let appointment = match owned_booked(ctx, who, id).await? {
        Ok(appointment) => appointment,
        Err(reply) => return Ok(reply),
    };
    let now = ctx.clock.now().timestamp();
    let (name, ics) =
        crate::bot::visit::calendar_file(who.lang, &appointment, ctx.settings.region_tz, now);
    Ok(Reply::stay().with(Extra::Document {
        name,
        bytes: ics.into_bytes(),
        caption: None,
    }))
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
                button(label, AnyCb::Reminders(Cb::Preset(index as u8)))
            })
            .collect();
        for pair in presets.chunks(2) {
            screen = screen.row(pair.to_vec());
        }
        screen = screen.button(
            t!(lang, "btn-reminders-off"),
            AnyCb::Reminders(Cb::Enable(false)),
        );
    } else {
        screen = screen.button(
            t!(lang, "btn-reminders-on"),
            AnyCb::Reminders(Cb::Enable(true)),
        );
    }
    screen.button(
        t!(lang, "btn-back-settings"),
        AnyCb::Section(Section::Settings),
    )
}

/// Text at the settings: reminder offsets of one's own («3ч», «1д, 2ч», «30 мин»), beyond the presets.
/// A refusal is one short line with an example; the settings stay on screen as they were.
pub async fn on_text(ctx: &Ctx, who: &Who, text: Option<&str>) -> anyhow::Result<Reply> {
    match crate::domain::ReminderOffsets::parse(text.unwrap_or_default()) {
        Ok(offsets) => {
            let settings = ReminderSettings {
                enabled: true,
                offsets: Some(offsets.into()),
            };
            change_settings(ctx, who, settings).await
        }
        Err(err) => {
            let line =
                crate::bot::person_form::screens::explain(who.lang, &(err.key(), err.args()));
            Ok(Reply::stay().with(Extra::Message(Screen::plain(format!("⚠️ {line}")))))
        }
    }
}

async fn change_settings(
    ctx: &Ctx,
    who: &Who,
    settings: ReminderSettings,
) -> anyhow::Result<Reply> {
    let now = ctx.clock.now().timestamp();
    ctx.store
        .set_reminder_settings(who.user_id, &settings, &ctx.settings.reminders, now)
        .await?;
    tracing::info!(
        user = %crate::telemetry::user_tag(who.user_id),
        enabled = settings.enabled,
        "reminder settings changed"
    );
    let screen = settings_screen(ctx, who.lang, &settings);
    Ok(Reply::show(State::Settings, screen).toast(t!(who.lang, "reminders-saved")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::callback::{
        assert_garbage_refused, assert_round_trips, assert_spelled, MAX_CALLBACK_BYTES,
    };
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
        assert_round_trips(all().into_iter().map(crate::bot::callback::Cb::Reminders));
        // i64::MAX also fits.
        assert!(Cb::Cancel(i64::MAX).encode().len() <= MAX_CALLBACK_BYTES);
    }

    #[test]
    fn every_button_keeps_its_spelling() {
        assert_spelled(&[
            "ap:c:7", "ap:m:7", "ap:i:7", "ap:set", "ap:on", "ap:off", "ap:p:3",
        ]);
    }

    #[test]
    fn garbage_does_not_decode() {
        assert_garbage_refused(
            crate::bot::callback::Cb::decode,
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
