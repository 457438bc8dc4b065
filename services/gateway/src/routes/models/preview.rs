//! `POST /api/models/preview`: size and memory for Q4, Q8 and FP16 before downloading.

use axum::extract::State;
use axum::response::Response;
use millm_contract::estimator::EstimateBasis;
use millm_contract::model::{Quantization, format_params, mib};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

use super::dto::PreviewBody;
use crate::http::{ApiError, ApiJson, ok};
use crate::services::inspect::{Need, inspect};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct SizeEstimate {
    pub disk_mb: i64,
    pub memory_mb: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    pub name: String,
    pub params: String,
    pub architecture: Option<String>,
    pub requires_trust_remote_code: bool,
    pub is_gated: bool,
    /// `null` when the config could not be read (a gated repo without a token).
    pub loadable: Option<bool>,
    pub unsupported_reason: Option<String>,
    pub revision: String,
    pub estimate_basis: EstimateBasis,
    pub estimated_sizes: BTreeMap<String, SizeEstimate>,
}

#[utoipa::path(post, path = "/api/models/preview", tag = "models", request_body = PreviewBody,
    responses((status = 200, body = Preview)))]
pub async fn preview_model(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PreviewBody>,
) -> Result<Response, ApiError> {
    let (repo, token) = body.parse()?;
    let token = state.hub_token(token);
    let facts = inspect(&state.hub, &repo, token.as_ref(), Need::InfoOnly).await?;
    let disk_mb = mib(facts.disk_bytes());
    let estimated_sizes = Quantization::ALL
        .iter()
        .map(|q| {
            (
                q.as_str().to_owned(),
                SizeEstimate {
                    disk_mb,
                    memory_mb: facts.estimate.memory_mb(*q),
                },
            )
        })
        .collect();
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
    }))
}
