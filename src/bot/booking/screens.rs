//! The booking journey's screens, in the order the user meets them: specialties, doctors, days by week,
//! times, the confirmation card, and the steps that stop it (Gosuslugi first, a patient the clinic does not
//! know).

use super::*;

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

/// The screen of `flow`'s step, refreshing `flow.keys` (and a confirmation's token).
pub(in crate::bot) async fn render(
    ctx: &Ctx,
    who: &Who,
    flow: &mut Flow,
    notice: Option<String>,
) -> anyhow::Result<Screen> {
    let lang = who.lang;
    let drawn = match flow.step.clone() {
        Step::Specialties { page } => specialties_screen(ctx, lang, flow, page, notice).await,
        Step::Doctors { specialty, page } => {
            doctors_screen(ctx, who, flow, &specialty, page, notice).await
        }
        Step::Days {
            specialty,
            doctor,
            week,
        } => days_screen(ctx, who, flow, &specialty, &doctor, week, notice).await,
        Step::Times {
            specialty,
            doctor,
            day,
        } => times_screen(ctx, who, flow, &specialty, &doctor, day, notice).await,
        Step::Confirm {
            specialty,
            doctor,
            slot,
            ..
        } => {
            let token = rand::thread_rng().gen_range(1..MAX_TOKEN);
            flow.step = Step::Confirm {
                specialty: specialty.clone(),
                doctor: doctor.clone(),
                slot: slot.clone(),
                token,
            };
            flow.keys.clear();
            confirm_screen(
                ctx,
                who,
                flow.clinic,
                &specialty,
                &doctor,
                &slot,
                token,
                notice,
            )
            .await
        }
        Step::NeedGosuslugi { .. } => {
            flow.keys.clear();
            need_gosuslugi_screen(ctx, who, notice).await
        }
        Step::NotFound { .. } => {
            flow.keys.clear();
            Ok(not_found_screen(ctx, lang))
        }
    };
    match drawn {
        Ok(screen) => Ok(screen),
        Err(Failure::Registry(err)) => {
            crate::bot::screen::log_registry_error("booking", &err);
            Ok(crate::bot::screen::registry_failure(
                ctx,
                lang,
                &err,
                cb(Cb::Retry),
            ))
        }
        Err(Failure::Other(err)) => Err(err),
    }
}

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
    let list = specialties(ctx, flow.clinic).await?;
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
    let pager = clinics::pager(page, pages)
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
    let list = doctors(ctx, flow.clinic, &specialty.id).await?;
    flow.keys = list.iter().map(|d| d.id.clone()).collect();
    let specialty_name = escape_html(&specialty.name);
    // No doctor of the specialty has a slot a patient can book: offer to watch for them. The participant
    // count is the bookable one; the ticket count may hold slots nobody can take online.
    let watch = if list.iter().all(|d| d.free_participant_count == 0) {
        crate::bot::watch::toggle_button(ctx, who.user_id, lang, flow.clinic, &flow.step).await?
    } else {
        None
    };
    if list.is_empty() {
        let body = t!(lang, "booking-doctors-empty", specialty = specialty_name);
        let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
        if let Some(watch) = watch {
            screen = screen.row(vec![watch]);
        }
        return Ok(screen.row(vec![back_button(lang), menu_button(lang)]));
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
        lines.push(t!(
            lang,
            "booking-doctor-line",
            name = escape_html(&doctor.full_name()),
            area = area,
            nearest = nearest
        ));
        // The comment in a word or two: absences matter before choosing.
        if let Some(note) = note_of(doctor, NOTE_IN_LIST) {
            lines.push(note);
        }
        buttons.push(button(
            short_name(&doctor.full_name()),
            cb(Cb::Doctor(n as u16)),
        ));
    }
    let mut screen = Screen::new(ctx, lang, with_notice(notice, lines.join("\n")));
    for pair in buttons.chunks(2) {
        screen = screen.row(pair.to_vec());
    }
    let pager = clinics::pager(page, pages)
        .into_iter()
        .map(|(label, to)| button(label, cb(Cb::DoctorPage(to))))
        .collect();
    screen = screen.row(pager);
    if let Some(watch) = watch {
        screen = screen.row(vec![watch]);
    }
    Ok(screen.row(vec![back_button(lang), menu_button(lang)]))
}

/// «Иванов И. И.» from «Иванов Иван Иванович»; other shapes as they are.
pub(in crate::bot) fn short_name(full: &str) -> String {
    match FullName::parse(full) {
        Ok(name) => name.short(),
        Err(_) => full.trim().to_owned(),
    }
}

/// How much of a doctor's comment is shown: lines, characters.
pub(in crate::bot) const NOTE_IN_LIST: (usize, usize) = (1, 60);
pub(in crate::bot) const NOTE_ON_DOCTOR: (usize, usize) = (4, 300);

/// The doctor's участок as the registry wrote it, with the word only for bare numbers; escaped.
pub(in crate::bot) fn area_label(lang: Lang, doctor: &Doctor) -> Option<String> {
    match Area::parse(doctor.aria_number.as_deref()) {
        Area::None => None,
        Area::Numbers {
            numbers,
            many: false,
        } => Some(t!(lang, "booking-area-one", area = numbers)),
        Area::Numbers {
            numbers,
            many: true,
        } => Some(t!(lang, "booking-area-many", areas = numbers)),
        Area::AsWritten(text) => Some(escape_html(&text)),
    }
}

/// «ℹ️ <i>Командировки служебные</i>»: the doctor's comment shortened to `(lines, chars)`, escaped.
pub(in crate::bot) fn note_of(doctor: &Doctor, (lines, chars): (usize, usize)) -> Option<String> {
    let note = short_note(doctor.comment.as_deref(), lines, chars);
    if note.is_empty() {
        return None;
    }
    let note = note
        .iter()
        .map(|line| escape_html(line))
        .collect::<Vec<_>>()
        .join("\n");
    Some(format!("ℹ️ <i>{note}</i>"))
}

/// «пн 01.12».
pub(in crate::bot) fn day_label(lang: Lang, day: NaiveDate) -> String {
    let weekday = reminders::weekday_name(lang, day.weekday());
    format!("{weekday} {}", day.format("%d.%m"))
}

/// The region's "now", as the registry's local times are written.
pub(in crate::bot) fn local_now(ctx: &Ctx) -> NaiveDateTime {
    ctx.clock
        .now()
        .with_timezone(&ctx.settings.region_tz)
        .naive_local()
}

/// The last day whose slots are offered: the doctor's `lastDate`, but at least [`MIN_DAYS_AHEAD`] and at
/// most [`MAX_DAYS_AHEAD`] days from `today` on.
pub(in crate::bot) fn horizon(today: NaiveDate, last_date: Option<NaiveDate>) -> NaiveDate {
    let least = today + Days::days(MIN_DAYS_AHEAD - 1);
    let most = today + Days::days(MAX_DAYS_AHEAD - 1);
    last_date.map_or(least, |last| last.clamp(least, most))
}

/// The doctor's free slots from now on up to `last` (a day, inclusive), soonest first.
pub(in crate::bot) async fn upcoming_slots(
    ctx: &Ctx,
    lpu_id: i64,
    doctor: &str,
    last: NaiveDate,
) -> RegistryResult<Vec<Slot>> {
    Ok(upcoming(
        slots(ctx, lpu_id, doctor).await?,
        local_now(ctx),
        last,
    ))
}

/// The slots after `now` up to `last` (a day, inclusive), soonest first.
pub(in crate::bot) fn upcoming(slots: Vec<Slot>, now: NaiveDateTime, last: NaiveDate) -> Vec<Slot> {
    let mut list: Vec<Slot> = slots
        .into_iter()
        .filter(|s| s.visit_start > now && s.visit_start.date() <= last)
        .collect();
    list.sort_by_key(|s| s.visit_start);
    list
}

/// The doctor as the registry lists them now (for the участок, the comment and `lastDate`); `None` when the
/// list does not answer or no longer holds them, which never stops the screen.
pub(in crate::bot) async fn doctor_of(
    ctx: &Ctx,
    lpu_id: i64,
    specialty: &str,
    doctor: &str,
) -> Option<Doctor> {
    match doctors(ctx, lpu_id, specialty).await {
        Ok(list) => list.into_iter().find(|d| d.id == doctor),
        Err(err) => {
            crate::bot::screen::log_registry_error("booking", &err);
            None
        }
    }
}

/// The Monday of `day`'s week.
pub(in crate::bot) fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::days(i64::from(day.weekday().num_days_from_monday()))
}

/// A week of the days screen: its Monday and its days with free slots (day, how many), in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::bot) struct Week {
    pub(in crate::bot) monday: NaiveDate,
    pub(in crate::bot) days: Vec<(NaiveDate, usize)>,
}

/// The days of `slots` (soonest first) with their counts, by calendar week; weeks without slots are left out.
pub(in crate::bot) fn weeks_of(slots: &[Slot]) -> Vec<Week> {
    let mut weeks: Vec<Week> = Vec::new();
    for slot in slots {
        let day = slot.visit_start.date();
        let monday = monday_of(day);
        if weeks.last().is_none_or(|w| w.monday != monday) {
            weeks.push(Week {
                monday,
                days: Vec::new(),
            });
        }
        let week = weeks.last_mut().expect("a week was just pushed");
        match week.days.last_mut() {
            Some((last, count)) if *last == day => *count += 1,
            _ => week.days.push((day, 1)),
        }
    }
    weeks
}

/// Which of `weeks` to show for the week asked: that week, or the next one with slots when it has none
/// left, or the last one; the first when none is asked.
pub(in crate::bot) fn week_index(weeks: &[Week], asked: Option<NaiveDate>) -> usize {
    let Some(asked) = asked else {
        return 0;
    };
    weeks
        .iter()
        .position(|w| w.monday >= monday_of(asked))
        .unwrap_or(weeks.len().saturating_sub(1))
}

/// The longest the days screen waits for the doctor's timetable: it only adds reception hours, and the
/// screen is drawn without them rather than late.
pub(in crate::bot) const TIMETABLE_DEADLINE: std::time::Duration =
    std::time::Duration::from_secs(5);

/// The doctor's timetable (`/timetable`), or nothing when it does not answer in time or at all: a registry
/// that has none, or fails, never stops the days screen.
pub(in crate::bot) async fn timetable(ctx: &Ctx, lpu_id: i64, doctor: &str) -> Vec<TimetableDay> {
    match tokio::time::timeout(TIMETABLE_DEADLINE, ctx.registry.timetable(lpu_id, doctor)).await {
        Ok(Ok(days)) => days,
        Ok(Err(RegistryError::Empty(_))) => Vec::new(),
        Ok(Err(err)) => {
            tracing::info!(error = %err, "booking: no timetable");
            Vec::new()
        }
        Err(_) => {
            tracing::info!("booking: the timetable did not come in time");
            Vec::new()
        }
    }
}

/// A day of the doctor's timetable as the days screen shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::bot) enum Reception {
    /// Open for booking, with the reception hours (start, end when known), earliest first.
    Hours(Vec<(NaiveTime, Option<NaiveTime>)>),
    /// Closed for booking, with the registry's reason when it gives one.
    Closed(Option<String>),
}

/// The timetable's days from `from` to `to` (inclusive), in order: a day with any bookable hours shows
/// them; a day with none is closed, with the first reason given. A bookable day that names no hours
/// (midnight, no end) says nothing and is left out.
pub(in crate::bot) fn reception(
    timetable: &[TimetableDay],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, Reception)> {
    let mut days: Vec<NaiveDate> = timetable
        .iter()
        .map(|t| t.visit_start.date())
        .filter(|day| (from..=to).contains(day))
        .collect();
    days.sort();
    days.dedup();
    let mut shown = Vec::new();
    for day in days {
        let entries: Vec<&TimetableDay> = timetable
            .iter()
            .filter(|t| t.visit_start.date() == day)
            .collect();
        let mut hours: Vec<(NaiveTime, Option<NaiveTime>)> = entries
            .iter()
            .filter(|t| t.recordable)
            .map(|t| (t.visit_start.time(), t.visit_end.map(|end| end.time())))
            .filter(|(start, end)| *start != NaiveTime::MIN || end.is_some())
            .collect();
        hours.sort();
        hours.dedup();
        if !hours.is_empty() {
            shown.push((day, Reception::Hours(hours)));
        } else if entries.iter().all(|t| !t.recordable) {
            let reason = entries.iter().find_map(|t| t.deny_cause.clone());
            shown.push((day, Reception::Closed(reason)));
        }
    }
    shown
}

/// «Приём на этой неделе:» and a line a day, for the days of `reception`; nothing when there are none.
pub(in crate::bot) fn reception_lines(
    lang: Lang,
    reception: &[(NaiveDate, Reception)],
) -> Vec<String> {
    if reception.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![t!(lang, "booking-reception-title")];
    for (day, what) in reception {
        let day = day_label(lang, *day);
        lines.push(match what {
            Reception::Hours(hours) => {
                let hours = hours
                    .iter()
                    .map(|(start, end)| match end {
                        Some(end) => format!("{}–{}", start.format("%H:%M"), end.format("%H:%M")),
                        None => t!(
                            lang,
                            "booking-reception-from",
                            start = start.format("%H:%M").to_string()
                        ),
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                t!(lang, "booking-reception-hours", day = day, hours = hours)
            }
            Reception::Closed(reason) => match short_note(reason.as_deref(), 1, 40).first() {
                Some(reason) => t!(
                    lang,
                    "booking-reception-closed",
                    day = day,
                    reason = escape_html(reason)
                ),
                None => t!(lang, "booking-reception-closed-plain", day = day),
            },
        });
    }
    lines
}

/// «30.11–06.12»: a week's dates.
pub(in crate::bot) fn week_dates(monday: NaiveDate) -> String {
    let sunday = monday + Days::days(6);
    format!("{}–{}", monday.format("%d.%m"), sunday.format("%d.%m"))
}

#[allow(clippy::too_many_arguments)]
pub(in crate::bot) async fn days_screen(
    ctx: &Ctx,
    who: &Who,
    flow: &mut Flow,
    specialty: &Choice,
    doctor: &Choice,
    week: Option<NaiveDate>,
    notice: Option<String>,
) -> Drawn {
    let lang = who.lang;
    let now = local_now(ctx);
    // The doctor comes from the doctors list (cached), asked alongside the slots and the timetable.
    let (about, free, hours) = futures::join!(
        doctor_of(ctx, flow.clinic, &specialty.id, &doctor.id),
        slots(ctx, flow.clinic, &doctor.id),
        timetable(ctx, flow.clinic, &doctor.id)
    );
    let last = horizon(
        now.date(),
        about.as_ref().and_then(|d| d.last_date).map(|at| at.date()),
    );
    let list = upcoming(free?, now, last);
    flow.keys.clear();
    let mut header = t!(
        lang,
        "booking-doctor-chosen",
        doctor = escape_html(&doctor.name),
        specialty = escape_html(&specialty.name)
    );
    if let Some(about) = &about {
        if let Some(area) = area_label(lang, about) {
            header.push_str(&t!(lang, "booking-doctor-area", area = area));
        }
        if let Some(note) = note_of(about, NOTE_ON_DOCTOR) {
            header = format!("{header}\n{note}");
        }
    }
    let weeks = weeks_of(&list);
    if weeks.is_empty() {
        let until = last.format("%d.%m.%Y").to_string();
        let body = format!(
            "{header}\n\n{}",
            t!(lang, "booking-days-empty", until = until)
        );
        let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
        if let Some(watch) =
            crate::bot::watch::toggle_button(ctx, who.user_id, lang, flow.clinic, &flow.step)
                .await?
        {
            screen = screen.row(vec![watch]);
        }
        return Ok(screen.row(vec![back_button(lang), menu_button(lang)]));
    }
    let at = week_index(&weeks, week);
    let shown = &weeks[at];
    let mut lines = vec![header, String::new(), t!(lang, "booking-days-title")];
    lines.push(t!(
        lang,
        "booking-week",
        week = at + 1,
        weeks = weeks.len(),
        dates = week_dates(shown.monday)
    ));
    let week_reception = reception(
        &hours,
        shown.monday.max(now.date()),
        shown.monday + Days::days(6),
    );
    lines.extend(reception_lines(lang, &week_reception));
    let mut screen = Screen::new(ctx, lang, with_notice(notice, lines.join("\n")));
    let buttons: Vec<_> = shown
        .days
        .iter()
        .map(|(day, count)| {
            let label = t!(
                lang,
                "booking-day-label",
                day = day_label(lang, *day),
                free = *count
            );
            button(label, cb(Cb::Day(*day)))
        })
        .collect();
    for row in buttons.chunks(3) {
        screen = screen.row(row.to_vec());
    }
    let mut pager = Vec::new();
    if let Some(before) = at.checked_sub(1).map(|n| &weeks[n]) {
        let label = t!(
            lang,
            "booking-btn-week-before",
            dates = week_dates(before.monday)
        );
        pager.push(button(label, cb(Cb::Week(before.monday))));
    }
    if let Some(after) = weeks.get(at + 1) {
        let label = t!(
            lang,
            "booking-btn-week-after",
            dates = week_dates(after.monday)
        );
        pager.push(button(label, cb(Cb::Week(after.monday))));
    }
    Ok(screen
        .row(pager)
        .row(vec![back_button(lang), menu_button(lang)]))
}

pub(in crate::bot) async fn times_screen(
    ctx: &Ctx,
    who: &Who,
    flow: &mut Flow,
    specialty: &Choice,
    doctor: &Choice,
    day: NaiveDate,
    notice: Option<String>,
) -> Drawn {
    let lang = who.lang;
    // The day came from the days screen, within the horizon it showed.
    let list: Vec<Slot> = upcoming_slots(ctx, flow.clinic, &doctor.id, day)
        .await?
        .into_iter()
        .filter(|s| s.visit_start.date() == day)
        .collect();
    if list.is_empty() {
        // The day filled up meanwhile: the other days of its week instead.
        let week = Some(monday_of(day));
        flow.step = Step::Days {
            specialty: specialty.clone(),
            doctor: doctor.clone(),
            week,
        };
        let notice = Some(notice.unwrap_or_else(|| t!(lang, "booking-day-full")));
        return days_screen(ctx, who, flow, specialty, doctor, week, notice).await;
    }
    flow.keys = list.iter().map(|s| s.id.clone()).collect();
    let body = format!(
        "{}\n\n{}",
        t!(
            lang,
            "booking-doctor-chosen",
            doctor = escape_html(&doctor.name),
            specialty = escape_html(&specialty.name)
        ),
        t!(lang, "booking-times-title", day = day_label(lang, day))
    );
    let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
    let buttons: Vec<_> = list
        .iter()
        .enumerate()
        .map(|(n, s)| {
            button(
                s.visit_start.format("%H:%M").to_string(),
                cb(Cb::Time(n as u16)),
            )
        })
        .collect();
    for row in buttons.chunks(4) {
        screen = screen.row(row.to_vec());
    }
    Ok(screen.row(vec![back_button(lang), menu_button(lang)]))
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

/// The details a booking would store: who, doctor, clinic, address, room, local time. The clinic's card
/// only adds to what the slot says (its name, phone and map pin): no booking step waits on it.
pub(in crate::bot) async fn booking_details(
    ctx: &Ctx,
    who: &Who,
    lpu_id: i64,
    specialty: &Choice,
    doctor: &Choice,
    slot: &PickedSlot,
) -> anyhow::Result<AppointmentDetails> {
    let clinic = match within_deadline(ctx.registry.clinic(lpu_id)).await {
        Ok(clinic) => Some(clinic),
        Err(err) => {
            crate::bot::screen::log_registry_error("booking", &err);
            None
        }
    };
    let address = slot
        .address
        .clone()
        .filter(|a| !a.trim().is_empty())
        .or(clinic.as_ref().and_then(|c| c.address.clone()))
        .unwrap_or_default();
    Ok(AppointmentDetails {
        person: person_label(ctx, who.user_id, who.lang).await?,
        doctor: doctor.name.clone(),
        specialty: specialty.name.clone(),
        clinic: clinic
            .as_ref()
            .map(|c| c.display_name().to_owned())
            .unwrap_or_default(),
        address,
        room: slot.room.clone().filter(|r| !r.trim().is_empty()),
        phone: clinic.as_ref().and_then(|c| c.phone.clone()),
        latitude: clinic.as_ref().and_then(|c| c.latitude),
        longitude: clinic.as_ref().and_then(|c| c.longitude),
        local_time: slot.start.format("%Y-%m-%dT%H:%M:%S").to_string(),
        local_end: slot
            .end
            .filter(|end| *end > slot.start)
            .map(|end| end.format("%Y-%m-%dT%H:%M:%S").to_string()),
    })
}

/// The registry's local time as a Unix instant, through `REGION_TZ`.
pub(in crate::bot) fn to_unix(ctx: &Ctx, local: NaiveDateTime) -> i64 {
    let tz = ctx.settings.region_tz;
    match tz.from_local_datetime(&local).earliest() {
        Some(at) => at.timestamp(),
        // A local time that does not exist (a gap): read it as the offset just before.
        None => tz
            .from_local_datetime(&(local + Days::hours(1)))
            .earliest()
            .map_or_else(|| local.and_utc().timestamp(), |at| at.timestamp() - 3600),
    }
}

#[allow(clippy::too_many_arguments)]
pub(in crate::bot) async fn confirm_screen(
    ctx: &Ctx,
    who: &Who,
    lpu_id: i64,
    specialty: &Choice,
    doctor: &Choice,
    slot: &PickedSlot,
    token: i64,
    notice: Option<String>,
) -> Drawn {
    let lang = who.lang;
    let details = booking_details(ctx, who, lpu_id, specialty, doctor, slot).await?;
    let now = ctx.clock.now().timestamp();
    let when = reminders::local_when(lang, to_unix(ctx, slot.start), ctx.settings.region_tz, now);
    let mut lines = vec![t!(lang, "booking-confirm-title")];
    lines.extend(reminders::visit_lines(lang, &details, when));
    lines.push(String::new());
    lines.push(t!(lang, "booking-confirm-hint"));
    Ok(
        Screen::new(ctx, lang, with_notice(notice, lines.join("\n")))
            .button(t!(lang, "booking-btn-confirm"), cb(Cb::Confirm(token)))
            .row(vec![back_button(lang), menu_button(lang)]),
    )
}

/// Gosuslugi first: the login button (a fresh single-use state) and «Продолжить» for after the login.
pub(in crate::bot) async fn need_gosuslugi_screen(
    ctx: &Ctx,
    who: &Who,
    notice: Option<String>,
) -> Drawn {
    let lang = who.lang;
    let body = match gosuslugi_person(ctx, who.user_id).await? {
        Some(identity) if !identity.trusted => t!(lang, "booking-need-confirmed"),
        Some(_) => t!(lang, "booking-need-identity"),
        None => t!(lang, "booking-need-gosuslugi"),
    };
    let mut screen = Screen::new(ctx, lang, with_notice(notice, body));
    if let Some(url) = gosuslugi_login_url(ctx, who).await? {
        screen = screen.row(vec![InlineKeyboardButton::url(
            t!(lang, "gu-btn-login"),
            url,
        )]);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_labels_name_the_weekday() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(day_label(Lang::Ru, day), "вт 01.12");
        assert_eq!(day_label(Lang::En, day), "Tue 01.12");
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn slot_at(day: NaiveDate, hour: u32) -> Slot {
        Slot {
            id: format!("{day}-{hour}"),
            visit_start: day.and_hms_opt(hour, 0, 0).unwrap(),
            visit_end: None,
            address: None,
            number: None,
            room: None,
        }
    }

    #[test]
    fn the_horizon_is_the_doctors_last_date_but_at_least_thirty_days() {
        let today = day(11, 30);
        assert_eq!(horizon(today, None), day(12, 29));
        assert_eq!(horizon(today, Some(day(12, 5))), day(12, 29));
        assert_eq!(horizon(today, Some(day(12, 29))), day(12, 29));
        assert_eq!(
            horizon(today, Some(NaiveDate::from_ymd_opt(2027, 1, 10).unwrap())),
            NaiveDate::from_ymd_opt(2027, 1, 10).unwrap()
        );
        // A date far off (or garbage) is bounded.
        assert_eq!(
            horizon(today, Some(NaiveDate::from_ymd_opt(2099, 1, 1).unwrap())),
            today + Days::days(MAX_DAYS_AHEAD - 1)
        );
        assert_eq!(horizon(today, Some(day(1, 1))), day(12, 29));
    }

    #[test]
    fn upcoming_keeps_later_slots_within_the_horizon_soonest_first() {
        let now = day(11, 30).and_hms_opt(10, 0, 0).unwrap();
        let list = vec![
            slot_at(day(12, 29), 9),
            slot_at(day(11, 30), 9),
            slot_at(day(11, 30), 11),
            slot_at(day(12, 30), 9),
            slot_at(day(12, 1), 8),
        ];
        let kept: Vec<_> = upcoming(list, now, day(12, 29))
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(kept, vec!["2026-11-30-11", "2026-12-01-8", "2026-12-29-9"]);
    }

    #[test]
    fn days_are_grouped_by_calendar_week_and_empty_weeks_are_left_out() {
        assert_eq!(monday_of(day(11, 30)), day(11, 30));
        assert_eq!(monday_of(day(12, 6)), day(11, 30));
        assert_eq!(monday_of(day(12, 7)), day(12, 7));
        let list = [
            slot_at(day(12, 2), 9),
            slot_at(day(12, 2), 10),
            slot_at(day(12, 6), 9),
            // No slots in the week of 07.12.
            slot_at(day(12, 14), 9),
            slot_at(day(12, 27), 9),
            slot_at(day(12, 29), 9),
            slot_at(day(12, 29), 10),
            slot_at(day(12, 29), 11),
        ];
        assert_eq!(
            weeks_of(&list),
            vec![
                Week {
                    monday: day(11, 30),
                    days: vec![(day(12, 2), 2), (day(12, 6), 1)]
                },
                Week {
                    monday: day(12, 14),
                    days: vec![(day(12, 14), 1)]
                },
                Week {
                    monday: day(12, 21),
                    days: vec![(day(12, 27), 1)]
                },
                Week {
                    monday: day(12, 28),
                    days: vec![(day(12, 29), 3)]
                },
            ]
        );
        assert!(weeks_of(&[]).is_empty());
    }

    #[test]
    fn the_week_asked_is_shown_or_the_next_with_slots_or_the_last() {
        let weeks = weeks_of(&[
            slot_at(day(12, 2), 9),
            slot_at(day(12, 14), 9),
            slot_at(day(12, 29), 9),
        ]);
        assert_eq!(week_index(&weeks, None), 0);
        assert_eq!(week_index(&weeks, Some(day(11, 30))), 0);
        // Any day of a week stands for it.
        assert_eq!(week_index(&weeks, Some(day(12, 17))), 1);
        // A week whose slots are gone: the next one that has some.
        assert_eq!(week_index(&weeks, Some(day(12, 7))), 1);
        assert_eq!(week_index(&weeks, Some(day(11, 2))), 0);
        // Past the last week: the last.
        assert_eq!(
            week_index(&weeks, Some(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap())),
            2
        );
        assert_eq!(week_index(&[], Some(day(12, 7))), 0);
        assert_eq!(week_dates(day(12, 28)), "28.12–03.01");
    }

    fn doctor(area: Option<&str>, comment: Option<&str>) -> Doctor {
        Doctor {
            id: "1".into(),
            name: "Иванова Анна Сергеевна".into(),
            aria_number: area.map(str::to_owned),
            comment: comment.map(str::to_owned),
            free_ticket_count: 10,
            free_participant_count: 1,
            nearest_date: None,
            last_date: None,
            last_name: None,
            first_name: None,
            middle_name: None,
        }
    }

    #[test]
    fn the_area_gets_the_word_only_when_it_is_bare_numbers() {
        let area = |raw| area_label(Lang::Ru, &doctor(raw, None));
        assert_eq!(area(Some("14")).as_deref(), Some("участок 14"));
        assert_eq!(
            area(Some("10, 18, 19")).as_deref(),
            Some("участки 10, 18, 19")
        );
        assert_eq!(area(Some("14-д участок")).as_deref(), Some("14-д участок"));
        assert_eq!(
            area(Some("1 Педиатрическое Отделение")).as_deref(),
            Some("1 Педиатрическое Отделение")
        );
        assert_eq!(area(Some("<3>")).as_deref(), Some("&lt;3&gt;"));
        assert_eq!(area(Some("")), None);
        assert_eq!(area(None), None);
        assert_eq!(
            area_label(Lang::En, &doctor(Some("10,18"), None)).as_deref(),
            Some("areas 10, 18")
        );
    }

    #[test]
    fn the_comment_is_short_escaped_and_keeps_its_lines() {
        let note = |raw, size| note_of(&doctor(None, raw), size);
        assert_eq!(note(None, NOTE_ON_DOCTOR), None);
        assert_eq!(note(Some("  \n "), NOTE_ON_DOCTOR), None);
        assert_eq!(
            note(
                Some("с 01.10.2026 по 13.10.2026: Нетрудоспособность\n\nКабинет <12> & 14"),
                NOTE_ON_DOCTOR
            )
            .as_deref(),
            Some("ℹ️ <i>с 01.10.2026 по 13.10.2026: Нетрудоспособность\nКабинет &lt;12&gt; &amp; 14</i>")
        );
        assert_eq!(
            note(
                Some("с 01.10.2026 по 13.10.2026: Нетрудоспособность\nКабинет 12"),
                NOTE_IN_LIST
            )
            .as_deref(),
            Some("ℹ️ <i>с 01.10.2026 по 13.10.2026: Нетрудоспособность…</i>")
        );
    }

    fn open_day(day: NaiveDate, from: (u32, u32), to: Option<(u32, u32)>) -> TimetableDay {
        TimetableDay {
            visit_start: day.and_hms_opt(from.0, from.1, 0).unwrap(),
            visit_end: to.map(|(h, m)| day.and_hms_opt(h, m, 0).unwrap()),
            recordable: true,
            deny_cause: None,
        }
    }

    fn closed_day(day: NaiveDate, cause: Option<&str>) -> TimetableDay {
        TimetableDay {
            visit_start: day.and_hms_opt(0, 0, 0).unwrap(),
            visit_end: None,
            recordable: false,
            deny_cause: cause.map(str::to_owned),
        }
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn reception_shows_the_weeks_hours_and_closed_days_with_their_reason() {
        let timetable = [
            open_day(day(11, 29), (8, 0), Some((14, 0))),
            closed_day(day(12, 2), Some("Отпуск")),
            open_day(day(12, 1), (15, 0), Some((17, 0))),
            open_day(day(12, 1), (8, 0), Some((12, 0))),
            open_day(day(12, 1), (8, 0), Some((12, 0))),
            open_day(day(12, 3), (9, 30), None),
            // A bookable day that names no hours says nothing.
            open_day(day(12, 4), (0, 0), None),
            closed_day(day(12, 5), None),
            // Closed entries beside bookable hours: the hours count.
            closed_day(day(12, 6), Some("Обед")),
            open_day(day(12, 6), (10, 0), Some((11, 0))),
            open_day(day(12, 7), (8, 0), Some((14, 0))),
        ];
        assert_eq!(
            reception(&timetable, day(11, 30), day(12, 6)),
            vec![
                (
                    day(12, 1),
                    Reception::Hours(vec![
                        (hm(8, 0), Some(hm(12, 0))),
                        (hm(15, 0), Some(hm(17, 0)))
                    ])
                ),
                (day(12, 2), Reception::Closed(Some("Отпуск".into()))),
                (day(12, 3), Reception::Hours(vec![(hm(9, 30), None)])),
                (day(12, 5), Reception::Closed(None)),
                (
                    day(12, 6),
                    Reception::Hours(vec![(hm(10, 0), Some(hm(11, 0)))])
                ),
            ]
        );
        assert!(reception(&[], day(11, 30), day(12, 6)).is_empty());
    }

    #[test]
    fn reception_lines_are_short_and_escaped() {
        let days = reception(
            &[
                open_day(day(12, 1), (8, 0), Some((12, 0))),
                open_day(day(12, 1), (15, 0), Some((17, 0))),
                closed_day(
                    day(12, 2),
                    Some("Командировка <на курсы> повышения квалификации в другой город"),
                ),
                open_day(day(12, 3), (9, 30), None),
                closed_day(day(12, 4), Some("   ")),
            ],
            day(11, 30),
            day(12, 6),
        );
        assert_eq!(
            reception_lines(Lang::Ru, &days),
            vec![
                "Приём на этой неделе:",
                "вт 01.12 — 08:00–12:00, 15:00–17:00",
                "ср 02.12 — записи нет: Командировка &lt;на курсы&gt; повышения…",
                "чт 03.12 — с 09:30",
                "пт 04.12 — записи нет",
            ]
        );
        assert_eq!(
            reception_lines(Lang::En, &days)[3],
            "Thu 03.12 — from 09:30"
        );
        assert!(reception_lines(Lang::Ru, &[]).is_empty());
    }
}
