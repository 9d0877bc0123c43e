use std::process::ExitCode;

use kvrachu_bot::{app, config::Settings, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None => {}
        Some("rotate-key") => return rotate_key().await,
        Some(other) => {
            eprintln!("kvrachu-bot: unknown command {other:?}; the only command is rotate-key");
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
            ExitCode::FAILURE
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
