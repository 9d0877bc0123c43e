//! The reminder buttons' data, `ap:…`. A leaf.

use crate::bot::codes::{by_code, code_where, parse_id as id};

/// Offset choices offered in the settings, in seconds, largest first.
pub const PRESETS: [&[i64]; 4] = [&[86_400, 7_200], &[86_400], &[7_200], &[3_600]];

/// Button data of this journey, all under the `ap:` prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cb {
    /// «Отменить запись» under a reminder.
    Cancel(i64),
    /// «Как добраться»: the clinic as a venue.
    Route(i64),
    /// «Добавить в календарь»: the `.ics` file.
    Calendar(i64),
    /// «Настройки → Напоминания».
    Settings,
    /// Reminders on or off.
    Enable(bool),
    /// One of [`PRESETS`], by index.
    Preset(u8),
}

/// A button under a reminder, made of the visit's id (the store's).
type OfVisit = fn(i64) -> Cb;

/// The buttons under a reminder, by code: `ap:{code}:{id}`.
const OF_VISIT: [(&str, OfVisit); 3] = [("c", Cb::Cancel), ("m", Cb::Route), ("i", Cb::Calendar)];

impl Cb {
    pub fn encode(&self) -> String {
        match self {
            Cb::Cancel(id) | Cb::Route(id) | Cb::Calendar(id) => {
                let code = code_where(&OF_VISIT, |of| of(*id) == *self);
                format!("ap:{code}:{id}")
            }
            Cb::Settings => "ap:set".to_owned(),
            Cb::Enable(true) => "ap:on".to_owned(),
            Cb::Enable(false) => "ap:off".to_owned(),
            Cb::Preset(index) => format!("ap:p:{index}"),
        }
    }

    /// Decodes what follows `ap:`.
    pub fn decode(rest: &[&str]) -> Option<Cb> {
        Some(match rest {
            ["set"] => Cb::Settings,
            ["on"] => Cb::Enable(true),
            ["off"] => Cb::Enable(false),
            ["p", raw] => {
                let index: u8 = raw.parse().ok()?;
                if usize::from(index) >= PRESETS.len() || raw.len() != 1 {
                    return None;
                }
                Cb::Preset(index)
            }
            [code, raw] => by_code(&OF_VISIT, code)?(id(raw)?),
            _ => return None,
        })
    }
}
