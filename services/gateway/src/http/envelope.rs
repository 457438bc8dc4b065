//! The `{success, data, error}` envelope around every /api answer.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use millm_contract::error::ErrorBody;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Envelope<T> {
    pub success: bool,
    pub data: Option<T>,
    pub error: Option<ErrorBody>,
}

impl<T: Serialize> Envelope<T> {
    pub fn ok(data: T) -> Self {
        Self {
            success: true,
            data: Some(data),
            error: None,
        }
    }

    pub fn error(error: ErrorBody) -> Self {
        Self {
            success: false,
            data: None,
            error: Some(error),
        }
    }
}

impl<T: Serialize> IntoResponse for Envelope<T> {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}

/// 200 with `data`.
pub fn ok<T: Serialize>(data: T) -> Response {
    Envelope::ok(data).into_response()
}

/// 202 with `data`: the work goes on in the background.
pub fn accepted<T: Serialize>(data: T) -> Response {
    (StatusCode::ACCEPTED, Envelope::ok(data)).into_response()
}

/// 200 with `data: null`.
pub fn ok_null() -> Response {
    Envelope::<()> {
        success: true,
        data: None,
        error: None,
    }
    .into_response()
}
