//! `GET /api/openapi.json`: the API described by the handlers' own annotations.

use axum::Json;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use crate::http::Failed;
use crate::http::documented::AUTHORIZED;
use crate::route_errors;
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
    // Routes bring their own schemas; these are the ones no route names: the error envelope
    // (named by `route_errors!`) and the Socket.IO `/progress` payloads, so that clients
    // generate every shape they receive from this one document.
    components(schemas(
        Failed,
        millm_contract::error::ErrorCode,
        millm_contract::events::DownloadProgress,
        millm_contract::events::ModelEvent,
        millm_contract::events::ModelError,
        millm_contract::events::ModelOnly,
        millm_contract::events::LoadProgress,
        millm_contract::events::LoadStage,
        millm_contract::events::LoadComplete,
        millm_contract::events::GpuStatus,
        dto::CreateModelBody,
        dto::PreviewBody,
        dto::LoadBody
    ))
)]
pub struct ApiDoc;

route_errors!(OpenApiErrors: AUTHORIZED);

/// The document itself is bare JSON, not an envelope: client generators read it as it is.
#[utoipa::path(get, path = "/api/openapi.json", tag = "system",
    responses((status = 200, description = "This document (OpenAPI 3.1), not enveloped", content_type = "application/json",
        body = Object), OpenApiErrors))]
pub async fn openapi_json() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

/// The document as `GET /api/openapi.json` serves it, pretty-printed (`millm-gateway openapi`).
pub fn document() -> String {
    let mut text = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}
