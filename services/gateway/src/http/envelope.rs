//! The `{success, data, error}` envelope around every /api answer, as it is sent and as the
//! OpenAPI document describes it: one set of types serves both, so they cannot drift.
//!
//! [`Success<T>`] is `{"success": true, "data": T, "error": null}`; [`Failed`] is
//! `{"success": false, "data": null, "error": ErrorBody}`. The readiness probe's 503 is the one
//! answer of a third shape, [`NotReady`]: a probe result, not an error.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use millm_contract::error::ErrorBody;
use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, SchemaFormat};
use utoipa::{PartialSchema, ToSchema};

/// A JSON `null` (what `()` serialises to), documented as exactly that.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Null;

impl PartialSchema for Null {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::Null).into()
    }
}

impl ToSchema for Null {}

fn literal(value: bool) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([value]))
        .format(None::<SchemaFormat>)
}

fn always_true() -> ObjectBuilder {
    literal(true)
}

fn always_false() -> ObjectBuilder {
    literal(false)
}

/// A route's answer when it succeeded.
#[derive(Debug, Serialize, ToSchema)]
pub struct Success<T> {
    #[schema(schema_with = always_true)]
    pub success: bool,
    pub data: T,
    pub error: Null,
}

/// Every error answer of /api.
#[derive(Debug, Serialize, ToSchema)]
pub struct Failed {
    #[schema(schema_with = always_false)]
    pub success: bool,
    pub data: Null,
    pub error: ErrorBody,
}

/// `GET /api/health/ready` when a dependency is down: the readiness itself, and no error code.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotReady<T> {
    #[schema(schema_with = always_false)]
    pub success: bool,
    pub data: T,
    pub error: Null,
}

impl<T: Serialize> Success<T> {
    pub fn new(data: T) -> Self {
        Self {
            success: true,
            data,
            error: Null,
        }
    }
}

impl Failed {
    pub fn new(error: ErrorBody) -> Self {
        Self {
            success: false,
            data: Null,
            error,
        }
    }
}

impl<T: Serialize> NotReady<T> {
    pub fn new(data: T) -> Self {
        Self {
            success: false,
            data,
            error: Null,
        }
    }
}

/// 200 with `data`.
pub fn ok<T: Serialize>(data: T) -> Response {
    Json(Success::new(data)).into_response()
}

/// 202 with `data`: the work goes on in the background.
pub fn accepted<T: Serialize>(data: T) -> Response {
    (StatusCode::ACCEPTED, Json(Success::new(data))).into_response()
}

/// 200 with `data: null`.
pub fn ok_null() -> Response {
    ok(Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use millm_contract::error::ErrorCode;

    #[test]
    fn a_success_carries_data_and_a_null_error() {
        let json = serde_json::to_value(Success::new(7)).unwrap();
        assert_eq!(json, serde_json::json!({"success": true, "data": 7, "error": null}));
        let json = serde_json::to_value(Success::new(Null)).unwrap();
        assert_eq!(json, serde_json::json!({"success": true, "data": null, "error": null}));
    }

    #[test]
    fn a_failure_carries_the_error_and_null_data() {
        let body = ErrorBody {
            code: ErrorCode::NotFound,
            message: "m".into(),
            details: serde_json::json!({}),
        };
        let json = serde_json::to_value(Failed::new(body)).unwrap();
        assert_eq!(json["success"], false);
        assert_eq!(json["data"], serde_json::Value::Null);
        assert_eq!(json["error"]["code"], "NOT_FOUND");
    }
}
