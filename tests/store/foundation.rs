//! Users, consent, language, dialogue storage, migrations and field encryption at rest.

use kvrachu_bot::bot::State;
use kvrachu_bot::i18n::Lang;
use kvrachu_bot::store::dialogue::DialogueStorage;
use kvrachu_bot::store::{Aad, DataKey, Store};
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

use crate::both_backends;

both_backends!(
    a_new_user_has_no_consent_and_no_language,
    |store: Store, _url: String, _key: DataKey| async move {
        assert_eq!(store.user(1).await.unwrap(), None);
        let user = store.ensure_user(1).await.unwrap();
        assert_eq!(user.id, 1);
        assert_eq!(user.lang, None);
        assert!(!user.has_consented());
        // A second call neither fails nor changes anything.
        assert_eq!(store.ensure_user(1).await.unwrap(), user);
    }
);

both_backends!(
    consent_keeps_its_first_time_and_language_is_stored,
    |store: Store, _url: String, _key: DataKey| async move {
        store.record_consent(7, 1_000).await.unwrap();
        store.record_consent(7, 2_000).await.unwrap();
        store.set_lang(7, Lang::En).await.unwrap();
        let user = store.user(7).await.unwrap().unwrap();
        assert_eq!(user.consent_at, Some(1_000));
        assert_eq!(user.lang, Some(Lang::En));
    }
);

both_backends!(
    forgetting_a_user_removes_their_rows_and_dialogue_only,
    |store: Store, _url: String, _key: DataKey| async move {
        let storage = DialogueStorage::new(store.clone());
        for id in [1, 2] {
            store.record_consent(id, 10).await.unwrap();
            Storage::<State>::update_dialogue(storage.clone(), ChatId(id), State::Settings)
                .await
                .unwrap();
        }
        store.forget_user(1).await.unwrap();
        assert_eq!(store.user(1).await.unwrap(), None);
        assert_eq!(
            Storage::<State>::get_dialogue(storage.clone(), ChatId(1))
                .await
                .unwrap(),
            None
        );
        assert!(store.user(2).await.unwrap().is_some());
        assert_eq!(
            Storage::<State>::get_dialogue(storage, ChatId(2))
                .await
                .unwrap(),
            Some(State::Settings)
        );
    }
);

both_backends!(
    dialogue_state_round_trips_and_keeps_updated_at,
    |store: Store, _url: String, _key: DataKey| async move {
        let storage = DialogueStorage::new(store.clone());
        let chat = ChatId(99);
        assert_eq!(
            Storage::<State>::get_dialogue(storage.clone(), chat)
                .await
                .unwrap(),
            None
        );
        Storage::<State>::update_dialogue(storage.clone(), chat, State::ConfirmForget)
            .await
            .unwrap();
        assert_eq!(
            Storage::<State>::get_dialogue(storage.clone(), chat)
                .await
                .unwrap(),
            Some(State::ConfirmForget)
        );
        let at = store.dialogue_updated_at(99).await.unwrap().unwrap();
        assert!((at - chrono::Utc::now().timestamp()).abs() < 60);
        Storage::<State>::remove_dialogue(storage.clone(), chat)
            .await
            .unwrap();
        assert_eq!(
            Storage::<State>::get_dialogue(storage, chat).await.unwrap(),
            None
        );
    }
);

both_backends!(
    a_state_that_does_not_decode_comes_back_stale_not_as_an_error,
    |store: Store, _url: String, _key: DataKey| async move {
        store
            .overwrite_dialogue_json_for_tests(5, b"{\"NoSuchVariant\":1}")
            .await
            .unwrap();
        let storage = DialogueStorage::new(store.clone());
        assert_eq!(
            Storage::<State>::get_dialogue(storage.clone(), ChatId(5))
                .await
                .unwrap(),
            Some(State::Stale)
        );
        // Writing the stale marker removes the row instead of storing it.
        Storage::<State>::update_dialogue(storage.clone(), ChatId(5), State::Stale)
            .await
            .unwrap();
        assert_eq!(
            Storage::<State>::get_dialogue(storage, ChatId(5))
                .await
                .unwrap(),
            None
        );
    }
);

both_backends!(
    a_state_sealed_with_another_key_comes_back_stale,
    |store: Store, url: String, _key: DataKey| async move {
        let storage = DialogueStorage::new(store.clone());
        Storage::<State>::update_dialogue(storage, ChatId(8), State::Menu)
            .await
            .unwrap();
        let other = Store::connect(&url, &DataKey::generate()).await.unwrap();
        let storage = DialogueStorage::new(other.clone());
        assert_eq!(
            Storage::<State>::get_dialogue(storage, ChatId(8))
                .await
                .unwrap(),
            Some(State::Stale)
        );
        other.close().await;
    }
);

both_backends!(
    two_instances_writing_the_same_chat_do_not_silently_overwrite,
    |store: Store, url: String, key: DataKey| async move {
        let second = Store::connect(&url, &key).await.unwrap();
        let a = DialogueStorage::new(store.clone());
        let b = DialogueStorage::new(second.clone());
        let chat = ChatId(3);
        Storage::<State>::update_dialogue(a.clone(), chat, State::Menu)
            .await
            .unwrap();
        // Both instances read the same version…
        assert_eq!(
            Storage::<State>::get_dialogue(a.clone(), chat)
                .await
                .unwrap(),
            Some(State::Menu)
        );
        assert_eq!(
            Storage::<State>::get_dialogue(b.clone(), chat)
                .await
                .unwrap(),
            Some(State::Menu)
        );
        // …the first write wins, the second is refused as a conflict.
        Storage::<State>::update_dialogue(a.clone(), chat, State::Settings)
            .await
            .unwrap();
        let err = Storage::<State>::update_dialogue(b.clone(), chat, State::ConfirmForget)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("another instance"), "{err}");
        assert_eq!(
            Storage::<State>::get_dialogue(b, chat).await.unwrap(),
            Some(State::Settings)
        );
        second.close().await;
    }
);

both_backends!(
    migrations_apply_twice_without_harm,
    |store: Store, url: String, key: DataKey| async move {
        let again = Store::connect(&url, &key).await.unwrap();
        again.ping().await.unwrap();
        again.close().await;
        store.ping().await.unwrap();
    }
);

both_backends!(
    sealed_fields_are_bound_to_their_place,
    |store: Store, _url: String, _key: DataKey| async move {
        let crypto = store.crypto();
        let sealed = crypto.seal_str(Aad::new("children", "full_name", "1"), "Иванова Мария");
        assert!(crypto
            .open_str(Aad::new("children", "full_name", "2"), &sealed)
            .is_err());
    }
);
