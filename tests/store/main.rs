//! The store on both backends: every test runs on SQLite and on PostgreSQL, each on its own database.

#[path = "../support/databases.rs"]
mod databases;

mod booking;
mod children;
mod demo_registry;
mod esia;
mod foundation;
mod recent;
mod reminders;
mod sealed_metadata;
mod security;
mod self_details;
mod watches;
