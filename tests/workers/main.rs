//! Background workers against a fake Telegram Bot API and a real store, one step at a time with an
//! explicit "now" (no sleeping), plus one run of the real loop.

#[path = "../support/databases.rs"]
mod databases;
#[path = "../support/fake_telegram.rs"]
mod fake_telegram;

mod common;
mod reminders;
mod sync;
mod watch;
mod watch_family;
