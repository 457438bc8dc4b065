//! The gateway's configuration: the common part, hub access, and its own HTTP settings.

use millm_contract::config::{CommonConfig, ConfigError, HubConfig, Seconds, Secret, from_env};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    #[serde(default = "default_host")]
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    /// Allowed roots for local registration (`LOCAL_MODEL_ROOTS`, a comma list); empty allows
    /// any absolute path.
    #[serde(default)]
    pub local_model_roots: LocalRoots,
    #[serde(default)]
    pub millm_api_key: Option<Secret>,
    /// Seconds the GPU worker waits for work in flight; the gateway waits 10 s more.
    #[serde(default = "millm_contract::config::default_graceful_unload_timeout")]
    pub graceful_unload_timeout: Seconds,
    /// The built web UI served at `/` (`MILLM_UI_DIR`); relative to the working directory.
    #[serde(default = "default_ui_dir")]
    pub millm_ui_dir: PathBuf,
}

fn default_host() -> String {
    "0.0.0.0".into()
}
fn default_port() -> u16 {
    8000
}
fn default_ui_dir() -> PathBuf {
    PathBuf::from("frontend/dist")
}

#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub common: CommonConfig,
    pub hub: HubConfig,
    pub http: HttpSettings,
}

impl GatewayConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            common: from_env()?,
            hub: from_env()?,
            http: from_env()?,
        })
    }

    pub fn local_roots(&self) -> Vec<PathBuf> {
        self.http.local_model_roots.0.clone()
    }
}

/// `LOCAL_MODEL_ROOTS`, parsed once at start: the folders local models may come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalRoots(pub Vec<PathBuf>);

impl LocalRoots {
    /// A comma list; blank entries are ignored.
    pub fn parse(text: &str) -> Self {
        Self(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect(),
        )
    }
}

impl<'de> Deserialize<'de> for LocalRoots {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|text| Self::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_roots_are_a_comma_list_without_blank_entries() {
        assert_eq!(
            LocalRoots::parse(" /models , ,/data/llm"),
            LocalRoots(vec![PathBuf::from("/models"), PathBuf::from("/data/llm")])
        );
        assert_eq!(LocalRoots::parse(""), LocalRoots::default());
    }
}
