//! Journey 7's buttons: the reminder's «Как добраться», «Добавить в календарь» and «Отменить запись»
//! (owner-checked), and «Настройки → Напоминания».

use std::time::Duration;

use kvrachu_bot::bot::State;
use kvrachu_bot::store::{
    Appointment, AppointmentDetails, AppointmentSource, NewAppointment, ReminderSettings,
};

use crate::*;

const DEMO: &str = "🧪 <i>Демо-режим: учебные поликлиники и тестовый вход через Госуслуги, настоящие записи не создаются.</i>\n\n";

fn rows(items: &[&[(&str, &str)]]) -> Vec<Vec<(String, String)>> {
    items
        .iter()
        .map(|row| {
            row.iter()
                .map(|(l, d)| (l.to_string(), d.to_string()))
                .collect()
        })
        .collect()
}

async fn booked(h: &Harness, user: i64) -> Appointment {
    let now = chrono::Utc::now().timestamp();
    h.store()
        .upsert_appointment(
            &NewAppointment {
                user_id: user,
                child_id: None,
                lpu_id: 10,
                patient_id: "p-1".to_owned(),
                registry_id: Some("slot-1".to_owned()),
                doctor_id: None,
                slot_id: None,
                visit_at: now + 3 * 86_400,
                details: AppointmentDetails {
                    person: "Петров Пётр Петрович".to_owned(),
                    doctor: "Иванова Анна Сергеевна".to_owned(),
                    specialty: "Терапевт".to_owned(),
                    clinic: "ГП №1".to_owned(),
                    address: "г. Иркутск, ул. Ленина, 1".to_owned(),
                    room: Some("12".to_owned()),
                    phone: Some("+7 3952 000000".to_owned()),
                    latitude: Some(52.2869),
                    longitude: Some(104.305),
                    local_time: "2026-12-01T09:30:00".to_owned(),
                    local_end: None,
                },
                source: AppointmentSource::Bot,
            },
            &[Duration::from_secs(86_400), Duration::from_secs(7_200)],
            now,
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn directions_send_the_clinic_as_a_venue() {
    let h = Harness::new().await;
    h.consented().await;
    let a = booked(&h, USER).await;
    let mut bot = h.bot(tap(&format!("ap:m:{}", a.id)));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(responses.answered_callback_queries.len(), 1);
    let venue = &responses.sent_messages_venue[0].bot_request;
    assert_eq!(venue.latitude, 52.2869);
    assert_eq!(venue.longitude, 104.305);
    assert_eq!(venue.title, "ГП №1");
    assert_eq!(venue.address, "г. Иркутск, ул. Ленина, 1");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_calendar_button_sends_an_ics_file_of_the_visit() {
    let h = Harness::new().await;
    h.consented().await;
    let a = booked(&h, USER).await;
    let mut bot = h.bot(tap(&format!("ap:i:{}", a.id)));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(responses.answered_callback_queries.len(), 1);
    let document = &responses.sent_messages_document[0].bot_request;
    assert!(document.file_name.starts_with("visit-") && document.file_name.ends_with(".ics"));
    assert!(
        document.file_data.contains("BEGIN:VCALENDAR"),
        "{}",
        document.file_data
    );
    assert!(document.file_data.contains("DTSTART;TZID=Asia/Irkutsk:"));
    assert!(document
        .file_data
        .contains(&format!("UID:appointment-{}@kvrachu-bot", a.id)));
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_under_a_reminder_asks_for_a_confirmation_in_place() {
    let h = Harness::new().await;
    h.consented().await;
    let a = booked(&h, USER).await;
    let mut bot = h.bot(tap(&format!("ap:c:{}", a.id)));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(responses.answered_callback_queries.len(), 1);
    let question = &responses.edited_messages_text[0].message;
    assert!(
        question.text().unwrap().starts_with(&format!(
            "{DEMO}<b>Отменить запись?</b>\nКто: Петров Пётр Петрович\n"
        )),
        "{:?}",
        question.text()
    );
    assert_eq!(
        message_keyboard(question),
        rows(&[&[
            ("Да, отменить", &format!("bk:xy:{}", a.id)),
            ("Нет", "bk:xn")
        ]])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn buttons_of_someone_elses_appointment_reveal_nothing() {
    let h = Harness::new().await;
    h.consented().await;
    let theirs = booked(&h, USER + 1).await;
    for action in ["c", "m", "i"] {
        let mut bot = h.bot(tap(&format!("ap:{action}:{}", theirs.id)));
        bot.dispatch().await;
        let responses = bot.get_responses();
        assert_eq!(
            responses.answered_callback_queries[0].text.as_deref(),
            Some("Эта запись не найдена."),
            "{action}"
        );
        assert!(responses.sent_messages.is_empty(), "{action}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_offer_reminders_and_the_reminder_screen_shows_the_choice() {
    let h = Harness::new().await;
    h.consented().await;
    let mut bot = h.bot(tap("s:set"));
    bot.dispatch().await;
    let settings = bot.get_responses().edited_messages_text[0].message.clone();
    assert!(datas(&message_keyboard(&settings)).contains(&"ap:set".to_owned()));
    // One mock bot at a time: teloxide_tests holds a global lock while one lives.
    drop(bot);

    let mut bot = h.bot(tap("ap:set"));
    bot.dispatch().await;
    let screen = &bot.get_responses().edited_messages_text[0].message;
    assert_eq!(
        screen.text().unwrap(),
        format!("{DEMO}<b>Напоминания о приёме</b>\nВключены: за 24 ч + 2 ч до приёма.\nВыберите, когда напоминать, или напишите своё время: 3ч, 1д, 30 мин.")
    );
    assert_eq!(
        message_keyboard(screen),
        rows(&[
            &[("✓ 24 ч + 2 ч", "ap:p:0"), ("24 ч", "ap:p:1")],
            &[("2 ч", "ap:p:2"), ("1 ч", "ap:p:3")],
            &[("🔕 Выключить напоминания", "ap:off")],
            &[("« Настройки", "s:set")],
        ])
    );
    assert_eq!(bot.get_state::<State>().await, State::Settings);
}

#[tokio::test(flavor = "multi_thread")]
async fn choosing_one_hour_re_plans_upcoming_reminders() {
    let h = Harness::new().await;
    h.consented().await;
    let a = booked(&h, USER).await;
    let mut bot = h.bot(tap("ap:p:3"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(
        responses.answered_callback_queries[0].text.as_deref(),
        Some("Сохранено")
    );
    assert_eq!(
        message_keyboard(&responses.edited_messages_text[0].message)[1],
        rows(&[&[("2 ч", "ap:p:2"), ("✓ 1 ч", "ap:p:3")]])[0]
    );
    assert_eq!(
        h.store().reminder_settings(USER).await.unwrap(),
        ReminderSettings {
            enabled: true,
            offsets: Some(vec![3_600])
        }
    );
    let offsets: Vec<i64> = h
        .store()
        .reminders_of(a.id)
        .await
        .unwrap()
        .iter()
        .map(|r| r.offset_secs)
        .collect();
    assert_eq!(offsets, vec![3_600]);
}

#[tokio::test(flavor = "multi_thread")]
async fn turning_reminders_off_drops_pending_ones_and_offers_to_turn_them_on() {
    let h = Harness::new().await;
    h.consented().await;
    let a = booked(&h, USER).await;
    let mut bot = h.bot(tap("ap:off"));
    bot.dispatch().await;
    let screen = &bot.get_responses().edited_messages_text[0].message;
    assert!(screen
        .text()
        .unwrap()
        .ends_with("Выключены: я не буду напоминать о записях."));
    assert_eq!(
        message_keyboard(screen),
        rows(&[
            &[("🔔 Включить напоминания", "ap:on")],
            &[("« Настройки", "s:set")],
        ])
    );
    assert!(h.store().reminders_of(a.id).await.unwrap().is_empty());
    assert!(!h.store().reminder_settings(USER).await.unwrap().enabled);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offset_of_ones_own_is_typed_beyond_the_presets() {
    let h = Harness::new().await;
    h.consented().await;
    let a = booked(&h, USER).await;
    let mut bot = h.bot(text("3ч, 1д"));
    bot.set_state(State::Settings).await;
    bot.dispatch().await;
    let responses = bot.get_responses();
    let shown = responses
        .sent_messages_text
        .last()
        .unwrap()
        .message
        .text()
        .unwrap()
        .to_owned();
    assert!(
        shown.contains("Включены: за 24 ч + 3 ч до приёма."),
        "{shown}"
    );
    assert_eq!(
        h.store().reminder_settings(USER).await.unwrap(),
        ReminderSettings {
            enabled: true,
            offsets: Some(vec![86_400, 10_800])
        }
    );
    let mut offsets: Vec<i64> = h
        .store()
        .reminders_of(a.id)
        .await
        .unwrap()
        .iter()
        .map(|r| r.offset_secs)
        .collect();
    offsets.sort_unstable();
    assert!(
        offsets.iter().all(|o| [10_800, 86_400].contains(o)),
        "{offsets:?}"
    );
    drop(bot);

    // Not a time: one short line with an example, the settings unchanged.
    let mut bot = h.bot(text("завтра"));
    bot.set_state(State::Settings).await;
    bot.dispatch().await;
    let responses = bot.get_responses();
    let texts: Vec<_> = responses
        .sent_messages_text
        .iter()
        .map(|m| m.message.text().unwrap().to_owned())
        .collect();
    assert_eq!(
        texts,
        vec![
            "⚠️ Не понял «завтра»: нужно число и единица — мин, ч или д. Пример: 3ч, 1д или 30 мин"
        ]
    );
    assert_eq!(bot.get_state::<State>().await, State::Settings);
    assert_eq!(
        h.store().reminder_settings(USER).await.unwrap().offsets,
        Some(vec![86_400, 10_800])
    );
}
