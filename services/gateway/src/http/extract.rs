//! Request extractors that turn raw input into validated types or enveloped errors.
//!
//! `ApiJson<T>` maps every way a body can be wrong to its code: not JSON (400), wrong media
//! type (415), over 1 MiB (413), a field of the wrong type or value (422, naming the field).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};

use super::error::ApiError;

/// The largest body accepted.
pub const BODY_LIMIT: usize = 1 << 20;

/// A JSON body, required.
pub struct ApiJson<T>(pub T);

/// A JSON body that may be absent (an empty body, or `null`, means `None`).
pub struct OptionalJson<T>(pub Option<T>);

async fn body_bytes(req: Request) -> Result<(bool, Bytes), ApiError> {
    let json_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false);
    let bytes = axum::body::to_bytes(req.into_body(), BODY_LIMIT).await.map_err(|e| {
        let too_large = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::PayloadTooLarge
        } else {
            ApiError::InvalidJson("the body could not be read".into())
        }
    })?;
    Ok((json_type, bytes))
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first (trailing garbage included), so a broken body is never reported as a bad field.
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::InvalidJson(strip_position(&e.to_string())))?;
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." || path.is_empty() {
            "body".to_owned()
        } else {
            path
        };
        ApiError::Validation {
            field,
            reason: strip_position(&error.inner().to_string()),
        }
    })
}

/// serde's messages end in "at line 1 column 42", which means nothing to an API client.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let (json_type, bytes) = body_bytes(req).await?;
        if !json_type {
            return Err(ApiError::UnsupportedMediaType);
        }
        parse(&bytes).map(ApiJson)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let (json_type, bytes) = body_bytes(req).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        if !json_type {
            return Err(ApiError::UnsupportedMediaType);
        }
        // A JSON `null` is the same as no body.
        parse::<Option<T>>(&bytes).map(OptionalJson)
    }
}

/// A model id from the path: a positive integer, else 422 naming `id`.
#[derive(Debug, Clone, Copy)]
pub struct ModelId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for ModelId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::validation("id", "must be a positive integer"))?;
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(ModelId(id)),
            _ => Err(ApiError::validation("id", "must be a positive integer")),
        }
    }
}

/// The `id` path parameter as the extractor accepts it: an integer of at least 1.
impl utoipa::IntoParams for ModelId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let schema = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(1));
        vec![
            ParameterBuilder::new()
                .name("id")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some("The model's id"))
                .schema(Some(schema))
                .build(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        count: u32,
    }

    #[test]
    fn a_wrong_type_names_its_field() {
        match parse::<Body>(br#"{"count": "x"}"#) {
            Err(ApiError::Validation { field, reason }) => {
                assert_eq!(field, "count");
                assert!(!reason.contains("line"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn broken_json_is_invalid_json() {
        assert!(matches!(parse::<Body>(b"{\"count\": "), Err(ApiError::InvalidJson(_))));
        assert!(matches!(parse::<Body>(b"{} trailing"), Err(ApiError::InvalidJson(_))));
    }
}
