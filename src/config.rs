//! Settings read from the environment once at start-up.
//!
//! The variable names are part of the bot's interface (see DESIGN.md). Every problem is reported as one
//! line that names the variable, so a wrong deployment fails fast and says why.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono_tz::Tz;
use url::Url;

/// Why the settings could not be read: always names the variable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(var: &'static str, problem: impl Into<String>) -> Self {
        Self {
            var,
            problem: problem.into(),
        }
    }
}

/// Where the registry lives: the built-in sandbox or a real gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryUrl {
    Demo,
    Remote(Url),
}

/// The ESIA side: the built-in sandbox identity provider, the real one, or none at all.
// One value per process: the size of the real variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, Eq)]
pub enum EsiaSettings {
    Demo,
    /// `ESIA_URL=off`: no Gosuslugi login. Users type their own ФИО, date of birth and OMS policy once,
    /// and book with them (for a deployment not connected to ESIA; see README).
    Off,
    Remote(RemoteEsia),
}

/// The real ESIA: where it is and how the bot is registered with it.
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteEsia {
    pub url: Url,
    pub client_id: String,
    pub cert_hash: String,
    pub signer_cmd: String,
    /// The `iss` of ESIA's id tokens: known for the production and test-stand hosts, else `ESIA_ISSUER`.
    pub issuer: String,
    /// `ESIA_CA_FILE`: extra root certificates (PEM) to trust for ESIA, as read at start.
    pub extra_ca_pem: Option<Vec<u8>>,
}

impl EsiaSettings {
    /// Whether users log in through Gosuslugi (the demo provider or the real one); `false` for
    /// `ESIA_URL=off`, where they type their own data instead.
    pub fn is_on(&self) -> bool {
        *self != EsiaSettings::Off
    }
}

impl fmt::Debug for EsiaSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EsiaSettings::Demo => f.write_str("Demo"),
            EsiaSettings::Off => f.write_str("Off"),
            EsiaSettings::Remote(remote) => f
                .debug_struct("Remote")
                .field("url", &remote.url.as_str())
                .field("client_id", &remote.client_id)
                .finish_non_exhaustive(),
        }
    }
}

/// How updates arrive from Telegram.
#[derive(Clone, PartialEq, Eq)]
pub enum UpdatesMode {
    Polling,
    Webhook { secret: String },
}

impl fmt::Debug for UpdatesMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpdatesMode::Polling => f.write_str("Polling"),
            UpdatesMode::Webhook { .. } => f.write_str("Webhook"),
        }
    }
}

pub const DEFAULT_ESIA_SCOPES: &str =
    "openid fullname birthdate gender medical_doc kid_fullname kid_birthdate kid_gender kid_medical_doc";

/// Telegram's side: the bot's token, the Bot API server when not Telegram's own, and how updates arrive.
#[derive(Clone)]
pub struct TelegramSettings {
    pub token: String,
    pub api_url: Option<Url>,
    pub updates: UpdatesMode,
}

/// Where the data lives and the key it is sealed with.
#[derive(Clone)]
pub struct StorageSettings {
    pub database_url: String,
    /// Base64 of a 32-byte key, when given explicitly.
    pub data_key: Option<String>,
}

impl StorageSettings {
    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://")
    }
}

/// The bot's web server: the address users' browsers reach it at, the address it listens on, and the
/// token `/metrics` asks for.
#[derive(Clone)]
pub struct WebSettings {
    pub public_url: Url,
    pub http_addr: SocketAddr,
    /// The bearer token `/metrics` asks for (`METRICS_TOKEN`); without one `/metrics` is not served.
    pub metrics_token: Option<String>,
}

#[derive(Clone)]
pub struct Settings {
    pub telegram: TelegramSettings,
    pub storage: StorageSettings,
    pub registry: RegistryUrl,
    pub esia: EsiaSettings,
    pub esia_scopes: String,
    pub web: WebSettings,
    pub region_tz: Tz,
    /// The region's name as texts show it (`REGION_NAME`), e.g. «Иркутская область».
    pub region_name: String,
    pub reminders: Vec<Duration>,
    pub watch_interval: Duration,
    /// At most this many registry requests a minute for slot watches, per instance (`WATCH_BUDGET`).
    pub watch_budget: u32,
    /// How often each user's visits are compared with the registry's list (`SYNC_INTERVAL`).
    pub sync_interval: Duration,
    /// How long finished dialogues, past visits and expired watches are kept (`RETENTION`); see
    /// [`Settings::retention_from`].
    pub retention: Duration,
}

/// The token, the data key and the `/metrics` token never appear in logs.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (telegram, storage, web) = (&self.telegram, &self.storage, &self.web);
        f.debug_struct("Settings")
            .field("token", &"<hidden>")
            .field("api_url", &telegram.api_url.as_ref().map(Url::as_str))
            .field("database_url", &redact_url(&storage.database_url))
            .field("registry", &self.registry)
            .field("esia", &self.esia)
            .field("public_url", &web.public_url.as_str())
            .field("http_addr", &web.http_addr)
            .field("updates", &telegram.updates)
            .field("data_key", &storage.data_key.as_ref().map(|_| "<hidden>"))
            .field("region_tz", &self.region_tz)
            .field("region_name", &self.region_name)
            .field("reminders", &self.reminders)
            .field("watch_interval", &self.watch_interval)
            .field("watch_budget", &self.watch_budget)
            .field("sync_interval", &self.sync_interval)
            .field(
                "metrics_token",
                &web.metrics_token.as_ref().map(|_| "<hidden>"),
            )
            .field("retention", &self.retention)
            .finish()
    }
}

/// The 32 bytes of a data key in base64 (`DATA_KEY`, or the key file beside a SQLite database); the
/// error says what is wrong with it. The store's `DataKey` is made from these bytes.
pub fn decode_data_key(raw: &str) -> Result<[u8; 32], String> {
    let bytes = STANDARD
        .decode(raw.trim())
        .map_err(|_| "is not valid base64 (make one with: openssl rand -base64 32)".to_owned())?;
    bytes
        .try_into()
        .map_err(|v: Vec<u8>| format!("must decode to 32 bytes, got {}", v.len()))
}

/// Hides the password of a database URL.
pub fn redact_url(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}

/// The region when `REGION_NAME` is not set; the registry client's `User-Agent` names the same by default.
pub const DEFAULT_REGION_NAME: &str = "Иркутская область";

/// The longest `REGION_NAME`, in characters: it is part of the greeting.
const MAX_REGION_NAME: usize = 100;

impl Settings {
    /// Whether the bot books in the built-in sandbox registry: then every screen says that the clinics are
    /// sample ones and no real appointment is made. A real registry with the demo Gosuslugi login books for
    /// real, so that does not count.
    pub fn is_demo(&self) -> bool {
        self.registry == RegistryUrl::Demo
    }

    /// Reads the process environment, as start-up does: the settings, then whether they make a safe
    /// deployment ([`Settings::from_lookup_checked`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup_checked(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = non_empty(lookup);

        let (token, api_url) = telegram_from(&get)?;
        let storage = storage_from(&get)?;
        let registry = match get("REGISTRY_URL").as_deref() {
            None | Some("demo") => RegistryUrl::Demo,
            Some(raw) => RegistryUrl::Remote(parse_http_url("REGISTRY_URL", raw)?),
        };
        let esia = esia_from(&get)?;
        let esia_scopes = esia_scopes_from(&get)?;
        let (public_url, http_addr) = web_from(&get)?;
        let updates = updates_from(&get)?;
        let (region_tz, region_name) = region_from(&get)?;
        let reminders = parsed(&get, "REMINDERS", "24h,2h", parse_offsets)?;
        let watch_interval = parsed(&get, "WATCH_INTERVAL", "5m", parse_duration)?;
        let watch_budget = parsed(&get, "WATCH_BUDGET", "150", parse_budget)?;
        let sync_interval = parsed(&get, "SYNC_INTERVAL", "30m", parse_duration)?;
        let metrics_token = metrics_token_from(&get)?;
        let retention = Self::retention_from(&get)?;

        Ok(Self {
            telegram: TelegramSettings {
                token,
                api_url,
                updates,
            },
            storage,
            registry,
            esia,
            esia_scopes,
            web: WebSettings {
                public_url,
                http_addr,
                metrics_token,
            },
            region_tz,
            region_name,
            reminders,
            watch_interval,
            watch_budget,
            sync_interval,
            retention,
        })
    }
}

type Get<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The bot's token (checked for its shape) and the Bot API server, when not Telegram's own.
fn telegram_from(get: Get<'_>) -> Result<(String, Option<Url>), ConfigError> {
    let token = get("TELOXIDE_TOKEN").ok_or_else(|| {
        ConfigError::new("TELOXIDE_TOKEN", "is not set; get a token from @BotFather")
    })?;
    if !looks_like_token(&token) {
        return Err(ConfigError::new(
            "TELOXIDE_TOKEN",
            "does not look like a bot token (expected 123456789:AA…)",
        ));
    }
    let api_url = get("TELOXIDE_API_URL")
        .map(|raw| parse_http_url("TELOXIDE_API_URL", &raw))
        .transpose()?;
    Ok((token, api_url))
}

/// The scopes asked of ESIA, space-separated; `openid` must be among them.
fn esia_scopes_from(get: Get<'_>) -> Result<String, ConfigError> {
    let scopes = get("ESIA_SCOPES")
        .map(|raw| raw.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| DEFAULT_ESIA_SCOPES.to_owned());
    if !scopes.split(' ').any(|scope| scope == "openid") {
        return Err(ConfigError::new(
            "ESIA_SCOPES",
            "must include openid (ESIA gives no id token without it)",
        ));
    }
    Ok(scopes)
}

/// The address users' browsers reach the web pages at, and the address the server listens on.
fn web_from(get: Get<'_>) -> Result<(Url, SocketAddr), ConfigError> {
    let public_url = parse_http_url(
        "PUBLIC_URL",
        &get("PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:8080".to_owned()),
    )?;
    let http_addr = get("HTTP_ADDR")
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned())
        .parse::<SocketAddr>()
        .map_err(|_| ConfigError::new("HTTP_ADDR", "expected host:port, e.g. 127.0.0.1:8080"))?;
    Ok((public_url, http_addr))
}

/// The variable `name` (or `default` when unset) read by `parse`, whose problem names the variable.
fn parsed<T>(
    get: Get<'_>,
    name: &'static str,
    default: &str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    parse(&get(name).unwrap_or_else(|| default.to_owned()))
        .map_err(|problem| ConfigError::new(name, problem))
}

/// `WATCH_BUDGET`: registry requests a minute the slot watches may make, more than zero.
fn parse_budget(raw: &str) -> Result<u32, String> {
    raw.trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| "expected requests a minute, e.g. 150".to_owned())
}

/// Where the data lives and the key it is sealed with (required with PostgreSQL).
fn storage_from(get: Get<'_>) -> Result<StorageSettings, ConfigError> {
    let database_url = get("DATABASE_URL").unwrap_or_else(|| "sqlite://kvrachu.db".to_owned());
    if !(database_url.starts_with("sqlite:")
        || database_url.starts_with("postgres://")
        || database_url.starts_with("postgresql://"))
    {
        return Err(ConfigError::new(
            "DATABASE_URL",
            "must start with sqlite:// or postgres://",
        ));
    }
    let data_key = get("DATA_KEY");
    if let Some(key) = &data_key {
        decode_data_key(key).map_err(|problem| ConfigError::new("DATA_KEY", problem))?;
    }
    let storage = StorageSettings {
        database_url,
        data_key,
    };
    if storage.is_postgres() && storage.data_key.is_none() {
        return Err(ConfigError::new(
            "DATA_KEY",
            "is required with PostgreSQL (base64 of 32 random bytes: openssl rand -base64 32)",
        ));
    }
    Ok(storage)
}

/// The ESIA side: the demo provider, none (`off`), or a real ESIA with everything it needs.
fn esia_from(get: Get<'_>) -> Result<EsiaSettings, ConfigError> {
    Ok(match get("ESIA_URL").as_deref() {
        None | Some("demo") => EsiaSettings::Demo,
        Some("off") => EsiaSettings::Off,
        Some(raw) => {
            let url = parse_esia_url(raw)?;
            let need = |name: &'static str| {
                get(name).ok_or_else(|| {
                    ConfigError::new(name, "is required when ESIA_URL is not demo or off")
                })
            };
            let client_id = need("ESIA_CLIENT_ID")?;
            let cert_hash = parse_cert_hash(&need("ESIA_CERT_HASH")?)?;
            let signer_cmd = need("ESIA_SIGNER_CMD")?;
            let issuer = match (get("ESIA_ISSUER"), known_esia_issuer(&url)) {
                    (Some(issuer), _) => issuer,
                    (None, Some(known)) => known.to_owned(),
                    (None, None) => {
                        return Err(ConfigError::new(
                            "ESIA_ISSUER",
                            "is required for an ESIA_URL other than esia.gosuslugi.ru or \
                             esia-portal1.test.gosuslugi.ru: the iss of its id tokens, e.g. http://esia.gosuslugi.ru/",
                        ))
                    }
                };
            let extra_ca_pem = get("ESIA_CA_FILE")
                .map(|path| read_ca_file(&path))
                .transpose()?;
            EsiaSettings::Remote(RemoteEsia {
                url,
                client_id,
                cert_hash,
                signer_cmd,
                issuer,
                extra_ca_pem,
            })
        }
    })
}

/// How updates arrive: polling, or a webhook with its secret.
fn updates_from(get: Get<'_>) -> Result<UpdatesMode, ConfigError> {
    Ok(match get("UPDATES").as_deref() {
        None | Some("polling") => UpdatesMode::Polling,
        Some("webhook") => {
            let secret = get("WEBHOOK_SECRET").ok_or_else(|| {
                ConfigError::new("WEBHOOK_SECRET", "is required when UPDATES=webhook")
            })?;
            if secret.len() > 256
                || !secret
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(ConfigError::new(
                    "WEBHOOK_SECRET",
                    "must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
                ));
            }
            UpdatesMode::Webhook { secret }
        }
        Some(_) => return Err(ConfigError::new("UPDATES", "must be polling or webhook")),
    })
}

/// The region's time zone and the name the greeting uses.
fn region_from(get: Get<'_>) -> Result<(Tz, String), ConfigError> {
    let region_tz = get("REGION_TZ")
        .unwrap_or_else(|| "Asia/Irkutsk".to_owned())
        .parse::<Tz>()
        .map_err(|_| ConfigError::new("REGION_TZ", "unknown time zone, e.g. Asia/Irkutsk"))?;
    let region_name = get("REGION_NAME")
        .map(|raw| raw.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| DEFAULT_REGION_NAME.to_owned());
    if region_name.chars().count() > MAX_REGION_NAME || region_name.chars().any(char::is_control) {
        return Err(ConfigError::new(
            "REGION_NAME",
            format!("use one line of at most {MAX_REGION_NAME} characters, e.g. Иркутская область"),
        ));
    }
    Ok((region_tz, region_name))
}

/// The token `/metrics` asks for; none means no `/metrics`.
fn metrics_token_from(get: Get<'_>) -> Result<Option<String>, ConfigError> {
    Ok(match get("METRICS_TOKEN") {
        None => None,
        Some(token) if token.len() >= 16 && token.bytes().all(|b| b.is_ascii_graphic()) => {
            Some(token)
        }
        Some(_) => {
            return Err(ConfigError::new(
                "METRICS_TOKEN",
                "use at least 16 visible ASCII characters, e.g. from `openssl rand -hex 16`",
            ))
        }
    })
}

// ---- Security hardening (issue 13): the deployment profile, data retention, key rotation. ----

/// What `kvrachu-bot rotate-key` reads: the database and its key, and the new key when `DATA_KEY` is used.
#[derive(Clone)]
pub struct RotationSettings {
    /// The database and the key it is sealed with now.
    pub storage: StorageSettings,
    pub new_data_key: Option<String>,
}

/// `lookup` with values trimmed and empty ones taken as unset: an empty variable means the default.
fn non_empty(lookup: impl Fn(&str) -> Option<String>) -> impl Fn(&str) -> Option<String> {
    move |name| {
        lookup(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

impl fmt::Debug for RotationSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RotationSettings")
            .field("database_url", &redact_url(&self.storage.database_url))
            .finish_non_exhaustive()
    }
}

impl RotationSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = non_empty(lookup);
        let database_url = get("DATABASE_URL").unwrap_or_else(|| "sqlite://kvrachu.db".to_owned());
        let data_key = get("DATA_KEY");
        let new_data_key = get("NEW_DATA_KEY");
        for (var, key) in [("DATA_KEY", &data_key), ("NEW_DATA_KEY", &new_data_key)] {
            if let Some(key) = key {
                decode_data_key(key).map_err(|problem| ConfigError::new(var, problem))?;
            }
        }
        if data_key.is_some() && new_data_key.is_none() {
            return Err(ConfigError::new(
                "NEW_DATA_KEY",
                "is required with DATA_KEY (base64 of 32 random bytes: openssl rand -base64 32)",
            ));
        }
        if data_key.is_some() && data_key == new_data_key {
            return Err(ConfigError::new(
                "NEW_DATA_KEY",
                "must differ from DATA_KEY",
            ));
        }
        Ok(Self {
            storage: StorageSettings {
                database_url,
                data_key,
            },
            new_data_key,
        })
    }
}

/// How long finished dialogues, past visits and expired watches are kept when `RETENTION` is not set.
pub const DEFAULT_RETENTION: &str = "180d";

impl Settings {
    /// [`Settings::from_lookup`], then [`Settings::check_profile`]: what the binary reads at start-up.
    pub fn from_lookup_checked(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let settings = Self::from_lookup(lookup)?;
        settings.check_profile()?;
        Ok(settings)
    }

    /// Refuses the mixes of sandbox and real services that are unsafe: the demo Gosuslugi login (anyone
    /// may log in as a made-up person) in front of a real registry would book real appointments, and a
    /// real Gosuslugi login in front of the sandbox registry would send real people's identities to
    /// made-up clinics. Both sides are demo, or both are real. `ESIA_URL=off` (users type their own data)
    /// goes with either registry.
    pub fn check_profile(&self) -> Result<(), ConfigError> {
        match (&self.registry, &self.esia) {
            (RegistryUrl::Remote(_), EsiaSettings::Demo) => Err(ConfigError::new(
                "ESIA_URL",
                "the demo Gosuslugi login cannot be used with a real registry (REGISTRY_URL is not demo): \
                 set ESIA_URL and its ESIA_* settings, ESIA_URL=off (users type their own data), or REGISTRY_URL=demo",
            )),
            (RegistryUrl::Demo, EsiaSettings::Remote(_)) => Err(ConfigError::new(
                "REGISTRY_URL",
                "the demo registry cannot be used with a real Gosuslugi login (ESIA_URL is not demo): \
                 set REGISTRY_URL to the real registry, or ESIA_URL=demo",
            )),
            _ => Ok(()),
        }
    }

    /// `RETENTION`: a duration like the other ones (`180d`, `12h`), at least a day.
    fn retention_from(get: &impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
        let raw = get("RETENTION").unwrap_or_else(|| DEFAULT_RETENTION.to_owned());
        let retention =
            parse_duration(&raw).map_err(|problem| ConfigError::new("RETENTION", problem))?;
        if retention < Duration::from_secs(86_400) {
            return Err(ConfigError::new(
                "RETENTION",
                format!("{raw:?} is shorter than a day; use e.g. 180d"),
            ));
        }
        Ok(retention)
    }
}

fn looks_like_token(token: &str) -> bool {
    let Some((id, secret)) = token.split_once(':') else {
        return false;
    };
    !id.is_empty()
        && id.chars().all(|c| c.is_ascii_digit())
        && !secret.is_empty()
        && secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn parse_http_url(var: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|_| {
        ConfigError::new(var, format!("not a URL: expected http(s)://…, got {raw:?}"))
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(ConfigError::new(var, "must be an http:// or https:// URL"));
    }
    Ok(url)
}

/// The id tokens' `iss` of the ESIA hosts whose issuer is known (contracts/esia.md).
pub fn known_esia_issuer(url: &Url) -> Option<&'static str> {
    match url.host_str()? {
        "esia.gosuslugi.ru" => Some("http://esia.gosuslugi.ru/"),
        "esia-portal1.test.gosuslugi.ru" => Some("http://esia-portal1.test.gosuslugi.ru/"),
        _ => None,
    }
}

/// `ESIA_URL`: https, or http only on a loopback address (a local stand-in for tests and gateways).
fn parse_esia_url(raw: &str) -> Result<Url, ConfigError> {
    let url = parse_http_url("ESIA_URL", raw)?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    if url.scheme() == "http" && !loopback {
        return Err(ConfigError::new(
            "ESIA_URL",
            "must be https:// (http:// only for a loopback address such as 127.0.0.1)",
        ));
    }
    Ok(url)
}

/// `ESIA_CERT_HASH`: the certificate's GOST R 34.11-2012 (256) fingerprint, 64 hex digits (upper case).
fn parse_cert_hash(raw: &str) -> Result<String, ConfigError> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    if compact.len() != 64 || !compact.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ConfigError::new(
            "ESIA_CERT_HASH",
            format!(
                "must be the certificate's GOST R 34.11-2012 (256-bit) hash: 64 hex characters, got {} \
                 (a 40-character SHA-1 or a SHA-256 thumbprint gets ESIA-007053; compute it over the DER \
                 certificate, e.g. with cpverify -mk -alg GR3411_2012_256)",
                compact.chars().count()
            ),
        ));
    }
    Ok(compact.to_ascii_uppercase())
}

/// `ESIA_CA_FILE`: a PEM file of one or more root certificates (e.g. the Минцифры root) to trust for ESIA.
fn read_ca_file(path: &str) -> Result<Vec<u8>, ConfigError> {
    let pem = std::fs::read(path).map_err(|err| {
        ConfigError::new(
            "ESIA_CA_FILE",
            format!("cannot read {path}: {}", err.kind()),
        )
    })?;
    match reqwest::Certificate::from_pem_bundle(&pem) {
        Ok(certs) if !certs.is_empty() => Ok(pem),
        _ => Err(ConfigError::new(
            "ESIA_CA_FILE",
            format!("{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
        )),
    }
}

/// Parses `90s`, `5m`, `2h`, `1d`.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{raw:?} has no unit; use s, m, h or d, e.g. 5m"))?;
    let (number, unit) = raw.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{raw:?} does not start with a number, e.g. 5m"))?;
    let seconds = match unit {
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        "d" => number * 86_400,
        _ => return Err(format!("{raw:?} has an unknown unit; use s, m, h or d")),
    };
    if seconds == 0 {
        return Err(format!("{raw:?} must be more than zero"));
    }
    Ok(Duration::from_secs(seconds))
}

/// Parses a comma-separated list of offsets such as `24h,2h`, largest first, without repeats.
pub fn parse_offsets(raw: &str) -> Result<Vec<Duration>, String> {
    let mut offsets = raw
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(parse_duration)
        .collect::<Result<Vec<_>, _>>()?;
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    offsets.dedup();
    Ok(offsets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const TOKEN: &str = "123456:ABC-def_123";
    const CERT_HASH: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// A lookup of the variables `pairs` set.
    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_lookup(lookup(pairs))
    }

    /// The settings from the token and one more variable.
    fn with_token_and(var: &str, value: &str) -> Result<Settings, ConfigError> {
        settings(&[("TELOXIDE_TOKEN", TOKEN), (var, value)])
    }

    #[test]
    fn only_a_token_gives_demo_mode_on_sqlite() {
        let s = settings(&[("TELOXIDE_TOKEN", TOKEN)]).unwrap();
        assert_eq!(s.storage.database_url, "sqlite://kvrachu.db");
        assert_eq!(s.registry, RegistryUrl::Demo);
        assert_eq!(s.esia, EsiaSettings::Demo);
        assert_eq!(s.telegram.updates, UpdatesMode::Polling);
        assert_eq!(s.web.http_addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(s.region_tz, chrono_tz::Asia::Irkutsk);
        assert_eq!(s.region_name, "Иркутская область");
        assert_eq!(
            s.reminders,
            vec![Duration::from_secs(86_400), Duration::from_secs(7_200)]
        );
        assert_eq!(s.watch_interval, Duration::from_secs(300));
        assert_eq!(s.watch_budget, 150);
        assert_eq!(s.sync_interval, Duration::from_secs(1800));
        assert!(s.is_demo());
    }

    #[test]
    fn a_missing_token_names_the_variable() {
        let err = settings(&[]).unwrap_err();
        assert_eq!(err.var, "TELOXIDE_TOKEN");
        assert_eq!(
            err.to_string(),
            "TELOXIDE_TOKEN: is not set; get a token from @BotFather"
        );
    }

    #[test]
    fn a_malformed_token_is_refused() {
        for bad in ["abc", "123:", ":abc", "12a:abc", "123:ab c"] {
            assert_eq!(
                settings(&[("TELOXIDE_TOKEN", bad)]).unwrap_err().var,
                "TELOXIDE_TOKEN"
            );
        }
    }

    #[test]
    fn postgres_needs_a_data_key() {
        let err = with_token_and("DATABASE_URL", "postgres://u@h/db").unwrap_err();
        assert_eq!(err.var, "DATA_KEY");
    }

    #[test]
    fn a_data_key_must_be_32_bytes_of_base64() {
        let err = with_token_and("DATA_KEY", "c2hvcnQ=").unwrap_err();
        assert_eq!(err.var, "DATA_KEY");
        let good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let s = settings(&[
            ("TELOXIDE_TOKEN", TOKEN),
            ("DATABASE_URL", "postgres://u@h/db"),
            ("DATA_KEY", good),
        ]);
        assert!(s.is_ok());
    }

    #[test]
    fn each_bad_setting_names_its_variable() {
        let cases = [
            ("DATABASE_URL", "mysql://x"),
            ("REGISTRY_URL", "ftp://x"),
            ("ESIA_URL", "not a url"),
            ("PUBLIC_URL", "localhost"),
            ("HTTP_ADDR", "8080"),
            ("UPDATES", "carrier-pigeon"),
            ("WEBHOOK_SECRET", ""),
            ("REGION_TZ", "Mars/Olympus"),
            ("REGION_NAME", &"Область".repeat(20)),
            ("REMINDERS", "24x"),
            ("WATCH_INTERVAL", "0m"),
            ("SYNC_INTERVAL", "soon"),
            ("METRICS_TOKEN", "short"),
        ];
        for (var, value) in cases {
            let mut pairs = vec![("TELOXIDE_TOKEN", TOKEN), (var, value)];
            if var == "WEBHOOK_SECRET" {
                pairs.push(("UPDATES", "webhook"));
            }
            assert_eq!(settings(&pairs).unwrap_err().var, var, "{var}={value}");
        }
    }

    #[test]
    fn the_region_is_named_by_configuration() {
        for (value, expected) in [
            ("  Санкт-Петербург \t", "Санкт-Петербург"),
            ("Ленинградская\n  область", "Ленинградская область"),
            // Empty means the default, like every other setting.
            (" ", DEFAULT_REGION_NAME),
        ] {
            let s = with_token_and("REGION_NAME", value).unwrap();
            assert_eq!(s.region_name, expected, "{value:?}");
        }
        let s = with_token_and("REGION_NAME", " ").unwrap();
        assert!(format!("{s:?}").contains("Иркутская область"));
    }

    #[test]
    fn only_the_sandbox_registry_is_demo_mode() {
        let real_registry =
            with_token_and("REGISTRY_URL", "https://gorzdrav.spb.ru/_api/api/v2").unwrap();
        assert_eq!(real_registry.esia, EsiaSettings::Demo);
        assert!(!real_registry.is_demo());
        let demo_registry = settings(&[
            ("TELOXIDE_TOKEN", TOKEN),
            ("REGISTRY_URL", "demo"),
            ("ESIA_URL", "https://esia.gosuslugi.ru"),
            ("ESIA_CLIENT_ID", "KVRACHU"),
            ("ESIA_CERT_HASH", CERT_HASH),
            ("ESIA_SIGNER_CMD", "true"),
        ])
        .unwrap();
        assert!(demo_registry.is_demo());
    }

    fn checked(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_lookup_checked(lookup(pairs))
    }

    const REAL_ESIA: [(&str, &str); 4] = [
        ("ESIA_URL", "https://esia.gosuslugi.ru"),
        ("ESIA_CLIENT_ID", "KVRACHU"),
        ("ESIA_CERT_HASH", CERT_HASH),
        ("ESIA_SIGNER_CMD", "true"),
    ];

    #[test]
    fn esia_off_goes_with_a_real_registry_and_with_the_demo_one_without_esia_credentials() {
        for registry in ["https://gorzdrav.spb.ru/_api/api/v2", "demo"] {
            let s = checked(&[
                ("TELOXIDE_TOKEN", TOKEN),
                ("REGISTRY_URL", registry),
                ("ESIA_URL", "off"),
            ])
            .unwrap();
            assert_eq!(s.esia, EsiaSettings::Off, "{registry}");
            assert!(!s.esia.is_on());
            assert_eq!(format!("{:?}", s.esia), "Off");
        }
        assert!(EsiaSettings::Demo.is_on());
    }

    #[test]
    fn the_demo_login_in_front_of_a_real_registry_is_refused() {
        let err = checked(&[
            ("TELOXIDE_TOKEN", TOKEN),
            ("REGISTRY_URL", "https://gorzdrav.spb.ru/_api/api/v2"),
        ])
        .unwrap_err();
        assert_eq!(err.var, "ESIA_URL");
        let line = err.to_string();
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("REGISTRY_URL"), "{line}");
        // An explicit ESIA_URL=demo is the same.
        let err = checked(&[
            ("TELOXIDE_TOKEN", TOKEN),
            ("REGISTRY_URL", "https://gorzdrav.spb.ru/_api/api/v2"),
            ("ESIA_URL", "demo"),
        ])
        .unwrap_err();
        assert_eq!(err.var, "ESIA_URL");
    }

    #[test]
    fn a_real_login_in_front_of_the_demo_registry_is_refused() {
        let mut pairs = vec![("TELOXIDE_TOKEN", TOKEN)];
        pairs.extend(REAL_ESIA);
        let err = checked(&pairs).unwrap_err();
        assert_eq!(err.var, "REGISTRY_URL");
        let line = err.to_string();
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("ESIA_URL"), "{line}");
    }

    #[test]
    fn the_documented_profiles_start() {
        // README: the demo (only a token), a real registry with a real Gosuslugi connection, and one without.
        assert!(checked(&[("TELOXIDE_TOKEN", TOKEN)]).unwrap().is_demo());
        let mut pairs = vec![
            ("TELOXIDE_TOKEN", TOKEN),
            ("REGISTRY_URL", "https://gorzdrav.spb.ru/_api/api/v2"),
            ("REGION_TZ", "Europe/Moscow"),
            ("REGION_NAME", "Санкт-Петербург"),
        ];
        pairs.extend(REAL_ESIA);
        assert!(!checked(&pairs).unwrap().is_demo());
        // A real registry without Gosuslugi.
        let off = checked(&[
            ("TELOXIDE_TOKEN", TOKEN),
            ("REGISTRY_URL", "https://gorzdrav.spb.ru/_api/api/v2"),
            ("ESIA_URL", "off"),
        ])
        .unwrap();
        assert!(!off.is_demo() && !off.esia.is_on());
        // The PostgreSQL and webhook variants of the demo.
        checked(&[
            ("TELOXIDE_TOKEN", TOKEN),
            ("DATABASE_URL", "postgres://u@h/db"),
            ("DATA_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
            ("UPDATES", "webhook"),
            ("WEBHOOK_SECRET", "s3cret"),
        ])
        .unwrap();
    }

    #[test]
    fn retention_defaults_to_180_days_and_is_a_duration_of_a_day_or_more() {
        let s = settings(&[("TELOXIDE_TOKEN", TOKEN)]).unwrap();
        assert_eq!(s.retention, Duration::from_secs(180 * 86_400));
        let s = with_token_and("RETENTION", "30d").unwrap();
        assert_eq!(s.retention, Duration::from_secs(30 * 86_400));
        for bad in ["soon", "0d", "1h", "30"] {
            let err = with_token_and("RETENTION", bad).unwrap_err();
            assert_eq!(err.var, "RETENTION", "{bad}");
        }
    }

    #[test]
    fn real_esia_needs_its_credentials() {
        let err = with_token_and("ESIA_URL", "https://esia.gosuslugi.ru").unwrap_err();
        assert_eq!(err.var, "ESIA_CLIENT_ID");
    }

    fn real_esia(extra: &[(&'static str, &'static str)]) -> Result<Settings, ConfigError> {
        let mut pairs = vec![
            ("TELOXIDE_TOKEN", TOKEN),
            ("ESIA_URL", "https://esia.gosuslugi.ru"),
            ("ESIA_CLIENT_ID", "KVRACHU"),
            ("ESIA_CERT_HASH", CERT_HASH),
            ("ESIA_SIGNER_CMD", "esia-sign"),
        ];
        for (k, v) in extra {
            pairs.retain(|(key, _)| key != k);
            pairs.push((k, v));
        }
        settings(&pairs)
    }

    #[test]
    fn the_certificate_hash_must_be_64_hex_characters() {
        let sha1 = "0123456789abcdef0123456789abcdef01234567";
        let err = real_esia(&[("ESIA_CERT_HASH", sha1)]).unwrap_err();
        assert_eq!(err.var, "ESIA_CERT_HASH");
        assert!(err.problem.contains("64 hex characters, got 40"), "{err}");
        let not_hex = "x".repeat(64);
        let not_hex: &'static str = Box::leak(not_hex.into_boxed_str());
        assert!(real_esia(&[("ESIA_CERT_HASH", not_hex)]).is_err());
        let EsiaSettings::Remote(RemoteEsia { cert_hash, .. }) = real_esia(&[]).unwrap().esia
        else {
            panic!("not remote");
        };
        assert_eq!(cert_hash, CERT_HASH.to_ascii_uppercase());
    }

    #[test]
    fn scopes_must_include_openid() {
        let err = with_token_and("ESIA_SCOPES", "fullname birthdate").unwrap_err();
        assert_eq!(err.var, "ESIA_SCOPES");
        let s = with_token_and("ESIA_SCOPES", " openid  fullname ").unwrap();
        assert_eq!(s.esia_scopes, "openid fullname");
    }

    #[test]
    fn the_issuer_is_known_for_esia_hosts_and_required_for_others() {
        let issuer = |s: Settings| match s.esia {
            EsiaSettings::Remote(remote) => remote.issuer,
            EsiaSettings::Demo | EsiaSettings::Off => String::new(),
        };
        assert_eq!(issuer(real_esia(&[]).unwrap()), "http://esia.gosuslugi.ru/");
        assert_eq!(
            issuer(real_esia(&[("ESIA_URL", "https://esia-portal1.test.gosuslugi.ru")]).unwrap()),
            "http://esia-portal1.test.gosuslugi.ru/"
        );
        let gateway = real_esia(&[("ESIA_URL", "https://esia-gw.example")]);
        assert_eq!(gateway.unwrap_err().var, "ESIA_ISSUER");
        let gateway = real_esia(&[
            ("ESIA_URL", "https://esia-gw.example"),
            ("ESIA_ISSUER", "http://esia.gosuslugi.ru/"),
        ]);
        assert_eq!(issuer(gateway.unwrap()), "http://esia.gosuslugi.ru/");
    }

    #[test]
    fn plain_http_is_refused_for_esia_except_on_loopback() {
        let err = real_esia(&[("ESIA_URL", "http://esia.gosuslugi.ru")]).unwrap_err();
        assert_eq!(err.var, "ESIA_URL");
        for local in [
            "http://127.0.0.1:9000",
            "http://localhost:9000",
            "http://[::1]:9000",
        ] {
            let ok = real_esia(&[("ESIA_URL", local), ("ESIA_ISSUER", "http://x/")]);
            assert!(ok.is_ok(), "{local}: {ok:?}");
        }
    }

    #[test]
    fn the_ca_file_must_hold_a_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let path = path.to_str().unwrap().to_owned();
        let path: &'static str = Box::leak(path.into_boxed_str());
        assert_eq!(
            real_esia(&[("ESIA_CA_FILE", path)]).unwrap_err().var,
            "ESIA_CA_FILE"
        );
        assert_eq!(
            real_esia(&[("ESIA_CA_FILE", "/nonexistent/ca.pem")])
                .unwrap_err()
                .var,
            "ESIA_CA_FILE"
        );
    }

    #[test]
    fn offsets_are_sorted_largest_first_without_repeats() {
        assert_eq!(
            parse_offsets("2h, 24h,2h,90m").unwrap(),
            vec![
                Duration::from_secs(86_400),
                Duration::from_secs(7_200),
                Duration::from_secs(5_400)
            ]
        );
        assert!(parse_offsets("2").is_err());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let s = settings(&[
            ("TELOXIDE_TOKEN", TOKEN),
            ("DATABASE_URL", "postgres://bot:secretpw@db/kv"),
            ("DATA_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
        ])
        .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("ABC-def"));
        assert!(!shown.contains("secretpw"));
        assert!(!shown.contains("AAECAw"));
    }
}
