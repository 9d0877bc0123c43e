//! Journey 8, slot watches: «Сообщить, когда появятся талоны».
//!
//! Where booking finds no free slots — a doctor with none in the days ahead, or a specialty none of whose
//! doctors has any — the screen offers to watch. The watch worker looks every `WATCH_INTERVAL` (the check
//! itself is [`crate::visits::watch`]) and sends one notice per set of new slots, with «Записаться» (straight
//! to that doctor's days, or the specialty's doctors) and «Не следить». «Мои записи» lists the watches;
//! each can be stopped there.

use chrono::TimeZone as _;
use chrono_tz::Tz;

use crate::bot::booking::cb::Cb as BookingCb;
use crate::bot::booking::state::{Choice, Flow, Here, Step};
use crate::bot::callback::Cb as AnyCb;
use crate::bot::ctx::{Ctx, Who};
use crate::bot::reply::Reply;
use crate::bot::screen::{button, Screen};
use crate::bot::state::State;
use crate::i18n::{escape_html, Lang};
use crate::registry::within_deadline;
use crate::store::{AddWatch, NewWatch, Watch, WatchLabels};
use crate::t;
use crate::visits::watch::FreeSlot;

pub mod cb;

pub use cb::Cb;

fn cb(inner: Cb) -> AnyCb {
    AnyCb::Watch(inner)
}

/// What the booking step on display would watch: a doctor (days screen) or a whole specialty (doctors).
pub fn target(step: &Step) -> Option<(Choice, Option<Choice>)> {
    match step {
        Step::Days {
            specialty, doctor, ..
        } => Some((specialty.clone(), Some(doctor.clone()))),
        Step::Doctors { specialty, .. } => Some((specialty.clone(), None)),
        _ => None,
    }
}

/// The «Сообщить о талонах» / «Не сообщать» button of a booking screen with no free slots.
pub async fn toggle_button(
    ctx: &Ctx,
    user_id: i64,
    lang: Lang,
    lpu_id: i64,
    step: &Step,
) -> anyhow::Result<Option<teloxide::types::InlineKeyboardButton>> {
    let Some((specialty, doctor)) = target(step) else {
        return Ok(None);
    };
    let doctor_id = doctor.as_ref().map(|d| d.id.as_str());
    let watching = ctx
        .store
        .find_watch(user_id, lpu_id, &specialty.id, doctor_id)
        .await?
        .is_some();
    Ok(Some(if watching {
        button(
            t!(lang, "watch-btn-off"),
            AnyCb::Booking(BookingCb::Unwatch),
        )
    } else {
        button(t!(lang, "watch-btn-on"), AnyCb::Booking(BookingCb::Watch))
    }))
}

/// «Сообщить о талонах» (or «Не сообщать») on a booking screen at `clinic`: starts (or stops) the watch of
/// what `step` shows. Returns the word about it; the booking draws its step again with it.
pub async fn toggle(
    ctx: &Ctx,
    who: &Who,
    clinic: i64,
    step: &Step,
    on: bool,
) -> anyhow::Result<String> {
    let lang = who.lang;
    let Some((specialty, doctor)) = target(step) else {
        return Ok(t!(lang, "stale-button"));
    };
    let doctor_id = doctor.as_ref().map(|d| d.id.clone());
    if !on {
        if let Some(watch) = ctx
            .store
            .find_watch(who.user_id, clinic, &specialty.id, doctor_id.as_deref())
            .await?
        {
            ctx.store.remove_watch(who.user_id, watch.id).await?;
            tracing::info!(user = %crate::telemetry::user_tag(who.user_id), clinic, "watch: stopped");
        }
        return Ok(t!(lang, "watch-stopped"));
    }
    // The clinic's name is only a label: without it the watch still works.
    let clinic_name = within_deadline(ctx.registry.clinic(clinic))
        .await
        .map(|c| c.display_name().to_owned())
        .unwrap_or_default();
    let new = NewWatch {
        user_id: who.user_id,
        lpu_id: clinic,
        specialty_id: specialty.id.clone(),
        doctor_id,
        labels: WatchLabels {
            clinic: clinic_name,
            specialty: specialty.name.clone(),
            doctor: doctor.map(|d| d.name).unwrap_or_default(),
        },
    };
    let now = ctx.clock.now().timestamp();
    let interval = ctx.settings.watch_interval.as_secs() as i64;
    Ok(match ctx.store.add_watch(&new, interval, now).await? {
        AddWatch::Added(_) | AddWatch::Renewed(_) => {
            tracing::info!(user = %crate::telemetry::user_tag(who.user_id), clinic, "watch: started");
            t!(lang, "watch-started")
        }
        AddWatch::TooMany => t!(lang, "watch-too-many", max = crate::store::MAX_WATCHES),
    })
}

/// Every `wt:` button, whatever the dialogue is doing.
pub async fn on_tap(ctx: &Ctx, who: &Who, tap: Cb) -> anyhow::Result<Reply> {
    match tap {
        Cb::List => Ok(Reply::go(State::Watches)),
        Cb::Stop(id) => {
            let said = if ctx.store.remove_watch(who.user_id, id).await? {
                tracing::info!(user = %crate::telemetry::user_tag(who.user_id), "watch: stopped");
                t!(who.lang, "watch-stopped")
            } else {
                t!(who.lang, "watch-gone")
            };
            let screen = list_screen(ctx, who, Some(said.clone())).await?;
            Ok(Reply::show(State::Watches, screen).toast(said))
        }
        Cb::Book(id) => match ctx.store.watch(who.user_id, id).await? {
            None => Ok(Reply::go(State::Watches).toast(t!(who.lang, "watch-gone"))),
            Some(watch) => Ok(Reply::go(State::Booking(Here::Flow(Box::new(booking_of(
                &watch,
            )))))),
        },
    }
}

/// The booking a watch's «Записаться» opens: the doctor's days, or the specialty's doctors.
fn booking_of(watch: &Watch) -> Flow {
    let specialty = Choice {
        id: watch.specialty_id.clone(),
        name: watch.labels.specialty.clone(),
    };
    let step = match watch.doctor_id.clone() {
        Some(id) => Step::Days {
            specialty,
            doctor: Choice {
                id,
                name: watch.labels.doctor.clone(),
            },
            week: None,
        },
        None => Step::Doctors { specialty, page: 1 },
    };
    Flow {
        clinic: watch.lpu_id,
        from: None,
        step,
        keys: Vec::new(),
    }
}

/// «Ожидание талонов»: what the user waits for, until when, and a way to stop each.
pub async fn list_screen(ctx: &Ctx, who: &Who, notice: Option<String>) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let watches = ctx.store.watches(who.user_id).await?;
    let mut lines = Vec::new();
    if let Some(notice) = notice {
        lines.push(notice);
        lines.push(String::new());
    }
    lines.push(t!(lang, "watch-list-title"));
    if watches.is_empty() {
        lines.push(String::new());
        lines.push(t!(lang, "watch-list-empty"));
    }
    let mut buttons = Vec::new();
    for (n, watch) in watches.iter().enumerate() {
        let until = chrono::DateTime::from_timestamp(watch.expires_at, 0)
            .map(|at| {
                at.with_timezone(&ctx.settings.region_tz)
                    .format("%d.%m.%Y")
                    .to_string()
            })
            .unwrap_or_default();
        lines.push(String::new());
        lines.push(t!(
            lang,
            "watch-list-item",
            n = n + 1,
            what = what_label(lang, &watch.labels),
            clinic = escape_html(&watch.labels.clinic),
            until = until
        ));
        buttons.push(button(
            t!(lang, "watch-btn-stop-n", n = n + 1),
            cb(Cb::Stop(watch.id)),
        ));
    }
    let mut screen = Screen::new(ctx, lang, lines.join("\n"));
    for row in buttons.chunks(2) {
        screen = screen.row(row.to_vec());
    }
    Ok(screen.row(vec![
        button(
            t!(lang, "watch-btn-appointments"),
            AnyCb::Booking(BookingCb::Appointments),
        ),
        button(t!(lang, "btn-menu"), AnyCb::Menu),
    ]))
}

/// «Терапевт — Иванова Анна Сергеевна», or «Терапевт (любой врач)».
fn what_label(lang: Lang, labels: &WatchLabels) -> String {
    if labels.doctor.is_empty() {
        t!(
            lang,
            "watch-what-specialty",
            specialty = escape_html(&labels.specialty)
        )
    } else {
        t!(
            lang,
            "watch-what-doctor",
            specialty = escape_html(&labels.specialty),
            doctor = escape_html(&labels.doctor)
        )
    }
}

/// «Появились талоны»: what, where, the soonest new one and how many, with «Записаться» and «Не следить».
pub fn found_notice(
    lang: Lang,
    demo: bool,
    watch: &Watch,
    new: &[FreeSlot],
    tz: Tz,
    now: i64,
) -> Screen {
    let mut lines = vec![
        t!(lang, "watch-found-title"),
        what_label(lang, &watch.labels),
    ];
    if !watch.labels.clinic.is_empty() {
        lines.push(t!(
            lang,
            "reminder-clinic",
            clinic = escape_html(&watch.labels.clinic)
        ));
    }
    if let Some(first) = new.first() {
        let at = tz
            .from_local_datetime(&first.start)
            .earliest()
            .map(|at| at.timestamp())
            .unwrap_or(now);
        lines.push(t!(
            lang,
            "watch-found-nearest",
            when = crate::bot::visit::local_when(lang, at, tz, now),
            count = new.len()
        ));
    }
    lines.push(String::new());
    lines.push(t!(lang, "watch-found-hint"));
    Screen::with_badge(lang, demo, lines.join("\n")).row(vec![
        button(t!(lang, "watch-btn-book"), cb(Cb::Book(watch.id))),
        button(t!(lang, "watch-btn-stop"), cb(Cb::Stop(watch.id))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::callback::{assert_garbage_refused, assert_round_trips};

    #[test]
    fn buttons_round_trip_and_garbage_is_refused() {
        let big = (1i64 << 53) - 1;
        assert_round_trips([Cb::Book(1), Cb::Book(big), Cb::Stop(big), Cb::List].map(cb));
        assert_garbage_refused(
            crate::bot::callback::Cb::decode,
            &[
                "wt", "wt:", "wt:b", "wt:b:", "wt:b:x", "wt:b:-1", "wt:b:0", "wt:x:1:2", "wt:l:1",
                "wt:q:1",
            ],
        );
    }

    #[test]
    fn a_watch_targets_the_doctor_on_the_days_screen_and_the_specialty_on_the_doctors() {
        let specialty = Choice {
            id: "109".into(),
            name: "Терапевт".into(),
        };
        let doctor = Choice {
            id: "ab-17".into(),
            name: "Смирнова Елена Викторовна".into(),
        };
        assert_eq!(
            target(&Step::Days {
                specialty: specialty.clone(),
                doctor: doctor.clone(),
                week: None,
            }),
            Some((specialty.clone(), Some(doctor)))
        );
        assert_eq!(
            target(&Step::Doctors {
                specialty: specialty.clone(),
                page: 2
            }),
            Some((specialty, None))
        );
        assert_eq!(target(&Step::Specialties { page: 1 }), None);
    }
}
