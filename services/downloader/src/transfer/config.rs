//! The engine's tuning: chunk size, parallelism, bandwidth, retries and timeouts.

use std::time::Duration;

use super::MIB;
use super::retry::RetryPolicy;

/// Tuning of the engine; `Default` follows the contract's defaults.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Bytes per range request (`DOWNLOAD_CHUNK_MB` MiB); also the unit of resume.
    pub chunk_bytes: u64,
    /// Range requests in flight for one file.
    pub max_parallel_ranges: usize,
    /// Range requests in flight over all files of this engine.
    pub max_inflight_requests: usize,
    /// `DOWNLOAD_MAX_BANDWIDTH_MBPS` in MiB/s over all transfers; 0 = unlimited.
    pub max_bandwidth_mib_s: f64,
    /// Attempts and backoff of transient errors.
    pub retry: RetryPolicy,
    /// A request whose answer or next body bytes take longer than this is retried.
    pub stall_timeout: Duration,
    /// The resume state is rewritten at most this often while chunks complete.
    pub state_save_interval: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            chunk_bytes: 16 * MIB,
            max_parallel_ranges: 4,
            // Four streams in all, shared by a job's files: a one-file repo gets four ranges, two
            // shards two each. More streams only add receivers competing for the same cores and
            // link (measured: 8 in flight downloaded the 509 MB repo 10 % slower than 4).
            max_inflight_requests: 4,
            max_bandwidth_mib_s: 0.0,
            retry: RetryPolicy::default(),
            stall_timeout: Duration::from_secs(30),
            state_save_interval: Duration::from_secs(1),
        }
    }
}

impl EngineConfig {
    /// The defaults with the contract's two settings (`DOWNLOAD_CHUNK_MB`, `DOWNLOAD_MAX_BANDWIDTH_MBPS`).
    pub fn from_settings(chunk_mb: u64, max_bandwidth_mib_s: f64) -> Self {
        Self {
            chunk_bytes: chunk_mb * MIB,
            max_bandwidth_mib_s,
            ..Self::default()
        }
    }
}
