//! Journeys 5 and 6: from the clinic card to a booked visit (against the demo registry served on
//! 127.0.0.1, or a wiremock registry for the failures), the Gosuslugi gate, a double tap, a slot taken
//! meanwhile, a patient the clinic does not know, the registry failing at confirm time, «Мои записи» with
//! visits booked elsewhere, and cancelling.

use chrono::{Datelike, NaiveDateTime, TimeZone};
use kvrachu_bot::bot::booking::{Choice, Chosen, Flow, Here, PickedSlot, Step};
use kvrachu_bot::bot::{clinics, State};
use kvrachu_bot::domain::{BirthDate, FullName};
use kvrachu_bot::registry::{AppointmentCreate, Slot};
use kvrachu_bot::store::{AppointmentSource, AppointmentStatus, ReminderStatus};
use serde_json::json;
use teloxide::types::ChatId;
use teloxide_tests::server::Responses;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

const DEMO: &str =
    "🧪 <i>Демо-режим: учебные поликлиники и тестовый вход через Госуслуги, настоящие записи не создаются.</i>\n\n";
const CLINIC: i64 = 111;
const TZ: chrono_tz::Tz = chrono_tz::Asia::Irkutsk;

fn notice(responses: &Responses) -> Option<String> {
    responses.answered_callback_queries[0].text.clone()
}

pub(crate) async fn set_state(h: &Harness, state: State) {
    h.storage
        .clone()
        .update_dialogue(ChatId(USER), state)
        .await
        .unwrap();
}

pub(crate) async fn state_of(h: &Harness) -> State {
    h.storage
        .clone()
        .get_dialogue(ChatId(USER))
        .await
        .unwrap()
        .unwrap()
}

/// A consented user looking at the card of clinic 111 (demo), with a confirmed Gosuslugi account.
async fn at_card(linked: bool) -> Harness {
    let h = Harness::new().await;
    h.consented().await;
    if linked {
        link_gosuslugi(&h, true).await;
    }
    set_state(
        &h,
        State::Clinics(clinics::Step::Card {
            district: "1".into(),
            kind: "Поликлиника взрослая".into(),
            page: 2,
            clinic: CLINIC,
        }),
    )
    .await;
    h
}

/// Where the journey got to: the doctor and the slot chosen, and the confirmation's keyboard.
struct AtConfirm {
    bot: Bot,
    specialty: String,
    doctor: String,
    slot: Slot,
    text: String,
    keyboard: Keyboard,
}

/// Walks from the card to the confirmation of the first free slot of the first doctor who has one.
async fn walk_to_confirm(h: &Harness) -> AtConfirm {
    let registry = h.ctx.registry.clone();
    let mut bot = h.bot(tap("cl:b"));
    bot.dispatch().await;
    let (text, kb) = edited(&bot.get_responses());
    assert!(text.starts_with(&format!("{DEMO}<b>")), "{text}");
    assert!(text.contains("Выберите специальность"), "{text}");

    let specialties = registry.specialties(CLINIC).await.unwrap();
    let mut chosen = None;
    for (n, specialty) in specialties.iter().enumerate() {
        let doctors = registry
            .doctors(CLINIC, &specialty.id)
            .await
            .unwrap_or_default();
        if let Some(d) = doctors.iter().position(|d| d.free_participant_count > 0) {
            chosen = Some((n, specialty.clone(), d, doctors[d].clone()));
            break;
        }
    }
    let (n, specialty, d, doctor) = chosen.expect("the demo clinic has a doctor with free slots");
    // Specialty buttons read «Name (free)», eight to a page; a number beyond the page works all the same.
    if n < 8 {
        let label = format!("{} ({})", specialty.name, specialty.count_free_participant);
        assert_eq!(data_of(&kb, &label), format!("bk:s:{n}"));
    }
    let (text, _) = edited(&tap_on(&mut bot, &format!("bk:s:{n}")).await);
    assert!(
        text.contains(&format!("<b>{}</b>\nВыберите врача:", specialty.name)),
        "{text}"
    );
    let (text, kb) = edited(&tap_on(&mut bot, &format!("bk:d:{d}")).await);
    assert!(text.contains("Выберите день"), "{text}");
    let day = &kb[0][0];
    assert!(day.1.starts_with("bk:day:"), "{kb:?}");

    let (text, kb) = edited(&tap_on(&mut bot, &day.1.clone()).await);
    assert!(text.contains("выберите время"), "{text}");
    assert_eq!(kb[0][0].1, "bk:t:0");
    let slots = registry.slots(CLINIC, &doctor.id).await.unwrap();
    let first_day = chrono::NaiveDate::parse_from_str(&day.1["bk:day:".len()..], "%Y%m%d").unwrap();
    let slot = slots
        .into_iter()
        .find(|s| s.visit_start.date() == first_day)
        .unwrap();
    assert_eq!(kb[0][0].0, slot.visit_start.format("%H:%M").to_string());

    let (text, keyboard) = edited(&tap_on(&mut bot, "bk:t:0").await);
    AtConfirm {
        bot,
        specialty: specialty.name,
        doctor: doctor.name,
        slot,
        text,
        keyboard,
    }
}

fn local_when(at: NaiveDateTime) -> String {
    let today = chrono::Utc::now().with_timezone(&TZ).date_naive();
    let day = match (at.date() - today).num_days() {
        0 => "сегодня".to_owned(),
        1 => "завтра".to_owned(),
        _ => ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]
            [chrono::Datelike::weekday(&at.date()).num_days_from_monday() as usize]
            .to_owned(),
    };
    format!("{day}, {} в {}", at.format("%d.%m.%Y"), at.format("%H:%M"))
}

/// «✅ Вы записаны» edited in place of the confirmation, and the menu sent below it as a message of its
/// own: later taps edit the menu, never the confirmation.
fn booked_then_menu(responses: &Responses) -> (String, Keyboard) {
    let sent: Vec<String> = responses
        .sent_messages_text
        .iter()
        .filter_map(|m| m.message.text().map(str::to_owned))
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("<b>Главное меню</b>"), "{sent:?}");
    assert_eq!(responses.edited_messages_text.len(), 1);
    let message = &responses.edited_messages_text[0].message;
    (
        message.text().unwrap().to_owned(),
        message_keyboard(message),
    )
}

fn unix_of(local: NaiveDateTime) -> i64 {
    TZ.from_local_datetime(&local).single().unwrap().timestamp()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_journey_books_a_visit_stores_it_in_utc_and_sends_a_calendar_file() {
    let h = at_card(true).await;
    let mut at = walk_to_confirm(&h).await;
    let clinic = h.ctx.registry.clinic(CLINIC).await.unwrap();
    let room = at.slot.room.clone().unwrap();
    let address = at.slot.address.clone().unwrap();
    assert_eq!(
        at.text,
        format!(
            "{DEMO}<b>Проверьте запись</b>\nКто: Иванов Иван Иванович\nКогда: {} (время местное)\nВрач: {}, {}\nПоликлиника: {}\nАдрес: {}\nКабинет: {}\n\nВсё верно? Нажмите «Подтвердить».\n\n👤 Для: вы, 41 год",
            local_when(at.slot.visit_start),
            at.doctor,
            at.specialty,
            clinic.display_name(),
            address,
            room
        )
    );
    let confirm = data_of(&at.keyboard, "✅ Подтвердить");
    assert!(
        confirm.starts_with("bk:ok:") && confirm.len() <= 64,
        "{confirm}"
    );
    assert_eq!(
        labels(&at.keyboard),
        vec![
            vec!["✅ Подтвердить".to_owned()],
            vec!["« Назад".to_owned(), "« Меню".to_owned()]
        ]
    );
    // The slot id stays server-side: no button carries it.
    assert!(datas(&at.keyboard).iter().all(|d| !d.contains(&at.slot.id)));

    let responses = tap_on(&mut at.bot, &confirm).await;
    let (text, kb) = booked_then_menu(&responses);
    let appointments = h
        .store()
        .upcoming_appointments(USER, chrono::Utc::now().timestamp())
        .await
        .unwrap();
    assert_eq!(appointments.len(), 1);
    let stored = &appointments[0];
    assert_eq!(stored.booking.source, AppointmentSource::Bot);
    assert_eq!(stored.booking.slot_id.as_deref(), Some(at.slot.id.as_str()));
    // The registry's own id of the booking was learnt from its list right after booking.
    assert!(stored.booking.registry_id.is_some());
    assert!(stored.booking.doctor_id.is_some());
    assert_eq!(stored.booking.lpu_id, CLINIC);
    assert_eq!(stored.booking.child_id, None);
    // 09:30 in Irkutsk is 01:30 UTC: the local time went through REGION_TZ.
    assert_eq!(stored.booking.visit_at, unix_of(at.slot.visit_start));
    assert_eq!(stored.booking.details.person, "Иванов Иван Иванович");
    assert_eq!(stored.booking.details.room.as_deref(), Some(room.as_str()));
    assert!(
        !h.store().reminders_of(stored.id).await.unwrap().is_empty()
            || stored.booking.visit_at - chrono::Utc::now().timestamp() < 2 * 3600
    );

    assert_eq!(
        text,
        format!(
            "{DEMO}✅ <b>Вы записаны к врачу</b>\nКто: Иванов Иван Иванович\nКогда: {} (время местное)\nВрач: {}, {}\nПоликлиника: {}\nАдрес: {}\nКабинет: {}\n\nЯ напомню о приёме заранее. Файл для календаря — ниже.",
            local_when(at.slot.visit_start),
            at.doctor,
            at.specialty,
            clinic.display_name(),
            address,
            room
        )
    );
    assert_eq!(
        kb,
        vec![
            vec![("🗺 Как добраться".to_owned(), format!("ap:m:{}", stored.id))],
            vec![(
                "❌ Отменить запись".to_owned(),
                format!("bk:x:{}", stored.id)
            )],
        ]
    );
    assert_eq!(state_of(&h).await, State::Menu);

    // The calendar file: a real parser reads it, and its start is the visit's instant in Asia/Irkutsk.
    assert_eq!(responses.sent_messages_document.len(), 1);
    let document = &responses.sent_messages_document[0].bot_request;
    assert!(
        document.file_name.ends_with(".ics"),
        "{}",
        document.file_name
    );
    let calendar: icalendar::Calendar = document.file_data.parse().expect("the .ics parses");
    use icalendar::{CalendarDateTime, Component as _, DatePerhapsTime, EventLike as _};
    let event = calendar
        .components
        .iter()
        .find_map(|c| c.as_event())
        .expect("one event");
    match event.get_start() {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid })) => {
            assert_eq!(tzid, "Asia/Irkutsk");
            assert_eq!(date_time, at.slot.visit_start);
            let tz: chrono_tz::Tz = tzid.parse().unwrap();
            let instant = tz.from_local_datetime(&date_time).single().unwrap();
            assert_eq!(instant.timestamp(), stored.booking.visit_at);
        }
        other => panic!("DTSTART is not a zoned local time: {other:?}"),
    }
    assert!(event.get_location().unwrap().contains(&address));
    assert!(document.file_data.contains("BEGIN:VALARM"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_double_tap_on_confirm_books_once_even_when_the_state_still_shows_the_question() {
    let h = at_card(true).await;
    let mut at = walk_to_confirm(&h).await;
    let confirm = data_of(&at.keyboard, "✅ Подтвердить");
    let before = state_of(&h).await;

    tap_on(&mut at.bot, &confirm).await;
    // The second tap of the same button.
    let again = tap_on(&mut at.bot, &confirm).await;
    assert_eq!(notice(&again).as_deref(), Some("Эта запись уже оформлена."));
    assert!(again.edited_messages_text.is_empty());
    assert!(again.sent_messages_document.is_empty());

    // Another instance that read the dialogue before the first tap was stored: the token is claimed.
    set_state(&h, before).await;
    let raced = tap_on(&mut at.bot, &confirm).await;
    assert_eq!(notice(&raced).as_deref(), Some("Эта запись уже оформлена."));
    assert!(raced.edited_messages_text.is_empty());

    let now = chrono::Utc::now().timestamp();
    let stored = h.store().upcoming_appointments(USER, now).await.unwrap();
    assert_eq!(stored.len(), 1);
    let in_registry = h
        .ctx
        .registry
        .appointments(CLINIC, &stored[0].booking.patient_id)
        .await
        .unwrap();
    assert_eq!(in_registry.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slot_taken_meanwhile_says_so_and_shows_fresh_times() {
    let h = at_card(true).await;
    let mut at = walk_to_confirm(&h).await;
    // Someone else books the slot while the confirmation is on screen.
    let name = FullName::parse("Петров Пётр Петрович").unwrap();
    let birth = BirthDate::try_from(chrono::NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()).unwrap();
    let request = AppointmentCreate::new(CLINIC, "999".into(), &at.slot, &name, birth, None);
    h.ctx.registry.book(&request).await.unwrap();

    let confirm = data_of(&at.keyboard, "✅ Подтвердить");
    let (text, kb) = edited(&tap_on(&mut at.bot, &confirm).await);
    assert!(
        text.starts_with(&format!("{DEMO}Это время уже заняли. Выберите другое:\n\n")),
        "{text}"
    );
    let taken = at.slot.visit_start.format("%H:%M").to_string();
    assert!(
        kb.iter().flatten().all(|(label, _)| *label != taken),
        "the taken time is still offered: {kb:?}"
    );
    let now = chrono::Utc::now().timestamp();
    assert!(h
        .store()
        .upcoming_appointments(USER, now)
        .await
        .unwrap()
        .is_empty());
    let State::Booking(Here::Flow(flow)) = state_of(&h).await else {
        panic!("not booking any more");
    };
    assert!(matches!(flow.step, Step::Times { .. } | Step::Days { .. }));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_gosuslugi_the_user_logs_in_and_comes_back_to_the_same_confirmation() {
    let h = at_card(false).await;
    let mut at = walk_to_confirm(&h).await;
    let confirm = data_of(&at.keyboard, "✅ Подтвердить");

    let (text, kb) = edited(&tap_on(&mut at.bot, &confirm).await);
    assert_eq!(
        text,
        format!("{DEMO}Чтобы записаться, войдите через Госуслуги: записаться можно только с подтверждённой учётной записью (для ребёнка — с учётной записью родителя).\nВыбранное время я запомнил: после входа вернёмся к подтверждению.\n\n🧪 В демо-режиме можно войти и без браузера: «Тестовый вход в чате».")
    );
    assert_eq!(
        labels(&kb),
        vec![
            vec!["🔑 Войти через Госуслуги".to_owned()],
            vec!["🧪 Тестовый вход в чате".to_owned()],
            vec!["▶️ Я вошёл — продолжить".to_owned()],
            vec!["« Назад".to_owned(), "« Меню".to_owned()],
        ]
    );
    assert_eq!(kb[1][0].1, "gu:demo");
    assert!(kb[0][0].1.contains("/esia/start?login="), "{}", kb[0][0].1);
    let State::Booking(Here::Flow(flow)) = state_of(&h).await else {
        panic!("not booking any more");
    };
    let Step::NeedGosuslugi(Chosen { slot, .. }) = flow.step else {
        panic!("the pending booking is not in the state");
    };
    assert_eq!(slot.id, at.slot.id);
    let now = chrono::Utc::now().timestamp();
    assert!(h
        .store()
        .upcoming_appointments(USER, now)
        .await
        .unwrap()
        .is_empty());

    // «Продолжить» before the login finished.
    let early = tap_on(&mut at.bot, "bk:go").await;
    assert_eq!(
        notice(&early).as_deref(),
        Some("Вход через Госуслуги ещё не завершён.")
    );

    link_gosuslugi(&h, true).await;
    let (text, kb) = edited(&tap_on(&mut at.bot, "bk:go").await);
    assert!(text.contains("<b>Проверьте запись</b>"), "{text}");
    assert!(text.contains(&local_when(at.slot.visit_start)), "{text}");
    let fresh = data_of(&kb, "✅ Подтвердить");
    assert_ne!(fresh, confirm, "a new confirmation gets a new token");
    let (text, _) = booked_then_menu(&tap_on(&mut at.bot, &fresh).await);
    assert!(text.contains("Вы записаны к врачу"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unconfirmed_account_is_told_to_confirm_it_first() {
    let h = at_card(false).await;
    link_gosuslugi(&h, false).await;
    let mut at = walk_to_confirm(&h).await;
    let confirm = data_of(&at.keyboard, "✅ Подтвердить");
    let (text, _) = edited(&tap_on(&mut at.bot, &confirm).await);
    assert!(
        text.starts_with(&format!(
            "{DEMO}Ваша учётная запись на Госуслугах не подтверждена"
        )),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_child_is_booked_under_their_own_name_with_the_parents_account() {
    let h = at_card(true).await;
    let child = h
        .store()
        .add_child(
            USER,
            &kvrachu_bot::store::ChildDetails {
                full_name: FullName::parse("Иванова Мария Ивановна").unwrap(),
                birth_date: BirthDate::try_from(
                    chrono::NaiveDate::from_ymd_opt(2018, 5, 4).unwrap(),
                )
                .unwrap(),
                sex: kvrachu_bot::domain::Sex::Female,
                relation: kvrachu_bot::domain::Relation::Daughter,
                policy: kvrachu_bot::domain::PolicyNumber::parse_new("8451999122899990").unwrap(),
            },
        )
        .await
        .unwrap();
    h.store()
        .set_active_person(USER, Some(child.id))
        .await
        .unwrap();
    let mut at = walk_to_confirm(&h).await;
    assert!(
        at.text.contains("Кто: Иванова Мария Ивановна"),
        "{}",
        at.text
    );
    // An 8-year-old at an adult clinic's therapist: said before confirming, with a clear choice.
    let age = BirthDate::try_from(chrono::NaiveDate::from_ymd_opt(2018, 5, 4).unwrap())
        .unwrap()
        .age_on(at.slot.visit_start.date());
    let person = format!("Мария, {age} лет");
    assert!(
        at.text.ends_with(&format!(
            "Возраст не подходит к этому приёму. Записать всё равно, выбрать другую поликлинику или записать другого человека?\n\n\
             ⚠️ Для: {person} — а это приём для взрослых. Детей до 18 лет принимают детские поликлиники и педиатры.\n\n\
             👤 Для: {person}"
        )),
        "{}",
        at.text
    );
    assert_eq!(
        labels(&at.keyboard),
        vec![
            vec!["⚠️ Всё равно записать"],
            vec!["👤 Для: Я"],
            vec!["🏥 Выбрать другую поликлинику"],
            vec!["« Назад", "« Меню"],
        ]
    );
    assert!(
        !labels(&at.keyboard)
            .concat()
            .contains(&"✅ Подтвердить".to_owned()),
        "a mismatch is never booked by the usual button"
    );
    let confirm = data_of(&at.keyboard, "⚠️ Всё равно записать");
    tap_on(&mut at.bot, &confirm).await;
    let now = chrono::Utc::now().timestamp();
    let stored = h.store().upcoming_appointments(USER, now).await.unwrap();
    assert_eq!(stored[0].booking.child_id, Some(child.id));
    assert_eq!(stored[0].booking.details.person, "Иванова Мария Ивановна");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_person_changes_on_the_confirmation_card_and_a_child_turning_14_is_told_what_changes() {
    let h = at_card(true).await;
    let mut at = walk_to_confirm(&h).await;
    assert!(at.text.contains("Кто: Иванов Иван Иванович"), "{}", at.text);
    assert!(at.text.ends_with("\n\n👤 Для: вы, 41 год"), "{}", at.text);
    // A daughter who turns 14 on the day of the visit.
    let visit = at.slot.visit_start.date();
    let birthday = visit.with_year(visit.year() - 14).unwrap();
    let child = h
        .store()
        .add_child(
            USER,
            &kvrachu_bot::store::ChildDetails {
                full_name: FullName::parse("Иванова Мария Ивановна").unwrap(),
                birth_date: BirthDate::try_from(birthday).unwrap(),
                sex: kvrachu_bot::domain::Sex::Female,
                relation: kvrachu_bot::domain::Relation::Daughter,
                policy: kvrachu_bot::domain::PolicyNumber::parse_new("3851234512345678").unwrap(),
            },
        )
        .await
        .unwrap();
    let (text, kb) = edited(&tap_on(&mut at.bot, &format!("bk:p:{}", child.id)).await);
    assert!(text.contains("Кто: Иванова Мария Ивановна"), "{text}");
    assert!(
        text.contains(&format!(
            "ℹ️ К дню приёма ребёнку исполнится 14 лет ({}). С 14 лет по правилам портала записываются через собственную учётную запись Госуслуг",
            visit.format("%d.%m.%Y")
        )),
        "{text}"
    );
    // The line of the screen gives the age today; the notice, the age on the day.
    assert!(text.ends_with("👤 Для: Мария, 13 лет"), "{text}");
    assert_eq!(labels(&kb)[1], vec!["👤 Для: Я"]);
    // Back to the account holder: the same time, the usual confirmation.
    let (text, kb) = edited(&tap_on(&mut at.bot, "bk:pm").await);
    assert!(text.contains("Кто: Иванов Иван Иванович"), "{text}");
    assert_eq!(labels(&kb)[0], vec!["✅ Подтвердить"]);
    assert_eq!(labels(&kb)[1], vec!["👤 Для: Мария"]);
    assert!(matches!(
        state_of(&h).await,
        State::Booking(Here::Flow(flow)) if matches!(&flow.step, Step::Confirm { chosen, .. } if chosen.slot.id == at.slot.id)
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn back_walks_from_the_confirmation_to_the_clinic_card() {
    let h = at_card(true).await;
    let mut at = walk_to_confirm(&h).await;
    let (text, _) = edited(&tap_on(&mut at.bot, "bk:b").await);
    assert!(text.contains("выберите время"), "{text}");
    let (text, _) = edited(&tap_on(&mut at.bot, "bk:b").await);
    assert!(text.contains("Выберите день"), "{text}");
    let (text, _) = edited(&tap_on(&mut at.bot, "bk:b").await);
    assert!(text.contains("Выберите врача"), "{text}");
    let (text, _) = edited(&tap_on(&mut at.bot, "bk:b").await);
    assert!(text.contains("Выберите специальность"), "{text}");
    let (text, kb) = edited(&tap_on(&mut at.bot, "bk:b").await);
    assert!(text.contains("Ядринцева"), "{text}");
    assert!(datas(&kb).contains(&"cl:b".to_owned()), "{kb:?}");
    assert!(matches!(
        state_of(&h).await,
        State::Clinics(clinics::Step::Card { clinic: CLINIC, .. })
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_button_from_another_step_is_stale() {
    let h = at_card(true).await;
    let mut at = walk_to_confirm(&h).await;
    let responses = tap_on(&mut at.bot, "bk:s:0").await;
    assert_eq!(
        notice(&responses).as_deref(),
        Some("Эта кнопка устарела — показываю актуальный шаг.")
    );
    assert!(responses.sent_messages_text[0]
        .message
        .text()
        .unwrap()
        .contains("Проверьте запись"));
}

/// Text typed where a button is asked: one short line, the screen with its buttons stays as it is.
async fn typed_at_buttons(bot: &mut Bot, words: &str) -> (Vec<String>, usize, State) {
    let before = bot.get_state::<State>().await;
    bot.update(text(words));
    bot.dispatch().await;
    let responses = bot.get_responses();
    let sent = responses
        .sent_messages_text
        .iter()
        .map(|m| m.message.text().unwrap_or_default().to_owned())
        .collect();
    let after = bot.get_state::<State>().await;
    assert_eq!(before, after, "the dialogue stays where it was");
    (sent, responses.edited_messages_text.len(), after)
}

#[tokio::test(flavor = "multi_thread")]
async fn text_at_the_doctors_or_the_days_points_to_the_buttons_without_resending_the_screen() {
    let h = at_card(true).await;
    let mut bot = h.bot(tap("cl:b"));
    bot.dispatch().await;
    let (text, _) = edited(&tap_on(&mut bot, "bk:s:0").await);
    assert!(text.contains("Выберите врача"), "{text}");
    let line = "Я не жду сейчас текста. Выберите кнопкой в сообщении выше.".to_owned();
    let (sent, edits, state) = typed_at_buttons(&mut bot, "Иванов").await;
    assert_eq!((sent, edits), (vec![line.clone()], 0));
    assert!(
        matches!(state, State::Booking(Here::Flow(ref f)) if matches!(f.step, Step::Doctors { .. }))
    );

    let (text, _) = edited(&tap_on(&mut bot, "bk:d:0").await);
    assert!(text.contains("Выберите день"), "{text}");
    let (sent, edits, state) = typed_at_buttons(&mut bot, "завтра").await;
    assert_eq!((sent, edits), (vec![line], 0));
    assert!(
        matches!(state, State::Booking(Here::Flow(ref f)) if matches!(f.step, Step::Days { .. }))
    );

    // In English, the same line in English.
    h.store()
        .set_lang(USER, kvrachu_bot::i18n::Lang::En)
        .await
        .unwrap();
    let (sent, _, _) = typed_at_buttons(&mut bot, "tomorrow").await;
    assert_eq!(
        sent,
        vec![
            "I am not waiting for text right now. Choose with a button in the message above."
                .to_owned()
        ]
    );
}

// ---------------------------------------------------------------------------------------------------------
// «Мои записи»

#[tokio::test(flavor = "multi_thread")]
async fn my_appointments_lists_visits_booked_here_and_elsewhere_and_cancels_one() {
    let h = at_card(true).await;
    let mut at = walk_to_confirm(&h).await;
    let confirm = data_of(&at.keyboard, "✅ Подтвердить");
    tap_on(&mut at.bot, &confirm).await;
    let now = chrono::Utc::now().timestamp();
    let mine = h
        .store()
        .upcoming_appointments(USER, now)
        .await
        .unwrap()
        .remove(0);

    // A visit booked for the same patient elsewhere (at the front desk): another free slot.
    let doctors = h
        .ctx
        .registry
        .doctors(
            CLINIC,
            &h.ctx.registry.specialties(CLINIC).await.unwrap()[0].id,
        )
        .await
        .unwrap();
    let mut other = None;
    for doctor in doctors.iter().filter(|d| d.free_ticket_count > 0) {
        let slots = h.ctx.registry.slots(CLINIC, &doctor.id).await.unwrap();
        if let Some(slot) = slots
            .into_iter()
            .find(|s| Some(&s.id) != mine.booking.slot_id.as_ref())
        {
            other = Some(slot);
            break;
        }
    }
    let other = other.expect("another free slot");
    let name = FullName::parse("Иванов Иван Иванович").unwrap();
    let birth = BirthDate::try_from(chrono::NaiveDate::from_ymd_opt(1985, 3, 12).unwrap()).unwrap();
    let request = AppointmentCreate::new(
        CLINIC,
        mine.booking.patient_id.clone(),
        &other,
        &name,
        birth,
        None,
    );
    h.ctx.registry.book(&request).await.unwrap();

    let (text, kb) = edited(&tap_on(&mut at.bot, "s:appts").await);
    assert!(
        text.starts_with(&format!(
            "{DEMO}<b>Мои записи</b>\n\n👤 <b>Иванов Иван Иванович</b>\n<b>1.</b> "
        )),
        "{text}"
    );
    // The room and the clinic's phone, as the clinic gave them.
    let room = mine.booking.details.room.clone().unwrap();
    let phone = mine.booking.details.phone.clone().unwrap();
    assert!(
        text.contains(&format!("\nКабинет: {room}\n☎️ {phone}\n")),
        "{text}"
    );
    assert!(text.contains("<b>2.</b>"), "{text}");
    let all = h.store().upcoming_appointments(USER, now).await.unwrap();
    assert_eq!(all.len(), 2);
    let elsewhere = all
        .iter()
        .find(|a| a.booking.visit_at == unix_of(other.visit_start) && a.booking.slot_id.is_none())
        .unwrap();
    assert_eq!(elsewhere.booking.source, AppointmentSource::Registry);
    assert_eq!(elsewhere.booking.visit_at, unix_of(other.visit_start));
    // The doctor booked here is offered again («Записаться снова»), above «Меню».
    let rows = labels(&kb);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0], vec!["❌ Отменить 1", "❌ Отменить 2"]);
    assert!(rows[1][0].starts_with("🔁 "), "{rows:?}");
    assert_eq!(rows[2], vec!["« Меню"]);
    // Opening the list again does not duplicate the visit found in the registry.
    tap_on(&mut at.bot, "bk:a").await;
    assert_eq!(
        h.store()
            .upcoming_appointments(USER, now)
            .await
            .unwrap()
            .len(),
        2
    );

    let ask = format!("bk:x:{}", mine.id);
    assert!(datas(&kb).contains(&ask));
    let (text, kb) = edited(&tap_on(&mut at.bot, &ask).await);
    assert!(
        text.starts_with(&format!(
            "{DEMO}<b>Отменить запись?</b>\nКто: Иванов Иван Иванович\n"
        )),
        "{text}"
    );
    assert_eq!(
        kb,
        vec![vec![
            ("Да, отменить".to_owned(), format!("bk:xy:{}", mine.id)),
            ("Нет".to_owned(), "bk:xn".to_owned())
        ]]
    );

    let responses = tap_on(&mut at.bot, &format!("bk:xy:{}", mine.id)).await;
    assert_eq!(notice(&responses).as_deref(), Some("Запись отменена."));
    let (text, kb) = edited(&responses);
    assert!(
        text.starts_with(&format!("{DEMO}Запись отменена.\n\n<b>Мои записи</b>")),
        "{text}"
    );
    assert_eq!(labels(&kb)[0], vec!["❌ Отменить 1".to_owned()]);

    let cancelled = h.store().appointment(USER, mine.id).await.unwrap().unwrap();
    assert_eq!(cancelled.status, AppointmentStatus::Cancelled);
    assert!(h
        .store()
        .reminders_of(mine.id)
        .await
        .unwrap()
        .iter()
        .all(|r| r.status != ReminderStatus::Pending));
    let in_registry = h
        .ctx
        .registry
        .appointments(CLINIC, &mine.booking.patient_id)
        .await
        .unwrap();
    // Only the visit booked elsewhere is left, under its own registry id.
    assert_eq!(
        in_registry
            .iter()
            .map(|a| Some(a.appointment_id.clone()))
            .collect::<Vec<_>>(),
        vec![elsewhere.booking.registry_id.clone()]
    );
    assert_eq!(in_registry[0].visit_start, other.visit_start);
    // The old question's «Да» again: that appointment is no longer there to cancel.
    let again = tap_on(&mut at.bot, &format!("bk:xy:{}", mine.id)).await;
    assert!(again.answered_callback_queries[0].text.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn my_appointments_without_any_says_so_and_offers_to_book() {
    let h = Harness::new().await;
    h.consented().await;
    let mut bot = h.bot(tap("s:appts"));
    bot.dispatch().await;
    let (text, kb) = edited(&bot.get_responses());
    assert_eq!(
        text,
        format!("{DEMO}<b>Мои записи</b>\nПредстоящих записей нет.")
    );
    assert_eq!(
        kb,
        vec![
            vec![("🩺 Записаться".to_owned(), "s:book".to_owned())],
            vec![("« Меню".to_owned(), "menu".to_owned())]
        ]
    );
    assert_eq!(state_of(&h).await, State::Booking(Here::Appointments));
}

// ---------------------------------------------------------------------------------------------------------
// Failures at confirm time, against a wiremock registry

fn envelope(result: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "result": result, "success": true, "errorCode": 0, "message": null, "stackTrace": null, "requestId": "t"
    }))
}

fn refusal(code: i64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "result": null, "success": false, "errorCode": code, "message": message, "stackTrace": null, "requestId": "t"
    }))
}

/// A wiremock registry knowing clinic 111, and a user at its confirmation (token 777) of tomorrow 09:30.
async fn at_confirm_with_mock() -> (MockServer, Harness, PickedSlot) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/shared/lpu/111"))
        .respond_with(envelope(json!({
            "id": 111, "lpuShortName": "Поликлиника № 11", "lpuFullName": "ОГАУЗ «Поликлиника № 11»",
            "address": "г. Иркутск, ул. Ядринцева, 1", "phone": "+7 3952 000-000",
            "latitude": "52.28", "longitude": "104.32", "isActive": true
        })))
        .mount(&server)
        .await;
    let h = Harness::with_registry_url(&server.uri()).await;
    h.consented().await;
    link_gosuslugi(&h, true).await;
    let tomorrow = chrono::Utc::now().with_timezone(&TZ).date_naive() + chrono::Duration::days(1);
    let slot = PickedSlot {
        id: format!("{}_{}", "x".repeat(80), tomorrow),
        start: tomorrow.and_hms_opt(9, 30, 0).unwrap(),
        end: None,
        room: Some("12".into()),
        address: None,
        number: None,
    };
    let choice = |id: &str, name: &str| Choice {
        id: id.into(),
        name: name.into(),
    };
    set_state(
        &h,
        State::Booking(Here::Flow(Box::new(Flow {
            clinic: CLINIC,
            from: None,
            step: Step::Confirm {
                chosen: Chosen {
                    specialty: choice("7", "Терапевт"),
                    doctor: choice("d1", "Сидоров Семён Семёнович"),
                    slot: slot.clone(),
                },
                token: 777,
            },
            keys: Vec::new(),
        }))),
    )
    .await;
    (server, h, slot)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_patient_the_clinic_does_not_know_is_told_they_may_be_attached_elsewhere() {
    let (server, h, _) = at_confirm_with_mock().await;
    Mock::given(method("GET"))
        .and(path("/patient/search"))
        .respond_with(refusal(1, "Пациент не найден"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/appointment/create"))
        .respond_with(envelope(json!(null)))
        .expect(0)
        .mount(&server)
        .await;
    let mut bot = h.bot(tap("bk:ok:777"));
    bot.dispatch().await;
    let (text, kb) = edited(&bot.get_responses());
    assert_eq!(
        text,
        format!("{DEMO}Поликлиника не нашла пациента с такими ФИО и датой рождения. Возможно, он не прикреплён к этой поликлинике.\nПроверьте прикрепление в регистратуре или выберите другую поликлинику.")
    );
    assert_eq!(
        kb,
        vec![
            vec![(
                "🏥 Выбрать другую поликлинику".to_owned(),
                "bk:oc".to_owned()
            )],
            vec![
                ("« Назад".to_owned(), "bk:b".to_owned()),
                ("« Меню".to_owned(), "menu".to_owned())
            ],
        ]
    );
    let now = chrono::Utc::now().timestamp();
    assert!(h
        .store()
        .upcoming_appointments(USER, now)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_registry_failing_before_anything_is_asked_of_it_says_so_and_retries() {
    let (server, h, _) = at_confirm_with_mock().await;
    Mock::given(method("GET"))
        .and(path("/patient/search"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/appointment/create"))
        .respond_with(envelope(json!(null)))
        .expect(0)
        .mount(&server)
        .await;
    let mut bot = h.bot(tap("bk:ok:777"));
    bot.dispatch().await;
    let (text, kb) = edited(&bot.get_responses());
    assert_eq!(
        text,
        format!("{DEMO}Сервис записи временно недоступен, попробуйте позже.")
    );
    assert_eq!(
        kb,
        vec![
            vec![("🔄 Повторить".to_owned(), "bk:r".to_owned())],
            vec![("« Меню".to_owned(), "menu".to_owned())]
        ]
    );
    assert!(h.store().open_intents(USER).await.unwrap().is_empty());

    // «Повторить» shows the same confirmation with a new token.
    let (text, kb) = edited(&tap_on(&mut bot, "bk:r").await);
    assert!(
        text.contains("Врач: Сидоров Семён Семёнович, Терапевт"),
        "{text}"
    );
    assert_ne!(data_of(&kb, "✅ Подтвердить"), "bk:ok:777");
}

/// The registry's list of the patient's visits at the mock clinic, the booking of `slot` in it under an id
/// of the registry's own.
async fn clinic_lists(server: &MockServer, slot: Option<&PickedSlot>) {
    let visits = match slot {
        Some(slot) => json!([{
            "appointmentId": "14643472",
            "visitStart": slot.start.format("%Y-%m-%dT%H:%M:%S").to_string(),
            "lpuId": "111",
            "lpuShortName": "Поликлиника № 11",
            "patientId": "12345",
            "doctorRendingConsultation": { "id": "d1", "name": "Сидоров Семён Семёнович" },
            "specialityRendingConsultation": { "id": "7", "name": "Терапевт" }
        }]),
        None => json!([]),
    };
    Mock::given(method("GET"))
        .and(path("/appointments"))
        .respond_with(envelope(visits))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_answered_too_late_is_not_lost_the_visit_appears_once_the_clinic_lists_it() {
    let (server, h, slot) = at_confirm_with_mock().await;
    Mock::given(method("GET"))
        .and(path("/patient/search"))
        .respond_with(envelope(json!("12345")))
        .mount(&server)
        .await;
    // The registry books, but its answer comes after the bot stopped waiting; a booking is never sent
    // twice.
    Mock::given(method("POST"))
        .and(path("/appointment/create"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(
                    json!({"success": true, "errorCode": 0, "message": null, "stackTrace": null}),
                )
                .set_delay(std::time::Duration::from_millis(1500)),
        )
        .expect(1)
        .mount(&server)
        .await;
    clinic_lists(&server, None).await;
    let mut bot = h.bot(tap("bk:ok:777"));
    bot.dispatch().await;
    let (text, kb) = edited(&bot.get_responses());
    assert!(
        text.starts_with(&format!(
            "{DEMO}⏳ <b>Поликлиника не ответила вовремя</b>\n"
        )),
        "{text}"
    );
    assert!(text.contains("Сидоров Семён Семёнович"), "{text}");
    assert!(text.contains("напишу сюда"), "{text}");
    assert_eq!(
        kb,
        vec![vec![
            ("📋 Мои записи".to_owned(), "bk:a".to_owned()),
            ("« Меню".to_owned(), "menu".to_owned())
        ]]
    );
    let now = chrono::Utc::now().timestamp();
    assert!(h
        .store()
        .upcoming_appointments(USER, now)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(h.store().open_intents(USER).await.unwrap().len(), 1);

    // The clinic lists the visit now: «Мои записи» says it went through and shows it, once.
    server.reset().await;
    clinic_lists(&server, Some(&slot)).await;
    let responses = tap_on(&mut bot, "bk:a").await;
    let told = &responses.sent_messages;
    assert_eq!(told.len(), 1, "one «Вы записаны»");
    assert!(
        told[0].text().unwrap().contains("Вы записаны к врачу"),
        "{:?}",
        told[0].text()
    );
    assert_eq!(responses.edited_messages_text.len(), 1);
    assert_eq!(responses.answered_callback_queries.len(), 1);
    let list = responses.edited_messages_text[0].message.text().unwrap();
    assert!(list.contains("<b>Мои записи</b>"), "{list}");
    assert!(list.contains("Сидоров Семён Семёнович"), "{list}");
    let all = h.store().upcoming_appointments(USER, now).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].booking.registry_id.as_deref(), Some("14643472"));
    assert_eq!(all[0].booking.slot_id.as_deref(), Some(slot.id.as_str()));
    assert_eq!(all[0].booking.source, AppointmentSource::Bot);
    assert!(h.store().open_intents(USER).await.unwrap().is_empty());

    tap_on(&mut bot, "bk:a").await;
    assert_eq!(
        h.store()
            .upcoming_appointments(USER, now)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_booking_is_cancelled_with_the_registrys_own_id_not_the_slots() {
    let (server, h, slot) = at_confirm_with_mock().await;
    Mock::given(method("GET"))
        .and(path("/patient/search"))
        .respond_with(envelope(json!("12345")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/appointment/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"success": true, "errorCode": 0, "message": null, "stackTrace": null}),
        ))
        .mount(&server)
        .await;
    clinic_lists(&server, Some(&slot)).await;
    Mock::given(method("POST"))
        .and(path("/appointment/cancel"))
        .and(wiremock::matchers::body_partial_json(
            json!({"lpuId": 111, "patientId": "12345", "appointmentId": "14643472"}),
        ))
        .respond_with(envelope(json!(true)))
        .expect(1)
        .mount(&server)
        .await;
    let mut bot = h.bot(tap("bk:ok:777"));
    bot.dispatch().await;
    let (text, _) = booked_then_menu(&bot.get_responses());
    assert!(text.contains("Вы записаны к врачу"), "{text}");
    let now = chrono::Utc::now().timestamp();
    let visit = h
        .store()
        .upcoming_appointments(USER, now)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(visit.booking.registry_id.as_deref(), Some("14643472"));

    tap_on(&mut bot, &format!("bk:x:{}", visit.id)).await;
    let (text, _) = edited(&tap_on(&mut bot, &format!("bk:xy:{}", visit.id)).await);
    assert!(text.contains("Запись отменена"), "{text}");
    assert_eq!(
        h.store()
            .appointment(USER, visit.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        AppointmentStatus::Cancelled
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_create_means_the_slot_is_taken_and_fresh_times_follow() {
    let (server, h, slot) = at_confirm_with_mock().await;
    Mock::given(method("GET"))
        .and(path("/patient/search"))
        .respond_with(envelope(json!("12345")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/appointment/create"))
        .respond_with(refusal(2, "Талон уже занят"))
        .expect(1)
        .mount(&server)
        .await;
    let day = slot.start.date();
    Mock::given(method("GET"))
        .and(path("/schedule/lpu/111/doctor/d1/appointments"))
        .respond_with(envelope(json!([
            { "id": "s-10", "visitStart": format!("{day}T10:00:00"), "room": "12" },
            { "id": "s-11", "visitStart": format!("{day}T11:15:00"), "room": "12" }
        ])))
        .mount(&server)
        .await;
    let mut bot = h.bot(tap("bk:ok:777"));
    bot.dispatch().await;
    let (text, kb) = edited(&bot.get_responses());
    assert!(
        text.starts_with(&format!("{DEMO}Это время уже заняли. Выберите другое:\n\n<b>Сидоров Семён Семёнович</b>, Терапевт\n\n")),
        "{text}"
    );
    assert_eq!(
        kb,
        vec![
            vec![
                ("10:00".to_owned(), "bk:t:0".to_owned()),
                ("11:15".to_owned(), "bk:t:1".to_owned())
            ],
            vec![
                ("« Назад".to_owned(), "bk:b".to_owned()),
                ("« Меню".to_owned(), "menu".to_owned())
            ],
        ]
    );
    let now = chrono::Utc::now().timestamp();
    assert!(h
        .store()
        .upcoming_appointments(USER, now)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_booking_the_bot_cannot_store_is_still_shown_as_made_at_the_clinic() {
    let h = at_card(true).await;
    let mut at = walk_to_confirm(&h).await;
    // The bot's own table of visits breaks after the registry has booked: only our copy is missing.
    let pool = sqlx::SqlitePool::connect(&h.db_url).await.unwrap();
    sqlx::query("ALTER TABLE appointments RENAME TO appointments_broken")
        .execute(&pool)
        .await
        .unwrap();
    let confirm = data_of(&at.keyboard, "✅ Подтвердить");
    let (text, kb) = edited(&tap_on(&mut at.bot, &confirm).await);
    assert!(
        text.starts_with(&format!("{DEMO}✅ <b>Вы записаны к врачу</b>\n")),
        "{text}"
    );
    assert!(text.contains(&at.doctor), "{text}");
    assert!(text.contains("напоминаний о ней не будет"), "{text}");
    assert_eq!(labels(&kb), vec![vec!["« Меню".to_owned()]]);
    // The clinic has the visit.
    let patient = h
        .ctx
        .registry
        .find_patient(&kvrachu_bot::registry::PatientQuery {
            lpu_id: CLINIC,
            name: FullName::parse("Иванов Иван Иванович").unwrap(),
            birth_date: BirthDate::try_from(chrono::NaiveDate::from_ymd_opt(1985, 3, 12).unwrap())
                .unwrap(),
        })
        .await
        .unwrap();
    let listed = h.ctx.registry.appointments(CLINIC, &patient).await.unwrap();
    assert_eq!(listed.len(), 1);
    // Under the registry's own id, not the slot's.
    assert_ne!(listed[0].appointment_id, at.slot.id);
    assert_eq!(listed[0].visit_start, at.slot.visit_start);
    // And the dialogue is back at the menu, not at a dead «Подтвердить».
    assert_eq!(
        h.storage.clone().get_dialogue(ChatId(USER)).await.unwrap(),
        Some(State::Menu)
    );
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_users_watch_cannot_be_stopped_or_opened() {
    let h = at_card(true).await;
    let other = h
        .store()
        .add_watch(
            &kvrachu_bot::store::NewWatch {
                user_id: USER + 1,
                lpu_id: CLINIC,
                specialty_id: "109".into(),
                doctor_id: None,
                labels: Default::default(),
            },
            300,
            chrono::Utc::now().timestamp(),
        )
        .await
        .unwrap();
    let kvrachu_bot::store::AddWatch::Added(other) = other else {
        panic!("{other:?}")
    };
    let mut bot = h.bot(tap("menu"));
    bot.dispatch().await;
    let responses = tap_on(&mut bot, &format!("wt:x:{}", other.id)).await;
    assert_eq!(
        notice(&responses).as_deref(),
        Some("Это ожидание уже отменено.")
    );
    let responses = tap_on(&mut bot, &format!("wt:b:{}", other.id)).await;
    assert_eq!(
        notice(&responses).as_deref(),
        Some("Это ожидание уже отменено.")
    );
    assert_eq!(h.store().watches(USER + 1).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gate_is_told_at_book_not_at_the_last_tap() {
    let h = Harness::new().await;
    h.consented().await;
    let book = |h: &Harness| {
        let mut bot = h.bot(tap("s:book"));
        async move {
            bot.dispatch().await;
            edited(&bot.get_responses())
        }
    };
    // Not linked: the way to log in, and the login button first; the districts are there to browse.
    let (text, kb) = book(&h).await;
    assert_eq!(
        text,
        format!("{DEMO}<b>Запись к врачу</b>\nВыберите район:\n\nℹ️ Чтобы записаться, войдите через Госуслуги («🏛 Госуслуги» ниже) — нужна подтверждённая учётная запись. Выбирать поликлинику, врача и время можно уже сейчас: выбор сохранится, и после входа вернёмся к подтверждению.")
    );
    assert_eq!(labels(&kb)[0], vec!["🏛 Госуслуги"]);
    assert_eq!(labels(&kb)[1], vec!["г. Иркутск", "Иркутский район"]);
    // Not confirmed: the way to confirm, and the login button first.
    link_gosuslugi(&h, false).await;
    let (text, kb) = book(&h).await;
    assert!(
        text.ends_with("ℹ️ Ваша учётная запись на Госуслугах не подтверждена, а записаться к врачу можно только с подтверждённой. Подтвердите её (в центре обслуживания, через онлайн-банк или Почту России) и войдите снова. Выбирать врача и время можно уже сейчас: выбор сохранится."),
        "{text}"
    );
    assert_eq!(labels(&kb)[0], vec!["🏛 Госуслуги"]);
    // Under 14: no login helps; a parent books.
    let mut child = person_link(true);
    child.person.birth_date = Some(
        BirthDate::try_from(chrono::Utc::now().date_naive() - chrono::Duration::days(365 * 10))
            .unwrap(),
    );
    h.store().save_esia_link(USER, &child).await.unwrap();
    let (text, kb) = book(&h).await;
    assert!(
        text.contains("Записываться к врачу самостоятельно можно с 14 лет"),
        "{text}"
    );
    assert_eq!(labels(&kb)[0], vec!["г. Иркутск", "Иркутский район"]);
    // Confirmed: nothing in the way.
    link_gosuslugi(&h, true).await;
    let (text, kb) = book(&h).await;
    assert_eq!(
        text,
        format!("{DEMO}<b>Запись к врачу</b>\nВыберите район:")
    );
    assert_eq!(labels(&kb)[0], vec!["г. Иркутск", "Иркутский район"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn own_clinic_and_book_again_cut_the_taps() {
    let h = at_card(false).await;
    let mut link = person_link(true);
    link.person.policy =
        Some(kvrachu_bot::domain::PolicyNumber::parse_new("3851234512345678").unwrap());
    h.store().save_esia_link(USER, &link).await.unwrap();

    // «Записаться»: the account holder's own clinic first (an adult's: the adults' polyclinic of the two
    // the demo policy is attached to), one tap to its specialties.
    let mut bot = h.bot(tap("s:book"));
    bot.dispatch().await;
    let (_, kb) = edited(&bot.get_responses());
    let mine = &kb[0][0];
    assert!(mine.0.starts_with("🏥 Я: "), "{kb:?}");
    let lpu: i64 = mine.1.strip_prefix("bk:c:").unwrap().parse().unwrap();
    let clinic = h.ctx.registry.clinic(lpu).await.unwrap();
    assert_eq!(clinic.kind.as_deref(), Some("Поликлиника"));
    let (text, _) = edited(&tap_on(&mut bot, &mine.1).await);
    assert!(text.contains("Выберите специальность"), "{text}");
    assert!(text.contains(clinic.display_name()), "{text}");
    // One mock bot at a time.
    drop(bot);

    // After a booking, the menu offers that doctor again: one tap to the doctor's days, one to the
    // soonest time, one to confirm.
    set_state(
        &h,
        State::Clinics(clinics::Step::Card {
            district: "1".into(),
            kind: "Поликлиника взрослая".into(),
            page: 2,
            clinic: CLINIC,
        }),
    )
    .await;
    let mut at = walk_to_confirm(&h).await;
    let confirm = data_of(&at.keyboard, "✅ Подтвердить");
    let responses = tap_on(&mut at.bot, &confirm).await;
    booked_then_menu(&responses);
    let menu = message_keyboard(&responses.sent_messages_text[0].message);
    let again = menu
        .iter()
        .flatten()
        .find(|(label, _)| label.starts_with("🔁 "))
        .expect("«Записаться снова» in the menu")
        .clone();
    assert_eq!(again.1, format!("bk:ag:0:{CLINIC}"));
    assert!(
        again.0.starts_with(&format!("🔁 {}: ", at.specialty)),
        "{again:?}"
    );
    let (text, kb) = edited(&tap_on(&mut at.bot, &again.1).await);
    assert!(text.contains(&at.doctor), "{text}");
    assert!(text.contains("Выберите день"), "{text}");
    let soonest = data_of(
        &kb,
        &kb.iter()
            .flatten()
            .find(|(label, _)| label.starts_with("⚡ "))
            .unwrap()
            .0,
    );
    let (text, kb) = edited(&tap_on(&mut at.bot, &soonest).await);
    assert!(text.contains("<b>Проверьте запись</b>"), "{text}");
    assert!(text.contains(&at.doctor), "{text}");
    assert_eq!(labels(&kb)[0], vec!["✅ Подтвердить"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn my_appointments_offers_the_recent_doctors_again() {
    let h = at_card(true).await;
    let mut at = walk_to_confirm(&h).await;
    let confirm = data_of(&at.keyboard, "✅ Подтвердить");
    booked_then_menu(&tap_on(&mut at.bot, &confirm).await);

    let (_, kb) = edited(&tap_on(&mut at.bot, "s:appts").await);
    let again = kb
        .iter()
        .flatten()
        .find(|(label, _)| label.starts_with(&format!("🔁 {}: ", at.specialty)))
        .expect("«Записаться снова» in «Мои записи»")
        .clone();
    assert_eq!(again.1, format!("bk:ag:0:{CLINIC}"));
    let (text, _) = edited(&tap_on(&mut at.bot, &again.1).await);
    assert!(text.contains(&at.doctor), "{text}");
    assert!(text.contains("Выберите день"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deep_link_opens_its_clinic_or_doctor_directly() {
    let h = Harness::new().await;
    h.consented().await;
    let registry = h.ctx.registry.clone();
    let specialty = registry.specialties(CLINIC).await.unwrap().remove(0);
    let doctor = registry
        .doctors(CLINIC, &specialty.id)
        .await
        .unwrap()
        .remove(0);

    let clinic_link = kvrachu_bot::domain::DeepLink::Clinic { lpu: CLINIC }
        .encode()
        .unwrap();
    let mut bot = h.bot(text(&format!("/start {clinic_link}")));
    bot.dispatch().await;
    let sent = &bot.get_responses().sent_messages_text;
    let shown = sent.last().unwrap().message.text().unwrap().to_owned();
    assert!(shown.contains("Выберите специальность"), "{shown}");
    drop(bot);

    let doctor_link = kvrachu_bot::domain::DeepLink::Doctor {
        lpu: CLINIC,
        specialty: specialty.id.clone(),
        doctor: doctor.id.clone(),
    }
    .encode()
    .unwrap();
    let mut bot = h.bot(text(&format!("/start {doctor_link}")));
    bot.dispatch().await;
    assert!(matches!(
        bot.get_state::<State>().await,
        State::Booking(Here::Flow(flow)) if matches!(&flow.step, Step::Days { doctor: d, .. } if d.id == doctor.id)
    ));
    drop(bot);

    // An unknown payload is a plain /start: the menu.
    let mut bot = h.bot(text("/start zzz"));
    bot.dispatch().await;
    assert_eq!(bot.get_state::<State>().await, State::Menu);
}
