//! The demo registry (`REGISTRY_URL=demo`): the contract's endpoints in its exact wire format, served by
//! the bot's own HTTP server under `/demo/registry` and read through the same [`super::HttpRegistry`] as a
//! real one. Clinics, doctors and schedules come from [`super::demo_data`]; bookings persist in the
//! database (`demo_bookings`) and take their slot away.
//!
//! Demo error codes outside the contract's list: 1 the patient is not found, 2 the slot is taken or the
//! booking is unknown, 3 a request is incomplete, 4 the clinic is unknown.

use std::collections::HashSet;

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{json, Value};

use super::demo_data::{self, DemoClinic, DemoDoctor};
use super::{
    AppointmentCancel, AppointmentCreate, Doctor, Named, PatientAppointment, Slot, Specialty,
};
use crate::store::{DemoBooking, Store};

/// Where the bot's HTTP server mounts the demo registry.
pub const PATH: &str = "/demo/registry";

/// Whether the demo doctor `doctor_id` of clinic `lpu_id`, who has no schedule, now and then gets a slot back
/// from a cancellation (what a slot watch can catch in the demo); `false` for anyone else.
pub fn gets_cancellations(lpu_id: i64, doctor_id: &str) -> bool {
    demo_data::find_clinic(lpu_id)
        .and_then(|clinic| clinic.doctor(doctor_id))
        .is_some_and(|doctor| doctor.gets_cancellations())
}

#[derive(Clone)]
pub struct DemoRegistry {
    store: Store,
    tz: Tz,
}

/// The demo registry's routes, to be nested under [`PATH`].
pub fn router(store: Store, tz: Tz) -> Router {
    Router::new()
        .route("/shared/districts", get(districts))
        .route("/shared/district/{district}/lpus", get(clinics))
        .route("/shared/lpu/{lpu}", get(clinic))
        .route("/oms/attachment/lpus", get(attachment))
        .route("/schedule/lpu/{lpu}/specialties", get(specialties))
        .route(
            "/schedule/lpu/{lpu}/speciality/{specialty}/doctors",
            get(doctors),
        )
        .route(
            "/schedule/lpu/{lpu}/doctor/{doctor}/appointments",
            get(slots),
        )
        .route("/patient/search", get(patient_search))
        .route("/appointment/create", post(create))
        .route("/appointment/cancel", post(cancel))
        .route("/appointments", get(appointments))
        .with_state(DemoRegistry { store, tz })
}

type Answer = Json<Value>;

fn ok(result: impl serde::Serialize) -> Answer {
    Json(json!({
        "result": result,
        "success": true,
        "errorCode": 0,
        "message": null,
        "stackTrace": null,
        "requestId": uuid::Uuid::new_v4().to_string(),
    }))
}

fn refuse(code: i64, message: &str) -> Answer {
    Json(json!({
        "result": null,
        "success": false,
        "errorCode": code,
        "message": message,
        "stackTrace": null,
        "requestId": uuid::Uuid::new_v4().to_string(),
    }))
}

fn failure(err: anyhow::Error) -> Answer {
    tracing::error!(error = %err, "demo registry: database failure");
    refuse(616, "Ошибка в МИС медицинской организации")
}

fn unknown_clinic() -> Answer {
    refuse(4, "Медицинская организация не найдена")
}

impl DemoRegistry {
    fn now(&self) -> NaiveDateTime {
        Utc::now().with_timezone(&self.tz).naive_local()
    }

    fn to_unix(&self, local: NaiveDateTime) -> i64 {
        self.tz
            .from_local_datetime(&local)
            .earliest()
            .map_or_else(|| local.and_utc().timestamp(), |at| at.timestamp())
    }

    fn local_of(&self, at: i64) -> NaiveDateTime {
        Utc.timestamp_opt(at, 0)
            .single()
            .unwrap_or_default()
            .with_timezone(&self.tz)
            .naive_local()
    }

    /// A doctor's free slots: the schedule and the slots freed by cancellations, less the past and the
    /// booked.
    async fn free_slots(
        &self,
        clinic: &DemoClinic,
        doctor: &DemoDoctor,
    ) -> anyhow::Result<Vec<NaiveDateTime>> {
        let now = self.now();
        let booked: HashSet<String> = self
            .store
            .demo_booked_slots(clinic.id, &doctor.id, self.to_unix(now))
            .await?
            .into_iter()
            .collect();
        let mut free: Vec<NaiveDateTime> = doctor
            .schedule(now.date())
            .into_iter()
            .chain(doctor.released(now))
            .filter(|at| *at > now && !booked.contains(&doctor.slot_id(*at)))
            .collect();
        free.sort_unstable();
        Ok(free)
    }
}

async fn districts() -> Answer {
    ok(demo_data::districts())
}

async fn clinics(Path(district): Path<String>) -> Answer {
    let list: Vec<_> = demo_data::CLINICS
        .iter()
        .filter(|c| c.district.to_string() == district)
        .map(DemoClinic::to_clinic)
        .collect();
    ok(list)
}

async fn clinic(Path(lpu): Path<String>) -> Answer {
    match lpu.parse().ok().and_then(demo_data::find_clinic) {
        Some(clinic) => ok(clinic.to_clinic()),
        None => unknown_clinic(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttachmentQuery {
    polis_n: Option<String>,
}

/// Any policy number is attached to the first adult clinic of Irkutsk and the first children's one.
async fn attachment(Query(query): Query<AttachmentQuery>) -> Answer {
    if query.polis_n.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return refuse(3, "Не указан номер полиса");
    }
    let list: Vec<_> = [101, 131]
        .into_iter()
        .filter_map(demo_data::find_clinic)
        .map(DemoClinic::to_clinic)
        .collect();
    ok(list)
}

async fn specialties(State(demo): State<DemoRegistry>, Path(lpu): Path<String>) -> Answer {
    let Some(clinic) = lpu.parse().ok().and_then(demo_data::find_clinic) else {
        return unknown_clinic();
    };
    let mut list = Vec::new();
    for (id, name) in clinic.kind.specialties() {
        let mut free = Vec::new();
        for doctor in clinic.doctors(id) {
            match demo.free_slots(clinic, &doctor).await {
                Ok(slots) => free.extend(slots),
                Err(err) => return failure(err),
            }
        }
        list.push(Specialty {
            id: (*id).to_owned(),
            fer_id: Some(format!("{:0>3}", id)),
            name: (*name).to_owned(),
            count_free_ticket: free.len() as u32,
            count_free_participant: free.len() as u32,
            nearest_date: free.iter().min().copied(),
            last_date: free.iter().max().copied(),
        });
    }
    ok(list)
}

async fn doctors(
    State(demo): State<DemoRegistry>,
    Path((lpu, specialty)): Path<(String, String)>,
) -> Answer {
    let Some(clinic) = lpu.parse().ok().and_then(demo_data::find_clinic) else {
        return unknown_clinic();
    };
    let doctors = clinic.doctors(&specialty);
    if doctors.is_empty() {
        return refuse(38, "Нет врачей по выбранной специальности");
    }
    let mut list = Vec::new();
    for doctor in doctors {
        let free = match demo.free_slots(clinic, &doctor).await {
            Ok(free) => free,
            Err(err) => return failure(err),
        };
        list.push(Doctor {
            id: doctor.id.clone(),
            name: doctor.name.clone(),
            aria_number: doctor.area.clone(),
            comment: None,
            free_ticket_count: free.len() as u32,
            free_participant_count: free.len() as u32,
            nearest_date: free.first().copied(),
            last_date: free.last().copied(),
        });
    }
    ok(list)
}

async fn slots(
    State(demo): State<DemoRegistry>,
    Path((lpu, doctor)): Path<(String, String)>,
) -> Answer {
    let Some(clinic) = lpu.parse().ok().and_then(demo_data::find_clinic) else {
        return unknown_clinic();
    };
    let Some(doctor) = clinic.doctor(&doctor) else {
        return refuse(645, "Расписание врача не найдено");
    };
    let free = match demo.free_slots(clinic, &doctor).await {
        Ok(free) => free,
        Err(err) => return failure(err),
    };
    if free.is_empty() {
        return refuse(39, "Нет свободных талонов");
    }
    let room = clinic.room_of(&doctor.id);
    let list: Vec<Slot> = free
        .into_iter()
        .enumerate()
        .map(|(n, at)| Slot {
            id: doctor.slot_id(at),
            visit_start: at,
            visit_end: Some(at + chrono::Duration::minutes(demo_data::VISIT_MINUTES)),
            address: Some(clinic.address.to_owned()),
            number: Some((n + 1).to_string()),
            room: Some(room.clone()),
        })
        .collect();
    ok(list)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatientSearch {
    lpu_id: Option<String>,
    last_name: Option<String>,
    first_name: Option<String>,
    middle_name: Option<String>,
    birthdate: Option<String>,
}

fn plausible_name(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty()
        && name.chars().count() <= 50
        && name
            .chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == ' ' || c == '\'')
}

/// Anyone with a plausible name and birth date is "found": the demo has every patient.
async fn patient_search(Query(query): Query<PatientSearch>) -> Answer {
    let lpu = query.lpu_id.as_deref().and_then(|l| l.parse::<i64>().ok());
    let Some(clinic) = lpu.and_then(demo_data::find_clinic) else {
        return unknown_clinic();
    };
    let last = query.last_name.unwrap_or_default();
    let first = query.first_name.unwrap_or_default();
    let middle = query.middle_name.unwrap_or_default();
    let birth = query
        .birthdate
        .as_deref()
        .and_then(super::wire::parse_datetime)
        .map(|at| at.date());
    let plausible_birth = birth.is_some_and(|date| {
        date >= NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date")
            && date <= Utc::now().date_naive()
    });
    if !plausible_name(&last)
        || !plausible_name(&first)
        || !(middle.is_empty() || plausible_name(&middle))
        || !plausible_birth
    {
        return refuse(1, "Пациент не найден");
    }
    let key = format!(
        "{}|{}|{}|{}|{}",
        clinic.id,
        last.trim().to_lowercase(),
        first.trim().to_lowercase(),
        middle.trim().to_lowercase(),
        birth.map(|d| d.to_string()).unwrap_or_default()
    );
    ok(format!("{}", 1_000_000 + demo_data::hash(&key) % 9_000_000))
}

async fn create(State(demo): State<DemoRegistry>, Json(request): Json<Value>) -> Answer {
    let Ok(request) = serde_json::from_value::<AppointmentCreate>(request) else {
        return refuse(3, "Неполные данные для записи");
    };
    let Some(clinic) = demo_data::find_clinic(request.lpu_id) else {
        return unknown_clinic();
    };
    let taken = || refuse(2, "Талон уже занят, выберите другое время");
    let Some((doctor_id, at)) = demo_data::parse_slot_id(&request.appointment_id) else {
        return taken();
    };
    let Some(doctor) = clinic.doctor(doctor_id) else {
        return taken();
    };
    match demo.free_slots(clinic, &doctor).await {
        Ok(free) if free.contains(&at) => {}
        Ok(_) => return taken(),
        Err(err) => return failure(err),
    }
    let name = [
        request.patient_last_name.as_str(),
        request.patient_first_name.as_str(),
        request.patient_middle_name.as_deref().unwrap_or(""),
    ]
    .join(" ")
    .trim()
    .to_owned();
    let booking = DemoBooking {
        lpu_id: clinic.id,
        appointment_id: request.appointment_id.clone(),
        doctor_id: doctor.id.clone(),
        specialty_id: doctor.specialty_id.clone(),
        patient_id: request.patient_id.clone(),
        patient_full_name: name,
        patient_birth_date: request.patient_birthdate.date().to_string(),
        visit_start: demo.to_unix(at),
    };
    match demo.store.demo_book(&booking, Utc::now().timestamp()).await {
        Ok(true) => ok(Value::Null),
        Ok(false) => taken(),
        Err(err) => failure(err),
    }
}

async fn cancel(State(demo): State<DemoRegistry>, Json(request): Json<Value>) -> Answer {
    let Ok(request) = serde_json::from_value::<AppointmentCancel>(request) else {
        return refuse(3, "Неполные данные для отмены");
    };
    match demo
        .store
        .demo_cancel(request.lpu_id, &request.patient_id, &request.appointment_id)
        .await
    {
        Ok(true) => ok(true),
        Ok(false) => refuse(2, "Запись не найдена"),
        Err(err) => failure(err),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppointmentsQuery {
    lpu_id: Option<String>,
    patient_id: Option<String>,
}

async fn appointments(
    State(demo): State<DemoRegistry>,
    Query(query): Query<AppointmentsQuery>,
) -> Answer {
    let lpu = query.lpu_id.as_deref().and_then(|l| l.parse::<i64>().ok());
    let Some(clinic) = lpu.and_then(demo_data::find_clinic) else {
        return unknown_clinic();
    };
    let Some(patient) = query.patient_id.filter(|p| !p.trim().is_empty()) else {
        return refuse(3, "Не указан пациент");
    };
    let now = demo.to_unix(demo.now());
    let bookings = match demo.store.demo_appointments(clinic.id, &patient, now).await {
        Ok(bookings) => bookings,
        Err(err) => return failure(err),
    };
    let list: Vec<PatientAppointment> = bookings
        .into_iter()
        .map(|b| {
            let doctor = clinic.doctor(&b.doctor_id);
            PatientAppointment {
                appointment_id: b.appointment_id,
                visit_start: demo.local_of(b.visit_start),
                lpu_id: Some(clinic.id),
                lpu_short_name: Some(clinic.short.to_owned()),
                lpu_address: Some(clinic.address.to_owned()),
                lpu_phone: Some(clinic.phone.to_owned()),
                patient_id: Some(b.patient_id),
                patient_full_name: Some(b.patient_full_name),
                patient_birth_date: NaiveDate::parse_from_str(&b.patient_birth_date, "%Y-%m-%d")
                    .ok()
                    .map(super::midnight),
                doctor: Some(Named {
                    id: b.doctor_id.clone(),
                    name: doctor.map(|d| d.name).unwrap_or_default(),
                }),
                specialty: Some(Named {
                    name: clinic
                        .specialty_name(&b.specialty_id)
                        .unwrap_or_default()
                        .to_owned(),
                    id: b.specialty_id,
                }),
                status: Some("Записан".to_owned()),
            }
        })
        .collect();
    ok(list)
}
