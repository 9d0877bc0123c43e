//! The booking journey's screens, in the order the user meets them: specialties, doctors, days by week,
//! times, the confirmation card, and the steps that stop it (Gosuslugi first, a patient the clinic does not
//! know).

use chrono::NaiveDateTime;
use teloxide::types::InlineKeyboardButton;

use crate::bot::callback::Cb as AnyCb;
use crate::bot::ctx::{today, Ctx, Who};
use crate::bot::screen::{button, Screen};
use crate::i18n::{escape_html, Lang};
use crate::registry::{within_deadline, Clinic, Doctor, RegistryError, RegistryResult};
use crate::store::{ActivePerson, AppointmentDetails};
use crate::t;

use super::cb::Cb;
use super::identity::{gosuslugi_person, BookingIdentity};
use super::person::{age_check, other_people, ForWhom};
use super::schedule::*;
use super::state::{Choice, Chosen, Flow};
use crate::registry::listed;

/// Specialties on one page.
const SPECIALTIES_PER_PAGE: usize = 8;
/// Doctors on one page.
const DOCTORS_PER_PAGE: usize = 6;
/// Tokens stay below 2^53, like every id that travels in button data.
pub(super) const MAX_TOKEN: i64 = 1 << 53;

/// A booking button's data.
pub(in crate::bot) fn cb(inner: Cb) -> AnyCb {
    AnyCb::Booking(inner)
}

/// «Назад» under a booking screen.
pub(in crate::bot) fn back_button(lang: Lang) -> InlineKeyboardButton {
    button(t!(lang, "booking-btn-back"), cb(Cb::Back))
}

/// «Меню» under a booking screen.
pub(in crate::bot) fn menu_button(lang: Lang) -> InlineKeyboardButton {
    button(t!(lang, "btn-menu"), AnyCb::Menu)
}

// ---------------------------------------------------------------------------------------------------------
// Screens, in the order the user meets them

/// Why a screen could not be drawn: the registry (shown to the user as «временно недоступен») or anything
/// else (a handler error).
pub(in crate::bot) enum Failure {
    Registry(RegistryError),
    Other(anyhow::Error),
}

impl From<RegistryError> for Failure {
    fn from(err: RegistryError) -> Self {
        Failure::Registry(err)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Self {
        Failure::Other(err)
    }
}

pub(in crate::bot) type Drawn = Result<Screen, Failure>;

pub(in crate::bot) fn with_notice(notice: Option<String>, body: String) -> String {
    match notice {
        Some(notice) => format!("{notice}\n\n{body}"),
        None => body,
    }
}

pub(in crate::bot) async fn clinic_name(ctx: &Ctx, lpu_id: i64) -> RegistryResult<String> {
    Ok(within_deadline(ctx.registry.clinic(lpu_id))
        .await?
        .display_name()
        .to_owned())
}

pub(in crate::bot) async fn specialties_screen(
    ctx: &Ctx,
    lang: Lang,
    flow: &mut Flow,
    page: u32,
    notice: Option<String>,
) -> Drawn {
    let clinic = clinic_name(ctx, flow.clinic).await?;
    let list = listed(ctx.registry.specialties(flow.clinic)).await?;
    flow.keys = list.iter().map(|s| s.id.clone()).collect();
    if list.is_empty() {
        let body = t!(
            lang,
            "booking-specialties-empty",
            clinic = escape_html(&clinic)
        );
        return Ok(Screen::new(ctx, lang, with_notice(notice, body))
            .row(vec![back_button(lang)])
            .row(vec![menu_button(lang)]));
    }
    let pages = list.len().div_ceil(SPECIALTIES_PER_PAGE) as u32;
    let page = page.clamp(1, pages);
    let mut body = t!(
        lang,
        "booking-specialties-title",
        clinic = escape_html(&clinic)
    );
    if pages > 1 {
        body = format!(
            "{body}\n{}",
            t!(lang, "booking-page", page = page, pages = pages)
        );
    }
    let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
    let start = (page as usize - 1) * SPECIALTIES_PER_PAGE;
    for (n, specialty) in list
        .iter()
        .enumerate()
        .skip(start)
        .take(SPECIALTIES_PER_PAGE)
    {
        let label = t!(
            lang,
            "booking-specialty-label",
            name = specialty.name.clone(),
            free = specialty.count_free_participant
        );
        screen = screen.button(label, cb(Cb::Specialty(n as u16)));
    }
    let pager = crate::bot::screen::pager(page, pages)
        .into_iter()
        .map(|(label, to)| button(label, cb(Cb::SpecialtyPage(to))))
        .collect();
    Ok(screen
        .row(pager)
        .row(vec![back_button(lang), menu_button(lang)]))
}

pub(in crate::bot) async fn doctors_screen(
    ctx: &Ctx,
    who: &Who,
    flow: &mut Flow,
    specialty: &Choice,
    page: u32,
    notice: Option<String>,
) -> Drawn {
    let lang = who.lang;
    let list = listed(ctx.registry.doctors(flow.clinic, &specialty.id)).await?;
    flow.keys = list.iter().map(|d| d.id.clone()).collect();
    let specialty_name = escape_html(&specialty.name);
    // No doctor of the specialty has a slot a patient can book: offer to watch for them. The participant
    // count is the bookable one; the ticket count may hold slots nobody can take online.
    let offer = crate::bot::watch::offer(ctx, who.user_id, lang, flow.clinic, &flow.step).await;
    let watch = offer.button.clone();
    if list.is_empty() {
        let body = t!(lang, "booking-doctors-empty", specialty = specialty_name);
        let screen = Screen::new(ctx, lang, with_notice(notice, offer.under(body)));
        return Ok(closing_rows(lang, screen, watch));
    }
    let pages = list.len().div_ceil(DOCTORS_PER_PAGE) as u32;
    let page = page.clamp(1, pages);
    let start = (page as usize - 1) * DOCTORS_PER_PAGE;
    let mut lines = vec![t!(
        lang,
        "booking-doctors-title",
        specialty = specialty_name
    )];
    if pages > 1 {
        lines.push(t!(lang, "booking-page", page = page, pages = pages));
    }
    let mut buttons = Vec::new();
    for (n, doctor) in list.iter().enumerate().skip(start).take(DOCTORS_PER_PAGE) {
        lines.extend(doctor_lines(lang, doctor));
        buttons.push(button(
            short_name(&doctor.full_name()),
            cb(Cb::Doctor(n as u16)),
        ));
    }
    let body = offer.under(lines.join("\n"));
    let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
    for pair in buttons.chunks(2) {
        screen = screen.row(pair.to_vec());
    }
    if list.iter().any(|d| d.free_participant_count > 0) {
        screen = screen.button(t!(lang, "booking-btn-soonest-any"), cb(Cb::Soonest));
    }
    let pager = crate::bot::screen::pager(page, pages)
        .into_iter()
        .map(|(label, to)| button(label, cb(Cb::DoctorPage(to))))
        .collect();
    Ok(closing_rows(lang, screen.row(pager), watch))
}

/// A doctor in the list: the name, the участок and the nearest free day, and the comment in a word or two
/// (absences matter before choosing).
fn doctor_lines(lang: Lang, doctor: &Doctor) -> Vec<String> {
    let area = match area_label(lang, doctor) {
        Some(area) => t!(lang, "booking-doctor-area", area = area),
        None => String::new(),
    };
    let nearest = match doctor
        .nearest_date
        .filter(|_| doctor.free_participant_count > 0)
    {
        Some(at) => t!(
            lang,
            "booking-doctor-nearest",
            date = day_label(lang, at.date())
        ),
        None => t!(lang, "booking-doctor-no-slots"),
    };
    let mut lines = vec![t!(
        lang,
        "booking-doctor-line",
        name = escape_html(&doctor.full_name()),
        area = area,
        nearest = nearest
    )];
    lines.extend(note_of(doctor, NOTE_IN_LIST));
    lines
}

/// «Назад» and «Меню», with the watch button above them when there is one.
pub(super) fn closing_rows(
    lang: Lang,
    mut screen: Screen,
    watch: Option<InlineKeyboardButton>,
) -> Screen {
    if let Some(watch) = watch {
        screen = screen.row(vec![watch]);
    }
    screen.row(vec![back_button(lang), menu_button(lang)])
}

/// Whom the booking is for, as the confirmation names them.
pub(in crate::bot) async fn person_label(
    ctx: &Ctx,
    user_id: i64,
    lang: Lang,
) -> anyhow::Result<String> {
    Ok(match ctx.store.active_person(user_id).await? {
        ActivePerson::Child(child) => child.full_name().full().to_owned(),
        ActivePerson::Me => match gosuslugi_person(ctx, user_id).await? {
            Some(BookingIdentity {
                name: Some(name), ..
            }) => name.full().to_owned(),
            _ => t!(lang, "person-me"),
        },
    })
}

/// The clinic's card, when the registry describes it; it only adds to what the slot says (the clinic's
/// name, phone, map pin and kind): no booking step waits on it.
pub(in crate::bot) async fn described_clinic(ctx: &Ctx, lpu_id: i64) -> Option<Clinic> {
    match within_deadline(ctx.registry.clinic(lpu_id)).await {
        Ok(clinic) => Some(clinic),
        Err(err) => {
            crate::bot::screen::log_registry_error("booking", &err);
            None
        }
    }
}

/// The details a booking would store: who, doctor, clinic (from its card, see [`described_clinic`]),
/// address, room, local time.
pub(in crate::bot) async fn booking_details(
    ctx: &Ctx,
    who: &Who,
    clinic: Option<&Clinic>,
    chosen: &Chosen,
) -> anyhow::Result<AppointmentDetails> {
    let slot = &chosen.slot;
    let address = crate::visits::autobook::visit_address(slot.address.as_deref(), clinic);
    Ok(AppointmentDetails {
        person: person_label(ctx, who.user_id, who.lang).await?,
        doctor: chosen.doctor.name.clone(),
        specialty: chosen.specialty.name.clone(),
        clinic: clinic
            .map(|c| c.display_name().to_owned())
            .unwrap_or_default(),
        address,
        room: slot.room.clone().filter(|r| !r.trim().is_empty()),
        phone: clinic.and_then(|c| c.phone.clone()),
        latitude: clinic.and_then(|c| c.latitude),
        longitude: clinic.and_then(|c| c.longitude),
        local_time: slot.start.format("%Y-%m-%dT%H:%M:%S").to_string(),
        local_end: slot
            .end
            .filter(|end| *end > slot.start)
            .map(|end| end.format("%Y-%m-%dT%H:%M:%S").to_string()),
    })
}

/// The registry's local time as a Unix instant, through `REGION_TZ`.
pub(in crate::bot) fn to_unix(ctx: &Ctx, local: NaiveDateTime) -> i64 {
    crate::visits::to_unix(ctx.settings.region_tz, local)
}

/// The confirmation card of `chosen`: the visit, who it is for (with the age rules' warnings), «Подтвердить»
/// carrying `token`, and the same time for someone else.
pub(in crate::bot) async fn confirm_screen(
    ctx: &Ctx,
    who: &Who,
    lpu_id: i64,
    chosen: &Chosen,
    token: i64,
    notice: Option<String>,
) -> Drawn {
    let lang = who.lang;
    let clinic = described_clinic(ctx, lpu_id).await;
    let details = booking_details(ctx, who, clinic.as_ref(), chosen).await?;
    let slot = &chosen.slot;
    let now = ctx.clock.now().timestamp();
    let person = ForWhom::active(ctx, who).await?;
    // The kind only enriches the card: a clinic the registry does not describe is checked by specialty.
    let kind = clinic.as_ref().and_then(|clinic| clinic.kind.as_deref());
    let check = age_check(
        lang,
        &person,
        kind,
        &chosen.specialty.name,
        today(ctx),
        slot.start.date(),
    );
    let hint = match check.mismatch {
        true => t!(lang, "booking-confirm-hint-anyway"),
        false => t!(lang, "booking-confirm-hint"),
    };
    let mut text = crate::bot::visit::titled_visit(
        lang,
        t!(lang, "booking-confirm-title"),
        &details,
        to_unix(ctx, slot.start),
        ctx.settings.region_tz,
        now,
        Some(hint),
    );
    if !check.warnings.is_empty() {
        text = format!("{text}\n\n{}", check.warnings.join("\n\n"));
    }
    let confirm = match check.mismatch {
        true => t!(lang, "booking-btn-confirm-anyway"),
        false => t!(lang, "booking-btn-confirm"),
    };
    let mut screen =
        Screen::new(ctx, lang, with_notice(notice, text)).button(confirm, cb(Cb::Confirm(token)));
    for pair in other_people(ctx, who, &person).await?.chunks(2) {
        screen = screen.row(pair.to_vec());
    }
    if check.mismatch {
        screen = screen.button(t!(lang, "booking-btn-other-clinic"), cb(Cb::OtherClinic));
    }
    Ok(screen.row(vec![back_button(lang), menu_button(lang)]))
}

/// Gosuslugi first: the login button (a fresh single-use state) and «Продолжить» for after the login. With
/// `ESIA_URL=off`, «заполните свои данные» and the button to «Мои данные», which comes back here.
pub(in crate::bot) async fn need_gosuslugi_screen(
    ctx: &Ctx,
    who: &Who,
    notice: Option<String>,
) -> Drawn {
    let lang = who.lang;
    if !ctx.settings.esia.is_on() {
        return Ok(Screen::new(
            ctx,
            lang,
            with_notice(notice, t!(lang, "booking-need-self")),
        )
        .button(
            t!(lang, "booking-btn-fill-self"),
            AnyCb::Me(crate::bot::me::Cb::Fill),
        )
        .row(vec![back_button(lang), menu_button(lang)]));
    }
    let body = match gosuslugi_person(ctx, who.user_id).await? {
        Some(identity) if !identity.trusted => t!(lang, "booking-need-confirmed"),
        Some(_) => t!(lang, "booking-need-identity"),
        None => t!(lang, "booking-need-gosuslugi"),
    };
    let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
    if let Some(login) = crate::bot::gosuslugi::login_button(ctx, who).await? {
        screen = screen.row(vec![login]);
        screen = crate::bot::gosuslugi::with_demo_login(ctx, lang, screen);
    }
    Ok(screen
        .button(t!(lang, "booking-btn-resume"), cb(Cb::Resume))
        .row(vec![back_button(lang), menu_button(lang)]))
}

pub(in crate::bot) fn not_found_screen(ctx: &Ctx, lang: Lang) -> Screen {
    Screen::new(ctx, lang, t!(lang, "booking-patient-not-found"))
        .button(t!(lang, "booking-btn-other-clinic"), cb(Cb::OtherClinic))
        .row(vec![back_button(lang), menu_button(lang)])
}
