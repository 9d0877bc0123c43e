//! Gosuslugi logins (single-use OAuth states) and links (the person's data from ESIA, sealed).
//!
//! Every sealed value of `esia_links` is bound to its column and the user's id, so a value copied into
//! another user's row does not open.

use sqlx::Row;

use crate::domain::esia::{AccountLevel, EsiaKid, EsiaLink, LOGIN_TTL_SECONDS};
use crate::i18n::Lang;

use super::metadata::oid_key;
use super::{with_pool, Aad, Store};

const LINKS: &str = "esia_links";

/// A login the callback may finish: whose it is and the language to answer in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EsiaLogin {
    pub user_id: i64,
    pub lang: Lang,
}

type LinkRow = (
    Option<Vec<u8>>,
    String,
    Vec<u8>,
    Option<Vec<u8>>,
    Option<String>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Vec<u8>,
    i64,
    i64,
);

impl Store {
    /// Starts a login for `user_id` at `now`: a fresh random state, valid for ten minutes, single use.
    /// Also clears logins that expired more than a day ago.
    pub async fn start_esia_login(
        &self,
        user_id: i64,
        lang: Lang,
        now: i64,
    ) -> anyhow::Result<String> {
        self.ensure_user(user_id).await?;
        let state = uuid::Uuid::new_v4().to_string();
        with_pool!(self, |pool| {
            sqlx::query("DELETE FROM esia_logins WHERE expires_at < $1")
                .bind(now - 86_400)
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO esia_logins (state, user_id, lang, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&state)
            .bind(user_id)
            .bind(lang.code())
            .bind(now)
            .bind(now + LOGIN_TTL_SECONDS)
            .execute(pool)
            .await?;
        });
        Ok(state)
    }

    /// Uses up the login with `state` at `now`: only once, and only before it expires. `None` for an
    /// unknown, expired or already used state. Atomic: of two callbacks racing, one wins.
    pub async fn consume_esia_login(
        &self,
        state: &str,
        now: i64,
    ) -> anyhow::Result<Option<EsiaLogin>> {
        // Only our own states are UUIDs: anything else is refused before it reaches the database.
        let Ok(state) = uuid::Uuid::parse_str(state) else {
            return Ok(None);
        };
        let row: Option<(i64, String)> = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE esia_logins SET used_at = $2
                 WHERE state = $1 AND used_at IS NULL AND expires_at > $2
                 RETURNING user_id, lang",
            )
            .bind(state.hyphenated().to_string())
            .bind(now)
            .fetch_optional(pool)
            .await?
            .map(|row| (row.get(0), row.get(1)))
        });
        Ok(row.map(|(user_id, lang)| EsiaLogin {
            user_id,
            lang: Lang::from_code(&lang).unwrap_or_default(),
        }))
    }

    /// Stores (or replaces) the user's link. `refresh_token` is kept sealed, or cleared when `None`.
    pub async fn save_esia_link(
        &self,
        user_id: i64,
        link: &EsiaLink,
        refresh_token: Option<&str>,
    ) -> anyhow::Result<()> {
        self.ensure_user(user_id).await?;
        let row = user_id.to_string();
        let c = self.crypto();
        let seal = |column: &str, value: &str| c.seal_str(Aad::new(LINKS, column, &row), value);
        let oid = seal("oid", &link.oid);
        let oid_lookup = oid_key(c, &link.oid);
        let full_name = seal("full_name", &link.full_name);
        let birth_date = link
            .birth_date
            .map(|d| seal("birth_date", &d.date().to_string()));
        let policy = match &link.policy {
            Some(p) => Some(seal("policy", &serde_json::to_string(p)?)),
            None => None,
        };
        let insurer = link.insurer.as_deref().map(|v| seal("insurer", v));
        let attachment = link.attachment.as_deref().map(|v| seal("attachment", v));
        let kids = seal("kids", &serde_json::to_string(&link.kids)?);
        let refresh = refresh_token.map(|v| seal("refresh_token", v));
        let sex = link.sex.map(|s| match s {
            crate::domain::Sex::Male => "male",
            crate::domain::Sex::Female => "female",
        });
        with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO esia_links (user_id, oid, trusted, level, full_name, birth_date, sex, policy,
                     insurer, attachment, kids, refresh_token, linked_at, updated_at, oid_key)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)
                 ON CONFLICT (user_id) DO UPDATE SET
                     oid = excluded.oid, oid_key = excluded.oid_key, trusted = excluded.trusted,
                     level = excluded.level,
                     full_name = excluded.full_name, birth_date = excluded.birth_date, sex = excluded.sex,
                     policy = excluded.policy, insurer = excluded.insurer, attachment = excluded.attachment,
                     kids = excluded.kids, refresh_token = excluded.refresh_token,
                     updated_at = excluded.updated_at",
            )
            .bind(user_id)
            .bind(&oid)
            .bind(link.trusted())
            .bind(link.level.code())
            .bind(&full_name)
            .bind(&birth_date)
            .bind(sex)
            .bind(&policy)
            .bind(&insurer)
            .bind(&attachment)
            .bind(&kids)
            .bind(&refresh)
            .bind(link.updated_at)
            .bind(&oid_lookup)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The user's link, decrypted; `None` when not linked.
    pub async fn esia_link(&self, user_id: i64) -> anyhow::Result<Option<EsiaLink>> {
        let row: Option<LinkRow> = with_pool!(self, |pool| {
            sqlx::query(
                "SELECT oid, level, full_name, birth_date, sex, policy, insurer, attachment, kids,
                        linked_at, updated_at
                 FROM esia_links WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional(pool)
            .await?
            .map(|r| {
                (
                    r.get(0),
                    r.get(1),
                    r.get(2),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get(6),
                    r.get(7),
                    r.get(8),
                    r.get(9),
                    r.get(10),
                )
            })
        });
        let Some((
            oid,
            level,
            full_name,
            birth_date,
            sex,
            policy,
            insurer,
            attachment,
            kids,
            linked_at,
            updated_at,
        )) = row
        else {
            return Ok(None);
        };
        let key = user_id.to_string();
        let c = self.crypto();
        let open = |column: &str, sealed: &[u8]| {
            c.open_str(Aad::new(LINKS, column, &key), sealed)
                .map_err(|err| anyhow::anyhow!("esia_links.{column} of user {user_id}: {err}"))
        };
        let open_opt = |column: &str, sealed: Option<Vec<u8>>| -> anyhow::Result<Option<String>> {
            sealed.map(|s| open(column, &s)).transpose()
        };
        let birth_date = match open_opt("birth_date", birth_date)? {
            Some(text) => Some(
                text.parse::<chrono::NaiveDate>()
                    .ok()
                    .and_then(|d| crate::domain::BirthDate::try_from(d).ok())
                    .ok_or_else(|| anyhow::anyhow!("esia_links.birth_date does not parse"))?,
            ),
            None => None,
        };
        let policy = match open_opt("policy", policy)? {
            Some(json) => Some(
                serde_json::from_str(&json)
                    .map_err(|_| anyhow::anyhow!("esia_links.policy does not decode"))?,
            ),
            None => None,
        };
        let kids: Vec<EsiaKid> = serde_json::from_str(&open("kids", &kids)?)
            .map_err(|_| anyhow::anyhow!("esia_links.kids does not decode"))?;
        let oid = open(
            "oid",
            oid.as_deref().ok_or_else(|| {
                anyhow::anyhow!("esia_links.oid of user {user_id} is not sealed yet")
            })?,
        )?;
        Ok(Some(EsiaLink {
            oid,
            level: AccountLevel::from_code(&level).unwrap_or(AccountLevel::NotConfirmed),
            full_name: open("full_name", &full_name)?,
            birth_date,
            sex: match sex.as_deref() {
                Some("male") => Some(crate::domain::Sex::Male),
                Some("female") => Some(crate::domain::Sex::Female),
                _ => None,
            },
            policy,
            insurer: open_opt("insurer", insurer)?,
            attachment: open_opt("attachment", attachment)?,
            kids,
            linked_at,
            updated_at,
        }))
    }

    /// The stored refresh token, for renewing access later.
    pub async fn esia_refresh_token(&self, user_id: i64) -> anyhow::Result<Option<String>> {
        let sealed: Option<Option<Vec<u8>>> = with_pool!(self, |pool| {
            sqlx::query("SELECT refresh_token FROM esia_links WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await?
                .map(|r| r.get(0))
        });
        let Some(Some(sealed)) = sealed else {
            return Ok(None);
        };
        let key = user_id.to_string();
        let token = self
            .crypto()
            .open_str(Aad::new(LINKS, "refresh_token", &key), &sealed)
            .map_err(|err| anyhow::anyhow!("esia_links.refresh_token of user {user_id}: {err}"))?;
        Ok(Some(token))
    }

    /// Removes the link with its tokens. Returns whether there was one.
    pub async fn delete_esia_link(&self, user_id: i64) -> anyhow::Result<bool> {
        let deleted = with_pool!(self, |pool| {
            sqlx::query("DELETE FROM esia_links WHERE user_id = $1")
                .bind(user_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted > 0)
    }
}
