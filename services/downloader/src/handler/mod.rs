//! One download job, start to end, knowing nothing of apalis.
//!
//! Take the model's lease (held → another handler runs it: skip), register the job's stop
//! switch, re-read the record (gone or not `downloading` → skip, so a replayed job is a no-op),
//! then download ([`run`]) and settle the outcome ([`outcome`]): `ready` with the facts, `error`
//! with the message, files purged after a cancel, or the job handed back for the queue on
//! shutdown. The lease is released last, after everything the holder must do.

mod facts;
mod fetch;
mod outcome;
mod plan;
mod progress;
mod run;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use millm_contract::config::Secret;
use millm_contract::jobs::DownloadJob;
use millm_contract::model::ModelStatus;
use millm_platform::bus::Bus;
use millm_platform::db::{self, DbError, Lease, LeaseKey};
use millm_platform::hub::HubClient;
use millm_platform::metrics::{DOWNLOAD_SECONDS, JOBS, JOBS_RUNNING};
use millm_platform::seal::Sealer;
use sqlx::PgPool;
use tracing::Instrument;

use crate::registry::JobRegistry;
use crate::transfer::TransferEngine;

pub use plan::PlannedFile;

/// How long a job waits for a model lease that another handler holds.
const LEASE_PATIENCE: Duration = Duration::from_secs(3);

/// What every job needs; one per process, shared by all handlers.
#[derive(Debug)]
pub struct JobContext {
    pub pool: PgPool,
    pub bus: Bus,
    pub hub: HubClient,
    pub sealer: Sealer,
    /// `HF_TOKEN`, used when the job brings no token.
    pub hf_token: Option<Secret>,
    pub engine: TransferEngine,
    /// `MODEL_CACHE_DIR`.
    pub root: PathBuf,
    pub registry: Arc<JobRegistry>,
    /// Files fetched at once within one job.
    pub max_files: usize,
}

/// How a job ended, when it ended in a way the queue should treat as done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// The record is `ready`.
    Completed,
    /// The record is `error`; the partial files stay for a retry.
    Failed,
    /// The gateway cancelled it (or the record vanished); files no record uses are purged.
    Cancelled,
    /// Stopped by shutdown, leases released: the caller must push the job again.
    Requeue,
    /// Nothing to do: another handler holds the model, or the record moved on.
    Skipped(&'static str),
}

/// A job that could not even record its own outcome (the database is unreachable).
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("database error while handling the job: {0}")]
    Db(#[from] DbError),
}

/// Runs one job under its span (`model.id`, `repo_id`, `size_bytes`, `duration_ms`).
pub async fn handle_download(job: DownloadJob, ctx: &JobContext) -> Result<Handled, JobError> {
    let span = tracing::info_span!(
        "download_job",
        model.id = job.model_id,
        repo_id = %job.repo_id,
        size_bytes = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    millm_platform::trace::continue_trace(&span, job.traceparent.as_ref());
    let started = Instant::now();
    let running = metrics::gauge!(JOBS_RUNNING, "queue" => "download");
    running.increment(1.0);
    let result = handle(&job, ctx).instrument(span.clone()).await;
    running.decrement(1.0);
    let elapsed = started.elapsed();
    span.record("duration_ms", elapsed.as_millis() as u64);
    let outcome = match &result {
        Ok(Handled::Completed) => {
            metrics::histogram!(DOWNLOAD_SECONDS).record(elapsed.as_secs_f64());
            "completed"
        }
        Ok(Handled::Failed) => "failed",
        Ok(Handled::Cancelled) => "cancelled",
        Ok(Handled::Requeue) => "requeued",
        Ok(Handled::Skipped(_)) => "skipped",
        Err(_) => "error",
    };
    metrics::counter!(JOBS, "queue" => "download", "outcome" => outcome).increment(1);
    match &result {
        Ok(handled) => tracing::info!(parent: &span, ?handled, "download job handled"),
        Err(e) => tracing::error!(parent: &span, error = %e, "download job failed"),
    }
    result
}

async fn handle(job: &DownloadJob, ctx: &JobContext) -> Result<Handled, JobError> {
    let Some(lease) = take_model_lease(ctx, job.model_id).await? else {
        return Ok(Handled::Skipped("another handler holds this model"));
    };
    // Registered before the record is read: a cancel that deletes the record after our read
    // then still reaches this job.
    let registered = ctx.registry.register(job.model_id);
    let result = async {
        let record = db::get(&ctx.pool, job.model_id).await?;
        let Some(record) = record.filter(|r| r.model.status == ModelStatus::Downloading) else {
            return Ok(Handled::Skipped("the record is gone or no longer downloading"));
        };
        let ended = run::download(job, ctx, &registered.stop, record.model.quantization).await;
        outcome::settle(job, ctx, &registered.stop, ended).await
    }
    .await;
    drop(registered);
    lease.release().await;
    result
}

/// The model's lease, waiting a moment when it is held: a handler that just failed the record
/// still holds it while it publishes the error, and a retry's job may already be here. A lease
/// still held after that belongs to a handler that really runs this model.
async fn take_model_lease(ctx: &JobContext, model_id: i64) -> Result<Option<Lease>, DbError> {
    let deadline = Instant::now() + LEASE_PATIENCE;
    loop {
        if let Some(lease) = Lease::try_acquire(&ctx.pool, LeaseKey::Model(model_id)).await? {
            return Ok(Some(lease));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
