//! Journey 1: /start, consent, the menu, /cancel, /language, /privacy, /forget, groups, stale state.

use kvrachu_bot::bot::State;
use teloxide_tests::{MockGroupChat, MockMessageText, MockUser};

use crate::*;

fn menu_rows_ru() -> Vec<Vec<(String, String)>> {
    let row = |items: &[(&str, &str)]| {
        items
            .iter()
            .map(|(l, d)| (l.to_string(), d.to_string()))
            .collect::<Vec<_>>()
    };
    vec![
        row(&[("🏛 Госуслуги", "s:gu")]),
        row(&[("🩺 Записаться", "s:book"), ("📋 Мои записи", "s:appts")]),
        row(&[("👨‍👩‍👧 Мои дети", "s:kids"), ("⚙️ Настройки", "s:set")]),
        row(&[("👤 Для кого: Я", "k:who")]),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn start_greets_in_russian_and_asks_for_consent_before_anything_personal() {
    let h = Harness::new().await;
    let mut bot = h.bot(text("/start"));
    bot.dispatch().await;

    let responses = bot.get_responses();
    assert_eq!(responses.sent_messages_text.len(), 1);
    let sent = &responses.sent_messages_text[0];
    let body = sent.message.text().unwrap();
    assert!(body.starts_with("🧪 <i>Демо-режим"), "{body}");
    assert!(body.contains("Здравствуйте!"), "{body}");
    assert!(body.contains("152-ФЗ"), "{body}");
    assert_eq!(
        message_keyboard(&sent.message),
        vec![
            vec![("✅ Согласен".to_owned(), "consent".to_owned())],
            vec![
                ("Подробнее".to_owned(), "privacy".to_owned()),
                ("🌐 Язык / Language".to_owned(), "lang".to_owned())
            ],
        ]
    );
    assert_eq!(bot.get_state::<State>().await, State::Start);
    assert_eq!(
        h.store().user(USER).await.unwrap().unwrap().consent_at,
        None
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_greeting_names_the_region_and_the_demo_registry_has_the_demo_line() {
    // The default: the demo registry in the Irkutsk region.
    let h = Harness::new().await;
    let mut bot = h.bot(text("/start"));
    bot.dispatch().await;
    let body = bot.get_responses().sent_messages_text[0]
        .message
        .text()
        .unwrap()
        .to_owned();
    assert!(
        body.starts_with(
            "🧪 <i>Демо-режим: учебные поликлиники и тестовый вход через Госуслуги, настоящие записи не создаются.</i>\n\n\
             Здравствуйте! Я помогу записаться к врачу — себя и детей до 14 лет — и напомню о приёме.\n\
             Регион: Иркутская область.\n\n"
        ),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_registry_has_no_demo_line_even_with_the_demo_gosuslugi_login() {
    let h = Harness::with_settings(settings(&[
        ("REGISTRY_URL", "https://gorzdrav.spb.ru/_api/api/v2"),
        ("REGION_TZ", "Europe/Moscow"),
        ("REGION_NAME", "Санкт-Петербург"),
    ]))
    .await;
    let mut bot = h.bot(text("/start"));
    bot.dispatch().await;
    let body = bot.get_responses().sent_messages_text[0]
        .message
        .text()
        .unwrap()
        .to_owned();
    assert!(
        body.starts_with(
            "Здравствуйте! Я помогу записаться к врачу — себя и детей до 14 лет — и напомню о приёме.\n\
             Регион: Санкт-Петербург.\n\n"
        ),
        "{body}"
    );
    assert!(!body.contains("Демо-режим"), "{body}");
    assert!(!body.contains("Иркут"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn start_speaks_english_to_an_english_client() {
    let h = Harness::new().await;
    let user = MockUser::new().language_code("en").build();
    let mut bot = h.bot(MockMessageText::new().text("/start").from(user));
    bot.dispatch().await;
    let body = bot.get_responses().sent_messages_text[0]
        .message
        .text()
        .unwrap()
        .to_owned();
    assert!(body.starts_with("🧪 <i>Demo mode"), "{body}");
    assert!(body.contains("Hello!"), "{body}");
    assert!(
        body.contains("I agree") || body.contains("«I agree»"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn consent_is_stored_with_its_time_and_the_menu_replaces_the_notice() {
    let h = Harness::new().await;
    let mut bot = h.bot(tap("consent"));
    let before = chrono::Utc::now().timestamp();
    bot.dispatch().await;

    let responses = bot.get_responses();
    assert_eq!(responses.answered_callback_queries.len(), 1);
    assert_eq!(
        responses.answered_callback_queries[0].text.as_deref(),
        Some("Спасибо! Согласие сохранено.")
    );
    assert!(
        responses.sent_messages_text.is_empty(),
        "the menu is edited in place"
    );
    let edited = &responses.edited_messages_text[0];
    assert!(edited.message.text().unwrap().contains("Главное меню"));
    assert_eq!(message_keyboard(&edited.message), menu_rows_ru());

    let consent_at = h
        .store()
        .user(USER)
        .await
        .unwrap()
        .unwrap()
        .consent_at
        .unwrap();
    assert!(consent_at >= before && consent_at <= chrono::Utc::now().timestamp());
    assert_eq!(bot.get_state::<State>().await, State::Menu);
}

#[tokio::test(flavor = "multi_thread")]
async fn start_after_consent_shows_the_menu() {
    let h = Harness::new().await;
    h.consented().await;
    let mut bot = h.bot(text("/start"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    let texts: Vec<_> = responses
        .sent_messages_text
        .iter()
        .map(|m| m.message.text().unwrap().to_owned())
        .collect();
    // The menu at once, without a «С возвращением!» line before it.
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains("<b>Главное меню</b>"), "{texts:?}");
    assert_eq!(
        message_keyboard(&responses.sent_messages_text[0].message),
        menu_rows_ru()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn menu_buttons_need_consent_first() {
    let h = Harness::new().await;
    let mut bot = h.bot(tap("s:book"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(
        responses.answered_callback_queries[0].text.as_deref(),
        Some("Сначала нужно согласие на обработку персональных данных — кнопка «Согласен» ниже.")
    );
    let edited = &responses.edited_messages_text[0].message;
    assert_eq!(
        message_keyboard(edited)[0],
        vec![("✅ Согласен".to_owned(), "consent".to_owned())]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_before_consent_shows_the_notice_again_and_stores_nothing() {
    let h = Harness::new().await;
    let mut bot = h.bot(text("Иванова Мария Ивановна"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(
        responses.sent_messages_text[0].message.text(),
        Some("Сначала нужно согласие на обработку персональных данных — кнопка «Согласен» ниже.")
    );
    assert!(
        datas(&message_keyboard(&responses.sent_messages_text[1].message))
            .contains(&"consent".to_owned())
    );
    assert_eq!(bot.get_state::<State>().await, State::Start);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_leaves_a_half_answered_question_for_the_menu() {
    let h = Harness::new().await;
    h.consented().await;
    let mut bot = h.bot(text("/cancel"));
    bot.set_state(State::ConfirmForget).await;
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(
        responses.sent_messages_text[0].message.text(),
        Some("Хорошо, отменено. Возвращаю в меню.")
    );
    assert_eq!(
        message_keyboard(&responses.sent_messages_text[1].message),
        menu_rows_ru()
    );
    assert_eq!(bot.get_state::<State>().await, State::Menu);
}

#[tokio::test(flavor = "multi_thread")]
async fn language_is_switched_and_remembered() {
    let h = Harness::new().await;
    h.consented().await;
    let mut bot = h.bot(text("/language"));
    bot.dispatch().await;
    let picker = &bot.get_responses().sent_messages_text[0].message;
    assert_eq!(
        message_keyboard(picker),
        vec![vec![
            ("Русский".to_owned(), "lang:ru".to_owned()),
            ("English".to_owned(), "lang:en".to_owned())
        ]]
    );

    bot.update(tap("lang:en"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(
        responses.answered_callback_queries[0].text.as_deref(),
        Some("Language: English")
    );
    let menu = &responses.edited_messages_text[0].message;
    assert!(menu.text().unwrap().contains("Main menu"));
    assert_eq!(message_keyboard(menu)[0][0].0, "🏛 Gosuslugi");
    assert_eq!(
        h.store().user(USER).await.unwrap().unwrap().lang,
        Some(kvrachu_bot::i18n::Lang::En)
    );

    // The stored choice wins over the Russian client.
    bot.update(text("/help"));
    bot.dispatch().await;
    let help = bot.get_responses().sent_messages_text[0]
        .message
        .text()
        .unwrap()
        .to_owned();
    assert!(help.starts_with("<b>What I can do"), "{help}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_button_that_does_not_decode_is_answered_and_the_current_step_shown() {
    let h = Harness::new().await;
    h.consented().await;
    let mut bot = h.bot(tap("zz:9:garbage"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(
        responses.answered_callback_queries[0].text.as_deref(),
        Some("Эта кнопка устарела — показываю актуальный шаг.")
    );
    assert_eq!(
        message_keyboard(&responses.sent_messages_text[0].message),
        menu_rows_ru()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_yes_to_deletion_does_nothing_when_the_question_is_closed() {
    let h = Harness::new().await;
    h.consented().await;
    let mut bot = h.bot(tap("fg:y"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(
        responses.answered_callback_queries[0].text.as_deref(),
        Some("Эта кнопка устарела — показываю актуальный шаг.")
    );
    assert!(h.store().user(USER).await.unwrap().unwrap().has_consented());
}

#[tokio::test(flavor = "multi_thread")]
async fn forget_deletes_everything_after_a_confirmation() {
    let h = Harness::new().await;
    h.consented().await;
    h.store()
        .set_lang(USER, kvrachu_bot::i18n::Lang::Ru)
        .await
        .unwrap();
    let mut bot = h.bot(text("/forget"));
    bot.dispatch().await;
    let question = &bot.get_responses().sent_messages_text[0].message;
    assert!(question
        .text()
        .unwrap()
        .contains("Удалить все ваши данные?"));
    assert_eq!(
        message_keyboard(question),
        vec![vec![
            ("Да, удалить всё".to_owned(), "fg:y".to_owned()),
            ("Нет".to_owned(), "fg:n".to_owned())
        ]]
    );
    assert_eq!(bot.get_state::<State>().await, State::ConfirmForget);

    bot.update(tap("fg:y"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(
        responses.edited_messages_text[0].message.text(),
        Some("Все ваши данные удалены. Если захотите вернуться — нажмите /start.")
    );
    let user = h.store().user(USER).await.unwrap();
    assert!(user.is_none() || !user.unwrap().has_consented());
    assert_eq!(bot.get_state::<State>().await, State::Start);
}

#[tokio::test(flavor = "multi_thread")]
async fn privacy_explains_what_is_stored() {
    let h = Harness::new().await;
    h.consented().await;
    let mut bot = h.bot(text("/privacy"));
    bot.dispatch().await;
    let message = &bot.get_responses().sent_messages_text[0].message;
    let body = message.text().unwrap();
    assert!(body.contains("Какие данные я храню и зачем"));
    assert!(body.contains("/forget"));
    assert_eq!(datas(&message_keyboard(message)), vec!["fg:ask", "menu"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_chat_gets_one_line_pointing_to_a_private_chat() {
    let h = Harness::new().await;
    let mut bot = h.bot(text("/start").chat(MockGroupChat::new().build()));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(responses.sent_messages_text.len(), 1);
    let line = responses.sent_messages_text[0].message.text().unwrap();
    assert_eq!(
        line,
        "Я работаю только в личном чате, чтобы не показывать здесь личные данные: напишите мне — @test_bot"
    );
    assert!(message_keyboard(&responses.sent_messages_text[0].message).is_empty());
    assert!(
        h.store().user(USER).await.unwrap().is_none(),
        "nothing is stored from a group"
    );

    // Ordinary group chatter is not addressed to the bot.
    bot.update(text("привет всем").chat(MockGroupChat::new().build()));
    bot.dispatch().await;
    assert!(bot.get_responses().sent_messages_text.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_that_no_longer_decodes_resets_the_user_politely() {
    let h = Harness::new().await;
    h.consented().await;
    h.store()
        .overwrite_dialogue_json_for_tests(USER, br#"{"RemovedInThisRelease":{"x":1}}"#)
        .await
        .unwrap();
    let mut bot = h.bot(text("Иванова"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert!(responses.sent_messages_text[0]
        .message
        .text()
        .unwrap()
        .starts_with("Извините, бот обновился"));
    assert_eq!(
        message_keyboard(&responses.sent_messages_text[1].message),
        menu_rows_ru()
    );
    assert_eq!(bot.get_state::<State>().await, State::Menu);
}

#[tokio::test(flavor = "multi_thread")]
async fn text_nobody_asked_for_points_to_the_buttons_already_on_screen() {
    let h = Harness::new().await;
    h.consented().await;
    crate::booking::set_state(&h, State::ConfirmForget).await;
    let mut bot = h.bot(text("когда приём?"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    let sent: Vec<_> = responses
        .sent_messages_text
        .iter()
        .map(|m| m.message.text())
        .collect();
    assert_eq!(
        sent,
        vec![Some(
            "Я не жду сейчас текста. Выберите кнопкой в сообщении выше."
        )]
    );
    assert_eq!(bot.get_state::<State>().await, State::ConfirmForget);
}

#[tokio::test(flavor = "multi_thread")]
async fn text_at_the_menu_before_any_clinic_is_known_says_how_to_choose_one() {
    let h = Harness::new().await;
    h.consented().await;
    let mut bot = h.bot(text("когда приём?"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(responses.sent_messages_text.len(), 1);
    assert_eq!(
        responses.sent_messages_text[0].message.text(),
        Some("Не знаю вашу поликлинику: нажмите «Записаться» и выберите её. Потом можно просто написать, например, «педиатр».")
    );
    assert_eq!(bot.get_state::<State>().await, State::Menu);
}
