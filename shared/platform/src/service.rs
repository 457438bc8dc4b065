//! The start of every binary: configuration, telemetry, run, and the exit code.
//!
//! A bad or missing variable exits with code 2 and a line naming it, before anything starts;
//! a failure while running is logged once and exits with 1.

use millm_contract::config::{CommonConfig, ConfigError};
use std::process::ExitCode;

pub async fn run<C, Fut, E>(
    name: &'static str,
    load: impl FnOnce() -> Result<C, ConfigError>,
    common: impl FnOnce(&C) -> &CommonConfig,
    serve: impl FnOnce(C) -> Fut,
) -> ExitCode
where
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let config = match load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::from(2);
        }
    };
    let _telemetry = match crate::telemetry::init(name, common(&config)) {
        Ok(telemetry) => telemetry,
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::from(2);
        }
    };
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "{name} stopped");
            ExitCode::FAILURE
        }
    }
}
