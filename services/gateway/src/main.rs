//! `millm-gateway`: serve the API; `millm-gateway migrate` applies migrations and exits;
//! `millm-gateway openapi` prints the OpenAPI document.

use millm_gateway::{Application, GatewayConfig};
use millm_platform::{db, service, shutdown_signal};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let command = std::env::args().nth(1);
    // The document needs no configuration: `make openapi` writes it for the web UI's types.
    if command.as_deref() == Some("openapi") {
        print!("{}", millm_gateway::routes::system::openapi::document());
        return std::process::ExitCode::SUCCESS;
    }
    service::run(
        "millm-gateway",
        GatewayConfig::from_env,
        |c| &c.common,
        |config| async move {
            match command.as_deref() {
                Some("migrate") => migrate(&config).await,
                Some(other) => Err(format!("unknown command '{other}' (only 'migrate' and 'openapi')")),
                None => serve(config).await,
            }
        },
    )
    .await
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
    app.run_until_stopped(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}
