//! The one in-process gateway every crate's tests start: port 0, a fresh database and namespace
//! ([`crate::env`]), no web UI (the Rust tests build none), a two-second unload timeout.

use std::path::Path;

use millm_gateway::config::HttpSettings;
use millm_gateway::{Application, GatewayConfig};
use millm_platform::contract::config::Seconds;

use crate::env::{common_config, hub_config};

/// A gateway configuration for a test: `cache` as `MODEL_CACHE_DIR`, `hub_url` as `HF_ENDPOINT`.
pub async fn test_config(cache: &Path, hub_url: &str) -> GatewayConfig {
    GatewayConfig {
        common: common_config(cache).await,
        hub: hub_config(hub_url),
        http: HttpSettings {
            host: "127.0.0.1".into(),
            port: 0,
            local_model_roots: Default::default(),
            millm_api_key: None,
            graceful_unload_timeout: Seconds::from_secs(2),
            millm_ui_dir: std::path::PathBuf::from("no-ui-in-rust-tests"),
        },
    }
}

/// A gateway serving in the background of the test's runtime.
#[derive(Debug, Clone)]
pub struct RunningGateway {
    /// `http://127.0.0.1:{port}`.
    pub address: String,
    /// The operations port, when the configuration asked for one.
    pub ops_port: Option<u16>,
}

/// Builds the gateway from `config` (creating its cache folder) and serves it until the test ends.
///
/// # Panics
/// When the gateway cannot start: the test cannot run.
pub async fn start(config: &GatewayConfig) -> RunningGateway {
    std::fs::create_dir_all(&config.common.model_cache_dir).expect("cache dir");
    let app = Application::build(config.clone()).await.expect("gateway builds");
    let running = RunningGateway {
        address: format!("http://127.0.0.1:{}", app.port()),
        ops_port: app.ops_port(),
    };
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    running
}
