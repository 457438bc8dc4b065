//! The `millm-gpu-worker` service around the numerics: it owns one device and holds at most one model, takes load
//! jobs from its apalis queue on Redis, answers status and unload requests over NATS request/reply, and publishes
//! events and a heartbeat.
//!
//! Pieces: [`config`] (environment), [`app`] (start, the active/standby lease, shutdown), `owner` (the one task that
//! holds the model; load jobs and unloads run through it one at a time), `load_job` and `device_load` (one load:
//! stale-job guard, measured memory, failure mapping), `control` (heartbeats and NATS requests), `jobs` (the queue worker),
//! `autoload` (`AUTO_LOAD_MODEL`), `state` (what heartbeats report), `warmup` (a start-up self-test).

pub mod app;
mod autoload;
pub mod config;
mod control;
mod device_load;
mod jobs;
mod load_job;
mod owner;
mod state;
pub mod warmup;

pub use app::Application;
pub use config::GpuWorkerConfig;

use millm_contract::events::Event;
use millm_platform::bus::{Bus, BusError};
use millm_platform::db::DbError;
use millm_platform::queue::QueueError;
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// What every part of the running service shares.
pub(crate) struct Ctx {
    pub config: GpuWorkerConfig,
    pub pool: PgPool,
    pub bus: Bus,
    pub shared: Arc<state::LiveState>,
    /// Cancelled when the process is asked to stop; every loop and a running load watch it.
    pub shutdown: CancellationToken,
    /// Wakes the heartbeat loop when this process takes over as the active worker.
    pub became_active: Notify,
}

impl Ctx {
    /// Publishes an event; a lost event is logged, never fatal (the record in Postgres stays the truth).
    pub async fn publish(&self, event: Event) {
        if let Err(e) = self.bus.publish_event(&event).await {
            tracing::warn!(event = event.name(), error = %e, "event not published");
        }
    }
}

/// Why the service could not start or keep running. A failed load is not here: it ends in the record and a
/// `model:load:error` event, and the worker keeps serving.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("Postgres: {0}")]
    Db(#[from] DbError),
    #[error("Redis: {0}")]
    Queue(#[from] QueueError),
    #[error("NATS: {0}")]
    Bus(#[from] BusError),
    #[error("cannot subscribe on NATS: {0}")]
    Subscribe(String),
    #[error("DEVICE={0}, but {1}")]
    Device(String, String),
    #[error("the device owner has stopped")]
    OwnerGone,
    #[error("the load queue worker failed: {0}")]
    QueueWorker(String),
    #[error("a blocking task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("METRICS_PORT: cannot serve the operations port: {0}")]
    Ops(std::io::Error),
}
