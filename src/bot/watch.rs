//! Journey 8, slot watches: «Сообщить, когда появятся талоны».
//!
//! Where booking finds no free slots — a doctor with none in the days ahead, or a specialty none of whose
//! doctors has any — the screen offers to watch. The watch worker looks every `WATCH_INTERVAL` and sends
//! one notice per set of new slots, with «Записаться» (straight to that doctor's days, or the specialty's
//! doctors) and «Не следить». «Мои записи» lists the watches; each can be stopped there.

use chrono::{NaiveDateTime, TimeZone as _};
use chrono_tz::Tz;
use teloxide::prelude::*;

use crate::i18n::{escape_html, Lang};
use crate::registry::{OrEmpty, RegistryResult};
use crate::store::{AddWatch, NewWatch, Watch, WatchLabels};
use crate::t;

use super::booking::{self, Choice, Flow, Here, Step};
use super::legacy::stale_button;
use super::screen::button;
use super::{save, BotDialogue, Ctx, HandlerResult, Screen, State, Who};
use crate::registry::within_deadline;

/// A specialty watch looks at the slots of at most this many of its doctors with free tickets.
const MAX_DOCTORS_LOOKED_AT: usize = 10;

/// The journey's button data, `wt:…`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    /// «Записаться» under a notice: the booking at the watched doctor or specialty.
    Book(i64),
    /// «Не следить» (under a notice or in the list).
    Stop(i64),
    /// The list of watches.
    List,
}

impl Cb {
    pub fn encode(&self) -> String {
        match self {
            Cb::Book(id) => format!("wt:b:{id}"),
            Cb::Stop(id) => format!("wt:x:{id}"),
            Cb::List => "wt:l".to_owned(),
        }
    }

    /// Decodes what follows `wt:`.
    pub fn decode(rest: &[&str]) -> Option<Cb> {
        use super::callback::parse_id as id;
        match rest {
            ["b", raw] => id(raw).map(Cb::Book),
            ["x", raw] => id(raw).map(Cb::Stop),
            ["l"] => Some(Cb::List),
            _ => None,
        }
    }
}

fn cb(inner: Cb) -> super::Cb {
    super::Cb::Watch(inner)
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
            super::Cb::Booking(booking::Cb::Unwatch),
        )
    } else {
        button(
            t!(lang, "watch-btn-on"),
            super::Cb::Booking(booking::Cb::Watch),
        )
    }))
}

/// «Сообщить о талонах» (or «Не сообщать») on a booking screen: starts (or stops) the watch of what the
/// screen shows and draws the same step again with a word about it.
pub async fn toggle_from_booking(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    flow: &Flow,
    on: bool,
) -> HandlerResult {
    let lang = who.lang;
    let Some((specialty, doctor)) = target(&flow.step) else {
        let state = State::Booking(Here::Flow(Box::new(flow.clone())));
        return stale_button(bot, q, ctx, who, dialogue, &state).await;
    };
    let doctor_id = doctor.as_ref().map(|d| d.id.clone());
    let toast = if on {
        // The clinic's name is only a label: without it the watch still works.
        let clinic = within_deadline(ctx.registry.clinic(flow.clinic))
            .await
            .map(|c| c.display_name().to_owned())
            .unwrap_or_default();
        let new = NewWatch {
            user_id: who.user_id,
            lpu_id: flow.clinic,
            specialty_id: specialty.id.clone(),
            doctor_id,
            labels: WatchLabels {
                clinic,
                specialty: specialty.name.clone(),
                doctor: doctor.map(|d| d.name).unwrap_or_default(),
            },
        };
        let now = ctx.clock.now().timestamp();
        let interval = ctx.settings.watch_interval.as_secs() as i64;
        match ctx.store.add_watch(&new, interval, now).await? {
            AddWatch::Added(_) | AddWatch::Renewed(_) => {
                tracing::info!(user = who.user_id, clinic = flow.clinic, "watch: started");
                t!(lang, "watch-started")
            }
            AddWatch::TooMany => t!(lang, "watch-too-many", max = crate::store::MAX_WATCHES),
        }
    } else {
        if let Some(watch) = ctx
            .store
            .find_watch(
                who.user_id,
                flow.clinic,
                &specialty.id,
                doctor_id.as_deref(),
            )
            .await?
        {
            ctx.store.remove_watch(who.user_id, watch.id).await?;
            tracing::info!(user = who.user_id, clinic = flow.clinic, "watch: stopped");
        }
        t!(lang, "watch-stopped")
    };
    bot.answer_callback_query(q.id.clone())
        .text(toast.clone())
        .await?;
    booking::go(bot, q, ctx, who, dialogue, flow.clone(), Some(toast)).await
}

/// Routes `wt:` buttons.
pub async fn route(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    tap: Cb,
) -> HandlerResult {
    match tap {
        Cb::List => {
            bot.answer_callback_query(q.id.clone()).await?;
            show_list(bot, q, ctx, who, dialogue, None).await
        }
        Cb::Stop(id) => {
            let removed = ctx.store.remove_watch(who.user_id, id).await?;
            let toast = if removed {
                tracing::info!(user = who.user_id, "watch: stopped");
                t!(who.lang, "watch-stopped")
            } else {
                t!(who.lang, "watch-gone")
            };
            bot.answer_callback_query(q.id.clone())
                .text(toast.clone())
                .await?;
            show_list(bot, q, ctx, who, dialogue, Some(toast)).await
        }
        Cb::Book(id) => match ctx.store.watch(who.user_id, id).await? {
            None => {
                bot.answer_callback_query(q.id.clone())
                    .text(t!(who.lang, "watch-gone"))
                    .await?;
                show_list(bot, q, ctx, who, dialogue, None).await
            }
            Some(watch) => {
                bot.answer_callback_query(q.id.clone()).await?;
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
                let flow = Flow {
                    clinic: watch.lpu_id,
                    from: None,
                    step,
                    keys: Vec::new(),
                };
                booking::go(bot, q, ctx, who, dialogue, flow, None).await
            }
        },
    }
}

/// The watches, each with «Не следить», in place of the tapped message.
async fn show_list(
    bot: &Bot,
    q: &CallbackQuery,
    ctx: &Ctx,
    who: &Who,
    dialogue: &BotDialogue,
    notice: Option<String>,
) -> HandlerResult {
    save(dialogue, State::Booking(Here::Watches)).await?;
    list_screen(ctx, who, notice).await?.replace(bot, q).await?;
    Ok(())
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
            super::Cb::Booking(booking::Cb::Appointments),
        ),
        button(t!(lang, "btn-menu"), super::Cb::Menu),
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

/// A free slot as the watch worker sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreeSlot {
    pub id: String,
    /// The region's local time.
    pub start: NaiveDateTime,
}

/// The free slots the watch is about, from `now` (the region's local time) on, soonest first.
pub async fn free_slots(
    ctx: &Ctx,
    watch: &Watch,
    now: NaiveDateTime,
) -> RegistryResult<Vec<FreeSlot>> {
    let doctors: Vec<String> = match &watch.doctor_id {
        Some(doctor) => vec![doctor.clone()],
        None => within_deadline(ctx.registry.doctors(watch.lpu_id, &watch.specialty_id))
            .await
            .or_empty()?
            .into_iter()
            // The participant count is what a patient can book; tickets may be for the clinic only.
            .filter(|d| d.free_participant_count > 0)
            .take(MAX_DOCTORS_LOOKED_AT)
            .map(|d| d.id)
            .collect(),
    };
    let mut free = Vec::new();
    for doctor in doctors {
        let slots = within_deadline(ctx.registry.slots(watch.lpu_id, &doctor))
            .await
            .or_empty()?;
        free.extend(
            slots
                .into_iter()
                .filter(|s| s.visit_start > now)
                .map(|s| FreeSlot {
                    id: s.id,
                    start: s.visit_start,
                }),
        );
    }
    free.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    Ok(free)
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
            when = super::visit::local_when(lang, at, tz, now),
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
            super::super::Cb::decode,
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
