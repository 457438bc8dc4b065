//! What every handler shares: connections, clients, and the gateway's live views.

use millm_contract::config::Secret;
use millm_contract::events::DownloadProgress;
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
use crate::domain::workers::WorkerRegistry;

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

/// The latest download progress per model, as relayed to clients.
#[derive(Debug, Default)]
pub struct ProgressCache {
    latest: Mutex<HashMap<i64, DownloadProgress>>,
}

impl ProgressCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, DownloadProgress>> {
        self.latest.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Raises `p` to at least the figures last relayed for its model, remembers it, and returns it.
    ///
    /// A download resumed after its process died restarts from its resume state, which can lag the
    /// last event by the bytes that were in flight; clients see the bar hold until the real figure
    /// passes it, never go back. Complete, error, cancel, retry and delete forget the model.
    pub fn raise(&self, mut p: DownloadProgress) -> DownloadProgress {
        let mut latest = self.lock();
        if let Some(last) = latest.get(&p.model_id) {
            p.progress = p.progress.max(last.progress);
            p.bytes_downloaded = p.bytes_downloaded.max(last.bytes_downloaded);
            p.files_done = p.files_done.max(last.files_done);
        }
        latest.insert(p.model_id, p.clone());
        p
    }

    pub fn forget(&self, model_id: i64) {
        self.lock().remove(&model_id);
    }

    pub fn get(&self, model_id: i64) -> Option<f64> {
        self.lock().get(&model_id).map(|p| p.progress)
    }
}
