//! The clinics journey's button data, carried after the prefix `cl:`. A leaf: it knows no journey and no
//! step; which button fits which step is [`super::state::Step::accepts`].
//!
//! Registry ids never go into button data: a district travels as an 8-character tag of its id (a hash), a
//! clinic type as the tag of its classified kind ([`crate::domain::ClinicKind::key`], so one button stands
//! for every spelling of the kind the registry uses), a clinic as its number, so data fits 64 bytes whatever
//! the registry's ids are.

/// A short tag standing for a registry id (or a clinic kind's key) in button data: FNV-1a, 32 bits, in hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag(u32);

impl Tag {
    pub fn of(id: &str) -> Tag {
        let mut h: u32 = 0x811c_9dc5;
        for b in id.as_bytes() {
            h ^= u32::from(*b);
            h = h.wrapping_mul(0x0100_0193);
        }
        Tag(h)
    }

    fn encode(self) -> String {
        format!("{:08x}", self.0)
    }

    fn decode(raw: &str) -> Option<Tag> {
        if raw.len() != 8 {
            return None;
        }
        u32::from_str_radix(raw, 16).ok().map(Tag)
    }
}

/// The journey's buttons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cb {
    /// A district on the districts screen.
    District(Tag),
    /// A clinic type (district, the tag of the [`crate::domain::ClinicKind::key`]).
    Kind(Tag, Tag),
    /// A page of the list (district, type, page).
    Page(Tag, Tag, u32),
    /// A clinic in the list.
    Clinic(i64),
    BackToDistricts,
    BackToKinds,
    BackToList,
    /// «📍 На карте» on the card.
    Map,
    /// «Записаться» on the card: the booking journey's entry.
    Book,
    /// «Повторить» after the registry did not answer: the step the user is at, drawn again.
    Retry,
}

impl Cb {
    /// What the bot's button data starts with for this journey.
    pub const PREFIX: &'static str = "cl:";

    /// The data after [`Cb::PREFIX`].
    pub fn encode(&self) -> String {
        match self {
            Cb::District(d) => format!("d:{}", d.encode()),
            Cb::Kind(d, k) => format!("k:{}:{}", d.encode(), k.encode()),
            Cb::Page(d, k, page) => format!("p:{}:{}:{page}", d.encode(), k.encode()),
            Cb::Clinic(id) => format!("c:{id}"),
            Cb::BackToDistricts => "bd".to_owned(),
            Cb::BackToKinds => "bk".to_owned(),
            Cb::BackToList => "bl".to_owned(),
            Cb::Map => "m".to_owned(),
            Cb::Book => "b".to_owned(),
            Cb::Retry => "r".to_owned(),
        }
    }

    /// The data after [`Cb::PREFIX`], read back.
    pub fn decode(data: &str) -> Option<Cb> {
        let parts: Vec<&str> = data.split(':').collect();
        let cb = match parts.as_slice() {
            ["d", d] => Cb::District(Tag::decode(d)?),
            ["k", d, k] => Cb::Kind(Tag::decode(d)?, Tag::decode(k)?),
            ["p", d, k, page] => {
                let page: u32 = page.parse().ok().filter(|p| *p >= 1 && *p <= 9999)?;
                Cb::Page(Tag::decode(d)?, Tag::decode(k)?, page)
            }
            ["c", id] => Cb::Clinic(id.parse().ok()?),
            ["bd"] => Cb::BackToDistricts,
            ["bk"] => Cb::BackToKinds,
            ["bl"] => Cb::BackToList,
            ["m"] => Cb::Map,
            ["b"] => Cb::Book,
            ["r"] => Cb::Retry,
            _ => return None,
        };
        Some(cb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::codes::{assert_codec_round_trips, assert_garbage_refused};

    fn all() -> Vec<Cb> {
        let d = Tag::of(&"д".repeat(200));
        let k = Tag::of("Поликлиника взрослая");
        vec![
            Cb::District(d),
            Cb::Kind(d, k),
            Cb::Page(d, k, 1),
            Cb::Page(d, k, 9999),
            Cb::Clinic(i64::MIN),
            Cb::Clinic(i64::MAX),
            Cb::BackToDistricts,
            Cb::BackToKinds,
            Cb::BackToList,
            Cb::Map,
            Cb::Book,
            Cb::Retry,
        ]
    }

    #[test]
    fn every_button_round_trips_within_64_bytes_whatever_the_ids() {
        assert_codec_round_trips(Cb::PREFIX, all(), Cb::encode, Cb::decode);
    }

    #[test]
    fn garbage_does_not_decode() {
        assert_garbage_refused(
            Cb::decode,
            &[
                "",
                "d",
                "d:",
                "d:123",
                "d:zzzzzzzz",
                "k:00000000",
                "p:00000000:00000000:0",
                "p:00000000:00000000:x",
                "p:00000000:00000000:10000",
                "c:",
                "c:1.5",
                "bd:1",
                "x",
                "m:1",
                "🙂",
            ],
        );
    }

    #[test]
    fn a_tag_is_eight_hex_digits_of_fnv_1a() {
        assert_eq!(Tag::of("").encode(), "811c9dc5");
        assert_eq!(Tag::decode(&Tag::of("1").encode()), Some(Tag::of("1")));
        assert_eq!(Tag::decode("811c9dc"), None);
    }
}
