//! Gosuslugi logins (single-use OAuth states) and links (the person's data from ESIA, sealed).
//!
//! Every sealed value of `esia_links` is bound to its column and the user's id, so a value copied into
//! another user's row does not open.

use serde::de::DeserializeOwned;
use sqlx::Row;

use crate::domain::esia::{AccountLevel, EsiaKid, EsiaLink, EsiaPerson, LOGIN_TTL_SECONDS};
use crate::domain::BirthDate;
use crate::i18n::Lang;

use super::children::{sex_code, sex_from_code};
use super::metadata::oid_key;
use super::{with_pool, Aad, Crypto, FromRow, Store, StoreRow};

const LINKS: &str = "esia_links";

/// A login the callback may finish: whose it is and the language to answer in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EsiaLogin {
    pub user_id: i64,
    pub lang: Lang,
}

impl EsiaLogin {
    /// The login of `user_id` as stored: `lang` is a language code (an unknown one falls back to Russian).
    pub(super) fn stored(user_id: i64, lang: &str) -> EsiaLogin {
        EsiaLogin {
            user_id,
            lang: Lang::from_code(lang).unwrap_or_default(),
        }
    }
}

/// A login or attempt state as stored: only our own states are UUIDs, so anything else is refused before
/// it reaches the database.
pub(super) fn stored_state(state: &str) -> Option<String> {
    uuid::Uuid::parse_str(state)
        .ok()
        .map(|state| state.hyphenated().to_string())
}

/// The columns of a link as stored: the personal ones sealed.
struct SealedLink {
    oid: Option<Vec<u8>>,
    level: String,
    full_name: Vec<u8>,
    birth_date: Option<Vec<u8>>,
    sex: Option<String>,
    policy: Option<Vec<u8>>,
    insurer: Option<Vec<u8>>,
    attachment: Option<Vec<u8>>,
    kids: Vec<u8>,
    linked_at: i64,
    updated_at: i64,
}

const LINK_COLUMNS: &str =
    "oid, level, full_name, birth_date, sex, policy, insurer, attachment, kids, \
     linked_at, updated_at";

impl FromRow for SealedLink {
    fn from_row(row: &impl StoreRow) -> Self {
        SealedLink {
            oid: row.col(0),
            level: row.col(1),
            full_name: row.col(2),
            birth_date: row.col(3),
            sex: row.col(4),
            policy: row.col(5),
            insurer: row.col(6),
            attachment: row.col(7),
            kids: row.col(8),
            linked_at: row.col(9),
            updated_at: row.col(10),
        }
    }
}

/// Opens the sealed columns of one user's link. Errors name the column and the user only, never a value.
struct LinkOpener<'a> {
    crypto: &'a Crypto,
    user_id: i64,
    row: String,
}

impl<'a> LinkOpener<'a> {
    fn new(crypto: &'a Crypto, user_id: i64) -> Self {
        let row = user_id.to_string();
        LinkOpener {
            crypto,
            user_id,
            row,
        }
    }

    fn open(&self, column: &str, sealed: &[u8]) -> anyhow::Result<String> {
        self.crypto
            .open_str(Aad::new(LINKS, column, &self.row), sealed)
            .map_err(|err| anyhow::anyhow!("{LINKS}.{column} of user {}: {err}", self.user_id))
    }

    fn open_opt(&self, column: &str, sealed: Option<&[u8]>) -> anyhow::Result<Option<String>> {
        sealed.map(|s| self.open(column, s)).transpose()
    }

    /// Opens the JSON of `column`; the error does not say what failed to decode.
    fn open_json<T: DeserializeOwned>(&self, column: &str, sealed: &[u8]) -> anyhow::Result<T> {
        serde_json::from_str(&self.open(column, sealed)?)
            .map_err(|_| anyhow::anyhow!("{LINKS}.{column} does not decode"))
    }

    fn link(&self, sealed: SealedLink) -> anyhow::Result<EsiaLink> {
        let birth_date = match self.open_opt("birth_date", sealed.birth_date.as_deref())? {
            Some(text) => Some(
                text.parse::<chrono::NaiveDate>()
                    .ok()
                    .and_then(|d| BirthDate::try_from(d).ok())
                    .ok_or_else(|| anyhow::anyhow!("{LINKS}.birth_date does not parse"))?,
            ),
            None => None,
        };
        let policy = match &sealed.policy {
            Some(policy) => Some(self.open_json("policy", policy)?),
            None => None,
        };
        let kids: Vec<EsiaKid> = self.open_json("kids", &sealed.kids)?;
        let oid = sealed.oid.as_deref().ok_or_else(|| {
            anyhow::anyhow!("{LINKS}.oid of user {} is not sealed yet", self.user_id)
        })?;
        Ok(EsiaLink {
            oid: self.open("oid", oid)?,
            level: AccountLevel::from_code(&sealed.level).unwrap_or(AccountLevel::NotConfirmed),
            person: EsiaPerson {
                full_name: self.open("full_name", &sealed.full_name)?,
                birth_date,
                sex: sealed
                    .sex
                    .as_deref()
                    .and_then(|code| sex_from_code(code).ok()),
                policy,
            },
            insurer: self.open_opt("insurer", sealed.insurer.as_deref())?,
            attachment: self.open_opt("attachment", sealed.attachment.as_deref())?,
            kids,
            linked_at: sealed.linked_at,
            updated_at: sealed.updated_at,
        })
    }
}

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
        let sql = "DELETE FROM esia_logins WHERE expires_at < $1";
        self.execute_ids(sql, &[now - 86_400]).await?;
        with_pool!(self, |pool| {
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
        let Some(state) = stored_state(state) else {
            return Ok(None);
        };
        let row: Option<(i64, String)> = with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE esia_logins SET used_at = $2
                 WHERE state = $1 AND used_at IS NULL AND expires_at > $2
                 RETURNING user_id, lang",
            )
            .bind(state)
            .bind(now)
            .fetch_optional(pool)
            .await?
            .map(|row| (row.get(0), row.get(1)))
        });
        Ok(row.map(|(user_id, lang)| EsiaLogin::stored(user_id, &lang)))
    }

    /// Stores (or replaces) the user's link. No refresh token is kept: one a row still holds is cleared.
    pub async fn save_esia_link(&self, user_id: i64, link: &EsiaLink) -> anyhow::Result<()> {
        self.ensure_user(user_id).await?;
        let row = user_id.to_string();
        let c = self.crypto();
        let seal = |column: &str, value: &str| c.seal_str(Aad::new(LINKS, column, &row), value);
        let oid = seal("oid", &link.oid);
        let oid_lookup = oid_key(c, &link.oid);
        let full_name = seal("full_name", &link.person.full_name);
        let birth_date = link
            .person
            .birth_date
            .map(|d| seal("birth_date", &d.date().to_string()));
        let policy = match &link.person.policy {
            Some(p) => Some(seal("policy", &serde_json::to_string(p)?)),
            None => None,
        };
        let insurer = link.insurer.as_deref().map(|v| seal("insurer", v));
        let attachment = link.attachment.as_deref().map(|v| seal("attachment", v));
        let kids = seal("kids", &serde_json::to_string(&link.kids)?);
        let sex = link.person.sex.map(sex_code);
        with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO esia_links (user_id, oid, trusted, level, full_name, birth_date, sex, policy,
                     insurer, attachment, kids, linked_at, updated_at, oid_key)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
                 ON CONFLICT (user_id) DO UPDATE SET
                     oid = excluded.oid, oid_key = excluded.oid_key, trusted = excluded.trusted,
                     level = excluded.level,
                     full_name = excluded.full_name, birth_date = excluded.birth_date, sex = excluded.sex,
                     policy = excluded.policy, insurer = excluded.insurer, attachment = excluded.attachment,
                     kids = excluded.kids, refresh_token = NULL,
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
            .bind(link.updated_at)
            .bind(&oid_lookup)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The user's link, decrypted; `None` when not linked.
    pub async fn esia_link(&self, user_id: i64) -> anyhow::Result<Option<EsiaLink>> {
        let sealed: Option<SealedLink> = self
            .fetch_opt_as(
                &format!("SELECT {LINK_COLUMNS} FROM esia_links WHERE user_id = $1"),
                &[user_id],
            )
            .await?;
        let opener = LinkOpener::new(self.crypto(), user_id);
        sealed.map(|sealed| opener.link(sealed)).transpose()
    }

    /// The refresh token a link kept, if any (links saved by this version keep none).
    pub async fn esia_refresh_token(&self, user_id: i64) -> anyhow::Result<Option<String>> {
        let sealed: Option<Option<Vec<u8>>> = with_pool!(self, |pool| {
            sqlx::query("SELECT refresh_token FROM esia_links WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await?
                .map(|r| r.get(0))
        });
        LinkOpener::new(self.crypto(), user_id)
            .open_opt("refresh_token", sealed.flatten().as_deref())
    }

    /// Removes the link with its tokens. Returns whether there was one.
    pub async fn delete_esia_link(&self, user_id: i64) -> anyhow::Result<bool> {
        // `user_id` is the table's key: at most one row goes.
        self.changed_one("DELETE FROM esia_links WHERE user_id = $1", &[user_id])
            .await
    }
}
