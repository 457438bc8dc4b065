//! The device owner: the one task that holds the loaded model and changes what the worker holds.
//!
//! Load jobs and unload requests reach it as [`Command`]s over one channel and run one at a time, so a load and an
//! unload never race on the device. An unload of the model being loaded cannot wait its turn: its handler sets the
//! load's abort flag first (see `LiveState::abort_loading`), and the load stops at its next stage boundary.

use millm_contract::error::ErrorBody;
use millm_contract::events::{Event, ModelOnly};
use millm_contract::jobs::LoadJob;
use millm_contract::model::mib;
use millm_contract::workers::UnloadReply;
use millm_platform::db;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use super::Ctx;
use super::ServiceError;
use super::load_job::LoadJobError;
use crate::LoadedModel;
use crate::measure;

pub enum Command {
    Load {
        job: LoadJob,
        /// The job's span: the load runs inside it, on the owner's task.
        span: tracing::Span,
        done: oneshot::Sender<Result<(), LoadJobError>>,
    },
    Unload {
        model_id: i64,
        /// Whether the handler found this model loading and set its abort flag.
        aborted: bool,
        /// The request's span: the unload runs inside it, so its spans join the request's trace.
        span: tracing::Span,
        reply: oneshot::Sender<UnloadReply>,
    },
    /// Drop the model and stop; sent after the queue worker stopped taking jobs.
    Stop { done: oneshot::Sender<()> },
}

/// How the rest of the service talks to the owner.
#[derive(Clone)]
pub struct OwnerHandle {
    tx: mpsc::Sender<Command>,
}

impl OwnerHandle {
    /// Runs a load job through the owner.
    pub async fn load(&self, job: LoadJob, span: tracing::Span) -> Result<(), LoadJobError> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Command::Load { job, span, done })
            .await
            .map_err(|_| LoadJobError::OwnerGone)?;
        wait.await.map_err(|_| LoadJobError::OwnerGone)?
    }

    pub async fn unload(&self, model_id: i64, aborted: bool) -> Result<UnloadReply, ServiceError> {
        let (reply, wait) = oneshot::channel();
        let command = Command::Unload {
            model_id,
            aborted,
            span: tracing::Span::current(),
            reply,
        };
        self.tx.send(command).await.map_err(|_| ServiceError::OwnerGone)?;
        wait.await.map_err(|_| ServiceError::OwnerGone)
    }

    pub async fn stop(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Command::Stop { done }).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// The held model and the record it belongs to.
pub(super) struct Held {
    pub id: i64,
    pub model: LoadedModel,
}

pub struct Owner {
    pub(super) ctx: Arc<Ctx>,
    pub(super) held: Option<Held>,
}

/// Starts the owner task.
pub fn spawn(ctx: Arc<Ctx>) -> (OwnerHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(16);
    let owner = Owner { ctx, held: None };
    (OwnerHandle { tx }, tokio::spawn(owner.run(rx)))
}

impl Owner {
    async fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        while let Some(command) = rx.recv().await {
            match command {
                Command::Load { job, span, done } => {
                    let result = self.load(job).instrument(span).await;
                    let _ = done.send(result);
                }
                Command::Unload {
                    model_id,
                    aborted,
                    span,
                    reply,
                } => {
                    let answer = self.unload(model_id, aborted).instrument(span).await;
                    let _ = reply.send(answer);
                }
                Command::Stop { done } => {
                    // A restarted worker holds nothing: the record goes back to ready now rather than after the
                    // gateway misses three heartbeats.
                    self.drop_model(true).await;
                    let _ = done.send(());
                    return;
                }
            }
        }
    }

    async fn unload(&mut self, model_id: i64, aborted: bool) -> UnloadReply {
        if self.held.as_ref().is_some_and(|h| h.id == model_id) {
            match self.drop_model(true).await {
                Some(released) => UnloadReply::Unloaded {
                    memory_released_mb: released,
                },
                None => UnloadReply::Failed {
                    error: ErrorBody::new(
                        millm_contract::error::ErrorCode::InternalError,
                        "the model was dropped but its record could not be updated",
                    ),
                },
            }
        } else if aborted {
            // The load ended at a stage boundary before this command ran, and put the record back to ready.
            UnloadReply::LoadAborted
        } else {
            UnloadReply::NotLoaded
        }
    }

    /// Drops the held model and measures what that gave back (MiB). With `release`, the record goes back to `ready`
    /// and `model:unload:complete` is published; `None` when that record update failed.
    pub(super) async fn drop_model(&mut self, release: bool) -> Option<i64> {
        let held = self.held.take()?;
        let device = held.model.device;
        let id = held.id;
        let span = tracing::info_span!(
            "unload",
            model.id = id,
            bytes = tracing::field::Empty,
            duration_ms = tracing::field::Empty
        );
        let started = std::time::Instant::now();
        let measured = tokio::task::spawn_blocking(move || {
            let before = measure::used_bytes(device);
            drop(held.model);
            measure::trim_heap();
            let after = measure::used_bytes(device);
            before.zip(after).map(|(b, a)| b.saturating_sub(a)).unwrap_or(0)
        })
        .await
        .unwrap_or(0);
        let released = mib(measured);
        span.record("bytes", measured);
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        tracing::info!(model.id = id, memory_released_mb = released, "model dropped");
        if !release {
            self.ctx.shared.set_loaded(None);
            return Some(released);
        }
        let marked = db::mark_unloaded(&self.ctx.pool, id).await;
        // Forgotten only after the record left `loaded`, so no heartbeat says "nothing held" too early.
        self.ctx.shared.set_loaded(None);
        self.ctx
            .publish(Event::UnloadComplete(ModelOnly { model_id: id }))
            .await;
        match marked {
            Ok(_) => Some(released),
            Err(e) => {
                tracing::error!(model.id = id, error = %e, "could not mark the record unloaded");
                None
            }
        }
    }
}
