//! The engine: configuration, the shared request cap and bandwidth limit, and the per-file flow
//! (already present? → round → on mismatch, one more round → `Corrupt`).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::limiter::BandwidthLimiter;
use super::locate;
use super::range::RoundError;
use super::retry::RetryPolicy;
use super::round::{self, RoundParams};
use super::writeback::Writeback;
use super::{FetchOutcome, FileSpec, MIB, ProgressCounter, TransferError};

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

const USER_AGENT: &str = concat!("millm-downloader/", env!("CARGO_PKG_VERSION"));

/// Fetches hub files into cache blobs; cheap to clone, one per process.
#[derive(Clone, Debug)]
pub struct TransferEngine {
    client: reqwest::Client,
    /// Redirects off: resolves each file once (see `locate`).
    resolver: reqwest::Client,
    config: Arc<EngineConfig>,
    requests: Arc<Semaphore>,
    limiter: Option<Arc<BandwidthLimiter>>,
    writeback: Writeback,
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
            client,
            resolver,
            requests: Arc::new(Semaphore::new(config.max_inflight_requests)),
            config: Arc::new(config),
            limiter,
            writeback: Writeback::start()?,
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
        &self.config
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

    /// Fetches `specs`, at most `max_files` at once; the first failure stops the others (they
    /// keep their partial files) and is returned. Outcomes are in the order of `specs`.
    pub async fn fetch_many(
        &self,
        specs: &[FileSpec],
        max_files: usize,
        progress: &ProgressCounter,
        cancel: &CancellationToken,
    ) -> Result<Vec<FetchOutcome>, TransferError> {
        let siblings = cancel.child_token();
        let mut outcomes: Vec<Option<FetchOutcome>> = vec![None; specs.len()];
        let mut first_error = None;
        let mut running = futures::stream::iter(specs.iter().enumerate())
            .map(|(index, spec)| {
                let siblings = &siblings;
                async move { (index, self.fetch(spec, progress, siblings).await) }
            })
            .buffer_unordered(max_files.max(1));
        // Draining after the first error lets the others save their resume state and stop.
        while let Some((index, result)) = running.next().await {
            match result {
                Ok(outcome) => outcomes[index] = Some(outcome),
                Err(err) => {
                    siblings.cancel();
                    if first_error.is_none() || matches!(first_error, Some(TransferError::Cancelled)) {
                        first_error = Some(err);
                    }
                }
            }
        }
        match first_error {
            Some(err) => Err(err),
            None => Ok(outcomes.into_iter().flatten().collect()),
        }
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
        if round::blob_present(spec)? {
            progress.add(spec.size);
            return Ok(FetchOutcome::AlreadyPresent);
        }
        let counted = Arc::new(AtomicU64::new(0));
        for round_number in 1..=2 {
            let params = RoundParams {
                engine_client: &self.client,
                resolver: &self.resolver,
                config: &self.config,
                requests: &self.requests,
                limiter: self.limiter.as_ref(),
                writeback: &self.writeback,
                spec,
                progress,
                counted: &counted,
                cancel,
                started,
            };
            match round::run(params).await {
                Ok(stats) => return Ok(FetchOutcome::Downloaded(stats)),
                Err(RoundError::Transfer(err)) => return Err(err),
                Err(RoundError::Mismatch(reason)) => {
                    tracing::warn!(file = %spec.name, round_number, %reason, "file does not match; discarding it");
                    round::discard_partial(spec)?;
                }
            }
        }
        Err(TransferError::Corrupt {
            file: spec.name.clone(),
        })
    }
}
