//! Telegram's login widget data (what a `login_url` button adds to the URL it opens), checked as Telegram
//! documents it: the secret key is SHA-256 of the bot token, `hash` is the hex HMAC-SHA256 of the
//! data-check-string (every received field but `hash`, as `key=value`, sorted, joined by `\n`), and
//! `auth_date` must be recent. What it proves: the browser was opened by Telegram for the user `id`.
//!
//! `/esia/start` uses it to bind a login to the browser of the Telegram user who started it.

use std::collections::{BTreeMap, HashMap};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// How old Telegram's `auth_date` may be: the button is pressed, and the page opens, within seconds.
pub const MAX_AGE_SECONDS: i64 = 10 * 60;

/// The fields Telegram adds to a `login_url` (the `hash` included). Any other query parameter is ours.
pub const FIELDS: [&str; 7] = [
    "id",
    "first_name",
    "last_name",
    "username",
    "photo_url",
    "auth_date",
    "hash",
];

/// Why the login widget data is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Telegram login data without hash, id or auth_date")]
    Incomplete,
    #[error("Telegram login data with a wrong hash")]
    BadHash,
    #[error("Telegram login data too old (auth_date)")]
    Stale,
    #[error("Telegram login data of another Telegram user than the one who started the login")]
    OtherUser,
}

/// Whether the query carries Telegram's login data at all (a `login_url` button, not a plain link).
pub fn present(query: &HashMap<String, String>) -> bool {
    query.contains_key("hash") || query.contains_key("auth_date")
}

/// Checks Telegram's login data in `query` for `expected_user` at `now` (Unix seconds). Parameters other
/// than Telegram's ([`FIELDS`]) are not part of the data-check-string.
pub fn verify(
    bot_token: &str,
    query: &HashMap<String, String>,
    expected_user: i64,
    now: i64,
) -> Result<(), Refusal> {
    let hash = query.get("hash").ok_or(Refusal::Incomplete)?;
    let id: i64 = query
        .get("id")
        .and_then(|v| v.parse().ok())
        .ok_or(Refusal::Incomplete)?;
    let auth_date: i64 = query
        .get("auth_date")
        .and_then(|v| v.parse().ok())
        .ok_or(Refusal::Incomplete)?;
    let expected = hex_decode(hash).ok_or(Refusal::BadHash)?;
    let mut mac = mac_for(bot_token).ok_or(Refusal::BadHash)?;
    mac.update(data_check_string(query).as_bytes());
    mac.verify_slice(&expected).map_err(|_| Refusal::BadHash)?;
    if now - auth_date > MAX_AGE_SECONDS || auth_date - now > MAX_AGE_SECONDS {
        return Err(Refusal::Stale);
    }
    if id != expected_user {
        return Err(Refusal::OtherUser);
    }
    Ok(())
}

/// The `hash` Telegram would send for `fields` (for tests and the demo: what a `login_url` adds).
pub fn sign(bot_token: &str, fields: &HashMap<String, String>) -> String {
    let Some(mut mac) = mac_for(bot_token) else {
        return String::new();
    };
    mac.update(data_check_string(fields).as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// HMAC-SHA256 keyed with SHA-256 of the bot token (HMAC takes a key of any length: always `Some`).
fn mac_for(bot_token: &str) -> Option<Hmac<Sha256>> {
    let secret = Sha256::digest(bot_token.as_bytes());
    <Hmac<Sha256> as Mac>::new_from_slice(&secret).ok()
}

fn data_check_string(fields: &HashMap<String, String>) -> String {
    let sorted: BTreeMap<&str, &str> = fields
        .iter()
        .filter(|(k, _)| k.as_str() != "hash" && FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn hex_decode(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "123456:TEST-token";

    fn login(id: i64, auth_date: i64) -> HashMap<String, String> {
        let mut fields: HashMap<String, String> = [
            ("id", id.to_string()),
            ("first_name", "Анна".to_owned()),
            ("username", "anna".to_owned()),
            ("auth_date", auth_date.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let hash = sign(TOKEN, &fields);
        fields.insert("hash".into(), hash);
        // Our own parameter, which is not Telegram's data.
        fields.insert(
            "login".into(),
            "4f2c0c4e-0000-4000-8000-000000000000".into(),
        );
        fields
    }

    #[test]
    fn telegrams_data_for_the_user_who_started_the_login_is_accepted() {
        assert_eq!(verify(TOKEN, &login(42, 1_000), 42, 1_030), Ok(()));
    }

    #[test]
    fn a_known_vector_checks() {
        // Computed independently (Python's hmac): HMAC-SHA256(SHA256(token), "auth_date=1\nid=2").
        let mut fields: HashMap<String, String> = [("id", "2"), ("auth_date", "1")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let hash = "607f28e3d4a312d62efa600fdfe5078da97e5ca516d64abade5f9d44c36cfad7";
        assert_eq!(sign(TOKEN, &fields), hash);
        fields.insert("hash".into(), hash.to_owned());
        assert_eq!(verify(TOKEN, &fields, 2, 1), Ok(()));
    }

    #[test]
    fn a_changed_field_another_token_another_user_or_old_data_is_refused() {
        let mut changed = login(42, 1_000);
        changed.insert("id".into(), "43".into());
        assert_eq!(verify(TOKEN, &changed, 43, 1_000), Err(Refusal::BadHash));
        assert_eq!(
            verify("123456:OTHER", &login(42, 1_000), 42, 1_000),
            Err(Refusal::BadHash)
        );
        assert_eq!(
            verify(TOKEN, &login(42, 1_000), 7, 1_000),
            Err(Refusal::OtherUser)
        );
        assert_eq!(
            verify(TOKEN, &login(42, 1_000), 42, 1_000 + MAX_AGE_SECONDS + 1),
            Err(Refusal::Stale)
        );
        let mut no_hash = login(42, 1_000);
        no_hash.remove("hash");
        assert_eq!(verify(TOKEN, &no_hash, 42, 1_000), Err(Refusal::Incomplete));
        let mut bad_hex = login(42, 1_000);
        bad_hex.insert("hash".into(), "zz".repeat(32));
        assert_eq!(verify(TOKEN, &bad_hex, 42, 1_000), Err(Refusal::BadHash));
    }
}
