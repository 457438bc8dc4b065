//! `POST /api/models/{id}/load`: checks in the contract's order, then a load job.
//!
//! Order: 404 → state (409/400) → UNSUPPORTED_MODEL → 503 GPU_WORKER_UNAVAILABLE → 507.
//! `{"force": true}` proceeds past the memory check; no body means `force: false`.

use axum::extract::State;
use axum::response::Response;
use millm_contract::jobs::LoadJob;
use millm_contract::model::{ErrorStage, ModelStatus};
use millm_contract::supported::check_supported;
use millm_contract::workers::GpuWorkerState;
use millm_platform::db::{self, BeginLoad, ModelRecord};
use millm_platform::queue;
use uuid::Uuid;

use super::dto::LoadBody;
use super::read::{find, view};
use crate::domain::memory::{available_mb, fits_memory};
use crate::http::documented::{AUTHORIZED, JSON_BODY, MODEL_ID, STORED};
use crate::http::{ApiError, ModelId, OptionalJson, Success, accepted};
use crate::route_errors;
use crate::state::AppState;
use millm_contract::error::ErrorCode;
use millm_contract::model::Model;

route_errors!(LoadErrors: AUTHORIZED, STORED, MODEL_ID, JSON_BODY, &[
    ErrorCode::ModelBusy,
    ErrorCode::ModelNotReady,
    ErrorCode::ModelAlreadyLoaded,
    ErrorCode::UnsupportedModel,
    ErrorCode::GpuWorkerUnavailable,
    ErrorCode::InsufficientMemory,
]);

#[utoipa::path(post, path = "/api/models/{id}/load", tag = "models", params(ModelId),
    request_body(content = Option<LoadBody>, description = "Optional; an empty body means force: false"),
    responses((status = 202, description = "Load started; the record is loading", body = Success<Model>), LoadErrors))]
#[tracing::instrument(skip_all, fields(model.id = id))]
pub async fn load_model(
    State(state): State<AppState>,
    ModelId(id): ModelId,
    OptionalJson(body): OptionalJson<LoadBody>,
) -> Result<Response, ApiError> {
    let force = body.unwrap_or_default().force;
    let record = find(&state, id).await?;
    check_state(&record)?;
    check_files(&state, &record).await?;
    let worker = state.workers.active_gpu().ok_or(ApiError::GpuWorkerUnavailable)?;
    if !force {
        check_memory(&record, &worker)?;
    }
    let load_id = Uuid::new_v4();
    let started = match db::begin_load(&state.pool, id, load_id).await? {
        BeginLoad::Started(record) => *record,
        BeginLoad::NotFound => return Err(ApiError::ModelNotFound(id)),
        BeginLoad::Refused {
            other_loading: Some(other),
            ..
        } => {
            return Err(ApiError::ModelBusy {
                status: ModelStatus::Loading,
                message: format!("Model {other} is loading; wait for it"),
            });
        }
        BeginLoad::Refused { .. } => return Err(state_error(&find(&state, id).await?)),
    };
    let job = LoadJob {
        model_id: id,
        load_id,
        traceparent: millm_platform::trace::current(),
    };
    if let Err(e) = queue::push_load(&mut *state.loads.lock().await, job).await {
        let _ = db::fail(
            &state.pool,
            id,
            ModelStatus::Loading,
            ModelStatus::Ready,
            ErrorStage::Load,
            "the load could not be queued",
        )
        .await;
        return Err(ApiError::internal(e));
    }
    tracing::info!(force, "load queued");
    Ok(accepted(view(&state, started)))
}

fn state_error(record: &ModelRecord) -> ApiError {
    match record.model.status {
        ModelStatus::Loaded => ApiError::ModelAlreadyLoaded,
        ModelStatus::Error if record.model.error_stage != Some(ErrorStage::Load) => ApiError::ModelNotReady,
        status => busy_for_load(status),
    }
}

fn busy_for_load(status: ModelStatus) -> ApiError {
    ApiError::ModelBusy {
        status,
        message: format!("The model is {status}; it cannot be loaded now"),
    }
}

fn check_state(record: &ModelRecord) -> Result<(), ApiError> {
    if record.model.may_load() {
        Ok(())
    } else {
        Err(state_error(record))
    }
}

async fn check_files(state: &AppState, record: &ModelRecord) -> Result<(), ApiError> {
    let dir = record.files_dir(&state.config.common.model_cache_dir);
    let files = tokio::task::spawn_blocking(move || crate::domain::files::list_names(&dir))
        .await
        .map_err(ApiError::internal)?;
    let config = record.config_json.clone().unwrap_or_default();
    check_supported(&config, &files)
        .map(drop)
        .map_err(|u| ApiError::UnsupportedModel {
            architecture: u.architecture.or_else(|| record.model.architecture.clone()),
            reason: u.reason,
        })
}

fn check_memory(record: &ModelRecord, worker: &GpuWorkerState) -> Result<(), ApiError> {
    let required = record.model.estimated_memory_mb.unwrap_or(0);
    let available = available_mb(worker);
    if !fits_memory(required, available) {
        return Err(ApiError::InsufficientMemory {
            required_mb: required,
            available_mb: available,
        });
    }
    Ok(())
}
