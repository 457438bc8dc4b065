//! `POST /api/models/{id}/unload`: ask the GPU worker, over NATS request/reply.
//!
//! Unloading a `loading` model aborts its load at the next stage boundary. The gateway waits
//! `GRACEFUL_UNLOAD_TIMEOUT` + 10 s, since the worker first lets work in flight finish.

use axum::extract::State;
use axum::response::Response;
use millm_contract::model::ModelStatus;
use millm_contract::workers::{UnloadReply, UnloadRequest};
use millm_platform::bus::BusError;
use millm_platform::db;
use std::time::Duration;

use super::read::{find, view};
use crate::http::documented::{AUTHORIZED, MODEL_ID, STORED};
use crate::http::{ApiError, ModelId, Success, ok};
use crate::route_errors;
use crate::state::AppState;
use millm_contract::error::ErrorCode;
use millm_contract::model::Model;

route_errors!(UnloadErrors: AUTHORIZED, STORED, MODEL_ID, &[
    ErrorCode::ModelNotLoaded,
    ErrorCode::GpuWorkerUnavailable,
    ErrorCode::ModelLoadFailed,
]);

#[utoipa::path(post, path = "/api/models/{id}/unload", tag = "models", params(ModelId),
    responses((status = 200, description = "Unloaded (or its load aborted); the record is ready", body = Success<Model>),
        UnloadErrors))]
#[tracing::instrument(skip_all, fields(model.id = id))]
pub async fn unload_model(State(state): State<AppState>, ModelId(id): ModelId) -> Result<Response, ApiError> {
    let record = find(&state, id).await?;
    if !matches!(record.model.status, ModelStatus::Loaded | ModelStatus::Loading) {
        return Err(ApiError::ModelNotLoaded);
    }
    if state.workers.active_gpu().is_none() {
        return Err(ApiError::GpuWorkerUnavailable);
    }
    let wait = state.config.http.graceful_unload_timeout.get() + Duration::from_secs(10);
    let subject = state.bus.names().gpu_unload();
    let reply: UnloadReply = match state.bus.request(subject, &UnloadRequest { model_id: id }, wait).await {
        Ok(reply) => reply,
        Err(BusError::NoResponders(_)) => return Err(ApiError::GpuWorkerUnavailable),
        Err(e) => return Err(ApiError::internal(e)),
    };
    match reply {
        UnloadReply::Unloaded { memory_released_mb } => tracing::info!(memory_released_mb, "model unloaded"),
        UnloadReply::LoadAborted => tracing::info!("load aborted"),
        // The worker holds nothing for this record: the record was stale, so it is ready now.
        UnloadReply::NotLoaded => {
            db::mark_unloaded(&state.pool, id).await?;
        }
        UnloadReply::Failed { error } => return Err(ApiError::Mapped(millm_contract::error::Failure(error))),
    }
    let record = find(&state, id).await?;
    Ok(ok(view(&state, record)))
}
