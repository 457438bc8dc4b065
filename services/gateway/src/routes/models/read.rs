//! `GET /api/models` and `GET /api/models/{id}`.

use axum::extract::State;
use axum::response::Response;
use millm_contract::model::{Model, ModelStatus};
use millm_platform::db::{self, ModelRecord};

use crate::http::documented::{AUTHORIZED, MODEL_ID, STORED};
use crate::http::{ApiError, ModelId, Success, ok};
use crate::route_errors;
use crate::state::AppState;

/// A record as clients see it: the live progress replaces the saved one while downloading.
pub fn view(state: &AppState, record: ModelRecord) -> Model {
    let mut model = record.model;
    if model.status == ModelStatus::Downloading {
        model.download_progress = state.progress.get(model.id).or(model.download_progress).or(Some(0.0));
    }
    model
}

pub async fn find(state: &AppState, id: i64) -> Result<ModelRecord, ApiError> {
    db::get(&state.pool, id).await?.ok_or(ApiError::ModelNotFound(id))
}

route_errors!(ListErrors: AUTHORIZED, STORED);

#[utoipa::path(get, path = "/api/models", tag = "models",
    responses((status = 200, description = "Every record, newest first", body = Success<Vec<Model>>), ListErrors))]
pub async fn list_models(State(state): State<AppState>) -> Result<Response, ApiError> {
    let records = db::list(&state.pool).await?;
    let models: Vec<Model> = records.into_iter().map(|r| view(&state, r)).collect();
    Ok(ok(models))
}

route_errors!(GetErrors: AUTHORIZED, STORED, MODEL_ID);

#[utoipa::path(get, path = "/api/models/{id}", tag = "models", params(ModelId),
    responses((status = 200, description = "The record", body = Success<Model>), GetErrors))]
pub async fn get_model(State(state): State<AppState>, ModelId(id): ModelId) -> Result<Response, ApiError> {
    let record = find(&state, id).await?;
    Ok(ok(view(&state, record)))
}
