//! Signing the strings ESIA asks to be signed (`client_secret`).
//!
//! ESIA wants a GOST R 34.10-2012 signature, which no Rust crate makes: production delegates signing to an
//! external command (`ESIA_SIGNER_CMD`, run with `sh -c`), which reads the message on stdin and prints the
//! signature as base64url on stdout. The demo identity provider has no GOST key either: in demo mode the
//! bot signs with HMAC-SHA256 under a fixed sandbox key, which the demo provider checks the same way.

use std::process::Stdio;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignerError {
    #[error("ESIA_SIGNER_CMD: cannot run the command: {0}")]
    Spawn(String),
    #[error("ESIA_SIGNER_CMD: the command exited with {status}{stderr}")]
    Failed { status: String, stderr: String },
    #[error("ESIA_SIGNER_CMD: the command printed no signature")]
    Empty,
    #[error("ESIA_SIGNER_CMD: the command printed something that is not base64url")]
    NotBase64,
    #[error("ESIA_SIGNER_CMD: the command did not finish within {0:?}")]
    Timeout(Duration),
}

/// Makes `client_secret` values.
#[derive(Clone)]
pub enum Signer {
    /// `sh -c <cmd>`: message on stdin, base64url signature on stdout.
    Command { cmd: String, timeout: Duration },
    /// HMAC-SHA256 under the sandbox key, for the demo identity provider.
    Demo,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The command line may carry a key container's PIN: never print it.
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
            Signer::Command { cmd, timeout } => run_command(cmd, message, *timeout).await,
        }
    }

    /// Signs a fixed probe once, so a broken signer stops start-up instead of the first login.
    pub async fn check(&self) -> Result<(), SignerError> {
        self.sign(PROBE).await.map(|_| ())
    }
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
    let mut mac = Hmac::<Sha256>::new_from_slice(DEMO_KEY).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

fn demo_mac(message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(DEMO_KEY).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

async fn run_command(cmd: &str, message: &str, timeout: Duration) -> Result<String, SignerError> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| SignerError::Spawn(err.kind().to_string()))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
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
    normalize(&output.stdout)
}

/// Accepts base64url or standard base64, with or without padding and line breaks (openssl wraps its
/// output), and returns base64url without padding, as ESIA expects.
fn normalize(stdout: &[u8]) -> Result<String, SignerError> {
    let text = std::str::from_utf8(stdout).map_err(|_| SignerError::NotBase64)?;
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let compact = compact.trim_end_matches('=');
    if compact.is_empty() {
        return Err(SignerError::Empty);
    }
    if !compact
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/'))
    {
        return Err(SignerError::NotBase64);
    }
    Ok(compact.replace('+', "-").replace('/', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_command_gets_the_message_on_stdin() {
        // `tr` turns the message into a valid base64url string we can predict.
        let signer = Signer::command("tr ' ' '_'");
        assert_eq!(signer.sign("a b c").await.unwrap(), "a_b_c");
    }

    #[tokio::test]
    async fn standard_base64_with_line_breaks_becomes_base64url() {
        let signer = Signer::command("printf 'ab+c/\\nde==\\n'");
        assert_eq!(signer.sign("x").await.unwrap(), "ab-c_de");
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
        assert_eq!(
            Signer::command("echo 'Error: oops!'").check().await,
            Err(SignerError::NotBase64)
        );
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
    async fn the_demo_signature_verifies_and_a_changed_message_does_not() {
        let signature = Signer::Demo.sign("message").await.unwrap();
        assert!(demo_verify("message", &signature));
        assert!(!demo_verify("messagE", &signature));
        assert!(!demo_verify("message", "not-a-signature"));
    }

    #[test]
    fn debug_does_not_show_the_command() {
        let shown = format!("{:?}", Signer::command("csptest -password 1234"));
        assert!(!shown.contains("1234"), "{shown}");
    }
}
