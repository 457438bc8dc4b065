//! Request bodies for /api/models, and their parsing into validated requests.

use millm_contract::config::Secret;
use millm_contract::model::{ModelSource, Quantization};
use millm_contract::repo::RepoId;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::ApiError;

/// The longest `hf_token` accepted, in characters.
pub const TOKEN_MAX: usize = 1024;
/// The longest `custom_name` accepted (after trimming), in characters.
pub const CUSTOM_NAME_MAX: usize = 100;
/// The longest `local_path` accepted, in characters.
pub const LOCAL_PATH_MAX: usize = 500;

/// `POST /api/models` as sent. Its schema is written by hand in [`super::body_schema`] as the
/// two shapes a client sends (hub or local), from the same limits as [`CreateModelBody::parse`].
#[derive(Debug, Deserialize)]
pub struct CreateModelBody {
    pub source: ModelSource,
    #[serde(default)]
    pub repo_id: Option<String>,
    #[serde(default)]
    pub local_path: Option<String>,
    #[serde(default)]
    pub quantization: Option<Quantization>,
    #[serde(default)]
    pub trust_remote_code: bool,
    /// Sealed on arrival; never stored or logged in clear.
    #[serde(default)]
    pub hf_token: Option<Secret>,
    #[serde(default)]
    pub custom_name: Option<String>,
}

/// `POST /api/models/preview` as sent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PreviewBody {
    #[schema(schema_with = super::body_schema::repo_id)]
    pub repo_id: String,
    #[serde(default)]
    #[schema(schema_with = super::body_schema::token)]
    pub hf_token: Option<Secret>,
}

/// `POST /api/models/{id}/load` as sent (the body is optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct LoadBody {
    #[serde(default)]
    pub force: bool,
}

/// A validated create request.
#[derive(Debug)]
pub enum CreateRequest {
    Hub {
        repo: RepoId,
        common: Common,
        token: Option<Secret>,
    },
    Local {
        path: String,
        common: Common,
    },
}

#[derive(Debug)]
pub struct Common {
    pub quantization: Quantization,
    pub trust_remote_code: bool,
    pub custom_name: Option<String>,
}

pub fn parse_repo_id(field: &str, raw: &str) -> Result<RepoId, ApiError> {
    RepoId::parse(raw).map_err(|reason| ApiError::validation(field, reason))
}

/// The characters a token may hold: printable ASCII, as [`TOKEN_PATTERN`] documents.
fn is_token_char(c: char) -> bool {
    (' '..='~').contains(&c)
}

/// [`is_token_char`] as a regular expression, for the OpenAPI document.
pub const TOKEN_PATTERN: &str = "^[ -~]*$";

fn parse_token(token: Option<Secret>) -> Result<Option<Secret>, ApiError> {
    match token {
        Some(t) if t.expose().chars().count() > TOKEN_MAX => Err(ApiError::validation(
            "hf_token",
            format!("must be at most {TOKEN_MAX} characters"),
        )),
        // It travels in an HTTP header: anything but printable ASCII could not be sent at all.
        Some(t) if !t.expose().chars().all(is_token_char) => Err(ApiError::validation(
            "hf_token",
            "must be printable ASCII (HuggingFace tokens look like hf_…)",
        )),
        Some(t) if t.expose().trim().is_empty() => Ok(None),
        other => Ok(other),
    }
}

impl PreviewBody {
    pub fn parse(self) -> Result<(RepoId, Option<Secret>), ApiError> {
        Ok((parse_repo_id("repo_id", &self.repo_id)?, parse_token(self.hf_token)?))
    }
}

impl CreateModelBody {
    pub fn parse(self) -> Result<CreateRequest, ApiError> {
        let custom_name = match self.custom_name.map(|n| n.trim().to_owned()) {
            Some(n) if n.is_empty() => return Err(ApiError::validation("custom_name", "must not be empty")),
            Some(n) if n.chars().count() > CUSTOM_NAME_MAX => {
                return Err(ApiError::validation(
                    "custom_name",
                    format!("must be at most {CUSTOM_NAME_MAX} characters"),
                ));
            }
            other => other,
        };
        let common = Common {
            quantization: self.quantization.unwrap_or(Quantization::Q4),
            trust_remote_code: self.trust_remote_code,
            custom_name,
        };
        match self.source {
            ModelSource::Huggingface => {
                let raw = self
                    .repo_id
                    .ok_or_else(|| ApiError::validation("repo_id", "is required when source is huggingface"))?;
                Ok(CreateRequest::Hub {
                    repo: parse_repo_id("repo_id", &raw)?,
                    common,
                    token: parse_token(self.hf_token)?,
                })
            }
            ModelSource::Local => {
                let path = self
                    .local_path
                    .ok_or_else(|| ApiError::validation("local_path", "is required when source is local"))?;
                if path.chars().count() > LOCAL_PATH_MAX {
                    return Err(ApiError::validation(
                        "local_path",
                        format!("must be at most {LOCAL_PATH_MAX} characters"),
                    ));
                }
                if !path.starts_with('/') {
                    return Err(ApiError::validation("local_path", "must be an absolute path"));
                }
                if path.contains('\0') {
                    return Err(ApiError::validation("local_path", "must not contain NUL"));
                }
                Ok(CreateRequest::Local { path, common })
            }
        }
    }
}
