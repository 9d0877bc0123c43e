//! Binding a Gosuslugi login to the Telegram user who started it (issue 13), and ESIA's error codes for
//! `/metrics`.
//!
//! A click on the login button makes an attempt (`esia_login_attempts`): a fresh state for ESIA and how the
//! browser is bound ([`LoginBinding`]). The callback reads the attempt, checks the binding, then uses up the
//! login. A login bound by cookie (Telegram's login data was checked at the click) is linked at once; one
//! bound by code waits in `esia_pending_links`, sealed with its one-time code, until the code is typed in
//! the chat ([`Store::complete_pending_esia_login`]). Linking moves a person away from any other Telegram
//! user ([`Store::link_esia_person`]).

use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::domain::esia::{
    EsiaLink, LinkedLogin, PendingLoginOutcome, Unread, LOGIN_TTL_SECONDS, PENDING_CODE_ATTEMPTS,
    PENDING_CODE_TTL_SECONDS,
};

use super::esia::stored_state;
use super::{with_pool, Aad, EsiaLogin, Store};

const PENDING: &str = "esia_pending_links";

/// How the browser of a login is bound to the Telegram user who started it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginBinding {
    /// Telegram's login data was checked at the click; the callback needs the cookie set then.
    Cookie,
    /// Nothing proves the browser: the callback shows a one-time code to type in the chat.
    Code,
    /// The demo's login inside the chat (test persons only): linked at once.
    DemoChat,
}

impl LoginBinding {
    fn code(self) -> &'static str {
        match self {
            LoginBinding::Cookie => "cookie",
            LoginBinding::Code => "code",
            LoginBinding::DemoChat => "demo_chat",
        }
    }

    fn from_code(code: &str) -> Option<LoginBinding> {
        [
            LoginBinding::Cookie,
            LoginBinding::Code,
            LoginBinding::DemoChat,
        ]
        .into_iter()
        .find(|b| b.code() == code)
    }
}

/// One click's attempt, as the callback finds it (before it uses up the login).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginAttempt {
    pub login: EsiaLogin,
    pub binding: LoginBinding,
    /// SHA-256 of the cookie, for [`LoginBinding::Cookie`].
    cookie_hash: Option<Vec<u8>>,
}

impl LoginAttempt {
    /// Whether `cookie` is the one set for this attempt (compared by hash, in constant time).
    pub fn cookie_matches(&self, cookie: Option<&str>) -> bool {
        let (Some(expected), Some(cookie)) = (&self.cookie_hash, cookie) else {
            return false;
        };
        let got = Sha256::digest(cookie.as_bytes());
        expected.len() == got.len()
            && expected
                .iter()
                .zip(got.iter())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    }
}

/// What waits, sealed, for the one-time code.
#[derive(Serialize, Deserialize)]
struct Pending {
    code: String,
    link: EsiaLink,
    unread: Unread,
}

/// A one-time code: six digits.
fn new_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32))
}

/// What a user typed, as a code: digits only (spaces and dashes allowed between them).
fn typed_code(typed: &str) -> Option<String> {
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

impl Store {
    /// Whose the login `login` is, if it may still start at `now` (to check Telegram's login data first).
    pub async fn esia_login_owner(
        &self,
        login: &str,
        now: i64,
    ) -> anyhow::Result<Option<EsiaLogin>> {
        let open = self.open_login(login, now).await?;
        Ok(open.map(|(owner, ..)| owner))
    }

    /// The login `login` (the id the button carries) if it may still start at `now`: whose it is, until
    /// when, and its id as stored.
    async fn open_login(
        &self,
        login: &str,
        now: i64,
    ) -> anyhow::Result<Option<(EsiaLogin, i64, String)>> {
        let Some(login) = stored_state(login) else {
            return Ok(None);
        };
        let row: Option<(i64, String, i64)> = with_pool!(self, |pool| {
            sqlx::query(
                "SELECT user_id, lang, expires_at FROM esia_logins
                 WHERE state = $1 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(&login)
            .bind(now)
            .fetch_optional(pool)
            .await?
            .map(|row| (row.get(0), row.get(1), row.get(2)))
        });
        Ok(row.map(|(user_id, lang, expires_at)| {
            (EsiaLogin::stored(user_id, &lang), expires_at, login)
        }))
    }

    /// Starts an attempt of the login `login` (the id the button carries) at `now`: a fresh state for ESIA,
    /// valid as long as the login. `None` when the login is unknown, expired or used. `cookie` is the
    /// browser's cookie for [`LoginBinding::Cookie`] (only its hash is kept).
    pub async fn start_esia_attempt(
        &self,
        login: &str,
        binding: LoginBinding,
        cookie: Option<&str>,
        now: i64,
    ) -> anyhow::Result<Option<(EsiaLogin, String)>> {
        let Some((owner, expires_at, login)) = self.open_login(login, now).await? else {
            return Ok(None);
        };
        let esia_state = uuid::Uuid::new_v4().to_string();
        let cookie_hash = cookie.map(|c| Sha256::digest(c.as_bytes()).to_vec());
        // The attempt lives as long as a login may: ESIA's page may take the user a while.
        let expires = expires_at.max(now + LOGIN_TTL_SECONDS);
        with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO esia_login_attempts (esia_state, login, binding, cookie_hash, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&esia_state)
            .bind(&login)
            .bind(binding.code())
            .bind(&cookie_hash)
            .bind(now)
            .bind(expires)
            .execute(pool)
            .await?;
        });
        Ok(Some((owner, esia_state)))
    }

    /// The attempt ESIA's `state` names, if its login can still be used at `now`. Reads only: the callback
    /// checks the binding first, so a forged callback uses nothing up.
    pub async fn esia_attempt(
        &self,
        esia_state: &str,
        now: i64,
    ) -> anyhow::Result<Option<LoginAttempt>> {
        let Some(state) = stored_state(esia_state) else {
            return Ok(None);
        };
        let row: Option<(i64, String, String, Option<Vec<u8>>)> = with_pool!(self, |pool| {
            sqlx::query(
                "SELECT l.user_id, l.lang, a.binding, a.cookie_hash
                 FROM esia_login_attempts a JOIN esia_logins l ON l.state = a.login
                 WHERE a.esia_state = $1 AND a.expires_at > $2 AND l.used_at IS NULL",
            )
            .bind(state)
            .bind(now)
            .fetch_optional(pool)
            .await?
            .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
        });
        let Some((user_id, lang, binding, cookie_hash)) = row else {
            return Ok(None);
        };
        let Some(binding) = LoginBinding::from_code(&binding) else {
            return Ok(None);
        };
        Ok(Some(LoginAttempt {
            login: EsiaLogin::stored(user_id, &lang),
            binding,
            cookie_hash,
        }))
    }

    /// Uses up the login of the attempt `esia_state`: once only (of two callbacks racing, one wins).
    pub async fn consume_esia_attempt(&self, esia_state: &str, now: i64) -> anyhow::Result<bool> {
        let Some(state) = stored_state(esia_state) else {
            return Ok(false);
        };
        let used = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE esia_logins SET used_at = $2
                 WHERE state = (SELECT login FROM esia_login_attempts WHERE esia_state = $1 AND expires_at > $2)
                   AND used_at IS NULL",
            )
            .bind(state)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(used == 1)
    }

    /// Keeps a login that waits for its one-time code (replacing an older one of the user) and returns the
    /// code to show on the page: six digits, valid for ten minutes, five tries.
    pub async fn save_pending_esia_link(
        &self,
        user_id: i64,
        link: &EsiaLink,
        unread: Unread,
        now: i64,
    ) -> anyhow::Result<String> {
        self.ensure_user(user_id).await?;
        let code = new_code();
        let pending = Pending {
            code: code.clone(),
            link: link.clone(),
            unread,
        };
        let row = user_id.to_string();
        let sealed = self.crypto().seal_str(
            Aad::new(PENDING, "sealed", &row),
            &serde_json::to_string(&pending)?,
        );
        with_pool!(self, |pool| {
            sqlx::query("DELETE FROM esia_pending_links WHERE expires_at < $1")
                .bind(now)
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO esia_pending_links (user_id, sealed, attempts, created_at, expires_at)
                 VALUES ($1, $2, 0, $3, $4)
                 ON CONFLICT (user_id) DO UPDATE SET sealed = excluded.sealed, attempts = 0,
                     created_at = excluded.created_at, expires_at = excluded.expires_at",
            )
            .bind(user_id)
            .bind(&sealed)
            .bind(now)
            .bind(now + PENDING_CODE_TTL_SECONDS)
            .execute(pool)
            .await?;
        });
        Ok(code)
    }

    /// The user typed `typed` in the chat: if it is the code of their pending login, the person is linked
    /// to them (moved from any other Telegram user, who is named in the outcome). Each try counts, right or
    /// wrong; after five wrong ones the pending login is gone.
    pub async fn complete_pending_esia_login(
        &self,
        user_id: i64,
        typed: &str,
        now: i64,
    ) -> anyhow::Result<PendingLoginOutcome> {
        let row: Option<(Vec<u8>, i64, i64)> = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE esia_pending_links SET attempts = attempts + 1
                 WHERE user_id = $1 AND expires_at > $2 AND attempts < $3
                 RETURNING sealed, attempts, created_at",
            )
            .bind(user_id)
            .bind(now)
            .bind(PENDING_CODE_ATTEMPTS)
            .fetch_optional(pool)
            .await?
            .map(|row| (row.get(0), row.get(1), row.get(2)))
        });
        let Some((sealed, attempts, created_at)) = row else {
            return Ok(PendingLoginOutcome::NoPendingLogin);
        };
        let key = user_id.to_string();
        let pending: Pending = serde_json::from_str(
            &self
                .crypto()
                .open_str(Aad::new(PENDING, "sealed", &key), &sealed)
                .map_err(|err| anyhow::anyhow!("esia_pending_links of user {user_id}: {err}"))?,
        )
        .map_err(|_| anyhow::anyhow!("esia_pending_links of user {user_id} does not decode"))?;
        let right = typed_code(typed).is_some_and(|typed| same(&typed, &pending.code));
        if !right {
            let attempts_left = (PENDING_CODE_ATTEMPTS - attempts).max(0);
            if attempts_left == 0 {
                self.drop_pending(user_id, created_at).await?;
            }
            return Ok(PendingLoginOutcome::WrongCode { attempts_left });
        }
        if !self.drop_pending(user_id, created_at).await? {
            // Another try with the right code won the race.
            return Ok(PendingLoginOutcome::NoPendingLogin);
        }
        let previous_user = self.link_esia_person(user_id, &pending.link).await?;
        Ok(PendingLoginOutcome::Linked(Box::new(LinkedLogin {
            link: pending.link,
            unread: pending.unread,
            previous_user,
        })))
    }

    /// Removes the pending login made at `created_at`; whether it was there.
    async fn drop_pending(&self, user_id: i64, created_at: i64) -> anyhow::Result<bool> {
        let sql = "DELETE FROM esia_pending_links WHERE user_id = $1 AND created_at = $2";
        self.changed_one(sql, &[user_id, created_at]).await
    }

    /// Whether the user has a login waiting for its code at `now`.
    pub async fn has_pending_esia_login(&self, user_id: i64, now: i64) -> anyhow::Result<bool> {
        let found: Option<i64> = with_pool!(self, |pool| {
            sqlx::query(
                "SELECT user_id FROM esia_pending_links
                 WHERE user_id = $1 AND expires_at > $2 AND attempts < $3",
            )
            .bind(user_id)
            .bind(now)
            .bind(PENDING_CODE_ATTEMPTS)
            .fetch_optional(pool)
            .await?
            .map(|row| row.get(0))
        });
        Ok(found.is_some())
    }

    /// Links the person to `user_id`, moving them from any other Telegram user: one Gosuslugi person is
    /// linked to at most one Telegram user. Returns the user who lost the link, to be told. Nothing of
    /// ESIA's tokens is stored.
    pub async fn link_esia_person(
        &self,
        user_id: i64,
        link: &EsiaLink,
    ) -> anyhow::Result<Option<i64>> {
        let lookup = super::metadata::oid_key(self.crypto(), &link.oid);
        let previous: Vec<i64> = with_pool!(self, |pool| {
            sqlx::query(
                "DELETE FROM esia_links WHERE oid_key = $1 AND user_id <> $2 RETURNING user_id",
            )
            .bind(&lookup)
            .bind(user_id)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|row| row.get(0))
            .collect()
        });
        self.save_esia_link(user_id, link).await?;
        Ok(previous.into_iter().next())
    }

    /// Counts one ESIA error code (`ESIA-007053`) of kind `kind`, at `now`.
    pub async fn count_esia_error(&self, code: &str, kind: &str, now: i64) -> anyhow::Result<()> {
        with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO esia_error_counts (code, kind, count, last_at) VALUES ($1, $2, 1, $3)
                 ON CONFLICT (code) DO UPDATE SET count = esia_error_counts.count + 1,
                     kind = excluded.kind, last_at = excluded.last_at",
            )
            .bind(code)
            .bind(kind)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Every ESIA error code counted so far: (code, kind, count), by code.
    pub async fn esia_error_counts(&self) -> anyhow::Result<Vec<(String, String, i64)>> {
        let rows = with_pool!(self, |pool| {
            sqlx::query("SELECT code, kind, count FROM esia_error_counts ORDER BY code")
                .fetch_all(pool)
                .await?
                .into_iter()
                .map(|row| (row.get(0), row.get(1), row.get(2)))
                .collect()
        });
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_typed_codes_are_read_leniently() {
        for _ in 0..100 {
            let code = new_code();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
        assert_eq!(typed_code(" 123 456 "), Some("123456".into()));
        assert_eq!(typed_code("123-456"), Some("123456".into()));
        assert_eq!(typed_code("12345"), None);
        assert_eq!(typed_code("12345a"), None);
        assert_eq!(typed_code("１２３４５６"), None);
    }
}
