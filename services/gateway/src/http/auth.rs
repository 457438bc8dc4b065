//! `MILLM_API_KEY`: when set, every /api route but `/api/health*` needs `Authorization: Bearer`.

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use crate::state::AppState;

/// Compares in constant time, so the key cannot be guessed byte by byte from timings.
pub fn key_matches(expected: &str, given: &str) -> bool {
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

pub async fn require_api_key(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(key) = state.api_key() else {
        return next.run(req).await;
    };
    let path = req.uri().path();
    if !path.starts_with("/api/") || path.starts_with("/api/health") {
        return next.run(req).await;
    }
    let given = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(token) if key_matches(key.expose(), token.trim()) => next.run(req).await,
        _ => ApiError::Unauthorized.into_response(),
    }
}
