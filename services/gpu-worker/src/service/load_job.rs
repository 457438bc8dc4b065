//! The owner's side of a load job: the stale-job guard, unloading the current model, measuring memory around the
//! device work, and writing the outcome to the record and the event stream.
//!
//! A job runs only while its record is `loading` with the job's `load_id`; anything else (a replay, an orphan
//! re-queued after a crash, a load the gateway already gave up on) is a no-op that succeeds.

use millm_contract::error::{ErrorBody, ErrorCode};
use millm_contract::events::{Event, LoadComplete, LoadProgress, ModelError, ModelOnly};
use millm_contract::jobs::LoadJob;
use millm_contract::model::{ErrorStage, ModelStatus, mib};
use millm_platform::db::{self, DbError, ModelRecord};
use millm_platform::metrics::LOAD_SECONDS;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::device_load::{self, LoadFailure};
use super::owner::{Held, Owner};
use crate::{LoadOptions, measure};

/// Why a load job did not end with the model loaded (a stale job that did nothing is no error).
#[derive(Debug, thiserror::Error)]
pub enum LoadJobError {
    /// The load failed; the record and the `model:load:error` event already say why.
    #[error("{code}: {message}")]
    Failed { code: ErrorCode, message: String },
    #[error("Postgres: {0}")]
    Db(#[from] DbError),
    #[error("the load task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("the device owner has stopped")]
    OwnerGone,
}

impl Owner {
    pub(super) async fn load(&mut self, job: LoadJob) -> Result<(), LoadJobError> {
        let id = job.model_id;
        let load_id = job.load_id;
        let pool = &self.ctx.pool;
        if !db::load_is_current(pool, id, load_id).await? {
            tracing::info!(model.id = id, %load_id, "load job is stale (replayed or superseded): nothing to do");
            return Ok(());
        }
        let Some(record) = db::get(pool, id).await? else {
            return Ok(());
        };
        let abort = self.ctx.shutdown.child_token();
        self.ctx.shared.set_loading(Some((id, abort.clone())));
        // One model at a time: the current one goes first, and its record back to ready.
        self.drop_model(true).await;
        let result = self.load_record(&record, load_id, abort).await;
        self.ctx.shared.set_loading(None);
        result
    }

    async fn load_record(
        &mut self,
        record: &ModelRecord,
        load_id: Uuid,
        abort: CancellationToken,
    ) -> Result<(), LoadJobError> {
        let id = record.model.id;
        let config = &self.ctx.config;
        let dir = record.files_dir(&config.common.model_cache_dir);
        let device = self.ctx.shared.identity.device;
        let opts = LoadOptions {
            quant: device_load::quant_of(record.model.quantization),
            device,
            limit_bytes: config.limit_bytes(),
            plain_kind: None,
        };
        tracing::info!(model.id = id, dir = %dir.display(), quant = opts.quant.as_str(), "load started");
        let started = std::time::Instant::now();
        let span = tracing::info_span!(
            "load",
            model.id = id,
            quantization = record.model.quantization.as_str(),
            bytes = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let device_span = span.clone();
        let (tx, rx) = mpsc::unbounded_channel();
        let forwarder = tokio::spawn(forward_progress(self.ctx.clone(), rx));
        let work_dir = dir.clone();
        let work = tokio::task::spawn_blocking(move || {
            // The stages' spans (read, quantize, check pass) are children of the load's.
            let _load = device_span.enter();
            let before = measure::used_bytes(device);
            let progress = |stage, percent| {
                let _ = tx.send(LoadProgress {
                    model_id: id,
                    stage,
                    progress: percent,
                });
            };
            let result = device_load::run(&work_dir, opts, &progress, &|| abort.is_cancelled());
            let after = measure::used_bytes(device);
            (before, result, after)
        })
        .await;
        let _ = forwarder.await;
        let (before, result, after) = work?;
        let delta = before.zip(after).map(|(b, a)| a as i64 - b as i64).unwrap_or(0);
        match result {
            Ok(model) => {
                let memory_used_mb = mib(delta.max(0) as u64);
                span.record("bytes", model.weight_bytes());
                span.record("duration_ms", started.elapsed().as_millis() as u64);
                let quantization = record.model.quantization.as_str();
                metrics::histogram!(LOAD_SECONDS, "quantization" => quantization)
                    .record(started.elapsed().as_secs_f64());
                self.finish(record, load_id, model, memory_used_mb).await
            }
            Err(error) => {
                // The contract wants memory back within 5 % of the model's size; say so when it is not.
                let change_mb = delta as f64 / 1048576.0;
                let estimated_mb = record.model.estimated_memory_mb.unwrap_or(0) as f64;
                if change_mb.abs() > (0.05 * estimated_mb).max(1.0) {
                    tracing::warn!(
                        model.id = id,
                        change_mb,
                        estimated_mb,
                        "a failed load left memory behind"
                    );
                } else {
                    tracing::info!(
                        model.id = id,
                        change_mb,
                        "memory is back where it was before the failed load"
                    );
                }
                self.fail(record, load_id, LoadFailure::of(&error, &dir)).await
            }
        }
    }

    async fn finish(
        &mut self,
        record: &ModelRecord,
        load_id: Uuid,
        model: crate::LoadedModel,
        memory_used_mb: i64,
    ) -> Result<(), LoadJobError> {
        let id = record.model.id;
        self.held = Some(Held { id, model });
        // Held before the record says loaded (see `state`).
        self.ctx.shared.set_loaded(Some((id, memory_used_mb)));
        match db::finish_load(&self.ctx.pool, id, load_id, memory_used_mb).await {
            Ok(Some(loaded)) => {
                tracing::info!(model.id = id, memory_used_mb, "model loaded");
                let event = Event::LoadComplete(LoadComplete {
                    model_id: id,
                    memory_used_mb,
                    model: loaded.model,
                });
                self.ctx.publish(event).await;
                Ok(())
            }
            Ok(None) => {
                // The record moved on while we loaded (unloaded, reconciled, deleted): the model is nobody's.
                tracing::info!(model.id = id, "load superseded while running; dropping the model");
                self.drop_model(false).await;
                Ok(())
            }
            Err(e) => {
                self.drop_model(false).await;
                Err(e.into())
            }
        }
    }

    async fn fail(&mut self, record: &ModelRecord, load_id: Uuid, failure: LoadFailure) -> Result<(), LoadJobError> {
        let id = record.model.id;
        let pool = &self.ctx.pool;
        // A stale job must not touch a record that a newer load now owns.
        let current = db::load_is_current(pool, id, load_id).await.unwrap_or(false);
        let (to, body) = match failure {
            LoadFailure::Aborted => {
                if current && let Err(e) = db::mark_unloaded(pool, id).await {
                    tracing::error!(model.id = id, error = %e, "could not put the aborted load back to ready");
                }
                tracing::info!(model.id = id, "load aborted");
                self.ctx
                    .publish(Event::UnloadComplete(ModelOnly { model_id: id }))
                    .await;
                return Ok(());
            }
            LoadFailure::Memory { message, details } => (
                ModelStatus::Ready,
                ErrorBody::new(ErrorCode::InsufficientMemory, message).with_details(details),
            ),
            LoadFailure::Files { code, message } => (ModelStatus::Error, ErrorBody::new(code, message)),
        };
        tracing::warn!(model.id = id, code = %body.code, message = %body.message, "load failed");
        if current {
            let failed = db::fail(pool, id, ModelStatus::Loading, to, ErrorStage::Load, &body.message).await;
            if let Err(e) = failed {
                tracing::error!(model.id = id, error = %e, "could not record the failed load");
            }
        }
        let failed = LoadJobError::Failed {
            code: body.code,
            message: body.message.clone(),
        };
        self.ctx
            .publish(Event::LoadError(ModelError {
                model_id: id,
                error: body,
            }))
            .await;
        Err(failed)
    }
}

/// Publishes the blocking load's progress ticks as `model:load:progress` events, in order.
async fn forward_progress(ctx: std::sync::Arc<super::Ctx>, mut rx: mpsc::UnboundedReceiver<LoadProgress>) {
    while let Some(progress) = rx.recv().await {
        ctx.publish(Event::LoadProgress(progress)).await;
    }
}
