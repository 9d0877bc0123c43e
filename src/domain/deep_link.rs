//! What a `t.me/<bot>?start=…` link opens: a clinic, a specialty at a clinic, or a doctor — for clinics to
//! put on their site. The payload carries registry ids only, never anything about a person.
//!
//! Telegram allows 1 to 64 characters of `A–Z a–z 0–9 _ -` after `start=`. A clinic id is a number and goes
//! as digits; specialty and doctor ids are opaque strings (non-ASCII ones exist, «п100.136»), so they go
//! as unpadded URL-safe base64 of their UTF-8, joined by a unit separator:
//!
//! - `c738` — the clinic 738;
//! - `s738_<base64 of specialty>` — a specialty at it («Ближайший приём»);
//! - `d738_<base64 of specialty, U+001F, doctor>` — a doctor's days.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The longest start payload Telegram accepts.
pub const MAX_PAYLOAD: usize = 64;
const SEPARATOR: char = '\u{1f}';

/// A place in the booking a link opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeepLink {
    Clinic {
        lpu: i64,
    },
    Specialty {
        lpu: i64,
        specialty: String,
    },
    Doctor {
        lpu: i64,
        specialty: String,
        doctor: String,
    },
}

impl DeepLink {
    /// The `start` payload; `None` when the ids do not fit in 64 characters, are empty, hold the separator,
    /// or the clinic id is not positive.
    pub fn encode(&self) -> Option<String> {
        let payload = match self {
            DeepLink::Clinic { lpu } => format!("c{}", positive(*lpu)?),
            DeepLink::Specialty { lpu, specialty } => {
                format!("s{}_{}", positive(*lpu)?, ids(&[specialty])?)
            }
            DeepLink::Doctor {
                lpu,
                specialty,
                doctor,
            } => format!("d{}_{}", positive(*lpu)?, ids(&[specialty, doctor])?),
        };
        (payload.len() <= MAX_PAYLOAD).then_some(payload)
    }

    /// The place a `start` payload names; `None` for anything else (an old or mistyped link, another
    /// bot's payload), which the bot answers with its menu.
    pub fn decode(payload: &str) -> Option<DeepLink> {
        if payload.len() > MAX_PAYLOAD {
            return None;
        }
        let mut chars = payload.chars();
        let tag = chars.next()?;
        let rest = chars.as_str();
        if tag == 'c' {
            return Some(DeepLink::Clinic { lpu: lpu(rest)? });
        }
        let (lpu_digits, encoded) = rest.split_once('_')?;
        let lpu = lpu(lpu_digits)?;
        let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let parts: Vec<&str> = text.split(SEPARATOR).collect();
        if parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        match (tag, parts.as_slice()) {
            ('s', [specialty]) => Some(DeepLink::Specialty {
                lpu,
                specialty: (*specialty).to_owned(),
            }),
            ('d', [specialty, doctor]) => Some(DeepLink::Doctor {
                lpu,
                specialty: (*specialty).to_owned(),
                doctor: (*doctor).to_owned(),
            }),
            _ => None,
        }
    }

    /// The clinic the link is about.
    pub fn lpu(&self) -> i64 {
        match self {
            DeepLink::Clinic { lpu }
            | DeepLink::Specialty { lpu, .. }
            | DeepLink::Doctor { lpu, .. } => *lpu,
        }
    }
}

fn positive(lpu: i64) -> Option<i64> {
    (lpu > 0).then_some(lpu)
}

/// Digits of a positive clinic id, nothing else (no sign, no leading zero).
fn lpu(digits: &str) -> Option<i64> {
    let canonical = !digits.is_empty()
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit());
    canonical.then(|| digits.parse().ok()).flatten()
}

fn ids(parts: &[&String]) -> Option<String> {
    if parts.iter().any(|p| p.is_empty() || p.contains(SEPARATOR)) {
        return None;
    }
    let joined: Vec<&str> = parts.iter().map(|p| p.as_str()).collect();
    Some(URL_SAFE_NO_PAD.encode(joined.join(&SEPARATOR.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doctor(lpu: i64, specialty: &str, doctor: &str) -> DeepLink {
        DeepLink::Doctor {
            lpu,
            specialty: specialty.into(),
            doctor: doctor.into(),
        }
    }

    fn telegram_allows(payload: &str) -> bool {
        (1..=64).contains(&payload.len())
            && payload
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    }

    #[test]
    fn every_kind_round_trips_within_what_telegram_allows() {
        let links = [
            DeepLink::Clinic { lpu: 738 },
            DeepLink::Clinic { lpu: i64::MAX },
            DeepLink::Specialty {
                lpu: 738,
                specialty: "11".into(),
            },
            doctor(738, "11", "738"),
            doctor(1001, "53", "п171.310"),
            doctor(5, "ab-c_d", "x y/z?"),
        ];
        for link in links {
            let payload = link.encode().unwrap();
            assert!(telegram_allows(&payload), "{payload}");
            assert_eq!(DeepLink::decode(&payload), Some(link.clone()), "{payload}");
        }
        assert_eq!(DeepLink::Clinic { lpu: 738 }.encode().unwrap(), "c738");
    }

    #[test]
    fn ids_too_long_for_a_link_give_no_link() {
        let long = "д".repeat(40);
        assert_eq!(doctor(738, "11", &long).encode(), None);
        assert!(doctor(738, "11", &"d".repeat(30)).encode().is_some());
    }

    #[test]
    fn empty_or_separator_ids_and_bad_clinics_give_no_link() {
        assert_eq!(doctor(738, "", "1").encode(), None);
        assert_eq!(doctor(738, "1", "").encode(), None);
        assert_eq!(doctor(738, "1\u{1f}2", "3").encode(), None);
        assert_eq!(DeepLink::Clinic { lpu: 0 }.encode(), None);
        assert_eq!(DeepLink::Clinic { lpu: -5 }.encode(), None);
    }

    #[test]
    fn anything_else_decodes_to_nothing() {
        let two_ids = URL_SAFE_NO_PAD.encode("11\u{1f}738");
        let one_id = URL_SAFE_NO_PAD.encode("11");
        for payload in [
            "",
            "c",
            "c0",
            "c07",
            "c-1",
            "c12a",
            "x738",
            "d738",
            "d738_",
            "d_".to_owned().as_str(),
            "d738_!!!",
            &format!("d738_{one_id}"),
            &format!("s738_{two_ids}"),
            &format!("d0_{two_ids}"),
            &format!("dx_{two_ids}"),
            &format!("d738_{}", URL_SAFE_NO_PAD.encode("11\u{1f}")),
            &format!("d738_{}", URL_SAFE_NO_PAD.encode([0xff, 0xfe])),
            &format!("c{}", "9".repeat(70)),
            "c99999999999999999999",
            "login",
        ] {
            assert_eq!(DeepLink::decode(payload), None, "{payload:?}");
        }
        assert_eq!(
            DeepLink::decode(&format!("d738_{two_ids}")),
            Some(doctor(738, "11", "738"))
        );
    }

    #[test]
    fn the_clinic_of_every_link_is_known() {
        assert_eq!(DeepLink::Clinic { lpu: 7 }.lpu(), 7);
        assert_eq!(doctor(8, "1", "2").lpu(), 8);
    }
}
