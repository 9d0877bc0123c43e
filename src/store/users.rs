//! Users: language, consent, and forgetting everything about a person.

use sqlx::Row;

pub use crate::i18n::Lang;

use super::{unix_now, with_pool, Store};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    /// The language chosen with /language, if any.
    pub lang: Option<Lang>,
    /// When the personal-data notice was accepted (Unix seconds).
    pub consent_at: Option<i64>,
    /// Telegram's language as last seen in an update from the user.
    pub telegram_lang: Option<Lang>,
}

impl UserRecord {
    pub fn has_consented(&self) -> bool {
        self.consent_at.is_some()
    }

    /// The language of messages the bot sends by itself (reminders, sync notices): the /language choice,
    /// else the language of the user's Telegram, else Russian.
    pub fn message_lang(&self) -> Lang {
        self.lang.or(self.telegram_lang).unwrap_or_default()
    }
}

impl Store {
    /// Returns the user, creating the row on first contact. Reads first: this runs on every update, and
    /// most users already exist.
    pub async fn ensure_user(&self, id: i64) -> anyhow::Result<UserRecord> {
        if let Some(user) = self.user(id).await? {
            return Ok(user);
        }
        let now = unix_now();
        with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO users (id, created_at, updated_at) VALUES ($1, $2, $2)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?;
        });
        self.user(id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("user row vanished right after insert"))
    }

    pub async fn user(&self, id: i64) -> anyhow::Result<Option<UserRecord>> {
        type Row = (i64, Option<String>, Option<i64>, Option<String>);
        let row: Option<Row> = with_pool!(self, |pool| {
            sqlx::query("SELECT id, lang, consent_at, telegram_lang FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
                .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
        });
        Ok(row.map(|(id, lang, consent_at, telegram_lang)| UserRecord {
            id,
            lang: lang.as_deref().and_then(Lang::from_code),
            consent_at,
            telegram_lang: telegram_lang.as_deref().and_then(Lang::from_code),
        }))
    }

    /// Remembers the language of the user's Telegram, for messages sent outside a conversation. Writes
    /// only when it changed.
    pub async fn note_telegram_lang(&self, user: &UserRecord, lang: Lang) -> anyhow::Result<()> {
        if user.telegram_lang == Some(lang) {
            return Ok(());
        }
        with_pool!(self, |pool| {
            sqlx::query("UPDATE users SET telegram_lang = $2 WHERE id = $1")
                .bind(user.id)
                .bind(lang.code())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn set_lang(&self, id: i64, lang: Lang) -> anyhow::Result<()> {
        self.ensure_user(id).await?;
        with_pool!(self, |pool| {
            sqlx::query("UPDATE users SET lang = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(lang.code())
                .bind(unix_now())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Records consent to the personal-data notice at `at` (Unix seconds); the first time counts.
    pub async fn record_consent(&self, id: i64, at: i64) -> anyhow::Result<()> {
        self.ensure_user(id).await?;
        let sql =
            "UPDATE users SET consent_at = COALESCE(consent_at, $2), updated_at = $2 WHERE id = $1";
        self.execute_ids(sql, &[id, at]).await?;
        Ok(())
    }

    /// Deletes everything stored about the user: tables that reference `users` cascade. On SQLite the
    /// deleted rows are zeroed (`secure_delete`) and the write-ahead log, which still holds their earlier
    /// versions, is checkpointed and truncated, so that no sealed value of theirs stays in the files.
    pub async fn forget_user(&self, id: i64) -> anyhow::Result<()> {
        self.delete_user_rows(id).await?;
        self.scrub_deleted().await
    }

    async fn delete_user_rows(&self, id: i64) -> anyhow::Result<()> {
        with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM dialogues WHERE chat_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// SQLite: copies every committed page into the database file and truncates the write-ahead log, so
    /// that old versions of deleted rows (already zeroed in the database by `secure_delete`) go with it.
    /// PostgreSQL keeps dead row versions until VACUUM reuses their space (see README's privacy section).
    pub async fn scrub_deleted(&self) -> anyhow::Result<()> {
        if let super::Backend::Sqlite(pool) = &self.backend {
            let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(pool)
                .await?;
            if busy != 0 {
                tracing::warn!("the write-ahead log could not be truncated now (readers active)");
            }
        }
        Ok(())
    }
}
