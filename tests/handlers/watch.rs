//! Issue 16 in the bot: «Ждать талон» for a child with a window and auto-book, the limits, «Мои ожидания»
//! (by person; edit, pause, stop), and the notice's «Записать» (the watch's person, whoever «Для кого»
//! points at) and «Пропустить этот». Against the demo registry served on 127.0.0.1.

use kvrachu_bot::bot::booking::{Choice, Flow, Here, Step};
use kvrachu_bot::bot::watch::cb::slot_tag;
use kvrachu_bot::bot::State;
use kvrachu_bot::domain::watch_window::WatchWindow;
use kvrachu_bot::domain::{BirthDate, FullName, PolicyNumber, Relation, Sex};
use kvrachu_bot::registry::Slot;
use kvrachu_bot::store::{
    AddWatch, Child, ChildDetails, NewWatch, Watch, WatchLabels, WatchPlan, WatchStatus,
};
use teloxide_tests::server::Responses;

use crate::booking::{set_state, state_of};
use crate::*;

const CLINIC: i64 = 111;

fn toast(responses: &Responses) -> Option<String> {
    responses.answered_callback_queries[0].text.clone()
}

fn child(name: &str, born: (i32, u32, u32), sex: Sex, relation: Relation) -> ChildDetails {
    ChildDetails {
        full_name: FullName::parse(name).unwrap(),
        birth_date: BirthDate::try_from(
            chrono::NaiveDate::from_ymd_opt(born.0, born.1, born.2).unwrap(),
        )
        .unwrap(),
        sex,
        relation,
        policy: PolicyNumber::parse_new("8451999122899990").unwrap(),
    }
}

/// A consented parent with a confirmed Gosuslugi account and two children, Мария and Пётр.
async fn parent() -> (Harness, Child, Child) {
    let h = Harness::new().await;
    h.consented().await;
    link_gosuslugi(&h, true).await;
    let kids = [
        (
            "Иванова Мария Ивановна",
            (2018, 5, 4),
            Sex::Female,
            Relation::Daughter,
        ),
        (
            "Иванов Пётр Иванович",
            (2020, 1, 9),
            Sex::Male,
            Relation::Son,
        ),
    ];
    let mut added = Vec::new();
    for (name, born, sex, relation) in kids {
        let details = child(name, born, sex, relation);
        added.push(h.store().add_child(USER, &details).await.unwrap());
    }
    let petr = added.pop().unwrap();
    let maria = added.pop().unwrap();
    (h, maria, petr)
}

/// The first specialty of the demo clinic and its first doctor with free slots.
async fn doctor_with_slots(h: &Harness) -> (Choice, Choice, u16) {
    let registry = h.ctx.registry.clone();
    for specialty in registry.specialties(CLINIC).await.unwrap() {
        let doctors = registry
            .doctors(CLINIC, &specialty.id)
            .await
            .unwrap_or_default();
        if let Some(n) = doctors.iter().position(|d| d.free_participant_count > 0) {
            let doctor = &doctors[n];
            return (
                Choice {
                    id: specialty.id.clone(),
                    name: specialty.name.clone(),
                },
                Choice {
                    id: doctor.id.clone(),
                    name: doctor.name.clone(),
                },
                n as u16,
            );
        }
    }
    panic!("the demo clinic has a doctor with slots");
}

/// The dialogue at the specialty's doctors (drawn by the next «bk:r»).
async fn at_doctors(h: &Harness, specialty: &Choice) {
    let step = Step::Doctors {
        specialty: specialty.clone(),
        page: 1,
    };
    let flow = Flow {
        clinic: CLINIC,
        from: None,
        step,
        keys: Vec::new(),
    };
    set_state(h, State::Booking(Here::Flow(Box::new(flow)))).await;
}

/// The child's plan: any time, telling the user.
fn for_child(child: &Child) -> WatchPlan {
    WatchPlan {
        child_id: Some(child.id),
        ..WatchPlan::default()
    }
}

/// A watch for `child` of `target`, and the first free slot of `doctor` (what a notice would offer), with
/// the bot at the menu.
async fn a_notice(
    h: &Harness,
    child: &Child,
    target: &NewWatch,
    doctor: &Choice,
) -> (Watch, Slot, Bot) {
    let watch = add(h, target, for_child(child)).await;
    let slot = h.ctx.registry.slots(CLINIC, &doctor.id).await.unwrap()[0].clone();
    let mut bot = h.bot(tap("menu"));
    bot.dispatch().await;
    (watch, slot, bot)
}

/// A notice's button about `slot_id`: `b` «Записать», `s` «Пропустить этот».
fn on_slot(kind: &str, watch: &Watch, slot_id: &str) -> String {
    format!("wt:{kind}:{}:{:08x}", watch.id, slot_tag(slot_id))
}

/// How many upcoming visits the user's family has.
async fn visits_of(h: &Harness) -> usize {
    h.store()
        .upcoming_appointments(USER, 0)
        .await
        .unwrap()
        .len()
}

/// The watch as stored now.
async fn stored(h: &Harness, id: i64) -> Watch {
    h.store().watch(USER, id).await.unwrap().unwrap()
}

fn new_watch(specialty: &Choice, doctor: Option<&Choice>) -> NewWatch {
    NewWatch {
        user_id: USER,
        lpu_id: CLINIC,
        specialty_id: specialty.id.clone(),
        doctor_id: doctor.map(|d| d.id.clone()),
        labels: WatchLabels {
            clinic: "Поликлиника".into(),
            specialty: specialty.name.clone(),
            doctor: doctor.map(|d| d.name.clone()).unwrap_or_default(),
        },
    }
}

async fn add(h: &Harness, new: &NewWatch, plan: WatchPlan) -> Watch {
    let now = chrono::Utc::now().timestamp();
    match h.store().add_watch_for(new, &plan, 300, now).await.unwrap() {
        AddWatch::Added(watch) => watch,
        other => panic!("{other:?}"),
    }
}

/// The text and keyboard of the one message the bot sent after a text.
fn sent(responses: &Responses) -> (String, Keyboard) {
    let message = &responses
        .sent_messages_text
        .last()
        .expect("a message")
        .message;
    (
        message.text().unwrap().to_owned(),
        message_keyboard(message),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_parent_waits_for_a_slot_for_a_child_with_a_typed_window_and_auto_book() {
    let (h, maria, petr) = parent().await;
    // Booking is for Мария: the watch is for her unless changed.
    h.store()
        .set_active_person(USER, Some(maria.id))
        .await
        .unwrap();
    let (specialty, doctor, n) = doctor_with_slots(&h).await;
    at_doctors(&h, &specialty).await;
    let mut bot = h.bot(tap("menu"));
    // The specialty's screen offers a watch, and so does the doctor's, though slots exist.
    let (_, kb) = edited(&tap_on(&mut bot, "bk:r").await);
    assert_eq!(data_of(&kb, "🔔 Ждать талон"), "bk:w");
    let (text, kb) = edited(&tap_on(&mut bot, &format!("bk:d:{n}")).await);
    assert!(text.contains("Выберите день"), "{text}");
    assert_eq!(data_of(&kb, "🔔 Ждать талон"), "bk:w");

    let (text, kb) = edited(&tap_on(&mut bot, "bk:w").await);
    assert!(text.contains("🔔 <b>Ждать талон</b>"), "{text}");
    assert!(text.contains("Для кого: <b>Иванова М. И.</b>"), "{text}");
    assert!(
        text.contains("Когда подходит: <b>любое время</b>"),
        "{text}"
    );
    assert!(
        text.contains("Ожиданий: 0 из 10 — можно ещё 10; каждое длится 30 дней."),
        "{text}"
    );
    assert_eq!(labels(&kb)[0], vec!["Я", "✓ Иванова М. И.", "Иванов П. И."]);
    assert_eq!(data_of(&kb, "✓ Любое время"), "wt:w:0");
    // One tap to Пётр, one back to Мария.
    let (text, _) = edited(&tap_on(&mut bot, &format!("wt:f:{}", petr.id)).await);
    assert!(text.contains("Для кого: <b>Иванов П. И.</b>"), "{text}");
    edited(&tap_on(&mut bot, &format!("wt:f:{}", maria.id)).await);

    // «Своё окно»: a clause it cannot read keeps the form and says why, with an example.
    let (text, _) = edited(&tap_on(&mut bot, "wt:t").await);
    assert!(
        text.contains("<code>будни, после 15:00, до 20.12</code>"),
        "{text}"
    );
    bot.update(text_msg("когда-нибудь"));
    bot.dispatch().await;
    let (said, _) = sent(&bot.get_responses());
    assert!(
        said.contains("⚠️ Не понял «когда-нибудь». Пример: <code>"),
        "{said}"
    );
    assert!(matches!(state_of(&h).await, State::WatchForm(_)));
    bot.update(text_msg("будни, после 15:00"));
    bot.dispatch().await;
    let (said, kb) = sent(&bot.get_responses());
    assert!(said.contains("Окно: будни, после 15:00"), "{said}");
    assert!(
        said.contains("Когда подходит: <b>будни, после 15:00</b>"),
        "{said}"
    );

    // Auto-book, said in one line.
    assert_eq!(data_of(&kb, "🤖 Автозапись: выкл"), "wt:fa");
    let (text, _) = edited(&tap_on(&mut bot, "wt:fa").await);
    assert!(
        text.contains(
            "запишу Иванова М. И. на первый подходящий талон и сразу сообщу — с кнопкой «Отменить»"
        ),
        "{text}"
    );
    let done = tap_on(&mut bot, "wt:d").await;
    assert_eq!(
        toast(&done).as_deref(),
        Some("Жду талон для: Иванова М. И. — все ожидания в «Мои ожидания»")
    );
    // Back on the doctor's days, whose button now changes that watch.
    let (_, kb) = edited(&done);
    assert_eq!(data_of(&kb, "🔔 Жду талон: изменить"), "bk:w");
    assert!(matches!(
        state_of(&h).await,
        State::Booking(Here::Flow(flow)) if matches!(&flow.step, Step::Days { doctor: d, .. } if d.id == doctor.id)
    ));
    let watches = h.store().watches(USER).await.unwrap();
    assert_eq!(watches.len(), 1);
    let watch = &watches[0];
    assert_eq!(watch.plan.child_id, Some(maria.id));
    assert_eq!(watch.target.doctor_id.as_deref(), Some(doctor.id.as_str()));
    assert!(watch.plan.auto_book);
    assert_eq!(
        watch.plan.window,
        WatchWindow::parse("будни, после 15:00", chrono::Utc::now().date_naive()).unwrap()
    );
    assert_eq!(watch.status, WatchStatus::Active);
}

fn text_msg(t: &str) -> teloxide_tests::MockMessageText {
    text(t)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_groups_watches_by_person_and_edits_pauses_and_stops_them() {
    let (h, maria, _) = parent().await;
    let (specialty, doctor, _) = doctor_with_slots(&h).await;
    let mine = add(&h, &new_watch(&specialty, None), WatchPlan::default()).await;
    let plan = WatchPlan {
        child_id: Some(maria.id),
        auto_book: true,
        ..WatchPlan::default()
    };
    let hers = add(&h, &new_watch(&specialty, Some(&doctor)), plan).await;
    let mut bot = h.bot(tap("menu"));
    bot.dispatch().await;

    let (_, kb) = edited(&tap_on(&mut bot, "s:appts").await);
    assert_eq!(data_of(&kb, "🔔 Мои ожидания (2)"), "wt:l");
    let (text, kb) = edited(&tap_on(&mut bot, "wt:l").await);
    let me_at = text.find("👤 <b>Я</b>").expect(&text);
    let her_at = text.find("👤 <b>Иванова М. И.</b>").expect(&text);
    assert!(me_at < her_at, "{text}");
    assert!(
        text.contains("любое время · автозапись: нет · ждёт до "),
        "{text}"
    );
    assert!(
        text.contains("любое время · автозапись: да · ждёт до "),
        "{text}"
    );
    assert!(
        text.contains("Ожиданий: 2 из 10 — можно ещё 8; каждое длится 30 дней."),
        "{text}"
    );
    assert_eq!(data_of(&kb, "1"), format!("wt:c:{}", mine.id));
    assert_eq!(data_of(&kb, "2"), format!("wt:c:{}", hers.id));

    // Her card: change the window.
    let (text, kb) = edited(&tap_on(&mut bot, &format!("wt:c:{}", hers.id)).await);
    assert!(text.contains("👤 <b>Иванова М. И.</b>"), "{text}");
    assert_eq!(data_of(&kb, "✏️ Окно"), format!("wt:e:{}", hers.id));
    let (text, kb) = edited(&tap_on(&mut bot, &format!("wt:e:{}", hers.id)).await);
    assert!(text.contains("✏️ <b>Изменить ожидание</b>"), "{text}");
    assert!(
        !datas(&kb).iter().any(|d| d.starts_with("wt:f:")),
        "the person stays: {kb:?}"
    );
    edited(&tap_on(&mut bot, "wt:w:1").await);
    let done = tap_on(&mut bot, "wt:d").await;
    assert_eq!(toast(&done).as_deref(), Some("Ожидание изменено."));
    let edited_watch = stored(&h, hers.id).await;
    assert_eq!(edited_watch.plan.window, WatchWindow::after_school());
    assert_eq!(edited_watch.plan.child_id, Some(maria.id));
    assert!(edited_watch.plan.auto_book);

    // Pause, auto-book off while paused (it stays paused), resume.
    let paused = tap_on(&mut bot, &format!("wt:p:{}", hers.id)).await;
    assert_eq!(toast(&paused).as_deref(), Some("Ожидание на паузе."));
    let (text, kb) = edited(&paused);
    assert!(text.contains("⏸ на паузе до "), "{text}");
    assert_eq!(data_of(&kb, "▶️ Продолжить"), format!("wt:p:{}", hers.id));
    let off = tap_on(&mut bot, &format!("wt:a:{}", hers.id)).await;
    assert_eq!(toast(&off).as_deref(), Some("Автозапись выключена."));
    let now = stored(&h, hers.id).await;
    assert_eq!(
        (now.status, now.plan.auto_book),
        (WatchStatus::Paused, false)
    );
    let resumed = tap_on(&mut bot, &format!("wt:p:{}", hers.id)).await;
    assert_eq!(toast(&resumed).as_deref(), Some("Снова жду талон."));
    assert_eq!(stored(&h, hers.id).await.status, WatchStatus::Active);

    // Stop: gone from the list.
    let stopped = tap_on(&mut bot, &format!("wt:x:{}", hers.id)).await;
    assert_eq!(
        toast(&stopped).as_deref(),
        Some("Больше не слежу за талонами.")
    );
    let (text, _) = edited(&stopped);
    assert!(!text.contains("Иванова М. И."), "{text}");
    assert_eq!(h.store().watches(USER).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn at_the_limit_a_line_says_so_instead_of_the_button() {
    let (h, maria, _) = parent().await;
    let (specialty, _, _) = doctor_with_slots(&h).await;
    let mut others = Vec::new();
    for n in 0..10 {
        let other = Choice {
            id: format!("other-{n}"),
            name: format!("Другая {n}"),
        };
        others.push(add(&h, &new_watch(&other, None), WatchPlan::default()).await);
    }
    at_doctors(&h, &specialty).await;
    let mut bot = h.bot(tap("menu"));
    let (text, kb) = edited(&tap_on(&mut bot, "bk:r").await);
    assert!(
        text.contains("Ждать талоны можно не больше чем в 10 местах сразу — все заняты."),
        "{text}"
    );
    assert!(!datas(&kb).contains(&"bk:w".to_owned()), "{kb:?}");

    // Мария waits here (the tenth watch): her watch can be changed, and only hers.
    h.store().remove_watch(USER, others[0].id).await.unwrap();
    add(&h, &new_watch(&specialty, None), for_child(&maria)).await;
    h.store()
        .set_active_person(USER, Some(maria.id))
        .await
        .unwrap();
    let (text, kb) = edited(&tap_on(&mut bot, "bk:r").await);
    assert!(!text.contains("все заняты"), "{text}");
    assert_eq!(data_of(&kb, "🔔 Жду талон: изменить"), "bk:w");
    let (_, kb) = edited(&tap_on(&mut bot, "bk:w").await);
    assert_eq!(labels(&kb)[0], vec!["✓ Иванова М. И."]);
}

/// The notice of a watch for Мария while «Для кого» is the parent: «Записать» books Мария.
#[tokio::test(flavor = "multi_thread")]
async fn the_notices_book_books_the_watchs_person_not_the_active_one() {
    let (h, maria, _) = parent().await;
    h.store().set_active_person(USER, None).await.unwrap();
    let (specialty, doctor, _) = doctor_with_slots(&h).await;
    let target = new_watch(&specialty, Some(&doctor));
    let (watch, slot, mut bot) = a_notice(&h, &maria, &target, &doctor).await;
    let responses = tap_on(&mut bot, &on_slot("b", &watch, &slot.id)).await;
    let (text, kb) = edited(&responses);
    assert!(
        text.contains("✅ <b>Записал по ожиданию талонов</b>"),
        "{text}"
    );
    assert!(text.contains("Иванова Мария Ивановна"), "{text}");
    assert!(
        datas(&kb).iter().any(|d| d.starts_with("ap:c:")),
        "«Отменить» is there: {kb:?}"
    );
    let now = chrono::Utc::now().timestamp();
    let visits = h.store().upcoming_appointments(USER, now).await.unwrap();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].booking.child_id, Some(maria.id));
    assert_eq!(visits[0].booking.slot_id.as_deref(), Some(slot.id.as_str()));
    assert_eq!(stored(&h, watch.id).await.status, WatchStatus::Booked);
    // «Для кого» did not move.
    assert!(matches!(
        h.store().active_person(USER).await.unwrap(),
        kvrachu_bot::store::ActivePerson::Me
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn skipping_a_slot_keeps_the_watch_looking() {
    let (h, maria, _) = parent().await;
    let (specialty, doctor, _) = doctor_with_slots(&h).await;
    let target = new_watch(&specialty, Some(&doctor));
    let (watch, slot, mut bot) = a_notice(&h, &maria, &target, &doctor).await;
    let responses = tap_on(&mut bot, &on_slot("s", &watch, &slot.id)).await;
    assert_eq!(
        toast(&responses).as_deref(),
        Some("⏭ Этот талон пропущен — ищу дальше.")
    );
    let (_, kb) = edited(&responses);
    assert_eq!(
        data_of(&kb, "📅 Другое время"),
        format!("wt:o:{}", watch.id)
    );
    let after = stored(&h, watch.id).await;
    assert_eq!(after.skipped, vec![slot.id.clone()]);
    assert_eq!(after.status, WatchStatus::Active);
    assert_eq!(visits_of(&h).await, 0, "nothing booked");

    // «Другое время»: the booking of that doctor, for Мария.
    let responses = tap_on(&mut bot, &format!("wt:o:{}", watch.id)).await;
    assert_eq!(
        toast(&responses).as_deref(),
        Some("Записываемся для: Иванова М. И.")
    );
    assert!(matches!(
        h.store().active_person(USER).await.unwrap(),
        kvrachu_bot::store::ActivePerson::Child(c) if c.id == maria.id
    ));
}

/// With «Перенести раньше» on, the notice's «Записать» books the earlier slot and cancels the later visit.
#[tokio::test(flavor = "multi_thread")]
async fn booking_an_earlier_slot_from_a_notice_moves_the_later_visit_when_asked() {
    let (h, maria, _) = parent().await;
    let (specialty, doctor, _) = doctor_with_slots(&h).await;
    let slots = h.ctx.registry.slots(CLINIC, &doctor.id).await.unwrap();
    assert!(slots.len() >= 2, "{slots:?}");
    let (earlier, later) = (slots[0].clone(), slots[slots.len() - 1].clone());
    let target = new_watch(&specialty, Some(&doctor));
    let plan = for_child(&maria);
    let watch = add(&h, &target, plan).await;
    let mut bot = h.bot(tap("menu"));
    bot.dispatch().await;
    let book = |slot: &Slot| on_slot("b", &watch, &slot.id);
    edited(&tap_on(&mut bot, &book(&later)).await);

    // The same watch again, now moving the later visit.
    let plan = WatchPlan {
        child_id: Some(maria.id),
        rebook_earlier: true,
        ..WatchPlan::default()
    };
    let now = chrono::Utc::now().timestamp();
    let renewed = h
        .store()
        .add_watch_for(&target, &plan, 300, now)
        .await
        .unwrap();
    assert!(
        matches!(renewed, AddWatch::Renewed(ref w) if w.id == watch.id),
        "{renewed:?}"
    );
    let (text, _) = edited(&tap_on(&mut bot, &book(&earlier)).await);
    assert!(text.contains("Прежняя запись на "), "{text}");
    assert!(text.contains("отменена: новая — раньше."), "{text}");
    let visits = h.store().upcoming_appointments(USER, now).await.unwrap();
    assert_eq!(visits.len(), 1, "{visits:?}");
    assert_eq!(
        visits[0].booking.slot_id.as_deref(),
        Some(earlier.id.as_str())
    );
    assert_eq!(visits[0].booking.child_id, Some(maria.id));
}

/// For oneself the form says «вас»; without confirmed Gosuslugi it says auto-book cannot book yet.
#[tokio::test(flavor = "multi_thread")]
async fn auto_book_for_oneself_without_gosuslugi_says_it_will_only_tell() {
    let h = Harness::new().await;
    h.consented().await;
    let (specialty, _, _) = doctor_with_slots(&h).await;
    at_doctors(&h, &specialty).await;
    let mut bot = h.bot(tap("menu"));
    edited(&tap_on(&mut bot, "bk:r").await);
    let (text, kb) = edited(&tap_on(&mut bot, "bk:w").await);
    assert_eq!(labels(&kb)[0], vec!["✓ Я"]);
    assert!(!text.contains("⚠️"), "{text}");
    let (text, _) = edited(&tap_on(&mut bot, "wt:fa").await);
    assert!(
        text.contains("запишу вас на первый подходящий талон"),
        "{text}"
    );
    assert!(
        text.contains("⚠️ Чтобы записывать самому, нужна подтверждённая учётная запись Госуслуг"),
        "{text}"
    );
    let done = tap_on(&mut bot, "wt:d").await;
    assert_eq!(
        toast(&done).as_deref(),
        Some("Жду талон для вас — все ожидания в «Мои ожидания»")
    );
}

/// A watch of a whole specialty: «Записать» books the slot of whichever doctor has it, for the watch's child.
#[tokio::test(flavor = "multi_thread")]
async fn the_notices_book_of_a_specialty_watch_books_that_doctor() {
    let (h, _, petr) = parent().await;
    let (specialty, doctor, _) = doctor_with_slots(&h).await;
    let target = new_watch(&specialty, None);
    let (watch, slot, mut bot) = a_notice(&h, &petr, &target, &doctor).await;
    // A slot that is gone: said so, nothing booked, the message stays.
    let responses = tap_on(&mut bot, &on_slot("b", &watch, "no-such-slot")).await;
    assert!(responses.edited_messages_text.is_empty());
    assert_eq!(
        toast(&responses).as_deref(),
        Some("Этот талон уже заняли — ищу дальше.")
    );
    assert_eq!(visits_of(&h).await, 0, "nothing booked");

    let data = on_slot("b", &watch, &slot.id);
    let (text, _) = edited(&tap_on(&mut bot, &data).await);
    assert!(text.contains("Иванов Пётр Иванович"), "{text}");
    let now = chrono::Utc::now().timestamp();
    let visits = h.store().upcoming_appointments(USER, now).await.unwrap();
    assert_eq!(visits.len(), 1, "{visits:?}");
    assert_eq!(
        visits[0].booking.doctor_id.as_deref(),
        Some(doctor.id.as_str())
    );
    assert_eq!(visits[0].booking.child_id, Some(petr.id));

    // The watch has ended with the booking: its notice's buttons say so.
    let again = tap_on(&mut bot, &data).await;
    assert_eq!(
        toast(&again).as_deref(),
        Some("Это ожидание уже закончилось. Начать снова можно на экране врача.")
    );
}
