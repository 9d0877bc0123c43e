//! The registry's HTTP client against a local mock (wiremock): every endpoint's parsing, the envelope's
//! error classes, timeouts, retries, caching, URL-encoding; and the demo registry read through the client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use kvrachu_bot::domain::{BirthDate, FullName};
use kvrachu_bot::registry::{
    self, AppointmentCancel, AppointmentCreate, HttpRegistry, HttpRegistryConfig, PatientQuery,
    PolicyQuery, Registry, RegistryError, TimetableDay,
};
use kvrachu_bot::store::{DataKey, Store};
use serde_json::{json, Value};
use tokio::sync::watch;
use url::Url;
use wiremock::matchers::{body_partial_json, header, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn config(server: &MockServer) -> HttpRegistryConfig {
    let mut config =
        HttpRegistryConfig::new(format!("{}/_api/api/v2", server.uri()).parse().unwrap());
    config.connect_timeout = Duration::from_millis(300);
    config.request_timeout = Duration::from_millis(500);
    config.backoff = Duration::from_millis(5);
    config
}

fn client(server: &MockServer) -> HttpRegistry {
    HttpRegistry::new(config(server)).unwrap()
}

fn envelope(result: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "result": result, "success": true, "errorCode": 0, "message": null, "stackTrace": null,
        "requestId": "5f1c2a9e-1b7d-4c1e-9a55-0d3c3b1f2e77"
    }))
}

fn refusal(code: i64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "result": null, "success": false, "errorCode": code, "message": message,
        "stackTrace": "at N3.Health.Integration…", "requestId": "0c1d"
    }))
}

const API: &str = "/_api/api/v2";

async fn mount(server: &MockServer, p: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(format!("{API}{p}")))
        .respond_with(response)
        .mount(server)
        .await;
}

fn policlinic_11() -> Value {
    json!({
        "id": 204,
        "description": "Взрослая поликлиника",
        "district": 1,
        "districtId": 1,
        "districtName": "г. Иркутск",
        "isActive": true,
        "lpuFullName": "ОГАУЗ \"Иркутская городская поликлиника № 11\"",
        "lpuShortName": "Поликлиника № 11",
        "lpuType": "Поликлиника взрослая",
        "oid": "1.2.643.5.1.13.13.12.2.38.3576",
        "partOf": null,
        "headOrganization": null,
        "organization": null,
        "address": "г. Иркутск, ул. Ядринцева, 1",
        "phone": "+7 (3952) 29-11-11",
        "email": "gp11@irk.ru",
        "longitude": "104.3203",
        "latitude": "52.2589",
        "covidVaccination": false,
        "inDepthExamination": false,
        "subdivision": null
    })
}

#[tokio::test]
async fn districts_are_read_with_ids_as_strings_and_okato_as_number_or_null() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/shared/districts",
        envelope(json!([
            { "id": "1", "name": "г. Иркутск", "okato": 25401000000u64 },
            { "id": 2, "name": "Иркутский район", "okato": null },
            { "id": "3", "name": "Шелеховский район" }
        ])),
    )
    .await;
    let districts = client(&server).districts().await.unwrap();
    let got: Vec<_> = districts
        .iter()
        .map(|d| (d.id.as_str(), d.name.as_str(), d.okato))
        .collect();
    assert_eq!(
        got,
        vec![
            ("1", "г. Иркутск", Some(25_401_000_000)),
            ("2", "Иркутский район", None),
            ("3", "Шелеховский район", None)
        ]
    );
}

#[tokio::test]
async fn the_clinics_of_a_district_and_one_clinic_are_read_whole() {
    let server = MockServer::start().await;
    let mut sparse = policlinic_11();
    sparse["id"] = json!("205");
    sparse["phone"] = json!(null);
    sparse["longitude"] = json!("");
    sparse["latitude"] = json!("");
    sparse["isActive"] = json!(false);
    mount(
        &server,
        "/shared/district/1/lpus",
        envelope(json!([policlinic_11(), sparse])),
    )
    .await;
    mount(&server, "/shared/lpu/204", envelope(policlinic_11())).await;
    let registry = client(&server);

    let clinics = registry.clinics("1").await.unwrap();
    assert_eq!(clinics.len(), 2);
    let c = &clinics[0];
    assert_eq!(c.id, 204);
    assert_eq!(c.short_name, "Поликлиника № 11");
    assert_eq!(
        c.full_name,
        "ОГАУЗ \"Иркутская городская поликлиника № 11\""
    );
    assert_eq!(c.kind.as_deref(), Some("Поликлиника взрослая"));
    assert_eq!(c.district_id, Some(1));
    assert_eq!(c.address.as_deref(), Some("г. Иркутск, ул. Ядринцева, 1"));
    assert_eq!(c.phone.as_deref(), Some("+7 (3952) 29-11-11"));
    assert_eq!(c.coordinates(), Some((52.2589, 104.3203)));
    assert!(c.is_active);
    let s = &clinics[1];
    assert_eq!(
        (s.id, s.phone.clone(), s.coordinates(), s.is_active),
        (205, None, None, false)
    );

    assert_eq!(registry.clinic(204).await.unwrap(), clinics[0]);
}

#[tokio::test]
async fn attachment_sends_the_policy_number_and_series() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/oms/attachment/lpus")))
        .and(query_param("polisN", "123456"))
        .and(query_param("polisS", "ИРК"))
        .respond_with(envelope(json!([policlinic_11()])))
        .expect(1)
        .mount(&server)
        .await;
    let policy = PolicyQuery {
        number: "123456".into(),
        series: Some("ИРК".into()),
    };
    let clinics = client(&server).attached_clinics(&policy).await.unwrap();
    assert_eq!(clinics[0].id, 204);
}

#[tokio::test]
async fn specialties_doctors_and_slots_are_read() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/schedule/lpu/204/specialties",
        envelope(json!([{
            "id": "109", "ferId": "27", "name": "Терапевт", "countFreeTicket": 12,
            "countFreeParticipant": "12", "nearestDate": "2026-12-01T08:00:00", "lastDate": null
        }, {
            "id": 110, "ferId": null, "name": "Хирург", "countFreeTicket": null,
            "countFreeParticipant": 0, "nearestDate": "", "lastDate": "2026-12-14T17:40:00"
        }])),
    )
    .await;
    // The specialty id is URL-encoded in the path (path 6 says «speciality»).
    mount(
        &server,
        "/schedule/lpu/204/speciality/12%2F3%20%D0%B1/doctors",
        envelope(json!([{
            "id": "ab-17", "name": "Смирнова Елена Викторовна", "ariaNumber": 14, "comment": null,
            "freeTicketCount": 5, "freeParticipantCount": 5, "nearestDate": "2026-12-01T08:00:00",
            "lastDate": "2026-12-10T11:40:00"
        }])),
    )
    .await;
    mount(
        &server,
        "/schedule/lpu/204/doctor/ab-17/appointments",
        envelope(json!([{
            "id": "738_2026-12-01_09:30:00", "visitStart": "2026-12-01T09:30:00",
            "visitEnd": "2026-12-01T09:50:00", "address": "ул. Ядринцева, 1", "number": 3, "room": "214"
        }, {
            "id": "x".repeat(120), "visitStart": "2026-12-01T10:00:00", "visitEnd": null,
            "address": null, "number": null, "room": ""
        }])),
    )
    .await;
    let registry = client(&server);

    let specialties = registry.specialties(204).await.unwrap();
    assert_eq!(specialties[0].id, "109");
    assert_eq!(specialties[0].fer_id.as_deref(), Some("27"));
    assert_eq!(specialties[0].count_free_participant, 12);
    assert_eq!(
        specialties[0].nearest_date.unwrap().to_string(),
        "2026-12-01 08:00:00"
    );
    assert_eq!(specialties[1].id, "110");
    assert_eq!(
        (
            specialties[1].count_free_ticket,
            specialties[1].nearest_date
        ),
        (0, None)
    );

    let doctors = registry.doctors(204, "12/3 б").await.unwrap();
    assert_eq!(doctors[0].id, "ab-17");
    assert_eq!(doctors[0].name, "Смирнова Елена Викторовна");
    assert_eq!(doctors[0].aria_number.as_deref(), Some("14"));
    assert_eq!(doctors[0].free_ticket_count, 5);

    let slots = registry.slots(204, "ab-17").await.unwrap();
    assert_eq!(slots[0].id, "738_2026-12-01_09:30:00");
    assert_eq!(slots[0].visit_start.to_string(), "2026-12-01 09:30:00");
    assert_eq!(slots[0].number.as_deref(), Some("3"));
    assert_eq!(slots[0].room.as_deref(), Some("214"));
    assert_eq!(slots[1].id.len(), 120);
    assert_eq!(slots[1].room, None);
}

fn patient() -> (FullName, BirthDate) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    (
        FullName::parse("Иванова Мария Петровна").unwrap(),
        BirthDate::parse("05.03.1988", today).unwrap(),
    )
}

#[tokio::test]
async fn patient_search_sends_both_date_forms_and_reads_the_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/patient/search")))
        .and(query_param("lpuId", "204"))
        .and(query_param("lastName", "Иванова"))
        .and(query_param("firstName", "Мария"))
        .and(query_param("middleName", "Петровна"))
        .and(query_param("birthdate", "1988-03-05T00:00:00"))
        .and(query_param("birthdateValue", "05.03.1988"))
        .respond_with(envelope(json!("4412783")))
        .expect(2)
        .mount(&server)
        .await;
    let (name, birth_date) = patient();
    let query = PatientQuery {
        lpu_id: 204,
        name,
        birth_date,
    };
    let registry = client(&server);
    assert_eq!(registry.find_patient(&query).await.unwrap(), "4412783");
    // Never cached: a second search asks again.
    assert_eq!(registry.find_patient(&query).await.unwrap(), "4412783");
}

#[tokio::test]
async fn a_patient_not_found_is_a_refusal_with_the_registrys_words() {
    let server = MockServer::start().await;
    mount(&server, "/patient/search", refusal(1, "Пациент не найден")).await;
    let (name, birth_date) = patient();
    let err = client(&server)
        .find_patient(&PatientQuery {
            lpu_id: 204,
            name,
            birth_date,
        })
        .await
        .unwrap_err();
    assert_eq!(
        err,
        RegistryError::Business {
            code: 1,
            message: Some("Пациент не найден".into())
        }
    );
}

fn booking() -> AppointmentCreate {
    let (name, birth_date) = patient();
    let slot: registry::Slot = serde_json::from_value(json!({
        "id": "738_2026-12-01_09:30:00", "visitStart": "2026-12-01T09:30:00",
        "address": "ул. Ядринцева, 1", "room": "214"
    }))
    .unwrap();
    AppointmentCreate::new(
        204,
        "4412783".into(),
        &slot,
        &name,
        birth_date,
        Some("1000299353".into()),
    )
}

#[tokio::test]
async fn booking_posts_the_contracts_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/appointment/create")))
        .and(body_partial_json(json!({
            "lpuId": 204,
            "patientId": "4412783",
            "appointmentId": "738_2026-12-01_09:30:00",
            "patientLastName": "Иванова",
            "patientFirstName": "Мария",
            "patientMiddleName": "Петровна",
            "patientBirthdate": "1988-03-05T00:00:00",
            "esiaId": "1000299353",
            "room": "214",
            "address": "ул. Ядринцева, 1",
            "visitDate": "2026-12-01T09:30:00"
        })))
        .respond_with(envelope(Value::Null))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).book(&booking()).await.unwrap();
}

#[tokio::test]
async fn a_taken_slot_is_a_refusal_and_a_booking_is_never_repeated_after_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/appointment/create")))
        .respond_with(refusal(2, "Талон уже занят"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let registry = client(&server);
    assert_eq!(
        registry.book(&booking()).await.unwrap_err(),
        RegistryError::Business {
            code: 2,
            message: Some("Талон уже занят".into())
        }
    );

    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/appointment/create")))
        .respond_with(envelope(Value::Null).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&slow)
        .await;
    let err = client(&slow).book(&booking()).await.unwrap_err();
    assert_eq!(err, RegistryError::Transient("timeout".into()));
}

#[tokio::test]
async fn cancel_posts_ids_and_appointments_are_read() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/appointment/cancel")))
        .and(body_partial_json(json!({
            "lpuId": 204, "patientId": "4412783", "appointmentId": "738_2026-12-01_09:30:00"
        })))
        .respond_with(envelope(json!(true)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/appointments")))
        .and(query_param("lpuId", "204"))
        .and(query_param("patientId", "4412783"))
        .respond_with(envelope(json!([{
            "appointmentId": "738_2026-12-01_09:30:00",
            "visitStart": "2026-12-01T09:30:00",
            "lpuId": 204,
            "lpuShortName": "Поликлиника № 11",
            "lpuAddress": "г. Иркутск, ул. Ядринцева, 1",
            "lpuPhone": "+7 3952 29-11-11",
            "patientId": "4412783",
            "patientFullName": "Иванова Мария Петровна",
            "patientBirthDate": "1988-03-05T00:00:00",
            "doctorRendingConsultation": { "id": "ab-17", "name": "Смирнова Елена Викторовна", "ariaNumber": null },
            "specialityRendingConsultation": { "id": "109", "name": "Терапевт", "ferId": "27" },
            "status": "Записан",
            "isAppointmentByReferral": false
        }])))
        .mount(&server)
        .await;
    let registry = client(&server);
    registry
        .cancel(&AppointmentCancel {
            lpu_id: 204,
            patient_id: "4412783".into(),
            appointment_id: "738_2026-12-01_09:30:00".into(),
            esia_id: None,
        })
        .await
        .unwrap();
    let list = registry.appointments(204, "4412783").await.unwrap();
    assert_eq!(list.len(), 1);
    let a = &list[0];
    assert_eq!(a.visit_start.to_string(), "2026-12-01 09:30:00");
    assert_eq!(a.doctor.as_ref().unwrap().name, "Смирнова Елена Викторовна");
    assert_eq!(a.specialty.as_ref().unwrap().id, "109");
    assert_eq!(a.lpu_phone.as_deref(), Some("+7 3952 29-11-11"));
    assert_eq!(a.status.as_deref(), Some("Записан"));
}

#[tokio::test]
async fn the_empty_codes_mean_an_empty_list() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/schedule/lpu/1/specialties",
        refusal(37, "Нет специальностей"),
    )
    .await;
    mount(
        &server,
        "/schedule/lpu/1/speciality/9/doctors",
        refusal(38, "Нет врачей"),
    )
    .await;
    mount(
        &server,
        "/schedule/lpu/1/doctor/5/appointments",
        refusal(39, "Нет талонов"),
    )
    .await;
    mount(
        &server,
        "/schedule/lpu/1/doctor/6/appointments",
        refusal(645, "Расписание не найдено"),
    )
    .await;
    let registry = client(&server);
    assert_eq!(registry.specialties(1).await, Err(RegistryError::Empty(37)));
    assert_eq!(
        registry.doctors(1, "9").await,
        Err(RegistryError::Empty(38))
    );
    assert_eq!(registry.slots(1, "5").await, Err(RegistryError::Empty(39)));
    assert_eq!(registry.slots(1, "6").await, Err(RegistryError::Empty(645)));
    use kvrachu_bot::registry::OrEmpty;
    assert_eq!(registry.slots(1, "5").await.or_empty(), Ok(vec![]));
}

#[tokio::test]
async fn transient_codes_are_tried_three_times_then_reported() {
    for code in [602, 603, 616, 660] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(format!("{API}/shared/districts")))
            .respond_with(refusal(code, "МИС не отвечает"))
            .expect(3)
            .mount(&server)
            .await;
        assert_eq!(
            client(&server).districts().await,
            Err(RegistryError::Transient(format!("code {code}")))
        );
    }
}

#[tokio::test]
async fn another_code_is_a_refusal_and_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/shared/districts")))
        .respond_with(refusal(500_100, "Что-то иное"))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).districts().await,
        Err(RegistryError::Business {
            code: 500_100,
            message: Some("Что-то иное".into())
        })
    );
}

#[tokio::test]
async fn a_5xx_is_transient_and_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/shared/districts")))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .expect(3)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).districts().await,
        Err(RegistryError::Transient("HTTP 502".into()))
    );
}

#[tokio::test]
async fn a_retry_that_succeeds_on_the_second_try_returns_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/shared/districts")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/shared/districts")))
        .respond_with(envelope(json!([{ "id": "1", "name": "г. Иркутск" }])))
        .expect(1)
        .mount(&server)
        .await;
    let districts = client(&server).districts().await.unwrap();
    assert_eq!(districts[0].name, "г. Иркутск");
}

#[tokio::test]
async fn a_slow_registry_times_out_as_transient() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/shared/districts")))
        .respond_with(envelope(json!([])).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.max_tries = 2;
    let registry = HttpRegistry::new(config).unwrap();
    let started = Instant::now();
    assert_eq!(
        registry.districts().await,
        Err(RegistryError::Transient("timeout".into()))
    );
    // Two tries of 0.5 s, far less than the 3 s the server would take.
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut config = HttpRegistryConfig::new(format!("http://{addr}/api").parse().unwrap());
    config.backoff = Duration::from_millis(1);
    let err = HttpRegistry::new(config)
        .unwrap()
        .districts()
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}

#[tokio::test]
async fn malformed_json_is_reported_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/shared/districts")))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"result\": [ {\"id\": "))
        .expect(1)
        .mount(&server)
        .await;
    mount(
        &server,
        "/shared/district/1/lpus",
        envelope(json!({"not": "a list"})),
    )
    .await;
    let registry = client(&server);
    assert!(matches!(
        registry.districts().await,
        Err(RegistryError::Malformed(_))
    ));
    assert!(matches!(
        registry.clinics("1").await,
        Err(RegistryError::Malformed(_))
    ));
}

#[tokio::test]
async fn an_unreadable_item_is_skipped_but_the_rest_of_the_list_is_kept() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/shared/district/1/lpus",
        envelope(json!([policlinic_11(), { "lpuShortName": "без id" }])),
    )
    .await;
    let clinics = client(&server).clinics("1").await.unwrap();
    assert_eq!(clinics.len(), 1);
}

#[tokio::test]
async fn a_descriptive_user_agent_is_sent() {
    let server = MockServer::start().await;
    let expected = format!(
        "kvrachu-bot/{} (Telegram bot for booking doctors; Irkutskaya oblast)",
        env!("CARGO_PKG_VERSION")
    );
    Mock::given(method("GET"))
        .and(header("user-agent", expected.as_str()))
        .respond_with(envelope(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let registry = client(&server);
    assert_eq!(registry.config().region_name, "Иркутская область");
    assert_eq!(registry.user_agent(), expected);
    registry.districts().await.unwrap();
}

#[tokio::test]
async fn the_user_agent_names_the_configured_region_in_ascii() {
    let server = MockServer::start().await;
    let expected = format!(
        "kvrachu-bot/{} (Telegram bot for booking doctors; Sankt-Peterburg)",
        env!("CARGO_PKG_VERSION")
    );
    Mock::given(method("GET"))
        .and(header("user-agent", expected.as_str()))
        .respond_with(envelope(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.region_name = "Санкт-Петербург".into();
    let registry = HttpRegistry::new(config).unwrap();
    assert_eq!(registry.user_agent(), expected);
    registry.districts().await.unwrap();
    assert_eq!(
        registry::http::user_agent("Санкт-Петербург"),
        registry.user_agent()
    );
}

#[tokio::test]
async fn reference_data_is_cached_and_slots_only_briefly() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/shared/districts")))
        .respond_with(envelope(json!([{ "id": "1", "name": "г. Иркутск" }])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/schedule/lpu/1/doctor/5/appointments")))
        .respond_with(envelope(json!([])))
        .expect(2)
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.slots_ttl = Duration::from_millis(100);
    let registry = HttpRegistry::new(config).unwrap();
    for _ in 0..3 {
        registry.districts().await.unwrap();
    }
    registry.slots(1, "5").await.unwrap();
    registry.slots(1, "5").await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    registry.slots(1, "5").await.unwrap();
}

/// Counts the requests a local registry is answering at once, and the most seen.
#[derive(Clone, Copy, Debug, Default)]
struct InFlight {
    now: usize,
    max: usize,
}

/// Takes a request off the count when its handler ends, answered or dropped (the client gave up).
struct Leaving(watch::Sender<InFlight>);

impl Drop for Leaving {
    fn drop(&mut self) {
        self.0.send_modify(|flight| flight.now -= 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_requests_than_allowed_are_in_flight_at_once() {
    use axum::extract::State;
    use axum::routing::get;

    const LIMIT: usize = 2;
    // A slow registry that counts what it is answering. Each request is held until the limit has been
    // reached (so reaching it does not depend on timing), then 0.1 s longer: time for a client that let
    // more through to show it.
    let flight = watch::Sender::new(InFlight::default());
    let router = axum::Router::new()
        .route(
            &format!("{API}/schedule/lpu/1/doctor/{{doctor}}/appointments"),
            get(|State(flight): State<watch::Sender<InFlight>>| async move {
                flight.send_modify(|f| {
                    f.now += 1;
                    f.max = f.max.max(f.now);
                });
                let _leaving = Leaving(flight.clone());
                // Bounded only so that a client that never reaches the limit fails the assertion
                // below instead of timing out.
                let mut seen = flight.subscribe();
                let reached = seen.wait_for(|f| f.max >= LIMIT);
                let _ = tokio::time::timeout(Duration::from_secs(5), reached).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
                axum::Json(json!({ "result": [], "success": true, "errorCode": 0 }))
            }),
        )
        .with_state(flight.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}{API}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });

    let mut config = HttpRegistryConfig::new(base.parse().unwrap());
    config.max_concurrency = LIMIT;
    config.slots_ttl = Duration::ZERO;
    // One try each: a retry would be a second request of the same call.
    config.max_tries = 1;
    let registry = Arc::new(HttpRegistry::new(config).unwrap());
    let calls: Vec<_> = (0..6)
        .map(|n| {
            let registry = registry.clone();
            tokio::spawn(async move { registry.slots(1, &n.to_string()).await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), []);
    }
    let flight = *flight.borrow();
    assert_eq!(flight.max, LIMIT, "{flight:?}");
    assert_eq!(flight.now, 0, "{flight:?}");
}

// The demo registry, served the way the bot serves it and read through the same client.

async fn demo() -> (HttpRegistry, Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = Store::connect(&url, &DataKey::generate()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().nest(
        registry::demo::PATH,
        registry::demo::router(store.clone(), chrono_tz::Asia::Irkutsk),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    let client = HttpRegistry::new(HttpRegistryConfig::new(registry::demo_url(addr))).unwrap();
    (client, store, dir)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_has_the_seeds_ten_districts_and_forty_clinics() {
    let (registry, _store, _dir) = demo().await;
    let names: Vec<String> = registry
        .districts()
        .await
        .unwrap()
        .into_iter()
        .map(|d| format!("{} {}", d.id, d.name))
        .collect();
    assert_eq!(
        names,
        [
            "1 г. Иркутск",
            "2 Иркутский район",
            "3 Шелеховский район",
            "4 г. Ангарск",
            "5 г. Усолье-Сибирское",
            "6 Усольский район",
            "7 г. Братск",
            "8 Братский район",
            "9 г. Усть-Илимск",
            "10 Усть-Илимский район"
        ]
    );
    let mut total = 0;
    for id in 1..=10 {
        total += registry.clinics(&id.to_string()).await.unwrap().len();
    }
    assert!(total >= 40, "{total}");
    let clinic = registry.clinic(111).await.unwrap();
    assert_eq!(
        clinic.full_name,
        "ОГАУЗ \"Иркутская городская поликлиника № 11\""
    );
    assert!(clinic.phone.unwrap().starts_with("+7 3952"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_demo_booking_takes_the_slot_shows_in_appointments_and_cancelling_frees_it() {
    let (registry, _store, _dir) = demo().await;
    let specialties = registry.specialties(111).await.unwrap();
    let therapist = specialties.iter().find(|s| s.name == "Терапевт").unwrap();
    assert!(therapist.count_free_participant > 0);
    let doctors = registry.doctors(111, &therapist.id).await.unwrap();
    let doctor = doctors
        .iter()
        .find(|d| d.free_participant_count > 0)
        .unwrap();
    let slots = registry.slots(111, &doctor.id).await.unwrap();
    let slot = slots[0].clone();

    let (name, birth_date) = patient();
    let patient_id = registry
        .find_patient(&PatientQuery {
            lpu_id: 111,
            name: name.clone(),
            birth_date,
        })
        .await
        .unwrap();
    let request = AppointmentCreate::new(111, patient_id.clone(), &slot, &name, birth_date, None);
    registry.book(&request).await.unwrap();

    let after = registry.slots(111, &doctor.id).await.or_else(|e| match e {
        RegistryError::Empty(39) => Ok(vec![]),
        other => Err(other),
    });
    assert!(!after.unwrap().iter().any(|s| s.id == slot.id));
    // The same slot cannot be booked twice.
    assert!(matches!(
        registry.book(&request).await,
        Err(RegistryError::Business { code: 2, .. })
    ));

    // Listed as the live service lists it: under its own id, not the slot's; known by clinic, doctor and
    // start.
    let list = registry.appointments(111, &patient_id).await.unwrap();
    assert_eq!(list.len(), 1);
    let booked = &list[0];
    assert_ne!(booked.appointment_id, slot.id);
    assert!(
        booked.appointment_id.len() == 8
            && booked.appointment_id.bytes().all(|b| b.is_ascii_digit()),
        "{}",
        booked.appointment_id
    );
    assert_eq!(booked.lpu_id, Some(111));
    assert_eq!(booked.visit_start, slot.visit_start);
    assert_eq!(booked.doctor.as_ref().unwrap().id, doctor.id);
    assert_eq!(booked.doctor.as_ref().unwrap().name, doctor.name);
    assert_eq!(booked.specialty.as_ref().unwrap().name, "Терапевт");
    assert_eq!(booked.patient_id.as_deref(), Some(patient_id.as_str()));
    assert_eq!(booked.patient_full_name, None);
    assert_eq!(booked.status, None);
    assert!(booked.created_at.is_some());
    // Stable: asked again, the same id.
    assert_eq!(
        registry.appointments(111, &patient_id).await.unwrap()[0].appointment_id,
        booked.appointment_id
    );

    // Cancel takes the booking's id; the slot id names no booking.
    let cancel = |appointment_id: &str| AppointmentCancel {
        lpu_id: 111,
        patient_id: patient_id.clone(),
        appointment_id: appointment_id.to_owned(),
        esia_id: None,
    };
    assert!(matches!(
        registry.cancel(&cancel(&slot.id)).await,
        Err(RegistryError::Business { code: 2, .. })
    ));
    assert_eq!(
        registry.appointments(111, &patient_id).await.unwrap().len(),
        1
    );
    registry
        .cancel(&cancel(&booked.appointment_id))
        .await
        .unwrap();
    assert!(registry
        .appointments(111, &patient_id)
        .await
        .unwrap()
        .is_empty());
    assert!(registry
        .slots(111, &doctor.id)
        .await
        .unwrap()
        .iter()
        .any(|s| s.id == slot.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_finds_a_plausible_patient_and_refuses_nonsense() {
    let (registry, _store, _dir) = demo().await;
    let (name, birth_date) = patient();
    let query = PatientQuery {
        lpu_id: 101,
        name,
        birth_date,
    };
    let first = registry.find_patient(&query).await.unwrap();
    assert_eq!(registry.find_patient(&query).await.unwrap(), first);
    let unknown_clinic = PatientQuery {
        lpu_id: 99_999,
        ..query
    };
    assert!(matches!(
        registry.find_patient(&unknown_clinic).await,
        Err(RegistryError::Business { code: 4, .. })
    ));
}

// What the live service really sends (the contract's "What the live service really sends").

/// A success envelope as the live service sends it: no `requestId`.
fn live(result: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "result": result, "success": true, "errorCode": 0, "message": null, "stackTrace": null
    }))
}

/// A refusal as the live service sends it: no `result`, a `requestId`.
fn live_refusal(code: i64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "success": false, "errorCode": code, "message": message, "stackTrace": null,
        "requestId": "8a3f0c2e-55d1-4f0b-9d7e-6b1e2f3a4c5d"
    }))
}

#[tokio::test]
async fn a_4xx_is_an_error_never_an_empty_list_and_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/shared/districts")))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"status": 404, "error": "Not Found", "path": "/shared/districts"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    // Even a 4xx whose body looks like an empty success.
    Mock::given(method("GET"))
        .and(path(format!("{API}/schedule/lpu/1/doctor/5/appointments")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "result": [], "success": true, "errorCode": 0, "message": null, "stackTrace": null
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/schedule/lpu/1/specialties")))
        .respond_with(ResponseTemplate::new(403).set_body_string(""))
        .expect(1)
        .mount(&server)
        .await;
    let registry = client(&server);
    assert_eq!(
        registry.districts().await,
        Err(RegistryError::Malformed("HTTP 404".into()))
    );
    assert_eq!(
        registry.slots(1, "5").await,
        Err(RegistryError::Malformed("HTTP 400".into()))
    );
    use kvrachu_bot::registry::OrEmpty;
    assert!(registry.specialties(1).await.or_empty().is_err());
}

#[tokio::test]
async fn a_2xx_body_that_is_not_an_envelope_is_malformed_never_an_empty_success() {
    let bodies = [
        json!({"status": 404, "error": "Not Found"}),
        json!([]),
        json!([{"id": "1", "name": "г. Иркутск"}]),
        json!("ok"),
        json!({"result": []}),
        json!(null),
    ];
    for body in bodies {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(format!("{API}/shared/districts")))
            .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
            .expect(1)
            .mount(&server)
            .await;
        let answer = client(&server).districts().await;
        assert!(
            matches!(answer, Err(RegistryError::Malformed(_))),
            "{body}: {answer:?}"
        );
    }
}

#[tokio::test]
async fn live_envelopes_read_an_unknown_district_as_empty_and_a_create_without_result_as_done() {
    let server = MockServer::start().await;
    mount(&server, "/shared/district/999/lpus", live(json!([]))).await;
    Mock::given(method("POST"))
        .and(path(format!("{API}/appointment/create")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true, "errorCode": 0, "message": null, "stackTrace": null
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount(
        &server,
        "/schedule/lpu/204/doctor/ab-17/appointments",
        live_refusal(
            39,
            "Запись на приём к врачу невозможна: нет свободных талонов",
        ),
    )
    .await;
    let registry = client(&server);
    assert_eq!(registry.clinics("999").await, Ok(vec![]));
    registry.book(&booking()).await.unwrap();
    assert_eq!(
        registry.slots(204, "ab-17").await,
        Err(RegistryError::Empty(39))
    );
}

/// A clinic of a district's list as the live service gives it (2025–26 type).
fn live_clinic(id: i64, short: &str) -> Value {
    json!({
        "id": id,
        "description": "Медицинская информационная система «Ариадна»",
        "districtId": 1,
        "districtName": "Адмиралтейский",
        "isActive": true,
        "lpuFullName": format!("СПб ГБУЗ «{short}»"),
        "lpuShortName": short,
        "lpuType": "Поликлиника",
        "oid": "1.2.643.5.1.13.13.12.2.78.8887",
        "partOf": null,
        "headOrganization": null,
        "organization": null,
        "address": "Садовая ул., д. 28-30 кор. 11",
        "phone": "+7 (812) 246-55-55",
        "email": "",
        "longitude": "30.326853",
        "latitude": "59.928138",
        "covidVaccination": false,
        "inDepthExamination": true,
        "subdivision": null
    })
}

#[tokio::test]
async fn a_clinic_is_found_in_the_district_lists_when_endpoint_3_fails() {
    for broken in [
        ResponseTemplate::new(404).set_body_json(json!({"status": 404, "error": "Not Found"})),
        ResponseTemplate::new(200).set_body_json(json!({"status": 404, "error": "Not Found"})),
        ResponseTemplate::new(200).set_body_string("<html>garbage</html>"),
        ResponseTemplate::new(503),
    ] {
        let server = MockServer::start().await;
        mount(
            &server,
            "/shared/districts",
            live(json!([
                { "id": "1", "name": "Адмиралтейский", "okato": 40262000000u64 },
                { "id": "2", "name": "Василеостровский", "okato": null }
            ])),
        )
        .await;
        mount(
            &server,
            "/shared/district/1/lpus",
            live(json!([live_clinic(15, "Поликлиника № 27")])),
        )
        .await;
        Mock::given(method("GET"))
            .and(path(format!("{API}/shared/district/2/lpus")))
            .respond_with(live(json!([
                live_clinic(31, "Городская поликлиника № 4"),
                live_clinic(32, "Детская поликлиника № 11")
            ])))
            // Read once: the lists are reference data, cached.
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(format!("^{API}/shared/lpu/")))
            .respond_with(broken)
            .mount(&server)
            .await;
        let registry = client(&server);

        // Not seen before: the districts' lists are walked; endpoint 3 is not needed.
        let clinic = registry.clinic(32).await.unwrap();
        assert_eq!(clinic.id, 32);
        assert_eq!(clinic.short_name, "Детская поликлиника № 11");
        assert_eq!(clinic.kind.as_deref(), Some("Поликлиника"));
        assert_eq!(registry.clinic(31).await.unwrap().id, 31);
        assert_eq!(registry.clinic(15).await.unwrap().id, 15);

        // Unknown anywhere: an error, not a panic and not a clinic.
        assert!(registry.clinic(99_999).await.is_err());
    }
}

#[tokio::test]
async fn a_clinic_seen_in_a_list_is_answered_without_asking_again() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{API}/oms/attachment/lpus")))
        .respond_with(live(json!([live_clinic(41, "Поликлиника № 38")])))
        .expect(1)
        .mount(&server)
        .await;
    for never in ["/shared/districts", "/shared/lpu/41"] {
        Mock::given(method("GET"))
            .and(path(format!("{API}{never}")))
            .respond_with(live(json!([])))
            .expect(0)
            .mount(&server)
            .await;
    }
    let registry = client(&server);
    let policy = PolicyQuery {
        number: "7853820830001234".into(),
        series: None,
    };
    let attached = registry.attached_clinics(&policy).await.unwrap();
    assert_eq!(registry.clinic(41).await.unwrap(), attached[0]);
}

#[tokio::test]
async fn endpoint_3_is_the_last_resort_for_a_clinic_in_no_list() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/shared/districts",
        live(json!([{ "id": "1", "name": "Адмиралтейский" }])),
    )
    .await;
    mount(
        &server,
        "/shared/district/1/lpus",
        live(json!([live_clinic(15, "Поликлиника № 27")])),
    )
    .await;
    mount(
        &server,
        "/shared/lpu/77",
        live(live_clinic(77, "Консультативно-диагностический центр")),
    )
    .await;
    // A clinic of another id is not the one asked for.
    mount(
        &server,
        "/shared/lpu/78",
        live(live_clinic(15, "Поликлиника № 27")),
    )
    .await;
    let registry = client(&server);
    assert_eq!(registry.clinic(77).await.unwrap().id, 77);
    assert!(matches!(
        registry.clinic(78).await,
        Err(RegistryError::Malformed(_))
    ));
}

#[tokio::test]
async fn a_district_list_that_cannot_be_read_is_reported_when_endpoint_3_fails_too() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/shared/districts",
        live(json!([{ "id": "1", "name": "Адмиралтейский" }])),
    )
    .await;
    mount(
        &server,
        "/shared/district/1/lpus",
        ResponseTemplate::new(502),
    )
    .await;
    mount(&server, "/shared/lpu/15", ResponseTemplate::new(404)).await;
    let err = client(&server).clinic(15).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}

#[tokio::test]
async fn live_doctors_slots_and_appointments_are_read() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/schedule/lpu/15/specialties",
        live(json!([{
            "id": "109", "ferId": "27", "name": "Терапевт", "countFreeTicket": 10,
            "countFreeParticipant": 1, "nearestDate": "2026-12-03T00:00:00",
            "lastDate": "2026-12-29T00:00:00"
        }])),
    )
    .await;
    mount(
        &server,
        "/schedule/lpu/15/speciality/109/doctors",
        live(json!([{
            "id": "п100.136",
            "name": "Антонова Е.В. 3 ТО 32 участок (с 24.02 по 10.03 без приема)",
            "ariaNumber": "",
            "comment": "с 01.12.2026 по 13.12.2026: Нетрудоспособность\r\nУчасток 32",
            "freeTicketCount": 2, "freeParticipantCount": 0,
            "nearestDate": "2026-12-14T09:30:00", "lastDate": "2026-12-29T17:45:00",
            "lastName": null, "firstName": null, "middleName": null
        }, {
            "id": 738, "name": "Смирнова Елена Викторовна", "ariaNumber": "14-д участок",
            "comment": "Командировки служебные",
            "freeTicketCount": 10, "freeParticipantCount": 1,
            "nearestDate": "2026-12-03T08:15:00", "lastDate": "2026-12-29T00:00:00",
            "lastName": "Смирнова", "firstName": "Елена", "middleName": "Викторовна"
        }, {
            "id": "2222", "name": "Петров П.П.", "ariaNumber": "10, 18, 19", "comment": ""
        }, {
            "id": "2223", "name": "Орлова О.О.", "ariaNumber": "1 Педиатрическое Отделение"
        }])),
    )
    .await;
    // The doctor id is not ASCII: it goes URL-encoded in the path.
    mount(
        &server,
        "/schedule/lpu/15/doctor/%D0%BF100.136/appointments",
        live(json!([{
            "id": "17.02.2025;10:30;п100.136", "visitStart": "2026-12-14T09:30:00",
            "visitEnd": "2026-12-14T09:45:00", "address": "", "number": null, "room": "212"
        }, {
            "id": "738_2023-04-11_09:30:00", "visitStart": "2026-12-14T09:45:00",
            "visitEnd": "2026-12-14T10:00:00", "address": null, "number": null, "room": null
        }, {
            "id": 1740984, "visitStart": "2026-12-14T10:00:00",
            "visitEnd": "2026-12-14T10:15:00", "address": "Садовая ул., д. 28-30", "number": 7,
            "room": "3"
        }])),
    )
    .await;
    mount(
        &server,
        "/appointments",
        live(json!([{
            "appointmentId": "14643472",
            "visitStart": "2026-12-14T09:30:00",
            "lpuId": "15",
            "lpuShortName": "Поликлиника № 27",
            "lpuFullName": "СПб ГБУЗ «Городская поликлиника № 27»",
            "lpuAddress": "Садовая ул., д. 28-30 кор. 11",
            "lpuPhone": "+7 (812) 246-55-55",
            "patientId": "4412783",
            "doctorRendingConsultation": {
                "id": "п100.136", "name": "Антонова Е.В.", "ariaNumber": "", "comment": null
            },
            "specialityRendingConsultation": { "id": "109", "name": "Терапевт", "ferId": "27" },
            "dateCreatedAppointment": "2026-11-30T12:01:13.483",
            "isAppointmentByReferral": false,
            "referralId": null
        }])),
    )
    .await;
    let registry = client(&server);

    let specialty = &registry.specialties(15).await.unwrap()[0];
    assert_eq!(
        (
            specialty.count_free_ticket,
            specialty.count_free_participant
        ),
        (10, 1)
    );
    assert_eq!(
        specialty.last_date.unwrap().to_string(),
        "2026-12-29 00:00:00"
    );

    let doctors = registry.doctors(15, "109").await.unwrap();
    assert_eq!(doctors.len(), 4);
    let antonova = &doctors[0];
    assert_eq!(antonova.id, "п100.136");
    assert_eq!(antonova.aria_number, None);
    assert_eq!(
        antonova.comment.as_deref(),
        Some("с 01.12.2026 по 13.12.2026: Нетрудоспособность\nУчасток 32")
    );
    assert_eq!(
        (antonova.free_ticket_count, antonova.free_participant_count),
        (2, 0)
    );
    assert_eq!(
        antonova.nearest_date.unwrap().to_string(),
        "2026-12-14 09:30:00"
    );
    assert_eq!(
        (
            antonova.last_name.clone(),
            antonova.first_name.clone(),
            antonova.middle_name.clone()
        ),
        (None, None, None)
    );
    let smirnova = &doctors[1];
    assert_eq!(smirnova.id, "738");
    assert_eq!(smirnova.aria_number.as_deref(), Some("14-д участок"));
    assert_eq!(smirnova.comment.as_deref(), Some("Командировки служебные"));
    assert_eq!(
        (
            smirnova.last_name.as_deref(),
            smirnova.first_name.as_deref(),
            smirnova.middle_name.as_deref()
        ),
        (Some("Смирнова"), Some("Елена"), Some("Викторовна"))
    );
    assert_eq!(doctors[2].aria_number.as_deref(), Some("10, 18, 19"));
    assert_eq!(doctors[2].comment, None);
    assert_eq!(
        doctors[3].aria_number.as_deref(),
        Some("1 Педиатрическое Отделение")
    );

    let slots = registry.slots(15, "п100.136").await.unwrap();
    let ids: Vec<&str> = slots.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "17.02.2025;10:30;п100.136",
            "738_2023-04-11_09:30:00",
            "1740984"
        ]
    );
    assert_eq!(
        (slots[0].address.clone(), slots[0].number.clone()),
        (None, None)
    );
    assert_eq!(slots[1].address, None);
    assert_eq!(slots[2].number.as_deref(), Some("7"));
    for slot in &slots {
        assert_eq!(
            (slot.visit_end.unwrap() - slot.visit_start).num_minutes(),
            15
        );
    }

    let list = registry.appointments(15, "4412783").await.unwrap();
    assert_eq!(list.len(), 1);
    let a = &list[0];
    assert_eq!(a.appointment_id, "14643472");
    assert_eq!(a.lpu_id, Some(15));
    assert_eq!(a.visit_start.to_string(), "2026-12-14 09:30:00");
    assert_eq!(a.doctor.as_ref().unwrap().id, "п100.136");
    assert_eq!(a.specialty.as_ref().unwrap().name, "Терапевт");
    assert_eq!(
        (
            a.patient_full_name.clone(),
            a.patient_birth_date,
            a.status.clone()
        ),
        (None, None, None)
    );
    assert_eq!(
        a.lpu_full_name.as_deref(),
        Some("СПб ГБУЗ «Городская поликлиника № 27»")
    );
    assert_eq!(a.created_at.unwrap().to_string(), "2026-11-30 12:01:13.483");
}

#[tokio::test]
async fn the_timetable_is_read_day_by_day_and_cached_like_slots() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "{API}/schedule/lpu/15/doctor/%D0%BF100.136/timetable"
        )))
        .respond_with(live(json!([{
            "visitStart": "2026-12-14T08:00:00", "visitEnd": "2026-12-14T12:00:00",
            "recordableDay": true, "denyCause": null,
            "appointments": [{ "id": "17.02.2025;10:30;п100.136", "visitStart": "2026-12-14T08:00:00" }]
        }, {
            "visitStart": "2026-12-15T00:00:00", "visitEnd": "2026-12-15T00:00:00",
            "recordableDay": false, "denyCause": "Отпуск"
        }, {
            "visitStart": "2026-12-20T00:00:00", "visitEnd": null,
            "recordableDay": "false", "denyCause": "Выходной", "appointments": null
        }, {
            "visitStart": "2026-12-21T14:00:00", "visitEnd": "2026-12-21T18:00:00"
        }, {
            "visitEnd": "2026-12-22T18:00:00", "recordableDay": true
        }])))
        .expect(1)
        .mount(&server)
        .await;
    mount(
        &server,
        "/schedule/lpu/15/doctor/9/timetable",
        live_refusal(645, "Расписание врача не найдено"),
    )
    .await;
    let registry = client(&server);
    let days = registry.timetable(15, "п100.136").await.unwrap();
    // The day without a start is skipped, the rest kept.
    assert_eq!(days.len(), 4);
    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    assert_eq!(
        days[0],
        TimetableDay {
            visit_start: at("2026-12-14 08:00"),
            visit_end: Some(at("2026-12-14 12:00")),
            recordable: true,
            deny_cause: None,
        }
    );
    assert!(!days[1].recordable);
    assert_eq!(days[1].deny_cause.as_deref(), Some("Отпуск"));
    assert_eq!(
        (
            days[2].recordable,
            days[2].deny_cause.as_deref(),
            days[2].visit_end
        ),
        (false, Some("Выходной"), None)
    );
    assert!(days[3].recordable);
    // Asked again within the slots' TTL: from the cache.
    assert_eq!(registry.timetable(15, "п100.136").await.unwrap(), days);
    assert_eq!(
        registry.timetable(15, "9").await,
        Err(RegistryError::Empty(645))
    );
}

// The demo registry behaves like the live service.

/// The demo registry served with `options`; the client's requests time out after `timeout`.
async fn demo_with(
    options: registry::demo::DemoOptions,
    timeout: Duration,
) -> (HttpRegistry, Url, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = Store::connect(&url, &DataKey::generate()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().nest(
        registry::demo::PATH,
        registry::demo::router_with(store, chrono_tz::Asia::Irkutsk, options),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    let base = registry::demo_url(addr);
    let mut config = HttpRegistryConfig::new(base.clone());
    config.request_timeout = timeout;
    config.slots_ttl = Duration::ZERO;
    (HttpRegistry::new(config).unwrap(), base, dir)
}

/// The first free slot of the demo clinic `lpu`: the specialty, the doctor and the slot.
async fn first_free_slot(
    registry: &HttpRegistry,
    lpu: i64,
) -> (registry::Specialty, registry::Doctor, registry::Slot) {
    for specialty in registry.specialties(lpu).await.unwrap() {
        if specialty.count_free_participant == 0 {
            continue;
        }
        for doctor in registry.doctors(lpu, &specialty.id).await.unwrap() {
            if doctor.free_participant_count > 0 {
                let slot = registry.slots(lpu, &doctor.id).await.unwrap().remove(0);
                return (specialty, doctor, slot);
            }
        }
    }
    panic!("no free slot in {lpu}");
}

async fn raw_post(base: &Url, path: &str, body: &Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}{path}", base.as_str().trim_end_matches('/')))
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn raw_get(base: &Url, path: &str) -> Value {
    reqwest::get(format!("{}{path}", base.as_str().trim_end_matches('/')))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_answers_in_the_live_envelopes() {
    let (registry, base, _dir) = demo_with(Default::default(), Duration::from_secs(20)).await;
    let (_, _, slot) = first_free_slot(&registry, 111).await;
    let (name, birth_date) = patient();
    let patient_id = registry
        .find_patient(&PatientQuery {
            lpu_id: 111,
            name: name.clone(),
            birth_date,
        })
        .await
        .unwrap();

    // A success: result, success, errorCode 0, message, stackTrace — no requestId.
    let districts = raw_get(&base, "/shared/districts").await;
    let mut keys: Vec<&String> = districts.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["errorCode", "message", "result", "stackTrace", "success"]
    );
    // Endpoint 3 answers nothing to rely on: a bare 404; the clinic is found in the district lists.
    let lpu = reqwest::get(format!(
        "{}/shared/lpu/111",
        base.as_str().trim_end_matches('/')
    ))
    .await
    .unwrap();
    assert_eq!(lpu.status(), reqwest::StatusCode::NOT_FOUND);
    assert_eq!(registry.clinic(111).await.unwrap().id, 111);
    // An unknown district: success with an empty list.
    assert_eq!(
        raw_get(&base, "/shared/district/999/lpus").await["result"],
        json!([])
    );

    // Create: no result at all.
    let request = AppointmentCreate::new(111, patient_id.clone(), &slot, &name, birth_date, None);
    let body = serde_json::to_value(&request).unwrap();
    let created = raw_post(&base, "/appointment/create", &body).await;
    assert_eq!(
        created,
        json!({"success": true, "errorCode": 0, "message": null, "stackTrace": null})
    );
    // An error: no result, a requestId.
    let refused = raw_post(&base, "/appointment/create", &body).await;
    let fields = refused.as_object().unwrap();
    assert_eq!(refused["success"], json!(false));
    assert_eq!(refused["errorCode"], json!(2));
    assert!(!fields.contains_key("result"), "{refused}");
    assert!(fields["requestId"].is_string(), "{refused}");
    assert_eq!(refused["stackTrace"], Value::Null);

    // The visit as /appointments lists it: lpuId a string, its own id, no patient's name or status.
    let listed = raw_get(
        &base,
        &format!("/appointments?lpuId=111&patientId={patient_id}"),
    )
    .await;
    let visit = &listed["result"][0];
    assert_eq!(visit["lpuId"], json!("111"));
    assert_ne!(visit["appointmentId"], json!(slot.id));
    for field in ["patientFullName", "patientBirthDate", "status"] {
        assert!(visit.get(field).is_none(), "{field}: {visit}");
    }
    for field in [
        "visitStart",
        "lpuShortName",
        "lpuAddress",
        "lpuPhone",
        "patientId",
        "specialityRendingConsultation",
    ] {
        assert!(!visit[field].is_null(), "{field}: {visit}");
    }
    assert!(visit["doctorRendingConsultation"]["id"].is_string());
    assert!(visit["doctorRendingConsultation"]["name"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_demo_create_books_before_it_answers() {
    let options = registry::demo::DemoOptions {
        create_delay: Duration::from_millis(1500),
        ..Default::default()
    };
    let (registry, _base, _dir) = demo_with(options, Duration::from_millis(500)).await;
    let (_, doctor, slot) = first_free_slot(&registry, 111).await;
    let (name, birth_date) = patient();
    let patient_id = registry
        .find_patient(&PatientQuery {
            lpu_id: 111,
            name: name.clone(),
            birth_date,
        })
        .await
        .unwrap();
    let request = AppointmentCreate::new(111, patient_id.clone(), &slot, &name, birth_date, None);
    // The client gives up before the answer (and does not try a booking again)…
    assert_eq!(
        registry.book(&request).await,
        Err(RegistryError::Transient("timeout".into()))
    );
    // …but the registry has the visit: the lost booking.
    let list = registry.appointments(111, &patient_id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].visit_start, slot.visit_start);
    assert_eq!(list[0].doctor.as_ref().unwrap().id, doctor.id);
    assert!(!registry
        .slots(111, &doctor.id)
        .await
        .or_else(|e| match e {
            RegistryError::Empty(_) => Ok(vec![]),
            other => Err(other),
        })
        .unwrap()
        .iter()
        .any(|s| s.id == slot.id));
}

#[test]
fn the_demos_create_delay_comes_from_the_environment() {
    use registry::demo::{DemoOptions, CREATE_DELAY_VAR};
    let with = |value: &str| {
        DemoOptions::from_lookup(|name| (name == CREATE_DELAY_VAR).then(|| value.to_owned()))
    };
    assert_eq!(with("25000").create_delay, Duration::from_secs(25));
    assert_eq!(with("soon").create_delay, Duration::ZERO);
    assert_eq!(
        DemoOptions::from_lookup(|_| None).create_delay,
        Duration::ZERO
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_shows_live_like_clinics_doctors_and_schedules() {
    let (registry, _base, _dir) = demo_with(Default::default(), Duration::from_secs(20)).await;
    let kinds: std::collections::BTreeSet<String> = registry
        .clinics("1")
        .await
        .unwrap()
        .into_iter()
        .filter_map(|c| c.kind)
        .collect();
    for kind in [
        "Поликлиника",
        "Детская поликлиника",
        "Стоматология",
        "Женская консультация",
        "Больница",
        "Психиатрия",
        "Детская психиатрия",
        "Дерматология и венерология",
    ] {
        assert!(kinds.contains(kind), "{kind}: {kinds:?}");
    }

    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Irkutsk)
        .date_naive();
    let (mut far, mut comments, mut more_tickets, mut minutes) =
        (false, 0, 0, std::collections::BTreeSet::new());
    let mut timetables = 0;
    for lpu in [111, 131, 171] {
        for specialty in registry.specialties(lpu).await.unwrap() {
            let doctors = registry.doctors(lpu, &specialty.id).await.unwrap();
            let participants: u32 = doctors.iter().map(|d| d.free_participant_count).sum();
            let tickets: u32 = doctors.iter().map(|d| d.free_ticket_count).sum();
            assert_eq!(specialty.count_free_participant, participants);
            assert_eq!(specialty.count_free_ticket, tickets);
            for doctor in &doctors {
                assert!(doctor.free_ticket_count >= doctor.free_participant_count);
                if doctor.free_ticket_count > doctor.free_participant_count {
                    more_tickets += 1;
                }
                if doctor.comment.is_some() {
                    comments += 1;
                }
                assert!(doctor.last_name.is_some() && doctor.first_name.is_some());
                // The bookable count is the slots a patient can book.
                let slots = registry.slots(lpu, &doctor.id).await.or_else(|e| match e {
                    RegistryError::Empty(_) => Ok(vec![]),
                    other => Err(other),
                });
                let slots = slots.unwrap();
                assert_eq!(
                    slots.len() as u32,
                    doctor.free_participant_count,
                    "{}",
                    doctor.id
                );
                for slot in &slots {
                    minutes.insert((slot.visit_end.unwrap() - slot.visit_start).num_minutes());
                    if slot.visit_start.date() >= today + chrono::Duration::days(20) {
                        far = true;
                    }
                }
                if let Some(last) = slots.last() {
                    assert_eq!(doctor.last_date, Some(last.visit_start));
                }
                match registry.timetable(lpu, &doctor.id).await {
                    Ok(days) => {
                        timetables += 1;
                        assert_eq!(days.len(), 30);
                        assert_eq!(days[0].visit_start.date(), today);
                        for slot in &slots {
                            let day = days
                                .iter()
                                .find(|d| d.visit_start.date() == slot.visit_start.date())
                                .unwrap();
                            assert!(day.recordable);
                            assert!(day.visit_start <= slot.visit_start);
                            assert!(slot.visit_end <= day.visit_end);
                        }
                        for day in days.iter().filter(|d| !d.recordable) {
                            assert!(day.deny_cause.is_some());
                        }
                    }
                    // A doctor without a schedule of their own (slots back from cancellations aside).
                    Err(RegistryError::Empty(645)) => {}
                    Err(other) => panic!("{other:?}"),
                }
            }
        }
    }
    assert!(far, "no slot three weeks ahead or more");
    assert!(comments > 0 && more_tickets > 0 && timetables > 0);
    assert_eq!(minutes, [15, 30].into_iter().collect());
}
