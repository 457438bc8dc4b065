//! `GET /api/system/gpu`: the GPU worker's devices and loaded model, from its heartbeats.

use axum::extract::State;
use axum::response::Response;
use millm_contract::events::GpuStatus;

use crate::http::ok;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/system/gpu", tag = "system", responses((status = 200, body = GpuStatus)))]
pub async fn gpu(State(state): State<AppState>) -> Response {
    ok(state.workers.gpu_status())
}
