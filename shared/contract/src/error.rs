//! The one table of error codes: each code's stable name and its HTTP status.
//!
//! Every service reports failures with an [`ErrorCode`]; the gateway turns it into the
//! `{success: false, error: {code, message, details}}` envelope with [`ErrorCode::http_status`].
//! Events carry the same [`ErrorBody`], so a client reads one shape everywhere.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A stable error code. Its JSON and display form is the SCREAMING_SNAKE_CASE name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    ValidationError,
    InvalidJson,
    UnsupportedMediaType,
    PayloadTooLarge,
    NotFound,
    MethodNotAllowed,
    Unauthorized,
    ModelNotFound,
    ModelAlreadyExists,
    ModelBusy,
    ModelNotDownloading,
    ModelNotReady,
    ModelAlreadyLoaded,
    ModelNotLoaded,
    InvalidLocalPath,
    UnsupportedModel,
    RepoNotFound,
    GatedModelNoToken,
    InvalidHfToken,
    InsufficientDisk,
    InsufficientMemory,
    HubUnavailable,
    GpuWorkerUnavailable,
    DownloadFailed,
    DownloadCancelled,
    ModelLoadFailed,
    InternalError,
}

impl ErrorCode {
    /// The HTTP status of each code: the single place that decides it.
    pub const fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            ValidationError => 422,
            InvalidJson => 400,
            UnsupportedMediaType => 415,
            PayloadTooLarge => 413,
            NotFound => 404,
            MethodNotAllowed => 405,
            Unauthorized => 401,
            ModelNotFound => 404,
            ModelAlreadyExists => 409,
            ModelBusy => 409,
            ModelNotDownloading => 409,
            ModelNotReady => 409,
            ModelAlreadyLoaded => 400,
            ModelNotLoaded => 400,
            InvalidLocalPath => 400,
            UnsupportedModel => 400,
            RepoNotFound => 404,
            GatedModelNoToken => 401,
            InvalidHfToken => 401,
            InsufficientDisk => 507,
            InsufficientMemory => 507,
            HubUnavailable => 503,
            GpuWorkerUnavailable => 503,
            DownloadFailed => 502,
            DownloadCancelled => 499,
            ModelLoadFailed => 500,
            InternalError => 500,
        }
    }

    /// The wire name, e.g. `MODEL_NOT_FOUND`.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ValidationError => "VALIDATION_ERROR",
            InvalidJson => "INVALID_JSON",
            UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            NotFound => "NOT_FOUND",
            MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Unauthorized => "UNAUTHORIZED",
            ModelNotFound => "MODEL_NOT_FOUND",
            ModelAlreadyExists => "MODEL_ALREADY_EXISTS",
            ModelBusy => "MODEL_BUSY",
            ModelNotDownloading => "MODEL_NOT_DOWNLOADING",
            ModelNotReady => "MODEL_NOT_READY",
            ModelAlreadyLoaded => "MODEL_ALREADY_LOADED",
            ModelNotLoaded => "MODEL_NOT_LOADED",
            InvalidLocalPath => "INVALID_LOCAL_PATH",
            UnsupportedModel => "UNSUPPORTED_MODEL",
            RepoNotFound => "REPO_NOT_FOUND",
            GatedModelNoToken => "GATED_MODEL_NO_TOKEN",
            InvalidHfToken => "INVALID_HF_TOKEN",
            InsufficientDisk => "INSUFFICIENT_DISK",
            InsufficientMemory => "INSUFFICIENT_MEMORY",
            HubUnavailable => "HUB_UNAVAILABLE",
            GpuWorkerUnavailable => "GPU_WORKER_UNAVAILABLE",
            DownloadFailed => "DOWNLOAD_FAILED",
            DownloadCancelled => "DOWNLOAD_CANCELLED",
            ModelLoadFailed => "MODEL_LOAD_FAILED",
            InternalError => "INTERNAL_ERROR",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `error` object of the envelope and of error events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// Always an object; `{}` when there is nothing to add.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: serde_json::json!({}),
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// A failure that any service can report: a code, a message for people, and details.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {}", .0.code, .0.message)]
pub struct Failure(pub ErrorBody);

impl Failure {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ErrorBody::new(code, message))
    }

    pub fn with_details(self, details: serde_json::Value) -> Self {
        Self(self.0.with_details(details))
    }

    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// `DOWNLOAD_FAILED`, as every service words it: the repo, the file at fault when there is
    /// one (also in `details.file`), and why.
    pub fn download_failed(repo_id: &str, file: Option<&str>, reason: impl std::fmt::Display) -> Self {
        let message = match file {
            Some(f) => format!("Download of '{repo_id}' failed on {f}: {reason}"),
            None => format!("Download of '{repo_id}' failed: {reason}"),
        };
        let details = file.map_or_else(|| serde_json::json!({}), |f| serde_json::json!({ "file": f }));
        Self::new(ErrorCode::DownloadFailed, message).with_details(details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_wire_names() {
        for code in [
            ErrorCode::ModelNotFound,
            ErrorCode::InvalidHfToken,
            ErrorCode::GpuWorkerUnavailable,
        ] {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::String(code.as_str().to_owned()));
        }
    }

    #[test]
    fn a_download_failure_names_the_file_in_its_message_and_details() {
        let failure = Failure::download_failed("org/x", Some("config.json"), "timed out");
        assert_eq!(failure.code(), ErrorCode::DownloadFailed);
        assert_eq!(
            failure.0.message,
            "Download of 'org/x' failed on config.json: timed out"
        );
        assert_eq!(failure.0.details, serde_json::json!({"file": "config.json"}));
        let failure = Failure::download_failed("org/x", None, "gone");
        assert_eq!(failure.0.message, "Download of 'org/x' failed: gone");
        assert_eq!(failure.0.details, serde_json::json!({}));
    }

    #[test]
    fn statuses_follow_the_contract_table() {
        assert_eq!(ErrorCode::ValidationError.http_status(), 422);
        assert_eq!(ErrorCode::InsufficientMemory.http_status(), 507);
        assert_eq!(ErrorCode::DownloadCancelled.http_status(), 499);
        assert_eq!(ErrorCode::ModelAlreadyLoaded.http_status(), 400);
    }
}
