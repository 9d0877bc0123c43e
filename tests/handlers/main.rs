//! Handler tests: the real dispatcher and handler tree against teloxide_tests' fake Bot API, with the real
//! store on a temporary SQLite file. `teloxide_tests` runs one bot at a time (a global lock), so these tests
//! effectively run in sequence.

mod ask;
mod booking;
mod booking_display;
mod children;
mod clinics;
mod errors;
mod gosuslugi;
mod harness;
mod reminders;
mod shortcuts;
mod start;
mod watch;

pub use harness::*;
