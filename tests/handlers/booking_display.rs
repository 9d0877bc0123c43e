//! How live registry data is shown on the booking screens (issue 11): bookable counts from the participant
//! fields, the участок as the registry wrote it, the doctor's comment (short, escaped, multi-line), and the
//! days paged by week up to the doctor's `lastDate` rather than 14 days. The registry is a wiremock server
//! answering in the live service's shape, so nothing here depends on the demo data.

use chrono::{Datelike, Duration as Days, NaiveDate};
use kvrachu_bot::bot::booking::{Here, Step};
use kvrachu_bot::bot::{clinics, State};
use serde_json::{json, Value};
use teloxide::types::ChatId;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

const DEMO: &str =
    "🧪 <i>Демо-режим: учебные поликлиники и тестовый вход через Госуслуги, настоящие записи не создаются.</i>\n\n";
/// Who is booked closes every booking screen.
const FOR_ME: &str = "\n\n👤 Для: вы";
const TZ: chrono_tz::Tz = chrono_tz::Asia::Irkutsk;

fn ok(result: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "result": result, "success": true, "errorCode": 0, "message": null, "stackTrace": null
    }))
}

fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&TZ).date_naive()
}

fn in_days(n: i64) -> NaiveDate {
    today() + Days::days(n)
}

/// «2026-12-01T10:00:00», as the registry writes local times.
fn at(day: NaiveDate, hour: u32) -> String {
    format!("{}T{hour:02}:00:00", day.format("%Y-%m-%d"))
}

/// «вт 01.12».
fn day_label(day: NaiveDate) -> String {
    let weekday =
        ["пн", "вт", "ср", "чт", "пт", "сб", "вс"][day.weekday().num_days_from_monday() as usize];
    format!("{weekday} {}", day.format("%d.%m"))
}

fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::days(i64::from(day.weekday().num_days_from_monday()))
}

fn week_dates(monday: NaiveDate) -> String {
    format!(
        "{}–{}",
        monday.format("%d.%m"),
        (monday + Days::days(6)).format("%d.%m")
    )
}

async fn get(server: &MockServer, at: &str, answer: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// Days (from today) with one 10:00 slot each of Иванова, the first of them with an 11:00 one too.
const SLOT_DAYS: [i64; 6] = [1, 2, 9, 23, 36, 45];
/// Иванова's `lastDate`: later than 30 days ahead, before the last slot.
const LAST_DATE: i64 = 40;

/// Clinic 111 with «Терапевт» (10 tickets, 1 bookable) and «Хирург» (2 tickets, none bookable), their doctors
/// as the live service describes them, and Иванова's slots on [`SLOT_DAYS`].
async fn live_registry() -> MockServer {
    let server = MockServer::start().await;
    get(
        &server,
        "/shared/lpu/111",
        ok(json!({
            "id": 111, "lpuShortName": "Поликлиника № 11", "lpuFullName": "СПб ГБУЗ «Поликлиника № 11»",
            "lpuType": "Поликлиника", "address": "ул. Ядринцева, 1", "isActive": true
        })),
    )
    .await;
    get(
        &server,
        "/schedule/lpu/111/specialties",
        ok(json!([
            { "id": "109", "ferId": "p1", "name": "Терапевт", "countFreeTicket": 10, "countFreeParticipant": 1,
              "nearestDate": at(in_days(1), 10), "lastDate": at(in_days(LAST_DATE), 0) },
            { "id": "110", "ferId": null, "name": "Хирург", "countFreeTicket": 2, "countFreeParticipant": 0,
              "nearestDate": at(in_days(3), 10), "lastDate": null }
        ])),
    )
    .await;
    get(
        &server,
        "/schedule/lpu/111/speciality/109/doctors",
        ok(json!([
            { "id": "d1", "name": "Иванова Анна Сергеевна", "ariaNumber": "14-д участок",
              "comment": "Командировки служебные", "freeTicketCount": 10, "freeParticipantCount": 1,
              "nearestDate": at(in_days(1), 10), "lastDate": at(in_days(LAST_DATE), 0),
              "lastName": "Иванова", "firstName": "Анна", "middleName": null },
            { "id": "d2", "name": "Петров Пётр Петрович", "ariaNumber": "10, 18, 19",
              "comment": "с 01.10.2026 по 13.10.2026: Нетрудоспособность\r\n\r\n  Участок <10> &   18 \nещё строка\nи ещё одна\nи пятая",
              "freeTicketCount": 2, "freeParticipantCount": 0, "nearestDate": at(in_days(3), 10), "lastDate": null },
            { "id": "d3", "name": "Сидоров Семён Семёнович", "ariaNumber": "14", "comment": null,
              "freeTicketCount": 3, "freeParticipantCount": 3, "nearestDate": at(in_days(2), 10), "lastDate": null },
            { "id": "d4", "name": "Кузнецова Ольга Ивановна", "ariaNumber": "",
              "comment": "", "freeTicketCount": 0, "freeParticipantCount": 0, "nearestDate": null, "lastDate": null }
        ])),
    )
    .await;
    get(
        &server,
        "/schedule/lpu/111/speciality/110/doctors",
        ok(json!([
            { "id": "s1", "name": "Хирургов Олег Олегович", "ariaNumber": null, "comment": null,
              "freeTicketCount": 2, "freeParticipantCount": 0, "nearestDate": at(in_days(3), 10), "lastDate": null }
        ])),
    )
    .await;
    let mut slots = vec![json!({
        "id": format!("738_{}_11:00:00", in_days(SLOT_DAYS[0])), "visitStart": at(in_days(SLOT_DAYS[0]), 11),
        "visitEnd": format!("{}T11:15:00", in_days(SLOT_DAYS[0])), "address": "", "number": null, "room": "12"
    })];
    for n in SLOT_DAYS {
        slots.push(json!({
            "id": format!("738_{}_10:00:00", in_days(n)), "visitStart": at(in_days(n), 10),
            "visitEnd": format!("{}T10:15:00", in_days(n)), "address": null, "number": null, "room": "12"
        }));
    }
    get(
        &server,
        "/schedule/lpu/111/doctor/d1/appointments",
        ok(Value::Array(slots)),
    )
    .await;
    get(
        &server,
        "/schedule/lpu/111/doctor/d2/appointments",
        ResponseTemplate::new(200).set_body_json(json!({
            "success": false, "errorCode": 39, "message": "Нет свободных талонов", "stackTrace": null, "requestId": "r"
        })),
    )
    .await;
    server
}

/// A consented user on the card of clinic 111, with the registry at `server`.
async fn at_card(server: &MockServer) -> (Harness, Bot) {
    let h = Harness::with_registry_url(&server.uri()).await;
    h.consented().await;
    h.storage
        .clone()
        .update_dialogue(
            ChatId(USER),
            State::Clinics(clinics::Step::Card {
                district: "1".into(),
                kind: "Поликлиника".into(),
                page: 1,
                clinic: 111,
            }),
        )
        .await
        .unwrap();
    let bot = h.bot(tap("cl:b"));
    (h, bot)
}

fn button(label: &str, data: &str) -> (String, String) {
    (label.to_owned(), data.to_owned())
}

fn back_and_menu() -> Vec<(String, String)> {
    vec![button("« Назад", "bk:b"), button("« Меню", "menu")]
}

#[tokio::test(flavor = "multi_thread")]
async fn counts_are_the_bookable_ones_and_doctors_show_their_area_and_comment_as_written() {
    let server = live_registry().await;
    let (_h, mut bot) = at_card(&server).await;
    bot.dispatch().await;
    let (text, kb) = edited(&bot.get_responses());
    assert_eq!(
        text,
        format!(
            "{DEMO}<b>Поликлиника № 11</b>\nВыберите специальность (в скобках — свободные талоны):{FOR_ME}"
        )
    );
    // 10 tickets but 1 a patient can book: «(1)».
    assert_eq!(
        kb,
        vec![
            vec![button("Терапевт (1)", "bk:s:0")],
            vec![button("Хирург (0)", "bk:s:1")],
            back_and_menu(),
        ]
    );

    let (text, kb) = edited(&tap_on(&mut bot, "bk:s:0").await);
    assert_eq!(
        text,
        format!(
            "{DEMO}<b>Терапевт</b>\nВыберите врача:\n\
             • <b>Иванова Анна Сергеевна</b>, 14-д участок — ближайший приём {}\n\
             ℹ️ <i>Командировки служебные</i>\n\
             • <b>Петров Пётр Петрович</b>, участки 10, 18, 19 — свободных талонов нет\n\
             ℹ️ <i>с 01.10.2026 по 13.10.2026: Нетрудоспособность…</i>\n\
             • <b>Сидоров Семён Семёнович</b>, участок 14 — ближайший приём {}\n\
             • <b>Кузнецова Ольга Ивановна</b> — свободных талонов нет{FOR_ME}",
            day_label(in_days(1)),
            day_label(in_days(2))
        )
    );
    // Someone has a bookable slot: a watch is offered all the same (for a more convenient time).
    assert_eq!(
        kb,
        vec![
            vec![
                button("Иванова А. С.", "bk:d:0"),
                button("Петров П. П.", "bk:d:1")
            ],
            vec![
                button("Сидоров С. С.", "bk:d:2"),
                button("Кузнецова О. И.", "bk:d:3")
            ],
            vec![button("⚡ Ближайший приём", "bk:n")],
            vec![button("🔔 Ждать талон", "bk:w")],
            back_and_menu(),
        ]
    );

    // «Хирург»: two tickets, none a patient can book — as good as none, so a watch is offered.
    edited(&tap_on(&mut bot, "bk:b").await);
    let (text, kb) = edited(&tap_on(&mut bot, "bk:s:1").await);
    assert_eq!(
        text,
        format!(
            "{DEMO}<b>Хирург</b>\nВыберите врача:\n\
             • <b>Хирургов Олег Олегович</b> — свободных талонов нет{FOR_ME}"
        )
    );
    assert_eq!(
        kb,
        vec![
            vec![button("Хирургов О. О.", "bk:d:0")],
            vec![button("🔔 Ждать талон", "bk:w")],
            back_and_menu(),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_doctors_screen_pages_the_schedule_by_week_up_to_the_last_date() {
    let server = live_registry().await;
    let (h, mut bot) = at_card(&server).await;
    bot.dispatch().await;
    edited(&bot.get_responses());
    edited(&tap_on(&mut bot, "bk:s:0").await);
    let (text, kb) = edited(&tap_on(&mut bot, "bk:d:0").await);

    // The days shown: up to Иванова's lastDate (40 days ahead, past the old 14 and the minimum 30), by week.
    let shown: Vec<NaiveDate> = SLOT_DAYS
        .iter()
        .filter(|n| **n <= LAST_DATE)
        .map(|n| in_days(*n))
        .collect();
    let mut weeks: Vec<(NaiveDate, Vec<NaiveDate>)> = Vec::new();
    for day in shown {
        match weeks.last_mut() {
            Some((monday, days)) if *monday == monday_of(day) => days.push(day),
            _ => weeks.push((monday_of(day), vec![day])),
        }
    }
    let header =
        "<b>Иванова Анна Сергеевна</b>, Терапевт, 14-д участок\nℹ️ <i>Командировки служебные</i>";
    let screen_of = |n: usize| {
        let (monday, days) = &weeks[n];
        let text = format!(
            "{DEMO}{header}\n\nВыберите день (в скобках — свободные талоны):\nНеделя {} из {}: {}{FOR_ME}",
            n + 1,
            weeks.len(),
            week_dates(*monday)
        );
        let day_buttons: Vec<(String, String)> = days
            .iter()
            .map(|day| {
                let free = if *day == in_days(SLOT_DAYS[0]) { 2 } else { 1 };
                button(
                    &format!("{} ({free})", day_label(*day)),
                    &format!("bk:day:{}", day.format("%Y%m%d")),
                )
            })
            .collect();
        let mut kb: Vec<Vec<(String, String)>> = day_buttons.chunks(3).map(<[_]>::to_vec).collect();
        let mut pager = Vec::new();
        if n > 0 {
            let before = weeks[n - 1].0;
            pager.push(button(
                &format!("◀ {}", week_dates(before)),
                &format!("bk:wk:{}", before.format("%Y%m%d")),
            ));
        }
        if n + 1 < weeks.len() {
            let after = weeks[n + 1].0;
            pager.push(button(
                &format!("{} ▶", week_dates(after)),
                &format!("bk:wk:{}", after.format("%Y%m%d")),
            ));
        }
        if !pager.is_empty() {
            kb.push(pager);
        }
        kb.push(vec![button("🔔 Ждать талон", "bk:w")]);
        kb.push(back_and_menu());
        (text, kb)
    };
    assert!(weeks.len() >= 4, "{weeks:?}");
    // The first screen also offers the two soonest times, one tap from the confirmation, under the days.
    let (expected_text, mut expected_kb) = screen_of(0);
    let day_rows = weeks[0].1.len().div_ceil(3);
    let soonest = kb[day_rows].clone();
    assert_eq!(
        soonest
            .iter()
            .map(|(_, data)| data.as_str())
            .collect::<Vec<_>>(),
        ["bk:t:0", "bk:t:1"]
    );
    let first_day = day_label(in_days(SLOT_DAYS[0]));
    for (label, _) in &soonest {
        assert!(label.starts_with(&format!("⚡ {first_day}, ")), "{label}");
    }
    expected_kb.insert(day_rows, soonest);
    assert_eq!((text, kb), (expected_text, expected_kb));

    // «▶» to the last week and «◀» back, each week as computed; the slot past lastDate never shows.
    let mut kb = screen_of(0).1;
    let mut every = datas(&kb);
    for (n, (monday, _)) in weeks.iter().enumerate().skip(1) {
        let next = data_of(&kb, &format!("{} ▶", week_dates(*monday)));
        let shown = edited(&tap_on(&mut bot, &next).await);
        assert_eq!(shown, screen_of(n));
        kb = shown.1;
        every.extend(datas(&kb));
    }
    for data in &every {
        assert!(data.len() <= 64, "{data}");
    }
    let past_last_date = format!("bk:day:{}", in_days(45).format("%Y%m%d"));
    assert!(!every.contains(&past_last_date), "{every:?}");
    let last = weeks.len() - 1;
    let before = data_of(&kb, &format!("◀ {}", week_dates(weeks[last - 1].0)));
    assert_eq!(
        edited(&tap_on(&mut bot, &before).await),
        screen_of(last - 1)
    );

    // A day of the last week (36 days ahead), its times, and «Назад» to that same week.
    let (_, kb) = edited(
        &tap_on(
            &mut bot,
            &format!("bk:wk:{}", weeks[last].0.format("%Y%m%d")),
        )
        .await,
    );
    let day = in_days(36);
    let (text, times) =
        edited(&tap_on(&mut bot, &data_of(&kb, &format!("{} (1)", day_label(day)))).await);
    assert!(
        text.ends_with(&format!("{}: выберите время.{FOR_ME}", day_label(day))),
        "{text}"
    );
    assert_eq!(times[0], vec![button("10:00", "bk:t:0")]);
    assert_eq!(edited(&tap_on(&mut bot, "bk:b").await), screen_of(last));
    let state = h
        .storage
        .clone()
        .get_dialogue(ChatId(USER))
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(&state, State::Booking(Here::Flow(flow)) if flow.step == Step::Days {
            specialty: kvrachu_bot::bot::booking::Choice { id: "109".into(), name: "Терапевт".into() },
            doctor: kvrachu_bot::bot::booking::Choice { id: "d1".into(), name: "Иванова Анна Сергеевна".into() },
            week: Some(weeks[last].0),
        }),
        "{state:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_doctor_without_slots_shows_the_comment_in_full_and_says_until_when() {
    let server = live_registry().await;
    let (_h, mut bot) = at_card(&server).await;
    bot.dispatch().await;
    edited(&bot.get_responses());
    edited(&tap_on(&mut bot, "bk:s:0").await);
    let (text, kb) = edited(&tap_on(&mut bot, "bk:d:1").await);
    // No lastDate: the minimum horizon of 30 days, today included.
    assert_eq!(
        text,
        format!(
            "{DEMO}<b>Петров Пётр Петрович</b>, Терапевт, участки 10, 18, 19\n\
             ℹ️ <i>с 01.10.2026 по 13.10.2026: Нетрудоспособность\n\
             Участок &lt;10&gt; &amp; 18\n\
             ещё строка\n\
             и ещё одна…</i>\n\n\
             Свободных талонов до {} нет. Попробуйте другого врача или загляните позже.{FOR_ME}",
            in_days(29).format("%d.%m.%Y")
        )
    );
    assert_eq!(
        kb,
        vec![vec![button("🔔 Ждать талон", "bk:w")], back_and_menu()]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_week_on_display_shows_reception_hours_and_closed_days_from_the_timetable() {
    let server = live_registry().await;
    let monday = monday_of(in_days(36));
    let on = |n: i64| monday + Days::days(n);
    let day = |n: i64, from: u32, to: u32| {
        json!({ "visitStart": at(on(n), from), "visitEnd": at(on(n), to), "recordableDay": true,
                "denyCause": null, "appointments": [] })
    };
    get(
        &server,
        "/schedule/lpu/111/doctor/d1/timetable",
        ok(json!([
            day(0, 8, 14),
            { "visitStart": at(on(1), 0), "visitEnd": null, "recordableDay": false,
              "denyCause": "Отпуск", "appointments": [] },
            day(2, 14, 20),
            { "visitStart": at(on(3), 0), "visitEnd": null, "recordableDay": false,
              "denyCause": "Выходной <праздничный>", "appointments": [] },
            // Another week's day: not shown on this one.
            { "visitStart": at(in_days(1), 8), "visitEnd": at(in_days(1), 9), "recordableDay": true }
        ])),
    )
    .await;
    let (_h, mut bot) = at_card(&server).await;
    bot.dispatch().await;
    edited(&bot.get_responses());
    edited(&tap_on(&mut bot, "bk:s:0").await);
    edited(&tap_on(&mut bot, "bk:d:0").await);
    let (text, kb) = edited(&tap_on(&mut bot, &format!("bk:wk:{}", monday.format("%Y%m%d"))).await);
    assert!(
        text.starts_with(&format!(
            "{DEMO}<b>Иванова Анна Сергеевна</b>, Терапевт, 14-д участок\nℹ️ <i>Командировки служебные</i>\n\n\
             Выберите день (в скобках — свободные талоны):\nНеделя "
        )),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(
            ": {}\nПриём на этой неделе:\n\
             {} — 08:00–14:00\n\
             {} — записи нет: Отпуск\n\
             {} — 14:00–20:00\n\
             {} — записи нет: Выходной &lt;праздничный&gt;{FOR_ME}",
            week_dates(monday),
            day_label(on(0)),
            day_label(on(1)),
            day_label(on(2)),
            day_label(on(3)),
        )),
        "{text}"
    );
    assert_eq!(
        kb[0],
        vec![button(
            &format!("{} (1)", day_label(in_days(36))),
            &format!("bk:day:{}", in_days(36).format("%Y%m%d"))
        )]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_timetable_leaves_the_days_screen_as_it_is_without_hours() {
    let server = live_registry().await;
    get(
        &server,
        "/schedule/lpu/111/doctor/d1/timetable",
        ResponseTemplate::new(503),
    )
    .await;
    let (_h, mut bot) = at_card(&server).await;
    bot.dispatch().await;
    edited(&bot.get_responses());
    edited(&tap_on(&mut bot, "bk:s:0").await);
    let (text, kb) = edited(&tap_on(&mut bot, "bk:d:0").await);
    assert!(text.contains("Выберите день"), "{text}");
    assert!(!text.contains("Приём на этой неделе"), "{text}");
    let first = in_days(SLOT_DAYS[0]);
    assert_eq!(
        kb[0][0],
        button(
            &format!("{} (2)", day_label(first)),
            &format!("bk:day:{}", first.format("%Y%m%d"))
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_timetable_does_not_hold_the_days_screen() {
    let server = live_registry().await;
    get(
        &server,
        "/schedule/lpu/111/doctor/d1/timetable",
        ok(json!([])).set_delay(std::time::Duration::from_secs(30)),
    )
    .await;
    let (_h, mut bot) = at_card(&server).await;
    bot.dispatch().await;
    edited(&bot.get_responses());
    edited(&tap_on(&mut bot, "bk:s:0").await);
    let started = std::time::Instant::now();
    let (text, _) = edited(&tap_on(&mut bot, "bk:d:0").await);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(text.contains("Неделя 1 из "), "{text}");
    assert!(!text.contains("Приём на этой неделе"), "{text}");
}
