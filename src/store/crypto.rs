//! Field encryption for personal data at rest.
//!
//! Every sealed value is `nonce (24 bytes) || ciphertext+tag` under XChaCha20-Poly1305. The associated data
//! binds a value to its table, column and row, so a ciphertext copied into another row or column fails to
//! open instead of silently showing one person's data as another's.

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const NONCE_LEN: usize = 24;

/// A 32-byte data key. Never printed.
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<hidden>)")
    }
}

impl DataKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The key of `DATA_KEY` or a key file: base64 of 32 bytes (checked as the settings check it).
    pub fn from_base64(raw: &str) -> Result<Self, String> {
        crate::config::decode_data_key(raw).map(Self)
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Loads the key file beside a SQLite database, or creates it (mode 0600) when absent.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        use anyhow::Context;
        match std::fs::read_to_string(path) {
            Ok(_) => Self::load_existing(path),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                write_private(path, key.to_base64().as_bytes()).with_context(|| {
                    format!("cannot create the data key file {}", path.display())
                })?;
                tracing::info!(path = %path.display(), "generated a new data key");
                Ok(key)
            }
            Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
        }
    }
}

#[cfg(unix)]
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// Where a sealed value lives: its table, column and row.
#[derive(Clone, Copy, Debug)]
pub struct Aad<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row: &'a str,
}

impl<'a> Aad<'a> {
    pub fn new(table: &'a str, column: &'a str, row: &'a str) -> Self {
        Self { table, column, row }
    }

    fn bytes(&self) -> Vec<u8> {
        // Lengths first, so ("ab","c") and ("a","bc") never produce the same associated data.
        let mut out =
            Vec::with_capacity(self.table.len() + self.column.len() + self.row.len() + 12);
        for part in [self.table, self.column, self.row] {
            out.extend_from_slice(&(part.len() as u32).to_be_bytes());
            out.extend_from_slice(part.as_bytes());
        }
        out
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("sealed value is too short")]
    TooShort,
    #[error("sealed value does not open with this key and place")]
    Rejected,
    #[error("opened value is not UTF-8")]
    NotText,
}

#[derive(Clone)]
pub struct Crypto {
    cipher: XChaCha20Poly1305,
    /// The subkey of keyed lookup values ([`Crypto::lookup`]), derived from the data key.
    lookup_key: [u8; 32],
}

impl fmt::Debug for Crypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Crypto(<key hidden>)")
    }
}

impl Crypto {
    pub fn new(key: &DataKey) -> Self {
        let mut derive = <Hmac<Sha256> as Mac>::new_from_slice(&key.0)
            .expect("HMAC-SHA256 takes a key of any length");
        derive.update(b"kvrachu-bot lookup key v1");
        Self {
            cipher: XChaCha20Poly1305::new((&key.0).into()),
            lookup_key: derive.finalize().into_bytes().into(),
        }
    }

    /// A keyed lookup value: HMAC-SHA256 under a subkey of the data key over `scope`, the user it belongs
    /// to (`None` for a value looked up across users) and `parts`. It stands in for sealed ids where a
    /// query or a uniqueness rule needs equality: equal inputs give equal values, and without the data key
    /// the value says nothing of the ids (and, scoped per user, does not link two users' rows either).
    pub fn lookup(&self, scope: &str, user_id: Option<i64>, parts: &[&str]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.lookup_key)
            .expect("HMAC-SHA256 takes a key of any length");
        // Lengths first, so that no two different inputs are fed as the same bytes.
        let mut feed = |bytes: &[u8]| {
            mac.update(&(bytes.len() as u32).to_be_bytes());
            mac.update(bytes);
        };
        feed(scope.as_bytes());
        match user_id {
            Some(user) => feed(&user.to_be_bytes()),
            None => feed(&[]),
        }
        for part in parts {
            feed(part.as_bytes());
        }
        mac.finalize().into_bytes().to_vec()
    }

    pub fn seal(&self, aad: Aad<'_>, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad.bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn open(&self, aad: Aad<'_>, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < NONCE_LEN + 16 {
            return Err(CryptoError::TooShort);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad.bytes(),
                },
            )
            .map_err(|_| CryptoError::Rejected)
    }

    pub fn seal_str(&self, aad: Aad<'_>, plaintext: &str) -> Vec<u8> {
        self.seal(aad, plaintext.as_bytes())
    }

    pub fn open_str(&self, aad: Aad<'_>, sealed: &[u8]) -> Result<String, CryptoError> {
        String::from_utf8(self.open(aad, sealed)?).map_err(|_| CryptoError::NotText)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crypto() -> Crypto {
        Crypto::new(&DataKey::generate())
    }

    #[test]
    fn a_sealed_value_opens_in_its_own_place() {
        let c = crypto();
        let aad = Aad::new("children", "full_name", "42");
        let sealed = c.seal_str(aad, "Иванова Мария Ивановна");
        assert_eq!(c.open_str(aad, &sealed).unwrap(), "Иванова Мария Ивановна");
    }

    #[test]
    fn the_ciphertext_does_not_contain_the_plaintext() {
        let c = crypto();
        let sealed = c.seal_str(Aad::new("t", "c", "1"), "8451999122899990");
        assert!(!sealed.windows(16).any(|w| w == b"8451999122899990"));
    }

    #[test]
    fn sealing_twice_gives_different_ciphertexts() {
        let c = crypto();
        let aad = Aad::new("t", "c", "1");
        assert_ne!(c.seal_str(aad, "x"), c.seal_str(aad, "x"));
    }

    #[test]
    fn a_value_moved_to_another_row_column_or_table_does_not_open() {
        let c = crypto();
        let sealed = c.seal_str(Aad::new("children", "full_name", "42"), "secret");
        for other in [
            Aad::new("children", "full_name", "43"),
            Aad::new("children", "policy", "42"),
            Aad::new("users", "full_name", "42"),
            Aad::new("childre", "nfull_name", "42"),
        ] {
            assert_eq!(c.open(other, &sealed), Err(CryptoError::Rejected));
        }
    }

    #[test]
    fn another_key_or_a_flipped_bit_is_rejected() {
        let aad = Aad::new("t", "c", "1");
        let sealed = crypto().seal_str(aad, "secret");
        assert_eq!(crypto().open(aad, &sealed), Err(CryptoError::Rejected));
        let c = crypto();
        let mut sealed = c.seal_str(aad, "secret");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(c.open(aad, &sealed), Err(CryptoError::Rejected));
        assert_eq!(c.open(aad, &sealed[..10]), Err(CryptoError::TooShort));
    }

    #[test]
    fn lookups_are_equal_for_equal_inputs_only_and_depend_on_the_key() {
        let c = crypto();
        let value = c.lookup("t.c", Some(5), &["77", "slot"]);
        assert_eq!(value, c.lookup("t.c", Some(5), &["77", "slot"]));
        assert_eq!(value.len(), 32);
        for other in [
            c.lookup("t.c", Some(6), &["77", "slot"]),
            c.lookup("t.c", None, &["77", "slot"]),
            c.lookup("t.d", Some(5), &["77", "slot"]),
            c.lookup("t.c", Some(5), &["77s", "lot"]),
            crypto().lookup("t.c", Some(5), &["77", "slot"]),
        ] {
            assert_ne!(value, other);
        }
    }

    #[test]
    fn keys_round_trip_through_base64_and_the_key_file_is_private() {
        let key = DataKey::generate();
        let again = DataKey::from_base64(&key.to_base64()).unwrap();
        assert_eq!(key.0, again.0);
        assert!(DataKey::from_base64("!!").is_err());
        assert!(DataKey::from_base64("c2hvcnQ=").is_err());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kvrachu.key");
        let created = DataKey::load_or_create(&path).unwrap();
        let loaded = DataKey::load_or_create(&path).unwrap();
        assert_eq!(created.0, loaded.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{created:?}").contains(&created.to_base64()));
    }
}
