//! Journey 4: «Записаться» → district → clinic type → clinics, paged → the clinic card; «Назад» at every
//! level, stale buttons, an empty district, and the registry down or slow.

use std::time::{Duration, Instant};

use kvrachu_bot::bot::clinics::{self, Step};
use kvrachu_bot::bot::State;
use serde_json::json;
use teloxide_tests::{MockCallbackQuery, MockUser};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::*;

const DEMO: &str =
    "🧪 <i>Демо-режим: учебные поликлиники и тестовый вход через Госуслуги, настоящие записи не создаются.</i>\n\n";

fn rows(items: &[&[&str]]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|row| row.iter().map(|s| s.to_string()).collect())
        .collect()
}

/// A consented user who can book (so «Записаться» has nothing to say before the districts).
async fn at_menu() -> Harness {
    let h = Harness::new().await;
    h.consented().await;
    link_gosuslugi(&h, true).await;
    h
}

fn irkutsk_adult(page: u32) -> State {
    State::Clinics(Step::Clinics {
        district: "1".into(),
        kind: "Поликлиника".into(),
        page,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn book_shows_the_ten_districts_two_per_row_in_place_of_the_menu() {
    let h = at_menu().await;
    let mut bot = h.bot(tap("s:book"));
    bot.dispatch().await;
    let (text, kb) = edited(&bot.get_responses());
    assert_eq!(
        text,
        format!("{DEMO}<b>Запись к врачу</b>\nВыберите район:")
    );
    assert_eq!(
        labels(&kb),
        rows(&[
            &["г. Иркутск", "Иркутский район"],
            &["Шелеховский район", "г. Ангарск"],
            &["г. Усолье-Сибирское", "Усольский район"],
            &["г. Братск", "Братский район"],
            &["г. Усть-Илимск", "Усть-Илимский район"],
            &["« Меню"],
        ])
    );
    for (_, data) in kb.iter().flatten() {
        assert!(data.len() <= 64 && data.starts_with("cl:d:") || data == "menu");
    }
    assert_eq!(
        bot.get_state::<State>().await,
        State::Clinics(Step::Districts)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_journey_goes_from_district_to_card_with_paging_and_back_at_every_level() {
    let h = at_menu().await;
    let mut bot = h.bot(tap("s:book"));
    bot.dispatch().await;
    let (_, districts) = edited(&bot.get_responses());

    // District → the types present there, with counts.
    let (text, types) = edited(&tap_on(&mut bot, &data_of(&districts, "г. Иркутск")).await);
    assert_eq!(
        text,
        format!("{DEMO}<b>г. Иркутск</b>\nКакая поликлиника нужна?")
    );
    assert_eq!(
        labels(&types),
        // The demo's 2025–26 types: adults' polyclinics first, «Детская психиатрия» a kind of its own.
        rows(&[
            &["Взрослая поликлиника (14)"],
            &["Детская поликлиника (4)"],
            &["Стоматология (3)"],
            &["Женская консультация (2)"],
            &["Больница (1)"],
            &["Дерматология и венерология (1)"],
            &["Психиатрия (1)"],
            &["Детская психиатрия (1)"],
            &["« Назад"],
        ])
    );

    // Type → the first page of six, with the pager.
    let (text, page1) =
        edited(&tap_on(&mut bot, &data_of(&types, "Взрослая поликлиника (14)")).await);
    assert_eq!(
        text,
        format!(
            "{DEMO}<b>Взрослая поликлиника</b> · г. Иркутск\nВыберите поликлинику:\nСтраница 1 из 3"
        )
    );
    assert_eq!(
        labels(&page1),
        rows(&[
            &["Поликлиника № 1"],
            &["Поликлиника № 2"],
            &["Поликлиника № 3"],
            &["Поликлиника № 4"],
            &["Поликлиника № 5"],
            &["Поликлиника № 6"],
            &["· 1 ·", "2", "3", "›"],
            &["« Назад"],
        ])
    );
    assert_eq!(bot.get_state::<State>().await, irkutsk_adult(1));

    // Forward with «›», then to the last page by number, then back with «‹».
    let (_, page2) = edited(&tap_on(&mut bot, &data_of(&page1, "›")).await);
    assert_eq!(
        labels(&page2),
        rows(&[
            &["Поликлиника № 8"],
            &["Поликлиника № 9"],
            &["Поликлиника № 10"],
            &["Поликлиника № 11"],
            &["Поликлиника № 12"],
            &["Поликлиника № 15"],
            &["‹", "1", "· 2 ·", "3", "›"],
            &["« Назад"],
        ])
    );
    let (text, page3) = edited(&tap_on(&mut bot, &data_of(&page2, "3")).await);
    assert!(text.ends_with("Страница 3 из 3"), "{text}");
    assert_eq!(
        labels(&page3),
        rows(&[
            &["Поликлиника № 17"],
            &["Поликлиника ИГКБ № 1"],
            &["‹", "1", "2", "· 3 ·"],
            &["« Назад"],
        ])
    );
    let (_, again2) = edited(&tap_on(&mut bot, &data_of(&page3, "‹")).await);
    assert_eq!(again2, page2);
    assert_eq!(bot.get_state::<State>().await, irkutsk_adult(2));

    // The card: full name, type, address, phone; a map pin and the booking entry.
    let (text, card) = edited(&tap_on(&mut bot, &data_of(&page2, "Поликлиника № 11")).await);
    assert_eq!(
        text,
        format!(
            "{DEMO}<b>ОГАУЗ &quot;Иркутская городская поликлиника № 11&quot;</b>\n\
             Взрослая поликлиника\n\n\
             📍 г. Иркутск, ул. Ядринцева, 1\n\
             ☎️ +7 3952 29-11-11\n\
             ✉️ lpu111@demo.kvrachu.invalid"
        )
    );
    assert_eq!(
        card,
        vec![
            vec![
                ("📍 На карте".to_owned(), "cl:m".to_owned()),
                ("🩺 Записаться".to_owned(), "cl:b".to_owned())
            ],
            vec![("« Назад".to_owned(), "cl:bl".to_owned())],
        ]
    );
    assert_eq!(
        bot.get_state::<State>().await,
        State::Clinics(Step::Card {
            district: "1".into(),
            kind: "Поликлиника".into(),
            page: 2,
            clinic: 111
        })
    );

    // «Назад» climbs back one list at a time, to the same page.
    let (_, back_to_list) = edited(&tap_on(&mut bot, "cl:bl").await);
    assert_eq!(back_to_list, page2);
    let (_, back_to_types) = edited(&tap_on(&mut bot, "cl:bk").await);
    assert_eq!(back_to_types, types);
    let (_, back_to_districts) = edited(&tap_on(&mut bot, "cl:bd").await);
    assert_eq!(back_to_districts, districts);
    let (text, _) = edited(&tap_on(&mut bot, "menu").await);
    assert!(text.contains("Главное меню"), "{text}");
    assert_eq!(bot.get_state::<State>().await, State::Menu);
}

async fn at_card_of_11(h: &Harness) -> Bot {
    h.storage
        .clone()
        .update_dialogue(
            teloxide::types::ChatId(USER),
            State::Clinics(Step::Card {
                district: "1".into(),
                kind: "Поликлиника".into(),
                page: 2,
                clinic: 111,
            }),
        )
        .await
        .unwrap();
    h.bot(tap("cl:r"))
}

#[tokio::test(flavor = "multi_thread")]
async fn on_the_map_sends_the_clinic_as_a_venue() {
    let h = at_menu().await;
    let mut bot = at_card_of_11(&h).await;
    let responses = tap_on(&mut bot, "cl:m").await;
    assert_eq!(responses.answered_callback_queries.len(), 1);
    let venue = &responses.sent_messages_venue[0].bot_request;
    assert_eq!(
        (
            venue.latitude,
            venue.longitude,
            venue.title.as_str(),
            venue.address.as_str()
        ),
        (
            52.2589,
            104.3203,
            "Поликлиника № 11",
            "г. Иркутск, ул. Ядринцева, 1"
        )
    );
    assert!(responses.edited_messages_text.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn book_on_the_card_opens_the_booking_at_that_clinic() {
    let h = at_menu().await;
    let mut bot = at_card_of_11(&h).await;
    tap_on(&mut bot, "cl:r").await;
    let (text, _) = edited(&tap_on(&mut bot, "cl:b").await);
    assert!(text.contains("Выберите специальность"), "{text}");
    assert!(matches!(
        bot.get_state::<State>().await,
        State::Booking(kvrachu_bot::bot::booking::Here::Flow(_))
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_button_from_an_old_message_gets_a_notice_and_the_current_step_again() {
    let h = at_menu().await;
    let mut bot = at_card_of_11(&h).await;
    // A district button from an earlier districts screen, tapped while the card is shown.
    let districts_data =
        kvrachu_bot::bot::Cb::Clinics(clinics::Cb::District(clinics::Tag::of("1"))).encode();
    for stale in [
        districts_data.as_str(),
        "cl:bk",
        "cl:zzz",
        "cl:p:00000000:00000000:2",
    ] {
        let responses = tap_on(&mut bot, stale).await;
        assert_eq!(
            responses.answered_callback_queries[0].text.as_deref(),
            Some("Эта кнопка устарела — показываю актуальный шаг."),
            "{stale}"
        );
        let shown = &responses.sent_messages_text[0].message;
        assert!(
            shown
                .text()
                .unwrap()
                .contains("Иркутская городская поликлиника № 11"),
            "{stale}"
        );
        assert_eq!(
            message_keyboard(shown)[1],
            vec![("« Назад".to_owned(), "cl:bl".to_owned())]
        );
    }
    assert_eq!(
        bot.get_state::<State>().await,
        State::Clinics(Step::Card {
            district: "1".into(),
            kind: "Поликлиника".into(),
            page: 2,
            clinic: 111
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_journey_button_tapped_from_the_menu_is_stale() {
    let h = at_menu().await;
    let mut bot = h.bot(tap("cl:bl"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(
        responses.answered_callback_queries[0].text.as_deref(),
        Some("Эта кнопка устарела — показываю актуальный шаг.")
    );
    assert!(responses.sent_messages_text[0]
        .message
        .text()
        .unwrap()
        .contains("Главное меню"));
}

fn ok(result: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "result": result, "success": true, "errorCode": 0, "message": null
    }))
}

async fn registry_with(districts: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/shared/districts"))
        .respond_with(ok(districts))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_district_says_so_and_offers_only_back() {
    let server = registry_with(json!([
        { "id": "1", "name": "г. Иркутск" },
        { "id": "x-very-long-district-id-".repeat(5), "name": "Пустой район" }
    ]))
    .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/shared/district/{}/lpus",
            "x-very-long-district-id-".repeat(5)
        )))
        .respond_with(ok(json!([])))
        .mount(&server)
        .await;
    let h = Harness::with_registry_url(&server.uri()).await;
    link_gosuslugi(&h, true).await;
    h.consented().await;
    let mut bot = h.bot(tap("s:book"));
    bot.dispatch().await;
    let (_, districts) = edited(&bot.get_responses());
    let data = data_of(&districts, "Пустой район");
    assert!(data.len() <= 64, "{data}");

    let (text, kb) = edited(&tap_on(&mut bot, &data).await);
    assert_eq!(
        text,
        format!(
            "{DEMO}<b>Пустой район</b>\nВ этом районе пока нет поликлиник с записью через интернет. Выберите другой район."
        )
    );
    assert_eq!(kb, vec![vec![("« Назад".to_owned(), "cl:bd".to_owned())]]);
    let (_, back) = edited(&tap_on(&mut bot, "cl:bd").await);
    assert_eq!(back, districts);
}

#[tokio::test(flavor = "multi_thread")]
async fn registry_down_shows_unavailable_with_retry_and_retry_works_once_it_is_back() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let h = Harness::with_registry_url(&server.uri()).await;
    link_gosuslugi(&h, true).await;
    h.consented().await;
    let mut bot = h.bot(tap("s:book"));
    bot.dispatch().await;
    let (text, kb) = edited(&bot.get_responses());
    assert_eq!(
        text,
        format!("{DEMO}Сервис записи временно недоступен, попробуйте позже.")
    );
    assert_eq!(
        kb,
        vec![
            vec![("🔄 Повторить".to_owned(), "cl:r".to_owned())],
            vec![("« Меню".to_owned(), "menu".to_owned())],
        ]
    );
    assert_eq!(
        bot.get_state::<State>().await,
        State::Clinics(Step::Districts)
    );

    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/shared/districts"))
        .respond_with(ok(json!([{ "id": "1", "name": "г. Иркутск" }])))
        .mount(&server)
        .await;
    let (_, kb) = edited(&tap_on(&mut bot, "cl:r").await);
    assert_eq!(labels(&kb), rows(&[&["г. Иркутск"], &["« Меню"]]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_registry_gives_the_unavailable_screen_in_english_well_within_25_seconds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ok(json!([])).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let h = Harness::with_registry_url(&server.uri()).await;
    link_gosuslugi(&h, true).await;
    h.consented().await;
    let english = MockUser::new().language_code("en").build();
    let mut bot = h.bot(MockCallbackQuery::new().data("s:book").from(english));
    let started = Instant::now();
    bot.dispatch().await;
    let elapsed = started.elapsed();
    let (text, kb) = edited(&bot.get_responses());
    assert!(
        text.ends_with("The booking service is temporarily unavailable, please try again later."),
        "{text}"
    );
    assert_eq!(kb[0], vec![("🔄 Retry".to_owned(), "cl:r".to_owned())]);
    assert!(elapsed < Duration::from_secs(25), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registry_refusal_shows_its_own_words_escaped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "result": null, "success": false, "errorCode": 77, "message": "Технические работы <до 18:00>"
        })))
        .mount(&server)
        .await;
    let h = Harness::with_registry_url(&server.uri()).await;
    link_gosuslugi(&h, true).await;
    h.consented().await;
    let mut bot = h.bot(tap("s:book"));
    bot.dispatch().await;
    let (text, _) = edited(&bot.get_responses());
    assert_eq!(
        text,
        format!("{DEMO}Система записи ответила: Технические работы &lt;до 18:00&gt;")
    );
}

/// The clinics of district 1 as the live service wrote their kinds over the years: two spellings of the
/// adult polyclinic (2023 and 2025), two of the children's, the children's psychiatry that a substring match
/// took for a children's polyclinic, and a kind nobody has seen before.
async fn registry_with_live_kinds() -> MockServer {
    let server = registry_with(json!([{ "id": "1", "name": "Санкт-Петербург" }])).await;
    let clinic = |id: i64, name: &str, kind: &str| json!({ "id": id, "lpuShortName": name, "lpuFullName": name, "lpuType": kind, "districtId": 1, "isActive": true });
    Mock::given(method("GET"))
        .and(path("/shared/district/1/lpus"))
        .respond_with(ok(json!([
            clinic(1, "ГП № 1", "Поликлиника взрослая"),
            clinic(2, "ПНД № 2", "Детская психиатрия"),
            clinic(3, "ДП № 3", "Детская поликлиника"),
            clinic(4, "Санаторий «Сосны»", "Санаторий"),
            clinic(5, "ГП № 5", "Поликлиника"),
            clinic(6, "Больница № 6", "Больница"),
            clinic(7, "ДП № 7", "Поликлиника детская"),
            clinic(8, "ЖК № 8", "Женская консультация"),
            clinic(9, "ПНД № 9", "Психиатрия"),
        ])))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn live_kinds_are_one_button_each_adults_first_and_an_unknown_one_under_its_own_name() {
    let server = registry_with_live_kinds().await;
    let h = Harness::with_registry_url(&server.uri()).await;
    link_gosuslugi(&h, true).await;
    h.consented().await;
    let mut bot = h.bot(tap("s:book"));
    bot.dispatch().await;
    let (_, districts) = edited(&bot.get_responses());
    let (_, kinds) = edited(&tap_on(&mut bot, &data_of(&districts, "Санкт-Петербург")).await);
    assert_eq!(
        labels(&kinds),
        rows(&[
            &["Взрослая поликлиника (2)"],
            &["Детская поликлиника (2)"],
            &["Женская консультация (1)"],
            &["Больница (1)"],
            &["Психиатрия (1)"],
            &["Детская психиатрия (1)"],
            &["Санаторий (1)"],
            &["« Назад"],
        ])
    );

    // One button lists both spellings of the adult polyclinic.
    let (text, list) =
        edited(&tap_on(&mut bot, &data_of(&kinds, "Взрослая поликлиника (2)")).await);
    assert_eq!(
        text,
        format!("{DEMO}<b>Взрослая поликлиника</b> · Санкт-Петербург\nВыберите поликлинику:")
    );
    assert_eq!(
        list,
        vec![
            vec![("ГП № 1".to_owned(), "cl:c:1".to_owned())],
            vec![("ГП № 5".to_owned(), "cl:c:5".to_owned())],
            vec![("« Назад".to_owned(), "cl:bk".to_owned())],
        ]
    );
    assert_eq!(
        bot.get_state::<State>().await,
        State::Clinics(Step::Clinics {
            district: "1".into(),
            kind: kvrachu_bot::domain::ClinicKind::AdultPolyclinic,
            page: 1,
        })
    );

    // Children's psychiatry is not a children's polyclinic; the unknown kind lists its own clinic.
    edited(&tap_on(&mut bot, "cl:bk").await);
    let (_, list) = edited(&tap_on(&mut bot, &data_of(&kinds, "Детская поликлиника (2)")).await);
    assert_eq!(
        labels(&list),
        rows(&[&["ДП № 3"], &["ДП № 7"], &["« Назад"]])
    );
    edited(&tap_on(&mut bot, "cl:bk").await);
    let (text, list) = edited(&tap_on(&mut bot, &data_of(&kinds, "Санаторий (1)")).await);
    assert!(
        text.contains("<b>Санаторий</b> · Санкт-Петербург"),
        "{text}"
    );
    assert_eq!(labels(&list), rows(&[&["Санаторий «Сосны»"], &["« Назад"]]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dialogue_stored_with_the_registrys_kind_still_lists_its_clinics() {
    let server = registry_with_live_kinds().await;
    let h = Harness::with_registry_url(&server.uri()).await;
    link_gosuslugi(&h, true).await;
    h.consented().await;
    // Stored before kinds were classified: the kind is the registry's own value.
    let stored: State = serde_json::from_value(json!({
        "Clinics": { "Clinics": { "district": "1", "kind": "Поликлиника взрослая", "page": 1 } }
    }))
    .unwrap();
    h.storage
        .clone()
        .update_dialogue(teloxide::types::ChatId(USER), stored)
        .await
        .unwrap();
    let mut bot = h.bot(tap("cl:r"));
    bot.dispatch().await;
    let (_, list) = edited(&bot.get_responses());
    assert_eq!(
        labels(&list),
        rows(&[&["ГП № 1"], &["ГП № 5"], &["« Назад"]])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn taps_that_cost_a_registry_call_are_limited_per_user() {
    let mut h = at_menu().await;
    // Three at once, then one an hour: the test does not race the clock.
    let ctx = std::sync::Arc::get_mut(&mut h.ctx).expect("nobody else holds the context yet");
    ctx.taps = std::sync::Arc::new(kvrachu_bot::bot::ctx::TapLimiter::with(
        3,
        Duration::from_secs(3600),
    ));
    let too_fast = "Слишком часто — подождите пару секунд и нажмите снова.";
    for n in 0..5 {
        let mut bot = h.bot(tap("s:book"));
        bot.dispatch().await;
        let responses = bot.get_responses();
        let toast = responses.answered_callback_queries[0].text.clone();
        if n < 3 {
            assert_ne!(toast.as_deref(), Some(too_fast), "tap {n}");
            assert_eq!(responses.edited_messages_text.len(), 1, "tap {n}");
        } else {
            assert_eq!(toast.as_deref(), Some(too_fast), "tap {n}");
            // Nothing else happens: no screen, no registry call.
            assert!(responses.edited_messages_text.is_empty());
            assert!(responses.sent_messages_text.is_empty());
        }
    }
    // Taps that cost nothing are never limited.
    let mut bot = h.bot(tap("menu"));
    bot.dispatch().await;
    assert_eq!(bot.get_responses().answered_callback_queries[0].text, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn for_a_child_the_childrens_kinds_come_first_and_the_adults_last() {
    let h = at_menu().await;
    let child = add_child(
        &h,
        "Иванова Мария Ивановна",
        kvrachu_bot::domain::Sex::Female,
        2018,
    )
    .await;
    h.store()
        .set_active_person(USER, Some(child))
        .await
        .unwrap();
    let mut bot = h.bot(tap("s:book"));
    bot.dispatch().await;
    let (_, districts) = edited(&bot.get_responses());
    let (_, types) = edited(&tap_on(&mut bot, &data_of(&districts, "г. Иркутск")).await);
    assert_eq!(
        labels(&types),
        rows(&[
            &["Детская поликлиника (4)"],
            &["Детская психиатрия (1)"],
            &["Стоматология (3)"],
            &["Больница (1)"],
            &["Дерматология и венерология (1)"],
            &["Взрослая поликлиника (14)"],
            &["Женская консультация (2)"],
            &["Психиатрия (1)"],
            &["« Назад"],
        ])
    );
}
