//! The route table (the hub protocol, and the `/_admin` switches), plus the catch-all and request logging that
//! apply to every route.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::access::{self, HubError};
use super::state::HubState;
use super::{routes_admin, routes_api, routes_resolve};

pub(crate) fn router(state: Arc<HubState>) -> Router {
    Router::new()
        .route("/api/models/{org}/{name}", get(routes_api::model_info))
        .route(
            "/api/models/{org}/{name}/revision/{rev}",
            get(routes_api::model_info_revision),
        )
        .route("/api/models/{org}/{name}/tree/{rev}", get(routes_api::tree_root))
        .route(
            "/api/models/{org}/{name}/tree/{rev}/{*path}",
            get(routes_api::tree_path),
        )
        .route("/{org}/{name}/resolve/{rev}/{*path}", get(routes_resolve::resolve))
        .route("/_admin/repos/{org}/{name}/rate-limit", post(routes_admin::rate_limit))
        .route("/_admin/repos/{org}/{name}/fail-next", post(routes_admin::fail_next))
        .route("/_admin/repos/{org}/{name}/drop-after", post(routes_admin::drop_after))
        .route("/_admin/repos/{org}/{name}/access", post(routes_admin::access))
        .route("/_admin/tokens", post(routes_admin::add_token))
        .route("/_admin/reset-counters", post(routes_admin::reset_counters))
        .fallback(not_found)
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// Unknown routes still check credentials first, as the hub refuses bad tokens everywhere.
async fn not_found(State(state): State<Arc<HubState>>, headers: HeaderMap) -> Response {
    match access::caller(&state, &headers) {
        Err(refusal) => refusal.into_response(),
        Ok(_) => HubError::new(StatusCode::NOT_FOUND, None, "Not Found").into_response(),
    }
}

async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let uri = request.uri().clone();
    let range = request.headers().get(header::RANGE).cloned();
    let response = next.run(request).await;
    tracing::debug!(%method, %uri, ?range, status = response.status().as_u16(), "fake hub request");
    response
}
