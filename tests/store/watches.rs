//! Slot watches on both backends: added once per target, renewed, capped, owner-scoped, sealed at rest,
//! claimed once per interval (and by one of several claimers), ended after their time, and forgotten with
//! their user.

use chrono::NaiveDate;
use kvrachu_bot::domain::{BirthDate, FullName, PolicyNumber, Relation, Sex, WatchWindow};
use kvrachu_bot::store::{
    AddWatch, ChildDetails, DataKey, NewWatch, Store, WatchChecked, WatchLabels, WatchPlan,
    WatchStatus, BOOKING_LEASE_SECS, MAX_WATCHES, WATCH_TTL_SECS,
};

use crate::both_backends;

const ALICE: i64 = 7001;
const BOB: i64 = 7002;
const NOW: i64 = 1_795_000_000;
const INTERVAL: i64 = 300;

fn watch(user_id: i64, specialty: &str, doctor: Option<&str>) -> NewWatch {
    NewWatch {
        user_id,
        lpu_id: 111,
        specialty_id: specialty.to_owned(),
        doctor_id: doctor.map(str::to_owned),
        labels: WatchLabels {
            clinic: "ГП №1".to_owned(),
            specialty: "Психиатр-нарколог".to_owned(),
            doctor: doctor.map_or(String::new(), |_| "Смирнова Елена Викторовна".to_owned()),
        },
    }
}

fn added(result: AddWatch) -> kvrachu_bot::store::Watch {
    match result {
        AddWatch::Added(watch) => watch,
        other => panic!("expected a new watch, got {other:?}"),
    }
}

/// Alice's watch of doctor ab-17 (specialty 109), added at `NOW` with `plan`.
async fn alices_watch(store: &Store, plan: &WatchPlan) -> kvrachu_bot::store::Watch {
    let target = watch(ALICE, "109", Some("ab-17"));
    added(
        store
            .add_watch_for(&target, plan, INTERVAL, NOW)
            .await
            .unwrap(),
    )
}

both_backends!(
    a_watch_is_added_once_renewed_capped_and_owned,
    |store: Store, _url: String, _key: DataKey| async move {
        let first = alices_watch(&store, &WatchPlan::default()).await;
        assert_eq!(first.target.doctor_id.as_deref(), Some("ab-17"));
        assert_eq!(first.target.labels.doctor, "Смирнова Елена Викторовна");
        assert!(first.next_check_at > NOW && first.next_check_at <= NOW + INTERVAL);
        assert_eq!(first.expires_at, NOW + WATCH_TTL_SECS);
        assert!(first.seen.is_empty());

        // The same doctor again: renewed, not doubled.
        let renewed = store
            .add_watch(&watch(ALICE, "109", Some("ab-17")), INTERVAL, NOW + 100)
            .await
            .unwrap();
        match renewed {
            AddWatch::Renewed(w) => {
                assert_eq!(w.id, first.id);
                assert_eq!(w.expires_at, NOW + 100 + WATCH_TTL_SECS);
            }
            other => panic!("{other:?}"),
        }
        // The whole specialty is another watch.
        let whole = added(
            store
                .add_watch(&watch(ALICE, "109", None), INTERVAL, NOW)
                .await
                .unwrap(),
        );
        assert_eq!(whole.target.doctor_id, None);
        assert_eq!(
            store
                .find_watch(ALICE, 111, "109", None)
                .await
                .unwrap()
                .map(|w| w.id),
            Some(whole.id)
        );
        for n in 2..MAX_WATCHES {
            added(
                store
                    .add_watch(&watch(ALICE, &format!("s{n}"), None), INTERVAL, NOW)
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(store.watches(ALICE).await.unwrap().len(), MAX_WATCHES);
        assert_eq!(
            store
                .add_watch(&watch(ALICE, "one-more", None), INTERVAL, NOW)
                .await
                .unwrap(),
            AddWatch::TooMany
        );

        // Bob can neither see nor stop Alice's watch.
        assert_eq!(store.watch(BOB, first.id).await.unwrap(), None);
        assert!(!store.remove_watch(BOB, first.id).await.unwrap());
        assert!(store.remove_watch(ALICE, first.id).await.unwrap());
        assert!(!store.remove_watch(ALICE, first.id).await.unwrap());

        // Forgetting Alice forgets her watches.
        store.forget_user(ALICE).await.unwrap();
        assert!(store.watches(ALICE).await.unwrap().is_empty());
    }
);

both_backends!(
    what_a_user_waits_for_is_sealed_at_rest,
    |store: Store, url: String, _key: DataKey| async move {
        alices_watch(&store, &WatchPlan::default()).await;
        let raw = crate::databases::raw_column(&url, "slot_watches", "labels").await;
        assert_eq!(raw.len(), 1);
        for secret in ["нарколог", "Смирнова", "ГП №1"] {
            assert!(
                !crate::databases::bytes_contain(&raw[0], secret),
                "{secret} is readable at rest"
            );
        }
    }
);

both_backends!(
    due_watches_are_claimed_once_per_interval_and_end_after_their_time,
    |store: Store, _url: String, _key: DataKey| async move {
        let w = alices_watch(&store, &WatchPlan::default()).await;
        let due = w.next_check_at;
        assert!(store
            .claim_due_watches(due - 1, INTERVAL, 10)
            .await
            .unwrap()
            .is_empty());
        let claimed = store.claim_due_watches(due, INTERVAL, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].id, w.id);
        assert_eq!(claimed[0].target.labels, w.target.labels);
        assert_eq!(claimed[0].next_check_at, due + INTERVAL);
        assert!(store
            .claim_due_watches(due, INTERVAL, 10)
            .await
            .unwrap()
            .is_empty());

        // What was seen is kept, sorted and without repeats.
        let seen = vec!["b".to_owned(), "a".to_owned(), "b".to_owned()];
        store.set_watch_seen(w.id, &seen).await.unwrap();
        assert_eq!(
            store.watch(ALICE, w.id).await.unwrap().unwrap().seen,
            vec!["a".to_owned(), "b".to_owned()]
        );

        // After thirty days the worker ends the watch: it stays listed as expired, never claimed again.
        let late = store
            .claim_due_watches(NOW + WATCH_TTL_SECS, INTERVAL, 10)
            .await
            .unwrap();
        assert_eq!(late.len(), 1);
        assert!(store
            .expire_watch(w.id, NOW + WATCH_TTL_SECS)
            .await
            .unwrap());
        assert!(!store
            .expire_watch(w.id, NOW + WATCH_TTL_SECS)
            .await
            .unwrap());
        let ended = store.watch(ALICE, w.id).await.unwrap().unwrap();
        assert_eq!(ended.status, WatchStatus::Expired);
        assert!(store
            .claim_due_watches(NOW + 2 * WATCH_TTL_SECS, INTERVAL, 10)
            .await
            .unwrap()
            .is_empty());
    }
);

both_backends!(
    concurrent_watch_claims_share_the_watches_without_overlap,
    |store: Store, _url: String, _key: DataKey| async move {
        let mut ids = Vec::new();
        for user in 0..30 {
            for specialty in ["109", "110"] {
                let w = added(
                    store
                        .add_watch(&watch(8000 + user, specialty, None), INTERVAL, NOW)
                        .await
                        .unwrap(),
                );
                ids.push(w.id);
            }
        }
        ids.sort_unstable();
        let claimers: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let batch = store
                            .claim_due_watches(NOW + INTERVAL, INTERVAL, 7)
                            .await
                            .unwrap();
                        if batch.is_empty() {
                            break mine;
                        }
                        mine.extend(batch.into_iter().map(|w| w.id));
                    }
                })
            })
            .collect();
        let mut all = Vec::new();
        for claimer in claimers {
            all.extend(claimer.await.unwrap());
        }
        all.sort_unstable();
        assert_eq!(all, ids, "every watch claimed exactly once");
    }
);

fn son() -> ChildDetails {
    ChildDetails {
        full_name: FullName::parse("Иванов Пётр Иванович").unwrap(),
        birth_date: BirthDate::try_from(NaiveDate::from_ymd_opt(2019, 3, 9).unwrap()).unwrap(),
        sex: Sex::Male,
        relation: Relation::Son,
        policy: PolicyNumber::parse_new("8451999122899990").unwrap(),
    }
}

fn plan_for(child_id: Option<i64>) -> WatchPlan {
    WatchPlan {
        child_id,
        window: WatchWindow::parse(
            "пн-пт, после 15:00",
            NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        )
        .unwrap(),
        auto_book: true,
        rebook_earlier: false,
    }
}

both_backends!(
    a_watch_belongs_to_a_person_and_goes_with_a_forgotten_child,
    |store: Store, _url: String, _key: DataKey| async move {
        let child = store.add_child(ALICE, &son()).await.unwrap();
        let target = watch(ALICE, "109", Some("ab-17"));
        let mine = added(store.add_watch(&target, INTERVAL, NOW).await.unwrap());
        let his = added(
            store
                .add_watch_for(&target, &plan_for(Some(child.id)), INTERVAL, NOW)
                .await
                .unwrap(),
        );
        assert_ne!(
            mine.id, his.id,
            "a mother and her son wait for the same doctor apart"
        );
        assert_eq!(
            (mine.plan.child_id, his.plan.child_id),
            (None, Some(child.id))
        );
        assert_eq!(his.plan, plan_for(Some(child.id)));
        assert_eq!(his.status, WatchStatus::Active);
        assert_eq!(mine.plan, WatchPlan::default());
        let found = store
            .person_watch(ALICE, Some(child.id), 111, "109", Some("ab-17"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, his.id);
        assert_eq!(
            store
                .find_watch(ALICE, 111, "109", Some("ab-17"))
                .await
                .unwrap()
                .unwrap()
                .id,
            mine.id
        );
        assert_eq!(store.watches_left(ALICE).await.unwrap(), MAX_WATCHES - 2);

        // The child forgotten: their watch goes, the mother's stays.
        assert!(store.delete_child(ALICE, child.id).await.unwrap());
        let left: Vec<i64> = store
            .watches(ALICE)
            .await
            .unwrap()
            .iter()
            .map(|w| w.id)
            .collect();
        assert_eq!(left, vec![mine.id]);
    }
);

both_backends!(
    a_watch_is_edited_paused_resumed_and_renewed_with_a_new_plan,
    |store: Store, _url: String, _key: DataKey| async move {
        let w = alices_watch(&store, &WatchPlan::default()).await;
        let window = WatchWindow::after_school();
        assert!(store
            .edit_watch(ALICE, w.id, &window, true, true, NOW + 10)
            .await
            .unwrap());
        assert!(!store
            .edit_watch(BOB, w.id, &window, true, true, NOW)
            .await
            .unwrap());
        let edited = store.watch(ALICE, w.id).await.unwrap().unwrap();
        assert_eq!(
            (
                edited.plan.window.clone(),
                edited.plan.auto_book,
                edited.plan.rebook_earlier
            ),
            (window, true, true)
        );
        assert_eq!(
            edited.next_check_at, w.next_check_at,
            "an active watch keeps its turn"
        );

        // Paused: not checked until its end; resumed: due at once.
        assert!(store
            .pause_watch(ALICE, w.id, true, NOW + 20)
            .await
            .unwrap());
        assert!(!store
            .pause_watch(ALICE, w.id, true, NOW + 20)
            .await
            .unwrap());
        assert!(store
            .claim_due_watches(NOW + 10 * INTERVAL, INTERVAL, 10)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            store.watch(ALICE, w.id).await.unwrap().unwrap().status,
            WatchStatus::Paused
        );
        assert!(store
            .pause_watch(ALICE, w.id, false, NOW + 30)
            .await
            .unwrap());
        let due = store
            .claim_due_watches(NOW + 30, INTERVAL, 10)
            .await
            .unwrap();
        assert_eq!(due.len(), 1);

        // Started again for the same person and target: the same watch, with the new plan.
        let plan = plan_for(None);
        match store
            .add_watch_for(
                &watch(ALICE, "109", Some("ab-17")),
                &plan,
                INTERVAL,
                NOW + 40,
            )
            .await
            .unwrap()
        {
            AddWatch::Renewed(r) => {
                assert_eq!(r.id, w.id);
                assert_eq!(r.plan, plan);
                assert_eq!(r.expires_at, NOW + 40 + WATCH_TTL_SECS);
            }
            other => panic!("{other:?}"),
        }
    }
);

both_backends!(
    checks_skips_bookings_and_their_lease_are_remembered,
    |store: Store, _url: String, _key: DataKey| async move {
        let w = alices_watch(&store, &plan_for(None)).await;
        let checked = WatchChecked {
            seen: vec!["s2".into(), "s1".into()],
            next_check_at: NOW + 2 * INTERVAL,
            found: true,
        };
        store
            .record_watch_check(w.id, &checked, NOW + INTERVAL)
            .await
            .unwrap();
        assert!(store.skip_watch_slot(ALICE, w.id, "s1").await.unwrap());
        assert!(!store.skip_watch_slot(BOB, w.id, "s1").await.unwrap());
        let after = store.watch(ALICE, w.id).await.unwrap().unwrap();
        assert_eq!(after.seen, vec!["s1".to_owned(), "s2".to_owned()]);
        assert_eq!(after.skipped, vec!["s1".to_owned()]);
        assert_eq!(
            (
                after.last_checked_at,
                after.last_found_at,
                after.next_check_at
            ),
            (
                Some(NOW + INTERVAL),
                Some(NOW + INTERVAL),
                NOW + 2 * INTERVAL
            )
        );

        // One booking claim; a second is refused; a claim left by a dead worker comes back after its lease.
        assert!(store.claim_watch_booking(w.id, NOW + 100).await.unwrap());
        assert!(!store.claim_watch_booking(w.id, NOW + 101).await.unwrap());
        assert!(store
            .claim_due_watches(NOW + 100 + BOOKING_LEASE_SECS - 1, INTERVAL, 10)
            .await
            .unwrap()
            .is_empty());
        let back = store
            .claim_due_watches(NOW + 100 + BOOKING_LEASE_SECS, INTERVAL, 10)
            .await
            .unwrap();
        assert_eq!(back[0].status, WatchStatus::Booking);
        store
            .finish_watch_booking(w.id, false, None, NOW + 5000, NOW + 4000)
            .await
            .unwrap();
        assert_eq!(
            store.watch(ALICE, w.id).await.unwrap().unwrap().status,
            WatchStatus::Active
        );

        // Booked: the watch ends, naming the visit; it is listed but not live.
        assert!(store.claim_watch_booking(w.id, NOW + 6000).await.unwrap());
        store
            .finish_watch_booking(w.id, true, Some(77), NOW + 7000, NOW + 6001)
            .await
            .unwrap();
        let booked = store.watch(ALICE, w.id).await.unwrap().unwrap();
        assert_eq!(
            (booked.status, booked.appointment_id),
            (WatchStatus::Booked, Some(77))
        );
        assert_eq!(booked.last_found_at, Some(NOW + 6001));
        assert_eq!(store.watches_left(ALICE).await.unwrap(), MAX_WATCHES);
        assert!(!store.claim_watch_booking(w.id, NOW + 8000).await.unwrap());
    }
);

both_backends!(
    watches_of_one_doctor_are_due_together,
    |store: Store, _url: String, _key: DataKey| async move {
        let first = alices_watch(&store, &WatchPlan::default()).await;
        // Bob starts later: his first check comes with Alice's.
        let second = added(
            store
                .add_watch(
                    &watch(BOB, "109", Some("ab-17")),
                    INTERVAL,
                    first.next_check_at - 1,
                )
                .await
                .unwrap(),
        );
        assert_eq!(second.next_check_at, first.next_check_at);
        // Another doctor is not aligned.
        let other = added(
            store
                .add_watch(&watch(BOB, "109", Some("zz-1")), INTERVAL, NOW + 60)
                .await
                .unwrap(),
        );
        assert!(other.next_check_at > NOW + 60 && other.next_check_at <= NOW + 60 + INTERVAL);
        // Moved on together: only the not-yet-due watches of that doctor move.
        let moved = store
            .align_target(111, "109", Some("ab-17"), NOW, NOW + 1000)
            .await
            .unwrap();
        assert_eq!(moved, 2);
        for id in [first.id, second.id] {
            let user = if id == first.id { ALICE } else { BOB };
            assert_eq!(
                store.watch(user, id).await.unwrap().unwrap().next_check_at,
                NOW + 1000
            );
        }
        assert_eq!(
            store
                .watch(BOB, other.id)
                .await
                .unwrap()
                .unwrap()
                .next_check_at,
            other.next_check_at
        );
    }
);

both_backends!(
    a_booking_claim_is_won_by_one_of_two_instances,
    |store: Store, url: String, key: DataKey| async move {
        let w = alices_watch(&store, &plan_for(None)).await;
        // A second instance: its own pool on the same database.
        let other = Store::connect(&url, &key).await.unwrap();
        for round in 0..20 {
            let at = NOW + round * 10;
            let (a, b) = tokio::join!(
                store.claim_watch_booking(w.id, at),
                other.claim_watch_booking(w.id, at)
            );
            assert!(
                a.unwrap() ^ b.unwrap(),
                "exactly one instance claims (round {round})"
            );
            store
                .finish_watch_booking(w.id, false, None, at, at)
                .await
                .unwrap();
        }
        other.close().await;
    }
);

both_backends!(
    the_window_and_the_skipped_slots_are_sealed_at_rest,
    |store: Store, url: String, _key: DataKey| async move {
        let w = alices_watch(&store, &plan_for(None)).await;
        store
            .skip_watch_slot(ALICE, w.id, "ab-17_2026-12-01_15:30")
            .await
            .unwrap();
        for raw in crate::databases::raw_column(&url, "slot_watches", "slot_window").await {
            assert!(!crate::databases::bytes_contain(&raw, "15:00"));
        }
        for raw in crate::databases::raw_column(&url, "slot_watches", "skipped").await {
            assert!(!crate::databases::bytes_contain(&raw, "ab-17"));
        }
    }
);
