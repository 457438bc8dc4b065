//! The downloader's configuration: the common part, hub access, apalis liveness and its own
//! settings, each read from the environment with envy (docs/configuration.md has the defaults).

use millm_contract::config::{CommonConfig, ConfigError, HubConfig, QueueWorkerConfig, from_env};
use serde::Deserialize;

/// What only the downloader reads.
#[derive(Debug, Clone, Deserialize)]
pub struct DownloadSettings {
    /// Jobs at once per process.
    #[serde(default = "default_workers")]
    pub max_download_workers: usize,
    /// MiB per range request, also the unit of resume.
    #[serde(default = "default_chunk_mb")]
    pub download_chunk_mb: u64,
    /// MiB/s over all transfers of the process; 0 = unlimited.
    #[serde(default)]
    pub download_max_bandwidth_mbps: f64,
}

fn default_workers() -> usize {
    2
}

fn default_chunk_mb() -> u64 {
    16
}

impl Default for DownloadSettings {
    fn default() -> Self {
        Self {
            max_download_workers: default_workers(),
            download_chunk_mb: default_chunk_mb(),
            download_max_bandwidth_mbps: 0.0,
        }
    }
}

/// Everything the downloader reads at start.
#[derive(Debug, Clone)]
pub struct DownloaderConfig {
    pub common: CommonConfig,
    pub hub: HubConfig,
    pub queue: QueueWorkerConfig,
    pub settings: DownloadSettings,
}

impl DownloaderConfig {
    /// Reads every part; the error names the variable that is missing or bad.
    pub fn from_env() -> Result<Self, ConfigError> {
        let config = Self {
            common: from_env()?,
            hub: from_env()?,
            queue: from_env()?,
            settings: from_env()?,
        };
        config.validate()?;
        Ok(config)
    }

    /// Rejects values that parse but cannot work, naming the variable.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |name: &str, why: &str| Err(ConfigError(format!("bad environment variable {name}: {why}")));
        if self.settings.max_download_workers == 0 {
            return bad("MAX_DOWNLOAD_WORKERS", "must be at least 1");
        }
        if self.settings.download_chunk_mb == 0 {
            return bad("DOWNLOAD_CHUNK_MB", "must be at least 1");
        }
        let bandwidth = self.settings.download_max_bandwidth_mbps;
        if !bandwidth.is_finite() || bandwidth < 0.0 {
            return bad(
                "DOWNLOAD_MAX_BANDWIDTH_MBPS",
                "must be 0 (unlimited) or a positive number",
            );
        }
        if self.queue.orphan_requeue_secs.get() < self.queue.worker_keepalive_secs.get() {
            return bad(
                "ORPHAN_REQUEUE_SECS",
                "must be at least WORKER_KEEPALIVE_SECS: a live worker's jobs would be re-queued",
            );
        }
        Ok(())
    }
}
