//! What every fetch of one engine shares: the HTTP clients, the configuration, the cap on
//! requests in flight, the bandwidth limit and the writeback thread. The engine owns it and
//! lends it to each round, so a round needs nothing of the engine itself.

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::config::EngineConfig;
use super::limiter::BandwidthLimiter;
use super::writeback::Writeback;

#[derive(Clone, Debug)]
pub(crate) struct EngineParts {
    /// Range requests, pooled.
    pub client: reqwest::Client,
    /// Redirects off: resolves each file once (see `locate`).
    pub resolver: reqwest::Client,
    pub config: Arc<EngineConfig>,
    /// `max_inflight_requests` permits, over all files.
    pub requests: Arc<Semaphore>,
    pub limiter: Option<Arc<BandwidthLimiter>>,
    pub writeback: Writeback,
}
