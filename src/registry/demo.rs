//! The demo registry (`REGISTRY_URL=demo`): the contract's endpoints in its exact wire format, served by
//! the bot's own HTTP server under `/demo/registry` and read through the same [`super::HttpRegistry`] as a
//! real one. Clinics, doctors and schedules come from [`super::demo_data`]; bookings persist in the
//! database (`demo_bookings`) and take their slot away.
//!
//! It answers as the live service does: success envelopes without `requestId`, errors without `result`, a
//! create answered with no `result` at all, and a booked visit listed in `/appointments` under its own
//! numeric `appointmentId` (not the slot id), which is what `/appointment/cancel` takes.
//!
//! Demo error codes outside the contract's list: 1 the patient is not found, 2 the slot is taken or the
//! booking is unknown, 3 a request is incomplete, 4 the clinic is unknown.
//!
//! A slow create can be asked for ([`DemoOptions::create_delay`], or `DEMO_REGISTRY_CREATE_DELAY_MS` for the
//! built binary): the booking is made first and the answer comes after the delay, so a client that gives up
//! meanwhile leaves a booking it does not know of — as a real registry may.
//!
//! For end-to-end tests of slot watches, `DEMO_REGISTRY_TEST_HOOKS=1` adds `POST /test/open-slot`
//! (`{"lpuId", "doctorId", "visitStart"}`): a slot that opens at once, as a cancellation would. Demo only,
//! and off unless asked for.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{json, Value};

use super::demo_data::{self, DemoClinic, DemoDoctor};
use super::{AppointmentCancel, AppointmentCreate};
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

/// The environment variable that sets [`DemoOptions::create_delay`] for the demo the bot serves, in
/// milliseconds.
pub const CREATE_DELAY_VAR: &str = "DEMO_REGISTRY_CREATE_DELAY_MS";

/// The environment variable that turns on [`DemoOptions::test_hooks`] for the demo the bot serves: `1`.
pub const TEST_HOOKS_VAR: &str = "DEMO_REGISTRY_TEST_HOOKS";

/// How the demo registry behaves beyond its data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoOptions {
    /// How long `/appointment/create` waits, after the booking is made, before it answers.
    pub create_delay: Duration,
    /// Serve `POST /test/open-slot`, which opens a slot at once (end-to-end tests of slot watches).
    pub test_hooks: bool,
}

impl DemoOptions {
    /// The options from the environment: [`CREATE_DELAY_VAR`] (milliseconds; absent or unreadable is none).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let create_delay = lookup(CREATE_DELAY_VAR)
            .and_then(|ms| ms.trim().parse::<u64>().ok())
            .map(Duration::from_millis)
            .unwrap_or_default();
        let test_hooks = lookup(TEST_HOOKS_VAR).is_some_and(|on| on.trim() == "1");
        Self {
            create_delay,
            test_hooks,
        }
    }
}

#[derive(Clone)]
pub struct DemoRegistry {
    store: Store,
    tz: Tz,
    options: DemoOptions,
    /// Slots opened by the test hook: clinic, doctor, local start.
    opened: Arc<Mutex<Vec<(i64, String, NaiveDateTime)>>>,
}

/// The demo registry's routes, to be nested under [`PATH`], with the options of the environment
/// ([`DemoOptions::from_env`]).
pub fn router(store: Store, tz: Tz) -> Router {
    router_with(store, tz, DemoOptions::from_env())
}

/// The demo registry's routes with explicit options.
pub fn router_with(store: Store, tz: Tz, options: DemoOptions) -> Router {
    let hooks = options.test_hooks;
    let router = Router::new()
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
        .route(
            "/schedule/lpu/{lpu}/doctor/{doctor}/timetable",
            get(timetable),
        )
        .route("/patient/search", get(patient_search))
        .route("/appointment/create", post(create))
        .route("/appointment/cancel", post(cancel))
        .route("/appointments", get(appointments));
    let router = if hooks {
        router.route("/test/open-slot", post(open_slot))
    } else {
        router
    };
    router.with_state(DemoRegistry {
        store,
        tz,
        options,
        opened: Arc::default(),
    })
}

/// What the test hook opens.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenSlot {
    lpu_id: i64,
    doctor_id: String,
    visit_start: NaiveDateTime,
}

/// `POST /test/open-slot` (only with [`DemoOptions::test_hooks`]): the doctor gets a free slot at once.
async fn open_slot(State(demo): State<DemoRegistry>, Json(slot): Json<OpenSlot>) -> Answer {
    let known = demo_data::find_clinic(slot.lpu_id).and_then(|c| c.doctor(&slot.doctor_id));
    if known.is_none() {
        return unknown_schedule();
    }
    let mut opened = demo.opened.lock().unwrap_or_else(|e| e.into_inner());
    opened.push((slot.lpu_id, slot.doctor_id, slot.visit_start));
    created()
}

type Answer = Json<Value>;
/// A handler's answer where a refusal ends it early (`?`).
type Answered = Result<Answer, Answer>;

/// A success as the live service sends it: no `requestId`.
fn ok(result: impl serde::Serialize) -> Answer {
    Json(json!({
        "result": result,
        "success": true,
        "errorCode": 0,
        "message": null,
        "stackTrace": null,
    }))
}

/// The answer of a create that succeeded: no `result` at all.
fn created() -> Answer {
    Json(json!({
        "success": true,
        "errorCode": 0,
        "message": null,
        "stackTrace": null,
    }))
}

/// A refusal as the live service sends it: no `result`, a `requestId`.
fn refuse(code: i64, message: &str) -> Answer {
    Json(json!({
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

fn unknown_schedule() -> Answer {
    refuse(645, "Расписание врача не найдено")
}

/// The clinic and the doctor a schedule path names, or the refusal the live service gives.
fn clinic_doctor(lpu: &str, doctor: &str) -> Result<(&'static DemoClinic, DemoDoctor), Answer> {
    let clinic = lpu
        .parse()
        .ok()
        .and_then(demo_data::find_clinic)
        .ok_or_else(unknown_clinic)?;
    let doctor = clinic.doctor(doctor).ok_or_else(unknown_schedule)?;
    Ok((clinic, doctor))
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

    /// The slots the test hook opened for the doctor.
    fn opened_for(&self, lpu_id: i64, doctor_id: &str) -> Vec<NaiveDateTime> {
        let opened = self.opened.lock().unwrap_or_else(|e| e.into_inner());
        opened
            .iter()
            .filter(|(lpu, doctor, _)| *lpu == lpu_id && doctor == doctor_id)
            .map(|(_, _, at)| *at)
            .collect()
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
            .chain(self.opened_for(clinic.id, &doctor.id))
            .filter(|at| *at > now && !booked.contains(&doctor.slot_id(*at)))
            .collect();
        free.sort_unstable();
        free.dedup();
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

/// Endpoint 3 (`/shared/lpu/{id}`): no recorded answer of the live service exists, so the demo gives none
/// either — a bare 404, as a gateway without the route would — and the bot has to find clinics in the
/// districts' lists.
async fn clinic(Path(_lpu): Path<String>) -> (StatusCode, Answer) {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "status": 404, "error": "Not Found" })),
    )
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

/// A local date-time as the live service writes it.
fn wire_time(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn opt_wire_time(at: Option<NaiveDateTime>) -> Value {
    at.map_or(Value::Null, |at| Value::String(wire_time(at)))
}

async fn specialties(State(demo): State<DemoRegistry>, Path(lpu): Path<String>) -> Answer {
    let Some(clinic) = lpu.parse().ok().and_then(demo_data::find_clinic) else {
        return unknown_clinic();
    };
    let mut list = Vec::new();
    for (id, name) in clinic.kind.specialties() {
        let mut free = Vec::new();
        let mut tickets = 0;
        for doctor in clinic.doctors(id) {
            match demo.free_slots(clinic, &doctor).await {
                Ok(slots) => {
                    tickets += doctor.ticket_count(slots.len());
                    free.extend(slots);
                }
                Err(err) => return failure(err),
            }
        }
        list.push(json!({
            "id": id,
            "ferId": format!("{:0>3}", id),
            "name": name,
            "countFreeTicket": tickets,
            "countFreeParticipant": free.len(),
            "nearestDate": opt_wire_time(free.iter().min().copied()),
            "lastDate": opt_wire_time(free.iter().max().copied()),
        }));
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
    let today = demo.now().date();
    let mut list = Vec::new();
    for doctor in doctors {
        let free = match demo.free_slots(clinic, &doctor).await {
            Ok(free) => free,
            Err(err) => return failure(err),
        };
        let mut names = doctor.name.split_whitespace();
        list.push(json!({
            "id": doctor.id,
            "name": doctor.name,
            "ariaNumber": doctor.area,
            "comment": doctor.comment(today),
            // Some tickets are kept for other channels: only the participant count can be booked.
            "freeTicketCount": doctor.ticket_count(free.len()),
            "freeParticipantCount": free.len(),
            "nearestDate": opt_wire_time(free.first().copied()),
            "lastDate": opt_wire_time(free.last().copied()),
            "lastName": names.next(),
            "firstName": names.next(),
            "middleName": names.next(),
        }));
    }
    ok(list)
}

async fn slots(
    State(demo): State<DemoRegistry>,
    Path((lpu, doctor)): Path<(String, String)>,
) -> Answered {
    let (clinic, doctor) = clinic_doctor(&lpu, &doctor)?;
    let free = demo.free_slots(clinic, &doctor).await.map_err(failure)?;
    if free.is_empty() {
        return Err(refuse(39, "Нет свободных талонов"));
    }
    let room = clinic.room_of(&doctor.id);
    // Clinics' MIS differ: some number their slots and give the address, some do not.
    let numbered = clinic.id % 2 == 1;
    let address = match clinic.id % 5 {
        2 => json!(""),
        4 => Value::Null,
        _ => json!(clinic.address),
    };
    let minutes = chrono::Duration::minutes(doctor.visit_minutes());
    let list: Vec<Value> = free
        .into_iter()
        .enumerate()
        .map(|(n, at)| {
            json!({
                "id": doctor.slot_id(at),
                "visitStart": wire_time(at),
                "visitEnd": wire_time(at + minutes),
                "address": address,
                "number": if numbered { json!(n + 1) } else { Value::Null },
                "room": room,
            })
        })
        .collect();
    Ok(ok(list))
}

/// The doctor's timetable: reception hours day by day, closed days with their reason.
async fn timetable(
    State(demo): State<DemoRegistry>,
    Path((lpu, doctor)): Path<(String, String)>,
) -> Answered {
    let (_, doctor) = clinic_doctor(&lpu, &doctor)?;
    let days = doctor.timetable(demo.now().date());
    if days.is_empty() {
        return Err(unknown_schedule());
    }
    let list: Vec<Value> = days
        .into_iter()
        .map(|day| {
            json!({
                "visitStart": wire_time(day.visit_start),
                "visitEnd": opt_wire_time(day.visit_end),
                "recordableDay": day.recordable,
                "denyCause": day.deny_cause,
                "appointments": [],
            })
        })
        .collect();
    Ok(ok(list))
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
    let Some((doctor, at)) = clinic.slot(&request.appointment_id, request.visit_date) else {
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
        Ok(true) => {
            // Booked: a slow registry answers only now (a client that gave up meanwhile never hears it).
            if !demo.options.create_delay.is_zero() {
                tokio::time::sleep(demo.options.create_delay).await;
            }
            created()
        }
        Ok(false) => taken(),
        Err(err) => failure(err),
    }
}

/// The registry's id of a booking, as `/appointments` lists it and `/appointment/cancel` takes it: a number
/// of eight digits, stable per booking and unlike the slot's id.
pub fn appointment_id_of(booking_row: &str) -> String {
    (10_000_000 + demo_data::hash(&format!("booking:{booking_row}")) % 90_000_000).to_string()
}

async fn cancel(State(demo): State<DemoRegistry>, Json(request): Json<Value>) -> Answer {
    let Ok(request) = serde_json::from_value::<AppointmentCancel>(request) else {
        return refuse(3, "Неполные данные для отмены");
    };
    let not_found = || refuse(2, "Запись не найдена");
    let listed = match demo
        .store
        .demo_bookings_listed(request.lpu_id, &request.patient_id, i64::MIN)
        .await
    {
        Ok(listed) => listed,
        Err(err) => return failure(err),
    };
    // Only the booking's own id: the slot id it was made with names no booking here.
    let Some(listed) = listed
        .iter()
        .find(|listed| appointment_id_of(&listed.row_id) == request.appointment_id.trim())
    else {
        return not_found();
    };
    match demo
        .store
        .demo_cancel_row(request.lpu_id, &request.patient_id, &listed.row_id)
        .await
    {
        Ok(true) => ok(true),
        Ok(false) => not_found(),
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
    let bookings = match demo
        .store
        .demo_bookings_listed(clinic.id, &patient, now)
        .await
    {
        Ok(bookings) => bookings,
        Err(err) => return failure(err),
    };
    // As the live service lists them: `lpuId` a string, no patient's name, birth date or status.
    let list: Vec<Value> = bookings
        .into_iter()
        .map(|listed| {
            let b = listed.booking;
            let doctor = clinic.doctor(&b.doctor_id);
            json!({
                "appointmentId": appointment_id_of(&listed.row_id),
                "visitStart": wire_time(demo.local_of(b.visit_start)),
                "lpuId": clinic.id.to_string(),
                "lpuShortName": clinic.short,
                "lpuFullName": clinic.full,
                "lpuAddress": clinic.address,
                "lpuPhone": clinic.phone,
                "patientId": b.patient_id,
                "doctorRendingConsultation": {
                    "id": b.doctor_id,
                    "name": doctor.map(|d| d.name).unwrap_or_default(),
                },
                "specialityRendingConsultation": {
                    "id": b.specialty_id,
                    "name": clinic.specialty_name(&b.specialty_id).unwrap_or_default(),
                },
                "dateCreatedAppointment": wire_time(demo.local_of(listed.created_at)),
                "isAppointmentByReferral": false,
                "referralId": null,
            })
        })
        .collect();
    ok(list)
}
