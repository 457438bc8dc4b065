//! Looking a hub repo up without fetching weights: the facts preview and POST both need.
//!
//! One pass: model info (files, sizes, commit), config.json, and the safetensors headers by
//! Range request, so the estimate counts real tensor shapes. A gated repo without a token
//! still yields what its model info says, and the estimate falls back to the parameter count.

use millm_contract::config::Secret;
use millm_contract::error::Failure;
use millm_contract::estimator::Estimate;
use millm_contract::files::is_fetched_file;
use millm_contract::repo::RepoId;
use millm_contract::supported::{Unsupported, check_supported};
use millm_platform::hub::{CallSite, HubClient, HubError, ModelInfo, hub_failure};
use serde_json::Value;

/// What the hub tells us about a repo at its current revision.
#[derive(Debug, Clone)]
pub struct RepoFacts {
    pub info: ModelInfo,
    pub revision: String,
    pub config: Option<Value>,
    /// Fetched files and their sizes in bytes.
    pub fetched: Vec<(String, u64)>,
    pub estimate: Estimate,
    /// Why we cannot run it; `None` when loadable or when the config could not be read.
    pub unsupported: Option<Unsupported>,
    /// Whether `config.json` was readable (false for a gated repo without a token).
    pub config_read: bool,
}

impl RepoFacts {
    pub fn disk_bytes(&self) -> u64 {
        self.fetched.iter().map(|(_, size)| size).sum()
    }

    pub fn architecture(&self) -> Option<String> {
        let from_config = self
            .config
            .as_ref()
            .and_then(|c| c["architectures"][0].as_str())
            .map(str::to_owned);
        from_config.or_else(|| self.info.config.as_ref().and_then(|c| c.architectures.first().cloned()))
    }
}

/// How strict the lookup is: POST needs the config; preview tolerates a gated repo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Config,
    InfoOnly,
}

pub async fn inspect(hub: &HubClient, repo: &RepoId, token: Option<&Secret>, need: Need) -> Result<RepoFacts, Failure> {
    let sent = token.is_some();
    let map = |e: &HubError| {
        hub_failure(
            e,
            sent,
            CallSite::Sync {
                repo_id: repo.as_str(),
                revision: None,
            },
        )
    };
    let info = hub.model_info(repo, None, token).await.map_err(|e| map(&e))?;
    let revision = info.sha.clone().unwrap_or_else(|| "main".to_owned());
    let files = info.file_names();
    let fetched: Vec<(String, u64)> = files
        .iter()
        .filter(|f| is_fetched_file(f))
        .map(|f| (f.clone(), info.file_size(f).unwrap_or(0)))
        .collect();

    let config = match hub.fetch_file(repo, &revision, "config.json", token).await {
        Ok(bytes) => Some(
            serde_json::from_slice::<Value>(&bytes)
                .map_err(|_| unsupported_failure(None, "config.json is not valid JSON"))?,
        ),
        Err(e) if need == Need::InfoOnly && is_access_refusal(&e) => None,
        Err(e) => return Err(map(&e)),
    };
    let conv1d = architecture_of(config.as_ref(), &info).as_deref() == Some("GPT2LMHeadModel");
    let estimate = match &config {
        Some(_) => shape_estimate(hub, repo, &revision, token, &fetched, conv1d).await,
        None => None,
    }
    .or_else(|| {
        info.safetensors
            .as_ref()
            .map(|s| Estimate::from_parameter_count(s.total))
    })
    .unwrap_or_else(|| Estimate::from_parameter_count(0));

    // Without the config (a gated repo and no token) loadability is unknown, not refused.
    let unsupported = config.as_ref().and_then(|c| check_supported(c, &files).err());
    Ok(RepoFacts {
        info,
        revision,
        config_read: config.is_some(),
        config,
        fetched,
        estimate,
        unsupported,
    })
}

fn architecture_of(config: Option<&Value>, info: &ModelInfo) -> Option<String> {
    config
        .and_then(|c| c["architectures"][0].as_str().map(str::to_owned))
        .or_else(|| info.config.as_ref().and_then(|c| c.architectures.first().cloned()))
}

fn is_access_refusal(error: &HubError) -> bool {
    matches!(error, HubError::Refused { status: 401 | 403, .. })
}

/// Counts tensor shapes from every shard's header; `None` when a header cannot be read.
async fn shape_estimate(
    hub: &HubClient,
    repo: &RepoId,
    revision: &str,
    token: Option<&Secret>,
    fetched: &[(String, u64)],
    conv1d: bool,
) -> Option<Estimate> {
    let shards: Vec<&str> = fetched
        .iter()
        .map(|(f, _)| f.as_str())
        .filter(|f| f.ends_with(".safetensors"))
        .collect();
    if shards.is_empty() {
        return None;
    }
    let headers =
        futures::future::try_join_all(shards.iter().map(|f| hub.safetensors_header(repo, revision, f, token)))
            .await
            .ok()?;
    let tensors: Vec<(String, Vec<u64>)> = headers
        .into_iter()
        .flat_map(|h| h.into_iter().map(|(name, info)| (name, info.shape)))
        .collect();
    Some(Estimate::from_tensors(
        tensors.iter().map(|(n, s)| (n.as_str(), s.as_slice())),
        conv1d,
    ))
}

pub fn unsupported_failure(architecture: Option<String>, reason: &str) -> Failure {
    Failure::new(
        millm_contract::error::ErrorCode::UnsupportedModel,
        format!("miLLM cannot run this model: {reason}"),
    )
    .with_details(serde_json::json!({"architecture": architecture, "reason": reason}))
}
