//! `POST /api/models`: register a local folder (ready at once) or start a hub download.

use axum::extract::State;
use axum::response::Response;
use millm_contract::jobs::DownloadJob;
use millm_contract::model::{ModelStatus, format_params, mib};
use millm_contract::repo::RepoId;
use millm_platform::db::{self, Inserted, ModelFacts, NewModel, NewRecord};
use millm_platform::queue;

use super::dto::{Common, CreateModelBody, CreateRequest};
use crate::domain::disk::check_disk;
use crate::domain::inspect::{Need, inspect};
use crate::domain::local::inspect_local;
use crate::http::documented::{AUTHORIZED, HUB, JSON_BODY, STORED};
use crate::http::{ApiError, ApiJson, Success, accepted};
use crate::route_errors;
use crate::state::AppState;
use millm_contract::error::ErrorCode;
use millm_contract::model::Model;

route_errors!(CreateErrors: AUTHORIZED, STORED, JSON_BODY, HUB, &[
    ErrorCode::ModelAlreadyExists,
    ErrorCode::InvalidLocalPath,
    ErrorCode::InsufficientDisk,
]);

#[utoipa::path(post, path = "/api/models", tag = "models", request_body = CreateModelBody,
    responses((status = 202, description = "Download queued, or local folder registered as ready", body = Success<Model>),
        CreateErrors))]
pub async fn create_model(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateModelBody>,
) -> Result<Response, ApiError> {
    match body.parse()? {
        CreateRequest::Local { path, common } => create_local(state, path, common).await,
        CreateRequest::Hub { repo, common, token } => create_hub(state, repo, common, token).await,
    }
}

#[tracing::instrument(skip_all, fields(local_path = %raw))]
async fn create_local(state: AppState, raw: String, common: Common) -> Result<Response, ApiError> {
    let roots = state.config.local_roots();
    let quant = common.quantization;
    let local = tokio::task::spawn_blocking(move || inspect_local(&raw, &roots, quant))
        .await
        .map_err(ApiError::internal)??;
    let path = local.path.to_string_lossy().into_owned();
    let name = common.custom_name.unwrap_or_else(|| {
        local
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.clone())
    });
    let new = NewModel::Local {
        path,
        record: NewRecord {
            name,
            quantization: quant,
            trust_remote_code: common.trust_remote_code,
            facts: local.facts,
        },
    };
    match db::insert(&state.pool, new).await? {
        Inserted::Created(record) => {
            tracing::info!(model.id = record.model.id, "local model registered");
            Ok(accepted(record.model))
        }
        Inserted::Duplicate { existing_model_id } => Err(ApiError::ModelAlreadyExists { existing_model_id }),
    }
}

#[tracing::instrument(skip_all, fields(repo_id = %repo, quantization = %common.quantization))]
async fn create_hub(
    state: AppState,
    repo: RepoId,
    common: Common,
    token: Option<millm_contract::config::Secret>,
) -> Result<Response, ApiError> {
    if let Some(existing) = db::find_by_repo(&state.pool, repo.as_str(), common.quantization).await? {
        return Err(ApiError::ModelAlreadyExists {
            existing_model_id: Some(existing),
        });
    }
    let sealed_token = token.as_ref().map(|t| state.sealer.seal(t));
    let token = state.hub_token(token);
    let facts = inspect(&state.hub, &repo, token.as_ref(), Need::Config).await?;
    if let Some(unsupported) = &facts.unsupported {
        return Err(ApiError::UnsupportedModel {
            architecture: unsupported.architecture.clone().or_else(|| facts.architecture()),
            reason: unsupported.reason.clone(),
        });
    }
    check_disk(&state.config.common.model_cache_dir, &repo, &facts).await?;

    let new = NewModel::Hub {
        repo: repo.clone(),
        revision: facts.revision.clone(),
        sealed_token: sealed_token.clone(),
        record: NewRecord {
            name: common.custom_name.unwrap_or_else(|| repo.name().to_owned()),
            quantization: common.quantization,
            trust_remote_code: common.trust_remote_code,
            facts: ModelFacts {
                params: Some(format_params(facts.estimate.params)),
                architecture: facts.architecture(),
                disk_size_mb: Some(mib(facts.disk_bytes())),
                estimated_memory_mb: Some(facts.estimate.memory_mb(common.quantization)),
                config_json: facts.config.clone(),
            },
        },
    };
    let record = match db::insert(&state.pool, new).await? {
        Inserted::Created(record) => *record,
        Inserted::Duplicate { existing_model_id } => return Err(ApiError::ModelAlreadyExists { existing_model_id }),
    };
    let job = DownloadJob {
        model_id: record.model.id,
        repo_id: repo.as_str().to_owned(),
        revision: facts.revision.clone(),
        sealed_token,
        traceparent: millm_platform::trace::current(),
    };
    if let Err(e) = queue::push_download(&mut *state.downloads.lock().await, job).await {
        // Without a job the record would sit in `downloading` forever: take it back.
        let _ = db::delete_if(&state.pool, record.model.id, &[ModelStatus::Downloading]).await;
        return Err(ApiError::internal(e));
    }
    tracing::info!(
        model.id = record.model.id,
        size_bytes = facts.disk_bytes(),
        "download queued"
    );
    Ok(accepted(record.model))
}
