//! Fresh databases for tests: a temporary SQLite file, or a new PostgreSQL database on 127.0.0.1:5432
//! (user postgres, trust auth) that is dropped when the test ends. `PG_URL` points elsewhere if needed.
#![allow(dead_code)]

use kvrachu_bot::store::{DataKey, Store};

pub fn admin_url() -> String {
    std::env::var("PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A database that is removed when dropped.
pub struct TestDb {
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        TestDb {
            url,
            pg_name: None,
            _dir: Some(dir),
        }
    }

    pub async fn postgres() -> TestDb {
        use sqlx::Connection;
        let name = format!("kvrachu_test_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .expect("PostgreSQL must run on 127.0.0.1:5432 (see .ci/run)");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.ok();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        TestDb {
            url: url.to_string(),
            pg_name: Some(name),
            _dir: None,
        }
    }

    pub async fn store(&self, key: &DataKey) -> Store {
        Store::connect(&self.url, key).await.unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs outside async code: use a small runtime of our own on a separate thread.
        let admin = admin_url();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

/// Declares one async test per backend: `both_backends!(name, |store| async { … })`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let db = $crate::databases::TestDb::sqlite().await;
                let key = kvrachu_bot::store::DataKey::generate();
                let store = db.store(&key).await;
                ($body)(store, db.url.clone(), key).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                let db = $crate::databases::TestDb::postgres().await;
                let key = kvrachu_bot::store::DataKey::generate();
                let store = db.store(&key).await;
                ($body)(store.clone(), db.url.clone(), key).await;
                // Close the pool before the database is dropped.
                store.close().await;
            }
        }
    };
}

/// Every value of one bytes column (`SELECT <column> FROM <table>`), read past the store, straight from
/// the database at `url`: for checking what is kept at rest.
pub async fn raw_column(url: &str, table: &str, column: &str) -> Vec<Vec<u8>> {
    let sql = format!("SELECT {column} FROM {table}");
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let raw = sqlx::query_scalar(&sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        raw
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let raw = sqlx::query_scalar(&sql).fetch_all(&pool).await.unwrap();
        pool.close().await;
        raw
    }
}

/// Whether `needle` occurs anywhere in `raw`.
pub fn bytes_contain(raw: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    raw.windows(needle.len()).any(|w| w == needle)
}
