//! `DELETE /api/models/{id}`: remove a record and, by the contract's rules, its files.

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

pub fn busy(status: ModelStatus) -> ApiError {
    ApiError::ModelBusy {
        status,
        message: format!("The model is {status}; unload it first"),
    }
}

route_errors!(DeleteErrors: AUTHORIZED, STORED, MODEL_ID, &[ErrorCode::ModelBusy]);

#[utoipa::path(delete, path = "/api/models/{id}", tag = "models", params(ModelId),
    responses((status = 200, description = "Deleted; data is null", body = Success<Null>), DeleteErrors))]
#[tracing::instrument(skip_all, fields(model.id = id))]
pub async fn delete_model(State(state): State<AppState>, ModelId(id): ModelId) -> Result<Response, ApiError> {
    let record = find(&state, id).await?;
    let status = record.model.status;
    if matches!(status, ModelStatus::Loading | ModelStatus::Loaded) {
        return Err(busy(status));
    }
    let deletable = [ModelStatus::Downloading, ModelStatus::Ready, ModelStatus::Error];
    let Some(deleted) = db::delete_if(&state.pool, id, &deletable).await? else {
        // It moved on between the read and the delete (a load began): report what it is now.
        let now = find(&state, id).await?;
        return Err(busy(now.model.status));
    };
    if deleted.model.status == ModelStatus::Downloading {
        announce_cancel(&state, id).await;
    }
    purge_if_unheld(&state, &deleted).await;
    tracing::info!("model deleted");
    Ok(ok_null())
}
