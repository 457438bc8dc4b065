//! `millm-gateway`: serve the API; `millm-gateway migrate` applies migrations and exits.

use millm_gateway::{Application, GatewayConfig};
use millm_platform::{db, telemetry};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = match GatewayConfig::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("millm-gateway: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let _telemetry = match telemetry::init("millm-gateway", &config.common) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("millm-gateway: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let result = match std::env::args().nth(1).as_deref() {
        Some("migrate") => migrate(&config).await,
        Some(other) => Err(format!("unknown command '{other}' (only 'migrate')")),
        None => serve(config).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "millm-gateway stopped");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn migrate(config: &GatewayConfig) -> Result<(), String> {
    db::ensure_database(&config.common.database_url)
        .await
        .map_err(|e| e.to_string())?;
    let pool = db::connect(&config.common.database_url, 1)
        .await
        .map_err(|e| e.to_string())?;
    db::migrate(&pool).await.map_err(|e| e.to_string())?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn serve(config: GatewayConfig) -> Result<(), String> {
    let app = Application::build(config).await.map_err(|e| e.to_string())?;
    app.run_until_stopped(millm_platform::shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}
