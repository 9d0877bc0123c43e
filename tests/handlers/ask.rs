//! Free text at the menu (issue 15): «терапевт», a doctor's surname, «запиши дочь к педиатру» open the
//! doctors or the doctor's days at the person's own clinic; text that names nothing gets one line with an
//! example and the menu stays.

use kvrachu_bot::bot::booking::{Here, Step};
use kvrachu_bot::bot::State;
use kvrachu_bot::domain::{PolicyNumber, Sex};
use kvrachu_bot::store::ActivePerson;
use teloxide_tests::server::Responses;

use crate::booking::state_of;
use crate::*;

/// A consented user at the menu, linked to Gosuslugi with a policy (the demo attaches any policy to an
/// adults' and a children's polyclinic).
async fn at_menu() -> Harness {
    let h = Harness::new().await;
    h.consented().await;
    let mut link = person_link(true);
    link.person.policy = Some(PolicyNumber::parse_new("3851234512345678").unwrap());
    h.store().save_esia_link(USER, &link).await.unwrap();
    h
}

async fn say(h: &Harness, said: &str) -> Responses {
    let mut bot = h.bot(text(said));
    bot.dispatch().await;
    bot.get_responses()
}

fn texts(responses: &Responses) -> Vec<String> {
    responses
        .sent_messages_text
        .iter()
        .map(|m| m.message.text().unwrap_or_default().to_owned())
        .collect()
}

/// The booking step stored, with its clinic.
async fn step_of(h: &Harness) -> (i64, Step) {
    match state_of(h).await {
        State::Booking(Here::Flow(flow)) => (flow.clinic, flow.step),
        other => panic!("not booking: {other:?}"),
    }
}

async fn active_child(h: &Harness) -> Option<i64> {
    match h.store().active_person(USER).await.unwrap() {
        ActivePerson::Child(child) => Some(child.id),
        ActivePerson::Me => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_specialty_typed_at_the_menu_opens_its_doctors_at_the_own_clinic() {
    let h = at_menu().await;
    let responses = say(&h, "к терапевту, пожалуйста").await;
    let (clinic, step) = step_of(&h).await;
    let Step::Doctors { specialty, .. } = step else {
        panic!("{step:?}");
    };
    assert_eq!(specialty.name, "Терапевт");
    // The adults' polyclinic the policy is attached to.
    let kind = h.ctx.registry.clinic(clinic).await.unwrap().kind;
    assert_eq!(kind.as_deref(), Some("Поликлиника"));
    let shown = texts(&responses);
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(
        shown[0].contains("<b>Терапевт</b>") || shown[0].contains("Терапевт"),
        "{shown:?}"
    );
    assert!(shown[0].contains("Выберите врача"), "{shown:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_surname_typed_at_the_menu_opens_the_doctors_days() {
    let h = at_menu().await;
    say(&h, "терапевт").await;
    let (clinic, _) = step_of(&h).await;
    let registry = h.ctx.registry.clone();
    let specialty = registry
        .specialties(clinic)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "Терапевт")
        .unwrap();
    let doctor = registry
        .doctors(clinic, &specialty.id)
        .await
        .unwrap()
        .remove(0)
        .full_name();
    let surname = doctor.split_whitespace().next().unwrap().to_owned();
    crate::booking::set_state(&h, State::Menu).await;

    let responses = say(&h, &format!("к {surname}")).await;
    let (at, step) = step_of(&h).await;
    assert_eq!(at, clinic);
    let Step::Days { doctor: found, .. } = step else {
        panic!("{step:?}");
    };
    assert!(found.name.starts_with(&surname), "{found:?} for {surname}");
    let shown = texts(&responses);
    assert!(
        shown[0].contains("Выберите день") || shown[0].contains(&surname),
        "{shown:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_daughter_named_in_the_text_becomes_the_person_and_two_are_asked_about() {
    let h = at_menu().await;
    let son = add_child(&h, "Иванов Пётр Иванович", Sex::Male, 2016).await;
    let daughter = add_child(&h, "Иванова Мария Ивановна", Sex::Female, 2018).await;
    h.store().set_active_person(USER, Some(son)).await.unwrap();

    let responses = say(&h, "запиши дочь к педиатру").await;
    assert_eq!(active_child(&h).await, Some(daughter));
    let (clinic, step) = step_of(&h).await;
    assert!(
        matches!(&step, Step::Doctors { specialty, .. } if specialty.name == "Педиатр"),
        "{step:?}"
    );
    // The children's polyclinic, for a child.
    let kind = h.ctx.registry.clinic(clinic).await.unwrap().kind;
    assert_ne!(kind.as_deref(), Some("Поликлиника"));
    assert!(
        texts(&responses)[0].contains("👤 Для: Мария"),
        "{:?}",
        texts(&responses)
    );

    // A second daughter: «Для кого?», and the answer opens the same search for her.
    let anna = add_child(&h, "Иванова Анна Ивановна", Sex::Female, 2020).await;
    crate::booking::set_state(&h, State::Menu).await;
    let responses = say(&h, "дочку к педиатру").await;
    let shown = texts(&responses);
    assert!(shown[0].contains("Для кого запись?"), "{shown:?}");
    let kb = message_keyboard(&responses.sent_messages_text[0].message);
    assert_eq!(labels(&kb)[0], vec!["Мария", "Анна"]);
    let mut bot = h.bot(tap(&data_of(&kb, "Анна")));
    bot.dispatch().await;
    let (text, _) = edited(&bot.get_responses());
    drop(bot);
    assert!(text.contains("👤 Для: Анна"), "{text}");
    assert_eq!(active_child(&h).await, Some(anna));
    let (_, step) = step_of(&h).await;
    assert!(
        matches!(&step, Step::Doctors { specialty, .. } if specialty.name == "Педиатр"),
        "{step:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn text_that_names_nothing_gets_an_example_and_the_menu_stays() {
    let h = at_menu().await;
    let responses = say(&h, "абракадабра").await;
    assert_eq!(
        texts(&responses),
        ["Не нашёл такого врача или специальности. Напишите, например: «педиатр» или фамилию врача."]
    );
    assert_eq!(state_of(&h).await, State::Menu);
    // Only a person, nothing to look for: the same line.
    let responses = say(&h, "запиши меня").await;
    assert_eq!(texts(&responses).len(), 1);
    assert!(texts(&responses)[0].starts_with("Не нашёл"));
    assert_eq!(state_of(&h).await, State::Menu);
}
