//! The REST client: every call returns the envelope's `data`, or a [`CliError`] built from its
//! `error` (or from the lack of an answer).
//!
//! The API key travels only in the `Authorization` header, marked sensitive so that no debug
//! output of reqwest can show it.

use std::time::Duration;

use millm_contract::error::ErrorBody;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::CliError;

/// Long enough for an unload, which the gateway lets run `GRACEFUL_UNLOAD_TIMEOUT` + 10 s.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Api {
    http: reqwest::Client,
    base: String,
    key: Option<String>,
}

impl Api {
    pub fn new(url: &str, key: Option<String>) -> Result<Self, CliError> {
        let base = url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(CliError::Usage(format!(
                "--url / MILLM_URL must start with http:// or https://, got '{base}'"
            )));
        }
        let key = key.filter(|k| !k.trim().is_empty());
        let mut headers = HeaderMap::new();
        if let Some(key) = &key {
            let mut value = HeaderValue::from_str(&format!("Bearer {key}"))
                .map_err(|_| CliError::Usage("the API key must be printable ASCII".into()))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| CliError::Usage(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { http, base, key })
    }

    /// The server's address, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The API key, for the socket's `auth.token`; never printed.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    pub async fn get(&self, path: &str) -> Result<Value, CliError> {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Option<Value>) -> Result<Value, CliError> {
        self.call(Method::POST, path, body).await
    }

    pub async fn delete(&self, path: &str) -> Result<Value, CliError> {
        self.call(Method::DELETE, path, None).await
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, CliError> {
        let url = format!("{}{path}", self.base);
        let mut request: RequestBuilder = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| CliError::Unreachable {
            url: self.base.clone(),
            reason: describe(&e),
        })?;
        let status = response.status().as_u16();
        let envelope: Option<Value> = response.json().await.ok();
        let bad = || CliError::BadAnswer {
            url: url.clone(),
            status,
        };
        let envelope = envelope
            .filter(|e| e.get("success").is_some_and(Value::is_boolean))
            .ok_or_else(bad)?;
        if envelope["success"] == true {
            return Ok(envelope.get("data").cloned().unwrap_or(Value::Null));
        }
        let error: ErrorBody = serde_json::from_value(envelope["error"].clone()).map_err(|_| bad())?;
        Err(CliError::Api {
            status,
            error,
            hint: None,
        })
    }
}

/// The innermost cause: "Connection refused" says more than reqwest's "error sending request".
fn describe(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if error.is_timeout() {
        "timed out".to_owned()
    } else {
        cause.to_string()
    }
}

/// The `data` as a contract type; a shape we cannot read is the server's fault (exit 3).
pub fn typed<T: DeserializeOwned>(data: Value) -> Result<T, CliError> {
    serde_json::from_value(data).map_err(|e| CliError::Mismatch(e.to_string()))
}
