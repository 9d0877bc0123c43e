//! Issue 15's shortcuts on the booking screens: «⚡ Ближайший приём» across a specialty's doctors.

use kvrachu_bot::bot::booking::{Flow, Here, Step};
use kvrachu_bot::bot::State;

use crate::booking::set_state;
use crate::*;

const CLINIC: i64 = 111;

#[tokio::test(flavor = "multi_thread")]
async fn the_soonest_times_of_all_doctors_are_one_screen_and_one_tap_from_the_confirmation() {
    let h = Harness::new().await;
    h.consented().await;
    link_gosuslugi(&h, true).await;
    let registry = h.ctx.registry.clone();
    // A specialty with at least two doctors with free places.
    let mut chosen = None;
    for (n, specialty) in registry
        .specialties(CLINIC)
        .await
        .unwrap()
        .into_iter()
        .enumerate()
    {
        let doctors = registry
            .doctors(CLINIC, &specialty.id)
            .await
            .unwrap_or_default();
        if doctors
            .iter()
            .filter(|d| d.free_participant_count > 0)
            .count()
            >= 2
        {
            chosen = Some((n, doctors));
            break;
        }
    }
    let (n, doctors) = chosen.expect("the demo clinic has a specialty with two free doctors");
    let flow = Flow {
        clinic: CLINIC,
        from: None,
        step: Step::Specialties { page: 1 },
        keys: Vec::new(),
    };
    set_state(&h, State::Booking(Here::Flow(Box::new(flow)))).await;
    // «Повторить» draws the specialties (and what their buttons stand for).
    let mut bot = h.bot(tap("bk:r"));
    bot.dispatch().await;
    let (_, kb) = edited(&tap_on(&mut bot, &format!("bk:s:{n}")).await);
    assert_eq!(data_of(&kb, "⚡ Ближайший приём"), "bk:n");

    let (text, kb) = edited(&tap_on(&mut bot, "bk:n").await);
    assert!(
        text.contains("ближайшее свободное время у всех врачей"),
        "{text}"
    );
    let times: Vec<_> = kb
        .iter()
        .flatten()
        .filter(|(_, d)| d.starts_with("bk:t:"))
        .collect();
    assert!(!times.is_empty() && times.len() <= 6, "{kb:?}");
    // «чт 03.12 11:00 — Белова А. В.», soonest first.
    let mut when = Vec::new();
    for (i, (label, data)) in times.iter().enumerate() {
        assert_eq!(*data, format!("bk:t:{i}"));
        let (at, doctor) = label.split_once(" — ").expect(label);
        assert!(
            doctors.iter().any(|d| d.free_participant_count > 0
                && doctor.starts_with(d.full_name().split_whitespace().next().unwrap())),
            "{label}"
        );
        let (_, at) = at.split_once(' ').expect(label);
        let at = chrono::NaiveDateTime::parse_from_str(&format!("2026.{at}"), "%Y.%d.%m %H:%M");
        when.push(at.expect(label));
    }
    assert!(when.windows(2).all(|w| w[0] <= w[1]), "{when:?}");
    let first_doctor = times[0].0.split_once(" — ").unwrap().1.to_owned();

    let (text, kb) = edited(&tap_on(&mut bot, "bk:t:0").await);
    assert!(text.contains("<b>Проверьте запись</b>"), "{text}");
    assert!(
        text.contains(first_doctor.split_whitespace().next().unwrap()),
        "{text}"
    );
    assert_eq!(labels(&kb)[0], vec!["✅ Подтвердить"]);
    assert!(matches!(
        bot.get_state::<State>().await,
        State::Booking(Here::Flow(flow)) if matches!(flow.step, Step::Confirm { .. })
    ));
}
