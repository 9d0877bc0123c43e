//! The notices about what the registry sync changed (see [`crate::visits::sync`]): a visit found that was
//! booked elsewhere, a visit the clinic cancelled, and a booking whose answer was lost — made or not.

use chrono_tz::Tz;

use crate::i18n::Lang;
use crate::store::{Appointment, Intent};
use crate::t;

use super::callback::Section;
use super::screen::button;
use super::screen::Screen;
use super::visit::visit_card_lines;

/// «Нашли вашу запись, сделанную не через бота»: the visit's card and the reminder's buttons.
pub fn found_notice(lang: Lang, demo: bool, visit: &Appointment, tz: Tz, now: i64) -> Screen {
    let told = (t!(lang, "sync-found-title"), t!(lang, "sync-found-hint"));
    booked_notice(lang, demo, visit, (tz, now), told)
}

/// «Запись отменена в поликлинике»: what was cancelled, and a way to book again.
pub fn cancelled_notice(lang: Lang, demo: bool, visit: &Appointment, tz: Tz, now: i64) -> Screen {
    let told = (
        t!(lang, "sync-cancelled-title"),
        t!(lang, "sync-cancelled-hint"),
    );
    let lines = card_with_hint(lang, visit, tz, now, told);
    Screen::with_badge(lang, demo, lines.join("\n")).row(book_again_row(lang))
}

/// «✅ Вы записаны» for a booking whose answer was lost and that the registry turned out to have.
pub fn confirmed_notice(lang: Lang, demo: bool, visit: &Appointment, tz: Tz, now: i64) -> Screen {
    let told = (
        t!(lang, "booking-booked-title"),
        t!(lang, "sync-confirmed-hint"),
    );
    booked_notice(lang, demo, visit, (tz, now), told)
}

/// A visit that is booked, told with `title` and `hint`, under the reminder's buttons.
fn booked_notice(
    lang: Lang,
    demo: bool,
    appointment: &Appointment,
    (tz, now): (Tz, i64),
    told: (String, String),
) -> Screen {
    let lines = card_with_hint(lang, appointment, tz, now, told);
    super::visit::visit_screen(lang, demo, appointment, lines)
}

/// «Запись не состоялась» for a booking whose answer was lost and that the registry does not have.
pub fn not_booked_notice(lang: Lang, demo: bool, intent: &Intent, tz: Tz, now: i64) -> Screen {
    let text = super::visit::titled_visit(
        lang,
        t!(lang, "sync-not-booked-title"),
        &intent.booking.details,
        intent.booking.visit_at,
        tz,
        now,
        Some(t!(lang, "sync-not-booked-hint")),
    );
    Screen::with_badge(lang, demo, text).row(book_again_row(lang))
}

/// «Записаться снова» and «Мои записи», under a visit that is not (or no longer) booked.
fn book_again_row(lang: Lang) -> Vec<teloxide::types::InlineKeyboardButton> {
    vec![
        button(
            t!(lang, "btn-sync-book-again"),
            super::callback::Cb::Section(Section::Book),
        ),
        button(
            t!(lang, "btn-sync-appointments"),
            super::callback::Cb::Section(Section::Appointments),
        ),
    ]
}

/// A notice about a visit: its title, the visit's card, and a hint of what it means for the user.
fn card_with_hint(
    lang: Lang,
    appointment: &Appointment,
    tz: Tz,
    now: i64,
    (title, hint): (String, String),
) -> Vec<String> {
    let mut lines = vec![title];
    lines.extend(visit_card_lines(lang, appointment, tz, now));
    lines.push(String::new());
    lines.push(hint);
    lines
}
