use std::process::ExitCode;

use kvrachu_bot::{app, config::Settings, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
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
