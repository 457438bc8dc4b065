//! Keeping records true to the workers: at start, on every GPU heartbeat, when beats stop, and
//! every [`RECONCILE_EVERY`], so that a Redis that lost its keys strands nothing.
//!
//! The GPU worker's heartbeat (its loaded and loading model, its instance id) decides which
//! record is `loaded`; a record the live worker does not hold goes back to `ready` with an
//! explanation. Downloads whose job was lost (Redis flushed, gateway crashed before pushing)
//! are pushed again: the per-model lease makes a duplicate harmless.

use futures::StreamExt;
use millm_contract::jobs::DownloadJob;
use millm_contract::model::ModelStatus;
use millm_contract::names::WorkerKind;
use millm_contract::workers::{DownloaderHeartbeat, GpuWorkerState};
use millm_platform::db::{Lease, LeaseKey};
use millm_platform::{db, queue};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

const NO_WORKER: &str = "No GPU worker holds this model (the worker is not running or restarted); load it again";
/// How long a queued load may wait for the worker to pick it up before a beat says otherwise.
const PICKUP_GRACE: Duration = Duration::from_secs(15);
/// How often downloads whose job is gone are pushed again: well inside the 60 s within which a
/// flushed Redis must be recovered from, and rare enough to cost nothing.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(10);
const LOST: &str = "The GPU worker stopped sending heartbeats; load the model again when it is back";

/// Records `loading`/`loaded` that `worker` does not hold go back to `ready`.
pub async fn settle_loads(state: &AppState, worker: Option<&GpuWorkerState>, grace: Duration, reason: &str) {
    let held: Vec<i64> = worker
        .map(|w| w.loaded_model_id.into_iter().chain(w.loading_model_id).collect())
        .unwrap_or_default();
    match db::release_unheld(&state.pool, &held, grace, reason).await {
        Ok(ids) if !ids.is_empty() => tracing::warn!(?ids, reason, "records released to ready"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "reconciling loads failed"),
    }
}

/// At start: ask the GPU worker what it holds, and push downloads that lost their job.
pub async fn at_start(state: &AppState) {
    let subject = state.bus.names().gpu_status();
    let worker: Option<GpuWorkerState> = state.bus.request(subject, &(), Duration::from_secs(2)).await.ok();
    if let Some(w) = &worker {
        state.workers.record_gpu(w.clone());
    }
    settle_loads(state, worker.as_ref().filter(|w| w.active), Duration::ZERO, NO_WORKER).await;
    if let Err(e) = requeue_lost_downloads(state).await {
        tracing::error!(error = %e, "re-queueing downloads failed");
    }
}

/// Every [`RECONCILE_EVERY`]: push again the downloads that have neither a job nor a worker, on
/// one gateway replica at a time.
pub async fn periodically(state: AppState, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(RECONCILE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await; // the first tick is immediate, and `at_start` has just run
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {
                if let Err(e) = requeue_under_lease(&state).await {
                    tracing::warn!(error = %e, "re-queueing downloads failed; trying again at the next round");
                }
            }
        }
    }
}

/// One replica at a time: with several gateways, the one holding the namespace's reconcile
/// lease does the round and the others skip it (a double push would be harmless, but useless).
async fn requeue_under_lease(state: &AppState) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let key = LeaseKey::Reconcile(state.config.common.millm_namespace.clone());
    let Some(lease) = Lease::try_acquire(&state.pool, key).await? else {
        tracing::debug!("another gateway reconciles this round");
        return Ok(());
    };
    let result = requeue_lost_downloads(state).await;
    lease.release().await;
    result
}

/// Whether a downloader works this model now: it holds the model's lease for the whole job.
async fn lease_held(state: &AppState, model_id: i64) -> Result<bool, db::DbError> {
    match Lease::try_acquire(&state.pool, LeaseKey::Model(model_id)).await? {
        Some(lease) => {
            lease.release().await;
            Ok(false)
        }
        None => Ok(true),
    }
}

/// A `downloading` record with no job in Redis (queued, scheduled or in flight) and no lease
/// holder has lost its job: push it again. The model's lease makes a double push harmless.
async fn requeue_lost_downloads(state: &AppState) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let downloading = db::list_with_status(&state.pool, &[ModelStatus::Downloading]).await?;
    if downloading.is_empty() {
        return Ok(());
    }
    let pending = queue::pending_downloads(&mut state.redis.clone(), state.bus.names()).await?;
    for record in downloading.into_iter().filter(|r| !pending.contains(&r.model.id)) {
        if lease_held(state, record.model.id).await? {
            continue;
        }
        let (Some(repo_id), Some(revision)) = (record.model.repo_id.clone(), record.model.revision.clone()) else {
            continue;
        };
        let job = DownloadJob {
            model_id: record.model.id,
            repo_id,
            revision,
            sealed_token: record.sealed_token,
            traceparent: None,
        };
        queue::push_download(&mut *state.downloads.lock().await, job).await?;
        tracing::info!(model.id = record.model.id, "download job pushed again");
    }
    Ok(())
}

/// Listens to heartbeats; reconciles on each GPU beat and when the GPU worker goes quiet.
pub async fn heartbeats(state: AppState, mut subscriber: async_nats::Subscriber, shutdown: CancellationToken) {
    let beat = state.config.common.heartbeat_secs.get();
    let mut check = tokio::time::interval(beat);
    let mut lost_reported = false;
    let gpu_prefix = state.bus.names().heartbeat(WorkerKind::GpuWorker, "");
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = check.tick() => {
                let lost = state.workers.gpu_lost();
                if lost && !lost_reported {
                    settle_loads(&state, None, Duration::ZERO, LOST).await;
                }
                lost_reported = lost;
            }
            message = subscriber.next() => {
                let Some(message) = message else { break };
                if message.subject.starts_with(gpu_prefix.as_str()) {
                    if let Ok(worker) = serde_json::from_slice::<GpuWorkerState>(&message.payload) {
                        state.workers.record_gpu(worker.clone());
                        if worker.active {
                            settle_loads(&state, Some(&worker), PICKUP_GRACE, NO_WORKER).await;
                        }
                    }
                } else if let Ok(beat) = serde_json::from_slice::<DownloaderHeartbeat>(&message.payload) {
                    state.workers.record_downloader(beat);
                }
            }
        }
    }
}
