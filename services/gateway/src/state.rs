//! What every handler shares: connections, clients, and the gateway's live views.

use millm_contract::config::Secret;
use millm_platform::bus::Bus;
use millm_platform::hub::HubClient;
use millm_platform::queue::{DownloadStorage, LoadStorage};
use millm_platform::seal::Sealer;
use redis::aio::ConnectionManager;
use socketioxide::SocketIo;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Mutex as AsyncMutex;

use crate::config::GatewayConfig;
use crate::services::workers::WorkerRegistry;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<GatewayConfig>,
    pub pool: PgPool,
    pub redis: ConnectionManager,
    pub downloads: Arc<AsyncMutex<DownloadStorage>>,
    pub loads: Arc<AsyncMutex<LoadStorage>>,
    pub bus: Bus,
    pub hub: HubClient,
    pub sealer: Sealer,
    pub progress: Arc<ProgressCache>,
    pub workers: Arc<WorkerRegistry>,
    pub io: SocketIo,
}

impl AppState {
    pub fn api_key(&self) -> Option<&Secret> {
        self.config.http.millm_api_key.as_ref()
    }

    /// The token a request brings, else `HF_TOKEN`.
    pub fn hub_token(&self, from_request: Option<Secret>) -> Option<Secret> {
        from_request.or_else(|| self.config.hub.hf_token.clone())
    }
}

/// The latest download progress per model, from the workers' events.
#[derive(Debug, Default)]
pub struct ProgressCache {
    latest: Mutex<HashMap<i64, f64>>,
}

impl ProgressCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, f64>> {
        self.latest.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set(&self, model_id: i64, percent: f64) {
        self.lock().insert(model_id, percent);
    }

    pub fn forget(&self, model_id: i64) {
        self.lock().remove(&model_id);
    }

    pub fn get(&self, model_id: i64) -> Option<f64> {
        self.lock().get(&model_id).copied()
    }
}
