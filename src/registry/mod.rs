//! The appointment registry (`../shared/contracts/registry.md`): its objects, its errors and the
//! [`Registry`] trait the bot talks to.
//!
//! The objects mirror the wire format (camelCase) so the HTTP client and the demo registry share one
//! definition. Reading is tolerant, as the contract asks: unknown fields are ignored; optional fields may be
//! absent, `null`, an empty string, or a number where a string was expected (and the other way round).

pub mod demo;
mod demo_data;
pub mod health;
pub mod http;
mod wire;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::config::{RegistryUrl, Settings};
use crate::domain::{BirthDate, FullName};
use url::Url;

pub use http::{HttpRegistry, HttpRegistryConfig, DEFAULT_REGION_NAME};

/// A district (район) of the region, the first choice of the journey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct District {
    #[serde(deserialize_with = "wire::string")]
    pub id: String,
    #[serde(deserialize_with = "wire::string")]
    pub name: String,
    #[serde(default, deserialize_with = "wire::opt_i64")]
    pub okato: Option<i64>,
}

/// A clinic (ЛПУ).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Clinic {
    #[serde(deserialize_with = "wire::i64")]
    pub id: i64,
    #[serde(
        rename = "lpuShortName",
        default,
        deserialize_with = "wire::string_or_empty"
    )]
    pub short_name: String,
    #[serde(
        rename = "lpuFullName",
        default,
        deserialize_with = "wire::string_or_empty"
    )]
    pub full_name: String,
    /// Free text that changes over the years: «Поликлиника взрослая», «Поликлиника детская» (2023);
    /// «Поликлиника», «Детская поликлиника», «Стоматология», «Психиатрия» (2025–26) …
    #[serde(rename = "lpuType", default, deserialize_with = "wire::opt_string")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_i64")]
    pub district_id: Option<i64>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub district_name: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub address: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub email: Option<String>,
    #[serde(
        default,
        deserialize_with = "wire::opt_f64",
        serialize_with = "wire::opt_f64_as_string"
    )]
    pub longitude: Option<f64>,
    #[serde(
        default,
        deserialize_with = "wire::opt_f64",
        serialize_with = "wire::opt_f64_as_string"
    )]
    pub latitude: Option<f64>,
    #[serde(default = "wire::yes", deserialize_with = "wire::lenient_bool")]
    pub is_active: bool,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub oid: Option<String>,
}

impl Clinic {
    /// The name to show: the short one, or the full one when the registry gives no short name.
    pub fn display_name(&self) -> &str {
        if self.short_name.is_empty() {
            &self.full_name
        } else {
            &self.short_name
        }
    }

    /// Latitude and longitude, when the registry knows both.
    pub fn coordinates(&self) -> Option<(f64, f64)> {
        Some((self.latitude?, self.longitude?))
    }
}

/// A specialty open for booking at a clinic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Specialty {
    #[serde(deserialize_with = "wire::string")]
    pub id: String,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub fer_id: Option<String>,
    #[serde(default, deserialize_with = "wire::string_or_empty")]
    pub name: String,
    #[serde(default, deserialize_with = "wire::count")]
    pub count_free_ticket: u32,
    #[serde(default, deserialize_with = "wire::count")]
    pub count_free_participant: u32,
    #[serde(default, deserialize_with = "wire::opt_datetime")]
    pub nearest_date: Option<NaiveDateTime>,
    #[serde(default, deserialize_with = "wire::opt_datetime")]
    pub last_date: Option<NaiveDateTime>,
}

/// A doctor of a specialty at a clinic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Doctor {
    #[serde(deserialize_with = "wire::string")]
    pub id: String,
    /// The full name in one string, as the registry gives it; not always a bare name («Антонова Е.В. 3 ТО
    /// 32 участок (с 24.02 по 10.03 без приема)»).
    #[serde(default, deserialize_with = "wire::string_or_empty")]
    pub name: String,
    /// The doctor's участок, free text as the registry writes it («14-д участок», «1 Педиатрическое
    /// Отделение», «10, 18, 19»); `""` reads as absent.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub aria_number: Option<String>,
    /// What patients need to know (absences with dates, участки); may be multi-line.
    #[serde(default, deserialize_with = "wire::opt_text")]
    pub comment: Option<String>,
    #[serde(default, deserialize_with = "wire::count")]
    pub free_ticket_count: u32,
    #[serde(default, deserialize_with = "wire::count")]
    pub free_participant_count: u32,
    #[serde(default, deserialize_with = "wire::opt_datetime")]
    pub nearest_date: Option<NaiveDateTime>,
    #[serde(default, deserialize_with = "wire::opt_datetime")]
    pub last_date: Option<NaiveDateTime>,
    /// Newer responses split the name too (each may be `null`).
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub middle_name: Option<String>,
}

impl Doctor {
    /// The name to show: `name` as the registry gives it, or the name's parts when it gives only those.
    pub fn full_name(&self) -> String {
        if !self.name.is_empty() {
            return self.name.clone();
        }
        [&self.last_name, &self.first_name, &self.middle_name]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A free slot (талон). `id` is opaque and may be longer than a button's data: keep it server-side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Slot {
    #[serde(deserialize_with = "wire::string")]
    pub id: String,
    /// The region's local time (`REGION_TZ`).
    #[serde(deserialize_with = "wire::datetime")]
    pub visit_start: NaiveDateTime,
    #[serde(default, deserialize_with = "wire::opt_datetime")]
    pub visit_end: Option<NaiveDateTime>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub address: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub number: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub room: Option<String>,
}

/// A doctor or specialty as an appointment names it: at least an id and a name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Named {
    #[serde(default, deserialize_with = "wire::string_or_empty")]
    pub id: String,
    #[serde(default, deserialize_with = "wire::string_or_empty")]
    pub name: String,
}

/// A future visit of a patient, including ones booked elsewhere.
///
/// `appointment_id` is the registry's id of the booking, NOT the slot id that was sent to create: a visit
/// just booked is known by (clinic, doctor, start) until it is read here. The live service sends `lpuId` as
/// a string and may leave out `patientFullName`, `patientBirthDate` and `status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatientAppointment {
    #[serde(deserialize_with = "wire::string")]
    pub appointment_id: String,
    /// The region's local time.
    #[serde(deserialize_with = "wire::datetime")]
    pub visit_start: NaiveDateTime,
    /// A string on the live service («"15"»); a value that is not a number reads as absent.
    #[serde(default, deserialize_with = "wire::lenient_opt_i64")]
    pub lpu_id: Option<i64>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub lpu_short_name: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub lpu_address: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub lpu_phone: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub patient_id: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub patient_full_name: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_datetime")]
    pub patient_birth_date: Option<NaiveDateTime>,
    #[serde(rename = "doctorRendingConsultation", default)]
    pub doctor: Option<Named>,
    #[serde(rename = "specialityRendingConsultation", default)]
    pub specialty: Option<Named>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "wire::opt_string")]
    pub lpu_full_name: Option<String>,
    /// When the booking was made (`dateCreatedAppointment`, the region's local time), when given.
    #[serde(
        rename = "dateCreatedAppointment",
        default,
        deserialize_with = "wire::opt_datetime"
    )]
    pub created_at: Option<NaiveDateTime>,
}

/// A day of a doctor's timetable (`/schedule/lpu/{lpuId}/doctor/{doctorId}/timetable`): the reception
/// hours (the region's local time), whether the day can be booked, and why not when it cannot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "wire::TimetableDayWire")]
pub struct TimetableDay {
    #[serde(with = "wire::datetime_format")]
    pub visit_start: NaiveDateTime,
    #[serde(
        default,
        serialize_with = "wire::opt_datetime_format",
        skip_serializing_if = "Option::is_none"
    )]
    pub visit_end: Option<NaiveDateTime>,
    #[serde(rename = "recordableDay")]
    pub recordable: bool,
    /// Why the day is closed («Выходной», «Отпуск» …), as the registry words it.
    pub deny_cause: Option<String>,
}

/// Who to look up in a clinic (`/patient/search`): the patient id it gives is valid in that clinic only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatientQuery {
    pub lpu_id: i64,
    pub name: FullName,
    pub birth_date: BirthDate,
}

/// The body of `/appointment/create`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentCreate {
    pub lpu_id: i64,
    pub patient_id: String,
    /// The slot id.
    pub appointment_id: String,
    pub patient_last_name: String,
    pub patient_first_name: String,
    #[serde(default)]
    pub patient_middle_name: Option<String>,
    #[serde(with = "wire::datetime_format")]
    pub patient_birthdate: NaiveDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esia_id: Option<String>,
    #[serde(default)]
    pub room: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(with = "wire::datetime_format")]
    pub visit_date: NaiveDateTime,
}

impl AppointmentCreate {
    /// The request that books `slot` for a patient found (with `patient_id`) in clinic `lpu_id`.
    pub fn new(
        lpu_id: i64,
        patient_id: String,
        slot: &Slot,
        name: &FullName,
        birth_date: BirthDate,
        esia_id: Option<String>,
    ) -> Self {
        Self {
            lpu_id,
            patient_id,
            appointment_id: slot.id.clone(),
            patient_last_name: name.surname().to_owned(),
            patient_first_name: name.name().to_owned(),
            patient_middle_name: name.patronymic().map(str::to_owned),
            patient_birthdate: midnight(birth_date.date()),
            esia_id,
            room: slot.room.clone(),
            address: slot.address.clone(),
            visit_date: slot.visit_start,
        }
    }
}

/// The body of `/appointment/cancel`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentCancel {
    pub lpu_id: i64,
    pub patient_id: String,
    pub appointment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esia_id: Option<String>,
}

/// An OMS policy as `/oms/attachment/lpus` takes it: the number, and the series of an old-style policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyQuery {
    pub number: String,
    pub series: Option<String>,
}

pub(crate) fn midnight(date: NaiveDate) -> NaiveDateTime {
    date.and_hms_opt(0, 0, 0).expect("midnight exists")
}

/// Why the registry gave no answer to use. `Display` never contains personal data or raw responses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The registry says there is nothing to list (codes 37, 38, 39, 645): show an empty list, plainly.
    #[error("the registry has nothing to list (code {0})")]
    Empty(i64),
    /// Worth trying again later: codes 602, 603, 616, 660, a 5xx, a timeout or a connection error.
    #[error("the registry is not answering ({0})")]
    Transient(String),
    /// Any other refusal; `message` is the registry's own words for the user, when it gave any.
    #[error("the registry refused (code {code})")]
    Business { code: i64, message: Option<String> },
    /// The answer could not be read.
    #[error("the registry's answer could not be read ({0})")]
    Malformed(String),
}

impl RegistryError {
    /// How an `errorCode` of a `success: false` envelope is treated.
    pub fn from_code(code: i64, message: Option<String>) -> RegistryError {
        match code {
            37 | 38 | 39 | 645 => RegistryError::Empty(code),
            602 | 603 | 616 | 660 => RegistryError::Transient(format!("code {code}")),
            _ => RegistryError::Business { code, message },
        }
    }

    /// The label `/metrics` counts this failure under: the registry's code, or the failure's kind.
    pub fn metric_code(&self) -> String {
        match self {
            RegistryError::Empty(code) | RegistryError::Business { code, .. } => code.to_string(),
            RegistryError::Transient(what) => match what.strip_prefix("code ") {
                Some(code) if code.bytes().all(|b| b.is_ascii_digit()) => code.to_owned(),
                _ => "transient".to_owned(),
            },
            RegistryError::Malformed(_) => "malformed".to_owned(),
        }
    }

    pub fn is_transient(&self) -> bool {
        matches!(self, RegistryError::Transient(_))
    }
}

pub type RegistryResult<T> = Result<T, RegistryError>;

/// How long anyone waits for one registry call, the client's own retries included.
pub const DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);

/// Bounds a registry call by [`DEADLINE`], whatever the client's own timeouts and retries: past it the call
/// is dropped and counts as transient (the registry may still act on a booking; see booking intents).
pub async fn within_deadline<T>(
    call: impl std::future::Future<Output = RegistryResult<T>>,
) -> RegistryResult<T> {
    let result = match tokio::time::timeout(DEADLINE, call).await {
        Ok(result) => result,
        Err(_) => Err(RegistryError::Transient("deadline".to_owned())),
    };
    health::record(&result);
    result
}

/// A list call within the deadline, "nothing to list" read as an empty list: what a screen that lists
/// things wants.
pub async fn listed<T>(call: RegistryList<'_, T>) -> RegistryResult<Vec<T>> {
    within_deadline(call).await.or_empty()
}

/// What every [`Registry`] call answers: a boxed future of the registry's result (the trait stays
/// object-safe).
pub type RegistryFuture<'a, T> = BoxFuture<'a, RegistryResult<T>>;

/// What a list method of [`Registry`] answers (an empty list, or [`RegistryError::Empty`]: see the trait).
pub type RegistryList<'a, T> = RegistryFuture<'a, Vec<T>>;

/// Treats "nothing to list" like an empty list, for callers that need not tell the two apart.
pub trait OrEmpty<T> {
    fn or_empty(self) -> RegistryResult<Vec<T>>;
}

impl<T> OrEmpty<T> for RegistryResult<Vec<T>> {
    fn or_empty(self) -> RegistryResult<Vec<T>> {
        match self {
            Err(RegistryError::Empty(_)) => Ok(Vec::new()),
            other => other,
        }
    }
}

/// Everything the bot asks of an appointment registry. Object-safe: the bot holds an `Arc<dyn Registry>`.
///
/// List methods answer `Ok(vec![])` for an empty array and `Err(RegistryError::Empty(code))` when the
/// registry names the emptiness by code (see [`OrEmpty::or_empty`]).
pub trait Registry: Send + Sync {
    /// 1: every district.
    fn districts(&self) -> RegistryList<'_, District>;
    /// 2: the clinics of a district.
    fn clinics<'a>(&'a self, district_id: &'a str) -> RegistryList<'a, Clinic>;
    /// 3: one clinic.
    fn clinic(&self, lpu_id: i64) -> RegistryFuture<'_, Clinic>;
    /// 4: the clinics a policy is attached to.
    fn attached_clinics<'a>(&'a self, policy: &'a PolicyQuery) -> RegistryList<'a, Clinic>;
    /// 5: the specialties open for booking at a clinic.
    fn specialties(&self, lpu_id: i64) -> RegistryList<'_, Specialty>;
    /// 6: the doctors of a specialty at a clinic.
    fn doctors<'a>(&'a self, lpu_id: i64, specialty_id: &'a str) -> RegistryList<'a, Doctor>;
    /// 7: a doctor's free slots.
    fn slots<'a>(&'a self, lpu_id: i64, doctor_id: &'a str) -> RegistryList<'a, Slot>;
    /// 8: the patient's id in a clinic.
    fn find_patient<'a>(&'a self, query: &'a PatientQuery) -> RegistryFuture<'a, String>;
    /// 9: books a slot. Never retried after the request may have reached the registry.
    fn book<'a>(&'a self, request: &'a AppointmentCreate) -> RegistryFuture<'a, ()>;
    /// 10: cancels a booking.
    fn cancel<'a>(&'a self, request: &'a AppointmentCancel) -> RegistryFuture<'a, ()>;
    /// 11: a patient's future visits at a clinic, including ones booked elsewhere.
    fn appointments<'a>(
        &'a self,
        lpu_id: i64,
        patient_id: &'a str,
    ) -> RegistryList<'a, PatientAppointment>;
    /// A doctor's timetable, day by day: reception hours and closed days with their reasons. A registry
    /// without one answers `Err(RegistryError::Empty(645))` (the schedule was not found), which is also what
    /// an implementor that does not know the endpoint answers by default.
    fn timetable<'a>(&'a self, lpu_id: i64, doctor_id: &'a str) -> RegistryList<'a, TimetableDay> {
        let _ = (lpu_id, doctor_id);
        Box::pin(async { Err(RegistryError::Empty(645)) })
    }
}

/// The registry as the bot holds it.
pub type SharedRegistry = Arc<dyn Registry>;

/// The base URL of the demo registry served by the bot's HTTP server listening on `local`.
pub fn demo_url(local: SocketAddr) -> Url {
    // A server bound to every interface is reached through loopback.
    let ip = match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let host = SocketAddr::new(ip, local.port());
    Url::parse(&format!("http://{host}{}", demo::PATH)).expect("a valid demo URL")
}

/// The registry the settings name: the built-in demo (served by the bot's HTTP server, listening on
/// `local`) or a remote gateway; both through [`HttpRegistry`].
pub fn from_settings(settings: &Settings, local: SocketAddr) -> anyhow::Result<SharedRegistry> {
    let base_url = match &settings.registry {
        RegistryUrl::Demo => demo_url(local),
        RegistryUrl::Remote(url) => url.clone(),
    };
    let mut config = HttpRegistryConfig::new(base_url);
    // The User-Agent names the region the bot serves (REGION_NAME).
    config.region_name = settings.region_name.clone();
    Ok(Arc::new(HttpRegistry::new(config)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_registry_client_names_the_configured_region() {
        use wiremock::matchers::{header_regex, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(path("/shared/districts"))
            .and(header_regex("user-agent", "Sankt-Peterburg"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(
                    serde_json::json!({"result": [], "success": true, "errorCode": 0}),
                ),
            )
            .expect(1)
            .mount(&server)
            .await;
        let vars = [
            ("TELOXIDE_TOKEN", "123:abc".to_owned()),
            ("REGISTRY_URL", server.uri()),
            ("REGION_NAME", "Санкт-Петербург".to_owned()),
        ];
        let settings = Settings::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        })
        .expect("valid settings");
        let registry = from_settings(&settings, SocketAddr::from(([127, 0, 0, 1], 8080))).unwrap();
        assert_eq!(registry.districts().await, Ok(Vec::new()));
    }

    #[test]
    fn error_codes_fall_into_their_classes() {
        for code in [37, 38, 39, 645] {
            assert_eq!(
                RegistryError::from_code(code, None),
                RegistryError::Empty(code)
            );
        }
        for code in [602, 603, 616, 660] {
            assert!(RegistryError::from_code(code, None).is_transient());
        }
        assert_eq!(
            RegistryError::from_code(1, Some("Пациент не найден".into())),
            RegistryError::Business {
                code: 1,
                message: Some("Пациент не найден".into())
            }
        );
    }

    #[test]
    fn a_clinic_reads_numbers_as_strings_and_empty_strings_as_absent() {
        let clinic: Clinic = serde_json::from_value(serde_json::json!({
            "id": "204",
            "lpuShortName": "ГП № 11",
            "lpuFullName": "ОГАУЗ \"Иркутская городская поликлиника № 11\"",
            "lpuType": "Поликлиника взрослая",
            "districtId": "1",
            "districtName": "г. Иркутск",
            "address": "ул. Лермонтова, 89",
            "phone": 83952123456u64,
            "email": "",
            "longitude": "104.25",
            "latitude": 52.26,
            "isActive": null,
            "description": null,
            "oid": "1.2.643.5.1.13.13.12.2.38.3576",
            "somethingNew": {"x": 1}
        }))
        .unwrap();
        assert_eq!(clinic.id, 204);
        assert_eq!(clinic.district_id, Some(1));
        assert_eq!(clinic.phone.as_deref(), Some("83952123456"));
        assert_eq!(clinic.email, None);
        assert_eq!(clinic.coordinates(), Some((52.26, 104.25)));
        assert!(clinic.is_active);
    }

    #[test]
    fn a_doctor_is_named_by_the_parts_when_the_whole_name_is_missing() {
        let doctor: Doctor = serde_json::from_value(serde_json::json!({
            "id": "п100.136", "name": "", "ariaNumber": ["14"], "comment": {"x": 1},
            "lastName": "Антонова", "firstName": "Елена", "middleName": null
        }))
        .unwrap();
        assert_eq!(doctor.full_name(), "Антонова Елена");
        assert_eq!((doctor.aria_number, doctor.comment), (None, None));
        let named: Doctor =
            serde_json::from_value(serde_json::json!({"id": 7, "name": "Антонова Е.В."})).unwrap();
        assert_eq!(named.full_name(), "Антонова Е.В.");
    }

    #[test]
    fn an_appointment_reads_lpu_id_as_a_string_and_does_without_the_patients_name() {
        let visit: PatientAppointment = serde_json::from_value(serde_json::json!({
            "appointmentId": 14643472, "visitStart": "2026-12-14T09:30:00", "lpuId": "15",
            "isAppointmentByReferral": true, "referralId": "b7c1"
        }))
        .unwrap();
        assert_eq!(visit.appointment_id, "14643472");
        assert_eq!(visit.lpu_id, Some(15));
        let odd: PatientAppointment = serde_json::from_value(serde_json::json!({
            "appointmentId": "1", "visitStart": "2026-12-14T09:30:00", "lpuId": "ГП-15"
        }))
        .unwrap();
        assert_eq!(odd.lpu_id, None);
    }

    #[test]
    fn a_clinic_round_trips_through_the_wire_format() {
        let clinic: Clinic = serde_json::from_value(serde_json::json!({
            "id": 1, "lpuShortName": "a", "lpuFullName": "b", "longitude": "", "latitude": "52.1"
        }))
        .unwrap();
        let wire = serde_json::to_value(&clinic).unwrap();
        assert_eq!(wire["latitude"], "52.1");
        assert_eq!(wire["lpuShortName"], "a");
        assert_eq!(serde_json::from_value::<Clinic>(wire).unwrap(), clinic);
    }
}
