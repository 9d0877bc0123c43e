//! Signing the strings ESIA asks to be signed (`client_secret`).
//!
//! ESIA wants a raw GOST R 34.10-2012 signature (64 bytes for a 256-bit key, 128 for a 512-bit one; not a
//! CMS/PKCS#7 envelope), which no Rust crate makes: production delegates signing to an external command
//! (`ESIA_SIGNER_CMD`), which reads the message on stdin and prints the signature in base64 or base64url on
//! stdout. The output is decoded and its length checked on every signature, so a signer that prints a CMS
//! envelope (ESIA answers `ESIA-007053 clientSecretWrong`) is refused at start-up with a line that says what
//! it printed and how to fix it.
//!
//! Secrets: the command line of a process is visible to every local user (`ps`), so the command is handed
//! to `sh` through the environment (never as an argument), a command that carries a PIN in its arguments is
//! refused, and the bot's own secrets (token, data key, database URL) are removed from the signer's
//! environment. The signer reads its own secrets from its environment or a file (see README).
//!
//! The demo identity provider has no GOST key either: in demo mode the bot signs with HMAC-SHA256 under a
//! fixed sandbox key, which the demo provider checks the same way.

use std::process::Stdio;
use std::time::Duration;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::AsyncWriteExt;

/// The sandbox key of the demo signer. It is public on purpose: it protects nothing but the demo.
const DEMO_KEY: &[u8] = b"kvrachu-bot demo ESIA signer: not a secret, sandbox only";

/// How long the signing command may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The message signed at start-up to check that the signer works.
const PROBE: &str = "kvrachu-bot signer check";

/// The lengths of a raw GOST R 34.10-2012 signature: 256-bit and 512-bit keys.
pub const RAW_SIGNATURE_LENGTHS: [usize; 2] = [64, 128];

/// The environment variable through which `sh` receives the command (so that it is not an argument).
const CMD_VAR: &str = "KVRACHU_ESIA_SIGNER_CMD";

/// The bot's own secrets, which the signer has no business seeing.
const SCRUBBED: [&str; 6] = [
    "TELOXIDE_TOKEN",
    "DATA_KEY",
    "DATABASE_URL",
    "METRICS_TOKEN",
    "WEBHOOK_SECRET",
    "ESIA_SIGNER_CMD",
];

/// Options through which signing tools take a PIN or password on their command line.
const PIN_OPTIONS: [&str; 6] = [
    "-password",
    "-passwd",
    "-pin",
    "-passin",
    "--password",
    "--pin",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignerError {
    #[error("ESIA_SIGNER_CMD: cannot run the command: {0}")]
    Spawn(String),
    #[error("ESIA_SIGNER_CMD: the command exited with {status}{stderr}")]
    Failed { status: String, stderr: String },
    #[error("ESIA_SIGNER_CMD: the command printed no signature")]
    Empty,
    #[error("ESIA_SIGNER_CMD: the command printed something that is not base64 ({0}); it must print only the signature, in base64 or base64url")]
    NotBase64(String),
    #[error("ESIA_SIGNER_CMD: the command printed {decoded} bytes{looks_like}, not a raw GOST R 34.10-2012 signature of 64 (or 128) bytes; {fix}")]
    WrongLength {
        decoded: usize,
        looks_like: String,
        fix: &'static str,
    },
    #[error("ESIA_SIGNER_CMD: the command did not finish within {0:?}")]
    Timeout(Duration),
    #[error("ESIA_SIGNER_CMD: a PIN or password in the command's arguments ({0}) is visible to every user of this machine in `ps`; give it to the signer through its environment or a file (see README, «Подпись для ЕСИА»)")]
    SecretInArguments(String),
}

/// What to do about output of the wrong length: CMS needs a raw signer, other lengths a different tool.
const FIX_CMS: &str = "ESIA refuses CMS/PKCS#7 (ESIA-007053): sign with a raw signature, e.g. `csptest -keyset -sign GOST12_256` with the bytes reversed, not `openssl cms`, `smime` or `cryptcp` (see README, «Подпись для ЕСИА»)";
const FIX_OTHER: &str =
    "the command must print only the signature (see README, «Подпись для ЕСИА»)";

/// Makes `client_secret` values.
#[derive(Clone)]
pub enum Signer {
    /// `sh -c <cmd>`: message on stdin, base64(url) of a raw signature on stdout.
    Command { cmd: String, timeout: Duration },
    /// HMAC-SHA256 under the sandbox key, for the demo identity provider.
    Demo,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The command line may carry a key container's name: never print it.
            Signer::Command { timeout, .. } => f
                .debug_struct("Command")
                .field("timeout", timeout)
                .finish_non_exhaustive(),
            Signer::Demo => f.write_str("Demo"),
        }
    }
}

impl Signer {
    pub fn command(cmd: impl Into<String>) -> Signer {
        Signer::Command {
            cmd: cmd.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The signature of `message`, as base64url without padding.
    pub async fn sign(&self, message: &str) -> Result<String, SignerError> {
        match self {
            Signer::Demo => Ok(demo_signature(message)),
            Signer::Command { cmd, timeout } => {
                refuse_secret_in_arguments(cmd)?;
                let stdout = run_command(cmd, message, *timeout).await?;
                raw_signature(&stdout)
            }
        }
    }

    /// Signs a fixed probe once, so a broken signer stops start-up instead of the first login.
    pub async fn check(&self) -> Result<(), SignerError> {
        self.sign(PROBE).await.map(|_| ())
    }
}

/// Refuses a command whose arguments carry a PIN (`csptest … -password 1234`, `-passin pass:…`).
pub fn refuse_secret_in_arguments(cmd: &str) -> Result<(), SignerError> {
    for word in cmd.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        let option = lower.split('=').next().unwrap_or(&lower);
        if PIN_OPTIONS.contains(&option) || lower.starts_with("pass:") {
            return Err(SignerError::SecretInArguments(
                option.trim_end_matches(':').to_owned(),
            ));
        }
    }
    Ok(())
}

/// The demo signer's signature of `message`; the demo identity provider recomputes it to verify.
pub fn demo_signature(message: &str) -> String {
    URL_SAFE_NO_PAD.encode(demo_mac(message.as_bytes()))
}

/// Whether `signature` is the demo signer's signature of `message` (compared in constant time).
pub fn demo_verify(message: &str, signature: &str) -> bool {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(signature.trim_end_matches('=')) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(DEMO_KEY) else {
        return false;
    };
    mac.update(message.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

fn demo_mac(message: &[u8]) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(DEMO_KEY) {
        Ok(mut mac) => {
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        // HMAC takes a key of any length.
        Err(_) => Vec::new(),
    }
}

async fn run_command(cmd: &str, message: &str, timeout: Duration) -> Result<Vec<u8>, SignerError> {
    let mut command = tokio::process::Command::new("sh");
    // The command reaches `sh` through its environment: `ps` shows `sh -c eval "$KVRACHU_ESIA_SIGNER_CMD"`.
    command
        .arg("-c")
        .arg(format!("eval \"${CMD_VAR}\""))
        .env(CMD_VAR, cmd);
    for name in SCRUBBED {
        command.env_remove(name);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| SignerError::Spawn(err.kind().to_string()))?;
    let Some(mut stdin) = child.stdin.take() else {
        return Err(SignerError::Spawn("no stdin".to_owned()));
    };
    let message = message.as_bytes().to_vec();
    let work = async move {
        // A command that does not read its input must not make us fail: ignore a broken pipe.
        let _ = stdin.write_all(&message).await;
        drop(stdin);
        child.wait_with_output().await
    };
    let output = match tokio::time::timeout(timeout, work).await {
        Ok(Ok(output)) => output,
        Ok(Err(err)) => return Err(SignerError::Spawn(err.kind().to_string())),
        Err(_) => return Err(SignerError::Timeout(timeout)),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first_line = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let stderr = if first_line.is_empty() {
            String::new()
        } else {
            format!(": {}", first_line.chars().take(200).collect::<String>())
        };
        let status = match output.status.code() {
            Some(code) => format!("status {code}"),
            None => "a signal".to_owned(),
        };
        return Err(SignerError::Failed { status, stderr });
    }
    Ok(output.stdout)
}

/// Base64 of either alphabet, padded or not, trailing bits tolerated: ESIA has accepted all of them.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes the signer's output (base64url or standard base64, with or without padding and line breaks:
/// openssl wraps its output), checks that it is a raw signature, and returns it as base64url without
/// padding, as ESIA expects.
pub fn raw_signature(stdout: &[u8]) -> Result<String, SignerError> {
    if stdout.first() == Some(&0x30) && !stdout.is_empty() && std::str::from_utf8(stdout).is_err() {
        // Binary DER on stdout: a CMS envelope printed without base64.
        return Err(SignerError::WrongLength {
            decoded: stdout.len(),
            looks_like: " of binary DER (CMS/PKCS#7?) instead of base64".to_owned(),
            fix: FIX_CMS,
        });
    }
    let text = std::str::from_utf8(stdout)
        .map_err(|_| SignerError::NotBase64("binary output".to_owned()))?;
    if text.contains("-----BEGIN") {
        return Err(SignerError::WrongLength {
            decoded: text.len(),
            looks_like: " of PEM (a CMS/PKCS#7 envelope)".to_owned(),
            fix: FIX_CMS,
        });
    }
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    if compact.is_empty() {
        return Err(SignerError::Empty);
    }
    let bytes = LENIENT
        .decode(&compact)
        .map_err(|_| SignerError::NotBase64(format!("{} characters", compact.chars().count())))?;
    if !RAW_SIGNATURE_LENGTHS.contains(&bytes.len()) {
        let cms = bytes.first() == Some(&0x30) && bytes.len() > 128;
        return Err(SignerError::WrongLength {
            decoded: bytes.len(),
            looks_like: if cms {
                " starting with an ASN.1 SEQUENCE: it looks like a CMS/PKCS#7 envelope".to_owned()
            } else {
                String::new()
            },
            fix: if cms { FIX_CMS } else { FIX_OTHER },
        });
    }
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    /// A test signer that prints a valid-looking raw signature: 86 hex digits of the message's SHA-512
    /// (hex is base64url-safe; 86 characters decode to 64 bytes).
    const HEX_SIGNER: &str = "sha512sum | cut -c1-86";

    #[tokio::test]
    async fn the_command_gets_the_message_on_stdin() {
        let signer = Signer::command(HEX_SIGNER);
        let a = signer.sign("a b c").await.unwrap();
        let b = signer.sign("a b d").await.unwrap();
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 64);
    }

    #[tokio::test]
    async fn standard_base64_with_line_breaks_becomes_base64url() {
        let raw: Vec<u8> = (0u8..64).map(|b| b.wrapping_mul(61)).collect();
        let standard = STANDARD.encode(&raw);
        let wrapped = format!("{}\n{}\n", &standard[..40], &standard[40..]);
        let signer = Signer::command(format!("printf '{wrapped}'"));
        assert_eq!(
            signer.sign("x").await.unwrap(),
            URL_SAFE_NO_PAD.encode(&raw)
        );
    }

    #[test]
    fn a_512_bit_signature_is_accepted_too() {
        let raw = [7u8; 128];
        assert_eq!(
            raw_signature(URL_SAFE_NO_PAD.encode(raw).as_bytes()).unwrap(),
            URL_SAFE_NO_PAD.encode(raw)
        );
    }

    #[test]
    fn a_cms_envelope_is_refused_with_what_it_looks_like_and_how_to_fix_it() {
        // The start of a DER SEQUENCE of some 1,500 bytes, as `openssl cms -sign -outform DER` prints.
        let mut der = vec![0x30, 0x82, 0x05, 0xd0, 0x06, 0x09];
        der.resize(1492, 0x11);
        let err = raw_signature(STANDARD.encode(&der).as_bytes()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("printed 1492 bytes"), "{text}");
        assert!(text.contains("looks like a CMS/PKCS#7 envelope"), "{text}");
        assert!(text.contains("ESIA-007053"), "{text}");
        assert!(text.contains("csptest"), "{text}");
        let pem = b"-----BEGIN PKCS7-----\nMIIF0AYJ\n-----END PKCS7-----\n";
        assert!(raw_signature(pem).unwrap_err().to_string().contains("PEM"));
        assert!(raw_signature(&der)
            .unwrap_err()
            .to_string()
            .contains("binary DER"));
    }

    #[test]
    fn a_signature_of_another_length_is_refused() {
        let err = raw_signature(URL_SAFE_NO_PAD.encode([1u8; 32]).as_bytes()).unwrap_err();
        assert_eq!(
            err,
            SignerError::WrongLength {
                decoded: 32,
                looks_like: String::new(),
                fix: FIX_OTHER
            }
        );
    }

    #[tokio::test]
    async fn a_failing_command_says_how_it_failed() {
        let err = Signer::command("echo 'no key container' >&2; exit 3")
            .sign("x")
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "ESIA_SIGNER_CMD: the command exited with status 3: no key container"
        );
    }

    #[tokio::test]
    async fn empty_output_is_an_error() {
        assert_eq!(
            Signer::command("true").check().await,
            Err(SignerError::Empty)
        );
    }

    #[tokio::test]
    async fn output_that_is_not_base64_is_an_error() {
        assert!(matches!(
            Signer::command("echo 'Error: oops!'").check().await,
            Err(SignerError::NotBase64(_))
        ));
    }

    #[tokio::test]
    async fn a_hanging_command_times_out() {
        let signer = Signer::Command {
            cmd: "sleep 5".to_owned(),
            timeout: Duration::from_millis(200),
        };
        assert_eq!(
            signer.sign("x").await,
            Err(SignerError::Timeout(Duration::from_millis(200)))
        );
    }

    #[tokio::test]
    async fn a_pin_in_the_arguments_is_refused_before_anything_runs() {
        for cmd in [
            "csptest -keyset -container c -sign GOST12_256 -password 1234",
            "openssl pkeyutl -sign -passin pass:1234",
            "signer --pin=1234",
        ] {
            let err = Signer::command(cmd).check().await.unwrap_err();
            assert!(
                matches!(err, SignerError::SecretInArguments(_)),
                "{cmd}: {err}"
            );
            assert!(!err.to_string().contains("1234"), "{err}");
        }
        assert_eq!(
            refuse_secret_in_arguments("/usr/local/bin/esia-sign"),
            Ok(())
        );
    }

    #[tokio::test]
    async fn the_signer_does_not_see_the_bots_secrets_nor_its_own_command_line() {
        // Prints a valid signature only when neither the token nor the data key is in its environment
        // and its own arguments do not contain the command.
        std::env::set_var("DATA_KEY", "secret-data-key-for-this-test");
        let cmd = r#"test -z "$DATA_KEY" && test -z "$TELOXIDE_TOKEN" && ! grep -q sha512 /proc/$$/cmdline && sha512sum | cut -c1-86"#;
        let signed = Signer::command(cmd).sign("x").await;
        std::env::remove_var("DATA_KEY");
        assert!(signed.is_ok(), "{signed:?}");
    }

    #[tokio::test]
    async fn the_demo_signature_verifies_and_a_changed_message_does_not() {
        let signature = Signer::Demo.sign("message").await.unwrap();
        assert!(demo_verify("message", &signature));
        assert!(!demo_verify("messagE", &signature));
        assert!(!demo_verify("message", "not-a-signature"));
    }

    #[test]
    fn debug_does_not_show_the_command() {
        let shown = format!("{:?}", Signer::command("esia-sign --container secret-name"));
        assert!(!shown.contains("secret-name"), "{shown}");
    }
}
