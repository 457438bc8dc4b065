//! What workers say about themselves: heartbeats, and the GPU worker's request/reply messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ErrorBody;
use crate::events::DeviceMemory;

/// Published by each downloader process every `HEARTBEAT_SECS`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DownloaderHeartbeat {
    pub id: String,
    pub running_jobs: u32,
    /// Bytes per second over the last interval, all jobs together.
    pub bytes_per_sec: f64,
    pub at: DateTime<Utc>,
}

/// The GPU worker's state: its heartbeat, and its answer to a status request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuWorkerState {
    pub id: String,
    /// New at every process start: a restarted worker holds nothing.
    pub instance: String,
    /// `cpu` or `cuda:N`.
    pub device: String,
    pub devices: Vec<DeviceMemory>,
    pub loaded_model_id: Option<i64>,
    pub loading_model_id: Option<i64>,
    /// Measured footprint of the loaded model, MiB.
    pub loaded_memory_mb: Option<i64>,
    /// `DEVICE_MEMORY_LIMIT_MB`, when set.
    pub memory_limit_mb: Option<i64>,
    /// Whether this process is the active worker (a second one stands by).
    pub active: bool,
    pub at: DateTime<Utc>,
}

/// Ask the GPU worker to unload, or abort the load of, a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnloadRequest {
    pub model_id: i64,
}

/// The GPU worker's answer to an [`UnloadRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum UnloadReply {
    Unloaded { memory_released_mb: i64 },
    LoadAborted,
    NotLoaded,
    Failed { error: ErrorBody },
}
