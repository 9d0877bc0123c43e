//! The slot watches' button data, `wt:…`: ids and small numbers only (a slot is named by a short hash of
//! its id, never by the id itself). A leaf.

use crate::bot::codes::{by_code, code_where, digits, parse_id as id};

/// The journey's button data, `wt:…`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    /// «Записать» under a notice: book the slot (its [`slot_tag`]) for the watch's person.
    Book(i64, u32),
    /// «Пропустить этот» under a notice: skip the slot, keep watching.
    Skip(i64, u32),
    /// «Другое время»: the booking at the watched doctor or specialty, for the watch's person.
    Open(i64),
    /// «Не следить» (under a notice or on a watch's card).
    Stop(i64),
    /// The list of watches.
    List,
    /// A watch's card in the list.
    Card(i64),
    /// Pause or resume a watch.
    Pause(i64),
    /// Auto-book on or off on a watch's card.
    AutoBook(i64),
    /// Change a watch's window (the form).
    Edit(i64),
    /// The form: for whom (0: the user, else a child's id).
    For(i64),
    /// The form: a preset window (see [`super::form::PRESETS`]).
    Preset(u8),
    /// The form: «Своё окно», typed.
    Typed,
    /// The form: auto-book on or off.
    FormAuto,
    /// The form: move a later visit to an earlier slot, on or off.
    FormRebook,
    /// The form: «Готово».
    Done,
    /// The form: «Назад» (to where it was opened from).
    Cancel,
}

/// A slot's short tag in button data: FNV-1a of its id (the id itself stays server-side).
pub fn slot_tag(slot_id: &str) -> u32 {
    slot_id.bytes().fold(0x811c_9dc5u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

fn tag(raw: &str) -> Option<u32> {
    (raw.len() == 8)
        .then(|| u32::from_str_radix(raw, 16).ok())
        .flatten()
}

fn child(raw: &str) -> Option<i64> {
    if raw == "0" {
        return Some(0);
    }
    id(raw)
}

/// A button of one watch, made of the watch's id.
type OfWatch = fn(i64) -> Cb;

/// The buttons of one watch, by code: `wt:{code}:{id}`.
const OF_WATCH: [(&str, OfWatch); 6] = [
    ("o", Cb::Open),
    ("x", Cb::Stop),
    ("c", Cb::Card),
    ("p", Cb::Pause),
    ("a", Cb::AutoBook),
    ("e", Cb::Edit),
];

impl Cb {
    pub fn encode(&self) -> String {
        match self {
            Cb::Book(id, tag) => format!("wt:b:{id}:{tag:08x}"),
            Cb::Skip(id, tag) => format!("wt:s:{id}:{tag:08x}"),
            Cb::Open(id)
            | Cb::Stop(id)
            | Cb::Card(id)
            | Cb::Pause(id)
            | Cb::AutoBook(id)
            | Cb::Edit(id) => {
                let code = code_where(&OF_WATCH, |of| of(*id) == *self);
                format!("wt:{code}:{id}")
            }
            Cb::List => "wt:l".to_owned(),
            Cb::For(child) => format!("wt:f:{child}"),
            Cb::Preset(n) => format!("wt:w:{n}"),
            Cb::Typed => "wt:t".to_owned(),
            Cb::FormAuto => "wt:fa".to_owned(),
            Cb::FormRebook => "wt:fr".to_owned(),
            Cb::Done => "wt:d".to_owned(),
            Cb::Cancel => "wt:q".to_owned(),
        }
    }

    /// Decodes what follows `wt:`.
    pub fn decode(rest: &[&str]) -> Option<Cb> {
        Some(match rest {
            ["b", raw, t] => Cb::Book(id(raw)?, tag(t)?),
            ["s", raw, t] => Cb::Skip(id(raw)?, tag(t)?),
            // The notices of before issue 16 carried «Записаться» as `wt:b:{id}`.
            ["b", raw] => Cb::Open(id(raw)?),
            ["l"] => Cb::List,
            ["f", raw] => Cb::For(child(raw)?),
            ["w", n] if digits(n) && n.len() == 1 => Cb::Preset(n.parse().ok()?),
            [code, raw] => by_code(&OF_WATCH, code)?(id(raw)?),
            ["t"] => Cb::Typed,
            ["fa"] => Cb::FormAuto,
            ["fr"] => Cb::FormRebook,
            ["d"] => Cb::Done,
            ["q"] => Cb::Cancel,
            _ => return None,
        })
    }
}
