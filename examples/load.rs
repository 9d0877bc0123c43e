//! Load driver: the whole application (polling, SQLite in a temporary directory) against an in-process
//! fake Bot API; `CHATS` chats (default 3000) each send /start at once. Prints updates/s, the peak RSS
//! while they are handled and the RSS once they are all answered.
//!
//!     cargo run --release --example load            # CHATS=3000
//!     CHATS=500 cargo run --release --example load

#[path = "../tests/support/fake_telegram.rs"]
mod fake_telegram;

use std::time::{Duration, Instant};

use fake_telegram::FakeTelegram;

/// This process's resident set size in MiB, from /proc.
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let chats: usize = std::env::var("CHATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("load.db").display());
    let api = fake.url();
    let settings = kvrachu_bot::config::Settings::from_lookup(|name| match name {
        "TELOXIDE_TOKEN" => Some("123456:LOAD-token".to_owned()),
        "TELOXIDE_API_URL" => Some(api.clone()),
        "DATABASE_URL" => Some(db.clone()),
        "HTTP_ADDR" => Some("127.0.0.1:0".to_owned()),
        _ => None,
    })?;
    let app = kvrachu_bot::app::build(settings).await?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run(async {
        stopped.await.ok();
    }));
    let idle = rss_mib();

    let started = Instant::now();
    for i in 0..chats {
        fake.user_says(1_000_000 + i as i64, "/start");
    }
    let mut peak = rss_mib();
    let deadline = started + Duration::from_secs(600);
    while fake.calls_to("sendMessage").len() < chats && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        peak = peak.max(rss_mib());
    }
    let elapsed = started.elapsed();
    let answered = fake.calls_to("sendMessage").len();
    // What stays once the burst is over: after 2 s and after 10 s of idling (the allocator gives freed
    // pages back to the system on its own clock, so both are reported).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_mib();
    tokio::time::sleep(Duration::from_secs(8)).await;
    let settled = rss_mib();
    println!(
        "chats {chats}, answered {answered} in {:.1} s: {:.0} updates/s; RSS idle {idle:.1} MiB, peak {peak:.1} MiB, after 2 s {after:.1} MiB, after 10 s {settled:.1} MiB",
        elapsed.as_secs_f64(),
        answered as f64 / elapsed.as_secs_f64()
    );
    let _ = stop.send(());
    running.await??;
    Ok(())
}
