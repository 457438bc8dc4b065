//! Stopping a download and removing a record's files, shared by cancel and delete.

use millm_contract::events::{Event, ModelOnly};
use millm_contract::model::ModelSource;
use millm_platform::cache::purge_record_files;
use millm_platform::db::{Lease, LeaseKey, ModelRecord};

use crate::state::AppState;

/// After a record is gone: tell its downloader to stop, and announce the cancellation.
pub async fn announce_cancel(state: &AppState, model_id: i64) {
    state.progress.forget(model_id);
    let bus = &state.bus;
    if let Err(e) = bus
        .client()
        .publish(bus.names().download_cancel(model_id), "".into())
        .await
    {
        // The downloader also notices the missing record at its next tick.
        tracing::warn!(model.id = model_id, error = %e, "cancel message not sent");
    }
    if let Err(e) = bus
        .publish_event(&Event::DownloadCancelled(ModelOnly { model_id }))
        .await
    {
        tracing::warn!(model.id = model_id, error = %e, "cancelled event not sent");
    }
}

/// Removes a deleted hub record's files when nobody holds its download lease; a running
/// handler that holds it purges them itself when it stops. Local folders are never touched.
pub async fn purge_if_unheld(state: &AppState, record: &ModelRecord) {
    let model = &record.model;
    let (ModelSource::Huggingface, Some(repo_id), Some(revision)) = (model.source, &model.repo_id, &model.revision)
    else {
        return;
    };
    let lease = match Lease::try_acquire(&state.pool, LeaseKey::Model(model.id)).await {
        Ok(Some(lease)) => lease,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(model.id = model.id, error = %e, "cannot take the download lease to purge files");
            return;
        }
    };
    let root = &state.config.common.model_cache_dir;
    match purge_record_files(&state.pool, root, repo_id, revision).await {
        Ok(purged) => tracing::info!(
            model.id = model.id,
            blobs = purged.blobs.len(),
            partials = purged.partials.len(),
            "files purged"
        ),
        Err(e) => tracing::warn!(model.id = model.id, error = %e, "purging files failed"),
    }
    lease.release().await;
}
