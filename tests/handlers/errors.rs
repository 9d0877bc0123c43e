//! A journey that fails on the way (here: the database loses a table mid-conversation) answers the tap and
//! tells the user in a screen with «Повторить» and «Меню», never leaves them in silence.

use teloxide_tests::server::Responses;

use crate::*;

/// What the user sees instead of silence.
const SORRY: &str = "😔 Что-то пошло не так";

/// Breaks `table` in the harness's database (what a failing disk or a lost connection looks like to a
/// handler) and restores it afterwards.
async fn broken(h: &Harness, table: &str) -> sqlx::SqlitePool {
    let pool = sqlx::SqlitePool::connect(&h.db_url).await.unwrap();
    sqlx::query(&format!("ALTER TABLE {table} RENAME TO {table}_broken"))
        .execute(&pool)
        .await
        .unwrap();
    pool
}

/// How many apologies the update got.
fn apologies(responses: &Responses) -> usize {
    texts(responses)
        .iter()
        .filter(|t| t.starts_with(SORRY))
        .count()
}

fn texts(responses: &Responses) -> Vec<String> {
    responses
        .sent_messages
        .iter()
        .filter_map(|m| m.text().map(str::to_owned))
        .collect()
}

async fn mended(pool: sqlx::SqlitePool, table: &str) {
    sqlx::query(&format!("ALTER TABLE {table}_broken RENAME TO {table}"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_journey_that_fails_on_the_way_tells_the_user_with_a_screen() {
    let h = Harness::new().await;
    h.consented().await;
    // (the table a journey needs, the button that starts it)
    let journeys = [
        ("children", "s:kids"),
        ("appointments", "s:appts"),
        ("slot_watches", "s:appts"),
        ("esia_links", "s:gu"),
        ("booking_claims", "bk:ok:1"),
    ];
    let mut bot = h.bot(tap("menu"));
    bot.dispatch().await;
    for (table, data) in journeys {
        let pool = broken(&h, table).await;
        let responses = tap_on(&mut bot, data).await;
        mended(pool, table).await;
        assert!(
            !responses.answered_callback_queries.is_empty(),
            "{data}: the tap is answered"
        );
        let sorry: Vec<_> = responses
            .sent_messages
            .iter()
            .filter(|m| m.text().is_some_and(|t| t.starts_with(SORRY)))
            .collect();
        assert_eq!(sorry.len(), 1, "{data} without {table}: one apology");
        assert_eq!(
            message_keyboard(sorry[0]),
            vec![vec![
                ("🔄 Повторить".to_owned(), "here".to_owned()),
                ("« Меню".to_owned(), "menu".to_owned())
            ]],
            "{data}"
        );
        // «Повторить» with the database back shows the step the user is at.
        let again = tap_on(&mut bot, "here").await;
        assert_eq!(
            apologies(&again),
            0,
            "{data}: «Повторить» works once the database is back"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_that_fails_tells_the_user_too() {
    let h = Harness::new().await;
    h.consented().await;
    let pool = broken(&h, "dialogues").await;
    let mut bot = h.bot(text("/start"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    mended(pool, "dialogues").await;
    assert_eq!(apologies(&responses), 1, "{:?}", texts(&responses));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_the_store_cannot_load_is_told_in_telegrams_language() {
    let h = Harness::new().await;
    h.consented().await;
    let pool = broken(&h, "users").await;
    let mut bot = h.bot(tap("menu"));
    bot.dispatch().await;
    let responses = bot.get_responses();
    mended(pool, "users").await;
    assert_eq!(responses.answered_callback_queries.len(), 1);
    assert_eq!(apologies(&responses), 1, "{:?}", texts(&responses));
}
