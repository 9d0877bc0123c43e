//! The bot's HTTP server: `/healthz` answers 200 while the database answers and 503 when it does not.

#[path = "support/databases.rs"]
mod databases;

use kvrachu_bot::http::{router, HttpState};
use kvrachu_bot::store::DataKey;

async fn serve(state: HttpState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(state)).await.unwrap() });
    format!("http://{addr}")
}

async fn health_of(db: databases::TestDb) {
    let store = db.store(&DataKey::generate()).await;
    let base = serve(HttpState {
        store: store.clone(),
        esia: None,
    })
    .await;

    let ok = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(ok.text().await.unwrap(), "ok\n");

    store.close().await;
    let down = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(down.status().as_u16(), 503);
    assert_eq!(down.text().await.unwrap(), "database unavailable\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_follows_the_sqlite_database() {
    health_of(databases::TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_follows_the_postgres_database() {
    health_of(databases::TestDb::postgres().await).await;
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let db = databases::TestDb::sqlite().await;
    let store = db.store(&DataKey::generate()).await;
    let base = serve(HttpState { store, esia: None }).await;
    let resp = reqwest::get(format!("{base}/nope")).await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}
