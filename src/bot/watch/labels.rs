//! The texts the watch screens share: whom a watch is for, what it waits for, its window and its status.
//! Drawing only.

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;

use crate::bot::ctx::Ctx;
use crate::domain::watch_window::{WatchWindow, Weekdays};
use crate::i18n::{escape_html, Lang};
use crate::store::{Store, Watch, WatchLabels, WatchStatus, MAX_WATCHES, WATCH_TTL_SECS};
use crate::t;

/// «Ожиданий: 2 из 10 — можно ещё 8; каждое длится 30 дней.»: the limits, stated up front.
pub(super) async fn limits_line(ctx: &Ctx, who: &crate::bot::ctx::Who) -> anyhow::Result<String> {
    let left = ctx.store.watches_left(who.user_id).await?;
    Ok(t!(
        who.lang,
        "watch-limits",
        count = MAX_WATCHES - left,
        max = MAX_WATCHES,
        left = left,
        days = WATCH_TTL_SECS / 86_400
    ))
}

/// «Я», or the child's short name («Иванова М. И.»), escaped; a child that is gone is «—».
pub async fn person_name(
    store: &Store,
    lang: Lang,
    user_id: i64,
    child_id: Option<i64>,
) -> anyhow::Result<String> {
    Ok(match child_id {
        None => t!(lang, "watch-btn-for-me"),
        Some(id) => match store.child(user_id, id).await? {
            Some(child) => escape_html(&child.full_name().short()),
            None => "—".to_owned(),
        },
    })
}

/// «Врач: Иванова Анна Сергеевна, Терапевт», or «Специальность: Терапевт (любой врач)».
pub fn what_label(lang: Lang, labels: &WatchLabels) -> String {
    if labels.doctor.is_empty() {
        t!(
            lang,
            "watch-what-specialty",
            specialty = escape_html(&labels.specialty)
        )
    } else {
        t!(
            lang,
            "watch-what-doctor",
            specialty = escape_html(&labels.specialty),
            doctor = escape_html(&labels.doctor)
        )
    }
}

fn day(date: NaiveDate) -> String {
    date.format("%d.%m").to_string()
}

fn time(at: NaiveTime) -> String {
    at.format("%H:%M").to_string()
}

/// A range of which either end may be open, said by the text for both ends, for the lower only, or for
/// the upper only; `None` when both are open.
fn bounds(
    (lower, upper): (Option<String>, Option<String>),
    both: impl FnOnce(String, String) -> String,
    lower_only: impl FnOnce(String) -> String,
    upper_only: impl FnOnce(String) -> String,
) -> Option<String> {
    match (lower, upper) {
        (Some(lower), Some(upper)) => Some(both(lower, upper)),
        (Some(lower), None) => Some(lower_only(lower)),
        (None, Some(upper)) => Some(upper_only(upper)),
        (None, None) => None,
    }
}

/// «будни, после 15:00, до 20.12», or «любое время».
pub(super) fn window_label(lang: Lang, window: &WatchWindow) -> String {
    if window.is_any() {
        return t!(lang, "watch-window-any");
    }
    let mut parts = Vec::new();
    parts.extend(bounds(
        (window.from.map(day), window.to.map(day)),
        |from, to| t!(lang, "watch-window-from-to", from = from, to = to),
        |from| t!(lang, "watch-window-from", from = from),
        |to| t!(lang, "watch-window-to", to = to),
    ));
    if window.weekdays == Weekdays::WORKDAYS {
        parts.push(t!(lang, "watch-window-workdays"));
    } else if window.weekdays == Weekdays::WEEKEND {
        parts.push(t!(lang, "watch-window-weekend"));
    } else if !window.weekdays.is_every_day() {
        let names: Vec<String> = window
            .weekdays
            .days()
            .into_iter()
            .map(|d| crate::bot::visit::weekday_name(lang, d))
            .collect();
        parts.push(names.join(" "));
    }
    parts.extend(bounds(
        (window.after.map(time), window.before.map(time)),
        |after, before| t!(lang, "watch-window-between", after = after, before = before),
        |after| t!(lang, "watch-window-after", time = after),
        |before| t!(lang, "watch-window-before", time = before),
    ));
    if window.notice_hours > 0 {
        parts.push(t!(lang, "watch-window-notice", hours = window.notice_hours));
    }
    parts.join(", ")
}

fn local(at: i64, tz: Tz, format: &str) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|at| at.with_timezone(&tz).format(format).to_string())
        .unwrap_or_default()
}

/// «ждёт до 30.12, проверено 12:30 01.12, талон был 11:00 01.12».
pub(super) fn status_label(lang: Lang, watch: &Watch, tz: Tz) -> String {
    let until = local(watch.expires_at, tz, "%d.%m");
    let mut parts = vec![match watch.status {
        WatchStatus::Active => t!(lang, "watch-status-active", until = until),
        WatchStatus::Paused => t!(lang, "watch-status-paused", until = until),
        WatchStatus::Booking => t!(lang, "watch-status-booking"),
        WatchStatus::Booked => t!(lang, "watch-status-booked"),
        WatchStatus::Expired => t!(lang, "watch-status-expired"),
    }];
    if let Some(at) = watch.last_checked_at {
        let when = local(at, tz, "%H:%M %d.%m");
        parts.push(t!(lang, "watch-status-checked", when = when));
    }
    if let Some(at) = watch.last_found_at {
        let when = local(at, tz, "%H:%M %d.%m");
        parts.push(t!(lang, "watch-status-found", when = when));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_as_typed() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let lang = Lang::Ru;
        assert_eq!(window_label(lang, &WatchWindow::any()), "любое время");
        assert_eq!(
            window_label(
                lang,
                &WatchWindow::parse("будни, после 15:00", today).unwrap()
            ),
            "будни, после 15:00"
        );
        assert_eq!(
            window_label(
                lang,
                &WatchWindow::parse("с 01.12 по 15.12, 9:00-12:00", today).unwrap()
            ),
            "с 01.12 по 15.12, 09:00–12:00"
        );
    }
}
