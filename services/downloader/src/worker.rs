//! The apalis side, and the only module that knows apalis: one worker on the download queue
//! per process, running `MAX_DOWNLOAD_WORKERS` jobs at once, adapting [`handle_download`].
//!
//! - Every job error is returned as `AbortError`: attempts are counted in the transfer engine,
//!   so apalis (which would re-run a failure 25 times) never re-runs a finished job.
//! - A job stopped by shutdown is pushed again as a fresh job, after its leases are released,
//!   so no attempt is counted and any process may pick it up.
//! - Worker names are unique per start (`{id}-{generation}`): apalis refuses a reused name for
//!   heartbeat × missed beats. A worker that fails (registration, Redis) is started again under
//!   a new name by the platform's one supervision (`supervise::restarting`), because nothing
//!   else would notice it stopped.
//! - The queue is polled every 25 ms (one cheap Redis call), so a job starts at once rather than at the next apalis
//!   heartbeat.

use std::sync::Arc;

use apalis::prelude::{AbortError, BoxDynError, Data, WorkerBuilder, WorkerBuilderExt, WorkerContext, WorkerError};
use millm_contract::jobs::DownloadJob;
use millm_contract::names::Names;
use millm_platform::queue::{self, DownloadStorage, Liveness};
use millm_platform::supervise;
use redis::aio::ConnectionManager;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::handler::{Handled, JobContext, handle_download};

/// What the worker needs to run.
pub struct WorkerSetup {
    pub ctx: Arc<JobContext>,
    pub conn: ConnectionManager,
    pub names: Names,
    pub liveness: Liveness,
    pub concurrency: usize,
    /// The process's id; worker names add a generation to it.
    pub id: String,
}

#[derive(Clone)]
struct WorkerHandles {
    ctx: Arc<JobContext>,
    /// A storage of its own for pushing stopped jobs back.
    requeue: Arc<Mutex<DownloadStorage>>,
}

/// Runs the worker until `stop` fires, then stops taking jobs, stops the running ones (they
/// go back on the queue) and returns once they have handed their jobs back.
pub async fn run(setup: WorkerSetup, stop: CancellationToken) {
    let shared = WorkerHandles {
        ctx: setup.ctx.clone(),
        requeue: Arc::new(Mutex::new(queue::download_storage(
            setup.conn.clone(),
            &setup.names,
            setup.liveness,
        ))),
    };
    supervise::restarting("download worker", &stop, |generation| {
        let name = format!("{}-{generation}", setup.id);
        let storage = queue::download_storage(setup.conn.clone(), &setup.names, setup.liveness);
        let worker = WorkerBuilder::new(name.as_str())
            .backend(queue::polled(storage))
            .data(shared.clone())
            .concurrency(setup.concurrency)
            .build(run_job);
        let (registry, stopping) = (setup.ctx.registry.clone(), stop.clone());
        tracing::info!(worker = %name, concurrency = setup.concurrency, "download worker starting");
        async move {
            worker
                .run_with_ctx(move |worker: WorkerContext| {
                    let (registry, stopping) = (registry.clone(), stopping.clone());
                    async move {
                        stopping.cancelled().await;
                        // Stop the running jobs first: the worker's stop waits for them to end.
                        registry.shutdown_all();
                        worker.stop().or_else(not_started_is_fine)
                    }
                })
                .await?;
            tracing::info!(worker = %name, "download worker stopped");
            Ok::<(), WorkerError>(())
        }
    })
    .await;
}

fn not_started_is_fine(e: WorkerError) -> Result<(), WorkerError> {
    tracing::debug!(error = %e, "worker stopped before it started");
    Ok(())
}

/// The adapter: a plain handler result becomes Done, or `AbortError` (never a retry).
async fn run_job(job: DownloadJob, shared: Data<WorkerHandles>) -> Result<(), BoxDynError> {
    match handle_download(job.clone(), &shared.ctx).await {
        Ok(Handled::Requeue) => {
            let model_id = job.model_id;
            let mut storage = shared.requeue.lock().await;
            match queue::push_download(&mut storage, job).await {
                Ok(()) => {
                    tracing::info!(model.id = model_id, "stopped by shutdown; job pushed back on the queue");
                    Ok(())
                }
                Err(e) => {
                    // Then let apalis keep its own copy (a plain error is retried): one attempt
                    // counted is better than a record left `downloading` with no job.
                    tracing::error!(model.id = model_id, error = %e, "could not push the stopped job back");
                    Err(e.into())
                }
            }
        }
        Ok(_) => Ok(()),
        Err(e) => Err(Box::new(AbortError::new(e))),
    }
}
