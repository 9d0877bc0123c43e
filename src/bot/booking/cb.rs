//! The booking journey's button data, `bk:…` (booking, «Мои записи» and cancelling). A leaf.

use chrono::{Datelike, NaiveDate};

use super::state::Step;

/// The journey's button data, carried as `Cb::Booking` with the prefix `bk:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    /// The n-th specialty of the list on display.
    Specialty(u16),
    SpecialtyPage(u32),
    /// The n-th doctor of the list on display.
    Doctor(u16),
    DoctorPage(u32),
    Day(NaiveDate),
    /// «◀» / «▶» on the days screen: the week starting on that Monday.
    Week(NaiveDate),
    /// The n-th time of the day on display (or of the soonest ones).
    Time(u16),
    /// «⚡ Ближайший приём» on a specialty's doctors: the soonest times of them all.
    Soonest,
    /// «Подтвердить» with the token of its screen.
    Confirm(i64),
    Back,
    /// «Повторить» after the registry did not answer.
    Retry,
    /// «Продолжить» after logging in to Gosuslugi.
    Resume,
    /// «Выбрать другую поликлинику».
    OtherClinic,
    /// «Мои записи».
    Appointments,
    /// «Отменить» on an appointment (the store's id).
    Cancel(i64),
    CancelYes(i64),
    CancelNo,
    /// «Для: …» on the confirmation card: book the same time for the account holder (`None`) or a child.
    Person(Option<i64>),
    /// «🔁 …» in the menu: the n-th recent doctor of the active person, at that clinic.
    Again(u16, i64),
    /// «🏥 Мария: Детская поликлиника № 2»: booking for that person (`None`: the account holder) at the
    /// clinic they are attached to, from its specialties.
    AtClinic(i64, Option<i64>),
    /// «Сообщить о талонах» where there are none: watch what the screen shows.
    Watch,
    /// «Не сообщать»: stop that watch.
    Unwatch,
}

impl Cb {
    pub fn encode(&self) -> String {
        match self {
            Cb::Specialty(n) => format!("bk:s:{n}"),
            Cb::SpecialtyPage(page) => format!("bk:sp:{page}"),
            Cb::Doctor(n) => format!("bk:d:{n}"),
            Cb::DoctorPage(page) => format!("bk:dp:{page}"),
            Cb::Day(day) => format!("bk:day:{}", day.format("%Y%m%d")),
            Cb::Week(monday) => format!("bk:wk:{}", monday.format("%Y%m%d")),
            Cb::Time(n) => format!("bk:t:{n}"),
            Cb::Soonest => "bk:n".to_owned(),
            Cb::Confirm(token) => format!("bk:ok:{token}"),
            Cb::Back => "bk:b".to_owned(),
            Cb::Retry => "bk:r".to_owned(),
            Cb::Resume => "bk:go".to_owned(),
            Cb::OtherClinic => "bk:oc".to_owned(),
            Cb::Appointments => "bk:a".to_owned(),
            Cb::Cancel(id) => format!("bk:x:{id}"),
            Cb::CancelYes(id) => format!("bk:xy:{id}"),
            Cb::CancelNo => "bk:xn".to_owned(),
            Cb::Person(None) => "bk:pm".to_owned(),
            Cb::Person(Some(child)) => format!("bk:p:{child}"),
            Cb::Again(n, lpu) => format!("bk:ag:{n}:{lpu}"),
            Cb::AtClinic(lpu, None) => format!("bk:c:{lpu}"),
            Cb::AtClinic(lpu, Some(child)) => format!("bk:c:{lpu}:{child}"),
            Cb::Watch => "bk:w".to_owned(),
            Cb::Unwatch => "bk:uw".to_owned(),
        }
    }

    /// Decodes what follows `bk:`.
    pub fn decode(rest: &[&str]) -> Option<Cb> {
        use crate::bot::codes::{digits, parse_id as id};
        fn index(raw: &str) -> Option<u16> {
            digits(raw).then(|| raw.parse().ok()).flatten()
        }
        fn page(raw: &str) -> Option<u32> {
            digits(raw)
                .then(|| raw.parse().ok())
                .flatten()
                .filter(|p| (1..=9999).contains(p))
        }
        let cb = match rest {
            ["s", n] => Cb::Specialty(index(n)?),
            ["sp", p] => Cb::SpecialtyPage(page(p)?),
            ["d", n] => Cb::Doctor(index(n)?),
            ["dp", p] => Cb::DoctorPage(page(p)?),
            ["day", day] if day.len() == 8 && digits(day) => {
                Cb::Day(NaiveDate::parse_from_str(day, "%Y%m%d").ok()?)
            }
            ["wk", day] if day.len() == 8 && digits(day) => {
                let monday = NaiveDate::parse_from_str(day, "%Y%m%d").ok()?;
                (monday.weekday() == chrono::Weekday::Mon).then_some(Cb::Week(monday))?
            }
            ["t", n] => Cb::Time(index(n)?),
            ["n"] => Cb::Soonest,
            ["ok", token] => Cb::Confirm(id(token)?),
            ["b"] => Cb::Back,
            ["r"] => Cb::Retry,
            ["go"] => Cb::Resume,
            ["oc"] => Cb::OtherClinic,
            ["a"] => Cb::Appointments,
            ["x", raw] => Cb::Cancel(id(raw)?),
            ["xy", raw] => Cb::CancelYes(id(raw)?),
            ["xn"] => Cb::CancelNo,
            ["pm"] => Cb::Person(None),
            ["p", raw] => Cb::Person(Some(id(raw)?)),
            ["ag", n, lpu] => Cb::Again(index(n)?, id(lpu)?),
            ["c", lpu] => Cb::AtClinic(id(lpu)?, None),
            ["c", lpu, child] => Cb::AtClinic(id(lpu)?, Some(id(child)?)),
            ["w"] => Cb::Watch,
            ["uw"] => Cb::Unwatch,
            _ => return None,
        };
        Some(cb)
    }

    /// Whether this button belongs to the booking step on display.
    pub fn fits(&self, step: &Step) -> bool {
        matches!(
            (self, step),
            (Cb::Back | Cb::Retry | Cb::OtherClinic, _)
                | (
                    Cb::Specialty(_) | Cb::SpecialtyPage(_),
                    Step::Specialties { .. }
                )
                | (
                    Cb::Doctor(_) | Cb::DoctorPage(_) | Cb::Soonest,
                    Step::Doctors { .. }
                )
                | (Cb::Day(_) | Cb::Week(_), Step::Days { .. })
                | (
                    Cb::Time(_),
                    Step::Times { .. } | Step::Days { .. } | Step::Soonest { .. }
                )
                | (Cb::Resume, Step::NeedGosuslugi(_))
                | (Cb::Person(_), Step::Confirm { .. })
                | (
                    Cb::Watch | Cb::Unwatch,
                    Step::Doctors { .. } | Step::Days { .. }
                )
        )
    }
}
