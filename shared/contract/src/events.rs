//! Events that workers publish on NATS and the gateway relays to Socket.IO `/progress`.
//!
//! An [`Event`] serialises as `{"event": "<socket name>", "data": {…payload…}}`, so the
//! gateway forwards `data` under the `event` name without knowing each kind. Payload fields
//! are snake_case exactly as the contract shows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::model::Model;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DownloadProgress {
    pub model_id: i64,
    /// Percent, 0 to 100.
    pub progress: f64,
    pub bytes_downloaded: u64,
    pub total_bytes: u64,
    /// MiB per second.
    pub speed_mbps: f64,
    #[schema(required = true)]
    pub eta_seconds: Option<f64>,
    pub files_done: u32,
    pub files_total: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelEvent {
    pub model_id: i64,
    pub model: Model,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelError {
    pub model_id: i64,
    pub error: ErrorBody,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelOnly {
    pub model_id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LoadStage {
    Reading,
    Quantizing,
    Verifying,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LoadProgress {
    pub model_id: i64,
    pub stage: LoadStage,
    pub progress: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LoadComplete {
    pub model_id: i64,
    pub memory_used_mb: i64,
    pub model: Model,
}

/// One accelerator (or the host, on the CPU) and its memory in MiB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeviceMemory {
    pub index: u32,
    pub name: String,
    pub total_mb: i64,
    pub used_mb: i64,
    pub free_mb: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkerRef {
    #[schema(required = true)]
    pub id: Option<String>,
    #[schema(required = true)]
    pub instance: Option<String>,
    pub alive: bool,
    #[schema(required = true)]
    pub last_seen: Option<DateTime<Utc>>,
}

/// The body of `GET /api/system/gpu` and of the `system:gpu` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GpuStatus {
    pub worker: WorkerRef,
    #[schema(required = true)]
    pub device: Option<String>,
    pub devices: Vec<DeviceMemory>,
    #[schema(required = true)]
    pub loaded_model_id: Option<i64>,
}

impl GpuStatus {
    /// What a worker's heartbeat says, as the gateway and the worker itself report it. A worker
    /// that stopped beating (`alive` false) is named, but its devices and model are not vouched for.
    pub fn of(state: &crate::workers::GpuWorkerState, alive: bool) -> Self {
        Self {
            worker: WorkerRef {
                id: Some(state.id.clone()),
                instance: Some(state.instance.clone()),
                alive,
                last_seen: Some(state.at),
            },
            device: Some(state.device.clone()),
            devices: if alive { state.devices.clone() } else { Vec::new() },
            loaded_model_id: state.loaded_model_id.filter(|_| alive),
        }
    }

    /// No GPU worker has been seen.
    pub fn none() -> Self {
        Self {
            worker: WorkerRef {
                id: None,
                instance: None,
                alive: false,
                last_seen: None,
            },
            device: None,
            devices: Vec::new(),
            loaded_model_id: None,
        }
    }
}

/// Everything the workers tell the gateway, tagged by its Socket.IO event name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data")]
pub enum Event {
    #[serde(rename = "model:download:progress")]
    DownloadProgress(DownloadProgress),
    #[serde(rename = "model:download:complete")]
    DownloadComplete(ModelEvent),
    #[serde(rename = "model:download:error")]
    DownloadError(ModelError),
    #[serde(rename = "model:download:cancelled")]
    DownloadCancelled(ModelOnly),
    #[serde(rename = "model:load:progress")]
    LoadProgress(LoadProgress),
    #[serde(rename = "model:load:complete")]
    LoadComplete(LoadComplete),
    #[serde(rename = "model:load:error")]
    LoadError(ModelError),
    #[serde(rename = "model:unload:complete")]
    UnloadComplete(ModelOnly),
    #[serde(rename = "system:gpu")]
    SystemGpu(GpuStatus),
}

impl Event {
    /// The Socket.IO event name, e.g. `model:download:progress`.
    pub fn name(&self) -> &'static str {
        match self {
            Event::DownloadProgress(_) => "model:download:progress",
            Event::DownloadComplete(_) => "model:download:complete",
            Event::DownloadError(_) => "model:download:error",
            Event::DownloadCancelled(_) => "model:download:cancelled",
            Event::LoadProgress(_) => "model:load:progress",
            Event::LoadComplete(_) => "model:load:complete",
            Event::LoadError(_) => "model:load:error",
            Event::UnloadComplete(_) => "model:unload:complete",
            Event::SystemGpu(_) => "system:gpu",
        }
    }

    pub fn model_id(&self) -> Option<i64> {
        match self {
            Event::DownloadProgress(e) => Some(e.model_id),
            Event::DownloadComplete(e) => Some(e.model_id),
            Event::DownloadError(e) | Event::LoadError(e) => Some(e.model_id),
            Event::DownloadCancelled(e) | Event::UnloadComplete(e) => Some(e.model_id),
            Event::LoadProgress(e) => Some(e.model_id),
            Event::LoadComplete(e) => Some(e.model_id),
            Event::SystemGpu(_) => None,
        }
    }

    /// The payload alone, as the Socket.IO client receives it.
    pub fn data(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut map)) => map.remove("data").unwrap_or(serde_json::Value::Null),
            _ => serde_json::Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_carries_its_socket_name_and_snake_case_payload() {
        let event = Event::LoadProgress(LoadProgress {
            model_id: 7,
            stage: LoadStage::Quantizing,
            progress: 55.0,
        });
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["event"], "model:load:progress");
        assert_eq!(
            event.data(),
            serde_json::json!({"model_id": 7, "stage": "quantizing", "progress": 55.0})
        );
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }
}
