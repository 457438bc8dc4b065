//! The load queue: an apalis worker on Redis that hands each job to the device owner.
//!
//! A load never retries by itself: the handler returns `Ok` (done, or a stale job skipped) or `AbortError`, which
//! apalis-redis files as killed instead of re-running it (it would otherwise retry up to 25 times). The worker name is
//! new at every process start, since apalis refuses a reused name for a while even after a clean stop.

use apalis::layers::WorkerBuilderExt;
use apalis::prelude::{AbortError, Data, WorkerBuilder};
use millm_contract::jobs::LoadJob;
use millm_platform::metrics::{JOBS, JOBS_RUNNING};
use millm_platform::queue::{self, Liveness};
use millm_platform::supervise;
use std::sync::Arc;
use tokio::task::JoinHandle;

use super::Ctx;
use super::ServiceError;
use super::owner::OwnerHandle;

async fn handle(job: LoadJob, owner: Data<OwnerHandle>) -> Result<(), AbortError> {
    let model_id = job.model_id;
    let running = metrics::gauge!(JOBS_RUNNING, "queue" => "load");
    running.increment(1.0);
    let span = tracing::info_span!("load_job", model.id = model_id);
    millm_platform::trace::continue_trace(&span, job.traceparent.as_ref());
    let result = owner.load(job, span).await;
    running.decrement(1.0);
    let outcome = if result.is_ok() { "completed" } else { "failed" };
    metrics::counter!(JOBS, "queue" => "load", "outcome" => outcome).increment(1);
    result.map_err(|error| {
        tracing::warn!(model.id = model_id, %error, "load job ended in failure; it will not be retried");
        AbortError::new(error)
    })
}

/// Starts taking load jobs; the returned task ends once shutdown stopped the worker and its job in hand finished.
/// A worker that fails (it lost its backend, or could not register) is started again under a new name by the
/// platform's one supervision, so the process never keeps its lease and heartbeat while taking no jobs.
pub async fn spawn(ctx: Arc<Ctx>, owner: OwnerHandle) -> Result<JoinHandle<()>, ServiceError> {
    let redis = queue::connect(&ctx.config.common.redis_url).await?;
    let live = Liveness {
        keepalive: ctx.config.queue.worker_keepalive_secs.get(),
        orphan_after: ctx.config.queue.orphan_requeue_secs.get(),
    };
    let identity = &ctx.shared.identity;
    let stem = format!("{}-{}", identity.id, &identity.instance[..8]);
    let shutdown = ctx.shutdown.clone();
    Ok(tokio::spawn(async move {
        supervise::restarting("load queue worker", &shutdown, |generation| {
            let name = format!("{stem}-{generation}");
            let storage = queue::load_storage(redis.clone(), ctx.bus.names(), live);
            let worker = WorkerBuilder::new(name.clone())
                .backend(queue::polled(storage))
                .data(owner.clone())
                .concurrency(1)
                .build(handle);
            let shutdown = shutdown.clone();
            tracing::info!(worker = %name, "taking load jobs");
            async move {
                let signal = async move {
                    shutdown.cancelled().await;
                    Ok::<(), apalis::prelude::WorkerError>(())
                };
                // `run_until` reports a worker that failed to register or lost its backend.
                worker
                    .run_until(signal)
                    .await
                    .map_err(|e| ServiceError::QueueWorker(e.to_string()))
            }
        })
        .await;
    }))
}
