//! Journey 2: «Госуслуги» — the login button, the personal data card, unlinking, the not-confirmed account.

use kvrachu_bot::bot::gosuslugi::Step;
use kvrachu_bot::bot::State;
use kvrachu_bot::domain::{BirthDate, PolicyNumber, Sex};
use kvrachu_bot::esia::{AccountLevel, EsiaKid, EsiaLink};
use teloxide::types::ChatId;

use crate::*;

const DEMO: &str = "🧪 <i>Демо-режим: учебные поликлиники и тестовый вход через Госуслуги, настоящие записи не создаются.</i>";

fn row(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(l, d)| (l.to_string(), d.to_string()))
        .collect()
}

fn link(level: AccountLevel) -> EsiaLink {
    EsiaLink {
        oid: "1000000001".into(),
        level,
        person: kvrachu_bot::esia::EsiaPerson {
            full_name: "Иванова Анна Сергеевна".into(),
            birth_date: Some(BirthDate::from_esia("12.03.1988").unwrap()),
            sex: Some(Sex::Female),
            policy: Some(PolicyNumber::parse_new("3841500000012340").unwrap()),
        },
        insurer: Some("ИРКУТСКИЙ ФИЛИАЛ АО \"СТРАХОВАЯ КОМПАНИЯ СОГАЗ-МЕД\"".into()),
        attachment: None,
        kids: vec![
            EsiaKid {
                esia_id: Some("7001".into()),
                person: kvrachu_bot::esia::EsiaPerson {
                    full_name: "Иванова Мария Ивановна".into(),
                    birth_date: Some(BirthDate::from_esia("01.12.2015").unwrap()),
                    sex: Some(Sex::Female),
                    policy: Some(PolicyNumber::parse_new("3841500000000022").unwrap()),
                },
            },
            EsiaKid {
                esia_id: Some("7002".into()),
                person: kvrachu_bot::esia::EsiaPerson {
                    full_name: "Иванов Пётр Иванович".into(),
                    birth_date: Some(BirthDate::from_esia("03.05.2022").unwrap()),
                    sex: Some(Sex::Male),
                    policy: None,
                },
            },
        ],
        linked_at: 1_764_000_000,
        updated_at: 1_764_000_000,
    }
}

async fn linked(h: &Harness, level: AccountLevel) {
    h.store().save_esia_link(USER, &link(level)).await.unwrap();
}

async fn set_state(h: &Harness, state: State) {
    h.storage
        .clone()
        .update_dialogue(ChatId(USER), state)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn gosuslugi_without_a_link_offers_a_login_button_with_a_fresh_single_use_state() {
    let h = Harness::new().await;
    h.consented().await;
    let mut bot = h.bot(tap("s:gu"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(responses.answered_callback_queries.len(), 1);
    let screen = &responses.edited_messages_text[0].message;
    assert_eq!(
        screen.text().unwrap(),
        format!(
            "{DEMO}\n\n<b>Вход через Госуслуги</b>\n\
             Записаться к врачу можно после входа через Госуслуги (ЕСИА). Учётная запись должна быть <b>подтверждённой</b>.\n\n\
             Нажмите «Войти через Госуслуги» — откроется страница входа. После входа вернитесь в Telegram: я пришлю результат сюда.\n\
             Кнопка действует 10 минут.\n\n\
             🧪 В демо-режиме можно войти и без браузера: «Тестовый вход в чате»."
        )
    );
    let kb = message_keyboard(screen);
    assert_eq!(kb.len(), 3);
    assert_eq!(kb[1], row(&[("🧪 Тестовый вход в чате", "gu:demo")]));
    assert_eq!(kb[2], row(&[("« Меню", "menu")]));
    let (label, url) = &kb[0][0];
    assert_eq!(label, "🔑 Войти через Госуслуги");
    // The button opens the bot's own /esia/start with an opaque login id (nothing personal); the request
    // to ESIA is signed there, at the click.
    let url = url::Url::parse(url).unwrap();
    assert_eq!(
        format!("{}{}", url.origin().ascii_serialization(), url.path()),
        "http://127.0.0.1:8080/esia/start"
    );
    let params: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(params.len(), 1);
    let state = &params["login"];
    assert_eq!(
        bot.get_state::<State>().await,
        State::Gosuslugi(Step::Overview)
    );

    // The state is stored for this user and works once.
    let now = chrono::Utc::now().timestamp();
    let login = h.store().consume_esia_login(state, now).await.unwrap();
    assert_eq!(login.map(|l| l.user_id), Some(USER));
    assert_eq!(
        h.store().consume_esia_login(state, now).await.unwrap(),
        None
    );

    // Every visit makes a new state.
    bot.update(tap("s:gu"));
    bot.dispatch().await;
    let again = message_keyboard(&bot.get_responses().edited_messages_text[0].message);
    assert_ne!(again[0][0].1, kb[0][0].1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_confirmed_link_shows_the_personal_data_card_with_the_policy_masked() {
    let h = Harness::new().await;
    h.consented().await;
    linked(&h, AccountLevel::Confirmed).await;
    let mut bot = h.bot(tap("s:gu"));
    bot.dispatch().await;
    let screen = &bot.get_responses().edited_messages_text[0].message;
    assert_eq!(
        screen.text().unwrap(),
        format!(
            "{DEMO}\n\n<b>Личные данные</b>\n\
             ФИО: Иванова Анна Сергеевна\n\
             Дата рождения: 12.03.1988\n\
             Учётная запись Госуслуг: подтверждённая ✅\n\
             Номер полиса ОМС: •••• •••• •••• 2340\n\
             Страховая компания: ИРКУТСКИЙ ФИЛИАЛ АО &quot;СТРАХОВАЯ КОМПАНИЯ СОГАЗ-МЕД&quot;\n\
             Участки прикрепления: Для уточнения информации о прикреплениях обратитесь, пожалуйста, в лечебное учреждение\n\n\
             <b>Родственники</b>\n\
             • Иванова Мария Ивановна — дочь, 01.12.2015, полис •••• •••• •••• 0022\n\
             • Иванов Пётр Иванович — сын, 03.05.2022, полис не указан"
        )
    );
    assert_eq!(
        message_keyboard(screen),
        vec![
            row(&[("🔓 Отвязать Госуслуги", "gu:unl")]),
            row(&[("« Меню", "menu")])
        ]
    );
    assert!(!screen.text().unwrap().contains("3841500000012340"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_known_attachment_is_shown_instead_of_the_advice() {
    let h = Harness::new().await;
    h.consented().await;
    let mut with_clinic = link(AccountLevel::Confirmed);
    with_clinic.attachment = Some("Поликлиника № 1".into());
    with_clinic.kids.clear();
    h.store().save_esia_link(USER, &with_clinic).await.unwrap();
    let mut bot = h.bot(tap("s:gu"));
    bot.dispatch().await;
    let text = bot.get_responses().edited_messages_text[0]
        .message
        .text()
        .unwrap()
        .to_owned();
    assert!(
        text.contains(
            "Участок прикрепления: Поликлиника № 1\n\n<b>Родственники</b>\nВ Госуслугах нет детей."
        ),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unlinking_asks_first_and_then_removes_the_link_and_its_tokens() {
    let h = Harness::new().await;
    h.consented().await;
    linked(&h, AccountLevel::Confirmed).await;
    let mut bot = h.bot(tap("gu:unl"));
    bot.dispatch().await;
    let question = &bot.get_responses().edited_messages_text[0].message;
    assert_eq!(
        question.text().unwrap(),
        format!(
            "{DEMO}\n\n<b>Отвязать Госуслуги?</b>\n\
             Я удалю данные, полученные из Госуслуг (ФИО, полис, список детей), и ключ доступа к ним. \
             Записи к врачу при этом не отменяются. Привязать Госуслуги снова можно в любой момент."
        )
    );
    assert_eq!(
        message_keyboard(question),
        vec![row(&[("Да, отвязать", "gu:unl-y"), ("Нет", "gu:unl-n")])]
    );
    assert_eq!(
        bot.get_state::<State>().await,
        State::Gosuslugi(Step::ConfirmUnlink)
    );
    assert!(h.store().esia_link(USER).await.unwrap().is_some());

    bot.update(tap("gu:unl-y"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(
        responses.answered_callback_queries[0].text.as_deref(),
        Some("Госуслуги отвязаны.")
    );
    let after = &responses.edited_messages_text[0].message;
    assert!(after.text().unwrap().starts_with(&format!(
        "{DEMO}\n\nГосуслуги отвязаны.\n\n<b>Вход через Госуслуги</b>"
    )));
    assert_eq!(message_keyboard(after)[0][0].0, "🔑 Войти через Госуслуги");
    assert_eq!(h.store().esia_link(USER).await.unwrap(), None);
    assert_eq!(h.store().esia_refresh_token(USER).await.unwrap(), None);
    assert_eq!(
        bot.get_state::<State>().await,
        State::Gosuslugi(Step::Overview)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_keeps_the_link_and_shows_the_card_again() {
    let h = Harness::new().await;
    h.consented().await;
    linked(&h, AccountLevel::Confirmed).await;
    set_state(&h, State::Gosuslugi(Step::ConfirmUnlink)).await;
    let mut bot = h.bot(tap("gu:unl-n"));
    bot.dispatch().await;
    let card = &bot.get_responses().edited_messages_text[0].message;
    assert!(card.text().unwrap().contains("<b>Личные данные</b>"));
    assert!(h.store().esia_link(USER).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_yes_to_unlinking_does_nothing_when_the_question_is_closed() {
    let h = Harness::new().await;
    h.consented().await;
    linked(&h, AccountLevel::Confirmed).await;
    let mut bot = h.bot(tap("gu:unl-y"));
    bot.dispatch().await;
    assert_eq!(
        bot.get_responses().answered_callback_queries[0]
            .text
            .as_deref(),
        Some("Эта кнопка устарела — показываю актуальный шаг.")
    );
    assert!(h.store().esia_link(USER).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_that_is_not_confirmed_explains_the_three_levels_and_how_to_confirm() {
    let h = Harness::new().await;
    h.consented().await;
    let mut standard = link(AccountLevel::NotConfirmed);
    standard.person.full_name = "Петров Пётр Петрович".into();
    h.store().save_esia_link(USER, &standard).await.unwrap();
    let mut bot = h.bot(tap("s:gu"));
    bot.dispatch().await;
    let screen = &bot.get_responses().edited_messages_text[0].message;
    let text = screen.text().unwrap();
    assert!(
        text.starts_with(&format!(
            "{DEMO}\n\n<b>Учётная запись не подтверждена</b>\n\
         Вы вошли как Петров Пётр Петрович, но ваша учётная запись на Госуслугах не подтверждена. \
         Записаться на приём к врачу можно только с <b>подтверждённой</b> учётной записью.\n\n\
         <b>На Госуслугах три типа учётных записей:</b>\n"
        )),
        "{text}"
    );
    for words in [
        "<b>упрощённая</b> — для регистрации нужно указать имя и фамилию и телефон или электронную почту",
        "<b>стандартная</b> — данные пользователя прошли проверку в Пенсионном фонде РФ и МВД РФ",
        "<b>подтверждённая</b> — данные прошли проверку, а личность подтверждена одним из доступных способов",
        "лично в центре обслуживания",
        "заказным письмом Почтой России",
        "через онлайн-банк",
        "После подтверждения нажмите «Попробовать снова».",
    ] {
        assert!(text.contains(words), "{words}");
    }
    assert!(!text.contains("Личные данные"));
    assert_eq!(
        message_keyboard(screen),
        vec![
            row(&[("🔄 Попробовать снова", "gu:retry")]),
            row(&[("🔓 Отвязать Госуслуги", "gu:unl")]),
            row(&[("« Меню", "menu")])
        ]
    );

    // «Попробовать снова» gives a fresh login button.
    bot.update(tap("gu:retry"));
    bot.dispatch().await;
    let retry = &bot.get_responses().edited_messages_text[0].message;
    assert_eq!(message_keyboard(retry)[0][0].0, "🔑 Войти через Госуслуги");
}

#[tokio::test(flavor = "multi_thread")]
async fn booking_is_allowed_only_for_a_confirmed_link() {
    use kvrachu_bot::bot::gosuslugi::booking_gate;
    use kvrachu_bot::esia::BookingGate;
    let h = Harness::new().await;
    assert_eq!(
        booking_gate(&h.ctx, USER).await.unwrap(),
        BookingGate::NotLinked
    );
    linked(&h, AccountLevel::Verifying).await;
    assert!(matches!(
        booking_gate(&h.ctx, USER).await.unwrap(),
        BookingGate::NotConfirmed(_)
    ));
    linked(&h, AccountLevel::Confirmed).await;
    assert!(matches!(
        booking_gate(&h.ctx, USER).await.unwrap(),
        BookingGate::Allowed(_)
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn text_while_on_the_card_points_to_its_buttons_and_keeps_it() {
    let h = Harness::new().await;
    h.consented().await;
    linked(&h, AccountLevel::Confirmed).await;
    set_state(&h, State::Gosuslugi(Step::Overview)).await;
    let mut bot = h.bot(text("привет"));
    bot.dispatch().await;
    let sent = &bot.get_responses().sent_messages_text;
    assert_eq!(sent.len(), 1, "one short line, the card is not sent again");
    assert_eq!(
        sent[0].message.text().unwrap(),
        "Я не жду сейчас текста. Выберите кнопкой в сообщении выше."
    );
    assert_eq!(
        crate::booking::state_of(&h).await,
        State::Gosuslugi(Step::Overview),
        "the card's step is kept"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn children_from_the_linked_account_can_be_imported_in_my_children() {
    let h = Harness::new().await;
    h.consented().await;
    let mut bot = h.bot(tap("s:kids"));
    bot.dispatch().await;
    let unlinked = message_keyboard(&bot.get_responses().edited_messages_text[0].message);
    assert!(!datas(&unlinked).contains(&"k:imp".to_owned()));

    linked(&h, AccountLevel::Confirmed).await;
    bot.update(tap("s:kids"));
    bot.dispatch().await;
    let list = message_keyboard(&bot.get_responses().edited_messages_text[0].message);
    assert_eq!(list[1], row(&[("🏛 Добавить из Госуслуг", "k:imp")]));
    bot.update(tap("k:imp"));
    bot.dispatch().await;
    let offered = message_keyboard(&bot.get_responses().edited_messages_text[0].message);
    assert_eq!(offered[0], row(&[("Иванова М. И.", "k:ip:0")]));
    assert_eq!(offered[1], row(&[("Иванов П. И.", "k:ip:1")]));
}

// ---------------------------------------------------------------------------------------------------------
// The login button, and the one-time code typed in the chat

/// The «Войти через Госуслуги» button of the screen `s:gu` shows.
async fn login_button_kind(h: &Harness) -> teloxide::types::InlineKeyboardButtonKind {
    h.consented().await;
    let mut bot = h.bot(tap("s:gu"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    let screen = &responses.edited_messages_text[0].message;
    let markup = screen.reply_markup().expect("a keyboard");
    let login = &markup.inline_keyboard[0][0];
    assert_eq!(login.text, "🔑 Войти через Госуслуги");
    login.kind.clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_public_https_domain_the_login_is_a_telegram_login_button() {
    use teloxide::types::InlineKeyboardButtonKind;
    let h = Harness::with_settings(settings(&[("PUBLIC_URL", "https://bot.example.ru")])).await;
    let InlineKeyboardButtonKind::LoginUrl(login) = login_button_kind(&h).await else {
        panic!("not a login_url button");
    };
    assert_eq!(
        format!(
            "{}{}",
            login.url.origin().ascii_serialization(),
            login.url.path()
        ),
        "https://bot.example.ru/esia/start"
    );
    assert!(login.url.query().unwrap().starts_with("login="));
    assert_eq!(login.bot_username, None);
    assert_eq!(login.request_write_access, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_public_https_domain_the_login_is_a_plain_link() {
    use teloxide::types::InlineKeyboardButtonKind;
    for public in ["http://bot.example.ru", "https://127.0.0.1:8443"] {
        let h = Harness::with_settings(settings(&[("PUBLIC_URL", public)])).await;
        let kind = login_button_kind(&h).await;
        assert!(
            matches!(&kind, InlineKeyboardButtonKind::Url(url) if url.path() == "/esia/start"),
            "{public}: {kind:?}"
        );
    }
}

/// A login in the browser that came back without proof of its browser: it waits for its code, which the
/// page showed. Made `ago` seconds ago.
async fn pending_login(h: &Harness, ago: i64) -> String {
    let now = chrono::Utc::now().timestamp() - ago;
    h.store()
        .save_pending_esia_link(
            USER,
            &link(AccountLevel::Confirmed),
            Default::default(),
            now,
        )
        .await
        .unwrap()
}

fn sent_texts(bot: &Bot) -> Vec<(i64, String)> {
    bot.get_responses()
        .sent_messages_text
        .iter()
        .map(|m| {
            (
                m.message.chat.id.0,
                m.message.text().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// A booking that waits for the login, at clinic 111 of the demo registry.
fn waiting_booking() -> State {
    use kvrachu_bot::bot::booking::{Choice, Chosen, Flow, Here, PickedSlot, Step as BookingStep};
    let start = chrono::Utc::now().date_naive() + chrono::Duration::days(3);
    State::Booking(Here::Flow(Box::new(Flow {
        clinic: 111,
        from: None,
        step: BookingStep::NeedGosuslugi(Chosen {
            specialty: Choice {
                id: "1".into(),
                name: "Терапевт".into(),
            },
            doctor: Choice {
                id: "10".into(),
                name: "Петрова Ольга Ивановна".into(),
            },
            slot: PickedSlot {
                id: "slot-1".into(),
                start: start.and_hms_opt(9, 30, 0).unwrap(),
                end: None,
                room: None,
                address: Some("ул. Ленина, 1".into()),
                number: None,
            },
        }),
        keys: Vec::new(),
    })))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_right_code_links_the_account_and_resumes_the_waiting_booking() {
    use kvrachu_bot::bot::booking::{Here, Step as BookingStep};
    let h = Harness::new().await;
    h.consented().await;
    set_state(&h, waiting_booking()).await;
    let code = pending_login(&h, 0).await;
    let typed = format!("{} {}", &code[..3], &code[3..]);
    let mut bot = h.bot(text(&typed));
    bot.dispatch().await;
    let sent = sent_texts(&bot);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent[0].1.starts_with(&format!(
            "{DEMO}\n\n✅ <b>Госуслуги привязаны.</b> Учётная запись подтверждена — можно записываться к врачу.\n\n<b>Личные данные</b>\nФИО: Иванова Анна Сергеевна"
        )),
        "{}",
        sent[0].1
    );
    assert!(sent[0]
        .1
        .ends_with("\n\nГосуслуги подключены — продолжим запись."));
    assert!(
        sent[1].1.contains("<b>Проверьте запись</b>"),
        "{}",
        sent[1].1
    );
    assert!(
        sent[1].1.contains("Петрова Ольга Ивановна"),
        "{}",
        sent[1].1
    );
    assert_eq!(
        h.store().esia_link(USER).await.unwrap().map(|l| l.oid),
        Some("1000000001".into())
    );
    let State::Booking(Here::Flow(flow)) = bot.get_state::<State>().await else {
        panic!("not booking any more");
    };
    assert!(matches!(flow.step, BookingStep::Confirm { .. }), "{flow:?}");
    assert!(!h
        .store()
        .has_pending_esia_login(USER, chrono::Utc::now().timestamp())
        .await
        .unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_right_code_without_a_waiting_booking_shows_the_card_and_offers_what_was_not_read() {
    let h = Harness::new().await;
    h.consented().await;
    let now = chrono::Utc::now().timestamp();
    let unread = kvrachu_bot::esia::Unread {
        kids: true,
        ..Default::default()
    };
    let code = h
        .store()
        .save_pending_esia_link(USER, &link(AccountLevel::Confirmed), unread, now)
        .await
        .unwrap();
    let mut bot = h.bot(text(&code));
    bot.dispatch().await;
    let responses = bot.get_responses();
    let sent = &responses.sent_messages_text;
    assert_eq!(sent.len(), 2);
    assert!(sent[0]
        .message
        .text()
        .unwrap()
        .contains("<b>Личные данные</b>"));
    assert_eq!(
        sent[1].message.text().unwrap(),
        format!("{DEMO}\n\nЧасть данных с Госуслуг прочитать не удалось: список детей. Остальное сохранено. Чтобы дочитать, войдите через Госуслуги ещё раз позже.")
    );
    assert_eq!(
        message_keyboard(&sent[1].message),
        vec![row(&[("🔄 Попробовать снова", "gu:retry")])]
    );
    assert_eq!(
        bot.get_state::<State>().await,
        State::Gosuslugi(Step::Overview)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_code_keeps_the_dialogue_and_says_how_many_tries_are_left() {
    let h = Harness::new().await;
    h.consented().await;
    set_state(&h, waiting_booking()).await;
    let code = pending_login(&h, 0).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut bot = h.bot(text(wrong));
    bot.dispatch().await;
    assert_eq!(
        sent_texts(&bot),
        vec![(
            USER,
            "Код не подошёл. Отправьте 6 цифр со страницы входа через Госуслуги, например: 123 456\nОсталось 4 попытки.".to_owned()
        )]
    );
    assert_eq!(bot.get_state::<State>().await, waiting_booking());
    assert_eq!(h.store().esia_link(USER).await.unwrap(), None);

    // Any text counts as a try while the code is awaited.
    bot.update(text("привет"));
    bot.dispatch().await;
    assert!(sent_texts(&bot)[0].1.ends_with("Осталось 3 попытки."));
    for _ in 0..2 {
        bot.update(text(wrong));
        bot.dispatch().await;
    }
    // The fifth wrong try ends the login: a new button, the booking still waiting.
    bot.update(text(wrong));
    bot.dispatch().await;
    let sent = sent_texts(&bot);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0]
            .1
            .starts_with(&format!("{DEMO}\n\nПопытки ввести код закончились")),
        "{}",
        sent[0].1
    );
    assert_eq!(bot.get_state::<State>().await, waiting_booking());
    bot.update(text(&code));
    bot.dispatch().await;
    assert!(sent_texts(&bot)[0].1.contains("Этот код уже не действует"));
    assert_eq!(h.store().esia_link(USER).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_code_is_refused_with_a_new_login_button() {
    let h = Harness::new().await;
    h.consented().await;
    set_state(&h, State::Gosuslugi(Step::Overview)).await;
    let code = pending_login(&h, 11 * 60).await;
    let mut bot = h.bot(text(&code));
    bot.dispatch().await;
    let responses = bot.get_responses();
    let sent = &responses.sent_messages_text;
    assert_eq!(sent.len(), 1);
    let said = sent[0].message.text().unwrap();
    assert!(
        said.starts_with(&format!(
            "{DEMO}\n\nЭтот код уже не действует: вход устарел (код живёт 10 минут) или уже завершён."
        )),
        "{said}"
    );
    assert_eq!(
        message_keyboard(&sent[0].message)[0][0].0,
        "🔑 Войти через Госуслуги"
    );
    assert_eq!(h.store().esia_link(USER).await.unwrap(), None);

    // Text that is no code, with no login waiting, is what it always was.
    bot.update(text("привет"));
    bot.dispatch().await;
    assert!(sent_texts(&bot)[0].1.starts_with("Я не жду сейчас текста."));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_user_who_had_the_account_is_told_it_moved() {
    const OTHER: i64 = USER + 1;
    let h = Harness::new().await;
    h.consented().await;
    h.store()
        .save_esia_link(OTHER, &link(AccountLevel::Confirmed))
        .await
        .unwrap();
    let code = pending_login(&h, 0).await;
    let mut bot = h.bot(text(&code));
    bot.dispatch().await;
    let sent = sent_texts(&bot);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].0, USER);
    assert_eq!(
        sent[1],
        (
            OTHER,
            "Ваша учётная запись Госуслуг привязана к другому аккаунту Telegram, поэтому здесь она отвязана. Если это были не вы, войдите через Госуслуги снова и смените пароль на Госуслугах.".to_owned()
        )
    );
    assert_eq!(h.store().esia_link(OTHER).await.unwrap(), None);
    assert!(h.store().esia_link(USER).await.unwrap().is_some());
}

// ---------------------------------------------------------------------------------------------------------
// ESIA_URL=off: «Мои данные» instead of Gosuslugi

const DEMO_OFF: &str = "🧪 <i>Демо-режим: учебные поликлиники, настоящие записи не создаются.</i>";

async fn off() -> Harness {
    let h = Harness::with_settings(settings(&[("ESIA_URL", "off")])).await;
    h.consented().await;
    h
}

/// Types `answers` one after another; returns the last message the bot sent.
async fn type_in(bot: &mut Bot, answers: &[&str]) -> String {
    let mut last = String::new();
    for answer in answers {
        bot.update(text(answer));
        bot.dispatch().await;
        last = sent_texts(bot)
            .last()
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
    }
    last
}

#[tokio::test(flavor = "multi_thread")]
async fn without_gosuslugi_the_menu_offers_my_details_and_the_form_fills_them_once() {
    let h = off().await;
    let mut bot = h.bot(tap("menu"));
    bot.dispatch().await;
    let menu = &bot.get_responses().edited_messages_text[0].message;
    let kb = message_keyboard(menu);
    assert_eq!(kb[0], row(&[("🪪 Мои данные", "s:me")]));
    assert!(
        !menu.text().unwrap().contains("Госуслуг"),
        "{}",
        menu.text().unwrap()
    );

    let (card, kb) = edited(&tap_on(&mut bot, "s:me").await);
    assert!(card.starts_with(&format!("{DEMO_OFF}\n\n<b>Мои данные</b>\nЧтобы записываться к врачу, заполните свои данные один раз")), "{card}");
    assert_eq!(kb[0], row(&[("📝 Заполнить", "me:fill")]));
    let (question, _) = edited(&tap_on(&mut bot, "me:fill").await);
    assert!(question.contains("<b>Шаг 1 из 4. ФИО</b>"), "{question}");

    let asked = type_in(&mut bot, &["Иванов Иван Иванович"]).await;
    assert!(
        asked.contains("<b>Шаг 2 из 4. Дата рождения</b>"),
        "{asked}"
    );
    // Someone under 14 is refused in the portal's words, and the question stays.
    let year = chrono::Utc::now().date_naive().format("%Y").to_string();
    let young = format!("01.01.{}", year.parse::<i32>().unwrap() - 10);
    let refused = type_in(&mut bot, &[&young]).await;
    assert_eq!(
        refused,
        "⚠️ Записываться к врачу самостоятельно можно с 14 лет. Чтобы записать ребёнка до 14 лет, родитель добавляет его в разделе «Мои дети». Если дата с ошибкой, пришлите её ещё раз, например: 12.03.1985"
    );
    let refused = type_in(&mut bot, &["31.02.1985"]).await;
    assert!(refused.starts_with("⚠️ "), "{refused}");
    let asked = type_in(&mut bot, &["12.03.1985"]).await;
    assert!(asked.contains("Шаг 3 из 4. Полис ОМС"), "{asked}");
    let (asked, _) = edited(&tap_on(&mut bot, "me:pk-n").await);
    assert!(asked.contains("Шаг 4 из 4. Номер полиса"), "{asked}");
    let summary = type_in(&mut bot, &["3851 2345 1234 5678"]).await;
    assert!(
        summary.contains("<b>Проверьте свои данные</b>\n\n<b>Иванов Иван Иванович</b>\nДата рождения: 12.03.1985\n"),
        "{summary}"
    );
    assert!(
        h.store().self_details(USER).await.unwrap().is_none(),
        "nothing kept before «Сохранить»"
    );

    let responses = tap_on(&mut bot, "me:sv").await;
    assert_eq!(
        responses.answered_callback_queries[0].text.as_deref(),
        Some("Ваши данные сохранены.")
    );
    let card = responses.edited_messages_text[0]
        .message
        .text()
        .unwrap()
        .to_owned();
    assert!(
        card.contains("<b>Иванов Иван Иванович</b>\nДата рождения: 12.03.1985"),
        "{card}"
    );
    assert!(card.contains("•••• •••• •••• 5678"), "{card}");
    assert!(!card.contains("3851"), "the policy is masked: {card}");
    let kept = h.store().self_details(USER).await.unwrap().unwrap();
    assert_eq!(kept.full_name.full(), "Иванов Иван Иванович");

    // «Изменить» opens «Что исправить?» with the kept data.
    let (fix, _) = edited(&tap_on(&mut bot, "me:fill").await);
    assert!(fix.contains("<b>Что исправить?</b>"), "{fix}");

    // Gosuslugi's buttons do nothing here.
    let stale = tap_on(&mut bot, "gu:retry").await;
    assert_eq!(
        stale.answered_callback_queries[0].text.as_deref(),
        Some("Эта кнопка устарела — показываю актуальный шаг.")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_gosuslugi_a_booking_asks_for_the_users_data_and_comes_back_to_its_confirmation() {
    use kvrachu_bot::bot::booking::{Here, Step as BookingStep};
    let h = off().await;
    set_state(&h, waiting_booking()).await;
    let mut bot = h.bot(tap("here"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    let screen = &responses.edited_messages_text[0].message;
    assert_eq!(
        screen.text().unwrap(),
        format!("{DEMO_OFF}\n\nЧтобы записаться, заполните свои данные: ФИО, дату рождения и номер полиса ОМС — один раз. По ним поликлиника найдёт вашу карту.\nВыбранное время я запомнил: после этого вернёмся к подтверждению.")
    );
    assert_eq!(
        message_keyboard(screen),
        vec![
            row(&[("📝 Заполнить свои данные", "me:fill")]),
            row(&[("« Назад", "bk:b"), ("« Меню", "menu")]),
        ]
    );
    tap_on(&mut bot, "me:fill").await;
    type_in(&mut bot, &["Иванов Иван Иванович", "12.03.1985"]).await;
    tap_on(&mut bot, "me:pk-o").await;
    let summary = type_in(&mut bot, &["ЕАА", "7654321098"]).await;
    assert!(summary.contains("Проверьте свои данные"), "{summary}");
    let responses = tap_on(&mut bot, "me:sv").await;
    assert_eq!(
        responses.answered_callback_queries[0].text.as_deref(),
        Some("Ваши данные сохранены — продолжим запись.")
    );
    let confirm = responses.edited_messages_text[0]
        .message
        .text()
        .unwrap()
        .to_owned();
    assert!(confirm.contains("<b>Проверьте запись</b>"), "{confirm}");
    assert!(confirm.contains("Иванов Иван Иванович"), "{confirm}");
    let State::Booking(Here::Flow(flow)) = bot.get_state::<State>().await else {
        panic!("not booking any more");
    };
    assert!(matches!(flow.step, BookingStep::Confirm { .. }));
}
