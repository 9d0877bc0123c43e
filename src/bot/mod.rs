//! The Telegram side. Bottom up: [`ctx`] (who and with what), the button codes ([`callback`]) and the
//! dialogue's [`state`], [`screen`] and [`reply`] (what a journey answers); the journeys, each in its own
//! module, in the order a user meets them; [`render`] (the screen of any state); the [`shell`], which
//! delivers a journey's reply to Telegram; [`route`], the handler tree. Nothing here imports upwards.

pub mod appointments;
pub mod booking;
pub mod callback;
pub mod children;
pub mod clinics;
pub mod codes;
pub mod commands;
pub mod ctx;
pub mod gosuslugi;
pub mod group;
pub mod me;
pub mod person_form;
pub mod reminders;
pub mod render;
pub mod reply;
pub mod route;
pub mod screen;
pub mod settings;
pub mod shell;
pub mod start;
pub mod state;
pub mod sync;
pub mod visit;
pub mod watch;

pub use callback::Cb;
pub use ctx::{callback_chat, Clock, Ctx, HandlerResult, Who};
pub use group::bot_username;
pub use route::schema;
pub use screen::Screen;
pub use state::{forget_dialogue, save, BotDialogue, State};
