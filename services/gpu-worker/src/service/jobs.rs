//! The load queue: an apalis worker on Redis that hands each job to the device owner.
//!
//! A load never retries by itself: the handler returns `Ok` (done, or a stale job skipped) or `AbortError`, which
//! apalis-redis files as killed instead of re-running it (it would otherwise retry up to 25 times). The worker name is
//! new at every process start, since apalis refuses a reused name for a while even after a clean stop.

use apalis::layers::WorkerBuilderExt;
use apalis::prelude::{AbortError, Data, WorkerBuilder};
use millm_contract::jobs::LoadJob;
use millm_platform::queue::{self, Liveness};
use std::sync::Arc;
use tokio::task::JoinHandle;

use super::Ctx;
use super::ServiceError;
use super::owner::OwnerHandle;

async fn handle(job: LoadJob, owner: Data<OwnerHandle>) -> Result<(), AbortError> {
    let model_id = job.model_id;
    owner.load(job).await.map_err(|message| {
        tracing::warn!(model.id = model_id, %message, "load job ended in failure; it will not be retried");
        AbortError::new(message)
    })
}

/// Starts taking load jobs; the returned task ends once shutdown stopped the worker and its job in hand finished.
pub async fn spawn(ctx: Arc<Ctx>, owner: OwnerHandle) -> Result<JoinHandle<()>, ServiceError> {
    let redis = queue::connect(&ctx.config.common.redis_url).await?;
    let live = Liveness {
        keepalive: ctx.config.queue.worker_keepalive_secs.get(),
        orphan_after: ctx.config.queue.orphan_requeue_secs.get(),
    };
    let storage = queue::load_storage(redis, ctx.bus.names(), live);
    let identity = &ctx.shared.identity;
    let name = format!("{}-{}", identity.id, &identity.instance[..8]);
    let worker = WorkerBuilder::new(name.clone())
        .backend(queue::polled(storage))
        .data(owner)
        .concurrency(1)
        .build(handle);
    let shutdown = ctx.shutdown.clone();
    Ok(tokio::spawn(async move {
        let signal = async move {
            shutdown.cancelled().await;
            Ok::<(), apalis::prelude::WorkerError>(())
        };
        tracing::info!(worker = %name, "taking load jobs");
        // `run_until` reports a worker that failed to register or lost its backend; nobody else would.
        if let Err(e) = worker.run_until(signal).await {
            tracing::error!(error = %ServiceError::QueueWorker(e.to_string()), "load queue worker stopped");
        }
    }))
}
