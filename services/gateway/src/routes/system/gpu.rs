//! `GET /api/system/gpu`: the GPU worker's devices and loaded model, from its heartbeats.

use axum::extract::State;
use axum::response::Response;
use millm_contract::events::GpuStatus;

use crate::http::documented::AUTHORIZED;
use crate::http::{Success, ok};
use crate::route_errors;
use crate::state::AppState;

route_errors!(GpuErrors: AUTHORIZED);

#[utoipa::path(get, path = "/api/system/gpu", tag = "system",
    responses((status = 200, description = "The GPU worker's devices and loaded model", body = Success<GpuStatus>), GpuErrors))]
pub async fn gpu(State(state): State<AppState>) -> Response {
    ok(state.workers.gpu_status())
}
