//! Background work that runs beside the dispatcher: reminders before visits, the appointment sync with
//! the registry, and slot watches. Each worker is a small `try_execute_step(now)` that tests call
//! directly, and a loop around it that sleeps until there is something to do or it is told to stop.

pub mod reminders;
pub mod sync;
pub mod watch;

pub use reminders::{ReminderWorker, StepOutcome};
pub use sync::{SyncStep, SyncWorker};
pub use watch::{WatchStep, WatchWorker};
