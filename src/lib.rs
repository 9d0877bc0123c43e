//! kvrachu-bot: book a doctor in the Irkutsk region from Telegram, and be reminded of the visit.

pub mod app;
pub mod bot;
pub mod calendar;
pub mod config;
pub mod domain;
pub mod esia;
pub mod http;
pub mod i18n;
pub mod registry;
pub mod store;
pub mod telemetry;
pub mod visits;
pub mod web;
pub mod workers;
