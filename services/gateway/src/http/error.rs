//! The gateway's error type and its one exhaustive mapping to (status, code, message, details).
//!
//! Handlers return `Result<_, ApiError>`; [`IntoResponse`] renders the envelope. Internal
//! failures are logged once here, with their cause chain, and answer a message that reveals
//! nothing about the internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use millm_contract::error::{ErrorBody, ErrorCode, Failure};
use millm_contract::model::ModelStatus;
use serde_json::{Value, json};

use super::envelope::Failed;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("field {field} is invalid: {reason}")]
    Validation { field: String, reason: String },
    #[error("body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("body must be application/json")]
    UnsupportedMediaType,
    #[error("body is over 1 MiB")]
    PayloadTooLarge,
    #[error("no such route")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("missing or wrong API key")]
    Unauthorized,
    #[error("model {0} not found")]
    ModelNotFound(i64),
    #[error("model already exists as {existing_model_id:?}")]
    ModelAlreadyExists { existing_model_id: Option<i64> },
    #[error("model is busy: {status}")]
    ModelBusy { status: ModelStatus, message: String },
    #[error("model is not downloading")]
    ModelNotDownloading,
    #[error("model files are not complete")]
    ModelNotReady,
    #[error("model is already loaded")]
    ModelAlreadyLoaded,
    #[error("model is not loaded")]
    ModelNotLoaded,
    #[error("invalid local path: {0}")]
    InvalidLocalPath(String),
    #[error("unsupported model: {reason}")]
    UnsupportedModel {
        architecture: Option<String>,
        reason: String,
    },
    #[error("insufficient disk")]
    InsufficientDisk { required_mb: i64, available_mb: i64 },
    #[error("insufficient memory")]
    InsufficientMemory { required_mb: i64, available_mb: i64 },
    #[error("no live GPU worker")]
    GpuWorkerUnavailable,
    /// A failure another layer already mapped to a code (the hub mapping, a worker's reply).
    #[error("{0}")]
    Mapped(Failure),
    #[error("internal error")]
    Internal(#[source] BoxError),
}

impl ApiError {
    pub fn validation(field: &str, reason: impl Into<String>) -> Self {
        Self::Validation {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    pub fn internal(error: impl Into<BoxError>) -> Self {
        Self::Internal(error.into())
    }

    /// The one table from error to code, message and details.
    pub fn body(&self) -> ErrorBody {
        use ApiError::*;
        let (code, message, details): (ErrorCode, String, Value) = match self {
            Validation { field, reason } => (
                ErrorCode::ValidationError,
                format!("'{field}' is invalid: {reason}"),
                json!({"field": field, "reason": reason}),
            ),
            InvalidJson(reason) => (
                ErrorCode::InvalidJson,
                format!("The body is not valid JSON: {reason}"),
                json!({}),
            ),
            UnsupportedMediaType => (
                ErrorCode::UnsupportedMediaType,
                "A request body must be sent with Content-Type: application/json".into(),
                json!({}),
            ),
            PayloadTooLarge => (
                ErrorCode::PayloadTooLarge,
                "The request body is over 1 MiB".into(),
                json!({}),
            ),
            NotFound => (ErrorCode::NotFound, "No such API route".into(), json!({})),
            MethodNotAllowed => (
                ErrorCode::MethodNotAllowed,
                "This route does not accept that method".into(),
                json!({}),
            ),
            Unauthorized => (
                ErrorCode::Unauthorized,
                "Send the API key as 'Authorization: Bearer <key>'".into(),
                json!({}),
            ),
            ModelNotFound(id) => (ErrorCode::ModelNotFound, format!("Model {id} was not found"), json!({})),
            ModelAlreadyExists { existing_model_id } => (
                ErrorCode::ModelAlreadyExists,
                "This model is already registered".into(),
                json!({"existing_model_id": existing_model_id}),
            ),
            ModelBusy { status, message } => (ErrorCode::ModelBusy, message.clone(), json!({"status": status})),
            ModelNotDownloading => (
                ErrorCode::ModelNotDownloading,
                "The model is not downloading".into(),
                json!({}),
            ),
            ModelNotReady => (
                ErrorCode::ModelNotReady,
                "The model's files are not complete: retry the download first".into(),
                json!({}),
            ),
            ModelAlreadyLoaded => (
                ErrorCode::ModelAlreadyLoaded,
                "The model is already loaded".into(),
                json!({}),
            ),
            ModelNotLoaded => (ErrorCode::ModelNotLoaded, "The model is not loaded".into(), json!({})),
            InvalidLocalPath(reason) => (
                ErrorCode::InvalidLocalPath,
                format!("The local path cannot be registered: {reason}"),
                json!({"reason": reason}),
            ),
            UnsupportedModel { architecture, reason } => (
                ErrorCode::UnsupportedModel,
                format!("miLLM cannot run this model: {reason}"),
                json!({"architecture": architecture, "reason": reason}),
            ),
            InsufficientDisk {
                required_mb,
                available_mb,
            } => (
                ErrorCode::InsufficientDisk,
                format!(
                    "The download needs {required_mb} MiB but only {available_mb} MiB are free under MODEL_CACHE_DIR"
                ),
                json!({"required_mb": required_mb, "available_mb": available_mb}),
            ),
            InsufficientMemory {
                required_mb,
                available_mb,
            } => (
                ErrorCode::InsufficientMemory,
                format!(
                    "The model needs about {required_mb} MiB but {available_mb} MiB are available; \
                     choose a smaller quantization, or load it anyway (force) to try"
                ),
                json!({"required_mb": required_mb, "available_mb": available_mb}),
            ),
            GpuWorkerUnavailable => (
                ErrorCode::GpuWorkerUnavailable,
                "No GPU worker is running; start millm-gpu-worker".into(),
                json!({}),
            ),
            Mapped(failure) => return failure.0.clone(),
            Internal(_) => (
                ErrorCode::InternalError,
                "Something went wrong on the server".into(),
                json!({}),
            ),
        };
        ErrorBody { code, message, details }
    }
}

impl From<Failure> for ApiError {
    fn from(failure: Failure) -> Self {
        ApiError::Mapped(failure)
    }
}

impl From<millm_platform::db::DbError> for ApiError {
    fn from(e: millm_platform::db::DbError) -> Self {
        ApiError::internal(e)
    }
}

/// The cause chain of an error, for the one log line of a 5xx.
pub fn cause_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body();
        let status = StatusCode::from_u16(body.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(code = %body.code, error = %cause_chain(&self), "request failed");
        }
        (status, axum::Json(Failed::new(body))).into_response()
    }
}
