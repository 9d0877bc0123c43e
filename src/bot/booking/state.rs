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
            clinic,
            from,
            step: Step::Specialties { page: 1 },
            keys: Vec::new(),
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
    /// The confirmation card; `token` is what its «Подтвердить» carries (new at every drawing).
    Confirm {
        specialty: Choice,
        doctor: Choice,
        slot: PickedSlot,
        token: i64,
    },
    /// Gosuslugi must be linked (and confirmed) first; the choice waits here.
    NeedGosuslugi {
        specialty: Choice,
        doctor: Choice,
        slot: PickedSlot,
    },
    /// The clinic does not know the person: maybe they are attached elsewhere.
    NotFound {
        specialty: Choice,
        doctor: Choice,
        slot: PickedSlot,
    },
}

impl Step {
    /// Whether this is the confirmation whose «Подтвердить» carries `token`.
    pub fn confirms(&self, token: i64) -> bool {
        matches!(self, Step::Confirm { token: shown, .. } if *shown == token)
    }

    /// The confirmation again, after Gosuslugi was linked; `None` unless the choice waits for it.
    pub fn resumed(&self) -> Option<Step> {
        match self.clone() {
            Step::NeedGosuslugi {
                specialty,
                doctor,
                slot,
            } => Some(Step::confirm(specialty, doctor, slot)),
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
            Step::Confirm {
                specialty,
                doctor,
                slot,
                ..
            }
            | Step::NeedGosuslugi {
                specialty,
                doctor,
                slot,
            }
            | Step::NotFound {
                specialty,
                doctor,
                slot,
            } => Some(Step::Times {
                specialty,
                doctor,
                day: slot.start.date(),
            }),
        }
    }

    pub fn confirm(specialty: Choice, doctor: Choice, slot: PickedSlot) -> Step {
        Step::Confirm {
            specialty,
            doctor,
            slot,
            token: 0,
        }
    }
}

/// The Monday of `day`'s week.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::days(i64::from(day.weekday().num_days_from_monday()))
}
