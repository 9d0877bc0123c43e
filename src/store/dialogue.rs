//! Dialogue state in our own database, for teloxide's `Dialogue<State, ErasedStorage<State>>`.
//!
//! The state is JSON (so a changed `State` fails loudly instead of mis-decoding), sealed like any personal
//! field because a half-finished form holds a child's name. A row that no longer opens or decodes is not an
//! error that would make teloxide ignore the user forever: it comes back as the state's "stale" value, which
//! the bot answers with a polite reset. Writes carry a version: when two instances handle the same chat at
//! once, the later write of an older read is refused rather than silently undoing the other.
//!
//! Here too are the locks that order several instances: [`PollingLease`] (one poller per database) and
//! [`ChatTurns`] (one update of a chat handled at a time, in this process and across instances).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::Row;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

use super::{unix_now, with_pool, Aad, Store};

/// A dialogue state that can stand for "the stored state could not be read".
pub trait RecoverableState: Sized {
    fn stale() -> Self;
    fn is_stale(&self) -> bool;
}

#[derive(Debug, thiserror::Error)]
pub enum DialogueStoreError {
    #[error("dialogue state of chat {0} was changed by another instance meanwhile")]
    Conflict(i64),
    #[error("cannot encode dialogue state: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("dialogue store: {0}")]
    Database(#[from] sqlx::Error),
}

pub struct DialogueStorage {
    store: Store,
    /// The version each chat's state had when this instance last read or wrote it.
    seen: Mutex<HashMap<i64, i64>>,
}

impl DialogueStorage {
    pub fn new(store: Store) -> Arc<Self> {
        Arc::new(Self {
            store,
            seen: Mutex::new(HashMap::new()),
        })
    }

    fn remember(&self, chat: i64, version: Option<i64>) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        match version {
            Some(v) => seen.insert(chat, v),
            None => seen.remove(&chat),
        };
    }

    fn last_seen(&self, chat: i64) -> Option<i64> {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&chat)
            .copied()
    }

    async fn read<D>(&self, chat: i64) -> Result<Option<D>, DialogueStoreError>
    where
        D: DeserializeOwned + RecoverableState,
    {
        let row: Option<(Vec<u8>, i64)> = with_pool!(self.store, |pool| {
            sqlx::query("SELECT state, version FROM dialogues WHERE chat_id = $1")
                .bind(chat)
                .fetch_optional(pool)
                .await?
                .map(|row| (row.get(0), row.get(1)))
        });
        let Some((sealed, version)) = row else {
            self.remember(chat, None);
            return Ok(None);
        };
        self.remember(chat, Some(version));
        let row_id = chat.to_string();
        let decoded = self
            .store
            .crypto()
            .open(Aad::new("dialogues", "state", &row_id), &sealed)
            .ok()
            .and_then(|json| serde_json::from_slice::<D>(&json).ok());
        match decoded {
            Some(state) => Ok(Some(state)),
            None => {
                // Only the chat id is logged: the state itself may hold personal data.
                tracing::warn!(
                    chat,
                    "stored dialogue state no longer decodes; resetting the user"
                );
                Ok(Some(D::stale()))
            }
        }
    }

    async fn write<D>(&self, chat: i64, state: &D) -> Result<(), DialogueStoreError>
    where
        D: Serialize + RecoverableState,
    {
        if state.is_stale() {
            return self.delete(chat).await;
        }
        let json = serde_json::to_vec(state)?;
        let row_id = chat.to_string();
        let sealed = self
            .store
            .crypto()
            .seal(Aad::new("dialogues", "state", &row_id), &json);
        let now = unix_now();
        let new_version = match self.last_seen(chat) {
            Some(version) => {
                let updated = with_pool!(self.store, |pool| {
                    sqlx::query(
                        "UPDATE dialogues SET state = $2, version = version + 1, updated_at = $3
                         WHERE chat_id = $1 AND version = $4",
                    )
                    .bind(chat)
                    .bind(&sealed)
                    .bind(now)
                    .bind(version)
                    .execute(pool)
                    .await?
                    .rows_affected()
                });
                if updated == 0 {
                    self.remember(chat, None);
                    return Err(DialogueStoreError::Conflict(chat));
                }
                version + 1
            }
            None => with_pool!(self.store, |pool| {
                sqlx::query(
                    "INSERT INTO dialogues (chat_id, state, version, updated_at) VALUES ($1, $2, 0, $3)
                     ON CONFLICT (chat_id) DO UPDATE
                     SET state = excluded.state, version = dialogues.version + 1, updated_at = excluded.updated_at
                     RETURNING version",
                )
                .bind(chat)
                .bind(&sealed)
                .bind(now)
                .fetch_one(pool)
                .await?
                .get::<i64, _>(0)
            }),
        };
        self.remember(chat, Some(new_version));
        Ok(())
    }

    async fn delete(&self, chat: i64) -> Result<(), DialogueStoreError> {
        with_pool!(self.store, |pool| {
            sqlx::query("DELETE FROM dialogues WHERE chat_id = $1")
                .bind(chat)
                .execute(pool)
                .await?;
        });
        self.remember(chat, None);
        Ok(())
    }
}

impl<D> Storage<D> for DialogueStorage
where
    D: Serialize + DeserializeOwned + RecoverableState + Send + Sync + 'static,
{
    type Error = DialogueStoreError;

    fn remove_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<(), Self::Error>>
    where
        D: Send + 'static,
    {
        Box::pin(async move { self.delete(chat_id.0).await })
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: D,
    ) -> BoxFuture<'static, Result<(), Self::Error>>
    where
        D: Send + 'static,
    {
        Box::pin(async move { self.write(chat_id.0, &dialogue).await })
    }

    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<Option<D>, Self::Error>> {
        Box::pin(async move { self.read::<D>(chat_id.0).await })
    }
}

impl Store {
    /// Replaces the stored dialogue JSON of a chat with raw bytes; for tests of the stale-state path.
    #[doc(hidden)]
    pub async fn overwrite_dialogue_json_for_tests(
        &self,
        chat: i64,
        json: &[u8],
    ) -> anyhow::Result<()> {
        let row_id = chat.to_string();
        let sealed = self
            .crypto()
            .seal(Aad::new("dialogues", "state", &row_id), json);
        with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO dialogues (chat_id, state, version, updated_at) VALUES ($1, $2, 0, $3)
                 ON CONFLICT (chat_id) DO UPDATE SET state = excluded.state, version = dialogues.version + 1",
            )
            .bind(chat)
            .bind(sealed)
            .bind(unix_now())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// When the chat's dialogue was last written (Unix seconds), if it has one.
    pub async fn dialogue_updated_at(&self, chat: i64) -> anyhow::Result<Option<i64>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query("SELECT updated_at FROM dialogues WHERE chat_id = $1")
                .bind(chat)
                .fetch_optional(pool)
                .await?
                .map(|row| row.get::<i64, _>(0))
        }))
    }
}

/// Held while this process takes updates by polling, so that a second poller of the same database refuses
/// to start instead of fighting the first one over `getUpdates` (Telegram answers 409 Conflict to both).
/// PostgreSQL: a session-level advisory lock on a connection of its own (released when the process dies);
/// SQLite: an exclusive lock on the file `<database>.polling` beside the database.
pub enum PollingLease {
    Postgres(sqlx::PgConnection),
    Sqlite(std::fs::File),
    /// An in-memory database: nothing to share.
    Alone,
}

/// The advisory lock of the polling lease: the two-`int4` key space, apart from the chats' `bigint` keys.
const POLLING_LOCK: (i32, i32) = (0x6b76_7263, 1);

impl Store {
    /// Takes the polling lease, or `None` when another process holds it.
    pub async fn take_polling_lease(&self) -> anyhow::Result<Option<PollingLease>> {
        use sqlx::Connection;
        match &self.backend {
            super::Backend::Postgres(pool) => {
                let mut conn = sqlx::PgConnection::connect_with(&pool.connect_options()).await?;
                let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
                    .bind(POLLING_LOCK.0)
                    .bind(POLLING_LOCK.1)
                    .fetch_one(&mut conn)
                    .await?;
                Ok(taken.then_some(PollingLease::Postgres(conn)))
            }
            super::Backend::Sqlite(pool) => {
                let file = pool.connect_options().get_filename().to_owned();
                if file.as_os_str().is_empty() || file.as_os_str() == ":memory:" {
                    return Ok(Some(PollingLease::Alone));
                }
                let mut path = file.into_os_string();
                path.push(".polling");
                let mut options = std::fs::OpenOptions::new();
                options.create(true).truncate(false).write(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let lock = options.open(&path)?;
                match lock.try_lock() {
                    Ok(()) => Ok(Some(PollingLease::Sqlite(lock))),
                    Err(std::fs::TryLockError::WouldBlock) => Ok(None),
                    Err(std::fs::TryLockError::Error(err)) => Err(err.into()),
                }
            }
        }
    }
}

/// How many updates one process handles at once (of different chats): bounds memory in a burst, and the
/// PostgreSQL connections the chat locks hold.
pub const TURNS_AT_ONCE: usize = 32;

/// One update of a chat handled at a time. In this process a FIFO lock per chat (dropped when no update of
/// the chat waits, so idle chats cost nothing); across instances on PostgreSQL a transaction-level advisory
/// lock on the chat id (`pg_advisory_xact_lock`, the `bigint` key space) on a pool of its own, so that a
/// handler never waits for a connection its own lock holds. The lock is released when the turn ends, or when
/// the process dies (the transaction is rolled back).
pub struct ChatTurns {
    local: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    permits: Arc<tokio::sync::Semaphore>,
    locks: Option<sqlx::PgPool>,
}

/// A chat's turn: held while one update of the chat is handled.
pub struct ChatTurn {
    turns: Arc<ChatTurns>,
    chat: i64,
    local: Option<tokio::sync::OwnedMutexGuard<()>>,
    _permit: Option<tokio::sync::OwnedSemaphorePermit>,
    _shared: Option<sqlx::Transaction<'static, sqlx::Postgres>>,
}

impl ChatTurns {
    pub fn new(store: &Store) -> Arc<Self> {
        let locks = match &store.backend {
            super::Backend::Postgres(pool) => Some(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(TURNS_AT_ONCE as u32)
                    .acquire_timeout(std::time::Duration::from_secs(10))
                    .connect_lazy_with((*pool.connect_options()).clone()),
            ),
            super::Backend::Sqlite(_) => None,
        };
        Arc::new(Self {
            local: Mutex::new(HashMap::new()),
            permits: Arc::new(tokio::sync::Semaphore::new(TURNS_AT_ONCE)),
            locks,
        })
    }

    /// Waits for the chat's turn. The place in this process's queue is taken at the first poll, so
    /// updates polled in order are handled in order. A database that cannot lock is logged and the
    /// update handled all the same (this process still keeps the chat's order).
    pub async fn begin(self: &Arc<Self>, chat: i64) -> ChatTurn {
        let mutex = self
            .local
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(chat)
            .or_default()
            .clone();
        let local = mutex.lock_owned().await;
        // The semaphore is never closed: the permit is always given.
        let permit = self.permits.clone().acquire_owned().await.ok();
        let shared = match &self.locks {
            Some(pool) => match lock_chat(pool, chat).await {
                Ok(tx) => Some(tx),
                Err(err) => {
                    tracing::warn!(chat, error = %err, "cannot lock the chat across instances");
                    None
                }
            },
            None => None,
        };
        ChatTurn {
            turns: self.clone(),
            chat,
            local: Some(local),
            _permit: permit,
            _shared: shared,
        }
    }

    /// Chats with an update being handled or waiting.
    pub fn busy_chats(&self) -> usize {
        self.local.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

async fn lock_chat(
    pool: &sqlx::PgPool,
    chat: i64,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(chat)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

impl Drop for ChatTurn {
    fn drop(&mut self) {
        let mut local = self.turns.local.lock().unwrap_or_else(|e| e.into_inner());
        // Release this process's lock first, then forget the chat if nobody else holds or waits for it:
        // the map's and this turn's references are then the only ones.
        if let Some(guard) = self.local.take() {
            let mutex = tokio::sync::OwnedMutexGuard::mutex(&guard).clone();
            drop(guard);
            if Arc::strong_count(&mutex) == 2 {
                local.remove(&self.chat);
            }
        }
    }
}
