//! The reminder buttons' data, `ap:…`. A leaf.

use crate::bot::codes::parse_id as id;

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

impl Cb {
    pub fn encode(&self) -> String {
        match self {
            Cb::Cancel(id) => format!("ap:c:{id}"),
            Cb::Route(id) => format!("ap:m:{id}"),
            Cb::Calendar(id) => format!("ap:i:{id}"),
            Cb::Settings => "ap:set".to_owned(),
            Cb::Enable(true) => "ap:on".to_owned(),
            Cb::Enable(false) => "ap:off".to_owned(),
            Cb::Preset(index) => format!("ap:p:{index}"),
        }
    }

    /// Decodes what follows `ap:`.
    pub fn decode(rest: &[&str]) -> Option<Cb> {
        Some(match rest {
            ["c", raw] => Cb::Cancel(id(raw)?),
            ["m", raw] => Cb::Route(id(raw)?),
            ["i", raw] => Cb::Calendar(id(raw)?),
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
            _ => return None,
        })
    }
}
