//! The hub's metadata API as the gateway and the downloader use it: model info, small files, and
//! safetensors headers by Range request, all through the circuit breaker, with a couple of quick
//! retries.
//!
//! The model-info request is built by the `hf-hub` crate (its URL scheme, revision escaping and
//! user agent), with `blobs=true` added as hf-hub's own documentation does: hf-hub's `RepoInfo`
//! keeps only file names and the commit, and the downloader needs each file's size and LFS sha256.
//! The answer is read here rather than by hf-hub, which would also fold the hub's `X-Error-Code`
//! (gated, missing repo, missing revision) into one request error.

use hf_hub::api::tokio::{Api, ApiBuilder};
use hf_hub::{Cache, Repo};
use millm_contract::config::Secret;
use millm_contract::files::{TensorInfo, header_len, parse_header};
use millm_contract::repo::RepoId;
use reqwest::{RequestBuilder, StatusCode, header};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::breaker::Breaker;
use super::error::HubError;
use crate::metrics::HUB_ERRORS;

/// A repo's model info (`GET /api/models/{repo}?blobs=true`).
#[derive(Debug, Clone, Deserialize)]
pub struct ModelInfo {
    pub id: String,
    pub sha: Option<String>,
    #[serde(default)]
    pub siblings: Vec<Sibling>,
    #[serde(default)]
    pub gated: Gated,
    #[serde(default)]
    pub config: Option<InfoConfig>,
    #[serde(default)]
    pub safetensors: Option<InfoSafetensors>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Sibling {
    pub rfilename: String,
    pub size: Option<u64>,
    #[serde(rename = "blobId")]
    pub blob_id: Option<String>,
    pub lfs: Option<Lfs>,
}

impl Sibling {
    /// The name of this file's blob in the cache: the LFS sha256, else the git blob id.
    pub fn etag(&self) -> Option<&str> {
        self.lfs.as_ref().map(|l| l.sha256.as_str()).or(self.blob_id.as_deref())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Lfs {
    pub sha256: String,
    pub size: u64,
}

/// `gated` is `false`, `"auto"` or `"manual"` on the hub.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged)]
pub enum Gated {
    #[default]
    Open,
    Flag(bool),
    Mode(String),
}

impl Gated {
    pub fn is_gated(&self) -> bool {
        matches!(self, Gated::Flag(true) | Gated::Mode(_))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct InfoConfig {
    #[serde(default)]
    pub architectures: Vec<String>,
    pub model_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InfoSafetensors {
    pub total: u64,
}

impl ModelInfo {
    pub fn file_names(&self) -> Vec<String> {
        self.siblings.iter().map(|s| s.rfilename.clone()).collect()
    }

    pub fn file_size(&self, name: &str) -> Option<u64> {
        let s = self.siblings.iter().find(|s| s.rfilename == name)?;
        s.lfs.as_ref().map(|l| l.size).or(s.size)
    }
}

#[derive(Clone, Debug)]
pub struct HubClient {
    http: reqwest::Client,
    /// hf-hub's client, only for the requests it knows how to build.
    api: Api,
    endpoint: String,
    breaker: Arc<Breaker>,
}

const ATTEMPTS: u32 = 2;
/// hf-hub's client has no timeouts of its own; its requests get this one.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

impl HubClient {
    pub fn new(endpoint: &str, breaker: Arc<Breaker>) -> Result<Self, HubError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("millm/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HubError::Unavailable(e.to_string()))?;
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        // No token and no cache folder of hf-hub's own: the token goes on each request (a job's
        // sealed token, else `HF_TOKEN`), and the cache is `MODEL_CACHE_DIR`. hf-hub reads a
        // token file next to the cache folder it is given; `with_token(None)` drops what it read.
        let api = ApiBuilder::from_cache(Cache::new(std::path::PathBuf::new()))
            .with_endpoint(endpoint.clone())
            .with_token(None)
            .with_progress(false)
            .with_user_agent("millm", env!("CARGO_PKG_VERSION"))
            .build()
            .map_err(|e| HubError::Unavailable(e.to_string()))?;
        Ok(Self {
            http,
            api,
            endpoint,
            breaker,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn breaker(&self) -> &Breaker {
        &self.breaker
    }

    pub async fn model_info(
        &self,
        repo: &RepoId,
        revision: Option<&str>,
        token: Option<&Secret>,
    ) -> Result<ModelInfo, HubError> {
        let repo = match revision {
            Some(rev) => Repo::with_revision(repo.to_string(), hf_hub::RepoType::Model, rev.to_owned()),
            None => Repo::model(repo.to_string()),
        };
        let repo = self.api.repo(repo);
        let request = || repo.info_request().query(&[("blobs", "true")]).timeout(REQUEST_TIMEOUT);
        let bytes = self.send(request, token).await?;
        serde_json::from_slice(&bytes).map_err(|e| HubError::Decode(e.to_string()))
    }

    pub fn resolve_url(&self, repo: &RepoId, revision: &str, path: &str) -> String {
        format!("{}/{repo}/resolve/{revision}/{path}", self.endpoint)
    }

    /// A small file (config.json) in full.
    pub async fn fetch_file(
        &self,
        repo: &RepoId,
        revision: &str,
        path: &str,
        token: Option<&Secret>,
    ) -> Result<Vec<u8>, HubError> {
        let url = self.resolve_url(repo, revision, path);
        self.send(|| self.http.get(&url), token).await
    }

    /// A safetensors file's tensors, from two Range requests (length, then header).
    pub async fn safetensors_header(
        &self,
        repo: &RepoId,
        revision: &str,
        path: &str,
        token: Option<&Secret>,
    ) -> Result<BTreeMap<String, TensorInfo>, HubError> {
        let url = self.resolve_url(repo, revision, path);
        let ranged = |end: u64| self.http.get(&url).header(header::RANGE, format!("bytes=0-{end}"));
        let head = self.send(|| ranged(7), token).await?;
        let len = header_len(&head).map_err(|e| HubError::Decode(e.to_string()))?;
        let mut bytes = self.send(|| ranged(7 + len), token).await?;
        bytes.truncate(8 + len as usize);
        parse_header(&bytes).map_err(|e| HubError::Decode(format!("{path}: {e}")))
    }

    /// Sends through the breaker, retrying once on failures that say the hub is unwell.
    async fn send(&self, build: impl Fn() -> RequestBuilder, token: Option<&Secret>) -> Result<Vec<u8>, HubError> {
        let mut last = HubError::Unavailable("no attempt made".into());
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            if !self.breaker.allow() {
                return Err(HubError::BreakerOpen);
            }
            let mut request = build();
            if let Some(token) = token {
                request = request.bearer_auth(token.expose());
            }
            match Self::answer(request.send().await).await {
                Ok(bytes) => {
                    self.breaker.record_success();
                    return Ok(bytes);
                }
                Err(HubError::Refused { status, code, message }) => {
                    // A refusal is the hub answering: healthy for the breaker, an error by its status.
                    self.breaker.record_success();
                    metrics::counter!(HUB_ERRORS, "code" => status.to_string()).increment(1);
                    return Err(HubError::Refused { status, code, message });
                }
                Err(error) => {
                    self.breaker.record_failure();
                    metrics::counter!(HUB_ERRORS, "code" => "unavailable").increment(1);
                    last = error;
                }
            }
        }
        Err(last)
    }

    async fn answer(result: reqwest::Result<reqwest::Response>) -> Result<Vec<u8>, HubError> {
        let response = result.map_err(|e| HubError::Unavailable(describe(&e)))?;
        let status = response.status();
        if status.is_success() {
            let body = response
                .bytes()
                .await
                .map_err(|e| HubError::Unavailable(describe(&e)))?;
            return Ok(body.to_vec());
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            return Err(HubError::Unavailable(format!("HTTP {status}")));
        }
        let text = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Err(HubError::Refused {
            status: status.as_u16(),
            code: text("x-error-code"),
            message: text("x-error-message").unwrap_or_default(),
        })
    }
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "cannot connect".into()
    } else {
        "transfer error".into()
    }
}
