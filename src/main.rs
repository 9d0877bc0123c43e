use std::process::ExitCode;

use kvrachu_bot::{app, config::Settings, telemetry};

/// jemalloc gives the pages a burst of chats used back to the system within a second or two; glibc's
/// allocator kept them (3,000 chats at once: ~75 MiB for good with glibc, ~53 MiB two seconds after the
/// burst with jemalloc, measured by `examples/load.rs`; mimalloc was tried and kept ~75-95 MiB).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings: a background thread gives pages unused for a second back to the system.
#[export_name = "_rjem_malloc_conf"]
pub static MALLOC_CONF: &[u8] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

#[tokio::main]
async fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("rotate-key") => return rotate_key().await,
        Some("healthcheck") => return healthcheck(std::env::args().nth(2)).await,
        Some(other) => {
            eprintln!("kvrachu-bot: unknown command {other:?}; the commands are rotate-key and healthcheck");
            return ExitCode::from(2);
        }
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("kvrachu-bot: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init();
    let run = async { app::build(settings).await?.run_until_stopped().await };
    match run.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("kvrachu-bot: {err:#}");
            if err.downcast_ref::<app::AnotherPoller>().is_some() {
                // Restarting would not help: systemd's RestartPreventExitStatus names this code.
                ExitCode::from(3)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// `kvrachu-bot rotate-key`: see `app::rotate_key`.
async fn rotate_key() -> ExitCode {
    let settings = match kvrachu_bot::config::RotationSettings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("kvrachu-bot: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    match app::rotate_key(settings).await {
        Ok(done) => {
            println!("kvrachu-bot: {done}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("kvrachu-bot: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `kvrachu-bot healthcheck [PATH]`: asks the running bot's HTTP server (`HTTP_ADDR`, a wildcard address
/// asked on the loopback) for `PATH` (default `/readyz`); exit 0 on 200. For container health checks in
/// an image without curl.
async fn healthcheck(path: Option<String>) -> ExitCode {
    let addr = std::env::var("HTTP_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let Ok(mut addr) = addr.parse::<std::net::SocketAddr>() else {
        eprintln!("kvrachu-bot: HTTP_ADDR: expected host:port, e.g. 127.0.0.1:8080");
        return ExitCode::from(2);
    };
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let path = path.unwrap_or_else(|| "/readyz".to_owned());
    let client = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            eprintln!("kvrachu-bot: {err}");
            return ExitCode::FAILURE;
        }
    };
    match client.get(format!("http://{addr}{path}")).send().await {
        Ok(resp) if resp.status().is_success() => ExitCode::SUCCESS,
        Ok(resp) => {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            eprintln!("kvrachu-bot: {path}: {status} {}", body.trim());
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("kvrachu-bot: {path}: {err}");
            ExitCode::FAILURE
        }
    }
}
