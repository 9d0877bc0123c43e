//! The HTTP client of the registry contract: the envelope, the error classes, timeouts, retries with
//! backoff and jitter, bounded concurrency, and an in-memory cache of reference data.
//!
//! The demo registry is read through this same client, so the demo exercises the production path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use rand::Rng;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Semaphore;
use url::Url;

use super::{
    AppointmentCancel, AppointmentCreate, Clinic, District, Doctor, PatientAppointment,
    PatientQuery, PolicyQuery, Registry, RegistryError, RegistryFuture, RegistryList,
    RegistryResult, Slot, Specialty, TimetableDay,
};

/// The region named in the `User-Agent` when the configuration names none (defined with the settings).
pub use crate::config::DEFAULT_REGION_NAME;

/// The `User-Agent` the client sends: `kvrachu-bot/<version> (Telegram bot for booking doctors; <region>)`.
///
/// A header value must be visible ASCII, so a Cyrillic region name is transliterated
/// («Санкт-Петербург» → «Sankt-Peterburg»); any other character outside visible ASCII is percent-encoded.
pub fn user_agent(region_name: &str) -> String {
    let region = header_safe(region_name);
    let region = if region.is_empty() {
        header_safe(DEFAULT_REGION_NAME)
    } else {
        region
    };
    format!(
        "kvrachu-bot/{} (Telegram bot for booking doctors; {region})",
        env!("CARGO_PKG_VERSION")
    )
}

/// `text` as visible ASCII: Russian letters transliterated, whitespace runs made one space, parentheses
/// (which would end the comment of a `User-Agent`) made brackets, anything else percent-encoded.
fn header_safe(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            match c {
                '(' => out.push('['),
                ')' => out.push(']'),
                '\\' => out.push('/'),
                c if c.is_ascii_graphic() => out.push(c),
                c => match transliterate(c) {
                    Some(latin) => out.push_str(latin),
                    None => {
                        let mut buf = [0u8; 4];
                        for byte in c.encode_utf8(&mut buf).bytes() {
                            out.push_str(&format!("%{byte:02X}"));
                        }
                    }
                },
            }
        }
    }
    out
}

/// A Russian letter in Latin letters (BGN/PCGN-like: «я» → «ya», «й» → «y», «ь» dropped).
fn transliterate(c: char) -> Option<&'static str> {
    let lower = c.to_lowercase().next().unwrap_or(c);
    let latin = match lower {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "yo",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        '№' => "No",
        '«' | '»' => "\"",
        '—' | '–' => "-",
        _ => return None,
    };
    if lower != c && !latin.is_empty() {
        // A capital: the first Latin letter capital too («Щ» → «Shch»).
        return Some(match latin {
            "a" => "A",
            "b" => "B",
            "v" => "V",
            "g" => "G",
            "d" => "D",
            "e" => "E",
            "yo" => "Yo",
            "zh" => "Zh",
            "z" => "Z",
            "i" => "I",
            "y" => "Y",
            "k" => "K",
            "l" => "L",
            "m" => "M",
            "n" => "N",
            "o" => "O",
            "p" => "P",
            "r" => "R",
            "s" => "S",
            "t" => "T",
            "u" => "U",
            "f" => "F",
            "kh" => "Kh",
            "ts" => "Ts",
            "ch" => "Ch",
            "sh" => "Sh",
            "shch" => "Shch",
            "yu" => "Yu",
            "ya" => "Ya",
            other => other,
        });
    }
    Some(latin)
}

/// How the client behaves. [`HttpRegistryConfig::new`] gives the contract's values; tests shorten them.
#[derive(Clone, Debug)]
pub struct HttpRegistryConfig {
    /// Paths of the contract are appended to it.
    pub base_url: Url,
    pub connect_timeout: Duration,
    /// For one try, from sending the request to reading the whole body.
    pub request_timeout: Duration,
    /// Tries of one call, the first included; only transient failures are tried again.
    pub max_tries: u32,
    /// The wait before the second try; doubled before each next one, plus up to as much again of jitter.
    pub backoff: Duration,
    /// Requests in flight at once, for the whole bot.
    pub max_concurrency: usize,
    /// How long districts and clinics are kept.
    pub reference_ttl: Duration,
    /// How long free slots, and the lists that count them (specialties, doctors), are kept (at most a
    /// minute; zero keeps none).
    pub slots_ttl: Duration,
    /// The region the bot serves, named in the `User-Agent` (see [`user_agent`]).
    pub region_name: String,
}

impl HttpRegistryConfig {
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            max_tries: 3,
            backoff: Duration::from_millis(300),
            max_concurrency: 16,
            reference_ttl: Duration::from_secs(6 * 3600),
            slots_ttl: Duration::from_secs(30),
            region_name: DEFAULT_REGION_NAME.to_owned(),
        }
    }
}

/// The answer of every endpoint. `result` is absent (not `null`) on errors and on create.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(default)]
    result: Value,
    #[serde(default)]
    success: Value,
    #[serde(default)]
    error_code: Value,
    #[serde(default)]
    message: Value,
}

/// What a cached answer is kept for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Caching {
    Reference,
    Slots,
    Never,
}

#[derive(Clone)]
pub struct HttpRegistry {
    inner: Arc<Inner>,
}

struct Inner {
    config: HttpRegistryConfig,
    http: reqwest::Client,
    permits: Semaphore,
    cache: Mutex<HashMap<String, (Instant, Value)>>,
    /// Every clinic seen in a district's list or an attachment list, by id: what [`Registry::clinic`]
    /// answers from (endpoint 3 is not to be relied on).
    clinics: Mutex<HashMap<i64, (Instant, Clinic)>>,
}

impl HttpRegistry {
    pub fn new(mut config: HttpRegistryConfig) -> anyhow::Result<Self> {
        // `Url::join` drops the last path segment unless the base ends with a slash.
        if !config.base_url.path().ends_with('/') {
            let path = format!("{}/", config.base_url.path());
            config.base_url.set_path(&path);
        }
        config.slots_ttl = config.slots_ttl.min(Duration::from_secs(60));
        config.max_tries = config.max_tries.max(1);
        let http = reqwest::Client::builder()
            .user_agent(user_agent(&config.region_name))
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                permits: Semaphore::new(config.max_concurrency.max(1)),
                config,
                http,
                cache: Mutex::new(HashMap::new()),
                clinics: Mutex::new(HashMap::new()),
            }),
        })
    }

    pub fn config(&self) -> &HttpRegistryConfig {
        &self.inner.config
    }

    /// The `User-Agent` this client sends.
    pub fn user_agent(&self) -> String {
        user_agent(&self.inner.config.region_name)
    }

    /// Remembers the clinics of a list for [`Registry::clinic`].
    fn index_clinics(&self, clinics: &[Clinic]) {
        let now = Instant::now();
        let mut index = self.inner.clinics.lock().expect("clinic index lock");
        if index.len() > 10_000 {
            let ttl = self.inner.config.reference_ttl;
            index.retain(|_, (at, _)| at.elapsed() < ttl);
        }
        for clinic in clinics {
            index.insert(clinic.id, (now, clinic.clone()));
        }
    }

    /// A clinic from the index, when it was seen within the reference TTL.
    fn indexed_clinic(&self, lpu_id: i64) -> Option<Clinic> {
        let index = self.inner.clinics.lock().expect("clinic index lock");
        let (at, clinic) = index.get(&lpu_id)?;
        (at.elapsed() < self.inner.config.reference_ttl).then(|| clinic.clone())
    }

    /// Looks for a clinic in the districts' lists (reference data, cached): four lists at a time, stopping
    /// at the one that has it; the index is filled on the way. `Ok(None)` when every list was read and none
    /// has it.
    async fn find_in_districts(&self, lpu_id: i64) -> RegistryResult<Option<Clinic>> {
        use futures::StreamExt;

        let districts = self.districts().await?;
        let mut lists = futures::stream::iter(districts.into_iter().map(|district| district.id))
            .map(|id| async move { self.clinics(&id).await })
            .buffer_unordered(4);
        let mut failure = None;
        while let Some(listed) = lists.next().await {
            match listed {
                Ok(clinics) => {
                    if let Some(clinic) = clinics.into_iter().find(|c| c.id == lpu_id) {
                        return Ok(Some(clinic));
                    }
                }
                Err(RegistryError::Empty(_)) => {}
                Err(err) => failure = Some(err),
            }
        }
        match failure {
            Some(err) => Err(err),
            None => Ok(None),
        }
    }

    fn url(&self, path: &str) -> RegistryResult<Url> {
        self.inner
            .config
            .base_url
            .join(path.trim_start_matches('/'))
            .map_err(|_| RegistryError::Malformed("cannot form the request URL".into()))
    }

    fn cached(&self, key: &str, caching: Caching) -> Option<Value> {
        let ttl = match caching {
            Caching::Reference => self.inner.config.reference_ttl,
            Caching::Slots => self.inner.config.slots_ttl,
            Caching::Never => return None,
        };
        let cache = self.inner.cache.lock().expect("cache lock");
        let (at, value) = cache.get(key)?;
        (at.elapsed() < ttl).then(|| value.clone())
    }

    fn remember(&self, key: String, caching: Caching, value: &Value) {
        if caching == Caching::Never
            || (caching == Caching::Slots && self.inner.config.slots_ttl.is_zero())
        {
            return;
        }
        let mut cache = self.inner.cache.lock().expect("cache lock");
        // Keep the cache bounded: stale entries go first, and everything when it is still too big.
        if cache.len() > 10_000 {
            let ttl = self.inner.config.reference_ttl;
            cache.retain(|_, (at, _)| at.elapsed() < ttl);
            if cache.len() > 10_000 {
                cache.clear();
            }
        }
        cache.insert(key, (Instant::now(), value.clone()));
    }

    /// One call: the cache, then up to `max_tries` tries. Returns the envelope's `result`.
    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<Value>,
        caching: Caching,
        endpoint: &'static str,
    ) -> RegistryResult<Value> {
        let key = url.to_string();
        if let Some(value) = self.cached(&key, caching) {
            return Ok(value);
        }
        let config = &self.inner.config;
        let mut attempt = 1;
        loop {
            let outcome = self
                .try_once(method.clone(), url.clone(), body.as_ref())
                .await;
            match outcome {
                Ok(value) => {
                    self.remember(key, caching, &value);
                    return Ok(value);
                }
                Err(failure) => {
                    let retry = attempt < config.max_tries
                        && failure.error.is_transient()
                        && (method == Method::GET || !failure.maybe_sent);
                    tracing::warn!(
                        endpoint,
                        attempt,
                        error = %failure.error,
                        retry,
                        "registry call failed"
                    );
                    if !retry {
                        return Err(failure.error);
                    }
                    tokio::time::sleep(backoff(config.backoff, attempt)).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn try_once(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Value, Failure> {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let mut request = self.inner.http.request(method, url);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(Failure::from_reqwest)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(Failure::from_reqwest)?;
        read_answer(status, &bytes).map_err(Failure::sent)
    }
}

/// An HTTP answer as the contract reads it: a 5xx or 429 is transient, any other status that is not 2xx is
/// an error (never an empty success), and a 2xx body must be an envelope.
fn read_answer(status: StatusCode, bytes: &[u8]) -> RegistryResult<Value> {
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        return Err(RegistryError::Transient(format!(
            "HTTP {}",
            status.as_u16()
        )));
    }
    let envelope = serde_json::from_slice::<Value>(bytes)
        .map_err(|err| format!("not JSON: {}", err.classify_name()))
        .and_then(Envelope::read);
    if !status.is_success() {
        // A 4xx: the registry's own words when it sent a refusal in an envelope, but never "nothing to
        // list" and never a success.
        let refusal = envelope
            .ok()
            .and_then(|envelope| open_envelope(envelope).err());
        return Err(match refusal {
            Some(err @ (RegistryError::Business { .. } | RegistryError::Transient(_))) => err,
            _ => RegistryError::Malformed(format!("HTTP {}", status.as_u16())),
        });
    }
    open_envelope(envelope.map_err(RegistryError::Malformed)?)
}

impl Envelope {
    /// A JSON object with `success` or `errorCode`; anything else (`{"status":404,"error":"Not Found"}`,
    /// an array, a string) is not an envelope.
    fn read(value: Value) -> Result<Envelope, String> {
        let Value::Object(fields) = &value else {
            return Err("not an envelope".into());
        };
        let present = |key: &str| fields.get(key).is_some_and(|v| !v.is_null());
        if !present("success") && !present("errorCode") {
            return Err("not an envelope".into());
        }
        serde_json::from_value(value)
            .map_err(|err| format!("not an envelope: {}", err.classify_name()))
    }
}

fn open_envelope(envelope: Envelope) -> RegistryResult<Value> {
    let code = match &envelope.error_code {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let success = match &envelope.success {
        Value::Bool(success) => *success,
        Value::String(s) => s.trim().eq_ignore_ascii_case("true"),
        // No verdict: the error code decides.
        _ => code == Some(0),
    };
    if success {
        return Ok(envelope.result);
    }
    let message = match envelope.message {
        Value::String(m) => Some(m.trim().to_owned()).filter(|m| !m.is_empty()),
        _ => None,
    };
    Err(RegistryError::from_code(code.unwrap_or(-1), message))
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "eof",
        }
    }
}

/// A failed try, and whether the registry may have acted on it (which forbids repeating a booking).
struct Failure {
    error: RegistryError,
    maybe_sent: bool,
}

impl Failure {
    fn sent(error: RegistryError) -> Self {
        Self {
            error,
            maybe_sent: true,
        }
    }

    fn from_reqwest(err: reqwest::Error) -> Self {
        let (what, maybe_sent) = if err.is_connect() {
            ("connection refused or unreachable", false)
        } else if err.is_timeout() {
            ("timeout", true)
        } else if err.is_body() || err.is_decode() {
            ("broken body", true)
        } else {
            ("transport error", true)
        };
        Self {
            error: RegistryError::Transient(what.to_owned()),
            maybe_sent,
        }
    }
}

/// `base · 2^(attempt-1)`, plus a random part of up to as much again.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let step = base.saturating_mul(1 << (attempt - 1).min(8));
    let jitter_ms = step.as_millis().min(u128::from(u64::MAX)) as u64;
    let jitter = if jitter_ms == 0 {
        0
    } else {
        rand::thread_rng().gen_range(0..=jitter_ms)
    };
    step + Duration::from_millis(jitter)
}

/// `schedule/lpu/{lpu_id}/{kind}/{id}/{leaf}`, the id made safe as one path segment.
fn schedule_path(lpu_id: i64, kind: &str, id: &str, leaf: &str) -> String {
    format!("schedule/lpu/{lpu_id}/{kind}/{}/{leaf}", segment(id))
}

/// Reads a list: `null` is empty, an element that cannot be read is skipped (and counted in the log), but a
/// list whose every element is unreadable is malformed.
fn list<T: DeserializeOwned>(value: Value, endpoint: &'static str) -> RegistryResult<Vec<T>> {
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err(RegistryError::Malformed(format!("{endpoint}: not a list"))),
    };
    let total = items.len();
    let read: Vec<T> = items
        .into_iter()
        .filter_map(|item| serde_json::from_value(item).ok())
        .collect();
    if read.len() < total {
        tracing::warn!(
            endpoint,
            skipped = total - read.len(),
            total,
            "registry list items could not be read"
        );
        if read.is_empty() {
            return Err(RegistryError::Malformed(format!(
                "{endpoint}: no item could be read"
            )));
        }
    }
    Ok(read)
}

fn one<T: DeserializeOwned>(value: Value, endpoint: &'static str) -> RegistryResult<T> {
    serde_json::from_value(value)
        .map_err(|_| RegistryError::Malformed(format!("{endpoint}: unreadable")))
}

/// A path segment, percent-encoded (ids are opaque and may contain `/`, spaces or Cyrillic, e.g.
/// «п100.136»); a segment of dots only is encoded too, or joining the URL would climb up the path.
fn segment(raw: &str) -> String {
    let encoded = url::form_urlencoded::byte_serialize(raw.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    if !encoded.is_empty() && encoded.chars().all(|c| c == '.') {
        encoded.replace('.', "%2E")
    } else {
        encoded
    }
}

fn to_body<T: Serialize>(value: &T) -> RegistryResult<Value> {
    serde_json::to_value(value)
        .map_err(|_| RegistryError::Malformed("cannot write the request".into()))
}

impl HttpRegistry {
    /// The list of `T` at `path` (no query), cached as `caching` says.
    async fn get_list<T: DeserializeOwned>(
        &self,
        path: String,
        caching: Caching,
        endpoint: &'static str,
    ) -> RegistryResult<Vec<T>> {
        let value = self.get(&path, &[], caching, endpoint).await?;
        list(value, endpoint)
    }

    /// A list under a clinic's schedule (`schedule/lpu/{lpu_id}/{kind}/{id}/{leaf}`): it follows the free
    /// slots, so it is kept as briefly as they are.
    fn schedule_list<'a, T: DeserializeOwned + Send + 'a>(
        &'a self,
        lpu_id: i64,
        kind: &str,
        id: &str,
        leaf: &str,
        endpoint: &'static str,
    ) -> RegistryList<'a, T> {
        let path = schedule_path(lpu_id, kind, id, leaf);
        self.get_list(path, Caching::Slots, endpoint).boxed()
    }

    async fn get(
        &self,
        path: &str,
        query: &[(&str, &str)],
        caching: Caching,
        endpoint: &'static str,
    ) -> RegistryResult<Value> {
        let mut url = self.url(path)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        self.call(Method::GET, url, None, caching, endpoint).await
    }

    async fn post(&self, path: &str, body: Value, endpoint: &'static str) -> RegistryResult<Value> {
        let url = self.url(path)?;
        self.call(Method::POST, url, Some(body), Caching::Never, endpoint)
            .await
    }
}

impl Registry for HttpRegistry {
    fn districts(&self) -> RegistryList<'_, District> {
        async move {
            let value = self
                .get("shared/districts", &[], Caching::Reference, "districts")
                .await?;
            list(value, "districts")
        }
        .boxed()
    }

    fn clinics<'a>(&'a self, district_id: &'a str) -> RegistryList<'a, Clinic> {
        async move {
            let path = format!("shared/district/{}/lpus", segment(district_id));
            let value = self.get(&path, &[], Caching::Reference, "clinics").await?;
            let clinics: Vec<Clinic> = list(value, "clinics")?;
            self.index_clinics(&clinics);
            Ok(clinics)
        }
        .boxed()
    }

    /// From the clinics already seen in lists, else from the districts' lists, and only as a last resort
    /// from endpoint 3 (`/shared/lpu/{id}`), which the live service is not known to answer.
    fn clinic(&self, lpu_id: i64) -> RegistryFuture<'_, Clinic> {
        async move {
            if let Some(clinic) = self.indexed_clinic(lpu_id) {
                return Ok(clinic);
            }
            let walked = self.find_in_districts(lpu_id).await;
            if let Ok(Some(clinic)) = walked {
                return Ok(clinic);
            }
            let path = format!("shared/lpu/{lpu_id}");
            let direct = match self.get(&path, &[], Caching::Reference, "clinic").await {
                Ok(value) => one::<Clinic>(value, "clinic").and_then(|clinic| {
                    if clinic.id == lpu_id {
                        Ok(clinic)
                    } else {
                        Err(RegistryError::Malformed("clinic: another id".into()))
                    }
                }),
                Err(err) => Err(err),
            };
            match (direct, walked) {
                (Ok(clinic), _) => {
                    self.index_clinics(std::slice::from_ref(&clinic));
                    Ok(clinic)
                }
                // The lists could not all be read: that is the failure worth reporting.
                (Err(_), Err(walk)) if walk.is_transient() => Err(walk),
                (Err(err), _) => Err(err),
            }
        }
        .boxed()
    }

    fn attached_clinics<'a>(&'a self, policy: &'a PolicyQuery) -> RegistryList<'a, Clinic> {
        async move {
            let mut query = vec![("polisN", policy.number.as_str())];
            if let Some(series) = &policy.series {
                query.push(("polisS", series.as_str()));
            }
            let value = self
                .get("oms/attachment/lpus", &query, Caching::Never, "attachment")
                .await?;
            let clinics: Vec<Clinic> = list(value, "attachment")?;
            self.index_clinics(&clinics);
            Ok(clinics)
        }
        .boxed()
    }

    fn specialties(&self, lpu_id: i64) -> RegistryList<'_, Specialty> {
        let path = format!("schedule/lpu/{lpu_id}/specialties");
        // The list carries free-ticket counts («Терапевт (12)»): keep it as briefly as slots, or a
        // specialty would read «(0)» for hours after slots appeared.
        self.get_list(path, Caching::Slots, "specialties").boxed()
    }

    fn doctors<'a>(&'a self, lpu_id: i64, specialty_id: &'a str) -> RegistryList<'a, Doctor> {
        // Doctors' free-ticket counts change with the slots: keep them as briefly as slots.
        self.schedule_list(lpu_id, "speciality", specialty_id, "doctors", "doctors")
    }

    fn slots<'a>(&'a self, lpu_id: i64, doctor_id: &'a str) -> RegistryList<'a, Slot> {
        self.schedule_list(lpu_id, "doctor", doctor_id, "appointments", "slots")
    }

    fn timetable<'a>(&'a self, lpu_id: i64, doctor_id: &'a str) -> RegistryList<'a, TimetableDay> {
        self.schedule_list(lpu_id, "doctor", doctor_id, "timetable", "timetable")
    }

    fn find_patient<'a>(&'a self, query: &'a PatientQuery) -> RegistryFuture<'a, String> {
        async move {
            let lpu = query.lpu_id.to_string();
            let date = query.birth_date.date();
            let birthdate = format!("{}T00:00:00", date.format("%Y-%m-%d"));
            let birthdate_value = date.format("%d.%m.%Y").to_string();
            let params = [
                ("lpuId", lpu.as_str()),
                ("lastName", query.name.surname()),
                ("firstName", query.name.name()),
                ("middleName", query.name.patronymic().unwrap_or("")),
                ("birthdate", birthdate.as_str()),
                ("birthdateValue", birthdate_value.as_str()),
            ];
            let value = self
                .get("patient/search", &params, Caching::Never, "patient search")
                .await?;
            match value {
                Value::String(id) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
                Value::Number(id) => Ok(id.to_string()),
                _ => Err(RegistryError::Malformed(
                    "patient search: no patient id".into(),
                )),
            }
        }
        .boxed()
    }

    fn book<'a>(&'a self, request: &'a AppointmentCreate) -> RegistryFuture<'a, ()> {
        async move {
            let body = to_body(request)?;
            let result = self.post("appointment/create", body, "book").await;
            // A booking changes the doctor's free slots, and a refused one (the slot was taken) says the
            // cached ones are out of date: do not show the old ones again either way.
            self.forget_slots(request.lpu_id);
            result.map(|_| ())
        }
        .boxed()
    }

    fn cancel<'a>(&'a self, request: &'a AppointmentCancel) -> RegistryFuture<'a, ()> {
        async move {
            let body = to_body(request)?;
            let value = self.post("appointment/cancel", body, "cancel").await?;
            self.forget_slots(request.lpu_id);
            match value {
                Value::Bool(false) => Err(RegistryError::Business {
                    code: -1,
                    message: None,
                }),
                _ => Ok(()),
            }
        }
        .boxed()
    }

    fn appointments<'a>(
        &'a self,
        lpu_id: i64,
        patient_id: &'a str,
    ) -> RegistryList<'a, PatientAppointment> {
        async move {
            let lpu = lpu_id.to_string();
            let value = self
                .get(
                    "appointments",
                    &[("lpuId", lpu.as_str()), ("patientId", patient_id)],
                    Caching::Never,
                    "appointments",
                )
                .await?;
            list(value, "appointments")
        }
        .boxed()
    }
}

impl HttpRegistry {
    /// Drops the cached schedule of a clinic: its slots, doctors and specialties (whose counts changed).
    fn forget_slots(&self, lpu_id: i64) {
        let Ok(prefix) = self.url(&format!("schedule/lpu/{lpu_id}/")) else {
            return;
        };
        let prefix = prefix.to_string();
        self.inner
            .cache
            .lock()
            .expect("cache lock")
            .retain(|key, _| !key.starts_with(&prefix));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_adds_at_most_as_much_again() {
        let base = Duration::from_millis(100);
        for attempt in 1..=3 {
            let step = base * (1 << (attempt - 1));
            for _ in 0..50 {
                let wait = backoff(base, attempt);
                assert!(wait >= step && wait <= step * 2, "{attempt}: {wait:?}");
            }
        }
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(segment("12/3 б"), "12%2F3%20%D0%B1");
        assert_eq!(segment("109"), "109");
    }

    #[test]
    fn path_segments_of_dots_do_not_climb_the_path() {
        assert_eq!(segment(".."), "%2E%2E");
        assert_eq!(segment("п100.136"), "%D0%BF100.136");
    }

    fn read(status: u16, body: &str) -> RegistryResult<Value> {
        read_answer(StatusCode::from_u16(status).unwrap(), body.as_bytes())
    }

    #[test]
    fn an_envelope_without_success_reads_its_error_code() {
        assert_eq!(
            read(
                200,
                r#"{"result":null,"errorCode":"39","message":"Нет талонов"}"#
            ),
            Err(RegistryError::Empty(39))
        );
        assert_eq!(
            read(200, r#"{"result":[1],"errorCode":0}"#),
            Ok(serde_json::json!([1]))
        );
    }

    #[test]
    fn a_body_that_is_not_an_envelope_is_malformed_never_an_empty_success() {
        for body in [
            r#"{"status":404,"error":"Not Found"}"#,
            r#"{"result":[1]}"#,
            r#"{"success":null,"errorCode":null,"result":[]}"#,
            "[]",
            r#""ok""#,
            "null",
            "",
            "<html>Not Found</html>",
        ] {
            assert!(
                matches!(read(200, body), Err(RegistryError::Malformed(_))),
                "{body}"
            );
        }
    }

    #[test]
    fn a_4xx_is_an_error_whatever_its_body() {
        let empty_success = r#"{"result":[],"success":true,"errorCode":0,"message":null}"#;
        let no_slots = r#"{"success":false,"errorCode":39,"message":"Нет талонов"}"#;
        for status in [400, 401, 403, 404, 405, 410, 422] {
            for body in [empty_success, no_slots, "", r#"{"status":404}"#] {
                assert!(
                    matches!(read(status, body), Err(RegistryError::Malformed(_))),
                    "{status} {body}"
                );
            }
        }
        // A refusal in an envelope keeps the registry's words.
        assert_eq!(
            read(
                400,
                r#"{"success":false,"errorCode":1,"message":"Пациент не найден","requestId":"x"}"#
            ),
            Err(RegistryError::Business {
                code: 1,
                message: Some("Пациент не найден".into())
            })
        );
        assert_eq!(
            read(429, empty_success),
            Err(RegistryError::Transient("HTTP 429".into()))
        );
        assert_eq!(
            read(503, empty_success),
            Err(RegistryError::Transient("HTTP 503".into()))
        );
    }

    #[test]
    fn live_envelopes_are_read_with_result_absent_on_create_and_on_errors() {
        // Create: no `result` at all.
        assert_eq!(
            read(
                200,
                r#"{"success":true,"errorCode":0,"message":null,"stackTrace":null}"#
            ),
            Ok(Value::Null)
        );
        assert_eq!(
            read(
                200,
                r#"{"success":false,"errorCode":39,"message":"Нет свободных талонов","stackTrace":null,"requestId":"1b2c"}"#
            ),
            Err(RegistryError::Empty(39))
        );
        assert_eq!(
            read(
                200,
                r#"{"result":[],"success":true,"errorCode":0,"message":null,"stackTrace":null}"#
            ),
            Ok(serde_json::json!([]))
        );
    }

    #[test]
    fn the_user_agent_is_visible_ascii_and_names_the_region() {
        let irkutsk = user_agent("Иркутская область");
        assert!(irkutsk.starts_with(concat!("kvrachu-bot/", env!("CARGO_PKG_VERSION"), " (")));
        assert!(irkutsk.ends_with("(Telegram bot for booking doctors; Irkutskaya oblast)"));
        assert!(user_agent("Санкт-Петербург").contains("Sankt-Peterburg"));
        assert!(user_agent("Республика Саха (Якутия)").contains("Respublika Sakha [Yakutiya]"));
        assert!(user_agent("  ").contains("Irkutskaya oblast"));
        for region in ["Щёлково\tЧечня", "Ελλάδα", "Moscow\r\nX-Evil: 1"] {
            let agent = user_agent(region);
            assert!(
                agent.bytes().all(|b| b == b' ' || b.is_ascii_graphic()),
                "{agent}"
            );
            assert!(reqwest::header::HeaderValue::from_str(&agent).is_ok());
        }
        assert!(user_agent("Щёлково").contains("Shchyolkovo"));
    }
}
