//! Settling a job's end in Postgres, on NATS and in the cache, as the model lease's holder.

use millm_contract::events::{Event, ModelError, ModelEvent};
use millm_contract::jobs::DownloadJob;
use millm_contract::model::{ErrorStage, ModelStatus};
use millm_platform::cache::purge_record_files;
use millm_platform::db;

use super::run::Ended;
use super::{Handled, JobContext, JobError};
use crate::registry::{JobStop, StopReason};

pub async fn settle(job: &DownloadJob, ctx: &JobContext, stop: &JobStop, ended: Ended) -> Result<Handled, JobError> {
    let id = job.model_id;
    match ended {
        Ended::Done { facts, cache_path } => {
            match db::complete_download(&ctx.pool, id, &job.revision, &cache_path, facts).await? {
                Some(record) => {
                    let event = Event::DownloadComplete(ModelEvent {
                        model_id: id,
                        model: record.model,
                    });
                    publish(ctx, &event).await;
                    Ok(Handled::Completed)
                }
                None => {
                    // Deleted while we finished: the files are ours to remove.
                    purge(job, ctx).await;
                    Ok(Handled::Cancelled)
                }
            }
        }
        Ended::Failed(failure) => {
            tracing::warn!(model.id = id, error = %failure, "download failed");
            let message = failure.0.message.clone();
            let moved = db::fail(
                &ctx.pool,
                id,
                ModelStatus::Downloading,
                ModelStatus::Error,
                ErrorStage::Download,
                &message,
            )
            .await?;
            if moved.is_none() {
                purge(job, ctx).await;
                return Ok(Handled::Cancelled);
            }
            let event = Event::DownloadError(ModelError {
                model_id: id,
                error: failure.0,
            });
            publish(ctx, &event).await;
            Ok(Handled::Failed)
        }
        Ended::Stopped => match stop.reason() {
            Some(StopReason::Shutdown) => Ok(Handled::Requeue),
            Some(StopReason::Cancelled) | None => {
                purge(job, ctx).await;
                Ok(Handled::Cancelled)
            }
        },
    }
}

/// The gateway could not purge while we held the lease, so we do; `purge_record_files` keeps
/// whatever another record still uses or may resume.
async fn purge(job: &DownloadJob, ctx: &JobContext) {
    match purge_record_files(&ctx.pool, &ctx.root, &job.repo_id, &job.revision).await {
        Ok(purged) => tracing::info!(
            model.id = job.model_id,
            blobs = purged.blobs.len(),
            partials = purged.partials.len(),
            "files of the cancelled download purged"
        ),
        Err(e) => tracing::warn!(model.id = job.model_id, error = %e, "purging files failed"),
    }
}

async fn publish(ctx: &JobContext, event: &Event) {
    if let Err(e) = ctx.bus.publish_event(event).await {
        tracing::warn!(event = event.name(), error = %e, "event not sent");
    }
}
