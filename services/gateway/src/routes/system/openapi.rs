//! `GET /api/openapi.json`: the API described by the handlers' own annotations.

use axum::Json;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use crate::routes::models::{cancel, create, delete, dto, load, preview, read, retry, unload};
use crate::routes::system::{gpu, health};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "miLLM",
        description = "Model management for a self-hosted LLM server for interpretability research"
    ),
    paths(
        read::list_models,
        read::get_model,
        create::create_model,
        delete::delete_model,
        cancel::cancel_download,
        retry::retry_download,
        load::load_model,
        unload::unload_model,
        preview::preview_model,
        gpu::gpu,
        health::health,
        health::ready,
        openapi_json
    ),
    components(schemas(
        millm_contract::model::Model,
        millm_contract::error::ErrorBody,
        millm_contract::error::ErrorCode,
        millm_contract::events::GpuStatus,
        dto::CreateModelBody,
        dto::PreviewBody,
        dto::LoadBody,
        preview::Preview,
        health::Health,
        health::Readiness
    ))
)]
pub struct ApiDoc;

#[utoipa::path(get, path = "/api/openapi.json", tag = "system", responses((status = 200, description = "This document")))]
pub async fn openapi_json() -> Response {
    Json(ApiDoc::openapi()).into_response()
}
