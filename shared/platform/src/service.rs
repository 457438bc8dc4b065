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

/// This machine's name, as worker ids carry it: the kernel's hostname (else `$HOSTNAME`), kept
/// to ASCII letters, digits and `-` so that it is safe inside queue and subject names; `host`
/// when neither says anything usable. Every service reads it here.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| {
            h.trim()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned())
}
