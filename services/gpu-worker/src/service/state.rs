//! What the worker holds, shared between the device owner (the only writer) and the heartbeat and status answers,
//! which read it without waiting for a load to finish.
//!
//! Ordering rule that keeps the gateway's reconciliation safe: the owner records a model here *before* it marks the
//! record `loading`/`loaded` in Postgres, and forgets it only *after* the record went back to `ready`; so every
//! heartbeat holds at least what Postgres says the worker holds.

use chrono::Utc;
use millm_contract::events::DeviceMemory;
use millm_contract::model::mib;
use millm_contract::workers::GpuWorkerState;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use tch::Device;
use tokio_util::sync::CancellationToken;

use crate::measure;

/// Who this process is: `id` is stable for the host and pid, `instance` is new at every start.
#[derive(Debug, Clone)]
pub struct Identity {
    pub id: String,
    pub instance: String,
    pub device: Device,
}

impl Identity {
    pub fn new(device: Device) -> Self {
        let host = millm_platform::service::hostname();
        Self {
            id: format!("gpu-worker-{host}-{}", std::process::id()),
            instance: uuid::Uuid::new_v4().to_string(),
            device,
        }
    }

    /// `cpu` or `cuda:N`, as heartbeats and `/api/system/gpu` spell it.
    pub fn device_name(&self) -> String {
        match self.device {
            Device::Cuda(n) => format!("cuda:{n}"),
            _ => "cpu".into(),
        }
    }
}

#[derive(Debug, Default)]
struct Holding {
    /// The loaded model's id and measured footprint in MiB.
    loaded: Option<(i64, i64)>,
    /// The model being loaded, and the flag an unload sets to abort it.
    loading: Option<(i64, CancellationToken)>,
}

#[derive(Debug)]
pub struct LiveState {
    pub identity: Identity,
    limit_mb: Option<i64>,
    active: AtomicBool,
    holding: Mutex<Holding>,
}

impl LiveState {
    pub fn new(identity: Identity, limit_mb: Option<u64>) -> Self {
        Self {
            identity,
            limit_mb: limit_mb.map(|mb| mb as i64),
            active: AtomicBool::new(false),
            holding: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Holding> {
        self.holding.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_active(&self) {
        self.active.store(true, Ordering::SeqCst);
    }

    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::SeqCst)
    }

    pub fn set_loading(&self, loading: Option<(i64, CancellationToken)>) {
        self.lock().loading = loading;
    }

    pub fn set_loaded(&self, loaded: Option<(i64, i64)>) {
        self.lock().loaded = loaded;
    }

    /// Sets the abort flag when `model_id` is loading; tells whether it was.
    pub fn abort_loading(&self, model_id: i64) -> bool {
        match &self.lock().loading {
            Some((id, token)) if *id == model_id => {
                token.cancel();
                true
            }
            _ => false,
        }
    }

    /// The heartbeat and status body. Reads NVML or sysinfo: call it off the async threads.
    pub fn snapshot(&self) -> GpuWorkerState {
        let (loaded, loading) = {
            let holding = self.lock();
            (holding.loaded, holding.loading.as_ref().map(|(id, _)| *id))
        };
        let loaded_mb = loaded.map(|(_, mb)| mb);
        GpuWorkerState {
            id: self.identity.id.clone(),
            instance: self.identity.instance.clone(),
            device: self.identity.device_name(),
            devices: devices(self.identity.device, self.limit_mb, loaded_mb.unwrap_or(0)),
            loaded_model_id: loaded.map(|(id, _)| id),
            loading_model_id: loading,
            loaded_memory_mb: loaded_mb,
            memory_limit_mb: self.limit_mb,
            active: self.is_active(),
            at: Utc::now(),
        }
    }
}

/// The owned device's memory in MiB: NVML on CUDA, the host (sysinfo's available memory is free) on the CPU. Under
/// a limit, the device looks as large as the limit, of which the loaded model uses its measured footprint.
fn devices(device: Device, limit_mb: Option<i64>, loaded_mb: i64) -> Vec<DeviceMemory> {
    let found = match device {
        Device::Cuda(n) => measure::cuda_devices().into_iter().find(|d| d.index as usize == n),
        _ => measure::host_memory(),
    };
    let Some(found) = found else {
        tracing::warn!(device = ?device, "cannot read the device's memory");
        return Vec::new();
    };
    let (total, used, free) = (mib(found.total), mib(found.used), mib(found.free));
    let (total, used, free) = match limit_mb {
        Some(limit) => (
            total.min(limit),
            loaded_mb.min(limit),
            free.min(limit - loaded_mb).max(0),
        ),
        None => (total, used, free),
    };
    vec![DeviceMemory {
        index: found.index,
        name: found.name,
        total_mb: total,
        used_mb: used,
        free_mb: free,
    }]
}
