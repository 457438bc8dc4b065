//! Live workers, as their NATS heartbeats tell: who is alive, and what the GPU worker holds.
//!
//! A worker is alive while its last beat is younger than three `HEARTBEAT_SECS`. The GPU
//! worker's beat is also the truth about which record is `loaded` (see `reconcile`).

use chrono::{DateTime, Utc};
use millm_contract::events::GpuStatus;
use millm_contract::workers::{DownloaderHeartbeat, GpuWorkerState};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use utoipa::ToSchema;

#[derive(Debug)]
pub struct WorkerRegistry {
    lost_after: Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    downloaders: HashMap<String, (Instant, DownloaderHeartbeat)>,
    gpu: HashMap<String, (Instant, GpuWorkerState)>,
}

/// A downloader as `/api/health` lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DownloaderView {
    pub id: String,
    pub running_jobs: u32,
    pub bytes_per_sec: f64,
    pub last_seen: DateTime<Utc>,
}

/// A GPU worker as `/api/health` lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GpuWorkerView {
    pub id: String,
    pub instance: String,
    pub device: String,
    #[schema(required = true)]
    pub loaded_model_id: Option<i64>,
    pub active: bool,
    pub last_seen: DateTime<Utc>,
}

impl WorkerRegistry {
    pub fn new(heartbeat: Duration) -> Self {
        Self {
            lost_after: heartbeat * 3,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn record_downloader(&self, beat: DownloaderHeartbeat) {
        self.lock().downloaders.insert(beat.id.clone(), (Instant::now(), beat));
    }

    pub fn record_gpu(&self, state: GpuWorkerState) {
        self.lock().gpu.insert(state.id.clone(), (Instant::now(), state));
    }

    fn alive(&self, seen: Instant) -> bool {
        seen.elapsed() < self.lost_after
    }

    pub fn downloaders(&self) -> Vec<DownloaderView> {
        let inner = self.lock();
        let mut list: Vec<_> = inner
            .downloaders
            .values()
            .filter(|(seen, _)| self.alive(*seen))
            .map(|(_, b)| DownloaderView {
                id: b.id.clone(),
                running_jobs: b.running_jobs,
                bytes_per_sec: b.bytes_per_sec,
                last_seen: b.at,
            })
            .collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        list
    }

    pub fn gpu_workers(&self) -> Vec<GpuWorkerView> {
        let inner = self.lock();
        let mut list: Vec<_> = inner
            .gpu
            .values()
            .filter(|(seen, _)| self.alive(*seen))
            .map(|(_, s)| GpuWorkerView {
                id: s.id.clone(),
                instance: s.instance.clone(),
                device: s.device.clone(),
                loaded_model_id: s.loaded_model_id,
                active: s.active,
                last_seen: s.at,
            })
            .collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        list
    }

    /// The live, active GPU worker's latest state.
    pub fn active_gpu(&self) -> Option<GpuWorkerState> {
        let inner = self.lock();
        inner
            .gpu
            .values()
            .filter(|(seen, s)| self.alive(*seen) && s.active)
            .max_by_key(|(seen, _)| *seen)
            .map(|(_, s)| s.clone())
    }

    /// Whether a GPU worker was seen at all and has now gone quiet.
    pub fn gpu_lost(&self) -> bool {
        let inner = self.lock();
        !inner.gpu.is_empty() && !inner.gpu.values().any(|(seen, s)| self.alive(*seen) && s.active)
    }

    /// The body of `GET /api/system/gpu`.
    pub fn gpu_status(&self) -> GpuStatus {
        let inner = self.lock();
        let latest = inner
            .gpu
            .values()
            .filter(|(_, s)| s.active)
            .max_by_key(|(seen, _)| *seen);
        match latest {
            Some((seen, s)) => GpuStatus::of(s, self.alive(*seen)),
            None => GpuStatus::none(),
        }
    }
}
