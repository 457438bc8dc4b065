//! `POST /api/models/{id}/retry`: re-queue a failed download (202, same id).

use axum::extract::State;
use axum::response::Response;
use millm_contract::jobs::DownloadJob;
use millm_contract::model::ModelSource;
use millm_platform::metrics::JOBS_RETRIED;
use millm_platform::{db, queue};

use super::delete::busy;
use super::read::{find, view};
use crate::http::documented::{AUTHORIZED, MODEL_ID, STORED};
use crate::http::{ApiError, ModelId, Success, accepted};
use crate::route_errors;
use crate::state::AppState;
use millm_contract::error::ErrorCode;
use millm_contract::model::Model;

route_errors!(RetryErrors: AUTHORIZED, STORED, MODEL_ID, &[ErrorCode::ModelBusy]);

#[utoipa::path(post, path = "/api/models/{id}/retry", tag = "models", params(ModelId),
    responses((status = 202, description = "Download re-queued; the record is downloading", body = Success<Model>), RetryErrors))]
#[tracing::instrument(skip_all, fields(model.id = id))]
pub async fn retry_download(State(state): State<AppState>, ModelId(id): ModelId) -> Result<Response, ApiError> {
    let record = find(&state, id).await?;
    if record.model.source != ModelSource::Huggingface {
        return Err(busy(record.model.status));
    }
    let Some(restarted) = db::restart_download(&state.pool, id).await? else {
        return Err(busy(record.model.status));
    };
    let (Some(repo_id), Some(revision)) = (restarted.model.repo_id.clone(), restarted.model.revision.clone()) else {
        return Err(ApiError::internal("hub record without repo or revision"));
    };
    let job = DownloadJob {
        model_id: id,
        repo_id,
        revision,
        sealed_token: restarted.sealed_token.clone(),
        traceparent: millm_platform::trace::current(),
    };
    queue::push_download(&mut *state.downloads.lock().await, job)
        .await
        .map_err(ApiError::internal)?;
    state.progress.forget(id);
    metrics::counter!(JOBS_RETRIED, "queue" => "download").increment(1);
    tracing::info!("download re-queued");
    Ok(accepted(view(&state, restarted)))
}
