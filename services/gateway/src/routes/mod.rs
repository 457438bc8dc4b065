//! The router: every /api route, the API-key check, enveloped 404/405 answers, and the web UI
//! for every other path.

pub mod models;
pub mod system;
pub mod ui;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceExt;
use tower_http::trace::TraceLayer;

use crate::http::ApiError;
use crate::http::auth::require_api_key;
use crate::http::extract::BODY_LIMIT;
use crate::state::AppState;
use millm_contract::trace::{TRACEPARENT, Traceparent};
use models::{cancel, create, delete, load, preview, read, retry, unload};
use system::{gpu, health, openapi};

async fn not_found() -> Response {
    ApiError::NotFound.into_response()
}

/// Everything no route matched: an enveloped 404 under /api (and for the probes and the
/// socket's path), else the web UI.
async fn fallback(ui: Router, req: Request) -> Response {
    if ui::is_reserved(req.uri().path()) {
        return not_found().await;
    }
    match ui.oneshot(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

async fn method_not_allowed() -> Response {
    ApiError::MethodNotAllowed.into_response()
}

pub fn router(state: AppState) -> Router {
    let ui = ui::router(&state.config.http.millm_ui_dir);
    Router::new()
        .route("/api/models", get(read::list_models).post(create::create_model))
        .route("/api/models/preview", post(preview::preview_model))
        .route("/api/models/{id}", get(read::get_model).delete(delete::delete_model))
        .route("/api/models/{id}/cancel", post(cancel::cancel_download))
        .route("/api/models/{id}/retry", post(retry::retry_download))
        .route("/api/models/{id}/load", post(load::load_model))
        .route("/api/models/{id}/unload", post(unload::unload_model))
        .route("/api/system/gpu", get(gpu::gpu))
        .route("/api/health", get(health::health))
        .route("/api/health/ready", get(health::ready))
        .route("/api/openapi.json", get(openapi::openapi_json))
        .fallback(move |req: Request| fallback(ui.clone(), req))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), require_api_key))
        .layer(middleware::from_fn(crate::http::metered::record))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let span = tracing::info_span!("request", method = %req.method(), path = %req.uri().path());
                let parent = req
                    .headers()
                    .get(TRACEPARENT)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| Traceparent::parse(v).ok());
                millm_platform::trace::continue_trace(&span, parent.as_ref());
                span
            }),
        )
        .with_state(state)
}
