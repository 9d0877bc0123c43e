//! The store on both backends: every test runs on SQLite and on PostgreSQL, each on its own database.

#[path = "../support/databases.rs"]
mod databases;

mod children;
mod esia;
mod foundation;
