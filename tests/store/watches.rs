//! Slot watches on both backends: added once per target, renewed, capped, owner-scoped, sealed at rest,
//! claimed once per interval (and by one of several claimers), ended after their time, and forgotten with
//! their user.

use kvrachu_bot::store::{
    AddWatch, DataKey, NewWatch, Store, WatchLabels, MAX_WATCHES, WATCH_TTL_SECS,
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

both_backends!(
    a_watch_is_added_once_renewed_capped_and_owned,
    |store: Store, _url: String, _key: DataKey| async move {
        let first = added(
            store
                .add_watch(&watch(ALICE, "109", Some("ab-17")), INTERVAL, NOW)
                .await
                .unwrap(),
        );
        assert_eq!(first.doctor_id.as_deref(), Some("ab-17"));
        assert_eq!(first.labels.doctor, "Смирнова Елена Викторовна");
        assert_eq!(first.next_check_at, NOW + INTERVAL);
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
        assert_eq!(whole.doctor_id, None);
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
        added(
            store
                .add_watch(&watch(ALICE, "109", Some("ab-17")), INTERVAL, NOW)
                .await
                .unwrap(),
        );
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
        let w = added(
            store
                .add_watch(&watch(ALICE, "109", Some("ab-17")), INTERVAL, NOW)
                .await
                .unwrap(),
        );
        assert!(store
            .claim_due_watches(NOW + INTERVAL - 1, INTERVAL, 10)
            .await
            .unwrap()
            .is_empty());
        let claimed = store
            .claim_due_watches(NOW + INTERVAL, INTERVAL, 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].id, w.id);
        assert_eq!(claimed[0].labels, w.labels);
        assert_eq!(claimed[0].next_check_at, NOW + 2 * INTERVAL);
        assert!(store
            .claim_due_watches(NOW + INTERVAL, INTERVAL, 10)
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

        // After thirty days the watch ends by itself.
        assert!(store
            .claim_due_watches(NOW + WATCH_TTL_SECS, INTERVAL, 10)
            .await
            .unwrap()
            .is_empty());
        assert!(store.watches(ALICE).await.unwrap().is_empty());
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
