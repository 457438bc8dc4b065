//! The process's heartbeat on NATS: id, running jobs and bytes/s, every `HEARTBEAT_SECS`.
//!
//! The gateway lists live downloaders in `/api/health` from these beats and forgets one after
//! three missed beats. The loop ends with the process's stop signal.

use std::sync::Arc;
use std::time::{Duration, Instant};

use millm_contract::names::WorkerKind;
use millm_contract::workers::DownloaderHeartbeat;
use millm_platform::bus::Bus;
use tokio_util::sync::CancellationToken;

use crate::registry::JobRegistry;

pub async fn run(bus: Bus, id: String, registry: Arc<JobRegistry>, every: Duration, stop: CancellationToken) {
    let subject = bus.names().heartbeat(WorkerKind::Downloader, &id);
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = (Instant::now(), registry.fetched());
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let now = (Instant::now(), registry.fetched());
        let elapsed = now.0.duration_since(last.0).as_secs_f64();
        let bytes_per_sec = if elapsed > 0.0 {
            now.1.saturating_sub(last.1) as f64 / elapsed
        } else {
            0.0
        };
        last = now;
        let beat = DownloaderHeartbeat {
            id: id.clone(),
            running_jobs: u32::try_from(registry.running()).unwrap_or(u32::MAX),
            bytes_per_sec,
            at: chrono::Utc::now(),
        };
        if let Err(e) = bus.publish_json(subject.clone(), &beat).await {
            tracing::warn!(error = %e, "heartbeat not sent");
        }
    }
}
