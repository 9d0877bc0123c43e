//! Journey 3: «Мои дети» — adding a child question by question (both policy kinds, every wrong answer),
//! «Изменить», «Назад», /cancel, stale buttons, Gosuslugi import, deleting, forged ids, «Для кого».

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use kvrachu_bot::bot::children::{ChildrenState, Form, ImportSource, ImportableChild, Step};
use kvrachu_bot::bot::{Clock, State};
use kvrachu_bot::domain::{BirthDate, FullName, PolicyNumber, Relation, Sex};
use kvrachu_bot::store::{ActivePerson, Child, ChildDetails};
use teloxide_tests::mock_bot::DistributionKey;
use teloxide_tests::MockBot;

use crate::*;

type Bot = MockBot<anyhow::Error, DistributionKey>;
type Kb = Vec<Vec<(String, String)>>;

const DEMO: &str = "🧪 <i>Демо-режим: учебные поликлиники и тестовый вход через Госуслуги, настоящие записи не создаются.</i>\n\n";
const OTHER_USER: i64 = 777_000_111;

/// 10 May 2026, noon in Irkutsk.
fn today_noon() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 10, 4, 0, 0).unwrap()
}

async fn harness_with(import: Vec<ImportableChild>) -> Harness {
    let mut h = Harness::new().await;
    let ctx = Arc::get_mut(&mut h.ctx).expect("nobody else holds the context yet");
    ctx.clock = Clock::Fixed(today_noon());
    ctx.children_import = ImportSource::Fixed(import);
    h.consented().await;
    h
}

async fn harness() -> Harness {
    harness_with(Vec::new()).await
}

fn kb(rows: &[&[(&str, &str)]]) -> Kb {
    rows.iter()
        .map(|row| {
            row.iter()
                .map(|(l, d)| (l.to_string(), d.to_string()))
                .collect()
        })
        .collect()
}

fn screen(body: &str, rows: &[&[(&str, &str)]]) -> (String, Kb) {
    (format!("{DEMO}{body}"), kb(rows))
}

fn plain(body: &str, rows: &[&[(&str, &str)]]) -> (String, Kb) {
    (body.to_owned(), kb(rows))
}

/// The user types `words`; returns every message the bot sent.
async fn say(bot: &mut Bot, words: &str) -> Vec<(String, Kb)> {
    bot.update(text(words));
    bot.dispatch().await;
    bot.get_responses()
        .sent_messages_text
        .iter()
        .map(|m| {
            (
                m.message.text().unwrap_or_default().to_owned(),
                message_keyboard(&m.message),
            )
        })
        .collect()
}

struct Pressed {
    notice: Option<String>,
    shown: Vec<(String, Kb)>,
}

/// The user taps a button with `data`; returns the notice and every screen shown (edited or sent).
async fn press(bot: &mut Bot, data: &str) -> Pressed {
    bot.update(tap(data));
    bot.dispatch().await;
    let responses = bot.get_responses();
    assert_eq!(
        responses.answered_callback_queries.len(),
        1,
        "every tap is answered once: {data}"
    );
    let mut shown: Vec<(String, Kb)> = responses
        .edited_messages_text
        .iter()
        .map(|m| {
            (
                m.message.text().unwrap_or_default().to_owned(),
                message_keyboard(&m.message),
            )
        })
        .collect();
    shown.extend(responses.sent_messages_text.iter().map(|m| {
        (
            m.message.text().unwrap_or_default().to_owned(),
            message_keyboard(&m.message),
        )
    }));
    Pressed {
        notice: responses.answered_callback_queries[0].text.clone(),
        shown,
    }
}

// Screens of the form, as the user sees them.

const CANCEL: &str = "\n\nПрервать — /cancel";
const BACK: &[(&str, &str)] = &[("« Назад", "k:b")];

fn ask_name() -> (String, Kb) {
    screen(
        &format!(
            "<b>Шаг 1 из 6. ФИО ребёнка</b>\nНапишите фамилию, имя и отчество ребёнка, как в свидетельстве о рождении.\nПример: Иванова Мария Ивановна{CANCEL}"
        ),
        &[BACK],
    )
}

fn ask_birth_date() -> (String, Kb) {
    screen(
        &format!(
            "<b>Шаг 2 из 6. Дата рождения</b>\nНапишите дату рождения ребёнка: день, месяц и год через точку. Добавить можно ребёнка до 14 лет.\nПример: 01.12.2015{CANCEL}"
        ),
        &[BACK],
    )
}

fn ask_sex() -> (String, Kb) {
    screen(
        &format!("<b>Шаг 3 из 6. Пол ребёнка</b>\nВыберите кнопкой ниже.{CANCEL}"),
        &[&[("Мужской", "k:sx:m"), ("Женский", "k:sx:f")], BACK],
    )
}

fn ask_relation(son: &str, daughter: &str) -> (String, Kb) {
    screen(
        &format!("<b>Шаг 4 из 6. Кем ребёнок вам приходится</b>\nЯ отметил ✓ вариант по полу ребёнка: нажмите его или выберите другой.{CANCEL}"),
        &[&[(son, "k:rl:s"), (daughter, "k:rl:d")], BACK],
    )
}

fn ask_policy_kind() -> (String, Kb) {
    screen(
        &format!("<b>Шаг 5 из 6. Полис ОМС ребёнка</b>\nВ полисе нового образца содержится только номер — 16 цифр, серии нет. В полисе старого образца есть серия и номер.\nКакой полис у ребёнка?{CANCEL}"),
        &[
            &[("Нового образца — только номер", "k:pk:n")],
            &[("Старого образца — серия и номер", "k:pk:o")],
            BACK,
        ],
    )
}

fn ask_new_number() -> (String, Kb) {
    screen(
        &format!("<b>Шаг 6 из 6. Номер полиса</b>\nПерепишите 16 цифр номера полиса — можно с пробелами, как на полисе.\nПример: 8451 9991 2289 9990{CANCEL}"),
        &[BACK],
    )
}

fn ask_series() -> (String, Kb) {
    screen(
        &format!("<b>Шаг 6 из 6. Серия полиса</b>\nНапишите серию полиса старого образца — буквы или цифры перед номером. Номер спрошу следующим сообщением.\nПример: ЕАА{CANCEL}"),
        &[BACK],
    )
}

fn ask_old_number(series: &str) -> (String, Kb) {
    screen(
        &format!("<b>Шаг 6 из 6. Номер полиса</b>\nСерия: {series}. Теперь напишите номер полиса — только цифры.\nПример: 1234567890{CANCEL}"),
        &[BACK],
    )
}

const SUMMARY_KB: &[&[(&str, &str)]] = &[
    &[("✅ Сохранить", "k:sv")],
    &[("✏️ Изменить", "k:ed"), ("Закрыть", "k:x")],
    BACK,
];

fn summary(details: &str) -> (String, Kb) {
    screen(
        &format!("<b>Проверьте данные ребёнка</b>\n\n{details}\n\nВсё верно? Нажмите «Сохранить». Чтобы исправить — «Изменить»."),
        SUMMARY_KB,
    )
}

const MARIA: &str = "<b>Иванова Мария Ивановна</b>\nДата рождения: 01.12.2015\nПол: Женский\nКем приходится: Дочь\nПолис нового образца: 3851 2345 1234 5678";
const MARIA_MASKED: &str = "<b>Иванова Мария Ивановна</b>\nДата рождения: 01.12.2015\nПол: Женский\nКем приходится: Дочь\nПолис нового образца: •••• •••• •••• 5678";

fn wrong(message: &str) -> Vec<(String, Kb)> {
    vec![plain(&format!("⚠️ {message}"), &[BACK])]
}

fn maria() -> ChildDetails {
    ChildDetails {
        full_name: FullName::parse("Иванова Мария Ивановна").unwrap(),
        birth_date: BirthDate::try_from(NaiveDate::from_ymd_opt(2015, 12, 1).unwrap()).unwrap(),
        sex: Sex::Female,
        relation: Relation::Daughter,
        policy: PolicyNumber::parse_new("3851234512345678").unwrap(),
    }
}

fn petr() -> ChildDetails {
    ChildDetails {
        full_name: FullName::parse("Петров Пётр").unwrap(),
        birth_date: BirthDate::try_from(NaiveDate::from_ymd_opt(2019, 3, 9).unwrap()).unwrap(),
        sex: Sex::Male,
        relation: Relation::Son,
        policy: PolicyNumber::parse_old("ЕАА", "7654321098").unwrap(),
    }
}

/// A form at `step` with everything before it answered (Maria, new policy).
fn form_at(step: Step) -> State {
    let details = maria();
    let mut form = Form {
        step,
        ..Form::default()
    };
    let order = [
        Step::Name,
        Step::BirthDate,
        Step::Sex,
        Step::Relation,
        Step::PolicyKind,
        Step::Number,
    ];
    let answered = order.iter().take_while(|s| **s != step).count();
    let answered = if matches!(step, Step::Summary | Step::Fix) {
        order.len()
    } else {
        answered
    };
    if answered > 0 {
        form.full_name = Some(details.full_name);
    }
    if answered > 1 {
        form.birth_date = Some(details.birth_date);
    }
    if answered > 2 {
        form.sex = Some(details.sex);
    }
    if answered > 3 {
        form.relation = Some(details.relation);
    }
    if answered > 4 {
        form.policy_kind = Some(kvrachu_bot::bot::children::PolicyChoice::New);
    }
    if answered > 5 {
        form.policy = Some(details.policy);
    }
    State::Children(ChildrenState::Form(form))
}

fn old_number_state() -> State {
    let State::Children(ChildrenState::Form(mut form)) = form_at(Step::PolicyKind) else {
        unreachable!()
    };
    form.policy_kind = Some(kvrachu_bot::bot::children::PolicyChoice::Old);
    form.series = Some(kvrachu_bot::domain::PolicySeries::parse("ЕАА").unwrap());
    form.step = Step::Number;
    State::Children(ChildrenState::Form(form))
}

fn empty_list() -> (String, Kb) {
    screen(
        "<b>Мои дети</b>\n\nВы ещё не добавили детей. Чтобы записать к врачу ребёнка до 14 лет, добавьте его — понадобятся ФИО, дата рождения и номер полиса ОМС.",
        &[&[("➕ Добавить ребёнка", "k:add")], &[("« Меню", "menu")]],
    )
}

fn list_item(name: &str, relation_and_date: &str, policy: &str) -> String {
    format!("\n\n<b>{name}</b>\n{relation_and_date}\n{policy}")
}

async fn the_child(h: &Harness) -> Child {
    let mut children = h.store().children(USER).await.unwrap();
    assert_eq!(children.len(), 1);
    children.remove(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_child_with_a_new_policy_is_added_question_by_question() {
    let h = harness().await;
    let mut bot = h.bot(tap("s:kids"));
    bot.dispatch().await;
    let list = &bot.get_responses().edited_messages_text[0].message;
    assert_eq!(
        (list.text().unwrap().to_owned(), message_keyboard(list)),
        empty_list()
    );

    assert_eq!(press(&mut bot, "k:add").await.shown, vec![ask_name()]);
    assert_eq!(
        say(&mut bot, "иванова  мария ивановна").await,
        vec![ask_birth_date()]
    );
    assert_eq!(say(&mut bot, "1.12.2015").await, vec![ask_sex()]);
    assert_eq!(
        press(&mut bot, "k:sx:f").await.shown,
        vec![ask_relation("Сын", "✓ Дочь")]
    );
    assert_eq!(
        press(&mut bot, "k:rl:d").await.shown,
        vec![ask_policy_kind()]
    );
    assert_eq!(
        press(&mut bot, "k:pk:n").await.shown,
        vec![ask_new_number()]
    );
    assert_eq!(
        say(&mut bot, "3851 2345 1234 5678").await,
        vec![summary(MARIA)]
    );
    assert!(
        h.store().children(USER).await.unwrap().is_empty(),
        "nothing is saved before «Сохранить»"
    );

    let saved = press(&mut bot, "k:sv").await;
    assert_eq!(saved.notice.as_deref(), Some("Данные ребёнка сохранены."));
    let child = the_child(&h).await;
    assert_eq!(child.details, maria());
    let id = child.id.to_string();
    assert_eq!(
        saved.shown,
        vec![screen(
            &format!(
                "<b>Мои дети</b>\nНажмите на ребёнка, чтобы изменить или удалить его данные.{}",
                list_item(
                    "Иванова Мария Ивановна",
                    "Дочь, дата рождения 01.12.2015",
                    "Полис нового образца: •••• •••• •••• 5678"
                )
            ),
            &[
                &[("Иванова М. И.", &format!("k:c:{id}"))],
                &[("➕ Добавить ребёнка", "k:add")],
                &[("👤 Для кого: Я", "k:who")],
                &[("« Меню", "menu")],
            ],
        )]
    );
    assert_eq!(
        bot.get_state::<State>().await,
        State::Children(ChildrenState::List)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_child_with_an_old_policy_gives_the_series_then_the_number() {
    let h = harness().await;
    let mut bot = h.bot(tap("k:add"));
    bot.dispatch().await;
    assert_eq!(say(&mut bot, "Петров Пётр").await, vec![ask_birth_date()]);
    assert_eq!(say(&mut bot, "09-03-2019").await, vec![ask_sex()]);
    assert_eq!(
        press(&mut bot, "k:sx:m").await.shown,
        vec![ask_relation("✓ Сын", "Дочь")]
    );
    assert_eq!(
        press(&mut bot, "k:rl:s").await.shown,
        vec![ask_policy_kind()]
    );
    assert_eq!(press(&mut bot, "k:pk:o").await.shown, vec![ask_series()]);
    assert_eq!(say(&mut bot, "еаа").await, vec![ask_old_number("ЕАА")]);
    assert_eq!(
        say(&mut bot, "7654321098").await,
        vec![summary(
            "<b>Петров Пётр</b>\nДата рождения: 09.03.2019\nПол: Мужской\nКем приходится: Сын\nПолис старого образца: ЕАА 7654321098"
        )]
    );
    let saved = press(&mut bot, "k:sv").await;
    assert_eq!(saved.notice.as_deref(), Some("Данные ребёнка сохранены."));
    assert_eq!(the_child(&h).await.details, petr());
    assert!(
        saved.shown[0]
            .0
            .contains("Сын, дата рождения 09.03.2019\nПолис старого образца: •••••••••1098"),
        "{}",
        saved.shown[0].0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_names_keep_the_question_and_explain_the_rule() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::Name)).await;
    let cases = [
        ("Иванова2 Мария", "В ФИО не бывает цифр. Напишите фамилию, имя и отчество буквами, например: Иванова Мария Ивановна"),
        ("Ivanova Maria", "В ФИО попалась латинская буква «I». Напишите ФИО русскими буквами, как в документах, например: Иванова Мария Ивановна"),
        ("Иванова", "Нужны фамилия и имя через пробел, а если есть отчество — то и оно. Пример: Иванова Мария Ивановна"),
        ("Иванова Мария Ивановна Петровна", "Слов в ФИО: 4, а нужно два или три — фамилия, имя и отчество, если оно есть. Пример: Иванова Мария Ивановна"),
        ("Иванова <Мария>", "Символ «&lt;» в ФИО не подходит: можно только русские буквы, дефис и апостроф внутри слова. Пример: Иванова-Петрова Мария Ивановна"),
        ("-Иванова Мария", "Дефис ставится только между частями двойной фамилии или имени. Пример: Иванова-Петрова Мария Ивановна"),
    ];
    for (input, message) in cases {
        assert_eq!(say(&mut bot, input).await, wrong(message), "{input}");
        assert_eq!(
            bot.get_state::<State>().await,
            form_at(Step::Name),
            "{input}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_emoji_only_name_is_refused_naming_the_emoji() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::Name)).await;
    assert_eq!(
        say(&mut bot, "👶🍼").await,
        wrong("Символ «👶» в ФИО не подходит: можно только русские буквы, дефис и апостроф внутри слова. Пример: Иванова-Петрова Мария Ивановна")
    );
    assert_eq!(bot.get_state::<State>().await, form_at(Step::Name));
}

#[tokio::test(flavor = "multi_thread")]
async fn five_thousand_characters_are_refused_at_every_typed_question() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    let long = "Мария ".repeat(834);
    assert!(long.chars().count() > 5_000);
    let cases = [
        (form_at(Step::Name), "Слишком длинно: в ФИО не больше 100 символов. Напишите только фамилию, имя и отчество, например: Иванова Мария Ивановна"),
        (form_at(Step::BirthDate), "Напишите дату рождения цифрами: день, месяц и год через точку. Пример: 01.12.2015"),
        (form_at(Step::Number), "В номере полиса только цифры, а «М» — не цифра. Пример: 8451 9991 2289 9990"),
        (old_number_state(), "В номере полиса только цифры, а «М» — не цифра. Серию вы уже прислали — теперь только номер. Пример: 1234567890"),
    ];
    for (state, message) in cases {
        bot.set_state(state.clone()).await;
        assert_eq!(say(&mut bot, &long).await, wrong(message));
        assert_eq!(bot.get_state::<State>().await, state);
    }
    let State::Children(ChildrenState::Form(mut series)) = form_at(Step::PolicyKind) else {
        unreachable!()
    };
    series.policy_kind = Some(kvrachu_bot::bot::children::PolicyChoice::Old);
    series.step = Step::Series;
    bot.set_state(State::Children(ChildrenState::Form(series)))
        .await;
    let replies = say(&mut bot, &long).await;
    assert!(
        replies[0]
            .0
            .starts_with("⚠️ В серии полиса не больше 10 символов, а вы ввели "),
        "{}",
        replies[0].0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_dates_keep_the_question_and_explain_the_rule() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::BirthDate)).await;
    let cases = [
        (
            "вчера",
            "Напишите дату рождения цифрами: день, месяц и год через точку. Пример: 01.12.2015",
        ),
        (
            "01.12.15",
            "Напишите дату рождения цифрами: день, месяц и год через точку. Пример: 01.12.2015",
        ),
        (
            "31.02.2020",
            "Такой даты нет в календаре — проверьте день и месяц. Пример: 01.12.2015",
        ),
        (
            "01.01.1899",
            "Дата рождения должна быть не раньше 1900 года — проверьте год. Пример: 01.12.2015",
        ),
    ];
    for (input, message) in cases {
        assert_eq!(say(&mut bot, input).await, wrong(message), "{input}");
        assert_eq!(bot.get_state::<State>().await, form_at(Step::BirthDate));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_future_date_of_birth_is_refused() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::BirthDate)).await;
    assert_eq!(
        say(&mut bot, "11.05.2026").await,
        wrong("Дата рождения не может быть в будущем — проверьте год. Пример: 01.12.2015")
    );
    assert_eq!(bot.get_state::<State>().await, form_at(Step::BirthDate));
    // Today, in Irkutsk, is fine: a newborn.
    assert_eq!(say(&mut bot, "10.05.2026").await, vec![ask_sex()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fifteen_year_old_is_pointed_to_their_own_gosuslugi_account() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::BirthDate)).await;
    let too_old = "Добавить можно ребёнка до 14 лет. Зарегистрироваться на Едином портале государственных услуг можно гражданам с 14 лет: пусть ребёнок войдёт через свою учётную запись. Если дата с ошибкой, пришлите её ещё раз, например: 01.12.2015";
    assert_eq!(say(&mut bot, "01.05.2011").await, wrong(too_old));
    // Fourteen today is already too old; a day younger is not.
    assert_eq!(say(&mut bot, "10.05.2012").await, wrong(too_old));
    assert_eq!(bot.get_state::<State>().await, form_at(Step::BirthDate));
    assert_eq!(say(&mut bot, "11.05.2012").await, vec![ask_sex()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_policy_numbers_and_series_keep_the_question_and_explain_the_rule() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::Number)).await;
    let cases = [
        ("8451 9991 2289 999", "В номере полиса нового образца 16 цифр, а вы ввели 15. Пример: 8451 9991 2289 9990"),
        ("1234567890123453", "Похоже, в номере опечатка: последняя цифра не сходится с остальными. Сверьте все 16 цифр с полисом. Пример: 8451 9991 2289 9990"),
        ("0000000000000000", "Номер полиса не может состоять из одинаковых цифр. Перепишите 16 цифр с полиса, например: 8451 9991 2289 9990"),
        ("ЕАА 1234567890", "Похоже, это полис старого образца: перед номером есть серия. Нажмите «Назад» и выберите «Старого образца — серия и номер». В полисе нового образца только 16 цифр, пример: 8451 9991 2289 9990"),
        ("8451 9991 2289 9990", "8451 9991 2289 9990 — это номер из примера, а не полис. Перепишите 16 цифр со своего полиса ОМС."),
    ];
    for (input, message) in cases {
        assert_eq!(say(&mut bot, input).await, wrong(message), "{input}");
        assert_eq!(bot.get_state::<State>().await, form_at(Step::Number));
    }

    bot.set_state(old_number_state()).await;
    assert_eq!(
        say(&mut bot, "123456789012345678901").await,
        wrong(
            "В номере полиса старого образца не больше 20 цифр, а вы ввели 21. Пример: 1234567890"
        )
    );
    assert_eq!(bot.get_state::<State>().await, old_number_state());

    let State::Children(ChildrenState::Form(mut series)) = form_at(Step::PolicyKind) else {
        unreachable!()
    };
    series.policy_kind = Some(kvrachu_bot::bot::children::PolicyChoice::Old);
    series.step = Step::Series;
    let series = State::Children(ChildrenState::Form(series));
    bot.set_state(series.clone()).await;
    assert_eq!(
        say(&mut bot, "ЕА.А").await,
        wrong("В серии полиса только буквы и цифры, а «.» не подходит. Пример: ЕАА")
    );
    assert_eq!(
        say(&mut bot, "ЕАА12345678901").await,
        wrong("В серии полиса не больше 10 символов, а вы ввели 14. Номер пришлите следующим сообщением. Пример серии: ЕАА")
    );
    assert_eq!(bot.get_state::<State>().await, series);
    // Digit groups that do not split clearly are asked again, never glued into one series.
    assert_eq!(
        say(&mut bot, "38 01").await,
        wrong("Не понял, где кончается серия и начинается номер. Пришлите только серию, без пробелов, — номер спрошу следующим сообщением. Пример серии: 3801")
    );
    assert_eq!(bot.get_state::<State>().await, series);
    // The prompt's own example of the old number is no policy either.
    bot.set_state(old_number_state()).await;
    assert_eq!(
        say(&mut bot, "1234 567890").await,
        wrong("1234567890 — это номер из примера, а не полис. Перепишите цифры, которые напечатаны на полисе после серии.")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_policy_typed_on_one_line_at_the_series_question_is_split_into_series_and_number() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    let State::Children(ChildrenState::Form(mut series)) = form_at(Step::PolicyKind) else {
        unreachable!()
    };
    series.policy_kind = Some(kvrachu_bot::bot::children::PolicyChoice::Old);
    series.step = Step::Series;
    bot.set_state(State::Children(ChildrenState::Form(series)))
        .await;
    let replies = say(&mut bot, "3801 123456").await;
    assert_eq!(
        replies,
        vec![summary(&MARIA.replace(
            "Полис нового образца: 3851 2345 1234 5678",
            "Полис старого образца: 3801 123456"
        ))]
    );
    let State::Children(ChildrenState::Form(form)) = bot.get_state::<State>().await else {
        panic!("the form is left")
    };
    let policy = form.policy.expect("the policy is complete");
    assert_eq!(policy.series(), Some("3801"));
    assert_eq!(policy.number(), "123456");
}

#[tokio::test(flavor = "multi_thread")]
async fn text_at_a_button_question_points_to_the_buttons_which_stay_where_they_are() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    for step in [Step::Sex, Step::Relation, Step::PolicyKind, Step::Summary] {
        bot.set_state(form_at(step)).await;
        assert_eq!(
            say(&mut bot, "женский").await,
            vec![plain("Здесь ответ выбирается кнопкой в вопросе выше.", &[])],
            "{step:?}"
        );
        assert_eq!(bot.get_state::<State>().await, form_at(step));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_without_text_at_a_typed_question_asks_for_text_and_shows_the_question_again() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::Name)).await;
    bot.update(teloxide_tests::MockMessageLocation::new());
    bot.dispatch().await;
    let sent: Vec<(String, Kb)> = bot
        .get_responses()
        .sent_messages_text
        .iter()
        .map(|m| {
            (
                m.message.text().unwrap_or_default().to_owned(),
                message_keyboard(&m.message),
            )
        })
        .collect();
    assert_eq!(
        sent,
        vec![plain("Пришлите ответ текстом.", &[]), ask_name()]
    );
    assert_eq!(bot.get_state::<State>().await, form_at(Step::Name));
}

#[tokio::test(flavor = "multi_thread")]
async fn change_on_the_summary_fixes_one_field_and_returns_to_the_summary() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::Summary)).await;

    let fix_kb: &[&[(&str, &str)]] = &[
        &[("ФИО", "k:fx:n"), ("Дата рождения", "k:fx:d")],
        &[("Пол", "k:fx:s"), ("Кем приходится", "k:fx:r")],
        &[("Полис ОМС", "k:fx:p")],
        BACK,
    ];
    assert_eq!(
        press(&mut bot, "k:ed").await.shown,
        vec![screen(&format!("<b>Что исправить?</b>\n\n{MARIA}"), fix_kb)]
    );
    let asked = press(&mut bot, "k:fx:d").await.shown;
    assert_eq!(
        asked,
        vec![screen(
            &format!("<b>Шаг 2 из 6. Дата рождения</b>\nНапишите дату рождения ребёнка: день, месяц и год через точку. Добавить можно ребёнка до 14 лет.\nПример: 01.12.2015\nСейчас: 01.12.2015{CANCEL}"),
            &[BACK],
        )]
    );
    assert_eq!(
        say(&mut bot, "02.12.2015").await,
        vec![summary(&MARIA.replace("01.12.2015", "02.12.2015"))]
    );

    // Fixing the policy asks its kind again, then the number, then shows the summary.
    press(&mut bot, "k:ed").await;
    assert_eq!(
        press(&mut bot, "k:fx:p").await.shown,
        vec![ask_policy_kind()]
    );
    assert_eq!(press(&mut bot, "k:pk:o").await.shown, vec![ask_series()]);
    assert_eq!(say(&mut bot, "ЕАА").await, vec![ask_old_number("ЕАА")]);
    let shown = say(&mut bot, "7654321098").await;
    assert_eq!(
        shown,
        vec![summary(&MARIA.replace("01.12.2015", "02.12.2015").replace(
            "Полис нового образца: 3851 2345 1234 5678",
            "Полис старого образца: ЕАА 7654321098"
        ))]
    );

    // Fixing the sex asks the relation again, pre-selected from the new sex.
    press(&mut bot, "k:ed").await;
    press(&mut bot, "k:fx:s").await;
    assert_eq!(
        press(&mut bot, "k:sx:m").await.shown,
        vec![ask_relation("✓ Сын", "Дочь")]
    );
    let shown = press(&mut bot, "k:rl:s").await.shown;
    assert!(
        shown[0].0.contains("Пол: Мужской\nКем приходится: Сын"),
        "{}",
        shown[0].0
    );
    assert_eq!(shown[0].1, kb(SUMMARY_KB));
}

#[tokio::test(flavor = "multi_thread")]
async fn back_goes_one_question_back_and_from_the_first_to_the_list() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::Summary)).await;
    assert_eq!(press(&mut bot, "k:b").await.shown, vec![ask_new_number()]);
    assert_eq!(press(&mut bot, "k:b").await.shown, vec![ask_policy_kind()]);
    assert_eq!(
        press(&mut bot, "k:b").await.shown,
        vec![ask_relation("Сын", "✓ Дочь")]
    );
    assert_eq!(press(&mut bot, "k:b").await.shown, vec![ask_sex()]);
    assert_eq!(press(&mut bot, "k:b").await.shown, vec![ask_birth_date()]);
    assert_eq!(press(&mut bot, "k:b").await.shown, vec![ask_name()]);
    assert_eq!(press(&mut bot, "k:b").await.shown, vec![empty_list()]);
    assert_eq!(
        bot.get_state::<State>().await,
        State::Children(ChildrenState::List)
    );

    // «Назад» under an error message works too, and answers kept so far stay.
    bot.set_state(old_number_state()).await;
    say(&mut bot, "abc").await;
    assert_eq!(press(&mut bot, "k:b").await.shown, vec![ask_series()]);
    assert_eq!(press(&mut bot, "k:b").await.shown, vec![ask_policy_kind()]);
    assert_eq!(
        press(&mut bot, "k:pk:n").await.shown,
        vec![ask_new_number()]
    );
    assert_eq!(
        say(&mut bot, "3851234512345678").await,
        vec![summary(MARIA)]
    );
}

/// The form the dialogue is at; the test fails when it is left.
async fn the_form(bot: &Bot) -> Form {
    let State::Children(ChildrenState::Form(form)) = bot.get_state::<State>().await else {
        panic!("the form is left")
    };
    form
}

#[tokio::test(flavor = "multi_thread")]
async fn back_under_an_error_goes_to_the_previous_question() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::BirthDate)).await;
    assert_eq!(
        say(&mut bot, "31.02.2020").await,
        wrong("Такой даты нет в календаре — проверьте день и месяц. Пример: 01.12.2015")
    );
    assert_eq!(press(&mut bot, "k:b").await.shown, vec![ask_name()]);
    let form = the_form(&bot).await;
    assert_eq!((form.step, form.birth_date), (Step::Name, None));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_date_retyped_after_back_says_what_was_kept_and_returns_to_the_summary() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::Summary)).await;
    for _ in 0..5 {
        press(&mut bot, "k:b").await;
    }
    let form = the_form(&bot).await;
    assert_eq!(form.step, Step::BirthDate);
    // An error first: the question stays, the answers after it too.
    say(&mut bot, "вчера").await;
    let (text, keyboard) = summary(&MARIA.replace("01.12.2015", "02.12.2015"));
    let noted = text.replacen(
        DEMO,
        &format!("{DEMO}Дата рождения изменена; пол, родство и полис сохранены.\n\n"),
        1,
    );
    assert_eq!(say(&mut bot, "02.12.2015").await, vec![(noted, keyboard)]);

    // Back to the name from the sex: one kept answer is named alone, and the form goes on at the sex.
    bot.set_state(form_at(Step::Sex)).await;
    press(&mut bot, "k:b").await;
    press(&mut bot, "k:b").await;
    let shown = say(&mut bot, "Иванова Мария Ивановна").await;
    assert!(
        shown[0]
            .0
            .contains("ФИО изменено; дата рождения сохранена."),
        "{}",
        shown[0].0
    );
    assert_eq!(shown[0].1, ask_sex().1);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_mid_way_leaves_the_form_for_the_menu_and_saves_nothing() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::Number)).await;
    let replies = say(&mut bot, "/cancel").await;
    assert_eq!(
        replies[0],
        plain("Хорошо, отменено. Возвращаю в меню.", &[])
    );
    assert!(replies[1].0.contains("Главное меню"));
    assert_eq!(bot.get_state::<State>().await, State::Menu);
    assert!(h.store().children(USER).await.unwrap().is_empty());
    // The next number is text that names nothing at the menu.
    let replies = say(&mut bot, "3851234512345678").await;
    assert_eq!(
        replies[0].0,
        "Не нашёл такого врача или специальности. Напишите, например: «педиатр» или фамилию врача."
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn close_on_the_summary_discards_the_form() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::Summary)).await;
    assert_eq!(press(&mut bot, "k:x").await.shown, vec![empty_list()]);
    assert!(h.store().children(USER).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_button_is_answered_and_the_current_question_shown_again() {
    let h = harness().await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(form_at(Step::Name)).await;
    for data in [
        "k:sx:f", "k:sv", "k:fx:n", "k:pk:n", "k:dy:42", "k:ip:0", "k:c:0", "k:zzz",
    ] {
        let pressed = press(&mut bot, data).await;
        assert_eq!(
            pressed.notice.as_deref(),
            Some("Эта кнопка устарела — показываю актуальный шаг."),
            "{data}"
        );
        assert_eq!(pressed.shown, vec![ask_name()], "{data}");
        assert_eq!(
            bot.get_state::<State>().await,
            form_at(Step::Name),
            "{data}"
        );
    }
    // A second «Сохранить» after saving is stale too, and saves nothing twice.
    bot.set_state(form_at(Step::Summary)).await;
    press(&mut bot, "k:sv").await;
    let again = press(&mut bot, "k:sv").await;
    assert_eq!(
        again.notice.as_deref(),
        Some("Эта кнопка устарела — показываю актуальный шаг.")
    );
    assert_eq!(h.store().children(USER).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_child_is_deleted_only_after_confirmation() {
    let h = harness().await;
    let child = h.store().add_child(USER, &maria()).await.unwrap();
    let id = child.id.to_string();
    let mut bot = h.bot(tap(&format!("k:c:{id}")));
    bot.dispatch().await;
    let card = screen(
        MARIA_MASKED,
        &[
            &[
                ("✏️ Изменить", &format!("k:ch:{id}")),
                ("🗑 Удалить", &format!("k:d:{id}")),
            ],
            &[("« Назад", "k:l")],
        ],
    );
    let shown = &bot.get_responses().edited_messages_text[0].message;
    assert_eq!(
        (shown.text().unwrap().to_owned(), message_keyboard(shown)),
        card
    );

    let confirm = screen(
        "<b>Удалить данные ребёнка Иванова Мария Ивановна?</b>\nОни будут удалены из бота. Записи в поликлиниках при этом не отменяются.",
        &[&[
            ("Да, удалить", &format!("k:dy:{id}")),
            ("Нет", &format!("k:dn:{id}")),
        ]],
    );
    assert_eq!(
        press(&mut bot, &format!("k:d:{id}")).await.shown,
        vec![confirm.clone()]
    );
    assert_eq!(
        press(&mut bot, &format!("k:dn:{id}")).await.shown,
        vec![card]
    );
    assert!(h.store().child(USER, child.id).await.unwrap().is_some());

    // «Да» under an old question, after «Нет», does nothing.
    let stale = press(&mut bot, &format!("k:dy:{id}")).await;
    assert_eq!(
        stale.notice.as_deref(),
        Some("Эта кнопка устарела — показываю актуальный шаг.")
    );
    assert!(h.store().child(USER, child.id).await.unwrap().is_some());

    h.store()
        .set_active_person(USER, Some(child.id))
        .await
        .unwrap();
    press(&mut bot, &format!("k:d:{id}")).await;
    let deleted = press(&mut bot, &format!("k:dy:{id}")).await;
    assert_eq!(deleted.notice.as_deref(), Some("Данные ребёнка удалены."));
    assert_eq!(deleted.shown, vec![empty_list()]);
    assert_eq!(h.store().child(USER, child.id).await.unwrap(), None);
    assert_eq!(
        h.store().active_person(USER).await.unwrap(),
        ActivePerson::Me
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_button_naming_another_users_child_is_refused() {
    let h = harness().await;
    let theirs = h.store().add_child(OTHER_USER, &maria()).await.unwrap();
    let id = theirs.id;
    let mut bot = h.bot(text("/help"));
    for data in [
        format!("k:c:{id}"),
        format!("k:ch:{id}"),
        format!("k:d:{id}"),
        format!("k:as:{id}"),
    ] {
        let pressed = press(&mut bot, &data).await;
        assert_eq!(
            pressed.notice.as_deref(),
            Some("Этого ребёнка нет в вашем списке — возможно, его данные уже удалили."),
            "{data}"
        );
        assert_eq!(pressed.shown, vec![empty_list()], "{data}");
        assert!(
            !pressed.shown[0].0.contains("Иванова"),
            "nothing of the other child is shown"
        );
    }
    // Even with a state that names the child (as if the confirmation had been shown), deletion is refused.
    bot.set_state(State::Children(ChildrenState::ConfirmDelete { child: id }))
        .await;
    let pressed = press(&mut bot, &format!("k:dy:{id}")).await;
    assert_eq!(
        pressed.notice.as_deref(),
        Some("Этого ребёнка нет в вашем списке — возможно, его данные уже удалили.")
    );
    assert_eq!(h.store().child(OTHER_USER, id).await.unwrap(), Some(theirs));
    assert_eq!(
        h.store().active_person(USER).await.unwrap(),
        ActivePerson::Me
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_active_person_is_switched_from_the_menu_and_shown_there() {
    let h = harness().await;
    let maria = h.store().add_child(USER, &maria()).await.unwrap();
    let petr = h.store().add_child(USER, &petr()).await.unwrap();
    let mut bot = h.bot(text("/start"));
    bot.dispatch().await;
    let menu = &bot.get_responses().sent_messages_text[0].message;
    assert_eq!(
        message_keyboard(menu).last().unwrap(),
        &vec![("👤 Для кого: Я".to_owned(), "k:who".to_owned())]
    );

    let picker = |me: &str, m: &str, p: &str, now: &str| {
        screen(
            &format!("<b>Для кого записываемся?</b>\nЗапись к врачу будет для выбранного человека. В «Мои записи» видны записи всех — по людям.\nСейчас: {now}"),
            &[
                &[(me, "k:me")],
                &[(m, &format!("k:as:{}", maria.id))],
                &[(p, &format!("k:as:{}", petr.id))],
                &[("➕ Добавить ребёнка", "k:add")],
                &[("« Меню", "menu")],
            ],
        )
    };
    assert_eq!(
        press(&mut bot, "k:who").await.shown,
        vec![picker("✓ Я", "Иванова М. И.", "Петров П.", "Я")]
    );
    let chosen = press(&mut bot, &format!("k:as:{}", petr.id)).await;
    assert_eq!(
        chosen.notice.as_deref(),
        Some("Теперь записываемся для: Петров П.")
    );
    assert!(chosen.shown[0].0.contains("Главное меню"));
    assert_eq!(
        chosen.shown[0].1.last().unwrap(),
        &vec![("👤 Для кого: Петров П.".to_owned(), "k:who".to_owned())]
    );
    assert_eq!(
        h.store().active_person(USER).await.unwrap(),
        ActivePerson::Child(petr.clone())
    );
    assert_eq!(
        press(&mut bot, "k:who").await.shown,
        vec![picker("Я", "Иванова М. И.", "✓ Петров П.", "Петров П.")]
    );
    let me = press(&mut bot, "k:me").await;
    assert_eq!(me.notice.as_deref(), Some("Теперь записываемся для: Я"));
    assert_eq!(
        h.store().active_person(USER).await.unwrap(),
        ActivePerson::Me
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_child_is_changed_from_its_card() {
    let h = harness().await;
    let child = h.store().add_child(USER, &maria()).await.unwrap();
    let mut bot = h.bot(tap(&format!("k:ch:{}", child.id)));
    bot.dispatch().await;
    let shown = &bot.get_responses().edited_messages_text[0].message;
    assert!(shown.text().unwrap().contains("<b>Что исправить?</b>"));
    press(&mut bot, "k:fx:n").await;
    let asked = say(&mut bot, "Иванова Марина Ивановна").await;
    assert_eq!(asked, vec![summary(&MARIA.replace("Мария", "Марина"))]);
    let saved = press(&mut bot, "k:sv").await;
    assert_eq!(saved.notice.as_deref(), Some("Данные ребёнка сохранены."));
    assert!(saved.shown[0].0.contains("<b>Иванова Марина Ивановна</b>"));
    let stored = the_child(&h).await;
    assert_eq!(stored.id, child.id);
    assert_eq!(stored.full_name().full(), "Иванова Марина Ивановна");
    assert_eq!(
        bot.get_state::<State>().await,
        State::Children(ChildrenState::Card { child: child.id })
    );
}

fn from_gosuslugi() -> Vec<ImportableChild> {
    vec![
        ImportableChild {
            full_name: Some("ИВАНОВА МАРИЯ ИВАНОВНА".into()),
            birth_date: Some("01.12.2015".into()),
            sex: Some(Sex::Female),
            policy_series: None,
            policy_number: None,
        },
        ImportableChild {
            full_name: Some("Петров Пётр".into()),
            birth_date: Some("09.03.2019".into()),
            sex: Some(Sex::Male),
            policy_series: Some("ЕАА".into()),
            policy_number: Some("7654321098".into()),
        },
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_child_from_gosuslugi_is_prefilled_and_only_the_missing_policy_is_asked() {
    let h = harness_with(from_gosuslugi()).await;
    let mut bot = h.bot(tap("s:kids"));
    bot.dispatch().await;
    let list = &bot.get_responses().edited_messages_text[0].message;
    assert_eq!(
        message_keyboard(list),
        kb(&[
            &[("➕ Добавить ребёнка", "k:add")],
            &[("🏛 Добавить из Госуслуг", "k:imp")],
            &[("« Меню", "menu")],
        ])
    );
    assert_eq!(
        press(&mut bot, "k:imp").await.shown,
        vec![screen(
            "<b>Дети из Госуслуг</b>\nВыберите ребёнка — я заполню его данные из Госуслуг, а вы проверите их перед сохранением.",
            &[
                &[("Иванова М. И.", "k:ip:0")],
                &[("Петров П.", "k:ip:1")],
                &[("➕ Добавить ребёнка", "k:add")],
                &[("« Назад", "k:l")],
            ],
        )]
    );
    let (question, keyboard) = ask_policy_kind();
    let question = question.replacen(
        DEMO,
        &format!("{DEMO}Данные из Госуслуг подставлены. Осталось ответить на вопрос ниже.\n\n"),
        1,
    );
    assert_eq!(
        press(&mut bot, "k:ip:0").await.shown,
        vec![(question, keyboard)]
    );
    press(&mut bot, "k:pk:n").await;
    assert_eq!(
        say(&mut bot, "3851234512345678").await,
        vec![summary(MARIA)]
    );
    press(&mut bot, "k:sv").await;
    assert_eq!(the_child(&h).await.details, maria());

    // Maria is now on the list, so only Pyotr is offered, and his data is complete.
    let offered = press(&mut bot, "k:imp").await.shown;
    assert_eq!(
        offered[0].1[0],
        vec![("Петров П.".to_owned(), "k:ip:1".to_owned())]
    );
    let (summary_text, summary_kb) = summary(
        "<b>Петров Пётр</b>\nДата рождения: 09.03.2019\nПол: Мужской\nКем приходится: Сын\nПолис старого образца: ЕАА 7654321098",
    );
    let summary_text = summary_text.replacen(
        DEMO,
        &format!("{DEMO}Данные из Госуслуг подставлены — проверьте их перед сохранением.\n\n"),
        1,
    );
    assert_eq!(
        press(&mut bot, "k:ip:1").await.shown,
        vec![(summary_text, summary_kb)]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_gosuslugi_data_is_asked_again_with_the_reason() {
    let h = harness_with(vec![ImportableChild {
        full_name: Some("Ivanova Maria".into()),
        birth_date: Some("01.12.2015".into()),
        sex: Some(Sex::Female),
        policy_series: None,
        policy_number: Some("3851234512345678".into()),
    }])
    .await;
    let mut bot = h.bot(text("/help"));
    bot.set_state(State::Children(ChildrenState::Import)).await;
    let shown = press(&mut bot, "k:ip:0").await.shown;
    let (question, keyboard) = ask_name();
    let question = question.replacen(
        DEMO,
        &format!("{DEMO}Данные из Госуслуг подставлены. Осталось ответить на вопрос ниже.\n\n⚠️ В ФИО попалась латинская буква «I». Напишите ФИО русскими буквами, как в документах, например: Иванова Мария Ивановна\n\n"),
        1,
    );
    assert_eq!(shown, vec![(question, keyboard)]);
    assert_eq!(
        say(&mut bot, "Иванова Мария Ивановна").await,
        vec![summary(MARIA)]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_english_speaker_is_asked_and_corrected_in_english() {
    let h = harness().await;
    h.store()
        .set_lang(USER, kvrachu_bot::i18n::Lang::En)
        .await
        .unwrap();
    let mut bot = h.bot(tap("k:add"));
    bot.dispatch().await;
    let shown = &bot.get_responses().edited_messages_text[0].message;
    assert_eq!(
        (shown.text().unwrap().to_owned(), message_keyboard(shown)),
        (
            "🧪 <i>Demo mode: sample clinics and a test Gosuslugi login; no real appointments are made.</i>\n\n<b>Step 1 of 6. Child's full name</b>\nWrite the child's surname, name and patronymic as on the birth certificate, in Russian letters.\nExample: Иванова Мария Ивановна\n\nStop — /cancel".to_owned(),
            kb(&[&[("« Back", "k:b")]])
        )
    );
    let replies = say(&mut bot, "Maria Ivanova").await;
    assert!(replies[0].0.starts_with("⚠️ "), "{}", replies[0].0);
    assert!(replies[0].0.contains("«M»"), "{}", replies[0].0);
    assert!(!replies[0].0.contains("ФИО попалась"), "{}", replies[0].0);
}
