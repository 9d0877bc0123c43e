//! Button data: short typed codes that always fit Telegram's 64 bytes and never carry personal data.
//!
//! Long registry ids (slot ids) stay server-side; buttons carry small numbers. Data that does not decode, or a
//! button that no longer fits the conversation, is answered with a short notice and the current step is
//! shown again.

use crate::i18n::Lang;

use super::booking::cb as booking;
use super::children::cb::Cb as ChildrenCb;
use super::clinics::cb as clinics;
use super::gosuslugi::cb as gosuslugi;
use super::me::cb as me;
use super::reminders::cb as reminders;
use super::watch::cb as watch;

#[cfg(test)]
pub(crate) use super::codes::assert_garbage_refused;
pub use super::codes::{digits, parse_id, FixedCodes, MAX_CALLBACK_BYTES};

/// A main-menu section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Gosuslugi,
    /// «Мои данные», in place of «Госуслуги» with `ESIA_URL=off`.
    Me,
    Children,
    Book,
    Appointments,
    Settings,
}

impl FixedCodes for Section {
    const ALL: &'static [Section] = &[
        Section::Gosuslugi,
        Section::Me,
        Section::Children,
        Section::Book,
        Section::Appointments,
        Section::Settings,
    ];

    fn code(self) -> &'static str {
        match self {
            Section::Gosuslugi => "gu",
            Section::Me => "me",
            Section::Children => "kids",
            Section::Book => "book",
            Section::Appointments => "appts",
            Section::Settings => "set",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cb {
    /// «Согласен» under the personal-data notice.
    Consent,
    /// Back to the main menu.
    Menu,
    /// «Повторить» after a failure: the step the user is at, shown again.
    Here,
    Section(Section),
    SetLang(Lang),
    /// The language picker.
    Language,
    Privacy,
    ForgetAsk,
    ForgetYes,
    ForgetNo,
    /// «Мои дети» and the choice of the active person (`k:…`).
    Children(ChildrenCb),
    /// Choosing a clinic (`cl:`).
    Clinics(clinics::Cb),
    /// Reminder buttons and reminder settings (`ap:`).
    Reminders(reminders::Cb),
    /// Booking, «Мои записи» and cancelling (`bk:`).
    Booking(booking::Cb),
    Gosuslugi(gosuslugi::Cb),
    /// «Мои данные» (`me:`).
    Me(me::Cb),
    /// Slot watches (`wt:`).
    Watch(watch::Cb),
}

impl Cb {
    pub fn encode(&self) -> String {
        let data = match self {
            Cb::Consent => "consent".to_owned(),
            Cb::Menu => "menu".to_owned(),
            Cb::Here => "here".to_owned(),
            Cb::Section(section) => format!("s:{}", section.code()),
            Cb::SetLang(lang) => format!("lang:{}", lang.code()),
            Cb::Language => "lang".to_owned(),
            Cb::Privacy => "privacy".to_owned(),
            Cb::ForgetAsk => "fg:ask".to_owned(),
            Cb::ForgetYes => "fg:y".to_owned(),
            Cb::ForgetNo => "fg:n".to_owned(),
            Cb::Children(cb) => cb.encode(),
            Cb::Clinics(inner) => format!("{}{}", clinics::Cb::PREFIX, inner.encode()),
            Cb::Reminders(cb) => cb.encode(),
            Cb::Booking(cb) => cb.encode(),
            Cb::Gosuslugi(cb) => format!("{}{}", gosuslugi::Cb::PREFIX, cb.code()),
            Cb::Me(cb) => format!("{}{}", me::Cb::PREFIX, cb.code()),
            Cb::Watch(cb) => cb.encode(),
        };
        debug_assert!(
            data.len() <= MAX_CALLBACK_BYTES,
            "callback data too long: {data}"
        );
        data
    }

    pub fn decode(data: &str) -> Option<Cb> {
        if data.len() > MAX_CALLBACK_BYTES {
            return None;
        }
        if data.starts_with(ChildrenCb::PREFIX) {
            return ChildrenCb::decode(data).map(Cb::Children);
        }
        if let Some(rest) = data.strip_prefix(clinics::Cb::PREFIX) {
            return clinics::Cb::decode(rest).map(Cb::Clinics);
        }
        let mut parts = data.split(':');
        let head = parts.next()?;
        let rest: Vec<&str> = parts.collect();
        let cb = match (head, rest.as_slice()) {
            ("consent", []) => Cb::Consent,
            ("menu", []) => Cb::Menu,
            ("here", []) => Cb::Here,
            ("s", [code]) => Cb::Section(Section::from_code(code)?),
            ("lang", []) => Cb::Language,
            ("lang", [code]) => Cb::SetLang(Lang::from_code(code)?),
            ("privacy", []) => Cb::Privacy,
            ("fg", ["ask"]) => Cb::ForgetAsk,
            ("fg", ["y"]) => Cb::ForgetYes,
            ("fg", ["n"]) => Cb::ForgetNo,
            ("ap", rest) => Cb::Reminders(reminders::Cb::decode(rest)?),
            ("bk", rest) => Cb::Booking(booking::Cb::decode(rest)?),
            ("gu", [code]) => Cb::Gosuslugi(gosuslugi::Cb::from_code(code)?),
            ("me", [code]) => Cb::Me(me::Cb::from_code(code)?),
            ("wt", rest) => Cb::Watch(watch::Cb::decode(rest)?),
            _ => return None,
        };
        Some(cb)
    }
}

/// Test helper for every journey's button list: each button encodes within [`MAX_CALLBACK_BYTES`] and
/// decodes back to itself through the bot's codec.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_round_trips(all: impl IntoIterator<Item = Cb>) {
    for cb in all {
        let data = cb.encode();
        assert!(data.len() <= MAX_CALLBACK_BYTES, "{data}");
        assert_eq!(Cb::decode(&data), Some(cb), "{data}");
    }
}

/// Test helper: each button data in `spelled` is read back and written again byte for byte (the buttons
/// on old messages keep working).
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_spelled(spelled: &[&str]) {
    for data in spelled {
        assert_eq!(
            Cb::decode(data).map(|cb| cb.encode()).as_deref(),
            Some(*data)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Cb> {
        let mut all = vec![
            Cb::Consent,
            Cb::Menu,
            Cb::Here,
            Cb::Language,
            Cb::Privacy,
            Cb::ForgetAsk,
            Cb::ForgetYes,
            Cb::ForgetNo,
        ];
        all.extend(Section::ALL.iter().copied().map(Cb::Section));
        all.extend(Lang::ALL.map(Cb::SetLang));
        all.extend(gosuslugi::Cb::ALL.iter().copied().map(Cb::Gosuslugi));
        all.extend(me::Cb::ALL.iter().copied().map(Cb::Me));
        all.extend([clinics::Cb::Retry, clinics::Cb::Book].map(Cb::Clinics));
        all
    }

    #[test]
    fn every_callback_round_trips_within_64_bytes() {
        assert_round_trips(all());
    }

    #[test]
    fn every_fixed_code_round_trips_and_garbage_does_not_decode() {
        use crate::bot::codes::assert_codes_round_trip;
        assert_codes_round_trip::<Section>("s:", &["", "zzz", "s:book", "BOOK"]);
        assert_codes_round_trip::<gosuslugi::Cb>(
            gosuslugi::Cb::PREFIX,
            &["", "nope", "unl:x", "RETRY", "dp4", "gu:retry"],
        );
        assert_codes_round_trip::<me::Cb>(
            me::Cb::PREFIX,
            &["", "fill:1", "pk", "pk-t", "fx-x", "me:fill", "FILL"],
        );
    }

    #[test]
    fn garbage_does_not_decode() {
        assert_garbage_refused(
            Cb::decode,
            &[
                "",
                "s",
                "s:",
                "s:zzz",
                "lang:de",
                "fg:maybe",
                "consent:1",
                &"x".repeat(65),
                "menu:",
                "🙂",
                "cl:",
                "cl:zzz",
                "gu",
                "gu:",
                "gu:nope",
                "gu:unl:x",
                "gu:RETRY",
            ],
        );
    }
}
