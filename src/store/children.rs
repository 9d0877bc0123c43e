//! Children a user added, and the person the user acts for («Я» or one of the children).
//!
//! Every read, update and delete names the owner as well as the child: a child id that belongs to someone
//! else finds nothing, so a forged button cannot show, change or book for another user's child. The name,
//! the date of birth and the policy are sealed, bound to `children/<column>/<child id>`.

use anyhow::Context;
use chrono::NaiveDate;
use rand::Rng;
use sqlx::Row;

use crate::domain::{BirthDate, FullName, PolicyNumber, Relation, Sex};

use super::{text_codes, unix_now, with_pool, Aad, FromRow, Store, StoreRow};

const TABLE: &str = "children";

/// Ids stay below 2^53 so that they survive any JSON number on the way (they travel in callback data).
const MAX_ID: i64 = 1 << 53;

/// What a parent tells about a child: everything but the id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildDetails {
    pub full_name: FullName,
    /// A valid date; whether the child is still under 14 is asked when it is typed, not when it is read.
    pub birth_date: BirthDate,
    pub sex: Sex,
    pub relation: Relation,
    pub policy: PolicyNumber,
}

/// A stored child of one user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Child {
    pub id: i64,
    pub details: ChildDetails,
}

/// Who the user books for and whose appointments they see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActivePerson {
    /// The account holder («Я»).
    Me,
    Child(Child),
}

impl Child {
    pub fn full_name(&self) -> &FullName {
        &self.details.full_name
    }

    pub fn birth_date(&self) -> BirthDate {
        self.details.birth_date
    }

    pub fn sex(&self) -> Sex {
        self.details.sex
    }

    pub fn relation(&self) -> Relation {
        self.details.relation
    }

    pub fn policy(&self) -> &PolicyNumber {
        &self.details.policy
    }
}

// A person's sex as `children.sex` and `esia_links.sex` store it.
text_codes!(pub(super) Sex, "sex", sex_code, sex_from_code, {
    Sex::Male => "male",
    Sex::Female => "female",
});

text_codes!(Relation, "children.relation", relation_code, relation_from_code, {
    Relation::Son => "son",
    Relation::Daughter => "daughter",
});

/// The sealed columns of one row.
struct Sealed {
    full_name: Vec<u8>,
    birth_date: Vec<u8>,
    policy: Vec<u8>,
}

/// A row as read, before opening.
struct RawChild {
    id: i64,
    sealed: Sealed,
    sex: String,
    relation: String,
}

const COLUMNS: &str = "id, full_name, birth_date, sex, relation, policy";

/// A new child: `$1` id, `$2` user, `$3`–`$7` the details, `$8` now.
const INSERT_CHILD: &str = "INSERT INTO children
         (id, user_id, full_name, birth_date, sex, relation, policy, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
     ON CONFLICT (id) DO NOTHING";

/// New details of a child of the user, with the same parameters as [`INSERT_CHILD`].
const UPDATE_CHILD: &str = "UPDATE children
     SET full_name = $3, birth_date = $4, sex = $5, relation = $6, policy = $7, updated_at = $8
     WHERE id = $1 AND user_id = $2";

impl FromRow for RawChild {
    fn from_row(row: &impl StoreRow) -> Self {
        RawChild {
            id: row.col(0),
            sealed: Sealed {
                full_name: row.col(1),
                birth_date: row.col(2),
                policy: row.col(5),
            },
            sex: row.col(3),
            relation: row.col(4),
        }
    }
}

impl Store {
    fn seal_child(&self, id: i64, details: &ChildDetails) -> anyhow::Result<Sealed> {
        let row = id.to_string();
        let crypto = self.crypto();
        let policy = serde_json::to_string(&details.policy).context("cannot encode a policy")?;
        Ok(Sealed {
            full_name: crypto
                .seal_str(Aad::new(TABLE, "full_name", &row), details.full_name.full()),
            birth_date: crypto.seal_str(
                Aad::new(TABLE, "birth_date", &row),
                &details.birth_date.date().format("%Y-%m-%d").to_string(),
            ),
            policy: crypto.seal_str(Aad::new(TABLE, "policy", &row), &policy),
        })
    }

    fn open_child(&self, raw: RawChild) -> anyhow::Result<Child> {
        let row = raw.id.to_string();
        let crypto = self.crypto();
        // Errors name the column and the child id only, never the value.
        let open = |column: &str, sealed: &[u8]| {
            crypto
                .open_str(Aad::new(TABLE, column, &row), sealed)
                .with_context(|| format!("cannot open children.{column} of child {}", raw.id))
        };
        let full_name = FullName::parse(&open("full_name", &raw.sealed.full_name)?)
            .map_err(|e| anyhow::anyhow!("children.full_name of child {}: {e}", raw.id))?;
        let date =
            NaiveDate::parse_from_str(&open("birth_date", &raw.sealed.birth_date)?, "%Y-%m-%d")
                .with_context(|| {
                    format!("children.birth_date of child {} is not a date", raw.id)
                })?;
        let birth_date = BirthDate::try_from(date)
            .map_err(|e| anyhow::anyhow!("children.birth_date of child {}: {e}", raw.id))?;
        let policy: PolicyNumber = serde_json::from_str(&open("policy", &raw.sealed.policy)?)
            .with_context(|| format!("children.policy of child {} does not decode", raw.id))?;
        Ok(Child {
            id: raw.id,
            details: ChildDetails {
                full_name,
                birth_date,
                sex: sex_from_code(&raw.sex)?,
                relation: relation_from_code(&raw.relation)?,
                policy,
            },
        })
    }

    /// Runs [`INSERT_CHILD`] or [`UPDATE_CHILD`] for child `id` of `user_id` with `details` sealed;
    /// returns how many rows it wrote.
    async fn write_child(
        &self,
        sql: &str,
        id: i64,
        user_id: i64,
        details: &ChildDetails,
        now: i64,
    ) -> anyhow::Result<u64> {
        let sealed = self.seal_child(id, details)?;
        Ok(with_pool!(self, |pool| {
            sqlx::query(sql)
                .bind(id)
                .bind(user_id)
                .bind(&sealed.full_name)
                .bind(&sealed.birth_date)
                .bind(sex_code(details.sex))
                .bind(relation_code(details.relation))
                .bind(&sealed.policy)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    /// The user's children, oldest first (then by name), as a family list reads.
    pub async fn children(&self, user_id: i64) -> anyhow::Result<Vec<Child>> {
        let raws: Vec<RawChild> = self
            .fetch_all_as(
                &format!(
                    "SELECT {COLUMNS} FROM children WHERE user_id = $1 ORDER BY created_at, id"
                ),
                &[user_id],
            )
            .await?;
        let mut children = raws
            .into_iter()
            .map(|raw| self.open_child(raw))
            .collect::<anyhow::Result<Vec<_>>>()?;
        children.sort_by(|a, b| {
            (a.birth_date(), a.full_name().full()).cmp(&(b.birth_date(), b.full_name().full()))
        });
        Ok(children)
    }

    /// The child `child_id` if it belongs to `user_id`; `None` for anyone else's child or an unknown id.
    pub async fn child(&self, user_id: i64, child_id: i64) -> anyhow::Result<Option<Child>> {
        let raw: Option<RawChild> = self
            .fetch_opt_as(
                &format!("SELECT {COLUMNS} FROM children WHERE id = $1 AND user_id = $2"),
                &[child_id, user_id],
            )
            .await?;
        raw.map(|raw| self.open_child(raw)).transpose()
    }

    /// Adds a child to the user (creating the user row if needed) and returns it with its new id.
    pub async fn add_child(&self, user_id: i64, details: &ChildDetails) -> anyhow::Result<Child> {
        self.ensure_user(user_id).await?;
        let now = unix_now();
        // A random id of 53 bits collides about never; a collision is simply retried with another id.
        for _ in 0..5 {
            let id = rand::thread_rng().gen_range(1..MAX_ID);
            let inserted = self
                .write_child(INSERT_CHILD, id, user_id, details, now)
                .await?;
            if inserted == 1 {
                return Ok(Child {
                    id,
                    details: details.clone(),
                });
            }
        }
        anyhow::bail!("cannot find a free child id")
    }

    /// Replaces the details of the user's child; `false` when the user has no such child.
    pub async fn update_child(
        &self,
        user_id: i64,
        child_id: i64,
        details: &ChildDetails,
    ) -> anyhow::Result<bool> {
        let updated = self
            .write_child(UPDATE_CHILD, child_id, user_id, details, unix_now())
            .await?;
        Ok(updated == 1)
    }

    /// Deletes the user's child; if it was the active person, the user acts for themselves again.
    /// `false` when the user has no such child.
    pub async fn delete_child(&self, user_id: i64, child_id: i64) -> anyhow::Result<bool> {
        let deleted = with_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let deleted = sqlx::query("DELETE FROM children WHERE id = $1 AND user_id = $2")
                .bind(child_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            // The clinics the child was found in are not asked about any more.
            sqlx::query("DELETE FROM registry_patients WHERE user_id = $1 AND person = $2")
                .bind(user_id)
                .bind(child_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE users SET active_child_id = NULL, updated_at = $3
                 WHERE id = $1 AND active_child_id = $2",
            )
            .bind(user_id)
            .bind(child_id)
            .bind(unix_now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            deleted
        });
        Ok(deleted == 1)
    }

    /// Makes the user act for `child_id`, or for themselves with `None`. `false` (and no change) when the
    /// child is not the user's.
    pub async fn set_active_person(
        &self,
        user_id: i64,
        child_id: Option<i64>,
    ) -> anyhow::Result<bool> {
        self.ensure_user(user_id).await?;
        let updated = with_pool!(self, |pool| {
            match child_id {
                None => sqlx::query(
                    "UPDATE users SET active_child_id = NULL, updated_at = $2 WHERE id = $1",
                )
                .bind(user_id)
                .bind(unix_now())
                .execute(pool)
                .await?
                .rows_affected(),
                // The ownership check and the write are one statement, so a child deleted meanwhile is not
                // made active.
                Some(child_id) => sqlx::query(
                    "UPDATE users SET active_child_id = $2, updated_at = $3
                     WHERE id = $1
                       AND EXISTS (SELECT 1 FROM children WHERE id = $2 AND user_id = $1)",
                )
                .bind(user_id)
                .bind(child_id)
                .bind(unix_now())
                .execute(pool)
                .await?
                .rows_affected(),
            }
        });
        Ok(updated == 1)
    }

    /// The person the user acts for: themselves, or one of their own children.
    pub async fn active_person(&self, user_id: i64) -> anyhow::Result<ActivePerson> {
        let active: Option<i64> = with_pool!(self, |pool| {
            sqlx::query("SELECT active_child_id FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await?
                .and_then(|row| row.get::<Option<i64>, _>(0))
        });
        let Some(child_id) = active else {
            return Ok(ActivePerson::Me);
        };
        Ok(match self.child(user_id, child_id).await? {
            Some(child) => ActivePerson::Child(child),
            None => ActivePerson::Me,
        })
    }
}
