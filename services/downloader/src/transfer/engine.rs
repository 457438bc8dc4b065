//! The engine: the parts every fetch shares, and the per-file flow (already on disk? → round →
//! on mismatch, one more round from scratch → `Corrupt`).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::config::EngineConfig;
use super::limiter::BandwidthLimiter;
use super::locate;
use super::on_disk::{self, OnDisk, Partial};
use super::parts::EngineParts;
use super::range::RoundError;
use super::round::{self, FileRun};
use super::writeback::Writeback;
use super::{FetchOutcome, FileSpec, ProgressCounter, TransferError};

const USER_AGENT: &str = concat!("millm-downloader/", env!("CARGO_PKG_VERSION"));

/// Fetches hub files into cache blobs; cheap to clone, one per process.
#[derive(Clone, Debug)]
pub struct TransferEngine {
    parts: EngineParts,
}

impl TransferEngine {
    /// An engine over `client` (share one pooled client per process); fails only when its
    /// writeback thread cannot be started.
    pub fn new(client: reqwest::Client, mut config: EngineConfig) -> std::io::Result<Self> {
        config.chunk_bytes = config.chunk_bytes.max(1);
        config.max_parallel_ranges = config.max_parallel_ranges.max(1);
        config.max_inflight_requests = config.max_inflight_requests.max(1);
        config.retry.attempts = config.retry.attempts.max(1);
        let limiter = BandwidthLimiter::from_mib_per_sec(config.max_bandwidth_mib_s).map(Arc::new);
        let resolver = locate::resolver_client(USER_AGENT).map_err(std::io::Error::other)?;
        Ok(Self {
            parts: EngineParts {
                client,
                resolver,
                requests: Arc::new(Semaphore::new(config.max_inflight_requests)),
                config: Arc::new(config),
                limiter,
                writeback: Writeback::start()?,
            },
        })
    }

    /// The client this engine is meant for: HTTP/1.1 (one TCP stream per range beats h2
    /// multiplexing on one stream), pooled, with connect and read timeouts.
    pub fn build_client() -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            .http1_only()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(32)
            .tcp_nodelay(true)
            .user_agent(USER_AGENT)
            .build()
    }

    /// The configuration in force.
    pub fn config(&self) -> &EngineConfig {
        &self.parts.config
    }

    /// Fetches one file into `spec.dest_blob`, resuming from a partial file when there is one.
    ///
    /// Bytes of this file found on disk count toward `progress` at once (the whole size when the
    /// blob is already present). On `Cancelled` (or any other error) the partial file and its
    /// state stay on disk for a later resume; only a hash or size mismatch deletes them.
    pub async fn fetch(
        &self,
        spec: &FileSpec,
        progress: &ProgressCounter,
        cancel: &CancellationToken,
    ) -> Result<FetchOutcome, TransferError> {
        let span = tracing::info_span!(
            "fetch_file",
            file = %spec.name,
            size_bytes = spec.size,
            duration_ms = tracing::field::Empty,
            transfer_ms = tracing::field::Empty,
            hash_wait_ms = tracing::field::Empty,
            sync_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self
            .fetch_file(spec, progress, cancel, started)
            .instrument(span.clone())
            .await;
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        match &result {
            Ok(outcome) => tracing::info!(parent: &span, ?outcome, "file fetched"),
            Err(TransferError::Cancelled) => tracing::info!(parent: &span, "fetch cancelled"),
            Err(err) => tracing::warn!(parent: &span, error = %err, "fetch failed"),
        }
        result
    }

    async fn fetch_file(
        &self,
        spec: &FileSpec,
        progress: &ProgressCounter,
        cancel: &CancellationToken,
        started: Instant,
    ) -> Result<FetchOutcome, TransferError> {
        if cancel.is_cancelled() {
            return Err(TransferError::Cancelled);
        }
        let mut partial = match on_disk::inspect(spec, self.parts.config.chunk_bytes) {
            OnDisk::Complete => {
                progress.add(spec.size);
                return Ok(FetchOutcome::AlreadyPresent);
            }
            OnDisk::Partial(partial) => partial,
        };
        round::remove_wrong_blob(spec)?;
        let run = FileRun {
            spec,
            progress,
            counted: Arc::new(AtomicU64::new(0)),
            cancel,
            started,
        };
        for round_number in 1..=2 {
            match round::run(&self.parts, &run, partial).await {
                Ok(stats) => return Ok(FetchOutcome::Downloaded(stats)),
                Err(RoundError::Transfer(err)) => return Err(err),
                Err(RoundError::Mismatch(reason)) => {
                    tracing::warn!(file = %spec.name, round_number, %reason, "file does not match; discarding it");
                    round::discard_partial(spec)?;
                    partial = Partial::Fresh;
                }
            }
        }
        Err(TransferError::Corrupt {
            file: spec.name.clone(),
        })
    }
}
