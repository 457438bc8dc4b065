//! `POST /api/models/preview`: size and memory for Q4, Q8 and FP16 before downloading.

use axum::extract::State;
use axum::response::Response;
use millm_contract::estimator::EstimateBasis;
use millm_contract::model::{Quantization, format_params, mib};
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::PreviewBody;
use crate::domain::disk::{bytes_to_fetch, fits_disk, free_bytes};
use crate::domain::inspect::{Need, inspect};
use crate::domain::memory::{available_mb, fits_memory};
use crate::http::documented::{AUTHORIZED, HUB, JSON_BODY};
use crate::http::{ApiError, ApiJson, Success, ok};
use crate::route_errors;
use crate::state::AppState;

/// One quantization's figures. `memory_mb` is an estimate (contract: the memory estimator).
#[derive(Debug, Serialize, ToSchema)]
pub struct SizeEstimate {
    /// The repo's fetched files; the same for every quantization (they share one download).
    pub disk_mb: i64,
    /// Estimated device memory once loaded at this quantization.
    pub memory_mb: i64,
    /// Whether the estimate fits the GPU worker's available memory, as the load's 507 decides
    /// it; `null` when no GPU worker is live.
    #[schema(required = true)]
    pub fits_memory: Option<bool>,
    /// Whether the bytes still to fetch fit the free disk, as the download's 507 decides it.
    pub fits_disk: bool,
}

/// Q4, Q8 and FP16, each always present.
#[derive(Debug, Serialize, ToSchema)]
pub struct EstimatedSizes {
    #[serde(rename = "Q4")]
    pub q4: SizeEstimate,
    #[serde(rename = "Q8")]
    pub q8: SizeEstimate,
    #[serde(rename = "FP16")]
    pub fp16: SizeEstimate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    pub name: String,
    pub params: String,
    #[schema(required = true)]
    pub architecture: Option<String>,
    pub requires_trust_remote_code: bool,
    pub is_gated: bool,
    /// `null` when the config could not be read (a gated repo without a token).
    #[schema(required = true)]
    pub loadable: Option<bool>,
    #[schema(required = true)]
    pub unsupported_reason: Option<String>,
    pub revision: String,
    pub estimate_basis: EstimateBasis,
    pub estimated_sizes: EstimatedSizes,
    /// Free space under `MODEL_CACHE_DIR`, in MiB.
    pub available_disk_mb: i64,
    /// The GPU worker's free memory plus the loaded model's footprint, under
    /// `DEVICE_MEMORY_LIMIT_MB`, in MiB; `null` when no GPU worker is live.
    #[schema(required = true)]
    pub available_memory_mb: Option<i64>,
}

route_errors!(PreviewErrors: AUTHORIZED, JSON_BODY, HUB);

#[utoipa::path(post, path = "/api/models/preview", tag = "models", request_body = PreviewBody,
    responses((status = 200, description = "Size and memory at each quantization", body = Success<Preview>), PreviewErrors))]
pub async fn preview_model(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PreviewBody>,
) -> Result<Response, ApiError> {
    let (repo, token) = body.parse()?;
    let token = state.hub_token(token);
    let facts = inspect(&state.hub, &repo, token.as_ref(), Need::InfoOnly).await?;
    let cache_dir = &state.config.common.model_cache_dir;
    let free = free_bytes(cache_dir).await?;
    let disk_fits = fits_disk(bytes_to_fetch(cache_dir, &repo, &facts), free);
    let available_memory_mb = state.workers.active_gpu().as_ref().map(available_mb);
    let size = |q: Quantization| {
        let memory_mb = facts.estimate.memory_mb(q);
        SizeEstimate {
            disk_mb: mib(facts.disk_bytes()),
            memory_mb,
            fits_memory: available_memory_mb.map(|available| fits_memory(memory_mb, available)),
            fits_disk: disk_fits,
        }
    };
    let estimated_sizes = EstimatedSizes {
        q4: size(Quantization::Q4),
        q8: size(Quantization::Q8),
        fp16: size(Quantization::Fp16),
    };
    let files = facts.info.file_names();
    let remote_code =
        facts.config.as_ref().is_some_and(|c| c.get("auto_map").is_some()) || files.iter().any(|f| f.ends_with(".py"));
    let params = if facts.estimate.params > 0 {
        format_params(facts.estimate.params)
    } else {
        "unknown".to_owned()
    };
    Ok(ok(Preview {
        name: repo.name().to_owned(),
        params,
        architecture: facts.architecture(),
        requires_trust_remote_code: remote_code,
        is_gated: facts.info.gated.is_gated(),
        loadable: facts.config_read.then_some(facts.unsupported.is_none()),
        unsupported_reason: facts.unsupported.as_ref().map(|u| u.reason.clone()),
        revision: facts.revision.clone(),
        estimate_basis: facts.estimate.basis,
        estimated_sizes,
        available_disk_mb: mib(free),
        available_memory_mb,
    }))
}
