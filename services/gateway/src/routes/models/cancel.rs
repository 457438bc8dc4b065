//! `POST /api/models/{id}/cancel`: stop a download and remove its record.

use axum::extract::State;
use axum::response::Response;
use millm_contract::model::ModelStatus;
use millm_platform::db;

use super::read::find;
use crate::domain::cleanup::{announce_cancel, purge_if_unheld};
use crate::http::documented::{AUTHORIZED, MODEL_ID, STORED};
use crate::http::{ApiError, ModelId, Null, Success, ok_null};
use crate::route_errors;
use crate::state::AppState;
use millm_contract::error::ErrorCode;

route_errors!(CancelErrors: AUTHORIZED, STORED, MODEL_ID, &[ErrorCode::ModelNotDownloading]);

#[utoipa::path(post, path = "/api/models/{id}/cancel", tag = "models", params(ModelId),
    responses((status = 200, description = "Cancelled and deleted; data is null", body = Success<Null>), CancelErrors))]
#[tracing::instrument(skip_all, fields(model.id = id))]
pub async fn cancel_download(State(state): State<AppState>, ModelId(id): ModelId) -> Result<Response, ApiError> {
    let record = find(&state, id).await?;
    if record.model.status != ModelStatus::Downloading {
        return Err(ApiError::ModelNotDownloading);
    }
    let Some(deleted) = db::delete_if(&state.pool, id, &[ModelStatus::Downloading]).await? else {
        return Err(ApiError::ModelNotDownloading);
    };
    announce_cancel(&state, id).await;
    purge_if_unheld(&state, &deleted).await;
    tracing::info!("download cancelled");
    Ok(ok_null())
}
