//! Where a user is in booking and «Мои записи»: the part of the dialogue state this journey keeps. A leaf
//! (no screens, no Telegram), so other journeys may name these steps.

use chrono::{Datelike, Duration as Days, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::bot::clinics::state as clinics;
use crate::registry::Slot;

/// This journey's part of the dialogue state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Here {
    /// Booking at one clinic.
    Flow(Box<Flow>),
    /// «Мои записи» is on screen.
    Appointments,
    /// «Отменить запись?» waits for a yes or no about the appointment `id` (the store's id).
    ConfirmCancel { id: i64 },
    /// Text typed at the menu named a child more than one could be («дочь» with two daughters): «Для
    /// кого?» waits for a person, and the text is looked up again for them.
    Which { text: String },
}

impl Here {
    /// Booking at `clinic` from its first step (the specialties), started on the clinic card `from`.
    pub fn at_clinic(clinic: i64, from: Option<clinics::Step>) -> Here {
        Here::Flow(Box::new(Flow {
            from,
            ..Flow::at(clinic, Step::Specialties { page: 1 })
        }))
    }
}

/// A booking in progress at `clinic`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub clinic: i64,
    /// The clinic card the journey started from, for «Назад» from the specialties.
    pub from: Option<clinics::Step>,
    pub step: Step,
    /// What the numbered buttons of the screen on display stand for (registry ids), in order.
    #[serde(default)]
    pub keys: Vec<String>,
}

impl Flow {
    /// `step` at `clinic`, not started from a clinic card, before any numbered buttons are drawn.
    pub fn at(clinic: i64, step: Step) -> Flow {
        Flow {
            clinic,
            from: None,
            step,
            keys: Vec::new(),
        }
    }
}

/// A specialty or a doctor as chosen: the registry's id and the name to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub name: String,
}

/// The slot chosen, kept whole: its id is opaque and booking needs the rest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickedSlot {
    pub id: String,
    /// The region's local time.
    pub start: NaiveDateTime,
    pub end: Option<NaiveDateTime>,
    pub room: Option<String>,
    pub address: Option<String>,
    pub number: Option<String>,
}

impl PickedSlot {
    pub fn of(slot: &Slot) -> PickedSlot {
        PickedSlot {
            id: slot.id.clone(),
            start: slot.visit_start,
            end: slot.visit_end,
            room: slot.room.clone(),
            address: slot.address.clone(),
            number: slot.number.clone(),
        }
    }

    pub fn to_slot(&self) -> Slot {
        Slot {
            id: self.id.clone(),
            visit_start: self.start,
            visit_end: self.end,
            address: self.address.clone(),
            number: self.number.clone(),
            room: self.room.clone(),
        }
    }
}

/// What is about to be booked: the specialty, the doctor and the slot chosen. The steps from the
/// confirmation on carry it; stored, its fields stand in the step as the step's own (a newtype variant
/// reads and writes like a struct variant).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chosen {
    pub specialty: Choice,
    pub doctor: Choice,
    pub slot: PickedSlot,
}

impl Chosen {
    /// The times of the chosen slot's day, to choose again.
    pub fn times(self) -> Step {
        Step::Times {
            specialty: self.specialty,
            doctor: self.doctor,
            day: self.slot.start.date(),
        }
    }
}

/// A step of the booking, in the order the user meets them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Specialties {
        page: u32,
    },
    Doctors {
        specialty: Choice,
        page: u32,
    },
    Days {
        specialty: Choice,
        doctor: Choice,
        /// The Monday of the week on display; `None` for the first week with free slots.
        #[serde(default)]
        week: Option<NaiveDate>,
    },
    Times {
        specialty: Choice,
        doctor: Choice,
        day: NaiveDate,
    },
    /// «Ближайший приём»: the soonest free times of the specialty's doctors, on one screen.
    Soonest {
        specialty: Choice,
    },
    /// The confirmation card; `token` is what its «Подтвердить» carries (new at every drawing). The
    /// choice's fields stand beside the token, as they always did in a stored dialogue.
    Confirm {
        #[serde(flatten)]
        chosen: Chosen,
        token: i64,
    },
    /// Gosuslugi must be linked (and confirmed) first; the choice waits here.
    NeedGosuslugi(Chosen),
    /// The clinic does not know the person: maybe they are attached elsewhere.
    NotFound(Chosen),
}

impl Step {
    /// Whether this is the confirmation whose «Подтвердить» carries `token`.
    pub fn confirms(&self, token: i64) -> bool {
        matches!(self, Step::Confirm { token: shown, .. } if *shown == token)
    }

    /// The confirmation again, after Gosuslugi was linked; `None` unless the choice waits for it.
    pub fn resumed(&self) -> Option<Step> {
        match self.clone() {
            Step::NeedGosuslugi(chosen) => Some(Step::confirm(chosen)),
            _ => None,
        }
    }

    /// The step «Назад» leads to; `None` from the specialties (back to the clinic card).
    pub fn back(&self) -> Option<Step> {
        match self.clone() {
            Step::Specialties { .. } => None,
            Step::Doctors { .. } => Some(Step::Specialties { page: 1 }),
            Step::Days { specialty, .. } | Step::Soonest { specialty } => {
                Some(Step::Doctors { specialty, page: 1 })
            }
            Step::Times {
                specialty,
                doctor,
                day,
            } => Some(Step::Days {
                specialty,
                doctor,
                week: Some(monday_of(day)),
            }),
            Step::Confirm { chosen, .. } | Step::NeedGosuslugi(chosen) | Step::NotFound(chosen) => {
                Some(chosen.times())
            }
        }
    }

    /// The confirmation of `chosen`, its token yet to be drawn.
    pub fn confirm(chosen: Chosen) -> Step {
        Step::Confirm { chosen, token: 0 }
    }
}

/// The Monday of `day`'s week.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::days(i64::from(day.weekday().num_days_from_monday()))
}

#[cfg(test)]
pub(in crate::bot) mod tests {
    use super::*;

    /// A specialty or a doctor, as chosen.
    pub(in crate::bot) fn choice(id: &str, name: &str) -> Choice {
        Choice {
            id: id.into(),
            name: name.into(),
        }
    }

    fn chosen() -> Chosen {
        Chosen {
            specialty: choice("109", "Терапевт"),
            doctor: choice("d1", "Иванова Анна Сергеевна"),
            slot: PickedSlot {
                id: "s-1".into(),
                start: NaiveDate::from_ymd_opt(2026, 12, 1)
                    .unwrap()
                    .and_hms_opt(9, 30, 0)
                    .unwrap(),
                end: None,
                room: Some("12".into()),
                address: None,
                number: None,
            },
        }
    }

    /// The choice's fields as a dialogue stored them in the steps, before [`Chosen`] was a type.
    fn stored_fields() -> serde_json::Value {
        serde_json::json!({
            "specialty": {"id": "109", "name": "Терапевт"},
            "doctor": {"id": "d1", "name": "Иванова Анна Сергеевна"},
            "slot": {
                "id": "s-1",
                "start": "2026-12-01T09:30:00",
                "end": null,
                "room": "12",
                "address": null,
                "number": null
            }
        })
    }

    #[test]
    fn a_dialogue_stored_before_the_choice_was_one_type_reads_and_writes_as_before() {
        let mut confirm = stored_fields();
        confirm["token"] = serde_json::json!(777);
        let stored = [
            (
                serde_json::json!({ "Confirm": confirm }),
                Step::Confirm {
                    chosen: chosen(),
                    token: 777,
                },
            ),
            (
                serde_json::json!({ "NeedGosuslugi": stored_fields() }),
                Step::NeedGosuslugi(chosen()),
            ),
            (
                serde_json::json!({ "NotFound": stored_fields() }),
                Step::NotFound(chosen()),
            ),
        ];
        for (json, step) in stored {
            assert_eq!(serde_json::from_value::<Step>(json.clone()).unwrap(), step);
            assert_eq!(serde_json::to_value(&step).unwrap(), json);
        }
    }
}
